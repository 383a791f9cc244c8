/* tern — Bootstrap-Server engine: Bootstrap-Request / Bootstrap-Pack-Request
 * handling (server role) and bootstrap sessions (client role) over one
 * borrowed CoAP endpoint. Sessions live in caller memory; no clock, no I/O. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "binding/coap_op.h"
#include "tern/bootstrap.h"

#define EP_NAME_MAX 128
#define REASON_MAX 160

enum { S_FREE = 0, S_PENDING, S_WAITING };

typedef struct bs_session {
    struct tern_bs *bs;
    uint8_t state;
    uint8_t kind;            /* tern_bs_kind */
    char endpoint[EP_NAME_MAX + 1];
    tern_coap_peer peer;
    const tern_bs_config *cfg;
    int32_t cf;              /* Write format */
    bool cf_fixed;           /* from pct or the configuration */
    char version[8];         /* lwm2m= from Bootstrap-Discover of "/" */
    size_t pos;              /* plan position */
    tern_time_ms start, due, deadline;
    tern_coap_handle handle;
    uint8_t cur_op;
    tern_path cur_path;
    char reason[REASON_MAX];
    tern_bs_step_record steps[TERN_BS_MAX_STEP_RECORDS];
    size_t n_steps, n_total;
    uint8_t *buf;            /* max_payload bytes: Write body / Read response */
} bs_session;

struct tern_bs_priv_ {
    bs_session *sessions;
    uint8_t *scratch; /* encoder/decoder scratch, max_payload */
    uint8_t *pack;    /* Bootstrap-Pack output, max_payload */
    tern_time_ms now;
};

#define MOD "bootstrap"

static uint32_t n_sessions(const tern_bs_cfg *c)
{
    return c->max_sessions ? c->max_sessions : 4;
}
static uint32_t payload_cap(const tern_bs_cfg *c)
{
    return c->max_payload ? c->max_payload : 4096;
}
static size_t align8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

size_t tern_bs_mem_size(const tern_bs_cfg *cfg)
{
    size_t n = n_sessions(cfg), p = align8(payload_cap(cfg));
    return align8(sizeof(struct tern_bs_priv_)) + n * align8(sizeof(bs_session)) + n * p + 2 * p;
}

int tern_bs_init(tern_bs *bs, const tern_bs_cfg *cfg, void *mem, size_t mem_len)
{
    if (!bs || !cfg || !mem || !cfg->ep || !cfg->store.lookup || ((uintptr_t)mem & 7u) != 0)
        return TERN_EINVAL;
    if (mem_len < tern_bs_mem_size(cfg))
        return TERN_ENOMEM;
    memset(mem, 0, tern_bs_mem_size(cfg));
    bs->cfg = *cfg;
    uint8_t *m = mem;
    bs->p = (struct tern_bs_priv_ *)(void *)m;
    m += align8(sizeof(struct tern_bs_priv_));
    size_t n = n_sessions(cfg), p = align8(payload_cap(cfg));
    bs->p->sessions = (bs_session *)(void *)m;
    m += n * align8(sizeof(bs_session));
    for (size_t i = 0; i < n; i++) {
        bs->p->sessions[i].bs = bs;
        bs->p->sessions[i].buf = m;
        m += p;
    }
    bs->p->scratch = m;
    m += p;
    bs->p->pack = m;
    return TERN_OK;
}

/* ---- plan: configured steps, the implied Delete "/", then Finish ---------- */

static bool step_is_write(uint8_t k)
{
    return k == TERN_BS_ITEM_SECURITY || k == TERN_BS_ITEM_SERVER || k == TERN_BS_ITEM_ACL ||
           k == TERN_BS_ITEM_WRITE;
}

/* Index of the configured step before which Delete "/" is inserted, or
 * SIZE_MAX when none is. */
