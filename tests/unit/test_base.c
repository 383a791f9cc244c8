#include "tharness.h"
#include "tern/base.h"

static void test_strerror(void)
{
    for (int e = -19; e <= 3; e++)
        CHECK(strcmp(tern_strerror(e), "unknown error") != 0);
    CHECK_STR(tern_strerror(-1000), "unknown error");
}

static void test_wbuf(void)
{
    uint8_t mem[4];
    tern_wbuf w = tern_wbuf_make(mem, sizeof mem);
    CHECK_EQ(tern_wbuf_put(&w, "abc", 3), TERN_OK);
    CHECK_EQ(tern_wbuf_put(&w, "de", 2), TERN_ENOMEM);
    CHECK_EQ(w.len, 3);
    CHECK_EQ(tern_wbuf_put_u8(&w, 'x'), TERN_OK);
    CHECK_MEM(mem, "abcx", 4);
}

static void test_xrng(void)
{
    tern_xrng a, b;
    tern_xrng_seed(&a, 42);
    tern_xrng_seed(&b, 42);
    for (int i = 0; i < 100; i++)
        CHECK_EQ(tern_xrng_next(&a), tern_xrng_next(&b));
    tern_rng r = tern_xrng_as_rng(&a);
    int hist[10] = {0};
    for (int i = 0; i < 10000; i++) {
        uint32_t v = tern_rng_below(&r, 10);
        CHECK(v < 10);
        hist[v < 10 ? v : 0]++;
    }
    for (int i = 0; i < 10; i++)
        CHECK(hist[i] > 800 && hist[i] < 1200);
}

static void test_arena(void)
{
    _Alignas(16) uint8_t mem[64];
    tern_arena a;
    tern_arena_init(&a, mem, sizeof mem);
    uint8_t *p = tern_arena_alloc(&a, 3, 1);
    CHECK(p == mem);
    uint32_t *q = tern_arena_alloc(&a, 8, 4);
    CHECK(((uintptr_t)q & 3) == 0);
    CHECK(tern_arena_alloc(&a, 100, 1) == NULL);
    CHECK(tern_arena_alloc(&a, 8, 3) == NULL);
    tern_arena_reset(&a);
    CHECK(tern_arena_alloc(&a, 64, 1) == mem);
}

static int log_calls;
static void log_fn(void *ctx, tern_log_level level, const char *module, const char *msg)
{
    (void)ctx;
    (void)level;
    log_calls += strcmp(module, "t") == 0 && strcmp(msg, "x=5") == 0;
}

static void test_log(void)
{
    tern_log l = {log_fn, NULL, TERN_LOG_INFO};
    tern_logf(&l, TERN_LOG_INFO, "t", "x=%d", 5);
    tern_logf(&l, TERN_LOG_DEBUG, "t", "x=%d", 5);
    tern_logf(NULL, TERN_LOG_ERROR, "t", "x");
    CHECK_EQ(log_calls, 1);
}

int main(void)
{
    TRUN(test_strerror);
    TRUN(test_wbuf);
    TRUN(test_xrng);
    TRUN(test_arena);
    TRUN(test_log);
    return tdone();
}
