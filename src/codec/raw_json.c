/* tern — record-level OMA JSON (LwM2M 1.0 §6.4.4) and SenML JSON (RFC 8428
 * §4, §5) on top of the JSON tokenizer: records as written, no path
 * resolution, no typing (tern/codec_raw.h). */
#include "tern/codec_raw.h"

#include <string.h>

#include "codec/json.h"

static bool key_is(tern_bytes k, const char *name)
{
    size_t n = strlen(name);
    return k.len == n && memcmp(k.ptr, name, n) == 0;
}

/* Every reader call sees the whole document: TERN_AGAIN means it ended
 * early. */
static int fix(int rc)
{
    return rc == TERN_AGAIN ? TERN_EMALFORMED : rc;
}

static int read_num(tern_raw_reader *r, size_t *i, tern_raw_num *out)
{
    tern_json_num n;
    tern_json_err e;
    size_t next;
    if (*i >= r->len || (r->b[*i] != '-' && (r->b[*i] < '0' || r->b[*i] > '9')))
        return TERN_EMALFORMED;
    int rc = fix(tern_json_number(r->b, *i, r->len, true, &n, &next, &e));
    if (rc < 0)
        return rc;
    out->present = true;
    out->text.ptr = r->b + *i;
    out->text.len = next - *i;
    out->value = n.f;
    *i = next;
    return TERN_OK;
}

static int read_str(tern_raw_reader *r, size_t *i, tern_bytes *out)
{
    tern_json_err e;
    size_t next;
    if (*i >= r->len || r->b[*i] != '"')
        return TERN_EMALFORMED;
    int rc = fix(tern_json_string(r->b, *i, r->len, out, &next, &e));
    if (rc < 0)
        return rc;
    *i = next;
    return TERN_OK;
}

/* Expects byte c at the next non-blank position and steps over it. */
static bool expect(tern_raw_reader *r, size_t *i, char c)
{
    *i = tern_json_ws(r->b, *i, r->len);
    if (*i >= r->len || r->b[*i] != (uint8_t)c)
        return false;
    (*i)++;
    return true;
}

/* Iterates the members of the object whose '{' was consumed: calls
 * fn(ctx, key, &i) with i at the value, fn advances i past it. */
typedef int (*member_fn)(tern_raw_reader *r, void *ctx, tern_bytes key, size_t *i);

static int each_member(tern_raw_reader *r, size_t *i, member_fn fn, void *ctx)
{
    *i = tern_json_ws(r->b, *i, r->len);
    if (*i < r->len && r->b[*i] == '}') {
        (*i)++;
        return TERN_OK;
    }
    for (;;) {
        tern_bytes key;
        *i = tern_json_ws(r->b, *i, r->len);
        int rc = read_str(r, i, &key);
        if (rc < 0)
            return rc;
        if (!expect(r, i, ':'))
            return TERN_EMALFORMED;
        *i = tern_json_ws(r->b, *i, r->len);
        if ((rc = fn(r, ctx, key, i)) < 0)
            return rc;
        *i = tern_json_ws(r->b, *i, r->len);
        if (*i >= r->len)
            return TERN_EMALFORMED;
        uint8_t c = r->b[(*i)++];
        if (c == '}')
            return TERN_OK;
        if (c != ',')
            return TERN_EMALFORMED;
    }
}

static int skip(tern_raw_reader *r, size_t *i)
{
    tern_json_err e;
    size_t next;
    int rc = fix(tern_json_skip_value(r->b, *i, r->len, true, &next, &e));
    if (rc < 0)
        return rc;
    *i = next;
    return TERN_OK;
}

/* ---- OMA JSON root ---- */
typedef struct root_ctx {
    uint8_t seen; /* 1 bn, 2 bt, 4 e */
    size_t e_at;
} root_ctx;

static int root_member(tern_raw_reader *r, void *vctx, tern_bytes key, size_t *i)
{
    root_ctx *c = vctx;
    uint8_t bit = key_is(key, "bn") ? 1 : key_is(key, "bt") ? 2 : key_is(key, "e") ? 4 : 0;
    if (bit & c->seen)
        return TERN_EDUPLICATE;
    c->seen |= bit;
    if (bit == 1) {
        r->has_bn = true;
        return read_str(r, i, &r->bn);
    }
    if (bit == 2)
        return read_num(r, i, &r->bt);
    if (bit == 4) {
        if (*i >= r->len || r->b[*i] != '[')
            return TERN_EMALFORMED;
        c->e_at = *i + 1;
    }
    return skip(r, i);
}

