/* Fuzz target: SenML CBOR (112) and SenML-ETCH CBOR (322) decoders (chunked
 * feeding) and the decode/encode/decode round trip; the last input byte's low
 * bit selects the format. */
#include "cbor_fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    return fz_run((data[size - 1] & 1) ? TERN_CF_SENML_ETCH_CBOR : TERN_CF_SENML_CBOR, data, size);
}
