/* tern — client observations (Core §6.4 Information Reporting; Transport
 * §6.4.5 Table 6.4.5.-1): Observe / Observe-Composite registration and
 * cancellation on top of the CoAP endpoint's observer registry (RFC 7641),
 * attribute evaluation (Core §5.1.2: pmin, pmax, gt, lt, st, epmin, epmax,
 * edge, con, hqmax) and the historical queue of queue mode. */
#include <string.h>

#include "binding/coap_op.h"
#include "client/obs_internal.h"
#include "tern/dm_coap.h"

#define MS(s) ((tern_time_ms)(s) * 1000)
/* While a queued CON notification waits for its ACK, look again this often
 * (the engine also steps us after every datagram it feeds). */
#define QUEUE_POLL_MS 250
/* A notification the endpoint could not take (no free exchange): retry. */
#define RETRY_MS 1000

/* ---- tables ---- */

static tern_coap_handle rec_observer(tern_obs *obs, tern_obs_rec *r);

static size_t rec_idx(const tern_obs *obs, const tern_obs_rec *r)
{
    return (size_t)(r - obs->cfg.recs);
}

static void rec_key(tern_obs *obs, tern_obs_rec *r)
{
    size_t i = rec_idx(obs, r);
    uint8_t *k = r->key;
    k[0] = 't';
    k[1] = 'o';
    k[2] = (uint8_t)(obs->cfg.ssid >> 8);
    k[3] = (uint8_t)obs->cfg.ssid;
    k[4] = (uint8_t)(i >> 8);
    k[5] = (uint8_t)i;
    k[6] = (uint8_t)(r->gen >> 24);
    k[7] = (uint8_t)(r->gen >> 16);
    k[8] = (uint8_t)(r->gen >> 8);
    k[9] = (uint8_t)r->gen;
}

static void queue_drop(tern_obs *obs, tern_obs_qent *q)
{
    tern_obs_rec *r = &obs->cfg.recs[q->rec];
    if (r->used && r->gen == q->rec_gen && r->queued)
        r->queued--;
    q->used = false;
}

static void rec_free(tern_obs *obs, tern_obs_rec *r)
{
    uint16_t i = (uint16_t)rec_idx(obs, r);
    for (size_t t = 0; t < obs->cfg.target_count; t++)
        if (obs->cfg.targets[t].used && obs->cfg.targets[t].rec == i)
            obs->cfg.targets[t].used = false;
    for (size_t q = 0; q < obs->cfg.queue_count; q++)
        if (obs->cfg.queue[q].used && obs->cfg.queue[q].rec == i)
            obs->cfg.queue[q].used = false;
    r->used = false;
}

static tern_obs_rec *rec_by_token(tern_obs *obs, const tern_coap_peer *peer, const uint8_t *tok, size_t tlen)
{
    for (size_t i = 0; i < obs->cfg.rec_count; i++) {
        tern_obs_rec *r = &obs->cfg.recs[i];
        if (r->used && r->token_len == tlen && memcmp(r->token, tok, tlen) == 0 && tern_coap_peer_eq(&r->peer, peer))
            return r;
    }
    return NULL;
}

int tern_obs_init(tern_obs *obs, const tern_obs_cfg *cfg)
{
    if (!obs || !cfg || !cfg->dm || !cfg->ep || !cfg->recs || !cfg->rec_count || !cfg->targets ||
        !cfg->target_count || !cfg->work || cfg->work_len < 256 || cfg->rec_count > 0xffff ||
        (cfg->queue_count && (!cfg->queue || !cfg->queue_mem || !cfg->queue_slot_size)))
        return TERN_EINVAL;
    memset(obs, 0, sizeof *obs);
    obs->cfg = *cfg;
    memset(cfg->recs, 0, sizeof *cfg->recs * cfg->rec_count);
    memset(cfg->targets, 0, sizeof *cfg->targets * cfg->target_count);
    for (size_t i = 0; i < cfg->queue_count; i++) {
        memset(&cfg->queue[i], 0, sizeof cfg->queue[i]);
        cfg->queue[i].data = cfg->queue_mem + i * cfg->queue_slot_size;
    }
    obs->online_ = true;
    return TERN_OK;
}

