/* tern — internal CBOR primitives (RFC 8949); see cbor_prim.h. */
#include <math.h>
#include <string.h>

#include "codec/cbor_prim.h"

/* ---- reading ---- */

int cbor_head_read(const uint8_t *p, size_t n, cbor_head *h, const char **why)
{
    if (n < 1)
        return TERN_AGAIN;
    h->major = (uint8_t)(p[0] >> 5);
    h->ai = (uint8_t)(p[0] & 0x1f);
    h->indef = false;
    h->arg = 0;
    if (h->ai < 24) {
        h->arg = h->ai;
        h->len = 1;
    } else if (h->ai <= 27) {
        size_t k = (size_t)1 << (h->ai - 24);
        if (n < 1 + k)
            return TERN_AGAIN;
        for (size_t i = 0; i < k; i++)
            h->arg = (h->arg << 8) | p[1 + i];
        h->len = 1 + k;
        if (h->major == CBOR_SIMPLE && h->ai == 24 && h->arg < 32) {
            *why = "CBOR simple value below 32 in two-byte form";
            return TERN_EMALFORMED;
        }
    } else if (h->ai == 31) {
        if (h->major == CBOR_UINT || h->major == CBOR_NINT || h->major == CBOR_TAG) {
            *why = "CBOR indefinite length on an integer or tag";
            return TERN_EMALFORMED;
        }
        h->indef = true;
        h->len = 1;
    } else {
        *why = "CBOR reserved additional information (28-30)";
        return TERN_EMALFORMED;
    }
    return TERN_OK;
}

typedef struct walk_frame {
    uint64_t left;  /* definite: items left */
    uint8_t kind;   /* 0 definite, 1 indefinite array/map, 2 indefinite string */
    uint8_t major;
    bool odd;       /* indefinite map: a key without its value so far */
} walk_frame;

int cbor_item_end(const uint8_t *p, size_t n, size_t *end, const char **why)
{
    walk_frame st[CBOR_MAX_DEPTH + 1];
    size_t sp = 1, pos = 0;
    st[0].left = 1;
    st[0].kind = 0;
    st[0].major = 0;
    st[0].odd = false;
    for (;;) {
        while (sp > 0 && st[sp - 1].kind == 0 && st[sp - 1].left == 0)
            sp--;
        if (sp == 0) {
            *end = pos;
            return TERN_OK;
        }
        cbor_head h;
        int rc = cbor_head_read(p + pos, n - pos, &h, why);
        if (rc)
            return rc;
        walk_frame *top = &st[sp - 1];
        if (h.major == CBOR_SIMPLE && h.indef) {
            if (top->kind == 0) {
                *why = "CBOR break outside an indefinite-length item";
                return TERN_EMALFORMED;
            }
            if (top->kind == 1 && top->major == CBOR_MAP && top->odd) {
                *why = "CBOR map ends between a key and its value";
                return TERN_EMALFORMED;
            }
            pos += 1;
            sp--;
            continue;
        }
        if (top->kind == 2 && (h.major != top->major || h.indef)) {
            *why = "CBOR indefinite string holds a chunk of another kind";
            return TERN_EMALFORMED;
        }
        if (top->kind == 0)
            top->left--;
        else if (top->kind == 1 && top->major == CBOR_MAP)
            top->odd = !top->odd;
        pos += h.len;
        if ((h.major == CBOR_BYTES || h.major == CBOR_TEXT) && !h.indef) {
            if (h.arg > n - pos)
                return TERN_AGAIN;
            pos += (size_t)h.arg;
        } else if (h.major >= CBOR_BYTES && h.major <= CBOR_TAG) {
            uint64_t left = h.arg;
            if (h.major == CBOR_MAP && !h.indef) {
                if (left > UINT64_MAX / 2)
                    return TERN_AGAIN; /* cannot complete in any buffer */
                left *= 2;
            }
            if (h.major == CBOR_TAG)
                left = 1;
            if (!h.indef && left == 0)
                continue;
            if (sp > CBOR_MAX_DEPTH) {
                *why = "CBOR nesting too deep";
                return TERN_EMALFORMED;
            }
            st[sp].left = left;
            st[sp].kind = h.indef ? (h.major <= CBOR_TEXT ? 2 : 1) : 0;
            st[sp].major = h.major;
            st[sp].odd = false;
            sp++;
        }
    }
}

