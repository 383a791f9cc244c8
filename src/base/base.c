/* tern — base layer implementation: errors, writers, PRNG, log, arena. */
#include "tern/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef TERN_WITH_LOG
#define TERN_WITH_LOG 1
#endif

const char *tern_strerror(int err)
{
    switch (err) {
    case TERN_OK: return "success";
    case TERN_AGAIN: return "more input or output room needed";
    case TERN_INPROGRESS: return "in progress";
    case TERN_DONE: return "done";
    case TERN_EINVAL: return "invalid argument";
    case TERN_ENOMEM: return "buffer or memory too small";
    case TERN_EMALFORMED: return "malformed input";
    case TERN_ETRUNCATED: return "input truncated";
    case TERN_ERANGE: return "value out of range";
    case TERN_ENOTFOUND: return "not found";
    case TERN_EEXIST: return "already exists";
    case TERN_EUNSUPPORTED: return "not supported";
    case TERN_ETIMEOUT: return "timed out (gave up)";
    case TERN_ESTATE: return "not allowed in the current state";
    case TERN_EIO: return "I/O error";
    case TERN_EPERM: return "not permitted";
    case TERN_EFULL: return "table full";
    case TERN_ERESET: return "reset by peer";
    case TERN_ECANCELED: return "cancelled";
    case TERN_ETYPE: return "type mismatch";
    case TERN_EDUPLICATE: return "duplicate item";
    case TERN_ETOOBIG: return "too large";
    case TERN_EBADOPT: return "unrecognised critical option";
    default: return "unknown error";
    }
}

int tern_wbuf_put(tern_wbuf *w, const void *data, size_t n)
{
    if (n > w->cap - w->len)
        return TERN_ENOMEM;
    if (n)
        memcpy(w->ptr + w->len, data, n);
    w->len += n;
    return TERN_OK;
}

int tern_wbuf_put_u8(tern_wbuf *w, uint8_t b)
{
    return tern_wbuf_put(w, &b, 1);
}

/* xoshiro128** (Blackman & Vigna), seeded through splitmix64. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void tern_xrng_seed(tern_xrng *x, uint64_t seed)
{
    uint64_t a = splitmix64(&seed), b = splitmix64(&seed);
    x->s[0] = (uint32_t)a;
    x->s[1] = (uint32_t)(a >> 32);
    x->s[2] = (uint32_t)b;
    x->s[3] = (uint32_t)(b >> 32) | 1u;
}

static uint32_t rotl32(uint32_t v, int k)
{
    return (v << k) | (v >> (32 - k));
}

uint32_t tern_xrng_next(tern_xrng *x)
{
    uint32_t *s = x->s;
    uint32_t r = rotl32(s[1] * 5u, 7) * 9u;
    uint32_t t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl32(s[3], 11);
    return r;
}

static int xrng_fill(void *ctx, void *out, size_t n)
{
    uint8_t *p = out;
    while (n) {
        uint32_t v = tern_xrng_next(ctx);
        size_t k = n < 4 ? n : 4;
        memcpy(p, &v, k);
        p += k;
        n -= k;
    }
    return TERN_OK;
}

tern_rng tern_xrng_as_rng(tern_xrng *x)
{
    tern_rng r = {xrng_fill, x};
    return r;
}

uint32_t tern_rng_below(const tern_rng *rng, uint32_t bound)
{
    /* Rejection sampling removes modulo bias. */
    uint32_t limit = UINT32_MAX - (UINT32_MAX % bound);
    for (;;) {
        uint32_t v = 0;
        if (rng->fill(rng->ctx, &v, sizeof v) != TERN_OK)
            return 0;
        if (v < limit)
            return v % bound;
    }
}

void tern_logf(const tern_log *log, tern_log_level level, const char *module, const char *fmt, ...)
{
#if TERN_WITH_LOG
    if (!log || !log->fn || level > log->max_level)
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log->fn(log->ctx, level, module, buf);
#else
    (void)log;
    (void)level;
    (void)module;
    (void)fmt;
#endif
}

void tern_arena_init(tern_arena *a, void *mem, size_t cap)
{
    a->base = mem;
    a->cap = cap;
    a->used = 0;
}

void *tern_arena_alloc(tern_arena *a, size_t size, size_t align)
{
    if (align == 0 || (align & (align - 1)) != 0)
        return NULL;
    uintptr_t start = (uintptr_t)a->base + a->used;
    uintptr_t aligned = (start + (align - 1)) & ~(uintptr_t)(align - 1);
    size_t pad = (size_t)(aligned - start);
    if (pad > a->cap - a->used || size > a->cap - a->used - pad)
        return NULL;
    a->used += pad + size;
    return (void *)aligned;
}

void tern_arena_reset(tern_arena *a)
{
    a->used = 0;
}
