/* Client engine: Information Reporting (Observe, notifications, queue mode,
 * Send) and access control, through tern_client against a fake server built
 * from coap_msg.h and a virtual clock. */
#include <stdalign.h>
#include <stdlib.h>

#include "tern/client.h"
#include "tern/codec.h"
#include "tern/coap_msg.h"
#include "tern/objects.h"
#include "tharness.h"
#include "sim/simnet.h"

extern const tern_obj_def tern_obj_3_v1_0;
extern const tern_obj_def tern_obj_3303_v1_1;

#define PEER_A 2
#define PEER_B 3
#define NSRV 2

typedef struct fx {
    tern_client c;
    tern_dm dm;
    uint8_t dmwork[2048];
    uint8_t work[2048];
    alignas(8) uint8_t coapmem[96 * 1024];
    tern_client_sec sec[NSRV];
    tern_client_server srv[NSRV];
    tern_client_obs obs[NSRV];
    tern_obs_rec recs[NSRV][4];
    tern_obs_target tg[NSRV][8];
    tern_obs_qent q[NSRV][8];
    uint8_t qmem[NSRV][8 * 64];
    uint8_t owork[NSRV][512];
    tern_dm_attr_slot attrs[8];
    tern_dm_obj dev, temp;
    tern_acl_obj acl;
    tern_acl_inst acl_i[8], acl_s[8];
    double t_val;
    tern_xrng x;
    tern_client_cfg cfg;
    uint8_t out[64][1200];
    size_t outlen[64];
    int outpeer[64];
    int nout, rd;
    int ev[64];
    uint16_t evssid[64];
    int nev;
    uint16_t send_ssid;
    int send_result;
    tern_coap_msg m;
} fx;

static int send_cb(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    fx *f = ctx;
    if (f->nout >= 64 || n > 1200)
        return TERN_EIO;
    memcpy(f->out[f->nout], b, n);
    f->outlen[f->nout] = n;
    f->outpeer[f->nout] = simnet_peer_id(peer);
    f->nout++;
    return 0;
}

static int connect_cb(void *ctx, const tern_client_sec *sec, tern_coap_peer *out)
{
    (void)ctx;
    *out = simnet_peer(strstr(sec->uri, "//b") ? PEER_B : PEER_A);
    return 0;
}

static void ev_cb(void *ctx, tern_client_event ev, uint16_t ssid)
{
    fx *f = ctx;
    if (f->nev < 64) {
        f->evssid[f->nev] = ssid;
        f->ev[f->nev++] = (int)ev;
    }
}

static void send_cb2(void *ctx, uint16_t ssid, int result)
{
    fx *f = ctx;
    f->send_ssid = ssid;
    f->send_result = result;
}

static bool has_event(const fx *f, tern_client_event ev, uint16_t ssid)
{
    for (int i = 0; i < f->nev; i++)
        if (f->ev[i] == (int)ev && f->evssid[i] == ssid)
            return true;
    return false;
}

/* Device /3/0 with Manufacturer (0); Temperature /3303/0 with Sensor Value (5700). */
static int one_inst(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0)
        return TERN_DONE;
    *iid = 0;
    return TERN_OK;
}
static bool dev_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    (void)o, (void)iid;
    return rid == 0;
}
static int dev_read(tern_dm_obj *o, const tern_path *p, uint32_t off, tern_dm_read_out *out)
{
    (void)o, (void)off;
    if (p->ids[2] != 0)
        return TERN_ENOTFOUND;
    out->value.type = TERN_TYPE_STRING;
    out->value.v.bytes = (tern_bytes){(const uint8_t *)"tern", 4};
    return TERN_OK;
}
static const tern_dm_handlers dev_h = {.inst_next = one_inst, .res_present = dev_present, .read = dev_read};
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
    out->value.v.f = ((fx *)o->user)->t_val;
    return TERN_OK;
}
static const tern_dm_handlers temp_h = {.inst_next = one_inst, .res_present = temp_present, .read = temp_read};

