/* tern — lwm2m_cbor content format: placeholder until its implementation lands. */
#include "codec/codec_internal.h"

const tern_codec_vtab tern_codec_lwm2m_cbor = {TERN_CF_LWM2M_CBOR, "lwm2m_cbor", NULL, NULL, NULL, NULL, NULL};
