/* tern — OMA LwM2M JSON (application/vnd.oma.lwm2m+json, content format
 * 11543; LwM2M 1.0 TS §6.4.4, kept by Core 1.2 §7.4.6 for 1.0 peers):
 *   {"bn":"/3/0/","bt":T,"e":[{"n":"0","sv":"..."},{"n":"6/0","v":1,"t":-5}]}
 * Entry keys: n, v (number), sv (string; base64 for Opaque), bv (boolean),
 * ov (Objlnk "O:I"), t (time relative to bt).
 *
 * Streaming: the top-level object is read member by member and the "e"
 * array entry by entry (one entry plus a chunk in scratch). Leshan writes
 * "bt" after "e"; when an entry carries "t" before any "bt" was read, the
 * decoder looks ahead for a top-level "bt" — the rest of the document must
 * then fit in scratch. A "bn" after entries were produced is refused.
 */
#include <math.h>
#include <string.h>

#include "codec/json_senml.h"
#include "codec/base64.h"
#include "codec/json.h"
#include "codec/senml.h"

enum {
    OJ_START = 0, /* before '{' */
    OJ_KEY_FIRST, /* a key or '}' */
    OJ_KEY,       /* a key (after ',') */
    OJ_AFTER,     /* ',' or '}' after a member */
    OJ_E_FIRST,   /* in "e": an entry or ']' */
    OJ_E_NEXT,    /* in "e": ',' or ']' */
    OJ_E_ENTRY,   /* in "e": an entry (after ',') */
    OJ_END,       /* after the closing '}' */
    OJ_DONE,
};

enum { SEEN_BN = 1, SEEN_BT = 2, SEEN_E = 4, BT_SCANNED = 8 };

typedef struct oj_dec {
    tern_senml_dec s;
    uint8_t phase;
    uint8_t seen;
    bool empty_done;
    bool prev_timed;
    tern_path prev;
    uint32_t entries;
} oj_dec;
_Static_assert(sizeof(oj_dec) <= TERN_DECODER_STATE_SIZE, "OMA JSON decoder state too large");

typedef struct oj_enc {
    bool started;
    uint8_t bn_len;
    char bn[24]; /* "/65534/65534/" */
} oj_enc;
_Static_assert(sizeof(oj_enc) <= TERN_ENCODER_STATE_SIZE, "OMA JSON encoder state too large");

static int oj_dec_init(tern_decoder *d)
{
    oj_dec *st = TERN_DEC_STATE(d, oj_dec);
    memset(st, 0, sizeof *st);
    tern_senml_dec_init(&st->s, false);
    st->s.v_float = true;   /* Leshan: an untyped "v" is a Float */
    st->s.t_only = true;
    st->s.vs_opaque = true; /* Opaque as base64 in "sv" */
    return TERN_OK;
}

static bool raw_key_is(const uint8_t *b, size_t kat, size_t kend, const char *name)
{
    size_t n = strlen(name);
    return kend - kat == n + 2 && memcmp(b + kat + 1, name, n) == 0;
}

/* Does the (complete) object b[i..end) have the key `name`? Keys compared
 * raw (a key with escapes never matches). */
static bool obj_has_key(const uint8_t *b, size_t i, size_t end, const char *name)
{
    tern_json_err err;
    size_t j = tern_json_ws(b, i + 1, end);
    while (j < end && b[j] == '"') {
        size_t kend;
        if (tern_json_skip_value(b, j, end, true, &kend, &err) != TERN_OK)
            return false;
        if (raw_key_is(b, j, kend, name))
            return true;
        j = tern_json_ws(b, kend, end);
        if (j >= end || b[j] != ':')
            return false;
        j = tern_json_ws(b, j + 1, end);
        if (tern_json_skip_value(b, j, end, true, &j, &err) != TERN_OK)
            return false;
        j = tern_json_ws(b, j, end);
        if (j >= end || b[j] != ',')
            return false;
        j = tern_json_ws(b, j + 1, end);
    }
    return false;
}

/* Looks for the top-level "bt" from b[i] (inside "e", at an entry or ','
 * or ']'). TERN_OK with *found, TERN_AGAIN when the document is not all in
 * scratch yet, or an error. */
