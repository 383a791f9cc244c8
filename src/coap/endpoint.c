/* CoAP endpoint: messaging layer of RFC 7252 §4 (CON/NON/ACK/RST,
 * retransmission, de-duplication, NSTART), request/response matching (§5.3),
 * the hash index, the timer heap and the request API. Block-wise handling is
 * in block.c, Observe in observe.c, Echo in echo.c. */
#include <string.h>

#include "coap/ep_internal.h"

#define P(ep) ((ep)->p)

/* ---- peers and links ---------------------------------------------------------- */

int tern_coap_peer_make(tern_coap_peer *p, const void *addr, size_t len)
{
    if (!p || len > TERN_COAP_PEER_MAX || (len && !addr))
        return TERN_EINVAL;
    memset(p, 0, sizeof *p);
    p->len = (uint8_t)len;
    if (len)
        memcpy(p->addr, addr, len);
    return TERN_OK;
}

bool tern_coap_peer_eq(const tern_coap_peer *a, const tern_coap_peer *b)
{
    return a->len == b->len && memcmp(a->addr, b->addr, a->len) == 0;
}

/* RFC 7252 §4.8 defaults. */
tern_coap_link tern_coap_link_resolve(const tern_coap_link *l)
{
    tern_coap_link r = *l;
    if (!r.ack_timeout_ms)
        r.ack_timeout_ms = 2000;
    if (r.ack_random_factor_pm < 1000)
        r.ack_random_factor_pm = r.ack_random_factor_pm ? 1000 : 1500;
    if (r.no_retransmit)
        r.max_retransmit = 0;
    else if (!r.max_retransmit)
        r.max_retransmit = 4;
    if (!r.nstart)
        r.nstart = 1;
    if (!r.max_latency_ms)
        r.max_latency_ms = 100000;
    return r;
}

/* ACK_TIMEOUT * factor * ACK_RANDOM_FACTOR where factor is 2^n - 1 (or n for
 * a constant timeout), §4.8.2. */
static tern_time_ms span(const tern_coap_link *in, uint32_t n)
{
    tern_coap_link l = tern_coap_link_resolve(in);
    if (n > 30)
        n = 30;
    int64_t f = l.constant_timeout ? (int64_t)n : (int64_t)((1u << n) - 1u);
    return (tern_time_ms)l.ack_timeout_ms * f * l.ack_random_factor_pm / 1000;
}

tern_time_ms tern_coap_exchange_lifetime(const tern_coap_link *in)
{
    tern_coap_link l = tern_coap_link_resolve(in);
    /* §4.8.2: MAX_TRANSMIT_SPAN + 2 * MAX_LATENCY + PROCESSING_DELAY */
    return span(&l, l.max_retransmit) + 2 * (tern_time_ms)l.max_latency_ms + l.ack_timeout_ms;
}

tern_time_ms tern_coap_non_lifetime(const tern_coap_link *in)
{
    tern_coap_link l = tern_coap_link_resolve(in);
    return span(&l, l.max_retransmit) + (tern_time_ms)l.max_latency_ms; /* §4.8.2 */
}

tern_time_ms tern_coap_max_transmit_wait(const tern_coap_link *in)
{
    tern_coap_link l = tern_coap_link_resolve(in);
    return span(&l, (uint32_t)l.max_retransmit + 1u); /* §4.8.2 */
}

tern_coap_link ep_link_for(const tern_coap_ep *ep, const tern_coap_peer *peer)
{
    if (ep->cfg.link_of) {
        const tern_coap_link *l = ep->cfg.link_of(ep->cfg.link_ctx, peer);
        if (l)
            return tern_coap_link_resolve(l);
    }
    return ep->link;
}

/* §4.2: the initial timeout is random in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR]. */
uint32_t ep_first_timeout(tern_coap_ep *ep, const tern_coap_link *l)
{
    uint64_t extra = (uint64_t)l->ack_timeout_ms * (uint64_t)(l->ack_random_factor_pm - 1000u) / 1000u;
    if (extra > UINT32_MAX - 1u - l->ack_timeout_ms)
        extra = UINT32_MAX - 1u - l->ack_timeout_ms;
    uint32_t r = extra ? tern_rng_below(&ep->cfg.rng, (uint32_t)extra + 1u) : 0;
    return l->ack_timeout_ms + r;
}

uint32_t ep_block_szx(const tern_coap_ep *ep)
{
    return ep->cfg.block_szx;
}

/* ---- handles ---------------------------------------------------------------------- */

tern_coap_handle ep_handle(uint32_t slot, uint32_t gen)
{
    return ((uint64_t)gen << 32) | ((uint64_t)slot + 1u);
}

ep_xchg *ep_x_from_handle(const tern_coap_ep *ep, tern_coap_handle h)
{
    uint32_t lo = (uint32_t)h;
    if (!ep || !ep->p || lo == 0 || lo > ep->cfg.max_exchanges)
        return NULL;
    ep_xchg *x = &P(ep)->x[lo - 1u];
    if (x->kind == X_FREE || x->gen != (uint32_t)(h >> 32))
        return NULL;
    return x;
}

/* ---- hash index: open addressing, linear probing, backward-shift delete ------------- */

uint32_t ep_idx_hash(uint8_t kind, const tern_coap_peer *peer, const uint8_t *k, size_t klen)
{
    uint32_t h = 2166136261u ^ kind; /* FNV-1a */
    if (peer) {
        for (size_t i = 0; i < peer->len; i++)
            h = (h ^ peer->addr[i]) * 16777619u;
    }
    for (size_t i = 0; i < klen; i++)
        h = (h ^ k[i]) * 16777619u;
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return h;
}

