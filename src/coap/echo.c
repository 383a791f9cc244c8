/* Echo option values (RFC 9175 §2): stateless freshness tokens. A value is
 * 4 bytes of the issue time (ms, truncated to 32 bits) followed by an 8-byte
 * SipHash-2-4 MAC over (time, peer) under a per-endpoint random key, so the
 * server verifies a retried request without keeping a table (§2.3: the
 * value need only be verifiable by its issuer). */
#include <string.h>

#include "coap/ep_internal.h"

static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#define SIPROUND                                                                                     \
    do {                                                                                             \
        v0 += v1;                                                                                    \
        v1 = rotl(v1, 13);                                                                           \
        v1 ^= v0;                                                                                    \
        v0 = rotl(v0, 32);                                                                           \
        v2 += v3;                                                                                    \
        v3 = rotl(v3, 16);                                                                           \
        v3 ^= v2;                                                                                    \
        v0 += v3;                                                                                    \
        v3 = rotl(v3, 21);                                                                           \
        v3 ^= v0;                                                                                    \
        v2 += v1;                                                                                    \
        v1 = rotl(v1, 17);                                                                           \
        v1 ^= v2;                                                                                    \
        v2 = rotl(v2, 32);                                                                           \
    } while (0)

/* SipHash-2-4 (Aumasson, Bernstein) over in[0..len). */
static uint64_t siphash(const uint8_t key[16], const uint8_t *in, size_t len)
{
    uint64_t k0 = le64(key), k1 = le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575u ^ k0, v1 = 0x646f72616e646f6du ^ k1;
    uint64_t v2 = 0x6c7967656e657261u ^ k0, v3 = 0x7465646279746573u ^ k1;
    size_t full = len & ~(size_t)7u;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = le64(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7u); i++)
        b |= (uint64_t)in[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static void mac(const tern_coap_ep *ep, const tern_coap_peer *peer, const uint8_t t[4], uint8_t out[8])
{
    uint8_t in[4 + 1 + TERN_COAP_PEER_MAX];
    memcpy(in, t, 4);
    in[4] = peer->len;
    memcpy(in + 5, peer->addr, peer->len);
    uint64_t h = siphash(ep->echo_key, in, 5u + peer->len);
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(h >> (8 * i));
}

void ep_echo_make(const tern_coap_ep *ep, const tern_coap_peer *peer, tern_time_ms now, uint8_t out[EP_ECHO_LEN])
{
    uint32_t t = (uint32_t)now;
    out[0] = (uint8_t)(t >> 24);
    out[1] = (uint8_t)(t >> 16);
    out[2] = (uint8_t)(t >> 8);
    out[3] = (uint8_t)t;
    mac(ep, peer, out, out + 4);
}

bool ep_echo_check(const tern_coap_ep *ep, const tern_coap_peer *peer, tern_time_ms now, const uint8_t *v,
                   size_t len)
{
    if (len != EP_ECHO_LEN)
        return false;
    uint8_t m[8];
    mac(ep, peer, v, m);
    uint8_t diff = 0;
    for (int i = 0; i < 8; i++)
        diff |= (uint8_t)(m[i] ^ v[4 + i]);
    if (diff)
        return false;
    uint32_t age = (uint32_t)now - tern_be32(v); /* modulo 2^32 */
    return age <= ep->cfg.echo_window_ms;        /* §2.3 freshness window */
}
