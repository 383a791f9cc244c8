/* tern — oma_json content format: placeholder until its implementation lands. */
#include "codec/codec_internal.h"

const tern_codec_vtab tern_codec_oma_json = {TERN_CF_OMA_JSON, "oma_json", NULL, NULL, NULL, NULL, NULL};
