/* tern — LwM2M CBOR content format (11544, Core §7.5.4, Table C-2).
 *
 * The payload is a CBOR map whose keys are path components: a key is one ID
 * (uint) or an array of IDs, each relative to the map it stands in; a value
 * is either a nested map (more path below) or the resource (instance)
 * value. The LwM2M Gateway TS §9 lets a top-level key be, or start with, a
 * text PREFIX naming an end device.
 *
 * Decoder: streaming. Maps are tracked in a bounded explicit stack
 * (LW_MAX_FRAMES: top level, gateway prefix and four path levels); one
 * key/value pair is consumed per step and only once both are complete in
 * scratch. Definite and indefinite maps/arrays, nested or array keys and
 * mixes of them are accepted. Values take their type from the model
 * (type_of), else from CBOR. An empty map at instance or multiple-resource
 * level yields TERN_ENTRY_EMPTY_INSTANCE / _EMPTY_MULTI. Duplicate paths
 * (also a value and a path below it) are rejected via cbor_dupcheck.
 *
 * Encoder: a map needs its count first, and the top-level map's count is
 * only known at the end, so add() stores each entry (path + encoded value)
 * compactly in the encoder scratch and finish() writes the document. The
 * layout is the one the Core examples and tern's vectors use: entries are
 * grouped by (prefix, object) in order of first appearance; a group's
 * top-level key is the longest path prefix its entries share (its full path
 * for a group of one entry: [3,0,9]); one uint (or [prefix, ids]) key, then
 * one nested map per remaining level. finish() may fill `out` and return
 * TERN_AGAIN: drain and call it again (it resumes where it stopped).
 * When an entry no longer fits in scratch, the encoder switches to the
 * streaming form: an indefinite-length top-level map (0xbf ... 0xff) whose
 * nested indefinite maps, one key per level, are opened and closed as the
 * path prefix changes (entries arrive in path order); pending entries are
 * written as `out` has room, scratch only holding what it had not. add()
 * then returns TERN_AGAIN when it wrote pending bytes but could not take the
 * entry yet (drain and repeat the call), TERN_ENOMEM (nothing changed) when
 * `out` is full. A document that fits in scratch keeps the definite form. */
#include <string.h>

#include "codec/cbor_prim.h"
#include "codec/codec_internal.h"

#define LW_MAX_FRAMES 6
#define LW_PREFIX_MAX 48

typedef struct lw_frame {
    uint64_t left;   /* definite maps: entries left */
    tern_path base;  /* path of this map */
    bool indef;
    bool empty;      /* no entry seen yet */
    bool prefixed;   /* this map or an ancestor has the gateway prefix */
} lw_frame;

typedef struct lw_dec {
    uint8_t depth;
    bool started;
    uint8_t prefix_len;   /* prefix of the prefixed top-level map being read */
    char prefix[LW_PREFIX_MAX];
    lw_frame f[LW_MAX_FRAMES];
    cbor_dupcheck dup;
} lw_dec;
_Static_assert(sizeof(lw_dec) <= TERN_DECODER_STATE_SIZE, "lwm2m cbor decoder state");

static int lw_dec_init(tern_decoder *d)
{
    memset(TERN_DEC_STATE(d, lw_dec), 0, sizeof(lw_dec));
    return TERN_OK;
}

typedef struct lw_key {
    uint16_t ids[4];
    uint8_t n;
    bool has_prefix;
    const uint8_t *prefix;
    size_t prefix_len;
} lw_key;

static int key_id(tern_decoder *d, size_t at, const cbor_head *h, lw_key *k)
{
    if (h->major != CBOR_UINT)
        return tern_dec_fail(d, TERN_EMALFORMED, at, "LwM2M CBOR key is not an ID (uint)");
    if (h->arg > 65535)
        return tern_dec_fail(d, TERN_ERANGE, at, "LwM2M CBOR ID above 65535");
    if (k->n >= 4)
        return tern_dec_fail(d, TERN_EMALFORMED, at, "LwM2M CBOR path deeper than 4 levels");
    k->ids[k->n++] = (uint16_t)h->arg;
    return TERN_OK;
}

