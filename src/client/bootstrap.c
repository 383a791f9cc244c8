/* tern — bootstrap, client side (Core §6.1, Transport §6.1 and §6.4.2):
 * Bootstrap-Request / Bootstrap-Pack-Request with retries (exponential
 * back-off plus random jitter from the injected RNG), server-initiated
 * bootstrap, the Bootstrap-Write/-Read/-Discover/-Delete/-Finish handlers
 * (Transport Table 6.4.2.-1, codes of Table 6.7.-1), the Finish consistency
 * check and the Bootstrap-Server Account Timeout. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "client/client_internal.h"
#include "tern/codec.h"
#include "tern/dm_coap.h"
#include "tern/linkfmt.h"

static tern_client *cl_of_ep(tern_coap_ep *ep)
{
    return (tern_client *)(void *)((char *)ep - offsetof(tern_client, ep));
}

static uint32_t retry_base(const tern_client *c)
{
    return c->cfg.bs_retry_ms ? c->cfg.bs_retry_ms : 10000;
}

static tern_time_ms finish_timeout(const tern_client *c)
{
    return c->cfg.bs_finish_timeout_ms ? c->cfg.bs_finish_timeout_ms : 300000;
}

void cl_bs_start(tern_client *c, tern_time_ms delay_ms)
{
    tern_client_sec *bs = cl_sec_bootstrap(c);
    if (!bs) {
        tern_logf(&c->cfg.log, TERN_LOG_ERROR, CL_MOD, "bootstrap needed but there is no Bootstrap-Server account");
        return;
    }
    if (c->bs_state_ == TERN_BS_REQUESTING || c->bs_state_ == TERN_BS_IN_PROGRESS)
        return;
    /* Client Hold Off Time (/0/x/11) before the first request */
    tern_time_ms hold = bs->holdoff_s > 0 ? bs->holdoff_s * 1000 : 0;
    c->bs_state_ = TERN_BS_HOLDOFF;
    c->bs_due_ = c->now_ + TERN_MAX(delay_ms, hold);
    if (!c->bs_backoff_ms_)
        c->bs_backoff_ms_ = retry_base(c);
}

static void bs_failed(tern_client *c, const char *why)
{
    tern_logf(&c->cfg.log, TERN_LOG_WARN, CL_MOD, "bootstrap failed: %s", why);
    cl_event(c, TERN_CLIENT_BS_FAILED, 0);
    uint32_t d = c->bs_backoff_ms_ ? c->bs_backoff_ms_ : retry_base(c);
    uint32_t max = c->cfg.bs_retry_max_ms ? c->cfg.bs_retry_max_ms : 3600000u;
    c->bs_state_ = TERN_BS_HOLDOFF;
    /* exponential back-off with up to 50 % random jitter */
    c->bs_due_ = c->now_ + d + cl_jitter(c, d / 2 + 1);
    c->bs_backoff_ms_ = d >= max / 2 ? max : d * 2;
}

static void bs_done(tern_client *c)
{
    c->bs_state_ = TERN_BS_DONE;
    c->bs_due_ = TERN_TIME_NEVER;
    c->bs_backoff_ms_ = retry_base(c);
    tern_client_sec *bs = cl_sec_bootstrap(c);
    /* Bootstrap-Server Account Timeout (/0/x/12): purge the account after
     * it; 0 or absent: kept forever */
    c->bs_purge_at_ = bs && bs->bs_timeout_s > 0 ? c->now_ + bs->bs_timeout_s * 1000 : TERN_TIME_NEVER;
    c->dirty_ = true;
    (void)tern_client_save(c);
    cl_event(c, TERN_CLIENT_BS_DONE, 0);
    cl_reg_start_all(c); /* register with every configured server */
}

/* ---- Bootstrap-Write (also the Bootstrap-Pack) ---- */

#define BS_MAX_TOUCH 8
#define BS_MAX_SEEN 16

typedef struct bs_txn {
    tern_dm_obj *obj[BS_MAX_TOUCH];
    size_t n;
    uint32_t seen[BS_MAX_SEEN]; /* oid << 16 | iid of instances already prepared */
    size_t nseen;
} bs_txn;

static int txn_touch(bs_txn *t, tern_dm_obj *o)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->obj[i] == o)
            return TERN_OK;
    if (t->n == BS_MAX_TOUCH)
        return TERN_EFULL;
    if (o->h->begin) {
        int rc = o->h->begin(o);
        if (rc < 0)
            return rc;
    }
    t->obj[t->n++] = o;
    return TERN_OK;
}