int tern_raw_json_init(tern_raw_reader *r, int32_t cf, uint8_t *doc, size_t len)
{
    if (!r || (!doc && len))
        return TERN_EINVAL;
    memset(r, 0, sizeof *r);
    if (cf != 11543 && cf != 110) /* TERN_CF_OMA_JSON, TERN_CF_SENML_JSON */
        return TERN_EUNSUPPORTED;
    r->cf = cf;
    r->b = doc;
    r->len = len;
    size_t i = 0;
    if (cf == 110) {
        if (!expect(r, &i, '['))
            return TERN_EMALFORMED;
        r->pos = i;
        return TERN_OK;
    }
    root_ctx c = {0, 0};
    if (!expect(r, &i, '{'))
        return TERN_EMALFORMED;
    int rc = each_member(r, &i, root_member, &c);
    if (rc < 0)
        return rc;
    if (tern_json_ws(r->b, i, r->len) != r->len)
        return TERN_EMALFORMED; /* bytes after the document */
    if (!(c.seen & 4))
        return TERN_EMALFORMED; /* "e" is mandatory */
    r->pos = c.e_at;
    return TERN_OK;
}

/* ---- records ---- */
typedef struct rec_ctx {
    tern_raw_rec *rec;
    uint32_t seen;
} rec_ctx;

static const struct {
    const char *oma, *senml;
    uint8_t kind;
} value_keys[] = {
    {"v", "v", TERN_RAW_NUM},       {"sv", "vs", TERN_RAW_STR},       {"bv", "vb", TERN_RAW_BOOL},
    {"ov", "vlo", TERN_RAW_OBJLNK}, {NULL, "vd", TERN_RAW_DATA},
};

static int rec_member(tern_raw_reader *r, void *vctx, tern_bytes key, size_t *i)
{
    rec_ctx *c = vctx;
    tern_raw_rec *rec = c->rec;
    bool senml = r->cf == 110;
    static const char *const fixed[] = {"n", "t", "bn", "bt"};
    for (size_t k = 0; k < TERN_ARRAY_LEN(fixed); k++) {
        if (!key_is(key, fixed[k]) || (k >= 2 && !senml))
            continue;
        if (c->seen & (1u << k))
            return TERN_EDUPLICATE;
        c->seen |= 1u << k;
        switch (k) {
        case 0: rec->has_n = true; return read_str(r, i, &rec->n);
        case 1: return read_num(r, i, &rec->t);
        case 2: rec->has_bn = true; return read_str(r, i, &rec->bn);
        default: return read_num(r, i, &rec->bt);
        }
    }
    for (size_t k = 0; k < TERN_ARRAY_LEN(value_keys); k++) {
        const char *name = senml ? value_keys[k].senml : value_keys[k].oma;
        if (!name || !key_is(key, name))
            continue;
        if (rec->kind != TERN_RAW_NONE)
            return TERN_EMALFORMED; /* one value per record */
        rec->kind = value_keys[k].kind;
        if (rec->kind == TERN_RAW_NUM) {
            tern_raw_num n = {0};
            int rc = read_num(r, i, &n);
            rec->text = n.text;
            rec->num = n.value;
            return rc;
        }
        if (rec->kind == TERN_RAW_BOOL) {
            tern_json_err e;
            size_t next;
            char lit;
            int rc = fix(tern_json_literal(r->b, *i, r->len, &lit, &next, &e));
            if (rc < 0)
                return rc;
            if (lit == 'n')
                return TERN_EMALFORMED;
            rec->b = lit == 't';
            rec->text.ptr = r->b + *i;
            rec->text.len = next - *i;
            *i = next;
            return TERN_OK;
        }
        return read_str(r, i, &rec->text);
    }
    return skip(r, i); /* an unknown member */
}

int tern_raw_json_next(tern_raw_reader *r, tern_raw_rec *rec)
{
    if (!r || !rec || !r->b)
        return TERN_EINVAL;
    if (r->done)
        return TERN_DONE;
    size_t i = tern_json_ws(r->b, r->pos, r->len);
    if (i < r->len && r->b[i] == ']' && r->count == 0) {
        i++;
    } else {
        if (r->count > 0) {
            if (i >= r->len)
                return TERN_EMALFORMED;
            uint8_t c = r->b[i++];
            if (c == ']')
                goto end;
            if (c != ',')
                return TERN_EMALFORMED;
        }
        memset(rec, 0, sizeof *rec);
        rec_ctx ctx = {rec, 0};
        if (!expect(r, &i, '{'))
            return TERN_EMALFORMED;
        int rc = each_member(r, &i, rec_member, &ctx);
        if (rc < 0)
            return rc;
        r->pos = i;
        r->count++;
        return TERN_OK;
    }
end:
    /* SenML: the array is the document; OMA JSON: init checked the rest */
    if (r->cf == 110 && tern_json_ws(r->b, i, r->len) != r->len)
        return TERN_EMALFORMED;
    r->done = true;
    r->pos = i;
    return TERN_DONE;
}

