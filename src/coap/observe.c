/* Observe (RFC 7641): the server's observer registry and notifications,
 * and the client's notification ordering (§3.4). */
#include <string.h>

#include "coap/ep_internal.h"

#define P(ep) ((ep)->p)
#define OBS_SEQ_MASK 0xffffffu
#define DAY_MS (24 * 3600 * (tern_time_ms)1000)

/* §3.4: V2 (received at T2) is newer than V1 (received at T1). */
bool ep_obs_fresh(uint32_t v1, tern_time_ms t1, uint32_t v2, tern_time_ms t2)
{
    const uint32_t half = 1u << 23;
    return (v1 < v2 && v2 - v1 < half) || (v1 > v2 && v1 - v2 > half) || t2 > t1 + 128000;
}

static uint32_t obs_slot(const tern_coap_ep *ep, const ep_obs *o)
{
    return (uint32_t)(o - ep->p->obs);
}

static ep_obs *obs_from_handle(const tern_coap_ep *ep, tern_coap_handle h)
{
    uint32_t lo = (uint32_t)h;
    if (!ep || !ep->p || lo == 0 || lo > ep->cfg.max_observers)
        return NULL;
    ep_obs *o = &ep->p->obs[lo - 1u];
    return o->used && o->gen == (uint32_t)(h >> 32) ? o : NULL;
}

ep_obs *ep_obs_find(const tern_coap_ep *ep, const tern_coap_peer *peer, const uint8_t *tok, size_t tlen,
                    uint32_t *slot)
{
    uint32_t pos = EP_NONE;
    uint32_t s = ep_idx_find(ep, K_OBS_TOK, peer, tok, tlen, &pos);
    if (s == EP_NONE)
        return NULL;
    if (slot)
        *slot = s;
    return &ep->p->obs[s];
}

static void mid_index(tern_coap_ep *ep, ep_obs *o, bool add)
{
    uint8_t k[2] = {(uint8_t)(o->last_mid >> 8), (uint8_t)o->last_mid};
    uint32_t h = ep_idx_hash(K_OBS_MID, &o->peer, k, 2);
    if (add)
        ep_idx_add(ep, K_OBS_MID, obs_slot(ep, o), h);
    else
        ep_idx_del(ep, K_OBS_MID, obs_slot(ep, o), h);
    o->mid_set = add;
}

int ep_obs_register(tern_coap_ep *ep, const tern_coap_peer *peer, const tern_coap_msg *req, const void *key,
                    size_t key_len, uint32_t *seq_out)
{
    uint32_t s;
    ep_obs *o = ep_obs_find(ep, peer, req->token, req->token_len, &s);
    if (o) {
        /* §4.1: same peer and token → replace the entry. */
        ep_idx_del(ep, K_OBS_KEY, s, ep_idx_hash(K_OBS_KEY, NULL, o->key, o->key_len));
    } else {
        for (s = 0; s < ep->cfg.max_observers; s++) {
            /* TODO(ep): a free list; registration is rare next to lookups,
             * which go through the index. */
            if (!P(ep)->obs[s].used)
                break;
        }
        if (s == ep->cfg.max_observers)
            return TERN_EFULL;
        o = &P(ep)->obs[s];
        uint32_t gen = o->gen + 1u;
        memset(o, 0, sizeof *o);
        o->gen = gen ? gen : 1u;
        o->used = true;
        o->peer = *peer;
        o->token_len = req->token_len;
        memcpy(o->token, req->token, req->token_len);
        o->xchg = EP_NONE;
        o->seq = 1;
        o->last_con = ep->now;
        ep_idx_add(ep, K_OBS_TOK, s, ep_idx_hash(K_OBS_TOK, peer, o->token, o->token_len));
        P(ep)->obs_count++;
    }
    o->key_len = (uint8_t)key_len;
    memcpy(o->key, key, key_len);
    ep_idx_add(ep, K_OBS_KEY, s, ep_idx_hash(K_OBS_KEY, NULL, o->key, o->key_len));
    o->seq = (o->seq + 1u) & OBS_SEQ_MASK;
    *seq_out = o->seq;
    return TERN_OK;
}

void ep_obs_end(tern_coap_ep *ep, uint32_t slot, tern_coap_obs_end why)
{
    ep_obs *o = &P(ep)->obs[slot];
    if (!o->used)
        return;
    if (o->xchg != EP_NONE)
        P(ep)->x[o->xchg].obs = EP_NONE; /* let it finish on its own */
    ep_idx_del(ep, K_OBS_TOK, slot, ep_idx_hash(K_OBS_TOK, &o->peer, o->token, o->token_len));
    ep_idx_del(ep, K_OBS_KEY, slot, ep_idx_hash(K_OBS_KEY, NULL, o->key, o->key_len));
    if (o->mid_set)
        mid_index(ep, o, false);
    o->used = false;
    P(ep)->obs_count--;
    if (ep->cfg.on_observer_end)
        ep->cfg.on_observer_end(ep->cfg.observer_ctx, ep_handle(slot, o->gen), o->key, o->key_len, why);
}