static void add_server(fx *f, int i, const char *uri, uint16_t ssid, int64_t lt)
{
    tern_client_sec *s = &f->sec[i];
    memset(s, 0, sizeof *s);
    s->used = true;
    s->iid = (uint16_t)i;
    snprintf(s->uri, sizeof s->uri, "%s", uri);
    s->mode = 3;
    s->ssid = ssid;
    s->holdoff_s = s->bs_timeout_s = -1;
    tern_client_server *v = &f->srv[i];
    memset(v, 0, sizeof *v);
    v->used = true;
    v->iid = (uint16_t)i;
    v->ssid = ssid;
    v->lifetime_s = lt;
    v->dmin_s = v->dmax_s = v->disable_timeout_s = -1;
    v->retry_count = v->retry_timer_s = v->seq_delay_s = v->seq_retry_count = -1;
    memcpy(v->binding, "U", 2);
}

static fx *fx_new(int nsrv)
{
    fx *f = calloc(1, sizeof *f);
    tern_xrng_seed(&f->x, 7);
    tern_dm_cfg dc = {.work = f->dmwork, .work_len = sizeof f->dmwork, .attr_slots = f->attrs, .attr_slot_count = 8};
    tern_dm_init(&f->dm, &dc);
    f->dev = (tern_dm_obj){.def = &tern_obj_3_v1_0, .h = &dev_h, .user = f};
    f->temp = (tern_dm_obj){.def = &tern_obj_3303_v1_1, .h = &temp_h, .user = f};
    tern_dm_add(&f->dm, &f->dev);
    tern_dm_add(&f->dm, &f->temp);
    f->t_val = 20;
    for (int i = 0; i < NSRV; i++) {
        f->obs[i] = (tern_client_obs){.recs = f->recs[i], .rec_count = 4, .targets = f->tg[i], .target_count = 8,
                                      .queue = f->q[i], .queue_count = 8, .queue_mem = f->qmem[i],
                                      .queue_slot_size = 64, .work = f->owork[i], .work_len = 512};
    }
    add_server(f, 0, "coap://a:5683", 101, 86400);
    if (nsrv > 1)
        add_server(f, 1, "coap://b:5683", 102, 86400);
    tern_client_cfg *c = &f->cfg;
    c->endpoint = "dev1";
    c->rng = tern_xrng_as_rng(&f->x);
    c->dm = &f->dm;
    c->sec = f->sec;
    c->sec_cap = NSRV;
    c->srv = f->srv;
    c->srv_cap = NSRV;
    c->obs = f->obs;
    c->coap_mem = f->coapmem;
    c->coap_mem_len = sizeof f->coapmem;
    c->work = f->work;
    c->work_len = sizeof f->work;
    c->send = send_cb;
    c->send_ctx = f;
    c->connect = connect_cb;
    c->on_event = ev_cb;
    c->event_ctx = f;
    c->on_send = send_cb2;
    c->bs_pct = -1;
    return f;
}

static void fx_free(fx *f)
{
    tern_client_deinit(&f->c);
    free(f);
}

static bool pop(fx *f)
{
    if (f->rd >= f->nout)
        return false;
    int rc = tern_coap_decode_udp(&f->m, f->out[f->rd], f->outlen[f->rd], NULL);
    f->rd++;
    return rc == 0;
}

static const char *path_of(const tern_coap_msg *m)
{
    static char buf[64];
    tern_coap_uri_path_str(m, buf, sizeof buf);
    return buf;
}

static void feed(fx *f, int peer, const tern_coap_msg *m, tern_time_ms now)
{
    uint8_t buf[1200];
    int n = tern_coap_encode_udp(m, buf, sizeof buf);
    tern_coap_peer p = simnet_peer(peer);
    tern_client_feed(&f->c, &p, buf, (size_t)n, now);
}

