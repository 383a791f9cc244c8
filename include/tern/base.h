/* tern — base layer: errors, byte views, time, randomness, logging, arena.
 *
 * Everything here is free of I/O and global state. The layers above take
 * their clock readings, randomness and memory from the caller through the
 * types declared here.
 */
#ifndef TERN_BASE_H
#define TERN_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ------------------------------------------------------------
 * Functions return int: 0 (TERN_OK) on success, a positive "not yet" status
 * (TERN_AGAIN, TERN_INPROGRESS, TERN_DONE), or a negative tern_err. Each has a
 * message from tern_strerror(). Mapping errors to CoAP/HTTP/MQTT codes is done
 * in one function per binding, never here. */
typedef enum tern_err {
    TERN_OK = 0,
    TERN_AGAIN = 1,      /* need more input / output room; call again */
    TERN_INPROGRESS = 2, /* started; the result comes later via callback */
    TERN_DONE = 3,       /* iteration finished, nothing more to produce */

    TERN_EINVAL = -1,      /* invalid argument from the caller */
    TERN_ENOMEM = -2,      /* caller-provided memory or buffer is too small */
    TERN_EMALFORMED = -3,  /* input does not follow the wire format */
    TERN_ETRUNCATED = -4,  /* input ended in the middle of an element */
    TERN_ERANGE = -5,      /* value outside its allowed range */
    TERN_ENOTFOUND = -6,   /* no such path / option / exchange */
    TERN_EEXIST = -7,      /* already exists */
    TERN_EUNSUPPORTED = -8,/* valid, but not supported (by format, build or peer) */
    TERN_ETIMEOUT = -9,    /* gave up waiting (retransmissions exhausted) */
    TERN_ESTATE = -10,     /* operation not allowed in the current state */
    TERN_EIO = -11,        /* platform I/O failure */
    TERN_EPERM = -12,      /* not allowed (access control, credentials) */
    TERN_EFULL = -13,      /* a fixed-size table is full */
    TERN_ERESET = -14,     /* peer answered with RST */
    TERN_ECANCELED = -15,  /* cancelled by the caller */
    TERN_ETYPE = -16,      /* value type does not match its definition */
    TERN_EDUPLICATE = -17, /* the same item appears twice in the input */
    TERN_ETOOBIG = -18,    /* input is larger than the configured maximum */
    TERN_EBADOPT = -19,    /* unrecognised critical CoAP option */
} tern_err;

/* Human-readable message for any return value; never NULL. */
const char *tern_strerror(int err);

/* ---- byte views ---------------------------------------------------------- */

/* A read-only view: the bytes are owned by whoever produced the view and
 * live as long as documented at the place that returns it. */
typedef struct tern_bytes {
    const uint8_t *ptr;
    size_t len;
} tern_bytes;

/* A bounded writer into caller memory. `len` bytes are used of `cap`. */
typedef struct tern_wbuf {
    uint8_t *ptr;
    size_t cap;
    size_t len;
} tern_wbuf;

static inline tern_wbuf tern_wbuf_make(uint8_t *p, size_t cap)
{
    tern_wbuf w = {p, cap, 0};
    return w;
}
/* Append n bytes; TERN_ENOMEM (and nothing written) when they do not fit. */
int tern_wbuf_put(tern_wbuf *w, const void *data, size_t n);
int tern_wbuf_put_u8(tern_wbuf *w, uint8_t b);

/* ---- time ----------------------------------------------------------------
 * Time is passed in: milliseconds of a monotonic clock chosen by the caller
 * (the POSIX platform uses CLOCK_MONOTONIC; tests use a virtual clock). */
typedef int64_t tern_time_ms;
#define TERN_TIME_NEVER INT64_MAX

/* ---- randomness ----------------------------------------------------------
 * Injected by the caller. fill() writes n random bytes to out, returns 0 or a
 * negative tern_err. Tests pass a seeded PRNG. */
typedef struct tern_rng {
    int (*fill)(void *ctx, void *out, size_t n);
    void *ctx;
} tern_rng;

/* Uniform random integer in [0, bound) from rng (bound > 0). */
uint32_t tern_rng_below(const tern_rng *rng, uint32_t bound);

/* Deterministic PRNG (xoshiro128**) for tests and simulations; use its
 * tern_rng adapter with tern_xrng_as_rng(). Not for keys or tokens in
 * production. */
typedef struct tern_xrng {
    uint32_t s[4];
} tern_xrng;
void tern_xrng_seed(tern_xrng *x, uint64_t seed);
uint32_t tern_xrng_next(tern_xrng *x);
tern_rng tern_xrng_as_rng(tern_xrng *x);

