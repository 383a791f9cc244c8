/* Client engine: registration, bootstrap, storage, queue mode — against a
 * fake server built from coap_msg.h and a virtual clock. */
#include <stdalign.h>
#include <stdlib.h>

#include "tern/client.h"
#include "tern/codec.h"
#include "tern/coap_msg.h"
#include "tharness.h"
#include "sim/simnet.h"

extern const tern_obj_def tern_obj_3_v1_0;

#define PEER_BS 1
#define PEER_S1 2
#define PEER_S2 3

typedef struct blob {
    char name[16];
    uint8_t data[4096];
    size_t len;
    bool used;
} blob;

typedef struct fx {
    tern_client c;
    tern_dm dm;
    uint8_t dmwork[2048];
    uint8_t work[4096];
    alignas(8) uint8_t coapmem[96 * 1024];
    tern_client_sec sec[4];
    tern_client_server srv[3];
    tern_dm_obj dev;
    tern_xrng x;
    tern_client_cfg cfg;
    /* captured datagrams */
    uint8_t out[32][1200];
    size_t outlen[32];
    int outpeer[32];
    int nout, rd;
    /* events */
    int ev[64];
    uint16_t evssid[64];
    int nev;
    /* storage */
    blob *blobs;
    tern_coap_msg m; /* last popped */
} fx;

static blob g_blobs[4]; /* test-only storage shared across "reboots" */

static int send_cb(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    fx *f = ctx;
    if (f->nout >= 32 || n > 1200)
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
    int id = strstr(sec->uri, "//bs") ? PEER_BS : strstr(sec->uri, "//s2") ? PEER_S2 : PEER_S1;
    *out = simnet_peer(id);
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

static int st_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    blob *b = ctx;
    for (int i = 0; i < 4; i++)
        if (b[i].used && strcmp(b[i].name, name) == 0) {
            *len = b[i].len;
            memcpy(buf, b[i].data, TERN_MIN(cap, b[i].len));
            return 0;
        }
    return TERN_ENOTFOUND;
}

static int st_write(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    blob *b = ctx;
    for (int i = 0; i < 4; i++)
        if (!b[i].used || strcmp(b[i].name, name) == 0) {
            b[i].used = true;
            snprintf(b[i].name, sizeof b[i].name, "%s", name);
            memcpy(b[i].data, data, len);
            b[i].len = len;
            return 0;
        }
    return TERN_EFULL;
}

/* a Device object with instance 0 and nothing readable */
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

static void add_sec(fx *f, int i, const char *uri, bool bs, uint16_t ssid)
{
    tern_client_sec *s = &f->sec[i];
    memset(s, 0, sizeof *s);
    s->used = true;
    s->iid = (uint16_t)i;
    snprintf(s->uri, sizeof s->uri, "%s", uri);
    s->bootstrap = bs;
    s->mode = 3;
    s->ssid = ssid;
    s->holdoff_s = -1;
    s->bs_timeout_s = -1;
}

static void add_srv(fx *f, int i, uint16_t ssid, int64_t lt)
{
    tern_client_server *s = &f->srv[i];
    memset(s, 0, sizeof *s);
    s->used = true;
    s->iid = (uint16_t)i;
    s->ssid = ssid;
    s->lifetime_s = lt;
    s->dmin_s = s->dmax_s = s->disable_timeout_s = -1;
    s->retry_count = s->retry_timer_s = s->seq_delay_s = s->seq_retry_count = -1;
    s->bs_on_fail = true;
    memcpy(s->binding, "U", 2);
}

static fx *fx_new(void)
{
    fx *f = calloc(1, sizeof *f);
    tern_xrng_seed(&f->x, 42);
    tern_dm_cfg dc = {.work = f->dmwork, .work_len = sizeof f->dmwork};
    tern_dm_init(&f->dm, &dc);
    f->dev = (tern_dm_obj){.def = &tern_obj_3_v1_0, .h = &dev_h};
    tern_dm_add(&f->dm, &f->dev);
    tern_client_cfg *c = &f->cfg;
    c->endpoint = "dev1";
    c->rng = tern_xrng_as_rng(&f->x);
    c->dm = &f->dm;
    c->sec = f->sec;
    c->sec_cap = 4;
    c->srv = f->srv;
    c->srv_cap = 3;
    c->coap_mem = f->coapmem;
    c->coap_mem_len = sizeof f->coapmem;
    c->work = f->work;
    c->work_len = sizeof f->work;
    c->send = send_cb;
    c->send_ctx = f;
    c->connect = connect_cb;
    c->on_event = ev_cb;
    c->event_ctx = f;
    c->bs_pct = -1;
    return f;
}

