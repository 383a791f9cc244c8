/* tern — the LwM2M Security object (/0, Core Appendix E.1) over the
 * caller's array of tern_client_sec. No resource is accessible to a LwM2M
 * Server (the definition gives none an operation); only the bootstrap
 * handlers and storage write it. Secret values are never logged. */
#include <string.h>

#include "client/client_internal.h"

void cl_sec_defaults(tern_client_sec *s, uint16_t iid)
{
    memset(s, 0, sizeof *s);
    s->used = true;
    s->iid = iid;
    s->mode = 3; /* NoSec until written */
    s->holdoff_s = -1;
    s->bs_timeout_s = -1;
}

tern_client_sec *cl_sec_find(tern_client *c, uint16_t iid)
{
    for (size_t i = 0; i < c->cfg.sec_cap; i++)
        if (c->cfg.sec[i].used && c->cfg.sec[i].iid == iid)
            return &c->cfg.sec[i];
    return NULL;
}

tern_client_sec *cl_sec_of_ssid(tern_client *c, uint16_t ssid)
{
    for (size_t i = 0; i < c->cfg.sec_cap; i++)
        if (c->cfg.sec[i].used && !c->cfg.sec[i].bootstrap && c->cfg.sec[i].ssid == ssid)
            return &c->cfg.sec[i];
    return NULL;
}

tern_client_sec *cl_sec_bootstrap(tern_client *c)
{
    for (size_t i = 0; i < c->cfg.sec_cap; i++)
        if (c->cfg.sec[i].used && c->cfg.sec[i].bootstrap)
            return &c->cfg.sec[i];
    return NULL;
}

static tern_client *cl_of(tern_dm_obj *o)
{
    return o->user;
}

static int sec_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    tern_client *c = cl_of(o);
    int32_t best = -1;
    for (size_t i = 0; i < c->cfg.sec_cap; i++) {
        const tern_client_sec *s = &c->cfg.sec[i];
        if (s->used && (int32_t)s->iid > after && (best < 0 || s->iid < best))
            best = s->iid;
    }
    if (best < 0)
        return TERN_DONE;
    *iid = (uint16_t)best;
    return TERN_OK;
}

static bool sec_res_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    tern_client_sec *s = cl_sec_find(cl_of(o), iid);
    if (!s)
        return false;
    switch (rid) {
    case 0: case 1: case 2: case 3: case 4: case 5: return true;
    case 10: return s->ssid != 0;
    case 11: return s->holdoff_s >= 0;
    case 12: return s->bs_timeout_s >= 0;
    default: return false;
    }
}

static int sec_read(tern_dm_obj *o, const tern_path *p, uint32_t offset, tern_dm_read_out *out)
{
    (void)offset;
    tern_client_sec *s = cl_sec_find(cl_of(o), p->ids[1]);
    if (!s || p->len != 3)
        return TERN_ENOTFOUND;
    tern_value *v = &out->value;
    switch (p->ids[2]) {
    case 0:
        v->type = TERN_TYPE_STRING;
        v->v.bytes = (tern_bytes){(const uint8_t *)s->uri, strlen(s->uri)};
        return TERN_OK;
    case 1: v->type = TERN_TYPE_BOOLEAN; v->v.b = s->bootstrap; return TERN_OK;
    case 2: v->type = TERN_TYPE_INTEGER; v->v.i = s->mode; return TERN_OK;
    case 3: v->type = TERN_TYPE_OPAQUE; v->v.bytes = (tern_bytes){s->pk_id, s->pk_id_len}; return TERN_OK;
    case 4: v->type = TERN_TYPE_OPAQUE; v->v.bytes = (tern_bytes){s->srv_pk, s->srv_pk_len}; return TERN_OK;
    case 5: v->type = TERN_TYPE_OPAQUE; v->v.bytes = (tern_bytes){s->secret, s->secret_len}; return TERN_OK;
    case 10: v->type = TERN_TYPE_INTEGER; v->v.i = s->ssid; return s->ssid ? TERN_OK : TERN_ENOTFOUND;
    case 11: v->type = TERN_TYPE_INTEGER; v->v.i = s->holdoff_s; return s->holdoff_s >= 0 ? TERN_OK : TERN_ENOTFOUND;
    case 12:
        v->type = TERN_TYPE_INTEGER;
        v->v.i = s->bs_timeout_s;
        return s->bs_timeout_s >= 0 ? TERN_OK : TERN_ENOTFOUND;
    default: return TERN_ENOTFOUND;
    }
}

