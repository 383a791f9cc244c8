/* tern — CoAP request lines as text: "POST /rd?ep=node&Q" <-> options.
 * The URI part follows RFC 7252 §6.4 (decomposing a URI into options) and
 * §6.5 (composing one), with RFC 3986 §2.1 percent-encoding. */
#include "tern/coap_msg.h"

#include <limits.h>
#include <string.h>

/* Methods by code (RFC 7252 §12.1.1, RFC 8132 §6). */
static const struct {
    uint8_t code;
    const char *name;
} methods[] = {
    {TERN_COAP_GET, "GET"},     {TERN_COAP_POST, "POST"},   {TERN_COAP_PUT, "PUT"},
    {TERN_COAP_DELETE, "DELETE"}, {TERN_COAP_FETCH, "FETCH"}, {TERN_COAP_PATCH, "PATCH"},
    {TERN_COAP_IPATCH, "iPATCH"},
};

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

typedef struct scratch {
    uint8_t *p;
    size_t cap, used;
} scratch;

/* Adds one option from text[0..n): a view when it has no escape, else the
 * decoded bytes in scratch. */
static int add_component(tern_coap_msg *m, uint16_t num, const char *s, size_t n, scratch *sc)
{
    const void *val = s;
    size_t len = n;
    if (memchr(s, '%', n)) {
        uint8_t *d = sc->p ? sc->p + sc->used : NULL;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t c = (uint8_t)s[i];
            if (c == '%') {
                int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
                int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
                if (hi < 0 || lo < 0)
                    return TERN_EMALFORMED; /* RFC 3986 §2.1: "%" HEXDIG HEXDIG */
                c = (uint8_t)(hi << 4 | lo);
                i += 2;
            }
            if (!d || sc->used + k >= sc->cap)
                return TERN_ENOMEM;
            d[k++] = c;
        }
        sc->used += k;
        val = d;
        len = k;
    }
    /* Uri-Path and Uri-Query are 0-255 bytes (RFC 7252 §5.10): the option
     * registry holds the limits. */
    const tern_coap_opt_def *def = tern_coap_opt_def_find(num);
    if (def && (len < def->min_len || len > def->max_len))
        return TERN_ERANGE;
    return tern_coap_opt_add(m, num, len ? val : "", len);
}

int tern_coap_msg_from_text(tern_coap_msg *m, const char *text, size_t len, uint8_t *scratch_mem, size_t cap)
{
    if (!m || (!text && len))
        return TERN_EINVAL;
    const char *sp = memchr(text, ' ', len);
    if (!sp)
        return TERN_EMALFORMED;
    size_t mlen = (size_t)(sp - text);
    uint8_t code = 0;
    for (size_t i = 0; i < TERN_ARRAY_LEN(methods); i++)
        if (strlen(methods[i].name) == mlen && memcmp(methods[i].name, text, mlen) == 0)
            code = methods[i].code;
    if (!code)
        return TERN_EMALFORMED;
    const char *u = sp + 1, *end = text + len;
    if (u >= end || *u != '/')
        return TERN_EMALFORMED; /* an absolute path (RFC 7252 §6.4 step 1) */
    for (const char *c = u; c < end; c++)
        if ((uint8_t)*c <= 0x20 || *c == 0x7f || *c == '#')
            return TERN_EMALFORMED; /* no SP/CTL in a URI; no fragment (§6.4 step 3) */
    tern_coap_msg_init(m, TERN_COAP_CON, code, 0);
    scratch sc = {scratch_mem, scratch_mem ? cap : 0, 0};
    const char *q = memchr(u, '?', (size_t)(end - u));
    const char *pend = q ? q : end;
    int rc = TERN_OK;
    /* §6.4 step 8: a path other than "/" splits into segments at '/' */
    if (pend - u > 1) {
        const char *s = u + 1;
        for (;;) {
            const char *e = memchr(s, '/', (size_t)(pend - s));
            if (!e)
                e = pend;
            if ((rc = add_component(m, TERN_COAP_OPT_URI_PATH, s, (size_t)(e - s), &sc)) < 0)
                return rc;
            if (e == pend)
                break;
            s = e + 1;
        }
    }
    /* §6.4 step 9: each '&'-separated argument is one Uri-Query */
    if (q) {
        const char *s = q + 1;
        for (;;) {
            const char *e = memchr(s, '&', (size_t)(end - s));
            if (!e)
                e = end;
            if ((rc = add_component(m, TERN_COAP_OPT_URI_QUERY, s, (size_t)(e - s), &sc)) < 0)
                return rc;
            if (e == end)
                break;
            s = e + 1;
        }
    }
    return TERN_OK;
}

/* Appends s[0..n) to out, escaping what would not parse back (§6.5 step 8/9). */
static bool put_escaped(char *out, size_t cap, size_t *pos, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        bool esc = c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '&' || c == '#' || c == '%';
        size_t need = esc ? 3 : 1;
        if (*pos + need >= cap)
            return false;
        if (esc) {
            out[(*pos)++] = '%';
            out[(*pos)++] = hex[c >> 4];
            out[(*pos)++] = hex[c & 15];
        } else {
            out[(*pos)++] = (char)c;
        }
    }
    return true;
}

static bool put_str(char *out, size_t cap, size_t *pos, const char *s)
{
    size_t n = strlen(s);
    if (*pos + n >= cap)
        return false;
    memcpy(out + *pos, s, n);
    *pos += n;
    return true;
}

/* "/seg/seg?item&item" from the options path_num and query_num. */
static bool put_uri(const tern_coap_msg *m, uint16_t path_num, uint16_t query_num, bool always, char *out,
                    size_t cap, size_t *pos)
{
    const tern_coap_opt *o = tern_coap_opt_get(m, path_num);
    const tern_coap_opt *qo = tern_coap_opt_get(m, query_num);
    if (!always && !o && !qo)
        return true;
    if (!always && !put_str(out, cap, pos, " "))
        return false;
    if (!o && !put_str(out, cap, pos, "/"))
        return false;
    for (; o; o = tern_coap_opt_next(m, o))
        if (!put_str(out, cap, pos, "/") || !put_escaped(out, cap, pos, o->val, o->len))
            return false;
    for (const char *sep = "?"; qo; qo = tern_coap_opt_next(m, qo), sep = "&")
        if (!put_str(out, cap, pos, sep) || !put_escaped(out, cap, pos, qo->val, qo->len))
            return false;
    return true;
}

int tern_coap_msg_to_text(const tern_coap_msg *m, char *out, size_t cap)
{
    if (!m || !out || cap == 0)
        return TERN_ENOMEM;
    size_t pos = 0;
    const char *name = NULL;
    for (size_t i = 0; i < TERN_ARRAY_LEN(methods); i++)
        if (methods[i].code == m->code)
            name = methods[i].name;
    bool ok;
    if (name) {
        ok = put_str(out, cap, &pos, name) && put_str(out, cap, &pos, " ") &&
             put_uri(m, TERN_COAP_OPT_URI_PATH, TERN_COAP_OPT_URI_QUERY, true, out, cap, &pos);
    } else {
        char cs[5];
        ok = put_str(out, cap, &pos, tern_coap_code_str(m->code, cs)) &&
             put_uri(m, TERN_COAP_OPT_LOCATION_PATH, TERN_COAP_OPT_LOCATION_QUERY, false, out, cap, &pos);
    }
    if (!ok || pos > INT_MAX)
        return TERN_ENOMEM;
    out[pos] = '\0';
    return (int)pos;
}
