/* Bootstrap over simnet with loss, duplication and reordering.
 *
 * 1. A fake device (a CoAP endpoint that answers every Bootstrap operation
 *    and keeps the last body written to each path) sends a Bootstrap-Request;
 *    for SEEDS seeds with 20 % loss, 5 % duplication and 5-300 ms delays the
 *    session must be recorded exactly once, as a success, and the device must
 *    hold every configured instance.
 * 2. End to end: a real tern client (factory Bootstrap-Server account only)
 *    bootstraps from the engine, by Bootstrap-Request and by
 *    Bootstrap-Pack-Request, and ends up with the configured Security and
 *    Server instances. */
#include <stdlib.h>

#include "sim/simnet.h"
#include "tern/bootstrap.h"
#include "tern/client.h"
#include "tharness.h"

#ifndef SEEDS
#define SEEDS 40
#endif

static const tern_coap_link sim_link = {.ack_timeout_ms = 2000, .max_retransmit = 12, .constant_timeout = true,
                                        .ack_random_factor_pm = 1000};

/* ---- configuration ---- */
static const uint8_t psk_id[] = "dev";
static const uint8_t psk_key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static tern_bs_security sec_bs = {.iid = 0, .uri = "coap://bs", .bootstrap_server = true, .mode = TERN_BS_SEC_NOSEC,
                                  .ssid = -1, .hold_off = -1, .bs_timeout = -1, .cert_usage = -1};
static tern_bs_security sec_dm = {.iid = 1, .uri = "coap://dm", .mode = TERN_BS_SEC_PSK, .identity = {psk_id, 3},
                                  .secret_key = {psk_key, 16}, .ssid = 101, .hold_off = -1, .bs_timeout = -1,
                                  .cert_usage = -1};
static tern_bs_server srv_dm = {.iid = 0, .ssid = 101, .lifetime = 300, .pmin = 1, .pmax = 60,
                                .disable_timeout = -1, .binding = "U"};
static tern_bs_item items[3];
static tern_bs_config cfg_dev = {.endpoint = "dev", .steps = items, .n_steps = 3, .content_format = TERN_CF_NONE};
static const tern_bs_config *cfgs[1] = {&cfg_dev};
static tern_bs_mem_store mstore = {cfgs, 1};

/* ---- the bootstrap server node ---- */
typedef struct bs_node {
    simnet *net;
    int id;
    tern_coap_ep ep;
    void *ep_mem;
    tern_bs bs;
    void *bs_mem;
    tern_xrng rng;
    int records, ok;
    char reason[128];
} bs_node;

static int bs_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    bs_node *s = ctx;
    return simnet_send(s->net, s->id, simnet_peer_id(peer), b, n);
}
static void bs_recv(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    bs_node *s = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_coap_ep_feed(&s->ep, &p, b, n, now);
}
static tern_time_ms bs_stepf(void *ctx, tern_time_ms now)
{
    bs_node *s = ctx;
    tern_time_ms a = tern_coap_ep_step(&s->ep, now);
    tern_time_ms b = tern_bs_step(&s->bs, now);
    return TERN_MIN(TERN_MIN(a, b), tern_coap_ep_next_deadline(&s->ep));
}
static void bs_record(void *ctx, const tern_bs_record *r)
{
    bs_node *s = ctx;
    s->records++;
    s->ok += r->success;
    snprintf(s->reason, sizeof s->reason, "%s", r->reason);
}

static void bs_node_init(bs_node *s, simnet *net, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    s->net = net;
    tern_xrng_seed(&s->rng, seed);
    s->id = simnet_add(net, bs_recv, bs_stepf, s);
    tern_coap_ep_cfg ec;
    memset(&ec, 0, sizeof ec);
    ec.rng = tern_xrng_as_rng(&s->rng);
    ec.send = bs_send;
    ec.send_ctx = s;
    ec.handler = tern_bs_coap_handler;
    ec.handler_ctx = &s->bs;
    ec.link = sim_link;
    ec.block_szx = 4;
    size_t n = tern_coap_ep_mem_size(&ec);
    s->ep_mem = aligned_alloc(8, (n + 7) / 8 * 8);
    CHECK_EQ(tern_coap_ep_init(&s->ep, &ec, s->ep_mem, n), 0);
    tern_bs_cfg bc;
    memset(&bc, 0, sizeof bc);
    bc.ep = &s->ep;
    bc.store = tern_bs_mem_store_iface(&mstore);
    bc.on_record = bs_record;
    bc.record_ctx = s;
    bc.session_timeout_ms = 3600000;
    n = tern_bs_mem_size(&bc);
    s->bs_mem = aligned_alloc(8, (n + 7) / 8 * 8);
    CHECK_EQ(tern_bs_init(&s->bs, &bc, s->bs_mem, n), 0);
}