size_t tern_obs_count(const tern_obs *obs)
{
    size_t n = 0;
    for (size_t i = 0; i < obs->cfg.rec_count; i++)
        n += obs->cfg.recs[i].used;
    return n;
}

void tern_obs_clear(tern_obs *obs)
{
    for (size_t i = 0; i < obs->cfg.rec_count; i++) {
        tern_obs_rec *r = &obs->cfg.recs[i];
        if (!r->used)
            continue;
        tern_coap_handle h = rec_observer(obs, r);
        rec_free(obs, r);
        if (h)
            (void)tern_coap_observer_remove(obs->cfg.ep, h);
    }
}



static void rec_attrs(const tern_obs *obs, const tern_obs_rec *r, tern_attrs *a)
{
    tern_attrs def;
    memset(&def, 0, sizeof def);
    if (obs->cfg.default_pmin) {
        def.pmin = obs->cfg.default_pmin;
        def.set |= TERN_ATTR_PMIN;
    }
    if (obs->cfg.default_pmax) {
        def.pmax = obs->cfg.default_pmax;
        def.set |= TERN_ATTR_PMAX;
    }
    if (r->composite) {
        /* Observe-Composite: the request's attributes (Transport Table
         * 6.4.5.-1: pmin, pmax, epmin, epmax, con) over the server's
         * defaults; attributes attached to the individual paths are not
         * combined across paths (tern's choice, docs/ARCHITECTURE.md). */
        memset(a, 0, sizeof *a);
        obs_attrs_overlay(a, &def, def.set);
        obs_attrs_overlay(a, &r->query, r->query.set);
        return;
    }
    tern_obs_effective_attrs(obs->cfg.dm, obs->cfg.ssid, &r->path, &def, &r->query, a);
}

typedef struct periods {
    tern_time_ms pmin, pmax, epmin, epmax; /* pmax/epmax: TERN_TIME_NEVER when none */
    bool con;
    uint32_t hqmax;
} periods;

static periods rec_periods(const tern_obs *obs, const tern_attrs *a)
{
    periods p;
    p.pmin = (a->set & TERN_ATTR_PMIN) ? MS(a->pmin) : 0;
    /* pmax must not be below pmin, else it is ignored (Core §5.1.2); 0 is
     * "no maximum period". */
    p.pmax = (a->set & TERN_ATTR_PMAX) && a->pmax > 0 && MS(a->pmax) >= p.pmin ? MS(a->pmax) : TERN_TIME_NEVER;
    p.epmin = (a->set & TERN_ATTR_EPMIN) ? MS(a->epmin) : 0;
    p.epmax =
        (a->set & TERN_ATTR_EPMAX) && a->epmax > 0 && MS(a->epmax) >= p.epmin ? MS(a->epmax) : TERN_TIME_NEVER;
    p.con = (a->set & TERN_ATTR_CON) ? a->con == 1 : obs->cfg.default_con;
    p.hqmax = (a->set & TERN_ATTR_HQMAX) ? a->hqmax : 0;
    return p;
}

/* ---- notification payloads ---- */

/* Builds the notification body for r into the first half of work; returns
 * the CoAP code (2.05 or the error the read gave) and sets *len. */
