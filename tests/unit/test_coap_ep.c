/* CoAP endpoint: two endpoints over simnet with a virtual clock. */
#include <stdlib.h>

#include "coap/ep_internal.h"
#include "sim/simnet.h"
#include "tharness.h"

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
    int rc = tern_coap_ep_init(&nd->ep, cfg, nd->mem, need);
    CHECK_EQ(rc, 0);
}
static void node_fini(node *nd)
{
    tern_coap_ep_deinit(&nd->ep);
    free(nd->mem);
}

/* ---- a test server ---- */
static uint8_t big[3000];
static uint8_t obsrep[3000];
static uint8_t obsver;
typedef struct server {
    int calls;
    int fresh_calls;
    uint8_t up[20000];
    size_t up_len;
    uint32_t offsets[64];
    int n_offsets;
    tern_coap_handle deferred;
    int etag_flip;
    tern_coap_handle obs;
    int obs_end;
    tern_coap_obs_end obs_why;
    int obsbig_calls, obsbig_observe;
} server;

/* an observable 3 KB representation; version `obsver` (also its ETag) */
static void obsrep_set(uint8_t ver)
{
    obsver = ver;
    for (size_t i = 0; i < sizeof obsrep; i++)
        obsrep[i] = (uint8_t)(i * 5 + ver * 17u);
}

static int handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    server *s = ctx;
    char path[64];
    s->calls++;
    if (tern_coap_uri_path_str(req->msg, path, sizeof path) < 0)
        return TERN_EINVAL;
    if (!strcmp(path, "/hello")) {
        resp->msg.code = TERN_COAP_CONTENT;
        resp->msg.payload = (const uint8_t *)"world";
        resp->msg.payload_len = 5;
    } else if (!strcmp(path, "/big")) {
        resp->msg.payload = big;
        resp->msg.payload_len = sizeof big;
        tern_coap_resp_opt(resp, TERN_COAP_OPT_ETAG, "e1", 2);
    } else if (!strcmp(path, "/etag")) {
        resp->msg.payload = big;
        resp->msg.payload_len = sizeof big;
        tern_coap_resp_opt(resp, TERN_COAP_OPT_ETAG, (s->etag_flip++ & 1) ? "b" : "a", 1);
    } else if (!strcmp(path, "/win")) {
        size_t n = TERN_MIN((size_t)req->b2_size, sizeof big - req->b2_offset);
        memcpy(resp->buf, big + req->b2_offset, n);
        resp->msg.payload = resp->buf;
        resp->msg.payload_len = n;
        resp->window = true;
        resp->more = req->b2_offset + n < sizeof big;
        resp->total = sizeof big;
    } else if (!strcmp(path, "/up")) {
        if (req->b1_offset == 0)
            s->up_len = 0;
        if (s->n_offsets < 64)
            s->offsets[s->n_offsets++] = req->b1_offset;
        CHECK_EQ(req->b1_offset, s->up_len);
        memcpy(s->up + s->up_len, req->msg->payload, req->msg->payload_len);
        s->up_len += req->msg->payload_len;
        resp->msg.code = req->b1_more ? TERN_COAP_CONTINUE : TERN_COAP_CHANGED;
    } else if (!strcmp(path, "/small")) {
        /* takes at most 64 bytes per message: 4.13 with Block1 SZX 2 (RFC 7959 §2.9.3) */
        if (req->msg->payload_len > 64) {
            resp->msg.code = TERN_COAP_REQUEST_TOO_LARGE;
            tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_BLOCK1, 2); /* num 0, M 0, SZX 2 */
            return TERN_OK;
        }
        if (req->b1_offset == 0)
            s->up_len = 0;
        if (s->n_offsets < 64)
            s->offsets[s->n_offsets++] = req->b1_offset;
        memcpy(s->up + s->up_len, req->msg->payload, req->msg->payload_len);
        s->up_len += req->msg->payload_len;
        resp->msg.code = req->b1_more ? TERN_COAP_CONTINUE : TERN_COAP_CHANGED;
    } else if (!strcmp(path, "/obsbig")) {
        /* the current representation through the window producer */
        s->obsbig_calls++;
        if (req->observe != -1)
            s->obsbig_observe++;
        size_t n = TERN_MIN((size_t)req->b2_size, sizeof obsrep - req->b2_offset);
        memcpy(resp->buf, obsrep + req->b2_offset, n);
        resp->msg.payload = resp->buf;
        resp->msg.payload_len = n;
        resp->window = true;
        resp->more = req->b2_offset + n < sizeof obsrep;
        resp->total = sizeof obsrep;
        tern_coap_resp_opt(resp, TERN_COAP_OPT_ETAG, &obsver, 1);
        if (req->observe == 0) {
            resp->observe_key = "ob";
            resp->observe_key_len = 2;
        }
    } else if (!strcmp(path, "/slow")) {
        CHECK_EQ(tern_coap_defer(req->ep, req, &s->deferred), 0);
        return TERN_INPROGRESS;
    } else if (!strcmp(path, "/obs")) {
        resp->msg.code = TERN_COAP_CONTENT;
        resp->msg.payload = (const uint8_t *)"v0";
        resp->msg.payload_len = 2;
        if (req->observe == 0) {
            resp->observe_key = "obs";
            resp->observe_key_len = 3;
        }
    } else if (!strcmp(path, "/fresh")) {
        if (!req->fresh) {
            resp->challenge = true;
            return TERN_OK;
        }
        s->fresh_calls++;
        resp->msg.code = TERN_COAP_CHANGED;
    } else {
        resp->msg.code = TERN_COAP_NOT_FOUND;
    }
    return TERN_OK;
}

static void obs_end(void *ctx, tern_coap_handle obs, const void *key, size_t key_len, tern_coap_obs_end why)
{
    server *s = ctx;
    (void)obs;
    (void)key;
    (void)key_len;
    s->obs_end++;
    s->obs_why = why;
}

/* ---- a client result recorder ---- */
typedef struct rec {
    int events, finals;
    int err;
    uint8_t code;
    uint8_t data[20000];
    size_t data_len;
    uint32_t offsets[64];
    int n_chunks;
    int notifications;
    uint32_t last_seq;
    tern_time_ms t_final;
    simnet *net;
} rec;

static void on_result(void *ctx, tern_coap_ep *ep, const tern_coap_result *r)
{
    rec *c = ctx;
    (void)ep;
    c->events++;
    c->err = r->err;
    if (r->msg)
        c->code = r->msg->code;
    if (r->data_len && r->offset + r->data_len <= sizeof c->data) {
        memcpy(c->data + r->offset, r->data, r->data_len);
        if (r->offset + r->data_len > c->data_len)
            c->data_len = r->offset + r->data_len;
    }
    if (c->n_chunks < 64)
        c->offsets[c->n_chunks++] = r->offset;
    if (r->notification) {
        c->notifications++;
        c->last_seq = r->observe_seq;
    }
    if (r->final) {
        c->finals++;
        c->t_final = c->net ? c->net->now : 0;
    }
}

