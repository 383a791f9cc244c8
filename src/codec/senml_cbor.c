/* tern — SenML CBOR content format (112; RFC 8428 §6, Core §7.4.5), also
 * the syntax of SenML-ETCH CBOR (322, RFC 8790; senml_etch_cbor.c).
 *
 * This file does only the CBOR syntax: the payload is an array of records,
 * each a map with RFC 8428 integer labels (bn -2, bt -3, bv -5, bver -1,
 * n 0, v 2, vs 3, vb 4, t 6, vd 8, ...) or text labels ("vlo" for the LwM2M
 * Objlnk, Core Table 7.4.4-1). Base name/time resolution, name → path,
 * value kinds and base-name compression are the SenML logic shared with
 * SenML JSON (senml.h).
 *
 * Decoder: streaming, one record per step, consumed only once complete in
 * scratch. Accepted on input: definite or indefinite array/maps/strings,
 * any key order, every integer and float width, tag 4 decimal fractions
 * (Leshan's bt), an Objlnk text under "v" (a Zephyr quirk) read as "vs".
 * An empty array for a request on an instance (resource) yields one
 * EMPTY_INSTANCE (EMPTY_MULTI) entry, as Leshan reads it. An empty payload
 * is not CBOR and is rejected (as Zephyr does).
 *
 * Encoder: the array's count comes first, so records are written into the
 * encoder scratch and finish() writes the array header plus the records;
 * it may fill `out` and return TERN_AGAIN (drain and call again). When a
 * record no longer fits in scratch, the encoder switches to an
 * indefinite-length array (0x9f ... 0xff): the pending records and every
 * later one are written out as they come, scratch only holding bytes `out`
 * had no room for; add() then returns TERN_AGAIN when it wrote pending
 * bytes but could not take the entry yet (drain and repeat the call), and
 * TERN_ENOMEM (nothing changed) when `out` is full. A document that fits in
 * scratch keeps the definite (smallest) form. Numbers
 * take the shortest form: integral bt as an integer, floats as the shortest
 * exact width. */
#include <math.h>
#include <string.h>

#include "codec/cbor_prim.h"
#include "codec/senml.h"

typedef struct sc_dec {
    tern_senml_dec sm;
    uint64_t left; /* definite array: records left */
    bool started, indef, done, any;
} sc_dec;
_Static_assert(sizeof(sc_dec) <= TERN_DECODER_STATE_SIZE, "senml cbor decoder state");

int tern_senml_cbor_dec_init(tern_decoder *d, bool etch)
{
    sc_dec *s = TERN_DEC_STATE(d, sc_dec);
    memset(s, 0, sizeof *s);
    tern_senml_dec_init(&s->sm, etch);
    return TERN_OK;
}

static int sc_dec_init112(tern_decoder *d)
{
    return tern_senml_cbor_dec_init(d, false);
}

static int num_of(const cbor_val *v, tern_senml_num *n, const char **why)
{
    memset(n, 0, sizeof *n);
    if (v->kind == CBV_UINT) {
        if (v->u > (uint64_t)INT64_MAX) {
            n->kind = TERN_SENML_NUM_UINT;
            n->u = v->u;
        } else {
            n->kind = TERN_SENML_NUM_INT;
            n->i = (int64_t)v->u;
        }
    } else if (v->kind == CBV_NINT) {
        n->kind = TERN_SENML_NUM_INT;
        n->i = v->i;
    } else if (v->kind == CBV_FLOAT) {
        n->kind = TERN_SENML_NUM_FLOAT;
        n->f = v->f;
    } else {
        *why = v->kind == CBV_BIGNEG ? "SenML number below the signed 64-bit range" : "SenML field is not a number";
        return v->kind == CBV_BIGNEG ? TERN_ERANGE : TERN_ETYPE;
    }
    return TERN_OK;
}

