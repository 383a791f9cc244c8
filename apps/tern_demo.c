/* tern-demo: the main job until the LwM2M server exists. A tern CoAP server
 * and a tern CoAP client, each its own endpoint on its own UDP socket on
 * 127.0.0.1, share one event loop in this process. The client does a GET, a
 * block-wise GET, a block-wise PUT and an observation, and the demo prints
 * each step with timings. It finishes by itself (every step is bounded). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/coap_ep.h"
#include "tern/coap_msg.h"
#include "tern/posix.h"

#define BIG_LEN 20480u
#define STEP_TIMEOUT_MS 10000

typedef struct side {
    tern_udp sock;
    tern_coap_ep ep;
    void *mem;
    tern_coap_udp run;
    tern_udp_addr addr;
} side;

typedef struct demo {
    tern_loop loop;
    side srv, cli;
    tern_coap_peer srv_peer;
    /* server state */
    uint8_t big[BIG_LEN];
    uint8_t *sink;
    size_t sink_len, sink_cap;
    uint32_t counter;
    tern_timer tick;
    /* the step in progress */
    tern_timer guard;
    bool step_done, timed_out;
    int err;
    uint8_t code;
    uint8_t *body;
    size_t body_len, body_cap;
    uint32_t blocks;
    uint32_t notifications;
    tern_coap_handle obs;
    bool cancelling;
    tern_time_ms t0;
    tern_time_ms note_at[8];
    char note_val[8][16];
} demo;

/* ---- server side ---- */

static const char counter_key[] = "counter";

static int handle(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    demo *d = ctx;
    char path[64];
    const tern_coap_msg *m = req->msg;
    if (tern_coap_uri_path_str(m, path, sizeof path) < 0)
        path[0] = '\0';
    if (strcmp(path, "/hello") == 0 && m->code == TERN_COAP_GET) {
        static const char hello[] = "Hello from tern";
        resp->msg.payload = (const uint8_t *)hello;
        resp->msg.payload_len = sizeof hello - 1;
        return TERN_OK;
    }
    if (strcmp(path, "/big") == 0 && m->code == TERN_COAP_GET) {
        resp->msg.payload = d->big; /* the endpoint cuts the Block2 window */
        resp->msg.payload_len = sizeof d->big;
        return TERN_OK;
    }
    if (strcmp(path, "/sink") == 0 && m->code == TERN_COAP_PUT) {
        size_t need = req->b1_offset + m->payload_len;
        if (req->b1_offset == 0)
            d->sink_len = 0;
        if (req->b1_offset != d->sink_len) {
            resp->msg.code = TERN_COAP_REQUEST_INCOMPLETE;
            return TERN_OK;
        }
        if (need > d->sink_cap) {
            uint8_t *nb = realloc(d->sink, need);
            if (!nb)
                return TERN_ENOMEM;
            d->sink = nb;
            d->sink_cap = need;
        }
        if (m->payload_len)
            memcpy(d->sink + req->b1_offset, m->payload, m->payload_len);
        d->sink_len = need;
        resp->msg.code = req->b1_more ? 0 : TERN_COAP_CHANGED; /* 0: 2.31 Continue */
        return TERN_OK;
    }
    if (strcmp(path, "/counter") == 0 && m->code == TERN_COAP_GET) {
        int n = snprintf((char *)resp->buf, resp->buf_cap, "%" PRIu32, d->counter);
        resp->msg.payload = resp->buf;
        resp->msg.payload_len = n > 0 ? (size_t)n : 0;
        if (req->observe == 0) {
            resp->observe_key = counter_key;
            resp->observe_key_len = sizeof counter_key - 1;
        }
        return TERN_OK;
    }
    resp->msg.code = TERN_COAP_NOT_FOUND;
    return TERN_OK;
}

static void on_tick(tern_loop *loop, tern_timer *t)
{
    demo *d = t->data;
    char text[16];
    int n = snprintf(text, sizeof text, "%" PRIu32, ++d->counter);
    tern_coap_msg content;
    tern_coap_msg_init(&content, TERN_COAP_NON, TERN_COAP_CONTENT, 0);
    content.payload = (const uint8_t *)text;
    content.payload_len = n > 0 ? (size_t)n : 0;
    tern_coap_notify_opts no = {.con = false};
    (void)tern_coap_notify_key(&d->srv.ep, counter_key, sizeof counter_key - 1, &content, &no);
    tern_coap_udp_kick(&d->srv.run);
    tern_timer_start(loop, t, 500);
}

