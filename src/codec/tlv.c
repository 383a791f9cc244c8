/* tern — OMA-TLV content format 11542 (LwM2M 1.2 Core §7.4.3).
 *
 * Each TLV: a type byte (bits 7-6: 00 Object Instance, 01 Resource
 * Instance, 10 Multiple Resource, 11 Resource with Value; bit 5: 16-bit
 * identifier; bits 4-3: length field of 0/8/16/24 bits; bits 2-0: the
 * length itself when bits 4-3 are 00), the identifier, the length, and the
 * value or the nested TLVs.
 *
 * Decoder: streaming, no recursion. An explicit stack holds at most two
 * open containers (Object Instance > Multiple Resource) with the bytes each
 * still owes; a child longer than what its parent has left is an error.
 * String/Opaque/Corelnk values are delivered in chunks as the bytes arrive
 * (entry.offset/total/more), so a 300 KB firmware image needs only one
 * block of scratch. Types come from the model; without one a value is
 * Opaque. Which level the payload starts at follows the request path:
 *   /O      Object Instance TLVs (bare resources: instance 0, as Leshan)
 *   /O/I    resources, or one Object Instance TLV with id I
 *   /O/I/R  a Resource TLV R, a Multiple Resource R, bare Resource
 *           Instances, or an Object Instance I wrapping resource R
 *   /O/I/R/RI  a Resource Instance RI (or the same wrapped)
 * Every element must lie under the request path. Duplicate identifiers at
 * one level are errors; they are checked exactly while identifiers
 * ascend, and among the first TLV_SEEN identifiers otherwise.
 *
 * Encoder: smallest identifier and length fields, integers in the smallest
 * of 1/2/4/8 bytes, floats as 8-byte doubles (what Leshan's Double and
 * Zephyr write; 4-byte floats are decoded). A container header needs its
 * content length first, so an open Object Instance / Multiple Resource is
 * built in the encoder's scratch until its last child: the scratch must
 * hold the largest object instance (TERN_ETOOBIG otherwise). A value that
 * is not inside a container goes straight to `out`, and may be given in
 * chunks (entry.more, offset, total = full length).
 */
#include <string.h>

#include "codec/codec_internal.h"
#include "codec/fmt_util.h"

enum { K_OI = 0, K_RI = 1, K_MULTI = 2, K_RES = 3, K_TOP = 4 };

#define TLV_SEEN 12

typedef struct {
    uint16_t max;
    uint8_t n;
    uint8_t any;
    uint8_t unordered;
    uint8_t overflow;
    uint16_t ids[TLV_SEEN];
} seen_set;

typedef struct {
    uint8_t depth;
    uint8_t stk_kind[2];
    uint32_t stk_rem[2];
    tern_path cur; /* path of the innermost open container / value */
    bool started;
    bool in_value;
    uint8_t vtype;
    uint32_t vrem, voff, vtotal;
    seen_set seen[3]; /* instance ids, resource ids, resource instance ids */
} tlv_dec;
_Static_assert(sizeof(tlv_dec) <= TERN_DECODER_STATE_SIZE, "tlv decoder state too big");

typedef struct {
    uint8_t kind;
    uint8_t hlen;
    uint16_t id;
    uint32_t len;
} tlv_hdr;

/* TERN_OK, or TERN_AGAIN when fewer than a whole header is available. */
static int hdr_parse(const uint8_t *p, size_t n, tlv_hdr *h)
{
    if (n < 1)
        return TERN_AGAIN;
    uint8_t t = p[0];
    size_t idlen = (t & 0x20) ? 2 : 1;
    size_t lenlen = (size_t)((t >> 3) & 3);
    size_t need = 1 + idlen + lenlen;
    if (n < need)
        return TERN_AGAIN;
    h->kind = (uint8_t)(t >> 6);
    h->id = idlen == 2 ? tern_be16(p + 1) : p[1];
    uint32_t len = 0;
    if (lenlen == 0)
        len = t & 7u;
    for (size_t i = 0; i < lenlen; i++)
        len = (len << 8) | p[1 + idlen + i];
    h->len = len;
    h->hlen = (uint8_t)need;
    return TERN_OK;
}

static size_t hdr_size(uint16_t id, size_t len)
{
    size_t n = 1 + (id > 0xFF ? 2u : 1u);
    if (len > 0xFFFF)
        n += 3;
    else if (len > 0xFF)
        n += 2;
    else if (len > 7)
        n += 1;
    return n;
}

