/* Bootstrap-Server engine: sessions against a fake device (a tern_coap_ep
 * whose handler answers canned codes and keeps what it received), over a
 * loss-free simnet; Write payload bytes per content format; Bootstrap-Request
 * answers (unknown endpoint 4.00, pct 4.15/4.00); Finish 4.06 and timeouts
 * recorded as failures; Bootstrap-Pack decoded back to the configuration;
 * server-initiated bootstrap. */
#include <stdlib.h>

#include "sim/simnet.h"
#include "tern/bootstrap.h"
#include "tharness.h"

#define MAXREQ 32
#define BODYMAX 8192

typedef struct seen_req {
    uint8_t code;
    char path[32];
    int32_t cf, accept;
    uint8_t body[BODYMAX];
    size_t body_len;
} seen_req;

typedef struct world {
    simnet net;
    /* bootstrap server */
    tern_coap_ep bep;
    void *bep_mem;
    tern_bs bs;
    void *bs_mem;
    int bid;
    tern_xrng brng;
    /* device */
    tern_coap_ep dep;
    void *dep_mem;
    int did;
    tern_xrng drng;
    seen_req reqs[MAXREQ];
    int n_reqs;
    uint8_t b1[BODYMAX]; /* Block1 reassembly on the device */
    /* canned answers: code for the n-th request of a method (0 = default) */
    uint8_t finish_code;
    uint8_t write_code;
    bool mute; /* device drops everything it would send (timeout) */
    const char *discover_body;
    /* device as a client (Bootstrap-Request / Pack) */
    uint8_t resp_code;
    int32_t resp_cf;
    uint8_t resp_body[BODYMAX];
    size_t resp_len;
    bool resp_done;
    /* records */
    int n_records;
    tern_bs_record last;
    tern_bs_step_record last_steps[TERN_BS_MAX_STEP_RECORDS];
    char last_reason[128];
    char last_ep[64];
} world;

static int send_b(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    world *w = ctx;
    return simnet_send(&w->net, w->bid, simnet_peer_id(peer), b, n);
}
static int send_d(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    world *w = ctx;
    if (w->mute)
        return 0;
    return simnet_send(&w->net, w->did, simnet_peer_id(peer), b, n);
}
static void recv_b(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    world *w = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_coap_ep_feed(&w->bep, &p, b, n, now);
}
static void recv_d(void *ctx, int from, const uint8_t *b, size_t n, tern_time_ms now)
{
    world *w = ctx;
    tern_coap_peer p = simnet_peer(from);
    tern_coap_ep_feed(&w->dep, &p, b, n, now);
}
static tern_time_ms step_b(void *ctx, tern_time_ms now)
{
    world *w = ctx;
    tern_time_ms a = tern_coap_ep_step(&w->bep, now);
    tern_time_ms b = tern_bs_step(&w->bs, now);
    tern_time_ms c = tern_coap_ep_next_deadline(&w->bep); /* bs_step may have sent */
    return TERN_MIN(TERN_MIN(a, b), c);
}
static tern_time_ms step_d(void *ctx, tern_time_ms now)
{
    world *w = ctx;
    return tern_coap_ep_step(&w->dep, now);
}

/* The fake device. */
static int dev_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    world *w = ctx;
    const tern_coap_msg *m = req->msg;
    if (m->payload_len && req->b1_offset + m->payload_len <= sizeof w->b1)
        memcpy(w->b1 + req->b1_offset, m->payload, m->payload_len);
    if (req->b1_more)
        return TERN_OK; /* 2.31 */
    if (w->n_reqs < MAXREQ) {
        seen_req *r = &w->reqs[w->n_reqs++];
        r->code = m->code;
        tern_coap_uri_path_str(m, r->path, sizeof r->path);
        r->cf = tern_coap_content_format(m);
        r->accept = tern_coap_accept(m);
        r->body_len = req->b1_offset + m->payload_len;
        memcpy(r->body, w->b1, TERN_MIN(r->body_len, sizeof r->body));
    }
    switch (m->code) {
    case TERN_COAP_DELETE:
        resp->msg.code = TERN_COAP_DELETED;
        break;
    case TERN_COAP_PUT:
        resp->msg.code = w->write_code ? w->write_code : TERN_COAP_CHANGED;
        break;
    case TERN_COAP_POST:
        resp->msg.code = w->finish_code ? w->finish_code : TERN_COAP_CHANGED;
        break;
    case TERN_COAP_GET:
        resp->msg.code = TERN_COAP_CONTENT;
        if (tern_coap_accept(m) == TERN_CF_LINK) {
            const char *b = w->discover_body ? w->discover_body : "</>;lwm2m=1.1,</0/0>,</1/0>";
            tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_LINK);
            resp->msg.payload = (const uint8_t *)b;
            resp->msg.payload_len = strlen(b);
        } else {
            /* Read /1: one instance, TLV: /1/0/0 = 1 */
            static const uint8_t tlv[] = {0x03, 0x00, 0xC1, 0x00, 0x01};
            tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_TLV);
            resp->msg.payload = tlv;
            resp->msg.payload_len = sizeof tlv;
        }
        break;
    default:
        resp->msg.code = TERN_COAP_METHOD_NOT_ALLOWED;
    }
    return TERN_OK;
}

