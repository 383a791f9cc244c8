/* Footprint image "full": the TERN_FEATURES=full library with everything a
 * complete device reaches — the client engine, every content format (the
 * data model's encoder/decoder dispatch), Block-wise transfers, the
 * observation engine and Send, the standard objects Access Control (2),
 * Device (3), Connectivity Monitoring (4), Firmware Update (5, push and CoAP
 * pull) and Location (6) — on the stub platform of fw_common.h. */
#include "fw_common.h"
#include "tern/objects.h"
#include "tern/observe.h"

#define FP_OBS_RECS 4
#define FP_OBS_TARGETS 8

typedef struct fw_ctx {
    tern_client c;
    tern_dm dm;
    tern_client_sec sec[2];
    tern_client_server srv[1];
    alignas(8) uint8_t coap_mem[FP_FULL_COAP_MEM];
    uint8_t work[FP_FULL_CLIENT_WORK];
    uint8_t dm_work[FP_FULL_DM_WORK];
    uint8_t rx[400];
    tern_dm_attr_slot attrs[4];
    /* observation engine of the one server */
    tern_obs obs;
    tern_obs_rec recs[FP_OBS_RECS];
    tern_obs_target targets[FP_OBS_TARGETS];
    uint8_t obs_work[512];
    uint8_t send_buf[256], send_scratch[256];
    /* standard objects */
    tern_acl_obj acl;
    tern_acl_inst acl_insts[2], acl_shadow[2];
    tern_device dev;
    tern_connmon cm;
    tern_location loc;
    tern_fw fw;
    tern_fw_coap_dl dl;
    uint32_t flash_off;
} fw_ctx;

static fw_ctx g;

static int64_t clock_s(void *ctx)
{
    (void)ctx;
    return (int64_t)(fw_now() / 1000);
}
static int dev_reboot(void *ctx)
{
    (void)ctx;
    REG32(0xE000ED0Cu) = 0x05FA0004u; /* AIRCR SYSRESETREQ */
    return 0;
}
static int dev_mem(void *ctx, tern_device_mem *out)
{
    (void)ctx;
    out->has_free = out->has_total = true;
    out->total_kb = 128;
    out->free_kb = (int64_t)(REG32(0x40004000u) / 1024u);
    return 0;
}
static int cm_info(void *ctx, tern_connmon_info *out)
{
    (void)ctx;
    static const int64_t bearers[1] = {23}; /* IEEE 802.15.4 */
    static const char *const ips[1] = {"fd00::2"};
    memset(out, 0, sizeof *out);
    out->bearer = 23;
    out->avail_bearers = bearers;
    out->n_avail_bearers = 1;
    out->rssi_dbm = -(int64_t)(REG32(0x40001010u) & 0x7f);
    out->ip_addrs = ips;
    out->n_ip_addrs = 1;
    return 0;
}
static int loc_info(void *ctx, tern_location_info *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    out->latitude = 52.52;
    out->longitude = 13.405;
    out->timestamp = clock_s(NULL);
    return 0;
}
/* Image into a flash region (stub: a register window). */
static int fl_open(void *ctx, uint32_t total)
{
    fw_ctx *x = ctx;
    x->flash_off = 0;
    return total > 64u * 1024u ? TERN_FW_RESULT_NO_FLASH : 0;
}
static int fl_write(void *ctx, uint32_t off, const uint8_t *d, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++)
        REG8(0x08040000u + off + i) = d[i];
    return 0;
}
static int fl_close(void *ctx)
{
    (void)ctx;
    return REG32(0x40005000u) ? 0 : TERN_FW_RESULT_INTEGRITY; /* CRC unit */
}
static void fl_discard(void *ctx)
{
    (void)ctx;
    REG32(0x40005004u) = 1; /* erase */
}
static int fl_update(void *ctx)
{
    return dev_reboot(ctx);
}
static int dl_resolve(void *ctx, const tern_fw_coap_host *h, tern_coap_peer *out)
{
    (void)ctx;
    if (h->ip_len == 0)
        return TERN_ENOTFOUND; /* no DNS on this device */
    out->len = 1;
    out->addr[0] = 2;
    return 0;
}

static uint16_t one_server(void *ctx)
{
    (void)ctx;
    return 1;
}

static void on_observer_end(void *ctx, tern_coap_handle h, const void *key, size_t key_len, tern_coap_obs_end why)
{
    (void)h;
    tern_obs_observer_end(ctx, key, key_len, why);
}

static void send_done(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    (void)ctx, (void)ep;
    if (res->final && res->err)
        REG32(0x4000400cu) = 1; /* count a lost reading */
}