static bool idx_match(const tern_coap_ep *ep, uint32_t ref, uint8_t kind, const tern_coap_peer *peer,
                      const uint8_t *k, size_t klen)
{
    if ((ref >> 28) != kind)
        return false;
    uint32_t s = ref & 0x0fffffffu;
    const struct tern_coap_ep_priv_ *p = ep->p;
    switch (kind) {
    case K_MID: {
        const ep_xchg *x = &p->x[s];
        return klen == 2 && x->mid == tern_be16(k) && tern_coap_peer_eq(&x->peer, peer);
    }
    case K_TOK: {
        const ep_xchg *x = &p->x[s];
        return klen == x->token_len && memcmp(x->token, k, klen) == 0 && tern_coap_peer_eq(&x->peer, peer);
    }
    case K_DEDUP: {
        const ep_dedup *d = &p->dd[s];
        return klen == 2 && d->mid == tern_be16(k) && tern_coap_peer_eq(&d->peer, peer);
    }
    case K_OBS_TOK: {
        const ep_obs *o = &p->obs[s];
        return klen == o->token_len && memcmp(o->token, k, klen) == 0 && tern_coap_peer_eq(&o->peer, peer);
    }
    case K_OBS_KEY: {
        const ep_obs *o = &p->obs[s];
        return klen == o->key_len && memcmp(o->key, k, klen) == 0;
    }
    case K_OBS_MID: {
        const ep_obs *o = &p->obs[s];
        return klen == 2 && o->last_mid == tern_be16(k) && tern_coap_peer_eq(&o->peer, peer);
    }
    case K_B1: {
        const ep_b1 *b = &p->b1[s];
        return klen == b->key_len && memcmp(b->key, k, klen) == 0 && tern_coap_peer_eq(&b->peer, peer);
    }
    case K_PEER:
        return tern_coap_peer_eq(&p->peers[s].peer, peer);
    default:
        return false;
    }
}

void ep_idx_add(tern_coap_ep *ep, uint8_t kind, uint32_t slot, uint32_t hash)
{
    uint32_t mask = ep->n_index - 1u;
    ep_ient *t = P(ep)->index;
    uint32_t i = hash & mask;
    while (t[i].ref != EP_NONE)
        i = (i + 1u) & mask; /* never full: capacity > 2x the entries */
    t[i].ref = (uint32_t)kind << 28 | slot;
    t[i].hash = hash;
}

void ep_idx_del(tern_coap_ep *ep, uint8_t kind, uint32_t slot, uint32_t hash)
{
    uint32_t mask = ep->n_index - 1u;
    ep_ient *t = P(ep)->index;
    uint32_t ref = (uint32_t)kind << 28 | slot;
    uint32_t i = hash & mask;
    while (t[i].ref != ref) {
        if (t[i].ref == EP_NONE)
            return;
        i = (i + 1u) & mask;
    }
    /* Backward shift: move later entries of the cluster into the hole when
     * their home position allows it. */
    for (;;) {
        t[i].ref = EP_NONE;
        uint32_t j = i;
        for (;;) {
            j = (j + 1u) & mask;
            if (t[j].ref == EP_NONE)
                return;
            uint32_t home = t[j].hash & mask;
            bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
            if (movable)
                break;
        }
        t[i] = t[j];
        i = j;
    }
}

uint32_t ep_idx_find(const tern_coap_ep *ep, uint8_t kind, const tern_coap_peer *peer, const uint8_t *k,
                     size_t klen, uint32_t *pos)
{
    uint32_t mask = ep->n_index - 1u;
    const ep_ient *t = ep->p->index;
    uint32_t hash = ep_idx_hash(kind, peer, k, klen);
    uint32_t i = (*pos == EP_NONE) ? (hash & mask) : ((*pos + 1u) & mask);
    for (uint32_t n = 0; n < ep->n_index; n++, i = (i + 1u) & mask) {
        if (t[i].ref == EP_NONE)
            break;
        if (t[i].hash == hash && idx_match(ep, t[i].ref, kind, peer, k, klen)) {
            *pos = i;
            return t[i].ref & 0x0fffffffu;
        }
    }
    *pos = EP_NONE;
    return EP_NONE;
}

static uint32_t find1(const tern_coap_ep *ep, uint8_t kind, const tern_coap_peer *peer, const uint8_t *k,
                      size_t klen)
{
    uint32_t pos = EP_NONE;
    return ep_idx_find(ep, kind, peer, k, klen, &pos);
}

/* ---- timer heap over exchanges ---------------------------------------------------------- */

static bool h_less(const tern_coap_ep *ep, uint32_t a, uint32_t b)
{
    return P(ep)->x[a].deadline < P(ep)->x[b].deadline;
}

static void h_swap(tern_coap_ep *ep, uint32_t i, uint32_t j)
{
    uint32_t *h = P(ep)->heap;
    uint32_t t = h[i];
    h[i] = h[j];
    h[j] = t;
    P(ep)->x[h[i]].hpos = i;
    P(ep)->x[h[j]].hpos = j;
}

static void h_fix(tern_coap_ep *ep, uint32_t i)
{
    uint32_t *h = P(ep)->heap;
    while (i > 0 && h_less(ep, h[i], h[(i - 1u) / 2u])) {
        h_swap(ep, i, (i - 1u) / 2u);
        i = (i - 1u) / 2u;
    }
    for (;;) {
        uint32_t l = 2u * i + 1u, r = l + 1u, m = i;
        if (l < P(ep)->heap_len && h_less(ep, h[l], h[m]))
            m = l;
        if (r < P(ep)->heap_len && h_less(ep, h[r], h[m]))
            m = r;
        if (m == i)
            return;
        h_swap(ep, i, m);
        i = m;
    }
}

static void h_remove(tern_coap_ep *ep, ep_xchg *x)
{
    if (x->hpos == EP_NONE)
        return;
    uint32_t i = x->hpos, last = P(ep)->heap_len - 1u;
    x->hpos = EP_NONE;
    if (i != last) {
        P(ep)->heap[i] = P(ep)->heap[last];
        P(ep)->x[P(ep)->heap[i]].hpos = i;
        P(ep)->heap_len--;
        h_fix(ep, i);
    } else {
        P(ep)->heap_len--;
    }
}

void ep_x_timer(tern_coap_ep *ep, ep_xchg *x, tern_time_ms deadline)
{
    x->deadline = deadline;
    if (deadline == TERN_TIME_NEVER) {
        h_remove(ep, x);
        return;
    }
    if (x->hpos == EP_NONE) {
        uint32_t slot = (uint32_t)(x - P(ep)->x);
        x->hpos = P(ep)->heap_len;
        P(ep)->heap[P(ep)->heap_len++] = slot;
    }
    h_fix(ep, x->hpos);
}

/* ---- exchanges ------------------------------------------------------------------------------ */

