/* tern — CoAP message codec: UDP framing (RFC 7252 §3) and the option /
 * payload layout shared with RFC 8323 framing (tcp.c). */
#include "coap/msg_internal.h"

#include <limits.h>
#include <string.h>

void tern_coap_msg_init(tern_coap_msg *m, tern_coap_type type, uint8_t code, uint16_t mid)
{
    m->type = (uint8_t)type;
    m->code = code;
    m->mid = mid;
    m->token_len = 0;
    memset(m->token, 0, sizeof m->token);
    m->opt_count = 0;
    m->payload = NULL;
    m->payload_len = 0;
}

int tern_coap_msg_set_token(tern_coap_msg *m, const uint8_t *tok, size_t len)
{
    if (len > TERN_COAP_MAX_TOKEN || (len > 0 && tok == NULL))
        return TERN_EINVAL; /* RFC 7252 §3: token is 0 to 8 bytes */
    if (len)
        memcpy(m->token, tok, len);
    m->token_len = (uint8_t)len;
    return TERN_OK;
}

int tern_coap_perr(tern_coap_parse_err *err, int code, size_t offset, const char *reason,
                   bool header_ok)
{
    if (err) {
        err->err = code;
        err->offset = offset;
        err->reason = reason;
        err->header_ok = header_ok;
        err->bad_option = 0;
    }
    return code;
}

void tern_coap_clear_body(tern_coap_msg *m)
{
    m->opt_count = 0;
    m->payload = NULL;
    m->payload_len = 0;
}

static int body_fail(tern_coap_msg *m, tern_coap_parse_err *err, int code, size_t off,
                     const char *reason)
{
    tern_coap_clear_body(m);
    return tern_coap_perr(err, code, off, reason, true);
}

/* Reads the extended part of an option delta or length (RFC 7252 §3.1):
 * nibble 13 → one more byte + 13, 14 → two more bytes + 269. */
static int read_ext(const uint8_t *buf, size_t *pos, size_t end, uint32_t nib, uint32_t *out)
{
    if (nib < 13) {
        *out = nib;
        return TERN_OK;
    }
    if (nib == 13) {
        if (end - *pos < 1)
            return TERN_ETRUNCATED;
        *out = (uint32_t)buf[*pos] + 13u;
        *pos += 1;
        return TERN_OK;
    }
    if (end - *pos < 2)
        return TERN_ETRUNCATED;
    *out = (uint32_t)tern_be16(buf + *pos) + 269u;
    *pos += 2;
    return TERN_OK;
}

int tern_coap_parse_body(tern_coap_msg *m, const uint8_t *buf, size_t pos, size_t end,
                         tern_coap_parse_err *err)
{
    uint32_t num = 0;
    m->opt_count = 0;
    m->payload = NULL;
    m->payload_len = 0;
    while (pos < end) {
        size_t at = pos;
        uint8_t b = buf[pos++];
        if (b == 0xFF) {
            /* RFC 7252 §3: a marker followed by a zero-length payload is a
             * message format error. */
            if (pos == end)
                return body_fail(m, err, TERN_EMALFORMED, at, "payload marker without payload");
            m->payload = buf + pos;
            m->payload_len = end - pos;
            return TERN_OK;
        }
        uint32_t dnib = (uint32_t)(b >> 4), lnib = (uint32_t)(b & 0x0f);
        /* RFC 7252 §3.1: nibble 15 is reserved (other than in 0xFF). */
        if (dnib == 15)
            return body_fail(m, err, TERN_EMALFORMED, at, "option delta 15 is reserved");
        if (lnib == 15)
            return body_fail(m, err, TERN_EMALFORMED, at, "option length 15 is reserved");
        uint32_t delta, olen;
        if (read_ext(buf, &pos, end, dnib, &delta) != TERN_OK)
            return body_fail(m, err, TERN_ETRUNCATED, at, "extended option delta truncated");
        if (read_ext(buf, &pos, end, lnib, &olen) != TERN_OK)
            return body_fail(m, err, TERN_ETRUNCATED, at, "extended option length truncated");
        num += delta;
        if (num > UINT16_MAX)
            return body_fail(m, err, TERN_EMALFORMED, at, "option number above 65535");
        if (olen > end - pos)
            return body_fail(m, err, TERN_ETRUNCATED, at, "option value past the end");
        if (olen > UINT16_MAX)
            return body_fail(m, err, TERN_ETOOBIG, at, "option value longer than 65535 bytes");
        if (m->opt_count >= TERN_COAP_MAX_OPTIONS)
            return body_fail(m, err, TERN_ETOOBIG, at, "more options than TERN_COAP_MAX_OPTIONS");
        tern_coap_opt *o = &m->opts[m->opt_count++];
        o->num = (uint16_t)num;
        o->len = (uint16_t)olen;
        o->val = buf + pos;
        pos += olen;
    }
    return TERN_OK;
}

int tern_coap_check_encodable(const tern_coap_msg *m)
{
    if (m->token_len > TERN_COAP_MAX_TOKEN || m->opt_count > TERN_COAP_MAX_OPTIONS)
        return TERN_EINVAL;
    for (size_t i = 0; i < m->opt_count; i++) {
        const tern_coap_opt *o = &m->opts[i];
        if (o->len && !o->val)
            return TERN_EINVAL;
        /* RFC 7252 §3.1: options appear in order of their numbers. */
        if (i && o->num < m->opts[i - 1].num)
            return TERN_EINVAL;
    }
    if (m->payload_len && !m->payload)
        return TERN_EINVAL;
    return TERN_OK;
}

static size_t ext_len(uint32_t v)
{
    return v < 13 ? 0 : v < 269 ? 1 : 2;
}

