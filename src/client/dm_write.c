/* tern — Write (Replace / Partial Update), Create and Write-Composite
 * (Core §5.4.3, §5.4.6, Write-Composite; Transport §6.4.4). The body is
 * decoded as it arrives (one piece per Block1 block) and every value goes
 * straight to the object's write handler inside one transaction per
 * request; the end of the body validates and commits, any error rolls back
 * (dm.h, "Atomic writes"). */
#include <stddef.h>
#include <string.h>

#include "client/dm_internal.h"

static bool fmt_create_ok(int32_t cf)
{
    /* Transport Table 6.4.4.-1, Create row */
    return cf == TERN_CF_TLV || cf == TERN_CF_LWM2M_CBOR || cf == TERN_CF_SENML_CBOR || cf == TERN_CF_SENML_JSON;
}

void dm_write_abort(tern_dm *dm)
{
    if (!dm->w_.active)
        return;
    (void)dm_txn_end(dm, dm->w_.kind, false);
    dm->w_.active = false;
}

static int w_fail(tern_dm *dm, tern_op_result *res, int code, const char *why)
{
    (void)dm_txn_end(dm, dm->w_.kind, false);
    dm->w_.active = false;
    return tern_op_fail(res, (tern_lwm2m_code)code, why);
}

/* Lowest free instance id. */
static int free_iid(tern_dm_obj *o, uint16_t *iid)
{
    uint32_t want = 0;
    int32_t after = -1;
    uint16_t got;
    while (o->h->inst_next(o, after, &got) == TERN_OK && got == want) {
        want++;
        after = got;
    }
    if (want > TERN_ID_MAX)
        return TERN_EFULL;
    *iid = (uint16_t)want;
    return TERN_OK;
}

/* Creates the instance of a Create on first need. */
static int w_create(tern_dm *dm, uint16_t iid, const char **why)
{
    tern_dm_obj *o = dm->w_.obj;
    if (dm->w_.created) {
        if (iid != dm->w_.new_iid) {
            *why = "Create of more than one instance";
            return TERN_LC_BAD_REQUEST;
        }
        return DM_GO;
    }
    /* "Target (i.e., Object) already exists" (Table 6.7.-3) */
    if (dm_inst_exists(o, iid) || (!o->def->multiple && o->h->inst_next(o, -1, &(uint16_t){0}) == TERN_OK)) {
        *why = "instance already exists";
        return TERN_LC_BAD_REQUEST;
    }
    int c = dm_txn_touch(dm, dm->w_.kind, o);
    if (c != DM_GO)
        return c;
    int rc = o->h->create(o, iid);
    if (rc < 0) {
        *why = "create handler failed";
        return tern_op_code_from_err(dm->w_.kind, rc);
    }
    dm->w_.created = true;
    dm->w_.new_iid = iid;
    return DM_GO;
}

/* One decoded entry of the body. */
static int w_entry(tern_dm *dm, const tern_op *op, const tern_entry *e, const char **why)
{
    int kind = dm->w_.kind;
    const tern_path *tp = &dm->w_.path;
    *why = "bad entry";
    if (e->kind == TERN_ENTRY_PATH_ONLY) {
        *why = "entry without a value";
        return TERN_LC_BAD_REQUEST;
    }
    if (!tern_path_is_prefix(tp, &e->path) || e->path.len < 2) {
        *why = "entry outside the target";
        return TERN_LC_BAD_REQUEST;
    }
    tern_dm_obj *o = dm->w_.obj;
    if (kind == TERN_OPK_WRITE_COMPOSITE) {
        o = tern_dm_find(dm, e->path.ids[0]);
        if (!o || !dm_inst_exists(o, e->path.ids[1])) {
            *why = "composite path not found";
            return TERN_LC_NOT_FOUND;
        }
        int a = dm_access(dm, op->ssid, kind, &e->path);
        if (a != DM_GO) {
            *why = "composite path not allowed";
            return a;
        }
    }
    if (kind == TERN_OPK_CREATE) {
        int c = w_create(dm, e->path.ids[1], why);
        if (c != DM_GO)
            return c;
    }
    int c = dm_txn_touch(dm, kind, o);
    if (c != DM_GO)
        return c;
    if (e->kind == TERN_ENTRY_EMPTY_INSTANCE)
        return DM_GO;
    const tern_res_def *rd = tern_obj_find_res(o->def, e->path.ids[2]);
    if (!rd) {
        *why = "no such resource";
        return TERN_LC_NOT_FOUND;
    }
    if (!(rd->ops & TERN_OP_W) && kind != TERN_OPK_CREATE) {
        *why = "resource is not writable";
        return TERN_LC_METHOD_NOT_ALLOWED;
    }
    if (rd->type == TERN_TYPE_NONE) {
        *why = "resource has no value";
        return TERN_LC_METHOD_NOT_ALLOWED;
    }
    if (e->kind == TERN_ENTRY_EMPTY_MULTI || (e->path.len == 3 && rd->multiple)) {
        if (!rd->multiple) {
            *why = "single resource written as multiple";
            return TERN_LC_BAD_REQUEST;
        }
        if (e->kind != TERN_ENTRY_EMPTY_MULTI) {
            *why = "multiple resource written as single";
            return TERN_LC_BAD_REQUEST;
        }
        /* an empty multiple resource replaces the resource */
        if (!o->h->reset) {
            *why = "object cannot clear a resource";
            return TERN_LC_METHOD_NOT_ALLOWED;
        }
        int rc = o->h->reset(o, &e->path);
        return rc < 0 ? tern_op_code_from_err(kind, rc) : DM_GO;
    }
    if (e->path.len == 4 && !rd->multiple) {
        *why = "resource instance of a single resource";
        return TERN_LC_BAD_REQUEST;
    }
    /* the definition rules: the value must match, never coerced */
    bool whole = e->offset == 0 && !e->more;
    int rc = whole ? tern_value_check(rd, &e->value) : (e->value.type == rd->type ? TERN_OK : TERN_ETYPE);
    if (rc < 0) {
        *why = "value does not match its definition";
        return TERN_LC_BAD_REQUEST;
    }
    if (!o->h->write) {
        *why = "object is not writable";
        return TERN_LC_METHOD_NOT_ALLOWED;
    }
    rc = o->h->write(o, e);
    if (rc < 0) {
        *why = "write handler failed";
        return tern_op_code_from_err(kind, rc);
    }
    if (o == dm->w_.obj && kind == TERN_OPK_CREATE) {
        size_t idx = (size_t)(rd - o->def->res);
        if (idx < 64)
            dm->w_.mandatory_seen |= (uint64_t)1 << idx;
    }
    return DM_GO;
}

