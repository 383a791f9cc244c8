/* LwM2M Server engine: Table 6.7.-2 rows, register/update/de-register with
 * raw CoAP, replacement, expiry, requests against a fake client, Send,
 * queue mode, store round trip. */
#include <stdlib.h>

#include "tern/server.h"
#include "tharness.h"

/* ---- a tiny two-node world: server endpoint + fake client endpoint ---- */
typedef struct pkt { int to; size_t len; uint8_t b[1500]; tern_coap_peer from; } pkt;
typedef struct world {
    tern_coap_ep sep, cep;
    void *smem, *cmem;
    tern_xrng rs, rc;
    tern_server srv;
    tern_store_mem store;
    pkt q[64];
    int qn;
    tern_time_ms now;
    /* fake client answers */
    uint8_t ans_code;
    int32_t ans_cf;
    uint8_t ans_body[256];
    size_t ans_len;
    int client_hits;
    char last_path[64];
    /* results */
    int events[16];
    tern_server_resp last;
    int resp_count;
    size_t last_n;
    tern_entry ents[8];
    uint8_t coap_code;
    char loc[32];
    int policy_code;
    bool sleep_client; /* drop everything to the client */
} world;

static size_t allocated;
static void *a_alloc(void *ctx, size_t n) { (void)ctx; allocated += n; return malloc(n); }
static void a_free(void *ctx, void *p, size_t n) { (void)ctx; allocated -= n; free(p); }
static const tern_alloc ALLOC = {a_alloc, a_free, NULL};

static int send_s(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    world *w = ctx;
    (void)peer;
    if (w->sleep_client)
        return 0;
    pkt *p = &w->q[w->qn++];
    p->to = 1, p->len = n;
    memcpy(p->b, b, n);
    return 0;
}
static int send_c(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    world *w = ctx;
    (void)peer;
    pkt *p = &w->q[w->qn++];
    p->to = 0, p->len = n;
    memcpy(p->b, b, n);
    return 0;
}
static void pump(world *w)
{
    tern_coap_peer ps, pc;
    tern_coap_peer_make(&ps, "S", 1);
    tern_coap_peer_make(&pc, "C", 1);
    while (w->qn) {
        pkt p = w->q[0];
        memmove(w->q, w->q + 1, (size_t)(--w->qn) * sizeof(pkt));
        if (p.to == 0)
            tern_coap_ep_feed(&w->sep, &pc, p.b, p.len, w->now);
        else
            tern_coap_ep_feed(&w->cep, &ps, p.b, p.len, w->now);
    }
}
static int client_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    world *w = ctx;
    w->client_hits++;
    tern_coap_uri_path_str(req->msg, w->last_path, sizeof w->last_path);
    resp->msg.code = w->ans_code;
    if (w->ans_cf >= 0)
        tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_CONTENT_FORMAT, (uint32_t)w->ans_cf);
    if (w->ans_code == TERN_COAP_CREATED) {
        tern_coap_resp_opt(resp, TERN_COAP_OPT_LOCATION_PATH, "3303", 4);
        tern_coap_resp_opt(resp, TERN_COAP_OPT_LOCATION_PATH, "7", 1);
    }
    memcpy(resp->buf, w->ans_body, w->ans_len);
    resp->msg.payload = resp->buf;
    resp->msg.payload_len = w->ans_len;
    if (req->observe == 0 && w->ans_code == TERN_COAP_CONTENT) {
        resp->observe_key = "k";
        resp->observe_key_len = 1;
    }
    return TERN_OK;
}
static void on_event(void *ctx, tern_server *srv, tern_server_event ev, const tern_server_reg *reg)
{
    (void)srv, (void)reg;
    ((world *)ctx)->events[ev]++;
}
static int policy(void *ctx, const tern_server_reg_params *p, const tern_coap_peer *peer)
{
    (void)peer;
    world *w = ctx;
    if (p->ep_len == 6 && memcmp(p->ep, "banned", 6) == 0)
        return TERN_LC_FORBIDDEN;
    return w->policy_code;
}
static int on_send(void *ctx, tern_server *srv, const tern_server_reg *reg, int32_t cf, const tern_entry *e, size_t n)
{
    world *w = ctx;
    (void)srv, (void)reg, (void)cf;
    w->last_n = n;
    for (size_t i = 0; i < n && i < 8; i++)
        w->ents[i] = e[i];
    return TERN_LC_NONE;
}