typedef struct fx {
    simnet net;
    node a, b;
    server srv;
    rec r;
    tern_coap_peer pa, pb;
} fx;

static fx *fx_new(tern_coap_ep_cfg *ca, tern_coap_ep_cfg *cb)
{
    fx *f = calloc(1, sizeof *f);
    simnet_init(&f->net, 1);
    tern_coap_ep_cfg da = {0}, db = {0};
    if (!ca)
        ca = &da;
    if (!cb)
        cb = &db;
    cb->handler = handler;
    cb->handler_ctx = &f->srv;
    cb->on_observer_end = obs_end;
    cb->observer_ctx = &f->srv;
    node_init(&f->a, &f->net, ca, 11);
    node_init(&f->b, &f->net, cb, 22);
    f->pa = simnet_peer(f->a.id);
    f->pb = simnet_peer(f->b.id);
    f->r.net = &f->net;
    return f;
}
static void fx_free(fx *f)
{
    node_fini(&f->a);
    node_fini(&f->b);
    simnet_free(&f->net);
    free(f);
}

static bool rec_done(void *ctx)
{
    return ((rec *)ctx)->finals > 0;
}

static int get(fx *f, const char *path, const tern_coap_req_opts *o, tern_coap_handle *h)
{
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    tern_coap_opt_add_uri_path(&m, path);
    simnet_poke(&f->net, f->a.id);
    int rc = tern_coap_request(&f->a.ep, &f->pb, &m, o, on_result, &f->r, h);
    simnet_poke(&f->net, f->a.id);
    return rc;
}

static void run(fx *f, tern_time_ms until)
{
    simnet_run(&f->net, until, rec_done, &f->r);
}

/* ---- tests ---- */

static void test_piggyback(void)
{
    fx *f = fx_new(NULL, NULL);
    CHECK_EQ(get(f, "/hello", NULL, NULL), 0);
    run(f, 10000);
    CHECK_EQ(f->r.finals, 1);
    CHECK_EQ(f->r.err, 0);
    CHECK_EQ(f->r.code, TERN_COAP_CONTENT);
    CHECK_EQ(f->r.data_len, 5);
    CHECK_MEM(f->r.data, "world", 5);
    CHECK_EQ(f->srv.calls, 1);
    CHECK_EQ(f->net.sent, 2);
    fx_free(f);
}

/* trace of datagrams */
typedef struct trace {
    int n;
    tern_time_ms t[64];
    int from[64];
    uint8_t b[64][1200];
    size_t len[64];
} trace;
static void tracer(void *ctx, tern_time_ms now, int from, int to, const uint8_t *b, size_t n)
{
    trace *t = ctx;
    (void)to;
    if (t->n < 64) {
        t->t[t->n] = now;
        t->from[t->n] = from;
        t->len[t->n] = n;
        memcpy(t->b[t->n], b, TERN_MIN(n, sizeof t->b[0]));
        t->n++;
    }
}
static bool drop_all_to_b(void *ctx, int from, int to, const uint8_t *b, size_t n)
{
    (void)from;
    (void)b;
    (void)n;
    return to == *(int *)ctx;
}

static void test_retransmit_and_give_up(void)
{
    fx *f = fx_new(NULL, NULL);
    static trace t;
    memset(&t, 0, sizeof t);
    f->net.trace = tracer;
    f->net.trace_ctx = &t;
    f->net.filter = drop_all_to_b;
    f->net.filter_ctx = &f->b.id;
    CHECK_EQ(get(f, "/hello", NULL, NULL), 0);
    run(f, 1000000);
    CHECK_EQ(t.n, 5); /* 1 + MAX_RETRANSMIT 4 (RFC 7252 §4.2) */
    tern_time_ms first = t.t[1] - t.t[0];
    CHECK(first >= 2000 && first <= 3000); /* ACK_TIMEOUT * [1, 1.5] */
    for (int i = 2; i < 5; i++)
        CHECK_EQ(t.t[i] - t.t[i - 1], first << (i - 1)); /* doubling */
    CHECK_EQ(f->r.err, TERN_ETIMEOUT);
    CHECK_EQ(f->r.finals, 1);
    CHECK_EQ(f->r.t_final - t.t[0], 31 * first); /* gave up after the last timeout */
    CHECK(f->r.t_final - t.t[0] <= tern_coap_max_transmit_wait(&f->a.ep.link));
    /* same MID on every retransmission */
    for (int i = 1; i < 5; i++)
        CHECK_MEM(t.b[i], t.b[0], t.len[0]);
    fx_free(f);
}

static void test_link_params(void)
{
    tern_coap_link lora = {.ack_timeout_ms = 300000, .max_retransmit = 4, .constant_timeout = true,
                           .ack_random_factor_pm = 1000};
    tern_coap_ep_cfg ca = {.link = lora};
    fx *f = fx_new(&ca, NULL);
    static trace t;
    memset(&t, 0, sizeof t);
    f->net.trace = tracer;
    f->net.trace_ctx = &t;
    f->net.filter = drop_all_to_b;
    f->net.filter_ctx = &f->b.id;
    CHECK_EQ(get(f, "/hello", NULL, NULL), 0);
    run(f, 100000000);
    CHECK_EQ(t.n, 5);
    for (int i = 1; i < 5; i++)
        CHECK_EQ(t.t[i] - t.t[i - 1], 300000); /* Transport App. C: constant ACK_TIMEOUT */
    CHECK_EQ(f->r.t_final - t.t[0], 5 * 300000);
    fx_free(f);
    /* SMS: no retransmission */
    tern_coap_link sms = {.no_retransmit = true};
    tern_coap_ep_cfg cs = {.link = sms};
    f = fx_new(&cs, NULL);
    memset(&t, 0, sizeof t);
    f->net.trace = tracer;
    f->net.trace_ctx = &t;
    f->net.filter = drop_all_to_b;
    f->net.filter_ctx = &f->b.id;
    CHECK_EQ(get(f, "/hello", NULL, NULL), 0);
    run(f, 100000000);
    CHECK_EQ(t.n, 1);
    CHECK_EQ(f->r.err, TERN_ETIMEOUT);
    fx_free(f);
    tern_coap_link d = {0};
    CHECK_EQ(tern_coap_exchange_lifetime(&d), 247000); /* RFC 7252 §4.8.2 */
    CHECK_EQ(tern_coap_non_lifetime(&d), 145000);
    CHECK_EQ(tern_coap_max_transmit_wait(&d), 93000);
}

