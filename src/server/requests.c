/* tern — LwM2M Server: asynchronous DM & SE / Information Reporting
 * requests toward registered clients (Transport §6.4.4, §6.4.5), one at a
 * time per client (NSTART = 1, §6.5), with queue mode and deadlines. */
#include <string.h>

#include "binding/coap_op.h"
#include "binding/coap_server.h"
#include "server/server_internal.h"

/* ---- handles ------------------------------------------------------------------ */
static uint32_t h_bucket(const tern_server *srv, tern_server_handle h)
{
    return (uint32_t)((h * 0x9E3779B97F4A7C15ull) >> 40) & (srv->n_req_buckets - 1);
}

static tern_srv_req *req_find(tern_server *srv, tern_server_handle h)
{
    for (tern_srv_req *q = srv->reqs[h_bucket(srv, h)]; q; q = q->next_h)
        if (q->h == h)
            return q;
    return NULL;
}

static void dl_remove(tern_server *srv, tern_srv_req *q)
{
    if (!q->on_dl)
        return;
    if (q->prev_dl)
        q->prev_dl->next_dl = q->next_dl;
    else
        srv->dl_head = q->next_dl;
    if (q->next_dl)
        q->next_dl->prev_dl = q->prev_dl;
    q->on_dl = false;
}

static void req_free(tern_server *srv, tern_srv_req *q)
{
    tern_srv_req **pp = &srv->reqs[h_bucket(srv, q->h)];
    for (; *pp; pp = &(*pp)->next_h)
        if (*pp == q) {
            *pp = q->next_h;
            break;
        }
    dl_remove(srv, q);
    srv->n_reqs--;
    tern_srv_free(srv, q->payload, q->payload_len);
    tern_srv_free(srv, q, sizeof *q);
}

/* ---- decoding ------------------------------------------------------------------- */
static tern_type type_of(void *ctx, const tern_path *p)
{
    return tern_registry_type_fn(ctx, p);
}

void tern_srv_decoded_free(tern_server *srv, tern_srv_decoded *d)
{
    tern_srv_free(srv, d->entries, d->cap * sizeof *d->entries);
    tern_srv_free(srv, d->blk, d->blk_len);
    memset(d, 0, sizeof *d);
}

int tern_srv_decode(tern_server *srv, int32_t cf, const tern_path *base, const uint8_t *body, size_t len,
                    tern_srv_decoded *out)
{
    memset(out, 0, sizeof *out);
    /* One block: the decoder's scratch (the whole document) and room for
     * copies of string values (never longer than the document). */
    size_t scratch = len + 16, copies = len + 16;
    out->blk = tern_srv_alloc(srv, scratch + copies);
    if (!out->blk)
        return TERN_ENOMEM;
    out->blk_len = scratch + copies;
    out->cap = 8;
    out->entries = tern_srv_alloc(srv, out->cap * sizeof *out->entries);
    if (!out->entries) {
        out->cap = 0;
        return TERN_ENOMEM;
    }
    tern_decoder d;
    int rc = tern_decoder_init(&d, cf, base, type_of, (void *)(uintptr_t)srv->cfg.model, out->blk, scratch);
    if (rc == TERN_OK)
        rc = tern_decoder_feed(&d, body, len, true);
    size_t used = 0;
    tern_entry e;
    while (rc >= 0 && (rc = tern_decoder_next(&d, &e)) == TERN_OK) {
        tern_type t = e.value.type;
        if (e.kind == TERN_ENTRY_VALUE &&
            (t == TERN_TYPE_STRING || t == TERN_TYPE_OPAQUE || t == TERN_TYPE_CORELNK) && e.value.v.bytes.len) {
            if (used + e.value.v.bytes.len > copies) {
                rc = TERN_ENOMEM;
                break;
            }
            memcpy(out->blk + scratch + used, e.value.v.bytes.ptr, e.value.v.bytes.len);
            e.value.v.bytes.ptr = out->blk + scratch + used;
            used += e.value.v.bytes.len;
        }
        if (out->n == out->cap) {
            tern_entry *na = tern_srv_alloc(srv, 2 * out->cap * sizeof *na);
            if (!na) {
                rc = TERN_ENOMEM;
                break;
            }
            memcpy(na, out->entries, out->n * sizeof *na);
            tern_srv_free(srv, out->entries, out->cap * sizeof *na);
            out->entries = na;
            out->cap *= 2;
        }
        out->entries[out->n++] = e;
    }
    if (rc == TERN_DONE)
        rc = TERN_OK;
    else if (rc == TERN_AGAIN)
        rc = TERN_ETRUNCATED;
    return rc;
}