static void world_init(world *w, bool with_store, bool keep_store)
{
    tern_store_mem keep = w->store;
    memset(w, 0, sizeof *w);
    if (keep_store)
        w->store = keep;
    else if (with_store)
        tern_store_mem_init(&w->store, &ALLOC);
    tern_xrng_seed(&w->rs, 1);
    tern_xrng_seed(&w->rc, 2);
    tern_coap_ep_cfg sc = {.rng = tern_xrng_as_rng(&w->rs), .send = send_s, .send_ctx = w,
                           .handler = tern_server_coap_handler, .handler_ctx = &w->srv, .max_exchanges = 64};
    tern_coap_ep_cfg cc = {.rng = tern_xrng_as_rng(&w->rc), .send = send_c, .send_ctx = w,
                           .handler = client_handler, .handler_ctx = w, .max_exchanges = 64};
    w->smem = aligned_alloc(8, (tern_coap_ep_mem_size(&sc) + 7) & ~(size_t)7);
    w->cmem = aligned_alloc(8, (tern_coap_ep_mem_size(&cc) + 7) & ~(size_t)7);
    tern_coap_ep_init(&w->sep, &sc, w->smem, tern_coap_ep_mem_size(&sc));
    tern_coap_ep_init(&w->cep, &cc, w->cmem, tern_coap_ep_mem_size(&cc));
    tern_server_cfg cfg = {.ep = &w->sep, .alloc = ALLOC, .rng = tern_xrng_as_rng(&w->rs), .on_event = on_event,
                           .policy = policy, .on_send = on_send, .cb_ctx = w, .max_payload = 60000};
    if (with_store)
        cfg.store = tern_store_mem_as_store(&w->store);
    CHECK_EQ(tern_server_init(&w->srv, &cfg, 0), 0);
    w->ans_cf = -1;
}
static void world_free(world *w, bool keep_store)
{
    tern_server_deinit(&w->srv);
    tern_coap_ep_deinit(&w->sep);
    tern_coap_ep_deinit(&w->cep);
    free(w->smem);
    free(w->cmem);
    if (!keep_store && w->store.buckets)
        tern_store_mem_deinit(&w->store);
}

/* client → server raw request */
static void raw_cb(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    world *w = ctx;
    (void)ep;
    if (!res->final)
        return;
    w->coap_code = res->msg ? res->msg->code : 0;
    w->loc[0] = 0;
    if (res->msg) {
        size_t n = 0;
        for (const tern_coap_opt *o = tern_coap_opt_get(res->msg, TERN_COAP_OPT_LOCATION_PATH); o;
             o = tern_coap_opt_next(res->msg, o)) {
            w->loc[n++] = '/';
            memcpy(w->loc + n, o->val, o->len);
            n += o->len;
        }
        w->loc[n] = 0;
    }
}
static uint8_t raw(world *w, uint8_t method, const char *path, const char *const *query, int32_t cf,
                   const char *payload, size_t plen)
{
    tern_coap_msg m;
    uint8_t sc[4];
    tern_coap_msg_init(&m, TERN_COAP_CON, method, 0);
    tern_coap_opt_add_uri_path(&m, path);
    for (int i = 0; query && query[i]; i++)
        tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, query[i]);
    if (cf >= 0)
        tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf, sc);
    tern_coap_req_opts o = {.body = (const uint8_t *)payload, .body_len = plen};
    tern_coap_peer ps;
    tern_coap_peer_make(&ps, "S", 1);
    w->coap_code = 0;
    tern_coap_request(&w->cep, &ps, &m, &o, raw_cb, w, NULL);
    pump(w);
    return w->coap_code;
}
static uint8_t reg(world *w, const char *const *q, const char *payload)
{
    return raw(w, TERN_COAP_POST, "/rd", q, TERN_CF_LINK, payload, strlen(payload));
}
#define Q(...) ((const char *const[]){__VA_ARGS__, NULL})
static const char *LINKS = "</>;rt=\"oma.lwm2m\";ct=11544,</1/0>,</3>;ver=1.1,</3/0>,</3303/0>";