static int txn_end(bs_txn *t, bool ok)
{
    int rc = TERN_OK;
    for (size_t i = 0; ok && i < t->n; i++)
        if (t->obj[i]->h->validate && (rc = t->obj[i]->h->validate(t->obj[i])) < 0)
            ok = false;
    for (size_t i = 0; i < t->n; i++) {
        if (ok && t->obj[i]->h->commit)
            (void)t->obj[i]->h->commit(t->obj[i]);
        else if (!ok && t->obj[i]->h->rollback)
            t->obj[i]->h->rollback(t->obj[i]);
    }
    return ok ? TERN_OK : (rc < 0 ? rc : TERN_EINVAL);
}

static bool inst_exists(tern_dm_obj *o, uint16_t iid)
{
    uint16_t got;
    return o->h->inst_next && o->h->inst_next(o, (int32_t)iid - 1, &got) == TERN_OK && got == iid;
}

/* The instance of an entry exists after this: created when missing,
 * cleared the first time a write at object/instance level reaches it
 * (the written instance gets exactly the given values). */
static int prepare_inst(tern_client *c, bs_txn *t, const tern_path *target, tern_dm_obj *o, uint16_t iid)
{
    (void)c;
    uint32_t key = (uint32_t)o->def->id << 16 | iid;
    for (size_t i = 0; i < t->nseen; i++)
        if (t->seen[i] == key)
            return TERN_OK;
    int rc;
    if (!inst_exists(o, iid)) {
        /* "regardless of an existence of the targeting Object Instance" */
        if (!o->h->create)
            return TERN_EUNSUPPORTED;
        if ((rc = o->h->create(o, iid)) < 0)
            return rc;
    } else if (target->len <= 2 && o->h->reset) {
        tern_path pi = tern_path_make(2, o->def->id, iid, 0, 0);
        if ((rc = o->h->reset(o, &pi)) < 0)
            return rc;
    }
    if (t->nseen < BS_MAX_SEEN)
        t->seen[t->nseen++] = key;
    return TERN_OK;
}

static int bs_entry(tern_client *c, bs_txn *t, const tern_path *target, const tern_entry *e, const char **why)
{
    if (e->kind == TERN_ENTRY_PATH_ONLY || e->path.len < 2 || !tern_path_is_prefix(target, &e->path)) {
        *why = "entry outside the target";
        return TERN_EINVAL;
    }
    tern_dm_obj *o = tern_dm_find(c->cfg.dm, e->path.ids[0]);
    if (!o) {
        *why = "object not supported";
        return TERN_ENOTFOUND;
    }
    int rc = txn_touch(t, o);
    if (rc == TERN_OK)
        rc = prepare_inst(c, t, target, o, e->path.ids[1]);
    if (rc < 0) {
        *why = "instance cannot be created";
        return rc;
    }
    if (e->kind == TERN_ENTRY_EMPTY_INSTANCE)
        return TERN_OK;
    const tern_res_def *rd = tern_obj_find_res(o->def, e->path.ids[2]);
    if (!rd) {
        *why = "no such resource";
        return TERN_ENOTFOUND;
    }
    if (e->kind == TERN_ENTRY_EMPTY_MULTI || (e->path.len == 3 && rd->multiple)) {
        if (!o->h->reset)
            return TERN_OK;
        tern_path pr = e->path;
        pr.len = 3;
        return o->h->reset(o, &pr);
    }
    if (rd->type == TERN_TYPE_NONE)
        return TERN_OK; /* executable: nothing to write */
    if (e->offset == 0 && !e->more && tern_value_check(rd, &e->value) < 0) {
        *why = "value does not match its definition";
        return TERN_ETYPE;
    }
    if (!o->h->write) {
        *why = "object is not writable";
        return TERN_EUNSUPPORTED;
    }
    /* regardless of access rights: no ACL, no R/W check (Transport §6.4.2) */
    rc = o->h->write(o, e);
    if (rc < 0)
        *why = "write handler failed";
    return rc;
}