ep_xchg *ep_x_alloc(tern_coap_ep *ep)
{
    uint32_t s = P(ep)->x_free;
    if (s == EP_NONE)
        return NULL;
    ep_xchg *x = &P(ep)->x[s];
    P(ep)->x_free = x->qnext;
    uint32_t gen = x->gen + 1u;
    uint8_t *msg = x->msg;
    memset(x, 0, sizeof *x);
    x->gen = gen ? gen : 1u;
    x->msg = msg;
    x->hpos = EP_NONE;
    x->peer_slot = EP_NONE;
    x->qnext = EP_NONE;
    x->obs = EP_NONE;
    ep->stats.exchanges_used++;
    return x;
}

static uint32_t x_slot(const tern_coap_ep *ep, const ep_xchg *x)
{
    return (uint32_t)(x - ep->p->x);
}

void ep_x_set_mid(tern_coap_ep *ep, ep_xchg *x, uint16_t mid)
{
    uint8_t k[2];
    if (x->in_mid) {
        k[0] = (uint8_t)(x->mid >> 8);
        k[1] = (uint8_t)x->mid;
        ep_idx_del(ep, K_MID, x_slot(ep, x), ep_idx_hash(K_MID, &x->peer, k, 2));
    }
    x->mid = mid;
    k[0] = (uint8_t)(mid >> 8);
    k[1] = (uint8_t)mid;
    ep_idx_add(ep, K_MID, x_slot(ep, x), ep_idx_hash(K_MID, &x->peer, k, 2));
    x->in_mid = true;
    if (x->msg_len >= 4) {
        x->msg[2] = k[0];
        x->msg[3] = k[1];
    }
}

static void x_unindex(tern_coap_ep *ep, ep_xchg *x)
{
    uint32_t s = x_slot(ep, x);
    if (x->in_mid) {
        uint8_t k[2] = {(uint8_t)(x->mid >> 8), (uint8_t)x->mid};
        ep_idx_del(ep, K_MID, s, ep_idx_hash(K_MID, &x->peer, k, 2));
        x->in_mid = false;
    }
    if (x->in_tok) {
        ep_idx_del(ep, K_TOK, s, ep_idx_hash(K_TOK, &x->peer, x->token, x->token_len));
        x->in_tok = false;
    }
    h_remove(ep, x);
}

static void peer_release(tern_coap_ep *ep, uint32_t ps)
{
    ep_peer *pe = &P(ep)->peers[ps];
    if (pe->outstanding == 0 && pe->qlen == 0 && pe->used) {
        ep_idx_del(ep, K_PEER, ps, ep_idx_hash(K_PEER, &pe->peer, NULL, 0));
        pe->used = false;
    }
}

void ep_x_free(tern_coap_ep *ep, ep_xchg *x)
{
    if (x->kind == X_FREE)
        return;
    x_unindex(ep, x);
    x->kind = X_FREE;
    x->qnext = P(ep)->x_free;
    P(ep)->x_free = x_slot(ep, x);
    ep->stats.exchanges_used--;
}

uint16_t ep_new_mid(tern_coap_ep *ep)
{
    return ep->next_mid++; /* §4.4: sequential from a random start */
}

int ep_send(tern_coap_ep *ep, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    ep->stats.sent++;
    return ep->cfg.send(ep->cfg.send_ctx, peer, b, n);
}

void ep_send_empty(tern_coap_ep *ep, const tern_coap_peer *peer, uint8_t type, uint16_t mid)
{
    uint8_t b[4] = {(uint8_t)(0x40u | (unsigned)type << 4), 0, (uint8_t)(mid >> 8), (uint8_t)mid};
    if (type == TERN_COAP_RST)
        ep->stats.rst_sent++;
    (void)ep_send(ep, peer, b, 4);
}

static tern_time_ms wait_deadline(const tern_coap_ep *ep, const ep_xchg *x)
{
    tern_time_ms t = x->opts.timeout_ms ? (tern_time_ms)x->opts.timeout_ms : tern_coap_exchange_lifetime(&x->link);
    return ep->now + t;
}

int ep_x_transmit(tern_coap_ep *ep, ep_xchg *x)
{
    uint16_t mid = x->keep_mid ? x->mid : ep_new_mid(ep);
    x->keep_mid = false;
    ep_x_set_mid(ep, x, mid);
    x->retries = 0;
    if (x->con) {
        x->timeout_ms = ep_first_timeout(ep, &x->link);
        ep_x_timer(ep, x, ep->now + x->timeout_ms);
    } else if (x->kind == X_REQ) {
        ep_x_timer(ep, x, wait_deadline(ep, x));
    }
    if (x->kind == X_REQ)
        x->state = x->con ? S_SENT : S_WAIT;
    return ep_send(ep, &x->peer, x->msg, x->msg_len);
}

/* ---- client requests -------------------------------------------------------------------------- */

static uint32_t peer_get(tern_coap_ep *ep, const tern_coap_peer *peer)
{
    uint32_t s = find1(ep, K_PEER, peer, NULL, 0);
    if (s != EP_NONE)
        return s;
    for (uint32_t i = 0; i < ep->cfg.max_exchanges; i++) {
        /* A peer entry exists only while it has a request, so there are at
         * most max_exchanges of them and a free one always exists. Finding it
         * is linear only in the number of busy peers before it. */
        ep_peer *pe = &P(ep)->peers[i];
        if (!pe->used) {
            memset(pe, 0, sizeof *pe);
            pe->used = true;
            pe->peer = *peer;
            pe->qhead = pe->qtail = EP_NONE;
            ep_idx_add(ep, K_PEER, i, ep_idx_hash(K_PEER, peer, NULL, 0));
            return i;
        }
    }
    return EP_NONE;
}

static void req_start(tern_coap_ep *ep, ep_xchg *x)
{
    P(ep)->peers[x->peer_slot].outstanding++;
    if (ep_x_transmit(ep, x) < 0) {
        /* A failed send is retried by the retransmission timer for CON; a NON
         * is failed at once. */
        if (!x->con)
            ep_req_finish(ep, x, TERN_EIO, NULL, NULL, 0, 0);
    }
}

