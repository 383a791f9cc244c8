/* 1,000 simple fake clients (20 per simnet node, 50 nodes) register and
 * then update over a lossy, duplicating, reordering simnet against one
 * LwM2M Server endpoint. Every client ends registered; prints the memory
 * per registration. */
#include <stdio.h>
#include <stdlib.h>

#include "simnet.h"
#include "tern/server.h"
#include "tharness.h"

#define NODES 50
#define PER 20
#define N (NODES * PER)

static size_t live;
static void *a_alloc(void *c, size_t n) { (void)c; live += n; return malloc(n); }
static void a_free(void *c, void *p, size_t n) { (void)c; live -= n; free(p); }

typedef struct fclient {
    char ep[16];
    char loc[24];
    int state; /* 0 idle, 1 registering, 2 registered, 3 updating, 4 updated */
    tern_time_ms next_try;
    int tries;
} fclient;

typedef struct cnode {
    int id;
    tern_coap_ep ep;
    void *mem;
    tern_xrng rng;
    fclient c[PER];
} cnode;

typedef struct sim {
    simnet net;
    tern_coap_ep sep;
    void *smem;
    tern_xrng srng;
    tern_server srv;
    cnode nodes[NODES];
    int done_reg, done_upd;
} sim;

static sim *S;

static int s_send(void *ctx, const tern_coap_peer *p, const uint8_t *b, size_t n)
{
    (void)ctx;
    return simnet_send(&S->net, 0, simnet_peer_id(p), b, n);
}
static int c_send(void *ctx, const tern_coap_peer *p, const uint8_t *b, size_t n)
{
    cnode *cn = ctx;
    (void)p;
    return simnet_send(&S->net, cn->id, 0, b, n);
}
static void s_recv(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    (void)ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_coap_ep_feed(&S->sep, &p, b, n, now);
}
static tern_time_ms s_step(void *ctx, tern_time_ms now)
{
    (void)ctx;
    tern_time_ms a = tern_coap_ep_step(&S->sep, now), b = tern_server_step(&S->srv, now);
    return a < b ? a : b;
}
static void c_recv(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    cnode *cn = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_coap_ep_feed(&cn->ep, &p, b, n, now);
}

static void on_result(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    fclient *c = ctx;
    (void)ep;
    if (!res->final)
        return;
    if (res->err < 0 || !res->msg) {
        c->state = c->state == 1 ? 0 : 2; /* retry later */
        c->next_try = S->net.now + 1000;
        return;
    }
    if (c->state == 1 && res->msg->code == TERN_COAP_CREATED) {
        size_t k = 0;
        for (const tern_coap_opt *o = tern_coap_opt_get(res->msg, TERN_COAP_OPT_LOCATION_PATH); o;
             o = tern_coap_opt_next(res->msg, o)) {
            c->loc[k++] = '/';
            memcpy(c->loc + k, o->val, o->len);
            k += o->len;
        }
        c->loc[k] = 0;
        c->state = 2;
        S->done_reg++;
        c->next_try = S->net.now + 5000;
    } else if (c->state == 3 && res->msg->code == TERN_COAP_CHANGED) {
        c->state = 4;
        S->done_upd++;
    } else {
        c->state = c->state == 1 ? 0 : 2;
        c->next_try = S->net.now + 1000;
    }
}

static void c_go(cnode *cn, fclient *c)
{
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_POST, 0);
    uint8_t sc[4];
    char q[32];
    static const char links[] = "</1/0>,</3/0>,</3303/0>,</3303/1>";
    tern_coap_req_opts o = {0};
    if (c->state == 0) {
        tern_coap_opt_add_uri_path(&m, "/rd");
        snprintf(q, sizeof q, "ep=%s", c->ep);
        tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, q);
        tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "lt=3600");
        tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "lwm2m=1.2");
        tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_LINK, sc);
        o.body = (const uint8_t *)links;
        o.body_len = sizeof links - 1;
        c->state = 1;
    } else {
        tern_coap_opt_add_uri_path(&m, c->loc);
        c->state = 3;
    }
    tern_coap_peer sp = simnet_peer(0);
    if (tern_coap_request(&cn->ep, &sp, &m, &o, on_result, c, NULL) != TERN_OK) {
        c->state = c->state == 1 ? 0 : 2;
        c->next_try = S->net.now + 500;
    }
}