static void t_register_rows(void)
{
    world *w = calloc(1, sizeof *w);
    world_init(w, false, false);
    CHECK_EQ(reg(w, Q("ep=dev1", "lt=300", "lwm2m=1.2", "b=U"), LINKS), TERN_COAP_CREATED);
    CHECK(strncmp(w->loc, "/rd/", 4) == 0);
    const tern_server_reg *r = tern_server_find(&w->srv, "dev1");
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ(r->lifetime_s, 300);
        CHECK_EQ(r->lwm2m_minor, 2);
        CHECK_EQ(r->n_objs, 4);
        CHECK_EQ(r->ct, TERN_CF_LWM2M_CBOR);
        CHECK_EQ(r->objs[1].oid, 3);
        CHECK_EQ(r->objs[1].ver_minor, 1);
        CHECK(r->alt_path == NULL);
        printf("sizeof(tern_server_reg) = %zu, this registration = %zu bytes\n", sizeof(tern_server_reg),
               tern_server_reg_mem(r));
    }
    CHECK_EQ(w->events[TERN_SRV_REGISTERED], 1);
    /* Table 6.7.-2 Register rows */
    CHECK_EQ(reg(w, Q("lt=300", "lwm2m=1.2"), LINKS), TERN_COAP_BAD_REQUEST);          /* no ep */
    CHECK_EQ(reg(w, Q("ep=x", "lt=0"), LINKS), TERN_COAP_BAD_REQUEST);                 /* lt 0 */
    CHECK_EQ(reg(w, Q("ep=x", "lt=4294967295"), LINKS), TERN_COAP_BAD_REQUEST);        /* lt > 2^31 */
    CHECK_EQ(reg(w, Q("ep=x", "lt=abc"), LINKS), TERN_COAP_BAD_REQUEST);
    CHECK_EQ(reg(w, Q("ep=x", "foo=1"), LINKS), TERN_COAP_BAD_REQUEST);                /* unknown */
    CHECK_EQ(reg(w, Q("ep=x", "ep=y"), LINKS), TERN_COAP_BAD_REQUEST);                 /* twice */
    CHECK_EQ(reg(w, Q("ep=x", "b=UX"), LINKS), TERN_COAP_BAD_REQUEST);
    CHECK_EQ(reg(w, Q("ep=x", "sms=+3312"), LINKS), TERN_COAP_BAD_REQUEST);
    CHECK_EQ(reg(w, Q("ep=x\x01"), LINKS), TERN_COAP_BAD_REQUEST);                     /* control char */
    char big[300] = "ep=";
    memset(big + 3, 'a', 256);
    big[259] = 0;
    CHECK_EQ(reg(w, Q(big), LINKS), TERN_COAP_BAD_REQUEST);                            /* ep > 255 */
    CHECK_EQ(reg(w, Q("ep=x", "lwm2m=2.0"), LINKS), TERN_COAP_PRECONDITION_FAILED);
    CHECK_EQ(reg(w, Q("ep=x", "lwm2m=1.3"), LINKS), TERN_COAP_PRECONDITION_FAILED);
    CHECK_EQ(reg(w, Q("ep=x", "lwm2m=1"), LINKS), TERN_COAP_BAD_REQUEST);
    CHECK_EQ(reg(w, Q("ep=x"), "</1/0"), TERN_COAP_BAD_REQUEST);                       /* malformed links */
    CHECK_EQ(reg(w, Q("ep=x"), ""), TERN_COAP_CONFLICT);                               /* no objects */
    CHECK_EQ(reg(w, Q("ep=x"), "</>;rt=\"oma.lwm2m\""), TERN_COAP_CONFLICT);
    CHECK_EQ(reg(w, Q("ep=banned"), LINKS), TERN_COAP_FORBIDDEN);
    CHECK_EQ(tern_server_count(&w->srv), 1);
    /* 10,000 links: refused with bounded memory */
    size_t cap = 10000 * 12;
    char *many = malloc(cap);
    size_t n = 0;
    for (int i = 0; i < 10000; i++)
        n += (size_t)snprintf(many + n, cap - n, "%s</%d/0>", i ? "," : "", i % 60000);
    size_t before = allocated;
    CHECK_EQ(raw(w, TERN_COAP_POST, "/rd", Q("ep=many"), TERN_CF_LINK, many, n), TERN_COAP_BAD_REQUEST);
    CHECK_EQ(allocated, before);
    free(many);
    /* LwM2M 1.0 defaults, alternate path, UQ */
    CHECK_EQ(reg(w, Q("ep=old", "b=UQ"), "</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/1/0>,</lwm2m/3/0>,</other>"),
             TERN_COAP_CREATED);
    r = tern_server_find(&w->srv, "old");
    CHECK(r && r->queue && r->lwm2m_minor == 0 && r->lifetime_s == 86400 && r->n_objs == 2);
    CHECK(r && r->alt_path && strcmp(r->alt_path, "/lwm2m") == 0);
    world_free(w, false);
    free(w);
}

