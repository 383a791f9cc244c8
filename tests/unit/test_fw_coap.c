/* The CoAP firmware downloader (src/client/fw_coap_download.c): a device
 * endpoint and a fake firmware server over simnet (virtual clock). The
 * Firmware Update object pulls a 300 KB image block-wise and must end in
 * Downloaded with exactly the served bytes; failures give the Update
 * Results of object 5 (4, 7, 9, 10). */
#include <stdlib.h>

#include "sim/simnet.h"
#include "tern/dm.h"
#include "tern/objects.h"
#include "tharness.h"

#define IMG_LEN (300u * 1024u + 123u)

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
    CHECK_EQ(tern_coap_ep_init(&nd->ep, cfg, nd->mem, need), 0);
}
static void node_fini(node *nd)
{
    tern_coap_ep_deinit(&nd->ep);
    free(nd->mem);
}

/* ---- the firmware server: GET /fw/img v1.bin?v=2 serves the image ---- */
static uint8_t image[IMG_LEN];
static int srv_gets;
static int srv_code; /* 0: serve, else answer this code */
static char srv_path[64], srv_query[32], srv_host[32];

static int srv_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    (void)ctx;
    srv_gets++;
    CHECK_EQ(req->msg->code, TERN_COAP_GET);
    (void)tern_coap_uri_path_str(req->msg, srv_path, sizeof srv_path);
    const tern_coap_opt *q = tern_coap_opt_get(req->msg, TERN_COAP_OPT_URI_QUERY);
    snprintf(srv_query, sizeof srv_query, "%.*s", q ? (int)q->len : 0, q ? (const char *)q->val : "");
    const tern_coap_opt *h = tern_coap_opt_get(req->msg, TERN_COAP_OPT_URI_HOST);
    snprintf(srv_host, sizeof srv_host, "%.*s", h ? (int)h->len : 0, h ? (const char *)h->val : "");
    if (srv_code) {
        resp->msg.code = (uint8_t)srv_code;
        return TERN_OK;
    }
    resp->msg.code = TERN_COAP_CONTENT;
    resp->window = true;
    uint32_t off = req->b2_offset;
    size_t n = off < IMG_LEN ? IMG_LEN - off : 0;
    if (n > req->b2_size)
        n = req->b2_size;
    resp->msg.payload = image + off;
    resp->msg.payload_len = n;
    resp->more = off + n < IMG_LEN;
    resp->total = IMG_LEN;
    return TERN_OK;
}

/* ---- the device: dm + Firmware Update object + the downloader ---- */
static simnet net;
static node dev, srv;
static tern_dm dm;
static uint8_t work[2048];
static tern_fw fw;
static tern_fw_coap_dl dl;
static uint8_t got[IMG_LEN + 16];
static size_t got_len;
static int kicks;
static tern_fw_coap_host seen_host;
static char seen_name[64];
static uint8_t out[512];

static int s_open(void *c, uint32_t total) { (void)c; (void)total; got_len = 0; return 0; }
static int s_write(void *c, uint32_t off, const uint8_t *d, size_t n)
{
    (void)c;
    if (off + n > sizeof got)
        return TERN_FW_RESULT_NO_FLASH;
    memcpy(got + off, d, n);
    got_len = off + n;
    return 0;
}
static int s_close(void *c) { (void)c; return 0; }
static void s_discard(void *c) { (void)c; }

