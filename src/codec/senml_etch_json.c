/* tern — SenML-ETCH JSON (RFC 8790, content format 320; LwM2M Core §7.4.7):
 * the SenML JSON syntax (senml_json.c) where a record without a value (a
 * Fetch record, Read-/Observe-Composite) or with "v": null (an iPATCH
 * delete) decodes as TERN_ENTRY_PATH_ONLY. */
#include "codec/codec_internal.h"
#include "codec/json.h"

static int etch_dec_init(tern_decoder *d)
{
    return tern_senml_json_dec_init(d, true);
}

static int etch_enc_init(tern_encoder *e)
{
    return tern_senml_json_enc_init(e, true);
}

const tern_codec_vtab tern_codec_senml_etch_json = {
    TERN_CF_SENML_ETCH_JSON, "senml_etch_json",          etch_dec_init, tern_senml_json_dec_next, etch_enc_init,
    tern_senml_json_enc_add, tern_senml_json_enc_finish,
};
