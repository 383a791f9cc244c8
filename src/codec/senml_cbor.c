/* tern — senml_cbor content format: placeholder until its implementation lands. */
#include "codec/codec_internal.h"

const tern_codec_vtab tern_codec_senml_cbor = {TERN_CF_SENML_CBOR, "senml_cbor", NULL, NULL, NULL, NULL, NULL};
