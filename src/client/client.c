/* tern — the client context: configuration, the shared CoAP endpoint, the
 * request router (LwM2M Server peers → that server's Information Reporting
 * engine and the data model with their Short Server ID; Bootstrap-Server
 * peer → bootstrap handlers), access control wiring and the public calls. */
#include <stddef.h>
#include <string.h>

#include "binding/coap_op.h"
#include "client/client_internal.h"
#include "model/gen/objects.h"
#include "tern/dm_coap.h"
#include "tern/objects.h"

void cl_event(tern_client *c, tern_client_event ev, uint16_t ssid)
{
    if (c->cfg.on_event)
        c->cfg.on_event(c->cfg.event_ctx, ev, ssid);
}

tern_time_ms cl_mtw(const tern_client *c)
{
    return tern_coap_max_transmit_wait(&c->ep.link);
}

uint32_t cl_jitter(tern_client *c, uint32_t max)
{
    return max ? tern_rng_below(&c->cfg.rng, max) : 0;
}

static tern_client_server *srv_of_peer(tern_client *c, const tern_coap_peer *peer)
{
    for (size_t i = 0; i < c->cfg.srv_cap; i++) {
        tern_client_server *s = &c->cfg.srv[i];
        if (s->used && s->peer_ok_ && tern_coap_peer_eq(&s->peer_, peer))
            return s;
    }
    return NULL;
}

/* ---- Information Reporting (observe.h): one tern_obs per Server slot ---- */
#if !defined(TERN_WITH_OBSERVE) || TERN_WITH_OBSERVE


static tern_client_obs *obs_slot(tern_client *c, const tern_client_server *s)
{
    return c->cfg.obs ? &c->cfg.obs[s - c->cfg.srv] : NULL;
}

static int obs_init_slot(tern_client *c, tern_client_obs *o, uint16_t ssid)
{
    tern_obs_cfg oc;
    memset(&oc, 0, sizeof oc);
    oc.dm = c->cfg.dm;
    oc.ep = &c->ep;
    oc.ssid = ssid;
    oc.recs = o->recs;
    oc.rec_count = o->rec_count;
    oc.targets = o->targets;
    oc.target_count = o->target_count;
    oc.queue = o->queue;
    oc.queue_count = o->queue_count;
    oc.queue_mem = o->queue_mem;
    oc.queue_slot_size = o->queue_slot_size;
    oc.work = o->work;
    oc.work_len = o->work_len;
    oc.log = c->cfg.log;
    return tern_obs_init(&o->obs_, &oc);
}

void cl_obs_stop(tern_client *c, tern_client_server *s)
{
    tern_client_obs *o = obs_slot(c, s);
    if (!o || !o->ready_)
        return;
    o->ready_ = false; /* first: the endpoint's observer-end callbacks find nothing */
    tern_obs_clear(&o->obs_);
}

void cl_obs_start(tern_client *c, tern_client_server *s)
{
    tern_client_obs *o = obs_slot(c, s);
    if (!o)
        return;
    cl_obs_stop(c, s);
    if (obs_init_slot(c, o, s->ssid) == TERN_OK) {
        o->ready_ = true;
        o->ssid_ = s->ssid;
    }
}

/* Samples, evaluates and notifies every server's observations. A server is
 * online while registered and awake; a queue-mode wake-up Update keeps it
 * offline until its 2.04 (Core §6.5: the Update goes first). */
static tern_time_ms obs_step_all(tern_client *c, tern_time_ms now)
{
    tern_time_ms next = TERN_TIME_NEVER;
    if (!c->cfg.obs)
        return next;
    for (size_t i = 0; i < c->cfg.srv_cap; i++) {
        tern_client_server *s = &c->cfg.srv[i];
        tern_client_obs *o = &c->cfg.obs[i];
        if (!o->ready_)
            continue;
        if (!s->used || s->ssid != o->ssid_) {
            cl_obs_stop(c, s); /* the account changed under the observations */
            continue;
        }
        /* Default Minimum/Maximum Period (/1/x/2, /1/x/3) as written now */
        o->obs_.cfg.default_pmin = s->dmin_s > 0 && s->dmin_s <= UINT32_MAX ? (uint32_t)s->dmin_s : 0;
        o->obs_.cfg.default_pmax = s->dmax_s > 0 && s->dmax_s <= UINT32_MAX ? (uint32_t)s->dmax_s : 0;
        bool online = !s->sleeping_ && (s->state_ == TERN_REG_REGISTERED ||
                                         (s->state_ == TERN_REG_UPDATING && !s->wake_upd_));
        tern_obs_set_online(&o->obs_, online, now);
        next = TERN_MIN(next, tern_obs_step(&o->obs_, now));
    }
    return next;
}

