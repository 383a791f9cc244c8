/* Requests and responses above the messaging layer: building client
 * requests, Block-wise transfers in all four roles (RFC 7959) with
 * Request-Tag (RFC 9175 §3), the Echo retry of a client (RFC 9175 §2.3) and
 * the server's request dispatch. */
#include <string.h>

#include "coap/ep_internal.h"

#define P(ep) ((ep)->p)

static int body_read(const ep_xchg *x, size_t off, uint8_t *out, size_t len)
{
    if (off > x->opts.body_len || len > x->opts.body_len - off)
        return TERN_ERANGE;
    if (x->opts.body) {
        memcpy(out, x->opts.body + off, len);
        return TERN_OK;
    }
    return x->opts.body_read(x->opts.body_ctx, off, out, len);
}

static int fresh_reqtag(tern_coap_ep *ep, ep_xchg *x)
{
    x->reqtag_len = 4; /* RFC 9175 §3.4: a fresh tag per body */
    return ep->cfg.rng.fill(ep->cfg.rng.ctx, x->reqtag, x->reqtag_len);
}

uint8_t ep_opts_szx(const tern_coap_ep *ep, uint16_t bytes)
{
    uint8_t szx = 0;
    if (!bytes)
        return ep->cfg.block_szx; /* 0: the endpoint's block size */
    while (szx < ep->cfg.block_szx && tern_coap_block_size((uint8_t)(szx + 1u)) <= bytes)
        szx++; /* round down to a power of two, 16..cfg */
    return szx;
}

int ep_client_build(tern_coap_ep *ep, ep_xchg *x, const tern_coap_msg *req)
{
    tern_coap_msg m = *req;
    uint8_t s_obs[4], s_b1[3], s_b2[3], s_s1[4];
    m.type = x->con ? TERN_COAP_CON : TERN_COAP_NON;
    m.mid = x->mid;
    int rc = tern_coap_msg_set_token(&m, x->token, x->token_len);
    if (rc < 0)
        return rc;
    if (x->opts.observe) {
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_OBSERVE);
        rc = tern_coap_opt_add_uint(&m, TERN_COAP_OPT_OBSERVE, 0, s_obs); /* RFC 7641 §3.1 */
        if (rc < 0)
            return rc;
    }
    uint8_t szx = ep_opts_szx(ep, x->opts.block_size);
    x->b1_szx = x->b2_szx = szx;
    if (x->opts.body_len) {
        size_t bs = tern_coap_block_size(szx);
        size_t n = x->opts.body_len;
        if (n > bs) {
            /* RFC 7959 §2.3 Block1, with Size1 (§4) and Request-Tag (RFC 9175 §3). */
            n = bs;
            x->b1_active = true;
            tern_coap_block b = {0, true, szx};
            if (fresh_reqtag(ep, x) < 0)
                return TERN_EIO;
            if ((rc = tern_coap_block_add(&m, TERN_COAP_OPT_BLOCK1, b, s_b1)) < 0 ||
                (rc = tern_coap_opt_add(&m, TERN_COAP_OPT_REQUEST_TAG, x->reqtag, x->reqtag_len)) < 0 ||
                (rc = tern_coap_opt_add_uint(&m, TERN_COAP_OPT_SIZE1, (uint32_t)x->opts.body_len, s_s1)) < 0)
                return rc;
        } else if (n > ep->cfg.max_msg_size) {
            return TERN_ETOOBIG;
        }
        if ((rc = body_read(x, 0, P(ep)->pay, n)) < 0)
            return rc;
        m.payload = P(ep)->pay;
        m.payload_len = n;
        x->b1_off = 0;
        x->b1_len = (uint32_t)n;
    }
    if (x->opts.block2_early) {
        tern_coap_block b = {0, false, szx}; /* RFC 7959 §2.4 early negotiation */
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_BLOCK2);
        if ((rc = tern_coap_block_add(&m, TERN_COAP_OPT_BLOCK2, b, s_b2)) < 0)
            return rc;
    }
    int n = tern_coap_encode_udp(&m, x->msg, ep->cfg.max_msg_size);
    if (n < 0)
        return n == TERN_ENOMEM ? TERN_ETOOBIG : n;
    x->msg_len = (size_t)n;
    return TERN_OK;
}

