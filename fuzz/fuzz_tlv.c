/* libFuzzer: OMA-TLV decoder in random chunks, re-encode, decode, compare.
 * Input: [type selector][path level][instance][chunk seed] payload. */
#include "fuzz_codec_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_roundtrip(TERN_CF_TLV, data, size);
    return 0;
}