static int scan_bt(tern_decoder *d, size_t i, bool *found, tern_json_num *bt)
{
    const uint8_t *b = d->buf;
    size_t end = d->end;
    tern_json_err err = {i, NULL};
    int rc;
    size_t j = i;
    bool in_e = true;
    *found = false;
    for (;;) {
        j = tern_json_ws(b, j, end);
        if (j >= end)
            return d->last ? TERN_OK : TERN_AGAIN;
        uint8_t c = b[j];
        if (in_e) {
            if (c == ',') {
                j++;
            } else if (c == ']') {
                in_e = false;
                j++;
            } else {
                rc = tern_json_skip_value(b, j, end, d->last, &j, &err);
                if (rc != TERN_OK)
                    return rc == TERN_AGAIN ? rc : TERN_OK; /* the error shows up when parsed */
            }
            continue;
        }
        if (c == ',') {
            j++;
            continue;
        }
        if (c != '"')
            return TERN_OK; /* '}' or garbage: no bt */
        size_t kat = j, kend;
        rc = tern_json_skip_value(b, j, end, d->last, &kend, &err);
        if (rc != TERN_OK)
            return rc == TERN_AGAIN ? rc : TERN_OK;
        j = tern_json_ws(b, kend, end);
        if (j >= end)
            return d->last ? TERN_OK : TERN_AGAIN;
        if (b[j] != ':')
            return TERN_OK;
        j = tern_json_ws(b, j + 1, end);
        if (j >= end)
            return d->last ? TERN_OK : TERN_AGAIN;
        if (raw_key_is(b, kat, kend, "bt")) {
            size_t nx;
            rc = tern_json_number(b, j, end, d->last, bt, &nx, &err);
            if (rc == TERN_AGAIN)
                return rc;
            *found = rc == TERN_OK;
            return TERN_OK;
        }
        rc = tern_json_skip_value(b, j, end, d->last, &j, &err);
        if (rc != TERN_OK)
            return rc == TERN_AGAIN ? rc : TERN_OK;
    }
}

/* Parses one entry object b[i..end) (complete) into r. */
static int parse_entry(tern_decoder *d, size_t i, size_t end, tern_senml_rec *r)
{
    uint8_t *b = d->buf;
    tern_json_err err = {i, NULL};
    int rc;
    size_t j = tern_json_ws(b, i + 1, end);
    if (j < end && b[j] == '}')
        return TERN_OK;
    for (;;) {
        tern_bytes key;
        size_t kat = j;
        rc = tern_json_string(b, j, end, &key, &j, &err);
        if (rc != TERN_OK)
            goto fail;
        j = tern_json_ws(b, j, end);
        if (j >= end || b[j] != ':')
            return tern_dec_fail(d, TERN_EMALFORMED, j, "expected ':' in an OMA JSON entry");
        j = tern_json_ws(b, j + 1, end);
        if (j >= end)
            return tern_dec_fail(d, TERN_EMALFORMED, j, "entry ends after ':'");
        tern_senml_key k = TERN_SENML_K_UNKNOWN;
        char want = 0; /* 's' string, 'n' number, 'b' boolean */
        if (key.len == 1 && key.ptr[0] == 'n') {
            k = TERN_SENML_K_N;
            want = 's';
        } else if (key.len == 1 && key.ptr[0] == 'v') {
            k = TERN_SENML_K_V;
            want = 'n';
        } else if (key.len == 1 && key.ptr[0] == 't') {
            k = TERN_SENML_K_T;
            want = 'n';
        } else if (key.len == 2 && memcmp(key.ptr, "sv", 2) == 0) {
            k = TERN_SENML_K_VS;
            want = 's';
        } else if (key.len == 2 && memcmp(key.ptr, "bv", 2) == 0) {
            k = TERN_SENML_K_VB;
            want = 'b';
        } else if (key.len == 2 && memcmp(key.ptr, "ov", 2) == 0) {
            k = TERN_SENML_K_VLO;
            want = 's';
        }
        if (k != TERN_SENML_K_UNKNOWN && tern_senml_rec_mark(r, k) < 0)
            return tern_dec_fail(d, TERN_EDUPLICATE, kat, "duplicate key in an OMA JSON entry");
        uint8_t c = b[j];
        size_t vat = j;
        if (want == 0) {
            rc = tern_json_skip_value(b, j, end, true, &j, &err);
            if (rc != TERN_OK)
                goto fail;
        } else if (want == 's') {
            tern_bytes sv;
            if (c != '"')
                return tern_dec_fail(d, TERN_EMALFORMED, vat, "OMA JSON field must be a string");
            rc = tern_json_string(b, j, end, &sv, &j, &err);
            if (rc != TERN_OK)
                goto fail;
            if (k == TERN_SENML_K_N)
                r->n = sv;
            else if (k == TERN_SENML_K_VS)
                r->vs = sv;
            else
                r->vlo = sv;
        } else if (want == 'n') {
            tern_json_num num;
            if (c != '-' && (c < '0' || c > '9'))
                return tern_dec_fail(d, TERN_EMALFORMED, vat, "OMA JSON field must be a number");
            rc = tern_json_number(b, j, end, true, &num, &j, &err);
            if (rc != TERN_OK)
                goto fail;
            tern_senml_num_from_json(k == TERN_SENML_K_V ? &r->v : &r->t, &num);
        } else {
            char lit = 0;
            if (c != 't' && c != 'f')
                return tern_dec_fail(d, TERN_EMALFORMED, vat, "bv must be true or false");
            rc = tern_json_literal(b, j, end, &lit, &j, &err);
            if (rc != TERN_OK)
                goto fail;
            if (lit == 'n')
                return tern_dec_fail(d, TERN_EMALFORMED, vat, "bv must be true or false");
            r->vb = lit == 't';
        }
        j = tern_json_ws(b, j, end);
        if (j >= end)
            return tern_dec_fail(d, TERN_EMALFORMED, j, "entry not closed");
        if (b[j] == '}')
            return TERN_OK;
        if (b[j] != ',')
            return tern_dec_fail(d, TERN_EMALFORMED, j, "expected ',' or '}' in an OMA JSON entry");
        j = tern_json_ws(b, j + 1, end);
    }
fail:
    if (rc == TERN_AGAIN)
        rc = TERN_EMALFORMED;
    return tern_dec_fail(d, rc, err.at, err.why ? err.why : "malformed OMA JSON entry");
}