/* Piggybacked answer to the last popped request. */
static void reply(fx *f, int peer, uint8_t code, const char *loc, tern_time_ms now)
{
    tern_coap_msg r;
    tern_coap_msg_init(&r, TERN_COAP_ACK, code, f->m.mid);
    tern_coap_msg_set_token(&r, f->m.token, f->m.token_len);
    if (loc) {
        tern_coap_opt_add_str(&r, TERN_COAP_OPT_LOCATION_PATH, "rd");
        tern_coap_opt_add_str(&r, TERN_COAP_OPT_LOCATION_PATH, loc);
    }
    feed(f, peer, &r, now);
}

static void rst(fx *f, int peer, tern_time_ms now)
{
    tern_coap_msg r;
    tern_coap_msg_init(&r, TERN_COAP_RST, 0, f->m.mid);
    feed(f, peer, &r, now);
}

/* A CON request from a server; the response is popped into f->m. query:
 * "pmin=2&pmax=10" or NULL; observe: -1 none, 0 register. */
static uint16_t g_mid = 100;
static uint8_t req(fx *f, int peer, uint8_t code, const char *path, const char *query, int observe, tern_time_ms now)
{
    tern_coap_msg r;
    uint8_t sc[4];
    tern_coap_msg_init(&r, TERN_COAP_CON, code, g_mid++);
    uint8_t tok[2] = {0xaa, (uint8_t)g_mid};
    tern_coap_msg_set_token(&r, tok, 2);
    if (observe >= 0)
        tern_coap_opt_add_uint(&r, TERN_COAP_OPT_OBSERVE, (uint32_t)observe, sc);
    tern_coap_opt_add_uri_path(&r, path);
    char q[64];
    if (query) {
        snprintf(q, sizeof q, "%s", query);
        for (char *s = strtok(q, "&"); s; s = strtok(NULL, "&"))
            tern_coap_opt_add_str(&r, TERN_COAP_OPT_URI_QUERY, s);
    }
    feed(f, peer, &r, now);
    return pop(f) ? f->m.code : 0;
}

static void register_all(fx *f, int nsrv, tern_time_ms t)
{
    tern_client_step(&f->c, t);
    uint8_t saved[NSRV][1200];
    size_t len[NSRV];
    int peer[NSRV];
    for (int i = 0; i < nsrv; i++) {
        CHECK(pop(f));
        CHECK_STR(path_of(&f->m), "/rd");
        memcpy(saved[i], f->out[f->rd - 1], f->outlen[f->rd - 1]);
        len[i] = f->outlen[f->rd - 1];
        peer[i] = f->outpeer[f->rd - 1];
    }
    for (int i = 0; i < nsrv; i++) {
        tern_coap_decode_udp(&f->m, saved[i], len[i], NULL);
        reply(f, peer[i], TERN_COAP_CREATED, peer[i] == PEER_A ? "a" : "b", t);
    }
    tern_client_step(&f->c, t);
    CHECK_EQ(tern_client_reg_state_of(&f->c, 101), TERN_REG_REGISTERED);
}

/* The last popped message as a notification: its value, Observe seq. */
static double val_of(const tern_coap_msg *m)
{
    char s[32] = {0};
    memcpy(s, m->payload, TERN_MIN(m->payload_len, sizeof s - 1));
    return strtod(s, NULL);
}

static bool is_notification(const tern_coap_msg *m, uint32_t *seq)
{
    uint32_t v = 0;
    if (m->code != TERN_COAP_CONTENT || tern_coap_opt_get_uint(m, TERN_COAP_OPT_OBSERVE, &v) != TERN_OK)
        return false;
    if (seq)
        *seq = v;
    return true;
}

static const tern_path k_temp = {.len = 3, .ids = {3303, 0, 5700, 0}};

static void set_temp(fx *f, double v, tern_time_ms now)
{
    f->t_val = v;
    tern_client_changed(&f->c, &k_temp, now);
}

/* ---- Observe with pmin / pmax ---- */