/* ---- delivering results ------------------------------------------------------------ */
static bool wants_decode(uint8_t kind)
{
    return kind == TERN_OPK_READ || kind == TERN_OPK_READ_COMPOSITE || kind == TERN_OPK_OBSERVE ||
           kind == TERN_OPK_OBSERVE_COMPOSITE;
}

/* Fills resp from a CoAP result; decoded entries in *dec (free after). */
static void fill_resp(tern_server *srv, tern_server_resp *out, const tern_coap_result *res, uint8_t kind,
                      const tern_path *path, tern_srv_decoded *dec)
{
    memset(out, 0, sizeof *out);
    memset(dec, 0, sizeof *dec);
    out->content_format = -1;
    out->err = res->err;
    if (res->err < 0 || !res->msg)
        return;
    const tern_coap_msg *m = res->msg;
    out->coap_code = m->code;
    out->code = (uint8_t)tern_lwm2m_code_of_coap(m->code);
    if (out->code == TERN_LC_NONE)
        out->code = TERN_LC_INTERNAL_ERROR; /* a code outside Transport §6.7 */
    out->content_format = tern_coap_content_format(m);
    out->body = res->data;
    out->body_len = res->data_len;
    out->notification = res->notification;
    out->observe_seq = res->observe_seq;
    if (kind == TERN_OPK_CREATE && m->code == TERN_COAP_CREATED) {
        /* Location-Path "/O/I" of the new instance (Transport §6.4.4) */
        tern_path p = tern_path_root();
        for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_LOCATION_PATH); o && p.len < 4;
             o = tern_coap_opt_next(m, o)) {
            uint32_t v = 0;
            bool ok = o->len > 0 && o->len <= 5;
            for (uint16_t i = 0; ok && i < o->len; i++) {
                ok = o->val[i] >= '0' && o->val[i] <= '9';
                v = v * 10u + (uint32_t)(o->val[i] - '0');
            }
            if (!ok || v > TERN_ID_MAX)
                break;
            p.ids[p.len++] = (uint16_t)v;
        }
        if (p.len >= 2) {
            out->has_location = true;
            out->location = p;
        }
    }
    if (wants_decode(kind) && m->code == TERN_COAP_CONTENT && out->content_format >= 0) {
        tern_path root = tern_path_root();
        bool comp = kind == TERN_OPK_READ_COMPOSITE || kind == TERN_OPK_OBSERVE_COMPOSITE;
        out->decode_err = tern_srv_decode(srv, out->content_format, comp ? &root : path, res->data, res->data_len,
                                          dec);
        out->entries = dec->entries;
        out->n_entries = dec->n;
    }
}

static void deliver(tern_server *srv, tern_srv_req *q, tern_server_resp *r)
{
    r->handle = q->h;
    r->reg = q->reg;
    if (q->cb)
        q->cb(q->ctx, srv, r);
}

/* Fails a request that no longer has a CoAP exchange: final callback, freed. */
static void fail_req(tern_server *srv, tern_srv_req *q, int err)
{
    tern_server_resp r;
    memset(&r, 0, sizeof r);
    r.err = err;
    r.content_format = -1;
    r.final = true;
    deliver(srv, q, &r);
    req_free(srv, q);
}

/* ---- observations ------------------------------------------------------------------- */
static void obs_unlink(tern_server_reg *reg, tern_srv_obs *o)
{
    if (!reg)
        return;
    for (tern_srv_obs **pp = &reg->obs; *pp; pp = &(*pp)->next)
        if (*pp == o) {
            *pp = o->next;
            return;
        }
}