static int fx_init(fx *f)
{
    if (tern_coap_ep_mem_size(&f->cfg.coap) > sizeof f->coapmem)
        return TERN_ENOMEM;
    return tern_client_init(&f->c, &f->cfg);
}

static void fx_free(fx *f)
{
    tern_client_deinit(&f->c);
    free(f);
}

/* Next datagram the client sent (decoded into f->m); false if none. */
static bool pop(fx *f)
{
    if (f->rd >= f->nout)
        return false;
    int rc = tern_coap_decode_udp(&f->m, f->out[f->rd], f->outlen[f->rd], NULL);
    f->rd++;
    return rc == 0;
}

static int last_peer(const fx *f)
{
    return f->outpeer[f->rd - 1];
}

static bool has_query(const tern_coap_msg *m, const char *q)
{
    for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_QUERY); o; o = tern_coap_opt_next(m, o))
        if (o->len == strlen(q) && memcmp(o->val, q, o->len) == 0)
            return true;
    return false;
}

static int nqueries(const tern_coap_msg *m)
{
    int n = 0;
    for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_QUERY); o; o = tern_coap_opt_next(m, o))
        n++;
    return n;
}

static const char *path_of(const tern_coap_msg *m)
{
    static char buf[64];
    tern_coap_uri_path_str(m, buf, sizeof buf);
    return buf;
}

/* Piggybacked answer to the last popped request. loc: "rd/abc" segments. */
static void reply(fx *f, int peer, uint8_t code, const char *loc, tern_time_ms now)
{
    tern_coap_msg r;
    tern_coap_msg_init(&r, TERN_COAP_ACK, code, f->m.mid);
    tern_coap_msg_set_token(&r, f->m.token, f->m.token_len);
    char segs[64];
    if (loc) {
        snprintf(segs, sizeof segs, "%s", loc);
        for (char *s = strtok(segs, "/"); s; s = strtok(NULL, "/"))
            tern_coap_opt_add_str(&r, TERN_COAP_OPT_LOCATION_PATH, s);
    }
    uint8_t buf[256];
    int n = tern_coap_encode_udp(&r, buf, sizeof buf);
    tern_coap_peer p = simnet_peer(peer);
    tern_client_feed(&f->c, &p, buf, (size_t)n, now);
}

/* A CON request from a server; its response is popped into f->m. */
static uint16_t g_mid = 100;
static uint8_t req_from(fx *f, int peer, uint8_t code, const char *path, int32_t cf, int32_t accept,
                        const uint8_t *payload, size_t len, tern_time_ms now)
{
    tern_coap_msg r;
    uint8_t sc[4], sc2[4];
    tern_coap_msg_init(&r, TERN_COAP_CON, code, g_mid++);
    uint8_t tok[2] = {0xaa, (uint8_t)g_mid};
    tern_coap_msg_set_token(&r, tok, 2);
    if (strcmp(path, "/") != 0)
        tern_coap_opt_add_uri_path(&r, path);
    if (cf >= 0)
        tern_coap_opt_add_uint(&r, TERN_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf, sc);
    if (accept >= 0)
        tern_coap_opt_add_uint(&r, TERN_COAP_OPT_ACCEPT, (uint32_t)accept, sc2);
    r.payload = payload;
    r.payload_len = len;
    uint8_t buf[1200];
    int n = tern_coap_encode_udp(&r, buf, sizeof buf);
    tern_coap_peer p = simnet_peer(peer);
    tern_client_feed(&f->c, &p, buf, (size_t)n, now);
    if (!pop(f))
        return 0;
    return f->m.code;
}

static bool has_event(const fx *f, tern_client_event ev, uint16_t ssid)
{
    for (int i = 0; i < f->nev; i++)
        if (f->ev[i] == (int)ev && f->evssid[i] == ssid)
            return true;
    return false;
}