static int resolve(void *ctx, const tern_fw_coap_host *h, tern_coap_peer *peer)
{
    (void)ctx;
    seen_host = *h;
    snprintf(seen_name, sizeof seen_name, "%s", h->name);
    if (strcmp(h->name, "nowhere.example") == 0)
        return TERN_ENOTFOUND;
    *peer = simnet_peer(srv.id); /* every host is the fake server */
    return TERN_OK;
}
static void kick(void *ctx) { (void)ctx; kicks++; }

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void setup(uint16_t block, uint32_t timeout_ms)
{
    simnet_init(&net, 7);
    tern_coap_ep_cfg dc = {0}, sc = {0};
    node_init(&dev, &net, &dc, 11);
    sc.handler = srv_handler;
    node_init(&srv, &net, &sc, 12);
    srv_gets = 0;
    srv_code = 0;
    srv_path[0] = srv_query[0] = srv_host[0] = 0;
    got_len = 0;
    kicks = 0;
    tern_dm_cfg c = {.work = work, .work_len = sizeof work};
    CHECK_EQ(tern_dm_init(&dm, &c), TERN_OK);
    tern_fw_coap_dl_cfg kc = {.ep = &dev.ep, .resolve = resolve, .kick = kick, .block_size = block,
                              .timeout_ms = timeout_ms};
    CHECK_EQ(tern_fw_coap_dl_init(&dl, &kc), TERN_OK);
    tern_fw_cfg fc = {.open = s_open, .write = s_write, .close = s_close, .discard = s_discard,
                      .downloader = tern_fw_coap_dl_downloader(&dl),
                      .protocols = TERN_FW_PROTO_COAP | TERN_FW_PROTO_COAPS};
    CHECK_EQ(tern_fw_init(&fw, &fc), TERN_OK);
    CHECK_EQ(tern_dm_add(&dm, tern_fw_obj(&fw)), TERN_OK);
}
static void teardown(void)
{
    node_fini(&dev);
    node_fini(&srv);
    simnet_free(&net);
}

/* The server writes the Package URI (a Write to /5/0/1 in text). */
static int write_uri(const char *u)
{
    tern_op op;
    tern_op_init(&op, TERN_OPK_WRITE_REPLACE);
    op.ssid = 1;
    op.path = tern_path_make(3, 5, 0, 1, 0);
    op.content_format = TERN_CF_TEXT;
    op.payload = (tern_bytes){(const uint8_t *)u, strlen(u)};
    tern_op_result res;
    int code = tern_dm_handle(&dm, &op, out, sizeof out, 0, &res);
    simnet_poke(&net, dev.id);
    return code;
}

static bool not_downloading(void *ctx)
{
    (void)ctx;
    return tern_fw_state_get(&fw) != TERN_FW_DOWNLOADING;
}

static void run(void)
{
    simnet_run(&net, 10000000, not_downloading, NULL);
}

static void test_pull_300k(void)
{
    for (size_t i = 0; i < IMG_LEN; i++)
        image[i] = (uint8_t)(i * 7u + (i >> 9));
    static const uint16_t sizes[] = {0, 256};
    for (size_t k = 0; k < TERN_ARRAY_LEN(sizes); k++) {
        setup(sizes[k], 0);
        CHECK_EQ(write_uri("coap://fw.example:5700/fw/img%20v1.bin?v=2"), TERN_LC_CHANGED);
        CHECK_EQ(tern_fw_state_get(&fw), TERN_FW_DOWNLOADING);
        CHECK(tern_fw_coap_dl_busy(&dl));
        CHECK_EQ(kicks, 1);
        run();
        CHECK_EQ(tern_fw_state_get(&fw), TERN_FW_DOWNLOADED);
        CHECK_EQ(tern_fw_result_get(&fw), TERN_FW_RESULT_INITIAL);
        CHECK(!tern_fw_coap_dl_busy(&dl));
        CHECK_EQ(got_len, (size_t)IMG_LEN);
        CHECK_EQ(fnv(got, got_len), fnv(image, IMG_LEN));
        CHECK_MEM(got, image, IMG_LEN);
        uint32_t bs = sizes[k] ? sizes[k] : 1024;
        CHECK_EQ(srv_gets, (int)((IMG_LEN + bs - 1) / bs));
        CHECK_STR(srv_path, "/fw/img v1.bin");
        CHECK_STR(srv_query, "v=2");
        CHECK_STR(srv_host, "fw.example");
        CHECK_STR(seen_name, "fw.example");
        CHECK_EQ(seen_host.port, 5700);
        CHECK_EQ(seen_host.ip_len, 0);
        teardown();
    }
}