static uint8_t rec_payload(tern_obs *obs, tern_obs_rec *r, size_t *len)
{
    size_t half = obs->cfg.work_len / 2;
    uint8_t *out = obs->cfg.work;
    *len = 0;
    if (!r->composite) {
        tern_op op;
        tern_op_init(&op, TERN_OPK_READ);
        op.ssid = obs->cfg.ssid;
        op.path = r->path;
        op.accept = r->cf;
        tern_op_result res;
        (void)tern_dm_handle(obs->cfg.dm, &op, out, half, 0, &res);
        if (res.code != TERN_LC_CONTENT)
            return tern_coap_code_of(res.code); /* e.g. 4.04 after a Delete: ends it (RFC 7641 §3.2) */
        if (res.more)
            return TERN_COAP_INTERNAL_ERROR; /* larger than the work memory */
        *len = res.body_len;
        return TERN_COAP_CONTENT;
    }
    tern_path root = tern_path_root();
    tern_encoder enc;
    if (tern_encoder_init(&enc, r->cf, &root, obs->cfg.work + half, obs->cfg.work_len - half) < 0)
        return TERN_COAP_INTERNAL_ERROR;
    tern_wbuf w = tern_wbuf_make(out, half);
    uint16_t i = (uint16_t)rec_idx(obs, r);
    for (size_t t = 0; t < obs->cfg.target_count; t++) {
        tern_obs_target *tg = &obs->cfg.targets[t];
        if (!tg->used || tg->rec != i)
            continue;
        int rc = obs_encode_path(obs->cfg.dm, &enc, &tg->path, &w, false, 0);
        if (rc == TERN_ENOTFOUND)
            continue; /* as Read-Composite: nothing there, nothing to report */
        if (rc < 0)
            return TERN_COAP_INTERNAL_ERROR;
    }
    if (tern_encoder_finish(&enc, &w) != TERN_OK)
        return TERN_COAP_INTERNAL_ERROR;
    *len = w.len;
    return TERN_COAP_CONTENT;
}

/* The notified/sampled values follow what went out. */
static void rec_mark_notified(tern_obs *obs, tern_obs_rec *r)
{
    uint16_t i = (uint16_t)rec_idx(obs, r);
    for (size_t t = 0; t < obs->cfg.target_count; t++) {
        tern_obs_target *tg = &obs->cfg.targets[t];
        if (!tg->used || tg->rec != i)
            continue;
        double v;
        tg->numeric = obs_read_number(obs->cfg.dm, &tg->path, &v) == TERN_OK;
        if (tg->numeric)
            tg->notified = tg->sampled = v;
        tg->dirty = false;
    }
}

typedef struct find_ctx {
    tern_coap_handle h;
} find_ctx;

static void find_one(void *ctx, tern_coap_handle h, const tern_coap_peer *peer)
{
    (void)peer;
    ((find_ctx *)ctx)->h = h;
}

static tern_coap_handle rec_observer(tern_obs *obs, tern_obs_rec *r)
{
    find_ctx f = {0};
    (void)tern_coap_observers_each(obs->cfg.ep, r->key, sizeof r->key, find_one, &f);
    return f.h;
}

/* Hands one notification to the endpoint. TERN_OK, TERN_ENOTFOUND (the
 * observer is gone: the record was freed) or another error (retry). */
static int rec_send(tern_obs *obs, tern_obs_rec *r, uint8_t code, const uint8_t *body, size_t len, bool con)
{
    tern_coap_handle h = rec_observer(obs, r);
    if (!h) {
        rec_free(obs, r); /* the endpoint no longer knows it (full table, replaced) */
        return TERN_ENOTFOUND;
    }
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_NON, code, 0);
    uint8_t cfb[4];
    if (code == TERN_COAP_CONTENT && r->cf >= 0 &&
        tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, (uint32_t)r->cf, cfb) < 0)
        return TERN_EFULL;
    m.payload = len ? body : NULL;
    m.payload_len = len;
    tern_coap_notify_opts no = {con};
    uint32_t gen = r->gen;
    int rc = tern_coap_notify(obs->cfg.ep, h, &m, &no);
    if (rc == TERN_ENOTFOUND && r->used && r->gen == gen)
        rec_free(obs, r);
    return rc;
}

/* ---- historical queue (hqmax) ---- */

static tern_obs_qent *queue_oldest(tern_obs *obs, const tern_obs_rec *r)
{
    tern_obs_qent *best = NULL;
    for (size_t q = 0; q < obs->cfg.queue_count; q++) {
        tern_obs_qent *e = &obs->cfg.queue[q];
        if (!e->used || (r && (e->rec != rec_idx(obs, r) || e->rec_gen != r->gen)))
            continue;
        if (!best || e->stamp < best->stamp)
            best = e;
    }
    return best;
}