/* Register with server 1 (ssid 101) at time t. */
static void do_register(fx *f, tern_time_ms t)
{
    tern_client_step(&f->c, t);
    CHECK(pop(f));
    CHECK_STR(path_of(&f->m), "/rd");
    reply(f, PEER_S1, TERN_COAP_CREATED, "rd/abc", t);
    tern_client_step(&f->c, t);
}

static void fx_one_server(fx *f, int64_t lt)
{
    add_sec(f, 0, "coap://s1:5683", false, 101);
    add_srv(f, 0, 101, lt);
}

/* ---- registration ---- */

static void test_register_message(void)
{
    fx *f = fx_new();
    fx_one_server(f, 300);
    CHECK_EQ(fx_init(f), 0);
    tern_client_step(&f->c, 0);
    CHECK(pop(f));
    CHECK_EQ(last_peer(f), PEER_S1);
    CHECK_EQ(f->m.type, TERN_COAP_CON);
    CHECK_EQ(f->m.code, TERN_COAP_POST);
    CHECK_STR(path_of(&f->m), "/rd");
    CHECK(has_query(&f->m, "ep=dev1"));
    CHECK(has_query(&f->m, "lt=300"));
    CHECK(has_query(&f->m, "lwm2m=1.2"));
    CHECK(has_query(&f->m, "b=U"));
    CHECK_EQ(nqueries(&f->m), 4);
    CHECK_EQ(tern_coap_content_format(&f->m), TERN_CF_LINK);
    char pl[512] = {0};
    memcpy(pl, f->m.payload, TERN_MIN(f->m.payload_len, sizeof pl - 1));
    CHECK_STR(pl, "</>;rt=\"oma.lwm2m\";ct=11544,</1>;ver=1.2,</1/0>,</3/0>");
    CHECK_EQ(tern_client_reg_state_of(&f->c, 101), TERN_REG_REGISTERING);
    reply(f, PEER_S1, TERN_COAP_CREATED, "rd/abc", 10);
    CHECK_EQ(tern_client_reg_state_of(&f->c, 101), TERN_REG_REGISTERED);
    CHECK_STR(tern_client_server_of(&f->c, 101)->loc_, "/rd/abc");
    CHECK(has_event(f, TERN_CLIENT_REGISTERED, 101));
    fx_free(f);
}

static void test_register_412_fallback(void)
{
    fx *f = fx_new();
    fx_one_server(f, 300);
    f->cfg.queue_mode = true;
    CHECK_EQ(fx_init(f), 0);
    tern_client_step(&f->c, 0);
    CHECK(pop(f));
    CHECK(has_query(&f->m, "lwm2m=1.2"));
    CHECK(has_query(&f->m, "Q"));
    reply(f, PEER_S1, TERN_COAP_PRECONDITION_FAILED, NULL, 0);
    tern_client_step(&f->c, 0);
    CHECK(pop(f));
    CHECK(has_query(&f->m, "lwm2m=1.1"));
    reply(f, PEER_S1, TERN_COAP_PRECONDITION_FAILED, NULL, 0);
    tern_client_step(&f->c, 0);
    CHECK(pop(f));
    CHECK(has_query(&f->m, "lwm2m=1.0"));
    CHECK(has_query(&f->m, "b=UQ")); /* 1.0: queue mode in the binding */
    CHECK(!has_query(&f->m, "Q"));
    reply(f, PEER_S1, TERN_COAP_CREATED, "rd/x", 0);
    CHECK_EQ(tern_client_reg_state_of(&f->c, 101), TERN_REG_REGISTERED);
    fx_free(f);
}