static size_t hdr_write(uint8_t *p, int kind, uint16_t id, size_t len)
{
    size_t n = 1;
    uint8_t t = (uint8_t)(kind << 6);
    if (id > 0xFF) {
        t |= 0x20;
        p[n++] = (uint8_t)(id >> 8);
    }
    p[n++] = (uint8_t)id;
    if (len > 0xFFFF) {
        t |= 0x18;
        p[n++] = (uint8_t)(len >> 16);
        p[n++] = (uint8_t)(len >> 8);
        p[n++] = (uint8_t)len;
    } else if (len > 0xFF) {
        t |= 0x10;
        p[n++] = (uint8_t)(len >> 8);
        p[n++] = (uint8_t)len;
    } else if (len > 7) {
        t |= 0x08;
        p[n++] = (uint8_t)len;
    } else {
        t |= (uint8_t)len;
    }
    p[0] = t;
    return n;
}

/* ---- decoder ---- */

static void seen_reset(seen_set *s)
{
    memset(s, 0, sizeof *s);
}

/* false if id was seen before (as far as can be told). */
static bool seen_add(seen_set *s, uint16_t id)
{
    if (s->any && id <= s->max) {
        s->unordered = 1;
        for (uint8_t i = 0; i < s->n; i++)
            if (s->ids[i] == id)
                return false;
        /* not found among the remembered ids: new unless some were
         * forgotten (then it cannot be told; accept) */
    }
    if (s->n < TLV_SEEN)
        s->ids[s->n++] = id;
    else
        s->overflow = 1;
    if (!s->any || id > s->max)
        s->max = id;
    s->any = 1;
    return true;
}

static int seen_level(uint8_t kind)
{
    return kind == K_OI ? 0 : kind == K_RI ? 2 : 1;
}

static void dec_consume(tern_decoder *d, tlv_dec *st, size_t n)
{
    d->start += n;
    for (uint8_t i = 0; i < st->depth; i++)
        st->stk_rem[i] -= (uint32_t)n;
}

static int dec_init(tern_decoder *d)
{
    tlv_dec *st = TERN_DEC_STATE(d, tlv_dec);
    memset(st, 0, sizeof *st);
    return TERN_OK;
}

static bool is_bytes_type(tern_type t)
{
    return t == TERN_TYPE_STRING || t == TERN_TYPE_OPAQUE || t == TERN_TYPE_CORELNK;
}

/* Multiplicity of a resource when the model can tell: 1 multiple, 0
 * single, -1 unknown. Only the registry adapter carries it. */
static int res_multiple(const tern_decoder *d, const tern_path *p)
{
    /* a type function may OR a "multiple" flag (0x100) into the type */
    unsigned raw = d->type_of ? (unsigned)d->type_of(d->type_ctx, p) : 0u;
    if (raw & 0x100u)
        return 1;
    if ((raw & 0xFFu) != TERN_TYPE_NONE && d->type_of != tern_registry_type_fn)
        return 0;
    if (d->type_of != tern_registry_type_fn || !d->type_ctx)
        return -1;
    const tern_res_def *r = tern_registry_res((const tern_registry *)d->type_ctx, p);
    return r ? (r->multiple ? 1 : 0) : -1;
}

static int empty_payload(tern_decoder *d, tern_entry *e)
{
    const tern_path *rp = &d->req_path;
    switch (rp->len) {
    case TERN_LVL_OBJECT:
        return TERN_DONE; /* an object without instances */
    case TERN_LVL_INSTANCE:
        e->kind = TERN_ENTRY_EMPTY_INSTANCE;
        e->path = *rp;
        return TERN_OK;
    case TERN_LVL_RESOURCE:
        if (res_multiple(d, rp) == 0)
            return tern_dec_fail(d, TERN_EMALFORMED, d->start, "empty TLV payload for a single-instance resource");
        e->kind = TERN_ENTRY_EMPTY_MULTI;
        e->path = *rp;
        return TERN_OK;
    default:
        return tern_dec_fail(d, TERN_EMALFORMED, d->start, "empty TLV payload for a resource instance");
    }
}

