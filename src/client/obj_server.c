/* tern — the LwM2M Server object (/1, Core Appendix E.2) over the caller's
 * array of tern_client_server. Writing Lifetime or Binding makes the next
 * Update carry them (Core §6.2.2); the Execute resources drive the
 * registration and bootstrap engines. */
#include <string.h>

#include "client/client_internal.h"

void cl_srv_defaults(tern_client_server *s, uint16_t iid)
{
    memset(s, 0, sizeof *s);
    s->used = true;
    s->iid = iid;
    s->lifetime_s = 86400;
    s->dmin_s = -1;
    s->dmax_s = -1;
    s->disable_timeout_s = -1;
    s->notif_storing = true;
    memcpy(s->binding, "U", 2);
    s->bs_on_fail = true; /* Core E.2, /1/x/16: default true */
    s->retry_count = -1;
    s->retry_timer_s = -1;
    s->seq_delay_s = -1;
    s->seq_retry_count = -1;
}

tern_client_server *cl_srv_find(tern_client *c, uint16_t iid)
{
    for (size_t i = 0; i < c->cfg.srv_cap; i++)
        if (c->cfg.srv[i].used && c->cfg.srv[i].iid == iid)
            return &c->cfg.srv[i];
    return NULL;
}

static tern_client *cl_of(tern_dm_obj *o)
{
    return o->user;
}

static int srv_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    tern_client *c = cl_of(o);
    int32_t best = -1;
    for (size_t i = 0; i < c->cfg.srv_cap; i++) {
        const tern_client_server *s = &c->cfg.srv[i];
        if (s->used && (int32_t)s->iid > after && (best < 0 || s->iid < best))
            best = s->iid;
    }
    if (best < 0)
        return TERN_DONE;
    *iid = (uint16_t)best;
    return TERN_OK;
}

static bool srv_res_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    tern_client_server *s = cl_srv_find(cl_of(o), iid);
    if (!s)
        return false;
    switch (rid) {
    case 0: case 1: case 4: case 6: case 7: case 8: case 9:
    case 16: case 17: case 18: case 19: case 20: case 23: return true;
    case 2: return s->dmin_s >= 0;
    case 3: return s->dmax_s >= 0;
    case 5: return s->disable_timeout_s >= 0;
    default: return false;
    }
}

static int64_t or_def(int64_t v, int64_t def)
{
    return v < 0 ? def : v;
}

static int srv_read(tern_dm_obj *o, const tern_path *p, uint32_t offset, tern_dm_read_out *out)
{
    (void)offset;
    tern_client_server *s = cl_srv_find(cl_of(o), p->ids[1]);
    if (!s || p->len != 3)
        return TERN_ENOTFOUND;
    tern_value *v = &out->value;
    v->type = TERN_TYPE_INTEGER;
    switch (p->ids[2]) {
    case 0: v->v.i = s->ssid; return TERN_OK;
    case 1: v->v.i = s->lifetime_s; return TERN_OK;
    case 2: v->v.i = s->dmin_s; return s->dmin_s >= 0 ? TERN_OK : TERN_ENOTFOUND;
    case 3: v->v.i = s->dmax_s; return s->dmax_s >= 0 ? TERN_OK : TERN_ENOTFOUND;
    case 5: v->v.i = s->disable_timeout_s; return s->disable_timeout_s >= 0 ? TERN_OK : TERN_ENOTFOUND;
    case 6: v->type = TERN_TYPE_BOOLEAN; v->v.b = s->notif_storing; return TERN_OK;
    case 7:
        v->type = TERN_TYPE_STRING;
        v->v.bytes = (tern_bytes){(const uint8_t *)s->binding, strlen(s->binding)};
        return TERN_OK;
    case 16: v->type = TERN_TYPE_BOOLEAN; v->v.b = s->bs_on_fail; return TERN_OK;
    case 17: v->type = TERN_TYPE_UNSIGNED; v->v.u = (uint64_t)or_def(s->retry_count, CL_DEF_RETRY_COUNT); return TERN_OK;
    case 18: v->type = TERN_TYPE_UNSIGNED; v->v.u = (uint64_t)or_def(s->retry_timer_s, CL_DEF_RETRY_TIMER_S); return TERN_OK;
    case 19: v->type = TERN_TYPE_UNSIGNED; v->v.u = (uint64_t)or_def(s->seq_delay_s, CL_DEF_SEQ_DELAY_S); return TERN_OK;
    case 20: v->type = TERN_TYPE_UNSIGNED; v->v.u = (uint64_t)or_def(s->seq_retry_count, CL_DEF_SEQ_RETRY); return TERN_OK;
    case 23: v->type = TERN_TYPE_BOOLEAN; v->v.b = s->mute_send; return TERN_OK;
    default: return TERN_ENOTFOUND;
    }
}

static int64_t u_or_i(const tern_value *v)
{
    if (v->type == TERN_TYPE_UNSIGNED)
        return v->v.u > INT64_MAX ? INT64_MAX : (int64_t)v->v.u;
    return v->v.i;
}

