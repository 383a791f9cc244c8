/* tern — Read, Read-Composite and Discover (Core §5.4.1, §5.4.2; Transport
 * §6.4.4). Responses are produced in windows: the whole representation is
 * re-encoded on every call and only bytes [off, off + cap) are kept
 * (dm_win), so Block2 needs no state between blocks. */
#include <string.h>

#include "client/dm_internal.h"

typedef struct rd_ctx {
    tern_dm *dm;
    const tern_op *op;
    dm_win *w;
    tern_encoder enc;
    tern_wbuf tmp;
    bool link_first;
    /* object level: leave out the instances the server may not access */
    bool filter;
} rd_ctx;

/* Core §7.3: a request on an object covers the instances the server has
 * the right for; the others are skipped, not refused. */
static bool rd_inst_allowed(const rd_ctx *c, uint16_t oid, uint16_t iid)
{
    if (!c->filter)
        return true;
    tern_path ip = tern_path_make(2, oid, iid, 0, 0);
    return dm_access(c->dm, c->op->ssid, c->op->kind, &ip) == DM_GO;
}

/* The access check of an object-level target: 4.04 from the hook stays,
 * 4.01 turns into per-instance filtering. Deeper targets: the hook's word. */
static int rd_access(tern_dm *dm, const tern_op *op, const tern_path *p, bool *filter)
{
    int code = dm_access(dm, op->ssid, op->kind, p);
    *filter = p->len == 1 && dm->cfg.check_access != NULL;
    if (*filter && code == TERN_LC_UNAUTHORIZED)
        code = DM_GO;
    return code;
}

/* Encodes one entry and moves the bytes into the window. */
static int rd_put(rd_ctx *c, const tern_entry *e)
{
    for (;;) {
        c->tmp.len = 0;
        int rc = tern_encoder_add(&c->enc, e, &c->tmp);
        if (rc < 0)
            return rc == TERN_ENOMEM ? TERN_ETOOBIG : rc;
        dm_win_put(c->w, c->tmp.ptr, c->tmp.len);
        if (rc != TERN_AGAIN) /* TERN_AGAIN: drained, repeat (codec.h) */
            return TERN_OK;
    }
}

static int rd_value(rd_ctx *c, tern_dm_obj *o, const tern_path *p, const tern_res_def *rd)
{
    uint32_t off = 0;
    for (;;) {
        tern_dm_read_out ro;
        memset(&ro, 0, sizeof ro);
        int rc = o->h->read(o, p, off, &ro);
        if (rc < 0)
            return rc;
        /* the definition rules: a value of another type is an error */
        if (ro.value.type != rd->type)
            return TERN_ETYPE;
        bool chunky = ro.value.type == TERN_TYPE_OPAQUE || ro.value.type == TERN_TYPE_STRING ||
                      ro.value.type == TERN_TYPE_CORELNK;
        if (!chunky || (off == 0 && !ro.more)) {
            rc = tern_value_check(rd, &ro.value);
            if (rc < 0)
                return rc;
        }
        tern_entry e;
        memset(&e, 0, sizeof e);
        e.kind = TERN_ENTRY_VALUE;
        e.path = *p;
        e.value = ro.value;
        if (chunky) {
            e.offset = off;
            e.more = ro.more;
            e.total = ro.more || off ? ro.total : (uint32_t)ro.value.v.bytes.len;
        }
        rc = rd_put(c, &e);
        if (rc < 0 || !chunky || !ro.more || c->w->past)
            return rc;
        if (ro.value.v.bytes.len == 0)
            return TERN_EINVAL; /* a chunk must make progress */
        off += (uint32_t)ro.value.v.bytes.len;
    }
}

