/* Arbitrary datagrams at arbitrary times into a server endpoint with a few
 * resources (plain, Block1 upload, Block2 body, observable, deferred, Echo).
 * Input: records of [peer:1][dt:1][len:2 BE][bytes]; after each record the
 * clock advances and the endpoint steps; sometimes a notification is sent.
 * The endpoint is also a client with a request in flight, so responses are
 * matched too. No crash, no leak, no read past a buffer. */
#include <stdlib.h>
#include <string.h>

#include "tern/coap_ep.h"

static uint8_t big[2500];
static tern_coap_handle deferred;

static int sink(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    (void)ctx;
    (void)peer;
    (void)b;
    (void)n;
    return 0;
}

static int handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    (void)ctx;
    char path[32];
    if (tern_coap_uri_path_str(req->msg, path, sizeof path) < 0)
        return TERN_EINVAL;
    if (!strcmp(path, "/big")) {
        resp->msg.payload = big;
        resp->msg.payload_len = sizeof big;
    } else if (!strcmp(path, "/up")) {
        resp->msg.code = req->b1_more ? TERN_COAP_CONTINUE : TERN_COAP_CHANGED;
    } else if (!strcmp(path, "/obs")) {
        resp->observe_key = "o";
        resp->observe_key_len = 1;
    } else if (!strcmp(path, "/slow")) {
        if (tern_coap_defer(req->ep, req, &deferred) == TERN_OK)
            return TERN_INPROGRESS;
    } else if (!strcmp(path, "/fresh") && !req->fresh) {
        resp->challenge = true;
    } else {
        resp->msg.code = TERN_COAP_NOT_FOUND;
    }
    return TERN_OK;
}

static void on_result(void *ctx, tern_coap_ep *ep, const tern_coap_result *r)
{
    (void)ctx;
    (void)ep;
    (void)r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint64_t mem[1 << 15];
    tern_xrng x;
    tern_xrng_seed(&x, 42);
    tern_coap_ep_cfg cfg = {.rng = tern_xrng_as_rng(&x), .send = sink, .handler = handler, .max_body = 4000,
                            .max_exchanges = 8, .max_dedup = 16, .max_observers = 4, .max_block1 = 2};
    size_t need = tern_coap_ep_mem_size(&cfg);
    if (need > sizeof mem)
        abort();
    tern_coap_ep ep;
    if (tern_coap_ep_init(&ep, &cfg, mem, sizeof mem) != TERN_OK)
        abort();
    tern_coap_peer peers[3];
    for (int i = 0; i < 3; i++) {
        uint8_t a = (uint8_t)i;
        tern_coap_peer_make(&peers[i], &a, 1);
    }
    /* a client request and an observation towards peer 0 */
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    static const uint8_t tok[4] = {1, 2, 3, 4};
    tern_coap_msg_set_token(&m, tok, 4);
    static uint8_t rbuf[3000];
    tern_coap_req_opts o = {.observe = true, .resp_buf = rbuf, .resp_cap = sizeof rbuf};
    tern_coap_request(&ep, &peers[0], &m, &o, on_result, NULL, NULL);
    tern_coap_req_opts o2 = {.body = big, .body_len = sizeof big};
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_POST, 0);
    tern_coap_request(&ep, &peers[1], &m, &o2, on_result, NULL, NULL);
    tern_time_ms now = 0;
    size_t pos = 0;
    while (size - pos >= 4) {
        const tern_coap_peer *p = &peers[data[pos] % 3];
        uint8_t flags = data[pos];
        now += (tern_time_ms)data[pos + 1] * (flags & 0x80 ? 1000 : 10);
        size_t len = (size_t)data[pos + 2] << 8 | data[pos + 3];
        pos += 4;
        if (len > size - pos)
            len = size - pos;
        tern_coap_ep_step(&ep, now);
        tern_coap_ep_feed(&ep, p, data + pos, len, now);
        pos += len;
        if (flags & 0x40) {
            tern_coap_msg n;
            tern_coap_msg_init(&n, TERN_COAP_NON, (flags & 0x20) ? TERN_COAP_NOT_FOUND : TERN_COAP_CONTENT, 0);
            n.payload = big;
            n.payload_len = (flags & 0x10) ? sizeof big : 3;
            tern_coap_notify_opts no = {.con = (flags & 0x08) != 0};
            tern_coap_notify_key(&ep, "o", 1, &n, &no);
        }
        if ((flags & 0x04) && deferred) {
            tern_coap_msg r;
            tern_coap_msg_init(&r, TERN_COAP_CON, TERN_COAP_CONTENT, 0);
            tern_coap_respond(&ep, deferred, &r, false);
            deferred = 0;
        }
    }
    for (int i = 0; i < 50; i++) {
        now += 60000;
        tern_coap_ep_step(&ep, now);
    }
    tern_coap_ep_deinit(&ep);
    deferred = 0;
    return 0;
}
