/* Simulation: a client bootstraps (client-initiated) from a fake
 * Bootstrap-Server and registers with a fake LwM2M Server, both written
 * here on tern CoAP endpoints, over a lossy, duplicating, reordering
 * network with a virtual clock; then keeps its registration alive with
 * Updates. Several seeds. */
#include <stdalign.h>
#include <stdlib.h>

#include "tern/client.h"
#include "tern/codec.h"
#include "tharness.h"
#include "sim/simnet.h"

extern const tern_obj_def tern_obj_3_v1_0;

enum { N_CLIENT = 0, N_BS = 1, N_SRV = 2 };

typedef struct world world;

typedef struct srvnode {
    world *w;
    int id;
    tern_coap_ep ep;
    alignas(8) uint8_t mem[160 * 1024];
    /* bootstrap script */
    int step_i;
    bool go, busy;
    uint8_t body[2][256];
    size_t body_len[2];
    /* LwM2M server */
    int registers, updates;
} srvnode;

struct world {
    simnet net;
    tern_client c;
    tern_dm dm;
    uint8_t dmwork[2048], work[2048];
    alignas(8) uint8_t cmem[160 * 1024];
    tern_client_sec sec[3];
    tern_client_server srv[2];
    tern_dm_obj dev;
    tern_xrng x;
    srvnode bs, lw;
};

static int dev_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0)
        return TERN_DONE;
    *iid = 0;
    return TERN_OK;
}
static int dev_read(tern_dm_obj *o, const tern_path *p, uint32_t off, tern_dm_read_out *out)
{
    (void)o, (void)p, (void)off, (void)out;
    return TERN_ENOTFOUND;
}
static const tern_dm_handlers dev_h = {.inst_next = dev_inst_next, .read = dev_read};

/* ---- network glue ---- */
static int cl_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    world *w = ctx;
    return simnet_send(&w->net, N_CLIENT, simnet_peer_id(peer), b, n);
}
static int cl_connect(void *ctx, const tern_client_sec *sec, tern_coap_peer *out)
{
    (void)ctx;
    *out = simnet_peer(strstr(sec->uri, "//bs") ? N_BS : N_SRV);
    return 0;
}
static void cl_recv(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    world *w = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_client_feed(&w->c, &p, b, n, now);
}
static tern_time_ms cl_step(void *ctx, tern_time_ms now)
{
    world *w = ctx;
    return tern_client_step(&w->c, now);
}

static int sv_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    srvnode *s = ctx;
    return simnet_send(&s->w->net, s->id, simnet_peer_id(peer), b, n);
}
static void sv_recv(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    srvnode *s = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_coap_ep_feed(&s->ep, &p, b, n, now);
}

/* ---- the fake Bootstrap-Server: Request → Delete / → Write /0/1 → Write /1/0 → Finish ---- */
static void bs_done_cb(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    (void)ep;
    srvnode *s = ctx;
    if (!res->final)
        return;
    s->busy = false;
    if (res->err == 0 && res->msg && TERN_COAP_CLASS(res->msg->code) == 2)
        s->step_i++;
}

static void bs_next(srvnode *s)
{
    if (!s->go || s->busy || s->step_i >= 4)
        return;
    tern_coap_msg m;
    uint8_t sc[4];
    tern_coap_msg_init(&m, TERN_COAP_CON, 0, 0);
    switch (s->step_i) {
    case 0: m.code = TERN_COAP_DELETE; break;
    case 1:
    case 2:
        m.code = TERN_COAP_PUT;
        tern_coap_opt_add_uri_path(&m, s->step_i == 1 ? "/0/1" : "/1/0");
        tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_TLV, sc);
        m.payload = s->body[s->step_i - 1];
        m.payload_len = s->body_len[s->step_i - 1];
        break;
    default:
        m.code = TERN_COAP_POST;
        tern_coap_opt_add_uri_path(&m, "/bs");
        break;
    }
    tern_coap_peer p = simnet_peer(N_CLIENT);
    if (tern_coap_request(&s->ep, &p, &m, NULL, bs_done_cb, s, NULL) == 0)
        s->busy = true;
}

