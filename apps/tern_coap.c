/* tern-coap: a small libcoap-like command-line tool on the tern CoAP
 * endpoint (tern/coap_ep.h) and the POSIX platform (tern/posix.h).
 *
 *   tern-coap get|put|post|delete|observe URI [options]   (client)
 *   tern-coap serve [--bind ADDR] [--port P]              (server)
 *
 * Response bodies go to stdout byte for byte; everything else to stderr.
 * All state lives in main()'s stack frame and the structs it owns. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "tern/coap_ep.h"
#include "tern/coap_msg.h"
#include "tern/posix.h"

enum {
    EXIT_OK = 0,
    EXIT_USAGE = 1,     /* bad command line */
    EXIT_COAP = 2,      /* the server answered 4.xx/5.xx, or refused to observe */
    EXIT_TRANSPORT = 3, /* timeout, RST, I/O error */
    EXIT_SIGNAL = 130,
};

#define BIG_LEN 20480u
#define SINK_MAX (4u << 20)

static const char usage_text[] =
    "usage: tern-coap get|put|post|delete|observe URI [options]\n"
    "       tern-coap serve [--bind ADDR] [--port P] [--psk ID:HEX] [-v]\n"
    "       tern-coap big          print the body of the server's /big resource\n"
    "\n"
    "URI:   coap://HOST[:PORT]/path[?query]   HOST is an IPv4 address, [IPv6] or a name;\n"
    "       PORT defaults to 5683. Example: coap://127.0.0.1:5683/big, coap://[::1]/counter\n"
    "       coaps://HOST[:PORT]/path (DTLS 1.2 with a pre-shared key, PORT defaults to 5684)\n"
    "\n"
    "client options:\n"
    "  --data TEXT, -e TEXT  request body (put/post)\n"
    "  --file F, -f F        request body read from file F ('-' = stdin)\n"
    "  --block SIZE, -b SIZE block size 16..1024 (power of two) for Block1 and Block2;\n"
    "                        asks the server for this Block2 size from the first request\n"
    "  --format N, -t N      Content-Format of the body (e.g. 0 text/plain, 42 octet-stream)\n"
    "  --accept N, -A N      Accept option\n"
    "  --count N, -c N       observe: exit after N notifications, cancelling actively\n"
    "                        (GET with Observe = 1); default: until --timeout or Ctrl-C\n"
    "  --timeout S, -T S     give up after S seconds (default 30; observe: stop observing\n"
    "                        after S seconds, default none)\n"
    "  --non, -N             send the request as NON instead of CON\n"
    "  --psk ID:HEX          coaps://: PSK identity and key (hex), e.g. --psk dev1:00112233\n"
    "  -v                    show response codes, options and endpoint logs on stderr\n"
    "\n"
    "Response bodies are written to stdout unchanged (get/put/post/delete); observe\n"
    "prints one line per notification. Exit status: 0 success (2.xx), 1 usage,\n"
    "2 error response (4.xx/5.xx) or observation refused, 3 timeout/reset/I/O error,\n"
    "130 interrupted.\n"
    "\n"
    "server (serve):\n"
    "  --bind ADDR           local address (default :: dual-stack, else 0.0.0.0)\n"
    "  --port P, -p P        UDP port (default 5683; 0 picks a free one)\n"
    "  --psk ID:HEX          serve CoAP over DTLS (coaps) only, for this PSK identity and key\n"
    "  -v                    log every request and the endpoint's messages\n"
    "  resources:\n"
    "    /big                GET: a deterministic 20480-byte text body (Block2)\n"
    "    /sink               PUT/POST: stores the body, any size up to 4 MiB (Block1),\n"
    "                        prints 'sink: stored N bytes fnv1a32 0xXXXXXXXX'; GET returns it\n"
    "    /counter            GET/observe: a counter that increments every second and\n"
    "                        notifies its observers\n"
    "    /.well-known/core   the resources in CoRE link format\n"
    "  It prints 'tern-coap: serving on ADDR:PORT' when ready; SIGINT/SIGTERM stop it.\n";

/* ---- shared ---------------------------------------------------------------- */

typedef struct common {
    tern_loop loop;
    tern_udp sock;
    tern_coap_ep ep;
    void *ep_mem;
    tern_coap_udp run;
    /* coaps: DTLS with a PSK instead of plain UDP */
    bool secure, tls_failed;
    char psk_id[129];
    uint8_t psk_key[64];
    size_t psk_key_len;
    tern_tls_ctx *tls_ctx; /* server */
    tern_coap_dtls drun;
    tern_io sig_io;
    int sig_fd;
    int verbose;
    bool interrupted;
} common;

static void log_stderr(void *ctx, tern_log_level level, const char *module, const char *msg)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    (void)ctx;
    fprintf(stderr, "[%s %s] %s\n", module, names[level <= TERN_LOG_DEBUG ? level : 3], msg);
}

