/* tern — POSIX platform: DTLS (tern_tls) between a UDP socket and a CoAP
 * endpoint (LwM2M 1.2 Transport §5.2). Library tern_posix_dtls, so that
 * tern_posix stays free of the TLS backend.
 *
 * One table of per-peer sessions, keyed by the peer's socket address (the
 * same bytes as the endpoint's tern_coap_peer). Server side: a datagram from
 * an unknown address goes through the stateless cookie exchange first
 * (tern_tls_cookie_check), a session is created only for a returned cookie.
 * Client side: tern_posix_dtls_connect() declares a peer secure; its
 * handshake starts with the first datagram the endpoint sends to it, and
 * plaintext is queued until the session is established.
 *
 * The table is allocated once; entries are never moved, so an entry is the
 * tern_tls session's callback context. Sessions are freed only outside of
 * their own callbacks (marked dead, swept afterwards). */
#include "tern/posix.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DTLS_QMAX_DEFAULT 8
#define DTLS_MAX_SESSIONS_DEFAULT 64
#define DTLS_IDLE_DEFAULT_MS (2 * 3600 * 1000)

typedef struct dtls_sess {
    tern_posix_dtls *d;
    bool used, dead, client, started, up_reported;
    tern_coap_peer peer;
    tern_udp_addr addr;
    tern_tls_session *s;
    tern_tls_ctx *own_ctx; /* client: created by connect, freed with the session */
    tern_time_ms last_rx, due;
    size_t nq;
    uint8_t **q;
    size_t *qlen;
} dtls_sess;

struct tern_posix_dtls {
    tern_posix_dtls_cfg cfg;
    tern_io io;
    tern_timer timer;
    dtls_sess *tab;
    size_t cap;
    int busy; /* nesting depth of callbacks that may touch entries */
    uint8_t rx[TERN_POSIX_RX_MAX];
};

static void dlog(const tern_posix_dtls *d, tern_log_level lv, const char *fmt, ...) TERN_PRINTF(3, 4);
static void dlog(const tern_posix_dtls *d, tern_log_level lv, const char *fmt, ...)
{
    if (!d->cfg.log.fn || lv > d->cfg.log.max_level)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->cfg.log.fn(d->cfg.log.ctx, lv, "dtls", msg);
}

static tern_time_ms now_of(tern_posix_dtls *d)
{
    tern_loop_update_time(d->cfg.loop);
    return tern_loop_now(d->cfg.loop);
}

static void q_clear(dtls_sess *e)
{
    for (size_t i = 0; i < e->nq; i++)
        free(e->q[i]);
    e->nq = 0;
}

static void sess_release(dtls_sess *e)
{
    q_clear(e);
    free(e->q);
    free(e->qlen);
    tern_tls_session_free(e->s);
    tern_tls_ctx_free(e->own_ctx);
    tern_posix_dtls *d = e->d;
    memset(e, 0, sizeof *e);
    e->d = d;
}

static void sweep(tern_posix_dtls *d)
{
    if (d->busy)
        return;
    for (size_t i = 0; i < d->cap; i++)
        if (d->tab[i].used && d->tab[i].dead)
            sess_release(&d->tab[i]);
}

static void event(tern_posix_dtls *d, dtls_sess *e, tern_posix_dtls_event ev)
{
    if (d->cfg.on_event) {
        d->busy++;
        d->cfg.on_event(d->cfg.event_ctx, &e->peer, ev, e->s);
        d->busy--;
    }
}

static dtls_sess *find(const tern_posix_dtls *d, const tern_coap_peer *peer)
{
    for (size_t i = 0; i < d->cap; i++) {
        dtls_sess *e = &d->tab[i];
        if (e->used && !e->dead && tern_coap_peer_eq(&e->peer, peer))
            return e;
    }
    return NULL;
}

/* A free entry; when the table is full the least recently active entry that
 * is still handshaking (server side) is evicted, else NULL. */
static dtls_sess *alloc_entry(tern_posix_dtls *d, bool evict_established)
{
    dtls_sess *victim = NULL;
    for (size_t i = 0; i < d->cap; i++) {
        dtls_sess *e = &d->tab[i];
        if (!e->used)
            return e;
        if (e->dead)
            continue;
        bool hs = tern_tls_session_state(e->s) != TERN_TLS_ESTABLISHED;
        if ((hs || evict_established) && (!victim || e->last_rx < victim->last_rx))
            victim = e;
    }
    if (!victim || d->busy)
        return NULL;
    dlog(d, TERN_LOG_INFO, "session table full: evicting a session");
    sess_release(victim);
    return victim;
}

