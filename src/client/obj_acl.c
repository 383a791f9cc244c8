/* tern — the Access Control object (2, version 1.1) over caller storage:
 * instance handlers for the data model, and the calls the client and the
 * bootstrap code use to keep it in step with the objects it protects
 * (Core §7.3.1). The decision function is in acl.c. */
#include <string.h>

#include "model/gen/objects.h"
#include "tern/objects.h"

static tern_acl_obj *acl_of(tern_dm_obj *o)
{
    return (tern_acl_obj *)o->user;
}

static tern_acl_inst *by_iid(tern_acl_obj *acl, uint16_t iid)
{
    for (size_t i = 0; i < acl->cfg.count; i++)
        if (acl->cfg.insts[i].used && acl->cfg.insts[i].iid == iid)
            return &acl->cfg.insts[i];
    return NULL;
}

static tern_acl_inst *by_target(tern_acl_obj *acl, uint16_t oid, uint16_t tiid)
{
    for (size_t i = 0; i < acl->cfg.count; i++) {
        tern_acl_inst *in = &acl->cfg.insts[i];
        if (in->used && in->oid == oid && in->target_iid == tiid)
            return in;
    }
    return NULL;
}

static tern_acl_inst *alloc_inst(tern_acl_obj *acl, uint16_t iid)
{
    for (size_t i = 0; i < acl->cfg.count; i++) {
        tern_acl_inst *in = &acl->cfg.insts[i];
        if (!in->used) {
            memset(in, 0, sizeof *in);
            in->used = true;
            in->iid = iid;
            in->owner = TERN_ACL_OWNER_BOOTSTRAP;
            return in;
        }
    }
    return NULL;
}

static int lowest_free_iid(tern_acl_obj *acl, uint16_t *iid)
{
    for (uint32_t id = 0; id <= TERN_ID_MAX; id++) {
        if (!by_iid(acl, (uint16_t)id)) {
            *iid = (uint16_t)id;
            return TERN_OK;
        }
    }
    return TERN_EFULL;
}

static tern_acl_entry *entry(tern_acl_inst *in, uint16_t ssid)
{
    for (uint8_t k = 0; k < in->n_entries; k++)
        if (in->entries[k].ssid == ssid)
            return &in->entries[k];
    return NULL;
}

/* Sets (or adds, keeping the list sorted by ssid) an ACL entry. */
static int entry_set(tern_acl_inst *in, uint16_t ssid, uint16_t rights)
{
    tern_acl_entry *e = entry(in, ssid);
    if (e) {
        e->rights = rights;
        return TERN_OK;
    }
    if (in->n_entries >= TERN_ACL_MAX_ENTRIES)
        return TERN_EFULL;
    uint8_t k = in->n_entries;
    while (k > 0 && in->entries[k - 1].ssid > ssid) {
        in->entries[k] = in->entries[k - 1];
        k--;
    }
    in->entries[k].ssid = ssid;
    in->entries[k].rights = rights;
    in->n_entries++;
    return TERN_OK;
}

static void entry_del(tern_acl_inst *in, uint16_t ssid)
{
    for (uint8_t k = 0; k < in->n_entries; k++) {
        if (in->entries[k].ssid == ssid) {
            memmove(&in->entries[k], &in->entries[k + 1], (size_t)(in->n_entries - k - 1) * sizeof in->entries[0]);
            in->n_entries--;
            return;
        }
    }
}

/* ---- handlers ---- */

static int h_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    tern_acl_obj *acl = acl_of(o);
    int32_t best = -1;
    for (size_t i = 0; i < acl->cfg.count; i++) {
        const tern_acl_inst *in = &acl->cfg.insts[i];
        if (in->used && (int32_t)in->iid > after && (best < 0 || in->iid < best))
            best = in->iid;
    }
    if (best < 0)
        return TERN_DONE;
    *iid = (uint16_t)best;
    return TERN_OK;
}

static int h_rinst_next(tern_dm_obj *o, uint16_t iid, uint16_t rid, int32_t after, uint16_t *riid)
{
    tern_acl_inst *in = by_iid(acl_of(o), iid);
    if (!in || rid != 2)
        return TERN_DONE;
    for (uint8_t k = 0; k < in->n_entries; k++) {
        if ((int32_t)in->entries[k].ssid > after) {
            *riid = in->entries[k].ssid;
            return TERN_OK;
        }
    }
    return TERN_DONE;
}

static int h_read(tern_dm_obj *o, const tern_path *p, uint32_t offset, tern_dm_read_out *out)
{
    (void)offset;
    tern_acl_inst *in = by_iid(acl_of(o), p->ids[1]);
    if (!in)
        return TERN_ENOTFOUND;
    out->value.type = TERN_TYPE_INTEGER;
    switch (p->ids[2]) {
    case 0: out->value.v.i = in->oid; return TERN_OK;
    case 1: out->value.v.i = in->target_iid; return TERN_OK;
    case 3: out->value.v.i = in->owner; return TERN_OK;
    case 2: {
        tern_acl_entry *e = p->len == 4 ? entry(in, p->ids[3]) : NULL;
        if (!e)
            return TERN_ENOTFOUND;
        out->value.v.i = e->rights;
        return TERN_OK;
    }
    default: return TERN_ENOTFOUND;
    }
}

