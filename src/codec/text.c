/* tern — Plain Text content format 0 (LwM2M 1.2 Core §7.4.1, Appendix C).
 *
 * One resource or resource instance per payload; the request path gives
 * the type through the model (no model: String). Text forms:
 *   Integer, Time      optional '-' and decimal digits, int64 range
 *   Unsigned           decimal digits, uint64 range
 *   Float              decimal, optional fraction and exponent ("3", "-0.5",
 *                      "1.0E10"); written as the shortest text that reads
 *                      back to the same double, with ".0" on integral values
 *                      ("3.0") and an exponent only below 1e-20 or from 1e21
 *   Boolean            exactly "0" or "1"
 *   Objlnk             "O:I" (tern_objlnk_parse: strict)
 *   String, Corelnk    UTF-8, validated
 *   Opaque             standard base64 with padding (RFC 4648 §4; Core
 *                      1.1+ Appendix C)
 * No whitespace is accepted around any of them. Numbers, booleans and
 * objlnks need the whole payload in scratch (they are short; a number
 * longer than TEXT_NUM_MAX bytes is refused). Strings and base64 opaque
 * values stream: every fed chunk yields an entry (entry.offset/more; the
 * last one has more == false, possibly with zero bytes).
 * Float text is converted exactly by tern_parse_double()/tern_fmt_double()
 * (src/base/fmt.c; no libc, no locale).
 */
#include <string.h>

#include "codec/codec_internal.h"
#include "codec/fmt_util.h"

#define TEXT_NUM_MAX 128

typedef struct {
    bool done;
    bool emitted;
    bool more_pending; /* last entry said more == true */
    bool padded;       /* base64 padding seen */
    uint32_t off;
} text_dec;
_Static_assert(sizeof(text_dec) <= TERN_DECODER_STATE_SIZE, "text decoder state too big");

static int dec_init(tern_decoder *d)
{
    memset(TERN_DEC_STATE(d, text_dec), 0, sizeof(text_dec));
    if (d->req_path.len == TERN_LVL_OBJECT || d->req_path.len == TERN_LVL_INSTANCE)
        return tern_dec_fail(d, TERN_EUNSUPPORTED, 0, "plain text carries a single resource or resource instance");
    return TERN_OK;
}

static int b64_val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int parse_int(const uint8_t *s, size_t n, bool is_signed, tern_value *v, size_t *bad)
{
    size_t i = 0;
    bool neg = false;
    if (is_signed && n && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == n) {
        *bad = i;
        return TERN_EMALFORMED;
    }
    uint64_t limit = is_signed ? (neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX) : UINT64_MAX;
    uint64_t acc = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            *bad = i;
            return TERN_EMALFORMED;
        }
        unsigned dgt = (unsigned)(s[i] - '0');
        if (acc > (limit - dgt) / 10u) {
            *bad = i;
            return TERN_ERANGE;
        }
        acc = acc * 10u + dgt;
    }
    if (!is_signed)
        v->v.u = acc;
    else if (neg)
        v->v.i = acc == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)acc;
    else
        v->v.i = (int64_t)acc;
    return TERN_OK;
}

static int parse_float(const uint8_t *s, size_t n, double *out, size_t *bad)
{
    size_t i = 0, nd = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, nd++;
    if (i < n && s[i] == '.') {
        i++;
        size_t f = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, f++;
        if (!f) {
            *bad = i;
            return TERN_EMALFORMED;
        }
        nd += f;
    }
    if (!nd) {
        *bad = i;
        return TERN_EMALFORMED;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t ed = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, ed++;
        if (!ed) {
            *bad = i;
            return TERN_EMALFORMED;
        }
    }
    if (i != n) {
        *bad = i;
        return TERN_EMALFORMED;
    }
    double x;
    int rc = tern_parse_double((const char *)s, n, &x); /* n ≤ TEXT_NUM_MAX digits */
    if (rc < 0) { /* TERN_ERANGE: overflows */
        *bad = 0;
        return rc;
    }
    *out = x;
    return TERN_OK;
}

