/* Minimal test harness: CHECK* macros count failures, each test file's main()
 * calls TRUN(fn) for every test and returns tdone(). Output ends with a
 * "N passed, N failed" line per file. */
#ifndef TERN_THARNESS_H
#define TERN_THARNESS_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int t_checks, t_failed_checks, t_tests, t_failed_tests, t_cur_failed;

#define CHECK(cond)                                                                                  \
    do {                                                                                             \
        t_checks++;                                                                                  \
        if (!(cond)) {                                                                               \
            t_failed_checks++;                                                                       \
            t_cur_failed = 1;                                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                 \
        }                                                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                               \
    do {                                                                                             \
        long long _a = (long long)(a), _b = (long long)(b);                                          \
        t_checks++;                                                                                  \
        if (_a != _b) {                                                                              \
            t_failed_checks++;                                                                       \
            t_cur_failed = 1;                                                                        \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, \
                    #a, #b, _a, _b);                                                                 \
        }                                                                                            \
    } while (0)

#define CHECK_MEM(p, q, n)                                                                           \
    do {                                                                                             \
        t_checks++;                                                                                  \
        if (memcmp((p), (q), (n)) != 0) {                                                            \
            t_failed_checks++;                                                                       \
            t_cur_failed = 1;                                                                        \
            fprintf(stderr, "%s:%d: CHECK_MEM failed: %s vs %s\n", __FILE__, __LINE__, #p, #q);      \
        }                                                                                            \
    } while (0)

#define CHECK_STR(a, b)                                                                              \
    do {                                                                                             \
        const char *_a = (a), *_b = (b);                                                             \
        t_checks++;                                                                                  \
        if (!_a || !_b || strcmp(_a, _b) != 0) {                                                     \
            t_failed_checks++;                                                                       \
            t_cur_failed = 1;                                                                        \
            fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__,       \
                    _a ? _a : "(null)", _b ? _b : "(null)");                                         \
        }                                                                                            \
    } while (0)

#define TRUN(fn)                                                                                     \
    do {                                                                                             \
        t_cur_failed = 0;                                                                            \
        t_tests++;                                                                                   \
        fn();                                                                                        \
        if (t_cur_failed) {                                                                          \
            t_failed_tests++;                                                                        \
            fprintf(stderr, "FAIL %s\n", #fn);                                                       \
        }                                                                                            \
    } while (0)

static inline int tdone(void)
{
    printf("%d checks; %d passed, %d failed\n", t_checks, t_tests - t_failed_tests, t_failed_tests);
    return t_failed_tests || t_tests == 0 || t_checks == 0 ? 1 : 0;
}

/* Hex helper: parses "a1 b2c3" into out, returns length or -1. */
static inline int thex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9') v = *s - '0';
        else if (*s >= 'a' && *s <= 'f') v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F') v = *s - 'A' + 10;
        else if (*s == ' ' || *s == '\n' || *s == ':') continue;
        else return -1;
        if (hi < 0) hi = v;
        else {
            if (n >= cap) return -1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? (int)n : -1;
}

#endif