static void test_update_timing(void)
{
    fx *f = fx_new();
    fx_one_server(f, 300);
    CHECK_EQ(fx_init(f), 0);
    do_register(f, 0);
    /* lifetime 300 s, MAX_TRANSMIT_WAIT 93 s: Update 93 s before the end */
    tern_time_ms mtw = tern_coap_max_transmit_wait(&f->c.ep.link);
    tern_time_ms due = 300000 - mtw;
    CHECK_EQ(tern_client_step(&f->c, 1000), due);
    CHECK(!pop(f));
    tern_client_step(&f->c, due);
    CHECK(pop(f));
    CHECK_EQ(f->m.code, TERN_COAP_POST);
    CHECK_STR(path_of(&f->m), "/rd/abc");
    CHECK_EQ(nqueries(&f->m), 0);
    CHECK_EQ(f->m.payload_len, 0);
    reply(f, PEER_S1, TERN_COAP_CHANGED, NULL, due + 5);
    CHECK(has_event(f, TERN_CLIENT_UPDATED, 101));
    CHECK_EQ(tern_client_step(&f->c, due + 5), due + 5 + due);
    /* 4.04 to an Update: register again */
    tern_client_step(&f->c, 2 * due + 5);
    CHECK(pop(f));
    reply(f, PEER_S1, TERN_COAP_NOT_FOUND, NULL, 2 * due + 6);
    tern_client_step(&f->c, 2 * due + 6);
    CHECK(pop(f));
    CHECK_STR(path_of(&f->m), "/rd");
    fx_free(f);
}

static void test_update_trigger_and_objects(void)
{
    fx *f = fx_new();
    fx_one_server(f, 3000);
    CHECK_EQ(fx_init(f), 0);
    do_register(f, 0);
    /* Registration Update Trigger executed by the server */
    CHECK_EQ(req_from(f, PEER_S1, TERN_COAP_POST, "/1/0/8", -1, -1, NULL, 0, 100), TERN_COAP_CHANGED);
    tern_client_step(&f->c, 100);
    CHECK(pop(f));
    CHECK_STR(path_of(&f->m), "/rd/abc");
    CHECK_EQ(f->m.payload_len, 0);
    reply(f, PEER_S1, TERN_COAP_CHANGED, NULL, 101);
    /* object list change: payload */
    tern_client_objects_changed(&f->c);
    tern_client_step(&f->c, 200);
    CHECK(pop(f));
    CHECK_EQ(tern_coap_content_format(&f->m), TERN_CF_LINK);
    CHECK(f->m.payload_len > 0);
    reply(f, PEER_S1, TERN_COAP_CHANGED, NULL, 201);
    /* lifetime written by the server: lt and b in the Update */
    uint8_t lt[] = "600";
    CHECK_EQ(req_from(f, PEER_S1, TERN_COAP_PUT, "/1/0/1", TERN_CF_TEXT, -1, lt, 3, 300), TERN_COAP_CHANGED);
    tern_client_step(&f->c, 300);
    CHECK(pop(f));
    CHECK(has_query(&f->m, "lt=600"));
    CHECK(has_query(&f->m, "b=U"));
    reply(f, PEER_S1, TERN_COAP_CHANGED, NULL, 301);
    /* Security object is not reachable for a server */
    CHECK_EQ(req_from(f, PEER_S1, TERN_COAP_GET, "/0/0/0", -1, -1, NULL, 0, 400) >= 0x80, 1);
    fx_free(f);
}

static void test_retry_backoff_then_bootstrap(void)
{
    fx *f = fx_new();
    fx_one_server(f, 300);
    add_sec(f, 1, "coap://bs:5683", true, 0);
    f->srv[0].retry_count = 3;
    f->srv[0].retry_timer_s = 10;
    f->srv[0].seq_delay_s = 100;
    f->srv[0].seq_retry_count = 2;
    CHECK_EQ(fx_init(f), 0);
    tern_time_ms t = 0;
    /* sequence 1: attempts at 0, +10 s, +20 s; sequence 2 after 100 s */
    tern_time_ms expect[6] = {0, 10000, 30000, 130000, 140000, 160000};
    for (int i = 0; i < 6; i++) {
        if (i > 0) {
            CHECK_EQ(tern_client_step(&f->c, t), expect[i]);
            tern_client_step(&f->c, expect[i] - 1);
            CHECK(!pop(f));
        }
        t = expect[i];
        tern_client_step(&f->c, t);
        CHECK(pop(f));
        CHECK_STR(path_of(&f->m), "/rd");
        reply(f, PEER_S1, TERN_COAP_FORBIDDEN, NULL, t);
    }
    CHECK_EQ(tern_client_reg_state_of(&f->c, 101), TERN_REG_FAILED);
    CHECK(has_event(f, TERN_CLIENT_REG_FAILED, 101));
    /* Bootstrap on Registration Failure */
    tern_client_step(&f->c, t);
    CHECK(pop(f));
    CHECK_EQ(last_peer(f), PEER_BS);
    CHECK_STR(path_of(&f->m), "/bs");
    CHECK(has_query(&f->m, "ep=dev1"));
    fx_free(f);
}