/* ---- client side ---- */

static void on_guard(tern_loop *loop, tern_timer *t)
{
    demo *d = t->data;
    d->timed_out = true;
    tern_loop_stop(loop);
}

static void on_result(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    demo *d = ctx;
    (void)ep;
    if (res->err < 0) {
        if (!(d->cancelling && res->err == TERN_ECANCELED))
            d->err = res->err;
    } else if (res->msg) {
        d->code = res->msg->code;
        if (res->notification && !d->cancelling) {
            if (d->notifications < 8) {
                d->note_at[d->notifications] = tern_posix_now_ms() - d->t0;
                snprintf(d->note_val[d->notifications], sizeof d->note_val[0], "%.*s",
                         (int)TERN_MIN(res->data_len, 15u), (const char *)res->data);
            }
            d->notifications++;
            if (d->notifications == 3) {
                d->cancelling = true;
                (void)tern_coap_observe_cancel(&d->cli.ep, d->obs); /* GET with Observe = 1 */
            }
        } else if (!d->cancelling && res->data_len && res->offset + res->data_len <= d->body_cap) {
            memcpy(d->body + res->offset, res->data, res->data_len);
            if (res->offset + res->data_len > d->body_len)
                d->body_len = res->offset + res->data_len;
            d->blocks++;
        }
    }
    if (res->final) {
        d->step_done = true;
        tern_loop_stop(&d->loop);
    }
}

/* Sends one request and runs the loop until its final callback (bounded). */
static int do_request(demo *d, uint8_t method, const char *path, const tern_coap_req_opts *opts_in)
{
    tern_coap_msg req;
    tern_coap_msg_init(&req, TERN_COAP_CON, method, 0);
    if (tern_coap_opt_add_uri_path(&req, path) < 0)
        return TERN_EINVAL;
    tern_coap_req_opts opts = *opts_in;
    d->step_done = d->timed_out = d->cancelling = false;
    d->err = 0;
    d->code = 0;
    d->body_len = 0;
    d->blocks = 0;
    d->notifications = 0;
    d->t0 = tern_posix_now_ms();
    int rc = tern_coap_request(&d->cli.ep, &d->srv_peer, &req, &opts, on_result, d, &d->obs);
    if (rc < 0)
        return rc;
    tern_coap_udp_kick(&d->cli.run);
    tern_timer_start(&d->loop, &d->guard, STEP_TIMEOUT_MS);
    while (!d->step_done && !d->timed_out)
        if (tern_loop_run(&d->loop) < 0)
            return TERN_EIO;
    tern_timer_stop(&d->guard);
    if (d->timed_out) {
        (void)tern_coap_cancel(&d->cli.ep, d->obs);
        return TERN_ETIMEOUT;
    }
    return d->err;
}

static int side_open(demo *d, side *s, tern_coap_ep_cfg *cfg)
{
    tern_udp_addr local;
    (void)tern_udp_addr_parse(&local, "127.0.0.1", 0);
    if (tern_udp_open(&s->sock, &local, 0) < 0 || tern_udp_local(&s->sock, &s->addr) < 0)
        return TERN_EIO;
    cfg->rng = tern_posix_rng();
    cfg->send = tern_posix_coap_send;
    cfg->send_ctx = &s->sock;
    size_t need = tern_coap_ep_mem_size(cfg);
    s->mem = aligned_alloc(8, (need + 7u) & ~(size_t)7u);
    if (!s->mem)
        return TERN_ENOMEM;
    int rc = tern_coap_ep_init(&s->ep, cfg, s->mem, need);
    if (rc < 0)
        return rc;
    return tern_coap_udp_start(&s->run, &d->loop, &s->sock, &s->ep);
}

static void side_close(side *s)
{
    if (s->mem) {
        tern_coap_udp_stop(&s->run);
        tern_coap_ep_deinit(&s->ep);
        free(s->mem);
        s->mem = NULL;
    }
    tern_udp_close(&s->sock);
}

