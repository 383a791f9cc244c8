/* tern — SenML-ETCH CBOR content format (322; RFC 8790, Core §7.4.7): the
 * SenML CBOR syntax (senml_cbor.c) with ETCH semantics: a record whose value
 * is null (or absent) names a resource (instance) to delete (iPATCH) or a
 * path to fetch (FETCH); tern_entry kind PATH_ONLY. */
#include "codec/cbor_prim.h"
#include "codec/codec_internal.h"

static int etch_dec_init(tern_decoder *d)
{
    return tern_senml_cbor_dec_init(d, true);
}

static int etch_enc_init(tern_encoder *e)
{
    return tern_senml_cbor_enc_init(e, true);
}

const tern_codec_vtab tern_codec_senml_etch_cbor = {TERN_CF_SENML_ETCH_CBOR, "senml_etch_cbor", etch_dec_init,
                                                    tern_senml_cbor_dec_next, etch_enc_init,
                                                    tern_senml_cbor_enc_add, tern_senml_cbor_enc_finish};
