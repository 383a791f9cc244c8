/* fw_pull URI OUT [BLOCK] — a device's Firmware Update object (5) pulls
 * URI with tern's CoAP downloader (tern_fw_coap_dl) over a real UDP socket
 * and writes the stored image to OUT. Exit 0 when the object reaches
 * Downloaded; 1 otherwise (the final State / Update Result are printed);
 * 2 on usage or setup errors. Used by fw_libcoap.sh against
 * coap-server-notls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/dm.h"
#include "tern/objects.h"
#include "tern/posix.h"

typedef struct app {
    FILE *out;
    tern_coap_udp *run;
    long bytes;
    int opens, closes;
} app;

static int s_open(void *c, uint32_t total)
{
    app *a = c;
    (void)total;
    a->opens++;
    return fseek(a->out, 0, SEEK_SET) == 0 ? 0 : TERN_FW_RESULT_NO_FLASH;
}
static int s_write(void *c, uint32_t off, const uint8_t *d, size_t n)
{
    app *a = c;
    if (fseek(a->out, (long)off, SEEK_SET) != 0 || fwrite(d, 1, n, a->out) != n)
        return TERN_FW_RESULT_NO_FLASH;
    a->bytes = (long)off + (long)n;
    return 0;
}
static int s_close(void *c)
{
    app *a = c;
    a->closes++;
    return fflush(a->out) == 0 ? 0 : TERN_FW_RESULT_NO_FLASH;
}
static void s_discard(void *c) { (void)c; }

/* The platform's resolver: literals and names through getaddrinfo. */
static int resolve(void *ctx, const tern_fw_coap_host *h, tern_coap_peer *peer)
{
    (void)ctx;
    tern_udp_addr a;
    int rc = tern_udp_addr_parse(&a, h->name, h->port);
    return rc == TERN_OK ? tern_posix_peer_from_addr(peer, &a) : rc;
}
static void kick(void *ctx) { tern_coap_udp_kick(ctx); }

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fw_pull URI OUT [BLOCK]\n");
        return 2;
    }
    static app a;
    a.out = fopen(argv[2], "wb");
    if (!a.out) {
        perror(argv[2]);
        return 2;
    }
    static tern_loop loop;
    static tern_udp sock;
    static tern_coap_ep ep;
    static tern_coap_udp run;
    tern_udp_addr local;
    if (tern_loop_init(&loop) != 0)
        return 2;
    if (tern_udp_addr_parse(&local, "::", 0) != 0 || tern_udp_open(&sock, &local, TERN_UDP_DUALSTACK) != 0) {
        if (tern_udp_addr_parse(&local, "0.0.0.0", 0) != 0 || tern_udp_open(&sock, &local, 0) != 0) {
            fprintf(stderr, "cannot open a UDP socket\n");
            return 2;
        }
    }
    tern_coap_ep_cfg ec;
    memset(&ec, 0, sizeof ec);
    ec.rng = tern_posix_rng();
    ec.send = tern_posix_coap_send;
    ec.send_ctx = &sock;
    size_t need = tern_coap_ep_mem_size(&ec);
    void *mem = aligned_alloc(8, (need + 7) & ~(size_t)7);
    if (!mem || tern_coap_ep_init(&ep, &ec, mem, need) != 0 || tern_coap_udp_start(&run, &loop, &sock, &ep) != 0)
        return 2;
    a.run = &run;

    static tern_fw_coap_dl dl;
    tern_fw_coap_dl_cfg dc = {.ep = &ep, .resolve = resolve, .kick = kick, .kick_ctx = &run,
                              .block_size = (uint16_t)(argc > 3 ? atoi(argv[3]) : 0), .timeout_ms = 10000};
    if (tern_fw_coap_dl_init(&dl, &dc) != 0) {
        fprintf(stderr, "bad block size\n");
        return 2;
    }
    static tern_fw fw;
    tern_fw_cfg fc = {.open = s_open, .write = s_write, .close = s_close, .discard = s_discard, .ctx = &a,
                      .downloader = tern_fw_coap_dl_downloader(&dl), .protocols = TERN_FW_PROTO_COAP};
    static tern_dm dm;
    static uint8_t work[2048];
    tern_dm_cfg mc = {.work = work, .work_len = sizeof work};
    if (tern_fw_init(&fw, &fc) != 0 || tern_dm_init(&dm, &mc) != 0 || tern_dm_add(&dm, tern_fw_obj(&fw)) != 0)
        return 2;

    /* the LwM2M server's Write of the Package URI (5/0/1) */
    tern_loop_update_time(&loop);
    (void)tern_coap_ep_step(&ep, tern_loop_now(&loop));
    tern_op op;
    tern_op_init(&op, TERN_OPK_WRITE_REPLACE);
    op.ssid = 1;
    op.path = tern_path_make(3, 5, 0, 1, 0);
    op.content_format = TERN_CF_TEXT;
    op.payload = (tern_bytes){(const uint8_t *)argv[1], strlen(argv[1])};
    uint8_t out[64];
    tern_op_result res;
    int code = tern_dm_handle(&dm, &op, out, sizeof out, 0, &res);
    if (code != TERN_LC_CHANGED) {
        fprintf(stderr, "Write /5/0/1 answered %d\n", code);
        return 2;
    }
    tern_time_ms end = tern_posix_now_ms() + 60000;
    while (tern_fw_state_get(&fw) == TERN_FW_DOWNLOADING && tern_posix_now_ms() < end)
        (void)tern_loop_run_once(&loop, 200);

    tern_fw_state st = tern_fw_state_get(&fw);
    tern_fw_result rs = tern_fw_result_get(&fw);
    printf("state %d result %d bytes %ld opens %d closes %d\n", (int)st, (int)rs, a.bytes, a.opens, a.closes);
    tern_coap_udp_stop(&run);
    tern_coap_ep_deinit(&ep);
    tern_udp_close(&sock);
    tern_loop_close(&loop);
    free(mem);
    fclose(a.out);
    return st == TERN_FW_DOWNLOADED ? 0 : 1;
}