static void on_observer_end(void *ctx, tern_coap_handle h, const void *key, size_t key_len, tern_coap_obs_end why)
{
    (void)h;
    tern_client *c = ctx;
    if (!c->cfg.obs)
        return;
    for (size_t i = 0; i < c->cfg.srv_cap; i++)
        if (c->cfg.obs[i].ready_ && tern_obs_observer_end(&c->cfg.obs[i].obs_, key, key_len, why))
            return;
}

void tern_client_changed(tern_client *c, const tern_path *p, tern_time_ms now)
{
    if (!c->cfg.obs || !p)
        return;
    for (size_t i = 0; i < c->cfg.srv_cap; i++)
        if (c->cfg.obs[i].ready_)
            tern_obs_changed(&c->cfg.obs[i].obs_, p, now);
}

tern_obs *tern_client_obs_of(tern_client *c, uint16_t ssid)
{
    tern_client_server *s = tern_client_server_of(c, ssid);
    tern_client_obs *o = s ? obs_slot(c, s) : NULL;
    return o && o->ready_ ? &o->obs_ : NULL;
}

static void on_send_response(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    tern_client_server *s = ctx;
    tern_client *c = (tern_client *)(void *)((char *)ep - offsetof(tern_client, ep));
    if (!res->final)
        return;
    int result = res->err < 0 ? res->err : res->msg ? (int)res->msg->code : TERN_EIO;
    if (res->err == 0)
        cl_reg_touch(c, s);
    if (result != TERN_COAP_CHANGED)
        tern_logf(&c->cfg.log, TERN_LOG_WARN, CL_MOD, "ssid %u: Send failed: %s", s->ssid,
                  res->err ? tern_strerror(res->err) : "refused");
    if (c->cfg.on_send)
        c->cfg.on_send(c->cfg.event_ctx, s->ssid, result);
}

int tern_client_send(tern_client *c, uint16_t ssid, const tern_path *paths, size_t n, int32_t format)
{
    tern_client_server *s = tern_client_server_of(c, ssid);
    if (!s)
        return TERN_ENOTFOUND;
    tern_client_obs *o = obs_slot(c, s);
    if (!o)
        return TERN_EUNSUPPORTED;
    if (!s->peer_ok_ || s->sleeping_ || s->wake_upd_ ||
        (s->state_ != TERN_REG_REGISTERED && s->state_ != TERN_REG_UPDATING))
        return TERN_ESTATE;
    tern_send_req r;
    memset(&r, 0, sizeof r);
    r.paths = paths;
    r.path_count = n;
    r.format = format;
    r.mute = s->mute_send; /* /1/x/23 is always present here (obj_server.c) */
    /* the server's obs work memory is free outside tern_obs_step */
    size_t half = o->work_len / 2;
    tern_coap_msg m;
    int rc = tern_send_build(c->cfg.dm, &r, &m, o->work, half, o->work + half, o->work_len - half);
    if (rc < 0)
        return rc;
    tern_coap_req_opts ro;
    memset(&ro, 0, sizeof ro); /* no body: one datagram */
    /* the message (and its payload) is encoded before this returns */
    rc = tern_coap_request(&c->ep, &s->peer_, &m, &ro, on_send_response, s, NULL);
    if (rc == TERN_OK)
        s->last_io_ = c->now_;
    return rc;
}

/* A request from server s: its Information Reporting engine when it has
 * one (Observe registrations; it hands the rest to the dm), else the dm. */