static int out_fn(void *ctx, const uint8_t *data, size_t len)
{
    dtls_sess *e = ctx;
    int rc = tern_udp_send(e->d->cfg.sock, &e->addr, data, len);
    return rc == TERN_AGAIN ? TERN_OK : rc;
}

static void data_fn(void *ctx, const uint8_t *data, size_t len)
{
    dtls_sess *e = ctx;
    tern_posix_dtls *d = e->d;
    if (d->cfg.on_data) {
        d->busy++;
        d->cfg.on_data(d->cfg.ctx, &e->peer, data, len);
        d->busy--;
    }
}

typedef struct cookie_out {
    tern_posix_dtls *d;
    const tern_udp_addr *to;
} cookie_out;

static int cookie_out_fn(void *ctx, const uint8_t *data, size_t len)
{
    cookie_out *c = ctx;
    int rc = tern_udp_send(c->d->cfg.sock, c->to, data, len);
    return rc == TERN_AGAIN ? TERN_OK : rc;
}

static int sess_new(tern_posix_dtls *d, dtls_sess *e, tern_tls_ctx *ctx, const tern_coap_peer *peer,
                    const tern_udp_addr *addr, const tern_tls_prestate *pre)
{
    e->d = d;
    e->used = true;
    e->peer = *peer;
    e->addr = *addr;
    e->last_rx = tern_loop_now(d->cfg.loop);
    e->due = TERN_TIME_NEVER;
    e->q = calloc(d->cfg.queue_max, sizeof *e->q);
    e->qlen = calloc(d->cfg.queue_max, sizeof *e->qlen);
    tern_tls_session_cfg sc = {.output = out_fn, .on_data = data_fn, .cb_ctx = e, .prestate = pre};
    int rc = (e->q && e->qlen) ? tern_tls_session_new(ctx, &sc, &e->s) : TERN_ENOMEM;
    if (rc < 0) {
        e->s = NULL;
        sess_release(e);
    }
    return rc;
}

static void flush_queue(tern_posix_dtls *d, dtls_sess *e, tern_time_ms now)
{
    for (size_t i = 0; i < e->nq; i++) {
        int rc = tern_tls_write(e->s, e->q[i], e->qlen[i], now);
        if (rc < 0)
            dlog(d, TERN_LOG_WARN, "queued datagram not sent: %s", tern_strerror(rc));
    }
    q_clear(e);
}

/* After feed/step: report state changes, flush the queue, mark dead. */
static void after(tern_posix_dtls *d, dtls_sess *e, tern_time_ms now)
{
    tern_tls_state st = tern_tls_session_state(e->s);
    char who[48];
    if (st == TERN_TLS_ESTABLISHED && !e->up_reported) {
        e->up_reported = true;
        tern_udp_addr_format(&e->addr, who, sizeof who);
        dlog(d, TERN_LOG_INFO, "DTLS session with %s established (%s)", who, tern_tls_session_suite(e->s));
        event(d, e, TERN_POSIX_DTLS_ESTABLISHED);
        if (!e->dead)
            flush_queue(d, e, now);
    } else if ((st == TERN_TLS_FAILED || st == TERN_TLS_CLOSED) && !e->dead) {
        bool sent = false;
        int al = tern_tls_session_alert(e->s, &sent);
        tern_udp_addr_format(&e->addr, who, sizeof who);
        if (st == TERN_TLS_FAILED)
            dlog(d, TERN_LOG_WARN, "DTLS session with %s failed: %s (alert %s %s)", who,
                 tern_tls_session_error(e->s), al >= 0 ? tern_tls_alert_name(al) : "none",
                 sent ? "sent" : "received");
        else
            dlog(d, TERN_LOG_INFO, "DTLS session with %s closed by the peer", who);
        event(d, e, st == TERN_TLS_FAILED ? TERN_POSIX_DTLS_FAILED : TERN_POSIX_DTLS_CLOSED);
        e->dead = true;
    }
}