static int h_write(tern_dm_obj *o, const tern_entry *e)
{
    tern_acl_inst *in = by_iid(acl_of(o), e->path.ids[1]);
    if (!in)
        return TERN_ENOTFOUND;
    int64_t v = e->value.v.i;
    switch (e->path.ids[2]) {
    case 0:
        in->oid = (uint16_t)v; /* range 1..65534 checked by the definition */
        return TERN_OK;
    case 1:
        in->target_iid = (uint16_t)v;
        return TERN_OK;
    case 2:
        if (e->path.len != 4)
            return TERN_EINVAL;
        return entry_set(in, e->path.ids[3], (uint16_t)v) == TERN_OK ? TERN_OK : TERN_ETOOBIG;
    case 3:
        in->owner = (uint16_t)v;
        return TERN_OK;
    default: return TERN_ENOTFOUND;
    }
}

static int h_reset(tern_dm_obj *o, const tern_path *p)
{
    tern_acl_inst *in = by_iid(acl_of(o), p->ids[1]);
    if (!in)
        return TERN_ENOTFOUND;
    if (p->len == 3 && p->ids[2] != 2)
        return TERN_EUNSUPPORTED;
    in->n_entries = 0; /* Replace: the ACL gets exactly the written entries */
    return TERN_OK;
}

static int h_create(tern_dm_obj *o, uint16_t iid)
{
    tern_acl_obj *acl = acl_of(o);
    if (by_iid(acl, iid))
        return TERN_EEXIST;
    return alloc_inst(acl, iid) ? TERN_OK : TERN_ENOMEM;
}

static int h_del(tern_dm_obj *o, const tern_path *p)
{
    tern_acl_inst *in = by_iid(acl_of(o), p->ids[1]);
    if (!in)
        return TERN_ENOTFOUND;
    if (p->len == 2)
        in->used = false;
    else if (p->ids[2] == 2)
        entry_del(in, p->ids[3]);
    else
        return TERN_EUNSUPPORTED;
    return TERN_OK;
}

static int h_begin(tern_dm_obj *o)
{
    tern_acl_obj *acl = acl_of(o);
    if (acl->cfg.shadow)
        memcpy(acl->cfg.shadow, acl->cfg.insts, acl->cfg.count * sizeof acl->cfg.insts[0]);
    return TERN_OK;
}

/* Every instance names an object (resource 0 is mandatory, 1..65534) and
 * no two instances name the same target. */
static int h_validate(tern_dm_obj *o)
{
    tern_acl_obj *acl = acl_of(o);
    for (size_t i = 0; i < acl->cfg.count; i++) {
        const tern_acl_inst *a = &acl->cfg.insts[i];
        if (!a->used)
            continue;
        if (a->oid == 0 || a->oid > TERN_ID_MAX)
            return TERN_EINVAL;
        for (size_t j = i + 1; j < acl->cfg.count; j++) {
            const tern_acl_inst *b = &acl->cfg.insts[j];
            if (b->used && b->oid == a->oid && b->target_iid == a->target_iid)
                return TERN_EINVAL;
        }
    }
    return TERN_OK;
}

static void h_rollback(tern_dm_obj *o)
{
    tern_acl_obj *acl = acl_of(o);
    if (acl->cfg.shadow)
        memcpy(acl->cfg.insts, acl->cfg.shadow, acl->cfg.count * sizeof acl->cfg.insts[0]);
}

static const tern_dm_handlers acl_handlers = {
    .inst_next = h_inst_next,
    .rinst_next = h_rinst_next,
    .read = h_read,
    .write = h_write,
    .reset = h_reset,
    .create = h_create,
    .del = h_del,
    .begin = h_begin,
    .validate = h_validate,
    .rollback = h_rollback,
};

/* ---- API ---- */

int tern_acl_init(tern_acl_obj *acl, const tern_acl_cfg *cfg)
{
    if (!acl || !cfg || !cfg->insts || !cfg->count)
        return TERN_EINVAL;
    memset(acl, 0, sizeof *acl);
    acl->cfg = *cfg;
    acl->servers_ = 1;
    for (size_t i = 0; i < cfg->count; i++)
        cfg->insts[i].used = false;
    acl->obj.def = &tern_obj_2_v1_1;
    acl->obj.h = &acl_handlers;
    acl->obj.user = acl;
    return TERN_OK;
}

void tern_acl_set_server_count(tern_acl_obj *acl, uint16_t n)
{
    acl->servers_ = n;
}

int tern_acl_set(tern_acl_obj *acl, uint16_t oid, uint16_t target_iid, uint16_t owner, uint16_t ssid,
                 uint16_t rights)
{
    if (oid == 0 || oid > TERN_ID_MAX || (rights & ~TERN_ACL_ALL))
        return TERN_EINVAL;
    tern_acl_inst *in = by_target(acl, oid, target_iid);
    if (!in) {
        uint16_t iid;
        if (lowest_free_iid(acl, &iid) != TERN_OK || !(in = alloc_inst(acl, iid)))
            return TERN_EFULL;
        in->oid = oid;
        in->target_iid = target_iid;
    }
    in->owner = owner;
    int rc = entry_set(in, ssid, rights);
    return rc;
}

int tern_acl_on_create(tern_acl_obj *acl, uint16_t oid, uint16_t iid, uint16_t ssid)
{
    if (ssid == 0 || oid == 2 || by_target(acl, oid, iid))
        return TERN_OK;
    uint16_t aiid;
    tern_acl_inst *in;
    if (lowest_free_iid(acl, &aiid) != TERN_OK || !(in = alloc_inst(acl, aiid)))
        return TERN_EFULL;
    in->oid = oid;
    in->target_iid = iid;
    in->owner = ssid; /* the creating server owns it: full rights, no ACL entries */
    return TERN_OK;
}

void tern_acl_on_delete(tern_acl_obj *acl, uint16_t oid, uint16_t iid)
{
    tern_acl_inst *in;
    while ((in = by_target(acl, oid, iid)) != NULL)
        in->used = false;
}
