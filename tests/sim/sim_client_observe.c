/* Simulation: a tern client registers with a fake LwM2M Server (a tern CoAP
 * endpoint written here) over a lossy, duplicating, reordering network with
 * a virtual clock; the server observes a resource that changes every
 * second (CON notifications, "con=1"). The server must see the values in
 * order, without duplicates, and the last value must arrive. Several seeds,
 * NON notifications too (then only order and no duplicates). */
#include <stdalign.h>
#include <stdlib.h>

#include "tern/client.h"
#include "tern/codec.h"
#include "tharness.h"
#include "sim/simnet.h"

extern const tern_obj_def tern_obj_3303_v1_1;

enum { N_CLIENT = 0, N_SRV = 1 };
#define N_CHANGES 60

typedef struct world {
    simnet net;
    tern_client c;
    tern_dm dm;
    uint8_t dmwork[2048], work[2048];
    alignas(8) uint8_t cmem[160 * 1024];
    tern_client_sec sec[1];
    tern_client_server srv[1];
    tern_client_obs obs[1];
    tern_obs_rec recs[4];
    tern_obs_target tg[8];
    uint8_t owork[512];
    tern_dm_obj temp;
    double value;
    tern_xrng x;
    /* the fake server */
    tern_coap_ep sep;
    alignas(8) uint8_t smem[160 * 1024];
    int registers;
    int seen;          /* notifications (incl. the first response) */
    double last;       /* last value seen, -1 before any */
    int out_of_order;  /* a value not above the previous one */
    bool obs_ended;
} world;

static int one_inst(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0)
        return TERN_DONE;
    *iid = 0;
    return TERN_OK;
}
static bool temp_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    (void)o, (void)iid;
    return rid == 5700;
}
static int temp_read(tern_dm_obj *o, const tern_path *p, uint32_t off, tern_dm_read_out *out)
{
    (void)off;
    if (p->ids[2] != 5700)
        return TERN_ENOTFOUND;
    out->value.type = TERN_TYPE_FLOAT;
    out->value.v.f = ((world *)o->user)->value;
    return TERN_OK;
}
static const tern_dm_handlers temp_h = {.inst_next = one_inst, .res_present = temp_present, .read = temp_read};

/* ---- network glue ---- */
static int cl_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    world *w = ctx;
    return simnet_send(&w->net, N_CLIENT, simnet_peer_id(peer), b, n);
}
static int cl_connect(void *ctx, const tern_client_sec *sec, tern_coap_peer *out)
{
    (void)ctx, (void)sec;
    *out = simnet_peer(N_SRV);
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
    return tern_client_step(&((world *)ctx)->c, now);
}
static int sv_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    world *w = ctx;
    return simnet_send(&w->net, N_SRV, simnet_peer_id(peer), b, n);
}
static void sv_recv(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    world *w = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_coap_ep_feed(&w->sep, &p, b, n, now);
}
static tern_time_ms sv_step(void *ctx, tern_time_ms now)
{
    return tern_coap_ep_step(&((world *)ctx)->sep, now);
}

static int lw_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    world *w = ctx;
    char path[32];
    tern_coap_uri_path_str(req->msg, path, sizeof path);
    if (req->msg->code == TERN_COAP_POST && strcmp(path, "/rd") == 0) {
        w->registers++;
        resp->msg.code = TERN_COAP_CREATED;
        tern_coap_resp_opt(resp, TERN_COAP_OPT_LOCATION_PATH, "rd", 2);
        tern_coap_resp_opt(resp, TERN_COAP_OPT_LOCATION_PATH, "7", 1);
    } else if (req->msg->code == TERN_COAP_POST && strcmp(path, "/rd/7") == 0) {
        resp->msg.code = TERN_COAP_CHANGED;
    } else {
        resp->msg.code = TERN_COAP_NOT_FOUND;
    }
    return 0;
}

static void on_notify(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    (void)ep;
    world *w = ctx;
    if (res->err == 0 && res->msg && res->msg->code == TERN_COAP_CONTENT && res->data_len) {
        char s[32] = {0};
        memcpy(s, res->data, TERN_MIN(res->data_len, sizeof s - 1));
        double v = strtod(s, NULL);
        if (v <= w->last)
            w->out_of_order++;
        w->last = v;
        w->seen++;
    }
    if (res->final)
        w->obs_ended = true;
}

static bool registered(void *ctx)
{
    return tern_client_reg_state_of(&((world *)ctx)->c, 101) == TERN_REG_REGISTERED;
}