static void bs_node_free(bs_node *s)
{
    tern_bs_deinit(&s->bs);
    tern_coap_ep_deinit(&s->ep);
    free(s->ep_mem);
    free(s->bs_mem);
}

/* ---- 1: fake device ---- */
typedef struct fake_dev {
    simnet *net;
    int id, bs_id;
    tern_coap_ep ep;
    void *ep_mem;
    tern_xrng rng;
    uint8_t b1[4096];
    bool have[3]; /* /0/0 /0/1 /1/0 written */
    int deletes, finishes;
    bool req_done;
    uint8_t req_code;
} fake_dev;

static int fd_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    fake_dev *d = ctx;
    return simnet_send(d->net, d->id, simnet_peer_id(peer), b, n);
}
static void fd_recv(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    fake_dev *d = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_coap_ep_feed(&d->ep, &p, b, n, now);
}
static tern_time_ms fd_step(void *ctx, tern_time_ms now)
{
    fake_dev *d = ctx;
    return tern_coap_ep_step(&d->ep, now);
}
static int fd_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    fake_dev *d = ctx;
    const tern_coap_msg *m = req->msg;
    if (req->b1_more)
        return TERN_OK;
    char path[32];
    tern_coap_uri_path_str(m, path, sizeof path);
    if (m->code == TERN_COAP_DELETE) {
        d->deletes++;
        resp->msg.code = TERN_COAP_DELETED;
    } else if (m->code == TERN_COAP_PUT) {
        d->have[0] |= strcmp(path, "/0/0") == 0;
        d->have[1] |= strcmp(path, "/0/1") == 0;
        d->have[2] |= strcmp(path, "/1/0") == 0;
        resp->msg.code = TERN_COAP_CHANGED;
    } else if (m->code == TERN_COAP_POST) {
        d->finishes++;
        resp->msg.code = TERN_COAP_CHANGED;
    } else {
        resp->msg.code = TERN_COAP_METHOD_NOT_ALLOWED;
    }
    return TERN_OK;
}
static void fd_resp(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    (void)ep;
    fake_dev *d = ctx;
    if (res->final) {
        d->req_done = true;
        d->req_code = res->err < 0 ? 0 : res->msg->code;
    }
}

typedef struct world1 {
    bs_node *bs;
    fake_dev *dev;
} world1;
static bool w1_done(void *ctx)
{
    world1 *w = ctx;
    return w->bs->records > 0 && w->dev->req_done;
}