static int do_entry(tern_decoder *d, oj_dec *st, size_t i, tern_entry *e)
{
    size_t next = 0;
    tern_json_err err = {i, NULL};
    int rc = tern_json_skip_value(d->buf, i, d->end, d->last, &next, &err);
    if (rc == TERN_AGAIN)
        return rc;
    if (rc < 0)
        return tern_dec_fail(d, rc, err.at, err.why);
    if (d->buf[i] != '{')
        return tern_dec_fail(d, TERN_EMALFORMED, i, "OMA JSON entry must be an object");
    if (!(st->seen & (SEEN_BT | BT_SCANNED)) && obj_has_key(d->buf, i, next, "t")) {
        /* relative time before any bt: look ahead for Leshan's trailing bt */
        bool found = false;
        tern_json_num bt;
        rc = scan_bt(d, i, &found, &bt);
        if (rc == TERN_AGAIN)
            return rc;
        st->seen |= BT_SCANNED;
        if (found) {
            tern_senml_num n;
            tern_senml_num_from_json(&n, &bt);
            st->s.bt = n.kind == TERN_SENML_NUM_INT ? (double)n.i : n.kind == TERN_SENML_NUM_UINT ? (double)n.u : n.f;
        }
    }
    tern_senml_rec r;
    memset(&r, 0, sizeof r);
    rc = parse_entry(d, i, next, &r);
    if (rc < 0)
        return rc;
    if (!(r.present & (TERN_SENML_BIT(TERN_SENML_K_V) | TERN_SENML_BIT(TERN_SENML_K_VS) |
                       TERN_SENML_BIT(TERN_SENML_K_VB) | TERN_SENML_BIT(TERN_SENML_K_VLO))))
        return tern_dec_fail(d, TERN_EMALFORMED, i, "OMA JSON entry without a value");
    rc = tern_senml_dec_apply(&st->s, d, &r, e, i);
    if (rc < 0)
        return rc;
    bool timed = (r.present & TERN_SENML_BIT(TERN_SENML_K_T)) != 0;
    if (st->entries && !timed && !st->prev_timed && tern_path_eq(&st->prev, &e->path))
        return tern_dec_fail(d, TERN_EDUPLICATE, i, "the same path appears twice");
    st->prev = e->path;
    st->prev_timed = timed;
    st->entries++;
    d->start = next;
    st->phase = OJ_E_NEXT;
    return TERN_OK;
}