static int drop_first_from_b_n;
static bool drop_first_from_b(void *ctx, int from, int to, const uint8_t *b, size_t n)
{
    (void)to;
    (void)b;
    (void)n;
    if (from == *(int *)ctx && drop_first_from_b_n == 0) {
        drop_first_from_b_n++;
        return true;
    }
    return false;
}

static void test_dedup_replay(void)
{
    fx *f = fx_new(NULL, NULL);
    static trace t;
    memset(&t, 0, sizeof t);
    drop_first_from_b_n = 0;
    f->net.trace = tracer;
    f->net.trace_ctx = &t;
    f->net.filter = drop_first_from_b;
    f->net.filter_ctx = &f->b.id;
    CHECK_EQ(get(f, "/hello", NULL, NULL), 0);
    run(f, 100000);
    CHECK_EQ(f->r.finals, 1);
    CHECK_EQ(f->srv.calls, 1); /* handler ran once */
    CHECK_EQ(t.n, 4);          /* CON, ACK (lost), CON again, replayed ACK */
    CHECK_EQ(t.from[1], f->b.id);
    CHECK_EQ(t.from[3], f->b.id);
    CHECK_EQ(t.len[1], t.len[3]);
    CHECK_MEM(t.b[1], t.b[3], t.len[1]); /* identical bytes */
    CHECK_EQ(f->b.ep.stats.duplicates, 1);
    fx_free(f);
}

static void test_nstart_queue(void)
{
    fx *f = fx_new(NULL, NULL);
    static trace t;
    memset(&t, 0, sizeof t);
    f->net.trace = tracer;
    f->net.trace_ctx = &t;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(get(f, "/hello", NULL, NULL), 0);
    f->r.finals = 0;
    simnet_run(&f->net, 100000, NULL, NULL);
    CHECK_EQ(f->r.finals, 3);
    CHECK_EQ(t.n, 6);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(t.from[i], i % 2 ? f->b.id : f->a.id); /* strictly one at a time (NSTART 1) */
    /* queue bound */
    tern_coap_ep_cfg ca = {.max_queue = 1};
    fx *g = fx_new(&ca, NULL);
    CHECK_EQ(get(g, "/hello", NULL, NULL), 0);
    CHECK_EQ(get(g, "/hello", NULL, NULL), 0);
    CHECK_EQ(get(g, "/hello", NULL, NULL), TERN_EFULL);
    fx_free(g);
    fx_free(f);
}

/* raw datagrams into an endpoint, capturing what it answers */
typedef struct cap {
    int n;
    uint8_t b[8][1200];
    size_t len[8];
} cap;
static int cap_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    cap *c = ctx;
    (void)peer;
    if (c->n < 8) {
        memcpy(c->b[c->n], b, TERN_MIN(n, sizeof c->b[0]));
        c->len[c->n++] = n;
    }
    return 0;
}
typedef struct raw {
    tern_coap_ep ep;
    void *mem;
    cap c;
    tern_xrng rng;
    server srv;
} raw;
static raw *raw_new(tern_coap_ep_cfg *cfg)
{
    raw *r = calloc(1, sizeof *r);
    tern_coap_ep_cfg d = {0};
    if (!cfg)
        cfg = &d;
    tern_xrng_seed(&r->rng, 5);
    cfg->rng = tern_xrng_as_rng(&r->rng);
    cfg->send = cap_send;
    cfg->send_ctx = &r->c;
    cfg->handler = handler;
    cfg->handler_ctx = &r->srv;
    size_t need = tern_coap_ep_mem_size(cfg);
    r->mem = aligned_alloc(8, (need + 7) & ~(size_t)7);
    CHECK_EQ(tern_coap_ep_init(&r->ep, cfg, r->mem, need), 0);
    return r;
}
static void raw_free(raw *r)
{
    tern_coap_ep_deinit(&r->ep);
    free(r->mem);
    free(r);
}
static void raw_feed_msg(raw *r, const tern_coap_msg *m)
{
    uint8_t b[1200];
    int n = tern_coap_encode_udp(m, b, sizeof b);
    CHECK(n > 0);
    tern_coap_peer p = simnet_peer(9);
    tern_coap_ep_feed(&r->ep, &p, b, (size_t)n, 1000);
}
static void raw_feed_hex(raw *r, const char *hex)
{
    uint8_t b[256];
    int n = thex(hex, b, sizeof b);
    tern_coap_peer p = simnet_peer(9);
    tern_coap_ep_feed(&r->ep, &p, b, (size_t)n, 1000);
}

static void test_reject_rules(void)
{
    raw *r = raw_new(NULL);
    tern_coap_msg m, d;
    /* CON request with unknown critical option → 4.02 piggybacked (§5.4.1) */
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0x1234);
    tern_coap_msg_set_token(&m, (const uint8_t *)"tk", 2);
    tern_coap_opt_add_uri_path(&m, "/hello");
    tern_coap_opt_add(&m, 2049, "x", 1);
    raw_feed_msg(r, &m);
    CHECK_EQ(r->c.n, 1);
    CHECK_EQ(tern_coap_decode_udp(&d, r->c.b[0], r->c.len[0], NULL), 0);
    CHECK_EQ(d.type, TERN_COAP_ACK);
    CHECK_EQ(d.code, TERN_COAP_BAD_OPTION);
    CHECK_EQ(d.mid, 0x1234);
    CHECK_EQ(r->srv.calls, 0);
    /* NON request → 4.02 as NON */
    m.type = TERN_COAP_NON;
    m.mid = 0x1235;
    raw_feed_msg(r, &m);
    CHECK_EQ(r->c.n, 2);
    tern_coap_decode_udp(&d, r->c.b[1], r->c.len[1], NULL);
    CHECK_EQ(d.type, TERN_COAP_NON);
    CHECK_EQ(d.code, TERN_COAP_BAD_OPTION);
    /* CON response with unknown critical option (no such exchange) → RST */
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_CONTENT, 0x2000);
    tern_coap_opt_add(&m, 2049, "x", 1);
    raw_feed_msg(r, &m);
    CHECK_EQ(r->c.n, 3);
    tern_coap_decode_udp(&d, r->c.b[2], r->c.len[2], NULL);
    CHECK_EQ(d.type, TERN_COAP_RST);
    CHECK_EQ(d.mid, 0x2000);
    /* NON response with unknown critical option → dropped */
    m.type = TERN_COAP_NON;
    m.mid = 0x2001;
    raw_feed_msg(r, &m);
    CHECK_EQ(r->c.n, 3);
    /* malformed CON (option delta 15) → RST; malformed NON → dropped (§4.2, §4.3) */
    raw_feed_hex(r, "40 01 30 00 f0");
    CHECK_EQ(r->c.n, 4);
    CHECK_EQ(r->c.len[3], 4);
    CHECK_EQ(r->c.b[3][0], 0x70);
    CHECK_EQ(r->c.b[3][2], 0x30);
    raw_feed_hex(r, "50 01 30 01 f0");
    CHECK_EQ(r->c.n, 4);
    /* CoAP ping: empty CON → RST (§4.3) */
    raw_feed_hex(r, "40 00 ab cd");
    CHECK_EQ(r->c.n, 5);
    CHECK_EQ(r->c.b[4][0], 0x70);
    CHECK_EQ(r->c.b[4][2], 0xab);
    /* garbage: nothing */
    raw_feed_hex(r, "ff");
    raw_feed_hex(r, "");
    CHECK_EQ(r->c.n, 5);
    raw_free(r);
}

