/* bench_store: puts/s, gets/s and iteration of registration-sized records
 * in the SQLite store, WAL + synchronous=FULL (fsync per put: what the
 * server uses so that an acknowledged registration survives power loss)
 * and WAL + synchronous=NORMAL, with the in-memory store for reference.
 *   bench_store [dir]     (default $TMPDIR or /tmp; the file system matters) */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tern/store_sqlite.h"

#define REC_LEN 140 /* a tern_server_reg_encode() record with ~10 object links */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int visit(void *ctx, const uint8_t *k, size_t kl, const uint8_t *b, size_t bl)
{
    (void)k, (void)b;
    *(size_t *)ctx += kl + bl;
    return 0;
}

static void run(const char *label, tern_store st, int n_put, int n_get)
{
    uint8_t blob[REC_LEN], out[REC_LEN];
    char key[40];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 13);
    double t0 = now_s();
    for (int i = 0; i < n_put; i++) {
        int kl = snprintf(key, sizeof key, "urn:imei:35%013d", i);
        blob[1] = (uint8_t)i;
        if (st.ops->put(st.ctx, TERN_REC_REGISTRATION, (const uint8_t *)key, (size_t)kl, blob, sizeof blob) != 0) {
            printf("%s: put failed\n", label);
            return;
        }
    }
    double t_put = now_s() - t0;
    unsigned x = 12345;
    t0 = now_s();
    for (int i = 0; i < n_get; i++) {
        x = x * 1103515245u + 12345u;
        int kl = snprintf(key, sizeof key, "urn:imei:35%013d", (int)((x >> 8) % (unsigned)n_put));
        size_t bl = 0;
        if (st.ops->get(st.ctx, TERN_REC_REGISTRATION, (const uint8_t *)key, (size_t)kl, out, sizeof out, &bl) != 0) {
            printf("%s: get failed\n", label);
            return;
        }
    }
    double t_get = now_s() - t0;
    size_t bytes = 0;
    t0 = now_s();
    st.ops->iterate(st.ctx, TERN_REC_REGISTRATION, visit, &bytes);
    double t_it = now_s() - t0;
    printf("%-30s puts %9.0f/s (%6.3f ms each, %d)   gets %9.0f/s (%d)   iterate %9.0f records/s\n", label,
           n_put / t_put, t_put * 1e3 / n_put, n_put, n_get / t_get, n_get, n_put / t_it);
}

static void *a_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return malloc(n);
}
static void a_free(void *ctx, void *p, size_t n)
{
    (void)ctx, (void)n;
    free(p);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : getenv("TMPDIR");
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/tern-bench-store-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    printf("bench_store: %d-byte registration records, database in %s\n", REC_LEN, dir);
    static const struct {
        const char *label;
        uint8_t sync;
        int puts, gets;
    } modes[] = {
        {"sqlite WAL synchronous=FULL", TERN_SQLITE_SYNC_FULL, 500, 100000},
        {"sqlite WAL synchronous=NORMAL", TERN_SQLITE_SYNC_NORMAL, 50000, 200000},
    };
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        snprintf(path, sizeof path, "%s/bench-%zu.db", dir, m);
        tern_store_sqlite db;
        tern_store_sqlite_cfg c = {.path = path, .synchronous = modes[m].sync};
        if (tern_store_sqlite_open(&db, &c) != 0) {
            printf("open: %s\n", db.errmsg);
            return 1;
        }
        run(modes[m].label, tern_store_sqlite_as_store(&db), modes[m].puts, modes[m].gets);
        tern_store_sqlite_close(&db);
    }
    tern_store_mem mem;
    tern_alloc al = {a_alloc, a_free, NULL};
    tern_store_mem_init(&mem, &al);
    run("memory (reference)", tern_store_mem_as_store(&mem), 50000, 200000);
    tern_store_mem_deinit(&mem);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