/* Parses the complete record map at buf[at .. at+len) into *r. */
static int parse_record(tern_decoder *d, size_t at, size_t len, tern_senml_rec *r)
{
    uint8_t *p = d->buf + at;
    const char *why = NULL;
    cbor_head h;
    memset(r, 0, sizeof *r);
    int rc = cbor_head_read(p, len, &h, &why);
    if (rc)
        return tern_dec_fail(d, rc == TERN_AGAIN ? TERN_ETRUNCATED : rc, at, why);
    if (h.major != CBOR_MAP)
        return tern_dec_fail(d, TERN_EMALFORMED, at, "SenML record is not a map");
    size_t pos = h.len;
    for (uint64_t i = 0; h.indef || i < h.arg; i++) {
        cbor_head k;
        size_t kat = pos, used = 0;
        rc = cbor_head_read(p + pos, len - pos, &k, &why);
        if (rc)
            return tern_dec_fail(d, rc == TERN_AGAIN ? TERN_ETRUNCATED : rc, at + pos, why);
        if (h.indef && k.major == CBOR_SIMPLE && k.indef)
            break;
        tern_senml_key key;
        if (k.major == CBOR_UINT || k.major == CBOR_NINT) {
            if (k.arg > 1000)
                key = TERN_SENML_K_UNKNOWN;
            else
                key = tern_senml_key_from_label(k.major == CBOR_UINT ? (int64_t)k.arg : -1 - (int64_t)k.arg);
            pos += k.len;
        } else if (k.major == CBOR_TEXT) {
            cbor_val kv;
            rc = cbor_scalar(p + pos, len - pos, &kv, &used, &why);
            if (rc)
                return tern_dec_fail(d, rc, at + pos, why);
            key = tern_senml_key_from_name((const char *)kv.ptr, kv.len);
            pos += used;
        } else {
            return tern_dec_fail(d, TERN_EMALFORMED, at + pos, "SenML label is not an integer or text");
        }
        if (key == TERN_SENML_K_MUST_UNDERSTAND)
            return tern_dec_fail(d, TERN_EUNSUPPORTED, at + kat, "SenML must-understand field not supported");
        size_t vend = 0;
        rc = cbor_item_end(p + pos, len - pos, &vend, &why);
        if (rc)
            return tern_dec_fail(d, rc == TERN_AGAIN ? TERN_ETRUNCATED : rc, at + pos, why);
        if (key == TERN_SENML_K_UNKNOWN) {
            pos += vend; /* RFC 8428 §4.4: unknown fields are ignored */
            continue;
        }
        cbor_val v;
        rc = cbor_scalar(p + pos, vend, &v, &used, &why);
        if (rc)
            return tern_dec_fail(d, rc, at + pos, why);
        /* Zephyr quirk: Objlnk text under "v" */
        if (key == TERN_SENML_K_V && v.kind == CBV_TEXT)
            key = TERN_SENML_K_VS;
        if (tern_senml_rec_mark(r, key))
            return tern_dec_fail(d, TERN_EDUPLICATE, at + kat, "SenML field given twice in a record");
        if (v.kind == CBV_NULL) {
            r->null_fields |= TERN_SENML_BIT(key);
            pos += vend;
            continue;
        }
        switch (key) {
        case TERN_SENML_K_BN:
        case TERN_SENML_K_N:
        case TERN_SENML_K_VS:
        case TERN_SENML_K_VLO:
            if (v.kind != CBV_TEXT)
                return tern_dec_fail(d, TERN_ETYPE, at + pos, "SenML field is not a text string");
            if (key == TERN_SENML_K_BN)
                r->bn = (tern_bytes){v.ptr, v.len};
            else if (key == TERN_SENML_K_N)
                r->n = (tern_bytes){v.ptr, v.len};
            else if (key == TERN_SENML_K_VS)
                r->vs = (tern_bytes){v.ptr, v.len};
            else
                r->vlo = (tern_bytes){v.ptr, v.len};
            break;
        case TERN_SENML_K_VD:
            if (v.kind != CBV_BYTES)
                return tern_dec_fail(d, TERN_ETYPE, at + pos, "SenML vd is not a byte string");
            r->vd = (tern_bytes){v.ptr, v.len};
            break;
        case TERN_SENML_K_VB:
            if (v.kind != CBV_BOOL)
                return tern_dec_fail(d, TERN_ETYPE, at + pos, "SenML vb is not a boolean");
            r->vb = v.b;
            break;
        case TERN_SENML_K_BVER:
            if (v.kind != CBV_UINT)
                return tern_dec_fail(d, TERN_ETYPE, at + pos, "SenML bver is not an unsigned integer");
            r->bver = v.u;
            break;
        case TERN_SENML_K_BT:
        case TERN_SENML_K_BV:
        case TERN_SENML_K_T:
        case TERN_SENML_K_V: {
            tern_senml_num *n = key == TERN_SENML_K_BT ? &r->bt
                                : key == TERN_SENML_K_BV ? &r->bv
                                : key == TERN_SENML_K_T  ? &r->t
                                                         : &r->v;
            rc = num_of(&v, n, &why);
            if (rc)
                return tern_dec_fail(d, rc, at + pos, why);
            break;
        }
        default:
            break; /* bu, bs, u, s, ut: understood, not used by LwM2M */
        }
        pos += vend;
    }
    return TERN_OK;
}