static int obs_route(tern_client *c, tern_client_server *s, const tern_coap_server_req *req, tern_coap_response *resp)
{
    tern_client_obs *o = obs_slot(c, s);
    if (o && o->ready_ && o->ssid_ == s->ssid)
        return tern_obs_coap_handle(&o->obs_, req, resp);
    return tern_dm_coap_handle(c->cfg.dm, s->ssid, req, resp);
}

#else /* !TERN_WITH_OBSERVE: Observe is answered as a Read, no Send */

void cl_obs_stop(tern_client *c, tern_client_server *s)
{
    (void)c, (void)s;
}

void cl_obs_start(tern_client *c, tern_client_server *s)
{
    (void)c, (void)s;
}

static int obs_init_slot(tern_client *c, tern_client_obs *o, uint16_t ssid)
{
    (void)c, (void)o, (void)ssid;
    return TERN_OK;
}

static tern_time_ms obs_step_all(tern_client *c, tern_time_ms now)
{
    (void)c, (void)now;
    return TERN_TIME_NEVER;
}

static int obs_route(tern_client *c, tern_client_server *s, const tern_coap_server_req *req, tern_coap_response *resp)
{
    return tern_dm_coap_handle(c->cfg.dm, s->ssid, req, resp);
}

void tern_client_changed(tern_client *c, const tern_path *p, tern_time_ms now)
{
    (void)c, (void)p, (void)now;
}

tern_obs *tern_client_obs_of(tern_client *c, uint16_t ssid)
{
    (void)c, (void)ssid;
    return NULL;
}

int tern_client_send(tern_client *c, uint16_t ssid, const tern_path *paths, size_t n, int32_t format)
{
    (void)paths, (void)n, (void)format;
    return tern_client_server_of(c, ssid) ? TERN_EUNSUPPORTED : TERN_ENOTFOUND;
}

#endif /* TERN_WITH_OBSERVE */

/* ---- access control (Core §7.3, objects.h) ---- */

static uint16_t server_accounts(const tern_client *c)
{
    uint16_t n = 0;
    for (size_t i = 0; i < c->cfg.srv_cap; i++)
        n = (uint16_t)(n + (c->cfg.srv[i].used && c->cfg.srv[i].ssid));
    return n;
}

static void acl_wire(tern_client *c)
{
    tern_acl_obj *acl = c->cfg.acl;
    tern_dm_cfg *d = &c->cfg.dm->cfg;
    d->check_access = tern_acl_check;
    d->access_ctx = acl;
    d->on_instance_created = tern_acl_dm_on_created;
    d->on_instance_deleted = tern_acl_dm_on_deleted;
    d->instance_ctx = acl;
    tern_acl_set_server_count(acl, server_accounts(c));
}

static void acl_unwire(tern_client *c)
{
    tern_dm_cfg *d = &c->cfg.dm->cfg;
    if (!c->cfg.acl || d->access_ctx != c->cfg.acl)
        return;
    d->check_access = NULL;
    d->access_ctx = NULL;
    d->on_instance_created = NULL;
    d->on_instance_deleted = NULL;
    d->instance_ctx = NULL;
}

/* Every datagram to a server counts as activity: queue mode stays awake
 * MAX_TRANSMIT_WAIT after the last one (notifications included). */
static int on_send(void *ctx, const tern_coap_peer *peer, const uint8_t *bytes, size_t len)
{
    tern_client *c = ctx;
    tern_client_server *s = srv_of_peer(c, peer);
    if (s)
        s->last_io_ = c->now_;
    return c->cfg.send(c->cfg.send_ctx, peer, bytes, len);
}

/* ---- requests ---- */

/* A successful write by a server changes values others may observe. */
static void changed_by_request(tern_client *c, const tern_coap_msg *m, uint16_t ssid, uint8_t code)
{
    tern_op op;
    if (!c->cfg.obs || tern_coap_op_from_request(m, ssid, &op) != TERN_LC_NONE)
        return;
    bool hit = false;
    switch (op.kind) {
    case TERN_OPK_WRITE_REPLACE:
    case TERN_OPK_WRITE_UPDATE: hit = code == TERN_COAP_CHANGED; break;
    case TERN_OPK_CREATE: hit = code == TERN_COAP_CREATED; break;
    case TERN_OPK_DELETE: hit = code == TERN_COAP_DELETED; break;
    default: break;
    }
    if (hit)
        tern_client_changed(c, &op.path, c->now_);
}