static tern_time_ms sv_step(void *ctx, tern_time_ms now)
{
    srvnode *s = ctx;
    tern_coap_ep_step(&s->ep, now);
    if (s->id == N_BS)
        bs_next(s);
    return tern_coap_ep_step(&s->ep, now);
}

static int bs_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    srvnode *s = ctx;
    char path[32];
    tern_coap_uri_path_str(req->msg, path, sizeof path);
    if (req->msg->code == TERN_COAP_POST && strcmp(path, "/bs") == 0) {
        resp->msg.code = TERN_COAP_CHANGED;
        s->go = true;
    } else {
        resp->msg.code = TERN_COAP_NOT_FOUND;
    }
    return 0;
}

static int lw_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    srvnode *s = ctx;
    char path[32];
    tern_coap_uri_path_str(req->msg, path, sizeof path);
    if (req->msg->code == TERN_COAP_POST && strcmp(path, "/rd") == 0) {
        s->registers++;
        resp->msg.code = TERN_COAP_CREATED;
        tern_coap_resp_opt(resp, TERN_COAP_OPT_LOCATION_PATH, "rd", 2);
        tern_coap_resp_opt(resp, TERN_COAP_OPT_LOCATION_PATH, "7", 1);
    } else if (req->msg->code == TERN_COAP_POST && strcmp(path, "/rd/7") == 0) {
        s->updates++;
        resp->msg.code = TERN_COAP_CHANGED;
    } else {
        resp->msg.code = TERN_COAP_NOT_FOUND;
    }
    return 0;
}

static size_t tlv(const tern_path *target, const tern_entry *es, size_t n, uint8_t *out, size_t cap)
{
    tern_encoder e;
    uint8_t scratch[512];
    tern_encoder_init(&e, TERN_CF_TLV, target, scratch, sizeof scratch);
    tern_wbuf w = tern_wbuf_make(out, cap);
    for (size_t i = 0; i < n; i++)
        tern_encoder_add(&e, &es[i], &w);
    tern_encoder_finish(&e, &w);
    return w.len;
}

static tern_entry ent(int o, int i, int r, tern_type t)
{
    tern_entry e;
    memset(&e, 0, sizeof e);
    e.path = tern_path_make(3, (uint16_t)o, (uint16_t)i, (uint16_t)r, 0);
    e.value.type = t;
    return e;
}

static void srv_init(world *w, srvnode *s, int id, tern_coap_handler h)
{
    s->w = w;
    s->id = id;
    tern_coap_ep_cfg cfg = {0};
    cfg.rng = tern_xrng_as_rng(&w->x);
    cfg.send = sv_send;
    cfg.send_ctx = s;
    cfg.handler = h;
    cfg.handler_ctx = s;
    tern_coap_ep_init(&s->ep, &cfg, s->mem, sizeof s->mem);
    simnet_add(&w->net, sv_recv, sv_step, s);
}

static bool registered(void *ctx)
{
    world *w = ctx;
    return tern_client_reg_state_of(&w->c, 101) == TERN_REG_REGISTERED;
}