static bool queue_put(tern_obs *obs, tern_obs_rec *r, uint32_t hqmax, uint8_t code, const uint8_t *b, size_t len)
{
    if (!obs->cfg.queue_count || len > obs->cfg.queue_slot_size || len > 0xffff)
        return false;
    /* Core §5.1.2 hqmax: beyond hqmax stored notifications the oldest goes. */
    while (r->queued >= hqmax) {
        tern_obs_qent *old = queue_oldest(obs, r);
        if (!old)
            break;
        queue_drop(obs, old);
    }
    tern_obs_qent *e = NULL;
    for (size_t q = 0; q < obs->cfg.queue_count && !e; q++)
        if (!obs->cfg.queue[q].used)
            e = &obs->cfg.queue[q];
    if (!e) {
        e = queue_oldest(obs, NULL); /* the shared memory is full: oldest of all */
        queue_drop(obs, e);
    }
    e->used = true;
    e->rec = (uint16_t)rec_idx(obs, r);
    e->rec_gen = r->gen;
    e->stamp = ++obs->stamp_;
    e->code = code;
    e->len = (uint16_t)len;
    if (len)
        memcpy(e->data, b, len);
    r->queued++;
    return true;
}

/* Delivers r's queue in order; true when it is empty afterwards. */
static bool queue_flush(tern_obs *obs, tern_obs_rec *r, const periods *pd, tern_time_ms now, tern_time_ms *next)
{
    while (r->used && r->queued) {
        tern_obs_qent *e = queue_oldest(obs, r);
        if (!e) {
            r->queued = 0;
            break;
        }
        tern_coap_handle h = rec_observer(obs, r);
        if (h && tern_coap_notify_pending(obs->cfg.ep, h)) {
            /* RFC 7641 §4.5.2 would replace the CON in flight: wait */
            *next = TERN_MIN(*next, now + QUEUE_POLL_MS);
            return false;
        }
        uint32_t gen = r->gen;
        int rc = rec_send(obs, r, e->code, e->data, e->len, pd->con);
        if (!r->used || r->gen != gen)
            return true;
        if (rc < 0) {
            *next = TERN_MIN(*next, now + RETRY_MS);
            return false;
        }
        queue_drop(obs, e);
    }
    return true;
}

/* ---- evaluation ---- */

static void rec_sample(tern_obs *obs, tern_obs_rec *r, const tern_attrs *a, tern_time_ms now)
{
    uint16_t i = (uint16_t)rec_idx(obs, r);
    bool hit = false;
    for (size_t t = 0; t < obs->cfg.target_count; t++) {
        tern_obs_target *tg = &obs->cfg.targets[t];
        if (!tg->used || tg->rec != i)
            continue;
        double v;
        if (obs_read_number(obs->cfg.dm, &tg->path, &v) == TERN_OK) {
            if (!tg->numeric) {
                tg->numeric = true; /* first value after an absence */
                tg->notified = tg->sampled = v;
                hit = hit || tg->dirty;
            } else if (tern_obs_condition(a, tg->notified, tg->sampled, v)) {
                hit = true;
            }
            tg->sampled = v;
        } else {
            /* object/instance level or a non-numeric value: the
             * application's "changed" is the condition */
            hit = hit || tg->dirty;
            tg->numeric = false;
        }
        tg->dirty = false;
    }
    if (hit)
        r->pending = true;
    r->dirty = false;
    r->last_sample = now;
}

static void rec_notify(tern_obs *obs, tern_obs_rec *r, const periods *pd, tern_time_ms now, tern_time_ms *next)
{
    size_t len;
    uint8_t code = rec_payload(obs, r, &len);
    const uint8_t *body = obs->cfg.work;
    if (!obs->online_ || r->queued) {
        /* queue mode: keep it for later (Core §5.1.2 hqmax) */
        if (pd->hqmax && queue_put(obs, r, pd->hqmax, code, body, len)) {
            r->pending = false;
            r->last_notify = now;
            r->notifications++;
            rec_mark_notified(obs, r);
        } else {
            r->pending = true; /* one fresh notification on wake-up */
        }
        return;
    }
    uint32_t gen = r->gen;
    int rc = rec_send(obs, r, code, body, len, pd->con);
    if (!r->used || r->gen != gen)
        return; /* gone (cancelled, or ended by a non-2.xx notification) */
    if (rc < 0) {
        r->failed = true;
        r->retry_at = now + RETRY_MS;
        *next = TERN_MIN(*next, r->retry_at);
        return;
    }
    r->failed = false;
    r->pending = false;
    r->last_notify = now;
    r->notifications++;
    rec_mark_notified(obs, r);
}

