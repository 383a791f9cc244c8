/* DTLS handshakes per second in memory (two tern_tls sessions back to back,
 * GnuTLS backend): PSK (TLS_PSK_WITH_AES_128_CCM_8) and RPK
 * (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, P-256), with CPU time per handshake
 * (getrusage, both sides together) and bytes on the wire. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tern/tls.h"

typedef struct q {
    uint8_t *m[64];
    size_t n[64];
    int count;
    size_t bytes;
} q;

static int out_fn(void *ctx, const uint8_t *d, size_t n)
{
    q *o = ctx;
    if (o->count >= 64)
        return TERN_EFULL;
    o->m[o->count] = malloc(n);
    memcpy(o->m[o->count], d, n);
    o->n[o->count++] = n;
    o->bytes += n;
    return 0;
}

static void deliver(q *from, tern_tls_session *to)
{
    q tmp = *from;
    from->count = 0;
    for (int i = 0; i < tmp.count; i++) {
        (void)tern_tls_feed(to, tmp.m[i], tmp.n[i], 0);
        free(tmp.m[i]);
    }
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(const char *name, tern_tls_ctx *cc, tern_tls_ctx *sc, int n)
{
    double w0 = wall_s(), c0 = cpu_s();
    size_t bytes = 0;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        q cq = {0}, sq = {0};
        tern_tls_session *c = NULL, *s = NULL;
        tern_tls_session_cfg ccfg = {out_fn, NULL, &cq, NULL, {NULL, 0}};
        tern_tls_session_cfg scfg = {out_fn, NULL, &sq, NULL, {NULL, 0}};
        if (tern_tls_session_new(cc, &ccfg, &c) || tern_tls_session_new(sc, &scfg, &s))
            break;
        (void)tern_tls_step(c, 0);
        for (int r = 0; r < 16 && (cq.count || sq.count); r++) {
            deliver(&cq, s);
            deliver(&sq, c);
        }
        ok += tern_tls_session_state(c) == TERN_TLS_ESTABLISHED && tern_tls_session_state(s) == TERN_TLS_ESTABLISHED;
        bytes += cq.bytes + sq.bytes;
        tern_tls_session_free(c);
        tern_tls_session_free(s);
    }
    double w = wall_s() - w0, cpu = cpu_s() - c0;
    printf("%-28s %6d handshakes (%d ok)  %8.1f /s  %8.3f ms CPU each  %6zu bytes on the wire each\n", name, n, ok,
           n / w, cpu * 1000.0 / n, ok ? bytes / (size_t)ok : 0);
}

static tern_tls_ctx *mk(const tern_tls_config *c)
{
    tern_tls_ctx *ctx = NULL;
    char err[200];
    if (tern_tls_ctx_new(c, &ctx, err, sizeof err) < 0) {
        fprintf(stderr, "ctx: %s\n", err);
        exit(1);
    }
    return ctx;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 300;
    static const uint8_t key[16] = {1, 2, 3};
    tern_tls_config c = {0}, s = {0};
    c.role = TERN_TLS_CLIENT;
    s.role = TERN_TLS_SERVER;
    c.mode = s.mode = TERN_SEC_PSK;
    c.psk_identity = s.psk_identity = (tern_bytes){(const uint8_t *)"bench-ep", 8};
    c.psk_key = s.psk_key = (tern_bytes){key, sizeof key};
    tern_tls_ctx *cc = mk(&c), *sc = mk(&s);
    run("DTLS 1.2 PSK-CCM_8", cc, sc, n);
    tern_tls_ctx_free(cc);
    tern_tls_ctx_free(sc);

    uint8_t cp[128], ck[256], sp[128], sk[256];
    size_t cpl, ckl, spl, skl;
    if (tern_tls_ec_keygen(cp, sizeof cp, &cpl, ck, sizeof ck, &ckl) || tern_tls_ec_keygen(sp, sizeof sp, &spl, sk, sizeof sk, &skl))
        return 1;
    memset(&c, 0, sizeof c);
    memset(&s, 0, sizeof s);
    c.role = TERN_TLS_CLIENT;
    s.role = TERN_TLS_SERVER;
    c.mode = s.mode = TERN_SEC_RPK;
    c.own_public_key = (tern_bytes){cp, cpl};
    c.own_key = (tern_bytes){ck, ckl};
    c.peer_public_key = (tern_bytes){sp, spl};
    s.own_public_key = (tern_bytes){sp, spl};
    s.own_key = (tern_bytes){sk, skl};
    s.peer_public_key = (tern_bytes){cp, cpl};
    cc = mk(&c);
    sc = mk(&s);
    run("DTLS 1.2 RPK ECDHE-ECDSA P-256", cc, sc, n / 3 > 0 ? n / 3 : 1);
    tern_tls_ctx_free(cc);
    tern_tls_ctx_free(sc);
    return 0;
}
