/* tern — CoAP over reliable transports: RFC 8323 §3.2 framing.
 *
 *   Len(4) TKL(4) | Extended Length (0/1/2/4) | Code | Token | Options | 0xFF Payload
 *
 * Len counts the bytes from the first option byte to the end of the payload;
 * 13 → 1 extra byte (Len - 13), 14 → 2 extra bytes (Len - 269), 15 → 4
 * extra bytes (Len - 65805). */
#include "coap/msg_internal.h"

#include <limits.h>
#include <string.h>

static size_t ext_bytes(unsigned nib)
{
    return nib < 13 ? 0 : nib == 13 ? 1 : nib == 14 ? 2 : 4;
}

/* Parses the length part; TERN_AGAIN with a lower bound in *need. On
 * success *hdr is the size of Len/TKL + Extended Length + Code + Token, and
 * *body the size of options + payload. */
static int frame_parts(const uint8_t *buf, size_t len, size_t *hdr, uint64_t *body, size_t *need)
{
    if (len < 1) {
        *need = 2; /* the smallest frame: Len/TKL and Code */
        return TERN_AGAIN;
    }
    unsigned nib = buf[0] >> 4;
    size_t ext = ext_bytes(nib);
    size_t h = 1 + ext + 1 + (size_t)(buf[0] & 0x0f);
    if (len < 1 + ext) {
        *need = h + (nib == 13 ? 13u : nib == 14 ? 269u : 65805u);
        return TERN_AGAIN;
    }
    uint64_t b;
    switch (nib) {
    case 13: b = (uint64_t)buf[1] + 13u; break;
    case 14: b = (uint64_t)tern_be16(buf + 1) + 269u; break;
    case 15: b = (uint64_t)tern_be32(buf + 1) + 65805u; break;
    default: b = nib; break;
    }
    *hdr = h;
    *body = b;
    return TERN_OK;
}

int tern_coap_tcp_frame_len(const uint8_t *buf, size_t len, size_t *need)
{
    size_t hdr = 0;
    uint64_t body = 0;
    if (!need || (!buf && len))
        return TERN_EINVAL;
    int rc = frame_parts(buf, len, &hdr, &body, need);
    if (rc != TERN_OK)
        return rc;
    if (body > (uint64_t)(SIZE_MAX - hdr))
        return TERN_ETOOBIG; /* only possible where size_t is 32 bits */
    *need = hdr + (size_t)body;
    return TERN_OK;
}

int tern_coap_decode_tcp(tern_coap_msg *m, const uint8_t *buf, size_t len, tern_coap_parse_err *err)
{
    size_t hdr = 0, need = 0;
    uint64_t body = 0;
    tern_coap_msg_init(m, TERN_COAP_CON, 0, 0);
    if (err)
        err->mid_ok = false;
    if (!buf || frame_parts(buf, len, &hdr, &body, &need) != TERN_OK)
        return tern_coap_perr(err, TERN_ETRUNCATED, 0, "frame header truncated", false);
    size_t tkl = (size_t)(buf[0] & 0x0f);
    size_t code_at = hdr - 1 - tkl;
    if (len <= code_at)
        return tern_coap_perr(err, TERN_ETRUNCATED, code_at, "code past the end", false);
    m->code = buf[code_at];
    /* RFC 8323 §3.2 keeps RFC 7252's TKL: 9-15 are a message format error. */
    if (tkl > TERN_COAP_MAX_TOKEN)
        return tern_coap_perr(err, TERN_EMALFORMED, 0, "token length 9-15 is reserved", false);
    if (len - code_at - 1 < tkl)
        return tern_coap_perr(err, TERN_ETRUNCATED, code_at + 1, "token past the end", false);
    memcpy(m->token, buf + code_at + 1, tkl);
    m->token_len = (uint8_t)tkl;
    if (body > (uint64_t)(len - hdr))
        return tern_coap_perr(err, TERN_ETRUNCATED, len, "frame longer than the input", true);
    if (body < (uint64_t)(len - hdr))
        return tern_coap_perr(err, TERN_EMALFORMED, hdr + (size_t)body, "bytes after the frame",
                              true);
    return tern_coap_parse_body(m, buf, hdr, len, err);
}

static size_t tcp_len(const tern_coap_msg *m, size_t *body_out)
{
    size_t body = tern_coap_body_len(m);
    size_t ext = body < 13 ? 0 : body < 269 ? 1 : body < 65805 ? 2 : 4;
    *body_out = body;
    return 1 + ext + 1 + (size_t)m->token_len + body;
}

size_t tern_coap_encoded_len_tcp(const tern_coap_msg *m)
{
    size_t body;
    if (tern_coap_check_encodable(m))
        return 0;
    return tcp_len(m, &body);
}

int tern_coap_encode_tcp(const tern_coap_msg *m, uint8_t *out, size_t cap)
{
    int rc = tern_coap_check_encodable(m);
    if (rc)
        return rc;
    size_t body;
    size_t total = tcp_len(m, &body);
    if (total > INT_MAX)
        return TERN_EINVAL;
    if (!out || cap < total)
        return TERN_ENOMEM;
    uint8_t *p = out;
    if (body < 13) {
        *p++ = (uint8_t)(body << 4 | m->token_len);
    } else if (body < 269) {
        *p++ = (uint8_t)(13u << 4 | m->token_len);
        *p++ = (uint8_t)(body - 13);
    } else if (body < 65805) {
        size_t v = body - 269;
        *p++ = (uint8_t)(14u << 4 | m->token_len);
        *p++ = (uint8_t)(v >> 8);
        *p++ = (uint8_t)v;
    } else {
        uint32_t v = (uint32_t)(body - 65805);
        *p++ = (uint8_t)(15u << 4 | m->token_len);
        *p++ = (uint8_t)(v >> 24);
        *p++ = (uint8_t)(v >> 16);
        *p++ = (uint8_t)(v >> 8);
        *p++ = (uint8_t)v;
    }
    *p++ = m->code;
    if (m->token_len)
        memcpy(p, m->token, m->token_len);
    p += m->token_len;
    tern_coap_write_body(m, p);
    return (int)total;
}
