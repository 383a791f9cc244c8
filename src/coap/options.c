/* tern — CoAP option registry, option building and lookup, Block values,
 * and the option checks of RFC 7252 §5.4 / RFC 8323 §5.3.2. */
#include "coap/msg_internal.h"

#include <limits.h>
#include <string.h>

#define E TERN_COAP_FMT_EMPTY
#define O TERN_COAP_FMT_OPAQUE
#define U TERN_COAP_FMT_UINT
#define S TERN_COAP_FMT_STRING

/* The one option table (RFC 7252 §5.10 and later RFCs), sorted by number. */
static const tern_coap_opt_def opt_defs[] = {
    {TERN_COAP_OPT_IF_MATCH, O, true, 0, 8, "If-Match"},           /* RFC 7252 §5.10.8.1 */
    {TERN_COAP_OPT_URI_HOST, S, false, 1, 255, "Uri-Host"},        /* RFC 7252 §5.10.1 */
    {TERN_COAP_OPT_ETAG, O, true, 1, 8, "ETag"},                   /* RFC 7252 §5.10.6 */
    {TERN_COAP_OPT_IF_NONE_MATCH, E, false, 0, 0, "If-None-Match"},/* RFC 7252 §5.10.8.2 */
    {TERN_COAP_OPT_OBSERVE, U, false, 0, 3, "Observe"},            /* RFC 7641 §2 */
    {TERN_COAP_OPT_URI_PORT, U, false, 0, 2, "Uri-Port"},          /* RFC 7252 §5.10.1 */
    {TERN_COAP_OPT_LOCATION_PATH, S, true, 0, 255, "Location-Path"},/* RFC 7252 §5.10.7 */
    {TERN_COAP_OPT_OSCORE, O, false, 0, 255, "OSCORE"},            /* RFC 8613 §2 */
    {TERN_COAP_OPT_URI_PATH, S, true, 0, 255, "Uri-Path"},         /* RFC 7252 §5.10.1 */
    {TERN_COAP_OPT_CONTENT_FORMAT, U, false, 0, 2, "Content-Format"},/* RFC 7252 §5.10.3 */
    {TERN_COAP_OPT_MAX_AGE, U, false, 0, 4, "Max-Age"},            /* RFC 7252 §5.10.5 */
    {TERN_COAP_OPT_URI_QUERY, S, true, 0, 255, "Uri-Query"},       /* RFC 7252 §5.10.1 */
    {TERN_COAP_OPT_ACCEPT, U, false, 0, 2, "Accept"},              /* RFC 7252 §5.10.4 */
    {TERN_COAP_OPT_LOCATION_QUERY, S, true, 0, 255, "Location-Query"},/* RFC 7252 §5.10.7 */
    {TERN_COAP_OPT_BLOCK2, U, false, 0, 3, "Block2"},              /* RFC 7959 §2.1 */
    {TERN_COAP_OPT_BLOCK1, U, false, 0, 3, "Block1"},              /* RFC 7959 §2.1 */
    {TERN_COAP_OPT_SIZE2, U, false, 0, 4, "Size2"},                /* RFC 7959 §4 */
    {TERN_COAP_OPT_PROXY_URI, S, false, 1, 1034, "Proxy-Uri"},     /* RFC 7252 §5.10.2 */
    {TERN_COAP_OPT_PROXY_SCHEME, S, false, 1, 255, "Proxy-Scheme"},/* RFC 7252 §5.10.2 */
    {TERN_COAP_OPT_SIZE1, U, false, 0, 4, "Size1"},                /* RFC 7252 §5.10.9 */
    {TERN_COAP_OPT_ECHO, O, false, 1, 40, "Echo"},                 /* RFC 9175 §2.2.1 */
    {TERN_COAP_OPT_NO_RESPONSE, U, false, 0, 1, "No-Response"},    /* RFC 7967 §2 */
    {TERN_COAP_OPT_REQUEST_TAG, O, true, 0, 8, "Request-Tag"},     /* RFC 9175 §3.2.1 */
};

