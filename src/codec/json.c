/* tern — small JSON tokenizer and writer (RFC 8259); see json.h. */
#include "codec/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/senml.h"

static int jfail(tern_json_err *err, size_t at, const char *why, int rc)
{
    err->at = at;
    err->why = why;
    return rc;
}

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t tern_json_ws(const uint8_t *b, size_t i, size_t end)
{
    while (i < end && is_ws(b[i]))
        i++;
    return i;
}

/* Length of the valid UTF-8 sequence at p (≤ n bytes), 0 if invalid
 * (overlong, surrogate, above U+10FFFF, truncated). */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t min, cp;
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1Fu;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0Fu;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static int hex4(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        uint8_t c = p[k];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return -1;
        v = (v << 4) | d;
    }
    *out = v;
    return 0;
}

/* Finds the closing quote of the string at b[i] == '"' without changing
 * anything; validates escapes' shape and raw bytes. */
static int string_end(const uint8_t *b, size_t i, size_t end, size_t *close, tern_json_err *err)
{
    size_t j = i + 1;
    while (j < end) {
        uint8_t c = b[j];
        if (c == '"') {
            *close = j;
            return TERN_OK;
        }
        if (c == '\\') {
            if (j + 1 >= end)
                return TERN_AGAIN;
            if (b[j + 1] == 'u') {
                if (j + 6 > end)
                    return TERN_AGAIN;
                j += 6;
            } else {
                j += 2;
            }
            continue;
        }
        if (c < 0x20)
            return jfail(err, j, "control character in a JSON string", TERN_EMALFORMED);
        if (c >= 0x80) {
            size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            if (j + need > end)
                return TERN_AGAIN;
            size_t l = utf8_len(b + j, end - j);
            if (!l)
                return jfail(err, j, "invalid UTF-8 in a JSON string", TERN_EMALFORMED);
            j += l;
            continue;
        }
        j++;
    }
    return TERN_AGAIN;
}

