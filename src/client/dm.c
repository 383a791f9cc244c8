/* tern — client data model: object list, lookups, transactions, the DM & SE
 * dispatcher, Execute, Delete and Write-Attributes (Core §6.3, Transport
 * §6.4.4 and Table 6.7.-3). Reads/Discover are in dm_read.c, writes in
 * dm_write.c. */
#include <string.h>

#include "client/dm_internal.h"

int tern_dm_init(tern_dm *dm, const tern_dm_cfg *cfg)
{
    if (!dm || !cfg || !cfg->work || cfg->work_len < 256)
        return TERN_EINVAL;
    memset(dm, 0, sizeof *dm);
    dm->cfg = *cfg;
    if (dm->cfg.default_format == 0)
        dm->cfg.default_format = TERN_WITH_LWM2M_CBOR ? TERN_CF_LWM2M_CBOR : TERN_CF_TLV;
    for (size_t i = 0; i < cfg->attr_slot_count; i++)
        dm->cfg.attr_slots[i].used = false;
    return TERN_OK;
}

int tern_dm_add(tern_dm *dm, tern_dm_obj *o)
{
    if (!dm || !o || !o->def || !o->h)
        return TERN_EINVAL;
    tern_dm_obj **pp = &dm->objs_;
    while (*pp && (*pp)->def->id < o->def->id)
        pp = &(*pp)->next_;
    if (*pp && (*pp)->def->id == o->def->id)
        return TERN_EEXIST;
    o->next_ = *pp;
    o->txn_next_ = NULL;
    o->in_txn_ = false;
    *pp = o;
    return TERN_OK;
}

int tern_dm_remove(tern_dm *dm, tern_dm_obj *o)
{
    for (tern_dm_obj **pp = &dm->objs_; *pp; pp = &(*pp)->next_) {
        if (*pp == o) {
            if (dm->w_.active)
                dm_write_abort(dm);
            *pp = o->next_;
            o->next_ = NULL;
            return TERN_OK;
        }
    }
    return TERN_ENOTFOUND;
}

tern_dm_obj *tern_dm_find(const tern_dm *dm, uint16_t oid)
{
    for (tern_dm_obj *o = dm->objs_; o && o->def->id <= oid; o = o->next_)
        if (o->def->id == oid)
            return o;
    return NULL;
}

tern_dm_obj *tern_dm_first(const tern_dm *dm)
{
    return dm->objs_;
}

tern_dm_obj *tern_dm_next(const tern_dm_obj *o)
{
    return o->next_;
}

tern_type tern_dm_type_of(void *ctx, const tern_path *p)
{
    const tern_dm *dm = ctx;
    if (!dm || p->len < 3)
        return TERN_TYPE_NONE;
    tern_dm_obj *o = tern_dm_find(dm, p->ids[0]);
    const tern_res_def *r = o ? tern_obj_find_res(o->def, p->ids[2]) : NULL;
    if (!r)
        return TERN_TYPE_NONE;
    return (tern_type)(r->multiple ? (r->type | TERN_TYPE_MULTIPLE) : r->type);
}

/* ---- lookups ---- */

bool dm_inst_exists(tern_dm_obj *o, uint16_t iid)
{
    if (!o->h->inst_next)
        return false;
    uint16_t got;
    /* inst_next(iid - 1) gives the first id ≥ iid */
    return o->h->inst_next(o, (int32_t)iid - 1, &got) == TERN_OK && got == iid;
}

bool dm_res_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    if (!tern_obj_find_res(o->def, rid))
        return false;
    return o->h->res_present ? o->h->res_present(o, iid, rid) : true;
}

bool dm_rinst_exists(tern_dm_obj *o, uint16_t iid, uint16_t rid, uint16_t riid)
{
    if (!o->h->rinst_next)
        return false;
    uint16_t got;
    return o->h->rinst_next(o, iid, rid, (int32_t)riid - 1, &got) == TERN_OK && got == riid;
}

