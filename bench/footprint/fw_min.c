/* Footprint image "minimal": the client engine (Register/Update/De-register,
 * Read/Write/Execute through the data model, TLV and plain text — the
 * TERN_FEATURES=minimal library) with one small application object and the
 * stub platform of fw_common.h. */
#include "fw_common.h"

extern const tern_obj_def tern_obj_3_v1_2;


typedef struct fw_ctx {
    tern_client c;
    tern_dm dm;
    tern_dm_obj dev;
    tern_client_sec sec[1];
    tern_client_server srv[1];
    alignas(8) uint8_t coap_mem[FP_MIN_COAP_MEM];
    uint8_t work[FP_MIN_CLIENT_WORK];
    uint8_t dm_work[FP_MIN_DM_WORK];
    uint8_t rx[512];
    int64_t utc_offset_min;
} fw_ctx;

static fw_ctx g; /* the only instance; a firmware has one client */

/* A tiny Device object: Manufacturer (R), UTC Offset-like Integer we let
 * the server write (13 Current Time), Reboot (E). */
static int dev_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0)
        return TERN_DONE;
    *iid = 0;
    return TERN_OK;
}
static bool dev_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    (void)o, (void)iid;
    return rid == 0 || rid == 4 || rid == 13 || rid == 16;
}
static int dev_read(tern_dm_obj *o, const tern_path *p, uint32_t off, tern_dm_read_out *out)
{
    (void)off;
    fw_ctx *x = o->user;
    switch (p->ids[2]) {
    case 0:
        out->value.type = TERN_TYPE_STRING;
        out->value.v.bytes = (tern_bytes){(const uint8_t *)"tern", 4};
        return TERN_OK;
    case 13:
        out->value.type = TERN_TYPE_TIME;
        out->value.v.i = (int64_t)(fw_now() / 1000) + x->utc_offset_min;
        return TERN_OK;
    case 16:
        out->value.type = TERN_TYPE_STRING;
        out->value.v.bytes = (tern_bytes){(const uint8_t *)"U", 1};
        return TERN_OK;
    default: return TERN_ENOTFOUND;
    }
}
static int dev_write(tern_dm_obj *o, const tern_entry *e)
{
    fw_ctx *x = o->user;
    if (e->path.ids[2] != 13)
        return TERN_EUNSUPPORTED;
    x->utc_offset_min = e->value.v.i - (int64_t)(fw_now() / 1000);
    return TERN_OK;
}
static int dev_execute(tern_dm_obj *o, uint16_t iid, uint16_t rid, const uint8_t *a, size_t n)
{
    (void)o, (void)iid, (void)a, (void)n;
    if (rid != 4)
        return TERN_EUNSUPPORTED;
    REG32(0xE000ED0Cu) = 0x05FA0004u; /* AIRCR SYSRESETREQ */
    return TERN_OK;
}
static const tern_dm_handlers dev_h = {
    .inst_next = dev_inst_next,
    .res_present = dev_present,
    .read = dev_read,
    .write = dev_write,
    .execute = dev_execute,
};

int main(void)
{
    tern_dm_cfg dc = {.work = g.dm_work, .work_len = sizeof g.dm_work};
    tern_dm_init(&g.dm, &dc);
    g.dev = (tern_dm_obj){.def = &tern_obj_3_v1_2, .h = &dev_h, .user = &g};
    tern_dm_add(&g.dm, &g.dev);
    fw_factory(&g.sec[0], &g.srv[0]);
    tern_client_cfg cfg = {
        .endpoint = "tern-m4",
        .rng = {fw_rng_fill, NULL},
        .dm = &g.dm,
        .sec = g.sec,
        .sec_cap = 1,
        .srv = g.srv,
        .srv_cap = 1,
        .coap = FP_MIN_COAP_CFG,
        .coap_mem = g.coap_mem,
        .coap_mem_len = sizeof g.coap_mem,
        .work = g.work,
        .work_len = sizeof g.work,
        .send = fw_send,
        .connect = fw_connect,
        .bs_pct = -1,
    };
    if (tern_coap_ep_mem_size(&cfg.coap) > sizeof g.coap_mem || tern_client_init(&g.c, &cfg) != 0)
        for (;;) {
        }
    for (;;) {
        fw_poll_rx(&g.c, g.rx, sizeof g.rx);
        tern_client_step(&g.c, fw_now());
        __asm volatile("wfi");
    }
}