static int rd_resource(rd_ctx *c, tern_dm_obj *o, uint16_t iid, const tern_res_def *rd)
{
    if (!rd->multiple) {
        tern_path p = tern_path_make(3, o->def->id, iid, rd->id, 0);
        return rd_value(c, o, &p, rd);
    }
    if (!o->h->rinst_next)
        return TERN_EINVAL;
    int32_t after = -1;
    uint16_t riid;
    bool any = false;
    int rc;
    while (!c->w->past && (rc = o->h->rinst_next(o, iid, rd->id, after, &riid)) == TERN_OK) {
        tern_path p = tern_path_make(4, o->def->id, iid, rd->id, riid);
        rc = rd_value(c, o, &p, rd);
        if (rc < 0)
            return rc;
        any = true;
        after = riid;
    }
    if (!any && !c->w->past) {
        tern_entry e;
        memset(&e, 0, sizeof e);
        e.kind = TERN_ENTRY_EMPTY_MULTI;
        e.path = tern_path_make(3, o->def->id, iid, rd->id, 0);
        return rd_put(c, &e);
    }
    return TERN_OK;
}

static int rd_instance(rd_ctx *c, tern_dm_obj *o, uint16_t iid)
{
    bool any = false;
    for (uint16_t i = 0; i < o->def->res_count && !c->w->past; i++) {
        const tern_res_def *rd = &o->def->res[i];
        if (!(rd->ops & TERN_OP_R) || !dm_res_present(o, iid, rd->id))
            continue;
        int rc = rd_resource(c, o, iid, rd);
        if (rc < 0)
            return rc;
        any = true;
    }
    if (!any && !c->w->past) {
        tern_entry e;
        memset(&e, 0, sizeof e);
        e.kind = TERN_ENTRY_EMPTY_INSTANCE;
        e.path = tern_path_make(2, o->def->id, iid, 0, 0);
        return rd_put(c, &e);
    }
    return TERN_OK;
}

/* All entries under p (which dm_resolve accepted). */
static int rd_path(rd_ctx *c, const tern_path *p, const dm_target *t)
{
    tern_dm_obj *o = t->obj;
    switch (p->len) {
    case 1: {
        int32_t after = -1;
        uint16_t iid;
        while (!c->w->past && o->h->inst_next(o, after, &iid) == TERN_OK) {
            after = iid;
            if (!rd_inst_allowed(c, o->def->id, iid))
                continue;
            int rc = rd_instance(c, o, iid);
            if (rc < 0)
                return rc;
        }
        return TERN_OK;
    }
    case 2: return rd_instance(c, o, p->ids[1]);
    case 3: return rd_resource(c, o, p->ids[1], t->rdef);
    default: return rd_value(c, o, p, t->rdef);
    }
}

static int rd_finish(rd_ctx *c)
{
    if (c->w->past)
        return TERN_OK;
    c->tmp.len = 0;
    int rc = tern_encoder_finish(&c->enc, &c->tmp);
    if (rc < 0)
        return rc == TERN_ENOMEM ? TERN_ETOOBIG : rc;
    dm_win_put(c->w, c->tmp.ptr, c->tmp.len);
    return TERN_OK;
}

static int rd_setup(rd_ctx *c, tern_dm *dm, const tern_op *op, dm_win *w, int32_t cf, const tern_path *req)
{
    uint8_t *dec, *enc, *tmp;
    size_t dec_len, enc_len, tmp_len;
    dm_work_split(dm, &dec, &dec_len, &enc, &enc_len, &tmp, &tmp_len);
    c->dm = dm;
    c->op = op;
    c->w = w;
    c->tmp = tern_wbuf_make(tmp, tmp_len);
    c->link_first = true;
    c->filter = false;
    return cf == TERN_CF_LINK ? TERN_OK : tern_encoder_init(&c->enc, cf, req, enc, enc_len);
}

/* An encoder failure mid-read: the handler or the model is at fault, not the
 * request (the window may already hold bytes: drop them). */
