/* tern — the Location object (6): one read-only instance /6/0 whose values
 * come from the application's info() callback, called for every read. */
#include <string.h>

#include "model/gen/objects.h"
#include "tern/objects.h"

static tern_location *loc_of(tern_dm_obj *o)
{
    return (tern_location *)o->user;
}

static int snap(tern_location *l)
{
    memset(&l->info_, 0, sizeof l->info_);
    return l->cfg.info(l->cfg.ctx, &l->info_);
}

static int h_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0)
        return TERN_DONE;
    *iid = 0;
    return TERN_OK;
}

static bool h_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    tern_location *l = loc_of(o);
    (void)iid;
    if (rid == 0 || rid == 1 || rid == 5)
        return true; /* mandatory */
    if (snap(l) != TERN_OK)
        return false;
    switch (rid) {
    case 2: return l->info_.has_altitude;
    case 3: return l->info_.has_radius;
    case 4: return l->info_.has_velocity;
    case 6: return l->info_.has_speed;
    default: return false;
    }
}

static int h_read(tern_dm_obj *o, const tern_path *p, uint32_t offset, tern_dm_read_out *out)
{
    tern_location *l = loc_of(o);
    (void)offset;
    int rc = snap(l);
    if (rc < 0)
        return rc;
    const tern_location_info *in = &l->info_;
    out->value.type = TERN_TYPE_FLOAT;
    switch (p->ids[2]) {
    case 0: out->value.v.f = in->latitude; break;
    case 1: out->value.v.f = in->longitude; break;
    case 2: out->value.v.f = in->altitude; break;
    case 3: out->value.v.f = in->radius; break;
    case 4:
        out->value.type = TERN_TYPE_OPAQUE;
        out->value.v.bytes = in->velocity;
        break;
    case 5:
        out->value.type = TERN_TYPE_TIME;
        out->value.v.i = in->timestamp;
        break;
    case 6: out->value.v.f = in->speed; break;
    default: return TERN_ENOTFOUND;
    }
    return TERN_OK;
}

static const tern_dm_handlers loc_handlers = {
    .inst_next = h_inst_next,
    .res_present = h_present,
    .read = h_read,
};

int tern_location_init(tern_location *l, const tern_location_cfg *cfg)
{
    if (!l || !cfg || !cfg->info)
        return TERN_EINVAL;
    memset(l, 0, sizeof *l);
    l->cfg = *cfg;
    l->obj.def = &tern_obj_6_v1_0;
    l->obj.h = &loc_handlers;
    l->obj.user = l;
    return TERN_OK;
}