bool ep_obs_rst(tern_coap_ep *ep, const tern_coap_peer *peer, uint16_t mid)
{
    uint8_t k[2] = {(uint8_t)(mid >> 8), (uint8_t)mid};
    uint32_t pos = EP_NONE;
    uint32_t s = ep_idx_find(ep, K_OBS_MID, peer, k, 2, &pos);
    if (s == EP_NONE)
        return false;
    ep_obs_end(ep, s, TERN_COAP_OBS_RESET); /* RFC 7641 §3.6 */
    return true;
}

/* ---- client: block-wise notifications (RFC 7959 §2.6) --------------------------------------
 * A notification with Block2 M=1 carries the first block. The rest comes
 * with GETs that carry Block2 (num >= 1) and no Observe, on an exchange of
 * their own (fresh token: the observation stays as it is). That exchange is
 * an ordinary client request whose callback (fetch_cb) passes its blocks on
 * to the observation as the same notification; a newer notification
 * abandons it (§2.6: the newer representation wins). */

void ep_obs_fetch_abort(tern_coap_ep *ep, ep_xchg *x)
{
    tern_coap_handle h = x->fetch;
    if (!h)
        return;
    x->fetch = 0; /* first: fetch_cb then ignores the cancellation */
    (void)tern_coap_cancel(ep, h);
}

static void fetch_cb(void *ctx, tern_coap_ep *ep, const tern_coap_result *r)
{
    ep_xchg *x = ctx; /* the observation (stable slot; checked by handle) */
    if (x->kind != X_REQ || x->fetch != r->handle)
        return; /* abandoned */
    if (r->final)
        x->fetch = 0;
    if (r->err == TERN_ECANCELED && r->final)
        return; /* endpoint going away */
    int err = r->err;
    if (err == 0 && TERN_COAP_CLASS(r->msg->code) != 2)
        err = TERN_ESTATE; /* the representation is gone or refused: not completed */
    if (err == 0 && r->final && !tern_coap_opt_get(r->msg, TERN_COAP_OPT_BLOCK2))
        err = TERN_EMALFORMED; /* a follow-up block must come with Block2 */
    if (err < 0) {
        ep_obs_fetch_abort(ep, x); /* (errors come with the final event) */
        ep_req_emit(ep, x, err, NULL, NULL, 0, 0, false, x->fetch_seq);
        return;
    }
    /* Chunk mode: each block (offset/more); reassembly mode: the final
     * event carries the whole body in opts.resp_buf. */
    ep_req_emit(ep, x, 0, r->msg, r->data, r->data_len, r->offset, !r->final, x->fetch_seq);
}

/* Starts fetching blocks 1.. of the notification m (first block of size bs). */
static int fetch_start(tern_coap_ep *ep, ep_xchg *x, const tern_coap_msg *m, tern_coap_block b2)
{
    uint32_t bs = tern_coap_block_size(b2.szx);
    if (x->opts.resp_buf) {
        if (bs > x->opts.resp_cap)
            return TERN_ETOOBIG;
        memcpy(x->opts.resp_buf, m->payload, bs);
    }
    /* The follow-up GET: the registration request without Observe, with
     * Block2 num 1 (RFC 7959 §2.6), a fresh token. */
    tern_coap_msg g;
    uint8_t s_b2[3];
    int rc = tern_coap_decode_udp(&g, x->msg, x->msg_len, NULL);
    if (rc < 0)
        return rc;
    if (g.code != TERN_COAP_FETCH)
        g.code = TERN_COAP_GET;
    g.token_len = 0;
    (void)tern_coap_opt_remove(&g, TERN_COAP_OPT_OBSERVE);
    (void)tern_coap_opt_remove(&g, TERN_COAP_OPT_BLOCK1);
    (void)tern_coap_opt_remove(&g, TERN_COAP_OPT_SIZE1);
    (void)tern_coap_opt_remove(&g, TERN_COAP_OPT_REQUEST_TAG);
    (void)tern_coap_opt_remove(&g, TERN_COAP_OPT_BLOCK2);
    tern_coap_block nb = {1, false, b2.szx};
    if ((rc = tern_coap_block_add(&g, TERN_COAP_OPT_BLOCK2, nb, s_b2)) < 0)
        return rc;
    if (g.code == TERN_COAP_GET) {
        g.payload = NULL;
        g.payload_len = 0;
    }
    tern_coap_req_opts o;
    memset(&o, 0, sizeof o);
    o.non = !x->con;
    o.link = &x->link;
    o.timeout_ms = x->opts.timeout_ms;
    o.resp_buf = x->opts.resp_buf;
    o.resp_cap = x->opts.resp_cap;
    tern_coap_handle h;
    rc = tern_coap_request(ep, &x->peer, &g, &o, fetch_cb, x, &h);
    if (rc < 0)
        return rc;
    ep_xchg *f = ep_x_from_handle(ep, h);
    f->b2_next = bs;
    f->b2_szx = b2.szx;
    f->reasm_len = bs;
    const tern_coap_opt *et = tern_coap_opt_get(m, TERN_COAP_OPT_ETAG);
    f->etag_set = et != NULL && et->len <= sizeof f->etag;
    f->etag_len = f->etag_set ? (uint8_t)et->len : 0;
    if (f->etag_set)
        memcpy(f->etag, et->val, et->len); /* §2.4: every block must match */
    x->fetch = h;
    x->fetch_seq = x->obs_seq;
    return TERN_OK;
}

