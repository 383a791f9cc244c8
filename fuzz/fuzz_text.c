/* libFuzzer: Plain Text and Opaque decoders in random chunks, re-encode,
 * decode, compare. Input: [type selector][path level][instance][seed]. */
#include "fuzz_codec_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_roundtrip(TERN_CF_TEXT, data, size);
    fz_roundtrip(TERN_CF_OPAQUE, data, size);
    return 0;
}