static void rearm(tern_posix_dtls *d)
{
    tern_time_ms now = now_of(d), next = TERN_TIME_NEVER;
    for (size_t i = 0; i < d->cap; i++) {
        dtls_sess *e = &d->tab[i];
        if (!e->used || e->dead)
            continue;
        next = TERN_MIN(next, e->due);
        if (!e->client)
            next = TERN_MIN(next, e->last_rx + (tern_time_ms)d->cfg.idle_ms);
    }
    (void)now;
    if (next == TERN_TIME_NEVER)
        tern_timer_stop(&d->timer);
    else if (next != tern_timer_due(&d->timer))
        tern_timer_start_at(d->cfg.loop, &d->timer, next);
}

static void step_one(tern_posix_dtls *d, dtls_sess *e, tern_time_ms now)
{
    if (!e->started)
        return;
    e->due = tern_tls_step(e->s, now);
    after(d, e, now);
}

static void on_timer(tern_loop *loop, tern_timer *t)
{
    (void)loop;
    tern_posix_dtls *d = t->data;
    tern_time_ms now = now_of(d);
    for (size_t i = 0; i < d->cap; i++) {
        dtls_sess *e = &d->tab[i];
        if (!e->used || e->dead)
            continue;
        if (e->due <= now)
            step_one(d, e, now);
        if (!e->dead && !e->client && now - e->last_rx >= (tern_time_ms)d->cfg.idle_ms) {
            char who[48];
            tern_udp_addr_format(&e->addr, who, sizeof who);
            dlog(d, TERN_LOG_INFO, "DTLS session with %s expired (idle)", who);
            (void)tern_tls_close(e->s);
            event(d, e, TERN_POSIX_DTLS_CLOSED);
            e->dead = true;
        }
    }
    sweep(d);
    rearm(d);
}

/* A ClientHello in epoch 0 (a new handshake from an address that has a
 * session: the client restarted, RFC 6347 §4.2.8). */
static bool is_client_hello(const uint8_t *p, size_t n)
{
    return n >= 13 + 12 && p[0] == 22 && p[3] == 0 && p[4] == 0 && p[13] == 1;
}

static void input(tern_posix_dtls *d, const tern_udp_addr *from, const uint8_t *buf, size_t n, tern_time_ms now)
{
    tern_coap_peer peer;
    if (tern_posix_peer_from_addr(&peer, from) < 0)
        return;
    dtls_sess *e = find(d, &peer);
    if (e && !e->client && d->cfg.accept_ctx && is_client_hello(buf, n) &&
        tern_tls_session_state(e->s) != TERN_TLS_HANDSHAKING)
        e = NULL; /* goes through the cookie exchange; replaces the old session on success */
    if (e) {
        e->last_rx = now;
        if (e->client && !e->started)
            return; /* nothing sent yet: a stray datagram */
        (void)tern_tls_feed(e->s, buf, n, now);
        if (!e->dead) {
            e->due = tern_tls_step(e->s, now);
            after(d, e, now);
        }
        return;
    }
    if (d->cfg.accept_ctx && n >= 13 && buf[0] >= 20 && buf[0] <= 25) {
        tern_tls_prestate pre;
        cookie_out co = {d, from};
        int rc = tern_tls_cookie_check(d->cfg.accept_ctx, (tern_bytes){(const uint8_t *)&from->u, from->len}, buf,
                                       n, cookie_out_fn, &co, &pre);
        if (rc != TERN_OK)
            return; /* HelloVerifyRequest sent (no state), or not a ClientHello */
        dtls_sess *old = find(d, &peer);
        if (old && !d->busy) {
            (void)tern_tls_close(old->s);
            event(d, old, TERN_POSIX_DTLS_CLOSED);
            sess_release(old);
        } else if (old) {
            return;
        }
        e = alloc_entry(d, false);
        if (!e) {
            dlog(d, TERN_LOG_WARN, "session table full: new DTLS peer dropped");
            return;
        }
        if (sess_new(d, e, d->cfg.accept_ctx, &peer, from, &pre) < 0)
            return;
        e->started = true;
        (void)tern_tls_feed(e->s, buf, n, now);
        if (!e->dead) {
            e->due = tern_tls_step(e->s, now);
            after(d, e, now);
        }
        return;
    }
    if (d->cfg.on_plain) {
        d->busy++;
        d->cfg.on_plain(d->cfg.ctx, &peer, buf, n);
        d->busy--;
    }
}