void tern_srv_obs_free(tern_server *srv, tern_srv_obs *o)
{
    tern_srv_free(srv, o->payload, o->payload_len);
    tern_srv_free(srv, o->resp_buf, o->resp_cap);
    tern_srv_free(srv, o, sizeof *o);
}

/* Ends an observation: every subscriber gets a final event. */
static void obs_end(tern_server *srv, tern_srv_obs *o, tern_server_resp *r, bool unpersist)
{
    obs_unlink(o->reg, o);
    if (unpersist)
        tern_srv_obs_unpersist(srv, o);
    tern_srv_req *s = o->subs;
    o->subs = NULL;
    r->final = true;
    while (s) {
        tern_srv_req *nx = s->next_q;
        if (s->reg && s->reg->inflight == s)
            s->reg->inflight = NULL;
        deliver(srv, s, r);
        req_free(srv, s);
        s = nx;
    }
    tern_srv_obs_free(srv, o);
}

static void obs_cb(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    (void)ep;
    tern_srv_obs *o = ctx;
    tern_server *srv = o->srv;
    tern_server_reg *reg = o->reg;
    if (res->err == 0 && reg)
        reg->last_rx = srv->now;
    tern_server_resp r;
    tern_srv_decoded dec;
    fill_resp(srv, &r, res, o->kind, &o->path, &dec);
    if (o->fail_err && res->err < 0)
        r.err = o->fail_err;
    /* The registration request was answered: NSTART is free again. */
    tern_srv_req *first = o->subs;
    bool was_inflight = first && reg && reg->inflight == first;
    if (was_inflight)
        reg->inflight = NULL;
    bool ok = res->err == 0 && res->msg && TERN_COAP_CLASS(res->msg->code) == 2;
    if (res->final || !ok) {
        if (res->final && ok)
            r.final = true;
        if (!res->final)
            (void)tern_coap_cancel(srv->cfg.ep, o->coap); /* a 4.xx notification ends it (RFC 7641 §3.2) */
        else
            o->coap = 0;
        /* gone: cancelled at the client, failed or ended */
        obs_end(srv, o, &r, o->fail_err == 0 || o->fail_err == TERN_ESTATE);
    } else {
        if (!o->established) {
            o->established = true;
            tern_srv_obs_persist(srv, o);
        }
        r.notification = true;
        bool heard = false;
        for (tern_srv_req *s = o->subs; s; s = s->next_q)
            heard |= s->cb != NULL;
        if (!heard && srv->cfg.on_orphan_notify) {
            r.reg = reg;
            srv->cfg.on_orphan_notify(srv->cfg.cb_ctx, srv, &r);
        }
        for (tern_srv_req *s = o->subs, *nx; s; s = nx) {
            nx = s->next_q;
            s->state = SRQ_SUBSCRIBED;
            dl_remove(srv, s); /* established: the deadline no longer applies */
            deliver(srv, s, &r);
        }
    }
    tern_srv_decoded_free(srv, &dec);
    if (reg && res->err == 0)
        tern_srv_seen(srv, reg);
    else if (was_inflight && reg)
        tern_srv_kick(srv, reg);
}

static bool obs_same(const tern_srv_obs *o, const tern_op *op)
{
    uint8_t k = op->kind;
    if (o->kind != k || o->accept != op->accept)
        return false;
    if (k == TERN_OPK_OBSERVE)
        return tern_path_eq(&o->path, &op->path) && !(op->attrs.set | op->attrs.unset);
    return o->payload_len == op->payload.len && (op->payload.len == 0 || memcmp(o->payload, op->payload.ptr,
                                                                                  op->payload.len) == 0);
}