int cl_bs_write(tern_client *c, const tern_path *p, int32_t cf, const uint8_t *body, size_t len, const char **why)
{
    tern_decoder d;
    uint8_t *scratch = c->cfg.dm->cfg.work;
    size_t scap = c->cfg.dm->cfg.work_len;
    *why = "payload does not decode";
    int rc = tern_decoder_init(&d, cf, p, tern_dm_type_of, c->cfg.dm, scratch, scap);
    if (rc < 0) {
        *why = "content format not supported";
        return TERN_EUNSUPPORTED;
    }
    bs_txn t;
    memset(&t, 0, sizeof t);
    /* feed in pieces no larger than half the scratch */
    size_t step = scap / 2 ? scap / 2 : 1, off = 0;
    tern_entry e;
    do {
        size_t n = TERN_MIN(step, len - off);
        rc = tern_decoder_feed(&d, body + off, n, off + n == len);
        off += n;
        if (rc < 0)
            break;
        while ((rc = tern_decoder_next(&d, &e)) == TERN_OK) {
            rc = bs_entry(c, &t, p, &e, why);
            if (rc < 0)
                break;
        }
        if (rc < 0 && rc != TERN_AGAIN)
            break;
    } while (off < len);
    if (rc != TERN_DONE) {
        if (rc >= 0)
            rc = TERN_EMALFORMED;
        if (d.err_reason)
            *why = d.err_reason;
        (void)txn_end(&t, false);
        return rc;
    }
    rc = txn_end(&t, true);
    if (rc < 0) {
        *why = "validation failed";
        return rc;
    }
    c->bs_touched_ = true;
    c->dirty_ = true;
    return TERN_OK;
}

/* ---- Bootstrap-Delete ---- */

static bool keep_on_delete(tern_client *c, uint16_t oid, uint16_t iid)
{
    /* "except LwM2M Bootstrap-Server Account and LwM2M Device object" */
    if (oid == 3)
        return true;
    if (oid == 0) {
        tern_client_sec *s = cl_sec_find(c, iid);
        return s && s->bootstrap;
    }
    return false;
}

static int bs_delete(tern_client *c, const tern_path *p)
{
    if (p->len > 2)
        return TERN_EINVAL;
    if (p->len == 2) {
        tern_dm_obj *o = tern_dm_find(c->cfg.dm, p->ids[0]);
        if (!o || !inst_exists(o, p->ids[1]) || keep_on_delete(c, p->ids[0], p->ids[1]) || !o->h->del)
            return TERN_EINVAL;
        return o->h->del(o, p);
    }
    for (tern_dm_obj *o = tern_dm_first(c->cfg.dm); o; o = tern_dm_next(o)) {
        uint16_t oid = o->def->id;
        if ((p->len == 1 && oid != p->ids[0]) || !o->h->del || !o->h->inst_next)
            continue;
        uint16_t iid;
        for (int32_t after = -1; o->h->inst_next(o, after, &iid) == TERN_OK; after = iid) {
            if (keep_on_delete(c, oid, iid))
                continue;
            tern_path pi = tern_path_make(2, oid, iid, 0, 0);
            int rc = o->h->del(o, &pi);
            if (rc < 0)
                return rc;
        }
    }
    return TERN_OK;
}

/* ---- Bootstrap-Discover (Core §5.2.7.3) ---- */

static int bs_discover(tern_client *c, const tern_path *p, tern_wbuf *w)
{
    tern_link_builder b;
    tern_link_builder_init(&b, w);
    int rc;
    if (p->len == 0) {
        tern_path root = tern_path_root();
        if ((rc = tern_link_add_path(&b, NULL, &root)) < 0 || (rc = tern_link_add_attr(&b, "lwm2m", "1.2", true)) < 0)
            return rc;
    }
    bool found = p->len == 0;
    for (tern_dm_obj *o = tern_dm_first(c->cfg.dm); o; o = tern_dm_next(o)) {
        uint16_t oid = o->def->id;
        if (p->len == 1 && oid != p->ids[0])
            continue;
        found = true;
        bool ver = o->def->version && strcmp(o->def->version, "1.0") != 0;
        uint16_t iid;
        bool any = o->h->inst_next && o->h->inst_next(o, -1, &iid) == TERN_OK;
        if (ver || !any) {
            tern_path po = tern_path_make(1, oid, 0, 0, 0);
            if ((rc = tern_link_add_path(&b, NULL, &po)) < 0)
                return rc;
            if (ver && (rc = tern_link_add_attr(&b, "ver", o->def->version, false)) < 0)
                return rc;
        }
        for (int32_t after = -1; any && o->h->inst_next(o, after, &iid) == TERN_OK; after = iid) {
            tern_path pi = tern_path_make(2, oid, iid, 0, 0);
            if ((rc = tern_link_add_path(&b, NULL, &pi)) < 0)
                return rc;
            /* ssid and uri on Security and Server instances */
            if (oid == 0) {
                tern_client_sec *s = cl_sec_find(c, iid);
                if (s && !s->bootstrap && s->ssid && (rc = tern_link_add_attr_uint(&b, "ssid", s->ssid)) < 0)
                    return rc;
                if (s && (rc = tern_link_add_attr(&b, "uri", s->uri, true)) < 0)
                    return rc;
            } else if (oid == 1) {
                tern_client_server *s = cl_srv_find(c, iid);
                if (s && s->ssid && (rc = tern_link_add_attr_uint(&b, "ssid", s->ssid)) < 0)
                    return rc;
            }
        }
    }
    return found ? TERN_OK : TERN_ENOTFOUND;
}