static uint8_t nibble(uint32_t v)
{
    return (uint8_t)(v < 13 ? v : v < 269 ? 13 : 14);
}

static uint8_t *put_ext(uint8_t *p, uint32_t v)
{
    if (v >= 269) {
        v -= 269;
        *p++ = (uint8_t)(v >> 8);
        *p++ = (uint8_t)v;
    } else if (v >= 13) {
        *p++ = (uint8_t)(v - 13);
    }
    return p;
}

size_t tern_coap_body_len(const tern_coap_msg *m)
{
    size_t n = 0;
    uint32_t prev = 0;
    for (size_t i = 0; i < m->opt_count; i++) {
        const tern_coap_opt *o = &m->opts[i];
        n += 1 + ext_len(o->num - prev) + ext_len(o->len) + o->len;
        prev = o->num;
    }
    if (m->payload_len)
        n += 1 + m->payload_len;
    return n;
}

size_t tern_coap_write_body(const tern_coap_msg *m, uint8_t *out)
{
    uint8_t *p = out;
    uint32_t prev = 0;
    for (size_t i = 0; i < m->opt_count; i++) {
        const tern_coap_opt *o = &m->opts[i];
        uint32_t delta = o->num - prev;
        *p++ = (uint8_t)(nibble(delta) << 4 | nibble(o->len));
        p = put_ext(p, delta);
        p = put_ext(p, o->len);
        if (o->len)
            memcpy(p, o->val, o->len);
        p += o->len;
        prev = o->num;
    }
    if (m->payload_len) {
        *p++ = 0xFF; /* RFC 7252 §3: marker only when a payload follows */
        memcpy(p, m->payload, m->payload_len);
        p += m->payload_len;
    }
    return (size_t)(p - out);
}

/* ---- UDP ---- */

int tern_coap_decode_udp(tern_coap_msg *m, const uint8_t *buf, size_t len, tern_coap_parse_err *err)
{
    tern_coap_msg_init(m, TERN_COAP_CON, 0, 0);
    if (err)
        err->mid_ok = false;
    if (!buf || len < 4)
        return tern_coap_perr(err, TERN_ETRUNCATED, 0, "shorter than the 4-byte header", false);
    /* RFC 7252 §3: Ver must be 1; unknown versions are silently ignored. */
    if ((buf[0] >> 6) != 1)
        return tern_coap_perr(err, TERN_EMALFORMED, 0, "version is not 1", false);
    size_t tkl = (size_t)(buf[0] & 0x0f);
    m->type = (uint8_t)((buf[0] >> 4) & 3);
    m->code = buf[1];
    m->mid = tern_be16(buf + 2);
    if (err)
        err->mid_ok = true; /* enough for a RST (RFC 7252 §4.2) */
    /* RFC 7252 §3: TKL 9-15 are reserved → message format error. */
    if (tkl > TERN_COAP_MAX_TOKEN)
        return tern_coap_perr(err, TERN_EMALFORMED, 0, "token length 9-15 is reserved", false);
    if (len - 4 < tkl)
        return tern_coap_perr(err, TERN_ETRUNCATED, 4, "token past the end", false);
    memcpy(m->token, buf + 4, tkl);
    m->token_len = (uint8_t)tkl;
    /* RFC 7252 §4.1: an Empty message has no token, options or payload. */
    if (m->code == TERN_COAP_EMPTY && (tkl || len > 4))
        return tern_coap_perr(err, TERN_EMALFORMED, 4, "Empty message with token, options or payload",
                              true);
    /* Signaling codes exist only in RFC 8323 framing. */
    if (tern_coap_is_signal(m->code))
        return tern_coap_perr(err, TERN_EMALFORMED, 1, "signaling code 7.xx over UDP", true);
    return tern_coap_parse_body(m, buf, 4 + tkl, len, err);
}

static int check_udp(const tern_coap_msg *m)
{
    int rc = tern_coap_check_encodable(m);
    if (rc)
        return rc;
    if (m->type > TERN_COAP_RST || tern_coap_is_signal(m->code))
        return TERN_EINVAL;
    if (m->code == TERN_COAP_EMPTY && (m->token_len || m->opt_count || m->payload_len))
        return TERN_EINVAL; /* RFC 7252 §4.1 */
    return TERN_OK;
}

size_t tern_coap_encoded_len_udp(const tern_coap_msg *m)
{
    if (check_udp(m))
        return 0;
    return 4 + (size_t)m->token_len + tern_coap_body_len(m);
}

int tern_coap_encode_udp(const tern_coap_msg *m, uint8_t *out, size_t cap)
{
    int rc = check_udp(m);
    if (rc)
        return rc;
    size_t total = 4 + (size_t)m->token_len + tern_coap_body_len(m);
    if (total > INT_MAX)
        return TERN_EINVAL;
    if (!out || cap < total)
        return TERN_ENOMEM;
    out[0] = (uint8_t)(1u << 6 | (unsigned)m->type << 4 | m->token_len);
    out[1] = m->code;
    out[2] = (uint8_t)(m->mid >> 8);
    out[3] = (uint8_t)m->mid;
    if (m->token_len)
        memcpy(out + 4, m->token, m->token_len);
    tern_coap_write_body(m, out + 4 + m->token_len);
    return (int)total;
}

const char *tern_coap_code_str(uint8_t code, char out[5])
{
    unsigned c = TERN_COAP_CLASS(code), dd = TERN_COAP_DETAIL(code);
    out[0] = (char)('0' + c);
    out[1] = '.';
    out[2] = (char)('0' + dd / 10);
    out[3] = (char)('0' + dd % 10);
    out[4] = '\0';
    return out;
}