/* ---- sending ---------------------------------------------------------------------------- */
static void req_cb(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    (void)ep;
    tern_srv_req *q = ctx;
    tern_server *srv = q->srv;
    tern_server_reg *reg = q->reg;
    if (!res->final)
        return; /* Block2 pieces are reassembled by the endpoint */
    tern_server_resp r;
    tern_srv_decoded dec;
    fill_resp(srv, &r, res, q->op.kind, &q->op.path, &dec);
    if (res->err < 0 && q->fail_err)
        r.err = q->fail_err;
    r.final = true;
    if (reg && reg->inflight == q)
        reg->inflight = NULL;
    if (r.err != 0 || q->fail_err)
        r.reg = NULL;
    deliver(srv, q, &r);
    tern_srv_decoded_free(srv, &dec);
    uint8_t *buf = q->resp_buf;
    size_t cap = q->resp_cap;
    req_free(srv, q);
    tern_srv_free(srv, buf, cap);
    if (reg && res->err == 0)
        tern_srv_seen(srv, reg);
    else if (reg)
        tern_srv_kick(srv, reg);
}

static int32_t default_accept(const tern_server_reg *reg, uint8_t kind)
{
    if (!wants_decode(kind))
        return TERN_OP_CF_NONE;
    if (reg->lwm2m_minor == 0 && kind != TERN_OPK_READ_COMPOSITE && kind != TERN_OPK_OBSERVE_COMPOSITE)
        return TERN_CF_TLV; /* LwM2M 1.0: TLV is the one multi-value format */
    return reg->ct == TERN_CF_LWM2M_CBOR ? TERN_CF_LWM2M_CBOR : TERN_CF_SENML_CBOR;
}

/* Sends one request (or observation) now. Returns 0 or a tern_err. */
static int send_now(tern_server *srv, tern_srv_req *q)
{
    tern_server_reg *reg = q->reg;
    tern_coap_msg m;
    tern_coap_req_optmem mem;
    int rc = tern_coap_request_from_op(&q->op, reg->alt_path, &m, &mem);
    if (rc < 0)
        return rc;
    tern_coap_req_opts o;
    memset(&o, 0, sizeof o);
    o.non = q->non;
    if (q->deadline != TERN_TIME_NEVER) {
        tern_time_ms left = q->deadline - srv->now;
        o.timeout_ms = left > 0 ? (uint32_t)TERN_MIN(left, (tern_time_ms)UINT32_MAX) : 1;
    }
    if (m.payload_len > 0) {
        o.body = m.payload;
        o.body_len = m.payload_len;
    }
    if (q->obs) {
        tern_srv_obs *ob = q->obs;
        if (!ob->resp_buf) {
            ob->resp_buf = tern_srv_alloc(srv, srv->cfg.max_body);
            if (!ob->resp_buf)
                return TERN_ENOMEM;
            ob->resp_cap = srv->cfg.max_body;
        }
        o.resp_buf = ob->resp_buf;
        o.resp_cap = ob->resp_cap;
        o.observe = true;
        rc = tern_coap_request(srv->cfg.ep, &reg->peer, &m, &o, obs_cb, ob, &ob->coap);
    } else {
        q->resp_buf = tern_srv_alloc(srv, srv->cfg.max_body);
        if (!q->resp_buf)
            return TERN_ENOMEM;
        q->resp_cap = srv->cfg.max_body;
        o.resp_buf = q->resp_buf;
        o.resp_cap = q->resp_cap;
        rc = tern_coap_request(srv->cfg.ep, &reg->peer, &m, &o, req_cb, q, &q->coap);
        if (rc < 0) {
            tern_srv_free(srv, q->resp_buf, q->resp_cap);
            q->resp_buf = NULL;
            q->resp_cap = 0;
        }
    }
    if (rc == TERN_OK)
        q->state = SRQ_INFLIGHT;
    return rc;
}

/* Transport §6.5: one outstanding request per client; a Q client's requests
 * wait until it is awake. */
