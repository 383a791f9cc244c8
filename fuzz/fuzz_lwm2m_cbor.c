/* Fuzz target: lwm2m_cbor decoder (chunked feeding) and decode/encode/decode round trip. */
#include "cbor_fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(TERN_CF_LWM2M_CBOR, data, size);
}
