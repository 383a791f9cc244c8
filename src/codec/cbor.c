/* tern — cbor content format: placeholder until its implementation lands. */
#include "codec/codec_internal.h"

const tern_codec_vtab tern_codec_cbor = {TERN_CF_CBOR, "cbor", NULL, NULL, NULL, NULL, NULL};