static tern_time_ms rec_step(tern_obs *obs, tern_obs_rec *r, tern_time_ms now)
{
    tern_time_ms next = TERN_TIME_NEVER;
    tern_attrs a;
    rec_attrs(obs, r, &a);
    periods pd = rec_periods(obs, &a);
    if (obs->online_ && r->queued && !queue_flush(obs, r, &pd, now, &next))
        return next;
    if (!r->used)
        return TERN_TIME_NEVER;
    /* epmin: no sample before it elapsed; epmax: a sample at least then */
    bool sample = (r->dirty && now >= r->last_sample + pd.epmin) ||
                  (pd.epmax != TERN_TIME_NEVER && now >= r->last_sample + pd.epmax);
    if (sample)
        rec_sample(obs, r, &a, now);
    bool due = (r->pending && now >= r->last_notify + pd.pmin) ||
               (pd.pmax != TERN_TIME_NEVER && now >= r->last_notify + pd.pmax);
    if (due && r->failed && now < r->retry_at) {
        due = false;
        next = TERN_MIN(next, r->retry_at);
    }
    if (due && obs->online_ && pd.con && !r->queued) {
        /* RFC 7641 §4.5.1: one CON notification in flight at a time; the
         * newest state goes out once the previous one is acknowledged
         * (replacing it, §4.5.2, would restart nothing and can starve). */
        tern_coap_handle h = rec_observer(obs, r);
        if (h && tern_coap_notify_pending(obs->cfg.ep, h)) {
            r->pending = true;
            r->failed = true; /* hold: look again shortly */
            r->retry_at = now + QUEUE_POLL_MS;
            due = false;
        }
    }
    if (due && (obs->online_ || pd.hqmax || !r->pending))
        rec_notify(obs, r, &pd, now, &next);
    if (!r->used)
        return TERN_TIME_NEVER;
    if (!obs->online_ && !pd.hqmax) {
        /* offline without a queue: only remember that something is due */
        if (pd.pmax != TERN_TIME_NEVER && now >= r->last_notify + pd.pmax)
            r->pending = true;
        if (r->dirty)
            next = TERN_MIN(next, TERN_MAX(now, r->last_sample + pd.epmin));
        if (pd.epmax != TERN_TIME_NEVER)
            next = TERN_MIN(next, r->last_sample + pd.epmax);
        if (!r->pending && pd.pmax != TERN_TIME_NEVER)
            next = TERN_MIN(next, r->last_notify + pd.pmax);
        return next;
    }
    if (r->pending) {
        tern_time_ms t = r->last_notify + pd.pmin;
        if (r->failed)
            t = TERN_MAX(t, r->retry_at);
        next = TERN_MIN(next, TERN_MAX(now, t));
    }
    if (pd.pmax != TERN_TIME_NEVER && r->failed)
        next = TERN_MIN(next, TERN_MAX(now + 1, r->retry_at));
    if (r->dirty)
        next = TERN_MIN(next, TERN_MAX(now, r->last_sample + pd.epmin));
    if (pd.epmax != TERN_TIME_NEVER)
        next = TERN_MIN(next, r->last_sample + pd.epmax);
    if (pd.pmax != TERN_TIME_NEVER && !r->failed)
        next = TERN_MIN(next, r->last_notify + pd.pmax);
    return next;
}

tern_time_ms tern_obs_step(tern_obs *obs, tern_time_ms now)
{
    obs->now_ = now;
    tern_time_ms next = TERN_TIME_NEVER;
    for (size_t i = 0; i < obs->cfg.rec_count; i++) {
        tern_obs_rec *r = &obs->cfg.recs[i];
        if (r->used)
            next = TERN_MIN(next, rec_step(obs, r, now));
    }
    return next;
}

void tern_obs_changed(tern_obs *obs, const tern_path *p, tern_time_ms now)
{
    obs->now_ = now;
    for (size_t t = 0; t < obs->cfg.target_count; t++) {
        tern_obs_target *tg = &obs->cfg.targets[t];
        if (!tg->used || !(tern_path_is_prefix(&tg->path, p) || tern_path_is_prefix(p, &tg->path)))
            continue;
        tg->dirty = true;
        obs->cfg.recs[tg->rec].dirty = true;
    }
}

