/* tern — base64 (RFC 4648 §4) and base64url (§5) for the JSON formats.
 * Internal header. */
#ifndef TERN_CODEC_BASE64_H
#define TERN_CODEC_BASE64_H

#include "tern/base.h"

enum {
    TERN_B64_URL = 1u << 0,   /* alphabet of §5 ('-', '_') instead of §4 */
    TERN_B64_PAD = 1u << 1,   /* encode: write '=' padding */
    TERN_B64_ANY = 1u << 2,   /* decode: accept both alphabets */
};

/* Encoded length of n bytes. */
size_t tern_b64_enc_len(size_t n, unsigned flags);
/* Writes the encoding of src[0..n) to w; TERN_ENOMEM if it does not fit
 * (nothing written then). */
int tern_b64_encode(tern_wbuf *w, const uint8_t *src, size_t n, unsigned flags);
/* Decodes src[0..n) into dst (may be the same memory as src: decoding is
 * done front to back and never overtakes the reader). Padding is optional
 * but, when present, must be complete; the unused bits of the last
 * character must be zero (RFC 4648 §3.5). Returns the decoded length or
 * TERN_EMALFORMED. dst must hold n * 3 / 4 bytes. */
int tern_b64_decode(uint8_t *dst, const uint8_t *src, size_t n, unsigned flags, size_t *out_len);

#endif