/* NSTART (§4.7): releases x's slot and starts the next queued request. */
static void req_release(tern_coap_ep *ep, ep_xchg *x)
{
    uint32_t ps = x->peer_slot;
    if (ps == EP_NONE)
        return;
    x->peer_slot = EP_NONE;
    ep_peer *pe = &P(ep)->peers[ps];
    if (x->state == S_QUEUED) {
        /* unlink from the queue */
        uint32_t prev = EP_NONE, cur = pe->qhead, me = x_slot(ep, x);
        while (cur != EP_NONE && cur != me) {
            prev = cur;
            cur = P(ep)->x[cur].qnext;
        }
        if (cur == me) {
            if (prev == EP_NONE)
                pe->qhead = x->qnext;
            else
                P(ep)->x[prev].qnext = x->qnext;
            if (pe->qtail == me)
                pe->qtail = prev;
            pe->qlen--;
        }
        x->qnext = EP_NONE;
    } else if (pe->outstanding) {
        pe->outstanding--;
    }
    while (pe->qhead != EP_NONE && pe->outstanding < x->link.nstart) {
        ep_xchg *n = &P(ep)->x[pe->qhead];
        pe->qhead = n->qnext;
        if (pe->qhead == EP_NONE)
            pe->qtail = EP_NONE;
        pe->qlen--;
        n->qnext = EP_NONE;
        req_start(ep, n);
    }
    peer_release(ep, ps);
}

void ep_req_observing(tern_coap_ep *ep, ep_xchg *x)
{
    uint32_t s = x_slot(ep, x);
    if (x->in_mid) {
        uint8_t k[2] = {(uint8_t)(x->mid >> 8), (uint8_t)x->mid};
        ep_idx_del(ep, K_MID, s, ep_idx_hash(K_MID, &x->peer, k, 2));
        x->in_mid = false;
    }
    ep_x_timer(ep, x, TERN_TIME_NEVER);
    x->state = S_OBSERVING;
    req_release(ep, x);
}

static void fill_result(tern_coap_result *r, tern_coap_handle h, const tern_coap_peer *peer, int err,
                        const tern_coap_msg *m, const uint8_t *data, size_t dlen, uint32_t offset)
{
    memset(r, 0, sizeof *r);
    r->handle = h;
    r->peer = peer;
    r->err = err;
    r->msg = err ? NULL : m;
    r->data = data;
    r->data_len = dlen;
    r->offset = offset;
    r->size2 = -1;
    if (m && !err) {
        uint32_t v;
        if (tern_coap_opt_get_uint(m, TERN_COAP_OPT_SIZE2, &v) == TERN_OK)
            r->size2 = v;
        if (tern_coap_opt_get_uint(m, TERN_COAP_OPT_OBSERVE, &v) == TERN_OK) {
            r->notification = true;
            r->observe_seq = v;
        }
    }
}

void ep_req_finish(tern_coap_ep *ep, ep_xchg *x, int err, const tern_coap_msg *m, const uint8_t *data,
                   size_t data_len, uint32_t offset)
{
    ep_obs_fetch_abort(ep, x);
    tern_coap_peer peer = x->peer;
    tern_coap_result_cb cb = x->cb;
    void *ctx = x->cb_ctx;
    tern_coap_handle h = ep_handle(x_slot(ep, x), x->gen);
    if (err == TERN_ETIMEOUT)
        ep->stats.gave_up++;
    req_release(ep, x);
    ep_x_free(ep, x);
    tern_coap_result r;
    fill_result(&r, h, &peer, err, m, data, data_len, offset);
    r.final = true;
    if (cb)
        cb(ctx, ep, &r);
}

void ep_req_event(tern_coap_ep *ep, ep_xchg *x, const tern_coap_msg *m, const uint8_t *data, size_t dlen,
                  uint32_t offset, bool more, bool notification)
{
    tern_coap_result r;
    fill_result(&r, ep_handle(x_slot(ep, x), x->gen), &x->peer, 0, m, data, dlen, offset);
    r.more = more;
    r.notification = notification;
    r.observe_seq = notification ? x->obs_seq : 0;
    if (x->cb)
        x->cb(x->cb_ctx, ep, &r);
}

void ep_req_emit(tern_coap_ep *ep, ep_xchg *x, int err, const tern_coap_msg *m, const uint8_t *data, size_t dlen,
                 uint32_t offset, bool more, uint32_t seq)
{
    tern_coap_result r;
    fill_result(&r, ep_handle(x_slot(ep, x), x->gen), &x->peer, err, m, data, dlen, offset);
    r.more = more;
    r.notification = true;
    r.observe_seq = seq;
    if (x->cb)
        x->cb(x->cb_ctx, ep, &r);
}

int tern_coap_request(tern_coap_ep *ep, const tern_coap_peer *peer, const tern_coap_msg *req,
                      const tern_coap_req_opts *opts, tern_coap_result_cb cb, void *ctx,
                      tern_coap_handle *handle)
{
    static const tern_coap_req_opts none;
    if (!ep || !ep->p || !peer || !req || peer->len > TERN_COAP_PEER_MAX || !tern_coap_is_request(req->code))
        return TERN_EINVAL;
    if (!opts)
        opts = &none;
    if (opts->body_len && !opts->body && !opts->body_read)
        return TERN_EINVAL;
    if (opts->body_len > UINT32_MAX / 2)
        return TERN_ETOOBIG;
    ep_xchg *x = ep_x_alloc(ep);
    if (!x)
        return TERN_EFULL;
    x->kind = X_REQ;
    x->peer = *peer;
    x->link = opts->link ? tern_coap_link_resolve(opts->link) : ep_link_for(ep, peer);
    x->con = !opts->non;
    x->opts = *opts;
    x->cb = cb;
    x->cb_ctx = ctx;
    x->keep_mid = opts->keep_mid;
    x->mid = req->mid;
    if (req->token_len) {
        memcpy(x->token, req->token, req->token_len);
        x->token_len = req->token_len;
    } else {
        x->token_len = ep->cfg.token_len;
        if (ep->cfg.rng.fill(ep->cfg.rng.ctx, x->token, x->token_len) != TERN_OK) { /* §5.3.1 */
            ep_x_free(ep, x);
            return TERN_EIO;
        }
    }
    int rc = ep_client_build(ep, x, req);
    if (rc < 0) {
        ep_x_free(ep, x);
        return rc;
    }
    uint32_t ps = peer_get(ep, peer);
    ep_peer *pe = &P(ep)->peers[ps];
    x->peer_slot = ps;
    if (pe->outstanding >= x->link.nstart) {
        if (pe->qlen >= ep->cfg.max_queue) {
            x->peer_slot = EP_NONE;
            peer_release(ep, ps);
            ep_x_free(ep, x);
            return TERN_EFULL;
        }
        x->state = S_QUEUED;
        if (pe->qtail == EP_NONE)
            pe->qhead = x_slot(ep, x);
        else
            P(ep)->x[pe->qtail].qnext = x_slot(ep, x);
        pe->qtail = x_slot(ep, x);
        pe->qlen++;
    }
    ep_idx_add(ep, K_TOK, x_slot(ep, x), ep_idx_hash(K_TOK, &x->peer, x->token, x->token_len));
    x->in_tok = true;
    if (handle)
        *handle = ep_handle(x_slot(ep, x), x->gen);
    if (x->state != S_QUEUED) {
        P(ep)->peers[ps].outstanding++;
        if (ep_x_transmit(ep, x) < 0 && !x->con) {
            /* never from inside this call: fail on the next step */
            ep_x_timer(ep, x, ep->now);
        }
    }
    return TERN_OK;
}