/* Under loss and reordering the endpoint retransmits; the image is exact. */
static void test_pull_lossy(void)
{
    setup(512, 0);
    net.loss_pm = 100;
    net.delay_min_ms = 5;
    net.delay_max_ms = 60;
    CHECK_EQ(write_uri("coap://192.0.2.7/fw.bin"), TERN_LC_CHANGED);
    run();
    CHECK_EQ(tern_fw_state_get(&fw), TERN_FW_DOWNLOADED);
    CHECK_EQ(got_len, (size_t)IMG_LEN);
    CHECK_MEM(got, image, IMG_LEN);
    CHECK_EQ(seen_host.ip_len, 4);
    CHECK_MEM(seen_host.ip, "\xc0\x00\x02\x07", 4);
    CHECK_EQ(seen_host.port, 5683);
    CHECK_STR(srv_host, ""); /* no Uri-Host for a literal */
    teardown();
}

static void test_literals(void)
{
    static const struct {
        const char *uri;
        uint8_t ip[16];
        uint16_t port;
    } rows[] = {
        {"coap://[::1]/a", {[15] = 1}, 5683},
        {"coap://[2001:db8::7:1]:7000/a", {0x20, 0x01, 0x0d, 0xb8, [13] = 7, [15] = 1}, 7000},
        {"coap://[::ffff:192.0.2.1]:/a", {[10] = 0xff, [11] = 0xff, 192, 0, 2, 1}, 5683},
        {"coap://[1:2:3:4:5:6:7:8]", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}, 5683},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(rows); i++) {
        setup(0, 0);
        srv_code = TERN_COAP_CODE(4, 4);
        CHECK_EQ(write_uri(rows[i].uri), TERN_LC_CHANGED);
        CHECK_EQ(seen_host.ip_len, 16);
        CHECK_MEM(seen_host.ip, rows[i].ip, 16);
        CHECK_EQ(seen_host.port, rows[i].port);
        run();
        teardown();
    }
}

/* Update Results of failed downloads (object 5 resource 5). */
static void test_failures(void)
{
    static const struct {
        const char *uri;
        int code;        /* server answer */
        int result;
        bool reached;    /* the server saw a request */
    } rows[] = {
        {"coap://h/none", TERN_COAP_CODE(4, 4), TERN_FW_RESULT_INVALID_URI, true},
        {"coap://h/none", TERN_COAP_CODE(4, 1), TERN_FW_RESULT_INVALID_URI, true},
        {"coap://h/fw", TERN_COAP_CODE(5, 3), TERN_FW_RESULT_CONN_LOST, true},
        {"coaps://h/fw", 0, TERN_FW_RESULT_UNSUPPORTED_PROTOCOL, false},
        {"coap://nowhere.example/fw", 0, TERN_FW_RESULT_INVALID_URI, false},
        {"coap://[::1/fw", 0, TERN_FW_RESULT_INVALID_URI, false},
        {"coap://[1::2::3]/fw", 0, TERN_FW_RESULT_INVALID_URI, false},
        {"coap://h:99999/fw", 0, TERN_FW_RESULT_INVALID_URI, false},
        {"coap://h:12a/fw", 0, TERN_FW_RESULT_INVALID_URI, false},
        {"coap://user@h/fw", 0, TERN_FW_RESULT_INVALID_URI, false},
        {"coap://h/fw#frag", 0, TERN_FW_RESULT_INVALID_URI, false},
        {"coap://h/f%zzw", 0, TERN_FW_RESULT_INVALID_URI, false},
        {"coap://h/f%2", 0, TERN_FW_RESULT_INVALID_URI, false},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(rows); i++) {
        setup(0, 0);
        srv_code = rows[i].code;
        CHECK_EQ(write_uri(rows[i].uri), TERN_LC_CHANGED);
        run();
        CHECK_EQ(tern_fw_state_get(&fw), TERN_FW_IDLE);
        CHECK_EQ(tern_fw_result_get(&fw), rows[i].result);
        CHECK_EQ(srv_gets > 0, rows[i].reached);
        CHECK(!tern_fw_coap_dl_busy(&dl));
        if (t_cur_failed) {
            fprintf(stderr, "  row %zu: %s\n", i, rows[i].uri);
            t_cur_failed = 0;
            t_failed_tests++;
        }
        teardown();
    }
}