/* ---- Bootstrap-Finish consistency (Core §6.1.7) ---- */

int cl_bs_check(tern_client *c, const char **why)
{
    size_t servers = 0, bs = 0;
    for (size_t i = 0; i < c->cfg.sec_cap; i++) {
        const tern_client_sec *s = &c->cfg.sec[i];
        if (!s->used)
            continue;
        if (!s->uri[0]) {
            *why = "Security instance without a Server URI";
            return TERN_EINVAL;
        }
        if (s->bootstrap)
            bs++;
        else if (!s->ssid) {
            *why = "LwM2M Server Security instance without Short Server ID";
            return TERN_EINVAL;
        }
    }
    if (bs > 1) {
        *why = "more than one Bootstrap-Server account";
        return TERN_EINVAL;
    }
    for (size_t i = 0; i < c->cfg.srv_cap; i++) {
        const tern_client_server *s = &c->cfg.srv[i];
        if (!s->used)
            continue;
        if (!s->ssid || !cl_sec_of_ssid(c, s->ssid)) {
            *why = "Server instance without a matching Security instance";
            return TERN_EINVAL;
        }
        for (size_t j = 0; j < i; j++)
            if (c->cfg.srv[j].used && c->cfg.srv[j].ssid == s->ssid) {
                *why = "two Server instances with the same Short Server ID";
                return TERN_EINVAL;
            }
        servers++;
    }
    if (!servers) {
        *why = "no LwM2M Server account";
        return TERN_EINVAL;
    }
    return TERN_OK;
}

/* ---- the handler for requests from the Bootstrap-Server ---- */

static int path_of(const tern_coap_msg *m, tern_path *p, bool *is_bs)
{
    char buf[64];
    *is_bs = false;
    int n = tern_coap_uri_path_str(m, buf, sizeof buf);
    if (n < 0)
        return n;
    if (strcmp(buf, "/bs") == 0) {
        *is_bs = true;
        return TERN_OK;
    }
    return tern_path_parse(p, buf, (size_t)n);
}