int tern_senml_cbor_dec_next(tern_decoder *d, tern_entry *e)
{
    sc_dec *s = TERN_DEC_STATE(d, sc_dec);
    const char *why = NULL;
    cbor_head h;
    int rc;
    if (!s->started) {
        /* An empty payload is an empty pack, as Leshan reads it (a Read of
         * an empty instance; vectors README "SenML-CBOR"): the dispatcher
         * turns it into the empty container at the request path. */
        if (d->start == d->end && d->last && d->consumed_total == 0)
            return TERN_DONE;
        rc = cbor_head_read(d->buf + d->start, d->end - d->start, &h, &why);
        if (rc == TERN_AGAIN)
            return TERN_AGAIN;
        if (rc)
            return tern_dec_fail(d, rc, d->start, why);
        if (h.major != CBOR_ARRAY)
            return tern_dec_fail(d, TERN_EMALFORMED, d->start, "SenML CBOR payload is not an array");
        s->started = true;
        s->indef = h.indef;
        s->left = h.arg;
        d->start += h.len;
    }
    if (!s->done) {
        size_t at = d->start, n = d->end - at;
        bool close = !s->indef && s->left == 0;
        if (s->indef) {
            rc = cbor_head_read(d->buf + at, n, &h, &why);
            if (rc == TERN_AGAIN)
                return TERN_AGAIN;
            if (rc)
                return tern_dec_fail(d, rc, at, why);
            if (h.major == CBOR_SIMPLE && h.indef) {
                close = true;
                d->start += 1;
            }
        }
        if (close) {
            s->done = true;
            if (!s->any && (d->req_path.len == 2 || d->req_path.len == 3)) {
                e->kind = d->req_path.len == 2 ? TERN_ENTRY_EMPTY_INSTANCE : TERN_ENTRY_EMPTY_MULTI;
                e->path = d->req_path;
                return TERN_OK;
            }
        } else {
            size_t len = 0;
            rc = cbor_item_end(d->buf + at, n, &len, &why);
            if (rc == TERN_AGAIN)
                return TERN_AGAIN;
            if (rc)
                return tern_dec_fail(d, rc, at, why);
            tern_senml_rec r;
            rc = parse_record(d, at, len, &r);
            if (rc)
                return rc;
            rc = tern_senml_dec_apply(&s->sm, d, &r, e, at);
            if (rc)
                return rc;
            if (!s->indef)
                s->left--;
            s->any = true;
            d->start = at + len;
            return TERN_OK;
        }
    }
    if (d->start < d->end)
        return tern_dec_fail(d, TERN_EMALFORMED, d->start, "trailing bytes after the SenML CBOR array");
    return d->last ? TERN_DONE : TERN_AGAIN;
}

/* ---- encoder ---- */

typedef struct sc_enc {
    tern_senml_enc sm;
    size_t used;     /* record bytes in scratch (buffered) / pending end (streaming) */
    size_t head;     /* streaming: first pending byte in scratch */
    size_t records;
    size_t emitted;  /* bytes written by earlier finish() calls */
    bool finishing;
    bool stream;     /* indefinite-length array: records go out as they come */
    bool open_left;  /* streaming: the 0x9f array head is not written yet */
    bool close_done; /* streaming: the 0xff break is written */
} sc_enc;
_Static_assert(sizeof(sc_enc) <= TERN_ENCODER_STATE_SIZE, "senml cbor encoder state");