/* ---- logging ---------------------------------------------------------------
 * A hook set per context (client, endpoint, server), never globally. A NULL
 * function means silence. Secrets are never passed to a log hook. */
typedef enum tern_log_level {
    TERN_LOG_ERROR = 0,
    TERN_LOG_WARN = 1,
    TERN_LOG_INFO = 2,
    TERN_LOG_DEBUG = 3,
} tern_log_level;

typedef struct tern_log {
    void (*fn)(void *ctx, tern_log_level level, const char *module, const char *msg);
    void *ctx;
    tern_log_level max_level;
} tern_log;

#if defined(__GNUC__)
#define TERN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TERN_PRINTF(a, b)
#endif

/* Formats into a stack buffer of 256 bytes and calls the hook. Compiled out
 * entirely when TERN_WITH_LOG is defined to 0. */
void tern_logf(const tern_log *log, tern_log_level level, const char *module, const char *fmt, ...)
    TERN_PRINTF(4, 5);

/* ---- arena ------------------------------------------------------------------
 * A bump allocator over caller memory: the only allocator the client core
 * uses. Nothing is freed individually; tern_arena_reset() frees everything. */
typedef struct tern_arena {
    uint8_t *base;
    size_t cap;
    size_t used;
} tern_arena;

void tern_arena_init(tern_arena *a, void *mem, size_t cap);
/* Aligned allocation; NULL when the arena is exhausted (never aborts). */
void *tern_arena_alloc(tern_arena *a, size_t size, size_t align);
void tern_arena_reset(tern_arena *a);

/* ---- small helpers ---------------------------------------------------------- */
#define TERN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define TERN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define TERN_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Big-endian integer helpers used by the wire codecs. */
static inline uint16_t tern_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)(p[0] << 8) | p[1]);
}
static inline uint32_t tern_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ---- decimal text of doubles (src/base/fmt.c; exact, no libc) -------------
 * Reading rounds to nearest, ties to even, like a correct strtod(); writing
 * gives the digits a loop over printf("%.*e", P - 1) with P = 1..17 and a
 * strtod() read-back check would choose. The C locale's '.' always. */

/* Most significant digits tern_parse_double reads (trailing zeros of the
 * significand and leading zeros do not count). */
#define TERN_PARSE_DOUBLE_DIGITS 128

/* s[0..n): ["+"/"-"] *DIGIT ["." *DIGIT] [("e"/"E") ["+"/"-"] 1*DIGIT] with
 * at least one significand digit (callers check their own stricter
 * syntax first). TERN_OK with the nearest double (below half the smallest
 * subnormal: ±0); TERN_ERANGE (*out = ±infinity) when it rounds beyond
 * DBL_MAX; TERN_EMALFORMED; TERN_ETOOBIG above TERN_PARSE_DOUBLE_DIGITS. */
int tern_parse_double(const char *s, size_t n, double *out);

/* ±d[0].d[1]…d[n-1] × 10^exp; d holds ASCII digits, no trailing zeros
 * (n == 1 for zero). */
typedef struct tern_dec_digits {
    char d[20];
    uint8_t n;
    bool neg; /* the sign bit (-0.0 too) */
    int16_t exp;
} tern_dec_digits;

/* Shortest round-trip digits of a finite x: the first P in 1..17 whose
 * correctly rounded P-digit decimal reads back as x. TERN_ERANGE for NaN
 * and infinities. */
int tern_dtoa_shortest(double x, tern_dec_digits *out);
/* Same over fixed decimals: the first dec in 0..maxdec whose correctly
 * rounded value with dec digits after the point (printf "%.*f") reads back
 * (else dec = maxdec); the digits of that rounded value (0 → "0"). */
int tern_dtoa_fixed(double x, int maxdec, tern_dec_digits *out, int *dec);
/* x correctly rounded to p significant digits (p ≤ 17; p ≤ 0: 0 digits or
 * one unit of 10^(exp)); returns 1 when that reads back as x, else 0. */
int tern_dtoa_round(double x, int p, tern_dec_digits *out);
/* The plain-text Float form (LwM2M Core Appendix C as tern writes it):
 * shortest round-trip digits, ".0" on integral values, an exponent ("e21",
 * "e-21") only from 1e21 or below 1e-20. Not NUL-terminated; returns the
 * length, TERN_ENOMEM above cap (32 always suffices), TERN_ERANGE for
 * NaN/infinities. */
int tern_fmt_double(double x, char *out, size_t cap);
/* ±mag × 10^exp10 correctly rounded (CBOR decimal fractions); as
 * tern_parse_double: TERN_ERANGE with ±infinity beyond DBL_MAX. */
int tern_dec_to_double(bool neg, uint64_t mag, int exp10, double *out);

#ifdef __cplusplus
}
#endif
#endif /* TERN_BASE_H */