int dm_resolve(tern_dm *dm, const tern_path *p, dm_target *t)
{
    t->obj = NULL;
    t->rdef = NULL;
    if (p->len == 0)
        return DM_GO;
    t->obj = tern_dm_find(dm, p->ids[0]);
    if (!t->obj)
        return TERN_LC_NOT_FOUND;
    if (p->len >= 2 && !dm_inst_exists(t->obj, p->ids[1]))
        return TERN_LC_NOT_FOUND;
    if (p->len >= 3) {
        t->rdef = tern_obj_find_res(t->obj->def, p->ids[2]);
        if (!t->rdef || !dm_res_present(t->obj, p->ids[1], p->ids[2]))
            return TERN_LC_NOT_FOUND;
    }
    if (p->len == 4 && (!t->rdef->multiple || !dm_rinst_exists(t->obj, p->ids[1], p->ids[2], p->ids[3])))
        return TERN_LC_NOT_FOUND;
    return DM_GO;
}

int dm_access(tern_dm *dm, uint16_t ssid, int kind, const tern_path *p)
{
    if (!dm->cfg.check_access)
        return DM_GO;
    int rc = dm->cfg.check_access(dm->cfg.access_ctx, ssid, kind, p);
    if (rc == TERN_OK)
        return DM_GO;
    /* the hook's contract: allow, 4.01 or 4.04 (hide existence) */
    return rc == TERN_ENOTFOUND ? TERN_LC_NOT_FOUND : TERN_LC_UNAUTHORIZED;
}

void dm_work_split(tern_dm *dm, uint8_t **dec, size_t *dec_len, uint8_t **enc, size_t *enc_len, uint8_t **tmp,
                   size_t *tmp_len)
{
    size_t half = dm->cfg.work_len / 2;
    *dec = dm->cfg.work;
    *dec_len = half;
    *enc = dm->cfg.work + half;
    *enc_len = (dm->cfg.work_len - half) / 2;
    *tmp = *enc + *enc_len;
    *tmp_len = dm->cfg.work_len - half - *enc_len;
}

/* ---- response windows ---- */

void dm_win_put(dm_win *w, const uint8_t *b, size_t n)
{
    size_t end = w->off + w->cap;
    size_t s = w->pos, e = w->pos + n;
    if (e > w->off && s < end) {
        size_t from = s < w->off ? w->off - s : 0;
        size_t to = e > end ? n - (e - end) : n;
        memcpy(w->out + w->written, b + from, to - from);
        w->written += to - from;
    }
    w->pos = e;
    if (e > end)
        w->past = true;
}

void dm_win_result(const dm_win *w, tern_op_result *res)
{
    res->offset = (uint32_t)w->off;
    res->body_len = w->written;
    res->more = w->past;
    res->total = w->past ? -1 : (int64_t)w->pos;
}

/* ---- transactions ---- */

int dm_txn_touch(tern_dm *dm, int kind, tern_dm_obj *o)
{
    if (o->in_txn_)
        return DM_GO;
    if (o->h->begin) {
        int rc = o->h->begin(o);
        if (rc < 0)
            return tern_op_code_from_err(kind, rc);
    }
    o->in_txn_ = true;
    o->txn_next_ = dm->txn_;
    dm->txn_ = o;
    return DM_GO;
}

int dm_txn_end(tern_dm *dm, int kind, bool ok)
{
    int code = DM_GO;
    if (ok) {
        for (tern_dm_obj *o = dm->txn_; o; o = o->txn_next_) {
            int rc = o->h->validate ? o->h->validate(o) : TERN_OK;
            if (rc < 0) {
                code = tern_op_code_from_err(kind, rc);
                ok = false;
                break;
            }
        }
    }
    for (tern_dm_obj *o = dm->txn_, *n; o; o = n) {
        n = o->txn_next_;
        if (ok && o->h->commit) {
            int rc = o->h->commit(o);
            if (rc < 0 && code == DM_GO)
                code = TERN_LC_INTERNAL_ERROR; /* a commit must not fail */
        } else if (!ok && o->h->rollback) {
            o->h->rollback(o);
        }
        o->in_txn_ = false;
        o->txn_next_ = NULL;
    }
    dm->txn_ = NULL;
    return code;
}