static void test_rst_fails_request(void)
{
    raw *r = raw_new(NULL);
    rec c;
    memset(&c, 0, sizeof c);
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    tern_coap_peer p = simnet_peer(9);
    CHECK_EQ(tern_coap_request(&r->ep, &p, &m, NULL, on_result, &c, NULL), 0);
    CHECK_EQ(r->c.n, 1);
    tern_coap_msg sent;
    tern_coap_decode_udp(&sent, r->c.b[0], r->c.len[0], NULL);
    CHECK(sent.token_len >= 4);
    uint8_t rst[4] = {0x70, 0, (uint8_t)(sent.mid >> 8), (uint8_t)sent.mid};
    tern_coap_ep_feed(&r->ep, &p, rst, 4, 1);
    CHECK_EQ(c.finals, 1);
    CHECK_EQ(c.err, TERN_ERESET);
    /* cancel */
    tern_coap_handle h;
    memset(&c, 0, sizeof c);
    CHECK_EQ(tern_coap_request(&r->ep, &p, &m, NULL, on_result, &c, &h), 0);
    CHECK_EQ(tern_coap_cancel(&r->ep, h), 0);
    CHECK_EQ(c.err, TERN_ECANCELED);
    CHECK_EQ(c.finals, 1);
    CHECK_EQ(tern_coap_cancel(&r->ep, h), TERN_ENOTFOUND);
    /* piggybacked response with bad critical option → TERN_EBADOPT */
    memset(&c, 0, sizeof c);
    CHECK_EQ(tern_coap_request(&r->ep, &p, &m, NULL, on_result, &c, NULL), 0);
    tern_coap_decode_udp(&sent, r->c.b[r->c.n - 1], r->c.len[r->c.n - 1], NULL);
    tern_coap_msg a;
    tern_coap_msg_init(&a, TERN_COAP_ACK, TERN_COAP_CONTENT, sent.mid);
    tern_coap_msg_set_token(&a, sent.token, sent.token_len);
    tern_coap_opt_add(&a, 2049, "x", 1);
    uint8_t b[64];
    int n = tern_coap_encode_udp(&a, b, sizeof b);
    tern_coap_ep_feed(&r->ep, &p, b, (size_t)n, 2);
    CHECK_EQ(c.err, TERN_EBADOPT);
    raw_free(r);
}

static void test_separate_response(void)
{
    fx *f = fx_new(NULL, NULL);
    static trace t;
    memset(&t, 0, sizeof t);
    f->net.trace = tracer;
    f->net.trace_ctx = &t;
    CHECK_EQ(get(f, "/slow", NULL, NULL), 0);
    simnet_run(&f->net, 5000, NULL, NULL);
    CHECK_EQ(f->r.finals, 0);
    CHECK_EQ(t.n, 2); /* CON, empty ACK */
    CHECK_EQ(t.len[1], 4);
    CHECK_EQ(t.b[1][0] >> 4 & 3, TERN_COAP_ACK);
    tern_coap_msg resp;
    tern_coap_msg_init(&resp, TERN_COAP_CON, TERN_COAP_CONTENT, 0);
    resp.payload = (const uint8_t *)"late";
    resp.payload_len = 4;
    simnet_poke(&f->net, f->b.id); /* bring the endpoint's clock to now */
    CHECK_EQ(tern_coap_respond(&f->b.ep, f->srv.deferred, &resp, false), 0);
    simnet_poke(&f->net, f->b.id);
    simnet_run(&f->net, 100000, NULL, NULL);
    CHECK_EQ(f->r.finals, 1);
    CHECK_EQ(f->r.code, TERN_COAP_CONTENT);
    CHECK_MEM(f->r.data, "late", 4);
    CHECK_EQ(t.n, 4); /* separate CON response, its empty ACK */
    CHECK_EQ(t.b[2][0] >> 4 & 3, TERN_COAP_CON);
    CHECK_EQ(t.b[3][0] >> 4 & 3, TERN_COAP_ACK);
    CHECK_EQ(f->b.ep.stats.exchanges_used, 0);
    fx_free(f);
}

static uint8_t body[20000];

static int post(fx *f, const char *path, size_t len, uint16_t block_size)
{
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_POST, 0);
    tern_coap_opt_add_uri_path(&m, path);
    tern_coap_req_opts o = {.body = body, .body_len = len, .block_size = block_size};
    simnet_poke(&f->net, f->a.id);
    int rc = tern_coap_request(&f->a.ep, &f->pb, &m, &o, on_result, &f->r, NULL);
    simnet_poke(&f->net, f->a.id);
    return rc;
}

static void test_block1(void)
{
    fx *f = fx_new(NULL, NULL);
    static trace t;
    memset(&t, 0, sizeof t);
    f->net.trace = tracer;
    f->net.trace_ctx = &t;
    CHECK_EQ(post(f, "/up", 5000, 0), 0);
    run(f, 100000);
    CHECK_EQ(f->r.finals, 1);
    CHECK_EQ(f->r.code, TERN_COAP_CHANGED);
    CHECK_EQ(f->srv.up_len, 5000);
    CHECK_MEM(f->srv.up, body, 5000);
    CHECK_EQ(f->srv.n_offsets, 5);
    /* Request-Tag on every block, the same within the body (RFC 9175 §3) */
    const uint8_t *tag = NULL;
    int blocks = 0;
    for (int i = 0; i < t.n; i++) {
        tern_coap_msg d;
        if (t.from[i] != f->a.id || tern_coap_decode_udp(&d, t.b[i], t.len[i], NULL))
            continue;
        const tern_coap_opt *o = tern_coap_opt_get(&d, TERN_COAP_OPT_REQUEST_TAG);
        CHECK(o != NULL);
        if (!o)
            continue;
        static uint8_t first[8];
        if (!tag) {
            memcpy(first, o->val, o->len);
            tag = first;
        } else {
            CHECK_MEM(o->val, tag, o->len);
        }
        blocks++;
    }
    CHECK_EQ(blocks, 5);
    /* a second body gets a fresh tag */
    memset(&f->r, 0, sizeof f->r);
    f->r.net = &f->net;
    int before = t.n;
    CHECK_EQ(post(f, "/up", 3000, 0), 0);
    run(f, 200000);
    tern_coap_msg d;
    CHECK_EQ(tern_coap_decode_udp(&d, t.b[before], t.len[before], NULL), 0);
    const tern_coap_opt *o = tern_coap_opt_get(&d, TERN_COAP_OPT_REQUEST_TAG);
    CHECK(o && tag && memcmp(o->val, tag, o->len) != 0);
    fx_free(f);
}

