/* simnet — a simulated datagram network for tests (header-only).
 *
 * A virtual clock, any number of nodes, and a seeded PRNG that drops,
 * duplicates, delays and so reorders datagrams. Nodes are driven the sans-I/O
 * way: the network calls node->recv(ctx, from, bytes, len, now) to deliver
 * and node->step(ctx, now) -> next deadline for timers. A filter hook lets a
 * test drop or inspect chosen datagrams; a trace hook sees every send.
 *
 *   simnet net; simnet_init(&net, seed);
 *   net.loss_pm = 300;                  // 30 % loss
 *   int a = simnet_add(&net, recv_a, step_a, ctx_a);
 *   ... node a sends with simnet_send(&net, a, to, bytes, len) ...
 *   simnet_run(&net, until_ms, done_fn, done_ctx);
 *
 * Peers: simnet_peer(id) gives a 4-byte tern_coap_peer; simnet_peer_id()
 * maps back. Tests may use malloc; this is test code, not the core. */
#ifndef TERN_SIMNET_H
#define TERN_SIMNET_H

#include <stdlib.h>
#include <string.h>

#include "tern/base.h"
#include "tern/coap_ep.h"

#define SIMNET_MAX_NODES 64
#define SIMNET_MTU 1500

typedef struct simnet_pkt {
    tern_time_ms at;
    uint64_t seq; /* tie-break: FIFO among equal times */
    int from, to;
    size_t len;
    uint8_t data[SIMNET_MTU];
} simnet_pkt;

typedef struct simnet_node {
    void (*recv)(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now);
    tern_time_ms (*step)(void *ctx, tern_time_ms now);
    void *ctx;
    tern_time_ms deadline;
} simnet_node;

typedef struct simnet {
    tern_time_ms now;
    tern_xrng rng;
    /* Impairments, per mille and ms. Delay is uniform in [delay_min, delay_max];
     * a spread gives reordering. */
    uint32_t loss_pm, dup_pm;
    uint32_t delay_min_ms, delay_max_ms;
    /* Return true to drop this datagram (tests pick victims). */
    bool (*filter)(void *ctx, int from, int to, const uint8_t *b, size_t n);
    void *filter_ctx;
    void (*trace)(void *ctx, tern_time_ms now, int from, int to, const uint8_t *b, size_t n);
    void *trace_ctx;
    simnet_node nodes[SIMNET_MAX_NODES];
    int n_nodes;
    simnet_pkt **heap; /* min-heap on (at, seq) */
    size_t heap_len, heap_cap;
    uint64_t seq;
    /* counters */
    uint64_t sent, delivered, lost, duplicated, filtered;
} simnet;

static inline tern_coap_peer simnet_peer(int id)
{
    tern_coap_peer p;
    memset(&p, 0, sizeof p);
    p.len = 4;
    p.addr[0] = 's';
    p.addr[1] = 'n';
    p.addr[2] = (uint8_t)(id >> 8);
    p.addr[3] = (uint8_t)id;
    return p;
}

static inline int simnet_peer_id(const tern_coap_peer *p)
{
    return p->len == 4 ? (p->addr[2] << 8 | p->addr[3]) : -1;
}

static inline void simnet_init(simnet *n, uint64_t seed)
{
    memset(n, 0, sizeof *n);
    tern_xrng_seed(&n->rng, seed);
    n->delay_min_ms = n->delay_max_ms = 10;
}

static inline void simnet_free(simnet *n)
{
    for (size_t i = 0; i < n->heap_len; i++)
        free(n->heap[i]);
    free(n->heap);
    n->heap = NULL;
    n->heap_len = n->heap_cap = 0;
}

static inline int simnet_add(simnet *n, void (*recv)(void *, int, const uint8_t *, size_t, tern_time_ms),
                             tern_time_ms (*step)(void *, tern_time_ms), void *ctx)
{
    if (n->n_nodes >= SIMNET_MAX_NODES)
        return -1;
    simnet_node *nd = &n->nodes[n->n_nodes];
    nd->recv = recv;
    nd->step = step;
    nd->ctx = ctx;
    nd->deadline = TERN_TIME_NEVER;
    return n->n_nodes++;
}