static bool half_way(void *ctx)
{
    (void)ctx;
    return got_len >= IMG_LEN / 2;
}

/* A server that goes silent mid-transfer: Connection lost (4). */
static bool drop_all(void *ctx, int from, int to, const uint8_t *b, size_t n)
{
    (void)ctx; (void)from; (void)to; (void)b; (void)n;
    return true;
}
static void test_timeout(void)
{
    setup(0, 5000);
    CHECK_EQ(write_uri("coap://h/fw"), TERN_LC_CHANGED);
    simnet_run(&net, 10000000, half_way, NULL);
    CHECK_EQ(tern_fw_state_get(&fw), TERN_FW_DOWNLOADING);
    net.filter = drop_all;
    run();
    CHECK_EQ(tern_fw_state_get(&fw), TERN_FW_IDLE);
    CHECK_EQ(tern_fw_result_get(&fw), TERN_FW_RESULT_CONN_LOST);
    CHECK(!tern_fw_coap_dl_busy(&dl));
    teardown();
}

/* Cancel (5/0/10) mid-transfer stops the requests: result 10. */
static void test_cancel(void)
{
    setup(0, 0);
    CHECK_EQ(write_uri("coap://h/fw"), TERN_LC_CHANGED);
    simnet_run(&net, 10000000, half_way, NULL);
    tern_op op;
    tern_op_init(&op, TERN_OPK_EXECUTE);
    op.ssid = 1;
    op.path = tern_path_make(3, 5, 0, 10, 0);
    tern_op_result res;
    CHECK_EQ(tern_dm_handle(&dm, &op, out, sizeof out, 0, &res), TERN_LC_CHANGED);
    simnet_poke(&net, dev.id);
    CHECK(!tern_fw_coap_dl_busy(&dl));
    CHECK_EQ(tern_fw_state_get(&fw), TERN_FW_IDLE);
    CHECK_EQ(tern_fw_result_get(&fw), TERN_FW_RESULT_CANCELLED);
    int gets = srv_gets;
    simnet_run(&net, net.now + 600000, NULL, NULL);
    CHECK(srv_gets <= gets + 1); /* at most the block already in flight */
    CHECK_EQ(tern_fw_result_get(&fw), TERN_FW_RESULT_CANCELLED);
    /* a new URI starts again from the beginning */
    CHECK_EQ(write_uri("coap://h/fw"), TERN_LC_CHANGED);
    run();
    CHECK_EQ(tern_fw_state_get(&fw), TERN_FW_DOWNLOADED);
    CHECK_MEM(got, image, IMG_LEN);
    teardown();
}

static void test_init_args(void)
{
    tern_coap_ep ep;
    tern_fw_coap_dl d;
    tern_fw_coap_dl_cfg c = {.ep = &ep, .resolve = resolve};
    CHECK_EQ(tern_fw_coap_dl_init(&d, &c), TERN_OK);
    c.block_size = 2048;
    CHECK_EQ(tern_fw_coap_dl_init(&d, &c), TERN_EINVAL);
    c.block_size = 100;
    CHECK_EQ(tern_fw_coap_dl_init(&d, &c), TERN_EINVAL);
    c.block_size = 16;
    CHECK_EQ(tern_fw_coap_dl_init(&d, &c), TERN_OK);
    c.resolve = NULL;
    CHECK_EQ(tern_fw_coap_dl_init(&d, &c), TERN_EINVAL);
}

int main(void)
{
    TRUN(test_pull_300k);
    TRUN(test_pull_lossy);
    TRUN(test_literals);
    TRUN(test_failures);
    TRUN(test_timeout);
    TRUN(test_cancel);
    TRUN(test_init_args);
    return tdone();
}
