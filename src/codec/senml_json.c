/* tern — senml_json content format: placeholder until its implementation lands. */
#include "codec/codec_internal.h"

const tern_codec_vtab tern_codec_senml_json = {TERN_CF_SENML_JSON, "senml_json", NULL, NULL, NULL, NULL, NULL};