static void on_record(void *ctx, const tern_bs_record *r)
{
    world *w = ctx;
    w->n_records++;
    w->last = *r;
    if (r->n_steps)
        memcpy(w->last_steps, r->steps, r->n_steps * sizeof *r->steps);
    snprintf(w->last_reason, sizeof w->last_reason, "%s", r->reason ? r->reason : "");
    snprintf(w->last_ep, sizeof w->last_ep, "%s", r->endpoint ? r->endpoint : "");
    w->last.steps = w->last_steps;
    w->last.reason = w->last_reason;
    w->last.endpoint = w->last_ep;
}

/* ---- a configuration ---- */
static const uint8_t psk_id[] = "dev-1";
static const uint8_t psk_key[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
static uint8_t big_cert[3000];

static tern_bs_security sec_bs = {.iid = 0, .uri = "coaps://bs.example:5684", .bootstrap_server = true,
                                  .mode = TERN_BS_SEC_PSK, .identity = {psk_id, 5}, .secret_key = {psk_key, 8},
                                  .ssid = -1, .hold_off = -1, .bs_timeout = 0, .cert_usage = -1};
static tern_bs_security sec_dm = {.iid = 1, .uri = "coaps://dm.example:5684", .bootstrap_server = false,
                                  .mode = TERN_BS_SEC_PSK, .identity = {psk_id, 5}, .secret_key = {psk_key, 8},
                                  .ssid = 101, .hold_off = 5, .bs_timeout = -1, .cert_usage = -1};
static tern_bs_server srv_dm = {.iid = 0, .ssid = 101, .lifetime = 300, .pmin = -1, .pmax = -1,
                                .disable_timeout = -1, .notif_storing = false, .binding = "U"};
static const tern_bs_acl_entry acl_e[] = {{0, 1}, {101, 31}};
static tern_bs_acl acl0 = {.iid = 0, .oid = 3, .oiid = 0, .entries = acl_e, .n_entries = 2, .owner = 101};

static tern_bs_item items_std[4];
static tern_bs_config cfg_std = {.endpoint = "dev-1", .steps = items_std, .n_steps = 4,
                                 .content_format = TERN_CF_NONE};
static const tern_bs_config *cfgs[8];
static tern_bs_mem_store mstore;

static void setup_configs(void)
{
    items_std[0] = (tern_bs_item){.kind = TERN_BS_ITEM_SECURITY, .u.security = &sec_bs};
    items_std[1] = (tern_bs_item){.kind = TERN_BS_ITEM_SECURITY, .u.security = &sec_dm};
    items_std[2] = (tern_bs_item){.kind = TERN_BS_ITEM_SERVER, .u.server = &srv_dm};
    items_std[3] = (tern_bs_item){.kind = TERN_BS_ITEM_ACL, .u.acl = &acl0};
    cfgs[0] = &cfg_std;
    mstore.configs = cfgs;
    mstore.count = 1;
}

static void world_init(world *w, uint64_t seed, uint32_t max_payload)
{
    memset(w, 0, sizeof *w);
    simnet_init(&w->net, seed);
    w->net.delay_min_ms = w->net.delay_max_ms = 5;
    tern_xrng_seed(&w->brng, seed + 1);
    tern_xrng_seed(&w->drng, seed + 2);
    w->bid = simnet_add(&w->net, recv_b, step_b, w);
    w->did = simnet_add(&w->net, recv_d, step_d, w);

    tern_coap_ep_cfg ec;
    memset(&ec, 0, sizeof ec);
    ec.rng = tern_xrng_as_rng(&w->brng);
    ec.send = send_b;
    ec.send_ctx = w;
    ec.handler = tern_bs_coap_handler;
    ec.handler_ctx = &w->bs;
    ec.block_szx = 4; /* 256-byte blocks: exercise Block1/Block2 */
    size_t n = tern_coap_ep_mem_size(&ec);
    w->bep_mem = aligned_alloc(8, (n + 7) / 8 * 8);
    CHECK_EQ(tern_coap_ep_init(&w->bep, &ec, w->bep_mem, n), 0);

    tern_coap_ep_cfg dc = ec;
    dc.rng = tern_xrng_as_rng(&w->drng);
    dc.send = send_d;
    dc.handler = dev_handler;
    dc.handler_ctx = w;
    n = tern_coap_ep_mem_size(&dc);
    w->dep_mem = aligned_alloc(8, (n + 7) / 8 * 8);
    CHECK_EQ(tern_coap_ep_init(&w->dep, &dc, w->dep_mem, n), 0);

    tern_bs_cfg bc;
    memset(&bc, 0, sizeof bc);
    bc.ep = &w->bep;
    bc.store = tern_bs_mem_store_iface(&mstore);
    bc.on_record = on_record;
    bc.record_ctx = w;
    bc.max_payload = max_payload;
    bc.step_timeout_ms = 20000;
    n = tern_bs_mem_size(&bc);
    w->bs_mem = aligned_alloc(8, (n + 7) / 8 * 8);
    CHECK_EQ(tern_bs_init(&w->bs, &bc, w->bs_mem, n), 0);
}

static void world_free(world *w)
{
    tern_bs_deinit(&w->bs);
    tern_coap_ep_deinit(&w->bep);
    tern_coap_ep_deinit(&w->dep);
    simnet_free(&w->net);
    free(w->bep_mem);
    free(w->dep_mem);
    free(w->bs_mem);
}

static void dev_resp(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    (void)ep;
    world *w = ctx;
    if (!res->final)
        return;
    w->resp_done = true;
    if (res->err < 0) {
        w->resp_code = 0;
        return;
    }
    w->resp_code = res->msg->code;
    w->resp_cf = tern_coap_content_format(res->msg);
    w->resp_len = TERN_MIN(res->data_len, sizeof w->resp_body);
    if (w->resp_len)
        memcpy(w->resp_body, res->data, w->resp_len);
}

/* Device sends POST /bs?ep=..[&pct=..] or GET /bspack?ep=.. */
static void dev_request(world *w, bool pack, const char *ep, const char *pct, int32_t accept)
{
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, pack ? TERN_COAP_GET : TERN_COAP_POST, 0);
    char q1[80], q2[32];
    uint8_t sb[4];
    tern_coap_opt_add_uri_path(&m, pack ? "/bspack" : "/bs");
    if (ep) {
        snprintf(q1, sizeof q1, "ep=%s", ep);
        tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, q1);
    }
    if (pct) {
        snprintf(q2, sizeof q2, "pct=%s", pct);
        tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, q2);
    }
    if (accept >= 0)
        tern_coap_opt_add_uint(&m, TERN_COAP_OPT_ACCEPT, (uint32_t)accept, sb);
    tern_coap_req_opts o;
    memset(&o, 0, sizeof o);
    o.resp_buf = w->resp_body;
    o.resp_cap = sizeof w->resp_body;
    tern_coap_peer p = simnet_peer(w->bid);
    w->resp_done = false;
    tern_coap_ep_step(&w->dep, w->net.now);
    CHECK_EQ(tern_coap_request(&w->dep, &p, &m, &o, dev_resp, w, NULL), 0);
    simnet_poke(&w->net, w->did);
}

