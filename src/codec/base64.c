/* tern — base64 / base64url (RFC 4648). */
#include "codec/base64.h"

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t tern_b64_enc_len(size_t n, unsigned flags)
{
    if (flags & TERN_B64_PAD)
        return (n + 2) / 3 * 4;
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

int tern_b64_encode(tern_wbuf *w, const uint8_t *src, size_t n, unsigned flags)
{
    size_t need = tern_b64_enc_len(n, flags);
    if (need > w->cap - w->len)
        return TERN_ENOMEM;
    const char *al = (flags & TERN_B64_URL) ? b64_url : b64_std;
    uint8_t *o = w->ptr + w->len;
    size_t i = 0, k = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = ((uint32_t)src[i] << 16) | ((uint32_t)src[i + 1] << 8) | src[i + 2];
        o[k++] = (uint8_t)al[(v >> 18) & 63];
        o[k++] = (uint8_t)al[(v >> 12) & 63];
        o[k++] = (uint8_t)al[(v >> 6) & 63];
        o[k++] = (uint8_t)al[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)src[i] << 16;
        o[k++] = (uint8_t)al[(v >> 18) & 63];
        o[k++] = (uint8_t)al[(v >> 12) & 63];
        if (flags & TERN_B64_PAD) {
            o[k++] = '=';
            o[k++] = '=';
        }
    } else if (n - i == 2) {
        uint32_t v = ((uint32_t)src[i] << 16) | ((uint32_t)src[i + 1] << 8);
        o[k++] = (uint8_t)al[(v >> 18) & 63];
        o[k++] = (uint8_t)al[(v >> 12) & 63];
        o[k++] = (uint8_t)al[(v >> 6) & 63];
        if (flags & TERN_B64_PAD)
            o[k++] = '=';
    }
    w->len += k;
    return TERN_OK;
}

static int b64_val(uint8_t c, unsigned flags)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    bool url = (flags & (TERN_B64_URL | TERN_B64_ANY)) != 0;
    bool std = !(flags & TERN_B64_URL) || (flags & TERN_B64_ANY);
    if (std && c == '+')
        return 62;
    if (std && c == '/')
        return 63;
    if (url && c == '-')
        return 62;
    if (url && c == '_')
        return 63;
    return -1;
}

int tern_b64_decode(uint8_t *dst, const uint8_t *src, size_t n, unsigned flags, size_t *out_len)
{
    size_t pad = 0;
    if (n % 4 == 0 && n >= 4) {
        if (src[n - 1] == '=')
            pad++;
        if (src[n - 2] == '=')
            pad++;
    }
    size_t m = n - pad; /* data characters */
    if (m % 4 == 1)
        return TERN_EMALFORMED;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        int v = b64_val(src[i], flags);
        if (v < 0)
            return TERN_EMALFORMED;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dst[k++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    if (acc != 0) /* non-zero unused bits */
        return TERN_EMALFORMED;
    if (pad && (m % 4) + pad != 4)
        return TERN_EMALFORMED;
    *out_len = k;
    return TERN_OK;
}