static void run_seed(uint64_t seed)
{
    world *w = calloc(1, sizeof *w);
    simnet_init(&w->net, seed);
    w->net.loss_pm = 200;
    w->net.dup_pm = 50;
    w->net.delay_min_ms = 5;
    w->net.delay_max_ms = 400;
    tern_xrng_seed(&w->x, seed * 7 + 1);
    tern_dm_cfg dc = {.work = w->dmwork, .work_len = sizeof w->dmwork};
    tern_dm_init(&w->dm, &dc);
    w->dev = (tern_dm_obj){.def = &tern_obj_3_v1_0, .h = &dev_h};
    tern_dm_add(&w->dm, &w->dev);
    tern_client_sec *b = &w->sec[0];
    b->used = true;
    b->iid = 0;
    snprintf(b->uri, sizeof b->uri, "coap://bs");
    b->bootstrap = true;
    b->mode = 3;
    b->holdoff_s = b->bs_timeout_s = -1;
    tern_client_cfg cfg = {0};
    cfg.endpoint = "sim-dev";
    cfg.rng = tern_xrng_as_rng(&w->x);
    cfg.dm = &w->dm;
    cfg.sec = w->sec;
    cfg.sec_cap = 3;
    cfg.srv = w->srv;
    cfg.srv_cap = 2;
    cfg.coap_mem = w->cmem;
    cfg.coap_mem_len = sizeof w->cmem;
    cfg.work = w->work;
    cfg.work_len = sizeof w->work;
    cfg.send = cl_send;
    cfg.send_ctx = w;
    cfg.connect = cl_connect;
    cfg.bs_pct = -1;
    cfg.bs_finish_timeout_ms = 120000;
    CHECK_EQ(simnet_add(&w->net, cl_recv, cl_step, w), N_CLIENT);
    CHECK_EQ(tern_client_init(&w->c, &cfg), 0);
    srv_init(w, &w->bs, N_BS, bs_handler);
    srv_init(w, &w->lw, N_SRV, lw_handler);
    /* the bootstrap payloads */
    tern_entry s0[4] = {ent(0, 1, 0, TERN_TYPE_STRING), ent(0, 1, 1, TERN_TYPE_BOOLEAN), ent(0, 1, 2, TERN_TYPE_INTEGER),
                        ent(0, 1, 10, TERN_TYPE_INTEGER)};
    s0[0].value.v.bytes = (tern_bytes){(const uint8_t *)"coap://srv", 10};
    s0[2].value.v.i = 3;
    s0[3].value.v.i = 101;
    tern_path p01 = tern_path_make(2, 0, 1, 0, 0), p10 = tern_path_make(2, 1, 0, 0, 0);
    w->bs.body_len[0] = tlv(&p01, s0, 4, w->bs.body[0], sizeof w->bs.body[0]);
    tern_entry s1[4] = {ent(1, 0, 0, TERN_TYPE_INTEGER), ent(1, 0, 1, TERN_TYPE_INTEGER), ent(1, 0, 6, TERN_TYPE_BOOLEAN),
                        ent(1, 0, 7, TERN_TYPE_STRING)};
    s1[0].value.v.i = 101;
    s1[1].value.v.i = 60;
    s1[3].value.v.bytes = (tern_bytes){(const uint8_t *)"U", 1};
    w->bs.body_len[1] = tlv(&p10, s1, 4, w->bs.body[1], sizeof w->bs.body[1]);

    tern_time_ms t = simnet_run(&w->net, 3600000, registered, w);
    CHECK(registered(w));
    CHECK(w->lw.registers >= 1);
    CHECK_EQ(tern_client_bs_state_of(&w->c), TERN_BS_DONE);
    /* keep alive: lifetime 60 s → Updates roughly every 30 s */
    simnet_run(&w->net, t + 300000, NULL, NULL);
    CHECK(w->lw.updates >= 5);
    /* registered, or an Update in flight at the moment the run stopped */
    tern_client_reg_state st = tern_client_reg_state_of(&w->c, 101);
    CHECK(st == TERN_REG_REGISTERED || st == TERN_REG_UPDATING);
    if (t_cur_failed)
        fprintf(stderr, "seed %llu: t=%lld registers=%d updates=%d lost=%llu\n", (unsigned long long)seed,
                (long long)t, w->lw.registers, w->lw.updates, (unsigned long long)w->net.lost);
    tern_client_deinit(&w->c);
    tern_coap_ep_deinit(&w->bs.ep);
    tern_coap_ep_deinit(&w->lw.ep);
    simnet_free(&w->net);
    free(w);
}

static void test_bootstrap_register_lossy(void)
{
    for (uint64_t seed = 1; seed <= 20; seed++)
        run_seed(seed);
}

int main(void)
{
    TRUN(test_bootstrap_register_lossy);
    return tdone();
}