/* Streams a String/Corelnk value. */
static int dec_string(tern_decoder *d, text_dec *st, tern_entry *e, tern_type t)
{
    size_t n = d->end - d->start;
    int bad;
    size_t k = tern_utf8_prefix(d->buf + d->start, n, &bad);
    if (bad || (k < n && d->last))
        return tern_dec_fail(d, TERN_EMALFORMED, d->start + k, "text is not valid UTF-8");
    if (k == 0 && !d->last)
        return TERN_AGAIN;
    if (k == 0 && st->emitted && !st->more_pending) {
        st->done = true;
        return TERN_DONE;
    }
    e->kind = TERN_ENTRY_VALUE;
    e->path = d->req_path;
    e->value.type = t;
    e->value.v.bytes.ptr = d->buf + d->start;
    e->value.v.bytes.len = k;
    e->offset = st->off;
    e->more = !d->last;
    e->total = e->more ? 0 : st->off + (uint32_t)k;
    d->start += k;
    st->off += (uint32_t)k;
    st->emitted = true;
    st->more_pending = e->more;
    if (!e->more)
        st->done = true;
    return TERN_OK;
}

/* Streams a base64 Opaque value, decoding in place in scratch. */
static int dec_base64(tern_decoder *d, text_dec *st, tern_entry *e)
{
    size_t n = d->end - d->start;
    uint8_t *s = d->buf + d->start;
    if (d->last && n % 4)
        return tern_dec_fail(d, TERN_EMALFORMED, d->end, "base64 length is not a multiple of 4");
    size_t groups = n / 4;
    if (groups == 0 && !d->last)
        return TERN_AGAIN;
    if (groups && st->padded)
        return tern_dec_fail(d, TERN_EMALFORMED, d->start, "data after base64 padding");
    size_t w = 0;
    for (size_t g = 0; g < groups; g++) {
        uint8_t *q = s + 4 * g;
        int v[4];
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            if (q[j] == '=' && j >= 2 && (pad || j == 3 || q[3] == '=')) {
                pad++;
                v[j] = 0;
                continue;
            }
            v[j] = pad ? -1 : b64_val(q[j]);
            if (v[j] < 0)
                return tern_dec_fail(d, TERN_EMALFORMED, d->start + 4 * g + (size_t)j, "invalid base64 character");
        }
        if (pad && g + 1 != groups)
            return tern_dec_fail(d, TERN_EMALFORMED, d->start + 4 * g + 4, "data after base64 padding");
        uint32_t bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        /* unused low bits must be zero (canonical base64) */
        if ((pad == 1 && (bits & 0xFF)) || (pad == 2 && (bits & 0xFFFF)))
            return tern_dec_fail(d, TERN_EMALFORMED, d->start + 4 * g, "non-canonical base64 padding bits");
        s[w++] = (uint8_t)(bits >> 16);
        if (pad < 2)
            s[w++] = (uint8_t)(bits >> 8);
        if (pad < 1)
            s[w++] = (uint8_t)bits;
        if (pad)
            st->padded = true;
    }
    bool final = d->last;
    if (groups == 0 && st->emitted && !st->more_pending) {
        st->done = true;
        return TERN_DONE;
    }
    e->kind = TERN_ENTRY_VALUE;
    e->path = d->req_path;
    e->value.type = TERN_TYPE_OPAQUE;
    e->value.v.bytes.ptr = s;
    e->value.v.bytes.len = w;
    e->offset = st->off;
    e->more = !final;
    e->total = final ? st->off + (uint32_t)w : 0;
    d->start += 4 * groups;
    st->off += (uint32_t)w;
    st->emitted = true;
    st->more_pending = e->more;
    if (final)
        st->done = true;
    return TERN_OK;
}