static void sim_fake_device(void)
{
    int ok = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        simnet net;
        simnet_init(&net, seed);
        net.loss_pm = 200;
        net.dup_pm = 50;
        net.delay_min_ms = 5;
        net.delay_max_ms = 300;
        bs_node bs;
        bs_node_init(&bs, &net, seed * 7);
        fake_dev dev;
        memset(&dev, 0, sizeof dev);
        dev.net = &net;
        tern_xrng_seed(&dev.rng, seed * 13);
        dev.id = simnet_add(&net, fd_recv, fd_step, &dev);
        tern_coap_ep_cfg ec;
        memset(&ec, 0, sizeof ec);
        ec.rng = tern_xrng_as_rng(&dev.rng);
        ec.send = fd_send;
        ec.send_ctx = &dev;
        ec.handler = fd_handler;
        ec.handler_ctx = &dev;
        ec.link = sim_link;
        ec.block_szx = 4;
        size_t n = tern_coap_ep_mem_size(&ec);
        dev.ep_mem = aligned_alloc(8, (n + 7) / 8 * 8);
        CHECK_EQ(tern_coap_ep_init(&dev.ep, &ec, dev.ep_mem, n), 0);

        tern_coap_msg m;
        tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_POST, 0);
        tern_coap_opt_add_uri_path(&m, "/bs");
        tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "ep=dev");
        tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, seed % 2 ? "pct=112" : "pct=11542");
        tern_coap_peer bp = simnet_peer(bs.id);
        CHECK_EQ(tern_coap_request(&dev.ep, &bp, &m, NULL, fd_resp, &dev, NULL), 0);
        world1 w = {&bs, &dev};
        simnet_run(&net, 3600000, w1_done, &w);
        /* let duplicates drain: no second record may appear */
        simnet_run(&net, net.now + 400000, NULL, NULL);
        CHECK_EQ(dev.req_code, TERN_COAP_CHANGED);
        CHECK_EQ(bs.records, 1);
        if (bs.ok != 1)
            fprintf(stderr, "seed %llu: %s\n", (unsigned long long)seed, bs.reason);
        CHECK_EQ(bs.ok, 1);
        CHECK(dev.have[0] && dev.have[1] && dev.have[2]);
        CHECK(dev.deletes >= 1 && dev.finishes >= 1);
        ok += bs.ok;
        tern_coap_ep_deinit(&dev.ep);
        free(dev.ep_mem);
        bs_node_free(&bs);
        simnet_free(&net);
    }
    printf("fake device: %d/%d sessions succeeded under loss\n", ok, SEEDS);
}

/* ---- 2: a real tern client ---- */
typedef struct cl_node {
    simnet *net;
    int id, bs_id;
    tern_client c;
    tern_dm dm;
    uint8_t dm_work[4096];
    uint8_t work[4096];
    void *coap_mem;
    tern_client_sec sec[4];
    tern_client_server srv[2];
    tern_xrng rng;
    int bs_done, bs_failed;
} cl_node;

static int cl_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    cl_node *c = ctx;
    int to = simnet_peer_id(peer);
    if (to < 0 || to >= c->net->n_nodes)
        return 0; /* the LwM2M Server is not simulated: the datagram is lost */
    return simnet_send(c->net, c->id, to, b, n);
}
static void cl_recv(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    cl_node *c = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_client_feed(&c->c, &p, b, n, now);
}
static tern_time_ms cl_step(void *ctx, tern_time_ms now)
{
    cl_node *c = ctx;
    return tern_client_step(&c->c, now);
}
static int cl_connect(void *ctx, const tern_client_sec *sec, tern_coap_peer *out)
{
    cl_node *c = ctx;
    *out = simnet_peer(strcmp(sec->uri, "coap://bs") == 0 ? c->bs_id : 60);
    return 0;
}
static void cl_event(void *ctx, tern_client_event ev, uint16_t ssid)
{
    (void)ssid;
    cl_node *c = ctx;
    if (ev == TERN_CLIENT_BS_DONE)
        c->bs_done++;
    if (ev == TERN_CLIENT_BS_FAILED)
        c->bs_failed++;
}

typedef struct world2 {
    bs_node *bs;
    cl_node *cl;
} world2;
static bool w2_done(void *ctx)
{
    world2 *w = ctx;
    return w->bs->records > 0 && w->cl->bs_done > 0;
}