static void on_readable(tern_loop *loop, tern_io *io, unsigned events)
{
    (void)loop, (void)events;
    tern_posix_dtls *d = io->data;
    for (int i = 0; i < 64; i++) {
        tern_udp_addr from;
        size_t n;
        int rc = tern_udp_recv(d->cfg.sock, d->rx, sizeof d->rx, &n, &from);
        if (rc == TERN_AGAIN)
            break;
        if (rc < 0) {
            if (rc == TERN_ETOOBIG)
                continue;
            break;
        }
        input(d, &from, d->rx, n, now_of(d));
    }
    sweep(d);
    rearm(d);
}

int tern_posix_dtls_new(const tern_posix_dtls_cfg *cfg, tern_posix_dtls **out)
{
    if (!cfg || !out || !cfg->loop || !cfg->sock || cfg->sock->fd < 0)
        return TERN_EINVAL;
    tern_posix_dtls *d = calloc(1, sizeof *d);
    if (!d)
        return TERN_ENOMEM;
    d->cfg = *cfg;
    if (!d->cfg.max_sessions)
        d->cfg.max_sessions = DTLS_MAX_SESSIONS_DEFAULT;
    if (!d->cfg.idle_ms)
        d->cfg.idle_ms = DTLS_IDLE_DEFAULT_MS;
    if (!d->cfg.queue_max)
        d->cfg.queue_max = DTLS_QMAX_DEFAULT;
    d->cap = d->cfg.max_sessions;
    d->tab = calloc(d->cap, sizeof *d->tab);
    if (!d->tab) {
        free(d);
        return TERN_ENOMEM;
    }
    for (size_t i = 0; i < d->cap; i++)
        d->tab[i].d = d;
    tern_timer_init(&d->timer, on_timer, d);
    tern_io_init(&d->io, cfg->sock->fd, on_readable, d);
    int rc = tern_io_start(cfg->loop, &d->io, TERN_IO_READ);
    if (rc < 0) {
        free(d->tab);
        free(d);
        return rc;
    }
    *out = d;
    return TERN_OK;
}

void tern_posix_dtls_free(tern_posix_dtls *d)
{
    if (!d)
        return;
    tern_io_stop(&d->io);
    tern_timer_stop(&d->timer);
    for (size_t i = 0; i < d->cap; i++) {
        dtls_sess *e = &d->tab[i];
        if (!e->used)
            continue;
        if (!e->dead && tern_tls_session_state(e->s) == TERN_TLS_ESTABLISHED)
            (void)tern_tls_close(e->s); /* close_notify */
        sess_release(e);
    }
    free(d->tab);
    free(d);
}

int tern_posix_dtls_connect(tern_posix_dtls *d, const tern_coap_peer *peer, const tern_tls_config *tls, char *err,
                            size_t errcap)
{
    if (!d || !peer || !tls || tls->role != TERN_TLS_CLIENT || tls->transport != TERN_TLS_DATAGRAM)
        return TERN_EINVAL;
    tern_udp_addr addr;
    int rc = tern_posix_addr_from_peer(&addr, peer);
    if (rc < 0)
        return rc;
    tern_tls_ctx *ctx = NULL;
    rc = tern_tls_ctx_new(tls, &ctx, err, errcap);
    if (rc < 0)
        return rc;
    dtls_sess *old = find(d, peer);
    if (old) {
        if (tern_tls_session_state(old->s) == TERN_TLS_ESTABLISHED)
            (void)tern_tls_close(old->s);
        if (d->busy)
            old->dead = true;
        else
            sess_release(old);
    }
    dtls_sess *e = alloc_entry(d, true);
    if (!e) {
        tern_tls_ctx_free(ctx);
        return TERN_EFULL;
    }
    rc = sess_new(d, e, ctx, peer, &addr, NULL);
    if (rc < 0) {
        tern_tls_ctx_free(ctx);
        return rc;
    }
    e->own_ctx = ctx;
    e->client = true;
    return TERN_OK;
}

