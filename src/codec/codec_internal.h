/* Internal interface between the codec dispatcher (codec.c) and the format
 * files. Each format defines one `const tern_codec_vtab tern_codec_<name>`.
 *
 * Decoder contract for a format's dec_next():
 *   - unconsumed input is d->buf[d->start .. d->end); d->last says no more
 *     input will come; document offset of buf[i] is d->consumed_total + i;
 *   - produce at most one entry, advance d->start past what it consumed and
 *     return TERN_OK; or return TERN_AGAIN (nothing consumed that is still
 *     needed) when the next element is incomplete and !d->last; or TERN_DONE
 *     at the end of the document; or fail with tern_dec_fail();
 *   - private state lives in d->st.raw (TERN_DECODER_STATE_SIZE bytes).
 * Encoder contract for enc_add()/enc_finish(): atomic — on TERN_ENOMEM
 * neither `out` nor the encoder state changed. */
#ifndef TERN_CODEC_INTERNAL_H
#define TERN_CODEC_INTERNAL_H

#include "tern/codec.h"

struct tern_codec_vtab {
    int32_t cf;
    const char *name;
    int (*dec_init)(tern_decoder *d);
    int (*dec_next)(tern_decoder *d, tern_entry *e);
    int (*enc_init)(tern_encoder *e);
    int (*enc_add)(tern_encoder *e, const tern_entry *en, tern_wbuf *out);
    int (*enc_finish)(tern_encoder *e, tern_wbuf *out);
};

/* Records a sticky decoder error at buffer index `at` (converted to a
 * document offset) and returns err. */
int tern_dec_fail(tern_decoder *d, int err, size_t at, const char *reason);
/* Records a sticky encoder error and returns err. */
int tern_enc_fail(tern_encoder *e, int err, const char *reason);

/* Private-state accessor with a compile-time size check. */
/* Each format file asserts its state fits:
 *   _Static_assert(sizeof(my_state) <= TERN_DECODER_STATE_SIZE, "...");  */
#define TERN_DEC_STATE(d, T) ((T *)(void *)(d)->st.raw)
#define TERN_ENC_STATE(e, T) ((T *)(void *)(e)->st.raw)

/* Type of a path from the caller's model, TERN_TYPE_NONE when unknown. */
static inline tern_type tern_dec_type_of(const tern_decoder *d, const tern_path *p)
{
    return d->type_of ? (tern_type)(d->type_of(d->type_ctx, p) & TERN_TYPE_MASK) : TERN_TYPE_NONE;
}

/* Multiplicity of the resource at p (len >= 3) from the model: 1 multiple,
 * 0 single, -1 unknown (see TERN_TYPE_MULTIPLE). */
static inline int tern_dec_multiplicity(const tern_decoder *d, const tern_path *p)
{
    if (!d->type_of || p->len < 3)
        return -1;
    tern_path rp = *p;
    rp.len = 3;
    int t = (int)d->type_of(d->type_ctx, &rp);
    if (t & TERN_TYPE_MULTIPLE)
        return 1;
    return (t & TERN_TYPE_MASK) != TERN_TYPE_NONE ? 0 : -1;
}

extern const tern_codec_vtab tern_codec_text;
extern const tern_codec_vtab tern_codec_opaque;
extern const tern_codec_vtab tern_codec_cbor;
extern const tern_codec_vtab tern_codec_senml_json;
extern const tern_codec_vtab tern_codec_senml_cbor;
extern const tern_codec_vtab tern_codec_senml_etch_json;
extern const tern_codec_vtab tern_codec_senml_etch_cbor;
extern const tern_codec_vtab tern_codec_tlv;
extern const tern_codec_vtab tern_codec_oma_json;
extern const tern_codec_vtab tern_codec_lwm2m_cbor;

#endif
