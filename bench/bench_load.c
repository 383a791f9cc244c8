/* bench_load: the LwM2M Server engine under a fleet of real tern clients.
 *
 * N tern_client instances (each with its own tern_dm holding a Device
 * object /3/0, a CoAP endpoint over a few KiB and a 512-byte work buffer)
 * live in this process; a forked child runs the tern_server engine on a
 * UDP socket bound to 127.0.0.1. Every client has its own source address
 * 127.2.0.1 + i (the whole 127/8 is loopback on Linux) on one shared
 * client socket: it is bound to the wildcard address but tied to the "lo"
 * device (SO_BINDTODEVICE), each datagram leaves with the client's address
 * as its source (IP_PKTINFO) and arrivals are told apart by their
 * destination address. That way 100,000 clients need one file descriptor.
 *
 * Phases, timed by the server process:
 *   1. registration: clients start a window of W at a time (a client
 *      starts when fewer than W Registers are unanswered); registrations/s
 *      from the first to the N-th REGISTERED event;
 *   2. steady state for --seconds: the server issues Read /3/0/0 to random
 *      clients (R outstanding at a time) and counts the round trips; the
 *      clients keep their registrations alive with Updates (lifetime
 *      --lifetime, Update at 90 % of it).
 * Server RSS (VmRSS of the server process) is read before the first
 * Register and after the N-th; the difference / N is printed with the
 * engine's own byte count per registration.
 *
 * Stores: memory; sqlite (WAL, synchronous=FULL, one fsync per put); sqlite
 * with --batch: group commit — every loop iteration of the server is one
 * SQLite transaction (tern_store_sqlite_begin_batch/commit_batch) and the
 * datagrams the endpoint sends during the iteration are held until the
 * commit returned, so no 2.01/2.04 leaves before its record is on disk
 * (see tern/store_sqlite.h). A failed commit stops the server (fail-stop).
 *
 *   bench_load                      default set (10k and 100k memory, store comparison)
 *   bench_load --clients N [--store memory|sqlite] [--batch] [--seconds S]
 *              [--lifetime L] [--window W] [--reads R] [--dir D]
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tern/client.h"
#include "tern/objects.h"
#include "tern/posix.h"
#include "tern/server.h"
#include "tern/store_sqlite.h"

#define CLIENT_BASE 0x7f020001u /* 127.2.0.1 */
#define RX_BATCH 256
#define MSG_MAX 1152

typedef struct opts {
    uint32_t clients;
    int store; /* 0 memory, 1 sqlite */
    bool batch;
    uint32_t seconds;
    uint32_t lifetime;
    uint32_t window;
    uint32_t reads;
    const char *dir;
    uint32_t max_run_s; /* hard bound of one run */
} opts;

/* ======================================================================
 * Server process
 * ====================================================================== */
typedef struct held {
    struct sockaddr_in to;
    uint16_t len;
    uint8_t buf[MSG_MAX];
} held;

typedef struct srvp {
    const opts *o;
    int fd;
    tern_coap_ep ep;
    void *epmem;
    tern_server srv;
    tern_xrng rng;
    tern_store_mem mem;
    tern_store_sqlite db;
    held *q;
    uint32_t nq, qcap;
    uint64_t q_dropped, tx_again;
    /* counters */
    uint64_t regs, upds, expired, dereg;
    tern_time_ms first_reg, last_reg;
    uint64_t reads_ok, reads_err, reads_out;
    uint64_t batches, batch_writes, iters;
} srvp;

static size_t g_live;
static void *a_alloc(void *c, size_t n)
{
    (void)c;
    g_live += n;
    return malloc(n);
}
static void a_free(void *c, void *p, size_t n)
{
    (void)c;
    g_live -= n;
    free(p);
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The endpoint's send: every datagram waits in q until the end of the loop
 * iteration (after the batch commit when batching). */
static int gate_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    srvp *s = ctx;
    tern_udp_addr a;
    if (tern_posix_addr_from_peer(&a, peer) < 0 || a.u.sa.sa_family != AF_INET || n > MSG_MAX)
        return TERN_EINVAL;
    if (s->nq == s->qcap) {
        s->q_dropped++; /* CON retransmission covers it */
        return TERN_OK;
    }
    held *h = &s->q[s->nq++];
    h->to = a.u.in4;
    h->len = (uint16_t)n;
    memcpy(h->buf, b, n);
    return TERN_OK;
}