static void test_block1_late_negotiation(void)
{
    tern_coap_ep_cfg cb = {.block_szx = 4}; /* server wants 256-byte blocks */
    fx *f = fx_new(NULL, &cb);
    CHECK_EQ(post(f, "/up", 3000, 1024), 0);
    run(f, 100000);
    CHECK_EQ(f->r.code, TERN_COAP_CHANGED);
    CHECK_EQ(f->srv.up_len, 3000);
    CHECK_MEM(f->srv.up, body, 3000);
    CHECK_EQ(f->srv.offsets[0], 0);
    CHECK_EQ(f->srv.offsets[1], 1024); /* first block was 1024, then 256s (RFC 7959 §2.5) */
    CHECK_EQ(f->srv.offsets[2], 1280);
    CHECK_EQ(f->srv.n_offsets, 1 + (3000 - 1024 + 255) / 256);
    fx_free(f);
}

static void test_block1_errors(void)
{
    raw *r = raw_new(NULL);
    tern_coap_msg m, d;
    uint8_t sc[3];
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_POST, 0x100);
    tern_coap_opt_add_uri_path(&m, "/up");
    tern_coap_block b = {2, true, 2};
    tern_coap_block_add(&m, TERN_COAP_OPT_BLOCK1, b, sc);
    m.payload = body;
    m.payload_len = 64;
    raw_feed_msg(r, &m);
    tern_coap_decode_udp(&d, r->c.b[0], r->c.len[0], NULL);
    CHECK_EQ(d.code, TERN_COAP_REQUEST_INCOMPLETE); /* 4.08 (RFC 7959 §2.9.2) */
    raw_free(r);
    /* 4.13 with Size1 when above max_body: the body can never fit */
    tern_coap_ep_cfg cb = {.max_body = 2000};
    fx *f = fx_new(NULL, &cb);
    CHECK_EQ(post(f, "/up", 5000, 0), 0);
    run(f, 100000);
    CHECK_EQ(f->r.finals, 1);
    CHECK_EQ(f->r.err, TERN_ETOOBIG);
    CHECK_EQ(f->srv.n_offsets, 0);
    fx_free(f);
}

/* RFC 7959 §2.9.3: 4.13 Request Entity Too Large on a client request */
static void test_block1_too_large(void)
{
    static trace t;
    /* (a) a plain PUT (1000 bytes, one message) and a block-wise one (2000
     * bytes in 1024-byte blocks), each answered 4.13 with Block1 SZX 2:
     * the client starts again block-wise with 64-byte blocks */
    static const size_t lens[2] = {1000, 2000};
    for (int k = 0; k < 2; k++) {
        fx *f = fx_new(NULL, NULL);
        memset(&t, 0, sizeof t);
        f->net.trace = tracer;
        f->net.trace_ctx = &t;
        tern_coap_msg m;
        tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_PUT, 0);
        tern_coap_opt_add_uri_path(&m, "/small");
        tern_coap_req_opts o = {.body = body, .body_len = lens[k]};
        CHECK_EQ(tern_coap_request(&f->a.ep, &f->pb, &m, &o, on_result, &f->r, NULL), 0);
        simnet_poke(&f->net, f->a.id);
        run(f, 100000);
        CHECK_EQ(f->r.finals, 1);
        CHECK_EQ(f->r.err, 0);
        CHECK_EQ(f->r.code, TERN_COAP_CHANGED);
        CHECK_EQ(f->srv.up_len, lens[k]);
        CHECK_MEM(f->srv.up, body, lens[k]);
        CHECK_EQ(f->srv.n_offsets, (int)((lens[k] + 63) / 64));
        CHECK_EQ(f->srv.offsets[1], 64);
        /* the first request: Block1 only when the body exceeds a block */
        tern_coap_msg d;
        tern_coap_block b;
        CHECK_EQ(tern_coap_decode_udp(&d, t.b[0], t.len[0], NULL), 0);
        CHECK_EQ(tern_coap_block_get(&d, TERN_COAP_OPT_BLOCK1, &b) == TERN_OK, k == 1);
        CHECK_EQ(d.payload_len, k == 0 ? 1000 : 1024);
        CHECK_EQ(tern_coap_decode_udp(&d, t.b[1], t.len[1], NULL), 0);
        CHECK_EQ(d.code, TERN_COAP_REQUEST_TOO_LARGE);
        /* the restart: 64-byte blocks from 0 */
        CHECK_EQ(tern_coap_decode_udp(&d, t.b[2], t.len[2], NULL), 0);
        CHECK_EQ(tern_coap_block_get(&d, TERN_COAP_OPT_BLOCK1, &b), 0);
        CHECK_EQ(b.num, 0);
        CHECK_EQ(b.szx, 2);
        CHECK(b.more);
        CHECK_EQ(d.payload_len, 64);
        CHECK(tern_coap_opt_get(&d, TERN_COAP_OPT_REQUEST_TAG) != NULL);
        CHECK_EQ(f->a.ep.stats.exchanges_used, 0);
        fx_free(f);
    }
    /* (b) 4.13 with Size1 below the body: TERN_ETOOBIG, no retry */
    tern_coap_ep_cfg cb = {.max_body = 500};
    fx *f = fx_new(NULL, &cb);
    memset(&t, 0, sizeof t);
    f->net.trace = tracer;
    f->net.trace_ctx = &t;
    CHECK_EQ(post(f, "/up", 1000, 0), 0);
    run(f, 100000);
    CHECK_EQ(f->r.finals, 1);
    CHECK_EQ(f->r.err, TERN_ETOOBIG);
    CHECK_EQ(f->srv.calls, 0);
    CHECK_EQ(t.n, 2); /* PUT, 4.13: nothing more */
    tern_coap_msg d;
    uint32_t s1 = 0;
    CHECK_EQ(tern_coap_decode_udp(&d, t.b[1], t.len[1], NULL), 0);
    CHECK_EQ(d.code, TERN_COAP_REQUEST_TOO_LARGE);
    CHECK_EQ(tern_coap_opt_get_uint(&d, TERN_COAP_OPT_SIZE1, &s1), 0);
    CHECK_EQ(s1, 500);
    fx_free(f);
}