static int on_request(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    tern_client *c = ctx;
    if (c->bs_peer_ok_ && tern_coap_peer_eq(&c->bs_peer_, req->peer))
        return cl_bs_handle(c, req, resp);
    tern_client_server *s = srv_of_peer(c, req->peer);
    if (!s || !s->ssid) {
        /* not a server of ours: no data model access */
        resp->msg.code = TERN_COAP_UNAUTHORIZED;
        return TERN_OK;
    }
    cl_reg_touch(c, s);
    uint8_t method = req->msg->code;
    uint16_t ssid = s->ssid;
    int rc = obs_route(c, s, req, resp);
    if (rc == TERN_OK)
        changed_by_request(c, req->msg, ssid, resp->msg.code);
    /* Create / Delete of an instance changes the object list: Update
     * every registration (Core §6.2.2). */
    if (rc == TERN_OK && ((method == TERN_COAP_POST && resp->msg.code == TERN_COAP_CREATED) ||
                          (method == TERN_COAP_DELETE && resp->msg.code == TERN_COAP_DELETED)))
        tern_client_objects_changed(c);
    return rc;
}

int tern_client_init(tern_client *c, const tern_client_cfg *cfg)
{
    if (!c || !cfg || !cfg->endpoint || !cfg->dm || !cfg->send || !cfg->connect || !cfg->rng.fill ||
        !cfg->work || cfg->work_len < 64 || (!cfg->sec && cfg->sec_cap) || (!cfg->srv && cfg->srv_cap))
        return TERN_EINVAL;
    /* the definitions by symbol, not through tern_registry_std(): that
     * would link every generated object into a firmware image */
    const tern_obj_def *d0 = &tern_obj_0_v1_2, *d1 = &tern_obj_1_v1_2;
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    tern_coap_ep_cfg ec = cfg->coap;
    ec.rng = cfg->rng;
    ec.log = cfg->log;
    ec.send = on_send;
    ec.send_ctx = c;
    ec.handler = on_request;
    ec.handler_ctx = c;
#if !defined(TERN_WITH_OBSERVE) || TERN_WITH_OBSERVE
    ec.on_observer_end = on_observer_end;
    ec.observer_ctx = c;
#endif
    int rc = tern_coap_ep_init(&c->ep, &ec, cfg->coap_mem, cfg->coap_mem_len);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < cfg->srv_cap; i++) {
        tern_client_server *s = &c->cfg.srv[i];
        /* engine fields start clean whatever the caller left there */
        s->state_ = TERN_REG_IDLE;
        s->req_ = 0;
        s->peer_ok_ = false;
        s->sleeping_ = false;
        s->restored_ = false;
        s->disable_ = false;
        s->loc_[0] = '\0';
        s->attempt_ = s->sequence_ = 0;
        s->ver_ = 0;
        s->wake_upd_ = false;
    }
    if (cfg->obs) {
        /* check each slot's tables now rather than at the first Register */
        for (size_t i = 0; i < cfg->srv_cap; i++) {
            cfg->obs[i].ready_ = false;
            if ((rc = obs_init_slot(c, &cfg->obs[i], 0)) < 0)
                goto fail_ep;
        }
    }
    c->sec_obj_ = (tern_dm_obj){.def = d0, .h = &tern_cl_sec_handlers, .user = c};
    c->srv_obj_ = (tern_dm_obj){.def = d1, .h = &tern_cl_srv_handlers, .user = c};
    if ((rc = tern_dm_add(cfg->dm, &c->sec_obj_)) < 0)
        goto fail_ep;
    if ((rc = tern_dm_add(cfg->dm, &c->srv_obj_)) < 0) {
        (void)tern_dm_remove(cfg->dm, &c->sec_obj_);
        goto fail_ep;
    }
    rc = cl_store_restore(c);
    if (rc < 0 && rc != TERN_ENOTFOUND)
        tern_logf(&c->cfg.log, TERN_LOG_WARN, CL_MOD, "stored configuration not restored: %s", tern_strerror(rc));
    c->bs_purge_at_ = TERN_TIME_NEVER;
    c->bs_due_ = TERN_TIME_NEVER;
    c->dirty_ = false;
    if (cfg->acl)
        acl_wire(c);
    return TERN_OK;