static int decode_fixed(tern_decoder *d, tern_type t, const uint8_t *v, uint32_t len, tern_value *out, size_t at)
{
    out->type = t;
    switch (t) {
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
    case TERN_TYPE_UNSIGNED: {
        uint64_t u = 0;
        for (uint32_t i = 0; i < len; i++)
            u = (u << 8) | v[i];
        if (t == TERN_TYPE_UNSIGNED) {
            out->v.u = u;
        } else {
            if (len < 8 && (v[0] & 0x80))
                u |= ~(uint64_t)0 << (8 * len);
            out->v.i = (int64_t)u;
        }
        return TERN_OK;
    }
    case TERN_TYPE_FLOAT:
        if (len == 4) {
            uint32_t b = tern_be32(v);
            float f;
            memcpy(&f, &b, sizeof f);
            out->v.f = (double)f;
        } else {
            uint64_t b = ((uint64_t)tern_be32(v) << 32) | tern_be32(v + 4);
            double f;
            memcpy(&f, &b, sizeof f);
            out->v.f = f;
        }
        return TERN_OK;
    case TERN_TYPE_BOOLEAN:
        if (v[0] > 1)
            return tern_dec_fail(d, TERN_EMALFORMED, at, "TLV boolean is neither 0 nor 1");
        out->v.b = v[0] == 1;
        return TERN_OK;
    case TERN_TYPE_OBJLNK:
        out->v.lnk.oid = tern_be16(v);
        out->v.lnk.iid = tern_be16(v + 2);
        return TERN_OK;
    default:
        return tern_dec_fail(d, TERN_EUNSUPPORTED, at, "resource type cannot be carried in TLV");
    }
}

static bool fixed_len_ok(tern_type t, uint32_t len)
{
    switch (t) {
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
    case TERN_TYPE_UNSIGNED:
        return len == 1 || len == 2 || len == 4 || len == 8;
    case TERN_TYPE_FLOAT:
        return len == 4 || len == 8;
    case TERN_TYPE_BOOLEAN:
        return len == 1;
    case TERN_TYPE_OBJLNK:
        return len == 4;
    default:
        return false;
    }
}

/* Delivers the next chunk of a String/Opaque/Corelnk value in progress. */
static int value_continue(tern_decoder *d, tlv_dec *st, tern_entry *e)
{
    size_t avail = d->end - d->start;
    size_t n = TERN_MIN(avail, (size_t)st->vrem);
    if (n == 0)
        return TERN_AGAIN;
    const uint8_t *p = d->buf + d->start;
    if (st->vtype != TERN_TYPE_OPAQUE) {
        int bad;
        size_t k = tern_utf8_prefix(p, n, &bad);
        if (bad || (k < n && n == st->vrem))
            return tern_dec_fail(d, TERN_EMALFORMED, d->start + k, "TLV string is not valid UTF-8");
        if (k == 0)
            return TERN_AGAIN;
        n = k;
    }
    e->kind = TERN_ENTRY_VALUE;
    e->path = st->cur;
    e->value.type = (tern_type)st->vtype;
    e->value.v.bytes.ptr = p;
    e->value.v.bytes.len = n;
    e->offset = st->voff;
    e->total = st->vtotal;
    e->more = n < st->vrem;
    dec_consume(d, st, n);
    st->voff += (uint32_t)n;
    st->vrem -= (uint32_t)n;
    if (st->vrem == 0)
        st->in_value = false;
    return TERN_OK;
}