/* Binding letters (Core §6.2.1.1, E.2 /1/x/7): U, M, H, T, S, N; "Q" of 1.0. */
static bool binding_ok(const tern_bytes *b)
{
    if (b->len == 0 || b->len >= TERN_CLIENT_BINDING_MAX)
        return false;
    for (size_t i = 0; i < b->len; i++)
        if (!strchr("UMHTSNQ", b->ptr[i]))
            return false;
    return true;
}

static int srv_write(tern_dm_obj *o, const tern_entry *e)
{
    tern_client *c = cl_of(o);
    tern_client_server *s = cl_srv_find(c, e->path.ids[1]);
    if (!s)
        return TERN_ENOTFOUND;
    const tern_value *v = &e->value;
    int64_t n = u_or_i(v);
    switch (e->path.ids[2]) {
    case 0:
        if (n < 1 || n > 65534)
            return TERN_ERANGE;
        s->ssid = (uint16_t)n;
        break;
    case 1:
        if (n < 0)
            return TERN_ERANGE;
        if (n != s->lifetime_s)
            s->upd_params_ = true; /* Update carries lt (Core §6.2.2) */
        s->lifetime_s = n;
        break;
    case 2: s->dmin_s = n < 0 ? 0 : n; break;
    case 3: s->dmax_s = n < 0 ? 0 : n; break;
    case 5: s->disable_timeout_s = n < 0 ? 0 : n; break;
    case 6: s->notif_storing = v->v.b; break;
    case 7:
        if (!binding_ok(&v->v.bytes))
            return TERN_ERANGE;
        if (strlen(s->binding) != v->v.bytes.len || memcmp(s->binding, v->v.bytes.ptr, v->v.bytes.len) != 0)
            s->upd_params_ = true;
        memcpy(s->binding, v->v.bytes.ptr, v->v.bytes.len);
        s->binding[v->v.bytes.len] = '\0';
        break;
    case 16: s->bs_on_fail = v->v.b; break;
    case 17: s->retry_count = n < 0 ? 0 : n; break;
    case 18: s->retry_timer_s = n < 0 ? 0 : n; break;
    case 19: s->seq_delay_s = n < 0 ? 0 : n; break;
    case 20: s->seq_retry_count = n < 0 ? 0 : n; break;
    case 23: s->mute_send = v->v.b; break;
    default: return TERN_OK; /* kept by nobody: accepted and dropped */
    }
    c->dirty_ = true;
    return TERN_OK;
}

static int srv_execute(tern_dm_obj *o, uint16_t iid, uint16_t rid, const uint8_t *args, size_t args_len)
{
    (void)args;
    (void)args_len;
    tern_client *c = cl_of(o);
    tern_client_server *s = cl_srv_find(c, iid);
    if (!s)
        return TERN_ENOTFOUND;
    switch (rid) {
    case 4: return cl_reg_disable(c, s);  /* Disable (E.2) */
    case 8: return cl_reg_trigger(c, s);  /* Registration Update Trigger */
    case 9: cl_bs_start(c, 0); return TERN_OK; /* Bootstrap-Request Trigger (Transport §6.6.2) */
    default: return TERN_EUNSUPPORTED;
    }
}

static int srv_create(tern_dm_obj *o, uint16_t iid)
{
    tern_client *c = cl_of(o);
    if (cl_srv_find(c, iid))
        return TERN_EEXIST;
    for (size_t i = 0; i < c->cfg.srv_cap; i++) {
        if (!c->cfg.srv[i].used) {
            cl_srv_defaults(&c->cfg.srv[i], iid);
            c->dirty_ = true;
            return TERN_OK;
        }
    }
    return TERN_EFULL;
}

static int srv_reset(tern_dm_obj *o, const tern_path *p)
{
    tern_client_server *s = cl_srv_find(cl_of(o), p->ids[1]);
    if (!s)
        return TERN_ENOTFOUND;
    if (p->len == 2) {
        /* keep the registration state; only the resources go back */
        tern_client_server keep = *s;
        cl_srv_defaults(s, keep.iid);
        s->ssid = keep.ssid;
        s->state_ = keep.state_;
        memcpy(s->loc_, keep.loc_, sizeof s->loc_);
        s->peer_ = keep.peer_;
        s->peer_ok_ = keep.peer_ok_;
        s->req_ = keep.req_;
        s->due_ = keep.due_;
        s->reg_at_ = keep.reg_at_;
        s->upd_params_ = true;
    }
    return TERN_OK;
}

static int srv_del(tern_dm_obj *o, const tern_path *p)
{
    tern_client *c = cl_of(o);
    tern_client_server *s = cl_srv_find(c, p->ids[1]);
    if (!s || p->len != 2)
        return TERN_ENOTFOUND;
    cl_reg_reset(c, s);
    memset(s, 0, sizeof *s);
    c->dirty_ = true;
    return TERN_OK;
}

const tern_dm_handlers tern_cl_srv_handlers = {
    .inst_next = srv_inst_next,
    .res_present = srv_res_present,
    .read = srv_read,
    .write = srv_write,
    .reset = srv_reset,
    .execute = srv_execute,
    .create = srv_create,
    .del = srv_del,
};
