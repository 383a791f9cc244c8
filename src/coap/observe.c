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
    x->obs_seq = v;
    x->obs_time = ep->now;
    x->obs_have = true;
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