void ep_client_notification(tern_coap_ep *ep, ep_xchg *x, const tern_coap_msg *m)
{
    uint32_t v;
    if (tern_coap_opt_get_uint(m, TERN_COAP_OPT_OBSERVE, &v) != TERN_OK || TERN_COAP_CLASS(m->code) != 2) {
        /* §3.2: a response without Observe or not 2.xx ends the observation. */
        ep_req_finish(ep, x, 0, m, m->payload, m->payload_len, 0);
        return;
    }
    v &= OBS_SEQ_MASK;
    if (x->obs_have && !ep_obs_fresh(x->obs_seq, x->obs_time, v, ep->now)) {
        ep->stats.dropped++; /* §3.4: older than what we have */
        return;
    }
    tern_coap_block b2;
    int brc = tern_coap_block_get(m, TERN_COAP_OPT_BLOCK2, &b2);
    if (brc == TERN_EMALFORMED ||
        (brc == TERN_OK && (b2.num != 0 || b2.szx > 6 ||
                            (b2.more && m->payload_len != tern_coap_block_size(b2.szx))))) {
        ep->stats.dropped++; /* a notification carries the first block (RFC 7959 §2.6) */
        return;
    }
    /* §2.6: a newer notification replaces the one still being fetched. */
    ep_obs_fetch_abort(ep, x);
    x->obs_seq = v;
    x->obs_time = ep->now;
    x->obs_have = true;
    if (brc == TERN_OK && b2.more) {
        int rc = fetch_start(ep, x, m, b2);
        if (rc < 0)
            ep_req_emit(ep, x, rc, NULL, NULL, 0, 0, false, v);
        else if (!x->opts.resp_buf)
            ep_req_event(ep, x, m, m->payload, m->payload_len, 0, true, true);
        return;
    }
    if (x->opts.resp_buf && m->payload_len <= x->opts.resp_cap) {
        /* reassembly mode: the body is in resp_buf, as for the registration */
        if (m->payload_len)
            memcpy(x->opts.resp_buf, m->payload, m->payload_len);
        ep_req_event(ep, x, m, x->opts.resp_buf, m->payload_len, 0, false, true);
        return;
    }
    ep_req_event(ep, x, m, m->payload, m->payload_len, 0, false, true);
}