/* Parses the complete key item at buf[at .. at+len). */
static int parse_key(tern_decoder *d, size_t at, size_t len, bool prefix_ok, lw_key *k)
{
    uint8_t *p = d->buf + at;
    const char *why = NULL;
    cbor_head h;
    memset(k, 0, sizeof *k);
    int rc = cbor_head_read(p, len, &h, &why);
    if (rc)
        return tern_dec_fail(d, rc == TERN_AGAIN ? TERN_ETRUNCATED : rc, at, why);
    if (h.major == CBOR_TEXT) {
        if (!prefix_ok)
            return tern_dec_fail(d, TERN_EMALFORMED, at, "LwM2M CBOR text key outside the top level");
        cbor_val v;
        size_t used;
        rc = cbor_scalar(p, len, &v, &used, &why);
        if (rc)
            return tern_dec_fail(d, rc, at, why);
        k->has_prefix = true;
        k->prefix = v.ptr;
        k->prefix_len = v.len;
        return TERN_OK;
    }
    if (h.major != CBOR_ARRAY)
        return key_id(d, at, &h, k);
    size_t pos = h.len;
    uint64_t count = h.arg;
    for (uint64_t i = 0;; i++) {
        if (!h.indef && i == count)
            break;
        cbor_head e;
        rc = cbor_head_read(p + pos, len - pos, &e, &why);
        if (rc)
            return tern_dec_fail(d, rc == TERN_AGAIN ? TERN_ETRUNCATED : rc, at + pos, why);
        if (h.indef && e.major == CBOR_SIMPLE && e.indef)
            break;
        if (e.major == CBOR_TEXT && i == 0 && prefix_ok) {
            cbor_val v;
            size_t used;
            rc = cbor_scalar(p + pos, len - pos, &v, &used, &why);
            if (rc)
                return tern_dec_fail(d, rc, at + pos, why);
            k->has_prefix = true;
            k->prefix = v.ptr;
            k->prefix_len = v.len;
            pos += used;
            continue;
        }
        rc = key_id(d, at + pos, &e, k);
        if (rc)
            return rc;
        pos += e.len;
    }
    if (k->n == 0 && !k->has_prefix)
        return tern_dec_fail(d, TERN_EMALFORMED, at, "LwM2M CBOR empty array key");
    return TERN_OK;
}

static int lw_emit_empty(tern_decoder *d, lw_dec *s, const lw_frame *f, tern_entry *e, size_t at)
{
    if (f->base.len != 2 && f->base.len != 3)
        return TERN_DONE; /* nothing to say about an empty object or top level */
    e->kind = f->base.len == 2 ? TERN_ENTRY_EMPTY_INSTANCE : TERN_ENTRY_EMPTY_MULTI;
    e->path = f->base;
    if (f->prefixed) {
        e->prefix.ptr = (const uint8_t *)s->prefix;
        e->prefix.len = s->prefix_len;
    }
    if (cbor_dup_add(&s->dup, &e->path, f->prefixed ? cbor_dev_id((const uint8_t *)s->prefix, s->prefix_len) : 0))
        return tern_dec_fail(d, TERN_EDUPLICATE, at, "LwM2M CBOR path given twice");
    return TERN_OK;
}

