/* Two CoAP endpoints over simnet with 30 % loss, 10 % duplication and
 * reordering (delay 5-400 ms), 100 seeds x 1,000 exchanges each; every 10th
 * request uploads a ~3 KB Block1 body, every 10th (+5) fetches a ~3 KB Block2
 * body. Each request must reach the server application exactly once and
 * complete at the client exactly once.
 *
 * Retransmission: MAX_RETRANSMIT 30 with a constant ACK_TIMEOUT of 2 s, so a
 * message is given up only if 31 tries in a row fail (0.51^31 ~ 1e-9 per
 * message): practically never. Should it happen, the caller must be told
 * (TERN_ETIMEOUT), which is counted and checked. */
#include <stdlib.h>

#include "sim/simnet.h"
#include "tharness.h"

#ifndef SEEDS
#define SEEDS 100
#endif
#define EXCHANGES 1000
#define BODY 3000
#define WINDOW 6

typedef struct node {
    tern_coap_ep ep;
    void *mem;
    simnet *net;
    int id;
    tern_xrng rng;
} node;

static int node_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    node *nd = ctx;
    return simnet_send(nd->net, nd->id, simnet_peer_id(peer), b, n);
}
static void node_recv(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    node *nd = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_coap_ep_feed(&nd->ep, &p, b, n, now);
}
static tern_time_ms node_step(void *ctx, tern_time_ms now)
{
    node *nd = ctx;
    return tern_coap_ep_step(&nd->ep, now);
}

static uint8_t body[BODY];
static uint8_t srv_buf[BODY];

typedef struct world {
    simnet net;
    node cli, srv;
    uint8_t delivered[EXCHANGES];
    uint8_t completed[EXCHANGES];
    int next, open, done, ok, gave_up, bad;
    uint8_t resp[WINDOW][BODY]; /* per-slot reassembly buffers */
    int slot_of[EXCHANGES];
    bool slot_busy[WINDOW];
    size_t up_len;
} world;

static int req_id(const tern_coap_msg *m)
{
    const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_QUERY);
    if (!o || o->len < 2 || o->len > 8)
        return -1;
    int v = 0;
    for (int i = 1; i < o->len; i++)
        v = v * 10 + (o->val[i] - '0');
    return v >= 0 && v < EXCHANGES ? v : -1;
}

static int handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    world *w = ctx;
    int id = req_id(req->msg);
    if (id < 0)
        return TERN_EINVAL;
    if (req->msg->code == TERN_COAP_POST) {
        if (req->b1_offset == 0)
            w->up_len = 0;
        if (req->b1_offset != w->up_len || req->b1_offset + req->msg->payload_len > BODY)
            return TERN_EINVAL;
        memcpy(srv_buf + req->b1_offset, req->msg->payload, req->msg->payload_len);
        w->up_len += req->msg->payload_len;
        if (!req->b1_more) {
            if (w->up_len != BODY || memcmp(srv_buf, body, BODY) != 0)
                w->bad++;
            w->delivered[id]++;
        }
        return TERN_OK;
    }
    if (id % 10 == 5) {
        if (req->b2_offset == 0)
            w->delivered[id]++;
        resp->msg.payload = body;
        resp->msg.payload_len = BODY;
        return TERN_OK;
    }
    w->delivered[id]++;
    resp->msg.payload = (const uint8_t *)"ok";
    resp->msg.payload_len = 2;
    return TERN_OK;
}

static void issue(world *w);

typedef struct reqctx {
    world *w;
    int id;
} reqctx;
static reqctx ctxs[EXCHANGES];

static void on_result(void *ctx, tern_coap_ep *ep, const tern_coap_result *r)
{
    (void)ep;
    reqctx *rc = ctx;
    world *w = rc->w;
    int id = rc->id;
    if (!r->final)
        return;
    w->completed[id]++;
    w->done++;
    w->open--;
    if (r->err == TERN_ETIMEOUT) {
        w->gave_up++;
    } else if (r->err == 0 && TERN_COAP_CLASS(r->msg->code) == 2) {
        w->ok++;
        if (id % 10 == 5 && (r->data_len != BODY || memcmp(r->data, body, BODY) != 0))
            w->bad++;
    } else {
        w->bad++;
    }
    w->slot_busy[w->slot_of[id]] = false;
    w->slot_of[id] = -1;
    issue(w);
}

static void issue(world *w)
{
    while (w->open < WINDOW && w->next < EXCHANGES) {
        int id = w->next++;
        int slot = 0;
        while (w->slot_busy[slot])
            slot++;
        w->slot_busy[slot] = true;
        w->slot_of[id] = slot;
        char q[16];
        snprintf(q, sizeof q, "i%d", id);
        tern_coap_msg m;
        tern_coap_msg_init(&m, TERN_COAP_CON, id % 10 == 0 ? TERN_COAP_POST : TERN_COAP_GET, 0);
        tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_PATH, "r");
        tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, q);
        tern_coap_req_opts o = {0};
        if (id % 10 == 0) {
            o.body = body;
            o.body_len = BODY;
        } else if (id % 10 == 5) {
            o.resp_buf = w->resp[slot];
            o.resp_cap = BODY;
        }
        tern_coap_peer p = simnet_peer(w->srv.id);
        ctxs[id].w = w;
        ctxs[id].id = id;
        int rc = tern_coap_request(&w->cli.ep, &p, &m, &o, on_result, &ctxs[id], NULL);
        if (rc != 0) {
            w->bad++;
            w->slot_busy[slot] = false;
            return;
        }
        w->open++;
    }
}