static void flush_held(srvp *s)
{
    struct mmsghdr mm[64];
    struct iovec iov[64];
    uint32_t i = 0;
    while (i < s->nq) {
        unsigned k = 0;
        for (; k < 64 && i + k < s->nq; k++) {
            held *h = &s->q[i + k];
            iov[k] = (struct iovec){h->buf, h->len};
            memset(&mm[k], 0, sizeof mm[k]);
            mm[k].msg_hdr.msg_name = &h->to;
            mm[k].msg_hdr.msg_namelen = sizeof h->to;
            mm[k].msg_hdr.msg_iov = &iov[k];
            mm[k].msg_hdr.msg_iovlen = 1;
        }
        int r = sendmmsg(s->fd, mm, k, 0);
        if (r <= 0) {
            s->tx_again += k; /* buffer full: dropped, CoAP retransmits */
            i += k;
        } else {
            i += (uint32_t)r;
        }
    }
    s->nq = 0;
}

static void on_event(void *ctx, tern_server *srv, tern_server_event ev, const tern_server_reg *reg)
{
    (void)srv, (void)reg;
    srvp *s = ctx;
    switch (ev) {
    case TERN_SRV_REGISTERED:
        if (s->regs++ == 0)
            s->first_reg = s->srv.now;
        s->last_reg = s->srv.now;
        break;
    case TERN_SRV_UPDATED:
        s->upds++;
        break;
    case TERN_SRV_EXPIRED:
        s->expired++;
        break;
    case TERN_SRV_DEREGISTERED:
        s->dereg++;
        break;
    default:
        break;
    }
}

static void on_read(void *ctx, tern_server *srv, const tern_server_resp *r)
{
    (void)srv;
    srvp *s = ctx;
    if (!r->final)
        return;
    s->reads_out--;
    if (r->err == 0 && r->code == TERN_LC_CONTENT && r->n_entries == 1)
        s->reads_ok++;
    else
        s->reads_err++;
}

static void issue_reads(srvp *s)
{
    tern_op op;
    tern_op_init(&op, TERN_OPK_READ);
    op.path = tern_path_make(3, 3, 0, 0, 0);
    while (s->reads_out < s->o->reads) {
        char ep[24];
        snprintf(ep, sizeof ep, "load-%06u", tern_xrng_next(&s->rng) % s->o->clients);
        if (tern_server_request(&s->srv, ep, &op, NULL, on_read, s, NULL) != TERN_OK) {
            s->reads_err++;
            break;
        }
        s->reads_out++;
    }
}

