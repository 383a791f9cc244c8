/* tern — Send (Core "Send" operation of the Information Reporting
 * interface; Transport §6.4.5: POST /dp in SenML JSON, SenML CBOR or LwM2M
 * CBOR) and the value walker shared with composite notifications. */
#include <string.h>

#include "client/obs_internal.h"
#include "tern/coap_msg.h"

int obs_read_number(tern_dm *dm, const tern_path *p, double *out)
{
    if (p->len < 3)
        return TERN_ETYPE;
    tern_dm_obj *o = tern_dm_find(dm, p->ids[0]);
    const tern_res_def *rd = o ? tern_obj_find_res(o->def, p->ids[2]) : NULL;
    if (!rd || !o->h->read || (p->len == 3 && rd->multiple) || !(rd->ops & TERN_OP_R))
        return TERN_ETYPE;
    tern_dm_read_out ro;
    memset(&ro, 0, sizeof ro);
    int rc = o->h->read(o, p, 0, &ro);
    if (rc < 0)
        return rc;
    switch (ro.value.type) {
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME: *out = (double)ro.value.v.i; return TERN_OK;
    case TERN_TYPE_UNSIGNED: *out = (double)ro.value.v.u; return TERN_OK;
    case TERN_TYPE_FLOAT: *out = ro.value.v.f; return TERN_OK;
    case TERN_TYPE_BOOLEAN: *out = ro.value.v.b ? 1.0 : 0.0; return TERN_OK;
    default: return TERN_ETYPE;
    }
}

typedef struct walk {
    tern_dm *dm;
    tern_encoder *enc;
    tern_wbuf *out;
    bool stamp;
    double time;
} walk;

static int w_put(walk *w, const tern_entry *e)
{
    int rc = tern_encoder_add(w->enc, e, w->out);
    return rc == TERN_AGAIN ? TERN_ENOMEM : rc;
}

/* One value, in chunks when the handler gives it so. */
static int w_value(walk *w, tern_dm_obj *o, const tern_path *p, const tern_res_def *rd)
{
    uint32_t off = 0;
    for (;;) {
        tern_dm_read_out ro;
        memset(&ro, 0, sizeof ro);
        int rc = o->h->read(o, p, off, &ro);
        if (rc < 0)
            return rc;
        if (ro.value.type != rd->type)
            return TERN_ETYPE;
        bool chunky = ro.value.type == TERN_TYPE_OPAQUE || ro.value.type == TERN_TYPE_STRING ||
                      ro.value.type == TERN_TYPE_CORELNK;
        tern_entry e;
        memset(&e, 0, sizeof e);
        e.kind = TERN_ENTRY_VALUE;
        e.path = *p;
        e.value = ro.value;
        e.has_time = w->stamp;
        e.time = w->time;
        if (chunky) {
            e.offset = off;
            e.more = ro.more;
            e.total = ro.more || off ? ro.total : (uint32_t)ro.value.v.bytes.len;
        }
        rc = w_put(w, &e);
        if (rc < 0 || !chunky || !ro.more)
            return rc;
        if (ro.value.v.bytes.len == 0)
            return TERN_EINVAL; /* a chunk must make progress */
        off += (uint32_t)ro.value.v.bytes.len;
    }
}

static bool w_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    return !o->h->res_present || o->h->res_present(o, iid, rid);
}

static int w_resource(walk *w, tern_dm_obj *o, uint16_t iid, const tern_res_def *rd)
{
    if (!rd->multiple) {
        tern_path p = tern_path_make(3, o->def->id, iid, rd->id, 0);
        return w_value(w, o, &p, rd);
    }
    if (!o->h->rinst_next)
        return TERN_EINVAL;
    int32_t after = -1;
    uint16_t riid;
    while (o->h->rinst_next(o, iid, rd->id, after, &riid) == TERN_OK) {
        tern_path p = tern_path_make(4, o->def->id, iid, rd->id, riid);
        int rc = w_value(w, o, &p, rd);
        if (rc < 0)
            return rc;
        after = riid;
    }
    return TERN_OK;
}

static int w_instance(walk *w, tern_dm_obj *o, uint16_t iid)
{
    for (uint16_t i = 0; i < o->def->res_count; i++) {
        const tern_res_def *rd = &o->def->res[i];
        if (!(rd->ops & TERN_OP_R) || !w_present(o, iid, rd->id))
            continue;
        int rc = w_resource(w, o, iid, rd);
        if (rc < 0)
            return rc;
    }
    return TERN_OK;
}

static bool w_inst_exists(tern_dm_obj *o, uint16_t iid)
{
    int32_t after = -1;
    uint16_t i;
    while (o->h->inst_next(o, after, &i) == TERN_OK) {
        if (i == iid)
            return true;
        if (i > iid)
            return false;
        after = i;
    }
    return false;
}