/* "12 ms" or "<1 ms" into a caller buffer. */
static const char *ms_since(tern_time_ms t0, char out[24])
{
    tern_time_ms d = tern_posix_now_ms() - t0;
    if (d < 1)
        snprintf(out, 24, "<1 ms");
    else
        snprintf(out, 24, "%" PRId64 " ms", d);
    return out;
}

static uint64_t sent_by_client(const demo *d)
{
    tern_coap_ep_stats st;
    tern_coap_ep_get_stats(&d->cli.ep, &st);
    return st.sent;
}

static int fail(const char *step, int rc)
{
    fprintf(stderr, "tern-demo: %s failed: %s\n", step, tern_strerror(rc));
    return 1;
}

static int run_demo(demo *d)
{
    char a[64], code[5], el[24];
    for (unsigned i = 0; i < BIG_LEN / 64; i++) {
        char line[80];
        snprintf(line, sizeof line, "%05u tern /big abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJK\n", i);
        memcpy(d->big + (size_t)i * 64, line, 64);
    }
    if (tern_loop_init(&d->loop) < 0)
        return fail("event loop", TERN_EIO);
    tern_coap_ep_cfg scfg, ccfg;
    memset(&scfg, 0, sizeof scfg);
    scfg.handler = handle;
    scfg.handler_ctx = d;
    scfg.max_observers = 4;
    memset(&ccfg, 0, sizeof ccfg);
    int rc = side_open(d, &d->srv, &scfg);
    if (rc == 0)
        rc = side_open(d, &d->cli, &ccfg);
    if (rc == 0)
        rc = tern_posix_peer_from_addr(&d->srv_peer, &d->srv.addr);
    if (rc < 0)
        return fail("setting up the endpoints", rc);
    tern_timer_init(&d->tick, on_tick, d);
    tern_timer_init(&d->guard, on_guard, d);
    tern_timer_start(&d->loop, &d->tick, 500);
    (void)tern_udp_addr_format(&d->srv.addr, a, sizeof a);

    printf("tern 0.1.0 — CoAP demo (RFC 7252 + Block-wise RFC 7959 + Observe RFC 7641)\n");
    printf("A tern CoAP server and a tern CoAP client run in this process, each with its\n"
           "own sans-I/O endpoint and UDP socket, driven by one epoll loop.\n\n");
    printf("  server  coap://%s  resources /hello /big /sink /counter\n", a);
    (void)tern_udp_addr_format(&d->cli.addr, a, sizeof a);
    printf("  client  %s\n\n", a);

    d->body_cap = 64 * 1024;
    d->body = malloc(d->body_cap);
    if (!d->body)
        return fail("allocating", TERN_ENOMEM);
    tern_coap_req_opts opts;

    /* 1. a plain GET, piggybacked response */
    memset(&opts, 0, sizeof opts);
    uint64_t s0 = sent_by_client(d);
    tern_time_ms t = tern_posix_now_ms();
    if ((rc = do_request(d, TERN_COAP_GET, "/hello", &opts)) < 0)
        return fail("GET /hello", rc);
    printf("[1] GET /hello                      %s  \"%.*s\"   %s, %" PRIu64 " datagram(s) sent\n",
           tern_coap_code_str(d->code, code), (int)d->body_len, (const char *)d->body, ms_since(t, el),
           sent_by_client(d) - s0);

    /* 2. block-wise GET, 1024-byte blocks, then 64-byte blocks (early negotiation) */
    static const uint8_t szxs[2] = {6, 2};
    for (int i = 0; i < 2; i++) {
        memset(&opts, 0, sizeof opts);
        opts.block_size = (uint16_t)tern_coap_block_size(szxs[i]);
        opts.block2_early = i == 1;
        s0 = sent_by_client(d);
        t = tern_posix_now_ms();
        if ((rc = do_request(d, TERN_COAP_GET, "/big", &opts)) < 0)
            return fail("GET /big", rc);
        bool same = d->body_len == BIG_LEN && memcmp(d->body, d->big, BIG_LEN) == 0;
        printf("[%d] GET /big   (Block2, %4u-byte)   %s  %zu bytes in %" PRIu32 " blocks, %s   %s, %" PRIu64
               " requests\n",
               2 + i, (unsigned)tern_coap_block_size(szxs[i]), tern_coap_code_str(d->code, code), d->body_len,
               d->blocks, same ? "content verified" : "CONTENT DIFFERS", ms_since(t, el), sent_by_client(d) - s0);
        if (!same)
            return 1;
    }

    /* 3. block-wise PUT of 20 KB in 256-byte blocks */
    uint8_t *up = malloc(BIG_LEN);
    if (!up)
        return fail("allocating", TERN_ENOMEM);
    tern_rng rng = tern_posix_rng();
    (void)rng.fill(rng.ctx, up, BIG_LEN);
    memset(&opts, 0, sizeof opts);
    opts.block_size = 256;
    opts.body = up;
    opts.body_len = BIG_LEN;
    s0 = sent_by_client(d);
    t = tern_posix_now_ms();
    rc = do_request(d, TERN_COAP_PUT, "/sink", &opts);
    bool stored = rc == 0 && d->sink_len == BIG_LEN && memcmp(d->sink, up, BIG_LEN) == 0;
    free(up);
    if (rc < 0)
        return fail("PUT /sink", rc);
    printf("[4] PUT /sink   (Block1,  256-byte)   %s  %u random bytes, server stored them %s   %s, %" PRIu64
           " requests\n",
           tern_coap_code_str(d->code, code), BIG_LEN, stored ? "exactly" : "WRONGLY", ms_since(t, el),
           sent_by_client(d) - s0);
    if (!stored)
        return 1;

    /* 4. observe /counter (the server changes it every 500 ms) */
    memset(&opts, 0, sizeof opts);
    opts.observe = true;
    t = tern_posix_now_ms();
    if ((rc = do_request(d, TERN_COAP_GET, "/counter", &opts)) < 0)
        return fail("observe /counter", rc);
    printf("[5] GET /counter with Observe        ");
    for (uint32_t i = 0; i < d->notifications && i < 8; i++)
        printf("%s\"%s\" at +%" PRId64 " ms", i ? ", " : "", d->note_val[i], d->note_at[i]);
    printf("\n    after 3 notifications the client deregistered (GET with Observe = 1): %s, server has %" PRIu32
           " observer(s)   %s\n",
           tern_coap_code_str(d->code, code), tern_coap_observer_count(&d->srv.ep), ms_since(t, el));
    if (d->notifications < 3)
        return 1;

    tern_coap_ep_stats cs, ss;
    tern_coap_ep_get_stats(&d->cli.ep, &cs);
    tern_coap_ep_get_stats(&d->srv.ep, &ss);
    printf("\nclient: %" PRIu64 " datagrams sent, %" PRIu64 " received, %" PRIu64
           " retransmitted; server: %" PRIu64 " sent, %" PRIu64 " received\n",
           cs.sent, cs.received, cs.retransmitted, ss.sent, ss.received);
    printf("\nTry next (build/release/apps/, libcoap3-bin for coap-client-notls):\n"
           "  tern-coap serve --port 5683 &                       a server with /big /sink /counter\n"
           "  tern-coap get coap://127.0.0.1/big | tail -n 2      Block2 GET (try --block 64 -v)\n"
           "  tern-coap put --file README.md coap://[::1]/sink    Block1 PUT over IPv6\n"
           "  tern-coap observe --count 5 coap://127.0.0.1/counter\n"
           "  coap-client-notls -b 64 coap://127.0.0.1/big        the same with libcoap\n"
           "  coap-client-notls -s 5 coap://127.0.0.1/counter     libcoap observing tern\n"
           "  tern-coap --help                                    everything else\n");
    return 0;
}

int main(void)
{
    demo *d = calloc(1, sizeof *d);
    if (!d)
        return 1;
    d->srv.sock.fd = d->cli.sock.fd = -1;
    int rc = run_demo(d);
    tern_timer_stop(&d->tick);
    tern_timer_stop(&d->guard);
    side_close(&d->cli);
    side_close(&d->srv);
    tern_loop_close(&d->loop);
    free(d->sink);
    free(d->body);
    free(d);
    return rc;
}
