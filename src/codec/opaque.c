/* tern — opaque content format: placeholder until its implementation lands. */
#include "codec/codec_internal.h"

const tern_codec_vtab tern_codec_opaque = {TERN_CF_OPAQUE, "opaque", NULL, NULL, NULL, NULL, NULL};
