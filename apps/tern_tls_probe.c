/* tern-tls-probe: a DTLS/TLS handshake over a real socket with tern's TLS
 * layer (tern/tls.h), for interop tests against gnutls-cli / gnutls-serv.
 *
 *   tern-tls-probe client|server [options]
 *     --port N            UDP (DTLS) or TCP (--tcp, TLS) port; client: --host A (127.0.0.1)
 *     --psk-id ID --psk-key HEX                        PSK mode
 *     --rpk-pub FILE --key FILE [--peer-pub FILE]      RPK mode (SPKI / private key, DER or PEM)
 *     --cert FILE --key FILE [--ca FILE] [--server-cert FILE --usage N] [--name HOST]   certificate mode
 *     --send LINE         application data to send, with a newline (client: first; server: as the reply)
 *     --expect LINE       application data that must arrive
 *     --timeout S         give up after S seconds (10)
 * Exit status 0 when the handshake succeeded and the data went both ways.
 * Prints the suite, the peer identity and any alert. */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tern/posix.h"
#include "tern/tls.h"

typedef struct probe {
    int fd;
    struct sockaddr_in peer;
    bool have_peer;
    bool tcp;
    const char *expect;
    bool got;
    char rx[4096];
    size_t rx_len;
} probe;

static int out_fn(void *ctx, const uint8_t *d, size_t n)
{
    probe *p = ctx;
    ssize_t r = p->tcp ? send(p->fd, d, n, MSG_NOSIGNAL)
                       : sendto(p->fd, d, n, 0, (const struct sockaddr *)&p->peer, sizeof p->peer);
    return r == (ssize_t)n ? 0 : TERN_EIO;
}

static void data_fn(void *ctx, const uint8_t *d, size_t n)
{
    probe *p = ctx;
    if (p->rx_len + n < sizeof p->rx) {
        memcpy(p->rx + p->rx_len, d, n);
        p->rx_len += n;
        p->rx[p->rx_len] = 0;
    }
    printf("received: %.*s\n", (int)n, (const char *)d);
    if (p->expect && strstr(p->rx, p->expect))
        p->got = true;
}

