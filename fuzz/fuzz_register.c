/* Fuzz the registration path: input = query options (split at '\n', up to
 * the first 0 byte) + link-format payload (after it), delivered as
 * POST /rd, then POST/DELETE on the location. Invariants: no crash, every
 * allocation returned, the count matches the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/server.h"

static size_t live;
static void *a_alloc(void *c, size_t n) { (void)c; live += n; return malloc(n); }
static void a_free(void *c, void *p, size_t n) { (void)c; live -= n; free(p); }
static int snd(void *c, const tern_coap_peer *p, const uint8_t *b, size_t n) { (void)c, (void)p, (void)b, (void)n; return 0; }

static void post(tern_coap_ep *ep, const char *path, const uint8_t *q, size_t qn, const uint8_t *pl, size_t pn,
                 uint8_t code, uint16_t mid)
{
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, code, mid);
    tern_coap_msg_set_token(&m, (const uint8_t *)"tk", 2);
    tern_coap_opt_add_uri_path(&m, path);
    size_t s = 0;
    for (size_t i = 0; q && qn && i <= qn; i++)
        if (i == qn || q[i] == '\n') {
            if (tern_coap_opt_add(&m, TERN_COAP_OPT_URI_QUERY, q + s, i - s) < 0)
                break;
            s = i + 1;
        }
    m.payload = pl;
    m.payload_len = pn;
    static uint8_t out[70000];
    int n = tern_coap_encode_udp(&m, out, sizeof out);
    tern_coap_peer peer;
    tern_coap_peer_make(&peer, "P", 1);
    if (n > 0)
        tern_coap_ep_feed(ep, &peer, out, (size_t)n, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *z = memchr(data, 0, size);
    size_t qn = z ? (size_t)(z - data) : size;
    const uint8_t *pl = z ? z + 1 : data + size;
    size_t pn = z ? size - qn - 1 : 0;
    tern_alloc al = {a_alloc, a_free, NULL};
    tern_xrng x;
    tern_xrng_seed(&x, 7);
    tern_server srv;
    tern_store_mem st;
    tern_store_mem_init(&st, &al);
    tern_coap_ep_cfg ec = {.rng = tern_xrng_as_rng(&x), .send = snd, .handler = tern_server_coap_handler,
                           .handler_ctx = &srv, .max_msg_size = 1152};
    size_t ms = tern_coap_ep_mem_size(&ec);
    void *mem = aligned_alloc(8, (ms + 7) & ~(size_t)7);
    tern_coap_ep ep;
    tern_coap_ep_init(&ep, &ec, mem, ms);
    tern_server_cfg sc = {.ep = &ep, .alloc = al, .rng = tern_xrng_as_rng(&x), .store = tern_store_mem_as_store(&st),
                          .max_payload = 4096};
    if (tern_server_init(&srv, &sc, 0) == 0) {
        post(&ep, "/rd", data, qn, pl, pn, TERN_COAP_POST, 1);
        if (srv.count != st.count)
            abort();
        if (srv.count == 1) {
            char loc[16];
            for (uint32_t b = 0; b < srv.n_buckets; b++)
                if (srv.by_id[b]) {
                    snprintf(loc, sizeof loc, "/rd/%x", srv.by_id[b]->id);
                    post(&ep, loc, data, qn, pl, pn, TERN_COAP_POST, 2);
                    post(&ep, loc, NULL, 0, NULL, 0, TERN_COAP_DELETE, 3);
                    break;
                }
            if (srv.count != 0 || st.count != 0)
                abort();
        }
        tern_server_step(&srv, 1000000000);
        tern_server_deinit(&srv);
    }
    tern_coap_ep_deinit(&ep);
    free(mem);
    tern_store_mem_deinit(&st);
    if (live != 0)
        abort();
    return 0;
}