static bool rec_done(void *ctx)
{
    world *w = ctx;
    return w->n_records > 0 && w->resp_done;
}

static void run(world *w)
{
    simnet_run(&w->net, w->net.now + 600000, rec_done, w);
}

static const seen_req *find_req(world *w, uint8_t code, const char *path)
{
    for (int i = 0; i < w->n_reqs; i++)
        if (w->reqs[i].code == code && strcmp(w->reqs[i].path, path) == 0)
            return &w->reqs[i];
    return NULL;
}

/* ---- tests ---- */

static void test_unknown_endpoint(void)
{
    world w;
    world_init(&w, 1, 4096);
    dev_request(&w, false, "nobody", NULL, -1);
    simnet_run(&w.net, 60000, NULL, NULL);
    CHECK(w.resp_done);
    CHECK_EQ(w.resp_code, TERN_COAP_BAD_REQUEST);
    CHECK_EQ(w.n_reqs, 0);
    CHECK_EQ(tern_bs_active(&w.bs), 0);
    /* no ep at all */
    dev_request(&w, false, NULL, NULL, -1);
    simnet_run(&w.net, w.net.now + 60000, NULL, NULL);
    CHECK_EQ(w.resp_code, TERN_COAP_BAD_REQUEST);
    /* wrong method, wrong path */
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    tern_coap_opt_add_uri_path(&m, "/bs");
    tern_coap_peer p = simnet_peer(w.bid);
    w.resp_done = false;
    tern_coap_request(&w.dep, &p, &m, NULL, dev_resp, &w, NULL);
    simnet_run(&w.net, w.net.now + 60000, NULL, NULL);
    CHECK_EQ(w.resp_code, TERN_COAP_METHOD_NOT_ALLOWED);
    world_free(&w);
}