int tern_posix_dtls_send(void *dtls, const tern_coap_peer *peer, const uint8_t *bytes, size_t len)
{
    tern_posix_dtls *d = dtls;
    dtls_sess *e = find(d, peer);
    if (!e) {
        if (!d->cfg.on_plain)
            return TERN_ESTATE; /* DTLS-only socket: nothing in clear */
        return tern_posix_coap_send(d->cfg.sock, peer, bytes, len);
    }
    tern_time_ms now = now_of(d);
    tern_tls_state st = tern_tls_session_state(e->s);
    if (st == TERN_TLS_ESTABLISHED)
        return tern_tls_write(e->s, bytes, len, now);
    if (st != TERN_TLS_HANDSHAKING)
        return TERN_ESTATE;
    if (!e->client && !e->started)
        return TERN_ESTATE;
    if (e->nq >= d->cfg.queue_max)
        return TERN_OK; /* dropped like a lost datagram */
    uint8_t *c = malloc(len ? len : 1);
    if (!c)
        return TERN_ENOMEM;
    memcpy(c, bytes, len);
    e->q[e->nq] = c;
    e->qlen[e->nq++] = len;
    if (e->client && !e->started) {
        e->started = true;
        e->last_rx = now;
        d->busy++;
        step_one(d, e, now);
        d->busy--;
        rearm(d);
    }
    return TERN_OK;
}

int tern_posix_dtls_peer(const tern_posix_dtls *d, const tern_coap_peer *peer, tern_tls_peer *out)
{
    if (!d || !peer || !out)
        return TERN_EINVAL;
    dtls_sess *e = find(d, peer);
    if (!e)
        return TERN_ENOTFOUND;
    return tern_tls_session_peer(e->s, out);
}

tern_tls_session *tern_posix_dtls_session(const tern_posix_dtls *d, const tern_coap_peer *peer)
{
    dtls_sess *e = d && peer ? find(d, peer) : NULL;
    return e ? e->s : NULL;
}

int tern_posix_dtls_close(tern_posix_dtls *d, const tern_coap_peer *peer)
{
    dtls_sess *e = d && peer ? find(d, peer) : NULL;
    if (!e)
        return TERN_ENOTFOUND;
    if (tern_tls_session_state(e->s) == TERN_TLS_ESTABLISHED)
        (void)tern_tls_close(e->s);
    e->dead = true;
    sweep(d);
    rearm(d);
    return TERN_OK;
}

size_t tern_posix_dtls_count(const tern_posix_dtls *d)
{
    size_t n = 0;
    for (size_t i = 0; d && i < d->cap; i++)
        n += d->tab[i].used && !d->tab[i].dead;
    return n;
}

/* ---- a CoAP endpoint over a tern_posix_dtls ------------------------------- */

static void ep_rearm(tern_coap_dtls *r)
{
    tern_loop_update_time(r->loop);
    tern_time_ms next = tern_coap_ep_step(r->ep, tern_loop_now(r->loop));
    if (next == TERN_TIME_NEVER)
        tern_timer_stop(&r->timer_);
    else if (next != tern_timer_due(&r->timer_))
        tern_timer_start_at(r->loop, &r->timer_, next);
}

static void ep_on_timer(tern_loop *loop, tern_timer *t)
{
    (void)loop;
    ep_rearm(t->data);
}

static void ep_on_data(void *ctx, const tern_coap_peer *peer, const uint8_t *data, size_t len)
{
    tern_coap_dtls *r = ctx;
    tern_loop_update_time(r->loop);
    (void)tern_coap_ep_feed(r->ep, peer, data, len, tern_loop_now(r->loop));
    ep_rearm(r);
}

int tern_coap_dtls_send(void *runner, const tern_coap_peer *peer, const uint8_t *bytes, size_t len)
{
    tern_coap_dtls *r = runner;
    if (!r->dtls)
        return TERN_ESTATE;
    return tern_posix_dtls_send(r->dtls, peer, bytes, len);
}

int tern_coap_dtls_start(tern_coap_dtls *r, tern_loop *loop, tern_udp *sock, tern_coap_ep *ep,
                         const tern_posix_dtls_cfg *base)
{
    tern_posix_dtls_cfg c = base ? *base : (tern_posix_dtls_cfg){0};
    c.loop = loop;
    c.sock = sock;
    c.on_data = ep_on_data;
    c.on_plain = NULL; /* a coaps port carries nothing in clear */
    c.ctx = r;
    r->loop = loop;
    r->ep = ep;
    r->dtls = NULL;
    tern_timer_init(&r->timer_, ep_on_timer, r);
    int rc = tern_posix_dtls_new(&c, &r->dtls);
    if (rc < 0)
        return rc;
    ep_rearm(r);
    return TERN_OK;
}

void tern_coap_dtls_kick(tern_coap_dtls *r)
{
    ep_rearm(r);
}

void tern_coap_dtls_stop(tern_coap_dtls *r)
{
    tern_timer_stop(&r->timer_);
    tern_posix_dtls_free(r->dtls);
    r->dtls = NULL;
}