static size_t implied_delete_at(const tern_bs_config *c)
{
    if (c->no_default_delete)
        return SIZE_MAX;
    size_t first_write = SIZE_MAX;
    for (size_t i = 0; i < c->n_steps; i++) {
        if (c->steps[i].kind == TERN_BS_ITEM_DELETE)
            return SIZE_MAX;
        if (first_write == SIZE_MAX && step_is_write(c->steps[i].kind))
            first_write = i;
    }
    return first_write;
}

typedef struct planned {
    uint8_t op;                /* TERN_OPK_BOOTSTRAP_* */
    tern_path path;
    const tern_bs_item *step;  /* NULL for the implied Delete and Finish */
} planned;

/* TERN_OK, or TERN_DONE past the Finish. */
static int plan_at(const tern_bs_config *c, size_t pos, planned *out)
{
    size_t ins = implied_delete_at(c);
    size_t n = c->n_steps + (ins != SIZE_MAX ? 1 : 0);
    memset(out, 0, sizeof *out);
    if (pos > n)
        return TERN_DONE;
    if (pos == n) {
        out->op = TERN_OPK_BOOTSTRAP_FINISH;
        out->path = tern_path_root();
        return TERN_OK;
    }
    if (ins != SIZE_MAX) {
        if (pos == ins) {
            out->op = TERN_OPK_BOOTSTRAP_DELETE;
            out->path = tern_path_root();
            return TERN_OK;
        }
        if (pos > ins)
            pos--;
    }
    const tern_bs_item *s = &c->steps[pos];
    out->step = s;
    out->path = tern_bs_item_path(s);
    switch (s->kind) {
    case TERN_BS_ITEM_DISCOVER:
        out->op = TERN_OPK_BOOTSTRAP_DISCOVER;
        break;
    case TERN_BS_ITEM_READ:
        out->op = TERN_OPK_BOOTSTRAP_READ;
        break;
    case TERN_BS_ITEM_DELETE:
        out->op = TERN_OPK_BOOTSTRAP_DELETE;
        break;
    default:
        out->op = TERN_OPK_BOOTSTRAP_WRITE;
        break;
    }
    return TERN_OK;
}

/* The success code of each operation (Transport Table 6.7.-1). */
static uint8_t expected_code(uint8_t op)
{
    switch (op) {
    case TERN_OPK_BOOTSTRAP_DELETE:
        return TERN_COAP_DELETED;
    case TERN_OPK_BOOTSTRAP_READ:
    case TERN_OPK_BOOTSTRAP_DISCOVER:
        return TERN_COAP_CONTENT;
    default:
        return TERN_COAP_CHANGED; /* Write, Finish */
    }
}

/* What a refusal means, from the Reason Phrase column of Table 6.7.-1. */
static const char *refusal_meaning(uint8_t op, uint8_t code)
{
    if (op == TERN_OPK_BOOTSTRAP_FINISH && code == TERN_COAP_NOT_ACCEPTABLE)
        return "inconsistent loaded configuration";
    if (op == TERN_OPK_BOOTSTRAP_FINISH && code == TERN_COAP_BAD_REQUEST)
        return "bad URI";
    if (op == TERN_OPK_BOOTSTRAP_WRITE && code == TERN_COAP_UNSUPPORTED_FORMAT)
        return "content format not supported";
    if (op == TERN_OPK_BOOTSTRAP_WRITE && code == TERN_COAP_BAD_REQUEST)
        return "data format differs";
    if (code == TERN_COAP_NOT_FOUND)
        return "URI not found";
    if (code == TERN_COAP_UNAUTHORIZED)
        return "access right permission denied";
    if (code == TERN_COAP_METHOD_NOT_ALLOWED)
        return "target not allowed";
    if (code == TERN_COAP_NOT_ACCEPTABLE)
        return "no acceptable content format";
    return "refused";
}

/* ---- session lifecycle ------------------------------------------------------ */