/* One top-level member at b[i] == '"'. */
static int do_member(tern_decoder *d, oj_dec *st, size_t i)
{
    uint8_t *b = d->buf;
    tern_json_err err = {i, NULL};
    size_t kend, j;
    int rc = tern_json_skip_value(b, i, d->end, d->last, &kend, &err);
    if (rc == TERN_AGAIN)
        return rc;
    if (rc < 0)
        return tern_dec_fail(d, rc, err.at, err.why);
    if (b[i] != '"')
        return tern_dec_fail(d, TERN_EMALFORMED, i, "expected a key in the OMA JSON object");
    j = tern_json_ws(b, kend, d->end);
    if (j >= d->end)
        return d->last ? tern_dec_fail(d, TERN_ETRUNCATED, j, "document ends after a key") : TERN_AGAIN;
    if (b[j] != ':')
        return tern_dec_fail(d, TERN_EMALFORMED, j, "expected ':'");
    j = tern_json_ws(b, j + 1, d->end);
    if (j >= d->end)
        return d->last ? tern_dec_fail(d, TERN_ETRUNCATED, j, "document ends after ':'") : TERN_AGAIN;
    if (raw_key_is(b, i, kend, "e")) {
        if (st->seen & SEEN_E)
            return tern_dec_fail(d, TERN_EDUPLICATE, i, "duplicate key \"e\"");
        if (b[j] != '[')
            return tern_dec_fail(d, TERN_EMALFORMED, j, "\"e\" must be an array");
        st->seen |= SEEN_E;
        st->phase = OJ_E_FIRST;
        d->start = j + 1;
        return TERN_OK;
    }
    size_t vend;
    rc = tern_json_skip_value(b, j, d->end, d->last, &vend, &err);
    if (rc == TERN_AGAIN)
        return rc;
    if (rc < 0)
        return tern_dec_fail(d, rc, err.at, err.why);
    if (raw_key_is(b, i, kend, "bn")) {
        if (st->seen & SEEN_BN)
            return tern_dec_fail(d, TERN_EDUPLICATE, i, "duplicate key \"bn\"");
        if (st->entries)
            return tern_dec_fail(d, TERN_EUNSUPPORTED, i, "\"bn\" after the entries is not supported");
        st->seen |= SEEN_BN;
        tern_bytes bn;
        rc = tern_json_string(b, j, vend, &bn, &vend, &err);
        if (rc != TERN_OK)
            return tern_dec_fail(d, rc == TERN_AGAIN ? TERN_EMALFORMED : rc, err.at, "\"bn\" must be a string");
        if (bn.len > sizeof st->s.bn)
            return tern_dec_fail(d, TERN_ETOOBIG, j, "\"bn\" too long");
        if (bn.len)
            memcpy(st->s.bn, bn.ptr, bn.len);
        st->s.bn_len = (uint8_t)bn.len;
    } else if (raw_key_is(b, i, kend, "bt")) {
        if (st->seen & SEEN_BT)
            return tern_dec_fail(d, TERN_EDUPLICATE, i, "duplicate key \"bt\"");
        st->seen |= SEEN_BT;
        tern_json_num n;
        rc = tern_json_number(b, j, vend, true, &n, &vend, &err);
        if (rc != TERN_OK)
            return tern_dec_fail(d, TERN_EMALFORMED, j, "\"bt\" must be a number");
        if (!(st->seen & BT_SCANNED))
            st->s.bt = n.f;
    }
    d->start = vend;
    st->phase = OJ_AFTER;
    return TERN_OK;
}