int main(void)
{
    tern_dm_cfg dc = {.work = g.dm_work,
                      .work_len = sizeof g.dm_work,
                      .attr_slots = g.attrs,
                      .attr_slot_count = 4,
                      .check_access = tern_acl_check,
                      .access_ctx = &g.acl};
    tern_dm_init(&g.dm, &dc);
    tern_acl_cfg ac = {.insts = g.acl_insts, .shadow = g.acl_shadow, .count = 2, .server_count = one_server,
                       .dm = &g.dm};
    tern_device_cfg devc = {.manufacturer = "tern", .model = "m4", .serial = "0001", .fw_version = "0.1.0",
                            .binding_modes = "UQ", .clock = clock_s, .reboot = dev_reboot,
                            .factory_reset = dev_reboot, .mem = dev_mem};
    tern_connmon_cfg cmc = {.info = cm_info};
    tern_location_cfg lc = {.info = loc_info};
    tern_fw_coap_dl_cfg dlc = {.ep = &g.c.ep, .resolve = dl_resolve, .block_size = 256};
    tern_fw_coap_dl_init(&g.dl, &dlc);
    tern_fw_cfg fc = {.open = fl_open, .write = fl_write, .close = fl_close, .discard = fl_discard,
                      .update = fl_update, .clock = clock_s, .ctx = &g,
                      .downloader = tern_fw_coap_dl_downloader(&g.dl), .protocols = TERN_FW_PROTO_COAP};
    tern_acl_init(&g.acl, &ac);
    tern_device_init(&g.dev, &devc);
    tern_connmon_init(&g.cm, &cmc);
    tern_location_init(&g.loc, &lc);
    tern_fw_init(&g.fw, &fc);
    tern_dm_add(&g.dm, tern_acl_dm_obj(&g.acl));
    tern_dm_add(&g.dm, tern_device_obj(&g.dev));
    tern_dm_add(&g.dm, tern_connmon_obj(&g.cm));
    tern_dm_add(&g.dm, tern_fw_obj(&g.fw));
    tern_dm_add(&g.dm, tern_location_obj(&g.loc));

    fw_factory(&g.sec[0], &g.srv[0]);
    tern_client_cfg cfg = {
        .endpoint = "tern-m4",
        .rng = {fw_rng_fill, NULL},
        .dm = &g.dm,
        .sec = g.sec,
        .sec_cap = 2,
        .srv = g.srv,
        .srv_cap = 1,
        .coap = FP_FULL_COAP_CFG,
        .coap_mem = g.coap_mem,
        .coap_mem_len = sizeof g.coap_mem,
        .work = g.work,
        .work_len = sizeof g.work,
        .send = fw_send,
        .connect = fw_connect,
        .queue_mode = true,
        .bs_pct = -1,
    };
    cfg.coap.on_observer_end = on_observer_end;
    cfg.coap.observer_ctx = &g.obs;
    if (tern_coap_ep_mem_size(&cfg.coap) > sizeof g.coap_mem || tern_client_init(&g.c, &cfg) != 0)
        for (;;) {
        }
    tern_obs_cfg oc = {.dm = &g.dm, .ep = &g.c.ep, .ssid = 1, .recs = g.recs, .rec_count = FP_OBS_RECS,
                       .targets = g.targets, .target_count = FP_OBS_TARGETS, .work = g.obs_work,
                       .work_len = sizeof g.obs_work};
    tern_obs_init(&g.obs, &oc);
    /* Observe requests reach tern_obs_coap_handle once the client engine
     * routes them there (it hands every request to tern_dm_coap_handle
     * today); referenced here so the image holds what a device needs. */
    static int (*volatile obs_handler)(tern_obs *, const tern_coap_server_req *, tern_coap_response *);
    obs_handler = tern_obs_coap_handle;
    if (!obs_handler)
        for (;;) {
        }

    tern_path battery = tern_path_make(3, 3, 0, 9, 0);
    for (;;) {
        tern_time_ms now = fw_now();
        fw_poll_rx(&g.c, g.rx, sizeof g.rx);
        tern_client_step(&g.c, now);
        if (REG32(0x40004004u)) /* a sensor changed */
            tern_obs_changed(&g.obs, &battery, now);
        tern_obs_step(&g.obs, now);
        if (REG32(0x40004008u)) { /* send a reading (Send, POST /dp) */
            tern_coap_msg m;
            tern_send_req r = {.paths = &battery, .path_count = 1, .format = TERN_CF_SENML_CBOR};
            if (tern_send_build(&g.dm, &r, &m, g.send_buf, sizeof g.send_buf, g.send_scratch,
                                sizeof g.send_scratch) == 0) {
                tern_coap_peer p = {.len = 1, .addr = {1}};
                tern_coap_request(&g.c.ep, &p, &m, NULL, send_done, NULL, NULL);
            }
        }
        __asm volatile("wfi");
    }
}