int tern_json_string(uint8_t *b, size_t i, size_t end, tern_bytes *out, size_t *next, tern_json_err *err)
{
    if (i >= end)
        return TERN_AGAIN;
    if (b[i] != '"')
        return jfail(err, i, "expected a JSON string", TERN_EMALFORMED);
    size_t close = 0;
    int rc = string_end(b, i, end, &close, err);
    if (rc != TERN_OK)
        return rc;
    size_t r = i + 1, w = i + 1;
    while (r < close) {
        uint8_t c = b[r];
        if (c != '\\') {
            b[w++] = c;
            r++;
            continue;
        }
        uint8_t e = b[r + 1];
        r += 2;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            b[w++] = e;
            break;
        case 'b':
            b[w++] = '\b';
            break;
        case 'f':
            b[w++] = '\f';
            break;
        case 'n':
            b[w++] = '\n';
            break;
        case 'r':
            b[w++] = '\r';
            break;
        case 't':
            b[w++] = '\t';
            break;
        case 'u': {
            uint32_t cp;
            if (hex4(b + r, &cp) < 0)
                return jfail(err, r - 2, "bad \\u escape", TERN_EMALFORMED);
            r += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return jfail(err, r - 6, "lone low surrogate in \\u escape", TERN_EMALFORMED);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (r + 6 > close || b[r] != '\\' || b[r + 1] != 'u' || hex4(b + r + 2, &lo) < 0 || lo < 0xDC00 ||
                    lo > 0xDFFF)
                    return jfail(err, r - 6, "high surrogate without a low surrogate", TERN_EMALFORMED);
                r += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp < 0x80) {
                b[w++] = (uint8_t)cp;
            } else if (cp < 0x800) {
                b[w++] = (uint8_t)(0xC0 | (cp >> 6));
                b[w++] = (uint8_t)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                b[w++] = (uint8_t)(0xE0 | (cp >> 12));
                b[w++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
                b[w++] = (uint8_t)(0x80 | (cp & 0x3F));
            } else {
                b[w++] = (uint8_t)(0xF0 | (cp >> 18));
                b[w++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
                b[w++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
                b[w++] = (uint8_t)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            return jfail(err, r - 2, "unknown escape in a JSON string", TERN_EMALFORMED);
        }
    }
    out->ptr = b + i + 1;
    out->len = w - (i + 1);
    *next = close + 1;
    return TERN_OK;
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

int tern_json_number(const uint8_t *b, size_t i, size_t end, bool last, tern_json_num *out, size_t *next,
                     tern_json_err *err)
{
    size_t j = i;
    bool neg = false, integral = true;
    if (j < end && b[j] == '-') {
        neg = true;
        j++;
    }
    if (j >= end)
        return last ? jfail(err, i, "truncated number", TERN_EMALFORMED) : TERN_AGAIN;
    if (b[j] == '0') {
        j++;
    } else if (is_digit(b[j])) {
        while (j < end && is_digit(b[j]))
            j++;
    } else {
        return jfail(err, i, "bad JSON number", TERN_EMALFORMED);
    }
    if (j < end && b[j] == '.') {
        integral = false;
        j++;
        size_t s = j;
        while (j < end && is_digit(b[j]))
            j++;
        if (j == s)
            return (j >= end && !last) ? TERN_AGAIN : jfail(err, i, "bad JSON number fraction", TERN_EMALFORMED);
    }
    if (j < end && (b[j] == 'e' || b[j] == 'E')) {
        integral = false;
        j++;
        if (j < end && (b[j] == '+' || b[j] == '-'))
            j++;
        size_t s = j;
        while (j < end && is_digit(b[j]))
            j++;
        if (j == s)
            return (j >= end && !last) ? TERN_AGAIN : jfail(err, i, "bad JSON number exponent", TERN_EMALFORMED);
    }
    if (j >= end && !last)
        return TERN_AGAIN; /* the number may go on */
    if (j < end && (is_digit(b[j]) || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || b[j] == '+' || b[j] == '-'))
        return jfail(err, j, "bad JSON number", TERN_EMALFORMED);
    size_t n = j - i;
    if (n > 64)
        return jfail(err, i, "JSON number longer than 64 characters", TERN_ERANGE);
    /* ≤ 64 characters: within TERN_PARSE_DOUBLE_DIGITS; beyond DBL_MAX
     * it gives ±infinity as strtod() did */
    (void)tern_parse_double((const char *)b + i, n, &out->f);
    out->kind = TERN_JSON_FLOAT;
    if (integral) {
        /* exact: parse the digits ourselves */
        uint64_t mag = 0;
        bool over = false;
        for (size_t k = neg ? 1 : 0; k < n; k++) {
            uint64_t d = (uint64_t)(b[i + k] - '0');
            if (mag > (UINT64_MAX - d) / 10) {
                over = true;
                break;
            }
            mag = mag * 10 + d;
        }
        if (!over) {
            if (neg && mag <= (uint64_t)INT64_MAX + 1u) {
                out->kind = TERN_JSON_INT;
                out->i = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
            } else if (!neg && mag <= (uint64_t)INT64_MAX) {
                out->kind = TERN_JSON_INT;
                out->i = (int64_t)mag;
            } else if (!neg) {
                out->kind = TERN_JSON_UINT;
                out->u = mag;
            }
        }
    }
    *next = j;
    return TERN_OK;
}

int tern_json_literal(const uint8_t *b, size_t i, size_t end, char *kind, size_t *next, tern_json_err *err)
{
    static const char *const lits[] = {"true", "false", "null"};
    if (i >= end)
        return TERN_AGAIN; /* nothing to look at yet (found by fuzz_text_parsers) */
    for (size_t k = 0; k < 3; k++) {
        const char *l = lits[k];
        size_t n = strlen(l);
        if (b[i] != (uint8_t)l[0])
            continue;
        size_t avail = end - i < n ? end - i : n;
        if (memcmp(b + i, l, avail) != 0)
            break;
        if (avail < n)
            return TERN_AGAIN;
        *kind = l[0];
        *next = i + n;
        return TERN_OK;
    }
    return jfail(err, i, "unexpected character in JSON", TERN_EMALFORMED);
}

int tern_json_skip_value(const uint8_t *b, size_t i, size_t end, bool last, size_t *next, tern_json_err *err)
{
    uint32_t stack = 0; /* bit k: 1 = object at depth k+1 */
    unsigned depth = 0;
    /* states: 0 value expected, 1 after value (',' or close), 2 key expected, 3 ':' expected */
    int st = 0;
    size_t j = i;
    for (;;) {
        j = tern_json_ws(b, j, end);
        if (st == 1 && depth == 0) {
            *next = j;
            return TERN_OK;
        }
        if (j >= end)
            return TERN_AGAIN;
        uint8_t c = b[j];
        if (st == 0) {
            if (c == '{' || c == '[') {
                if (depth >= TERN_JSON_MAX_DEPTH)
                    return jfail(err, j, "JSON nested too deep", TERN_ETOOBIG);
                if (c == '{')
                    stack |= 1u << depth;
                else
                    stack &= ~(1u << depth);
                depth++;
                j++;
                j = tern_json_ws(b, j, end);
                if (j >= end)
                    return TERN_AGAIN;
                if (b[j] == (c == '{' ? '}' : ']')) {
                    depth--;
                    j++;
                    st = 1;
                } else {
                    st = c == '{' ? 2 : 0;
                }
                continue;
            }
            if (c == '"') {
                size_t close;
                int rc = string_end(b, j, end, &close, err);
                if (rc != TERN_OK)
                    return rc;
                j = close + 1;
                st = 1;
                continue;
            }
            int rc;
            tern_json_num num;
            char k;
            if (c == '-' || is_digit(c))
                rc = tern_json_number(b, j, end, last, &num, &j, err);
            else
                rc = tern_json_literal(b, j, end, &k, &j, err);
            if (rc != TERN_OK)
                return rc;
            st = 1;
            continue;
        }
        if (st == 1) {
            bool obj = (stack >> (depth - 1)) & 1u;
            if (c == ',') {
                j++;
                st = obj ? 2 : 0;
            } else if (c == (obj ? '}' : ']')) {
                j++;
                depth--;
            } else {
                return jfail(err, j, "expected ',' or a closing bracket", TERN_EMALFORMED);
            }
            continue;
        }
        if (st == 2) {
            size_t close;
            if (c != '"')
                return jfail(err, j, "expected an object key", TERN_EMALFORMED);
            int rc = string_end(b, j, end, &close, err);
            if (rc != TERN_OK)
                return rc;
            j = close + 1;
            st = 3;
            continue;
        }
        if (c != ':')
            return jfail(err, j, "expected ':'", TERN_EMALFORMED);
        j++;
        st = 0;
    }
}

/* ---- writer ---- */

int tern_json_put(tern_wbuf *w, const char *s)
{
    return tern_wbuf_put(w, s, strlen(s));
}

int tern_json_put_str(tern_wbuf *w, const uint8_t *s, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    if (tern_wbuf_put_u8(w, '"') < 0)
        return TERN_ENOMEM;
    size_t run = 0;
    for (size_t k = 0; k < n; k++) {
        uint8_t c = s[k];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (tern_wbuf_put(w, s + run, k - run) < 0)
            return TERN_ENOMEM;
        run = k + 1;
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t el = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hexd[c >> 4];
            esc[5] = hexd[c & 15];
            el = 6;
            break;
        }
        if (tern_wbuf_put(w, esc, el) < 0)
            return TERN_ENOMEM;
    }
    if (tern_wbuf_put(w, s + run, n - run) < 0)
        return TERN_ENOMEM;
    return tern_wbuf_put_u8(w, '"');
}

int tern_json_put_u64(tern_wbuf *w, uint64_t v)
{
    char tmp[24];
    size_t k = sizeof tmp;
    do {
        tmp[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return tern_wbuf_put(w, tmp + k, sizeof tmp - k);
}

int tern_json_put_i64(tern_wbuf *w, int64_t v)
{
    if (v < 0) {
        if (tern_wbuf_put_u8(w, '-') < 0)
            return TERN_ENOMEM;
        return tern_json_put_u64(w, (uint64_t)0 - (uint64_t)v);
    }
    return tern_json_put_u64(w, (uint64_t)v);
}

int tern_json_put_double(tern_wbuf *w, double v)
{
    char tmp[40];
    int n = tern_senml_fmt_double(v, tmp, sizeof tmp);
    if (n < 0)
        return n;
    return tern_wbuf_put(w, tmp, (size_t)n);
}

int tern_json_put_time(tern_wbuf *w, double v)
{
    if (v == floor(v) && fabs(v) <= 9007199254740992.0)
        return tern_json_put_i64(w, (int64_t)v);
    return tern_json_put_double(w, v);
}

int tern_json_put_key(tern_wbuf *w, const char *key)
{
    if (tern_wbuf_put_u8(w, '"') < 0 || tern_json_put(w, key) < 0 || tern_json_put(w, "\":") < 0)
        return TERN_ENOMEM;
    return TERN_OK;
}