static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 0x1f;
    int m = h & 0x3ff;
    double v;
    if (e == 0)
        v = ldexp((double)m, -24);
    else if (e == 31)
        v = m ? (double)NAN : (double)INFINITY;
    else
        v = ldexp((double)(m + 1024), e - 25);
    return (h & 0x8000) ? -v : v;
}

static double single_to_double(uint32_t b)
{
    float f;
    memcpy(&f, &b, 4);
    return (double)f;
}

static double bits_to_double(uint64_t b)
{
    double d;
    memcpy(&d, &b, 8);
    return d;
}

/* RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
static bool utf8_ok(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t k;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1, cp = c & 0x1fu, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, cp = c & 0x0fu, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, cp = c & 0x07u, min = 0x10000;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

int cbor_scalar(uint8_t *p, size_t n, cbor_val *v, size_t *used, const char **why)
{
    cbor_head h;
    size_t pos = 0;
    int rc;
    memset(v, 0, sizeof *v);
    v->tag = CBOR_NO_TAG;
    for (;;) {
        rc = cbor_head_read(p + pos, n - pos, &h, why);
        if (rc)
            return rc == TERN_AGAIN ? TERN_ETRUNCATED : rc;
        if (h.major != CBOR_TAG)
            break;
        if (v->tag == CBOR_NO_TAG)
            v->tag = h.arg;
        pos += h.len;
    }
    switch (h.major) {
    case CBOR_UINT:
        v->kind = CBV_UINT;
        v->u = h.arg;
        pos += h.len;
        break;
    case CBOR_NINT:
        if (h.arg > (uint64_t)INT64_MAX) {
            v->kind = CBV_BIGNEG;
        } else {
            v->kind = CBV_NINT;
            v->i = -1 - (int64_t)h.arg;
        }
        pos += h.len;
        break;
    case CBOR_BYTES:
    case CBOR_TEXT:
        v->kind = h.major == CBOR_BYTES ? CBV_BYTES : CBV_TEXT;
        pos += h.len;
        if (!h.indef) {
            if (h.arg > n - pos) {
                *why = "CBOR string longer than the input";
                return TERN_ETRUNCATED;
            }
            v->ptr = p + pos;
            v->len = (size_t)h.arg;
            pos += (size_t)h.arg;
        } else {
            /* compact the chunks' payloads to where the first head was */
            size_t wp = pos - h.len;
            v->ptr = p + wp;
            for (;;) {
                cbor_head c;
                rc = cbor_head_read(p + pos, n - pos, &c, why);
                if (rc)
                    return rc == TERN_AGAIN ? TERN_ETRUNCATED : rc;
                if (c.major == CBOR_SIMPLE && c.indef) {
                    pos += 1;
                    break;
                }
                if (c.major != h.major || c.indef) {
                    *why = "CBOR indefinite string holds a chunk of another kind";
                    return TERN_EMALFORMED;
                }
                pos += c.len;
                if (c.arg > n - pos) {
                    *why = "CBOR string longer than the input";
                    return TERN_ETRUNCATED;
                }
                memmove(p + wp, p + pos, (size_t)c.arg);
                wp += (size_t)c.arg;
                pos += (size_t)c.arg;
            }
            v->len = (size_t)(p + wp - v->ptr);
        }
        if (v->kind == CBV_TEXT && !utf8_ok(v->ptr, v->len)) {
            *why = "CBOR text string is not valid UTF-8";
            return TERN_EMALFORMED;
        }
        break;
    case CBOR_ARRAY:
        if (v->tag == 4 && !h.indef && h.arg == 2) {
            /* decimal fraction [exponent, mantissa] (RFC 8949 §3.4.4) */
            size_t u1, u2;
            cbor_val e, m;
            pos += h.len;
            rc = cbor_scalar(p + pos, n - pos, &e, &u1, why);
            if (rc)
                return rc;
            pos += u1;
            rc = cbor_scalar(p + pos, n - pos, &m, &u2, why);
            if (rc)
                return rc;
            pos += u2;
            if (e.tag != CBOR_NO_TAG || m.tag != CBOR_NO_TAG || (e.kind != CBV_UINT && e.kind != CBV_NINT) ||
                (m.kind != CBV_UINT && m.kind != CBV_NINT)) {
                *why = "CBOR decimal fraction is not two integers";
                return TERN_EMALFORMED;
            }
            int64_t ex = e.kind == CBV_UINT ? (e.u > 400 ? 400 : (int64_t)e.u) : (e.i < -400 ? -400 : e.i);
            v->kind = CBV_FLOAT;
            if (m.kind == CBV_UINT)
                (void)tern_dec_to_double(false, m.u, (int)ex, &v->f);
            else
                (void)tern_dec_to_double(true, 0 - (uint64_t)m.i, (int)ex, &v->f);
            break;
        }
        *why = "CBOR container where a single value was expected";
        return TERN_ETYPE;
    case CBOR_MAP:
        *why = "CBOR container where a single value was expected";
        return TERN_ETYPE;
    default: /* simple / float */
        pos += h.len;
        if (h.indef) {
            *why = "CBOR break where a value was expected";
            return TERN_EMALFORMED;
        }
        if (h.ai == 25) {
            v->kind = CBV_FLOAT;
            v->f = half_to_double((uint16_t)h.arg);
        } else if (h.ai == 26) {
            v->kind = CBV_FLOAT;
            v->f = single_to_double((uint32_t)h.arg);
        } else if (h.ai == 27) {
            v->kind = CBV_FLOAT;
            v->f = bits_to_double(h.arg);
        } else if (h.arg == 20 || h.arg == 21) {
            v->kind = CBV_BOOL;
            v->b = h.arg == 21;
        } else if (h.arg == 22) {
            v->kind = CBV_NULL;
        } else if (h.arg == 23) {
            v->kind = CBV_UNDEF;
        } else {
            *why = "CBOR unassigned simple value";
            return TERN_ETYPE;
        }
        break;
    }
    *used = pos;
    return TERN_OK;
}