static int dec_next(tern_decoder *d, tern_entry *e)
{
    tlv_dec *st = TERN_DEC_STATE(d, tlv_dec);
    const tern_path *rp = &d->req_path;
    for (;;) {
        if (st->in_value)
            return value_continue(d, st, e);
        while (st->depth && st->stk_rem[st->depth - 1] == 0)
            st->depth--;
        size_t avail = d->end - d->start;
        if (avail == 0) {
            if (st->depth || !d->last)
                return TERN_AGAIN;
            if (!st->started) {
                st->started = true;
                return empty_payload(d, e);
            }
            return TERN_DONE;
        }
        st->started = true;
        if (rp->len == 0)
            return tern_dec_fail(d, TERN_EUNSUPPORTED, d->start, "TLV needs an object, instance or resource path");
        tlv_hdr h;
        const uint8_t *p = d->buf + d->start;
        if (hdr_parse(p, avail, &h) != TERN_OK)
            return TERN_AGAIN;
        uint8_t parent = st->depth ? st->stk_kind[st->depth - 1] : K_TOP;
        size_t at = d->start;
        if (st->depth && (uint64_t)h.hlen + h.len > st->stk_rem[st->depth - 1])
            return tern_dec_fail(d, TERN_EMALFORMED, at, "TLV child overruns its container");

        /* where this element sits */
        tern_path ep = st->cur;
        switch (h.kind) {
        case K_OI:
            if (parent != K_TOP)
                return tern_dec_fail(d, TERN_EMALFORMED, at, "Object Instance TLV nested in another TLV");
            ep = tern_path_make(2, rp->ids[0], h.id, 0, 0);
            break;
        case K_RES:
        case K_MULTI:
            if (parent == K_MULTI)
                return tern_dec_fail(d, TERN_EMALFORMED, at, "resource TLV inside a Multiple Resource TLV");
            if (parent == K_OI)
                ep = tern_path_make(3, st->cur.ids[0], st->cur.ids[1], h.id, 0);
            else
                ep = tern_path_make(3, rp->ids[0], rp->len >= 2 ? rp->ids[1] : 0, h.id, 0);
            break;
        default: /* K_RI */
            if (parent == K_MULTI)
                ep = tern_path_make(4, st->cur.ids[0], st->cur.ids[1], st->cur.ids[2], h.id);
            else if (parent == K_TOP && rp->len >= 3)
                ep = tern_path_make(4, rp->ids[0], rp->ids[1], rp->ids[2], h.id);
            else
                return tern_dec_fail(d, TERN_EMALFORMED, at, "Resource Instance TLV outside a Multiple Resource");
            break;
        }
        if (h.id > TERN_ID_MAX)
            return tern_dec_fail(d, TERN_ERANGE, at, "TLV identifier 65535 is reserved");
        for (int k = 0; k < ep.len && k < rp->len; k++)
            if (ep.ids[k] != rp->ids[k])
                return tern_dec_fail(d, TERN_EMALFORMED, at, "TLV identifier does not match the request path");
        if (ep.len < rp->len && (h.kind == K_RES || h.kind == K_RI))
            return tern_dec_fail(d, TERN_EMALFORMED, at, "TLV is above the request path");
        seen_set *seen = &st->seen[seen_level(h.kind)];

        if (h.kind == K_OI || h.kind == K_MULTI) {
            if (!seen_add(seen, h.id))
                return tern_dec_fail(d, TERN_EDUPLICATE, at, "TLV identifier appears twice");
            dec_consume(d, st, h.hlen);
            st->cur = ep;
            seen_reset(&st->seen[h.kind == K_OI ? 1 : 2]);
            if (h.len == 0) {
                e->kind = h.kind == K_OI ? TERN_ENTRY_EMPTY_INSTANCE : TERN_ENTRY_EMPTY_MULTI;
                e->path = ep;
                return TERN_OK;
            }
            st->stk_kind[st->depth] = h.kind;
            st->stk_rem[st->depth] = h.len;
            st->depth++;
            continue;
        }

        /* a value */
        tern_type t = (tern_type)((unsigned)tern_dec_type_of(d, &ep) & 0xFFu);
        if (t == TERN_TYPE_NONE)
            t = TERN_TYPE_OPAQUE;
        if (!is_bytes_type(t) && !fixed_len_ok(t, h.len)) {
            if (t == TERN_TYPE_NONE || t > TERN_TYPE_CORELNK)
                return tern_dec_fail(d, TERN_EUNSUPPORTED, at, "resource type cannot be carried in TLV");
            return tern_dec_fail(d, TERN_EMALFORMED, at, "TLV value length does not fit its type");
        }
        bool whole = avail >= (size_t)h.hlen + h.len;
        if (!whole && !(is_bytes_type(t) && avail > h.hlen))
            return TERN_AGAIN;
        if (!seen_add(seen, h.id))
            return tern_dec_fail(d, TERN_EDUPLICATE, at, "TLV identifier appears twice");
        if (whole) {
            const uint8_t *v = p + h.hlen;
            e->kind = TERN_ENTRY_VALUE;
            e->path = ep;
            if (is_bytes_type(t)) {
                if (t != TERN_TYPE_OPAQUE) {
                    int bad;
                    size_t k = tern_utf8_prefix(v, h.len, &bad);
                    if (k != h.len)
                        return tern_dec_fail(d, TERN_EMALFORMED, at + h.hlen + k, "TLV string is not valid UTF-8");
                }
                e->value.type = t;
                e->value.v.bytes.ptr = v;
                e->value.v.bytes.len = h.len;
                e->total = h.len;
            } else {
                int rc = decode_fixed(d, t, v, h.len, &e->value, at + h.hlen);
                if (rc < 0)
                    return rc;
            }
            dec_consume(d, st, (size_t)h.hlen + h.len);
            return TERN_OK;
        }
        dec_consume(d, st, h.hlen);
        st->in_value = true;
        st->vtype = (uint8_t)t;
        st->vrem = st->vtotal = h.len;
        st->voff = 0;
        st->cur = ep;
        return value_continue(d, st, e);
    }
}