static int lw_dec_next(tern_decoder *d, tern_entry *e)
{
    lw_dec *s = TERN_DEC_STATE(d, lw_dec);
    const char *why = NULL;
    cbor_head h;
    int rc;
    if (!s->started) {
        rc = cbor_head_read(d->buf + d->start, d->end - d->start, &h, &why);
        if (rc == TERN_AGAIN)
            return TERN_AGAIN;
        if (rc)
            return tern_dec_fail(d, rc, d->start, why);
        if (h.major != CBOR_MAP)
            return tern_dec_fail(d, TERN_EMALFORMED, d->start, "LwM2M CBOR payload is not a map");
        s->started = true;
        s->depth = 1;
        s->f[0].left = h.arg;
        s->f[0].indef = h.indef;
        s->f[0].base = tern_path_root();
        s->f[0].empty = true;
        d->start += h.len;
    }
    for (;;) {
        if (s->depth == 0) {
            if (d->start < d->end)
                return tern_dec_fail(d, TERN_EMALFORMED, d->start, "trailing bytes after the LwM2M CBOR map");
            return d->last ? TERN_DONE : TERN_AGAIN;
        }
        lw_frame *f = &s->f[s->depth - 1];
        size_t at = d->start;
        size_t n = d->end - at;
        bool close = false;
        if (!f->indef) {
            close = f->left == 0;
        } else {
            rc = cbor_head_read(d->buf + at, n, &h, &why);
            if (rc == TERN_AGAIN)
                return TERN_AGAIN;
            if (rc)
                return tern_dec_fail(d, rc, at, why);
            if (h.major == CBOR_SIMPLE && h.indef)
                close = true;
        }
        if (close) {
            lw_frame done = *f;
            s->depth--;
            if (done.indef)
                d->start += 1;
            if (done.empty && s->depth > 0) {
                rc = lw_emit_empty(d, s, &done, e, at);
                if (rc == TERN_OK)
                    return TERN_OK;
                if (rc < 0)
                    return rc;
            }
            continue;
        }
        /* key and value must both be complete before anything is consumed */
        size_t klen = 0, vlen = 0;
        rc = cbor_item_end(d->buf + at, n, &klen, &why);
        if (rc == TERN_AGAIN)
            return TERN_AGAIN;
        if (rc)
            return tern_dec_fail(d, rc, at, why);
        rc = cbor_head_read(d->buf + at + klen, n - klen, &h, &why);
        if (rc == TERN_AGAIN)
            return TERN_AGAIN;
        if (rc)
            return tern_dec_fail(d, rc, at + klen, why);
        if (h.major == CBOR_SIMPLE && h.indef)
            return tern_dec_fail(d, TERN_EMALFORMED, at + klen, "LwM2M CBOR key without a value");
        if (h.major != CBOR_MAP) {
            rc = cbor_item_end(d->buf + at + klen, n - klen, &vlen, &why);
            if (rc == TERN_AGAIN)
                return TERN_AGAIN;
            if (rc)
                return tern_dec_fail(d, rc, at + klen, why);
        }
        lw_key k;
        rc = parse_key(d, at, klen, s->depth == 1 && !f->prefixed, &k);
        if (rc)
            return rc;
        tern_path p = f->base;
        if (p.len + k.n > 4)
            return tern_dec_fail(d, TERN_EMALFORMED, at, "LwM2M CBOR path deeper than 4 levels");
        for (uint8_t i = 0; i < k.n; i++)
            p.ids[p.len++] = k.ids[i];
        bool prefixed = f->prefixed || k.has_prefix;
        if (k.has_prefix) {
            if (k.prefix_len == 0 || k.prefix_len > LW_PREFIX_MAX)
                return tern_dec_fail(d, TERN_ETOOBIG, at, "LwM2M Gateway prefix empty or too long");
        } else if (!prefixed && !tern_path_is_prefix(&d->req_path, &p) && !tern_path_is_prefix(&p, &d->req_path)) {
            return tern_dec_fail(d, TERN_EMALFORMED, at, "LwM2M CBOR path outside the request path");
        }
        if (!f->indef)
            f->left--;
        f->empty = false;
        if (h.major == CBOR_MAP) {
            if (p.len >= 4)
                return tern_dec_fail(d, TERN_EMALFORMED, at + klen, "LwM2M CBOR map below a resource instance");
            if (s->depth >= LW_MAX_FRAMES)
                return tern_dec_fail(d, TERN_EMALFORMED, at + klen, "LwM2M CBOR nesting too deep");
            if (k.has_prefix) {
                memcpy(s->prefix, k.prefix, k.prefix_len);
                s->prefix_len = (uint8_t)k.prefix_len;
            }
            lw_frame *c = &s->f[s->depth++];
            c->left = h.arg;
            c->indef = h.indef;
            c->base = p;
            c->empty = true;
            c->prefixed = prefixed;
            d->start = at + klen + h.len;
            continue;
        }
        if (p.len < 3)
            return tern_dec_fail(d, TERN_EMALFORMED, at + klen, "LwM2M CBOR value above resource level");
        cbor_val v;
        size_t used;
        rc = cbor_scalar(d->buf + at + klen, vlen, &v, &used, &why);
        if (rc)
            return tern_dec_fail(d, rc, at + klen, why);
        rc = cbor_to_value(&v, tern_dec_type_of(d, &p), &e->value, &why);
        if (rc)
            return tern_dec_fail(d, rc, at + klen, why);
        e->kind = TERN_ENTRY_VALUE;
        e->path = p;
        if (k.has_prefix) {
            e->prefix.ptr = k.prefix; /* in scratch, like the value */
            e->prefix.len = k.prefix_len;
        } else if (prefixed) {
            e->prefix.ptr = (const uint8_t *)s->prefix;
            e->prefix.len = s->prefix_len;
        }
        uint32_t dev = e->prefix.len ? cbor_dev_id(e->prefix.ptr, e->prefix.len) : 0;
        if (cbor_dup_add(&s->dup, &p, dev))
            return tern_dec_fail(d, TERN_EDUPLICATE, at, "LwM2M CBOR path given twice");
        if (e->value.type == TERN_TYPE_OPAQUE || e->value.type == TERN_TYPE_STRING ||
            e->value.type == TERN_TYPE_CORELNK)
            e->total = (uint32_t)TERN_MIN(e->value.v.bytes.len, UINT32_MAX);
        d->start = at + klen + vlen;
        return TERN_OK;
    }
}