/* Signaling options, scoped by signaling code (RFC 8323 §5.3-§5.6). */
static const tern_coap_opt_def csm_defs[] = {
    {TERN_COAP_SOPT_MAX_MESSAGE_SIZE, U, false, 0, 4, "Max-Message-Size"},      /* §5.3.1 */
    {TERN_COAP_SOPT_BLOCK_WISE_TRANSFER, E, false, 0, 0, "Block-Wise-Transfer"},/* §5.3.2 */
};
static const tern_coap_opt_def ping_defs[] = {
    {TERN_COAP_SOPT_CUSTODY, E, false, 0, 0, "Custody"}, /* §5.4 */
};
static const tern_coap_opt_def release_defs[] = {
    {TERN_COAP_SOPT_ALTERNATIVE_ADDRESS, S, true, 1, 255, "Alternative-Address"}, /* §5.5 */
    {TERN_COAP_SOPT_HOLD_OFF, U, false, 0, 3, "Hold-Off"},                        /* §5.5 */
};
static const tern_coap_opt_def abort_defs[] = {
    {TERN_COAP_SOPT_BAD_CSM_OPTION, U, false, 0, 2, "Bad-CSM-Option"}, /* §5.6 */
};

#undef E
#undef O
#undef U
#undef S

static const tern_coap_opt_def *def_search(const tern_coap_opt_def *defs, size_t n, uint16_t num)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (defs[mid].num == num)
            return &defs[mid];
        if (defs[mid].num < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const tern_coap_opt_def *tern_coap_opt_def_find(uint16_t num)
{
    return def_search(opt_defs, TERN_ARRAY_LEN(opt_defs), num);
}

const tern_coap_opt_def *tern_coap_signal_opt_def_find(uint8_t code, uint16_t num)
{
    switch (code) {
    case TERN_COAP_CSM: return def_search(csm_defs, TERN_ARRAY_LEN(csm_defs), num);
    case TERN_COAP_PING: /* Custody is defined for both Ping and Pong */
    case TERN_COAP_PONG: return def_search(ping_defs, TERN_ARRAY_LEN(ping_defs), num);
    case TERN_COAP_RELEASE: return def_search(release_defs, TERN_ARRAY_LEN(release_defs), num);
    case TERN_COAP_ABORT: return def_search(abort_defs, TERN_ARRAY_LEN(abort_defs), num);
    default: return NULL;
    }
}

int tern_coap_check_options(const tern_coap_msg *m, tern_coap_parse_err *err)
{
    bool sig = tern_coap_is_signal(m->code);
    size_t n = TERN_MIN((size_t)m->opt_count, (size_t)TERN_COAP_MAX_OPTIONS);
    for (size_t i = 0; i < n; i++) {
        const tern_coap_opt *o = &m->opts[i];
        /* RFC 7252 §5.4.1 / RFC 8323 §5.3.2: only critical options matter. */
        if (!tern_coap_opt_is_critical(o->num))
            continue;
        const tern_coap_opt_def *d =
            sig ? tern_coap_signal_opt_def_find(m->code, o->num) : tern_coap_opt_def_find(o->num);
        const char *why = NULL;
        if (!d)
            why = "unrecognised critical option";
        else if (o->len < d->min_len || o->len > d->max_len)
            why = "critical option length out of range"; /* RFC 7252 §5.4.3 */
        else if (!d->repeatable && i > 0 && m->opts[i - 1].num == o->num)
            why = "non-repeatable critical option repeated"; /* RFC 7252 §5.4.5 */
        if (why) {
            tern_coap_perr(err, TERN_EBADOPT, 0, why, true);
            if (err)
                err->bad_option = o->num;
            return TERN_EBADOPT;
        }
    }
    return TERN_OK;
}

/* ---- building ---- */

int tern_coap_opt_add(tern_coap_msg *m, uint16_t num, const void *val, size_t len)
{
    if (len && !val)
        return TERN_EINVAL;
    if (len > UINT16_MAX)
        return TERN_ERANGE;
    if (m->opt_count >= TERN_COAP_MAX_OPTIONS)
        return TERN_EFULL;
    /* Keep options sorted; a repeated option goes after its earlier instances. */
    size_t at = m->opt_count;
    while (at > 0 && m->opts[at - 1].num > num)
        at--;
    memmove(&m->opts[at + 1], &m->opts[at], (m->opt_count - at) * sizeof m->opts[0]);
    m->opts[at].num = num;
    m->opts[at].len = (uint16_t)len;
    m->opts[at].val = (const uint8_t *)val;
    m->opt_count++;
    return TERN_OK;
}

/* Minimal big-endian uint (RFC 7252 §3.2): no leading zero bytes, 0 → empty. */
static size_t uint_encode(uint32_t v, uint8_t out[4])
{
    size_t n = v > 0xffffffu ? 4 : v > 0xffffu ? 3 : v > 0xffu ? 2 : v ? 1 : 0;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return n;
}

/* The typed helpers refuse a value whose length the registry does not allow
 * for that option (signaling options for signaling codes). */
static bool len_fits(const tern_coap_msg *m, uint16_t num, uint8_t format, size_t len)
{
    const tern_coap_opt_def *d = tern_coap_is_signal(m->code)
                                     ? tern_coap_signal_opt_def_find(m->code, num)
                                     : tern_coap_opt_def_find(num);
    if (!d || d->format != format)
        return true;
    return len >= d->min_len && len <= d->max_len;
}

int tern_coap_opt_add_uint(tern_coap_msg *m, uint16_t num, uint32_t v, uint8_t scratch[4])
{
    uint8_t tmp[4];
    size_t n = uint_encode(v, tmp);
    if (!len_fits(m, num, TERN_COAP_FMT_UINT, n))
        return TERN_ERANGE;
    memcpy(scratch, tmp, n);
    return tern_coap_opt_add(m, num, scratch, n);
}

int tern_coap_opt_add_str(tern_coap_msg *m, uint16_t num, const char *s)
{
    if (!s)
        return TERN_EINVAL;
    size_t n = strlen(s);
    if (!len_fits(m, num, TERN_COAP_FMT_STRING, n))
        return TERN_ERANGE;
    return tern_coap_opt_add(m, num, s, n);
}

int tern_coap_opt_add_uri_path(tern_coap_msg *m, const char *path)
{
    if (!path)
        return TERN_EINVAL;
    const char *p = path;
    if (*p == '/')
        p++;
    if (*p == '\0')
        return TERN_OK; /* "/" is the root: no Uri-Path (RFC 7252 §6.4 step 8) */
    /* Validate everything first so a failure adds nothing. */
    size_t segs = 0;
    for (const char *s = p;;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n > 255)
            return TERN_ERANGE;
        segs++;
        if (!e)
            break;
        s = e + 1;
    }
    if (segs > (size_t)(TERN_COAP_MAX_OPTIONS - m->opt_count))
        return TERN_EFULL;
    for (const char *s = p;;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        int rc = tern_coap_opt_add(m, TERN_COAP_OPT_URI_PATH, s, n);
        if (rc)
            return rc;
        if (!e)
            break;
        s = e + 1;
    }
    return TERN_OK;
}