/* ---- encoder ---- */

typedef struct {
    bool oi_open, multi_open;
    uint16_t oi_id, multi_id;
    size_t multi_start, used;
    bool have_last;
    tern_path last;
    bool chunking;
    uint32_t cnext, ctotal;
} tlv_enc;
_Static_assert(sizeof(tlv_enc) <= TERN_ENCODER_STATE_SIZE, "tlv encoder state too big");

static int enc_init(tern_encoder *e)
{
    tlv_enc *st = TERN_ENC_STATE(e, tlv_enc);
    memset(st, 0, sizeof *st);
    if (e->req_path.len == 0)
        return tern_enc_fail(e, TERN_EUNSUPPORTED, "TLV needs an object, instance or resource path");
    return TERN_OK;
}

/* Serialises a value into tmp (numbers) or points at its bytes. */
static int value_bytes(const tern_value *v, uint8_t tmp[8], const uint8_t **ptr, size_t *len)
{
    *ptr = tmp;
    switch (v->type) {
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME: {
        int64_t x = v->v.i;
        size_t n = (x >= INT8_MIN && x <= INT8_MAX) ? 1 : (x >= INT16_MIN && x <= INT16_MAX) ? 2
                   : (x >= INT32_MIN && x <= INT32_MAX) ? 4 : 8;
        uint64_t u = (uint64_t)x;
        for (size_t i = 0; i < n; i++)
            tmp[i] = (uint8_t)(u >> (8 * (n - 1 - i)));
        *len = n;
        return TERN_OK;
    }
    case TERN_TYPE_UNSIGNED: {
        uint64_t u = v->v.u;
        size_t n = u <= 0xFF ? 1 : u <= 0xFFFF ? 2 : u <= 0xFFFFFFFFu ? 4 : 8;
        for (size_t i = 0; i < n; i++)
            tmp[i] = (uint8_t)(u >> (8 * (n - 1 - i)));
        *len = n;
        return TERN_OK;
    }
    case TERN_TYPE_FLOAT: {
        uint64_t u;
        double f = v->v.f;
        memcpy(&u, &f, sizeof u);
        for (size_t i = 0; i < 8; i++)
            tmp[i] = (uint8_t)(u >> (8 * (7 - i)));
        *len = 8;
        return TERN_OK;
    }
    case TERN_TYPE_BOOLEAN:
        tmp[0] = v->v.b ? 1 : 0;
        *len = 1;
        return TERN_OK;
    case TERN_TYPE_OBJLNK:
        tmp[0] = (uint8_t)(v->v.lnk.oid >> 8);
        tmp[1] = (uint8_t)v->v.lnk.oid;
        tmp[2] = (uint8_t)(v->v.lnk.iid >> 8);
        tmp[3] = (uint8_t)v->v.lnk.iid;
        *len = 4;
        return TERN_OK;
    case TERN_TYPE_STRING:
    case TERN_TYPE_OPAQUE:
    case TERN_TYPE_CORELNK:
        if (v->v.bytes.len > 0xFFFFFF)
            return TERN_ETOOBIG;
        if (v->v.bytes.len && !v->v.bytes.ptr)
            return TERN_EINVAL;
        *ptr = v->v.bytes.ptr;
        *len = v->v.bytes.len;
        return TERN_OK;
    default:
        return TERN_EINVAL;
    }
}

static void put(tern_wbuf *out, const void *p, size_t n)
{
    if (n) {
        memcpy(out->ptr + out->len, p, n);
        out->len += n;
    }
}

/* Closes the open containers (close_multi / close_oi) after checking that
 * `extra_out` more bytes will also fit in `out`; atomic. */