static void test_deregister(void)
{
    fx *f = fx_new();
    fx_one_server(f, 300);
    CHECK_EQ(fx_init(f), 0);
    do_register(f, 0);
    CHECK_EQ(tern_client_deregister(&f->c, 0), 0);
    tern_client_step(&f->c, 10);
    CHECK(pop(f));
    CHECK_EQ(f->m.code, TERN_COAP_DELETE);
    CHECK_STR(path_of(&f->m), "/rd/abc");
    reply(f, PEER_S1, TERN_COAP_DELETED, NULL, 11);
    CHECK_EQ(tern_client_reg_state_of(&f->c, 101), TERN_REG_DEREGISTERED);
    CHECK(has_event(f, TERN_CLIENT_DEREGISTERED, 101));
    CHECK(tern_client_idle(&f->c));
    fx_free(f);
}

static void test_two_servers(void)
{
    fx *f = fx_new();
    fx_one_server(f, 300);
    add_sec(f, 1, "coap://s2:5683", false, 202);
    add_srv(f, 1, 202, 600);
    CHECK_EQ(fx_init(f), 0);
    tern_client_step(&f->c, 0);
    int seen = 0;
    tern_coap_msg m1 = {0};
    uint8_t saved[2][1200];
    int peers[2];
    for (int i = 0; i < 2; i++) {
        CHECK(pop(f));
        peers[i] = last_peer(f);
        memcpy(saved[i], f->out[f->rd - 1], f->outlen[f->rd - 1]);
        seen |= peers[i] == PEER_S1 ? 1 : peers[i] == PEER_S2 ? 2 : 0;
        if (peers[i] == PEER_S2)
            CHECK(has_query(&f->m, "lt=600"));
    }
    (void)m1;
    CHECK_EQ(seen, 3);
    /* answer both (re-decode each request) */
    for (int i = 0; i < 2; i++) {
        tern_coap_decode_udp(&f->m, f->out[f->rd - 2 + i], f->outlen[f->rd - 2 + i], NULL);
        reply(f, peers[i], TERN_COAP_CREATED, peers[i] == PEER_S1 ? "rd/a" : "rd/b", 5);
    }
    CHECK_EQ(tern_client_reg_state_of(&f->c, 101), TERN_REG_REGISTERED);
    CHECK_EQ(tern_client_reg_state_of(&f->c, 202), TERN_REG_REGISTERED);
    CHECK_STR(tern_client_server_of(&f->c, 202)->loc_, "/rd/b");
    /* each server reads only with its own ssid: a request from s2 */
    CHECK_EQ(req_from(f, PEER_S2, TERN_COAP_GET, "/1/1/0", -1, -1, NULL, 0, 10), TERN_COAP_CONTENT);
    fx_free(f);
}

/* ---- bootstrap ---- */

/* TLV body for one instance of /0 or /1 from entries. */
static size_t tlv_of(const tern_path *target, const tern_entry *es, size_t n, uint8_t *out, size_t cap)
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

static tern_entry ent_s(int o, int i, int r, tern_type t, const char *s)
{
    tern_entry e = ent(o, i, r, t);
    e.value.v.bytes = (tern_bytes){(const uint8_t *)s, strlen(s)};
    return e;
}