static void test_client_initiated_default_tlv(void)
{
    world w;
    world_init(&w, 2, 4096);
    dev_request(&w, false, "dev-1", NULL, -1);
    run(&w);
    CHECK_EQ(w.resp_code, TERN_COAP_CHANGED);
    CHECK_EQ(w.n_records, 1);
    CHECK(w.last.success);
    CHECK_EQ(w.last.kind, TERN_BS_CLIENT_INITIATED);
    CHECK_STR(w.last.endpoint, "dev-1");
    CHECK_EQ(w.last.content_format, TERN_CF_TLV);
    /* Delete "/", four Writes, Finish: in that order */
    CHECK_EQ(w.n_reqs, 6);
    CHECK_EQ(w.reqs[0].code, TERN_COAP_DELETE);
    CHECK_STR(w.reqs[0].path, "/");
    CHECK_STR(w.reqs[1].path, "/0/0");
    CHECK_STR(w.reqs[2].path, "/0/1");
    CHECK_STR(w.reqs[3].path, "/1/0");
    CHECK_STR(w.reqs[4].path, "/2/0");
    CHECK_EQ(w.reqs[5].code, TERN_COAP_POST);
    CHECK_STR(w.reqs[5].path, "/bs");
    for (int i = 1; i <= 4; i++) {
        CHECK_EQ(w.reqs[i].code, TERN_COAP_PUT);
        CHECK_EQ(w.reqs[i].cf, TERN_CF_TLV);
    }
    CHECK_EQ(w.last.n_steps, 6);
    CHECK_EQ(w.last_steps[0].coap_code, TERN_COAP_DELETED);
    CHECK_EQ(w.last_steps[0].op, TERN_OPK_BOOTSTRAP_DELETE);
    CHECK_EQ(w.last_steps[5].op, TERN_OPK_BOOTSTRAP_FINISH);
    CHECK_EQ(w.last_steps[5].coap_code, TERN_COAP_CHANGED);
    CHECK(w.last.end >= w.last.start);
    /* Server /1/0 in TLV, byte by byte: 0 = 101, 1 = 300, 6 = false, 7 = "U" */
    static const uint8_t srv_tlv[] = {0xC1, 0x00, 0x65, 0xC2, 0x01, 0x01, 0x2C, 0xC1, 0x06, 0x00, 0xC1, 0x07, 0x55};
    CHECK_EQ(w.reqs[3].body_len, sizeof srv_tlv);
    CHECK_MEM(w.reqs[3].body, srv_tlv, sizeof srv_tlv);
    /* ACL /2/0: 0 = 3, 1 = 0, 2 = {0: 1, 101: 31}, 3 = 101 */
    static const uint8_t acl_tlv[] = {0xC1, 0x00, 0x03, 0xC1, 0x01, 0x00, 0x86, 0x02, 0x41, 0x00, 0x01,
                                      0x41, 0x65, 0x1F, 0xC1, 0x03, 0x65};
    CHECK_EQ(w.reqs[4].body_len, sizeof acl_tlv);
    CHECK_MEM(w.reqs[4].body, acl_tlv, sizeof acl_tlv);
    /* Security /0/1 decodes to the configured values, secret included */
    tern_decoder d;
    uint8_t scratch[512];
    tern_path p01 = tern_path_make(2, 0, 1, 0, 0);
    CHECK_EQ(tern_decoder_init(&d, TERN_CF_TLV, &p01, tern_registry_type_fn, (void *)(uintptr_t)tern_registry_std(),
                               scratch, sizeof scratch),
             0);
    tern_decoder_feed(&d, w.reqs[2].body, w.reqs[2].body_len, true);
    tern_entry e;
    int n = 0;
    bool saw_uri = false, saw_key = false, saw_ssid = false;
    while (tern_decoder_next(&d, &e) == TERN_OK) {
        n++;
        if (e.path.ids[2] == 0)
            saw_uri = e.value.v.bytes.len == strlen(sec_dm.uri) &&
                      memcmp(e.value.v.bytes.ptr, sec_dm.uri, e.value.v.bytes.len) == 0;
        if (e.path.ids[2] == 5)
            saw_key = e.value.v.bytes.len == 8 && memcmp(e.value.v.bytes.ptr, psk_key, 8) == 0;
        if (e.path.ids[2] == 10)
            saw_ssid = e.value.v.i == 101;
    }
    CHECK_EQ(n, 7); /* 0,1,2,3,5,10,11 */
    CHECK(saw_uri && saw_key && saw_ssid);
    world_free(&w);
}