static int plan_close(tern_encoder *e, tlv_enc *st, bool close_multi, bool close_oi, size_t *sc_after, size_t *out_need)
{
    size_t sc = st->used;
    size_t need = 0;
    if (close_multi) {
        size_t mc = sc - st->multi_start;
        size_t hm = hdr_size(st->multi_id, mc);
        if (st->oi_open) {
            if (sc + hm > e->scratch_cap)
                return TERN_ETOOBIG;
            sc += hm;
        } else {
            need += hm + mc;
            sc = 0;
        }
    }
    if (close_oi) {
        need += hdr_size(st->oi_id, sc) + sc;
        sc = 0;
    }
    *sc_after = sc;
    *out_need = need;
    return TERN_OK;
}

static void do_close(tern_encoder *e, tlv_enc *st, bool close_multi, bool close_oi, tern_wbuf *out)
{
    uint8_t h[6];
    if (close_multi) {
        size_t mc = st->used - st->multi_start;
        size_t hn = hdr_write(h, K_MULTI, st->multi_id, mc);
        if (st->oi_open) {
            memmove(e->scratch + st->multi_start + hn, e->scratch + st->multi_start, mc);
            memcpy(e->scratch + st->multi_start, h, hn);
            st->used += hn;
        } else {
            put(out, h, hn);
            put(out, e->scratch + st->multi_start, mc);
            st->used = 0;
        }
        st->multi_open = false;
    }
    if (close_oi) {
        size_t hn = hdr_write(h, K_OI, st->oi_id, st->used);
        put(out, h, hn);
        put(out, e->scratch, st->used);
        st->used = 0;
        st->oi_open = false;
    }
}

