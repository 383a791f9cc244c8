/* tern — registration with one LwM2M Server (Core §6.2, Transport §6.2 and
 * §6.4.3): Register, Update, De-register, the Server object's retry rules
 * (Core §6.2.1.1: Communication Retry Count/Timer, Sequence Delay
 * Timer/Retry Count, Bootstrap on Registration Failure), LwM2M version
 * fallback on 4.12 (Core §6.2.1.2) and queue mode (Core §6.5). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "client/client_internal.h"
#include "tern/codec.h"
#include "tern/linkfmt.h"

static const char *const k_ver[3] = {"1.2", "1.1", "1.0"};

static tern_client *cl_of_ep(tern_coap_ep *ep)
{
    return (tern_client *)(void *)((char *)ep - offsetof(tern_client, ep));
}

static int64_t or_def(int64_t v, int64_t def)
{
    return v < 0 ? def : v;
}

static void set_state(tern_client_server *s, tern_client_reg_state st)
{
    s->state_ = (uint8_t)st;
}

/* ---- payload: the list of objects (Core §6.2.1, Transport §6.4.3) ---- */

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

int cl_reg_payload(tern_client *c, tern_wbuf *w)
{
    tern_link_builder b;
    tern_link_builder_init(&b, w);
    tern_path root = tern_path_root();
    int rc;
    const char *alt = c->cfg.alt_path && c->cfg.alt_path[0] ? c->cfg.alt_path : NULL;
    /* root link: rt="oma.lwm2m" and the preferred format (Core §6.2.1) */
    if ((rc = tern_link_add_path(&b, alt, &root)) < 0 || (rc = tern_link_add_attr(&b, "rt", "oma.lwm2m", true)) < 0 ||
        (rc = tern_link_add_attr_uint(&b, "ct", (uint64_t)c->cfg.dm->cfg.default_format)) < 0)
        return rc;
    for (tern_dm_obj *o = tern_dm_first(c->cfg.dm); o; o = tern_dm_next(o)) {
        uint16_t oid = o->def->id;
        /* "The Security Object ID:0, and OSCORE Object ID:21 ... MUST NOT be part of the Registration" */
        if (oid == 0 || oid == 21)
            continue;
        bool ver = o->def->version && strcmp(o->def->version, "1.0") != 0;
        uint16_t iid;
        bool any = o->h->inst_next && o->h->inst_next(o, -1, &iid) == TERN_OK;
        if (ver || !any) {
            tern_path po = tern_path_make(1, oid, 0, 0, 0);
            if ((rc = tern_link_add_path(&b, alt, &po)) < 0)
                return rc;
            if (ver && (rc = tern_link_add_attr(&b, "ver", o->def->version, false)) < 0)
                return rc;
        }
        for (int32_t after = -1; any && o->h->inst_next(o, after, &iid) == TERN_OK; after = iid) {
            tern_path pi = tern_path_make(2, oid, iid, 0, 0);
            if ((rc = tern_link_add_path(&b, alt, &pi)) < 0)
                return rc;
        }
    }
    return TERN_OK;
}

/* ---- timing ---- */

/* Update before the lifetime ends: at 90 % of it, but at least
 * MAX_TRANSMIT_WAIT before, and never later than half of it. */
static tern_time_ms update_due(const tern_client *c, const tern_client_server *s)
{
    tern_time_ms lt = (tern_time_ms)s->lifetime_s * 1000;
    if (lt <= 0)
        return TERN_TIME_NEVER;
    tern_time_ms margin = TERN_MAX(cl_mtw(c), lt / 10);
    margin = TERN_MIN(margin, lt / 2);
    return s->reg_at_ + lt - margin;
}

/* One attempt failed (Core §6.2.1.1): the next after Retry Timer *
 * 2^(attempt-1); after Retry Count attempts, a new sequence after the
 * Sequence Delay Timer; after Sequence Retry Count sequences, failure. */