/* The Write payload of /1/0 in each Bootstrap-Write format. */
static void test_write_formats(void)
{
    static const struct {
        const char *pct;
        int32_t cf;
        const char *hex; /* expected body of PUT /1/0 */
    } cases[] = {
        {"11542", TERN_CF_TLV, "c10065c20101 2cc10600c10755"},
        /* [{-2:"/1/0/",0:"0",2:101},{0:"1",2:300},{0:"6",4:false},{0:"7",3:"U"}] (RFC 8428 §6 labels) */
        {"112", TERN_CF_SENML_CBOR,
         "84 a3 21 65 2f312f302f 00 6130 02 1865  a2 00 6131 02 19012c  a2 00 6136 04 f4  a2 00 6137 03 6155"},
        /* {[1,0]:{0:101,1:300,6:false,7:"U"}} (Core §7.4.6: a path array as key) */
        {"11544", TERN_CF_LWM2M_CBOR, "a1 82 01 00 a4 00 1865 01 19012c 06 f4 07 6155"},
        {"110", TERN_CF_SENML_JSON, NULL},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(cases); i++) {
        world w;
        world_init(&w, 10 + i, 4096);
        dev_request(&w, false, "dev-1", cases[i].pct, -1);
        run(&w);
        CHECK_EQ(w.resp_code, TERN_COAP_CHANGED);
        CHECK(w.last.success);
        CHECK_EQ(w.last.content_format, cases[i].cf);
        const seen_req *r = find_req(&w, TERN_COAP_PUT, "/1/0");
        CHECK(r != NULL);
        if (!r) {
            world_free(&w);
            continue;
        }
        CHECK_EQ(r->cf, cases[i].cf);
        if (cases[i].hex) {
            uint8_t exp[128];
            char hx[128];
            size_t k = 0;
            for (const char *s = cases[i].hex; *s && k + 1 < sizeof hx; s++)
                if (*s != ' ')
                    hx[k++] = *s;
            hx[k] = 0;
            int n = thex(hx, exp, sizeof exp);
            CHECK_EQ(r->body_len, n);
            if (n >= 0 && r->body_len == (size_t)n && memcmp(r->body, exp, (size_t)n) == 0) {
                CHECK(true);
            } else {
                CHECK(!"payload bytes differ");
                fprintf(stderr, "cf %d got:", (int)cases[i].cf);
                for (size_t j = 0; j < r->body_len; j++)
                    fprintf(stderr, "%02x", r->body[j]);
                fprintf(stderr, "\n");
            }
        } else {
            static const char json[] =
                "[{\"bn\":\"/1/0/\",\"n\":\"0\",\"v\":101},{\"n\":\"1\",\"v\":300},{\"n\":\"6\",\"vb\":false},"
                "{\"n\":\"7\",\"vs\":\"U\"}]";
            CHECK_EQ(r->body_len, strlen(json));
            CHECK(r->body_len == strlen(json) && memcmp(r->body, json, r->body_len) == 0);
            if (r->body_len != strlen(json))
                fprintf(stderr, "json got: %.*s\n", (int)r->body_len, (const char *)r->body);
        }
        /* every format decodes to the same four values */
        tern_decoder d;
        uint8_t scratch[512];
        tern_path p10 = tern_path_make(2, 1, 0, 0, 0);
        tern_decoder_init(&d, cases[i].cf, &p10, tern_registry_type_fn, (void *)(uintptr_t)tern_registry_std(),
                          scratch, sizeof scratch);
        tern_decoder_feed(&d, r->body, r->body_len, true);
        tern_entry e;
        int n = 0;
        int64_t sum = 0;
        while (tern_decoder_next(&d, &e) == TERN_OK) {
            n++;
            if (e.path.ids[2] == 0 || e.path.ids[2] == 1)
                sum += e.value.type == TERN_TYPE_UNSIGNED ? (int64_t)e.value.v.u : e.value.v.i;
        }
        CHECK_EQ(n, 4);
        CHECK_EQ(sum, 401);
        world_free(&w);
    }
}