static int oj_dec_next(tern_decoder *d, tern_entry *e)
{
    oj_dec *st = TERN_DEC_STATE(d, oj_dec);
    uint8_t *b = d->buf;
    for (;;) {
        size_t i = tern_json_ws(b, d->start, d->end);
        d->start = i;
        if (st->phase == OJ_DONE)
            return TERN_DONE;
        if (i >= d->end) {
            if (!d->last)
                return TERN_AGAIN;
            if (st->phase != OJ_END)
                return tern_dec_fail(d, TERN_ETRUNCATED, i,
                                     st->phase == OJ_START ? "empty OMA JSON document" : "OMA JSON document not closed");
            if (!(st->seen & SEEN_E))
                return tern_dec_fail(d, TERN_EMALFORMED, i, "OMA JSON document without \"e\"");
            if (st->entries == 0 && !st->empty_done && d->req_path.len >= TERN_LVL_INSTANCE &&
                d->req_path.len <= TERN_LVL_RESOURCE) {
                st->empty_done = true;
                e->kind = d->req_path.len == TERN_LVL_INSTANCE ? TERN_ENTRY_EMPTY_INSTANCE : TERN_ENTRY_EMPTY_MULTI;
                e->path = d->req_path;
                return TERN_OK;
            }
            st->phase = OJ_DONE;
            return TERN_DONE;
        }
        uint8_t c = b[i];
        int rc;
        switch (st->phase) {
        case OJ_START:
            if (c != '{')
                return tern_dec_fail(d, TERN_EMALFORMED, i, "OMA JSON must be an object");
            d->start = i + 1;
            st->phase = OJ_KEY_FIRST;
            continue;
        case OJ_KEY_FIRST:
        case OJ_KEY:
            if (c == '}' && st->phase == OJ_KEY_FIRST) {
                d->start = i + 1;
                st->phase = OJ_END;
                continue;
            }
            rc = do_member(d, st, i);
            if (rc != TERN_OK)
                return rc;
            continue;
        case OJ_AFTER:
            if (c == ',') {
                st->phase = OJ_KEY;
            } else if (c == '}') {
                st->phase = OJ_END;
            } else {
                return tern_dec_fail(d, TERN_EMALFORMED, i, "expected ',' or '}'");
            }
            d->start = i + 1;
            continue;
        case OJ_E_FIRST:
        case OJ_E_ENTRY:
            if (c == ']' && st->phase == OJ_E_FIRST) {
                d->start = i + 1;
                st->phase = OJ_AFTER;
                continue;
            }
            return do_entry(d, st, i, e);
        case OJ_E_NEXT:
            if (c == ',') {
                st->phase = OJ_E_ENTRY;
            } else if (c == ']') {
                st->phase = OJ_AFTER;
            } else {
                return tern_dec_fail(d, TERN_EMALFORMED, i, "expected ',' or ']' in \"e\"");
            }
            d->start = i + 1;
            continue;
        default: /* OJ_END */
            return tern_dec_fail(d, TERN_EMALFORMED, i, "data after the OMA JSON object");
        }
    }
}

/* ---- encoder ---- */

static int oj_enc_init(tern_encoder *e)
{
    oj_enc *st = TERN_ENC_STATE(e, oj_enc);
    memset(st, 0, sizeof *st);
    /* bn: the request path down to the instance, with a trailing '/' (as
     * Zephyr writes it: "/65535/0/" also for a single resource) */
    tern_path p = e->req_path;
    if (p.len > TERN_LVL_INSTANCE)
        p.len = TERN_LVL_INSTANCE;
    int n = tern_path_format(&p, st->bn, sizeof st->bn - 1);
    if (n < 0)
        return tern_enc_fail(e, TERN_EINVAL, "request path");
    if (st->bn[n - 1] != '/')
        st->bn[n++] = '/';
    st->bn_len = (uint8_t)n;
    return TERN_OK;
}

static int put_head(tern_wbuf *w, const oj_enc *st)
{
    if (tern_json_put(w, "{\"bn\":") < 0 || tern_json_put_str(w, (const uint8_t *)st->bn, st->bn_len) < 0 ||
        tern_json_put(w, ",\"e\":[") < 0)
        return TERN_ENOMEM;
    return TERN_OK;
}