static int rd_fail(const tern_op *op, tern_op_result *res, int rc)
{
    int code = tern_op_code_from_err(op->kind, rc);
    if (code == TERN_LC_BAD_REQUEST)
        code = TERN_LC_INTERNAL_ERROR; /* bad value from the application */
    return tern_op_fail(res, (tern_lwm2m_code)code, "reading the target failed");
}

int dm_read(tern_dm *dm, const tern_op *op, dm_win *w, tern_op_result *res)
{
    const tern_path *p = &op->path;
    if (p->len == 0)
        return tern_op_fail(res, TERN_LC_METHOD_NOT_ALLOWED, "Read on the root");
    dm_target t;
    bool filter = false;
    int code = dm_resolve(dm, p, &t);
    if (code == DM_GO)
        code = rd_access(dm, op, p, &filter);
    if (code != DM_GO)
        return tern_op_fail(res, (tern_lwm2m_code)code, "target not found or not allowed");
    if (t.rdef && !(t.rdef->ops & TERN_OP_R))
        return tern_op_fail(res, TERN_LC_METHOD_NOT_ALLOWED, "resource is not readable");
    if (!t.obj->h->read || !t.obj->h->inst_next)
        return tern_op_fail(res, TERN_LC_METHOD_NOT_ALLOWED, "object is not readable");
    bool multiple = t.rdef && t.rdef->multiple;
    bool single = p->len == 4 || (p->len == 3 && !multiple);
    int32_t cf = op->accept;
    if (cf == TERN_OP_CF_NONE) {
        /* no Accept: plain text (opaque as such) for one value, the
         * configured multi-value format otherwise (Core §7.4) */
        cf = single ? (t.rdef->type == TERN_TYPE_OPAQUE ? TERN_CF_OPAQUE : TERN_CF_TEXT) : dm->cfg.default_format;
    } else if (tern_cf_allowed(cf, TERN_COP_READ, p, multiple) != TERN_OK) {
        return tern_op_fail(res, TERN_LC_NOT_ACCEPTABLE, "Accept format cannot represent the target");
    }
    rd_ctx c;
    if (rd_setup(&c, dm, op, w, cf, p) != TERN_OK)
        return tern_op_fail(res, TERN_LC_NOT_ACCEPTABLE, "Accept format not supported");
    c.filter = filter;
    int rc = rd_path(&c, p, &t);
    if (rc == TERN_OK)
        rc = rd_finish(&c);
    if (rc < 0)
        return rd_fail(op, res, rc);
    dm_win_result(w, res);
    res->content_format = cf;
    res->code = TERN_LC_CONTENT;
    return res->code;
}

/* Read-Composite (Core §5.4.?: FETCH with a SenML-ETCH path list;
 * Transport Table 6.4.4.-1). Paths that name nothing are left out. */