/* ---- writer ---- */

static int put_num(tern_wbuf *w, const tern_raw_num *n)
{
    if (n->text.ptr && n->text.len)
        return tern_wbuf_put(w, n->text.ptr, n->text.len);
    return tern_json_put_time(w, n->value);
}

static int put_rec(tern_wbuf *w, int32_t cf, const tern_raw_rec *rec)
{
    bool senml = cf == 110;
    bool first = true;
#define SEP() (first ? (first = false, TERN_OK) : tern_wbuf_put_u8(w, ','))
    if (tern_wbuf_put_u8(w, '{') < 0)
        return TERN_ENOMEM;
    if (!senml && (rec->has_bn || rec->bt.present))
        return TERN_EINVAL; /* OMA JSON has bn/bt on the root only */
    if (rec->has_bn && (SEP() < 0 || tern_json_put_key(w, "bn") < 0 || tern_json_put_str(w, rec->bn.ptr, rec->bn.len) < 0))
        return TERN_ENOMEM;
    if (rec->bt.present && (SEP() < 0 || tern_json_put_key(w, "bt") < 0 || put_num(w, &rec->bt) < 0))
        return TERN_ENOMEM;
    if (rec->has_n && (SEP() < 0 || tern_json_put_key(w, "n") < 0 || tern_json_put_str(w, rec->n.ptr, rec->n.len) < 0))
        return TERN_ENOMEM;
    if (rec->kind != TERN_RAW_NONE) {
        const char *name = NULL;
        for (size_t k = 0; k < TERN_ARRAY_LEN(value_keys); k++)
            if (value_keys[k].kind == rec->kind)
                name = senml ? value_keys[k].senml : value_keys[k].oma;
        if (!name)
            return TERN_EINVAL;
        if (SEP() < 0 || tern_json_put_key(w, name) < 0)
            return TERN_ENOMEM;
        int rc;
        if (rec->kind == TERN_RAW_NUM) {
            tern_raw_num n = {true, rec->text, rec->num};
            rc = put_num(w, &n);
        } else if (rec->kind == TERN_RAW_BOOL) {
            rc = tern_json_put(w, rec->b ? "true" : "false");
        } else {
            rc = tern_json_put_str(w, rec->text.ptr, rec->text.len);
        }
        if (rc < 0)
            return rc;
    }
    if (rec->t.present && (SEP() < 0 || tern_json_put_key(w, "t") < 0 || put_num(w, &rec->t) < 0))
        return TERN_ENOMEM;
#undef SEP
    return tern_wbuf_put_u8(w, '}');
}

int tern_raw_json_write(int32_t cf, const tern_bytes *bn, const tern_raw_num *bt, const tern_raw_rec *recs,
                        size_t count, tern_wbuf *out)
{
    if (!out || (!recs && count))
        return TERN_EINVAL;
    if (cf != 11543 && cf != 110)
        return TERN_EUNSUPPORTED;
    bool senml = cf == 110;
    if (senml && ((bn && bn->ptr) || (bt && bt->present)))
        return TERN_EINVAL; /* SenML carries bn/bt in records */
    size_t mark = out->len;
    int rc = TERN_OK;
    if (senml) {
        rc = tern_wbuf_put_u8(out, '[');
    } else {
        rc = tern_wbuf_put_u8(out, '{');
        if (rc == TERN_OK && bn && bn->ptr)
            rc = (tern_json_put_key(out, "bn") < 0 || tern_json_put_str(out, bn->ptr, bn->len) < 0 ||
                  tern_wbuf_put_u8(out, ',') < 0)
                     ? TERN_ENOMEM
                     : TERN_OK;
        if (rc == TERN_OK)
            rc = tern_json_put(out, "\"e\":[");
    }
    for (size_t k = 0; rc == TERN_OK && k < count; k++) {
        if (k > 0)
            rc = tern_wbuf_put_u8(out, ',');
        if (rc == TERN_OK)
            rc = put_rec(out, cf, &recs[k]);
    }
    if (rc == TERN_OK)
        rc = tern_wbuf_put_u8(out, ']');
    if (rc == TERN_OK && !senml && bt && bt->present)
        rc = (tern_wbuf_put_u8(out, ',') < 0 || tern_json_put_key(out, "bt") < 0 || put_num(out, bt) < 0)
                 ? TERN_ENOMEM
                 : TERN_OK;
    if (rc == TERN_OK && !senml)
        rc = tern_wbuf_put_u8(out, '}');
    if (rc < 0)
        out->len = mark;
    return rc < 0 ? rc : TERN_OK;
}