static int server_main(const opts *o, int fd, int report_fd, const char *dbpath)
{
    srvp *s = calloc(1, sizeof *s);
    if (!s)
        return 1;
    s->o = o;
    s->fd = fd;
    s->qcap = 4096;
    s->q = malloc(sizeof(held) * s->qcap);
    tern_xrng_seed(&s->rng, 7);
    tern_alloc al = {a_alloc, a_free, NULL};
    tern_store st = {0};
    if (o->store == 1) {
        tern_store_sqlite_cfg c = {.path = dbpath, .synchronous = TERN_SQLITE_SYNC_FULL};
        if (tern_store_sqlite_open(&s->db, &c) < 0) {
            fprintf(stderr, "sqlite: %s\n", s->db.errmsg);
            return 1;
        }
        st = tern_store_sqlite_as_store(&s->db);
    } else {
        tern_store_mem_init(&s->mem, &al);
        st = tern_store_mem_as_store(&s->mem);
    }
    tern_coap_ep_cfg ec = {.rng = tern_xrng_as_rng(&s->rng), .send = gate_send, .send_ctx = s,
                           .handler = tern_server_coap_handler, .handler_ctx = &s->srv,
                           .max_exchanges = 1024, .max_dedup = 8192};
    size_t need = tern_coap_ep_mem_size(&ec);
    s->epmem = aligned_alloc(8, (need + 7) & ~(size_t)7);
    if (!s->epmem || tern_coap_ep_init(&s->ep, &ec, s->epmem, need) < 0)
        return 1;
    tern_server_cfg sc = {.ep = &s->ep, .alloc = al, .store = st, .rng = tern_xrng_as_rng(&s->rng),
                          .on_event = on_event, .cb_ctx = s, .request_timeout_ms = 20000};
    tern_time_ms now = tern_posix_now_ms();
    if (tern_server_init(&s->srv, &sc, now) < 0)
        return 1;
    long rss0 = rss_kb();
    double t_start = mono_s(), t_regs_done = 0, t_end = 0;
    uint64_t upds_at_steady = 0, reads_at_steady = 0, tx_at_regs = 0;
    size_t store_bytes = 0;
    struct mmsghdr mm[RX_BATCH];
    struct iovec iov[RX_BATCH];
    struct sockaddr_in from[RX_BATCH];
    static uint8_t rx[RX_BATCH][MSG_MAX + 1];
    long rss1 = -1;
    size_t mem_used_regs = 0;
    int rc = 0;
    for (;;) {
        now = tern_posix_now_ms();
        tern_time_ms d1 = tern_coap_ep_next_deadline(&s->ep), d2 = tern_server_step(&s->srv, now);
        tern_time_ms d = d1 < d2 ? d1 : d2;
        int wait = d == TERN_TIME_NEVER ? 50 : d <= now ? 0 : (int)((d - now) > 50 ? 50 : (d - now));
        struct pollfd pfd = {fd, POLLIN, 0};
        (void)poll(&pfd, 1, wait);
        now = tern_posix_now_ms();
        bool batching = o->store == 1 && o->batch;
        if (batching && tern_store_sqlite_begin_batch(&s->db) < 0) {
            fprintf(stderr, "server: begin batch: %s\n", s->db.errmsg);
            rc = 3;
            break;
        }
        for (;;) {
            for (int i = 0; i < RX_BATCH; i++) {
                iov[i] = (struct iovec){rx[i], sizeof rx[i]};
                memset(&mm[i], 0, sizeof mm[i]);
                mm[i].msg_hdr.msg_name = &from[i];
                mm[i].msg_hdr.msg_namelen = sizeof from[i];
                mm[i].msg_hdr.msg_iov = &iov[i];
                mm[i].msg_hdr.msg_iovlen = 1;
            }
            int n = recvmmsg(fd, mm, RX_BATCH, MSG_DONTWAIT, NULL);
            if (n <= 0)
                break;
            for (int i = 0; i < n; i++) {
                tern_udp_addr a = {.len = sizeof(struct sockaddr_in)};
                a.u.in4 = from[i];
                tern_coap_peer p;
                if (tern_posix_peer_from_addr(&p, &a) == 0 && mm[i].msg_len <= MSG_MAX)
                    tern_coap_ep_feed(&s->ep, &p, rx[i], mm[i].msg_len, now);
            }
            if (n < RX_BATCH)
                break;
            break; /* one batch of datagrams per iteration bounds the commit delay */
        }
        if (t_regs_done > 0 && t_end == 0)
            issue_reads(s);
        (void)tern_coap_ep_step(&s->ep, now);
        (void)tern_server_step(&s->srv, now);
        s->iters++;
        if (batching) {
            uint32_t w = tern_store_sqlite_batch_writes(&s->db);
            if (tern_store_sqlite_commit_batch(&s->db) < 0) {
                /* fail-stop: nothing held may leave (see store_sqlite.h) */
                fprintf(stderr, "server: commit failed, stopping: %s\n", s->db.errmsg);
                rc = 3;
                break;
            }
            if (w) {
                s->batches++;
                s->batch_writes += w;
            }
        }
        flush_held(s);
        double t = mono_s();
        if (t_regs_done == 0 && s->regs >= o->clients) {
            t_regs_done = t;
            rss1 = rss_kb();
            mem_used_regs = s->srv.mem_used;
            store_bytes = o->store == 0 ? s->mem.bytes : 0;
            tx_at_regs = o->store == 0 ? 0 : o->batch ? s->batches : s->db.puts;
            upds_at_steady = s->upds;
            reads_at_steady = s->reads_ok;
        }
        if (t_regs_done > 0 && t_end == 0 && t - t_regs_done >= o->seconds) {
            t_end = t;
            break;
        }
        if (t - t_start > o->max_run_s) {
            fprintf(stderr, "server: run bound of %u s reached with %llu/%u registered\n", o->max_run_s,
                    (unsigned long long)s->regs, o->clients);
            rc = 2;
            break;
        }
    }
    char line[1024];
    double reg_s = (double)(s->last_reg - s->first_reg + 1) / 1000.0; /* ms clock: at least 1 ms */
    double steady = t_end > 0 ? t_end - t_regs_done : 0;
    int len = snprintf(
        line, sizeof line,
        "  server: %llu registrations in %.2f s = %.0f reg/s (%llu SQLite transactions for them: %s)\n"
        "  server: RSS %ld -> %ld KiB: %.0f bytes/registration (engine's own: %.0f, memory store's records: "
        "%.0f bytes/registration)\n"
        "  server: steady %.1f s: %.0f reads/s round trip (%llu ok, %llu failed), %llu Updates (%.0f/s), "
        "%llu expired, %u registered at end\n",
        (unsigned long long)s->regs, reg_s, reg_s > 0 ? (double)s->regs / reg_s : 0.0,
        (unsigned long long)tx_at_regs,
        o->store == 0 ? "memory store" : o->batch ? "group commit per loop iteration" : "one fsync per put",
        rss0, rss1, rss1 > 0 ? (double)(rss1 - rss0) * 1024.0 / o->clients : 0.0,
        (double)mem_used_regs / o->clients, (double)store_bytes / o->clients, steady,
        steady > 0 ? (double)(s->reads_ok - reads_at_steady) / steady : 0.0, (unsigned long long)s->reads_ok,
        (unsigned long long)s->reads_err, (unsigned long long)(s->upds - upds_at_steady),
        steady > 0 ? (double)(s->upds - upds_at_steady) / steady : 0.0, (unsigned long long)s->expired,
        tern_server_count(&s->srv));
    if (s->q_dropped || s->tx_again)
        len += snprintf(line + len, sizeof line - (size_t)len,
                        "  server: %llu datagrams dropped (hold queue full %llu, socket full %llu)\n",
                        (unsigned long long)(s->q_dropped + s->tx_again), (unsigned long long)s->q_dropped,
                        (unsigned long long)s->tx_again);
    if (len > 0)
        (void)!write(report_fd, line, strlen(line));
    tern_server_deinit(&s->srv);
    tern_coap_ep_deinit(&s->ep);
    if (o->store == 1)
        tern_store_sqlite_close(&s->db);
    else
        tern_store_mem_deinit(&s->mem);
    return rc;
}