static void session_end(bs_session *s, bool success, int err, tern_time_ms now)
{
    tern_bs *bs = s->bs;
    if (s->handle) {
        tern_coap_handle h = s->handle;
        s->handle = 0; /* the ECANCELED callback sees a stale handle */
        (void)tern_coap_cancel(bs->cfg.ep, h);
    }
    tern_logf(&bs->cfg.log, success ? TERN_LOG_INFO : TERN_LOG_WARN, MOD, "%s bootstrap of \"%s\": %s",
              success ? "finished" : "failed", s->endpoint, success ? "ok" : s->reason);
    if (bs->cfg.on_record) {
        tern_bs_record r;
        memset(&r, 0, sizeof r);
        r.endpoint = s->endpoint;
        r.peer = &s->peer;
        r.kind = s->kind;
        r.start = s->start;
        r.end = now;
        r.success = success;
        r.err = success ? 0 : (err ? err : TERN_ESTATE);
        r.reason = success ? "ok" : s->reason;
        r.content_format = s->cf;
        r.steps = s->steps;
        r.n_steps = s->n_steps;
        r.n_steps_total = s->n_total;
        bs->cfg.on_record(bs->cfg.record_ctx, &r);
    }
    if (bs->cfg.store.release && s->cfg)
        bs->cfg.store.release(bs->cfg.store.ctx, s->cfg);
    s->cfg = NULL;
    s->state = S_FREE;
}

static void fail(bs_session *s, int err, tern_time_ms now, const char *fmt, ...) TERN_PRINTF(4, 5);
static void fail(bs_session *s, int err, tern_time_ms now, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof s->reason, fmt, ap);
    va_end(ap);
    session_end(s, false, err, now);
}

static void result_cb(void *ctx, tern_coap_ep *ep, const tern_coap_result *res);

static int32_t write_format(bs_session *s)
{
    if (s->cf_fixed)
        return s->cf;
    return tern_bs_default_format(s->version[0] ? s->version : s->cfg->lwm2m_version);
}

static int encode_write(bs_session *s, const planned *pl, size_t *len)
{
    tern_bs *bs = s->bs;
    tern_encoder enc;
    tern_path base = pl->path;
    size_t cap = payload_cap(&bs->cfg);
    int rc = tern_encoder_init(&enc, s->cf, &base, bs->p->scratch, cap);
    if (rc < 0)
        return rc;
    tern_wbuf w = tern_wbuf_make(s->buf, cap);
    tern_entry e;
    for (size_t k = 0; tern_bs_item_entry(pl->step, k, &e) == TERN_OK; k++) {
        rc = tern_encoder_add(&enc, &e, &w);
        if (rc == TERN_AGAIN)
            return TERN_ETOOBIG; /* one buffer: cannot drain */
        if (rc < 0)
            return rc;
    }
    rc = tern_encoder_finish(&enc, &w);
    if (rc == TERN_AGAIN)
        return TERN_ETOOBIG;
    if (rc < 0)
        return rc;
    *len = w.len;
    return TERN_OK;
}

