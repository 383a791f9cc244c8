/* Benchmark: CoAP message codec. Encodes and decodes (UDP framing) a typical
 * LwM2M Register request and a notification in a loop for ~2 s each and
 * prints messages encoded+decoded per second. */
#include "tern/coap_msg.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile size_t sink;

typedef void (*build_fn)(tern_coap_msg *m, uint16_t mid, uint8_t sc[4][4]);

static const uint8_t tok[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static uint8_t payload100[100];
static uint8_t senml[40];

/* CON POST /rd?ep=...&lt=... Content-Format 40 (link format), 100 bytes. */
static void build_register(tern_coap_msg *m, uint16_t mid, uint8_t sc[4][4])
{
    tern_coap_msg_init(m, TERN_COAP_CON, TERN_COAP_POST, mid);
    tern_coap_msg_set_token(m, tok, 8);
    tern_coap_opt_add_uri_path(m, "/rd");
    tern_coap_opt_add_str(m, TERN_COAP_OPT_URI_QUERY, "ep=urn:dev:os:0023c7-000001");
    tern_coap_opt_add_str(m, TERN_COAP_OPT_URI_QUERY, "lt=86400");
    tern_coap_opt_add_str(m, TERN_COAP_OPT_URI_QUERY, "lwm2m=1.2");
    tern_coap_opt_add_str(m, TERN_COAP_OPT_URI_QUERY, "b=U");
    tern_coap_opt_add_uint(m, TERN_COAP_OPT_CONTENT_FORMAT, 40, sc[0]);
    m->payload = payload100;
    m->payload_len = sizeof payload100;
}

/* NON 2.05 with Observe, Content-Format 112 (SenML CBOR), 40-byte payload. */
static void build_notify(tern_coap_msg *m, uint16_t mid, uint8_t sc[4][4])
{
    tern_coap_msg_init(m, TERN_COAP_NON, TERN_COAP_CONTENT, mid);
    tern_coap_msg_set_token(m, tok, 4);
    tern_coap_opt_add_uint(m, TERN_COAP_OPT_OBSERVE, (uint32_t)mid * 7u + 3u, sc[0]);
    tern_coap_opt_add_uint(m, TERN_COAP_OPT_CONTENT_FORMAT, 112, sc[1]);
    m->payload = senml;
    m->payload_len = sizeof senml;
}

static void run(const char *name, build_fn build)
{
    uint8_t out[512], sc[4][4];
    tern_coap_msg m, d;
    unsigned long long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 1000; i++) {
            build(&m, (uint16_t)n, sc);
            int len = tern_coap_encode_udp(&m, out, sizeof out);
            if (len < 0 || tern_coap_decode_udp(&d, out, (size_t)len, NULL) != TERN_OK ||
                tern_coap_check_options(&d, NULL) != TERN_OK) {
                fprintf(stderr, "bench_coap_msg: %s failed\n", name);
                return;
            }
            sink += d.payload_len + (size_t)len;
            n++;
        }
        t = now_s() - t0;
    } while (t < 2.0);
    printf("coap_msg: %.0f messages encoded+decoded per second (%s, %d bytes)\n", (double)n / t,
           name, tern_coap_encode_udp(&m, out, sizeof out));
}

int main(void)
{
    memset(payload100, '<', sizeof payload100);
    memset(senml, 0x81, sizeof senml);
    run("register", build_register);
    run("notify", build_notify);
    return 0;
}