int cl_bs_handle(tern_client *c, const tern_coap_server_req *req, tern_coap_response *resp)
{
    const tern_coap_msg *m = req->msg;
    tern_path p = tern_path_root();
    bool is_bs;
    resp->msg.code = TERN_COAP_BAD_REQUEST; /* "Bad or unknown URI provided" */
    if (path_of(m, &p, &is_bs) < 0)
        return TERN_OK;
    if (c->bs_state_ != TERN_BS_IN_PROGRESS) {
        /* server-initiated bootstrap (Core §6.1.4): the server starts writing */
        tern_coap_handle h = c->bs_req_;
        c->bs_req_ = 0;
        if (h)
            (void)tern_coap_cancel(&c->ep, h);
        c->bs_state_ = TERN_BS_IN_PROGRESS;
    }
    c->bs_due_ = c->now_ + finish_timeout(c);
    const char *why = NULL;
    switch (m->code) {
    case TERN_COAP_POST:
        if (!is_bs)
            return TERN_OK;
        /* Bootstrap-Finish */
        if (cl_bs_check(c, &why) < 0) {
            tern_logf(&c->cfg.log, TERN_LOG_WARN, CL_MOD, "Bootstrap-Finish refused: %s", why);
            resp->msg.code = TERN_COAP_NOT_ACCEPTABLE; /* "Inconsistent loaded configuration" */
            return TERN_OK;
        }
        resp->msg.code = TERN_COAP_CHANGED;
        bs_done(c);
        return TERN_OK;
    case TERN_COAP_PUT: {
        if (is_bs || p.len == 0 || p.len > 3) /* Table 6.4.2.-1: /O, /O/I, /O/I/R */
            return TERN_OK;
        int32_t cf = tern_coap_content_format(m);
        if (cf < 0) {
            resp->msg.code = TERN_COAP_UNSUPPORTED_FORMAT;
            return TERN_OK;
        }
        /* Block1: gather the body in the work buffer, apply at the end */
        size_t off = req->b1_offset, n = m->payload_len;
        if (off + n > c->cfg.work_len) {
            resp->msg.code = TERN_COAP_REQUEST_TOO_LARGE;
            return TERN_OK;
        }
        if (n)
            memcpy(c->cfg.work + off, m->payload, n);
        if (req->b1_more) {
            resp->msg.code = 0; /* 2.31 Continue */
            return TERN_OK;
        }
        int rc = cl_bs_write(c, &p, cf, c->cfg.work, off + n, &why);
        if (rc == TERN_EUNSUPPORTED && strcmp(why, "content format not supported") == 0)
            resp->msg.code = TERN_COAP_UNSUPPORTED_FORMAT;
        else if (rc < 0)
            resp->msg.code = TERN_COAP_BAD_REQUEST; /* "The format of data to be written is different" */
        else
            resp->msg.code = TERN_COAP_CHANGED;
        if (rc < 0)
            tern_logf(&c->cfg.log, TERN_LOG_WARN, CL_MOD, "Bootstrap-Write refused: %s", why);
        return TERN_OK;
    }
    case TERN_COAP_DELETE:
        if (is_bs)
            return TERN_OK;
        if (bs_delete(c, &p) == TERN_OK) {
            resp->msg.code = TERN_COAP_DELETED;
            c->dirty_ = true;
        }
        return TERN_OK;
    case TERN_COAP_GET:
        if (is_bs || p.len > 2)
            return TERN_OK;
        if (tern_coap_accept(m) == TERN_CF_LINK) {
            /* Bootstrap-Discover: "/" or "/O" */
            if (p.len > 1)
                return TERN_OK;
            tern_wbuf w = tern_wbuf_make(resp->buf, resp->buf_cap);
            int rc = bs_discover(c, &p, &w);
            if (rc == TERN_ENOTFOUND) {
                resp->msg.code = TERN_COAP_NOT_FOUND;
                return TERN_OK;
            }
            if (rc < 0)
                return TERN_OK; /* 4.00 "Undetermined error occurred" */
            resp->msg.code = TERN_COAP_CONTENT;
            resp->msg.payload = resp->buf;
            resp->msg.payload_len = w.len;
            return tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_LINK);
        }
        /* Bootstrap-Read: only the Server (1) and Access Control (2)
         * objects (Transport Table 6.4.2.-1); others 4.01 */
        if (p.len == 0 || (p.ids[0] != 1 && p.ids[0] != 2)) {
            resp->msg.code = TERN_COAP_UNAUTHORIZED;
            return TERN_OK;
        }
        {
            /* the Bootstrap-Server is not subject to access control */
            tern_dm_access_fn acl = c->cfg.dm->cfg.check_access;
            c->cfg.dm->cfg.check_access = NULL;
            int rc = tern_dm_coap_handle(c->cfg.dm, 0, req, resp);
            c->cfg.dm->cfg.check_access = acl;
            return rc;
        }
    default:
        resp->msg.code = TERN_COAP_METHOD_NOT_ALLOWED;
        return TERN_OK;
    }
}

/* ---- requests to the Bootstrap-Server ---- */

static void on_bs_response(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    (void)ctx;
    tern_client *c = cl_of_ep(ep);
    if (res->handle != c->bs_req_)
        return;
    if (!res->final) {
        return;
    }
    c->bs_req_ = 0;
    if (c->bs_state_ != TERN_BS_REQUESTING)
        return;
    if (res->err < 0 || !res->msg) {
        bs_failed(c, tern_strerror(res->err));
        return;
    }
    uint8_t code = res->msg->code;
    if (!c->cfg.bs_pack) {
        if (code == TERN_COAP_CHANGED) {
            /* the server now writes and sends Bootstrap-Finish */
            c->bs_state_ = TERN_BS_IN_PROGRESS;
            c->bs_due_ = c->now_ + finish_timeout(c);
        } else {
            bs_failed(c, "Bootstrap-Request rejected");
        }
        return;
    }
    /* Bootstrap-Pack (Transport §6.4.2): apply it, no Finish follows */
    if (code != TERN_COAP_CONTENT) {
        bs_failed(c, "Bootstrap-Pack-Request rejected");
        return;
    }
    int32_t cf = tern_coap_content_format(res->msg);
    const char *why = NULL;
    tern_path root = tern_path_root();
    int rc = bs_delete(c, &root);
    if (rc == TERN_OK)
        rc = cl_bs_write(c, &root, cf < 0 ? TERN_CF_SENML_CBOR : cf, res->data, res->data_len, &why);
    if (rc == TERN_OK)
        rc = cl_bs_check(c, &why);
    if (rc < 0) {
        bs_failed(c, why ? why : "Bootstrap-Pack not applied");
        return;
    }
    bs_done(c);
}