int tern_coap_opt_remove(tern_coap_msg *m, uint16_t num)
{
    size_t w = 0, n = TERN_MIN((size_t)m->opt_count, (size_t)TERN_COAP_MAX_OPTIONS);
    for (size_t r = 0; r < n; r++) {
        if (m->opts[r].num != num)
            m->opts[w++] = m->opts[r];
    }
    m->opt_count = (uint16_t)w;
    return (int)(n - w);
}

/* ---- lookup ---- */

const tern_coap_opt *tern_coap_opt_get(const tern_coap_msg *m, uint16_t num)
{
    size_t n = TERN_MIN((size_t)m->opt_count, (size_t)TERN_COAP_MAX_OPTIONS);
    for (size_t i = 0; i < n; i++) {
        if (m->opts[i].num == num)
            return &m->opts[i];
        if (m->opts[i].num > num)
            break;
    }
    return NULL;
}

const tern_coap_opt *tern_coap_opt_next(const tern_coap_msg *m, const tern_coap_opt *prev)
{
    if (!prev || prev < m->opts || prev >= m->opts + m->opt_count)
        return NULL;
    size_t i = (size_t)(prev - m->opts) + 1;
    if (i < m->opt_count && i < TERN_COAP_MAX_OPTIONS && m->opts[i].num == prev->num)
        return &m->opts[i];
    return NULL;
}