/* Sends the request of plan position s->pos. Fails the session on error. */
static void send_current(bs_session *s, tern_time_ms now)
{
    tern_bs *bs = s->bs;
    planned pl;
    if (plan_at(s->cfg, s->pos, &pl) != TERN_OK) {
        session_end(s, true, 0, now);
        return;
    }
    tern_coap_msg m;
    uint8_t code = TERN_COAP_POST;
    switch (pl.op) {
    case TERN_OPK_BOOTSTRAP_DISCOVER:
    case TERN_OPK_BOOTSTRAP_READ:
        code = TERN_COAP_GET;
        break;
    case TERN_OPK_BOOTSTRAP_DELETE:
        code = TERN_COAP_DELETE;
        break;
    case TERN_OPK_BOOTSTRAP_WRITE:
        code = TERN_COAP_PUT;
        break;
    default:
        break;
    }
    tern_coap_msg_init(&m, TERN_COAP_CON, code, 0);
    char seg[4][6];
    uint8_t ubuf[4];
    int rc = 0;
    if (pl.op == TERN_OPK_BOOTSTRAP_FINISH) {
        rc = tern_coap_opt_add(&m, TERN_COAP_OPT_URI_PATH, "bs", 2);
    } else {
        for (uint8_t i = 0; i < pl.path.len && rc >= 0; i++) {
            int k = snprintf(seg[i], sizeof seg[i], "%u", (unsigned)pl.path.ids[i]);
            rc = tern_coap_opt_add(&m, TERN_COAP_OPT_URI_PATH, seg[i], (size_t)k);
        }
    }
    tern_coap_req_opts o;
    memset(&o, 0, sizeof o);
    o.timeout_ms = bs->cfg.step_timeout_ms;
    if (rc >= 0 && pl.op == TERN_OPK_BOOTSTRAP_DISCOVER) {
        rc = tern_coap_opt_add_uint(&m, TERN_COAP_OPT_ACCEPT, TERN_CF_LINK, ubuf);
    } else if (rc >= 0 && pl.op == TERN_OPK_BOOTSTRAP_READ) {
        int32_t acc = s->cf == TERN_CF_OMA_JSON ? TERN_CF_TLV : s->cf;
        rc = tern_coap_opt_add_uint(&m, TERN_COAP_OPT_ACCEPT, (uint32_t)acc, ubuf);
    } else if (rc >= 0 && pl.op == TERN_OPK_BOOTSTRAP_WRITE) {
        s->cf = write_format(s);
        size_t len = 0;
        rc = encode_write(s, &pl, &len);
        if (rc < 0) {
            char p[32];
            (void)tern_path_format(&pl.path, p, sizeof p);
            fail(s, rc, now, "cannot encode Bootstrap-Write of %s: %s", p, tern_strerror(rc));
            return;
        }
        rc = tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, (uint32_t)s->cf, ubuf);
        o.body = s->buf;
        o.body_len = len;
    }
    if (pl.op == TERN_OPK_BOOTSTRAP_READ || pl.op == TERN_OPK_BOOTSTRAP_DISCOVER) {
        o.resp_buf = s->buf;
        o.resp_cap = payload_cap(&bs->cfg);
    }
    if (rc >= 0)
        rc = tern_coap_request(bs->cfg.ep, &s->peer, &m, &o, result_cb, s, &s->handle);
    if (rc < 0) {
        s->handle = 0;
        fail(s, rc, now, "cannot send %s: %s", tern_op_kind_name(pl.op), tern_strerror(rc));
        return;
    }
    s->cur_op = pl.op;
    s->cur_path = pl.path;
    s->state = S_WAITING;
    s->n_total++;
    char p[32];
    (void)tern_path_format(&pl.path, p, sizeof p);
    tern_logf(&bs->cfg.log, TERN_LOG_DEBUG, MOD, "\"%s\": %s %s", s->endpoint, tern_op_kind_name(pl.op),
              pl.op == TERN_OPK_BOOTSTRAP_FINISH ? "/bs" : p);
}

static void record_step(bs_session *s, uint8_t code, int err, tern_time_ms now)
{
    if (s->n_steps >= TERN_BS_MAX_STEP_RECORDS)
        return;
    tern_bs_step_record *r = &s->steps[s->n_steps++];
    r->op = s->cur_op;
    r->path = s->cur_path;
    r->coap_code = code;
    r->err = err;
    r->at = now;
}

/* Bootstrap-Discover: the lwm2m= attribute of "</>" tells the client's
 * version (Core §5.2.7.2). Returns 0 or TERN_EMALFORMED. */
static int parse_discover(bs_session *s, const uint8_t *b, size_t n)
{
    tern_link_parser lp;
    tern_link link;
    tern_link_attr attrs[8];
    tern_link_parser_init(&lp, b, n, true, 0);
    int rc;
    while ((rc = tern_link_next(&lp, &link, attrs, TERN_ARRAY_LEN(attrs))) == TERN_OK) {
        if (!(link.uri.len == 1 && link.uri.ptr[0] == '/'))
            continue;
        for (size_t i = 0; i < link.nattrs; i++) {
            const tern_link_attr *a = &attrs[i];
            if (a->name.len == 5 && memcmp(a->name.ptr, "lwm2m", 5) == 0 && a->has_value &&
                tern_link_unquote(a, s->version, sizeof s->version) < 0)
                s->version[0] = 0;
        }
    }
    return rc == TERN_DONE || rc == TERN_EFULL ? TERN_OK : TERN_EMALFORMED;
}