/* ======================================================================
 * Client side: N tern clients over one socket
 * ====================================================================== */
typedef struct lclient {
    tern_client c;
    tern_dm dm;
    tern_device dev;
    tern_client_sec sec;
    tern_client_server srvs;
    tern_xrng x;
    tern_time_ms due;
    uint32_t idx;
    bool started, registered;
    char ep[16];
    uint8_t dmwork[512];
    uint8_t work[512];
} lclient;

typedef struct hent {
    tern_time_ms t;
    uint32_t idx;
} hent;

typedef struct fleet {
    const opts *o;
    int fd;
    lclient *cl;
    uint8_t *coapmem;
    size_t coapmem_len;
    tern_coap_peer srv_peer;
    tern_udp_addr srv_addr;
    hent *heap;
    size_t hlen, hcap;
    uint32_t n_started, n_registered, n_updated, n_failed;
    uint64_t tx_fail;
} fleet;

static fleet *F;

static void hpush(fleet *f, tern_time_ms t, uint32_t idx)
{
    if (t == TERN_TIME_NEVER)
        return;
    if (f->hlen == f->hcap) {
        f->hcap = f->hcap ? f->hcap * 2 : 1024;
        f->heap = realloc(f->heap, f->hcap * sizeof *f->heap);
    }
    size_t i = f->hlen++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (f->heap[p].t <= t)
            break;
        f->heap[i] = f->heap[p];
        i = p;
    }
    f->heap[i] = (hent){t, idx};
}