/* ---- conversion ---- */

static bool digits(const uint8_t *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int cbor_parse_rfc3339(const uint8_t *p, size_t n, int64_t *out)
{
    int y, mo, d, hh, mi, ss, oh = 0, om = 0, sign = 0;
    if (n < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') || p[13] != ':' ||
        p[16] != ':')
        return TERN_EMALFORMED;
    if (!digits(p, 4, &y) || !digits(p + 5, 2, &mo) || !digits(p + 8, 2, &d) || !digits(p + 11, 2, &hh) ||
        !digits(p + 14, 2, &mi) || !digits(p + 17, 2, &ss))
        return TERN_EMALFORMED;
    size_t i = 19;
    if (i < n && p[i] == '.') {
        i++;
        size_t s = i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == s)
            return TERN_EMALFORMED;
    }
    if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
        i++;
    } else if (i + 6 == n && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
        sign = p[i] == '+' ? 1 : -1;
        if (!digits(p + i + 1, 2, &oh) || !digits(p + i + 4, 2, &om) || oh > 23 || om > 59)
            return TERN_EMALFORMED;
        i += 6;
    } else {
        return TERN_EMALFORMED;
    }
    if (i != n || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 60)
        return TERN_EMALFORMED;
    int64_t t = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss;
    t -= (int64_t)sign * (oh * 3600 + om * 60);
    *out = t;
    return TERN_OK;
}

int cbor_parse_objlnk(const uint8_t *p, size_t n, tern_objlnk *out)
{
    if (n && p[n - 1] == 0)
        n--; /* Zephyr's encoder counts the NUL */
    uint32_t a = 0, b = 0;
    size_t i = 0, s = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9' && i - s < 6; i++)
        a = a * 10 + (uint32_t)(p[i] - '0');
    if (i == s || i >= n || p[i] != ':' || a > 65535)
        return TERN_EMALFORMED;
    s = ++i;
    for (; i < n && p[i] >= '0' && p[i] <= '9' && i - s < 6; i++)
        b = b * 10 + (uint32_t)(p[i] - '0');
    if (i == s || i != n || b > 65535)
        return TERN_EMALFORMED;
    out->oid = (uint16_t)a;
    out->iid = (uint16_t)b;
    return TERN_OK;
}

