/* tern — the Device object (3, version 1.2): one instance /3/0 whose
 * values come from the application's config and callbacks. Writable state
 * (Current Time offset, UTC Offset, Timezone) is staged per transaction. */
#include <string.h>

#include "model/gen/objects.h"
#include "tern/objects.h"

static tern_device *dev_of(tern_dm_obj *o)
{
    return (tern_device *)o->user;
}

static const char *str_res(const tern_device *d, uint16_t rid)
{
    switch (rid) {
    case 0: return d->cfg.manufacturer;
    case 1: return d->cfg.model;
    case 2: return d->cfg.serial;
    case 3: return d->cfg.fw_version;
    case 16: return d->cfg.binding_modes;
    case 17: return d->cfg.device_type;
    case 18: return d->cfg.hw_version;
    case 19: return d->cfg.sw_version;
    default: return NULL;
    }
}

static int power(tern_device *d)
{
    memset(&d->power_, 0, sizeof d->power_);
    if (!d->cfg.power)
        return TERN_ENOTFOUND;
    int rc = d->cfg.power(d->cfg.ctx, &d->power_);
    if (rc == TERN_OK && d->power_.n_sources > TERN_DEVICE_MAX_POWER)
        d->power_.n_sources = TERN_DEVICE_MAX_POWER;
    return rc;
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
    tern_device *d = dev_of(o);
    (void)iid;
    switch (rid) {
    case 0: case 1: case 2: case 3: case 16: case 17: case 18: case 19:
        return str_res(d, rid) != NULL;
    case 4: return d->cfg.reboot != NULL;
    case 5: return d->cfg.factory_reset != NULL;
    case 6: case 7: case 8: return d->cfg.power != NULL;
    case 9: return d->cfg.power && power(d) == TERN_OK && d->power_.has_battery_level;
    case 20: return d->cfg.power && power(d) == TERN_OK && d->power_.has_battery_status;
    case 10: case 21: {
        tern_device_mem m = {0};
        if (!d->cfg.mem || d->cfg.mem(d->cfg.ctx, &m) != TERN_OK)
            return false;
        return rid == 10 ? m.has_free : m.has_total;
    }
    case 11: case 12: return true;
    case 13: case 14: case 15: return d->cfg.clock != NULL;
    default: return false; /* 22 ExtDevInfo: not offered */
    }
}

static int h_rinst_next(tern_dm_obj *o, uint16_t iid, uint16_t rid, int32_t after, uint16_t *riid)
{
    tern_device *d = dev_of(o);
    (void)iid;
    uint32_t n;
    if (rid == 11) {
        n = d->n_errors_ ? d->n_errors_ : 1; /* no error: one instance, 0 */
    } else if (rid >= 6 && rid <= 8) {
        if (power(d) != TERN_OK)
            return TERN_DONE;
        n = d->power_.n_sources;
    } else {
        return TERN_DONE;
    }
    uint32_t next = (uint32_t)(after + 1);
    if (next >= n)
        return TERN_DONE;
    *riid = (uint16_t)next;
    return TERN_OK;
}

static void put_str(tern_dm_read_out *out, const char *s)
{
    out->value.type = TERN_TYPE_STRING;
    out->value.v.bytes.ptr = (const uint8_t *)s;
    out->value.v.bytes.len = strlen(s);
}

static int h_read(tern_dm_obj *o, const tern_path *p, uint32_t offset, tern_dm_read_out *out)
{
    tern_device *d = dev_of(o);
    (void)offset;
    uint16_t rid = p->ids[2];
    const char *s = str_res(d, rid);
    if (s) {
        put_str(out, s);
        return TERN_OK;
    }
    out->value.type = TERN_TYPE_INTEGER;
    switch (rid) {
    case 6: case 7: case 8: {
        if (p->len != 4 || power(d) != TERN_OK || p->ids[3] >= d->power_.n_sources)
            return TERN_ENOTFOUND;
        const int64_t *arr = rid == 6 ? d->power_.source : rid == 7 ? d->power_.voltage_mv : d->power_.current_ma;
        out->value.v.i = arr[p->ids[3]];
        return TERN_OK;
    }
    case 9: case 20: {
        int rc = power(d);
        if (rc < 0)
            return rc;
        out->value.v.i = rid == 9 ? d->power_.battery_level : d->power_.battery_status;
        return TERN_OK;
    }
    case 10: case 21: {
        tern_device_mem m = {0};
        int rc = d->cfg.mem ? d->cfg.mem(d->cfg.ctx, &m) : TERN_ENOTFOUND;
        if (rc < 0)
            return rc;
        out->value.v.i = rid == 10 ? m.free_kb : m.total_kb;
        return TERN_OK;
    }
    case 11:
        if (p->len != 4)
            return TERN_ENOTFOUND;
        if (d->n_errors_ == 0) {
            if (p->ids[3] != 0)
                return TERN_ENOTFOUND;
            out->value.v.i = 0;
            return TERN_OK;
        }
        if (p->ids[3] >= d->n_errors_)
            return TERN_ENOTFOUND;
        out->value.v.i = d->errors_[p->ids[3]];
        return TERN_OK;
    case 13:
        out->value.type = TERN_TYPE_TIME;
        out->value.v.i = tern_device_time(d);
        return TERN_OK;
    case 14: put_str(out, d->cur_.utc_offset); return TERN_OK;
    case 15: put_str(out, d->cur_.timezone); return TERN_OK;
    default: return TERN_ENOTFOUND;
    }
}