/* ---- encoder ---- */

typedef struct lw_enc {
    size_t used;     /* bytes of records in scratch */
    size_t emitted;  /* document bytes written by earlier finish() calls */
    bool finishing;
    /* streaming (indefinite-length maps), once the records outgrew scratch */
    bool stream;
    bool open_left;  /* the top-level 0xbf is not written yet */
    bool close_done; /* the closing breaks are written */
    size_t head;     /* first pending record in scratch */
    size_t rec_done; /* bytes of the record at `head` already written */
    size_t close_done_bytes; /* finish: bytes of the closing breaks written */
    uint8_t open_plen;        /* device of the open maps */
    char open_prefix[LW_PREFIX_MAX];
    tern_path open;           /* ids of the open nested maps below the device */
    bool have_last;           /* last streamed record, for the duplicate check */
    uint8_t last_plen;
    char last_prefix[LW_PREFIX_MAX];
    tern_path last;
} lw_enc;
_Static_assert(sizeof(lw_enc) <= TERN_ENCODER_STATE_SIZE, "lwm2m cbor encoder state");

/* Record in scratch: [plen][prefix][len][ids: 2 bytes each][kind][vlen: 4][value] */
typedef struct lw_rec {
    const uint8_t *prefix;
    uint8_t plen;
    tern_path path;
    uint8_t kind;
    const uint8_t *val;
    uint32_t vlen;
    size_t next; /* offset of the following record */
} lw_rec;