static int dec_next(tern_decoder *d, tern_entry *e)
{
    text_dec *st = TERN_DEC_STATE(d, text_dec);
    if (st->done) {
        if (d->end > d->start)
            return tern_dec_fail(d, TERN_EMALFORMED, d->start, "data after the plain-text value");
        return TERN_DONE;
    }
    tern_type t = (tern_type)((unsigned)tern_dec_type_of(d, &d->req_path) & 0xFFu); /* drop a multiple flag */
    if (t == TERN_TYPE_NONE)
        t = TERN_TYPE_STRING;
    if (t == TERN_TYPE_STRING || t == TERN_TYPE_CORELNK)
        return dec_string(d, st, e, t);
    if (t == TERN_TYPE_OPAQUE)
        return dec_base64(d, st, e);

    size_t n = d->end - d->start;
    if (n > TEXT_NUM_MAX)
        return tern_dec_fail(d, TERN_ETOOBIG, d->start + TEXT_NUM_MAX, "plain-text number too long");
    if (!d->last)
        return TERN_AGAIN;
    const uint8_t *s = d->buf + d->start;
    size_t bad = 0;
    int rc;
    e->value.type = t;
    switch (t) {
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
        rc = parse_int(s, n, true, &e->value, &bad);
        break;
    case TERN_TYPE_UNSIGNED:
        rc = parse_int(s, n, false, &e->value, &bad);
        break;
    case TERN_TYPE_FLOAT:
        rc = parse_float(s, n, &e->value.v.f, &bad);
        break;
    case TERN_TYPE_BOOLEAN:
        rc = (n == 1 && (s[0] == '0' || s[0] == '1')) ? TERN_OK : TERN_EMALFORMED;
        e->value.v.b = n == 1 && s[0] == '1';
        break;
    case TERN_TYPE_OBJLNK:
        rc = tern_objlnk_parse(&e->value.v.lnk, (const char *)s, n);
        break;
    default:
        return tern_dec_fail(d, TERN_EUNSUPPORTED, d->start, "resource type cannot be carried in plain text");
    }
    if (rc < 0)
        return tern_dec_fail(d, rc, d->start + bad,
                             rc == TERN_ERANGE ? "plain-text number out of range" : "malformed plain-text value");
    e->kind = TERN_ENTRY_VALUE;
    e->path = d->req_path;
    d->start = d->end;
    st->done = true;
    return TERN_OK;
}

/* ---- encoder ---- */

typedef struct {
    bool chunking;
    uint8_t ncarry;
    uint8_t carry[2];
    uint8_t type;
    uint32_t next;
    tern_path path;
} text_enc;
_Static_assert(sizeof(text_enc) <= TERN_ENCODER_STATE_SIZE, "text encoder state too big");

static int enc_init(tern_encoder *e)
{
    memset(TERN_ENC_STATE(e, text_enc), 0, sizeof(text_enc));
    if (e->req_path.len == TERN_LVL_OBJECT || e->req_path.len == TERN_LVL_INSTANCE)
        return tern_enc_fail(e, TERN_EUNSUPPORTED, "plain text carries a single resource or resource instance");
    return TERN_OK;
}

static size_t fmt_u64(char *out, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    for (size_t k = 0; k < n; k++)
        out[k] = tmp[n - 1 - k];
    return n;
}

static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_group(char *o, const uint8_t *in, size_t n)
{
    uint32_t bits = (uint32_t)in[0] << 16 | (n > 1 ? (uint32_t)in[1] << 8 : 0) | (n > 2 ? in[2] : 0);
    o[0] = b64_chars[(bits >> 18) & 63];
    o[1] = b64_chars[(bits >> 12) & 63];
    o[2] = n > 1 ? b64_chars[(bits >> 6) & 63] : '=';
    o[3] = n > 2 ? b64_chars[bits & 63] : '=';
}

/* Base64 of carry + data; keeps the last (len % 3) bytes when !final. */
static int enc_base64(text_enc *st, const uint8_t *p, size_t n, bool final, tern_wbuf *out)
{
    size_t total = st->ncarry + n;
    size_t full = total / 3;
    size_t rest = total % 3;
    size_t need = 4 * full + (final && rest ? 4 : 0);
    if (need > out->cap - out->len)
        return TERN_ENOMEM;
    uint8_t grp[3];
    size_t gi = 0, pi = 0;
    for (size_t c = 0; c < st->ncarry; c++)
        grp[gi++] = st->carry[c];
    char *o = (char *)out->ptr + out->len;
    for (size_t g = 0; g < full; g++) {
        while (gi < 3)
            grp[gi++] = p[pi++];
        b64_group(o, grp, 3);
        o += 4;
        gi = 0;
    }
    while (pi < n)
        grp[gi++] = p[pi++];
    if (final && gi) {
        b64_group(o, grp, gi);
        gi = 0;
    }
    out->len += need;
    st->ncarry = (uint8_t)gi;
    memcpy(st->carry, grp, gi);
    return TERN_OK;
}