int ep_x_rebuild(tern_coap_ep *ep, ep_xchg *x, const ep_rebuild *r)
{
    tern_coap_msg m;
    uint8_t s_obs[4], s_b1[3], s_b2[3], s_s1[4];
    int rc = tern_coap_decode_udp(&m, x->msg, x->msg_len, NULL);
    if (rc < 0)
        return rc;
    if (r->set_code)
        m.code = r->code;
    m.type = x->con ? TERN_COAP_CON : TERN_COAP_NON;
    if (r->drop_b1) {
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_BLOCK1);
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_SIZE1);
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_REQUEST_TAG);
        m.payload = NULL;
        m.payload_len = 0;
    }
    if (r->drop_observe || r->set_observe)
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_OBSERVE);
    if (r->set_observe && (rc = tern_coap_opt_add_uint(&m, TERN_COAP_OPT_OBSERVE, r->observe, s_obs)) < 0)
        return rc;
    if (r->set_b1) {
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_BLOCK1);
        if ((rc = tern_coap_block_add(&m, TERN_COAP_OPT_BLOCK1, r->b1, s_b1)) < 0)
            return rc;
    }
    if (r->drop_b2)
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_BLOCK2);
    if (r->set_b2) {
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_BLOCK2);
        if ((rc = tern_coap_block_add(&m, TERN_COAP_OPT_BLOCK2, r->b2, s_b2)) < 0)
            return rc;
    }
    if (r->set_reqtag) {
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_REQUEST_TAG);
        if ((rc = tern_coap_opt_add(&m, TERN_COAP_OPT_REQUEST_TAG, x->reqtag, x->reqtag_len)) < 0)
            return rc;
    }
    if (r->set_size1) {
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_SIZE1);
        if ((rc = tern_coap_opt_add_uint(&m, TERN_COAP_OPT_SIZE1, r->size1, s_s1)) < 0)
            return rc;
    }
    if (r->set_echo) {
        (void)tern_coap_opt_remove(&m, TERN_COAP_OPT_ECHO);
        if ((rc = tern_coap_opt_add(&m, TERN_COAP_OPT_ECHO, x->echo, x->echo_len)) < 0)
            return rc;
    }
    if (r->set_payload) {
        m.payload = r->payload;
        m.payload_len = r->payload_len;
    }
    int n = tern_coap_encode_udp(&m, P(ep)->enc, ep->cfg.max_msg_size);
    if (n < 0)
        return n == TERN_ENOMEM ? TERN_ETOOBIG : n;
    memcpy(x->msg, P(ep)->enc, (size_t)n);
    x->msg_len = (size_t)n;
    return TERN_OK;
}

/* Sends the Block1 block that starts at `off` (RFC 7959 §2.3). */
static int send_block1(tern_coap_ep *ep, ep_xchg *x, uint32_t off)
{
    uint32_t bs = tern_coap_block_size(x->b1_szx);
    size_t len = TERN_MIN((size_t)bs, x->opts.body_len - off);
    int rc = body_read(x, off, P(ep)->pay, len);
    if (rc < 0)
        return rc;
    ep_rebuild r = {.set_b1 = true,
                    .b1 = {off / bs, off + len < x->opts.body_len, x->b1_szx},
                    .set_reqtag = true,
                    .set_payload = true,
                    .payload = P(ep)->pay,
                    .payload_len = len,
                    .set_size1 = true,
                    .size1 = (uint32_t)x->opts.body_len};
    if ((rc = ep_x_rebuild(ep, x, &r)) < 0)
        return rc;
    x->b1_off = off;
    x->b1_len = (uint32_t)len;
    (void)ep_x_transmit(ep, x);
    return TERN_OK;
}