static int copy_str(char *dst, const tern_value *v)
{
    if (v->v.bytes.len >= TERN_DEVICE_TZ_LEN)
        return TERN_ETOOBIG;
    memcpy(dst, v->v.bytes.ptr, v->v.bytes.len);
    dst[v->v.bytes.len] = '\0';
    return TERN_OK;
}

static int h_write(tern_dm_obj *o, const tern_entry *e)
{
    tern_device *d = dev_of(o);
    if (e->offset != 0 || e->more)
        return TERN_ETOOBIG; /* no resource here takes a chunked value */
    if (!d->cfg.clock)
        return TERN_ENOTFOUND; /* 13-15 are absent without a clock */
    switch (e->path.ids[2]) {
    case 13:
        /* Current Time: the server sets the clock; keep it as an offset to
         * the device clock (Device object, resource 13) */
        d->cur_.time_offset = e->value.v.i - d->cfg.clock(d->cfg.ctx);
        return TERN_OK;
    case 14: return copy_str(d->cur_.utc_offset, &e->value);
    case 15: return copy_str(d->cur_.timezone, &e->value);
    default: return TERN_EUNSUPPORTED;
    }
}

static int h_reset(tern_dm_obj *o, const tern_path *p)
{
    tern_device *d = dev_of(o);
    if (p->len != 2)
        return TERN_EUNSUPPORTED; /* no writable multiple resource */
    /* Replace of /3/0: the writable resources go back to their defaults */
    d->cur_.time_offset = 0;
    d->cur_.utc_offset[0] = '\0';
    d->cur_.timezone[0] = '\0';
    return TERN_OK;
}

static int h_execute(tern_dm_obj *o, uint16_t iid, uint16_t rid, const uint8_t *args, size_t args_len)
{
    tern_device *d = dev_of(o);
    (void)iid;
    (void)args;
    (void)args_len;
    switch (rid) {
    case 4: return d->cfg.reboot ? d->cfg.reboot(d->cfg.ctx) : TERN_EUNSUPPORTED;
    case 5: return d->cfg.factory_reset ? d->cfg.factory_reset(d->cfg.ctx) : TERN_EUNSUPPORTED;
    case 12:
        /* Reset Error Code: one zero-value instance, then re-evaluate */
        d->n_errors_ = 0;
        if (d->cfg.errors_reset)
            d->cfg.errors_reset(d->cfg.ctx);
        if (d->cfg.changed)
            d->cfg.changed(d->cfg.ctx, 11);
        return TERN_OK;
    default: return TERN_EUNSUPPORTED;
    }
}

static int h_begin(tern_dm_obj *o)
{
    tern_device *d = dev_of(o);
    d->shadow_ = d->cur_;
    return TERN_OK;
}

static void h_rollback(tern_dm_obj *o)
{
    tern_device *d = dev_of(o);
    d->cur_ = d->shadow_;
}

static const tern_dm_handlers dev_handlers = {
    .inst_next = h_inst_next,
    .res_present = h_present,
    .rinst_next = h_rinst_next,
    .read = h_read,
    .write = h_write,
    .reset = h_reset,
    .execute = h_execute,
    .begin = h_begin,
    .rollback = h_rollback,
};

int tern_device_init(tern_device *d, const tern_device_cfg *cfg)
{
    if (!d || !cfg || !cfg->binding_modes)
        return TERN_EINVAL;
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    d->obj.def = &tern_obj_3_v1_2;
    d->obj.h = &dev_handlers;
    d->obj.user = d;
    return TERN_OK;
}

int tern_device_error_set(tern_device *d, int64_t code)
{
    if (code < 1 || code > 32)
        return TERN_ERANGE;
    for (uint8_t i = 0; i < d->n_errors_; i++)
        if (d->errors_[i] == code)
            return TERN_OK;
    if (d->n_errors_ >= TERN_DEVICE_MAX_ERRORS)
        return TERN_EFULL;
    d->errors_[d->n_errors_++] = code;
    if (d->cfg.changed)
        d->cfg.changed(d->cfg.ctx, 11);
    return TERN_OK;
}

void tern_device_error_clear(tern_device *d, int64_t code)
{
    for (uint8_t i = 0; i < d->n_errors_; i++) {
        if (d->errors_[i] == code) {
            memmove(&d->errors_[i], &d->errors_[i + 1], (size_t)(d->n_errors_ - i - 1) * sizeof d->errors_[0]);
            d->n_errors_--;
            if (d->cfg.changed)
                d->cfg.changed(d->cfg.ctx, 11);
            return;
        }
    }
}

int64_t tern_device_time(const tern_device *d)
{
    return d->cfg.clock ? d->cfg.clock(d->cfg.ctx) + d->cur_.time_offset : 0;
}