void tern_obs_set_online(tern_obs *obs, bool online, tern_time_ms now)
{
    obs->online_ = online;
    obs->now_ = now;
}

bool tern_obs_observer_end(tern_obs *obs, const void *key, size_t key_len, tern_coap_obs_end why)
{
    (void)why;
    const uint8_t *k = key;
    if (key_len != 10 || k[0] != 't' || k[1] != 'o' || (uint16_t)((k[2] << 8) | k[3]) != obs->cfg.ssid)
        return false;
    size_t i = (size_t)((k[4] << 8) | k[5]);
    if (i >= obs->cfg.rec_count)
        return false;
    tern_obs_rec *r = &obs->cfg.recs[i];
    if (r->used && memcmp(r->key, key, key_len) == 0)
        rec_free(obs, r);
    return true;
}

/* ---- registration (the endpoint's request handler) ---- */

/* Notification attributes of an Observe query (Transport Table 6.4.5.-1). */
static int parse_query(const tern_coap_msg *m, tern_attrs *q)
{
    memset(q, 0, sizeof *q);
    for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_QUERY); o; o = tern_coap_opt_next(m, o)) {
        char s[64];
        if (o->len == 0 || o->len >= sizeof s)
            return TERN_EMALFORMED;
        memcpy(s, o->val, o->len);
        s[o->len] = '\0';
        int rc = tern_attrs_parse_query(q, s, o->len);
        if (rc < 0)
            return rc;
    }
    if (q->unset || (q->set & TERN_ATTR_PROPERTIES))
        return TERN_EMALFORMED;
    return TERN_OK;
}

static tern_obs_rec *rec_alloc(tern_obs *obs, const tern_coap_server_req *req, size_t n_targets)
{
    /* RFC 7641 §4.1: the same peer and token replace the observation */
    tern_obs_rec *r = rec_by_token(obs, req->peer, req->msg->token, req->msg->token_len);
    if (r)
        rec_free(obs, r);
    size_t free_t = 0;
    for (size_t t = 0; t < obs->cfg.target_count; t++)
        free_t += !obs->cfg.targets[t].used;
    if (free_t < n_targets || n_targets == 0)
        return NULL;
    for (size_t i = 0; i < obs->cfg.rec_count && !r; i++)
        if (!obs->cfg.recs[i].used)
            r = &obs->cfg.recs[i];
    if (!r)
        return NULL;
    uint32_t gen = ++obs->gen_;
    memset(r, 0, sizeof *r);
    r->used = true;
    r->gen = gen;
    r->peer = *req->peer;
    r->token_len = req->msg->token_len;
    memcpy(r->token, req->msg->token, req->msg->token_len);
    r->last_notify = r->last_sample = req->now;
    rec_key(obs, r);
    return r;
}

static void target_add(tern_obs *obs, tern_obs_rec *r, const tern_path *p)
{
    for (size_t t = 0; t < obs->cfg.target_count; t++) {
        tern_obs_target *tg = &obs->cfg.targets[t];
        if (tg->used)
            continue;
        memset(tg, 0, sizeof *tg);
        tg->used = true;
        tg->rec = (uint16_t)rec_idx(obs, r);
        tg->path = *p;
        r->n_targets++;
        return;
    }
}

static int bad_request(tern_coap_response *resp)
{
    resp->msg.code = TERN_COAP_BAD_REQUEST;
    return TERN_OK;
}

/* Decodes the path list of an Observe-Composite (one piece); calls
 * target_add for each path when r is given, else counts. */