static int check_read(bs_session *s, int32_t cf, const uint8_t *b, size_t n)
{
    tern_decoder d;
    int rc = tern_decoder_init(&d, cf, &s->cur_path, tern_registry_type_fn, (void *)(uintptr_t)tern_registry_std(),
                               s->bs->p->scratch, payload_cap(&s->bs->cfg));
    if (rc < 0)
        return rc;
    rc = tern_decoder_feed(&d, b, n, true);
    if (rc < 0)
        return rc;
    tern_entry e;
    while ((rc = tern_decoder_next(&d, &e)) == TERN_OK) {
    }
    return rc == TERN_DONE ? TERN_OK : rc;
}

static void result_cb(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    (void)ep;
    bs_session *s = ctx;
    if (s->state != S_WAITING || res->handle != s->handle || !res->final)
        return;
    s->handle = 0;
    tern_bs *bs = s->bs;
    /* The endpoint calls back from feed/step: its time of that call. */
    tern_time_ms now = bs->cfg.ep->now;
    char p[32];
    (void)tern_path_format(&s->cur_path, p, sizeof p);
    const char *opn = tern_op_kind_name(s->cur_op);
    if (res->err < 0) {
        record_step(s, 0, res->err, now);
        if (res->err == TERN_ETIMEOUT)
            fail(s, res->err, now, "%s: no response (timeout) for %s", opn, p);
        else
            fail(s, res->err, now, "%s: %s", opn, tern_strerror(res->err));
        return;
    }
    uint8_t code = res->msg->code;
    record_step(s, code, 0, now);
    char cs[5];
    if (code != expected_code(s->cur_op)) {
        /* bounded pieces: op name <= 24, path <= 24, code text <= 30, meaning <= 33 */
        snprintf(s->reason, sizeof s->reason, "%.24s %.24s answered %.4s %.25s (%.33s)", opn,
                 s->cur_op == TERN_OPK_BOOTSTRAP_FINISH ? "/bs" : p, tern_coap_code_str(code, cs),
                 tern_lwm2m_code_name(tern_lwm2m_code_of_coap(code)), refusal_meaning(s->cur_op, code));
        session_end(s, false, TERN_EPERM, now);
        return;
    }
    if (s->cur_op == TERN_OPK_BOOTSTRAP_DISCOVER || s->cur_op == TERN_OPK_BOOTSTRAP_READ) {
        int32_t cf = tern_coap_content_format(res->msg);
        int rc = TERN_OK;
        if (s->cur_op == TERN_OPK_BOOTSTRAP_DISCOVER)
            rc = cf >= 0 && cf != TERN_CF_LINK ? TERN_EMALFORMED : parse_discover(s, res->data, res->data_len);
        else
            rc = check_read(s, cf, res->data, res->data_len);
        if (rc < 0) {
            fail(s, rc, now, "%s %s: unusable response body", opn, p);
            return;
        }
        if (bs->cfg.on_response) {
            tern_bs_response r = {s->endpoint, s->cur_op, s->cur_path, cf, res->data, res->data_len};
            bs->cfg.on_response(bs->cfg.response_ctx, &r);
        }
    }
    if (s->cur_op == TERN_OPK_BOOTSTRAP_FINISH) {
        session_end(s, true, 0, now);
        return;
    }
    s->pos++;
    send_current(s, now);
}

static bs_session *find_session(tern_bs *bs, const char *ep, size_t len)
{
    for (uint32_t i = 0; i < n_sessions(&bs->cfg); i++) {
        bs_session *s = &bs->p->sessions[i];
        if (s->state != S_FREE && strlen(s->endpoint) == len && memcmp(s->endpoint, ep, len) == 0)
            return s;
    }
    return NULL;
}

