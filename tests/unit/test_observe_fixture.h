/* Shared fixture of the observation tests: an LwM2M client node (CoAP
 * endpoint + data model + tern_obs) and a server node (CoAP endpoint that
 * observes) over simnet with a virtual clock. Fake objects: Temperature
 * 3303/0 (5700 value, 5701 units) and On/Off switch 3342/0 (5500 state). */
#ifndef TERN_TEST_OBSERVE_FIXTURE_H
#define TERN_TEST_OBSERVE_FIXTURE_H

#include <stdlib.h>

/* not every test file uses every helper */
#pragma GCC diagnostic ignored "-Wunused-function"

#include "model/gen/objects.h"
#include "sim/simnet.h"
#include "tern/dm_coap.h"
#include "tern/observe.h"
#include "tharness.h"

/* ---- fake objects ---- */
typedef struct fake_vals {
    double temp;
    bool sw;
    int reads;
} fake_vals;

static int fk_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0)
        return TERN_DONE;
    *iid = 0;
    return TERN_OK;
}
static bool fk_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    (void)iid;
    if (o->def->id == 3303)
        return rid == 5700 || rid == 5701;
    return rid == 5500;
}
static int fk_read(tern_dm_obj *o, const tern_path *p, uint32_t off, tern_dm_read_out *out)
{
    (void)off;
    fake_vals *v = o->user;
    v->reads++;
    switch (p->ids[2]) {
    case 5700: out->value.type = TERN_TYPE_FLOAT; out->value.v.f = v->temp; return TERN_OK;
    case 5701:
        out->value.type = TERN_TYPE_STRING;
        out->value.v.bytes.ptr = (const uint8_t *)"Cel";
        out->value.v.bytes.len = 3;
        return TERN_OK;
    case 5500: out->value.type = TERN_TYPE_BOOLEAN; out->value.v.b = v->sw; return TERN_OK;
    default: return TERN_ENOTFOUND;
    }
}
static const tern_dm_handlers fk_h = {.inst_next = fk_inst_next, .res_present = fk_present, .read = fk_read};

/* ---- what the server saw ---- */
#define FX_MAX_EV 256
typedef struct fx_ev {
    tern_time_ms at;
    bool notification;
    bool final;
    int err;
    uint8_t code;
    uint32_t seq;
    char body[200];
    size_t len;
} fx_ev;

typedef struct fx {
    simnet net;
    /* client */
    tern_coap_ep cep;
    void *cmem;
    tern_xrng crng;
    int cid;
    tern_dm dm;
    uint8_t dm_work[2048];
    tern_dm_attr_slot slots[16];
    tern_dm_obj temp_obj, sw_obj;
    fake_vals vals;
    tern_obs obs;
    tern_obs_rec recs[4];
    tern_obs_target targets[8];
    tern_obs_qent queue[8];
    uint8_t qmem[8 * 64];
    uint8_t owork[1024];
    /* server */
    tern_coap_ep sep;
    void *smem;
    tern_xrng srng;
    int sid;
    fx_ev ev[FX_MAX_EV];
    int n_ev;
    /* datagrams client → server: types of notifications */
    int n_con, n_non, n_rst_from_server;
} fx;

