/* tern — senml_etch_json content format: placeholder until its implementation lands. */
#include "codec/codec_internal.h"

const tern_codec_vtab tern_codec_senml_etch_json = {TERN_CF_SENML_ETCH_JSON, "senml_etch_json", NULL, NULL, NULL, NULL, NULL};