int tern_senml_cbor_enc_init(tern_encoder *e, bool etch)
{
    sc_enc *s = TERN_ENC_STATE(e, sc_enc);
    memset(s, 0, sizeof *s);
    tern_senml_enc_init(&s->sm, etch);
    return TERN_OK;
}

static int sc_enc_init112(tern_encoder *e)
{
    return tern_senml_cbor_enc_init(e, false);
}

/* A time or base time: an integer when integral, else the shortest float. */
static int put_time(tern_wbuf *w, double t)
{
    if (t == floor(t) && t > -9.0e18 && t < 9.0e18)
        return cbor_put_int(w, (int64_t)t);
    return cbor_put_float(w, t);
}

static int write_record(tern_wbuf *w, const tern_senml_erec *r)
{
    uint64_t n = (uint64_t)r->has_bn + r->has_bt + r->has_n + r->has_t + (r->vfield != TERN_SENML_VF_NONE);
    int rc = cbor_put_head(w, CBOR_MAP, n);
    if (!rc && r->has_bn && !(rc = cbor_put_int(w, -2)))
        rc = cbor_put_bytes(w, CBOR_TEXT, r->bn, r->bn_len);
    if (!rc && r->has_bt && !(rc = cbor_put_int(w, -3)))
        rc = put_time(w, r->bt);
    if (!rc && r->has_n && !(rc = cbor_put_int(w, 0)))
        rc = cbor_put_bytes(w, CBOR_TEXT, r->n, r->n_len);
    if (!rc && r->has_t && !(rc = cbor_put_int(w, 6)))
        rc = put_time(w, r->t);
    if (rc)
        return rc;
    switch (r->vfield) {
    case TERN_SENML_VF_NONE:
        return TERN_OK;
    case TERN_SENML_VF_NULL:
        if ((rc = cbor_put_int(w, 2)) != 0)
            return rc;
        return cbor_put_null(w);
    case TERN_SENML_VF_V:
        if ((rc = cbor_put_int(w, 2)) != 0)
            return rc;
        return cbor_put_value(w, &r->value, CBOR_TIME_INT);
    case TERN_SENML_VF_VS:
        if ((rc = cbor_put_int(w, 3)) != 0)
            return rc;
        return cbor_put_bytes(w, CBOR_TEXT, r->value.v.bytes.ptr, r->value.v.bytes.len);
    case TERN_SENML_VF_VB:
        if ((rc = cbor_put_int(w, 4)) != 0)
            return rc;
        return cbor_put_bool(w, r->value.v.b);
    case TERN_SENML_VF_VD:
        if ((rc = cbor_put_int(w, 8)) != 0)
            return rc;
        return cbor_put_bytes(w, CBOR_BYTES, r->value.v.bytes.ptr, r->value.v.bytes.len);
    case TERN_SENML_VF_VLO:
        if ((rc = cbor_put_bytes(w, CBOR_TEXT, "vlo", 3)) != 0)
            return rc;
        return cbor_put_bytes(w, CBOR_TEXT, r->vlo_text, r->vlo_len);
    default:
        return TERN_EINVAL;
    }
}

/* Streaming: moves the array head and pending record bytes into `out` as
 * far as it has room; returns the number of bytes written. */
static size_t sc_flush(tern_encoder *e, sc_enc *s, tern_wbuf *out)
{
    size_t wrote = 0;
    if (s->open_left && out->len < out->cap) {
        out->ptr[out->len++] = 0x9f;
        s->open_left = false;
        wrote++;
    }
    if (s->open_left)
        return wrote;
    size_t c = TERN_MIN(out->cap - out->len, s->used - s->head);
    if (c) {
        memcpy(out->ptr + out->len, e->scratch + s->head, c);
        out->len += c;
        s->head += c;
        wrote += c;
    }
    if (s->head == s->used)
        s->head = s->used = 0;
    return wrote;
}

