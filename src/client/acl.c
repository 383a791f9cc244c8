/* tern — the access-control decision (Core §7.3, Access Control object 2):
 * which server may perform which operation on which target. Plugged into
 * the data model as its check_access hook (dm.h). The object itself (its
 * storage and handlers) is in obj_acl.c. */
#include "tern/objects.h"
#include "tern/op.h"

static const tern_acl_inst *find_target(const tern_acl_obj *acl, uint16_t oid, uint16_t iid)
{
    for (size_t i = 0; i < acl->cfg.count; i++) {
        const tern_acl_inst *in = &acl->cfg.insts[i];
        if (in->used && in->oid == oid && in->target_iid == iid)
            return in;
    }
    return NULL;
}

static const tern_acl_inst *find_iid(const tern_acl_obj *acl, uint16_t iid)
{
    for (size_t i = 0; i < acl->cfg.count; i++) {
        const tern_acl_inst *in = &acl->cfg.insts[i];
        if (in->used && in->iid == iid)
            return in;
    }
    return NULL;
}

static int entry_rights(const tern_acl_inst *in, uint16_t ssid)
{
    for (uint8_t k = 0; k < in->n_entries; k++)
        if (in->entries[k].ssid == ssid)
            return in->entries[k].rights & TERN_ACL_ALL;
    return -1;
}

/* Core §7.3.1: the server's own ACL resource instance; else the owner
 * "which doesn't have ACL Resource Instance" has full rights; else the
 * default ACL (resource instance 0); else nothing. */
static uint16_t inst_rights(const tern_acl_inst *in, uint16_t ssid)
{
    int r = entry_rights(in, ssid);
    if (r >= 0)
        return (uint16_t)r;
    if (in->owner == ssid)
        return TERN_ACL_ALL;
    r = entry_rights(in, 0);
    return r >= 0 ? (uint16_t)r : 0;
}

int tern_acl_rights(const tern_acl_obj *acl, uint16_t ssid, uint16_t oid, uint16_t iid)
{
    const tern_acl_inst *in = find_target(acl, oid, iid);
    return in ? inst_rights(in, ssid) : -1;
}

/* The ACL bit an operation needs (0: always allowed; -1: not a DM & SE
 * operation). Core §7.3.1: R = Read, Observe, Write-Attributes; Discover
 * and Read-Composite are reads too. */
static int needed_bit(int kind, uint8_t path_len)
{
    switch (kind) {
    case TERN_OPK_READ:
    case TERN_OPK_OBSERVE:
    case TERN_OPK_READ_COMPOSITE:
    case TERN_OPK_OBSERVE_COMPOSITE:
    case TERN_OPK_DISCOVER:
    case TERN_OPK_WRITE_ATTRS:
        return TERN_ACL_R;
    case TERN_OPK_CANCEL_OBSERVE:
    case TERN_OPK_CANCEL_OBSERVE_COMPOSITE:
        return 0; /* a server may always stop what it started */
    case TERN_OPK_WRITE_REPLACE:
    case TERN_OPK_WRITE_UPDATE:
    case TERN_OPK_WRITE_COMPOSITE:
        return TERN_ACL_W;
    case TERN_OPK_EXECUTE:
        return TERN_ACL_E;
    case TERN_OPK_DELETE:
        /* deleting a resource instance changes the object instance: W */
        return path_len == 4 ? TERN_ACL_W : TERN_ACL_D;
    case TERN_OPK_CREATE:
        return TERN_ACL_C;
    default:
        return -1;
    }
}

static uint16_t servers(const tern_acl_obj *acl)
{
    return acl->cfg.server_count ? acl->cfg.server_count(acl->cfg.ctx) : acl->servers_;
}

/* Requests on the Access Control object itself: "only managed by the
 * Access Control Owner" (object 2 resource 3); instances are created and
 * deleted by the client and the Bootstrap-Server only. */
static int check_acl_object(const tern_acl_obj *acl, uint16_t ssid, int bit, const tern_path *p)
{
    if (bit == TERN_ACL_R || bit == 0)
        return TERN_OK;
    if (bit == TERN_ACL_C || bit == TERN_ACL_D || bit == TERN_ACL_E || p->len < 2)
        return TERN_EPERM;
    const tern_acl_inst *in = find_iid(acl, p->ids[1]);
    if (!in)
        return TERN_ENOTFOUND;
    return in->owner == ssid && ssid != TERN_ACL_OWNER_BOOTSTRAP ? TERN_OK : TERN_EPERM;
}

/* A request on the object /O: the right on every instance (a Read of an
 * object must not reveal instances the server may not read). */
static int check_object_level(const tern_acl_obj *acl, uint16_t ssid, int bit, uint16_t oid)
{
    if (!acl->cfg.dm)
        return TERN_EPERM;
    tern_dm_obj *o = tern_dm_find(acl->cfg.dm, oid);
    if (!o || !o->h->inst_next)
        return TERN_OK; /* the dm answers Not Found itself */
    int32_t after = -1;
    uint16_t iid;
    while (o->h->inst_next(o, after, &iid) == TERN_OK) {
        const tern_acl_inst *in = find_target(acl, oid, iid);
        if (!in || !(inst_rights(in, ssid) & bit))
            return TERN_EPERM;
        after = iid;
    }
    return TERN_OK;
}

int tern_acl_check(void *ctx, uint16_t ssid, int op_kind, const tern_path *p)
{
    const tern_acl_obj *acl = ctx;
    if (ssid == 0)
        return TERN_OK; /* Bootstrap-Server: the ACL binds LwM2M Servers only */
    if (p->len == 0)
        return TERN_OK; /* composite root: each path is checked on its own */
    if (p->ids[0] == 0)
        return TERN_ENOTFOUND; /* Security object: Bootstrap-Server only */
    if (servers(acl) <= 1)
        return TERN_OK; /* Core §7.3: a single server has full access rights */
    int bit = needed_bit(op_kind, p->len);
    if (bit < 0)
        return TERN_EPERM;
    if (bit == 0)
        return TERN_OK;
    if (p->ids[0] == 2)
        return check_acl_object(acl, ssid, bit, p);
    if (bit == TERN_ACL_C) {
        /* Create: the object-level instance (Object Instance ID MAX_ID) */
        const tern_acl_inst *in = find_target(acl, p->ids[0], TERN_ACL_OBJECT_LEVEL);
        return in && (inst_rights(in, ssid) & TERN_ACL_C) ? TERN_OK : TERN_EPERM;
    }
    if (p->len == 1)
        return check_object_level(acl, ssid, bit, p->ids[0]);
    const tern_acl_inst *in = find_target(acl, p->ids[0], p->ids[1]);
    if (!in)
        return TERN_ENOTFOUND; /* no ACL instance: the instance is not exposed */
    return (inst_rights(in, ssid) & bit) ? TERN_OK : TERN_EPERM;
}