static int fx_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n, int from, simnet *net)
{
    (void)ctx;
    return simnet_send(net, from, simnet_peer_id(peer), b, n);
}
static int fx_csend(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    fx *f = ctx;
    if (n >= 2 && b[1] != 0 && (b[0] >> 4 & 3) == TERN_COAP_CON)
        f->n_con++;
    if (n >= 2 && (b[0] >> 4 & 3) == TERN_COAP_NON)
        f->n_non++;
    return fx_send(ctx, peer, b, n, f->cid, &f->net);
}
static int fx_ssend(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    fx *f = ctx;
    if (n >= 1 && (b[0] >> 4 & 3) == TERN_COAP_RST)
        f->n_rst_from_server++;
    return fx_send(ctx, peer, b, n, f->sid, &f->net);
}
static int fx_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    fx *f = ctx;
    return tern_obs_coap_handle(&f->obs, req, resp);
}
static void fx_obs_end(void *ctx, tern_coap_handle h, const void *key, size_t klen, tern_coap_obs_end why)
{
    fx *f = ctx;
    (void)h;
    (void)tern_obs_observer_end(&f->obs, key, klen, why);
}
static void fx_crecv(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    fx *f = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_coap_ep_feed(&f->cep, &p, b, n, now);
}
static tern_time_ms fx_cstep(void *ctx, tern_time_ms now)
{
    fx *f = ctx;
    tern_time_ms a = tern_coap_ep_step(&f->cep, now);
    tern_time_ms b = tern_obs_step(&f->obs, now);
    a = tern_coap_ep_next_deadline(&f->cep);
    return TERN_MIN(a, b);
}
static void fx_srecv(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    fx *f = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_coap_ep_feed(&f->sep, &p, b, n, now);
}
static tern_time_ms fx_sstep(void *ctx, tern_time_ms now)
{
    fx *f = ctx;
    return tern_coap_ep_step(&f->sep, now);
}

static fx *fx_new(uint16_t ssid)
{
    fx *f = calloc(1, sizeof *f);
    simnet_init(&f->net, 7);
    f->net.delay_min_ms = f->net.delay_max_ms = 0;
    tern_dm_cfg dc = {.work = f->dm_work, .work_len = sizeof f->dm_work, .attr_slots = f->slots,
                      .attr_slot_count = 16, .default_format = TERN_CF_SENML_JSON};
    CHECK_EQ(tern_dm_init(&f->dm, &dc), 0);
    f->vals.temp = 20.0;
    f->temp_obj = (tern_dm_obj){.def = &tern_obj_3303_v1_1, .h = &fk_h, .user = &f->vals};
    f->sw_obj = (tern_dm_obj){.def = &tern_obj_3342_v1_1, .h = &fk_h, .user = &f->vals};
    CHECK_EQ(tern_dm_add(&f->dm, &f->temp_obj), 0);
    CHECK_EQ(tern_dm_add(&f->dm, &f->sw_obj), 0);

    tern_coap_ep_cfg cc = {0};
    tern_xrng_seed(&f->crng, 11);
    cc.rng = tern_xrng_as_rng(&f->crng);
    cc.send = fx_csend;
    cc.send_ctx = f;
    cc.handler = fx_handler;
    cc.handler_ctx = f;
    cc.on_observer_end = fx_obs_end;
    cc.observer_ctx = f;
    size_t need = tern_coap_ep_mem_size(&cc);
    f->cmem = aligned_alloc(8, (need + 7) & ~(size_t)7);
    CHECK_EQ(tern_coap_ep_init(&f->cep, &cc, f->cmem, need), 0);
    f->cid = simnet_add(&f->net, fx_crecv, fx_cstep, f);

    tern_coap_ep_cfg sc = {0};
    tern_xrng_seed(&f->srng, 12);
    sc.rng = tern_xrng_as_rng(&f->srng);
    sc.send = fx_ssend;
    sc.send_ctx = f;
    need = tern_coap_ep_mem_size(&sc);
    f->smem = aligned_alloc(8, (need + 7) & ~(size_t)7);
    CHECK_EQ(tern_coap_ep_init(&f->sep, &sc, f->smem, need), 0);
    f->sid = simnet_add(&f->net, fx_srecv, fx_sstep, f);

    tern_obs_cfg oc = {.dm = &f->dm, .ep = &f->cep, .ssid = ssid, .recs = f->recs, .rec_count = 4,
                       .targets = f->targets, .target_count = 8, .queue = f->queue, .queue_count = 8,
                       .queue_mem = f->qmem, .queue_slot_size = 64, .work = f->owork, .work_len = sizeof f->owork};
    CHECK_EQ(tern_obs_init(&f->obs, &oc), 0);
    return f;
}

