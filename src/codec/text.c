/* tern — text content format: placeholder until its implementation lands. */
#include "codec/codec_internal.h"

const tern_codec_vtab tern_codec_text = {TERN_CF_TEXT, "text", NULL, NULL, NULL, NULL, NULL};