static int composite_paths(tern_obs *obs, const tern_op *op, tern_obs_rec *r, size_t *count)
{
    size_t half = obs->cfg.work_len / 2;
    tern_decoder d;
    tern_path root = tern_path_root();
    *count = 0;
    int rc = tern_decoder_init(&d, op->content_format, &root, tern_dm_type_of, obs->cfg.dm, obs->cfg.work + half,
                               obs->cfg.work_len - half);
    if (rc < 0)
        return rc;
    if ((rc = tern_decoder_feed(&d, op->payload.ptr, op->payload.len, true)) < 0)
        return rc;
    tern_entry e;
    while ((rc = tern_decoder_next(&d, &e)) == TERN_OK) {
        if (e.kind != TERN_ENTRY_PATH_ONLY || e.path.len == 0)
            return TERN_EMALFORMED;
        if (r)
            target_add(obs, r, &e.path);
        (*count)++;
    }
    return rc == TERN_DONE ? TERN_OK : rc < 0 ? rc : TERN_EMALFORMED;
}

int tern_obs_coap_handle(tern_obs *obs, const tern_coap_server_req *req, tern_coap_response *resp)
{
    tern_op op;
    int code = tern_coap_op_from_request(req->msg, obs->cfg.ssid, &op);
    bool first = req->b2_offset == 0 && !req->block1;
    if (code != TERN_LC_NONE || !first)
        return tern_dm_coap_handle(obs->cfg.dm, obs->cfg.ssid, req, resp);
    tern_attrs q;
    size_t n = 0;
    switch (op.kind) {
    case TERN_OPK_CANCEL_OBSERVE:
    case TERN_OPK_CANCEL_OBSERVE_COMPOSITE: {
        /* Transport Table 6.4.5.-1: GET/FETCH with Observe = 1 (the
         * endpoint has ended its observer already, RFC 7641 §3.6) */
        tern_obs_rec *r = rec_by_token(obs, req->peer, req->msg->token, req->msg->token_len);
        if (r)
            rec_free(obs, r);
        return tern_dm_coap_handle(obs->cfg.dm, obs->cfg.ssid, req, resp);
    }
    case TERN_OPK_OBSERVE: {
        if (parse_query(req->msg, &q) < 0)
            return bad_request(resp);
        /* the query's attributes must be consistent and fit the level */
        tern_type t = (tern_type)(tern_dm_type_of(obs->cfg.dm, &op.path) & TERN_TYPE_MASK);
        if (q.set && (tern_attrs_check_level(&q, op.path.len) < 0 || tern_attrs_check(&q, t) < 0))
            return bad_request(resp);
        break;
    }
    case TERN_OPK_OBSERVE_COMPOSITE: {
        if (parse_query(req->msg, &q) < 0)
            return bad_request(resp);
        /* Table 6.4.5.-1: pmin, pmax, epmin, epmax, con (and hqmax) only */
        if (q.set & (TERN_ATTR_GT | TERN_ATTR_LT | TERN_ATTR_ST | TERN_ATTR_EDGE))
            return bad_request(resp);
        if (tern_attrs_check(&q, TERN_TYPE_NONE) < 0)
            return bad_request(resp);
        break;
    }
    default:
        return tern_dm_coap_handle(obs->cfg.dm, obs->cfg.ssid, req, resp);
    }
    /* The response is the Read / Read-Composite of the target. */
    int rc = tern_dm_coap_handle(obs->cfg.dm, obs->cfg.ssid, req, resp);
    if (rc < 0 || resp->msg.code != TERN_COAP_CONTENT)
        return rc;
    bool composite = op.kind == TERN_OPK_OBSERVE_COMPOSITE;
    if (composite && composite_paths(obs, &op, NULL, &n) < 0)
        return rc; /* the dm answered; nothing to observe */
    tern_obs_rec *r = rec_alloc(obs, req, composite ? n : 1);
    if (!r) {
        tern_logf(&obs->cfg.log, TERN_LOG_WARN, "observe", "observation table full: answered without Observe");
        return rc; /* RFC 7641 §4.1: a response without Observe */
    }
    r->composite = composite;
    r->query = q;
    r->cf = tern_coap_content_format(&resp->msg);
    r->req_cf = op.content_format;
    if (composite) {
        r->path = tern_path_root();
        (void)composite_paths(obs, &op, r, &n);
    } else {
        r->path = op.path;
        target_add(obs, r, &op.path);
    }
    rec_mark_notified(obs, r); /* the response is the first "notification" */
    resp->observe_key = r->key;
    resp->observe_key_len = sizeof r->key;
    return rc;
}