/* First piece: checks the target and the format, opens the transaction. */
static int w_start(tern_dm *dm, const tern_op *op, const char **why)
{
    const tern_path *p = &op->path;
    int kind = op->kind;
    memset(&dm->w_, 0, offsetof(tern_dm, w_.dec) - offsetof(tern_dm, w_));
    dm->w_.kind = op->kind;
    dm->w_.ssid = op->ssid;
    dm->w_.cf = op->content_format;
    dm->w_.path = *p;
    *why = "target not found or not allowed";
    dm_target t = {0};
    bool multiple = false;
    if (kind == TERN_OPK_WRITE_COMPOSITE) {
        if (p->len != 0)
            return TERN_LC_METHOD_NOT_ALLOWED;
    } else {
        if (p->len == 0)
            return TERN_LC_METHOD_NOT_ALLOWED;
        int c = dm_resolve(dm, p, &t);
        if (c == DM_GO)
            c = dm_access(dm, op->ssid, kind, p);
        if (c != DM_GO)
            return c;
        dm->w_.obj = t.obj;
        multiple = t.rdef && t.rdef->multiple;
    }
    *why = "target not allowed for the operation";
    switch (kind) {
    case TERN_OPK_CREATE:
        if (p->len != 1 || !t.obj->h->create)
            return TERN_LC_METHOD_NOT_ALLOWED;
        break;
    case TERN_OPK_WRITE_UPDATE:
        /* POST /O/I, or /O/I/R of a multiple resource (Table 6.4.4.-1) */
        if (p->len != 2 && !(p->len == 3 && multiple))
            return TERN_LC_METHOD_NOT_ALLOWED;
        break;
    case TERN_OPK_WRITE_REPLACE:
        if (p->len < 2)
            return TERN_LC_METHOD_NOT_ALLOWED;
        if (t.rdef && (!(t.rdef->ops & TERN_OP_W) || t.rdef->type == TERN_TYPE_NONE))
            return TERN_LC_METHOD_NOT_ALLOWED;
        break;
    default: break;
    }
    int32_t cf = op->content_format;
    *why = "Content-Format not supported for this target";
    if (cf == TERN_OP_CF_NONE)
        /* "Content Format is not specified" (Table 6.7.-3, Create) */
        return kind == TERN_OPK_CREATE ? TERN_LC_BAD_REQUEST : TERN_LC_UNSUPPORTED_FORMAT;
    tern_codec_op cop = kind == TERN_OPK_WRITE_COMPOSITE ? TERN_COP_WRITE_COMPOSITE : TERN_COP_WRITE;
    bool fmt_ok = kind == TERN_OPK_CREATE ? fmt_create_ok(cf) : tern_cf_allowed(cf, cop, p, multiple) == TERN_OK;
    int bad_fmt = kind == TERN_OPK_WRITE_COMPOSITE ? TERN_LC_NOT_ACCEPTABLE : TERN_LC_UNSUPPORTED_FORMAT;
    if (!fmt_ok)
        return bad_fmt;
    uint8_t *dec, *enc, *tmp;
    size_t dec_len, enc_len, tmp_len;
    dm_work_split(dm, &dec, &dec_len, &enc, &enc_len, &tmp, &tmp_len);
    if (tern_decoder_init(&dm->w_.dec, cf, p, tern_dm_type_of, dm, dec, dec_len) != TERN_OK)
        return bad_fmt;
    dm->w_.active = true;
    if (kind == TERN_OPK_WRITE_REPLACE && p->len == 2) {
        /* Replace: the instance gets exactly the given resources */
        *why = "object cannot replace an instance";
        if (!t.obj->h->reset)
            return TERN_LC_METHOD_NOT_ALLOWED;
        int c = dm_txn_touch(dm, kind, t.obj);
        if (c != DM_GO)
            return c;
        int rc = t.obj->h->reset(t.obj, p);
        if (rc < 0)
            return tern_op_code_from_err(kind, rc);
    } else if (kind == TERN_OPK_WRITE_REPLACE && p->len == 3 && multiple) {
        *why = "object cannot replace a resource";
        if (!t.obj->h->reset)
            return TERN_LC_METHOD_NOT_ALLOWED;
        int c = dm_txn_touch(dm, kind, t.obj);
        if (c != DM_GO)
            return c;
        int rc = t.obj->h->reset(t.obj, p);
        if (rc < 0)
            return tern_op_code_from_err(kind, rc);
    }
    return DM_GO;
}