static bool all_done(void *ctx)
{
    world *w = ctx;
    return w->done == EXCHANGES;
}

static void node_init(node *nd, simnet *net, tern_coap_ep_cfg *cfg, uint64_t seed)
{
    memset(nd, 0, sizeof *nd);
    nd->net = net;
    tern_xrng_seed(&nd->rng, seed);
    cfg->rng = tern_xrng_as_rng(&nd->rng);
    cfg->send = node_send;
    cfg->send_ctx = nd;
    size_t need = tern_coap_ep_mem_size(cfg);
    nd->mem = aligned_alloc(8, (need + 7) & ~(size_t)7);
    nd->id = simnet_add(net, node_recv, node_step, nd);
    CHECK_EQ(tern_coap_ep_init(&nd->ep, cfg, nd->mem, need), 0);
}

static void sim_all(void)
{
    for (int i = 0; i < BODY; i++)
        body[i] = (uint8_t)(i * 31 + 7);
    uint64_t datagrams = 0, losses = 0, dups = 0, exchanges = 0, gave_up = 0;
    tern_coap_link link = {.max_retransmit = 30, .constant_timeout = true};
    for (int seed = 1; seed <= SEEDS; seed++) {
        world *w = calloc(1, sizeof *w);
        simnet_init(&w->net, (uint64_t)seed);
        w->net.loss_pm = 300;
        w->net.dup_pm = 100;
        w->net.delay_min_ms = 5;
        w->net.delay_max_ms = 400;
        tern_coap_ep_cfg cc = {.link = link, .max_exchanges = 16, .max_dedup = 256};
        tern_coap_ep_cfg sc = {.link = link, .max_exchanges = 16, .max_dedup = 1024, .handler = handler,
                               .handler_ctx = w};
        node_init(&w->cli, &w->net, &cc, 1000u + (uint64_t)seed);
        node_init(&w->srv, &w->net, &sc, 2000u + (uint64_t)seed);
        for (int i = 0; i < EXCHANGES; i++)
            w->slot_of[i] = -1;
        issue(w);
        simnet_run(&w->net, TERN_TIME_NEVER, all_done, w);
        CHECK_EQ(w->done, EXCHANGES);
        CHECK_EQ(w->bad, 0);
        CHECK_EQ(w->ok + w->gave_up, EXCHANGES);
        for (int i = 0; i < EXCHANGES; i++) {
            CHECK_EQ(w->completed[i], 1);
            if (w->completed[i] == 1 && w->gave_up == 0)
                CHECK_EQ(w->delivered[i], 1);
            else
                CHECK(w->delivered[i] <= 1);
        }
        if (getenv("SIM_DEBUG"))
            fprintf(stderr, "cli sent %llu retx %llu rst %llu dup %llu drop %llu | srv sent %llu retx %llu rst %llu dup %llu drop %llu\n",
                    (unsigned long long)w->cli.ep.stats.sent, (unsigned long long)w->cli.ep.stats.retransmitted,
                    (unsigned long long)w->cli.ep.stats.rst_sent, (unsigned long long)w->cli.ep.stats.duplicates,
                    (unsigned long long)w->cli.ep.stats.dropped, (unsigned long long)w->srv.ep.stats.sent,
                    (unsigned long long)w->srv.ep.stats.retransmitted, (unsigned long long)w->srv.ep.stats.rst_sent,
                    (unsigned long long)w->srv.ep.stats.duplicates, (unsigned long long)w->srv.ep.stats.dropped);
        datagrams += w->net.sent;
        losses += w->net.lost;
        dups += w->net.duplicated;
        exchanges += (uint64_t)w->done;
        gave_up += (uint64_t)w->gave_up;
        tern_coap_ep_deinit(&w->cli.ep);
        tern_coap_ep_deinit(&w->srv.ep);
        free(w->cli.mem);
        free(w->srv.mem);
        simnet_free(&w->net);
        free(w);
    }
    printf("sim_coap: %d seeds, %llu exchanges, %llu datagrams, %llu lost, %llu duplicated, %llu gave up\n", SEEDS,
           (unsigned long long)exchanges, (unsigned long long)datagrams, (unsigned long long)losses,
           (unsigned long long)dups, (unsigned long long)gave_up);
    CHECK_EQ(gave_up, 0);
}

int main(void)
{
    TRUN(sim_all);
    return tdone();
}