int tern_coap_notify(tern_coap_ep *ep, tern_coap_handle observer, const tern_coap_msg *content,
                     const tern_coap_notify_opts *opts)
{
    ep_obs *o = obs_from_handle(ep, observer);
    if (!o)
        return TERN_ENOTFOUND;
    if (!content || !tern_coap_is_response(content->code))
        return TERN_EINVAL;
    tern_coap_msg m = *content;
    bool ok = TERN_COAP_CLASS(m.code) == 2;
    bool con = opts && opts->con;
    if (ep->now - o->last_con >= DAY_MS)
        con = true; /* §4.5: at least one CON notification every 24 hours */
    m.type = con ? TERN_COAP_CON : TERN_COAP_NON;
    m.mid = 0;
    (void)tern_coap_msg_set_token(&m, o->token, o->token_len);
    uint8_t s_obs[4], s_b2[8];
    (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_OBSERVE);
    if (ok) {
        o->seq = (o->seq + 1u) & OBS_SEQ_MASK; /* §4.4 */
        if (tern_coap_opt_add_uint(&m, TERN_COAP_OPT_OBSERVE, o->seq, s_obs) < 0)
            return TERN_EFULL;
    }
    uint32_t bs = tern_coap_block_size(ep->cfg.block_szx);
    if (m.payload_len > bs) {
        /* RFC 7959 §2.6: the notification carries the first block. */
        int rc = ep_block2_window(&m, 0, bs, ep->cfg.block_szx, false, (int64_t)m.payload_len, s_b2);
        if (rc < 0)
            return rc;
    }
    int n = tern_coap_encode_udp(&m, P(ep)->enc, ep->cfg.max_msg_size);
    if (n < 0)
        return n == TERN_ENOMEM ? TERN_ETOOBIG : n;
    uint32_t slot = obs_slot(ep, o);
    if (con) {
        ep_xchg *x = o->xchg != EP_NONE ? &P(ep)->x[o->xchg] : NULL;
        if (x) {
            /* §4.5.2: replace the notification in flight; its retransmission
             * timer and counter carry on. */
            memcpy(x->msg, P(ep)->enc, (size_t)n);
            x->msg_len = (size_t)n;
            ep_x_set_mid(ep, x, ep_new_mid(ep));
        } else {
            x = ep_x_alloc(ep);
            if (!x)
                return TERN_EFULL;
            x->kind = X_NOTIFY;
            x->peer = o->peer;
            x->link = ep_link_for(ep, &o->peer);
            x->con = true;
            x->obs = slot;
            memcpy(x->msg, P(ep)->enc, (size_t)n);
            x->msg_len = (size_t)n;
            o->xchg = (uint32_t)(x - P(ep)->x);
            (void)ep_x_transmit(ep, x);
        }
        o->last_con = ep->now;
    } else {
        if (o->mid_set)
            mid_index(ep, o, false);
        o->last_mid = ep_new_mid(ep);
        P(ep)->enc[2] = (uint8_t)(o->last_mid >> 8);
        P(ep)->enc[3] = (uint8_t)o->last_mid;
        mid_index(ep, o, true);
        (void)ep_send(ep, &o->peer, P(ep)->enc, (size_t)n);
    }
    if (!ok)
        ep_obs_end(ep, slot, TERN_COAP_OBS_ENDED); /* §3.2 */
    return TERN_OK;
}

int tern_coap_observers_each(tern_coap_ep *ep, const void *key, size_t key_len,
                             void (*fn)(void *ctx, tern_coap_handle obs, const tern_coap_peer *peer), void *ctx)
{
    if (!ep || !ep->p || (key_len && !key) || key_len > TERN_COAP_OBS_KEY_MAX)
        return TERN_EINVAL;
    /* Collect first: fn may notify, which can end observers. */
    int count = 0;
    uint32_t pos = EP_NONE;
    for (;;) {
        uint32_t s = ep_idx_find(ep, K_OBS_KEY, NULL, key, key_len, &pos);
        if (s == EP_NONE)
            break;
        count++;
    }
    tern_coap_handle list[64];
    int done = 0;
    while (done < count) {
        int n = 0;
        pos = EP_NONE;
        int skip = done;
        for (;;) {
            uint32_t s = ep_idx_find(ep, K_OBS_KEY, NULL, key, key_len, &pos);
            if (s == EP_NONE || n == (int)TERN_ARRAY_LEN(list))
                break;
            if (skip > 0) {
                skip--;
                continue;
            }
            list[n++] = ep_handle(s, P(ep)->obs[s].gen);
        }
        if (n == 0)
            break;
        for (int i = 0; i < n; i++) {
            ep_obs *o = obs_from_handle(ep, list[i]);
            if (o && fn)
                fn(ctx, list[i], &o->peer);
        }
        done += n;
    }
    return count;
}

typedef struct notify_ctx {
    tern_coap_ep *ep;
    const tern_coap_msg *content;
    const tern_coap_notify_opts *opts;
    int sent;
} notify_ctx;

static void notify_one(void *ctx, tern_coap_handle obs, const tern_coap_peer *peer)
{
    notify_ctx *c = ctx;
    (void)peer;
    if (tern_coap_notify(c->ep, obs, c->content, c->opts) == TERN_OK)
        c->sent++;
}

int tern_coap_notify_key(tern_coap_ep *ep, const void *key, size_t key_len, const tern_coap_msg *content,
                         const tern_coap_notify_opts *opts)
{
    notify_ctx c = {ep, content, opts, 0};
    int rc = tern_coap_observers_each(ep, key, key_len, notify_one, &c);
    return rc < 0 ? rc : c.sent;
}

int tern_coap_observer_remove(tern_coap_ep *ep, tern_coap_handle observer)
{
    ep_obs *o = obs_from_handle(ep, observer);
    if (!o)
        return TERN_ENOTFOUND;
    ep_obs_end(ep, obs_slot(ep, o), TERN_COAP_OBS_REMOVED);
    return TERN_OK;
}

bool tern_coap_notify_pending(const tern_coap_ep *ep, tern_coap_handle observer)
{
    const ep_obs *o = obs_from_handle(ep, observer);
    return o && o->xchg != EP_NONE;
}

uint32_t tern_coap_observer_count(const tern_coap_ep *ep)
{
    return ep && ep->p ? ep->p->obs_count : 0;
}