static void run_seed(uint64_t seed, bool con)
{
    world *w = calloc(1, sizeof *w);
    simnet_init(&w->net, seed);
    w->net.loss_pm = 100;
    w->net.dup_pm = 50;
    w->net.delay_min_ms = 5;
    w->net.delay_max_ms = 300;
    tern_xrng_seed(&w->x, seed * 13 + 5);
    w->last = -1;
    tern_dm_cfg dc = {.work = w->dmwork, .work_len = sizeof w->dmwork};
    tern_dm_init(&w->dm, &dc);
    w->temp = (tern_dm_obj){.def = &tern_obj_3303_v1_1, .h = &temp_h, .user = w};
    tern_dm_add(&w->dm, &w->temp);
    tern_client_sec *s = &w->sec[0];
    s->used = true;
    snprintf(s->uri, sizeof s->uri, "coap://srv");
    s->mode = 3;
    s->ssid = 101;
    s->holdoff_s = s->bs_timeout_s = -1;
    tern_client_server *v = &w->srv[0];
    v->used = true;
    v->ssid = 101;
    v->lifetime_s = 86400;
    v->dmin_s = v->dmax_s = v->disable_timeout_s = -1;
    v->retry_count = v->retry_timer_s = v->seq_delay_s = v->seq_retry_count = -1;
    memcpy(v->binding, "U", 2);
    w->obs[0] = (tern_client_obs){.recs = w->recs, .rec_count = 4, .targets = w->tg, .target_count = 8,
                                  .work = w->owork, .work_len = sizeof w->owork};
    tern_client_cfg cfg = {0};
    cfg.endpoint = "sim-obs";
    cfg.rng = tern_xrng_as_rng(&w->x);
    cfg.dm = &w->dm;
    cfg.sec = w->sec;
    cfg.sec_cap = 1;
    cfg.srv = w->srv;
    cfg.srv_cap = 1;
    cfg.obs = w->obs;
    cfg.coap_mem = w->cmem;
    cfg.coap_mem_len = sizeof w->cmem;
    cfg.work = w->work;
    cfg.work_len = sizeof w->work;
    cfg.send = cl_send;
    cfg.send_ctx = w;
    cfg.connect = cl_connect;
    cfg.bs_pct = -1;
    CHECK_EQ(simnet_add(&w->net, cl_recv, cl_step, w), N_CLIENT);
    CHECK_EQ(tern_client_init(&w->c, &cfg), 0);
    tern_coap_ep_cfg ec = {0};
    ec.rng = tern_xrng_as_rng(&w->x);
    ec.send = sv_send;
    ec.send_ctx = w;
    ec.handler = lw_handler;
    ec.handler_ctx = w;
    CHECK_EQ(tern_coap_ep_init(&w->sep, &ec, w->smem, sizeof w->smem), 0);
    CHECK_EQ(simnet_add(&w->net, sv_recv, sv_step, w), N_SRV);

    tern_time_ms t = simnet_run(&w->net, 600000, registered, w);
    CHECK(registered(w));
    /* the server observes /3303/0/5700 */
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    tern_coap_opt_add_uri_path(&m, "/3303/0/5700");
    if (con)
        tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "con=1");
    tern_coap_req_opts ro = {0};
    ro.observe = true;
    tern_coap_peer cp = simnet_peer(N_CLIENT);
    CHECK_EQ(tern_coap_request(&w->sep, &cp, &m, &ro, on_notify, w, NULL), 0);
    simnet_poke(&w->net, N_SRV);
    t = simnet_run(&w->net, t + 30000, NULL, NULL);
    CHECK(w->seen >= 1);
    CHECK_EQ(tern_obs_count(tern_client_obs_of(&w->c, 101)), 1);
    /* the value changes every second */
    for (int i = 1; i <= N_CHANGES; i++) {
        t += 1000;
        simnet_run(&w->net, t, NULL, NULL);
        w->value = i;
        tern_client_changed(&w->c, &(tern_path){.len = 3, .ids = {3303, 0, 5700, 0}}, t);
        simnet_poke(&w->net, N_CLIENT);
    }
    simnet_run(&w->net, t + 300000, NULL, NULL);
    CHECK_EQ(w->out_of_order, 0);
    CHECK(!w->obs_ended);
    CHECK_EQ(w->registers, 1);
    if (con)
        CHECK(w->last == N_CHANGES); /* CON: the last state arrives */
    CHECK(w->seen >= N_CHANGES / 4); /* CON: states go by while one waits for its ACK */
    if (t_cur_failed)
        fprintf(stderr, "seed %llu con %d: seen %d last %g ooo %d ended %d registers %d lost %llu\n",
                (unsigned long long)seed, con, w->seen, w->last, w->out_of_order, w->obs_ended, w->registers,
                (unsigned long long)w->net.lost);
    tern_client_deinit(&w->c);
    tern_coap_ep_deinit(&w->sep);
    simnet_free(&w->net);
    free(w);
}

static void test_observe_lossy_con(void)
{
    for (uint64_t seed = 1; seed <= 20; seed++)
        run_seed(seed, true);
}

static void test_observe_lossy_non(void)
{
    for (uint64_t seed = 101; seed <= 110; seed++)
        run_seed(seed, false);
}

int main(void)
{
    TRUN(test_observe_lossy_con);
    TRUN(test_observe_lossy_non);
    return tdone();
}