static void attempt_failed(tern_client *c, tern_client_server *s, const char *why)
{
    tern_logf(&c->cfg.log, TERN_LOG_WARN, CL_MOD, "ssid %u: registration attempt failed: %s", s->ssid, why);
    int64_t count = or_def(s->retry_count, CL_DEF_RETRY_COUNT);
    int64_t timer = or_def(s->retry_timer_s, CL_DEF_RETRY_TIMER_S);
    s->attempt_++;
    s->ver_ = 0;
    if (s->attempt_ < count) {
        int shift = s->attempt_ - 1 > 20 ? 20 : s->attempt_ - 1;
        s->due_ = c->now_ + timer * 1000 * ((int64_t)1 << shift);
        set_state(s, TERN_REG_WAIT);
        return;
    }
    s->attempt_ = 0;
    s->sequence_++;
    if (s->sequence_ < or_def(s->seq_retry_count, CL_DEF_SEQ_RETRY)) {
        s->due_ = c->now_ + or_def(s->seq_delay_s, CL_DEF_SEQ_DELAY_S) * 1000;
        set_state(s, TERN_REG_WAIT);
        return;
    }
    s->sequence_ = 0;
    set_state(s, TERN_REG_FAILED);
    s->due_ = TERN_TIME_NEVER;
    cl_reg_failed(c, s);
}

void cl_reg_failed(tern_client *c, tern_client_server *s)
{
    cl_event(c, TERN_CLIENT_REG_FAILED, s->ssid);
    /* Bootstrap on Registration Failure (/1/x/16, Core §6.2.1.1) */
    if (s->bs_on_fail && cl_sec_bootstrap(c))
        cl_bs_start(c, 0);
}

void cl_reg_touch(tern_client *c, tern_client_server *s)
{
    s->last_io_ = c->now_;
    s->sleeping_ = false;
}

void cl_reg_reset(tern_client *c, tern_client_server *s)
{
    tern_coap_handle h = s->req_;
    s->req_ = 0;
    if (h)
        (void)tern_coap_cancel(&c->ep, h);
    set_state(s, TERN_REG_IDLE);
    s->due_ = TERN_TIME_NEVER;
    s->attempt_ = s->sequence_ = 0;
    s->ver_ = 0;
    s->sleeping_ = false;
    s->wake_upd_ = false;
    cl_obs_stop(c, s);
}

void cl_reg_start_all(tern_client *c)
{
    for (size_t i = 0; i < c->cfg.srv_cap; i++) {
        tern_client_server *s = &c->cfg.srv[i];
        if (!s->used)
            continue;
        bool restored = s->restored_ && s->loc_[0];
        cl_reg_reset(c, s);
        if (!s->ssid || !cl_sec_of_ssid(c, s->ssid))
            continue;
        s->due_ = c->now_;
        if (restored) {
            /* a registration kept over a restart: try Update first */
            set_state(s, TERN_REG_REGISTERED);
            s->upd_params_ = s->upd_payload_ = true;
            s->peer_ok_ = false;
        } else {
            set_state(s, TERN_REG_WAIT);
            s->loc_[0] = '\0';
        }
        s->restored_ = false;
    }
}

int cl_reg_trigger(tern_client *c, tern_client_server *s)
{
    (void)c;
    if (s->state_ != TERN_REG_REGISTERED && s->state_ != TERN_REG_UPDATING)
        return TERN_ESTATE;
    s->upd_trigger_ = true;
    return TERN_OK;
}

int cl_reg_disable(tern_client *c, tern_client_server *s)
{
    (void)c;
    /* Disable (/1/x/4): de-register, then stay off for the Disable Timeout */
    s->disable_ = true;
    if (s->state_ == TERN_REG_REGISTERED)
        s->due_ = c->now_;
    return TERN_OK;
}

/* ---- requests ---- */

static void on_response(void *ctx, tern_coap_ep *ep, const tern_coap_result *res);