static void t_update_dereg(void)
{
    world *w = calloc(1, sizeof *w);
    world_init(w, true, false);
    CHECK_EQ(reg(w, Q("ep=dev1", "lt=100", "lwm2m=1.1"), LINKS), TERN_COAP_CREATED);
    char loc[32];
    strcpy(loc, w->loc);
    w->now = 50000;
    CHECK_EQ(raw(w, TERN_COAP_POST, loc, Q("lt=200"), -1, NULL, 0), TERN_COAP_CHANGED);
    const tern_server_reg *r = tern_server_find(&w->srv, "dev1");
    CHECK(r && r->lifetime_s == 200 && r->updated_at == 50000);
    CHECK_EQ(raw(w, TERN_COAP_POST, loc, NULL, TERN_CF_LINK, "</1/0>,</3/0>,</5/0>", 20), TERN_COAP_CHANGED);
    r = tern_server_find(&w->srv, "dev1");
    CHECK(r && r->n_objs == 3);
    CHECK_EQ(raw(w, TERN_COAP_POST, loc, Q("ep=z"), -1, NULL, 0), TERN_COAP_BAD_REQUEST);
    CHECK_EQ(raw(w, TERN_COAP_POST, loc, Q("lt=0"), -1, NULL, 0), TERN_COAP_BAD_REQUEST);
    CHECK_EQ(raw(w, TERN_COAP_POST, "/rd/12345678", NULL, -1, NULL, 0), TERN_COAP_NOT_FOUND);
    CHECK_EQ(raw(w, TERN_COAP_DELETE, "/rd/12345678", NULL, -1, NULL, 0), TERN_COAP_NOT_FOUND);
    CHECK_EQ(w->store.count, 1);
    CHECK_EQ(raw(w, TERN_COAP_DELETE, loc, NULL, -1, NULL, 0), TERN_COAP_DELETED);
    CHECK_EQ(w->events[TERN_SRV_DEREGISTERED], 1);
    CHECK_EQ(tern_server_count(&w->srv), 0);
    CHECK_EQ(w->store.count, 0);
    /* store failure: nothing acknowledged that is not stored */
    w->store.fail_puts = 1;
    CHECK_EQ(reg(w, Q("ep=dev2"), LINKS), TERN_COAP_INTERNAL_ERROR);
    CHECK_EQ(tern_server_count(&w->srv), 0);
    world_free(w, false);
    free(w);
}

static void t_replace_expire(void)
{
    world *w = calloc(1, sizeof *w);
    world_init(w, false, false);
    CHECK_EQ(reg(w, Q("ep=dev1", "lt=10"), LINKS), TERN_COAP_CREATED);
    char loc1[32];
    strcpy(loc1, w->loc);
    CHECK_EQ(reg(w, Q("ep=dev1", "lt=10"), LINKS), TERN_COAP_CREATED);
    CHECK(strcmp(loc1, w->loc) != 0);
    CHECK_EQ(w->events[TERN_SRV_REPLACED], 1);
    CHECK_EQ(tern_server_count(&w->srv), 1);
    CHECK_EQ(raw(w, TERN_COAP_POST, loc1, NULL, -1, NULL, 0), TERN_COAP_NOT_FOUND);
    CHECK_EQ(tern_server_step(&w->srv, 5000), 10000);
    CHECK_EQ(tern_server_step(&w->srv, 10000), TERN_TIME_NEVER);
    CHECK_EQ(w->events[TERN_SRV_EXPIRED], 1);
    CHECK_EQ(tern_server_count(&w->srv), 0);
    world_free(w, false);
    free(w);
}