static int int_value(const cbor_val *v, int64_t *out, const char **why)
{
    if (v->kind == CBV_UINT) {
        if (v->u > (uint64_t)INT64_MAX) {
            *why = "integer above the signed 64-bit range";
            return TERN_ERANGE;
        }
        *out = (int64_t)v->u;
        return TERN_OK;
    }
    if (v->kind == CBV_NINT) {
        *out = v->i;
        return TERN_OK;
    }
    if (v->kind == CBV_BIGNEG) {
        *why = "integer below the signed 64-bit range";
        return TERN_ERANGE;
    }
    *why = "value is not an integer";
    return TERN_ETYPE;
}

int cbor_to_value(const cbor_val *v, tern_type want, tern_value *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (v->tag == 2 || v->tag == 3) {
        *why = "CBOR bignums are not supported";
        return TERN_ERANGE;
    }
    if (want == TERN_TYPE_NONE) {
        if (v->tag == 0 || v->tag == 1)
            want = TERN_TYPE_TIME;
        else if (v->kind == CBV_UINT)
            want = v->u > (uint64_t)INT64_MAX ? TERN_TYPE_UNSIGNED : TERN_TYPE_INTEGER;
        else if (v->kind == CBV_NINT || v->kind == CBV_BIGNEG)
            want = TERN_TYPE_INTEGER;
        else if (v->kind == CBV_FLOAT)
            want = TERN_TYPE_FLOAT;
        else if (v->kind == CBV_BOOL)
            want = TERN_TYPE_BOOLEAN;
        else if (v->kind == CBV_BYTES)
            want = TERN_TYPE_OPAQUE;
        else if (v->kind == CBV_TEXT)
            want = TERN_TYPE_STRING;
        else if (v->kind == CBV_NULL) {
            out->type = TERN_TYPE_NONE;
            return TERN_OK;
        } else {
            *why = "CBOR undefined is not a value";
            return TERN_ETYPE;
        }
    }
    out->type = want;
    switch (want) {
    case TERN_TYPE_INTEGER:
        return int_value(v, &out->v.i, why);
    case TERN_TYPE_UNSIGNED:
        if (v->kind != CBV_UINT) {
            *why = v->kind == CBV_NINT || v->kind == CBV_BIGNEG ? "negative value for an unsigned resource"
                                                                 : "value is not an unsigned integer";
            return v->kind == CBV_NINT || v->kind == CBV_BIGNEG ? TERN_ERANGE : TERN_ETYPE;
        }
        out->v.u = v->u;
        return TERN_OK;
    case TERN_TYPE_FLOAT:
        if (v->kind == CBV_FLOAT)
            out->v.f = v->f;
        else if (v->kind == CBV_UINT)
            out->v.f = (double)v->u;
        else if (v->kind == CBV_NINT)
            out->v.f = (double)v->i;
        else {
            *why = "value is not a number";
            return TERN_ETYPE;
        }
        return TERN_OK;
    case TERN_TYPE_BOOLEAN:
        if (v->kind != CBV_BOOL) {
            *why = "value is not a boolean";
            return TERN_ETYPE;
        }
        out->v.b = v->b;
        return TERN_OK;
    case TERN_TYPE_OPAQUE:
        if (v->kind != CBV_BYTES) {
            *why = "value is not a byte string";
            return TERN_ETYPE;
        }
        out->v.bytes.ptr = v->ptr;
        out->v.bytes.len = v->len;
        return TERN_OK;
    case TERN_TYPE_STRING:
    case TERN_TYPE_CORELNK:
        if (v->kind != CBV_TEXT) {
            *why = "value is not a text string";
            return TERN_ETYPE;
        }
        out->v.bytes.ptr = v->ptr;
        out->v.bytes.len = v->len;
        return TERN_OK;
    case TERN_TYPE_TIME:
        if (v->kind == CBV_TEXT && (v->tag == 0 || v->tag == CBOR_NO_TAG)) {
            if (cbor_parse_rfc3339(v->ptr, v->len, &out->v.i)) {
                *why = "time is not an RFC 3339 date-time";
                return TERN_EMALFORMED;
            }
            return TERN_OK;
        }
        if (v->kind == CBV_FLOAT && (v->tag == 1 || v->tag == CBOR_NO_TAG || v->tag == 4)) {
            if (!(v->f > -9.2e18 && v->f < 9.2e18)) {
                *why = "time out of range";
                return TERN_ERANGE;
            }
            out->v.i = (int64_t)floor(v->f);
            return TERN_OK;
        }
        if (v->tag == 0) {
            *why = "tag 0 time is not a text string";
            return TERN_ETYPE;
        }
        return int_value(v, &out->v.i, why);
    case TERN_TYPE_OBJLNK:
        if (v->kind != CBV_TEXT || cbor_parse_objlnk(v->ptr, v->len, &out->v.lnk)) {
            *why = "value is not an object link \"oid:iid\"";
            return TERN_ETYPE;
        }
        return TERN_OK;
    default:
        if (v->kind != CBV_NULL) {
            *why = "value given for a resource without a value type";
            return TERN_ETYPE;
        }
        out->type = TERN_TYPE_NONE;
        return TERN_OK;
    }
}