static void test_block2(void)
{
    fx *f = fx_new(NULL, NULL);
    static uint8_t buf[4000];
    tern_coap_req_opts o = {.resp_buf = buf, .resp_cap = sizeof buf};
    CHECK_EQ(get(f, "/big", &o, NULL), 0);
    run(f, 100000);
    CHECK_EQ(f->r.finals, 1);
    CHECK_EQ(f->r.events, 1);
    CHECK_EQ(f->r.data_len, sizeof big);
    CHECK_MEM(buf, big, sizeof big);
    /* chunk mode, early negotiation of 64-byte blocks, windowed producer */
    memset(&f->r, 0, sizeof f->r);
    f->r.net = &f->net;
    tern_coap_req_opts o2 = {.block_size = 64, .block2_early = true};
    CHECK_EQ(get(f, "/win", &o2, NULL), 0);
    run(f, 1000000);
    CHECK_EQ(f->r.finals, 1);
    CHECK_EQ(f->r.events, (3000 + 63) / 64);
    CHECK_EQ(f->r.data_len, 3000);
    CHECK_MEM(f->r.data, big, 3000);
    CHECK_EQ(f->r.offsets[1], 64);
    /* too small a buffer */
    memset(&f->r, 0, sizeof f->r);
    f->r.net = &f->net;
    tern_coap_req_opts o3 = {.resp_buf = buf, .resp_cap = 1000};
    CHECK_EQ(get(f, "/big", &o3, NULL), 0);
    run(f, 1000000);
    CHECK_EQ(f->r.err, TERN_ETOOBIG);
    /* ETag change → error */
    memset(&f->r, 0, sizeof f->r);
    f->r.net = &f->net;
    CHECK_EQ(get(f, "/etag", NULL, NULL), 0);
    run(f, 1000000);
    CHECK_EQ(f->r.err, TERN_ESTATE);
    fx_free(f);
}

static void test_block2_size2(void)
{
    raw *r = raw_new(NULL);
    tern_coap_msg m, d;
    uint8_t sc[4];
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0x300);
    tern_coap_opt_add_uri_path(&m, "/big");
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_SIZE2, 0, sc);
    raw_feed_msg(r, &m);
    CHECK_EQ(tern_coap_decode_udp(&d, r->c.b[0], r->c.len[0], NULL), 0);
    uint32_t v = 0;
    CHECK_EQ(tern_coap_opt_get_uint(&d, TERN_COAP_OPT_SIZE2, &v), 0);
    CHECK_EQ(v, 3000);
    tern_coap_block b;
    CHECK_EQ(tern_coap_block_get(&d, TERN_COAP_OPT_BLOCK2, &b), 0);
    CHECK(b.more);
    CHECK_EQ(b.num, 0);
    CHECK_EQ(d.payload_len, 1024);
    raw_free(r);
}

static void test_observe_order(void)
{
    /* RFC 7641 §3.4 */
    CHECK(ep_obs_fresh(1, 0, 2, 1));
    CHECK(!ep_obs_fresh(2, 0, 1, 1));
    CHECK(ep_obs_fresh(0xffffff, 0, 3, 1));       /* wrap-around */
    CHECK(!ep_obs_fresh(3, 0, 0xffffff, 1));
    CHECK(ep_obs_fresh(5, 0, 4, 128001));         /* 128 s later */
    CHECK(!ep_obs_fresh(5, 0, 4, 128000));
    CHECK(!ep_obs_fresh(7, 0, 7, 10));
}

static void test_observe(void)
{
    fx *f = fx_new(NULL, NULL);
    tern_coap_handle h;
    tern_coap_req_opts o = {.observe = true};
    CHECK_EQ(get(f, "/obs", &o, &h), 0);
    simnet_run(&f->net, 5000, NULL, NULL);
    CHECK_EQ(f->r.events, 1);
    CHECK_EQ(f->r.finals, 0);
    CHECK_EQ(f->r.notifications, 1);
    CHECK_EQ(tern_coap_observer_count(&f->b.ep), 1);
    tern_coap_msg n;
    tern_coap_msg_init(&n, TERN_COAP_NON, TERN_COAP_CONTENT, 0);
    n.payload = (const uint8_t *)"v1";
    n.payload_len = 2;
    tern_coap_notify_opts con = {.con = true};
    simnet_poke(&f->net, f->b.id);
    CHECK_EQ(tern_coap_notify_key(&f->b.ep, "obs", 3, &n, NULL), 1);
    simnet_poke(&f->net, f->b.id);
    simnet_run(&f->net, 10000, NULL, NULL);
    simnet_poke(&f->net, f->b.id);
    CHECK_EQ(tern_coap_notify_key(&f->b.ep, "obs", 3, &n, &con), 1);
    simnet_poke(&f->net, f->b.id);
    simnet_run(&f->net, 20000, NULL, NULL);
    CHECK_EQ(f->r.notifications, 3);
    CHECK_EQ(f->b.ep.stats.exchanges_used, 0); /* CON notification acknowledged */
    /* active deregistration: GET with Observe = 1 */
    simnet_poke(&f->net, f->a.id);
    CHECK_EQ(tern_coap_observe_cancel(&f->a.ep, h), 0);
    simnet_poke(&f->net, f->a.id);
    simnet_run(&f->net, 30000, NULL, NULL);
    CHECK_EQ(f->r.finals, 1);
    CHECK_EQ(tern_coap_observer_count(&f->b.ep), 0);
    CHECK_EQ(f->srv.obs_why, TERN_COAP_OBS_DEREGISTERED);
    /* passive: cancel locally, next notification is answered with RST */
    memset(&f->r, 0, sizeof f->r);
    f->r.net = &f->net;
    CHECK_EQ(get(f, "/obs", &o, &h), 0);
    simnet_run(&f->net, 40000, NULL, NULL);
    CHECK_EQ(tern_coap_observer_count(&f->b.ep), 1);
    CHECK_EQ(tern_coap_cancel(&f->a.ep, h), 0);
    CHECK_EQ(f->r.err, TERN_ECANCELED);
    simnet_poke(&f->net, f->b.id);
    CHECK_EQ(tern_coap_notify_key(&f->b.ep, "obs", 3, &n, NULL), 1); /* NON, RST by MID */
    simnet_poke(&f->net, f->b.id);
    simnet_run(&f->net, 50000, NULL, NULL);
    CHECK_EQ(tern_coap_observer_count(&f->b.ep), 0);
    CHECK_EQ(f->srv.obs_why, TERN_COAP_OBS_RESET);
    /* CON notification that is never acknowledged removes the observer */
    memset(&f->r, 0, sizeof f->r);
    f->r.net = &f->net;
    CHECK_EQ(get(f, "/obs", &o, &h), 0);
    simnet_run(&f->net, 60000, NULL, NULL);
    CHECK_EQ(tern_coap_observer_count(&f->b.ep), 1);
    f->net.filter = drop_all_to_b;
    f->net.filter_ctx = &f->a.id;
    simnet_poke(&f->net, f->b.id);
    CHECK_EQ(tern_coap_notify_key(&f->b.ep, "obs", 3, &n, &con), 1);
    simnet_poke(&f->net, f->b.id);
    simnet_run(&f->net, 1000000, NULL, NULL);
    CHECK_EQ(tern_coap_observer_count(&f->b.ep), 0);
    CHECK_EQ(f->srv.obs_why, TERN_COAP_OBS_TIMEOUT);
    fx_free(f);
}