static void req_cb(void *ctx, tern_server *srv, const tern_server_resp *r)
{
    world *w = ctx;
    (void)srv;
    w->last = *r;
    w->resp_count++;
    w->last_n = r->n_entries;
    for (size_t i = 0; i < r->n_entries && i < 8; i++)
        w->ents[i] = r->entries[i];
}

static void t_requests(void)
{
    world *w = calloc(1, sizeof *w);
    world_init(w, false, false);
    CHECK_EQ(reg(w, Q("ep=dev1", "lwm2m=1.1"), "</>;rt=\"oma.lwm2m\",</lwm2m>;rt=\"oma.lwm2m\",</3/0>"),
             TERN_COAP_BAD_REQUEST); /* two alternate paths */
    CHECK_EQ(reg(w, Q("ep=dev1", "lwm2m=1.1"), "</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/3/0>,</lwm2m/3303/0>"),
             TERN_COAP_CREATED);
    /* Read /3/0/9 answered with SenML CBOR */
    tern_entry e = {.kind = TERN_ENTRY_VALUE, .path = tern_path_make(3, 3, 0, 9, 0)};
    e.value.type = TERN_TYPE_INTEGER;
    e.value.v.i = 87;
    int n = tern_server_encode(TERN_CF_SENML_CBOR, NULL, &e, 1, w->ans_body, sizeof w->ans_body);
    CHECK(n > 0);
    w->ans_len = (size_t)n;
    w->ans_code = TERN_COAP_CONTENT;
    w->ans_cf = TERN_CF_SENML_CBOR;
    tern_op op;
    tern_op_init(&op, TERN_OPK_READ);
    op.path = tern_path_make(3, 3, 0, 9, 0);
    tern_server_handle h = 0;
    CHECK_EQ(tern_server_request(&w->srv, "dev1", &op, NULL, req_cb, w, &h), 0);
    CHECK(h != 0);
    pump(w);
    CHECK_STR(w->last_path, "/lwm2m/3/0/9");
    CHECK_EQ(w->resp_count, 1);
    CHECK(w->last.final && w->last.err == 0 && w->last.code == TERN_LC_CONTENT);
    CHECK_EQ(w->last_n, 1);
    CHECK_EQ(w->ents[0].value.v.i, 87);
    CHECK_EQ(tern_server_request(&w->srv, "nobody", &op, NULL, req_cb, w, &h), TERN_ENOTFOUND);
    /* each kind reaches the client with its method and path */
    static const struct { uint8_t kind; int len; uint8_t code; const char *path; } rows[] = {
        {TERN_OPK_DISCOVER, 2, TERN_COAP_CONTENT, "/lwm2m/3/0"},
        {TERN_OPK_WRITE_REPLACE, 3, TERN_COAP_CHANGED, "/lwm2m/3/0/14"},
        {TERN_OPK_WRITE_UPDATE, 2, TERN_COAP_CHANGED, "/lwm2m/3/0"},
        {TERN_OPK_WRITE_ATTRS, 3, TERN_COAP_CHANGED, "/lwm2m/3/0/14"},
        {TERN_OPK_EXECUTE, 3, TERN_COAP_CHANGED, "/lwm2m/3/0/14"},
        {TERN_OPK_DELETE, 2, TERN_COAP_DELETED, "/lwm2m/3/0"},
        {TERN_OPK_READ_COMPOSITE, 0, TERN_COAP_CONTENT, "/lwm2m"},
        {TERN_OPK_WRITE_COMPOSITE, 0, TERN_COAP_CHANGED, "/lwm2m"},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(rows); i++) {
        tern_op_init(&op, (tern_op_kind)rows[i].kind);
        op.path = tern_path_make(rows[i].len, 3, 0, 14, 0);
        op.content_format = TERN_CF_SENML_JSON;
        op.payload = (tern_bytes){(const uint8_t *)"[]", 2};
        op.exec_args = (tern_bytes){(const uint8_t *)"0='a'", 5};
        op.attrs.set = TERN_ATTR_PMIN;
        op.attrs.pmin = 10;
        w->ans_code = rows[i].code;
        w->ans_cf = -1;
        w->ans_len = 0;
        w->resp_count = 0;
        CHECK_EQ(tern_server_request(&w->srv, "dev1", &op, NULL, req_cb, w, &h), 0);
        pump(w);
        CHECK_STR(w->last_path, rows[i].path);
        CHECK_EQ(w->resp_count, 1);
        CHECK_EQ(w->last.coap_code, rows[i].code);
    }
    /* Create: location of the new instance */
    tern_op_init(&op, TERN_OPK_CREATE);
    op.path = tern_path_make(1, 3303, 0, 0, 0);
    op.content_format = TERN_CF_SENML_JSON;
    op.payload = (tern_bytes){(const uint8_t *)"[]", 2};
    w->ans_code = TERN_COAP_CREATED;
    CHECK_EQ(tern_server_request(&w->srv, "dev1", &op, NULL, req_cb, w, &h), 0);
    pump(w);
    CHECK(w->last.has_location && w->last.location.ids[0] == 3303 && w->last.location.ids[1] == 7);
    /* 4.04 from the client is a result, not an error */
    tern_op_init(&op, TERN_OPK_READ);
    op.path = tern_path_make(2, 9, 0, 0, 0);
    w->ans_code = TERN_COAP_NOT_FOUND;
    CHECK_EQ(tern_server_request(&w->srv, "dev1", &op, NULL, req_cb, w, &h), 0);
    pump(w);
    CHECK(w->last.err == 0 && w->last.code == TERN_LC_NOT_FOUND);
    /* bad operations are refused at once */
    tern_op_init(&op, TERN_OPK_EXECUTE);
    op.path = tern_path_make(2, 3, 0, 0, 0);
    CHECK_EQ(tern_server_request(&w->srv, "dev1", &op, NULL, req_cb, w, &h), TERN_EINVAL);
    /* Observe: notification, second subscriber shares it, cancel */
    tern_op_init(&op, TERN_OPK_OBSERVE);
    op.path = tern_path_make(3, 3, 0, 9, 0);
    w->ans_code = TERN_COAP_CONTENT;
    w->ans_cf = TERN_CF_SENML_CBOR;
    w->ans_len = (size_t)n;
    w->resp_count = 0;
    tern_server_handle h1 = 0, h2 = 0;
    CHECK_EQ(tern_server_request(&w->srv, "dev1", &op, NULL, req_cb, w, &h1), 0);
    pump(w);
    CHECK(w->resp_count == 1 && w->last.notification && !w->last.final && w->last_n == 1);
    CHECK_EQ(tern_server_request(&w->srv, "dev1", &op, NULL, req_cb, w, &h2), 0);
    int hits = w->client_hits;
    pump(w);
    CHECK_EQ(w->client_hits, hits); /* no second CoAP observation */
    tern_coap_msg nt;
    tern_coap_msg_init(&nt, TERN_COAP_NON, TERN_COAP_CONTENT, 0);
    uint8_t sc[4];
    tern_coap_opt_add_uint(&nt, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_SENML_CBOR, sc);
    nt.payload = w->ans_body;
    nt.payload_len = (size_t)n;
    w->resp_count = 0;
    CHECK_EQ(tern_coap_notify_key(&w->cep, "k", 1, &nt, NULL), 1);
    pump(w);
    CHECK_EQ(w->resp_count, 2); /* both subscribers */
    CHECK_EQ(tern_server_cancel(&w->srv, h1, true), 0);
    CHECK(w->last.final && w->last.err == TERN_ECANCELED);
    w->resp_count = 0;
    CHECK_EQ(tern_server_cancel(&w->srv, h2, true), 0);
    pump(w);
    CHECK(tern_coap_observer_count(&w->cep) == 0);
    /* de-registration tells the waiting requests */
    w->sleep_client = true;
    tern_op_init(&op, TERN_OPK_READ);
    op.path = tern_path_make(3, 3, 0, 9, 0);
    CHECK_EQ(tern_server_request(&w->srv, "dev1", &op, NULL, req_cb, w, &h), 0);
    CHECK_EQ(tern_server_request(&w->srv, "dev1", &op, NULL, req_cb, w, &h), 0);
    w->sleep_client = false;
    w->resp_count = 0;
    w->qn = 0;
    const tern_server_reg *r = tern_server_find(&w->srv, "dev1");
    char loc[32];
    snprintf(loc, sizeof loc, "/rd/%x", r ? r->id : 0);
    CHECK_EQ(raw(w, TERN_COAP_DELETE, loc, NULL, -1, NULL, 0), TERN_COAP_DELETED);
    CHECK_EQ(w->resp_count, 2);
    CHECK(w->last.err == TERN_ESTATE && w->last.final);
    world_free(w, false);
    free(w);
}