static uint8_t write_sec(fx *f, int iid, const char *uri, uint16_t ssid, tern_time_ms t)
{
    tern_entry es[5] = {ent_s(0, iid, 0, TERN_TYPE_STRING, uri), ent(0, iid, 1, TERN_TYPE_BOOLEAN),
                        ent(0, iid, 2, TERN_TYPE_INTEGER), ent_s(0, iid, 3, TERN_TYPE_OPAQUE, "id"),
                        ent(0, iid, 10, TERN_TYPE_INTEGER)};
    es[1].value.v.b = false;
    es[2].value.v.i = 3;
    es[4].value.v.i = ssid;
    uint8_t body[256];
    char path[16];
    snprintf(path, sizeof path, "/0/%d", iid);
    tern_path p = tern_path_make(2, 0, (uint16_t)iid, 0, 0);
    size_t n = tlv_of(&p, es, 5, body, sizeof body);
    return req_from(f, PEER_BS, TERN_COAP_PUT, path, TERN_CF_TLV, -1, body, n, t);
}

static uint8_t write_srv(fx *f, int iid, uint16_t ssid, tern_time_ms t)
{
    tern_entry es[4] = {ent(1, iid, 0, TERN_TYPE_INTEGER), ent(1, iid, 1, TERN_TYPE_INTEGER),
                        ent(1, iid, 6, TERN_TYPE_BOOLEAN), ent_s(1, iid, 7, TERN_TYPE_STRING, "U")};
    es[0].value.v.i = ssid;
    es[1].value.v.i = 120;
    es[2].value.v.b = false;
    uint8_t body[256];
    char path[16];
    snprintf(path, sizeof path, "/1/%d", iid);
    tern_path p = tern_path_make(2, 1, (uint16_t)iid, 0, 0);
    size_t n = tlv_of(&p, es, 4, body, sizeof body);
    return req_from(f, PEER_BS, TERN_COAP_PUT, path, TERN_CF_TLV, -1, body, n, t);
}

static fx *bs_fixture(void)
{
    fx *f = fx_new();
    add_sec(f, 0, "coap://bs:5683", true, 0);
    f->cfg.bs_pct = TERN_CF_SENML_CBOR;
    f->cfg.storage = (tern_client_storage){st_read, st_write, g_blobs};
    return f;
}

static void test_bootstrap_flow(void)
{
    memset(g_blobs, 0, sizeof g_blobs);
    fx *f = bs_fixture();
    f->sec[0].bs_timeout_s = 60;
    CHECK_EQ(fx_init(f), 0);
    tern_client_step(&f->c, 0);
    CHECK(pop(f));
    CHECK_EQ(last_peer(f), PEER_BS);
    CHECK_EQ(f->m.code, TERN_COAP_POST);
    CHECK_STR(path_of(&f->m), "/bs");
    CHECK(has_query(&f->m, "ep=dev1"));
    CHECK(has_query(&f->m, "pct=112"));
    CHECK(has_event(f, TERN_CLIENT_BS_STARTED, 0));
    reply(f, PEER_BS, TERN_COAP_CHANGED, NULL, 10);
    CHECK_EQ(tern_client_bs_state_of(&f->c), TERN_BS_IN_PROGRESS);
    /* Bootstrap-Delete "/" keeps the bootstrap account and /3 */
    CHECK_EQ(req_from(f, PEER_BS, TERN_COAP_DELETE, "/", -1, -1, NULL, 0, 20), TERN_COAP_DELETED);
    CHECK(f->sec[0].used && f->sec[0].bootstrap);
    /* Bootstrap-Discover */
    CHECK_EQ(req_from(f, PEER_BS, TERN_COAP_GET, "/", -1, TERN_CF_LINK, NULL, 0, 25), TERN_COAP_CONTENT);
    char disc[256] = {0};
    memcpy(disc, f->m.payload, TERN_MIN(f->m.payload_len, sizeof disc - 1));
    CHECK_STR(disc, "</>;lwm2m=\"1.2\",</0>;ver=1.2,</0/0>;uri=\"coap://bs:5683\",</1>;ver=1.2,</3/0>");
    /* Finish now: no server account → 4.06 */
    CHECK_EQ(req_from(f, PEER_BS, TERN_COAP_POST, "/bs", -1, -1, NULL, 0, 30), TERN_COAP_NOT_ACCEPTABLE);
    CHECK_EQ(write_sec(f, 1, "coap://s1:5683", 101, 40), TERN_COAP_CHANGED);
    /* Server instance without... written ok, then Finish accepted */
    CHECK_EQ(write_srv(f, 0, 101, 50), TERN_COAP_CHANGED);
    CHECK_EQ(f->srv[0].lifetime_s, 120);
    /* Bootstrap-Read: /0 refused, /1 allowed */
    CHECK_EQ(req_from(f, PEER_BS, TERN_COAP_GET, "/0", -1, -1, NULL, 0, 55), TERN_COAP_UNAUTHORIZED);
    CHECK_EQ(req_from(f, PEER_BS, TERN_COAP_GET, "/1/0", -1, TERN_CF_TLV, NULL, 0, 56), TERN_COAP_CONTENT);
    CHECK_EQ(req_from(f, PEER_BS, TERN_COAP_POST, "/bs", -1, -1, NULL, 0, 60), TERN_COAP_CHANGED);
    CHECK(has_event(f, TERN_CLIENT_BS_DONE, 0));
    /* register with the new server */
    tern_client_step(&f->c, 60);
    CHECK(pop(f));
    CHECK_EQ(last_peer(f), PEER_S1);
    CHECK_STR(path_of(&f->m), "/rd");
    CHECK(has_query(&f->m, "lt=120"));
    reply(f, PEER_S1, TERN_COAP_CREATED, "rd/q1", 70);
    CHECK_EQ(tern_client_reg_state_of(&f->c, 101), TERN_REG_REGISTERED);
    /* Bootstrap-Server Account Timeout: purged 60 s after Finish */
    tern_client_step(&f->c, 60 + 59999);
    CHECK(f->sec[0].used);
    tern_client_step(&f->c, 60 + 60000);
    CHECK(!f->sec[0].used);
    fx_free(f);
}

