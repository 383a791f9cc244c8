/* tern — the client context: configuration, the shared CoAP endpoint, the
 * request router (LwM2M Server peers → data model with their Short Server
 * ID; Bootstrap-Server peer → bootstrap handlers) and the public calls. */
#include <stddef.h>
#include <string.h>

#include "client/client_internal.h"
#include "model/gen/objects.h"
#include "tern/dm_coap.h"

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
    int rc = tern_dm_coap_handle(c->cfg.dm, ssid, req, resp);
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
    ec.send = cfg->send;
    ec.send_ctx = cfg->send_ctx;
    ec.handler = on_request;
    ec.handler_ctx = c;
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
    return TERN_OK;
fail_ep:
    tern_coap_ep_deinit(&c->ep);
    return rc;
}

void tern_client_deinit(tern_client *c)
{
    tern_coap_ep_deinit(&c->ep);
    (void)tern_dm_remove(c->cfg.dm, &c->srv_obj_);
    (void)tern_dm_remove(c->cfg.dm, &c->sec_obj_);
}

int tern_client_feed(tern_client *c, const tern_coap_peer *peer, const uint8_t *bytes, size_t len, tern_time_ms now)
{
    if (now > c->now_)
        c->now_ = now;
    return tern_coap_ep_feed(&c->ep, peer, bytes, len, now);
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