/* ---- Execute arguments (Core §5.4.5):
 *   arglist  = argument *( "," argument )
 *   argument = digit [ "=" "'" *argchar "'" ]
 *   argchar  = %x21 / %x23-26 / %x28-7E   (printable, no space, '"' or "'") */

/* Core §5.4.5: CHAR = %x21 / %x23-26 / %x28-7E. SP (%x20) is accepted as
 * well: the spec's own example `7,0=' <https://www.omaspecworks.org>'`
 * (golden vector spec-exec-args-3) has one, and accepting it costs nothing. */
static bool argchar(uint8_t c)
{
    return c == 0x20 || c == 0x21 || (c >= 0x23 && c <= 0x26) || (c >= 0x28 && c <= 0x7e);
}

int tern_dm_exec_args_next(const uint8_t *s, size_t len, size_t *pos, tern_dm_exec_arg *arg)
{
    size_t i = *pos;
    if (i >= len)
        return TERN_DONE;
    if (i > 0) {
        if (s[i] != ',')
            return TERN_EMALFORMED;
        i++;
    }
    if (i >= len || s[i] < '0' || s[i] > '9')
        return TERN_EMALFORMED;
    arg->digit = (uint8_t)(s[i] - '0');
    arg->has_value = false;
    arg->value.ptr = NULL;
    arg->value.len = 0;
    i++;
    if (i < len && s[i] == '=') {
        if (i + 1 >= len || s[i + 1] != '\'')
            return TERN_EMALFORMED;
        size_t st = i + 2, j = st;
        while (j < len && s[j] != '\'') {
            if (!argchar(s[j]))
                return TERN_EMALFORMED;
            j++;
        }
        if (j >= len)
            return TERN_EMALFORMED; /* unterminated value */
        arg->has_value = true;
        arg->value.ptr = s + st;
        arg->value.len = j - st;
        i = j + 1;
    }
    if (i < len && s[i] != ',')
        return TERN_EMALFORMED;
    if (i < len && i + 1 == len)
        return TERN_EMALFORMED; /* trailing comma */
    *pos = i;
    return TERN_OK;
}

int tern_dm_exec_args_check(const uint8_t *s, size_t len)
{
    size_t pos = 0;
    tern_dm_exec_arg a;
    int rc;
    while ((rc = tern_dm_exec_args_next(s, len, &pos, &a)) == TERN_OK)
        ;
    return rc == TERN_DONE ? TERN_OK : rc;
}

/* ---- Execute (Core §5.4.5; Transport Table 6.7.-3 "Execute") ---- */

static int dm_execute(tern_dm *dm, const tern_op *op, tern_op_result *res)
{
    const tern_path *p = &op->path;
    if (p->len != 3)
        return tern_op_fail(res, TERN_LC_METHOD_NOT_ALLOWED, "Execute targets a resource");
    dm_target t;
    int c = dm_resolve(dm, p, &t);
    if (c == DM_GO)
        c = dm_access(dm, op->ssid, op->kind, p);
    if (c != DM_GO)
        return tern_op_fail(res, (tern_lwm2m_code)c, "target not found or not allowed");
    if (!(t.rdef->ops & TERN_OP_E) || !t.obj->h->execute)
        return tern_op_fail(res, TERN_LC_METHOD_NOT_ALLOWED, "resource is not executable");
    if (tern_dm_exec_args_check(op->exec_args.ptr, op->exec_args.len) != TERN_OK)
        return tern_op_fail(res, TERN_LC_BAD_REQUEST, "Execute arguments do not follow Core §5.4.5");
    int rc = t.obj->h->execute(t.obj, p->ids[1], p->ids[2], op->exec_args.ptr, op->exec_args.len);
    if (rc < 0)
        return tern_op_fail(res, (tern_lwm2m_code)tern_op_code_from_err(op->kind, rc), "execute handler failed");
    res->code = TERN_LC_CHANGED;
    return res->code;
}

/* ---- attributes storage ---- */

static tern_dm_attr_slot *attr_slot(const tern_dm *dm, uint16_t ssid, const tern_path *p)
{
    for (size_t i = 0; i < dm->cfg.attr_slot_count; i++) {
        tern_dm_attr_slot *s = &dm->cfg.attr_slots[i];
        if (s->used && s->ssid == ssid && tern_path_eq(&s->path, p))
            return s;
    }
    return NULL;
}