static bs_session *free_session(tern_bs *bs)
{
    for (uint32_t i = 0; i < n_sessions(&bs->cfg); i++)
        if (bs->p->sessions[i].state == S_FREE)
            return &bs->p->sessions[i];
    return NULL;
}

static void session_open(bs_session *s, uint8_t kind, const char *ep, size_t len, const tern_coap_peer *peer,
                         const tern_bs_config *c, int32_t pct, tern_time_ms now)
{
    tern_bs *bs = s->bs;
    uint8_t *buf = s->buf;
    memset(s, 0, sizeof *s);
    s->bs = bs;
    s->buf = buf;
    s->state = S_PENDING;
    s->kind = kind;
    memcpy(s->endpoint, ep, len);
    s->endpoint[len] = 0;
    s->peer = *peer;
    s->cfg = c;
    s->start = now;
    s->due = now;
    uint32_t to = bs->cfg.session_timeout_ms ? bs->cfg.session_timeout_ms : 300000;
    s->deadline = now + to;
    if (pct >= 0) {
        s->cf = pct;
        s->cf_fixed = true;
    } else if (c->content_format >= 0 && tern_bs_write_format_ok(c->content_format)) {
        s->cf = c->content_format;
        s->cf_fixed = true;
    } else {
        s->cf = tern_bs_default_format(c->lwm2m_version);
    }
}

int tern_bs_start(tern_bs *bs, const char *endpoint, const tern_coap_peer *peer, tern_time_ms now)
{
    if (!bs || !endpoint || !peer)
        return TERN_EINVAL;
    size_t len = strlen(endpoint);
    if (len == 0 || len > EP_NAME_MAX)
        return TERN_EINVAL;
    if (find_session(bs, endpoint, len))
        return TERN_EEXIST;
    bs_session *s = free_session(bs);
    if (!s)
        return TERN_EFULL;
    const tern_bs_config *c = NULL;
    int rc = bs->cfg.store.lookup(bs->cfg.store.ctx, endpoint, len, peer, &c);
    if (rc < 0)
        return rc;
    session_open(s, TERN_BS_SERVER_INITIATED, endpoint, len, peer, c, -1, now);
    tern_logf(&bs->cfg.log, TERN_LOG_INFO, MOD, "server-initiated bootstrap of \"%s\"", s->endpoint);
    return TERN_OK;
}

tern_time_ms tern_bs_step(tern_bs *bs, tern_time_ms now)
{
    tern_time_ms next = TERN_TIME_NEVER;
    bs->p->now = now;
    for (uint32_t i = 0; i < n_sessions(&bs->cfg); i++) {
        bs_session *s = &bs->p->sessions[i];
        if (s->state == S_PENDING && s->due <= now) {
            s->state = S_WAITING;
            send_current(s, now);
        }
        if (s->state != S_FREE && s->deadline <= now) {
            char p[32];
            (void)tern_path_format(&s->cur_path, p, sizeof p);
            fail(s, TERN_ETIMEOUT, now, "session timed out waiting for %s %s", tern_op_kind_name(s->cur_op), p);
        }
        if (s->state == S_PENDING && s->due < next)
            next = s->due;
        if (s->state != S_FREE && s->deadline < next)
            next = s->deadline;
    }
    return next;
}

uint32_t tern_bs_active(const tern_bs *bs)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < n_sessions(&bs->cfg); i++)
        if (bs->p->sessions[i].state != S_FREE)
            n++;
    return n;
}

void tern_bs_deinit(tern_bs *bs)
{
    if (!bs || !bs->p)
        return;
    for (uint32_t i = 0; i < n_sessions(&bs->cfg); i++) {
        bs_session *s = &bs->p->sessions[i];
        if (s->state != S_FREE)
            fail(s, TERN_ECANCELED, bs->p->now, "cancelled");
    }
    bs->p = NULL;
}

/* ---- server role: /bs and /bspack ------------------------------------------------ */