static void finish_or_observe(tern_coap_ep *ep, ep_xchg *x, const tern_coap_msg *m, const uint8_t *data,
                              size_t dlen, uint32_t off)
{
    uint32_t seq;
    bool has_obs = tern_coap_opt_get_uint(m, TERN_COAP_OPT_OBSERVE, &seq) == TERN_OK;
    if (!x->dereg && x->opts.observe && TERN_COAP_CLASS(m->code) == 2 && (x->observed || has_obs)) {
        /* RFC 7641 §3.1: the registration succeeded; notifications follow. */
        if (has_obs && !x->obs_have) {
            x->obs_seq = seq & 0xffffffu;
            x->obs_time = ep->now;
            x->obs_have = true;
        }
        ep_req_observing(ep, x);
        ep_req_event(ep, x, m, data, dlen, off, false, true);
        return;
    }
    ep_req_finish(ep, x, 0, m, data, dlen, off);
}

void ep_client_response(tern_coap_ep *ep, ep_xchg *x, const tern_coap_msg *m)
{
    int rc;
    /* RFC 9175 §2.3: 4.01 with Echo → retry once with the Echo value. */
    const tern_coap_opt *echo = tern_coap_opt_get(m, TERN_COAP_OPT_ECHO);
    if (m->code == TERN_COAP_UNAUTHORIZED && echo && !x->echo_tried && echo->len >= 1 &&
        echo->len <= sizeof x->echo) {
        x->echo_tried = true;
        x->echo_len = (uint8_t)echo->len;
        memcpy(x->echo, echo->val, echo->len);
        ep_rebuild r = {.set_echo = true};
        if ((rc = ep_x_rebuild(ep, x, &r)) < 0) {
            ep_req_finish(ep, x, rc, NULL, NULL, 0, 0);
            return;
        }
        (void)ep_x_transmit(ep, x);
        return;
    }
    /* Block1 (RFC 7959 §2.3, §2.5, §2.9.3). */
    if (x->opts.body_len) {
        tern_coap_block rb;
        bool has_b1 = tern_coap_block_get(m, TERN_COAP_OPT_BLOCK1, &rb) == TERN_OK;
        if (m->code == TERN_COAP_CONTINUE && x->b1_active) {
            uint32_t next = x->b1_off + x->b1_len;
            if (!has_b1) {
                ep_req_finish(ep, x, TERN_EMALFORMED, NULL, NULL, 0, 0);
                return;
            }
            if (rb.szx < x->b1_szx)
                x->b1_szx = rb.szx; /* §2.5 late negotiation: continue with smaller blocks */
            if (next < x->opts.body_len) {
                if ((rc = send_block1(ep, x, next)) < 0)
                    ep_req_finish(ep, x, rc, NULL, NULL, 0, 0);
                return;
            }
        }
        if (m->code == TERN_COAP_REQUEST_TOO_LARGE && x->toobig_tries < 6) {
            uint32_t size1;
            bool has_s1 = tern_coap_opt_get_uint(m, TERN_COAP_OPT_SIZE1, &size1) == TERN_OK;
            /* §2.9.3: Size1 is the largest body the server takes; a Block1
             * option gives the block size it wants. Retry block-wise if the
             * body can fit at all. */
            if (!has_s1 || size1 >= x->opts.body_len) {
                uint8_t cur = x->b1_active ? x->b1_szx : 7;
                uint8_t nszx = has_b1 ? rb.szx : (uint8_t)(cur > 0 ? cur - 1 : 0);
                while (!has_b1 && nszx > 0 && tern_coap_block_size(nszx) >= x->opts.body_len)
                    nszx--;
                if (nszx < cur && nszx <= 6 && tern_coap_block_size(nszx) < x->opts.body_len) {
                    x->toobig_tries++;
                    x->b1_szx = nszx;
                    x->b1_active = true;
                    if (fresh_reqtag(ep, x) < 0 || (rc = send_block1(ep, x, 0)) < 0)
                        ep_req_finish(ep, x, TERN_EIO, NULL, NULL, 0, 0);
                    return;
                }
            }
        }
        if (m->code == TERN_COAP_REQUEST_TOO_LARGE) {
            /* The body does not fit (Size1 below it) or no smaller block
             * size is left to try: the transfer failed. */
            ep_req_finish(ep, x, TERN_ETOOBIG, NULL, NULL, 0, 0);
            return;
        }
        x->b1_active = false;
    }
    /* Block2 (RFC 7959 §2.4). */
    tern_coap_block b2;
    rc = tern_coap_block_get(m, TERN_COAP_OPT_BLOCK2, &b2);
    if (rc == TERN_EMALFORMED) {
        ep_req_finish(ep, x, TERN_EMALFORMED, NULL, NULL, 0, 0);
        return;
    }
    if (rc != TERN_OK || TERN_COAP_CLASS(m->code) != 2) {
        finish_or_observe(ep, x, m, m->payload, m->payload_len, 0);
        return;
    }
    uint32_t bs = tern_coap_block_size(b2.szx);
    uint64_t off = (uint64_t)b2.num * bs;
    if (off != x->b2_next || (b2.more && m->payload_len != bs) || off + m->payload_len > UINT32_MAX) {
        ep_req_finish(ep, x, TERN_EMALFORMED, NULL, NULL, 0, 0);
        return;
    }
    const tern_coap_opt *et = tern_coap_opt_get(m, TERN_COAP_OPT_ETAG);
    if (off == 0) {
        x->etag_set = et != NULL && et->len <= sizeof x->etag;
        x->etag_len = x->etag_set ? (uint8_t)et->len : 0;
        if (x->etag_set)
            memcpy(x->etag, et->val, et->len);
        uint32_t seq;
        if (tern_coap_opt_get_uint(m, TERN_COAP_OPT_OBSERVE, &seq) == TERN_OK && x->opts.observe) {
            x->observed = true;
            x->obs_seq = seq & 0xffffffu;
            x->obs_time = ep->now;
            x->obs_have = true;
        }
    } else if ((et != NULL) != x->etag_set ||
               (et && (et->len != x->etag_len || memcmp(et->val, x->etag, et->len) != 0))) {
        /* §2.4: the representation changed under us. */
        ep_req_finish(ep, x, TERN_ESTATE, NULL, NULL, 0, 0);
        return;
    }
    if (x->opts.resp_buf) {
        if (off + m->payload_len > x->opts.resp_cap) {
            ep_req_finish(ep, x, TERN_ETOOBIG, NULL, NULL, 0, 0);
            return;
        }
        if (m->payload_len)
            memcpy(x->opts.resp_buf + off, m->payload, m->payload_len);
        x->reasm_len = (size_t)off + m->payload_len;
    }
    if (b2.more) {
        if (!x->opts.resp_buf)
            ep_req_event(ep, x, m, m->payload, m->payload_len, (uint32_t)off, true,
                         x->observed && !x->dereg); /* a block of the registration response */
        uint32_t next = (uint32_t)off + bs;
        x->b2_next = next;
        x->b2_szx = b2.szx;
        /* Follow-up requests carry no Observe (RFC 7959 §3.4), no body. */
        ep_rebuild r = {.drop_b1 = true, .drop_observe = true, .set_b2 = true, .b2 = {next / bs, false, b2.szx}};
        if ((rc = ep_x_rebuild(ep, x, &r)) < 0) {
            ep_req_finish(ep, x, rc, NULL, NULL, 0, 0);
            return;
        }
        (void)ep_x_transmit(ep, x);
        return;
    }
    if (x->opts.resp_buf)
        finish_or_observe(ep, x, m, x->opts.resp_buf, x->reasm_len, 0);
    else
        finish_or_observe(ep, x, m, m->payload, m->payload_len, (uint32_t)off);
}