/* Adds the Uri-Query "name=value" (name "Q": no value), written into buf. */
static int add_q(tern_coap_msg *m, char *buf, size_t cap, size_t *used, const char *name, const char *v)
{
    int n = v ? snprintf(buf + *used, cap - *used, "%s=%s", name, v) : snprintf(buf + *used, cap - *used, "%s", name);
    if (n < 0 || (size_t)n >= cap - *used)
        return TERN_ENOMEM;
    int rc = tern_coap_opt_add(m, TERN_COAP_OPT_URI_QUERY, buf + *used, (size_t)n);
    *used += (size_t)n + 1;
    return rc;
}

/* Decimal text of v into out (≥ 21 bytes); not snprintf("%lld"), which
 * newlib-nano (the usual embedded libc) does not implement. */
static void i64_dec(char *out, int64_t v)
{
    char t[20];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        t[n++] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u);
    if (v < 0)
        *out++ = '-';
    while (n)
        *out++ = t[--n];
    *out = 0;
}

static int send_req(tern_client *c, tern_client_server *s, tern_op_kind kind)
{
    tern_coap_msg m;
    uint8_t cfbuf[4];
    char q[TERN_CLIENT_URI_MAX + 96];
    size_t qused = 0;
    char num[24];
    int rc;
    tern_coap_msg_init(&m, TERN_COAP_CON, kind == TERN_OPK_DEREGISTER ? TERN_COAP_DELETE : TERN_COAP_POST, 0);
    if (kind == TERN_OPK_REGISTER) {
        if ((rc = tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_PATH, "rd")) < 0)
            return rc;
    } else if ((rc = tern_coap_opt_add_uri_path(&m, s->loc_)) < 0) {
        return rc;
    }
    bool with_payload = kind == TERN_OPK_REGISTER || (kind == TERN_OPK_UPDATE && s->upd_payload_);
    bool with_params = kind == TERN_OPK_REGISTER || (kind == TERN_OPK_UPDATE && s->upd_params_);
    const char *ver = k_ver[s->ver_ < 3 ? s->ver_ : 2];
    bool v10 = s->ver_ >= 2;
    /* Transport Table 6.4.3.-1 parameters (ep, lt, lwm2m, b, Q, sms) */
    if (kind == TERN_OPK_REGISTER && (rc = add_q(&m, q, sizeof q, &qused, "ep", c->cfg.endpoint)) < 0)
        return rc;
    if (with_params) {
        i64_dec(num, s->lifetime_s);
        if ((rc = add_q(&m, q, sizeof q, &qused, "lt", num)) < 0)
            return rc;
    }
    if (kind == TERN_OPK_REGISTER && (rc = add_q(&m, q, sizeof q, &qused, "lwm2m", ver)) < 0)
        return rc;
    if (with_params) {
        char b[TERN_CLIENT_BINDING_MAX + 2];
        size_t bl = 0;
        for (const char *p = s->binding; *p && bl < sizeof b - 2; p++)
            if (*p != 'Q')
                b[bl++] = *p;
        if (v10 && c->cfg.queue_mode)
            b[bl++] = 'Q'; /* 1.0: queue mode is the "UQ" binding */
        b[bl] = '\0';
        if ((rc = add_q(&m, q, sizeof q, &qused, "b", b)) < 0)
            return rc;
    }
    if (kind == TERN_OPK_REGISTER && c->cfg.queue_mode && !v10 &&
        (rc = add_q(&m, q, sizeof q, &qused, "Q", NULL)) < 0)
        return rc;
    if (with_params && c->cfg.sms && (rc = add_q(&m, q, sizeof q, &qused, "sms", c->cfg.sms)) < 0)
        return rc;
    tern_coap_req_opts o;
    memset(&o, 0, sizeof o);
    if (with_payload) {
        tern_wbuf w = tern_wbuf_make(c->cfg.work, c->cfg.work_len);
        if ((rc = cl_reg_payload(c, &w)) < 0)
            return rc;
        if ((rc = tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_LINK, cfbuf)) < 0)
            return rc;
        s->payload_hash_ = fnv1a(w.ptr, w.len);
        /* copied at once when it fits one block; else sent block-wise
         * from the work buffer (one block-wise Register at a time) */
        o.body = w.ptr;
        o.body_len = w.len;
    }
    tern_coap_handle h = 0;
    rc = tern_coap_request(&c->ep, &s->peer_, &m, &o, on_response, s, &h);
    if (rc < 0)
        return rc;
    s->req_ = h;
    if (kind == TERN_OPK_UPDATE) {
        s->upd_payload_ = s->upd_params_ = s->upd_trigger_ = false;
    }
    cl_reg_touch(c, s);
    return TERN_OK;
}