static void rec_at(const uint8_t *b, size_t off, lw_rec *r)
{
    r->plen = b[off++];
    r->prefix = b + off;
    off += r->plen;
    r->path.len = b[off++];
    for (uint8_t i = 0; i < r->path.len; i++, off += 2)
        r->path.ids[i] = (uint16_t)(b[off] << 8 | b[off + 1]);
    r->kind = b[off++];
    r->vlen = (uint32_t)b[off] << 24 | (uint32_t)b[off + 1] << 16 | (uint32_t)b[off + 2] << 8 | b[off + 3];
    off += 4;
    r->val = b + off;
    r->next = off + r->vlen;
}

static int lw_enc_init(tern_encoder *e)
{
    memset(TERN_ENC_STATE(e, lw_enc), 0, sizeof(lw_enc));
    return TERN_OK;
}

static size_t lw_flush(tern_encoder *e, lw_enc *s, tern_wbuf *out);

static int lw_enc_add(tern_encoder *e, const tern_entry *en, tern_wbuf *out)
{
    lw_enc *s = TERN_ENC_STATE(e, lw_enc);
    if (s->finishing) {
        e->err_reason = "entry added after finish";
        return TERN_ESTATE;
    }
    if (en->more || en->offset) {
        e->err_reason = "LwM2M CBOR takes whole values";
        return TERN_EUNSUPPORTED;
    }
    uint8_t need_len;
    if (en->kind == TERN_ENTRY_VALUE)
        need_len = 3;
    else if (en->kind == TERN_ENTRY_EMPTY_INSTANCE)
        need_len = 2;
    else if (en->kind == TERN_ENTRY_EMPTY_MULTI)
        need_len = 3;
    else {
        e->err_reason = "LwM2M CBOR carries values, not bare paths";
        return TERN_EUNSUPPORTED;
    }
    if (en->path.len < need_len || en->path.len > 4 || (en->kind != TERN_ENTRY_VALUE && en->path.len != need_len)) {
        e->err_reason = "entry path has the wrong depth for its kind";
        return TERN_EINVAL;
    }
    if (en->prefix.len > LW_PREFIX_MAX) {
        e->err_reason = "LwM2M Gateway prefix too long";
        return TERN_EINVAL;
    }
    if (!e->scratch) {
        e->err_reason = "LwM2M CBOR encoder needs scratch";
        return TERN_EINVAL;
    }
    /* exact check against everything pending (the decoder's is bounded) */
    lw_rec r;
    if (s->stream && s->have_last && s->last_plen == en->prefix.len &&
        (s->last_plen == 0 || !memcmp(s->last_prefix, en->prefix.ptr, s->last_plen)) &&
        (tern_path_is_prefix(&s->last, &en->path) || tern_path_is_prefix(&en->path, &s->last))) {
        e->err_reason = "LwM2M CBOR path given twice";
        return TERN_EDUPLICATE;
    }
    if (s->stream && s->head) { /* pending records to the front */
        memmove(e->scratch, e->scratch + s->head, s->used - s->head);
        s->used -= s->head;
        s->head = 0;
    }
    for (size_t off = 0; off < s->used; off = r.next) {
        rec_at(e->scratch, off, &r);
        if (r.plen == en->prefix.len && (r.plen == 0 || !memcmp(r.prefix, en->prefix.ptr, r.plen)) &&
            (tern_path_is_prefix(&r.path, &en->path) || tern_path_is_prefix(&en->path, &r.path))) {
            e->err_reason = "LwM2M CBOR path given twice";
            return TERN_EDUPLICATE;
        }
    }
    tern_wbuf w = tern_wbuf_make(e->scratch + s->used, e->scratch_cap - s->used);
    uint8_t hdr[1 + LW_PREFIX_MAX + 1 + 8 + 1 + 4];
    size_t h = 0;
    hdr[h++] = (uint8_t)en->prefix.len;
    if (en->prefix.len)
        memcpy(hdr + h, en->prefix.ptr, en->prefix.len);
    h += en->prefix.len;
    hdr[h++] = en->path.len;
    for (uint8_t i = 0; i < en->path.len; i++) {
        hdr[h++] = (uint8_t)(en->path.ids[i] >> 8);
        hdr[h++] = (uint8_t)en->path.ids[i];
    }
    hdr[h++] = en->kind;
    size_t vlen_at = h;
    h += 4;
    int rc = tern_wbuf_put(&w, hdr, h);
    if (!rc && en->kind == TERN_ENTRY_VALUE) {
        rc = cbor_put_value(&w, &en->value, CBOR_TIME_INT);
        if (rc == TERN_EINVAL) {
            e->err_reason = "unknown value type";
            return TERN_EINVAL;
        }
    }
    if (rc) {
        /* Does not fit: switch to (or go on with) indefinite-length maps
         * and make room by writing pending records out. Either something
         * was written (TERN_AGAIN, the entry not taken: drain and repeat
         * the call) or nothing changed (TERN_ENOMEM). */
        if (s->used == 0 && (!s->stream || !s->open_left)) {
            e->err_reason = "LwM2M CBOR entry larger than the encoder scratch";
            return TERN_ETOOBIG;
        }
        if (out->len == out->cap)
            return TERN_ENOMEM;
        if (!s->stream) {
            s->stream = true;
            s->open_left = true;
        }
        (void)lw_flush(e, s, out);
        return TERN_AGAIN;
    }
    size_t vlen = w.len - h;
    w.ptr[vlen_at] = (uint8_t)(vlen >> 24);
    w.ptr[vlen_at + 1] = (uint8_t)(vlen >> 16);
    w.ptr[vlen_at + 2] = (uint8_t)(vlen >> 8);
    w.ptr[vlen_at + 3] = (uint8_t)vlen;
    s->used += w.len;
    if (s->stream)
        (void)lw_flush(e, s, out);
    return TERN_OK;
}