/* ---- server ------------------------------------------------------------------------------ */

int ep_block2_window(tern_coap_msg *m, uint32_t offset, uint32_t size, uint8_t szx, bool size2, int64_t total,
                     uint8_t scratch[8])
{
    if (offset > m->payload_len || (offset == m->payload_len && offset > 0))
        return TERN_ERANGE;
    size_t len = TERN_MIN((size_t)size, m->payload_len - offset);
    bool more = offset + len < m->payload_len;
    m->payload = m->payload ? m->payload + offset : NULL;
    m->payload_len = len;
    tern_coap_block b = {offset / size, more, szx};
    (void)tern_coap_opt_remove(m, TERN_COAP_OPT_BLOCK2);
    int rc = tern_coap_block_add(m, TERN_COAP_OPT_BLOCK2, b, scratch);
    if (rc == TERN_OK && size2 && total >= 0 && total <= UINT32_MAX) {
        (void)tern_coap_opt_remove(m, TERN_COAP_OPT_SIZE2);
        rc = tern_coap_opt_add_uint(m, TERN_COAP_OPT_SIZE2, (uint32_t)total, scratch + 4); /* RFC 7959 §4 */
    }
    return rc;
}

static void b1_free(tern_coap_ep *ep, uint32_t s)
{
    ep_b1 *b = &P(ep)->b1[s];
    if (!b->used)
        return;
    ep_idx_del(ep, K_B1, s, ep_idx_hash(K_B1, &b->peer, b->key, b->key_len));
    b->used = false;
    ep->stats.block1_used--;
}