static void test_bootstrap_inconsistent(void)
{
    memset(g_blobs, 0, sizeof g_blobs);
    fx *f = bs_fixture();
    CHECK_EQ(fx_init(f), 0);
    tern_client_step(&f->c, 0);
    CHECK(pop(f));
    reply(f, PEER_BS, TERN_COAP_CHANGED, NULL, 1);
    /* a Server instance without matching Security instance */
    CHECK_EQ(write_srv(f, 0, 101, 2), TERN_COAP_CHANGED);
    CHECK_EQ(req_from(f, PEER_BS, TERN_COAP_POST, "/bs", -1, -1, NULL, 0, 3), TERN_COAP_NOT_ACCEPTABLE);
    /* Bootstrap-Delete of the bootstrap account is refused */
    CHECK_EQ(req_from(f, PEER_BS, TERN_COAP_DELETE, "/0/0", -1, -1, NULL, 0, 4), TERN_COAP_BAD_REQUEST);
    /* no Finish in time: the bootstrap is retried with back-off */
    tern_time_ms t = 4 + 300000;
    tern_client_step(&f->c, t);
    CHECK(has_event(f, TERN_CLIENT_BS_FAILED, 0));
    CHECK_EQ(tern_client_bs_state_of(&f->c), TERN_BS_HOLDOFF);
    tern_time_ms next = tern_client_step(&f->c, t);
    CHECK(next >= t + 10000 && next <= t + 15001);
    tern_client_step(&f->c, next);
    CHECK(pop(f));
    CHECK_STR(path_of(&f->m), "/bs");
    fx_free(f);
}

static void test_server_initiated_bootstrap(void)
{
    memset(g_blobs, 0, sizeof g_blobs);
    fx *f = fx_new();
    fx_one_server(f, 300);
    add_sec(f, 1, "coap://bs:5683", true, 0);
    CHECK_EQ(fx_init(f), 0);
    do_register(f, 0);
    /* the bootstrap server writes without being asked */
    CHECK_EQ(write_sec(f, 2, "coap://s2:5683", 202, 100), TERN_COAP_CHANGED);
    CHECK_EQ(write_srv(f, 1, 202, 110), TERN_COAP_CHANGED);
    CHECK_EQ(req_from(f, PEER_BS, TERN_COAP_POST, "/bs", -1, -1, NULL, 0, 120), TERN_COAP_CHANGED);
    tern_client_step(&f->c, 120);
    int got = 0;
    while (pop(f))
        got |= last_peer(f) == PEER_S2 ? 2 : last_peer(f) == PEER_S1 ? 1 : 0;
    CHECK_EQ(got, 3);
    fx_free(f);
}