/* Output that skips the bytes written by earlier finish() calls. */
typedef struct lw_sink {
    tern_wbuf *out;
    size_t skip;
    size_t pos;
    bool full;
} lw_sink;

static void sink_put(lw_sink *k, const uint8_t *p, size_t n)
{
    if (k->full)
        return;
    if (k->pos + n <= k->skip) {
        k->pos += n;
        return;
    }
    if (k->pos < k->skip) {
        size_t cut = k->skip - k->pos;
        p += cut;
        n -= cut;
        k->pos += cut;
    }
    size_t room = k->out->cap - k->out->len;
    size_t c = TERN_MIN(room, n);
    if (c)
        memcpy(k->out->ptr + k->out->len, p, c);
    k->out->len += c;
    k->pos += c;
    if (c < n)
        k->full = true;
}

static void sink_head(lw_sink *k, uint8_t major, uint64_t arg)
{
    uint8_t b[9];
    tern_wbuf w = tern_wbuf_make(b, sizeof b);
    (void)cbor_put_head(&w, major, arg);
    sink_put(k, b, w.len);
}

static bool same_dev(const lw_rec *a, const lw_rec *b)
{
    return a->plen == b->plen && (a->plen == 0 || memcmp(a->prefix, b->prefix, a->plen) == 0);
}

/* true if r belongs to the group of g (same device) and shares g's first `depth` ids */
static bool in_branch(const lw_rec *r, const lw_rec *g, uint8_t depth)
{
    if (!same_dev(r, g) || r->path.len < depth)
        return false;
    for (uint8_t i = 0; i < depth; i++)
        if (r->path.ids[i] != g->path.ids[i])
            return false;
    return true;
}

static void sink_leaf(lw_sink *k, const lw_rec *r)
{
    if (r->kind == TERN_ENTRY_VALUE)
        sink_put(k, r->val, r->vlen);
    else
        sink_head(k, CBOR_MAP, 0);
}

/* Writes the map of the branch {g's first `depth` ids}: one key per distinct
 * next id, in order of first appearance. Recursion depth ≤ 4. */
