/* tern-server — the LwM2M Server and Bootstrap-Server in one process, with
 * the REST API of docs/api.md. One epoll loop (tern/posix.h), one thread:
 * the two CoAP endpoints, the two engines' timers, libmicrohttpd in
 * external polling mode and a signalfd all run in it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rest/app.h"
#include "rest/values.h"
#ifdef TERN_HAVE_SQLITE
#include "tern/store_sqlite.h"
#define STORE_DEFAULT "sqlite"
#else
#define STORE_DEFAULT "memory"
#endif

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tern-server [options]\n"
            "\n"
            "LwM2M 1.2 Server and Bootstrap-Server over CoAP/UDP with a JSON REST API\n"
            "(docs/api.md): list registered clients, Read/Write/Execute/Create/Delete/\n"
            "Discover/Write-Attributes/Observe them, follow events as Server-Sent Events,\n"
            "and manage bootstrap configurations. Stops cleanly on SIGINT/SIGTERM.\n"
            "\n"
            "Options:\n"
            "  --coap ADDR:PORT        LwM2M Server CoAP address (default [::]:5683)\n"
            "  --bootstrap ADDR:PORT   Bootstrap-Server CoAP address (default [::]:5783)\n"
            "  --no-bootstrap          do not run the Bootstrap-Server\n"
            "  --http ADDR:PORT        REST API address (default 127.0.0.1:8080)\n"
            "  --state-dir DIR         state directory (default ./tern-state, created 0700):\n"
            "                          the API token and, with --store sqlite, tern.db\n"
            "  --store sqlite|memory   where registrations, observations, bootstrap\n"
            "                          configurations and bootstrap session records are\n"
            "                          kept (default: " STORE_DEFAULT "). sqlite: DIR/tern.db, written\n"
            "                          before each answer, so a restart (even after kill -9)\n"
            "                          finds every client and configuration again; memory:\n"
            "                          forgotten on exit (tests)\n"
            "  --token T               API bearer token (default: generated at first start,\n"
            "                          stored 0600 in the state dir, printed once)\n"
            "  --require-token         ask for the token even on a loopback address (it is\n"
            "                          always required on other addresses)\n"
            "  --request-timeout S     give up on a LwM2M request after S seconds\n"
            "                          (HTTP 504; default 30)\n"
            "  -v                      log every event\n"
            "  -h, --help              this text\n"
            "\n"
            "Examples:\n"
            "  tern-server\n"
            "  tern-server --http 0.0.0.0:8080 --token s3cret --no-bootstrap\n"
            "  curl http://127.0.0.1:8080/api/clients\n");
}

/* "host:port", "[v6]:port", ":port" */
static int parse_hostport(const char *s, char *host, size_t cap, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon)
        return -1;
    size_t hl = (size_t)(colon - s);
    const char *h = s;
    if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
        h = s + 1;
        hl -= 2;
    }
    if (hl + 1 > cap)
        return -1;
    memcpy(host, h, hl);
    host[hl] = 0;
    if (!hl)
        snprintf(host, cap, "::");
    char *e;
    long p = strtol(colon + 1, &e, 10);
    if (*e || p < 0 || p > 65535 || !colon[1])
        return -1;
    *port = (uint16_t)p;
    return 0;
}

static void *a_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return malloc(n);
}

static void a_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    (void)n;
    free(p);
}

static void on_srv_timer(tern_loop *loop, tern_timer *t)
{
    rest_app *a = t->data;
    tern_time_ms next = tern_server_step(&a->srv, tern_loop_now(loop));
    tern_coap_udp_kick(&a->srv_run);
    tern_timer_start_at(loop, t, next);
}

static void on_bs_timer(tern_loop *loop, tern_timer *t)
{
    rest_app *a = t->data;
    tern_time_ms next = tern_bs_step(&a->bs, tern_loop_now(loop));
    tern_coap_udp_kick(&a->bs_run);
    tern_timer_start_at(loop, t, next);
}

/* The endpoints' handlers: the engines', then a step soon (a Register may
 * have changed the expiry heap; a Bootstrap-Request starts a session on the
 * next step). */
static int srv_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    rest_app *a = ctx;
    int rc = tern_server_coap_handler(&a->srv, req, resp);
    tern_timer_start(&a->loop, &a->srv_timer, 0);
    return rc;
}

static int bs_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    rest_app *a = ctx;
    int rc = tern_bs_coap_handler(&a->bs, req, resp);
    tern_timer_start(&a->loop, &a->bs_timer, 0);
    return rc;
}