/* Value of a uint option, leading zero bytes accepted (RFC 7252 §3.2). */
static int uint_decode(const uint8_t *p, size_t n, uint32_t *out)
{
    while (n > 0 && *p == 0) {
        p++;
        n--;
    }
    if (n > 4)
        return TERN_EMALFORMED;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    *out = v;
    return TERN_OK;
}

uint32_t tern_coap_opt_uint_value(const tern_coap_opt *o)
{
    uint32_t v;
    if (!o)
        return 0;
    return uint_decode(o->val, o->len, &v) == TERN_OK ? v : UINT32_MAX;
}

int tern_coap_opt_get_uint(const tern_coap_msg *m, uint16_t num, uint32_t *out)
{
    const tern_coap_opt *o = tern_coap_opt_get(m, num);
    if (!o)
        return TERN_ENOTFOUND;
    return uint_decode(o->val, o->len, out);
}

static int32_t u16_opt(const tern_coap_msg *m, uint16_t num)
{
    uint32_t v;
    if (tern_coap_opt_get_uint(m, num, &v) != TERN_OK || v > UINT16_MAX)
        return -1;
    return (int32_t)v;
}

int32_t tern_coap_content_format(const tern_coap_msg *m)
{
    return u16_opt(m, TERN_COAP_OPT_CONTENT_FORMAT);
}

int32_t tern_coap_accept(const tern_coap_msg *m)
{
    return u16_opt(m, TERN_COAP_OPT_ACCEPT);
}

int tern_coap_uri_path_str(const tern_coap_msg *m, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    bool any = false;
    if (!out || cap == 0)
        return TERN_ENOMEM;
    for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_PATH); o;
         o = tern_coap_opt_next(m, o)) {
        any = true;
        if (n + 1 >= cap)
            return TERN_ENOMEM;
        out[n++] = '/';
        for (size_t i = 0; i < o->len; i++) {
            uint8_t c = o->val[i];
            if (c == '/' || c == '?' || c == '%' || c < 0x20 || c == 0x7f) {
                if (n + 3 >= cap)
                    return TERN_ENOMEM;
                out[n++] = '%';
                out[n++] = hex[c >> 4];
                out[n++] = hex[c & 15];
            } else {
                if (n + 1 >= cap)
                    return TERN_ENOMEM;
                out[n++] = (char)c;
            }
        }
    }
    if (!any) {
        if (cap < 2)
            return TERN_ENOMEM;
        out[n++] = '/';
    }
    out[n] = '\0';
    return n > INT_MAX ? TERN_ENOMEM : (int)n;
}

/* ---- Block1/Block2 (RFC 7959 §2.2) ---- */

int tern_coap_block_get_ex(const tern_coap_msg *m, uint16_t num, bool bert_ok, tern_coap_block *out)
{
    const tern_coap_opt *o = tern_coap_opt_get(m, num);
    if (!o)
        return TERN_ENOTFOUND;
    if (o->len > 3)
        return TERN_EMALFORMED; /* RFC 7959 §2.1: 0-3 bytes */
    uint32_t v = 0;
    for (size_t i = 0; i < o->len; i++)
        v = v << 8 | o->val[i];
    uint8_t szx = (uint8_t)(v & 7);
    /* RFC 7959 §2.2: SZX 7 is reserved; RFC 8323 §6 uses it for BERT. */
    if (szx == 7 && !bert_ok)
        return TERN_EMALFORMED;
    out->num = v >> 4;
    out->more = (v & 8) != 0;
    out->szx = szx;
    return TERN_OK;
}

int tern_coap_block_get(const tern_coap_msg *m, uint16_t num, tern_coap_block *out)
{
    return tern_coap_block_get_ex(m, num, false, out);
}

int tern_coap_block_add(tern_coap_msg *m, uint16_t num, tern_coap_block b, uint8_t scratch[3])
{
    if (b.num >= (1u << 20) || b.szx > 7)
        return TERN_ERANGE;
    uint32_t v = b.num << 4 | (b.more ? 8u : 0u) | b.szx;
    uint8_t tmp[4];
    size_t n = uint_encode(v, tmp); /* at most 3 bytes: v < 2^24 */
    memcpy(scratch, tmp, n);
    return tern_coap_opt_add(m, num, scratch, n);
}
