/* tern — tlv content format: placeholder until its implementation lands. */
#include "codec/codec_internal.h"

const tern_codec_vtab tern_codec_tlv = {TERN_CF_TLV, "tlv", NULL, NULL, NULL, NULL, NULL};
