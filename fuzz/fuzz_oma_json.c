/* Fuzz OMA JSON (11543): decode in chunks, re-encode, decode again and
 * compare (json_roundtrip.h). The first byte picks the chunk sizes. */
#include "json_roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_roundtrip(TERN_CF_OMA_JSON, data, size);
}