/* ---- writing ---- */

int cbor_put_head(tern_wbuf *w, uint8_t major, uint64_t arg)
{
    uint8_t b[9];
    size_t n;
    uint8_t mt = (uint8_t)(major << 5);
    if (arg < 24) {
        b[0] = (uint8_t)(mt | arg);
        n = 1;
    } else if (arg <= 0xff) {
        b[0] = mt | 24;
        n = 2;
    } else if (arg <= 0xffff) {
        b[0] = mt | 25;
        n = 3;
    } else if (arg <= 0xffffffffu) {
        b[0] = mt | 26;
        n = 5;
    } else {
        b[0] = mt | 27;
        n = 9;
    }
    for (size_t i = 1; i < n; i++)
        b[i] = (uint8_t)(arg >> (8 * (n - 1 - i)));
    return tern_wbuf_put(w, b, n);
}

int cbor_put_uint(tern_wbuf *w, uint64_t v)
{
    return cbor_put_head(w, CBOR_UINT, v);
}

int cbor_put_int(tern_wbuf *w, int64_t v)
{
    if (v >= 0)
        return cbor_put_head(w, CBOR_UINT, (uint64_t)v);
    return cbor_put_head(w, CBOR_NINT, (uint64_t)(-1 - v));
}

static int put_fixed(tern_wbuf *w, uint8_t ib, uint64_t bits, size_t n)
{
    uint8_t b[9];
    b[0] = ib;
    for (size_t i = 0; i < n; i++)
        b[1 + i] = (uint8_t)(bits >> (8 * (n - 1 - i)));
    return tern_wbuf_put(w, b, n + 1);
}

/* Half-precision bits for a single that a half holds exactly, else -1. */
static int32_t single_to_half(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    uint32_t sign = (b >> 16) & 0x8000u;
    int e = (int)((b >> 23) & 0xff);
    uint32_t m = b & 0x7fffffu;
    if (e == 0xff)
        return m ? -1 : (int32_t)(sign | 0x7c00u);
    if (e == 0)
        return m ? -1 : (int32_t)sign; /* single subnormals are below half range */
    e -= 127;
    if (e >= -14 && e <= 15) {
        if (m & 0x1fffu)
            return -1;
        return (int32_t)(sign | (uint32_t)(e + 15) << 10 | m >> 13);
    }
    if (e >= -24 && e < -14) {
        uint32_t full = 0x800000u | m;
        unsigned sh = (unsigned)(-e - 1);
        if (full & ((1u << sh) - 1))
            return -1;
        return (int32_t)(sign | full >> sh);
    }
    return -1;
}

int cbor_put_float(tern_wbuf *w, double v)
{
    if (isnan(v))
        return put_fixed(w, 0xf9, 0x7e00, 2);
    float f = (float)v;
    if ((double)f == v) {
        int32_t h = single_to_half(f);
        if (h >= 0)
            return put_fixed(w, 0xf9, (uint64_t)h, 2);
        uint32_t b;
        memcpy(&b, &f, 4);
        return put_fixed(w, 0xfa, b, 4);
    }
    uint64_t b;
    memcpy(&b, &v, 8);
    return put_fixed(w, 0xfb, b, 8);
}