static hent hpop(fleet *f)
{
    hent top = f->heap[0], last = f->heap[--f->hlen];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= f->hlen)
            break;
        if (c + 1 < f->hlen && f->heap[c + 1].t < f->heap[c].t)
            c++;
        if (last.t <= f->heap[c].t)
            break;
        f->heap[i] = f->heap[c];
        i = c;
    }
    if (f->hlen)
        f->heap[i] = last;
    return top;
}

static void cl_step(fleet *f, lclient *c, tern_time_ms now)
{
    c->due = tern_client_step(&c->c, now);
    hpush(f, c->due, c->idx);
}

static int cl_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    lclient *c = ctx;
    (void)peer;
    char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = {(void *)(uintptr_t)b, n};
    struct msghdr mh = {.msg_name = &F->srv_addr.u.in4, .msg_namelen = sizeof F->srv_addr.u.in4,
                        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = IPPROTO_IP;
    cm->cmsg_type = IP_PKTINFO;
    cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    struct in_pktinfo pi = {0};
    pi.ipi_spec_dst.s_addr = htonl(CLIENT_BASE + c->idx);
    memcpy(CMSG_DATA(cm), &pi, sizeof pi);
    if (sendmsg(F->fd, &mh, 0) < 0)
        F->tx_fail++; /* CoAP retransmits */
    return TERN_OK;
}

static int cl_connect(void *ctx, const tern_client_sec *sec, tern_coap_peer *out)
{
    (void)ctx, (void)sec;
    *out = F->srv_peer;
    return 0;
}

static void cl_event(void *ctx, tern_client_event ev, uint16_t ssid)
{
    (void)ssid;
    lclient *c = ctx;
    if (ev == TERN_CLIENT_REGISTERED && !c->registered) {
        c->registered = true;
        F->n_registered++;
    } else if (ev == TERN_CLIENT_UPDATED) {
        F->n_updated++;
    } else if (ev == TERN_CLIENT_REG_FAILED) {
        F->n_failed++;
    }
}