static int enc_add(tern_encoder *e, const tern_entry *en, tern_wbuf *out)
{
    tlv_enc *st = TERN_ENC_STATE(e, tlv_enc);
    const tern_path *rp = &e->req_path;
    const tern_path *p = &en->path;
    int L = rp->len;
    size_t room = out->cap - out->len;

    if (st->chunking) {
        if (en->kind != TERN_ENTRY_VALUE || !tern_path_eq(p, &st->last) || en->offset != st->cnext)
            return tern_enc_fail(e, TERN_EINVAL, "expected the next chunk of the TLV value");
        size_t n = en->value.v.bytes.len;
        if (n > st->ctotal - st->cnext || (!en->more && n != st->ctotal - st->cnext))
            return tern_enc_fail(e, TERN_EINVAL, "TLV value chunks do not add up to the total");
        if (n > room)
            return TERN_ENOMEM;
        put(out, en->value.v.bytes.ptr, n);
        st->cnext += (uint32_t)n;
        st->chunking = en->more;
        return TERN_OK;
    }
    if (!tern_path_is_prefix(rp, p))
        return tern_enc_fail(e, TERN_EINVAL, "entry outside the request path");
    switch (en->kind) {
    case TERN_ENTRY_VALUE:
        if (p->len < 3)
            return tern_enc_fail(e, TERN_EINVAL, "value entry without a resource path");
        break;
    case TERN_ENTRY_EMPTY_INSTANCE:
        if (p->len != 2)
            return tern_enc_fail(e, TERN_EINVAL, "empty instance entry needs an instance path");
        break;
    case TERN_ENTRY_EMPTY_MULTI:
        if (p->len != 3)
            return tern_enc_fail(e, TERN_EINVAL, "empty multiple resource entry needs a resource path");
        break;
    default:
        return tern_enc_fail(e, TERN_EUNSUPPORTED, "TLV carries no path-only entries");
    }
    if (st->have_last) {
        if (tern_path_cmp(&st->last, p) >= 0)
            return tern_enc_fail(e, TERN_EINVAL, "entries out of order or repeated");
        if (tern_path_is_prefix(&st->last, p))
            return tern_enc_fail(e, TERN_EINVAL, "entry below a value or empty entry");
    }
    /* an empty entry at the request path itself is an empty payload */
    bool nothing = en->kind != TERN_ENTRY_VALUE && p->len == L;

    bool close_multi = st->multi_open &&
                       !(en->kind == TERN_ENTRY_VALUE && p->len == 4 && p->ids[2] == st->multi_id &&
                         (!st->oi_open || p->ids[1] == st->oi_id));
    bool close_oi = st->oi_open && (p->ids[1] != st->oi_id || p->len == 2);
    bool will_oi = L == 1 && p->len >= 3;
    bool open_oi = will_oi && !(st->oi_open && !close_oi);
    bool will_multi = en->kind == TERN_ENTRY_VALUE && p->len == 4 && L <= 3;
    bool open_multi = will_multi && !(st->multi_open && !close_multi);

    /* the leaf */
    int kind;
    uint16_t id;
    uint8_t tmp[8];
    const uint8_t *vp = NULL;
    size_t vlen = 0;
    size_t hdr_len_field;
    bool chunked = en->kind == TERN_ENTRY_VALUE && (en->more || en->offset);
    if (en->kind == TERN_ENTRY_VALUE) {
        kind = p->len == 4 ? K_RI : K_RES;
        id = p->ids[p->len - 1];
        int rc = value_bytes(&en->value, tmp, &vp, &vlen);
        if (rc < 0)
            return tern_enc_fail(e, rc, "value cannot be written in TLV");
        hdr_len_field = vlen;
        if (chunked) {
            if (will_oi || will_multi)
                return tern_enc_fail(e, TERN_EUNSUPPORTED, "chunked TLV values only outside containers");
            if (en->offset != 0 || en->total < vlen || en->total > 0xFFFFFF ||
                !(en->value.type == TERN_TYPE_STRING || en->value.type == TERN_TYPE_OPAQUE ||
                  en->value.type == TERN_TYPE_CORELNK))
                return tern_enc_fail(e, TERN_EINVAL, "bad first chunk (offset 0, total = full length)");
            hdr_len_field = en->total;
        }
    } else {
        kind = p->len == 2 ? K_OI : K_MULTI;
        id = p->ids[p->len - 1];
        hdr_len_field = 0;
    }
    size_t leaf = nothing ? 0 : hdr_size(id, hdr_len_field) + vlen;

    size_t sc, need;
    if (plan_close(e, st, close_multi, close_oi, &sc, &need) < 0)
        return tern_enc_fail(e, TERN_ETOOBIG, "encoder scratch too small for the open object instance");
    if (will_oi || will_multi) {
        if (sc + leaf > e->scratch_cap)
            return tern_enc_fail(e, TERN_ETOOBIG,
                                 "encoder scratch too small: it must hold the largest object instance");
    } else {
        need += leaf;
    }
    if (need > room)
        return TERN_ENOMEM;

    do_close(e, st, close_multi, close_oi, out);
    if (open_oi) {
        st->oi_open = true;
        st->oi_id = p->ids[1];
        st->used = 0;
    }
    if (open_multi) {
        st->multi_open = true;
        st->multi_id = p->ids[2];
        st->multi_start = st->used;
    }
    if (!nothing) {
        uint8_t h[6];
        size_t hn = hdr_write(h, kind, id, hdr_len_field);
        if (will_oi || will_multi) {
            memcpy(e->scratch + st->used, h, hn);
            if (vlen)
                memcpy(e->scratch + st->used + hn, vp, vlen);
            st->used += hn + vlen;
        } else {
            put(out, h, hn);
            put(out, vp, vlen);
        }
    }
    st->last = *p;
    st->have_last = true;
    if (chunked && en->more) {
        st->chunking = true;
        st->cnext = (uint32_t)vlen;
        st->ctotal = en->total;
    } else if (chunked && vlen != en->total) {
        return tern_enc_fail(e, TERN_EINVAL, "TLV value chunks do not add up to the total");
    }
    return TERN_OK;
}

static int enc_finish(tern_encoder *e, tern_wbuf *out)
{
    tlv_enc *st = TERN_ENC_STATE(e, tlv_enc);
    if (st->chunking)
        return tern_enc_fail(e, TERN_EINVAL, "chunked TLV value not finished");
    size_t sc, need;
    if (plan_close(e, st, st->multi_open, st->oi_open, &sc, &need) < 0)
        return tern_enc_fail(e, TERN_ETOOBIG, "encoder scratch too small for the open object instance");
    if (need > out->cap - out->len)
        return TERN_ENOMEM;
    do_close(e, st, st->multi_open, st->oi_open, out);
    return TERN_OK;
}

const tern_codec_vtab tern_codec_tlv = {TERN_CF_TLV, "tlv", dec_init, dec_next, enc_init, enc_add, enc_finish};