fail_ep:
    tern_coap_ep_deinit(&c->ep);
    return rc;
}

void tern_client_deinit(tern_client *c)
{
    if (c->cfg.obs)
        for (size_t i = 0; i < c->cfg.srv_cap; i++)
            c->cfg.obs[i].ready_ = false;
    acl_unwire(c);
    tern_coap_ep_deinit(&c->ep);
    (void)tern_dm_remove(c->cfg.dm, &c->srv_obj_);
    (void)tern_dm_remove(c->cfg.dm, &c->sec_obj_);
}

int tern_client_feed(tern_client *c, const tern_coap_peer *peer, const uint8_t *bytes, size_t len, tern_time_ms now)
{
    if (now > c->now_)
        c->now_ = now;
    int rc = tern_coap_ep_feed(&c->ep, peer, bytes, len, now);
    /* an ACK may free a held notification, a 2.04 end a wake-up: the
     * caller's next tern_client_step gives the new deadline */
    (void)obs_step_all(c, now);
    return rc;
}

static bool any_server_account(tern_client *c)
{
    for (size_t i = 0; i < c->cfg.srv_cap; i++)
        if (c->cfg.srv[i].used && c->cfg.srv[i].ssid && cl_sec_of_ssid(c, c->cfg.srv[i].ssid))
            return true;
    return false;
}

tern_time_ms tern_client_step(tern_client *c, tern_time_ms now)
{
    if (now > c->now_)
        c->now_ = now;
    tern_time_ms next = tern_coap_ep_step(&c->ep, now);
    if (!c->started_) {
        c->started_ = true;
        /* Core §6.1: factory/stored accounts first; none → bootstrap */
        if (any_server_account(c))
            cl_reg_start_all(c);
        else if (cl_sec_bootstrap(c))
            cl_bs_start(c, 0);
        else
            tern_logf(&c->cfg.log, TERN_LOG_ERROR, CL_MOD, "no LwM2M Server and no Bootstrap-Server account");
        /* know the Bootstrap-Server's peer so it may start a bootstrap
         * itself (server-initiated, Core §6.1.4) */
        tern_client_sec *bs = cl_sec_bootstrap(c);
        if (bs && !c->bs_peer_ok_ && c->cfg.connect(c->cfg.connect_ctx, bs, &c->bs_peer_) == TERN_OK)
            c->bs_peer_ok_ = true;
    }
    next = TERN_MIN(next, cl_bs_step(c, now));
    for (size_t i = 0; i < c->cfg.srv_cap; i++)
        if (c->cfg.srv[i].used)
            next = TERN_MIN(next, cl_reg_step(c, &c->cfg.srv[i], now));
    if (c->cfg.acl)
        tern_acl_set_server_count(c->cfg.acl, server_accounts(c)); /* bootstrap may change it */
    next = TERN_MIN(next, obs_step_all(c, now));
    /* requests sent by the steps above may have set timers */
    next = TERN_MIN(next, tern_coap_ep_step(&c->ep, now));
    if (c->dirty_ && c->bs_state_ != TERN_BS_IN_PROGRESS && c->bs_state_ != TERN_BS_REQUESTING)
        (void)tern_client_save(c);
    return next < now ? now : next;
}

int tern_client_deregister(tern_client *c, uint16_t ssid)
{
    bool any = false;
    for (size_t i = 0; i < c->cfg.srv_cap; i++) {
        tern_client_server *s = &c->cfg.srv[i];
        if (!s->used || (ssid && s->ssid != ssid))
            continue;
        any = true;
        switch (s->state_) {
        case TERN_REG_REGISTERED:
        case TERN_REG_REGISTERING:
        case TERN_REG_UPDATING:
            /* De-register (Core §6.2.3) from the next step, once no
             * request of this registration is in flight */
            s->stop_ = true;
            s->due_ = c->now_;
            break;
        case TERN_REG_DEREGISTERING: break;
        default:
            cl_reg_reset(c, s);
            s->state_ = TERN_REG_DEREGISTERED;
            break;
        }
    }
    return any ? TERN_OK : TERN_ENOTFOUND;
}