void tern_srv_kick(tern_server *srv, tern_server_reg *reg)
{
    while (!reg->inflight && reg->q_head && (!reg->queue || reg->awake)) {
        tern_srv_req *q = reg->q_head;
        reg->q_head = q->next_q;
        if (!reg->q_head)
            reg->q_tail = NULL;
        q->next_q = NULL;
        reg->q_len--;
        reg->inflight = q;
        int rc = send_now(srv, q);
        if (rc < 0) {
            reg->inflight = NULL;
            if (q->obs) {
                tern_srv_obs *ob = q->obs;
                tern_server_resp r;
                memset(&r, 0, sizeof r);
                r.err = rc;
                r.content_format = -1;
                obs_end(srv, ob, &r, false);
            } else {
                fail_req(srv, q, rc);
            }
        }
    }
}

static tern_srv_req *req_new(tern_server *srv, tern_server_reg *reg, const tern_op *op,
                             const tern_server_req_opts *opts, tern_server_cb cb, void *ctx)
{
    tern_srv_req *q = tern_srv_alloc(srv, sizeof *q);
    if (!q)
        return NULL;
    memset(q, 0, sizeof *q);
    q->srv = srv;
    q->reg = reg;
    q->cb = cb;
    q->ctx = ctx;
    q->op = *op;
    tern_bytes src = op->kind == TERN_OPK_EXECUTE ? op->exec_args : op->payload;
    if (src.len) {
        q->payload = tern_srv_alloc(srv, src.len);
        if (!q->payload) {
            tern_srv_free(srv, q, sizeof *q);
            return NULL;
        }
        memcpy(q->payload, src.ptr, src.len);
        q->payload_len = src.len;
    }
    tern_bytes own = {q->payload, q->payload_len};
    if (op->kind == TERN_OPK_EXECUTE) {
        q->op.exec_args = own;
        q->op.payload = (tern_bytes){NULL, 0};
    } else {
        q->op.payload = own;
    }
    q->h = srv->next_handle++;
    q->non = opts && opts->non;
    uint32_t to = opts && opts->timeout_ms ? opts->timeout_ms : srv->cfg.request_timeout_ms;
    q->deadline = to ? srv->now + to : TERN_TIME_NEVER;
    uint32_t b = h_bucket(srv, q->h);
    q->next_h = srv->reqs[b];
    srv->reqs[b] = q;
    srv->n_reqs++;
    if (q->deadline != TERN_TIME_NEVER) {
        q->next_dl = srv->dl_head;
        if (srv->dl_head)
            srv->dl_head->prev_dl = q;
        srv->dl_head = q;
        q->on_dl = true;
    }
    return q;
}

static void enqueue(tern_server_reg *reg, tern_srv_req *q)
{
    q->state = SRQ_QUEUED;
    q->next_q = NULL;
    if (reg->q_tail)
        reg->q_tail->next_q = q;
    else
        reg->q_head = q;
    reg->q_tail = q;
    reg->q_len++;
}