static int cl_init(fleet *f, uint32_t i, uint16_t sport)
{
    lclient *c = &f->cl[i];
    c->idx = i;
    snprintf(c->ep, sizeof c->ep, "load-%06u", i);
    tern_xrng_seed(&c->x, 1000u + i);
    tern_dm_cfg dc = {.work = c->dmwork, .work_len = sizeof c->dmwork};
    if (tern_dm_init(&c->dm, &dc) < 0)
        return -1;
    tern_device_cfg dv = {.manufacturer = "tern", .model = "load", .binding_modes = "U"};
    if (tern_device_init(&c->dev, &dv) < 0 || tern_dm_add(&c->dm, tern_device_obj(&c->dev)) < 0)
        return -1;
    c->sec = (tern_client_sec){.used = true, .mode = 3, .ssid = 1, .holdoff_s = -1, .bs_timeout_s = -1};
    snprintf(c->sec.uri, sizeof c->sec.uri, "coap://127.0.0.1:%u", sport);
    c->srvs = (tern_client_server){.used = true, .ssid = 1, .lifetime_s = f->o->lifetime, .dmin_s = -1,
                                   .dmax_s = -1, .disable_timeout_s = -1, .bs_on_fail = false,
                                   .retry_count = -1, .retry_timer_s = -1, .seq_delay_s = -1,
                                   .seq_retry_count = -1};
    memcpy(c->srvs.binding, "U", 2);
    tern_client_cfg cfg = {
        .endpoint = c->ep, .rng = tern_xrng_as_rng(&c->x), .dm = &c->dm, .sec = &c->sec, .sec_cap = 1,
        .srv = &c->srvs, .srv_cap = 1, .coap_mem = f->coapmem + (size_t)i * f->coapmem_len,
        .coap_mem_len = f->coapmem_len, .work = c->work, .work_len = sizeof c->work, .send = cl_send,
        .send_ctx = c, .connect = cl_connect, .on_event = cl_event, .event_ctx = c, .bs_pct = -1,
    };
    cfg.coap = (tern_coap_ep_cfg){.max_exchanges = 2, .max_dedup = 2, .max_observers = 1, .max_block1 = 1,
                                  .max_msg_size = 512, .max_queue = 2};
    return tern_client_init(&c->c, &cfg);
}

