/* tern — Opaque content format 42 (LwM2M 1.2 Core §7.4.2).
 *
 * The payload is the raw value of one Opaque resource or resource instance
 * (the request path). The decoder yields every fed chunk as an entry at
 * once (entry.offset, more; the last entry has more == false and total set,
 * possibly with zero bytes), so a firmware package of any size streams
 * through a scratch buffer of one block. An empty payload is one empty
 * value. Whether the resource really is Opaque is the caller's check (the
 * model knows; Anjay answers 4.06/4.15 for other types). The encoder
 * passes the bytes through, in as many chunks as the caller likes.
 */
#include <string.h>

#include "codec/codec_internal.h"

typedef struct {
    bool done;
    bool emitted;
    bool more_pending;
    uint32_t off;
} opaque_dec;
_Static_assert(sizeof(opaque_dec) <= TERN_DECODER_STATE_SIZE, "opaque decoder state too big");

static int dec_init(tern_decoder *d)
{
    memset(TERN_DEC_STATE(d, opaque_dec), 0, sizeof(opaque_dec));
    if (d->req_path.len == TERN_LVL_OBJECT || d->req_path.len == TERN_LVL_INSTANCE)
        return tern_dec_fail(d, TERN_EUNSUPPORTED, 0, "opaque carries a single resource or resource instance");
    return TERN_OK;
}

static int dec_next(tern_decoder *d, tern_entry *e)
{
    opaque_dec *st = TERN_DEC_STATE(d, opaque_dec);
    if (st->done)
        return TERN_DONE;
    size_t n = d->end - d->start;
    if (n == 0 && !d->last)
        return TERN_AGAIN;
    if (n == 0 && st->emitted && !st->more_pending) {
        st->done = true;
        return TERN_DONE;
    }
    if (n > UINT32_MAX - st->off)
        return tern_dec_fail(d, TERN_ETOOBIG, d->start, "opaque value larger than 4 GiB");
    e->kind = TERN_ENTRY_VALUE;
    e->path = d->req_path;
    e->value.type = TERN_TYPE_OPAQUE;
    e->value.v.bytes.ptr = d->buf + d->start;
    e->value.v.bytes.len = n;
    e->offset = st->off;
    e->more = !d->last;
    e->total = e->more ? 0 : st->off + (uint32_t)n;
    d->start = d->end;
    st->off += (uint32_t)n;
    st->emitted = true;
    st->more_pending = e->more;
    if (!e->more)
        st->done = true;
    return TERN_OK;
}

typedef struct {
    bool chunking;
    uint32_t next;
    tern_path path;
} opaque_enc;
_Static_assert(sizeof(opaque_enc) <= TERN_ENCODER_STATE_SIZE, "opaque encoder state too big");

static int enc_init(tern_encoder *e)
{
    memset(TERN_ENC_STATE(e, opaque_enc), 0, sizeof(opaque_enc));
    if (e->req_path.len == TERN_LVL_OBJECT || e->req_path.len == TERN_LVL_INSTANCE)
        return tern_enc_fail(e, TERN_EUNSUPPORTED, "opaque carries a single resource or resource instance");
    return TERN_OK;
}

static int enc_add(tern_encoder *e, const tern_entry *en, tern_wbuf *out)
{
    opaque_enc *st = TERN_ENC_STATE(e, opaque_enc);
    const tern_path *rp = &e->req_path;
    if (st->chunking) {
        if (en->kind != TERN_ENTRY_VALUE || !tern_path_eq(&en->path, &st->path) || en->offset != st->next ||
            en->value.type != TERN_TYPE_OPAQUE)
            return tern_enc_fail(e, TERN_EINVAL, "expected the next chunk of the opaque value");
    } else {
        if (e->count)
            return tern_enc_fail(e, TERN_EUNSUPPORTED, "opaque carries a single value");
        if (en->kind != TERN_ENTRY_VALUE || en->path.len < 3 || (rp->len && !tern_path_is_prefix(rp, &en->path)))
            return tern_enc_fail(e, TERN_EINVAL, "opaque entry is not the requested resource");
        if (rp->len == 3 && en->path.len == 4)
            return tern_enc_fail(e, TERN_EUNSUPPORTED, "opaque cannot carry a multiple-instance resource");
        if (en->value.type != TERN_TYPE_OPAQUE)
            return tern_enc_fail(e, TERN_ETYPE, "only Opaque values can be written as application/octet-stream");
        if (en->offset)
            return tern_enc_fail(e, TERN_EINVAL, "first chunk must have offset 0");
    }
    const tern_bytes *b = &en->value.v.bytes;
    if (b->len && !b->ptr)
        return tern_enc_fail(e, TERN_EINVAL, "opaque value without bytes");
    if (b->len > out->cap - out->len)
        return TERN_ENOMEM;
    if (b->len)
        memcpy(out->ptr + out->len, b->ptr, b->len);
    out->len += b->len;
    st->chunking = en->more;
    st->path = en->path;
    st->next = en->offset + (uint32_t)b->len;
    return TERN_OK;
}

static int enc_finish(tern_encoder *e, tern_wbuf *out)
{
    (void)out;
    if (TERN_ENC_STATE(e, opaque_enc)->chunking)
        return tern_enc_fail(e, TERN_EINVAL, "chunked opaque value not finished");
    return TERN_OK;
}

const tern_codec_vtab tern_codec_opaque = {TERN_CF_OPAQUE, "opaque", dec_init, dec_next, enc_init, enc_add,
                                           enc_finish};