int cbor_put_bytes(tern_wbuf *w, uint8_t major, const void *p, size_t n)
{
    int rc = cbor_put_head(w, major, n);
    if (rc)
        return rc;
    return n ? tern_wbuf_put(w, p, n) : TERN_OK;
}

int cbor_put_bool(tern_wbuf *w, bool b)
{
    return tern_wbuf_put_u8(w, b ? 0xf5 : 0xf4);
}

int cbor_put_null(tern_wbuf *w)
{
    return tern_wbuf_put_u8(w, 0xf6);
}

static size_t fmt_u16(uint16_t v, char *out)
{
    char t[6];
    size_t n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v = (uint16_t)(v / 10);
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = t[n - 1 - i];
    return n;
}

size_t cbor_fmt_objlnk(tern_objlnk l, char *out)
{
    size_t n = fmt_u16(l.oid, out);
    out[n++] = ':';
    n += fmt_u16(l.iid, out + n);
    return n;
}

int cbor_put_value(tern_wbuf *w, const tern_value *v, cbor_time_style ts)
{
    int rc;
    switch (v->type) {
    case TERN_TYPE_STRING:
    case TERN_TYPE_CORELNK:
        return cbor_put_bytes(w, CBOR_TEXT, v->v.bytes.ptr, v->v.bytes.len);
    case TERN_TYPE_OPAQUE:
        return cbor_put_bytes(w, CBOR_BYTES, v->v.bytes.ptr, v->v.bytes.len);
    case TERN_TYPE_INTEGER:
        return cbor_put_int(w, v->v.i);
    case TERN_TYPE_UNSIGNED:
        return cbor_put_uint(w, v->v.u);
    case TERN_TYPE_FLOAT:
        return cbor_put_float(w, v->v.f);
    case TERN_TYPE_BOOLEAN:
        return cbor_put_bool(w, v->v.b);
    case TERN_TYPE_TIME:
        if (ts == CBOR_TIME_TAG1 && (rc = cbor_put_head(w, CBOR_TAG, 1)) != 0)
            return rc;
        return cbor_put_int(w, v->v.i);
    case TERN_TYPE_OBJLNK: {
        char t[12];
        size_t n = cbor_fmt_objlnk(v->v.lnk, t);
        return cbor_put_bytes(w, CBOR_TEXT, t, n);
    }
    case TERN_TYPE_NONE:
        return cbor_put_null(w);
    default:
        return TERN_EINVAL;
    }
}

/* ---- duplicate paths ---- */

static bool related(const tern_path *a, const tern_path *b)
{
    return tern_path_is_prefix(a, b) || tern_path_is_prefix(b, a);
}

uint32_t cbor_dev_id(const uint8_t *p, size_t n)
{
    if (!n)
        return 0;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h ? h : 1;
}

int cbor_dup_add(cbor_dupcheck *c, const tern_path *p, uint32_t dev)
{
    for (size_t i = 0; i < c->runs; i++) {
        if (c->run[i].dev != dev)
            continue;
        if (related(p, &c->run[i].lo) || related(p, &c->run[i].hi))
            return TERN_EDUPLICATE;
    }
    if (c->runs) {
        size_t k = (size_t)c->runs - 1;
        if (c->run[k].dev == dev && tern_path_cmp(p, &c->run[k].hi) > 0) {
            c->run[k].hi = *p;
            return TERN_OK;
        }
    }
    if (c->runs == CBOR_DUP_RUNS) {
        /* forget the oldest run: the check stays exact for the recent ones */
        memmove(&c->run[0], &c->run[1], sizeof c->run[0] * (CBOR_DUP_RUNS - 1));
        c->runs--;
        c->overflow = true;
    }
    c->run[c->runs].lo = *p;
    c->run[c->runs].hi = *p;
    c->run[c->runs].dev = dev;
    c->runs++;
    return TERN_OK;
}