/* Mandatory writable resources of a created instance (Table 6.7.-3:
 * "Mandatory Resources are not specified" → 4.00). */
static bool w_mandatory_ok(const tern_dm *dm)
{
    const tern_obj_def *d = dm->w_.obj->def;
    for (uint16_t i = 0; i < d->res_count && i < 64; i++) {
        const tern_res_def *r = &d->res[i];
        if (r->mandatory && (r->ops & TERN_OP_W) && r->type != TERN_TYPE_NONE &&
            !(dm->w_.mandatory_seen & ((uint64_t)1 << i)))
            return false;
    }
    return true;
}

int dm_write(tern_dm *dm, const tern_op *op, tern_op_result *res)
{
    const char *why = NULL;
    int code;
    if (op->offset == 0) {
        if (dm->w_.active)
            dm_write_abort(dm); /* a new body replaces an unfinished one */
        code = w_start(dm, op, &why);
        if (code != DM_GO)
            return w_fail(dm, res, code, why);
    } else if (!dm->w_.active || dm->w_.kind != op->kind || dm->w_.ssid != op->ssid ||
               !tern_path_eq(&dm->w_.path, &op->path) || dm->w_.next_offset != op->offset) {
        return tern_op_fail(res, TERN_LC_REQUEST_INCOMPLETE, "piece does not continue an open write");
    }
    tern_decoder *d = &dm->w_.dec;
    int rc = tern_decoder_feed(d, op->payload.ptr, op->payload.len, !op->more);
    if (rc < 0)
        return w_fail(dm, res, rc == TERN_ENOMEM ? TERN_LC_REQUEST_TOO_LARGE : TERN_LC_BAD_REQUEST,
                      "element larger than the decoder scratch");
    dm->w_.next_offset = op->offset + (uint32_t)op->payload.len;
    tern_entry e;
    while ((rc = tern_decoder_next(d, &e)) == TERN_OK) {
        code = w_entry(dm, op, &e, &why);
        if (code != DM_GO)
            return w_fail(dm, res, code, why);
    }
    if (rc == TERN_AGAIN && op->more) {
        res->code = TERN_LC_CONTINUE;
        return res->code;
    }
    if (rc != TERN_DONE)
        /* "The format of data to be written is different" */
        return w_fail(dm, res, rc == TERN_ETOOBIG || rc == TERN_ENOMEM ? TERN_LC_REQUEST_TOO_LARGE
                                                                       : TERN_LC_BAD_REQUEST,
                      d->err_reason ? d->err_reason : "payload does not decode");
    if (op->kind == TERN_OPK_CREATE) {
        if (!dm->w_.created) {
            /* an empty body: the client picks the id (Transport §6.4.4) */
            uint16_t iid;
            if (free_iid(dm->w_.obj, &iid) != TERN_OK)
                return w_fail(dm, res, TERN_LC_INTERNAL_ERROR, "no free instance id");
            code = w_create(dm, iid, &why);
            if (code != DM_GO)
                return w_fail(dm, res, code, why);
        }
        if (!w_mandatory_ok(dm))
            return w_fail(dm, res, TERN_LC_BAD_REQUEST, "mandatory resources are not specified");
    }
    code = dm_txn_end(dm, op->kind, true);
    dm->w_.active = false;
    if (code != DM_GO)
        return tern_op_fail(res, (tern_lwm2m_code)code, "validation failed");
    if (op->kind == TERN_OPK_CREATE) {
        res->code = TERN_LC_CREATED;
        res->has_location = true;
        res->location = tern_path_make(2, op->path.ids[0], dm->w_.new_iid, 0, 0);
        /* after the commit: the ACL owner of the new instance (Core §7.3.1) */
        if (dm->cfg.on_instance_created)
            dm->cfg.on_instance_created(dm->cfg.instance_ctx, op->ssid, op->path.ids[0], dm->w_.new_iid);
    } else {
        res->code = TERN_LC_CHANGED;
    }
    return res->code;
}