static void test_pct_errors(void)
{
    world w;
    world_init(&w, 20, 4096);
    dev_request(&w, false, "dev-1", "0", -1); /* plain text cannot carry Bootstrap-Write */
    simnet_run(&w.net, 60000, NULL, NULL);
    CHECK_EQ(w.resp_code, TERN_COAP_UNSUPPORTED_FORMAT);
    CHECK_EQ(tern_bs_active(&w.bs), 0);
    dev_request(&w, false, "dev-1", "x1", -1);
    simnet_run(&w.net, w.net.now + 60000, NULL, NULL);
    CHECK_EQ(w.resp_code, TERN_COAP_BAD_REQUEST);
    CHECK_EQ(w.n_reqs, 0);
    world_free(&w);
}

static void test_finish_406(void)
{
    world w;
    world_init(&w, 30, 4096);
    w.finish_code = TERN_COAP_NOT_ACCEPTABLE;
    dev_request(&w, false, "dev-1", NULL, -1);
    run(&w);
    CHECK_EQ(w.n_records, 1);
    CHECK(!w.last.success);
    CHECK(strstr(w.last_reason, "4.06") != NULL);
    CHECK(strstr(w.last_reason, "inconsistent") != NULL);
    CHECK_EQ(w.last.n_steps, 6);
    CHECK_EQ(w.last_steps[5].coap_code, TERN_COAP_NOT_ACCEPTABLE);
    world_free(&w);
}

static void test_write_refused(void)
{
    world w;
    world_init(&w, 31, 4096);
    w.write_code = TERN_COAP_UNSUPPORTED_FORMAT;
    dev_request(&w, false, "dev-1", "112", -1);
    run(&w);
    CHECK(!w.last.success);
    CHECK_EQ(w.last.n_steps, 2); /* Delete, first Write; no Finish */
    CHECK(strstr(w.last_reason, "4.15") != NULL);
    CHECK_EQ(w.n_reqs, 2);
    world_free(&w);
}

static void test_timeout(void)
{
    world w;
    world_init(&w, 40, 4096);
    dev_request(&w, false, "dev-1", NULL, -1);
    /* let the 2.04 arrive, then the device goes silent */
    simnet_run(&w.net, 8, NULL, NULL);
    w.mute = true;
    w.resp_done = true;
    run(&w);
    CHECK_EQ(w.n_records, 1);
    CHECK(!w.last.success);
    CHECK_EQ(w.last.err, TERN_ETIMEOUT);
    CHECK(strstr(w.last_reason, "timeout") != NULL);
    CHECK_EQ(tern_bs_active(&w.bs), 0);
    world_free(&w);
}