static void log_fn(void *ctx, tern_log_level lvl, const char *module, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "tern-server: [%d %s] %s\n", (int)lvl, module ? module : "", msg);
}

static int open_ep(rest_app *a, const char *host, uint16_t port, tern_udp *sock, tern_coap_ep *ep, void **mem,
                   tern_coap_udp *run, tern_coap_handler h, const char *what)
{
    tern_udp_addr local;
    if (tern_udp_addr_parse(&local, host, port) < 0) {
        fprintf(stderr, "tern-server: bad %s address %s\n", what, host);
        return -1;
    }
    unsigned flags = TERN_UDP_REUSEADDR;
    if (local.u.sa.sa_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&local.u.in6.sin6_addr))
        flags |= TERN_UDP_DUALSTACK;
    if (tern_udp_open(sock, &local, flags) < 0) {
        fprintf(stderr, "tern-server: cannot bind %s [%s]:%u: %s\n", what, host, port, strerror(errno));
        return -1;
    }
    tern_coap_ep_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.rng = tern_posix_rng();
    cfg.send = tern_posix_coap_send;
    cfg.send_ctx = sock;
    cfg.handler = h;
    cfg.handler_ctx = a;
    cfg.max_exchanges = 256;
    cfg.max_dedup = 1024;
    cfg.max_observers = 4;
    cfg.max_block1 = 16;
    size_t need = tern_coap_ep_mem_size(&cfg);
    *mem = aligned_alloc(8, (need + 7) & ~(size_t)7);
    if (!*mem || tern_coap_ep_init(ep, &cfg, *mem, need) < 0) {
        fprintf(stderr, "tern-server: cannot create the %s endpoint\n", what);
        return -1;
    }
    if (tern_coap_udp_start(run, &a->loop, sock, ep) < 0)
        return -1;
    tern_udp_addr bound;
    char b[64];
    if (tern_udp_local(sock, &bound) == 0 && tern_udp_addr_format(&bound, b, sizeof b) > 0)
        fprintf(stderr, "tern-server: %s on coap://%s\n", what, b);
    return 0;
}

/* The API token: --token, else state-dir/api-token, else a new one. */
static int load_token(rest_app *a, const char *dir, const char *given)
{
    if (given) {
        snprintf(a->token, sizeof a->token, "%s", given);
        return 0;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/api-token", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        bool ok = fgets(a->token, sizeof a->token, f) != NULL;
        fclose(f);
        a->token[strcspn(a->token, "\r\n")] = 0;
        if (ok && a->token[0])
            return 0;
    }
    uint8_t raw[24];
    if (tern_posix_rng_fill(NULL, raw, sizeof raw) < 0)
        return -1;
    char *h = rest_hex(raw, sizeof raw);
    if (!h)
        return -1;
    snprintf(a->token, sizeof a->token, "%s", h);
    free(h);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, a->token, strlen(a->token)) < 0 || fsync(fd) < 0) {
        fprintf(stderr, "tern-server: cannot write %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    /* Printed once, at generation; later starts read the file. */
    printf("API token (stored in %s): %s\n", path, a->token);
    fflush(stdout);
    return 0;
}

static bool is_loopback(const char *host)
{
    return !strncmp(host, "127.", 4) || !strcmp(host, "::1") || !strcmp(host, "localhost");
}

typedef struct sig_ctx {
    int fd;
    tern_io io;
} sig_ctx;

static void on_signal(tern_loop *loop, tern_io *io, unsigned ev)
{
    (void)ev;
    struct signalfd_siginfo si;
    while (read(io->fd, &si, sizeof si) == (ssize_t)sizeof si) {
    }
    tern_loop_stop(loop);
}

int main(int argc, char **argv)
{
    const char *coap = "[::]:5683", *bsaddr = "[::]:5783", *http = "127.0.0.1:8080";
    const char *state_dir = "./tern-state", *store_kind = NULL, *token = NULL;
    bool no_bs = false, require_token = false;
    long timeout_s = 30;
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE(dst)                                                                                                      \
    do {                                                                                                               \
        if (!v) {                                                                                                      \
            fprintf(stderr, "tern-server: %s needs a value (see --help)\n", o);                                       \
            return 2;                                                                                                  \
        }                                                                                                              \
        dst = v;                                                                                                       \
        i++;                                                                                                           \
    } while (0)
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(o, "--coap"))
            TAKE(coap);
        else if (!strcmp(o, "--bootstrap"))
            TAKE(bsaddr);
        else if (!strcmp(o, "--no-bootstrap"))
            no_bs = true;
        else if (!strcmp(o, "--http"))
            TAKE(http);
        else if (!strcmp(o, "--state-dir"))
            TAKE(state_dir);
        else if (!strcmp(o, "--store"))
            TAKE(store_kind);
        else if (!strcmp(o, "--token"))
            TAKE(token);
        else if (!strcmp(o, "--require-token"))
            require_token = true;
        else if (!strcmp(o, "--request-timeout")) {
            const char *t;
            TAKE(t);
            char *e;
            timeout_s = strtol(t, &e, 10);
            if (*e || timeout_s < 1 || timeout_s > 86400) {
                fprintf(stderr, "tern-server: --request-timeout takes 1..86400 seconds\n");
                return 2;
            }
        } else if (!strcmp(o, "-v"))
            verbose++;
        else if (!strcmp(o, "-vv"))
            verbose += 2;
        else {
            fprintf(stderr, "tern-server: unknown option %s (see --help)\n", o);
            return 2;
        }
    }
    if (!store_kind)
        store_kind = STORE_DEFAULT;
    if (strcmp(store_kind, "memory") != 0 && strcmp(store_kind, "sqlite") != 0) {
        fprintf(stderr, "tern-server: --store takes sqlite or memory\n");
        return 2;
    }