int dm_read_composite(tern_dm *dm, const tern_op *op, dm_win *w, tern_op_result *res)
{
    int32_t in = op->content_format;
    if (in == TERN_OP_CF_NONE)
        return tern_op_fail(res, TERN_LC_BAD_REQUEST, "FETCH without Content-Format");
    tern_path root = tern_path_root();
    if (tern_cf_allowed(in, TERN_COP_COMPOSITE_PATHS, &root, false) != TERN_OK)
        return tern_op_fail(res, TERN_LC_UNSUPPORTED_FORMAT, "path list format not supported");
    int32_t cf = op->accept;
    if (cf == TERN_OP_CF_NONE)
        cf = in == TERN_CF_SENML_ETCH_JSON ? TERN_CF_SENML_JSON : in == TERN_CF_SENML_ETCH_CBOR ? TERN_CF_SENML_CBOR : in;
    if (tern_cf_allowed(cf, TERN_COP_READ_COMPOSITE, &root, false) != TERN_OK)
        return tern_op_fail(res, TERN_LC_NOT_ACCEPTABLE, "Accept format cannot carry a composite");
    if (op->more || op->offset)
        return tern_op_fail(res, TERN_LC_BAD_REQUEST, "composite path list must come in one piece");
    if (dm->w_.active)
        dm_write_abort(dm); /* the decoder state is shared */
    uint8_t *dec, *enc, *tmp;
    size_t dec_len, enc_len, tmp_len;
    dm_work_split(dm, &dec, &dec_len, &enc, &enc_len, &tmp, &tmp_len);
    tern_decoder *d = &dm->w_.dec;
    if (tern_decoder_init(d, in, &root, tern_dm_type_of, dm, dec, dec_len) != TERN_OK)
        return tern_op_fail(res, TERN_LC_UNSUPPORTED_FORMAT, "path list format not supported");
    if (tern_decoder_feed(d, op->payload.ptr, op->payload.len, true) != TERN_OK)
        return tern_op_fail(res, TERN_LC_BAD_REQUEST, "path list too large");
    rd_ctx c;
    if (rd_setup(&c, dm, op, w, cf, &root) != TERN_OK)
        return tern_op_fail(res, TERN_LC_NOT_ACCEPTABLE, "Accept format not supported");
    tern_entry e;
    int rc;
    while (!w->past && (rc = tern_decoder_next(d, &e)) == TERN_OK) {
        if (e.kind != TERN_ENTRY_PATH_ONLY)
            return tern_op_fail(res, TERN_LC_BAD_REQUEST, "composite request carries values");
        dm_target t;
        if (e.path.len == 0 || dm_resolve(dm, &e.path, &t) != DM_GO)
            continue; /* nothing there: nothing to report */
        bool filter;
        int a = rd_access(dm, op, &e.path, &filter);
        if (a != DM_GO)
            return tern_op_fail(res, (tern_lwm2m_code)a, "composite path not allowed");
        if (t.rdef && !(t.rdef->ops & TERN_OP_R))
            return tern_op_fail(res, TERN_LC_METHOD_NOT_ALLOWED, "resource is not readable");
        c.filter = filter;
        rc = rd_path(&c, &e.path, &t);
        if (rc < 0)
            return rd_fail(op, res, rc);
    }
    if (!w->past && rc != TERN_DONE)
        return tern_op_fail(res, TERN_LC_BAD_REQUEST, "malformed path list");
    rc = rd_finish(&c);
    if (rc < 0)
        return rd_fail(op, res, rc);
    dm_win_result(w, res);
    res->content_format = cf;
    res->code = TERN_LC_CONTENT;
    return res->code;
}

/* ---- Discover (Core §5.4.2): CoRE link format (RFC 6690) listing of the
 * target and the levels below it down to `depth` (default: object → its
 * instances and resources; instance → its resources; resource → its
 * instances), with the attributes this server attached at each level and
 * the Properties dim (multiple resources) and ver (object). ---- */

static int ln_put(rd_ctx *c, const tern_path *p, const tern_attrs *props)
{
    char buf[160];
    size_t n = 0;
    if (!c->link_first)
        buf[n++] = ',';
    c->link_first = false;
    buf[n++] = '<';
    int k = tern_path_format(p, buf + n, sizeof buf - n);
    if (k < 0)
        return k;
    n += (size_t)k;
    buf[n++] = '>';
    tern_attrs a;
    memset(&a, 0, sizeof a);
    const tern_attrs *st = tern_dm_attrs_get(c->dm, c->op->ssid, p);
    if (st)
        a = *st;
    if (props) {
        a.set |= props->set;
        a.dim = props->dim;
        memcpy(a.ver, props->ver, sizeof a.ver);
    }
    a.unset = 0;
    if (a.set) {
        k = tern_attrs_format(&a, TERN_ATTRS_LINK, buf + n, sizeof buf - n);
        if (k < 0)
            return k;
        n += (size_t)k;
    }
    dm_win_put(c->w, (const uint8_t *)buf, n);
    return TERN_OK;
}