static tern_time_ms c_step(void *ctx, tern_time_ms now)
{
    cnode *cn = ctx;
    tern_time_ms next = TERN_TIME_NEVER;
    for (int i = 0; i < PER; i++) {
        fclient *c = &cn->c[i];
        if ((c->state == 0 || c->state == 2) && c->next_try <= now)
            c_go(cn, c);
        if ((c->state == 0 || c->state == 2) && c->next_try < next)
            next = c->next_try;
    }
    tern_time_ms e = tern_coap_ep_step(&cn->ep, now);
    return e < next ? e : next;
}

static bool all_done(void *ctx)
{
    (void)ctx;
    return S->done_upd == N;
}

static void *ep_mem(tern_coap_ep_cfg *cfg)
{
    size_t n = tern_coap_ep_mem_size(cfg);
    return aligned_alloc(8, (n + 7) & ~(size_t)7);
}

static void t_thousand(void)
{
    S = calloc(1, sizeof *S);
    simnet_init(&S->net, 42);
    S->net.loss_pm = 100;
    S->net.dup_pm = 50;
    S->net.delay_min_ms = 5;
    S->net.delay_max_ms = 80;
    tern_xrng_seed(&S->srng, 1);
    tern_coap_ep_cfg sc = {.rng = tern_xrng_as_rng(&S->srng), .send = s_send, .handler = tern_server_coap_handler,
                           .handler_ctx = &S->srv, .max_exchanges = 256, .max_dedup = 4096};
    S->smem = ep_mem(&sc);
    tern_coap_ep_init(&S->sep, &sc, S->smem, tern_coap_ep_mem_size(&sc));
    tern_alloc al = {a_alloc, a_free, NULL};
    tern_server_cfg cfg = {.ep = &S->sep, .alloc = al, .rng = tern_xrng_as_rng(&S->srng)};
    CHECK_EQ(tern_server_init(&S->srv, &cfg, 0), 0);
    CHECK_EQ(simnet_add(&S->net, s_recv, s_step, NULL), 0);
    for (int k = 0; k < NODES; k++) {
        cnode *cn = &S->nodes[k];
        tern_xrng_seed(&cn->rng, (uint64_t)k + 100);
        tern_coap_ep_cfg cc = {.rng = tern_xrng_as_rng(&cn->rng), .send = c_send, .send_ctx = cn,
                               .max_exchanges = 2 * PER, .max_queue = PER};
        cn->mem = ep_mem(&cc);
        tern_coap_ep_init(&cn->ep, &cc, cn->mem, tern_coap_ep_mem_size(&cc));
        cn->id = simnet_add(&S->net, c_recv, c_step, cn);
        for (int i = 0; i < PER; i++) {
            snprintf(cn->c[i].ep, sizeof cn->c[i].ep, "dev-%04d", k * PER + i);
            cn->c[i].next_try = (tern_time_ms)((k * PER + i) * 7);
        }
    }
    simnet_run(&S->net, 3600000, all_done, NULL);
    CHECK_EQ(S->done_upd, N);
    CHECK_EQ(tern_server_count(&S->srv), N);
    size_t per = 0;
    for (int i = 0; i < N; i++) {
        char ep[16];
        snprintf(ep, sizeof ep, "dev-%04d", i);
        const tern_server_reg *r = tern_server_find(&S->srv, ep);
        CHECK(r != NULL);
        if (r)
            per += tern_server_reg_mem(r);
    }
    printf("%d clients registered and updated at t=%lld ms (sent %llu, lost %llu, dup %llu)\n", N,
           (long long)S->net.now, (unsigned long long)S->net.sent, (unsigned long long)S->net.lost,
           (unsigned long long)S->net.duplicated);
    printf("registration memory: %zu bytes per client (struct %zu + names/objects), server total %zu bytes "
           "(%zu per client incl. indexes)\n",
           per / N, sizeof(tern_server_reg), S->srv.mem_used, S->srv.mem_used / N);
    tern_server_deinit(&S->srv);
    CHECK_EQ(live, 0);
    tern_coap_ep_deinit(&S->sep);
    free(S->smem);
    for (int k = 0; k < NODES; k++) {
        tern_coap_ep_deinit(&S->nodes[k].ep);
        free(S->nodes[k].mem);
    }
    simnet_free(&S->net);
    free(S);
}

int main(void)
{
    TRUN(t_thousand);
    return tdone();
}