#ifndef TERN_HAVE_SQLITE
    if (!strcmp(store_kind, "sqlite")) {
        fprintf(stderr, "tern-server: this build has no SQLite store (libsqlite3 was not found); use --store memory\n");
        return 2;
    }
#endif
    char coap_host[128], bs_host[128], http_host[128];
    uint16_t coap_port, bs_port, http_port;
    if (parse_hostport(coap, coap_host, sizeof coap_host, &coap_port) < 0 ||
        parse_hostport(bsaddr, bs_host, sizeof bs_host, &bs_port) < 0 ||
        parse_hostport(http, http_host, sizeof http_host, &http_port) < 0) {
        fprintf(stderr, "tern-server: addresses are ADDR:PORT, e.g. 127.0.0.1:8080 or [::]:5683\n");
        return 2;
    }
    if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "tern-server: cannot create %s: %s\n", state_dir, strerror(errno));
        return 1;
    }

    rest_app *a = calloc(1, sizeof *a);
    if (!a)
        return 1;
    a->verbose = verbose;
    a->request_timeout_ms = (uint32_t)timeout_s * 1000u;
    a->need_token = require_token || !is_loopback(http_host);
    int rc = 1;
    tern_alloc al = {a_alloc, a_free, NULL};
    tern_store_mem mem_store;
#ifdef TERN_HAVE_SQLITE
    tern_store_sqlite *sql = NULL;
#endif
    bool mem_store_on = false, srv_on = false, bs_engine_on = false;
    sig_ctx sig = {.fd = -1};

    if (tern_loop_init(&a->loop) < 0)
        goto out;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sig.fd < 0)
        goto out;
    tern_io_init(&sig.io, sig.fd, on_signal, a);
    tern_io_start(&a->loop, &sig.io, TERN_IO_READ);

    if (a->need_token && load_token(a, state_dir, token) < 0)
        goto out;
#ifdef TERN_HAVE_SQLITE
    if (!strcmp(store_kind, "sqlite")) {
        char path[4096];
        if (snprintf(path, sizeof path, "%s/tern.db", state_dir) >= (int)sizeof path) {
            fprintf(stderr, "tern-server: --state-dir is too long\n");
            goto out;
        }
        sql = calloc(1, sizeof *sql);
        if (!sql)
            goto out;
        tern_store_sqlite_cfg qc = {.path = path, .log = {log_fn, NULL, TERN_LOG_WARN}, .alloc = al};
        if (tern_store_sqlite_open(sql, &qc) < 0) {
            fprintf(stderr, "tern-server: cannot open the store %s: %s\n", path, sql->errmsg);
            goto out;
        }
        a->sql = sql;
        a->store = tern_store_sqlite_as_store(sql);
        uint64_t nreg = 0, ncfg = 0;
        (void)tern_store_sqlite_count(sql, TERN_REC_REGISTRATION, &nreg);
        (void)tern_store_sqlite_count(sql, TERN_REC_BOOTSTRAP_CFG, &ncfg);
        fprintf(stderr, "tern-server: store: sqlite %s (%llu registrations, %llu bootstrap configurations)\n",
                path, (unsigned long long)nreg, (unsigned long long)ncfg);
    }