int tern_server_request(tern_server *srv, const char *ep, const tern_op *op, const tern_server_req_opts *opts,
                        tern_server_cb cb, void *ctx, tern_server_handle *handle)
{
    if (!srv || !ep || !op)
        return TERN_EINVAL;
    size_t n = strlen(ep);
    tern_server_reg *reg = n <= TERN_SERVER_EP_MAX ? tern_srv_find_ep(srv, ep, n) : NULL;
    if (!reg)
        return TERN_ENOTFOUND;
    tern_op o = *op;
    if (o.kind == TERN_OPK_CANCEL_OBSERVE || o.kind == TERN_OPK_CANCEL_OBSERVE_COMPOSITE) {
        /* Cancel Observation: the matching observation is cancelled
         * actively (GET/FETCH with Observe = 1, Table 6.4.5.-1). */
        o.kind = o.kind == TERN_OPK_CANCEL_OBSERVE ? TERN_OPK_OBSERVE : TERN_OPK_OBSERVE_COMPOSITE;
        if (o.accept == TERN_OP_CF_NONE)
            o.accept = default_accept(reg, o.kind);
        for (tern_srv_obs *ob = reg->obs; ob; ob = ob->next)
            if (obs_same(ob, &o) && ob->established && ob->coap) {
                int rc = tern_coap_observe_cancel(srv->cfg.ep, ob->coap);
                if (handle)
                    *handle = 0;
                return rc;
            }
        return TERN_ENOTFOUND;
    }
    if (o.accept == TERN_OP_CF_NONE)
        o.accept = default_accept(reg, o.kind);
    /* Check now that the operation maps to a request (Table 6.4.4.-1). */
    tern_coap_msg m;
    tern_coap_req_optmem mem;
    int rc = tern_coap_request_from_op(&o, reg->alt_path, &m, &mem);
    if (rc < 0)
        return rc;
    bool observe = o.kind == TERN_OPK_OBSERVE || o.kind == TERN_OPK_OBSERVE_COMPOSITE;
    tern_srv_obs *ob = NULL;
    if (observe) {
        for (ob = reg->obs; ob; ob = ob->next)
            if (obs_same(ob, &o) && !ob->dormant)
                break;
        if (ob && ob->established) {
            /* one CoAP observation, one more subscriber */
            tern_srv_req *q = req_new(srv, reg, &o, opts, cb, ctx);
            if (!q)
                return TERN_ENOMEM;
            q->obs = ob;
            q->state = SRQ_SUBSCRIBED;
            dl_remove(srv, q);
            q->next_q = ob->subs;
            ob->subs = q;
            if (handle)
                *handle = q->h;
            return TERN_OK;
        }
        ob = NULL;
    }
    if (reg->q_len >= srv->cfg.max_queue)
        return TERN_EFULL;
    tern_srv_req *q = req_new(srv, reg, &o, opts, cb, ctx);
    if (!q)
        return TERN_ENOMEM;
    if (observe) {
        ob = tern_srv_alloc(srv, sizeof *ob);
        if (!ob) {
            req_free(srv, q);
            return TERN_ENOMEM;
        }
        memset(ob, 0, sizeof *ob);
        ob->srv = srv;
        ob->reg = reg;
        ob->kind = o.kind;
        ob->accept = o.accept;
        ob->path = o.path;
        ob->payload_cf = o.content_format;
        ob->rec_id = srv->next_rec++;
        if (q->payload_len && o.kind == TERN_OPK_OBSERVE_COMPOSITE) {
            ob->payload = tern_srv_alloc(srv, q->payload_len);
            if (!ob->payload) {
                tern_srv_free(srv, ob, sizeof *ob);
                req_free(srv, q);
                return TERN_ENOMEM;
            }
            memcpy(ob->payload, q->payload, q->payload_len);
            ob->payload_len = q->payload_len;
        }
        ob->subs = q;
        ob->next = reg->obs;
        reg->obs = ob;
        q->obs = ob;
    }
    enqueue(reg, q);
    if (handle)
        *handle = q->h;
    tern_srv_kick(srv, reg);
    return TERN_OK;
}

/* Removes q from its registration's queue; true when it was there. */
static bool dequeue(tern_server_reg *reg, tern_srv_req *q)
{
    tern_srv_req *prev = NULL;
    for (tern_srv_req *x = reg->q_head; x; prev = x, x = x->next_q)
        if (x == q) {
            if (prev)
                prev->next_q = q->next_q;
            else
                reg->q_head = q->next_q;
            if (reg->q_tail == q)
                reg->q_tail = prev;
            reg->q_len--;
            q->next_q = NULL;
            return true;
        }
    return false;
}

static void unsubscribe(tern_server *srv, tern_srv_req *q, int err, bool active)
{
    tern_srv_obs *ob = q->obs;
    for (tern_srv_req **pp = &ob->subs; *pp; pp = &(*pp)->next_q)
        if (*pp == q) {
            *pp = q->next_q;
            break;
        }
    q->next_q = NULL;
    fail_req(srv, q, err);
    if (ob->subs)
        return;
    /* the last subscriber left: cancel at the client */
    if (ob->coap && ob->established && active) {
        ob->fail_err = TERN_ECANCELED;
        if (tern_coap_observe_cancel(srv->cfg.ep, ob->coap) == TERN_OK)
            return; /* obs_cb ends it with the response */
    }
    if (ob->coap) {
        ob->fail_err = TERN_ECANCELED;
        (void)tern_coap_cancel(srv->cfg.ep, ob->coap); /* obs_cb(final) frees it */
    } else {
        tern_server_resp r;
        memset(&r, 0, sizeof r);
        obs_end(srv, ob, &r, true);
    }
}

