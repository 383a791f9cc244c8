/* tern — senml_etch_cbor content format: placeholder until its implementation lands. */
#include "codec/codec_internal.h"

const tern_codec_vtab tern_codec_senml_etch_cbor = {TERN_CF_SENML_ETCH_CBOR, "senml_etch_cbor", NULL, NULL, NULL, NULL, NULL};
