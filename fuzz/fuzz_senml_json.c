/* Fuzz SenML JSON (110) and SenML-ETCH JSON (320): decode in chunks,
 * re-encode, decode again and compare (json_roundtrip.h). The first byte
 * picks the chunk sizes, its low bit the format. */
#include "json_roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    return fz_roundtrip((data[0] & 1) ? TERN_CF_SENML_ETCH_JSON : TERN_CF_SENML_JSON, data, size);
}
