/* tern — CBOR content format (60): one resource (instance) value as a bare
 * CBOR data item, as Zephyr's "raw CBOR" writer sends it (Core §7.4.5).
 *
 * Decoding takes the type from the model at the request path when known,
 * else what the CBOR item says (tag 0/1 -> Time). Accepted on input: any
 * integer width, half/single/double floats, indefinite chunked strings, tag
 * 0 (RFC 3339 text) and tag 1 time, Objlnk text with Zephyr's trailing NUL.
 * Output: preferred serialisation, Time as tag 1 + integer, Objlnk as
 * "oid:iid" without NUL. Trailing bytes after the item are rejected. */
#include "codec/cbor_prim.h"
#include "codec/codec_internal.h"

typedef struct cbor_dec {
    bool done;
} cbor_dec;
_Static_assert(sizeof(cbor_dec) <= TERN_DECODER_STATE_SIZE, "cbor decoder state");

static int cbor_dec_init(tern_decoder *d)
{
    TERN_DEC_STATE(d, cbor_dec)->done = false;
    return TERN_OK;
}

static int cbor_dec_next(tern_decoder *d, tern_entry *e)
{
    cbor_dec *s = TERN_DEC_STATE(d, cbor_dec);
    const char *why = NULL;
    if (s->done) {
        if (d->start < d->end)
            return tern_dec_fail(d, TERN_EMALFORMED, d->start, "trailing bytes after the CBOR value");
        return d->last ? TERN_DONE : TERN_AGAIN;
    }
    uint8_t *p = d->buf + d->start;
    size_t n = d->end - d->start, len = 0, used = 0;
    if (n == 0 && d->last)
        return tern_dec_fail(d, TERN_ETRUNCATED, d->start, "empty CBOR payload");
    int rc = cbor_item_end(p, n, &len, &why);
    if (rc == TERN_AGAIN)
        return TERN_AGAIN;
    if (rc)
        return tern_dec_fail(d, rc, d->start, why);
    cbor_val v;
    rc = cbor_scalar(p, len, &v, &used, &why);
    if (rc)
        return tern_dec_fail(d, rc, d->start, why);
    e->kind = TERN_ENTRY_VALUE;
    e->path = d->req_path;
    rc = cbor_to_value(&v, tern_dec_type_of(d, &d->req_path), &e->value, &why);
    if (rc)
        return tern_dec_fail(d, rc, d->start, why);
    if (e->value.type == TERN_TYPE_OPAQUE || e->value.type == TERN_TYPE_STRING ||
        e->value.type == TERN_TYPE_CORELNK)
        e->total = (uint32_t)TERN_MIN(e->value.v.bytes.len, UINT32_MAX);
    s->done = true;
    d->start += len;
    return TERN_OK;
}

static int cbor_enc_add(tern_encoder *e, const tern_entry *en, tern_wbuf *out)
{
    if (e->count) {
        e->err_reason = "CBOR (60) carries a single resource value";
        return TERN_EUNSUPPORTED;
    }
    if (en->kind != TERN_ENTRY_VALUE || en->more || en->offset) {
        e->err_reason = "CBOR (60) carries one whole value";
        return TERN_EUNSUPPORTED;
    }
    int rc = cbor_put_value(out, &en->value, CBOR_TIME_TAG1);
    if (rc == TERN_EINVAL)
        e->err_reason = "unknown value type";
    return rc;
}

const tern_codec_vtab tern_codec_cbor = {TERN_CF_CBOR, "cbor", cbor_dec_init, cbor_dec_next, NULL, cbor_enc_add, NULL};