typedef struct bs_query {
    const char *ep;
    size_t ep_len;
    int32_t pct; /* -1 absent, -2 malformed */
} bs_query;

static void parse_query(const tern_coap_msg *m, bs_query *q)
{
    q->ep = NULL;
    q->ep_len = 0;
    q->pct = -1;
    for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_QUERY); o; o = tern_coap_opt_next(m, o)) {
        const char *v = (const char *)o->val;
        if (o->len >= 3 && memcmp(v, "ep=", 3) == 0) {
            q->ep = v + 3;
            q->ep_len = o->len - 3u;
        } else if (o->len >= 4 && memcmp(v, "pct=", 4) == 0) {
            uint32_t n = 0;
            size_t k = 4;
            if (o->len == 4 || o->len > 9)
                q->pct = -2;
            for (; k < o->len && q->pct != -2; k++) {
                if (v[k] < '0' || v[k] > '9') {
                    q->pct = -2;
                    break;
                }
                n = n * 10u + (uint32_t)(v[k] - '0');
            }
            if (q->pct != -2)
                q->pct = n > 65535u ? -2 : (int32_t)n;
        }
    }
}

static bool path_is(const tern_coap_msg *m, const char *seg)
{
    const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_PATH);
    size_t n = strlen(seg);
    return o && o->len == n && memcmp(o->val, seg, n) == 0 && !tern_coap_opt_next(m, o);
}

static int handle_bs(tern_bs *bs, const tern_coap_server_req *req, tern_coap_response *resp)
{
    bs_query q;
    parse_query(req->msg, &q);
    if (!q.ep || q.ep_len == 0 || q.ep_len > EP_NAME_MAX || q.pct == -2) {
        resp->msg.code = TERN_COAP_BAD_REQUEST;
        return TERN_OK;
    }
    const tern_bs_config *c = NULL;
    int rc = bs->cfg.store.lookup(bs->cfg.store.ctx, q.ep, q.ep_len, req->peer, &c);
    if (rc < 0) {
        /* Table 6.7.-1: unknown Endpoint Client Name, or one that does not
         * match the authenticated identity → 4.00. */
        tern_logf(&bs->cfg.log, TERN_LOG_WARN, MOD, "Bootstrap-Request from an unknown endpoint (%s)",
                  tern_strerror(rc));
        resp->msg.code = TERN_COAP_BAD_REQUEST;
        return TERN_OK;
    }
    if (q.pct >= 0 && !tern_bs_write_format_ok(q.pct)) {
        if (bs->cfg.store.release)
            bs->cfg.store.release(bs->cfg.store.ctx, c);
        resp->msg.code = TERN_COAP_UNSUPPORTED_FORMAT;
        return TERN_OK;
    }
    bs_session *s = find_session(bs, q.ep, q.ep_len);
    if (s) {
        /* A new Bootstrap-Request restarts the device's bootstrap. */
        snprintf(s->reason, sizeof s->reason, "superseded by a new Bootstrap-Request");
        session_end(s, false, TERN_ECANCELED, req->now);
    }
    s = free_session(bs);
    if (!s) {
        if (bs->cfg.store.release)
            bs->cfg.store.release(bs->cfg.store.ctx, c);
        resp->msg.code = TERN_COAP_SERVICE_UNAVAILABLE;
        return TERN_OK;
    }
    session_open(s, TERN_BS_CLIENT_INITIATED, q.ep, q.ep_len, req->peer, c, q.pct, req->now);
    tern_logf(&bs->cfg.log, TERN_LOG_INFO, MOD, "Bootstrap-Request from \"%s\"", s->endpoint);
    resp->msg.code = TERN_COAP_CHANGED;
    return TERN_OK;
}