static void fx_free(fx *f)
{
    tern_coap_ep_deinit(&f->cep);
    tern_coap_ep_deinit(&f->sep);
    simnet_free(&f->net);
    free(f->cmem);
    free(f->smem);
    free(f);
}

static void fx_result(void *ctx, tern_coap_ep *ep, const tern_coap_result *r)
{
    fx *f = ctx;
    (void)ep;
    if (f->n_ev >= FX_MAX_EV)
        return;
    fx_ev *e = &f->ev[f->n_ev++];
    memset(e, 0, sizeof *e);
    e->at = f->net.now;
    e->notification = r->notification;
    e->final = r->final;
    e->err = r->err;
    e->seq = r->observe_seq;
    if (r->msg)
        e->code = r->msg->code;
    e->len = r->data_len < sizeof e->body - 1 ? r->data_len : sizeof e->body - 1;
    if (e->len)
        memcpy(e->body, r->data, e->len);
    e->body[e->len] = '\0';
}

/* Server → client: GET (or FETCH) with Observe = 0. */
static tern_coap_handle fx_observe(fx *f, const char *path, const char *query, int32_t accept, uint8_t code,
                                   int32_t cf, const char *body)
{
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, code, 0);
    uint8_t s1[4], s2[4];
    if (path)
        CHECK_EQ(tern_coap_opt_add_uri_path(&m, path), 0);
    if (cf >= 0)
        CHECK_EQ(tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf, s1), 0);
    if (query) {
        /* one Uri-Query option per '&' part */
        const char *q = query;
        while (*q) {
            const char *e = strchr(q, '&');
            size_t n = e ? (size_t)(e - q) : strlen(q);
            CHECK_EQ(tern_coap_opt_add(&m, TERN_COAP_OPT_URI_QUERY, q, n), 0);
            q += n + (e ? 1 : 0);
        }
    }
    if (accept >= 0)
        CHECK_EQ(tern_coap_opt_add_uint(&m, TERN_COAP_OPT_ACCEPT, (uint32_t)accept, s2), 0);
    if (body) {
        m.payload = (const uint8_t *)body;
        m.payload_len = strlen(body);
    }
    tern_coap_req_opts o = {.observe = true};
    tern_coap_handle h = 0;
    tern_coap_peer cp = simnet_peer(f->cid);
    CHECK_EQ(tern_coap_request(&f->sep, &cp, &m, &o, fx_result, f, &h), 0);
    return h;
}

static void fx_run(fx *f, tern_time_ms until)
{
    simnet_run(&f->net, until, NULL, NULL);
}

/* Write-Attributes from server ssid on a path ("pmin=10&gt=45"). */
static int fx_write_attrs(fx *f, uint16_t ssid, const char *path, const char *q)
{
    tern_op op;
    tern_op_init(&op, TERN_OPK_WRITE_ATTRS);
    op.ssid = ssid;
    CHECK_EQ(tern_path_parse(&op.path, path, strlen(path)), 0);
    memset(&op.attrs, 0, sizeof op.attrs);
    CHECK_EQ(tern_attrs_parse_query(&op.attrs, q, strlen(q)), 0);
    tern_op_result res;
    return tern_dm_handle(&f->dm, &op, NULL, 0, 0, &res);
}

static void fx_set_temp(fx *f, double v)
{
    f->vals.temp = v;
    tern_path p = tern_path_make(3, 3303, 0, 5700, 0);
    tern_obs_changed(&f->obs, &p, f->net.now);
}

/* Notifications (events after the registration response) seen so far. */
static int fx_notifs(const fx *f)
{
    int n = 0;
    for (int i = 1; i < f->n_ev; i++)
        n += f->ev[i].notification && f->ev[i].err == 0;
    return n;
}
/* The i-th notification (0-based) after the response. */
static const fx_ev *fx_notif(const fx *f, int k)
{
    for (int i = 1; i < f->n_ev; i++)
        if (f->ev[i].notification && f->ev[i].err == 0 && k-- == 0)
            return &f->ev[i];
    static const fx_ev none; /* no such notification: an empty event, so checks fail cleanly */
    return &none;
}

#endif