int tern_senml_cbor_enc_add(tern_encoder *e, const tern_entry *en, tern_wbuf *out)
{
    sc_enc *s = TERN_ENC_STATE(e, sc_enc);
    const char *why = NULL;
    tern_senml_erec r;
    if (s->finishing) {
        e->err_reason = "entry added after finish";
        return TERN_ESTATE;
    }
    if (!e->scratch) {
        e->err_reason = "SenML CBOR encoder needs scratch";
        return TERN_EINVAL;
    }
    int rc = tern_senml_enc_plan(&s->sm, &e->req_path, en, &r, &why);
    if (rc == TERN_DONE)
        return TERN_OK; /* SenML cannot say "empty" */
    if (rc) {
        e->err_reason = why;
        return rc;
    }
    if (s->stream && s->head) { /* pending bytes to the front */
        memmove(e->scratch, e->scratch + s->head, s->used - s->head);
        s->used -= s->head;
        s->head = 0;
    }
    tern_wbuf w = tern_wbuf_make(e->scratch + s->used, e->scratch_cap - s->used);
    rc = write_record(&w, &r);
    if (rc == TERN_EINVAL) {
        e->err_reason = "unknown value field";
        return rc;
    }
    if (rc) {
        /* Does not fit: switch to (or go on with) the indefinite-length
         * array and make room by writing pending bytes out. Atomic: either
         * something was written (TERN_AGAIN, the entry not taken: drain and
         * repeat the call) or nothing changed (TERN_ENOMEM). */
        if (!s->stream && s->used == 0) {
            e->err_reason = "SenML CBOR record larger than the encoder scratch";
            return TERN_ETOOBIG;
        }
        if (s->stream && s->used == 0 && !s->open_left) {
            e->err_reason = "SenML CBOR record larger than the encoder scratch";
            return TERN_ETOOBIG;
        }
        if (out->len == out->cap)
            return TERN_ENOMEM;
        if (!s->stream) {
            s->stream = true;
            s->open_left = true;
        }
        (void)sc_flush(e, s, out);
        return TERN_AGAIN;
    }
    tern_senml_enc_commit(&s->sm, &r);
    s->used += w.len;
    s->records++;
    if (s->stream)
        (void)sc_flush(e, s, out);
    return TERN_OK;
}

int tern_senml_cbor_enc_finish(tern_encoder *e, tern_wbuf *out)
{
    sc_enc *s = TERN_ENC_STATE(e, sc_enc);
    s->finishing = true;
    if (s->stream) {
        size_t wrote = sc_flush(e, s, out);
        if (s->open_left || s->used) {
            return wrote ? TERN_AGAIN : TERN_ENOMEM;
        }
        if (!s->close_done) {
            if (out->len == out->cap)
                return wrote ? TERN_AGAIN : TERN_ENOMEM;
            out->ptr[out->len++] = 0xff;
            s->close_done = true;
        }
        return TERN_OK;
    }
    uint8_t hb[9];
    tern_wbuf hw = tern_wbuf_make(hb, sizeof hb);
    (void)cbor_put_head(&hw, CBOR_ARRAY, s->records);
    size_t total = hw.len + s->used;
    size_t room = out->cap - out->len, todo = total - s->emitted;
    size_t c = TERN_MIN(room, todo);
    if (c == 0 && todo)
        return TERN_ENOMEM;
    for (size_t i = 0; i < c; i++) {
        size_t k = s->emitted + i;
        out->ptr[out->len + i] = k < hw.len ? hb[k] : e->scratch[k - hw.len];
    }
    out->len += c;
    s->emitted += c;
    return s->emitted == total ? TERN_OK : TERN_AGAIN;
}

static int sc_dec_next(tern_decoder *d, tern_entry *e)
{
    return tern_senml_cbor_dec_next(d, e);
}

const tern_codec_vtab tern_codec_senml_cbor = {TERN_CF_SENML_CBOR, "senml_cbor", sc_dec_init112, sc_dec_next,
                                               sc_enc_init112, tern_senml_cbor_enc_add,
                                               tern_senml_cbor_enc_finish};