static void pack_record(tern_bs *bs, const bs_query *q, const tern_coap_peer *peer, tern_time_ms now,
                        bool ok, int err, const char *reason, int32_t cf)
{
    if (!bs->cfg.on_record)
        return;
    char ep[EP_NAME_MAX + 1];
    size_t n = TERN_MIN(q->ep_len, (size_t)EP_NAME_MAX);
    if (q->ep)
        memcpy(ep, q->ep, n);
    ep[q->ep ? n : 0] = 0;
    tern_bs_record r;
    memset(&r, 0, sizeof r);
    r.endpoint = ep;
    r.peer = peer;
    r.kind = TERN_BS_PACK;
    r.start = r.end = now;
    r.success = ok;
    r.err = err;
    r.reason = reason;
    r.content_format = cf;
    bs->cfg.on_record(bs->cfg.record_ctx, &r);
}

static int handle_bspack(tern_bs *bs, const tern_coap_server_req *req, tern_coap_response *resp)
{
    bs_query q;
    parse_query(req->msg, &q);
    int32_t acc = tern_coap_accept(req->msg);
    if (acc < 0)
        acc = TERN_CF_SENML_CBOR;
    if (!q.ep || q.ep_len == 0 || q.ep_len > EP_NAME_MAX) {
        resp->msg.code = TERN_COAP_BAD_REQUEST;
        return TERN_OK;
    }
    const tern_bs_config *c = NULL;
    int rc = bs->cfg.store.lookup(bs->cfg.store.ctx, q.ep, q.ep_len, req->peer, &c);
    if (rc < 0) {
        resp->msg.code = rc == TERN_EPERM ? TERN_COAP_UNAUTHORIZED : TERN_COAP_BAD_REQUEST;
        if (req->b2_offset == 0)
            pack_record(bs, &q, req->peer, req->now, false, rc, "unknown endpoint", acc);
        return TERN_OK;
    }
    size_t cap = payload_cap(&bs->cfg);
    rc = tern_bs_pack_encode(c, acc, bs->p->scratch, cap, bs->p->pack, cap);
    if (bs->cfg.store.release)
        bs->cfg.store.release(bs->cfg.store.ctx, c);
    if (rc == TERN_EUNSUPPORTED) {
        resp->msg.code = TERN_COAP_NOT_ACCEPTABLE;
        if (req->b2_offset == 0)
            pack_record(bs, &q, req->peer, req->now, false, rc, "Accept is not a Bootstrap-Pack format", acc);
        return TERN_OK;
    }
    if (rc < 0) {
        resp->msg.code = TERN_COAP_INTERNAL_ERROR;
        if (req->b2_offset == 0)
            pack_record(bs, &q, req->peer, req->now, false, rc, "cannot encode the Bootstrap-Pack", acc);
        return TERN_OK;
    }
    size_t len = (size_t)rc;
    rc = tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_CONTENT_FORMAT, (uint32_t)acc);
    if (rc < 0)
        return rc;
    size_t off = TERN_MIN((size_t)req->b2_offset, len);
    size_t n = TERN_MIN(len - off, (size_t)req->b2_size);
    resp->msg.code = TERN_COAP_CONTENT;
    resp->msg.payload = bs->p->pack + off;
    resp->msg.payload_len = n;
    resp->window = true;
    resp->more = off + n < len;
    resp->total = (int64_t)len;
    if (!resp->more)
        pack_record(bs, &q, req->peer, req->now, true, 0, "ok", acc);
    return TERN_OK;
}

int tern_bs_coap_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    tern_bs *bs = ctx;
    if (!bs || !bs->p)
        return TERN_EINVAL;
    bs->p->now = req->now;
    const tern_coap_msg *m = req->msg;
    if (path_is(m, "bs")) {
        if (m->code != TERN_COAP_POST) {
            resp->msg.code = TERN_COAP_METHOD_NOT_ALLOWED;
            return TERN_OK;
        }
        return handle_bs(bs, req, resp);
    }
    if (path_is(m, "bspack")) {
        if (m->code != TERN_COAP_GET) {
            resp->msg.code = TERN_COAP_METHOD_NOT_ALLOWED;
            return TERN_OK;
        }
        return handle_bspack(bs, req, resp);
    }
    resp->msg.code = TERN_COAP_NOT_FOUND;
    return TERN_OK;
}