/* ---- storage ---- */

static void test_storage_roundtrip(void)
{
    memset(g_blobs, 0, sizeof g_blobs);
    fx *f = bs_fixture();
    CHECK_EQ(fx_init(f), 0);
    tern_client_step(&f->c, 0);
    CHECK(pop(f));
    reply(f, PEER_BS, TERN_COAP_CHANGED, NULL, 1);
    CHECK_EQ(write_sec(f, 1, "coap://s1:5683", 101, 2), TERN_COAP_CHANGED);
    CHECK_EQ(write_srv(f, 0, 101, 3), TERN_COAP_CHANGED);
    CHECK_EQ(req_from(f, PEER_BS, TERN_COAP_POST, "/bs", -1, -1, NULL, 0, 4), TERN_COAP_CHANGED);
    tern_client_step(&f->c, 5);
    CHECK(pop(f));
    reply(f, PEER_S1, TERN_COAP_CREATED, "rd/kept", 6);
    CHECK_EQ(tern_client_reg_state_of(&f->c, 101), TERN_REG_REGISTERED);
    fx_free(f);

    /* "reboot": factory config only has the bootstrap account */
    fx *g = bs_fixture();
    CHECK_EQ(fx_init(g), 0);
    tern_client_sec *s1 = NULL;
    for (int i = 0; i < 4; i++)
        if (g->sec[i].used && g->sec[i].ssid == 101)
            s1 = &g->sec[i];
    CHECK(s1 != NULL);
    if (s1) {
        CHECK_STR(s1->uri, "coap://s1:5683");
        CHECK_EQ(s1->pk_id_len, 2);
    }
    CHECK(tern_client_server_of(&g->c, 101) != NULL);
    CHECK_EQ(tern_client_server_of(&g->c, 101)->lifetime_s, 120);
    /* the kept registration is refreshed with an Update first */
    tern_client_step(&g->c, 0);
    CHECK(pop(g));
    CHECK_EQ(last_peer(g), PEER_S1);
    CHECK_STR(path_of(&g->m), "/rd/kept");
    CHECK(has_query(&g->m, "lt=120"));
    reply(g, PEER_S1, TERN_COAP_CHANGED, NULL, 1);
    CHECK_EQ(tern_client_reg_state_of(&g->c, 101), TERN_REG_REGISTERED);
    fx_free(g);
}

/* ---- queue mode ---- */

static void test_queue_mode(void)
{
    fx *f = fx_new();
    fx_one_server(f, 3000);
    f->cfg.queue_mode = true;
    CHECK_EQ(fx_init(f), 0);
    do_register(f, 0);
    tern_time_ms mtw = tern_coap_max_transmit_wait(&f->c.ep.link);
    CHECK_EQ(tern_client_step(&f->c, 1), mtw);
    tern_client_step(&f->c, mtw);
    CHECK(has_event(f, TERN_CLIENT_SLEEP, 101));
    CHECK(!pop(f));
    CHECK_EQ(tern_client_wake(&f->c, 101), 0);
    tern_client_step(&f->c, mtw + 1000);
    CHECK(has_event(f, TERN_CLIENT_WAKE, 101));
    CHECK(pop(f));
    CHECK_STR(path_of(&f->m), "/rd/abc");
    reply(f, PEER_S1, TERN_COAP_CHANGED, NULL, mtw + 1001);
    /* awake again for MAX_TRANSMIT_WAIT after the exchange */
    CHECK_EQ(tern_client_step(&f->c, mtw + 1001), mtw + 1001 + mtw);
    fx_free(f);
}

int main(void)
{
    TRUN(test_register_message);
    TRUN(test_register_412_fallback);
    TRUN(test_update_timing);
    TRUN(test_update_trigger_and_objects);
    TRUN(test_retry_backoff_then_bootstrap);
    TRUN(test_deregister);
    TRUN(test_two_servers);
    TRUN(test_bootstrap_flow);
    TRUN(test_bootstrap_inconsistent);
    TRUN(test_server_initiated_bootstrap);
    TRUN(test_storage_roundtrip);
    TRUN(test_queue_mode);
    return tdone();
}