static void t_queue_mode(void)
{
    world *w = calloc(1, sizeof *w);
    world_init(w, false, false);
    CHECK_EQ(reg(w, Q("ep=q1", "lwm2m=1.1", "Q", "lt=100000"), LINKS), TERN_COAP_CREATED);
    char loc[32];
    strcpy(loc, w->loc);
    const tern_server_reg *r = tern_server_find(&w->srv, "q1");
    CHECK(r && r->queue && r->awake);
    tern_time_ms mtw = tern_coap_max_transmit_wait(&w->sep.link);
    w->now = mtw + 1;
    tern_coap_ep_step(&w->sep, w->now);
    tern_server_step(&w->srv, w->now);
    CHECK(r && !r->awake);
    CHECK_EQ(w->events[TERN_SRV_SLEEPING], 1);
    w->ans_code = TERN_COAP_CHANGED;
    w->ans_cf = -1;
    tern_op op;
    tern_op_init(&op, TERN_OPK_EXECUTE);
    op.path = tern_path_make(3, 3, 0, 4, 0);
    tern_server_handle h[3];
    int hits = w->client_hits;
    w->resp_count = 0;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(tern_server_request(&w->srv, "q1", &op, NULL, req_cb, w, &h[i]), 0);
    tern_server_req_opts to = {.timeout_ms = 5000};
    tern_server_handle ht;
    CHECK_EQ(tern_server_request(&w->srv, "q1", &op, &to, req_cb, w, &ht), 0);
    pump(w);
    CHECK_EQ(w->client_hits, hits); /* asleep: nothing sent */
    CHECK_EQ(tern_server_cancel(&w->srv, h[2], false), 0);
    CHECK(w->last.err == TERN_ECANCELED && w->last.handle == h[2]);
    w->now += 5000;
    tern_server_step(&w->srv, w->now);
    CHECK(w->last.err == TERN_ETIMEOUT && w->last.handle == ht);
    /* the client wakes with an Update: the queue drains, in order */
    w->resp_count = 0;
    CHECK_EQ(raw(w, TERN_COAP_POST, loc, NULL, -1, NULL, 0), TERN_COAP_CHANGED);
    pump(w);
    CHECK_EQ(w->client_hits, hits + 2);
    CHECK_EQ(w->resp_count, 2);
    CHECK(w->last.handle == h[1] && w->last.code == TERN_LC_CHANGED);
    /* bounded queue */
    w->now += mtw + 1;
    tern_server_step(&w->srv, w->now);
    int ok = 0, full = 0;
    for (int i = 0; i < 20; i++) {
        int rc = tern_server_request(&w->srv, "q1", &op, NULL, req_cb, w, &h[0]);
        ok += rc == 0;
        full += rc == TERN_EFULL;
    }
    CHECK_EQ(ok, 16);
    CHECK_EQ(full, 4);
    world_free(w, false);
    free(w);
}