void ep_b1_clear(tern_coap_ep *ep)
{
    for (uint32_t i = 0; i < ep->cfg.max_block1; i++)
        b1_free(ep, i);
}

static uint32_t b1_alloc(tern_coap_ep *ep, const tern_coap_peer *peer, const uint8_t *key, size_t klen)
{
    /* max_block1 is small (concurrent uploads); the oldest state goes first. */
    uint32_t pick = 0;
    for (uint32_t i = 0; i < ep->cfg.max_block1; i++) {
        const ep_b1 *b = &P(ep)->b1[i];
        if (!b->used) {
            pick = i;
            break;
        }
        if (b->expires < P(ep)->b1[pick].expires)
            pick = i;
    }
    b1_free(ep, pick);
    ep_b1 *b = &P(ep)->b1[pick];
    b->used = true;
    b->peer = *peer;
    b->key_len = (uint8_t)klen;
    memcpy(b->key, key, klen);
    b->next_off = 0;
    ep_idx_add(ep, K_B1, pick, ep_idx_hash(K_B1, peer, key, klen));
    ep->stats.block1_used++;
    return pick;
}

/* Key of a Block1 transfer: Request-Tag + hash of the request's URI options
 * (RFC 9175 §3.3: blocks belong together when they match in all options but
 * the block-wise ones). */
static size_t b1_key(const tern_coap_msg *m, uint8_t key[16])
{
    const tern_coap_opt *t = tern_coap_opt_get(m, TERN_COAP_OPT_REQUEST_TAG);
    size_t n = t && t->len <= 8 ? t->len : 0;
    if (n)
        memcpy(key, t->val, n);
    uint64_t h = 1469598103934665603u ^ m->code;
    for (uint16_t i = 0; i < m->opt_count; i++) {
        const tern_coap_opt *o = &m->opts[i];
        if (o->num != TERN_COAP_OPT_URI_PATH && o->num != TERN_COAP_OPT_URI_QUERY &&
            o->num != TERN_COAP_OPT_URI_HOST && o->num != TERN_COAP_OPT_URI_PORT)
            continue;
        h = (h ^ o->num ^ ((uint64_t)o->len << 16)) * 1099511628211u;
        for (uint16_t j = 0; j < o->len; j++)
            h = (h ^ o->val[j]) * 1099511628211u;
    }
    for (int i = 0; i < 8; i++)
        key[n + (size_t)i] = (uint8_t)(h >> (8 * i));
    return n + 8;
}