static uint32_t fnv1a32(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static void on_signal(tern_loop *loop, tern_io *io, unsigned events)
{
    common *c = io->data;
    struct signalfd_siginfo si;
    (void)events;
    while (read(c->sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
        c->interrupted = true;
    tern_loop_stop(loop);
}

static int signals_open(common *c)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return TERN_EIO;
    c->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (c->sig_fd < 0)
        return TERN_EIO;
    tern_io_init(&c->sig_io, c->sig_fd, on_signal, c);
    return tern_io_start(&c->loop, &c->sig_io, TERN_IO_READ);
}

/* "ID:HEX" → identity and key. */
static bool parse_psk(common *c, const char *v)
{
    const char *colon = v ? strrchr(v, ':') : NULL;
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof c->psk_id)
        return false;
    size_t hl = strlen(colon + 1);
    if (hl == 0 || hl % 2 || hl / 2 > sizeof c->psk_key)
        return false;
    for (size_t i = 0; i < hl / 2; i++) {
        unsigned x;
        if (!isxdigit((unsigned char)colon[1 + 2 * i]) || !isxdigit((unsigned char)colon[2 + 2 * i]) ||
            sscanf(colon + 1 + 2 * i, "%2x", &x) != 1)
            return false;
        c->psk_key[i] = (uint8_t)x;
    }
    memcpy(c->psk_id, v, (size_t)(colon - v));
    c->psk_id[colon - v] = 0;
    c->psk_key_len = hl / 2;
    c->secure = true;
    return true;
}

static tern_tls_config psk_config(common *c, tern_tls_role role)
{
    tern_tls_config t;
    memset(&t, 0, sizeof t);
    t.role = role;
    t.transport = TERN_TLS_DATAGRAM;
    t.mode = TERN_SEC_PSK;
    t.psk_identity = (tern_bytes){(const uint8_t *)c->psk_id, strlen(c->psk_id)};
    t.psk_key = (tern_bytes){c->psk_key, c->psk_key_len};
    if (c->verbose) {
        t.log.fn = log_stderr;
        t.log.max_level = c->verbose > 1 ? TERN_LOG_DEBUG : TERN_LOG_INFO;
    }
    return t;
}

static void on_dtls_event(void *ctx, const tern_coap_peer *peer, tern_posix_dtls_event ev, tern_tls_session *s)
{
    common *c = ctx;
    (void)peer;
    if (ev == TERN_POSIX_DTLS_ESTABLISHED) {
        if (c->verbose)
            fprintf(stderr, "tern-coap: DTLS established (%s)\n", tern_tls_session_suite(s));
    } else if (ev == TERN_POSIX_DTLS_FAILED) {
        int al = tern_tls_session_alert(s, NULL);
        fprintf(stderr, "tern-coap: DTLS handshake failed: %s (alert %s)\n", tern_tls_session_error(s),
                al >= 0 ? tern_tls_alert_name(al) : "none");
        if (!c->tls_ctx) { /* client: nothing more will come */
            c->tls_failed = true;
            tern_loop_stop(&c->loop);
        }
    }
}

static void common_kick(common *c)
{
    if (c->secure)
        tern_coap_dtls_kick(&c->drun);
    else
        tern_coap_udp_kick(&c->run);
}

static int common_open(common *c, const tern_udp_addr *local, unsigned flags, tern_coap_ep_cfg *cfg)
{
    c->sig_fd = -1;
    c->ep_mem = NULL;
    c->sock.fd = -1;
    if (tern_loop_init(&c->loop) < 0) {
        fprintf(stderr, "tern-coap: epoll: %s\n", strerror(errno));
        return -1;
    }
    if (signals_open(c) < 0) {
        fprintf(stderr, "tern-coap: signals: %s\n", strerror(errno));
        return -1;
    }
    if (tern_udp_open(&c->sock, local, flags) < 0) {
        char a[64];
        if (tern_udp_addr_format(local, a, sizeof a) < 0)
            snprintf(a, sizeof a, "?");
        fprintf(stderr, "tern-coap: cannot bind UDP %s: %s\n", a, strerror(errno));
        return -1;
    }
    cfg->rng = tern_posix_rng();
    cfg->send = c->secure ? tern_coap_dtls_send : tern_posix_coap_send;
    cfg->send_ctx = c->secure ? (void *)&c->drun : (void *)&c->sock;
    if (c->verbose) {
        cfg->log.fn = log_stderr;
        cfg->log.max_level = c->verbose > 1 ? TERN_LOG_DEBUG : TERN_LOG_INFO;
    }
    size_t need = tern_coap_ep_mem_size(cfg);
    c->ep_mem = aligned_alloc(8, (need + 7u) & ~(size_t)7u);
    if (!c->ep_mem) {
        fprintf(stderr, "tern-coap: out of memory\n");
        return -1;
    }
    int rc = tern_coap_ep_init(&c->ep, cfg, c->ep_mem, need);
    if (rc < 0) {
        fprintf(stderr, "tern-coap: endpoint: %s\n", tern_strerror(rc));
        free(c->ep_mem);
        c->ep_mem = NULL;
        return -1;
    }
    if (c->secure) {
        tern_posix_dtls_cfg dc;
        memset(&dc, 0, sizeof dc);
        dc.accept_ctx = c->tls_ctx;
        dc.on_event = on_dtls_event;
        dc.event_ctx = c;
        dc.log = cfg->log;
        if (tern_coap_dtls_start(&c->drun, &c->loop, &c->sock, &c->ep, &dc) < 0) {
            fprintf(stderr, "tern-coap: DTLS: cannot start\n");
            return -1;
        }
        return 0;
    }
    if (tern_coap_udp_start(&c->run, &c->loop, &c->sock, &c->ep) < 0) {
        fprintf(stderr, "tern-coap: event loop: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static void common_close(common *c)
{
    /* Ignore (and so discard) further SIGINT/SIGTERM: a second signal left
     * pending while blocked would stall LeakSanitizer's exit-time scan, and
     * we are leaving anyway. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    if (c->ep_mem) {
        if (c->secure)
            tern_coap_dtls_stop(&c->drun);
        else
            tern_coap_udp_stop(&c->run);
        tern_coap_ep_deinit(&c->ep);
        free(c->ep_mem);
        c->ep_mem = NULL;
    }
    tern_io_stop(&c->sig_io);
    if (c->sig_fd >= 0)
        close(c->sig_fd);
    tern_udp_close(&c->sock);
    tern_loop_close(&c->loop);
    tern_tls_ctx_free(c->tls_ctx);
    c->tls_ctx = NULL;
    memset(c->psk_key, 0, sizeof c->psk_key);
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max || s[0] == '-')
        return false;
    *out = v;
    return true;
}

static int szx_of(unsigned long size)
{
    for (int szx = 0; szx <= 6; szx++)
        if ((1ul << (szx + 4)) == size)
            return szx;
    return -1;
}

static void print_options(const tern_coap_msg *m)
{
    for (uint16_t i = 0; i < m->opt_count; i++) {
        const tern_coap_opt *o = &m->opts[i];
        const tern_coap_opt_def *d = tern_coap_opt_def_find(o->num);
        fprintf(stderr, "  %s(%u):", d ? d->name : "option", (unsigned)o->num);
        if (d && d->format == TERN_COAP_FMT_UINT) {
            fprintf(stderr, " %" PRIu32, tern_coap_opt_uint_value(o));
            if (o->num == TERN_COAP_OPT_BLOCK1 || o->num == TERN_COAP_OPT_BLOCK2) {
                uint32_t v = tern_coap_opt_uint_value(o);
                fprintf(stderr, " (num %" PRIu32 ", more %u, size %u)", v >> 4, (unsigned)((v >> 3) & 1u),
                        (unsigned)tern_coap_block_size((uint8_t)(v & 7u)));
            }
        } else if (d && d->format == TERN_COAP_FMT_STRING) {
            fprintf(stderr, " \"%.*s\"", (int)o->len, (const char *)o->val);
        } else {
            fputc(' ', stderr);
            for (uint16_t k = 0; k < o->len; k++)
                fprintf(stderr, "%02x", o->val[k]);
        }
        fputc('\n', stderr);
    }
}

/* ---- URIs ------------------------------------------------------------------ */

typedef struct uri {
    char host[256];
    uint16_t port;
    char path[1024];  /* starts with '/' */
    char query[1024]; /* without '?', '&'-separated */
} uri;

static int parse_uri(const char *s, uri *u, bool *secure)
{
    memset(u, 0, sizeof *u);
    u->port = 5683;
    *secure = false;
    const char *p;
    if (strncmp(s, "coap://", 7) == 0) {
        p = s + 7;
    } else if (strncmp(s, "coaps://", 8) == 0) {
        p = s + 8;
        u->port = 5684;
        *secure = true;
    } else if (strstr(s, "://")) {
        fprintf(stderr, "tern-coap: only coap:// and coaps:// URIs are supported: %s\n", s);
        return -1;
    } else {
        p = s; /* be lenient: host[:port]/path */
    }
    const char *host_end;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end)
            return -1;
        host_end++;
    } else {
        host_end = p + strcspn(p, ":/?");
    }
    size_t hl = (size_t)(host_end - p);
    if (hl == 0 || hl >= sizeof u->host)
        return -1;
    memcpy(u->host, p, hl);
    p = host_end;
    if (*p == ':') {
        char port[8] = {0};
        size_t pl = strcspn(p + 1, "/?");
        if (pl == 0 || pl >= sizeof port)
            return -1;
        memcpy(port, p + 1, pl);
        unsigned long v;
        if (!parse_uint(port, 65535, &v) || v == 0)
            return -1;
        u->port = (uint16_t)v;
        p += 1 + pl;
    }
    size_t pl = strcspn(p, "?");
    if (pl + 2 > sizeof u->path)
        return -1;
    if (pl == 0 || p[0] != '/')
        u->path[0] = '/';
    strncat(u->path, p, pl);
    p += pl;
    if (*p == '?') {
        if (strlen(p + 1) >= sizeof u->query)
            return -1;
        strcpy(u->query, p + 1);
    }
    return 0;
}

/* ---- client ---------------------------------------------------------------- */

typedef struct client {
    common c;
    const char *cmd;
    bool observe;
    unsigned long count; /* 0: unlimited */
    unsigned long notifications;
    tern_coap_handle handle;
    bool cancelling;
    bool done;
    int exit_code;
    uint32_t written; /* Block2 bytes written to stdout so far */
    tern_timer guard;
    tern_time_ms started;
    uint8_t *obs_buf;
    size_t obs_cap;
} client;

static void on_guard(tern_loop *loop, tern_timer *t)
{
    client *cl = t->data;
    if (cl->observe && cl->handle && !cl->cancelling) {
        if (cl->count && cl->notifications < cl->count) {
            fprintf(stderr, "tern-coap: timed out after %lu of %lu notifications\n", cl->notifications,
                    cl->count);
            cl->exit_code = EXIT_TRANSPORT;
        }
        /* stop observing: active deregistration, with 5 s to get its answer */
        cl->cancelling = true;
        if (tern_coap_observe_cancel(&cl->c.ep, cl->handle) == 0) {
            common_kick(&cl->c);
            tern_timer_start(loop, t, 5000);
            return;
        }
    } else if (!cl->observe) {
        fprintf(stderr, "tern-coap: timed out waiting for a response\n");
        cl->exit_code = EXIT_TRANSPORT;
    } else if (cl->c.verbose) {
        fprintf(stderr, "tern-coap: no answer to the deregistration; leaving anyway\n");
    }
    if (cl->handle)
        (void)tern_coap_cancel(&cl->c.ep, cl->handle); /* final callback: ECANCELED */
    cl->done = true;
    tern_loop_stop(loop);
}

static void write_all(const uint8_t *p, size_t n)
{
    if (n && fwrite(p, 1, n, stdout) != n)
        fprintf(stderr, "tern-coap: writing stdout: %s\n", strerror(errno));
}

static void on_result(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    client *cl = ctx;
    (void)ep;
    if (res->err < 0) {
        if (!(cl->cancelling && res->err == TERN_ECANCELED)) {
            fprintf(stderr, "tern-coap: %s: %s\n", cl->cmd, tern_strerror(res->err));
            if (!(cl->observe && cl->cancelling && cl->count && cl->notifications >= cl->count))
                cl->exit_code = EXIT_TRANSPORT;
        }
    } else if (res->msg) {
        const tern_coap_msg *m = res->msg;
        char code[5];
        uint8_t cls = TERN_COAP_CLASS(m->code);
        if (cl->c.verbose) {
            tern_time_ms t = tern_posix_now_ms() - cl->started;
            static const char *const types[] = {"CON", "NON", "ACK", "RST"};
            fprintf(stderr, "<- %s %s mid %u: %zu bytes at offset %" PRIu32 "%s, after %" PRId64 " ms\n",
                    tern_coap_code_str(m->code, code), types[m->type & 3u], (unsigned)m->mid, res->data_len,
                    res->offset, res->more ? " (more)" : "", t);
            if (res->notification)
                fprintf(stderr, "  notification, observe seq %" PRIu32 "\n", res->observe_seq);
            print_options(m);
        }
        if (cls != 2) {
            if (!cl->cancelling || !cl->observe) {
                fprintf(stderr, "tern-coap: %s %s", cl->cmd, tern_coap_code_str(m->code, code));
                if (res->data_len)
                    fprintf(stderr, ": %.*s", (int)TERN_MIN(res->data_len, 200u), (const char *)res->data);
                fputc('\n', stderr);
                cl->exit_code = EXIT_COAP;
            }
        } else if (cl->observe) {
            if (cl->cancelling) {
                /* the answer to the deregistration GET: not printed */
            } else if (!res->notification && res->final) {
                if (cl->notifications == 0) {
                    fprintf(stderr, "tern-coap: the server answered without Observe (not observable)\n");
                    write_all(res->data, res->data_len);
                    if (res->data_len && res->data[res->data_len - 1] != '\n')
                        putchar('\n');
                    cl->exit_code = EXIT_COAP;
                }
            } else if (!res->more) {
                cl->notifications++;
                write_all(res->data, res->data_len);
                if (!res->data_len || res->data[res->data_len - 1] != '\n')
                    putchar('\n');
                fflush(stdout);
                if (cl->count && cl->notifications >= cl->count && !res->final) {
                    cl->cancelling = true;
                    int rc = tern_coap_observe_cancel(&cl->c.ep, cl->handle);
                    if (rc < 0) {
                        fprintf(stderr, "tern-coap: cancel: %s\n", tern_strerror(rc));
                        (void)tern_coap_cancel(&cl->c.ep, cl->handle);
                    }
                    tern_timer_start(&cl->c.loop, &cl->guard, 5000);
                }
            }
        } else {
            /* Block2 chunks come in order; anything else would be a bug */
            if (res->offset == cl->written) {
                write_all(res->data, res->data_len);
                cl->written += (uint32_t)res->data_len;
            } else if (res->data_len) {
                fprintf(stderr, "tern-coap: unexpected block offset %" PRIu32 " (have %" PRIu32 ")\n",
                        res->offset, cl->written);
                cl->exit_code = EXIT_TRANSPORT;
            }
        }
    }
    if (res->final) {
        if (cl->observe && !cl->cancelling && res->err >= 0 && res->notification && cl->exit_code == 0) {
            fprintf(stderr, "tern-coap: the server ended the observation\n");
            if (cl->count && cl->notifications < cl->count)
                cl->exit_code = EXIT_COAP;
        }
        cl->handle = 0;
        cl->done = true;
        tern_loop_stop(&cl->c.loop);
    }
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "tern-coap: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        cap *= 2;
        uint8_t *nb = realloc(buf, cap);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    bool err = !buf || ferror(f);
    if (f != stdin)
        fclose(f);
    if (err) {
        free(buf);
        fprintf(stderr, "tern-coap: cannot read %s\n", path);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int run_client(int argc, char **argv)
{
    client cl;
    memset(&cl, 0, sizeof cl);
    cl.cmd = argv[1];
    uint8_t method;
    if (strcmp(cl.cmd, "get") == 0)
        method = TERN_COAP_GET;
    else if (strcmp(cl.cmd, "put") == 0)
        method = TERN_COAP_PUT;
    else if (strcmp(cl.cmd, "post") == 0)
        method = TERN_COAP_POST;
    else if (strcmp(cl.cmd, "delete") == 0)
        method = TERN_COAP_DELETE;
    else if (strcmp(cl.cmd, "observe") == 0) {
        method = TERN_COAP_GET;
        cl.observe = true;
    } else {
        fprintf(stderr, "tern-coap: unknown command '%s' (try --help)\n", cl.cmd);
        return EXIT_USAGE;
    }
    const char *uri_s = NULL, *data = NULL, *file = NULL;
    int szx = -1;
    long format = -1, accept = -1;
    unsigned long timeout_s = cl.observe ? 0 : 30;
    bool non = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long n;
        if (strcmp(a, "--data") == 0 || strcmp(a, "-e") == 0) {
            if (!v)
                goto missing;
            data = v;
            i++;
        } else if (strcmp(a, "--file") == 0 || strcmp(a, "-f") == 0) {
            if (!v)
                goto missing;
            file = v;
            i++;
        } else if (strcmp(a, "--block") == 0 || strcmp(a, "-b") == 0) {
            if (!parse_uint(v, 1024, &n) || (szx = szx_of(n)) < 0) {
                fprintf(stderr, "tern-coap: --block wants 16, 32, 64, 128, 256, 512 or 1024\n");
                return EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "--format") == 0 || strcmp(a, "-t") == 0) {
            if (!parse_uint(v, 65535, &n))
                goto bad_number;
            format = (long)n;
            i++;
        } else if (strcmp(a, "--accept") == 0 || strcmp(a, "-A") == 0) {
            if (!parse_uint(v, 65535, &n))
                goto bad_number;
            accept = (long)n;
            i++;
        } else if (strcmp(a, "--count") == 0 || strcmp(a, "-c") == 0) {
            if (!parse_uint(v, 1000000, &n) || n == 0)
                goto bad_number;
            cl.count = n;
            i++;
        } else if (strcmp(a, "--timeout") == 0 || strcmp(a, "-T") == 0) {
            if (!parse_uint(v, 86400, &n))
                goto bad_number;
            timeout_s = n;
            i++;
        } else if (strcmp(a, "--non") == 0 || strcmp(a, "-N") == 0) {
            non = true;
        } else if (strcmp(a, "--psk") == 0) {
            if (!parse_psk(&cl.c, v)) {
                fprintf(stderr, "tern-coap: --psk wants IDENTITY:HEXKEY (key up to 64 bytes)\n");
                return EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "-v") == 0) {
            cl.c.verbose++;
        } else if (strcmp(a, "-vv") == 0) {
            cl.c.verbose += 2;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tern-coap: unknown option '%s' (try --help)\n", a);
            return EXIT_USAGE;
        } else if (!uri_s) {
            uri_s = a;
        } else {
            fprintf(stderr, "tern-coap: more than one URI given ('%s')\n", a);
            return EXIT_USAGE;
        }
        continue;
    missing:
        fprintf(stderr, "tern-coap: %s needs a value\n", a);
        return EXIT_USAGE;
    bad_number:
        fprintf(stderr, "tern-coap: %s wants a number, not '%s'\n", a, v ? v : "");
        return EXIT_USAGE;
    }
    if (!uri_s) {
        fprintf(stderr, "tern-coap: %s needs a URI, e.g. coap://127.0.0.1:5683/big\n", cl.cmd);
        return EXIT_USAGE;
    }
    if (data && file) {
        fprintf(stderr, "tern-coap: give --data or --file, not both\n");
        return EXIT_USAGE;
    }
    uri u;
    bool coaps;
    if (parse_uri(uri_s, &u, &coaps) < 0) {
        fprintf(stderr, "tern-coap: cannot parse URI '%s' (want coap://host[:port]/path)\n", uri_s);
        return EXIT_USAGE;
    }
    if (coaps != cl.c.secure) {
        fprintf(stderr, coaps ? "tern-coap: coaps:// needs --psk ID:HEX\n" : "tern-coap: --psk needs a coaps:// URI\n");
        return EXIT_USAGE;
    }
    tern_udp_addr dst, local;
    int rc = tern_udp_addr_parse(&dst, u.host, u.port);
    if (rc < 0) {
        fprintf(stderr, "tern-coap: cannot resolve host '%s'\n", u.host);
        return EXIT_USAGE;
    }
    (void)tern_udp_addr_parse(&local, dst.u.sa.sa_family == AF_INET6 ? "::" : "0.0.0.0", 0);

    uint8_t *body = NULL;
    size_t body_len = 0;
    if (file) {
        if (read_file(file, &body, &body_len) < 0)
            return EXIT_USAGE;
    } else if (data) {
        body_len = strlen(data);
        body = malloc(body_len + 1);
        if (!body)
            return EXIT_TRANSPORT;
        memcpy(body, data, body_len + 1);
    }

    tern_coap_ep_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_exchanges = 4;
    cfg.max_observers = 1;
    cfg.max_block1 = 1;
    if (szx >= 0)
        cfg.block_szx = (uint8_t)szx;
    cl.exit_code = EXIT_OK;
    if (common_open(&cl.c, &local, 0, &cfg) < 0) {
        common_close(&cl.c);
        free(body);
        return EXIT_TRANSPORT;
    }

    tern_coap_msg req;
    uint8_t scratch[2][4];
    tern_coap_msg_init(&req, non ? TERN_COAP_NON : TERN_COAP_CON, method, 0);
    rc = tern_coap_opt_add_uri_path(&req, u.path);
    char *q = u.query;
    while (rc == 0 && *q) {
        char *amp = strchr(q, '&');
        if (amp)
            *amp = '\0';
        rc = tern_coap_opt_add_str(&req, TERN_COAP_OPT_URI_QUERY, q);
        q = amp ? amp + 1 : q + strlen(q);
    }
    if (rc == 0 && format >= 0)
        rc = tern_coap_opt_add_uint(&req, TERN_COAP_OPT_CONTENT_FORMAT, (uint32_t)format, scratch[0]);
    if (rc == 0 && accept >= 0)
        rc = tern_coap_opt_add_uint(&req, TERN_COAP_OPT_ACCEPT, (uint32_t)accept, scratch[1]);
    tern_coap_req_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.non = non;
    opts.block_size = szx >= 0 ? (uint16_t)tern_coap_block_size((uint8_t)szx) : 0;
    opts.block2_early = szx >= 0;
    opts.observe = cl.observe;
    if (body) {
        opts.body = body;
        opts.body_len = body_len;
    }
    if (cl.observe) {
        cl.obs_cap = 1u << 20;
        cl.obs_buf = malloc(cl.obs_cap);
        opts.resp_buf = cl.obs_buf;
        opts.resp_cap = cl.obs_buf ? cl.obs_cap : 0;
    }
    if (rc == 0) {
        cl.started = tern_posix_now_ms();
        tern_coap_peer peer;
        rc = tern_posix_peer_from_addr(&peer, &dst);
        if (rc == 0 && cl.c.secure) {
            tern_tls_config t = psk_config(&cl.c, TERN_TLS_CLIENT);
            char err[160] = "";
            rc = tern_posix_dtls_connect(cl.c.drun.dtls, &peer, &t, err, sizeof err);
            if (rc < 0)
                fprintf(stderr, "tern-coap: DTLS: %s\n", err[0] ? err : tern_strerror(rc));
        }
        if (rc == 0)
            rc = tern_coap_request(&cl.c.ep, &peer, &req, &opts, on_result, &cl, &cl.handle);
    }
    if (rc < 0) {
        fprintf(stderr, "tern-coap: cannot send the request: %s\n", tern_strerror(rc));
        cl.exit_code = EXIT_USAGE;
    } else {
        if (cl.c.verbose) {
            char a[64];
            (void)tern_udp_addr_format(&dst, a, sizeof a);
            fprintf(stderr, "-> %s %s %s%s%s (%zu body bytes)\n", non ? "NON" : "CON", cl.cmd, a, u.path,
                    cl.observe ? " Observe=0" : "", body_len);
        }
        common_kick(&cl.c);
        tern_timer_init(&cl.guard, on_guard, &cl);
        if (timeout_s)
            tern_timer_start(&cl.c.loop, &cl.guard, (tern_time_ms)timeout_s * 1000);
        while (!cl.done && !cl.c.interrupted && !cl.c.tls_failed) {
            if (tern_loop_run(&cl.c.loop) < 0) {
                fprintf(stderr, "tern-coap: event loop: %s\n", strerror(errno));
                cl.exit_code = EXIT_TRANSPORT;
                break;
            }
        }
        if (cl.c.tls_failed && !cl.done)
            cl.exit_code = EXIT_TRANSPORT;
        if (cl.c.interrupted && !cl.done) {
            if (cl.observe && cl.handle && !cl.cancelling) {
                /* Ctrl-C while observing: deregister, then leave (bounded) */
                cl.cancelling = true;
                cl.c.interrupted = false;
                if (tern_coap_observe_cancel(&cl.c.ep, cl.handle) == 0) {
                    common_kick(&cl.c);
                    tern_timer_start(&cl.c.loop, &cl.guard, 2000);
                    while (!cl.done && !cl.c.interrupted)
                        if (tern_loop_run(&cl.c.loop) < 0)
                            break;
                }
                cl.exit_code = EXIT_OK;
            } else {
                cl.exit_code = EXIT_SIGNAL;
            }
        }
        tern_timer_stop(&cl.guard);
        fflush(stdout);
        if (cl.c.verbose && cl.observe)
            fprintf(stderr, "tern-coap: %lu notifications\n", cl.notifications);
    }
    common_close(&cl.c);
    free(body);
    free(cl.obs_buf);
    return cl.exit_code;
}

/* ---- server ---------------------------------------------------------------- */

typedef struct server {
    common c;
    uint8_t big[BIG_LEN];
    uint8_t *sink;      /* last complete body */
    size_t sink_len;
    uint8_t *partial;   /* body being received (Block1) */
    size_t partial_len, partial_cap;
    uint32_t counter;
    tern_timer tick;
    uint64_t requests;
} server;

static const char counter_key[] = "counter";
static const char well_known[] = "</big>;rt=\"tern.big\";sz=20480;ct=0,"
                                 "</sink>;rt=\"tern.sink\";ct=0,"
                                 "</counter>;rt=\"tern.counter\";obs;ct=0";

/* The /big body: 20480 bytes, 320 numbered lines of 64 bytes, reproducible
 * with (tests/interop compares against this):
 *   for i in $(seq 0 319); do
 *     printf '%05d tern /big abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJK\n' $i; done */
static void make_big(uint8_t *out)
{
    static const char fill[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJK";
    for (unsigned i = 0; i < BIG_LEN / 64; i++) {
        char line[80];
        int n = snprintf(line, sizeof line, "%05u tern /big %s\n", i, fill);
        memcpy(out + (size_t)i * 64, line, (size_t)n < 64 ? (size_t)n : 64);
    }
}

static int sink_block(server *s, const tern_coap_server_req *req, tern_coap_response *resp)
{
    const tern_coap_msg *m = req->msg;
    size_t off = req->b1_offset;
    if (off == 0)
        s->partial_len = 0;
    if (off != s->partial_len) {
        resp->msg.code = TERN_COAP_REQUEST_INCOMPLETE;
        return TERN_OK;
    }
    size_t need = off + m->payload_len;
    if (need > SINK_MAX) {
        resp->msg.code = TERN_COAP_REQUEST_TOO_LARGE;
        return TERN_OK;
    }
    if (need > s->partial_cap) {
        size_t cap = s->partial_cap ? s->partial_cap : 4096;
        while (cap < need)
            cap *= 2;
        uint8_t *nb = realloc(s->partial, cap);
        if (!nb)
            return TERN_ENOMEM;
        s->partial = nb;
        s->partial_cap = cap;
    }
    if (m->payload_len)
        memcpy(s->partial + off, m->payload, m->payload_len);
    s->partial_len = need;
    if (req->b1_more)
        return TERN_OK; /* code 0: 2.31 Continue */
    /* complete: the partial buffer becomes the stored body */
    free(s->sink);
    s->sink = s->partial;
    s->sink_len = s->partial_len;
    s->partial = NULL;
    s->partial_cap = 0;
    s->partial_len = 0;
    printf("sink: stored %zu bytes fnv1a32 0x%08" PRIx32 "\n", s->sink_len,
           fnv1a32(s->sink ? s->sink : (const uint8_t *)"", s->sink_len));
    fflush(stdout);
    resp->msg.code = TERN_COAP_CHANGED;
    return TERN_OK;
}

static int handle(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    server *s = ctx;
    const tern_coap_msg *m = req->msg;
    char path[256];
    if (tern_coap_uri_path_str(m, path, sizeof path) < 0) {
        resp->msg.code = TERN_COAP_NOT_FOUND;
        return TERN_OK;
    }
    s->requests++;
    if (s->c.verbose) {
        char code[5];
        fprintf(stderr, "request %s %s block1 %s off %" PRIu32 "%s, block2 off %" PRIu32 " size %" PRIu32
                        ", observe %" PRId32 ", %zu payload bytes\n",
                tern_coap_code_str(m->code, code), path, req->block1 ? "yes" : "no", req->b1_offset,
                req->b1_more ? " more" : "", req->b2_offset, req->b2_size, req->observe, m->payload_len);
    }
    bool get = m->code == TERN_COAP_GET;
    if (strcmp(path, "/big") == 0) {
        if (!get) {
            resp->msg.code = TERN_COAP_METHOD_NOT_ALLOWED;
            return TERN_OK;
        }
        resp->msg.code = TERN_COAP_CONTENT;
        (void)tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_CONTENT_FORMAT, 0);
        resp->msg.payload = s->big;
        resp->msg.payload_len = sizeof s->big;
        return TERN_OK;
    }
    if (strcmp(path, "/sink") == 0) {
        if (m->code == TERN_COAP_PUT || m->code == TERN_COAP_POST)
            return sink_block(s, req, resp);
        if (get) {
            resp->msg.code = TERN_COAP_CONTENT;
            (void)tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_CONTENT_FORMAT, 42);
            resp->msg.payload = s->sink;
            resp->msg.payload_len = s->sink_len;
            return TERN_OK;
        }
        resp->msg.code = TERN_COAP_METHOD_NOT_ALLOWED;
        return TERN_OK;
    }
    if (strcmp(path, "/counter") == 0) {
        if (!get) {
            resp->msg.code = TERN_COAP_METHOD_NOT_ALLOWED;
            return TERN_OK;
        }
        int n = snprintf((char *)resp->buf, resp->buf_cap, "%" PRIu32, s->counter);
        resp->msg.code = TERN_COAP_CONTENT;
        (void)tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_CONTENT_FORMAT, 0);
        (void)tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_MAX_AGE, 1);
        resp->msg.payload = resp->buf;
        resp->msg.payload_len = n > 0 ? (size_t)n : 0;
        if (req->observe == 0) {
            resp->observe_key = counter_key;
            resp->observe_key_len = sizeof counter_key - 1;
        }
        return TERN_OK;
    }
    if (strcmp(path, "/.well-known/core") == 0) {
        if (!get) {
            resp->msg.code = TERN_COAP_METHOD_NOT_ALLOWED;
            return TERN_OK;
        }
        resp->msg.code = TERN_COAP_CONTENT;
        (void)tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_CONTENT_FORMAT, 40);
        resp->msg.payload = (const uint8_t *)well_known;
        resp->msg.payload_len = sizeof well_known - 1;
        return TERN_OK;
    }
    resp->msg.code = TERN_COAP_NOT_FOUND;
    return TERN_OK;
}