static void do_register(tern_client *c, tern_client_server *s)
{
    tern_client_sec *sec = cl_sec_of_ssid(c, s->ssid);
    if (!sec) {
        set_state(s, TERN_REG_IDLE);
        return;
    }
    int rc = c->cfg.connect(c->cfg.connect_ctx, sec, &s->peer_);
    if (rc < 0) {
        attempt_failed(c, s, "connect failed");
        return;
    }
    s->peer_ok_ = true;
    s->loc_[0] = '\0';
    /* a new registration ends the observations of the old one (Core §6.2) */
    cl_obs_stop(c, s);
    set_state(s, TERN_REG_REGISTERING);
    rc = send_req(c, s, TERN_OPK_REGISTER);
    if (rc < 0)
        attempt_failed(c, s, tern_strerror(rc));
}

static void do_update(tern_client *c, tern_client_server *s)
{
    if (!s->peer_ok_) {
        tern_client_sec *sec = cl_sec_of_ssid(c, s->ssid);
        if (!sec || c->cfg.connect(c->cfg.connect_ctx, sec, &s->peer_) < 0) {
            set_state(s, TERN_REG_WAIT);
            s->due_ = c->now_;
            return;
        }
        s->peer_ok_ = true;
    }
    s->wake_upd_ = false;
    if (s->sleeping_) {
        s->sleeping_ = false;
        /* queue mode: notifications wait for this Update's 2.04 (Core §6.5) */
        s->wake_upd_ = true;
        cl_event(c, TERN_CLIENT_WAKE, s->ssid);
    }
    set_state(s, TERN_REG_UPDATING);
    if (send_req(c, s, TERN_OPK_UPDATE) < 0) {
        set_state(s, TERN_REG_WAIT);
        s->due_ = c->now_;
    }
}

static void do_deregister(tern_client *c, tern_client_server *s)
{
    set_state(s, TERN_REG_DEREGISTERING);
    if (send_req(c, s, TERN_OPK_DEREGISTER) < 0) {
        set_state(s, TERN_REG_DEREGISTERED);
        cl_event(c, TERN_CLIENT_DEREGISTERED, s->ssid);
    }
}

static void collect_location(tern_client_server *s, const tern_coap_msg *m)
{
    size_t n = 0;
    s->loc_[0] = '\0';
    for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_LOCATION_PATH); o;
         o = tern_coap_opt_next(m, o)) {
        if (n + 1 + o->len + 1 > sizeof s->loc_) {
            s->loc_[0] = '\0';
            return;
        }
        s->loc_[n++] = '/';
        memcpy(s->loc_ + n, o->val, o->len);
        n += o->len;
        s->loc_[n] = '\0';
    }
}

static void after_dereg(tern_client *c, tern_client_server *s)
{
    cl_obs_stop(c, s);
    s->loc_[0] = '\0';
    s->stop_ = false;
    if (s->disable_) {
        s->disable_ = false;
        set_state(s, TERN_REG_DISABLED);
        s->due_ = c->now_ + or_def(s->disable_timeout_s, CL_DEF_DISABLE_S) * 1000;
    } else {
        set_state(s, TERN_REG_DEREGISTERED);
        s->due_ = TERN_TIME_NEVER;
    }
    cl_event(c, TERN_CLIENT_DEREGISTERED, s->ssid);
}

