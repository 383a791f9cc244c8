/* tern — the Connectivity Monitoring object (4, version 1.3): one
 * read-only instance /4/0 whose values come from the application's info()
 * callback, called for every resource read. */
#include <string.h>

#include "model/gen/objects.h"
#include "tern/objects.h"

static tern_connmon *cm_of(tern_dm_obj *o)
{
    return (tern_connmon *)o->user;
}

static int snap(tern_connmon *c)
{
    memset(&c->info_, 0, sizeof c->info_);
    return c->cfg.info(c->cfg.ctx, &c->info_);
}

static int h_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0)
        return TERN_DONE;
    *iid = 0;
    return TERN_OK;
}

/* Instance count of a multiple resource in the snapshot; -1 if single. */
static int multi_count(const tern_connmon_info *in, uint16_t rid)
{
    switch (rid) {
    case 1: return in->n_avail_bearers;
    case 4: return in->n_ip_addrs;
    case 5: return in->n_router_ips;
    case 7: return in->n_apns;
    default: return -1;
    }
}

static bool h_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    tern_connmon *c = cm_of(o);
    (void)iid;
    if (rid <= 2 || rid == 4)
        return true; /* mandatory */
    if (snap(c) != TERN_OK)
        return false;
    const tern_connmon_info *in = &c->info_;
    switch (rid) {
    case 3: return in->has_link_quality;
    case 5: return in->n_router_ips > 0;
    case 6: return in->has_link_utilization;
    case 7: return in->n_apns > 0;
    case 8: return in->has_cell_id;
    case 9: return in->has_smnc;
    case 10: return in->has_smcc;
    case 11: return in->has_snr;
    case 12: return in->has_lac;
    case 13: return in->has_ce_level;
    default: return false;
    }
}

static int h_rinst_next(tern_dm_obj *o, uint16_t iid, uint16_t rid, int32_t after, uint16_t *riid)
{
    tern_connmon *c = cm_of(o);
    (void)iid;
    if (snap(c) != TERN_OK)
        return TERN_DONE;
    int n = multi_count(&c->info_, rid);
    if (after + 1 >= n)
        return TERN_DONE;
    *riid = (uint16_t)(after + 1);
    return TERN_OK;
}

static int h_read(tern_dm_obj *o, const tern_path *p, uint32_t offset, tern_dm_read_out *out)
{
    tern_connmon *c = cm_of(o);
    (void)offset;
    int rc = snap(c);
    if (rc < 0)
        return rc;
    const tern_connmon_info *in = &c->info_;
    uint16_t rid = p->ids[2];
    int n = multi_count(in, rid);
    if (n >= 0) {
        if (p->len != 4 || p->ids[3] >= n)
            return TERN_ENOTFOUND;
        uint16_t k = p->ids[3];
        if (rid == 1) {
            out->value.type = TERN_TYPE_INTEGER;
            out->value.v.i = in->avail_bearers[k];
            return TERN_OK;
        }
        const char *s = rid == 4 ? in->ip_addrs[k] : rid == 5 ? in->router_ips[k] : in->apns[k];
        out->value.type = TERN_TYPE_STRING;
        out->value.v.bytes.ptr = (const uint8_t *)s;
        out->value.v.bytes.len = s ? strlen(s) : 0;
        return TERN_OK;
    }
    out->value.type = TERN_TYPE_INTEGER;
    switch (rid) {
    case 0: out->value.v.i = in->bearer; break;
    case 2: out->value.v.i = in->rssi_dbm; break;
    case 3: out->value.v.i = in->link_quality; break;
    case 6: out->value.v.i = in->link_utilization; break;
    case 8: out->value.v.i = in->cell_id; break;
    case 9: out->value.v.i = in->smnc; break;
    case 10: out->value.v.i = in->smcc; break;
    case 11: out->value.v.i = in->snr_db; break;
    case 12: out->value.v.i = in->lac; break;
    case 13: out->value.v.i = in->ce_level; break;
    default: return TERN_ENOTFOUND;
    }
    return TERN_OK;
}

static const tern_dm_handlers cm_handlers = {
    .inst_next = h_inst_next,
    .res_present = h_present,
    .rinst_next = h_rinst_next,
    .read = h_read,
};

int tern_connmon_init(tern_connmon *c, const tern_connmon_cfg *cfg)
{
    if (!c || !cfg || !cfg->info)
        return TERN_EINVAL;
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    c->obj.def = &tern_obj_4_v1_3;
    c->obj.h = &cm_handlers;
    c->obj.user = c;
    return TERN_OK;
}