static void e2e_client(bool pack, int32_t pct, uint64_t seed, uint32_t loss)
{
    simnet net;
    simnet_init(&net, seed);
    net.loss_pm = loss;
    net.delay_min_ms = 5;
    net.delay_max_ms = 100;
    bs_node bs;
    bs_node_init(&bs, &net, seed + 100);
    static cl_node cl;
    memset(&cl, 0, sizeof cl);
    cl.net = &net;
    cl.bs_id = bs.id;
    tern_xrng_seed(&cl.rng, seed + 200);
    cl.id = simnet_add(&net, cl_recv, cl_step, &cl);
    tern_dm_cfg dc = {.work = cl.dm_work, .work_len = sizeof cl.dm_work};
    CHECK_EQ(tern_dm_init(&cl.dm, &dc), 0);
    cl.sec[0].used = true;
    cl.sec[0].iid = 0;
    snprintf(cl.sec[0].uri, sizeof cl.sec[0].uri, "coap://bs");
    cl.sec[0].bootstrap = true;
    cl.sec[0].mode = TERN_BS_SEC_NOSEC;
    cl.sec[0].holdoff_s = -1;
    cl.sec[0].bs_timeout_s = -1;
    tern_client_cfg cc;
    memset(&cc, 0, sizeof cc);
    cc.endpoint = "dev";
    cc.rng = tern_xrng_as_rng(&cl.rng);
    cc.dm = &cl.dm;
    cc.sec = cl.sec;
    cc.sec_cap = 4;
    cc.srv = cl.srv;
    cc.srv_cap = 2;
    cc.coap.link = sim_link;
    cc.coap.block_szx = 4;
    size_t n = tern_coap_ep_mem_size(&cc.coap);
    cl.coap_mem = aligned_alloc(8, (n + 7) / 8 * 8);
    cc.coap_mem = cl.coap_mem;
    cc.coap_mem_len = n;
    cc.work = cl.work;
    cc.work_len = sizeof cl.work;
    cc.send = cl_send;
    cc.send_ctx = &cl;
    cc.connect = cl_connect;
    cc.connect_ctx = &cl;
    cc.on_event = cl_event;
    cc.event_ctx = &cl;
    cc.bs_pct = pct;
    cc.bs_pack = pack;
    CHECK_EQ(tern_client_init(&cl.c, &cc), 0);
    world2 w = {&bs, &cl};
    simnet_run(&net, 3600000, w2_done, &w);
    if (bs.ok < 1)
        fprintf(stderr, "e2e pack=%d pct=%d: records %d ok %d (%s), client done %d failed %d\n", pack, (int)pct,
                bs.records, bs.ok, bs.reason, cl.bs_done, cl.bs_failed);
    CHECK(bs.ok >= 1);
    CHECK(cl.bs_done >= 1);
    CHECK_EQ(tern_client_bs_state_of(&cl.c), TERN_BS_DONE);
    /* the client holds the configured accounts */
    bool dm_sec = false, bs_sec = false;
    for (size_t i = 0; i < 4; i++) {
        if (!cl.sec[i].used)
            continue;
        if (cl.sec[i].iid == 1 && strcmp(cl.sec[i].uri, "coap://dm") == 0 && cl.sec[i].ssid == 101 &&
            cl.sec[i].secret_len == 16 && memcmp(cl.sec[i].secret, psk_key, 16) == 0 && cl.sec[i].mode == 0)
            dm_sec = true;
        if (cl.sec[i].bootstrap)
            bs_sec = true;
    }
    CHECK(dm_sec);
    CHECK(bs_sec);
    tern_client_server *s = tern_client_server_of(&cl.c, 101);
    CHECK(s != NULL);
    if (s) {
        CHECK_EQ(s->lifetime_s, 300);
        CHECK_EQ(s->dmin_s, 1);
        CHECK_EQ(s->dmax_s, 60);
        CHECK_STR(s->binding, "U");
    }
    tern_client_deinit(&cl.c);
    free(cl.coap_mem);
    bs_node_free(&bs);
    simnet_free(&net);
}

static void sim_e2e(void)
{
    e2e_client(false, -1, 1, 0);                    /* default format (TLV) */
    e2e_client(false, TERN_CF_SENML_CBOR, 2, 0);    /* pct=112 */
    e2e_client(false, TERN_CF_LWM2M_CBOR, 3, 0);    /* pct=11544 */
    e2e_client(true, -1, 4, 0);                     /* Bootstrap-Pack */
    for (uint64_t s = 10; s < 20; s++)              /* with 20 % loss */
        e2e_client(s % 3 == 0, s % 2 ? TERN_CF_SENML_CBOR : -1, s, 200);
}

int main(void)
{
    items[0] = (tern_bs_item){.kind = TERN_BS_ITEM_SECURITY, .u.security = &sec_bs};
    items[1] = (tern_bs_item){.kind = TERN_BS_ITEM_SECURITY, .u.security = &sec_dm};
    items[2] = (tern_bs_item){.kind = TERN_BS_ITEM_SERVER, .u.server = &srv_dm};
    TRUN(sim_fake_device);
    TRUN(sim_e2e);
    return tdone();
}