static void test_observe_pmin_pmax(void)
{
    fx *f = fx_new(1);
    CHECK_EQ(tern_client_init(&f->c, &f->cfg), 0);
    register_all(f, 1, 0);
    CHECK_EQ(req(f, PEER_A, TERN_COAP_GET, "/3303/0/5700", "pmin=2&pmax=10", 0, 1000), TERN_COAP_CONTENT);
    CHECK(is_notification(&f->m, NULL)); /* the response carries Observe */
    CHECK(val_of(&f->m) == 20.0);
    CHECK_EQ(tern_obs_count(tern_client_obs_of(&f->c, 101)), 1);
    /* a change before pmin: held until last notification + 2 s */
    set_temp(f, 21.5, 1500);
    CHECK_EQ(tern_client_step(&f->c, 1500), 3000);
    CHECK(!pop(f));
    tern_client_step(&f->c, 3000);
    uint32_t s1 = 0, s2 = 0, s3 = 0;
    CHECK(pop(f));
    CHECK(is_notification(&f->m, &s1));
    CHECK(val_of(&f->m) == 21.5);
    CHECK_EQ(f->m.type, TERN_COAP_NON);
    /* nothing changes: pmax (10 s) after the last one */
    CHECK_EQ(tern_client_step(&f->c, 3001), 13000);
    CHECK(!pop(f));
    tern_client_step(&f->c, 13000);
    CHECK(pop(f));
    CHECK(is_notification(&f->m, &s2));
    CHECK(val_of(&f->m) == 21.5);
    CHECK(s2 > s1);
    /* a change after pmin went by: at once */
    set_temp(f, 19.25, 16000);
    tern_client_step(&f->c, 16000);
    CHECK(pop(f));
    CHECK(is_notification(&f->m, &s3));
    CHECK(val_of(&f->m) == 19.25);
    CHECK(s3 > s2);
    /* cancel by RST to a notification (RFC 7641 §3.6) */
    rst(f, PEER_A, 16100);
    CHECK_EQ(tern_obs_count(tern_client_obs_of(&f->c, 101)), 0);
    set_temp(f, 30, 20000);
    CHECK_EQ(tern_client_step(&f->c, 20000) > 40000, 1);
    CHECK(!pop(f));
    fx_free(f);
}

/* A server Write to an observed resource notifies (here the same server). */
static void test_observe_write_attrs_and_reregister(void)
{
    fx *f = fx_new(1);
    CHECK_EQ(tern_client_init(&f->c, &f->cfg), 0);
    register_all(f, 1, 0);
    /* Write-Attributes on the resource, then a plain Observe */
    CHECK_EQ(req(f, PEER_A, TERN_COAP_PUT, "/3303/0/5700", "pmax=5", -1, 100), TERN_COAP_CHANGED);
    CHECK_EQ(req(f, PEER_A, TERN_COAP_GET, "/3303/0/5700", NULL, 0, 200), TERN_COAP_CONTENT);
    CHECK_EQ(tern_client_step(&f->c, 300), 5200);
    tern_client_step(&f->c, 5200);
    CHECK(pop(f));
    CHECK(is_notification(&f->m, NULL));
    /* registering again ends the observations (Core §6.2) */
    CHECK_EQ(tern_client_reregister(&f->c, 101), 0);
    CHECK(tern_client_obs_of(&f->c, 101) == NULL);
    tern_client_step(&f->c, 6000);
    CHECK(pop(f));
    CHECK_STR(path_of(&f->m), "/rd");
    reply(f, PEER_A, TERN_COAP_CREATED, "a", 6000);
    CHECK_EQ(tern_obs_count(tern_client_obs_of(&f->c, 101)), 0);
    tern_client_step(&f->c, 20000);
    CHECK(!pop(f));
    fx_free(f);
}

/* ---- queue mode: stored while asleep, delivered after the Update ---- */