static void t_send(void)
{
    world *w = calloc(1, sizeof *w);
    world_init(w, false, false);
    const char *doc = "[{\"bn\":\"/3303/0/\",\"n\":\"5700\",\"v\":21.5}]";
    CHECK_EQ(raw(w, TERN_COAP_POST, "/dp", NULL, TERN_CF_SENML_JSON, doc, strlen(doc)), TERN_COAP_NOT_FOUND);
    CHECK_EQ(reg(w, Q("ep=s1", "lwm2m=1.2"), LINKS), TERN_COAP_CREATED);
    CHECK_EQ(raw(w, TERN_COAP_POST, "/dp", NULL, TERN_CF_SENML_JSON, doc, strlen(doc)), TERN_COAP_CHANGED);
    CHECK_EQ(w->last_n, 1);
    CHECK(w->ents[0].path.ids[0] == 3303 && w->ents[0].path.ids[2] == 5700);
    CHECK(w->ents[0].value.v.f == 21.5);
    CHECK_EQ(raw(w, TERN_COAP_POST, "/dp", NULL, TERN_CF_TEXT, "1", 1), TERN_COAP_UNSUPPORTED_FORMAT);
    CHECK_EQ(raw(w, TERN_COAP_POST, "/dp", NULL, TERN_CF_SENML_JSON, "[{", 2), TERN_COAP_BAD_REQUEST);
    const char *other = "[{\"n\":\"/9999/0/1\",\"v\":1}]";
    CHECK_EQ(raw(w, TERN_COAP_POST, "/dp", NULL, TERN_CF_SENML_JSON, other, strlen(other)), TERN_COAP_NOT_FOUND);
    CHECK_EQ(raw(w, TERN_COAP_GET, "/dp", NULL, -1, NULL, 0), TERN_COAP_METHOD_NOT_ALLOWED);
    CHECK_EQ(raw(w, TERN_COAP_POST, "/xx", NULL, -1, NULL, 0), TERN_COAP_NOT_FOUND);
    world_free(w, false);
    free(w);
}

