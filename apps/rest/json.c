/* tern-server REST API — JSON writer and reader (see json.h). */
#include "rest/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ---------------------------------------------------------------- */

void jw_init(jw *w)
{
    memset(w, 0, sizeof *w);
    w->first[0] = true;
}

void jw_free(jw *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

static void put(jw *w, const char *s, size_t n)
{
    if (w->oom)
        return;
    if (w->len + n + 1 > w->cap) {
        size_t nc = w->cap ? w->cap : 256;
        while (nc < w->len + n + 1)
            nc *= 2;
        char *nb = realloc(w->buf, nc);
        if (!nb) {
            w->oom = true;
            return;
        }
        w->buf = nb;
        w->cap = nc;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = 0;
}

char *jw_take(jw *w, size_t *len)
{
    if (w->oom || !w->buf) {
        jw_free(w);
        return NULL;
    }
    char *b = w->buf;
    if (len)
        *len = w->len;
    w->buf = NULL;
    w->len = w->cap = 0;
    return b;
}

/* A comma before every value but the first of its container. */
static void sep(jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        put(w, ",", 1);
    w->first[w->depth] = false;
}

static void open_(jw *w, const char *c)
{
    sep(w);
    put(w, c, 1);
    if (w->depth < JSON_MAX_DEPTH)
        w->depth++;
    w->first[w->depth] = true;
}

static void close_(jw *w, const char *c)
{
    if (w->depth > 0)
        w->depth--;
    put(w, c, 1);
}

void jw_obj(jw *w) { open_(w, "{"); }
void jw_obj_end(jw *w) { close_(w, "}"); }
void jw_arr(jw *w) { open_(w, "["); }
void jw_arr_end(jw *w) { close_(w, "]"); }

static void esc(jw *w, const char *s, size_t n)
{
    put(w, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *e = NULL;
        char ub[8];
        if (c == '"')
            e = "\\\"";
        else if (c == '\\')
            e = "\\\\";
        else if (c == '\n')
            e = "\\n";
        else if (c == '\r')
            e = "\\r";
        else if (c == '\t')
            e = "\\t";
        else if (c < 0x20) {
            snprintf(ub, sizeof ub, "\\u%04x", c);
            e = ub;
        }
        if (e) {
            put(w, s + i - run, run);
            run = 0;
            put(w, e, strlen(e));
        } else {
            run++;
        }
    }
    put(w, s + n - run, run);
    put(w, "\"", 1);
}

void jw_key(jw *w, const char *k)
{
    sep(w);
    esc(w, k, strlen(k));
    put(w, ":", 1);
    w->after_key = true;
}

void jw_strn(jw *w, const char *s, size_t n)
{
    sep(w);
    esc(w, s ? s : "", s ? n : 0);
}

void jw_str(jw *w, const char *s) { jw_strn(w, s, s ? strlen(s) : 0); }

void jw_i64(jw *w, int64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%" PRId64, v);
    sep(w);
    put(w, b, (size_t)n);
}

void jw_u64(jw *w, uint64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%" PRIu64, v);
    sep(w);
    put(w, b, (size_t)n);
}

void jw_dbl(jw *w, double v)
{
    char b[40];
    if (!isfinite(v)) {
        jw_null(w);
        return;
    }
    /* Shortest text that reads back to the same double. */
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(b, sizeof b, "%.*g", prec, v);
        if (strtod(b, NULL) == v)
            break;
    }
    if (!strpbrk(b, ".eEn") && n < (int)sizeof b - 2) {
        b[n++] = '.';
        b[n++] = '0';
        b[n] = 0;
    }
    sep(w);
    put(w, b, (size_t)n);
}

void jw_bool(jw *w, bool v)
{
    sep(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(jw *w)
{
    sep(w);
    put(w, "null", 4);
}

void jw_raw(jw *w, const char *s, size_t n)
{
    sep(w);
    put(w, s, n);
}

void jw_kstr(jw *w, const char *k, const char *v)
{
    jw_key(w, k);
    if (v)
        jw_str(w, v);
    else
        jw_null(w);
}

void jw_ki64(jw *w, const char *k, int64_t v)
{
    jw_key(w, k);
    jw_i64(w, v);
}

void jw_kbool(jw *w, const char *k, bool v)
{
    jw_key(w, k);
    jw_bool(w, v);
}

/* ---- reader ------------------------------------------------------------------- */

typedef struct rd {
    const char *p, *end, *start;
    const char *err;
} rd;

static void ws(rd *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static jv *node(rd *r, jv_type t)
{
    jv *v = calloc(1, sizeof *v);
    if (!v)
        r->err = "out of memory";
    else
        v->type = t;
    return v;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* At the opening quote; returns a decoded heap string. */
static char *str(rd *r, size_t *outlen)
{
    r->p++;
    const char *q = r->p;
    size_t n = 0;
    while (q < r->end && *q != '"') {
        if (*q == '\\')
            q++;
        q++;
        n++;
    }
    if (q >= r->end) {
        r->err = "unterminated string";
        return NULL;
    }
    char *o = malloc(n * 4 + 1), *w = o;
    if (!o) {
        r->err = "out of memory";
        return NULL;
    }
    while (*r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20) {
            r->err = "control character in string";
            free(o);
            return NULL;
        }
        if (c != '\\') {
            *w++ = (char)c;
            r->p++;
            continue;
        }
        r->p++;
        char e = *r->p++;
        switch (e) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            int cp = r->end - r->p >= 4 ? hex4(r->p) : -1;
            if (cp < 0) {
                r->err = "bad \\u escape";
                free(o);
                return NULL;
            }
            r->p += 4;
            uint32_t u = (uint32_t)cp;
            if (u >= 0xD800 && u < 0xDC00 && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
                int lo = hex4(r->p + 2);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    u = 0x10000 + ((u - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                    r->p += 6;
                }
            }
            w += utf8(w, u);
            break;
        }
        default:
            r->err = "bad escape";
            free(o);
            return NULL;
        }
    }
    r->p++;
    *w = 0;
    *outlen = (size_t)(w - o);
    return o;
}

static jv *value(rd *r, int depth);

static jv *container(rd *r, int depth, bool obj)
{
    jv *v = node(r, obj ? JV_OBJ : JV_ARR);
    if (!v)
        return NULL;
    r->p++;
    ws(r);
    jv **tail = &v->child;
    if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
        r->p++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        size_t kl;
        ws(r);
        if (obj) {
            if (r->p >= r->end || *r->p != '"') {
                r->err = "expected a member name";
                break;
            }
            key = str(r, &kl);
            if (!key)
                break;
            ws(r);
            if (r->p >= r->end || *r->p != ':') {
                free(key);
                r->err = "expected ':'";
                break;
            }
            r->p++;
        }
        jv *c = value(r, depth + 1);
        if (!c) {
            free(key);
            break;
        }
        c->key = key;
        *tail = c;
        tail = &c->next;
        v->n++;
        ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
            r->p++;
            return v;
        }
        r->err = obj ? "expected ',' or '}'" : "expected ',' or ']'";
        break;
    }
    jv_free(v);
    return NULL;
}

static jv *number(rd *r)
{
    const char *s = r->p;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p >= r->end || *r->p < '0' || *r->p > '9') {
        r->err = "bad number";
        return NULL;
    }
    if (*r->p == '0')
        r->p++;
    else
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9') {
            r->err = "bad number";
            return NULL;
        }
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9') {
            r->err = "bad number";
            return NULL;
        }
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    jv *v = node(r, JV_NUM);
    if (!v)
        return NULL;
    v->slen = (size_t)(r->p - s);
    v->s = malloc(v->slen + 1);
    if (!v->s) {
        free(v);
        r->err = "out of memory";
        return NULL;
    }
    memcpy(v->s, s, v->slen);
    v->s[v->slen] = 0;
    return v;
}