static void emit_level(lw_sink *k, const uint8_t *b, size_t used, const lw_rec *g, uint8_t depth)
{
    uint64_t count = 0;
    lw_rec r, q;
    for (size_t off = 0; off < used; off = r.next) {
        rec_at(b, off, &r);
        if (!in_branch(&r, g, depth) || r.path.len == depth)
            continue;
        bool seen = false;
        for (size_t o2 = 0; o2 < off && !seen; o2 = q.next) {
            rec_at(b, o2, &q);
            seen = in_branch(&q, g, depth) && q.path.len > depth && q.path.ids[depth] == r.path.ids[depth];
        }
        if (!seen)
            count++;
    }
    sink_head(k, CBOR_MAP, count);
    for (size_t off = 0; off < used; off = r.next) {
        rec_at(b, off, &r);
        if (!in_branch(&r, g, depth) || r.path.len == depth)
            continue;
        bool seen = false;
        for (size_t o2 = 0; o2 < off && !seen; o2 = q.next) {
            rec_at(b, o2, &q);
            seen = in_branch(&q, g, depth) && q.path.len > depth && q.path.ids[depth] == r.path.ids[depth];
        }
        if (seen)
            continue;
        sink_head(k, CBOR_UINT, r.path.ids[depth]);
        if (r.path.len == depth + 1)
            sink_leaf(k, &r);
        else
            emit_level(k, b, used, &r, (uint8_t)(depth + 1));
    }
}

/* ---- streaming form ----
 * Every record is written with one key per level: the maps of the path
 * prefix it shares with the previous record stay open, the others are
 * closed (0xff) and the new ones opened (key + 0xbf); a gateway device is a
 * text key at the top level whose map holds that device's objects. */

static uint8_t lw_common(const lw_enc *s, const lw_rec *r)
{
    if (r->plen != s->open_plen || (r->plen && memcmp(r->prefix, s->open_prefix, r->plen)))
        return 0;
    uint8_t c = 0;
    while (c < s->open.len && c + 1 < r->path.len && s->open.ids[c] == r->path.ids[c])
        c++;
    return c;
}

/* The streamed bytes of record r given the open maps, into k. */
static void lw_stream_rec(lw_sink *k, const lw_enc *s, const lw_rec *r)
{
    static const uint8_t brk = 0xff, open = 0xbf;
    bool same = r->plen == s->open_plen && (r->plen == 0 || !memcmp(r->prefix, s->open_prefix, r->plen));
    uint8_t c = lw_common(s, r);
    for (uint8_t i = c; i < s->open.len; i++)
        sink_put(k, &brk, 1);
    if (!same && s->open_plen)
        sink_put(k, &brk, 1);
    if (!same && r->plen) {
        sink_head(k, CBOR_TEXT, r->plen);
        sink_put(k, r->prefix, r->plen);
        sink_put(k, &open, 1);
    }
    for (uint8_t i = c; i + 1 < r->path.len; i++) {
        sink_head(k, CBOR_UINT, r->path.ids[i]);
        sink_put(k, &open, 1);
    }
    sink_head(k, CBOR_UINT, r->path.ids[r->path.len - 1]);
    sink_leaf(k, r);
}

/* Writes the top-level head and pending records (each resumable byte-wise)
 * as far as `out` has room; returns the number of bytes written. */
static size_t lw_flush(tern_encoder *e, lw_enc *s, tern_wbuf *out)
{
    size_t mark = out->len;
    if (s->open_left) {
        if (out->len == out->cap)
            return 0;
        out->ptr[out->len++] = 0xbf;
        s->open_left = false;
    }
    while (s->head < s->used) {
        lw_rec r;
        rec_at(e->scratch, s->head, &r);
        lw_sink k = {out, s->rec_done, 0, false};
        lw_stream_rec(&k, s, &r);
        if (k.full) {
            s->rec_done = k.pos;
            break;
        }
        s->rec_done = 0;
        s->head = r.next;
        s->open_plen = r.plen;
        if (r.plen)
            memcpy(s->open_prefix, r.prefix, r.plen);
        s->open = r.path;
        s->open.len = (uint8_t)(r.path.len - 1);
        s->have_last = true;
        s->last_plen = r.plen;
        if (r.plen)
            memcpy(s->last_prefix, r.prefix, r.plen);
        s->last = r.path;
    }
    if (s->head == s->used && s->rec_done == 0)
        s->head = s->used = 0;
    return out->len - mark;
}