static int oj_enc_add(tern_encoder *e, const tern_entry *en, tern_wbuf *out)
{
    oj_enc *st = TERN_ENC_STATE(e, oj_enc);
    if (en->kind == TERN_ENTRY_EMPTY_INSTANCE || en->kind == TERN_ENTRY_EMPTY_MULTI)
        return TERN_OK;
    if (en->kind != TERN_ENTRY_VALUE)
        return tern_enc_fail(e, TERN_EUNSUPPORTED, "OMA JSON carries only values");
    if (en->prefix.len)
        return tern_enc_fail(e, TERN_EUNSUPPORTED, "OMA JSON has no Gateway prefixes");
    if (en->more || en->offset)
        return tern_enc_fail(e, TERN_EUNSUPPORTED, "OMA JSON cannot carry a value in chunks");
    if (en->path.len < TERN_LVL_RESOURCE)
        return tern_enc_fail(e, TERN_EINVAL, "value entry above resource level");
    char full[32];
    int fl = tern_path_format(&en->path, full, sizeof full);
    if (fl < 0 || (size_t)fl < st->bn_len || memcmp(full, st->bn, st->bn_len) != 0)
        return tern_enc_fail(e, TERN_EINVAL, "entry outside the request path");
    if (en->has_time && !isfinite(en->time))
        return tern_enc_fail(e, TERN_ERANGE, "time is not finite");
    if (!st->started && put_head(out, st) < 0)
        return TERN_ENOMEM;
    if (tern_json_put(out, st->started ? ",{" : "{") < 0)
        return TERN_ENOMEM;
    bool first = true;
    if ((size_t)fl > st->bn_len) {
        if (tern_json_put_key(out, "n") < 0 ||
            tern_json_put_str(out, (const uint8_t *)full + st->bn_len, (size_t)fl - st->bn_len) < 0)
            return TERN_ENOMEM;
        first = false;
    }
    if (!first && tern_wbuf_put_u8(out, ',') < 0)
        return TERN_ENOMEM;
    const tern_value *v = &en->value;
    int rc;
    switch (v->type) {
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
        rc = tern_json_put_key(out, "v") < 0 ? TERN_ENOMEM : tern_json_put_i64(out, v->v.i);
        break;
    case TERN_TYPE_UNSIGNED:
        rc = tern_json_put_key(out, "v") < 0 ? TERN_ENOMEM : tern_json_put_u64(out, v->v.u);
        break;
    case TERN_TYPE_FLOAT:
        if (!isfinite(v->v.f))
            return tern_enc_fail(e, TERN_ERANGE, "JSON cannot carry NaN or infinity");
        rc = tern_json_put_key(out, "v") < 0 ? TERN_ENOMEM : tern_json_put_double(out, v->v.f);
        break;
    case TERN_TYPE_BOOLEAN:
        rc = tern_json_put(out, v->v.b ? "\"bv\":true" : "\"bv\":false");
        break;
    case TERN_TYPE_STRING:
    case TERN_TYPE_CORELNK:
        rc = tern_json_put_key(out, "sv") < 0 ? TERN_ENOMEM : tern_json_put_str(out, v->v.bytes.ptr, v->v.bytes.len);
        break;
    case TERN_TYPE_OPAQUE:
        rc = tern_json_put(out, "\"sv\":\"") < 0 ||
                     tern_b64_encode(out, v->v.bytes.ptr, v->v.bytes.len, TERN_B64_PAD) < 0
                 ? TERN_ENOMEM
                 : tern_wbuf_put_u8(out, '"');
        break;
    case TERN_TYPE_OBJLNK: {
        char t[TERN_OBJLNK_STRLEN];
        int n = tern_objlnk_format(&v->v.lnk, t, sizeof t);
        if (n < 0)
            return tern_enc_fail(e, TERN_EINVAL, "objlnk");
        rc = tern_json_put_key(out, "ov") < 0 ? TERN_ENOMEM : tern_json_put_str(out, (const uint8_t *)t, (size_t)n);
        break;
    }
    default:
        return tern_enc_fail(e, TERN_ETYPE, "value has no type");
    }
    if (rc < 0)
        return rc;
    if (en->has_time && en->time != 0.0) {
        if (tern_json_put(out, ",\"t\":") < 0 || tern_json_put_time(out, en->time) < 0)
            return TERN_ENOMEM;
    }
    if (tern_wbuf_put_u8(out, '}') < 0)
        return TERN_ENOMEM;
    st->started = true;
    return TERN_OK;
}

static int oj_enc_finish(tern_encoder *e, tern_wbuf *out)
{
    oj_enc *st = TERN_ENC_STATE(e, oj_enc);
    if (!st->started && put_head(out, st) < 0)
        return TERN_ENOMEM;
    return tern_json_put(out, "]}");
}

const tern_codec_vtab tern_codec_oma_json = {
    TERN_CF_OMA_JSON, "oma_json", oj_dec_init, oj_dec_next, oj_enc_init, oj_enc_add, oj_enc_finish,
};