/* Copies a (possibly chunked) byte value into dst[cap]. */
static int put_bytes(uint8_t *dst, size_t cap, uint16_t *len, const tern_entry *e)
{
    size_t end = (size_t)e->offset + e->value.v.bytes.len;
    if (end > cap)
        return TERN_ETOOBIG;
    if (e->value.v.bytes.len)
        memcpy(dst + e->offset, e->value.v.bytes.ptr, e->value.v.bytes.len);
    *len = (uint16_t)end;
    return TERN_OK;
}

static int sec_write(tern_dm_obj *o, const tern_entry *e)
{
    tern_client *c = cl_of(o);
    tern_client_sec *s = cl_sec_find(c, e->path.ids[1]);
    if (!s)
        return TERN_ENOTFOUND;
    const tern_value *v = &e->value;
    uint16_t n = 0;
    int rc = TERN_OK;
    switch (e->path.ids[2]) {
    case 0:
        if (v->type != TERN_TYPE_STRING)
            return TERN_ETYPE;
        rc = put_bytes((uint8_t *)s->uri, sizeof s->uri - 1, &n, e);
        if (rc == TERN_OK)
            s->uri[n] = '\0';
        break;
    case 1: s->bootstrap = v->v.b; break;
    case 2:
        if (v->v.i < 0 || v->v.i > 4)
            return TERN_ERANGE;
        s->mode = (uint8_t)v->v.i;
        break;
    case 3: rc = put_bytes(s->pk_id, sizeof s->pk_id, &s->pk_id_len, e); break;
    case 4: rc = put_bytes(s->srv_pk, sizeof s->srv_pk, &s->srv_pk_len, e); break;
    case 5: rc = put_bytes(s->secret, sizeof s->secret, &s->secret_len, e); break;
    case 10:
        if (v->v.i < 1 || v->v.i > 65534)
            return TERN_ERANGE;
        s->ssid = (uint16_t)v->v.i;
        break;
    case 11: s->holdoff_s = v->v.i < 0 ? 0 : v->v.i; break;
    case 12: s->bs_timeout_s = v->v.i < 0 ? 0 : v->v.i; break;
    default: return TERN_OK; /* resources tern does not keep are accepted and dropped */
    }
    if (rc == TERN_OK)
        c->dirty_ = true;
    return rc;
}

static int sec_create(tern_dm_obj *o, uint16_t iid)
{
    tern_client *c = cl_of(o);
    if (cl_sec_find(c, iid))
        return TERN_EEXIST;
    for (size_t i = 0; i < c->cfg.sec_cap; i++) {
        if (!c->cfg.sec[i].used) {
            cl_sec_defaults(&c->cfg.sec[i], iid);
            c->dirty_ = true;
            return TERN_OK;
        }
    }
    return TERN_EFULL;
}

static int sec_reset(tern_dm_obj *o, const tern_path *p)
{
    tern_client_sec *s = cl_sec_find(cl_of(o), p->ids[1]);
    if (!s)
        return TERN_ENOTFOUND;
    if (p->len == 2)
        cl_sec_defaults(s, s->iid);
    return TERN_OK;
}

static int sec_del(tern_dm_obj *o, const tern_path *p)
{
    tern_client *c = cl_of(o);
    tern_client_sec *s = cl_sec_find(c, p->ids[1]);
    if (!s || p->len != 2)
        return TERN_ENOTFOUND;
    memset(s, 0, sizeof *s); /* wipes the secret too */
    c->dirty_ = true;
    return TERN_OK;
}

const tern_dm_handlers tern_cl_sec_handlers = {
    .inst_next = sec_inst_next,
    .res_present = sec_res_present,
    .read = sec_read,
    .write = sec_write,
    .reset = sec_reset,
    .create = sec_create,
    .del = sec_del,
};
