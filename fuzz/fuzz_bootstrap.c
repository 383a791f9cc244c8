/* Fuzz target: the Bootstrap-Server engine behind its CoAP endpoint, driven
 * by a hostile device. The input is a list of chunks [op, len, bytes...]:
 *   op & 3 == 0: feed the bytes as a datagram from the device;
 *   op & 3 == 1: answer the last request the engine sent (token and MID
 *                copied) with code bytes[0], Content-Format bytes[1]
 *                (link format, TLV, SenML CBOR/JSON, LwM2M CBOR or none)
 *                and the rest as payload — reaches the Discover parser,
 *                the Read decoder and the step/code checks;
 *   op & 3 == 2: a Bootstrap-Request / Pack-Request with the bytes as
 *                query ("ep=dev&pct=..", split at '&');
 *   op & 3 == 3: server-initiated start, then advance the clock by
 *                bytes[0] * 1000 ms and step.
 * Invariants: never more sessions than configured, never more records than
 * sessions opened + packs served + requests, no crash/leak/UB. */
#include <stdlib.h>
#include <string.h>

#include "tern/bootstrap.h"

static const uint8_t key[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const tern_bs_security sec = {.iid = 1, .uri = "coap://dm", .mode = TERN_BS_SEC_PSK,
                                     .identity = {key, 3}, .secret_key = {key, 8}, .ssid = 101,
                                     .hold_off = -1, .bs_timeout = -1, .cert_usage = -1};
static const tern_bs_server srv = {.iid = 0, .ssid = 101, .lifetime = 60, .pmin = -1, .pmax = -1,
                                   .disable_timeout = -1, .binding = "U"};
static const tern_bs_acl_entry acle[] = {{101, 15}};
static const tern_bs_acl acl = {.iid = 0, .oid = 1, .oiid = 0, .entries = acle, .n_entries = 1, .owner = 101};

typedef struct fz {
    tern_coap_ep ep;
    tern_bs bs;
    tern_xrng rng;
    uint8_t last[1152];
    size_t last_len;
    size_t records;
} fz;

static int fz_send(void *ctx, const tern_coap_peer *peer, const uint8_t *b, size_t n)
{
    (void)peer;
    fz *f = ctx;
    tern_coap_msg m;
    /* keep the last request the engine sent (responses are answered by ep) */
    if (tern_coap_decode_udp(&m, b, n, NULL) == 0 && tern_coap_is_request(m.code) && n <= sizeof f->last) {
        memcpy(f->last, b, n);
        f->last_len = n;
    }
    return 0;
}

static void fz_record(void *ctx, const tern_bs_record *r)
{
    fz *f = ctx;
    f->records++;
    if (r->n_steps > TERN_BS_MAX_STEP_RECORDS || r->n_steps > r->n_steps_total + 1 || !r->reason)
        abort();
}

static const int32_t cfs[] = {-1, TERN_CF_LINK, TERN_CF_TLV, TERN_CF_SENML_CBOR, TERN_CF_SENML_JSON,
                              TERN_CF_LWM2M_CBOR, TERN_CF_TEXT, TERN_CF_OPAQUE};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t ep_mem[1 << 17] __attribute__((aligned(8)));
    static uint8_t bs_mem[1 << 16] __attribute__((aligned(8)));
    tern_bs_item items[7];
    items[0] = (tern_bs_item){.kind = TERN_BS_ITEM_DISCOVER, .path = tern_path_root()};
    items[1] = (tern_bs_item){.kind = TERN_BS_ITEM_READ, .path = tern_path_make(1, 2, 0, 0, 0)};
    items[2] = (tern_bs_item){.kind = TERN_BS_ITEM_DELETE, .path = tern_path_make(1, 0, 0, 0, 0)};
    items[3] = (tern_bs_item){.kind = TERN_BS_ITEM_SECURITY, .u.security = &sec};
    items[4] = (tern_bs_item){.kind = TERN_BS_ITEM_SERVER, .u.server = &srv};
    items[5] = (tern_bs_item){.kind = TERN_BS_ITEM_ACL, .u.acl = &acl};
    items[6] = (tern_bs_item){.kind = TERN_BS_ITEM_DELETE, .path = tern_path_make(2, 1, 0, 0, 0)};
    tern_bs_config cfg = {.endpoint = "dev", .steps = items, .n_steps = 7, .content_format = TERN_CF_NONE};
    const tern_bs_config *cfgs[1] = {&cfg};
    tern_bs_mem_store ms = {cfgs, 1};

    static fz f;
    memset(&f, 0, sizeof f);
    tern_xrng_seed(&f.rng, 1);
    tern_coap_ep_cfg ec;
    memset(&ec, 0, sizeof ec);
    ec.rng = tern_xrng_as_rng(&f.rng);
    ec.send = fz_send;
    ec.send_ctx = &f;
    ec.handler = tern_bs_coap_handler;
    ec.handler_ctx = &f.bs;
    ec.block_szx = 4;
    if (tern_coap_ep_mem_size(&ec) > sizeof ep_mem || tern_coap_ep_init(&f.ep, &ec, ep_mem, sizeof ep_mem) != 0)
        abort();
    tern_bs_cfg bc;
    memset(&bc, 0, sizeof bc);
    bc.ep = &f.ep;
    bc.store = tern_bs_mem_store_iface(&ms);
    bc.on_record = fz_record;
    bc.record_ctx = &f;
    bc.max_sessions = 2;
    bc.max_payload = 2048;
    bc.step_timeout_ms = 30000;
    if (tern_bs_init(&f.bs, &bc, bs_mem, sizeof bs_mem) != 0)
        abort();

    tern_coap_peer dev;
    tern_coap_peer_make(&dev, "dev", 3);
    tern_time_ms now = 0;
    size_t events = 0;
    uint16_t mid = 1;
    while (size >= 2) {
        uint8_t op = data[0];
        size_t len = TERN_MIN((size_t)data[1], size - 2);
        const uint8_t *b = data + 2;
        data += 2 + len;
        size -= 2 + len;
        events++;
        switch (op & 3) {
        case 0:
            tern_coap_ep_feed(&f.ep, &dev, b, len, now);
            break;
        case 1: {
            tern_coap_msg req, resp;
            if (!f.last_len || tern_coap_decode_udp(&req, f.last, f.last_len, NULL) != 0)
                break;
            tern_coap_msg_init(&resp, TERN_COAP_ACK, len > 0 ? b[0] : TERN_COAP_CONTENT, req.mid);
            tern_coap_msg_set_token(&resp, req.token, req.token_len);
            uint8_t sc[4];
            int32_t cf = len > 1 ? cfs[b[1] % TERN_ARRAY_LEN(cfs)] : -1;
            if (cf >= 0)
                tern_coap_opt_add_uint(&resp, TERN_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf, sc);
            if (len > 2) {
                resp.payload = b + 2;
                resp.payload_len = len - 2;
            }
            uint8_t out[1400];
            int n = tern_coap_encode_udp(&resp, out, sizeof out);
            if (n > 0)
                tern_coap_ep_feed(&f.ep, &dev, out, (size_t)n, now);
            break;
        }
        case 2: {
            tern_coap_msg m;
            tern_coap_msg_init(&m, TERN_COAP_CON, (op & 4) ? TERN_COAP_GET : TERN_COAP_POST, mid++);
            tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_PATH, (op & 4) ? "bspack" : "bs");
            size_t s = 0;
            for (size_t i = 0; i <= len && m.opt_count < 8; i++) {
                if (i == len || b[i] == '&') {
                    tern_coap_opt_add(&m, TERN_COAP_OPT_URI_QUERY, b + s, i - s);
                    s = i + 1;
                }
            }
            uint8_t sc[4];
            if (op & 8)
                tern_coap_opt_add_uint(&m, TERN_COAP_OPT_ACCEPT, (op & 16) ? TERN_CF_SENML_ETCH_CBOR : 112, sc);
            uint8_t out[1400];
            int n = tern_coap_encode_udp(&m, out, sizeof out);
            if (n > 0)
                tern_coap_ep_feed(&f.ep, &dev, out, (size_t)n, now);
            break;
        }
        default:
            if (op & 4)
                (void)tern_bs_start(&f.bs, "dev", &dev, now);
            now += (len > 0 ? b[0] : 1) * 1000;
            break;
        }
        tern_coap_ep_step(&f.ep, now);
        tern_bs_step(&f.bs, now);
        if (tern_bs_active(&f.bs) > 2)
            abort();
    }
    /* run every timer out: every session must end */
    for (int i = 0; i < 64 && tern_bs_active(&f.bs) > 0; i++) {
        now += 60000;
        tern_coap_ep_step(&f.ep, now);
        tern_bs_step(&f.bs, now);
    }
    if (tern_bs_active(&f.bs) != 0)
        abort();
    if (f.records > 2 * events + 2)
        abort();
    tern_bs_deinit(&f.bs);
    tern_coap_ep_deinit(&f.ep);
    return 0;
}