int tern_coap_cancel(tern_coap_ep *ep, tern_coap_handle handle)
{
    ep_xchg *x = ep_x_from_handle(ep, handle);
    if (!x || x->kind != X_REQ)
        return TERN_ENOTFOUND;
    ep_req_finish(ep, x, TERN_ECANCELED, NULL, NULL, 0, 0);
    return TERN_OK;
}

int tern_coap_observe_cancel(tern_coap_ep *ep, tern_coap_handle handle)
{
    ep_xchg *x = ep_x_from_handle(ep, handle);
    if (!x || x->kind != X_REQ)
        return TERN_ENOTFOUND;
    if (x->state != S_OBSERVING)
        return TERN_ESTATE;
    /* RFC 7641 §3.6: GET with Observe = 1 and the same token. A Block2
     * option left from a block-wise registration response goes. */
    ep_rebuild r = {.set_observe = true,
                    .observe = 1,
                    .drop_b1 = true,
                    .drop_b2 = true,
                    .set_code = true,
                    .code = TERN_COAP_GET};
    int rc = ep_x_rebuild(ep, x, &r);
    if (rc < 0)
        return rc;
    ep_obs_fetch_abort(ep, x);
    x->b2_next = 0;
    x->reasm_len = 0;
    x->dereg = true;
    x->con = true;
    uint32_t ps = peer_get(ep, &x->peer);
    x->peer_slot = ps;
    x->state = S_SENT;
    P(ep)->peers[ps].outstanding++; /* deregistration does not wait for NSTART */
    (void)ep_x_transmit(ep, x);
    return TERN_OK;
}

/* ---- deferred (separate) responses, §5.2.2 ---------------------------------------------------- */

int tern_coap_defer(tern_coap_ep *ep, const tern_coap_server_req *req, tern_coap_handle *out)
{
    if (!ep || !req || !req->msg || !out)
        return TERN_EINVAL;
    ep_xchg *x = ep_x_alloc(ep);
    if (!x)
        return TERN_EFULL;
    x->kind = X_DEFER;
    x->peer = *req->peer;
    x->link = ep_link_for(ep, req->peer);
    x->token_len = req->msg->token_len;
    memcpy(x->token, req->msg->token, x->token_len);
    x->req_type = req->msg->type;
    x->b2_size = req->b2_size;
    P(ep)->deferred = true;
    *out = ep_handle(x_slot(ep, x), x->gen);
    return TERN_OK;
}

int tern_coap_respond(tern_coap_ep *ep, tern_coap_handle deferred, const tern_coap_msg *resp, bool non)
{
    ep_xchg *x = ep_x_from_handle(ep, deferred);
    if (!x || x->kind != X_DEFER || !resp || !tern_coap_is_response(resp->code))
        return TERN_ENOTFOUND;
    tern_coap_msg m = *resp;
    m.type = (non || x->req_type == TERN_COAP_NON) ? TERN_COAP_NON : TERN_COAP_CON;
    m.mid = 0;
    (void)tern_coap_msg_set_token(&m, x->token, x->token_len);
    uint8_t scratch[8];
    uint32_t bs = x->b2_size ? x->b2_size : tern_coap_block_size(ep->cfg.block_szx);
    if (m.payload_len > bs) {
        uint8_t szx = 0;
        while (tern_coap_block_size(szx) < bs && szx < 6)
            szx++;
        int rc = ep_block2_window(&m, 0, bs, szx, false, (int64_t)m.payload_len, scratch);
        if (rc < 0)
            return rc;
    }
    int n = tern_coap_encode_udp(&m, x->msg, ep->cfg.max_msg_size);
    if (n < 0)
        return n == TERN_ENOMEM ? TERN_ETOOBIG : n;
    x->msg_len = (size_t)n;
    if (m.type == TERN_COAP_NON) {
        uint16_t mid = ep_new_mid(ep);
        x->msg[2] = (uint8_t)(mid >> 8);
        x->msg[3] = (uint8_t)mid;
        int rc = ep_send(ep, &x->peer, x->msg, x->msg_len);
        ep_x_free(ep, x);
        return rc < 0 ? rc : TERN_OK;
    }
    x->kind = X_SEP;
    x->con = true;
    (void)ep_x_transmit(ep, x);
    return TERN_OK;
}

/* ---- de-duplication (§4.5) --------------------------------------------------------------------- */

static void dd_kill(tern_coap_ep *ep, uint32_t s)
{
    ep_dedup *d = &P(ep)->dd[s];
    if (!d->live)
        return;
    uint8_t k[2] = {(uint8_t)(d->mid >> 8), (uint8_t)d->mid};
    ep_idx_del(ep, K_DEDUP, s, ep_idx_hash(K_DEDUP, &d->peer, k, 2));
    d->live = false;
    ep->stats.dedup_used--;
}

static void dd_purge(tern_coap_ep *ep)
{
    struct tern_coap_ep_priv_ *p = P(ep);
    while (p->dd_count && (!p->dd[p->dd_head].live || p->dd[p->dd_head].expires <= ep->now)) {
        dd_kill(ep, p->dd_head);
        p->dd_head = (p->dd_head + 1u) % ep->cfg.max_dedup;
        p->dd_count--;
    }
}