void tern_client_objects_changed(tern_client *c)
{
    for (size_t i = 0; i < c->cfg.srv_cap; i++)
        if (c->cfg.srv[i].used)
            c->cfg.srv[i].upd_payload_ = true;
}

int tern_client_update(tern_client *c, uint16_t ssid)
{
    tern_client_server *s = tern_client_server_of(c, ssid);
    return s ? cl_reg_trigger(c, s) : TERN_ENOTFOUND;
}

int tern_client_bootstrap(tern_client *c)
{
    if (!cl_sec_bootstrap(c))
        return TERN_ENOTFOUND;
    cl_bs_start(c, 0);
    return TERN_OK;
}

int tern_client_reregister(tern_client *c, uint16_t ssid)
{
    bool any = false;
    for (size_t i = 0; i < c->cfg.srv_cap; i++) {
        tern_client_server *s = &c->cfg.srv[i];
        if (!s->used || !s->ssid || (ssid && s->ssid != ssid) || !cl_sec_of_ssid(c, s->ssid))
            continue;
        any = true;
        cl_reg_reset(c, s);
        s->loc_[0] = '\0';
        s->state_ = TERN_REG_WAIT;
        s->due_ = c->now_;
    }
    return any ? TERN_OK : TERN_ENOTFOUND;
}

void tern_client_address_changed(tern_client *c)
{
    /* NoSec has no security context to keep the association: register
     * again (Core §6.2); (D)TLS sessions are the platform's to resume */
    for (size_t i = 0; i < c->cfg.srv_cap; i++) {
        tern_client_server *s = &c->cfg.srv[i];
        tern_client_sec *sec = s->used && s->ssid ? cl_sec_of_ssid(c, s->ssid) : NULL;
        if (sec && sec->mode == 3 && s->state_ != TERN_REG_IDLE && s->state_ != TERN_REG_DEREGISTERED &&
            s->state_ != TERN_REG_FAILED)
            (void)tern_client_reregister(c, s->ssid);
    }
}

int tern_client_wake(tern_client *c, uint16_t ssid)
{
    bool any = false;
    for (size_t i = 0; i < c->cfg.srv_cap; i++) {
        tern_client_server *s = &c->cfg.srv[i];
        if (!s->used || (ssid && s->ssid != ssid))
            continue;
        any = true;
        if (s->sleeping_ && s->state_ == TERN_REG_REGISTERED)
            s->upd_trigger_ = true; /* Update first (Core §6.5) */
    }
    return any ? TERN_OK : TERN_ENOTFOUND;
}

tern_client_server *tern_client_server_of(tern_client *c, uint16_t ssid)
{
    for (size_t i = 0; i < c->cfg.srv_cap; i++)
        if (c->cfg.srv[i].used && c->cfg.srv[i].ssid == ssid)
            return &c->cfg.srv[i];
    return NULL;
}

tern_client_reg_state tern_client_reg_state_of(const tern_client *c, uint16_t ssid)
{
    for (size_t i = 0; i < c->cfg.srv_cap; i++)
        if (c->cfg.srv[i].used && c->cfg.srv[i].ssid == ssid)
            return (tern_client_reg_state)c->cfg.srv[i].state_;
    return TERN_REG_IDLE;
}

tern_client_bs_state tern_client_bs_state_of(const tern_client *c)
{
    return (tern_client_bs_state)c->bs_state_;
}

bool tern_client_idle(const tern_client *c)
{
    for (size_t i = 0; i < c->cfg.srv_cap; i++) {
        const tern_client_server *s = &c->cfg.srv[i];
        if (s->used && (s->req_ || s->state_ == TERN_REG_REGISTERED || s->state_ == TERN_REG_WAIT))
            return false;
    }
    return c->bs_req_ == 0;
}