static void test_server_initiated_with_discover_read(void)
{
    world w;
    world_init(&w, 50, 4096);
    tern_bs_item items[6];
    items[0] = (tern_bs_item){.kind = TERN_BS_ITEM_DISCOVER, .path = tern_path_root()};
    items[1] = (tern_bs_item){.kind = TERN_BS_ITEM_READ, .path = tern_path_make(1, 1, 0, 0, 0)};
    items[2] = (tern_bs_item){.kind = TERN_BS_ITEM_DELETE, .path = tern_path_make(1, 0, 0, 0, 0)};
    items[3] = (tern_bs_item){.kind = TERN_BS_ITEM_DELETE, .path = tern_path_make(1, 1, 0, 0, 0)};
    items[4] = items_std[1];
    items[5] = items_std[2];
    tern_bs_config c = {.endpoint = "dev-2", .steps = items, .n_steps = 6, .content_format = TERN_CF_NONE};
    cfgs[1] = &c;
    mstore.count = 2;
    w.discover_body = "</>;lwm2m=1.2,</0/0>,</1>,</3/0>";
    tern_coap_peer dev = simnet_peer(w.did);
    CHECK_EQ(tern_bs_start(&w.bs, "nobody", &dev, 0), TERN_ENOTFOUND);
    CHECK_EQ(tern_bs_start(&w.bs, "dev-2", &dev, 0), 0);
    CHECK_EQ(tern_bs_start(&w.bs, "dev-2", &dev, 0), TERN_EEXIST);
    w.resp_done = true;
    run(&w);
    CHECK(w.last.success);
    CHECK_EQ(w.last.kind, TERN_BS_SERVER_INITIATED);
    CHECK_EQ(w.n_reqs, 7);
    CHECK_EQ(w.reqs[0].accept, TERN_CF_LINK);
    CHECK_EQ(w.reqs[1].code, TERN_COAP_GET);
    CHECK_STR(w.reqs[1].path, "/1");
    CHECK_STR(w.reqs[2].path, "/0");
    CHECK_STR(w.reqs[3].path, "/1");
    CHECK_EQ(w.reqs[3].code, TERN_COAP_DELETE);
    /* lwm2m=1.2 from the Discover: SenML CBOR by default */
    CHECK_EQ(w.reqs[4].cf, TERN_CF_SENML_CBOR);
    CHECK_EQ(w.last.content_format, TERN_CF_SENML_CBOR);
    mstore.count = 1;
    world_free(&w);
}

/* Decodes a pack and checks it holds every configured value. */
static void check_pack(const uint8_t *b, size_t n, int32_t cf, const tern_bs_config *c)
{
    tern_decoder d;
    static uint8_t scratch[8192];
    tern_path root = tern_path_root();
    CHECK_EQ(tern_decoder_init(&d, cf, &root, tern_registry_type_fn, (void *)(uintptr_t)tern_registry_std(),
                               scratch, sizeof scratch),
             0);
    CHECK_EQ(tern_decoder_feed(&d, b, n, true), 0);
    tern_entry e;
    size_t got = 0, deletes = 0, mismatches = 0;
    int rc;
    while ((rc = tern_decoder_next(&d, &e)) == TERN_OK) {
        if (e.kind == TERN_ENTRY_PATH_ONLY) {
            deletes++;
            CHECK_EQ(e.path.len, 0);
            continue;
        }
        got++;
        /* find the configured entry with this path */
        bool found = false;
        for (size_t i = 0; i < c->n_steps && !found; i++) {
            tern_entry x;
            for (size_t k = 0; tern_bs_item_entry(&c->steps[i], k, &x) == TERN_OK; k++) {
                if (!tern_path_eq(&x.path, &e.path))
                    continue;
                found = true;
                switch (x.value.type) {
                case TERN_TYPE_STRING:
                case TERN_TYPE_OPAQUE:
                    if (e.value.v.bytes.len != x.value.v.bytes.len ||
                        memcmp(e.value.v.bytes.ptr, x.value.v.bytes.ptr, x.value.v.bytes.len) != 0)
                        mismatches++;
                    break;
                case TERN_TYPE_BOOLEAN:
                    if (e.value.v.b != x.value.v.b)
                        mismatches++;
                    break;
                default: {
                    int64_t v = e.value.type == TERN_TYPE_UNSIGNED ? (int64_t)e.value.v.u : e.value.v.i;
                    if (v != x.value.v.i)
                        mismatches++;
                }
                }
                break;
            }
        }
        CHECK(found);
    }
    CHECK_EQ(rc, TERN_DONE);
    size_t want = 0;
    for (size_t i = 0; i < c->n_steps; i++)
        want += tern_bs_item_entry_count(&c->steps[i]);
    CHECK_EQ(got, want);
    CHECK_EQ(mismatches, 0);
    CHECK_EQ(deletes, cf == TERN_CF_SENML_ETCH_CBOR ? 1 : 0);
}