static void on_tick(tern_loop *loop, tern_timer *t)
{
    server *s = t->data;
    s->counter++;
    char text[16];
    int n = snprintf(text, sizeof text, "%" PRIu32, s->counter);
    tern_coap_msg content;
    uint8_t sc[2][4];
    tern_coap_msg_init(&content, TERN_COAP_NON, TERN_COAP_CONTENT, 0);
    (void)tern_coap_opt_add_uint(&content, TERN_COAP_OPT_CONTENT_FORMAT, 0, sc[0]);
    (void)tern_coap_opt_add_uint(&content, TERN_COAP_OPT_MAX_AGE, 1, sc[1]);
    content.payload = (const uint8_t *)text;
    content.payload_len = n > 0 ? (size_t)n : 0;
    /* every 4th notification confirmable, so dead observers are noticed */
    tern_coap_notify_opts no = {.con = s->counter % 4 == 0};
    int k = tern_coap_notify_key(&s->c.ep, counter_key, sizeof counter_key - 1, &content, &no);
    if (s->c.verbose && k > 0)
        fprintf(stderr, "counter %" PRIu32 ": notified %d observer(s)\n", s->counter, k);
    common_kick(&s->c);
    tern_timer_start(loop, t, 1000);
}

static void on_observer_end(void *ctx, tern_coap_handle obs, const void *key, size_t key_len,
                            tern_coap_obs_end why)
{
    server *s = ctx;
    static const char *const whys[] = {"deregistered", "reset", "timeout", "ended", "removed"};
    (void)obs;
    if (s->c.verbose)
        fprintf(stderr, "observer of /%.*s gone: %s\n", (int)key_len, (const char *)key,
                (unsigned)why < 5 ? whys[why] : "?");
}