static uint32_t dd_insert(tern_coap_ep *ep, const tern_coap_peer *peer, uint16_t mid, tern_time_ms life)
{
    struct tern_coap_ep_priv_ *p = P(ep);
    if (p->dd_count == ep->cfg.max_dedup) {
        /* Full: forget the oldest entry early (a duplicate of it would be
         * processed again; size max_dedup for the message rate). */
        dd_kill(ep, p->dd_head);
        p->dd_head = (p->dd_head + 1u) % ep->cfg.max_dedup;
        p->dd_count--;
    }
    uint32_t s = (p->dd_head + p->dd_count) % ep->cfg.max_dedup;
    p->dd_count++;
    ep_dedup *d = &p->dd[s];
    d->peer = *peer;
    d->mid = mid;
    d->live = true;
    d->expires = ep->now + life;
    d->resp_len = 0;
    uint8_t k[2] = {(uint8_t)(mid >> 8), (uint8_t)mid};
    ep_idx_add(ep, K_DEDUP, s, ep_idx_hash(K_DEDUP, peer, k, 2));
    ep->stats.dedup_used++;
    return s;
}

/* Sends a reply to a received CON/NON message and remembers it for replay. */
void ep_reply(tern_coap_ep *ep, const tern_coap_peer *peer, uint32_t dd, const uint8_t *b, size_t n)
{
    if (dd != EP_NONE && n <= ep->cfg.max_msg_size) {
        ep_dedup *d = &P(ep)->dd[dd];
        memcpy(d->resp, b, n);
        d->resp_len = n;
    }
    if (n >= 4 && (b[0] >> 4 & 3) == TERN_COAP_RST)
        ep->stats.rst_sent++;
    (void)ep_send(ep, peer, b, n);
}

static void reply_empty(tern_coap_ep *ep, const tern_coap_peer *peer, uint32_t dd, uint8_t type, uint16_t mid)
{
    uint8_t b[4] = {(uint8_t)(0x40u | (unsigned)type << 4), 0, (uint8_t)(mid >> 8), (uint8_t)mid};
    ep_reply(ep, peer, dd, b, 4);
}

/* ---- incoming --------------------------------------------------------------------------------- */

static void on_ack_or_rst(tern_coap_ep *ep, const tern_coap_peer *peer, const tern_coap_msg *m)
{
    uint8_t k[2] = {(uint8_t)(m->mid >> 8), (uint8_t)m->mid};
    uint32_t s = find1(ep, K_MID, peer, k, 2);
    if (s == EP_NONE) {
        /* RST to a NON notification (RFC 7641 §3.6); otherwise ignore. */
        if (m->type == TERN_COAP_RST)
            (void)ep_obs_rst(ep, peer, m->mid);
        return;
    }
    ep_xchg *x = &P(ep)->x[s];
    if (m->type == TERN_COAP_RST) {
        if (m->code != TERN_COAP_EMPTY)
            return; /* §4.2: a RST must be empty; format error → ignore */
        switch (x->kind) {
        case X_REQ:
            ep_req_finish(ep, x, TERN_ERESET, NULL, NULL, 0, 0); /* §4.2 */
            return;
        case X_NOTIFY: {
            uint32_t o = x->obs;
            ep_x_free(ep, x);
            if (o != EP_NONE)
                ep_obs_end(ep, o, TERN_COAP_OBS_RESET); /* RFC 7641 §3.6 */
            return;
        }
        default:
            ep_x_free(ep, x);
            return;
        }
    }
    /* ACK */
    if (!x->con || (x->kind == X_REQ && x->state != S_SENT))
        return;
    if (x->kind != X_REQ) {
        if (x->kind == X_NOTIFY && x->obs != EP_NONE)
            P(ep)->obs[x->obs].xchg = EP_NONE;
        ep_x_free(ep, x);
        return;
    }
    if (m->code == TERN_COAP_EMPTY) {
        /* §5.2.2: separate response follows; stop retransmitting. */
        x->state = S_WAIT;
        ep_x_timer(ep, x, wait_deadline(ep, x));
        return;
    }
    if (!tern_coap_is_response(m->code))
        return;
    /* §5.3.2: a piggybacked response must also match the token. */
    if (m->token_len != x->token_len || memcmp(m->token, x->token, x->token_len) != 0)
        return;
    tern_coap_parse_err pe;
    if (tern_coap_check_options(m, &pe) == TERN_EBADOPT) {
        ep_req_finish(ep, x, TERN_EBADOPT, NULL, NULL, 0, 0); /* §5.4.1: reject */
        return;
    }
    x->state = S_WAIT;
    ep_client_response(ep, x, m);
}

static void on_response(tern_coap_ep *ep, const tern_coap_peer *peer, const tern_coap_msg *m, uint32_t dd)
{
    uint32_t s = find1(ep, K_TOK, peer, m->token, m->token_len);
    ep_xchg *x = s == EP_NONE ? NULL : &P(ep)->x[s];
    if (x && x->state == S_QUEUED)
        x = NULL;
    tern_coap_parse_err pe;
    bool bad = tern_coap_check_options(m, &pe) == TERN_EBADOPT;
    if (!x || bad) {
        /* §5.3.2 / RFC 7641 §3.6: unexpected response → RST (a NON one too,
         * so that a forgotten observation ends); §5.4.1: a CON response with
         * an unknown critical option → RST, a NON one is dropped. */
        if (m->type == TERN_COAP_CON || !bad)
            reply_empty(ep, peer, dd, TERN_COAP_RST, m->mid);
        else
            ep->stats.dropped++;
        if (x && bad)
            ep_req_finish(ep, x, TERN_EBADOPT, NULL, NULL, 0, 0);
        return;
    }
    if (m->type == TERN_COAP_CON)
        reply_empty(ep, peer, dd, TERN_COAP_ACK, m->mid); /* §5.2.2 */
    if (x->state == S_OBSERVING) {
        ep_client_notification(ep, x, m);
        return;
    }
    /* A response that overtakes the ACK acknowledges the request (§5.2.2). */
    x->state = S_WAIT;
    ep_client_response(ep, x, m);
}

