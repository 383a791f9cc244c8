/* Small helpers shared by the TLV, plain-text, opaque and link-format
 * codecs (internal; static inline so each file keeps its own copy). */
#ifndef TERN_CODEC_FMT_UTIL_H
#define TERN_CODEC_FMT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Length of the longest prefix of p[0..n) that is complete, valid UTF-8
 * (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
 * *bad is set when an invalid sequence starts at the returned index; when
 * it is clear and the result is < n, the tail is an incomplete sequence. */
static inline size_t tern_utf8_prefix(const uint8_t *p, size_t n, int *bad)
{
    size_t i = 0;
    *bad = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t k;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            k = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            *bad = 1;
            return i;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n)
                return i; /* incomplete */
            uint8_t cc = p[i + j];
            uint8_t l = j == 1 ? lo : 0x80, h = j == 1 ? hi : 0xBF;
            if (cc < l || cc > h) {
                *bad = 1;
                return i;
            }
        }
        i += k + 1;
    }
    return i;
}

#endif