static void test_observe_reorder_client(void)
{
    /* notifications fed by hand: 5, 3 (stale), 6; RFC 7641 §3.4 */
    raw *r = raw_new(NULL);
    rec c;
    memset(&c, 0, sizeof c);
    tern_coap_msg m, s, a;
    uint8_t sc[4];
    tern_coap_peer p = simnet_peer(9);
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    tern_coap_req_opts o = {.observe = true};
    CHECK_EQ(tern_coap_request(&r->ep, &p, &m, &o, on_result, &c, NULL), 0);
    tern_coap_decode_udp(&s, r->c.b[0], r->c.len[0], NULL);
    uint32_t seqs[] = {5, 3, 6, 0x800010};
    for (int i = 0; i < 4; i++) {
        tern_coap_msg_init(&a, i == 0 ? TERN_COAP_ACK : TERN_COAP_NON, TERN_COAP_CONTENT,
                           i == 0 ? s.mid : (uint16_t)(0x500 + i));
        tern_coap_msg_set_token(&a, s.token, s.token_len);
        tern_coap_opt_add_uint(&a, TERN_COAP_OPT_OBSERVE, seqs[i], sc);
        uint8_t b[64];
        int n = tern_coap_encode_udp(&a, b, sizeof b);
        tern_coap_ep_feed(&r->ep, &p, b, (size_t)n, 10 + i);
    }
    CHECK_EQ(c.notifications, 2); /* 3 is older than 5; 0x800010 is too far ahead of 6 */
    CHECK_EQ(c.last_seq, 6);
    raw_free(r);
}

/* ---- block-wise notifications (RFC 7959 §2.6) ---- */
typedef struct obsrec {
    int events, complete, errors, last_err, finals;
    uint32_t last_seq;
    bool chunk_mode;
    uint32_t chunk_offs[8];
    bool chunk_more[8];
    int n_chunks;
    uint8_t body[4000];
    size_t body_len;
} obsrec;

static void on_obs(void *ctx, tern_coap_ep *ep, const tern_coap_result *r)
{
    obsrec *c = ctx;
    (void)ep;
    c->events++;
    if (r->final)
        c->finals++;
    if (r->err < 0) {
        c->errors++;
        c->last_err = r->err;
        CHECK(r->notification || r->err == TERN_ECANCELED); /* deinit at the end */
        return;
    }
    CHECK(r->notification);
    if (c->chunk_mode) {
        if (r->offset == 0)
            c->n_chunks = 0;
        if (c->n_chunks < 8) {
            c->chunk_offs[c->n_chunks] = r->offset;
            c->chunk_more[c->n_chunks++] = r->more;
        }
        if (r->offset + r->data_len <= sizeof c->body)
            memcpy(c->body + r->offset, r->data, r->data_len);
        if (r->more)
            return;
        c->body_len = r->offset + r->data_len;
    } else {
        CHECK(!r->more);
        CHECK_EQ(r->offset, 0);
        c->body_len = TERN_MIN(r->data_len, sizeof c->body);
        memcpy(c->body, r->data, c->body_len);
    }
    c->complete++;
    c->last_seq = r->observe_seq;
}

static uint32_t srv_obs_seq(fx *f)
{
    return f->b.ep.p->obs[0].seq; /* the only observer */
}

static void notify_rep(fx *f, uint8_t ver)
{
    obsrep_set(ver);
    tern_coap_msg n;
    tern_coap_msg_init(&n, TERN_COAP_NON, TERN_COAP_CONTENT, 0);
    tern_coap_opt_add(&n, TERN_COAP_OPT_ETAG, &obsver, 1);
    n.payload = obsrep;
    n.payload_len = sizeof obsrep;
    simnet_poke(&f->net, f->b.id);
    CHECK_EQ(tern_coap_notify_key(&f->b.ep, "ob", 2, &n, NULL), 1);
    simnet_poke(&f->net, f->b.id);
}

static bool obs_complete_is(obsrec *c, uint8_t ver)
{
    uint8_t want[sizeof obsrep];
    for (size_t i = 0; i < sizeof want; i++)
        want[i] = (uint8_t)(i * 5 + ver * 17u);
    return c->body_len == sizeof want && memcmp(c->body, want, sizeof want) == 0;
}