static inline bool simnet_pkt_less(const simnet_pkt *a, const simnet_pkt *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static inline void simnet_push(simnet *n, simnet_pkt *p)
{
    if (n->heap_len == n->heap_cap) {
        n->heap_cap = n->heap_cap ? 2 * n->heap_cap : 64;
        n->heap = realloc(n->heap, n->heap_cap * sizeof *n->heap);
    }
    size_t i = n->heap_len++;
    n->heap[i] = p;
    while (i > 0 && simnet_pkt_less(n->heap[i], n->heap[(i - 1) / 2])) {
        simnet_pkt *t = n->heap[i];
        n->heap[i] = n->heap[(i - 1) / 2];
        n->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static inline simnet_pkt *simnet_pop(simnet *n)
{
    simnet_pkt *top = n->heap[0];
    n->heap[0] = n->heap[--n->heap_len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n->heap_len && simnet_pkt_less(n->heap[l], n->heap[m]))
            m = l;
        if (r < n->heap_len && simnet_pkt_less(n->heap[r], n->heap[m]))
            m = r;
        if (m == i)
            break;
        simnet_pkt *t = n->heap[i];
        n->heap[i] = n->heap[m];
        n->heap[m] = t;
        i = m;
    }
    return top;
}

static inline uint32_t simnet_rand(simnet *n, uint32_t bound)
{
    return bound ? tern_xrng_next(&n->rng) % bound : 0;
}

static inline void simnet_enqueue(simnet *n, int from, int to, const uint8_t *b, size_t len)
{
    simnet_pkt *p = malloc(sizeof *p);
    p->from = from;
    p->to = to;
    p->len = len;
    memcpy(p->data, b, len);
    uint32_t spread = n->delay_max_ms > n->delay_min_ms ? n->delay_max_ms - n->delay_min_ms + 1 : 0;
    p->at = n->now + n->delay_min_ms + simnet_rand(n, spread);
    p->seq = n->seq++;
    simnet_push(n, p);
}

/* Sends a datagram from node `from` to node `to` (copied). */
static inline int simnet_send(simnet *n, int from, int to, const uint8_t *b, size_t len)
{
    if (to < 0 || to >= n->n_nodes || len > SIMNET_MTU)
        return TERN_EINVAL;
    n->sent++;
    if (n->trace)
        n->trace(n->trace_ctx, n->now, from, to, b, len);
    if (n->filter && n->filter(n->filter_ctx, from, to, b, len)) {
        n->filtered++;
        return 0;
    }
    if (simnet_rand(n, 1000) < n->loss_pm) {
        n->lost++;
        return 0;
    }
    simnet_enqueue(n, from, to, b, len);
    if (simnet_rand(n, 1000) < n->dup_pm) {
        n->duplicated++;
        simnet_enqueue(n, from, to, b, len);
    }
    return 0;
}

/* Re-reads a node's next deadline (call after driving it from outside). */
static inline void simnet_poke(simnet *n, int id)
{
    if (n->nodes[id].step)
        n->nodes[id].deadline = n->nodes[id].step(n->nodes[id].ctx, n->now);
}

/* Runs events until virtual time `until`, or until done(ctx) is true, or
 * nothing is left to happen. Returns the time reached. */
static inline tern_time_ms simnet_run(simnet *n, tern_time_ms until, bool (*done)(void *), void *done_ctx)
{
    for (int i = 0; i < n->n_nodes; i++)
        simnet_poke(n, i);
    for (;;) {
        if (done && done(done_ctx))
            break;
        tern_time_ms next = n->heap_len ? n->heap[0]->at : TERN_TIME_NEVER;
        for (int i = 0; i < n->n_nodes; i++)
            if (n->nodes[i].deadline < next)
                next = n->nodes[i].deadline;
        if (next == TERN_TIME_NEVER || next > until)
            break;
        if (next > n->now)
            n->now = next;
        while (n->heap_len && n->heap[0]->at <= n->now) {
            simnet_pkt *p = simnet_pop(n);
            int to = p->to;
            n->delivered++;
            simnet_node *nd = &n->nodes[to];
            if (nd->recv)
                nd->recv(nd->ctx, p->from, p->data, p->len, n->now);
            free(p);
            simnet_poke(n, to);
        }
        for (int i = 0; i < n->n_nodes; i++)
            if (n->nodes[i].deadline <= n->now)
                simnet_poke(n, i);
    }
    if (until != TERN_TIME_NEVER && n->now < until && !(done && done(done_ctx)))
        n->now = until;
    return n->now;
}

#endif