static void test_queue_mode_hqmax(void)
{
    fx *f = fx_new(1);
    f->cfg.queue_mode = true;
    CHECK_EQ(tern_client_init(&f->c, &f->cfg), 0);
    register_all(f, 1, 0);
    tern_time_ms mtw = tern_coap_max_transmit_wait(&f->c.ep.link);
    CHECK_EQ(req(f, PEER_A, TERN_COAP_GET, "/3303/0/5700", "pmin=1&hqmax=3", 0, 1000), TERN_COAP_CONTENT);
    /* awake MAX_TRANSMIT_WAIT after the response, then asleep */
    CHECK_EQ(tern_client_step(&f->c, 1001), 1000 + mtw);
    tern_client_step(&f->c, 1000 + mtw);
    CHECK(has_event(f, TERN_CLIENT_SLEEP, 101));
    /* five changes while asleep: nothing goes out, the last three are kept */
    tern_time_ms t = 1000 + mtw;
    for (int i = 1; i <= 5; i++) {
        t += 2000;
        set_temp(f, 20 + i, t);
        tern_client_step(&f->c, t);
    }
    CHECK(!pop(f));
    /* wake up: the Update goes first, notifications after its 2.04 */
    CHECK_EQ(tern_client_wake(&f->c, 101), 0);
    t += 100;
    tern_client_step(&f->c, t);
    CHECK(pop(f));
    CHECK_EQ(f->m.code, TERN_COAP_POST);
    CHECK_STR(path_of(&f->m), "/rd/a");
    CHECK(!pop(f));
    tern_client_step(&f->c, t + 50);
    CHECK(!pop(f)); /* still waiting for the 2.04 */
    reply(f, PEER_A, TERN_COAP_CHANGED, NULL, t + 100);
    tern_client_step(&f->c, t + 100);
    double want[3] = {23, 24, 25};
    uint32_t prev = 0;
    for (int i = 0; i < 3; i++) {
        uint32_t seq = 0;
        CHECK(pop(f));
        CHECK(is_notification(&f->m, &seq));
        CHECK(val_of(&f->m) == want[i]);
        CHECK(i == 0 || seq > prev);
        prev = seq;
    }
    CHECK(!pop(f));
    /* awake again: a change goes out at once */
    set_temp(f, 40, t + 2000);
    tern_client_step(&f->c, t + 2000);
    CHECK(pop(f));
    CHECK(val_of(&f->m) == 40);
    fx_free(f);
}

/* ---- Send ---- */

static void test_send_senml_cbor(void)
{
    fx *f = fx_new(1);
    CHECK_EQ(tern_client_init(&f->c, &f->cfg), 0);
    CHECK_EQ(tern_client_send(&f->c, 101, &k_temp, 1, TERN_CF_SENML_CBOR), TERN_ESTATE);
    register_all(f, 1, 0);
    f->t_val = 22.5;
    CHECK_EQ(tern_client_send(&f->c, 101, &k_temp, 1, TERN_CF_SENML_CBOR), 0);
    tern_client_step(&f->c, 10);
    CHECK(pop(f));
    CHECK_EQ(f->m.type, TERN_COAP_CON);
    CHECK_EQ(f->m.code, TERN_COAP_POST);
    CHECK_STR(path_of(&f->m), "/dp");
    CHECK_EQ(tern_coap_content_format(&f->m), TERN_CF_SENML_CBOR);
    /* decode what arrived at /dp */
    tern_decoder d;
    uint8_t scratch[256];
    tern_path root = tern_path_root();
    CHECK_EQ(tern_decoder_init(&d, TERN_CF_SENML_CBOR, &root, tern_dm_type_of, &f->dm, scratch, sizeof scratch), 0);
    CHECK_EQ(tern_decoder_feed(&d, f->m.payload, f->m.payload_len, true), 0);
    tern_entry e;
    CHECK_EQ(tern_decoder_next(&d, &e), TERN_OK);
    CHECK(tern_path_eq(&e.path, &k_temp));
    CHECK(e.value.type == TERN_TYPE_FLOAT && e.value.v.f == 22.5);
    CHECK_EQ(tern_decoder_next(&d, &e), TERN_DONE);
    reply(f, PEER_A, TERN_COAP_CHANGED, NULL, 20);
    CHECK_EQ(f->send_ssid, 101);
    CHECK_EQ(f->send_result, TERN_COAP_CHANGED);
    /* Mute Send (/1/x/23) */
    tern_client_server_of(&f->c, 101)->mute_send = true;
    CHECK_EQ(tern_client_send(&f->c, 101, &k_temp, 1, TERN_CF_SENML_CBOR), TERN_EPERM);
    CHECK_EQ(tern_client_send(&f->c, 999, &k_temp, 1, TERN_CF_SENML_CBOR), TERN_ENOTFOUND);
    fx_free(f);
}