static void on_response(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    tern_client_server *s = ctx;
    tern_client *c = cl_of_ep(ep);
    if (!res->final || res->handle != s->req_)
        return;
    s->req_ = 0;
    uint8_t code = res->err == 0 && res->msg ? res->msg->code : 0;
    if (res->err == 0)
        cl_reg_touch(c, s);
    switch (s->state_) {
    case TERN_REG_REGISTERING:
        if (code == TERN_COAP_CREATED) {
            collect_location(s, res->msg);
            if (!s->loc_[0]) {
                attempt_failed(c, s, "2.01 without Location-Path");
                return;
            }
            set_state(s, TERN_REG_REGISTERED);
            s->attempt_ = s->sequence_ = 0;
            s->reg_at_ = c->now_;
            s->due_ = update_due(c, s);
            s->upd_payload_ = s->upd_params_ = s->upd_trigger_ = false;
            cl_obs_start(c, s);
            tern_logf(&c->cfg.log, TERN_LOG_INFO, CL_MOD, "ssid %u: registered at %s (LwM2M %s)", s->ssid,
                      s->loc_, k_ver[s->ver_]);
            cl_event(c, TERN_CLIENT_REGISTERED, s->ssid);
            (void)tern_client_save(c);
        } else if (code == TERN_COAP_PRECONDITION_FAILED && s->ver_ < 2) {
            /* 4.12: the server does not support this LwM2M version; try the
             * next lower one (Core §6.2.1.2) */
            s->ver_++;
            set_state(s, TERN_REG_WAIT);
            s->due_ = c->now_;
        } else {
            attempt_failed(c, s, res->err ? tern_strerror(res->err) : "Register rejected");
        }
        return;
    case TERN_REG_UPDATING:
        s->wake_upd_ = false;
        if (code == TERN_COAP_CHANGED) {
            set_state(s, TERN_REG_REGISTERED);
            s->reg_at_ = c->now_;
            s->due_ = update_due(c, s);
            cl_event(c, TERN_CLIENT_UPDATED, s->ssid);
        } else {
            /* 4.04 (registration unknown), other errors, timeout: register
             * again (Core §6.2.2) */
            tern_logf(&c->cfg.log, TERN_LOG_WARN, CL_MOD, "ssid %u: Update failed, registering again", s->ssid);
            s->loc_[0] = '\0';
            s->ver_ = 0;
            cl_obs_stop(c, s);
            set_state(s, TERN_REG_WAIT);
            s->due_ = c->now_;
        }
        return;
    case TERN_REG_DEREGISTERING:
        after_dereg(c, s);
        return;
    default: return;
    }
}

tern_time_ms cl_reg_step(tern_client *c, tern_client_server *s, tern_time_ms now)
{
    switch (s->state_) {
    case TERN_REG_WAIT:
        if (now >= s->due_)
            do_register(c, s);
        return s->state_ == TERN_REG_WAIT ? s->due_ : TERN_TIME_NEVER;
    case TERN_REG_DISABLED:
        if (now >= s->due_) {
            set_state(s, TERN_REG_WAIT);
            s->due_ = now;
            do_register(c, s);
        }
        return s->state_ == TERN_REG_WAIT || s->state_ == TERN_REG_DISABLED ? s->due_ : TERN_TIME_NEVER;
    case TERN_REG_REGISTERED: {
        if (c->stopping_ || s->stop_ || s->disable_) {
            do_deregister(c, s);
            return TERN_TIME_NEVER;
        }
        if (s->upd_payload_ || s->upd_params_ || s->upd_trigger_ || now >= s->due_) {
            do_update(c, s);
            return s->state_ == TERN_REG_WAIT ? s->due_ : TERN_TIME_NEVER;
        }
        tern_time_ms next = s->due_;
        if (c->cfg.queue_mode && !s->sleeping_) {
            /* Queue mode (Core §6.5): awake MAX_TRANSMIT_WAIT after the last exchange */
            tern_time_ms sleep_at = s->last_io_ + cl_mtw(c);
            if (now >= sleep_at) {
                s->sleeping_ = true;
                cl_event(c, TERN_CLIENT_SLEEP, s->ssid);
            } else {
                next = TERN_MIN(next, sleep_at);
            }
        }
        return next;
    }
    default: return TERN_TIME_NEVER;
    }
}
