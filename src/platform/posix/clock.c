/* tern — POSIX platform: clocks and getrandom(2) randomness. */
#include "tern/posix.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0; /* cannot fail for these clocks on Linux */
    return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
}

tern_time_ms tern_posix_now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

int64_t tern_posix_realtime_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

int tern_posix_rng_fill(void *ctx, void *out, size_t n)
{
    (void)ctx;
    unsigned char *p = out;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return TERN_EIO;
        }
        p += r;
        n -= (size_t)r;
    }
    return TERN_OK;
}

tern_rng tern_posix_rng(void)
{
    tern_rng r = {tern_posix_rng_fill, NULL};
    return r;
}