static void t_store_roundtrip(void)
{
    world *w = calloc(1, sizeof *w);
    world_init(w, true, false);
    CHECK_EQ(reg(w, Q("ep=a", "lt=500", "lwm2m=1.1", "sms=3312345"), LINKS), TERN_COAP_CREATED);
    CHECK_EQ(reg(w, Q("ep=b", "lwm2m=1.0", "b=UQ"), "</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/1/0>"), TERN_COAP_CREATED);
    uint32_t ida = tern_server_find(&w->srv, "a")->id;
    /* an observation is stored once accepted */
    w->ans_code = TERN_COAP_CONTENT;
    w->ans_cf = TERN_CF_TEXT;
    memcpy(w->ans_body, "5", 1);
    w->ans_len = 1;
    tern_op op;
    tern_op_init(&op, TERN_OPK_OBSERVE);
    op.path = tern_path_make(3, 3, 0, 9, 0);
    CHECK_EQ(tern_server_request(&w->srv, "a", &op, NULL, req_cb, w, NULL), 0);
    pump(w);
    CHECK_EQ(w->store.count, 3);
    world_free(w, true);
    size_t sc = w->store.count;
    world_init(w, true, true);
    CHECK_EQ(w->store.count, sc);
    CHECK_EQ(tern_server_count(&w->srv), 2);
    CHECK_EQ(w->events[TERN_SRV_RESTORED], 2);
    const tern_server_reg *a = tern_server_find(&w->srv, "a");
    const tern_server_reg *b = tern_server_find(&w->srv, "b");
    CHECK(a && a->id == ida && a->lifetime_s == 500 && a->sms && strcmp(a->sms, "3312345") == 0 && a->n_objs == 4);
    CHECK(b && b->queue && b->alt_path && strcmp(b->alt_path, "/lwm2m") == 0);
    /* the restored observation is re-sent when the client updates */
    char loc[32];
    snprintf(loc, sizeof loc, "/rd/%x", ida);
    int hits = w->client_hits;
    w->ans_code = TERN_COAP_CONTENT;
    CHECK_EQ(raw(w, TERN_COAP_POST, loc, NULL, -1, NULL, 0), TERN_COAP_CHANGED);
    pump(w);
    CHECK_EQ(w->client_hits, hits + 1);
    CHECK_STR(w->last_path, "/3/0/9");
    world_free(w, false);
    CHECK_EQ(allocated, 0);
    free(w);
}

int main(void)
{
    TRUN(t_register_rows);
    TRUN(t_update_dereg);
    TRUN(t_replace_expire);
    TRUN(t_requests);
    TRUN(t_queue_mode);
    TRUN(t_send);
    TRUN(t_store_roundtrip);
    return tdone();
}
