/* Benchmark: CoAP request/response round trips per second over loopback UDP.
 * A tern server endpoint runs in its own thread with its own event loop; a
 * tern client endpoint in the main thread sends CON GET /x one after the
 * other (the next from the previous one's response callback), each answered
 * with a piggybacked 2.05. Real sockets, real kernel; ~3 s, bounded.
 *
 *   bench_coap_udp [seconds]     (default 3)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/coap_ep.h"
#include "tern/posix.h"

typedef struct side {
    tern_loop loop;
    tern_udp sock;
    tern_coap_ep ep;
    void *mem;
    tern_coap_udp run;
    tern_udp_addr addr;
} side;

typedef struct bench {
    side srv, cli;
    atomic_bool stop;
    tern_coap_peer srv_peer;
    uint64_t done, errors;
    tern_time_ms end;
    bool finished;
    tern_coap_msg req;
} bench;

static int handle(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    static const char body[] = "21.5";
    (void)ctx;
    (void)req;
    resp->msg.payload = (const uint8_t *)body;
    resp->msg.payload_len = sizeof body - 1;
    return TERN_OK;
}

static int side_open(side *s, tern_coap_ep_cfg *cfg)
{
    tern_udp_addr local;
    if (tern_loop_init(&s->loop) < 0)
        return -1;
    (void)tern_udp_addr_parse(&local, "127.0.0.1", 0);
    if (tern_udp_open(&s->sock, &local, 0) < 0 || tern_udp_local(&s->sock, &s->addr) < 0)
        return -1;
    cfg->rng = tern_posix_rng();
    cfg->send = tern_posix_coap_send;
    cfg->send_ctx = &s->sock;
    size_t need = tern_coap_ep_mem_size(cfg);
    s->mem = aligned_alloc(8, (need + 7) & ~(size_t)7);
    if (!s->mem || tern_coap_ep_init(&s->ep, cfg, s->mem, need) < 0)
        return -1;
    return tern_coap_udp_start(&s->run, &s->loop, &s->sock, &s->ep);
}

static void side_close(side *s)
{
    tern_coap_udp_stop(&s->run);
    tern_coap_ep_deinit(&s->ep);
    free(s->mem);
    tern_udp_close(&s->sock);
    tern_loop_close(&s->loop);
}

static void *server_thread(void *arg)
{
    bench *b = arg;
    while (!atomic_load(&b->stop))
        (void)tern_loop_run_once(&b->srv.loop, 50);
    return NULL;
}

static void send_next(bench *b);

static void on_result(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    bench *b = ctx;
    (void)ep;
    if (res->err < 0 || !res->msg || res->msg->code != TERN_COAP_CONTENT)
        b->errors++;
    else
        b->done++;
    if (res->final)
        send_next(b);
}

static void send_next(bench *b)
{
    if (tern_posix_now_ms() >= b->end) {
        b->finished = true;
        tern_loop_stop(&b->cli.loop);
        return;
    }
    tern_coap_req_opts opts;
    memset(&opts, 0, sizeof opts);
    if (tern_coap_request(&b->cli.ep, &b->srv_peer, &b->req, &opts, on_result, b, NULL) < 0) {
        b->errors++;
        b->finished = true;
        tern_loop_stop(&b->cli.loop);
    }
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 3;
    if (seconds < 1 || seconds > 60)
        seconds = 3;
    bench *b = calloc(1, sizeof *b);
    if (!b)
        return 1;
    tern_coap_ep_cfg scfg, ccfg;
    memset(&scfg, 0, sizeof scfg);
    memset(&ccfg, 0, sizeof ccfg);
    scfg.handler = handle;
    scfg.max_dedup = 64;
    if (side_open(&b->srv, &scfg) < 0 || side_open(&b->cli, &ccfg) < 0 ||
        tern_posix_peer_from_addr(&b->srv_peer, &b->srv.addr) < 0) {
        fprintf(stderr, "bench_coap_udp: setup failed\n");
        return 1;
    }
    tern_coap_msg_init(&b->req, TERN_COAP_CON, TERN_COAP_GET, 0);
    (void)tern_coap_opt_add_uri_path(&b->req, "/x");

    pthread_t th;
    if (pthread_create(&th, NULL, server_thread, b) != 0)
        return 1;
    /* warm-up: 200 ms, not counted */
    b->end = tern_posix_now_ms() + 200;
    send_next(b);
    tern_coap_udp_kick(&b->cli.run);
    while (!b->finished)
        if (tern_loop_run(&b->cli.loop) < 0)
            break;
    b->done = b->errors = 0;
    b->finished = false;
    tern_time_ms t0 = tern_posix_now_ms();
    b->end = t0 + (tern_time_ms)seconds * 1000;
    send_next(b);
    tern_coap_udp_kick(&b->cli.run);
    while (!b->finished)
        if (tern_loop_run(&b->cli.loop) < 0)
            break;
    tern_time_ms el = tern_posix_now_ms() - t0;
    atomic_store(&b->stop, true);
    pthread_join(th, NULL);

    double rate = el > 0 ? (double)b->done * 1000.0 / (double)el : 0.0;
    printf("coap_udp: %.0f round trips per second (loopback, CON GET, piggybacked)\n", rate);
    printf("coap_udp: %llu round trips in %lld ms, %.1f us each, %llu errors\n", (unsigned long long)b->done,
           (long long)el, b->done ? (double)el * 1000.0 / (double)b->done : 0.0, (unsigned long long)b->errors);
    side_close(&b->cli);
    side_close(&b->srv);
    int rc = b->errors ? 1 : 0;
    free(b);
    return rc;
}