static int open_client_socket(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* wildcard bind, but only the loopback device delivers to it */
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) != 0) {
        perror("SO_BINDTODEVICE lo");
        close(fd);
        return -1;
    }
    int one = 1, buf = 16 << 20;
    (void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static int run(const opts *o)
{
    printf("== %u clients, store %s%s, lifetime %u s, steady phase %u s (window %u Registers, %u reads in "
           "flight)\n",
           o->clients, o->store ? "sqlite (WAL, synchronous=FULL)" : "memory", o->batch ? ", group commit" : "",
           o->lifetime, o->seconds, o->window, o->reads);
    fflush(stdout);
    fleet *f = calloc(1, sizeof *f);
    F = f;
    f->o = o;
    /* server socket (127.0.0.1, kernel port) made here so its port is known */
    int sfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int buf = 16 << 20;
    if (setsockopt(sfd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0)
        (void)setsockopt(sfd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    if (setsockopt(sfd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) != 0)
        (void)setsockopt(sfd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (sfd < 0 || bind(sfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(sfd, (struct sockaddr *)&sa, &sl) != 0) {
        perror("server socket");
        return 1;
    }
    uint16_t sport = ntohs(sa.sin_port);
    f->srv_addr.u.in4 = sa;
    f->srv_addr.len = sizeof sa;
    tern_posix_peer_from_addr(&f->srv_peer, &f->srv_addr);
    f->fd = open_client_socket();
    if (f->fd < 0) {
        fprintf(stderr, "client socket failed\n");
        return 1;
    }

    char dir[300] = "", dbpath[400] = "";
    if (o->store == 1) {
        snprintf(dir, sizeof dir, "%s/tern-load-XXXXXX", o->dir);
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
        snprintf(dbpath, sizeof dbpath, "%s/tern.db", dir);
    }
    int pfd[2];
    if (pipe(pfd) != 0)
        return 1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        /* a fresh process image, so the server's RSS owes nothing to this
         * process's heap (earlier runs, the fleet) */
        close(pfd[0]);
        close(f->fd);
        (void)fcntl(sfd, F_SETFD, 0);
        (void)fcntl(pfd[1], F_SETFD, 0);
        char a[10][32];
        snprintf(a[0], sizeof a[0], "%d", sfd);
        snprintf(a[1], sizeof a[1], "%d", pfd[1]);
        snprintf(a[2], sizeof a[2], "%u", o->clients);
        snprintf(a[3], sizeof a[3], "%d", o->store);
        snprintf(a[4], sizeof a[4], "%d", o->batch);
        snprintf(a[5], sizeof a[5], "%u", o->seconds);
        snprintf(a[6], sizeof a[6], "%u", o->reads);
        snprintf(a[7], sizeof a[7], "%u", o->max_run_s);
        execl("/proc/self/exe", "bench_load", "--serve", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
              dbpath[0] ? dbpath : "-", (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    close(sfd);

    /* the fleet */
    tern_coap_ep_cfg cc = {.max_exchanges = 2, .max_dedup = 2, .max_observers = 1, .max_block1 = 1,
                           .max_msg_size = 512, .max_queue = 2};
    f->coapmem_len = (tern_coap_ep_mem_size(&cc) + 7) & ~(size_t)7;
    f->cl = calloc(o->clients, sizeof *f->cl);
    f->coapmem = aligned_alloc(8, f->coapmem_len * o->clients);
    if (!f->cl || !f->coapmem) {
        fprintf(stderr, "out of memory for %u clients\n", o->clients);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return 1;
    }
    for (uint32_t i = 0; i < o->clients; i++)
        if (cl_init(f, i, sport) < 0) {
            fprintf(stderr, "client %u init failed\n", i);
            kill(pid, SIGTERM);
            waitpid(pid, NULL, 0);
            return 1;
        }
    double t0 = mono_s(), t_reg = 0;
    struct mmsghdr mm[RX_BATCH];
    struct iovec iov[RX_BATCH];
    static uint8_t rx[RX_BATCH][MSG_MAX + 1];
    static char ctl[RX_BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
    bool child_done = false;
    char report[2048];
    size_t rlen = 0;
    while (!child_done) {
        tern_time_ms now = tern_posix_now_ms();
        /* start clients within the window */
        while (f->n_started < o->clients && f->n_started - f->n_registered < o->window) {
            lclient *c = &f->cl[f->n_started++];
            c->started = true;
            cl_step(f, c, now);
        }
        /* due timers */
        while (f->hlen && f->heap[0].t <= now) {
            hent e = hpop(f);
            lclient *c = &f->cl[e.idx];
            if (c->due == e.t)
                cl_step(f, c, now);
        }
        int wait = 50;
        if (f->hlen) {
            tern_time_ms d = f->heap[0].t - tern_posix_now_ms();
            wait = d <= 0 ? 0 : d < 50 ? (int)d : 50;
        }
        struct pollfd pf[2] = {{f->fd, POLLIN, 0}, {pfd[0], POLLIN, 0}};
        (void)poll(pf, 2, wait);
        if (pf[1].revents) {
            ssize_t n = read(pfd[0], report + rlen, sizeof report - 1 - rlen);
            if (n <= 0)
                child_done = true;
            else
                rlen += (size_t)n;
        }
        now = tern_posix_now_ms();
        for (int rounds = 0; rounds < 8; rounds++) {
            for (int i = 0; i < RX_BATCH; i++) {
                iov[i] = (struct iovec){rx[i], sizeof rx[i]};
                memset(&mm[i], 0, sizeof mm[i]);
                mm[i].msg_hdr.msg_iov = &iov[i];
                mm[i].msg_hdr.msg_iovlen = 1;
                mm[i].msg_hdr.msg_control = ctl[i];
                mm[i].msg_hdr.msg_controllen = sizeof ctl[i];
            }
            int n = recvmmsg(f->fd, mm, RX_BATCH, MSG_DONTWAIT, NULL);
            if (n <= 0)
                break;
            for (int i = 0; i < n; i++) {
                uint32_t dst = 0;
                for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mm[i].msg_hdr); cm; cm = CMSG_NXTHDR(&mm[i].msg_hdr, cm))
                    if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
                        struct in_pktinfo pi;
                        memcpy(&pi, CMSG_DATA(cm), sizeof pi);
                        dst = ntohl(pi.ipi_addr.s_addr);
                    }
                if (dst < CLIENT_BASE || dst - CLIENT_BASE >= o->clients || mm[i].msg_len > MSG_MAX)
                    continue;
                lclient *c = &f->cl[dst - CLIENT_BASE];
                tern_client_feed(&c->c, &f->srv_peer, rx[i], mm[i].msg_len, now);
                cl_step(f, c, now);
            }
            if (n < RX_BATCH)
                break;
        }
        if (t_reg == 0 && f->n_registered == o->clients)
            t_reg = mono_s();
        if (mono_s() - t0 > o->max_run_s + 10) {
            fprintf(stderr, "clients: run bound reached, stopping the server\n");
            kill(pid, SIGTERM);
            break;
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    close(pfd[0]);
    report[rlen] = 0;
    fputs(report, stdout);
    printf("  clients: %u/%u registered (%.2f s from the first Register, %u failed), %u Updates answered; "
           "memory per client %zu bytes (tern_client %zu, CoAP endpoint %zu, dm + Device + 2 x 512 B "
           "buffers + bench state %zu)\n",
           f->n_registered, o->clients, t_reg > 0 ? t_reg - t0 : -1.0, f->n_failed, f->n_updated,
           sizeof(lclient) + f->coapmem_len, sizeof(tern_client), f->coapmem_len,
           sizeof(lclient) - sizeof(tern_client));
    if (f->tx_fail)
        printf("  clients: %llu sends failed (socket buffer)\n", (unsigned long long)f->tx_fail);
    fflush(stdout);
    for (uint32_t i = 0; i < o->clients; i++)
        tern_client_deinit(&f->cl[i].c);
    close(f->fd);
    free(f->cl);
    free(f->coapmem);
    free(f->heap);
    free(f);
    if (dir[0])
        nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 11 && !strcmp(argv[1], "--serve")) {
        static opts so;
        so.clients = (uint32_t)strtoul(argv[4], NULL, 10);
        so.store = atoi(argv[5]);
        so.batch = atoi(argv[6]) != 0;
        so.seconds = (uint32_t)strtoul(argv[7], NULL, 10);
        so.reads = (uint32_t)strtoul(argv[8], NULL, 10);
        so.max_run_s = (uint32_t)strtoul(argv[9], NULL, 10);
        int rc = server_main(&so, atoi(argv[2]), atoi(argv[3]), argv[10]);
        fflush(stdout);
        return rc;
    }
    const char *tmp = getenv("TMPDIR");
    opts o = {.clients = 0, .seconds = 0, .lifetime = 30, .window = 512, .reads = 64,
              .dir = tmp && *tmp ? tmp : "/tmp", .max_run_s = 150};
    bool have_seconds = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--batch")) {
            o.batch = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "%s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--clients"))
            o.clients = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--store")) {
            if (!strcmp(v, "memory"))
                o.store = 0;
            else if (!strcmp(v, "sqlite"))
                o.store = 1;
            else if (!strcmp(v, "sqlite-batch"))
                o.store = 1, o.batch = true;
            else {
                fprintf(stderr, "--store memory|sqlite|sqlite-batch\n");
                return 2;
            }
        } else if (!strcmp(a, "--seconds")) {
            o.seconds = (uint32_t)strtoul(v, NULL, 10);
            have_seconds = true;
        } else if (!strcmp(a, "--lifetime"))
            o.lifetime = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--window"))
            o.window = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--reads"))
            o.reads = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--dir"))
            o.dir = v;
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
    }
    if (o.batch && o.store == 0) {
        fprintf(stderr, "--batch needs --store sqlite\n");
        return 2;
    }
    if (o.clients > 0) {
        if (o.clients > 1000000) {
            fprintf(stderr, "--clients: at most 1000000\n");
            return 2;
        }
        if (!have_seconds)
            o.seconds = 10;
        return run(&o);
    }
    /* default set */
    int rc = 0;
    opts a = o;
    a.clients = 10000, a.seconds = have_seconds ? o.seconds : 30;
    rc |= run(&a);
    a.clients = 100000;
    rc |= run(&a);
    a.store = 1, a.batch = false, a.clients = 2000, a.seconds = have_seconds ? o.seconds : 3;
    rc |= run(&a);
    a.batch = true, a.clients = 10000;
    rc |= run(&a);
    return rc;
}