/* ---- access control: two servers, different rights ---- */

static void test_acl_two_servers(void)
{
    fx *f = fx_new(2);
    tern_acl_cfg ac = {.insts = f->acl_i, .shadow = f->acl_s, .count = 8, .dm = &f->dm};
    CHECK_EQ(tern_acl_init(&f->acl, &ac), 0);
    CHECK_EQ(tern_dm_add(&f->dm, tern_acl_dm_obj(&f->acl)), 0);
    /* /3/0: A may read; /3303/0: both may read */
    CHECK_EQ(tern_acl_set(&f->acl, 3, 0, 101, 101, TERN_ACL_R), 0);
    CHECK_EQ(tern_acl_set(&f->acl, 3303, 0, 101, 0, TERN_ACL_R), 0);
    f->cfg.acl = &f->acl;
    CHECK_EQ(tern_client_init(&f->c, &f->cfg), 0);
    CHECK(f->dm.cfg.check_access == tern_acl_check);
    CHECK(f->dm.cfg.access_ctx == &f->acl);
    CHECK(f->dm.cfg.instance_ctx == &f->acl);
    CHECK(f->dm.cfg.on_instance_created != NULL && f->dm.cfg.on_instance_deleted != NULL);
    register_all(f, 2, 0);
    CHECK_EQ(tern_client_reg_state_of(&f->c, 102), TERN_REG_REGISTERED);
    CHECK_EQ(req(f, PEER_A, TERN_COAP_GET, "/3/0", NULL, -1, 10), TERN_COAP_CONTENT);
    CHECK_EQ(req(f, PEER_B, TERN_COAP_GET, "/3/0", NULL, -1, 11), TERN_COAP_UNAUTHORIZED);
    CHECK_EQ(req(f, PEER_B, TERN_COAP_GET, "/3/0/0", NULL, -1, 12), TERN_COAP_UNAUTHORIZED);
    /* Observe is a read too */
    CHECK_EQ(req(f, PEER_B, TERN_COAP_GET, "/3/0/0", NULL, 0, 13), TERN_COAP_UNAUTHORIZED);
    CHECK_EQ(tern_obs_count(tern_client_obs_of(&f->c, 102)), 0);
    CHECK_EQ(req(f, PEER_B, TERN_COAP_GET, "/3303/0/5700", NULL, 0, 14), TERN_COAP_CONTENT);
    CHECK_EQ(tern_obs_count(tern_client_obs_of(&f->c, 102)), 1);
    /* B may not write the ACL instance A owns */
    CHECK_EQ(req(f, PEER_B, TERN_COAP_DELETE, "/3303/0", NULL, -1, 15), TERN_COAP_UNAUTHORIZED);
    fx_free(f);
    /* deinit gave the dm's hooks back */
}

int main(void)
{
    TRUN(test_observe_pmin_pmax);
    TRUN(test_observe_write_attrs_and_reregister);
    TRUN(test_queue_mode_hqmax);
    TRUN(test_send_senml_cbor);
    TRUN(test_acl_two_servers);
    return tdone();
}