int obs_encode_path(tern_dm *dm, tern_encoder *enc, const tern_path *p, tern_wbuf *out, bool stamp, double time)
{
    walk w = {dm, enc, out, stamp, time};
    tern_dm_obj *o = p->len ? tern_dm_find(dm, p->ids[0]) : NULL;
    if (!o || !o->h->inst_next || !o->h->read)
        return TERN_ENOTFOUND;
    if (p->len == 1) {
        int32_t after = -1;
        uint16_t iid;
        while (o->h->inst_next(o, after, &iid) == TERN_OK) {
            int rc = w_instance(&w, o, iid);
            if (rc < 0)
                return rc;
            after = iid;
        }
        return TERN_OK;
    }
    if (!w_inst_exists(o, p->ids[1]))
        return TERN_ENOTFOUND;
    if (p->len == 2)
        return w_instance(&w, o, p->ids[1]);
    const tern_res_def *rd = tern_obj_find_res(o->def, p->ids[2]);
    if (!rd || !w_present(o, p->ids[1], rd->id))
        return TERN_ENOTFOUND;
    if (!(rd->ops & TERN_OP_R))
        return TERN_EUNSUPPORTED;
    if (p->len == 3)
        return w_resource(&w, o, p->ids[1], rd);
    if (!rd->multiple || !o->h->rinst_next)
        return TERN_ENOTFOUND;
    int32_t after = -1;
    uint16_t riid;
    while (o->h->rinst_next(o, p->ids[1], rd->id, after, &riid) == TERN_OK) {
        if (riid == p->ids[3])
            return w_value(&w, o, p, rd);
        after = riid;
    }
    return TERN_ENOTFOUND;
}

int tern_send_encode(tern_dm *dm, const tern_send_req *r, uint8_t *out, size_t cap, size_t *len, uint8_t *scratch,
                     size_t scratch_cap)
{
    if (!dm || !r || !out || !len || (r->path_count && !r->paths) || (r->entry_count && !r->entries))
        return TERN_EINVAL;
    *len = 0;
    if (r->mute)
        return TERN_EPERM; /* Mute Send (/1/x/23) de-activates Send */
    /* Transport §6.4.5: "MUST be either SenML JSON, SenML CBOR, or LwM2M CBOR" */
    if (r->format != TERN_CF_SENML_JSON && r->format != TERN_CF_SENML_CBOR && r->format != TERN_CF_LWM2M_CBOR)
        return TERN_EUNSUPPORTED;
    tern_path root = tern_path_root();
    tern_encoder enc;
    int rc = tern_encoder_init(&enc, r->format, &root, scratch, scratch_cap);
    if (rc < 0)
        return rc;
    tern_wbuf w = tern_wbuf_make(out, cap);
    for (size_t i = 0; i < r->path_count; i++) {
        rc = obs_encode_path(dm, &enc, &r->paths[i], &w, r->stamp, r->time);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < r->entry_count; i++) {
        rc = tern_encoder_add(&enc, &r->entries[i], &w);
        if (rc == TERN_AGAIN)
            return TERN_ENOMEM; /* one datagram: cannot drain */
        if (rc < 0)
            return rc;
    }
    rc = tern_encoder_finish(&enc, &w);
    if (rc == TERN_AGAIN)
        return TERN_ENOMEM;
    if (rc < 0)
        return rc;
    *len = w.len;
    return TERN_OK;
}

int tern_send_build(tern_dm *dm, const tern_send_req *r, tern_coap_msg *msg, uint8_t *payload, size_t cap,
                    uint8_t *scratch, size_t scratch_cap)
{
    if (!msg)
        return TERN_EINVAL;
    size_t n = 0;
    int rc = tern_send_encode(dm, r, payload, cap, &n, scratch, scratch_cap);
    if (rc < 0)
        return rc;
    /* Content-Format values of the three formats, static: msg views them. */
    static const uint8_t cf_senml_json[] = {110}, cf_senml_cbor[] = {112}, cf_lwm2m_cbor[] = {0x2d, 0x18};
    const uint8_t *cf = cf_senml_json;
    size_t cf_len = 1;
    if (r->format == TERN_CF_SENML_CBOR) {
        cf = cf_senml_cbor;
    } else if (r->format == TERN_CF_LWM2M_CBOR) {
        cf = cf_lwm2m_cbor;
        cf_len = 2;
    }
    tern_coap_msg_init(msg, TERN_COAP_CON, TERN_COAP_POST, 0);
    if ((rc = tern_coap_opt_add(msg, TERN_COAP_OPT_URI_PATH, "dp", 2)) < 0 ||
        (rc = tern_coap_opt_add(msg, TERN_COAP_OPT_CONTENT_FORMAT, cf, cf_len)) < 0)
        return rc;
    msg->payload = payload;
    msg->payload_len = n;
    return TERN_OK;
}