static int enc_add(tern_encoder *e, const tern_entry *en, tern_wbuf *out)
{
    text_enc *st = TERN_ENC_STATE(e, text_enc);
    const tern_path *rp = &e->req_path;
    const tern_path *p = &en->path;
    size_t room = out->cap - out->len;

    if (st->chunking) {
        if (en->kind != TERN_ENTRY_VALUE || !tern_path_eq(p, &st->path) || en->value.type != st->type ||
            en->offset != st->next)
            return tern_enc_fail(e, TERN_EINVAL, "expected the next chunk of the plain-text value");
    } else {
        if (e->count)
            return tern_enc_fail(e, TERN_EUNSUPPORTED, "plain text carries a single value");
        if (en->kind != TERN_ENTRY_VALUE)
            return tern_enc_fail(e, TERN_EUNSUPPORTED, "plain text carries a single resource value");
        if (p->len < 3 || (rp->len && !tern_path_is_prefix(rp, p)))
            return tern_enc_fail(e, TERN_EINVAL, "plain-text entry is not the requested resource");
        if (rp->len == 3 && p->len == 4)
            return tern_enc_fail(e, TERN_EUNSUPPORTED, "plain text cannot carry a multiple-instance resource");
        if (en->offset)
            return tern_enc_fail(e, TERN_EINVAL, "first chunk must have offset 0");
    }
    const tern_value *v = &en->value;
    bool chunkable = v->type == TERN_TYPE_STRING || v->type == TERN_TYPE_CORELNK || v->type == TERN_TYPE_OPAQUE;
    if ((en->more || st->chunking) && !chunkable)
        return tern_enc_fail(e, TERN_EINVAL, "only strings and opaque values come in chunks");

    char buf[64];
    int n;
    switch (v->type) {
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
        if (v->v.i < 0) {
            buf[0] = '-';
            n = 1 + (int)fmt_u64(buf + 1, 0u - (uint64_t)v->v.i);
        } else {
            n = (int)fmt_u64(buf, (uint64_t)v->v.i);
        }
        break;
    case TERN_TYPE_UNSIGNED:
        n = (int)fmt_u64(buf, v->v.u);
        break;
    case TERN_TYPE_FLOAT:
        n = tern_fmt_double(v->v.f, buf, sizeof buf);
        if (n < 0)
            return tern_enc_fail(e, TERN_ERANGE, "NaN and infinities have no plain-text form");
        break;
    case TERN_TYPE_BOOLEAN:
        buf[0] = v->v.b ? '1' : '0';
        n = 1;
        break;
    case TERN_TYPE_OBJLNK:
        n = tern_objlnk_format(&v->v.lnk, buf, sizeof buf);
        break;
    case TERN_TYPE_STRING:
    case TERN_TYPE_CORELNK: {
        if (v->v.bytes.len && !v->v.bytes.ptr)
            return tern_enc_fail(e, TERN_EINVAL, "string without bytes");
        int bad;
        if (!en->more && !st->chunking && tern_utf8_prefix(v->v.bytes.ptr, v->v.bytes.len, &bad) != v->v.bytes.len)
            return tern_enc_fail(e, TERN_EINVAL, "string is not valid UTF-8");
        if (v->v.bytes.len > room)
            return TERN_ENOMEM;
        if (v->v.bytes.len)
            memcpy(out->ptr + out->len, v->v.bytes.ptr, v->v.bytes.len);
        out->len += v->v.bytes.len;
        goto chunk_state;
    }
    case TERN_TYPE_OPAQUE: {
        if (v->v.bytes.len && !v->v.bytes.ptr)
            return tern_enc_fail(e, TERN_EINVAL, "opaque value without bytes");
        if (enc_base64(st, v->v.bytes.ptr, v->v.bytes.len, !en->more, out) < 0)
            return TERN_ENOMEM;
        goto chunk_state;
    }
    default:
        return tern_enc_fail(e, TERN_EINVAL, "value type cannot be written as plain text");
    }
    if (n < 0 || (size_t)n > room)
        return n < 0 ? tern_enc_fail(e, TERN_EINVAL, "value cannot be formatted") : TERN_ENOMEM;
    memcpy(out->ptr + out->len, buf, (size_t)n);
    out->len += (size_t)n;
    return TERN_OK;

chunk_state:
    st->chunking = en->more;
    st->path = *p;
    st->type = (uint8_t)v->type;
    st->next = en->offset + (uint32_t)v->v.bytes.len;
    return TERN_OK;
}

static int enc_finish(tern_encoder *e, tern_wbuf *out)
{
    (void)out;
    text_enc *st = TERN_ENC_STATE(e, text_enc);
    if (st->chunking)
        return tern_enc_fail(e, TERN_EINVAL, "chunked plain-text value not finished");
    return TERN_OK;
}

const tern_codec_vtab tern_codec_text = {TERN_CF_TEXT, "text", dec_init, dec_next, enc_init, enc_add, enc_finish};