static int lw_enc_finish(tern_encoder *e, tern_wbuf *out)
{
    lw_enc *s = TERN_ENC_STATE(e, lw_enc);
    if (s->stream) {
        s->finishing = true;
        size_t wrote = lw_flush(e, s, out);
        if (s->open_left || s->used)
            return wrote ? TERN_AGAIN : TERN_ENOMEM;
        /* breaks: open nested maps, the device map, the top level */
        size_t need = (size_t)s->open.len + (s->open_plen ? 1 : 0) + 1;
        while (s->close_done_bytes < need && out->len < out->cap) {
            out->ptr[out->len++] = 0xff;
            s->close_done_bytes++;
            wrote++;
        }
        if (s->close_done_bytes < need)
            return wrote ? TERN_AGAIN : TERN_ENOMEM;
        s->close_done = true;
        return TERN_OK;
    }
    const uint8_t *b = e->scratch;
    lw_sink k = {out, s->emitted, 0, false};
    size_t mark = out->len;
    lw_rec r, q;
    /* groups: (device, object) in order of first appearance */
    uint64_t groups = 0;
    for (size_t off = 0; off < s->used; off = r.next) {
        rec_at(b, off, &r);
        bool seen = false;
        for (size_t o2 = 0; o2 < off && !seen; o2 = q.next) {
            rec_at(b, o2, &q);
            seen = in_branch(&q, &r, 1);
        }
        groups += !seen;
    }
    sink_head(&k, CBOR_MAP, groups);
    for (size_t off = 0; off < s->used; off = r.next) {
        rec_at(b, off, &r);
        bool seen = false;
        for (size_t o2 = 0; o2 < off && !seen; o2 = q.next) {
            rec_at(b, o2, &q);
            seen = in_branch(&q, &r, 1);
        }
        if (seen)
            continue;
        /* longest prefix shared by the group */
        uint8_t common = r.path.len;
        size_t members = 0;
        for (size_t o2 = 0; o2 < s->used; o2 = q.next) {
            rec_at(b, o2, &q);
            if (!in_branch(&q, &r, 1))
                continue;
            members++;
            uint8_t c = 0;
            while (c < common && c < q.path.len && q.path.ids[c] == r.path.ids[c])
                c++;
            common = c;
        }
        if (members > 1 && common == r.path.len)
            common--; /* cannot happen for distinct, non-nested paths */
        if (r.plen) {
            sink_head(&k, CBOR_ARRAY, (uint64_t)common + 1);
            sink_head(&k, CBOR_TEXT, r.plen);
            sink_put(&k, r.prefix, r.plen);
        } else if (common > 1) {
            sink_head(&k, CBOR_ARRAY, common);
        }
        for (uint8_t i = 0; i < common; i++)
            sink_head(&k, CBOR_UINT, r.path.ids[i]);
        if (members == 1 && common == r.path.len)
            sink_leaf(&k, &r);
        else
            emit_level(&k, b, s->used, &r, common);
    }
    s->finishing = true;
    if (!k.full) {
        s->emitted = k.pos;
        return TERN_OK;
    }
    if (out->len == mark)
        return TERN_ENOMEM;
    s->emitted += out->len - mark;
    return TERN_AGAIN;
}

const tern_codec_vtab tern_codec_lwm2m_cbor = {TERN_CF_LWM2M_CBOR, "lwm2m_cbor", lw_dec_init, lw_dec_next,
                                                lw_enc_init, lw_enc_add, lw_enc_finish};