static int cancel_with(tern_server *srv, tern_srv_req *q, int err, bool active)
{
    if (q->state == SRQ_QUEUED) {
        if (q->reg)
            (void)dequeue(q->reg, q);
        if (q->obs) {
            unsubscribe(srv, q, err, active);
            return TERN_OK;
        }
        fail_req(srv, q, err);
        return TERN_OK;
    }
    if (q->obs) {
        unsubscribe(srv, q, err, active);
        return TERN_OK;
    }
    q->fail_err = err;
    return tern_coap_cancel(srv->cfg.ep, q->coap); /* req_cb reports and frees */
}

int tern_server_cancel(tern_server *srv, tern_server_handle handle, bool active)
{
    tern_srv_req *q = handle ? req_find(srv, handle) : NULL;
    if (!q)
        return TERN_ENOTFOUND;
    return cancel_with(srv, q, TERN_ECANCELED, active);
}

void tern_srv_reg_drop_requests(tern_server *srv, tern_server_reg *reg, int err)
{
    /* queued ones first: they never reached the client */
    while (reg->q_head) {
        tern_srv_req *q = reg->q_head;
        reg->q_head = q->next_q;
        reg->q_len--;
        q->next_q = NULL;
        q->reg = NULL;
        if (q->obs) {
            tern_srv_obs *ob = q->obs;
            for (tern_srv_req **pp = &ob->subs; *pp; pp = &(*pp)->next_q)
                if (*pp == q) {
                    *pp = q->next_q;
                    break;
                }
        }
        fail_req(srv, q, err);
    }
    reg->q_tail = NULL;
    if (reg->inflight && !reg->inflight->obs) {
        tern_srv_req *q = reg->inflight;
        reg->inflight = NULL;
        q->reg = NULL;
        q->fail_err = err;
        (void)tern_coap_cancel(srv->cfg.ep, q->coap);
    }
    reg->inflight = NULL;
    /* observations: subscribers are told, the CoAP observation forgotten */
    while (reg->obs) {
        tern_srv_obs *ob = reg->obs;
        reg->obs = ob->next;
        ob->next = NULL;
        for (tern_srv_req *s = ob->subs; s; s = s->next_q)
            s->reg = NULL;
        ob->reg = NULL;
        if (err == TERN_ESTATE)
            tern_srv_obs_unpersist(srv, ob);
        ob->fail_err = err;
        if (ob->coap && tern_coap_cancel(srv->cfg.ep, ob->coap) == TERN_OK)
            continue; /* obs_cb(final) ended it */
        tern_server_resp r;
        memset(&r, 0, sizeof r);
        r.err = err;
        r.content_format = -1;
        obs_end(srv, ob, &r, false);
    }
}

tern_time_ms tern_srv_requests_step(tern_server *srv, tern_time_ms now)
{
    tern_time_ms next = TERN_TIME_NEVER;
    bool again = true;
    while (again) {
        again = false;
        for (tern_srv_req *q = srv->dl_head; q; q = q->next_dl) {
            if (q->deadline <= now) {
                dl_remove(srv, q);
                (void)cancel_with(srv, q, TERN_ETIMEOUT, false);
                again = true; /* the list changed under us */
                break;
            }
        }
    }
    for (tern_srv_req *q = srv->dl_head; q; q = q->next_dl)
        if (q->deadline < next)
            next = q->deadline;
    return next;
}

void tern_srv_reqs_deinit(tern_server *srv)
{
    while (srv->restored) {
        tern_srv_obs *o = srv->restored;
        srv->restored = o->next;
        tern_srv_obs_free(srv, o);
    }
}