static int ln_resource(rd_ctx *c, tern_dm_obj *o, uint16_t iid, const tern_res_def *rd, int levels)
{
    tern_path p = tern_path_make(3, o->def->id, iid, rd->id, 0);
    tern_attrs props;
    memset(&props, 0, sizeof props);
    if (rd->multiple && o->h->rinst_next) {
        uint16_t n = 0, riid;
        int32_t after = -1;
        while (o->h->rinst_next(o, iid, rd->id, after, &riid) == TERN_OK && n < UINT16_MAX) {
            n++;
            after = riid;
        }
        props.set = TERN_ATTR_DIM;
        props.dim = n;
    }
    int rc = ln_put(c, &p, &props);
    if (rc < 0 || levels < 1 || !rd->multiple || !o->h->rinst_next)
        return rc;
    int32_t after = -1;
    uint16_t riid;
    while (!c->w->past && o->h->rinst_next(o, iid, rd->id, after, &riid) == TERN_OK) {
        tern_path q = tern_path_make(4, o->def->id, iid, rd->id, riid);
        rc = ln_put(c, &q, NULL);
        if (rc < 0)
            return rc;
        after = riid;
    }
    return TERN_OK;
}

static int ln_instance(rd_ctx *c, tern_dm_obj *o, uint16_t iid, int levels)
{
    tern_path p = tern_path_make(2, o->def->id, iid, 0, 0);
    int rc = ln_put(c, &p, NULL);
    if (rc < 0 || levels < 1)
        return rc;
    for (uint16_t i = 0; i < o->def->res_count && !c->w->past; i++) {
        const tern_res_def *rd = &o->def->res[i];
        if (!dm_res_present(o, iid, rd->id))
            continue;
        rc = ln_resource(c, o, iid, rd, levels - 1);
        if (rc < 0)
            return rc;
    }
    return TERN_OK;
}

int dm_discover(tern_dm *dm, const tern_op *op, dm_win *w, tern_op_result *res)
{
    const tern_path *p = &op->path;
    if (p->len == 0 || p->len == 4)
        return tern_op_fail(res, TERN_LC_METHOD_NOT_ALLOWED, "Discover targets an object, instance or resource");
    dm_target t;
    bool filter = false;
    int code = dm_resolve(dm, p, &t);
    if (code == DM_GO)
        code = rd_access(dm, op, p, &filter);
    if (code != DM_GO)
        return tern_op_fail(res, (tern_lwm2m_code)code, "target not found or not allowed");
    int levels = op->depth;
    if (levels < 0)
        levels = p->len == 1 ? 2 : 1;
    rd_ctx c;
    (void)rd_setup(&c, dm, op, w, TERN_CF_LINK, p);
    c.filter = filter;
    tern_dm_obj *o = t.obj;
    int rc = TERN_OK;
    if (p->len == 1) {
        tern_attrs props;
        memset(&props, 0, sizeof props);
        /* ver only when the object is not version 1.0 (Core §5.4.2 example) */
        if (o->def->version && strcmp(o->def->version, "1.0") != 0 && strlen(o->def->version) < sizeof props.ver) {
            props.set = TERN_ATTR_VER;
            memcpy(props.ver, o->def->version, strlen(o->def->version) + 1);
        }
        rc = ln_put(&c, p, &props);
        int32_t after = -1;
        uint16_t iid;
        while (rc == TERN_OK && levels >= 1 && !w->past && o->h->inst_next(o, after, &iid) == TERN_OK) {
            after = iid;
            if (rd_inst_allowed(&c, o->def->id, iid))
                rc = ln_instance(&c, o, iid, levels - 1);
        }
    } else if (p->len == 2) {
        rc = ln_instance(&c, o, p->ids[1], levels);
    } else {
        rc = ln_resource(&c, o, p->ids[1], t.rdef, levels);
    }
    if (rc < 0)
        return rd_fail(op, res, rc);
    dm_win_result(w, res);
    res->content_format = TERN_CF_LINK;
    res->code = TERN_LC_CONTENT;
    return res->code;
}