#endif
    if (!a->store.ops) {
        if (tern_store_mem_init(&mem_store, &al) < 0)
            goto out;
        mem_store_on = true;
        a->store = tern_store_mem_as_store(&mem_store);
        fprintf(stderr, "tern-server: store: memory (nothing survives a restart)\n");
    }

    tern_timer_init(&a->srv_timer, on_srv_timer, a);
    tern_timer_init(&a->bs_timer, on_bs_timer, a);
    if (open_ep(a, coap_host, coap_port, &a->srv_sock, &a->srv_ep, &a->srv_ep_mem, &a->srv_run, srv_handler,
                "LwM2M Server") < 0)
        goto out;
    tern_log lg = {log_fn, NULL, verbose >= 2 ? TERN_LOG_DEBUG : TERN_LOG_WARN};
    tern_server_cfg scfg = {
        .ep = &a->srv_ep,
        .alloc = al,
        .store = a->store,
        .log = lg,
        .rng = tern_posix_rng(),
        .on_event = rest_on_event,
        .on_send = rest_on_send,
        .cb_ctx = a,
        .request_timeout_ms = a->request_timeout_ms,
    };
    if (tern_server_init(&a->srv, &scfg, tern_posix_now_ms()) < 0) {
        fprintf(stderr, "tern-server: cannot start the LwM2M Server engine\n");
        goto out;
    }
    srv_on = true;
    tern_timer_start(&a->loop, &a->srv_timer, 0);

    if (!no_bs) {
        rest_bs_load(a);
        if (open_ep(a, bs_host, bs_port, &a->bs_sock, &a->bs_ep, &a->bs_ep_mem, &a->bs_run, bs_handler,
                    "Bootstrap-Server") < 0)
            goto out;
        tern_bs_cfg bcfg = {
            .ep = &a->bs_ep,
            .store = rest_bs_store(a),
            .on_record = rest_bs_on_record,
            .record_ctx = a,
            .log = lg,
        };
        size_t need = tern_bs_mem_size(&bcfg);
        a->bs_mem = aligned_alloc(8, (need + 7) & ~(size_t)7);
        if (!a->bs_mem || tern_bs_init(&a->bs, &bcfg, a->bs_mem, need) < 0) {
            fprintf(stderr, "tern-server: cannot start the Bootstrap-Server engine\n");
            goto out;
        }
        bs_engine_on = true;
        a->bs_on = true;
    }

    if (rest_http_start(a, http_host, http_port) < 0)
        goto out;
    fprintf(stderr, "tern-server: REST API on http://%s%s%s:%u/api%s\n", strchr(http_host, ':') ? "[" : "",
            http_host, strchr(http_host, ':') ? "]" : "", http_port, a->need_token ? " (bearer token required)" : "");

    if (tern_loop_run(&a->loop) < 0)
        fprintf(stderr, "tern-server: event loop failed: %s\n", strerror(errno));
    else
        fprintf(stderr, "tern-server: shutting down\n");
    rc = 0;

out:
    /* Engines first: their final callbacks answer (and resume) the HTTP
     * requests still waiting; then the HTTP daemon. */
    if (srv_on)
        tern_server_deinit(&a->srv);
    if (bs_engine_on)
        tern_bs_deinit(&a->bs);
    while (a->obs) {
        rest_obs *o = a->obs;
        a->obs = o->next;
        free(o->paths_json);
        free(o);
    }
    rest_http_stop(a);
    tern_timer_stop(&a->srv_timer);
    tern_timer_stop(&a->bs_timer);
    if (a->srv_sock.fd > 0) {
        tern_coap_udp_stop(&a->srv_run);
        tern_udp_close(&a->srv_sock);
    }
    if (a->bs_sock.fd > 0) {
        tern_coap_udp_stop(&a->bs_run);
        tern_udp_close(&a->bs_sock);
    }
    rest_bs_free_all(a);
    if (mem_store_on)
        tern_store_mem_deinit(&mem_store);
#ifdef TERN_HAVE_SQLITE
    if (sql) {
        tern_store_sqlite_close(sql);
        free(sql);
    }
#endif
    if (sig.fd >= 0) {
        tern_io_stop(&sig.io);
        close(sig.fd);
    }
    tern_loop_close(&a->loop);
    free(a->srv_ep_mem);
    free(a->bs_ep_mem);
    free(a->bs_mem);
    free(a);
    return rc;
}