static bool lit(rd *r, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(r->end - r->p) >= n && !memcmp(r->p, w, n)) {
        r->p += n;
        return true;
    }
    return false;
}

static jv *value(rd *r, int depth)
{
    ws(r);
    if (depth > JSON_MAX_DEPTH) {
        r->err = "nested too deeply";
        return NULL;
    }
    if (r->p >= r->end) {
        r->err = "unexpected end of input";
        return NULL;
    }
    char c = *r->p;
    if (c == '{' || c == '[')
        return container(r, depth, c == '{');
    if (c == '"') {
        size_t n;
        char *s = str(r, &n);
        if (!s)
            return NULL;
        jv *v = node(r, JV_STR);
        if (!v) {
            free(s);
            return NULL;
        }
        v->s = s;
        v->slen = n;
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return number(r);
    if (lit(r, "true") || lit(r, "false")) {
        jv *v = node(r, JV_BOOL);
        if (v)
            v->b = r->p[-1] == 'e' && r->p[-2] == 'u';
        return v;
    }
    if (lit(r, "null"))
        return node(r, JV_NULL);
    r->err = "unexpected character";
    return NULL;
}

jv *jv_parse(const char *text, size_t len, const char **err, size_t *err_off)
{
    rd r = {text, text + len, text, NULL};
    jv *v = value(&r, 0);
    if (v) {
        ws(&r);
        if (r.p != r.end) {
            r.err = "trailing characters";
            jv_free(v);
            v = NULL;
        }
    }
    if (!v) {
        if (err)
            *err = r.err ? r.err : "invalid JSON";
        if (err_off)
            *err_off = (size_t)(r.p - r.start);
    }
    return v;
}

void jv_free(jv *v)
{
    while (v) {
        jv *n = v->next;
        jv_free(v->child);
        free(v->s);
        free(v->key);
        free(v);
        v = n;
    }
}

const jv *jv_get(const jv *obj, const char *key)
{
    if (!obj || obj->type != JV_OBJ)
        return NULL;
    for (const jv *c = obj->child; c; c = c->next)
        if (c->key && !strcmp(c->key, key))
            return c;
    return NULL;
}

bool jv_is_int(const jv *v)
{
    return v && v->type == JV_NUM && !strpbrk(v->s, ".eE");
}

bool jv_i64(const jv *v, int64_t *out)
{
    if (!jv_is_int(v))
        return false;
    errno = 0;
    char *e;
    long long x = strtoll(v->s, &e, 10);
    if (errno || *e)
        return false;
    *out = x;
    return true;
}

bool jv_u64(const jv *v, uint64_t *out)
{
    if (!jv_is_int(v) || v->s[0] == '-')
        return false;
    errno = 0;
    char *e;
    unsigned long long x = strtoull(v->s, &e, 10);
    if (errno || *e)
        return false;
    *out = x;
    return true;
}

bool jv_dbl(const jv *v, double *out)
{
    if (!v || v->type != JV_NUM)
        return false;
    *out = strtod(v->s, NULL);
    return isfinite(*out);
}