static void test_observe_blockwise(void)
{
    for (int mode = 0; mode < 2; mode++) {
        fx *f = fx_new(NULL, NULL);
        static obsrec c;
        static uint8_t buf[4000];
        memset(&c, 0, sizeof c);
        c.chunk_mode = mode == 1;
        obsrep_set(1);
        tern_coap_req_opts o = {.observe = true};
        if (!c.chunk_mode) {
            o.resp_buf = buf;
            o.resp_cap = sizeof buf;
        }
        tern_coap_msg m;
        tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
        tern_coap_opt_add_uri_path(&m, "/obsbig");
        CHECK_EQ(tern_coap_request(&f->a.ep, &f->pb, &m, &o, on_obs, &c, NULL), 0);
        simnet_poke(&f->net, f->a.id);
        simnet_run(&f->net, 5000, NULL, NULL);
        CHECK_EQ(c.complete, 1); /* the registration response, block-wise */
        CHECK(obs_complete_is(&c, 1));
        CHECK_EQ(tern_coap_observer_count(&f->b.ep), 1);
        /* two notifications of 3 KB: each arrives whole, with its number */
        for (uint8_t v = 2; v <= 3; v++) {
            int calls = f->srv.obsbig_calls;
            notify_rep(f, v);
            simnet_run(&f->net, 5000 + 10000 * v, NULL, NULL);
            CHECK_EQ(c.complete, v);
            CHECK(obs_complete_is(&c, v));
            CHECK_EQ(c.last_seq, srv_obs_seq(f));
            CHECK_EQ(f->srv.obsbig_calls - calls, 2); /* blocks 1 and 2 through the handler */
            if (c.chunk_mode) {
                CHECK_EQ(c.n_chunks, 3);
                CHECK_EQ(c.chunk_offs[1], 1024);
                CHECK_EQ(c.chunk_offs[2], 2048);
                CHECK(c.chunk_more[0] && c.chunk_more[1] && !c.chunk_more[2]);
            }
        }
        CHECK_EQ(c.errors, 0);
        CHECK_EQ(c.finals, 0);
        CHECK_EQ(c.events, c.chunk_mode ? 9 : 3);
        CHECK_EQ(f->srv.obsbig_observe, 1);                /* follow-ups carry no Observe */
        CHECK_EQ(tern_coap_observer_count(&f->b.ep), 1);  /* and register nobody */
        CHECK_EQ(f->a.ep.stats.exchanges_used, 1);         /* just the observation */
        fx_free(f);
    }
}

static bool drop_a_to_b(void *ctx, int from, int to, const uint8_t *b, size_t n)
{
    fx *f = ctx;
    (void)b;
    (void)n;
    return from == f->a.id && to == f->b.id;
}

static void test_observe_blockwise_newer_wins(void)
{
    fx *f = fx_new(NULL, NULL);
    static obsrec c;
    static uint8_t buf[4000];
    memset(&c, 0, sizeof c);
    obsrep_set(1);
    tern_coap_req_opts o = {.observe = true, .resp_buf = buf, .resp_cap = sizeof buf};
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    tern_coap_opt_add_uri_path(&m, "/obsbig");
    CHECK_EQ(tern_coap_request(&f->a.ep, &f->pb, &m, &o, on_obs, &c, NULL), 0);
    simnet_poke(&f->net, f->a.id);
    simnet_run(&f->net, 5000, NULL, NULL);
    CHECK_EQ(c.complete, 1);
    /* notification 2: its follow-up GETs are lost for now */
    f->net.filter = drop_a_to_b;
    f->net.filter_ctx = f;
    notify_rep(f, 2);
    simnet_run(&f->net, 6000, NULL, NULL);
    CHECK_EQ(c.events, 1);
    CHECK_EQ(f->a.ep.stats.exchanges_used, 2); /* the observation and the fetch */
    /* notification 3 arrives meanwhile: the fetch of 2 is abandoned */
    f->net.filter = NULL;
    int calls = f->srv.obsbig_calls;
    notify_rep(f, 3);
    simnet_run(&f->net, 100000, NULL, NULL);
    CHECK_EQ(c.events, 2);
    CHECK_EQ(c.complete, 2);
    CHECK_EQ(c.errors, 0);
    CHECK(obs_complete_is(&c, 3));
    CHECK_EQ(c.last_seq, srv_obs_seq(f));
    CHECK_EQ(f->srv.obsbig_calls - calls, 2); /* no retransmission of the old fetch */
    CHECK_EQ(f->a.ep.stats.exchanges_used, 1);
    /* the representation changes under a fetch (ETag, RFC 7959 §2.4): one
     * error event, the observation goes on */
    f->net.filter = drop_a_to_b;
    notify_rep(f, 4);
    simnet_run(&f->net, 101000, NULL, NULL);
    obsrep_set(5); /* changed without a notification (yet) */
    f->net.filter = NULL;
    simnet_run(&f->net, 200000, NULL, NULL);
    CHECK_EQ(c.errors, 1);
    CHECK_EQ(c.last_err, TERN_ESTATE);
    CHECK_EQ(c.complete, 2);
    notify_rep(f, 6);
    simnet_run(&f->net, 300000, NULL, NULL);
    CHECK_EQ(c.complete, 3);
    CHECK(obs_complete_is(&c, 6));
    CHECK_EQ(c.finals, 0);
    CHECK_EQ(f->a.ep.stats.exchanges_used, 1);
    CHECK_EQ(tern_coap_observer_count(&f->b.ep), 1);
    fx_free(f);
}

static void test_echo(void)
{
    fx *f = fx_new(NULL, NULL);
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_POST, 0);
    tern_coap_opt_add_uri_path(&m, "/fresh");
    CHECK_EQ(tern_coap_request(&f->a.ep, &f->pb, &m, NULL, on_result, &f->r, NULL), 0);
    simnet_poke(&f->net, f->a.id);
    run(f, 100000);
    CHECK_EQ(f->r.code, TERN_COAP_CHANGED);
    CHECK_EQ(f->srv.calls, 2);
    CHECK_EQ(f->srv.fresh_calls, 1);
    fx_free(f);
    /* require_echo by configuration; stale Echo is challenged again */
    tern_coap_ep_cfg cb = {.require_echo = true};
    f = fx_new(NULL, &cb);
    CHECK_EQ(get(f, "/hello", NULL, NULL), 0);
    run(f, 100000);
    CHECK_EQ(f->r.code, TERN_COAP_CONTENT);
    CHECK_EQ(f->srv.calls, 1);
    uint8_t v[EP_ECHO_LEN];
    tern_coap_peer p = simnet_peer(3);
    ep_echo_make(&f->b.ep, &p, 1000, v);
    CHECK(ep_echo_check(&f->b.ep, &p, 11000, v, sizeof v));
    CHECK(!ep_echo_check(&f->b.ep, &p, 11001, v, sizeof v));
    tern_coap_peer q = simnet_peer(4);
    CHECK(!ep_echo_check(&f->b.ep, &q, 1000, v, sizeof v));
    fx_free(f);
}

int main(void)
{
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(i * 13 + 1);
    TRUN(test_piggyback);
    TRUN(test_retransmit_and_give_up);
    TRUN(test_link_params);
    TRUN(test_dedup_replay);
    TRUN(test_nstart_queue);
    TRUN(test_reject_rules);
    TRUN(test_rst_fails_request);
    TRUN(test_separate_response);
    TRUN(test_block1);
    TRUN(test_block1_late_negotiation);
    TRUN(test_block1_errors);
    TRUN(test_block1_too_large);
    TRUN(test_block2);
    TRUN(test_block2_size2);
    TRUN(test_observe_order);
    TRUN(test_observe);
    TRUN(test_observe_reorder_client);
    TRUN(test_observe_blockwise);
    TRUN(test_observe_blockwise_newer_wins);
    TRUN(test_echo);
    return tdone();
}
