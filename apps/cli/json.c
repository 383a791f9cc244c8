/* tern CLI — JSON reader and string builder (see json.h). */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cj_parser {
    const char *s;
    size_t len;
    size_t pos;
    char *err;
    size_t errcap;
    bool failed;
} cj_parser;

static void fail(cj_parser *p, const char *what)
{
    if (!p->failed && p->errcap > 0)
        snprintf(p->err, p->errcap, "%s at offset %zu", what, p->pos);
    p->failed = true;
}

static void skip_ws(cj_parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static cj_node *new_node(cj_parser *p, cj_kind k)
{
    cj_node *n = calloc(1, sizeof *n);
    if (!n)
        fail(p, "out of memory");
    else
        n->kind = k;
    return n;
}

static bool lit(cj_parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return false;
    p->pos += n;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_u4(cj_parser *p, uint32_t *out)
{
    if (p->len - p->pos < 4)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p->s[p->pos + (size_t)i]);
        if (h < 0)
            return false;
        v = (v << 4) | (uint32_t)h;
    }
    p->pos += 4;
    *out = v;
    return true;
}

static void put_utf8(cj_buf *b, uint32_t cp)
{
    char t[4];
    size_t n;
    if (cp < 0x80) {
        t[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    cj_buf_add(b, t, n);
}

/* Reads a string starting at the opening quote; returns it NUL-terminated. */
static char *parse_string(cj_parser *p, size_t *out_len)
{
    cj_buf b = {0};
    p->pos++; /* opening quote */
    cj_buf_add(&b, "", 0);
    for (;;) {
        if (p->pos >= p->len) {
            fail(p, "unterminated string");
            break;
        }
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            if (b.oom) {
                fail(p, "out of memory");
                break;
            }
            *out_len = b.len;
            return b.p;
        }
        if (c < 0x20) {
            fail(p, "control character in string");
            break;
        }
        if (c != '\\') {
            cj_buf_add(&b, (const char *)&p->s[p->pos], 1);
            p->pos++;
            continue;
        }
        p->pos++;
        if (p->pos >= p->len) {
            fail(p, "unterminated string");
            break;
        }
        char e = p->s[p->pos++];
        const char *rep = NULL;
        switch (e) {
        case '"': rep = "\""; break;
        case '\\': rep = "\\"; break;
        case '/': rep = "/"; break;
        case 'b': rep = "\b"; break;
        case 'f': rep = "\f"; break;
        case 'n': rep = "\n"; break;
        case 'r': rep = "\r"; break;
        case 't': rep = "\t"; break;
        case 'u': {
            uint32_t cp;
            if (!read_u4(p, &cp)) {
                fail(p, "bad \\u escape");
                goto out;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (!lit(p, "\\u") || !read_u4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    fail(p, "unpaired surrogate");
                    goto out;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(p, "unpaired surrogate");
                goto out;
            }
            if (cp == 0) {
                cj_buf_add(&b, "\0", 1);
            } else {
                put_utf8(&b, cp);
            }
            continue;
        }
        default:
            fail(p, "bad escape");
            goto out;
        }
        cj_buf_add(&b, rep, 1);
    }
out:
    cj_buf_free(&b);
    return NULL;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static cj_node *parse_number(cj_parser *p)
{
    size_t start = p->pos;
    if (p->pos < p->len && p->s[p->pos] == '-')
        p->pos++;
    if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
        fail(p, "bad number");
        return NULL;
    }
    if (p->s[p->pos] == '0')
        p->pos++;
    else
        while (p->pos < p->len && is_digit(p->s[p->pos]))
            p->pos++;
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
            fail(p, "bad number");
            return NULL;
        }
        while (p->pos < p->len && is_digit(p->s[p->pos]))
            p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
            fail(p, "bad number");
            return NULL;
        }
        while (p->pos < p->len && is_digit(p->s[p->pos]))
            p->pos++;
    }
    cj_node *n = new_node(p, CJ_NUMBER);
    if (!n)
        return NULL;
    size_t l = p->pos - start;
    n->text = malloc(l + 1);
    if (!n->text) {
        free(n);
        fail(p, "out of memory");
        return NULL;
    }
    memcpy(n->text, p->s + start, l);
    n->text[l] = '\0';
    n->text_len = l;
    n->num = strtod(n->text, NULL);
    return n;
}

static cj_node *parse_value(cj_parser *p, int depth);