const tern_attrs *tern_dm_attrs_get(const tern_dm *dm, uint16_t ssid, const tern_path *p)
{
    const tern_dm_attr_slot *s = attr_slot(dm, ssid, p);
    return s ? &s->attrs : NULL;
}

static void attrs_drop_under(tern_dm *dm, const tern_path *p)
{
    for (size_t i = 0; i < dm->cfg.attr_slot_count; i++) {
        tern_dm_attr_slot *s = &dm->cfg.attr_slots[i];
        if (s->used && tern_path_is_prefix(p, &s->path))
            s->used = false;
    }
}

/* Copies the values of the attributes in `bits` from src to dst. */
static void attrs_copy(tern_attrs *dst, const tern_attrs *src, uint16_t bits)
{
    if (bits & TERN_ATTR_PMIN) dst->pmin = src->pmin;
    if (bits & TERN_ATTR_PMAX) dst->pmax = src->pmax;
    if (bits & TERN_ATTR_GT) dst->gt = src->gt;
    if (bits & TERN_ATTR_LT) dst->lt = src->lt;
    if (bits & TERN_ATTR_ST) dst->st = src->st;
    if (bits & TERN_ATTR_EPMIN) dst->epmin = src->epmin;
    if (bits & TERN_ATTR_EPMAX) dst->epmax = src->epmax;
    if (bits & TERN_ATTR_EDGE) dst->edge = src->edge;
    if (bits & TERN_ATTR_CON) dst->con = src->con;
    if (bits & TERN_ATTR_HQMAX) dst->hqmax = src->hqmax;
    if (bits & TERN_ATTR_DIM) dst->dim = src->dim;
    if (bits & TERN_ATTR_VER) memcpy(dst->ver, src->ver, sizeof dst->ver);
    if (bits & TERN_ATTR_LWM2M) memcpy(dst->lwm2m, src->lwm2m, sizeof dst->lwm2m);
}

/* Write-Attributes (Core §5.4.4, Transport §6.4.4: set with a value, unset
 * without; inconsistent attributes → 4.00). */
static int dm_write_attrs(tern_dm *dm, const tern_op *op, tern_op_result *res)
{
    const tern_path *p = &op->path;
    const tern_attrs *a = &op->attrs;
    if (p->len == 0)
        return tern_op_fail(res, TERN_LC_METHOD_NOT_ALLOWED, "Write-Attributes on the root");
    dm_target t;
    int c = dm_resolve(dm, p, &t);
    if (c == DM_GO)
        c = dm_access(dm, op->ssid, op->kind, p);
    if (c != DM_GO)
        return tern_op_fail(res, (tern_lwm2m_code)c, "target not found or not allowed");
    if ((a->set | a->unset) == 0)
        return tern_op_fail(res, TERN_LC_BAD_REQUEST, "no attribute given");
    if ((a->set | a->unset) & TERN_ATTR_PROPERTIES)
        return tern_op_fail(res, TERN_LC_BAD_REQUEST, "Properties attributes are not writable");
    if (tern_attrs_check_level(a, p->len) != TERN_OK)
        return tern_op_fail(res, TERN_LC_BAD_REQUEST, "attribute not allowed at this level");
    tern_type rtype = t.rdef ? (tern_type)t.rdef->type : TERN_TYPE_NONE;
    if ((a->set & (TERN_ATTR_GT | TERN_ATTR_LT | TERN_ATTR_ST)) && !tern_type_is_numeric(rtype))
        return tern_op_fail(res, TERN_LC_BAD_REQUEST, "gt/lt/st on a non-numeric resource");

    tern_dm_attr_slot *s = attr_slot(dm, op->ssid, p);
    tern_attrs merged;
    memset(&merged, 0, sizeof merged);
    if (s)
        merged = s->attrs;
    attrs_copy(&merged, a, a->set);
    merged.set = (uint16_t)((merged.set | a->set) & ~a->unset);
    merged.unset = 0;
    /* consistency of what will be in force at this level (Core §5.1.2) */
    if (tern_attrs_check(&merged, rtype) != TERN_OK)
        return tern_op_fail(res, TERN_LC_BAD_REQUEST, "inconsistent attributes");
    if (merged.set == 0) {
        if (s)
            s->used = false;
    } else {
        if (!s) {
            for (size_t i = 0; i < dm->cfg.attr_slot_count && !s; i++)
                if (!dm->cfg.attr_slots[i].used)
                    s = &dm->cfg.attr_slots[i];
            if (!s)
                return tern_op_fail(res, TERN_LC_INTERNAL_ERROR, "attribute storage is full");
            s->used = true;
            s->ssid = op->ssid;
            s->path = *p;
        }
        s->attrs = merged;
    }
    res->code = TERN_LC_CHANGED;
    return res->code;
}