int tern_coap_ep_feed(tern_coap_ep *ep, const tern_coap_peer *peer, const uint8_t *bytes, size_t len,
                      tern_time_ms now)
{
    if (!ep || !ep->p || !peer || (!bytes && len) || peer->len > TERN_COAP_PEER_MAX)
        return TERN_EINVAL;
    if (now > ep->now)
        ep->now = now;
    ep->stats.received++;
    dd_purge(ep);
    tern_coap_msg m;
    tern_coap_parse_err pe;
    memset(&pe, 0, sizeof pe);
    if (tern_coap_decode_udp(&m, bytes, len, &pe) != TERN_OK) {
        /* §4.2: a CON with a format error is rejected with RST; anything
         * else is silently ignored (§4.3). */
        if (pe.mid_ok && m.type == TERN_COAP_CON)
            ep_send_empty(ep, peer, TERN_COAP_RST, m.mid);
        else
            ep->stats.dropped++;
        return TERN_OK;
    }
    if (m.type == TERN_COAP_ACK || m.type == TERN_COAP_RST) {
        on_ack_or_rst(ep, peer, &m);
        return TERN_OK;
    }
    if (m.code == TERN_COAP_EMPTY) {
        if (m.type == TERN_COAP_CON)
            ep_send_empty(ep, peer, TERN_COAP_RST, m.mid); /* §4.3 CoAP ping */
        else
            ep->stats.dropped++;
        return TERN_OK;
    }
    /* §4.5 de-duplication over EXCHANGE_LIFETIME (CON) / NON_LIFETIME (NON). */
    uint8_t k[2] = {(uint8_t)(m.mid >> 8), (uint8_t)m.mid};
    uint32_t d = find1(ep, K_DEDUP, peer, k, 2);
    if (d != EP_NONE && P(ep)->dd[d].expires > ep->now) {
        ep->stats.duplicates++;
        const ep_dedup *e = &P(ep)->dd[d];
        if (m.type == TERN_COAP_CON && e->resp_len)
            (void)ep_send(ep, peer, e->resp, e->resp_len);
        return TERN_OK;
    }
    if (d != EP_NONE)
        dd_kill(ep, d);
    tern_coap_link l = ep_link_for(ep, peer);
    tern_time_ms life = m.type == TERN_COAP_CON ? tern_coap_exchange_lifetime(&l) : tern_coap_non_lifetime(&l);
    d = dd_insert(ep, peer, m.mid, life);
    if (tern_coap_is_request(m.code)) {
        ep_server_request(ep, peer, &m, d);
    } else if (tern_coap_is_response(m.code)) {
        on_response(ep, peer, &m, d);
    } else if (m.type == TERN_COAP_CON) {
        reply_empty(ep, peer, d, TERN_COAP_RST, m.mid); /* §4.2: reserved class */
    } else {
        ep->stats.dropped++;
    }
    return TERN_OK;
}

/* ---- timers --------------------------------------------------------------------------------------- */

static void on_timeout(tern_coap_ep *ep, ep_xchg *x)
{
    bool retransmitting = x->con && (x->kind != X_REQ || x->state == S_SENT);
    if (retransmitting && x->retries < x->link.max_retransmit) {
        /* §4.2: retransmit, doubling the timeout (constant on LoRaWAN,
         * Transport App. C). */
        x->retries++;
        if (!x->link.constant_timeout)
            x->timeout_ms = x->timeout_ms > UINT32_MAX / 2 ? UINT32_MAX : x->timeout_ms * 2u;
        ep_x_timer(ep, x, ep->now + x->timeout_ms);
        ep->stats.retransmitted++;
        (void)ep_send(ep, &x->peer, x->msg, x->msg_len);
        return;
    }
    switch (x->kind) {
    case X_REQ:
        ep_req_finish(ep, x, TERN_ETIMEOUT, NULL, NULL, 0, 0);
        return;
    case X_NOTIFY: {
        ep->stats.gave_up++;
        uint32_t o = x->obs;
        ep_x_free(ep, x);
        if (o != EP_NONE)
            ep_obs_end(ep, o, TERN_COAP_OBS_TIMEOUT); /* RFC 7641 §4.5 */
        return;
    }
    default:
        ep->stats.gave_up++;
        ep_x_free(ep, x);
        return;
    }
}

tern_time_ms tern_coap_ep_next_deadline(const tern_coap_ep *ep)
{
    if (!ep || !ep->p || ep->p->heap_len == 0)
        return TERN_TIME_NEVER;
    return ep->p->x[ep->p->heap[0]].deadline;
}

tern_time_ms tern_coap_ep_step(tern_coap_ep *ep, tern_time_ms now)
{
    if (!ep || !ep->p)
        return TERN_TIME_NEVER;
    if (now > ep->now)
        ep->now = now;
    dd_purge(ep);
    /* Bounded: each pass either frees or re-arms the earliest timer later. */
    for (uint32_t guard = 0; guard < 4u * ep->cfg.max_exchanges + 16u; guard++) {
        if (P(ep)->heap_len == 0)
            break;
        ep_xchg *x = &P(ep)->x[P(ep)->heap[0]];
        if (x->deadline > ep->now)
            break;
        on_timeout(ep, x);
    }
    return tern_coap_ep_next_deadline(ep);
}

/* ---- lifecycle ------------------------------------------------------------------------------------ */

static void cfg_defaults(tern_coap_ep_cfg *c)
{
    if (!c->max_exchanges)
        c->max_exchanges = 16;
    if (!c->max_dedup)
        c->max_dedup = 32;
    if (!c->max_observers)
        c->max_observers = 8;
    if (!c->max_block1)
        c->max_block1 = 4;
    if (!c->max_msg_size)
        c->max_msg_size = 1152;
    if (c->max_msg_size < 64)
        c->max_msg_size = 64;
    if (!c->max_queue)
        c->max_queue = 8;
    if (c->token_len < 4 || c->token_len > 8)
        c->token_len = 8; /* RFC 9175 §4.2 / RFC 7252 §5.3.1: enough randomness */
    if (!c->block_szx || c->block_szx > 6)
        c->block_szx = 6;
    /* A block plus ~100 bytes of header and options must fit a datagram. */
    while (c->block_szx > 0 && tern_coap_block_size(c->block_szx) + 128u > c->max_msg_size)
        c->block_szx--;
    if (!c->echo_window_ms)
        c->echo_window_ms = 10000;
}

static size_t al8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

static uint32_t index_cap(const tern_coap_ep_cfg *c)
{
    uint64_t n = 3u * (uint64_t)c->max_exchanges + c->max_dedup + 3u * (uint64_t)c->max_observers + c->max_block1;
    uint64_t cap = 16;
    while (cap < 2u * n + 1u)
        cap <<= 1;
    return cap > (1u << 27) ? 0 : (uint32_t)cap;
}