/* Arrays and objects: children linked in order. */
static cj_node *parse_container(cj_parser *p, int depth, bool is_obj)
{
    cj_node *n = new_node(p, is_obj ? CJ_OBJECT : CJ_ARRAY);
    if (!n)
        return NULL;
    if (depth >= CJ_MAX_DEPTH) {
        fail(p, "nesting too deep");
        free(n);
        return NULL;
    }
    char close = is_obj ? '}' : ']';
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return n;
    }
    cj_node **tail = &n->child;
    for (;;) {
        char *key = NULL;
        skip_ws(p);
        if (is_obj) {
            size_t klen;
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                fail(p, "expected member name");
                break;
            }
            key = parse_string(p, &klen);
            if (!key)
                break;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                free(key);
                fail(p, "expected ':'");
                break;
            }
            p->pos++;
        }
        cj_node *c = parse_value(p, depth + 1);
        if (!c) {
            free(key);
            break;
        }
        c->key = key;
        *tail = c;
        tail = &c->next;
        n->count++;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return n;
        }
        fail(p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
        break;
    }
    cj_free(n);
    return NULL;
}

static cj_node *parse_value(cj_parser *p, int depth)
{
    skip_ws(p);
    if (p->pos >= p->len) {
        fail(p, "unexpected end");
        return NULL;
    }
    char c = p->s[p->pos];
    if (c == '{' || c == '[')
        return parse_container(p, depth, c == '{');
    if (c == '"') {
        size_t l = 0;
        char *s = parse_string(p, &l);
        if (!s)
            return NULL;
        cj_node *n = new_node(p, CJ_STRING);
        if (!n) {
            free(s);
            return NULL;
        }
        n->text = s;
        n->text_len = l;
        return n;
    }
    if (c == '-' || is_digit(c))
        return parse_number(p);
    if (lit(p, "true") || lit(p, "false")) {
        cj_node *n = new_node(p, CJ_BOOL);
        if (n)
            n->b = p->s[p->pos - 1] == 'e' && p->s[p->pos - 2] == 'u';
        return n;
    }
    if (lit(p, "null"))
        return new_node(p, CJ_NULL);
    fail(p, "unexpected character");
    return NULL;
}

cj_node *cj_parse(const char *s, size_t len, char *err, size_t errcap)
{
    cj_parser p = {.s = s, .len = len, .err = err, .errcap = errcap};
    if (errcap > 0)
        err[0] = '\0';
    cj_node *root = parse_value(&p, 0);
    if (root) {
        skip_ws(&p);
        if (p.pos != p.len) {
            fail(&p, "trailing characters");
            cj_free(root);
            root = NULL;
        }
    }
    return root;
}

void cj_free(cj_node *n)
{
    while (n) {
        cj_node *next = n->next;
        cj_free(n->child);
        free(n->text);
        free(n->key);
        free(n);
        n = next;
    }
}

const cj_node *cj_get(const cj_node *obj, const char *key)
{
    if (!obj || obj->kind != CJ_OBJECT)
        return NULL;
    for (const cj_node *c = obj->child; c; c = c->next)
        if (c->key && strcmp(c->key, key) == 0)
            return c;
    return NULL;
}

const char *cj_get_str(const cj_node *obj, const char *key)
{
    const cj_node *n = cj_get(obj, key);
    return n && n->kind == CJ_STRING ? n->text : NULL;
}

const char *cj_scalar_text(const cj_node *n)
{
    if (!n)
        return NULL;
    switch (n->kind) {
    case CJ_NULL: return "null";
    case CJ_BOOL: return n->b ? "true" : "false";
    case CJ_NUMBER:
    case CJ_STRING: return n->text;
    case CJ_ARRAY:
    case CJ_OBJECT: return NULL;
    }
    return NULL;
}

/* ---- builder ---- */
void cj_buf_add(cj_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void cj_buf_puts(cj_buf *b, const char *s) { cj_buf_add(b, s, strlen(s)); }

void cj_buf_printf(cj_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        cj_buf_add(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    cj_buf_add(b, big, (size_t)n);
    free(big);
}

void cj_buf_json_str(cj_buf *b, const char *s)
{
    cj_buf_add(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"': cj_buf_add(b, "\\\"", 2); break;
        case '\\': cj_buf_add(b, "\\\\", 2); break;
        case '\n': cj_buf_add(b, "\\n", 2); break;
        case '\r': cj_buf_add(b, "\\r", 2); break;
        case '\t': cj_buf_add(b, "\\t", 2); break;
        default:
            if (*c < 0x20)
                cj_buf_printf(b, "\\u%04x", (unsigned)*c);
            else
                cj_buf_add(b, (const char *)c, 1);
        }
    }
    cj_buf_add(b, "\"", 1);
}

void cj_buf_free(cj_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}
