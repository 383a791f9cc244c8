/* Test-only JSON DOM reader (see jdom.h). Strict RFC 8259. */
#include "jdom.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jp {
    const char *p, *end;
    const char *start;
    char *err;
    size_t errcap;
    int depth;
} jp;

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    return p;
}

static jval *fail(jp *j, const char *msg)
{
    if (j->err && j->err[0] == 0)
        snprintf(j->err, j->errcap, "JSON error at offset %zu: %s", (size_t)(j->p - j->start), msg);
    return NULL;
}

static void ws(jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static jval *parse_value(jp *j);

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
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

/* Parses a string at j->p (which is '"'); returns malloc'd text. */
static char *parse_string(jp *j, size_t *outlen)
{
    j->p++;
    const char *s = j->p;
    size_t cap = 0;
    while (s < j->end && *s != '"') {
        if (*s == '\\')
            s++;
        s++;
        cap++;
    }
    char *o = xcalloc(cap * 4 + 1, 1);
    size_t n = 0;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20) {
            free(o);
            fail(j, "control character in string");
            return NULL;
        }
        if (c != '\\') {
            o[n++] = (char)c;
            j->p++;
            continue;
        }
        j->p++;
        if (j->p >= j->end)
            break;
        char e = *j->p++;
        switch (e) {
        case '"': o[n++] = '"'; break;
        case '\\': o[n++] = '\\'; break;
        case '/': o[n++] = '/'; break;
        case 'b': o[n++] = '\b'; break;
        case 'f': o[n++] = '\f'; break;
        case 'n': o[n++] = '\n'; break;
        case 'r': o[n++] = '\r'; break;
        case 't': o[n++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (j->end - j->p < 4 || hex4(j->p, &cp) < 0) {
                free(o);
                fail(j, "bad \\u escape");
                return NULL;
            }
            j->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00) {
                unsigned lo;
                if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' || hex4(j->p + 2, &lo) < 0 ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    free(o);
                    fail(j, "unpaired surrogate");
                    return NULL;
                }
                j->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            n += put_utf8(o + n, cp);
            break;
        }
        default:
            free(o);
            fail(j, "bad escape");
            return NULL;
        }
    }
    if (j->p >= j->end) {
        free(o);
        fail(j, "unterminated string");
        return NULL;
    }
    j->p++;
    o[n] = 0;
    *outlen = n;
    return o;
}

static jval *parse_number(jp *j)
{
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9')
        return fail(j, "bad number");
    if (*j->p == '0')
        j->p++;
    else
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9')
            return fail(j, "bad fraction");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9')
            return fail(j, "bad exponent");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    jval *v = xcalloc(1, sizeof *v);
    v->t = J_NUM;
    v->len = (size_t)(j->p - s);
    v->s = xcalloc(v->len + 1, 1);
    memcpy(v->s, s, v->len);
    v->num = strtod(v->s, NULL);
    return v;
}

static void push(jval *c, jval *item, char *key, size_t *cap)
{
    if (c->n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        c->items = realloc(c->items, *cap * sizeof *c->items);
        if (c->t == J_OBJ)
            c->keys = realloc(c->keys, *cap * sizeof *c->keys);
        if (!c->items || (c->t == J_OBJ && !c->keys))
            abort();
    }
    c->items[c->n] = item;
    if (c->t == J_OBJ)
        c->keys[c->n] = key;
    c->n++;
}

static jval *parse_container(jp *j, jtype t)
{
    jval *c = xcalloc(1, sizeof *c);
    c->t = t;
    size_t cap = 0;
    char close = t == J_ARR ? ']' : '}';
    if (++j->depth > 200) {
        jfree(c);
        return fail(j, "nesting too deep");
    }
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return c;
    }
    for (;;) {
        char *key = NULL;
        ws(j);
        if (t == J_OBJ) {
            size_t kl;
            if (j->p >= j->end || *j->p != '"' || !(key = parse_string(j, &kl))) {
                jfree(c);
                return fail(j, "expected a member name");
            }
            ws(j);
            if (j->p >= j->end || *j->p != ':') {
                free(key);
                jfree(c);
                return fail(j, "expected ':'");
            }
            j->p++;
        }
        jval *item = parse_value(j);
        if (!item) {
            free(key);
            jfree(c);
            return NULL;
        }
        push(c, item, key, &cap);
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            j->depth--;
            return c;
        }
        jfree(c);
        return fail(j, "expected ',' or a closing bracket");
    }
}

static bool lit(jp *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) >= n && memcmp(j->p, w, n) == 0) {
        j->p += n;
        return true;
    }
    return false;
}

static jval *parse_value(jp *j)
{
    ws(j);
    if (j->p >= j->end)
        return fail(j, "unexpected end");
    char c = *j->p;
    if (c == '{')
        return parse_container(j, J_OBJ);
    if (c == '[')
        return parse_container(j, J_ARR);
    if (c == '"') {
        size_t n;
        char *s = parse_string(j, &n);
        if (!s)
            return NULL;
        jval *v = xcalloc(1, sizeof *v);
        v->t = J_STR;
        v->s = s;
        v->len = n;
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(j);
    jval *v = NULL;
    if (lit(j, "true")) {
        v = xcalloc(1, sizeof *v);
        v->t = J_BOOL;
        v->b = true;
    } else if (lit(j, "false")) {
        v = xcalloc(1, sizeof *v);
        v->t = J_BOOL;
    } else if (lit(j, "null")) {
        v = xcalloc(1, sizeof *v);
        v->t = J_NULL;
    } else {
        return fail(j, "unexpected character");
    }
    return v;
}

jval *jparse(const char *text, size_t len, char *err, size_t errcap)
{
    jp j = {text, text + len, text, err, errcap, 0};
    if (err && errcap)
        err[0] = 0;
    jval *v = parse_value(&j);
    if (!v)
        return NULL;
    ws(&j);
    if (j.p != j.end) {
        jfree(v);
        return fail(&j, "trailing characters");
    }
    return v;
}

void jfree(jval *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        jfree(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->s);
    free(v);
}

const jval *jget(const jval *v, const char *key)
{
    if (!v || v->t != J_OBJ)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0)
            return v->items[i];
    return NULL;
}

const char *jgets(const jval *v, const char *key)
{
    const jval *m = jget(v, key);
    return m && m->t == J_STR ? m->s : NULL;
}

bool jequal(const jval *a, const jval *b)
{
    if (a->t != b->t)
        return false;
    switch (a->t) {
    case J_NULL: return true;
    case J_BOOL: return a->b == b->b;
    case J_NUM:
        if (!strpbrk(a->s, ".eE") && !strpbrk(b->s, ".eE")) /* integers: exact, also beyond 2^53 */
            return strtold(a->s, NULL) == strtold(b->s, NULL);
        return a->num == b->num || fabs(a->num - b->num) <= 1e-12 * fmax(fabs(a->num), fabs(b->num));
    case J_STR: return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    case J_ARR:
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i < a->n; i++)
            if (!jequal(a->items[i], b->items[i]))
                return false;
        return true;
    case J_OBJ:
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i < a->n; i++) {
            const jval *m = jget(b, a->keys[i]);
            if (!m || !jequal(a->items[i], m))
                return false;
        }
        return true;
    }
    return false;
}