static int bs_send(tern_client *c)
{
    tern_client_sec *bs = cl_sec_bootstrap(c);
    if (!bs)
        return TERN_ENOTFOUND;
    int rc = c->cfg.connect(c->cfg.connect_ctx, bs, &c->bs_peer_);
    if (rc < 0)
        return rc;
    c->bs_peer_ok_ = true;
    tern_coap_msg m;
    uint8_t sc[4];
    char q1[TERN_CLIENT_URI_MAX + 8], q2[24];
    tern_coap_req_opts o;
    memset(&o, 0, sizeof o);
    int n = snprintf(q1, sizeof q1, "ep=%s", c->cfg.endpoint);
    if (n < 0 || (size_t)n >= sizeof q1)
        return TERN_ETOOBIG;
    if (c->cfg.bs_pack) {
        /* Bootstrap-Pack-Request: GET /bspack?ep= with Accept SenML CBOR */
        tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
        if ((rc = tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_PATH, "bspack")) < 0 ||
            (rc = tern_coap_opt_add(&m, TERN_COAP_OPT_URI_QUERY, q1, (size_t)n)) < 0 ||
            (rc = tern_coap_opt_add_uint(&m, TERN_COAP_OPT_ACCEPT, TERN_CF_SENML_CBOR, sc)) < 0)
            return rc;
        o.resp_buf = c->cfg.work;
        o.resp_cap = c->cfg.work_len;
    } else {
        /* Bootstrap-Request: POST /bs?ep=&pct= */
        tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_POST, 0);
        if ((rc = tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_PATH, "bs")) < 0 ||
            (rc = tern_coap_opt_add(&m, TERN_COAP_OPT_URI_QUERY, q1, (size_t)n)) < 0)
            return rc;
        if (c->cfg.bs_pct > 0) {
            int k = snprintf(q2, sizeof q2, "pct=%ld", (long)c->cfg.bs_pct);
            if ((rc = tern_coap_opt_add(&m, TERN_COAP_OPT_URI_QUERY, q2, (size_t)k)) < 0)
                return rc;
        }
    }
    tern_coap_handle h = 0;
    rc = tern_coap_request(&c->ep, &c->bs_peer_, &m, &o, on_bs_response, c, &h);
    if (rc < 0)
        return rc;
    c->bs_req_ = h;
    return TERN_OK;
}

tern_time_ms cl_bs_step(tern_client *c, tern_time_ms now)
{
    if (c->bs_purge_at_ != TERN_TIME_NEVER && now >= c->bs_purge_at_) {
        c->bs_purge_at_ = TERN_TIME_NEVER;
        tern_client_sec *bs = cl_sec_bootstrap(c);
        if (bs) {
            tern_logf(&c->cfg.log, TERN_LOG_INFO, CL_MOD, "Bootstrap-Server Account Timeout: account purged");
            memset(bs, 0, sizeof *bs);
            c->bs_peer_ok_ = false;
            c->dirty_ = true;
        }
    }
    switch (c->bs_state_) {
    case TERN_BS_HOLDOFF:
        if (now < c->bs_due_)
            break;
        c->bs_state_ = TERN_BS_REQUESTING;
        cl_event(c, TERN_CLIENT_BS_STARTED, 0);
        {
            int rc = bs_send(c);
            if (rc < 0)
                bs_failed(c, tern_strerror(rc));
        }
        break;
    case TERN_BS_IN_PROGRESS:
        if (now >= c->bs_due_)
            bs_failed(c, "no Bootstrap-Finish in time");
        break;
    default: break;
    }
    tern_time_ms next = c->bs_purge_at_;
    if (c->bs_state_ == TERN_BS_HOLDOFF || c->bs_state_ == TERN_BS_IN_PROGRESS)
        next = TERN_MIN(next, c->bs_due_);
    return next;
}