static void test_pack(void)
{
    /* a big certificate makes the pack span many 256-byte blocks */
    for (size_t i = 0; i < sizeof big_cert; i++)
        big_cert[i] = (uint8_t)(i * 7u + 3u);
    tern_bs_security sec_x = sec_dm;
    sec_x.iid = 2;
    sec_x.ssid = 102;
    sec_x.mode = TERN_BS_SEC_X509;
    sec_x.identity = (tern_bytes){big_cert, sizeof big_cert};
    sec_x.secret_key = (tern_bytes){big_cert, 121};
    sec_x.cert_usage = 3;
    sec_x.sni = "dm2.example";
    tern_bs_item items[5];
    memcpy(items, items_std, sizeof items_std);
    items[4] = (tern_bs_item){.kind = TERN_BS_ITEM_SECURITY, .u.security = &sec_x};
    tern_bs_config c = {.endpoint = "dev-3", .steps = items, .n_steps = 5, .content_format = TERN_CF_NONE};
    cfgs[1] = &c;
    mstore.count = 2;
    static const int32_t accepts[] = {TERN_CF_SENML_CBOR, TERN_CF_SENML_ETCH_CBOR, -1};
    for (size_t i = 0; i < TERN_ARRAY_LEN(accepts); i++) {
        world w;
        world_init(&w, 60 + i, 8192);
        dev_request(&w, true, "dev-3", NULL, accepts[i]);
        run(&w);
        CHECK_EQ(w.resp_code, TERN_COAP_CONTENT);
        int32_t cf = accepts[i] < 0 ? TERN_CF_SENML_CBOR : accepts[i];
        CHECK_EQ(w.resp_cf, cf);
        CHECK(w.resp_len > sizeof big_cert);
        check_pack(w.resp_body, w.resp_len, cf, &c);
        CHECK_EQ(w.n_records, 1);
        CHECK(w.last.success);
        CHECK_EQ(w.last.kind, TERN_BS_PACK);
        CHECK_EQ(w.n_reqs, 0); /* no session toward the device */
        world_free(&w);
    }
    /* unknown endpoint, unacceptable format */
    world w;
    world_init(&w, 70, 8192);
    dev_request(&w, true, "nobody", NULL, TERN_CF_SENML_CBOR);
    simnet_run(&w.net, 60000, NULL, NULL);
    CHECK_EQ(w.resp_code, TERN_COAP_BAD_REQUEST);
    dev_request(&w, true, "dev-3", NULL, TERN_CF_TLV);
    simnet_run(&w.net, w.net.now + 60000, NULL, NULL);
    CHECK_EQ(w.resp_code, TERN_COAP_NOT_ACCEPTABLE);
    world_free(&w);
    /* the large Security instance goes out block-wise in a session */
    world_init(&w, 71, 8192);
    dev_request(&w, false, "dev-3", "112", -1);
    run(&w);
    CHECK(w.last.success);
    const seen_req *r = find_req(&w, TERN_COAP_PUT, "/0/2");
    CHECK(r && r->body_len > sizeof big_cert);
    mstore.count = 1;
    world_free(&w);
}

static void test_pack_too_big(void)
{
    uint8_t out[64], scratch[512];
    CHECK_EQ(tern_bs_pack_encode(&cfg_std, TERN_CF_SENML_CBOR, scratch, sizeof scratch, out, sizeof out),
             TERN_ENOMEM);
    CHECK_EQ(tern_bs_pack_encode(&cfg_std, TERN_CF_TLV, scratch, sizeof scratch, out, sizeof out),
             TERN_EUNSUPPORTED);
    CHECK_EQ(tern_bs_default_format(NULL), TERN_CF_TLV);
    CHECK_EQ(tern_bs_default_format("1.0"), TERN_CF_TLV);
    CHECK_EQ(tern_bs_default_format("1.2"), TERN_CF_SENML_CBOR);
    CHECK(tern_bs_write_format_ok(TERN_CF_LWM2M_CBOR));
    CHECK(!tern_bs_write_format_ok(TERN_CF_TEXT));
}

static void test_restart_supersedes(void)
{
    world w;
    world_init(&w, 80, 4096);
    dev_request(&w, false, "dev-1", NULL, -1);
    simnet_run(&w.net, 12, NULL, NULL); /* session has started */
    dev_request(&w, false, "dev-1", NULL, -1);
    simnet_run(&w.net, w.net.now + 600000, NULL, NULL);
    CHECK_EQ(w.n_records, 2);
    CHECK(w.last.success);
    world_free(&w);
}

int main(void)
{
    setup_configs();
    TRUN(test_unknown_endpoint);
    TRUN(test_client_initiated_default_tlv);
    TRUN(test_write_formats);
    TRUN(test_pct_errors);
    TRUN(test_finish_406);
    TRUN(test_write_refused);
    TRUN(test_timeout);
    TRUN(test_server_initiated_with_discover_read);
    TRUN(test_pack);
    TRUN(test_pack_too_big);
    TRUN(test_restart_supersedes);
    return tdone();
}