static int readfile(const char *path, tern_bytes *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = malloc(65536);
    size_t n = buf ? fread(buf, 1, 65536, f) : 0;
    fclose(f);
    out->ptr = buf;
    out->len = n;
    return buf ? 0 : -1;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; s[0] && s[1] && n < cap; s += 2) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void logfn(void *ctx, tern_log_level level, const char *module, const char *msg)
{
    (void)ctx, (void)level;
    fprintf(stderr, "[%s] %s\n", module, msg);
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "client") && strcmp(argv[1], "server"))) {
        fprintf(stderr, "usage: tern-tls-probe client|server [options] (see the source header)\n");
        return 2;
    }
    bool server = strcmp(argv[1], "server") == 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    tern_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.role = server ? TERN_TLS_SERVER : TERN_TLS_CLIENT;
    cfg.mode = TERN_SEC_NOSEC;
    cfg.log = (tern_log){logfn, NULL, TERN_LOG_INFO};
    const char *host = "127.0.0.1", *send_line = NULL;
    int port = 0, timeout_s = 10;
    probe p;
    memset(&p, 0, sizeof p);
    static uint8_t pskkey[64];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool used = true;
        if (!strcmp(a, "--tcp")) {
            p.tcp = true;
            used = false;
        } else if (!v) {
            fprintf(stderr, "%s needs a value\n", a);
            return 2;
        } else if (!strcmp(a, "--host"))
            host = v;
        else if (!strcmp(a, "--port"))
            port = atoi(v);
        else if (!strcmp(a, "--timeout"))
            timeout_s = atoi(v);
        else if (!strcmp(a, "--send"))
            send_line = v;
        else if (!strcmp(a, "--expect"))
            p.expect = v;
        else if (!strcmp(a, "--name"))
            cfg.server_name = v;
        else if (!strcmp(a, "--usage"))
            cfg.cert_usage = (tern_cert_usage)atoi(v);
        else if (!strcmp(a, "--psk-id")) {
            cfg.mode = TERN_SEC_PSK;
            cfg.psk_identity = (tern_bytes){(const uint8_t *)v, strlen(v)};
        } else if (!strcmp(a, "--psk-key")) {
            cfg.psk_key = (tern_bytes){pskkey, unhex(v, pskkey, sizeof pskkey)};
        } else if (!strcmp(a, "--rpk-pub")) {
            cfg.mode = TERN_SEC_RPK;
            if (readfile(v, &cfg.own_public_key))
                return 2;
        } else if (!strcmp(a, "--peer-pub")) {
            if (readfile(v, &cfg.peer_public_key))
                return 2;
        } else if (!strcmp(a, "--cert")) {
            cfg.mode = TERN_SEC_CERT;
            if (readfile(v, &cfg.own_cert))
                return 2;
        } else if (!strcmp(a, "--key")) {
            if (readfile(v, &cfg.own_key))
                return 2;
        } else if (!strcmp(a, "--ca")) {
            if (readfile(v, &cfg.trust_anchors))
                return 2;
        } else if (!strcmp(a, "--server-cert")) {
            if (readfile(v, &cfg.server_cert))
                return 2;
        } else {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
        if (used)
            i++;
    }
    cfg.transport = p.tcp ? TERN_TLS_STREAM : TERN_TLS_DATAGRAM;
    if (cfg.mode == TERN_SEC_RPK && server && !cfg.peer_public_key.len) {
        fprintf(stderr, "server RPK mode needs --peer-pub\n");
        return 2;
    }
    char err[200];
    tern_tls_ctx *ctx = NULL;
    int rc = tern_tls_ctx_new(&cfg, &ctx, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "configuration refused: %s\n", err);
        return 2;
    }

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, server ? "127.0.0.1" : host, &sa.sin_addr);
    int lfd = socket(AF_INET, p.tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    tern_time_ms start = tern_posix_now_ms(), end = start + (tern_time_ms)timeout_s * 1000;
    if (server) {
        if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || (p.tcp && listen(lfd, 1) < 0)) {
            perror("bind");
            return 2;
        }
        printf("listening on 127.0.0.1:%d\n", port);
        fflush(stdout);
        if (p.tcp) {
            struct pollfd pf = {lfd, POLLIN, 0};
            if (poll(&pf, 1, timeout_s * 1000) <= 0) {
                fprintf(stderr, "no connection\n");
                return 1;
            }
            p.fd = accept(lfd, NULL, NULL);
        } else {
            p.fd = lfd;
        }
    } else {
        p.fd = lfd;
        p.peer = sa;
        p.have_peer = true;
        if (connect(lfd, (struct sockaddr *)&sa, sizeof sa) < 0) {
            perror("connect");
            return 1;
        }
    }

    tern_tls_session *s = NULL;
    tern_tls_session_cfg sc = {out_fn, data_fn, &p, NULL, {NULL, 0}};
    if (!server || p.tcp) {
        if (tern_tls_session_new(ctx, &sc, &s) < 0)
            return 1;
    }
    bool sent = false, ok = false;
    uint8_t buf[65536];
    tern_tls_prestate ps;
    while (tern_posix_now_ms() < end) {
        tern_time_ms now = tern_posix_now_ms();
        tern_time_ms next = s ? tern_tls_step(s, now) : TERN_TIME_NEVER;
        if (s && tern_tls_session_state(s) == TERN_TLS_ESTABLISHED && !sent && send_line && (!server || p.got)) {
            printf("established: %s\n", tern_tls_session_suite(s));
            tern_tls_peer peer;
            if (tern_tls_session_peer(s, &peer) == 0)
                printf("peer: kind %d, %zu id bytes, cn %.*s\n", (int)peer.kind, peer.id.len, (int)peer.cn.len,
                       (const char *)peer.cn.ptr);
            char line[1024];
            int ln = snprintf(line, sizeof line, "%s\n", send_line); /* line-based peers (gnutls-serv over TCP) */
            (void)tern_tls_write(s, (const uint8_t *)line, (size_t)TERN_MIN(ln, (int)sizeof line - 1), now);
            sent = true;
        }
        if (s && (tern_tls_session_state(s) == TERN_TLS_FAILED || tern_tls_session_state(s) == TERN_TLS_CLOSED))
            break;
        if ((sent || !send_line) && (p.got || !p.expect)) {
            ok = true;
            break;
        }
        int wait = next == TERN_TIME_NEVER ? 200 : (int)TERN_MAX(0, TERN_MIN(next - now, 200));
        struct pollfd pf = {p.fd, POLLIN, 0};
        if (poll(&pf, 1, wait) <= 0)
            continue;
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = p.tcp ? recv(p.fd, buf, sizeof buf, 0) : recvfrom(p.fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n <= 0) {
            if (p.tcp)
                break;
            continue;
        }
        now = tern_posix_now_ms();
        if (!s) { /* DTLS server: stateless cookie exchange first */
            p.peer = from;
            tern_bytes id = {(const uint8_t *)&from, sizeof from};
            rc = tern_tls_cookie_check(ctx, id, buf, (size_t)n, out_fn, &p, &ps);
            if (rc == TERN_AGAIN) {
                printf("cookie sent\n");
                continue;
            }
            if (rc != TERN_OK)
                continue;
            sc.prestate = &ps;
            if (tern_tls_session_new(ctx, &sc, &s) < 0)
                return 1;
        }
        (void)tern_tls_feed(s, buf, (size_t)n, now);
    }
    if (s) {
        bool asent = false;
        int alert = tern_tls_session_alert(s, &asent);
        if (tern_tls_session_state(s) == TERN_TLS_FAILED)
            printf("failed: %s; alert %d %s (%s)\n", tern_tls_session_error(s), alert, tern_tls_alert_name(alert),
                   asent ? "sent" : "received");
        if (ok)
            (void)tern_tls_close(s);
        tern_tls_session_free(s);
    }
    printf("%s\n", ok ? "OK" : "FAILED");
    tern_tls_ctx_free(ctx);
    free((void *)(uintptr_t)cfg.own_public_key.ptr);
    free((void *)(uintptr_t)cfg.peer_public_key.ptr);
    free((void *)(uintptr_t)cfg.own_cert.ptr);
    free((void *)(uintptr_t)cfg.own_key.ptr);
    free((void *)(uintptr_t)cfg.trust_anchors.ptr);
    free((void *)(uintptr_t)cfg.server_cert.ptr);
    if (p.fd != lfd)
        close(p.fd);
    close(lfd);
    return ok ? 0 : 1;
}
