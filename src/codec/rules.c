/* tern — which content formats may carry which operation (placeholder). */
#include "tern/codec.h"

int tern_cf_allowed(int32_t cf, tern_codec_op op, const tern_path *path, bool multiple)
{
    (void)cf;
    (void)op;
    (void)path;
    (void)multiple;
    return TERN_EUNSUPPORTED;
}