static void send_resp(tern_coap_ep *ep, const tern_coap_peer *peer, const tern_coap_msg *req, uint32_t dd,
                      tern_coap_msg *r)
{
    bool con = req->type == TERN_COAP_CON;
    r->type = con ? TERN_COAP_ACK : TERN_COAP_NON; /* §5.2.1 piggybacked / §5.2.3 NON */
    r->mid = con ? req->mid : ep_new_mid(ep);
    (void)tern_coap_msg_set_token(r, req->token, req->token_len);
    int n = tern_coap_encode_udp(r, P(ep)->enc, ep->cfg.max_msg_size);
    if (n < 0) {
        tern_coap_msg e;
        tern_coap_msg_init(&e, r->type, TERN_COAP_INTERNAL_ERROR, r->mid);
        (void)tern_coap_msg_set_token(&e, req->token, req->token_len);
        n = tern_coap_encode_udp(&e, P(ep)->enc, ep->cfg.max_msg_size);
        if (n < 0)
            return;
    }
    ep_reply(ep, peer, con ? dd : EP_NONE, P(ep)->enc, (size_t)n);
}

static void simple_resp(tern_coap_ep *ep, const tern_coap_peer *peer, const tern_coap_msg *req, uint32_t dd,
                        uint8_t code, uint16_t opt, uint32_t optval)
{
    tern_coap_msg r;
    uint8_t sc[4];
    tern_coap_msg_init(&r, TERN_COAP_ACK, code, 0);
    if (opt)
        (void)tern_coap_opt_add_uint(&r, opt, optval, sc);
    send_resp(ep, peer, req, dd, &r);
}

static void challenge(tern_coap_ep *ep, const tern_coap_peer *peer, const tern_coap_msg *req, uint32_t dd)
{
    tern_coap_msg r;
    uint8_t echo[EP_ECHO_LEN];
    ep_echo_make(ep, peer, ep->now, echo);
    tern_coap_msg_init(&r, TERN_COAP_ACK, TERN_COAP_UNAUTHORIZED, 0);
    (void)tern_coap_opt_add(&r, TERN_COAP_OPT_ECHO, echo, sizeof echo); /* RFC 9175 §2.4 */
    send_resp(ep, peer, req, dd, &r);
}