static bool cfg_ok(const tern_coap_ep_cfg *c)
{
    return c->max_exchanges < (1u << 24) && c->max_dedup < (1u << 24) && c->max_observers < (1u << 24) &&
           c->max_block1 < (1u << 16) && index_cap(c) != 0;
}

size_t tern_coap_ep_mem_size(const tern_coap_ep_cfg *in)
{
    if (!in)
        return 0;
    tern_coap_ep_cfg c = *in;
    cfg_defaults(&c);
    if (!cfg_ok(&c))
        return 0;
    size_t m = c.max_msg_size;
    size_t n = al8(sizeof(struct tern_coap_ep_priv_));
    n += al8((sizeof(ep_xchg) + al8(m)) * c.max_exchanges);
    n += al8((sizeof(ep_dedup) + al8(m)) * c.max_dedup);
    n += al8(sizeof(ep_obs) * c.max_observers);
    n += al8(sizeof(ep_b1) * c.max_block1);
    n += al8(sizeof(ep_peer) * c.max_exchanges);
    n += al8(sizeof(ep_ient) * index_cap(&c));
    n += al8(sizeof(uint32_t) * c.max_exchanges);
    n += 3u * al8(m);
    return n;
}

int tern_coap_ep_init(tern_coap_ep *ep, const tern_coap_ep_cfg *cfg, void *mem, size_t mem_len)
{
    if (!ep || !cfg || !mem || !cfg->send || !cfg->rng.fill || ((uintptr_t)mem & 7u))
        return TERN_EINVAL;
    size_t need = tern_coap_ep_mem_size(cfg);
    if (need == 0)
        return TERN_EINVAL;
    if (mem_len < need)
        return TERN_ENOMEM;
    if (cfg->link.reliable)
        return TERN_EUNSUPPORTED; /* RFC 8323 transports come later */
    memset(ep, 0, sizeof *ep);
    ep->cfg = *cfg;
    cfg_defaults(&ep->cfg);
    ep->link = tern_coap_link_resolve(&cfg->link);
    memset(mem, 0, need);
    uint8_t *b = mem;
    size_t m = ep->cfg.max_msg_size;
    struct tern_coap_ep_priv_ *p = (struct tern_coap_ep_priv_ *)(void *)b;
    b += al8(sizeof *p);
    p->x = (ep_xchg *)(void *)b;
    b += al8(sizeof(ep_xchg) * ep->cfg.max_exchanges);
    for (uint32_t i = 0; i < ep->cfg.max_exchanges; i++) {
        p->x[i].msg = b;
        b += al8(m);
        p->x[i].qnext = i + 1u < ep->cfg.max_exchanges ? i + 1u : EP_NONE;
        p->x[i].hpos = EP_NONE;
    }
    p->dd = (ep_dedup *)(void *)b;
    b += al8(sizeof(ep_dedup) * ep->cfg.max_dedup);
    for (uint32_t i = 0; i < ep->cfg.max_dedup; i++) {
        p->dd[i].resp = b;
        b += al8(m);
    }
    p->obs = (ep_obs *)(void *)b;
    b += al8(sizeof(ep_obs) * ep->cfg.max_observers);
    p->b1 = (ep_b1 *)(void *)b;
    b += al8(sizeof(ep_b1) * ep->cfg.max_block1);
    p->peers = (ep_peer *)(void *)b;
    b += al8(sizeof(ep_peer) * ep->cfg.max_exchanges);
    ep->n_index = index_cap(&ep->cfg);
    p->index = (ep_ient *)(void *)b;
    b += al8(sizeof(ep_ient) * ep->n_index);
    for (uint32_t i = 0; i < ep->n_index; i++)
        p->index[i].ref = EP_NONE;
    p->heap = (uint32_t *)(void *)b;
    b += al8(sizeof(uint32_t) * ep->cfg.max_exchanges);
    p->enc = b;
    b += al8(m);
    p->pay = b;
    b += al8(m);
    p->hbuf = b;
    p->x_free = ep->cfg.max_exchanges ? 0 : EP_NONE;
    ep->p = p;
    uint8_t r[2];
    if (ep->cfg.rng.fill(ep->cfg.rng.ctx, r, 2) != TERN_OK ||
        ep->cfg.rng.fill(ep->cfg.rng.ctx, ep->echo_key, sizeof ep->echo_key) != TERN_OK) {
        ep->p = NULL;
        return TERN_EIO;
    }
    ep->next_mid = tern_be16(r); /* §4.4: randomised start */
    return TERN_OK;
}

void tern_coap_ep_deinit(tern_coap_ep *ep)
{
    if (!ep || !ep->p)
        return;
    for (uint32_t i = 0; i < ep->cfg.max_exchanges; i++) {
        ep_xchg *x = &P(ep)->x[i];
        if (x->kind == X_REQ)
            ep_req_finish(ep, x, TERN_ECANCELED, NULL, NULL, 0, 0);
    }
    ep->p = NULL;
}

void tern_coap_ep_get_stats(const tern_coap_ep *ep, tern_coap_ep_stats *out)
{
    if (ep && out) {
        *out = ep->stats;
        out->observers_used = ep->p ? ep->p->obs_count : 0;
    }
}

/* ---- response helpers ------------------------------------------------------------------------------ */

int tern_coap_resp_opt(tern_coap_response *resp, uint16_t num, const void *val, size_t len)
{
    if (!resp || (len && !val))
        return TERN_EINVAL;
    if (len > sizeof resp->optmem - resp->optmem_used)
        return TERN_ENOMEM;
    uint8_t *dst = resp->optmem + resp->optmem_used;
    if (len)
        memcpy(dst, val, len);
    int rc = tern_coap_opt_add(&resp->msg, num, dst, len);
    if (rc == TERN_OK)
        resp->optmem_used += len;
    return rc;
}

int tern_coap_resp_opt_uint(tern_coap_response *resp, uint16_t num, uint32_t v)
{
    uint8_t b[4];
    size_t n = v > 0xffffffu ? 4 : v > 0xffffu ? 3 : v > 0xffu ? 2 : v ? 1 : 0; /* RFC 7252 §3.2 */
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return tern_coap_resp_opt(resp, num, b, n);
}
