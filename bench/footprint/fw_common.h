/* Footprint images: what a bare-metal device needs around the tern client.
 * The "hardware" is a few memory-mapped registers (a radio FIFO, a
 * millisecond tick, a TRNG), so the compiler cannot fold anything away and
 * the linker keeps exactly what a real firmware would reach. The images are
 * linked, never run (scripts/footprint.sh sizes them).
 *
 * Sizes of one client context are build options here, chosen for a small
 * device: FP_* below; scripts/footprint.sh prints them. */
#ifndef TERN_FW_COMMON_H
#define TERN_FW_COMMON_H

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "tern/client.h"

#include "fw_config.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define REG8(a) (*(volatile uint8_t *)(uintptr_t)(a))
#define RADIO_TX_DATA 0x40001000u /* write: next byte of the datagram */
#define RADIO_TX_END 0x40001004u  /* write: datagram complete */
#define RADIO_RX_LEN 0x40001008u  /* read: length of the pending datagram, 0: none */
#define RADIO_RX_DATA 0x4000100cu /* read: next byte */
#define SYSTICK_MS 0x40002000u    /* read: milliseconds since boot */
#define TRNG_DATA 0x40003000u     /* read: 32 random bits */

static int fw_send(void *ctx, const tern_coap_peer *peer, const uint8_t *bytes, size_t len)
{
    (void)ctx;
    for (uint8_t i = 0; i < peer->len; i++)
        REG8(RADIO_TX_DATA) = peer->addr[i];
    for (size_t i = 0; i < len; i++)
        REG8(RADIO_TX_DATA) = bytes[i];
    REG32(RADIO_TX_END) = 1;
    return 0;
}

/* One fixed server address (the radio's "peer 1"). */
static int fw_connect(void *ctx, const tern_client_sec *sec, tern_coap_peer *out)
{
    (void)ctx, (void)sec;
    out->len = 1;
    out->addr[0] = 1;
    return 0;
}

static int fw_rng_fill(void *ctx, void *out, size_t n)
{
    (void)ctx;
    uint8_t *o = out;
    for (size_t i = 0; i < n; i++)
        o[i] = (uint8_t)REG32(TRNG_DATA);
    return 0;
}

static tern_time_ms fw_now(void)
{
    return (tern_time_ms)REG32(SYSTICK_MS);
}

/* Polls the radio: a pending datagram goes into the client. */
static void fw_poll_rx(tern_client *c, uint8_t *buf, size_t cap)
{
    uint32_t n = REG32(RADIO_RX_LEN);
    if (n == 0 || n > cap)
        return;
    for (uint32_t i = 0; i < n; i++)
        buf[i] = REG8(RADIO_RX_DATA);
    tern_coap_peer p = {.len = 1, .addr = {1}};
    tern_client_feed(c, &p, buf, n, fw_now());
}

/* The factory account: one LwM2M Server, NoSec. */
static void fw_factory(tern_client_sec *sec, tern_client_server *srv)
{
    sec->used = true;
    memcpy(sec->uri, "coap://192.0.2.1:5683", sizeof "coap://192.0.2.1:5683");
    sec->mode = 3;
    sec->ssid = 1;
    sec->holdoff_s = sec->bs_timeout_s = -1;
    srv->used = true;
    srv->ssid = 1;
    srv->lifetime_s = 300;
    srv->dmin_s = srv->dmax_s = srv->disable_timeout_s = -1;
    srv->retry_count = srv->retry_timer_s = srv->seq_delay_s = srv->seq_retry_count = -1;
    srv->binding[0] = 'U';
}

#endif