void ep_server_request(tern_coap_ep *ep, const tern_coap_peer *peer, const tern_coap_msg *m, uint32_t dd)
{
    tern_coap_parse_err pe;
    int rc = tern_coap_check_options(m, &pe);
    if (rc == TERN_EBADOPT) {
        simple_resp(ep, peer, m, dd, TERN_COAP_BAD_OPTION, 0, 0); /* RFC 7252 §5.4.1 */
        return;
    }
    if (rc < 0) {
        simple_resp(ep, peer, m, dd, TERN_COAP_BAD_REQUEST, 0, 0);
        return;
    }
    tern_coap_server_req rq;
    memset(&rq, 0, sizeof rq);
    rq.ep = ep;
    rq.peer = peer;
    rq.msg = m;
    rq.now = ep->now;
    rq.size1 = -1;
    rq.observe = -1;
    uint32_t v;
    if (tern_coap_opt_get_uint(m, TERN_COAP_OPT_OBSERVE, &v) == TERN_OK)
        rq.observe = (int32_t)(v & 0xffffffu);
    if (tern_coap_opt_get_uint(m, TERN_COAP_OPT_SIZE1, &v) == TERN_OK)
        rq.size1 = v;
    const tern_coap_opt *echo = tern_coap_opt_get(m, TERN_COAP_OPT_ECHO);
    rq.fresh = echo && ep_echo_check(ep, peer, ep->now, echo->val, echo->len);
    if (ep->cfg.require_echo && !rq.fresh) {
        challenge(ep, peer, m, dd); /* RFC 9175 §2.4 */
        return;
    }
    bool fetchlike = m->code == TERN_COAP_GET || m->code == TERN_COAP_FETCH;
    if (fetchlike && rq.observe == 1) {
        uint32_t os;
        if (ep_obs_find(ep, peer, m->token, m->token_len, &os))
            ep_obs_end(ep, os, TERN_COAP_OBS_DEREGISTERED); /* RFC 7641 §3.6 */
    }
    /* Block1 (RFC 7959 §2.3). */
    tern_coap_block b1;
    uint8_t b1_rszx = 0;
    rc = tern_coap_block_get(m, TERN_COAP_OPT_BLOCK1, &b1);
    if (rc == TERN_EMALFORMED) {
        simple_resp(ep, peer, m, dd, TERN_COAP_BAD_REQUEST, 0, 0);
        return;
    }
    bool has_b1 = rc == TERN_OK;
    uint32_t b1_slot = EP_NONE;
    if (!has_b1 && ep->cfg.max_body && m->payload_len > ep->cfg.max_body) {
        simple_resp(ep, peer, m, dd, TERN_COAP_REQUEST_TOO_LARGE, TERN_COAP_OPT_SIZE1, ep->cfg.max_body); /* §2.9.3 */
        return;
    }
    if (has_b1) {
        uint32_t bs = tern_coap_block_size(b1.szx);
        uint64_t off = (uint64_t)b1.num * bs;
        uint8_t key[16];
        size_t klen = b1_key(m, key);
        uint32_t pos = EP_NONE;
        b1_slot = ep_idx_find(ep, K_B1, peer, key, klen, &pos);
        uint32_t maxb = ep->cfg.max_body;
        if (maxb && ((rq.size1 >= 0 && rq.size1 > maxb) || off + m->payload_len > maxb)) {
            if (b1_slot != EP_NONE)
                b1_free(ep, b1_slot);
            simple_resp(ep, peer, m, dd, TERN_COAP_REQUEST_TOO_LARGE, TERN_COAP_OPT_SIZE1, maxb); /* §2.9.3 */
            return;
        }
        if ((b1.more && m->payload_len != bs) || off + m->payload_len > UINT32_MAX) {
            simple_resp(ep, peer, m, dd, TERN_COAP_BAD_REQUEST, 0, 0); /* §2.3: full blocks only */
            return;
        }
        if (b1.num == 0) {
            if (b1_slot == EP_NONE && b1.more)
                b1_slot = b1_alloc(ep, peer, key, klen);
        } else if (b1_slot == EP_NONE || P(ep)->b1[b1_slot].next_off != off) {
            if (b1_slot != EP_NONE)
                b1_free(ep, b1_slot);
            simple_resp(ep, peer, m, dd, TERN_COAP_REQUEST_INCOMPLETE, 0, 0); /* §2.9.2 4.08 */
            return;
        }
        if (b1.more) {
            tern_coap_link l = ep_link_for(ep, peer);
            P(ep)->b1[b1_slot].next_off = (uint32_t)off + (uint32_t)m->payload_len;
            P(ep)->b1[b1_slot].expires = ep->now + tern_coap_exchange_lifetime(&l);
        } else if (b1_slot != EP_NONE) {
            b1_free(ep, b1_slot);
        }
        rq.block1 = true;
        rq.b1_offset = (uint32_t)off;
        rq.b1_more = b1.more;
        b1_rszx = TERN_MIN(b1.szx, ep->cfg.block_szx); /* §2.5: may ask for smaller blocks */
    }
    /* Block2 window (RFC 7959 §2.4). */
    tern_coap_block b2;
    rc = tern_coap_block_get(m, TERN_COAP_OPT_BLOCK2, &b2);
    if (rc == TERN_EMALFORMED) {
        simple_resp(ep, peer, m, dd, TERN_COAP_BAD_REQUEST, 0, 0);
        return;
    }
    bool has_b2 = rc == TERN_OK;
    uint8_t szx2 = ep->cfg.block_szx;
    uint64_t off2 = 0;
    if (has_b2) {
        off2 = (uint64_t)b2.num * tern_coap_block_size(b2.szx);
        if (b2.szx < szx2)
            szx2 = b2.szx;
        if (off2 > UINT32_MAX / 2) {
            simple_resp(ep, peer, m, dd, TERN_COAP_BAD_REQUEST, 0, 0);
            return;
        }
    }
    rq.b2_offset = (uint32_t)off2;
    rq.b2_size = tern_coap_block_size(szx2);
    rq.size2_asked = tern_coap_opt_get(m, TERN_COAP_OPT_SIZE2) != NULL;

    tern_coap_response resp;
    memset(&resp, 0, sizeof resp);
    tern_coap_msg_init(&resp.msg, TERN_COAP_ACK, 0, 0);
    resp.buf = P(ep)->hbuf;
    resp.buf_cap = ep->cfg.max_msg_size;
    resp.total = -1;
    P(ep)->deferred = false;
    int hr;
    if (ep->cfg.handler) {
        hr = ep->cfg.handler(ep->cfg.handler_ctx, &rq, &resp);
    } else {
        resp.msg.code = TERN_COAP_NOT_FOUND;
        hr = TERN_OK;
    }
    if (hr == TERN_INPROGRESS && P(ep)->deferred) {
        if (m->type == TERN_COAP_CON) {
            uint8_t b[4] = {0x60, 0, (uint8_t)(m->mid >> 8), (uint8_t)m->mid}; /* §5.2.2 empty ACK */
            ep_reply(ep, peer, dd, b, 4);
        }
        return;
    }
    if (hr < 0 || hr == TERN_INPROGRESS) {
        simple_resp(ep, peer, m, dd, TERN_COAP_INTERNAL_ERROR, 0, 0);
        return;
    }
    if (resp.challenge) {
        challenge(ep, peer, m, dd);
        return;
    }
    tern_coap_msg *r = &resp.msg;
    if (r->code == 0)
        r->code = (has_b1 && b1.more) ? TERN_COAP_CONTINUE : fetchlike ? TERN_COAP_CONTENT : TERN_COAP_CHANGED;
    uint8_t s_b1[3], s_obs[4], s_b2[8];
    if (has_b1 && TERN_COAP_CLASS(r->code) == 2) {
        tern_coap_block rb = {b1.num, b1.more, b1_rszx};
        (void)tern_coap_opt_remove(r, TERN_COAP_OPT_BLOCK1);
        (void)tern_coap_block_add(r, TERN_COAP_OPT_BLOCK1, rb, s_b1);
    }
    if (fetchlike && rq.observe == 0 && TERN_COAP_CLASS(r->code) == 2 && resp.observe_key &&
        resp.observe_key_len <= TERN_COAP_OBS_KEY_MAX) {
        uint32_t seq;
        if (ep_obs_register(ep, peer, m, resp.observe_key, resp.observe_key_len, &seq) == TERN_OK) {
            (void)tern_coap_opt_remove(r, TERN_COAP_OPT_OBSERVE);
            (void)tern_coap_opt_add_uint(r, TERN_COAP_OPT_OBSERVE, seq, s_obs); /* RFC 7641 §4.1 */
        }
    }
    if (resp.window) {
        bool more = resp.more || r->payload_len > rq.b2_size;
        if (r->payload_len > rq.b2_size)
            r->payload_len = rq.b2_size;
        if (more || has_b2 || rq.b2_offset) {
            tern_coap_block b = {rq.b2_offset / rq.b2_size, more, szx2};
            (void)tern_coap_opt_remove(r, TERN_COAP_OPT_BLOCK2);
            (void)tern_coap_block_add(r, TERN_COAP_OPT_BLOCK2, b, s_b2);
            if (rq.size2_asked && resp.total >= 0 && resp.total <= UINT32_MAX) {
                (void)tern_coap_opt_remove(r, TERN_COAP_OPT_SIZE2);
                (void)tern_coap_opt_add_uint(r, TERN_COAP_OPT_SIZE2, (uint32_t)resp.total, s_b2 + 4);
            }
        }
    } else if (r->payload_len > rq.b2_size || (has_b2 && TERN_COAP_CLASS(r->code) == 2)) {
        if (ep_block2_window(r, rq.b2_offset, rq.b2_size, szx2, rq.size2_asked, (int64_t)r->payload_len, s_b2) ==
            TERN_ERANGE) {
            simple_resp(ep, peer, m, dd, TERN_COAP_BAD_REQUEST, 0, 0);
            return;
        }
    }
    send_resp(ep, peer, m, dd, r);
}