/* ---- Delete (Core §5.4.7) ---- */

static int dm_delete(tern_dm *dm, const tern_op *op, tern_op_result *res)
{
    const tern_path *p = &op->path;
    if (p->len != 2 && p->len != 4)
        return tern_op_fail(res, TERN_LC_METHOD_NOT_ALLOWED, "Delete targets an instance or resource instance");
    dm_target t;
    int c = dm_resolve(dm, p, &t);
    if (c == DM_GO)
        c = dm_access(dm, op->ssid, op->kind, p);
    if (c != DM_GO)
        return tern_op_fail(res, (tern_lwm2m_code)c, "target not found or not allowed");
    if (!t.obj->h->del)
        return tern_op_fail(res, TERN_LC_METHOD_NOT_ALLOWED, "object does not allow Delete");
    if (dm->w_.active && dm->w_.obj == t.obj)
        dm_write_abort(dm);
    int rc = t.obj->h->del(t.obj, p);
    if (rc < 0)
        return tern_op_fail(res, (tern_lwm2m_code)tern_op_code_from_err(op->kind, rc), "delete handler failed");
    attrs_drop_under(dm, p);
    if (p->len == 2 && dm->cfg.on_instance_deleted)
        dm->cfg.on_instance_deleted(dm->cfg.instance_ctx, op->ssid, p->ids[0], p->ids[1]);
    res->code = TERN_LC_DELETED;
    return res->code;
}

/* ---- dispatch ---- */

int tern_dm_handle(tern_dm *dm, const tern_op *op, uint8_t *out, size_t out_cap, uint32_t out_offset,
                   tern_op_result *res)
{
    tern_op_result_init(res);
    dm_win w = {out, out ? out_cap : 0, out_offset, 0, 0, false};
    int code;
    switch (op->kind) {
    case TERN_OPK_READ:
    case TERN_OPK_OBSERVE:
    case TERN_OPK_CANCEL_OBSERVE:
        code = dm_read(dm, op, &w, res);
        break;
    case TERN_OPK_READ_COMPOSITE:
    case TERN_OPK_OBSERVE_COMPOSITE:
    case TERN_OPK_CANCEL_OBSERVE_COMPOSITE:
        code = dm_read_composite(dm, op, &w, res);
        break;
    case TERN_OPK_DISCOVER:
        code = dm_discover(dm, op, &w, res);
        break;
    case TERN_OPK_WRITE_REPLACE:
    case TERN_OPK_WRITE_UPDATE:
    case TERN_OPK_CREATE:
    case TERN_OPK_WRITE_COMPOSITE:
        code = dm_write(dm, op, res);
        break;
    case TERN_OPK_WRITE_ATTRS:
        code = dm_write_attrs(dm, op, res);
        break;
    case TERN_OPK_EXECUTE:
        code = dm_execute(dm, op, res);
        break;
    case TERN_OPK_DELETE:
        code = dm_delete(dm, op, res);
        break;
    default:
        code = tern_op_fail(res, TERN_LC_NOT_IMPLEMENTED, "not a DM & SE operation");
        return code;
    }
    if (!tern_op_code_allowed(op->kind, code)) {
        /* a code outside the operation's row (Transport §6.7) is a bug */
        code = tern_op_fail(res, TERN_LC_INTERNAL_ERROR, "result code not allowed for the operation");
    }
    return code;
}