static int run_server(int argc, char **argv)
{
    server *s = calloc(1, sizeof *s);
    if (!s)
        return EXIT_TRANSPORT;
    const char *bind_s = NULL;
    unsigned long port = 5683;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--bind") == 0 || strcmp(a, "-A") == 0) {
            if (!v) {
                fprintf(stderr, "tern-coap: %s needs an address\n", a);
                free(s);
                return EXIT_USAGE;
            }
            bind_s = v;
            i++;
        } else if (strcmp(a, "--port") == 0 || strcmp(a, "-p") == 0) {
            if (!parse_uint(v, 65535, &port)) {
                fprintf(stderr, "tern-coap: %s wants a port number\n", a);
                free(s);
                return EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "--psk") == 0) {
            if (!parse_psk(&s->c, v)) {
                fprintf(stderr, "tern-coap: --psk wants IDENTITY:HEXKEY (key up to 64 bytes)\n");
                free(s);
                return EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "-v") == 0) {
            s->c.verbose++;
        } else if (strcmp(a, "-vv") == 0) {
            s->c.verbose += 2;
        } else {
            fprintf(stderr, "tern-coap: unknown serve option '%s' (try --help)\n", a);
            free(s);
            return EXIT_USAGE;
        }
    }
    make_big(s->big);
    tern_udp_addr local;
    unsigned flags = TERN_UDP_REUSEADDR;
    if (bind_s) {
        if (tern_udp_addr_parse(&local, bind_s, (uint16_t)port) < 0) {
            fprintf(stderr, "tern-coap: cannot parse --bind '%s'\n", bind_s);
            free(s);
            return EXIT_USAGE;
        }
        flags |= TERN_UDP_DUALSTACK;
    } else {
        (void)tern_udp_addr_parse(&local, "::", (uint16_t)port);
        flags |= TERN_UDP_DUALSTACK;
        tern_udp probe;
        if (tern_udp_open(&probe, &local, flags) < 0 && errno == EAFNOSUPPORT)
            (void)tern_udp_addr_parse(&local, "0.0.0.0", (uint16_t)port);
        else
            tern_udp_close(&probe);
    }
    tern_coap_ep_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.handler = handle;
    cfg.handler_ctx = s;
    cfg.on_observer_end = on_observer_end;
    cfg.observer_ctx = s;
    cfg.max_exchanges = 64;
    cfg.max_dedup = 128;
    cfg.max_observers = 32;
    cfg.max_block1 = 8;
    cfg.max_body = SINK_MAX;
    int code = EXIT_OK;
    if (s->c.secure) {
        tern_tls_config t = psk_config(&s->c, TERN_TLS_SERVER);
        char err[160] = "";
        if (tern_tls_ctx_new(&t, &s->c.tls_ctx, err, sizeof err) < 0) {
            fprintf(stderr, "tern-coap: DTLS: %s\n", err);
            free(s);
            return EXIT_USAGE;
        }
    }
    if (common_open(&s->c, &local, flags, &cfg) < 0) {
        code = EXIT_TRANSPORT;
    } else {
        tern_udp_addr bound;
        char a[64] = "?";
        if (tern_udp_local(&s->c.sock, &bound) == 0)
            (void)tern_udp_addr_format(&bound, a, sizeof a);
        printf("tern-coap: serving on %s%s%s (/big /sink /counter /.well-known/core)\n", a,
               s->c.sock.dual ? " (IPv4 and IPv6)" : "", s->c.secure ? " over DTLS-PSK" : "");
        fflush(stdout);
        tern_timer_init(&s->tick, on_tick, s);
        tern_timer_start(&s->c.loop, &s->tick, 1000);
        while (!s->c.interrupted)
            if (tern_loop_run(&s->c.loop) < 0) {
                fprintf(stderr, "tern-coap: event loop: %s\n", strerror(errno));
                code = EXIT_TRANSPORT;
                break;
            }
        tern_timer_stop(&s->tick);
        tern_coap_ep_stats st;
        tern_coap_ep_get_stats(&s->c.ep, &st);
        fprintf(stderr,
                "tern-coap: stopped after %" PRIu64 " requests (%" PRIu64 " datagrams in, %" PRIu64
                " out, %" PRIu64 " retransmitted)\n",
                s->requests, st.received, st.sent, st.retransmitted);
    }
    common_close(&s->c);
    free(s->sink);
    free(s->partial);
    free(s);
    return code;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return EXIT_OK;
        }
    if (strcmp(argv[1], "serve") == 0)
        return run_server(argc, argv);
    if (strcmp(argv[1], "big") == 0) {
        static uint8_t big[BIG_LEN];
        make_big(big);
        return fwrite(big, 1, sizeof big, stdout) == sizeof big ? EXIT_OK : EXIT_TRANSPORT;
    }
    return run_client(argc, argv);
}
