/* tern — LwM2M Server: registration directory (Transport §6.4.3, Table
 * 6.7.-2; Core §6.2): Register, Update, De-register, lifetime expiry,
 * persistence and restore, and the CoAP handler for /rd and /dp. */
#include <string.h>

#include "binding/coap_op.h"
#include "server/server_internal.h"
#include "tern/linkfmt.h"

#define MOD "server"

typedef struct tern_srv_partial_ {
    struct tern_srv_partial_ *next;
    tern_coap_peer peer;
    uint32_t key;   /* 0: /rd, 1: /dp, else the registration id + 2 */
    uint8_t *buf;
    size_t len, cap;
} tern_srv_partial;

#define MAX_PARTIALS 32u

/* ---- memory ---------------------------------------------------------------- */
void *tern_srv_alloc(tern_server *srv, size_t n)
{
    void *p = srv->cfg.alloc.alloc(srv->cfg.alloc.ctx, n);
    if (p)
        srv->mem_used += n;
    return p;
}

void tern_srv_free(tern_server *srv, void *p, size_t n)
{
    if (!p)
        return;
    srv->mem_used -= n;
    srv->cfg.alloc.free(srv->cfg.alloc.ctx, p, n);
}

/* ---- hashing ---------------------------------------------------------------- */
static uint32_t fnv(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}
static uint32_t h_ep(const char *ep, size_t n) { return fnv(ep, n); }
static uint32_t h_id(uint32_t id) { return fnv(&id, sizeof id); }
static uint32_t h_peer(const tern_coap_peer *p) { return fnv(p->addr, p->len); }

static void link_reg(tern_server *srv, tern_server_reg *r)
{
    uint32_t m = srv->n_buckets - 1;
    uint32_t b = h_ep(r->ep, r->ep_len) & m;
    r->next_ep = srv->by_ep[b];
    srv->by_ep[b] = r;
    b = h_id(r->id) & m;
    r->next_id = srv->by_id[b];
    srv->by_id[b] = r;
    b = h_peer(&r->peer) & m;
    r->next_peer = srv->by_peer[b];
    srv->by_peer[b] = r;
}

static void unlink_peer(tern_server *srv, tern_server_reg *r)
{
    tern_server_reg **pp = &srv->by_peer[h_peer(&r->peer) & (srv->n_buckets - 1)];
    for (; *pp; pp = &(*pp)->next_peer)
        if (*pp == r) {
            *pp = r->next_peer;
            return;
        }
}

static void unlink_reg(tern_server *srv, tern_server_reg *r)
{
    uint32_t m = srv->n_buckets - 1;
    tern_server_reg **pp;
    for (pp = &srv->by_ep[h_ep(r->ep, r->ep_len) & m]; *pp; pp = &(*pp)->next_ep)
        if (*pp == r) {
            *pp = r->next_ep;
            break;
        }
    for (pp = &srv->by_id[h_id(r->id) & m]; *pp; pp = &(*pp)->next_id)
        if (*pp == r) {
            *pp = r->next_id;
            break;
        }
    unlink_peer(srv, r);
}

static int alloc_tables(tern_server *srv, uint32_t n, tern_server_reg ***ep, tern_server_reg ***id,
                        tern_server_reg ***peer)
{
    size_t sz = (size_t)n * sizeof(tern_server_reg *);
    *ep = tern_srv_alloc(srv, sz);
    *id = tern_srv_alloc(srv, sz);
    *peer = tern_srv_alloc(srv, sz);
    if (!*ep || !*id || !*peer) {
        tern_srv_free(srv, *ep, sz);
        tern_srv_free(srv, *id, sz);
        tern_srv_free(srv, *peer, sz);
        return TERN_ENOMEM;
    }
    memset(*ep, 0, sz);
    memset(*id, 0, sz);
    memset(*peer, 0, sz);
    return TERN_OK;
}

static void free_tables(tern_server *srv)
{
    size_t sz = (size_t)srv->n_buckets * sizeof(tern_server_reg *);
    tern_srv_free(srv, srv->by_ep, sz);
    tern_srv_free(srv, srv->by_id, sz);
    tern_srv_free(srv, srv->by_peer, sz);
    srv->by_ep = srv->by_id = srv->by_peer = NULL;
}

/* Doubles the tables when the load passes 1 (best effort: on ENOMEM the
 * chains just get longer). */
static void maybe_grow(tern_server *srv)
{
    if (srv->count < srv->n_buckets || srv->n_buckets >= (1u << 30))
        return;
    tern_server_reg **ep, **id, **peer;
    uint32_t old_n = srv->n_buckets;
    if (alloc_tables(srv, old_n * 2, &ep, &id, &peer) != TERN_OK)
        return;
    tern_server_reg **old_ep = srv->by_ep;
    tern_server_reg **old_id = srv->by_id, **old_peer = srv->by_peer;
    srv->by_ep = ep;
    srv->by_id = id;
    srv->by_peer = peer;
    srv->n_buckets = old_n * 2;
    for (uint32_t b = 0; b < old_n; b++)
        for (tern_server_reg *r = old_ep[b], *nx; r; r = nx) {
            nx = r->next_ep;
            link_reg(srv, r);
        }
    size_t sz = (size_t)old_n * sizeof(tern_server_reg *);
    tern_srv_free(srv, old_ep, sz);
    tern_srv_free(srv, old_id, sz);
    tern_srv_free(srv, old_peer, sz);
}

tern_server_reg *tern_srv_find_ep(const tern_server *srv, const char *ep, size_t len)
{
    for (tern_server_reg *r = srv->by_ep[h_ep(ep, len) & (srv->n_buckets - 1)]; r; r = r->next_ep)
        if (r->ep_len == len && memcmp(r->ep, ep, len) == 0)
            return r;
    return NULL;
}

const tern_server_reg *tern_server_find(const tern_server *srv, const char *ep)
{
    size_t n = strlen(ep);
    return n > TERN_SERVER_EP_MAX ? NULL : tern_srv_find_ep(srv, ep, n);
}

static tern_server_reg *find_id(const tern_server *srv, uint32_t id)
{
    for (tern_server_reg *r = srv->by_id[h_id(id) & (srv->n_buckets - 1)]; r; r = r->next_id)
        if (r->id == id)
            return r;
    return NULL;
}

const tern_server_reg *tern_server_find_id(const tern_server *srv, uint32_t id)
{
    return find_id(srv, id);
}

tern_server_reg *tern_srv_find_peer(tern_server *srv, const tern_coap_peer *peer)
{
    for (tern_server_reg *r = srv->by_peer[h_peer(peer) & (srv->n_buckets - 1)]; r; r = r->next_peer)
        if (tern_coap_peer_eq(&r->peer, peer))
            return r;
    return NULL;
}

uint32_t tern_server_count(const tern_server *srv)
{
    return srv->count;
}

void tern_server_each(tern_server *srv, void (*fn)(void *ctx, const tern_server_reg *reg), void *ctx)
{
    for (uint32_t b = 0; b < srv->n_buckets; b++)
        for (tern_server_reg *r = srv->by_ep[b], *nx; r; r = nx) {
            nx = r->next_ep;
            fn(ctx, r);
        }
}

size_t tern_server_reg_mem(const tern_server_reg *reg)
{
    return sizeof *reg + reg->var_len;
}

/* ---- expiry heap ---------------------------------------------------------------- */
tern_time_ms tern_srv_reg_deadline(const tern_server *srv, const tern_server_reg *r)
{
    (void)srv;
    tern_time_ms d = r->updated_at + (tern_time_ms)r->lifetime_s * 1000;
    if (r->queue && r->awake && r->awake_until < d)
        d = r->awake_until;
    return d;
}

static bool heap_less(const tern_server *srv, uint32_t a, uint32_t b)
{
    return tern_srv_reg_deadline(srv, srv->heap[a]) < tern_srv_reg_deadline(srv, srv->heap[b]);
}

static void heap_swap(tern_server *srv, uint32_t a, uint32_t b)
{
    tern_server_reg *t = srv->heap[a];
    srv->heap[a] = srv->heap[b];
    srv->heap[b] = t;
    srv->heap[a]->heap_idx = a;
    srv->heap[b]->heap_idx = b;
}

static void heap_sift(tern_server *srv, uint32_t i)
{
    while (i > 0 && heap_less(srv, i, (i - 1) / 2)) {
        heap_swap(srv, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < srv->heap_len && heap_less(srv, l, m))
            m = l;
        if (r < srv->heap_len && heap_less(srv, r, m))
            m = r;
        if (m == i)
            return;
        heap_swap(srv, i, m);
        i = m;
    }
}

void tern_srv_heap_fix(tern_server *srv, tern_server_reg *r)
{
    if (r->heap_idx < srv->heap_len && srv->heap[r->heap_idx] == r)
        heap_sift(srv, r->heap_idx);
}

static int heap_add(tern_server *srv, tern_server_reg *r)
{
    if (srv->heap_len == srv->heap_cap) {
        uint32_t ncap = srv->heap_cap ? srv->heap_cap * 2 : 64;
        tern_server_reg **nh = tern_srv_alloc(srv, (size_t)ncap * sizeof *nh);
        if (!nh)
            return TERN_ENOMEM;
        if (srv->heap_len)
            memcpy(nh, srv->heap, (size_t)srv->heap_len * sizeof *nh);
        tern_srv_free(srv, srv->heap, (size_t)srv->heap_cap * sizeof *nh);
        srv->heap = nh;
        srv->heap_cap = ncap;
    }
    r->heap_idx = srv->heap_len;
    srv->heap[srv->heap_len++] = r;
    heap_sift(srv, r->heap_idx);
    return TERN_OK;
}

static void heap_remove(tern_server *srv, tern_server_reg *r)
{
    uint32_t i = r->heap_idx;
    if (i >= srv->heap_len || srv->heap[i] != r)
        return;
    srv->heap_len--;
    if (i != srv->heap_len) {
        srv->heap[i] = srv->heap[srv->heap_len];
        srv->heap[i]->heap_idx = i;
        heap_sift(srv, i);
    }
    r->heap_idx = UINT32_MAX;
}

/* ---- events, queue mode ---------------------------------------------------------- */
void tern_srv_event(tern_server *srv, tern_server_event ev, const tern_server_reg *reg)
{
    if (srv->cfg.on_event)
        srv->cfg.on_event(srv->cfg.cb_ctx, srv, ev, reg);
}

/* Transport §6.5: a Q client stays reachable MAX_TRANSMIT_WAIT after its
 * last message. */
void tern_srv_seen(tern_server *srv, tern_server_reg *r)
{
    r->last_rx = srv->now;
    if (!r->queue)
        return;
    bool was = r->awake;
    r->awake = true;
    r->awake_until = srv->now + tern_coap_max_transmit_wait(&srv->cfg.ep->link);
    tern_srv_heap_fix(srv, r);
    if (!was)
        tern_srv_event(srv, TERN_SRV_AWAKE, r);
    tern_srv_kick(srv, r);
}

/* ---- registration records ------------------------------------------------------------ */
static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int tern_server_reg_encode(const tern_server_reg *r, uint8_t *out, size_t cap)
{
    size_t sms = r->sms ? strlen(r->sms) : 0, alt = r->alt_path ? strlen(r->alt_path) : 0;
    size_t need = (size_t)18 + r->peer.len + 1 + (size_t)r->ep_len + 1 + sms + 1 + alt + 2 +
                  (size_t)r->n_objs * 6;
    if (need > cap)
        return TERN_ENOMEM;
    uint8_t *p = out;
    *p++ = 1; /* record version */
    put_u32(p, r->id), p += 4;
    put_u32(p, r->lifetime_s), p += 4;
    *p++ = r->lwm2m_minor;
    *p++ = r->binding;
    *p++ = r->queue;
    put_u32(p, (uint32_t)r->ct), p += 4;
    *p++ = r->peer.len;
    memcpy(p, r->peer.addr, r->peer.len), p += r->peer.len;
    *p++ = r->ep_len;
    memcpy(p, r->ep, r->ep_len), p += r->ep_len;
    *p++ = (uint8_t)sms;
    if (sms)
        memcpy(p, r->sms, sms), p += sms;
    *p++ = (uint8_t)alt;
    if (alt)
        memcpy(p, r->alt_path, alt), p += alt;
    *p++ = (uint8_t)(r->n_objs >> 8);
    *p++ = (uint8_t)r->n_objs;
    for (uint16_t i = 0; i < r->n_objs; i++) {
        const tern_server_obj *o = &r->objs[i];
        *p++ = (uint8_t)(o->oid >> 8);
        *p++ = (uint8_t)o->oid;
        *p++ = (uint8_t)(o->iid >> 8);
        *p++ = (uint8_t)o->iid;
        *p++ = o->ver_major;
        *p++ = o->ver_minor;
    }
    return (int)(p - out);
}

/* Builds a registration with one variable block: objects first (aligned),
 * then the NUL-terminated names. */
static tern_server_reg *reg_new(tern_server *srv, const char *ep, size_t ep_len, const char *sms, size_t sms_len,
                                const char *alt, size_t alt_len, uint16_t n_objs)
{
    size_t var = (size_t)n_objs * sizeof(tern_server_obj) + ep_len + 1 + (sms ? sms_len + 1 : 0) +
                 (alt ? alt_len + 1 : 0);
    if (var > UINT16_MAX)
        return NULL;
    tern_server_reg *r = tern_srv_alloc(srv, sizeof *r);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    r->var = tern_srv_alloc(srv, var);
    if (!r->var) {
        tern_srv_free(srv, r, sizeof *r);
        return NULL;
    }
    r->var_len = (uint16_t)var;
    uint8_t *v = r->var;
    r->objs = (const tern_server_obj *)(void *)v;
    r->n_objs = n_objs;
    char *s = (char *)(v + (size_t)n_objs * sizeof(tern_server_obj));
    memcpy(s, ep, ep_len);
    s[ep_len] = '\0';
    r->ep = s;
    r->ep_len = (uint8_t)ep_len;
    s += ep_len + 1;
    if (sms) {
        memcpy(s, sms, sms_len);
        s[sms_len] = '\0';
        r->sms = s;
        s += sms_len + 1;
    }
    if (alt) {
        memcpy(s, alt, alt_len);
        s[alt_len] = '\0';
        r->alt_path = s;
    }
    r->ct = -1;
    r->heap_idx = UINT32_MAX;
    return r;
}

static void reg_free(tern_server *srv, tern_server_reg *r)
{
    tern_srv_free(srv, r->var, r->var_len);
    tern_srv_free(srv, r, sizeof *r);
}

static int store_put_reg(tern_server *srv, const tern_server_reg *r)
{
    if (!srv->cfg.store.ops)
        return TERN_OK;
    size_t cap = 64 + TERN_COAP_PEER_MAX + 3 * 256 + (size_t)r->n_objs * 6;
    uint8_t *blob = tern_srv_alloc(srv, cap);
    if (!blob)
        return TERN_ENOMEM;
    int n = tern_server_reg_encode(r, blob, cap);
    int rc = n < 0 ? n
                   : srv->cfg.store.ops->put(srv->cfg.store.ctx, TERN_REC_REGISTRATION, (const uint8_t *)r->ep,
                                             r->ep_len, blob, (size_t)n);
    tern_srv_free(srv, blob, cap);
    return rc;
}

static void store_del_reg(tern_server *srv, const tern_server_reg *r)
{
    if (srv->cfg.store.ops)
        (void)srv->cfg.store.ops->del(srv->cfg.store.ctx, TERN_REC_REGISTRATION, (const uint8_t *)r->ep,
                                      r->ep_len);
}

/* Removes a registration: its requests and observations fail with
 * TERN_ESTATE (subscribers are told), the event is reported, memory freed. */
static void reg_remove(tern_server *srv, tern_server_reg *r, tern_server_event ev, bool del_store)
{
    tern_srv_reg_drop_requests(srv, r, TERN_ESTATE);
    if (del_store)
        store_del_reg(srv, r);
    unlink_reg(srv, r);
    heap_remove(srv, r);
    srv->count--;
    tern_srv_event(srv, ev, r);
    reg_free(srv, r);
}

/* ---- Register / Update parameters (Transport Table 6.4.3.-1) ------------------------------ */
typedef struct reg_in {
    const char *ep;
    size_t ep_len;
    const char *sms;
    size_t sms_len;
    const char *pid;
    size_t pid_len;
    uint32_t lt;
    uint8_t minor, binding;
    bool has_ep, has_lt, has_lwm2m, has_b, has_q, has_sms;
} reg_in;

static bool q_is(const tern_coap_opt *o, const char *name, size_t *vlen, const char **val)
{
    size_t n = strlen(name);
    if (o->len < n + 1 || memcmp(o->val, name, n) != 0 || o->val[n] != '=')
        return false;
    *val = (const char *)o->val + n + 1;
    *vlen = o->len - n - 1;
    return true;
}

static bool parse_u32(const char *s, size_t n, uint32_t max, uint32_t *out)
{
    if (n == 0 || n > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Returns TERN_LC_NONE or the code to answer. */
static int parse_query(tern_server *srv, const tern_coap_msg *m, bool update, reg_in *in)
{
    memset(in, 0, sizeof *in);
    for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_QUERY); o; o = tern_coap_opt_next(m, o)) {
        const char *v;
        size_t n;
        if (!update && q_is(o, "ep", &n, &v)) {
            if (in->has_ep)
                return TERN_LC_BAD_REQUEST;
            /* Endpoint Client Name: 1..255 bytes, no control characters. */
            if (n == 0 || n > TERN_SERVER_EP_MAX)
                return TERN_LC_BAD_REQUEST;
            for (size_t i = 0; i < n; i++)
                if ((uint8_t)v[i] < 0x20 || (uint8_t)v[i] == 0x7f)
                    return TERN_LC_BAD_REQUEST;
            in->ep = v, in->ep_len = n, in->has_ep = true;
        } else if (q_is(o, "lt", &n, &v)) {
            if (in->has_lt || !parse_u32(v, n, UINT32_MAX, &in->lt))
                return TERN_LC_BAD_REQUEST;
            if (in->lt < srv->cfg.min_lifetime_s || in->lt > srv->cfg.max_lifetime_s)
                return TERN_LC_BAD_REQUEST;
            in->has_lt = true;
        } else if (!update && q_is(o, "lwm2m", &n, &v)) {
            if (in->has_lwm2m)
                return TERN_LC_BAD_REQUEST;
            const char *dot = memchr(v, '.', n);
            uint32_t maj, min;
            if (!dot || !parse_u32(v, (size_t)(dot - v), 255, &maj) ||
                !parse_u32(dot + 1, n - (size_t)(dot - v) - 1, 255, &min))
                return TERN_LC_BAD_REQUEST;
            /* Table 6.7.-2: versions not compatible → 4.12. tern speaks
             * 1.0, 1.1, 1.2; a newer minor only when configured to. */
            if (maj != 1 || (min > 2 && !srv->cfg.accept_newer_minor))
                return TERN_LC_PRECONDITION_FAILED;
            in->minor = (uint8_t)(min > 2 ? 2 : min);
            in->has_lwm2m = true;
        } else if (q_is(o, "b", &n, &v)) {
            if (in->has_b || n == 0)
                return TERN_LC_BAD_REQUEST;
            static const char letters[] = "UMHTSN";
            for (size_t i = 0; i < n; i++) {
                if (v[i] == 'Q') { /* LwM2M 1.0 form "UQ" */
                    in->has_q = true;
                    continue;
                }
                const char *l = memchr(letters, v[i], 6);
                if (!l)
                    return TERN_LC_BAD_REQUEST;
                uint8_t bit = (uint8_t)(1u << (l - letters));
                if (in->binding & bit)
                    return TERN_LC_BAD_REQUEST;
                in->binding |= bit;
            }
            in->has_b = true;
        } else if (o->len == 1 && o->val[0] == 'Q') {
            if (in->has_q)
                return TERN_LC_BAD_REQUEST;
            in->has_q = true;
        } else if (q_is(o, "sms", &n, &v)) {
            /* MSISDN (3GPP 23.003): digits, no '+' (Transport §6.4.3 note). */
            if (in->has_sms || n == 0 || n > 15)
                return TERN_LC_BAD_REQUEST;
            for (size_t i = 0; i < n; i++)
                if (v[i] < '0' || v[i] > '9')
                    return TERN_LC_BAD_REQUEST;
            in->sms = v, in->sms_len = n, in->has_sms = true;
        } else if (!update && q_is(o, "pid", &n, &v)) {
            if (in->pid || n == 0)
                return TERN_LC_BAD_REQUEST;
            in->pid = v, in->pid_len = n;
        } else {
            /* Table 6.7.-2: "unknown parameter is specified" → 4.00 */
            return TERN_LC_BAD_REQUEST;
        }
    }
    if (!update && !in->has_ep)
        return TERN_LC_BAD_REQUEST; /* mandatory parameter not specified */
    return TERN_LC_NONE;
}

/* ---- object list (Core §6.2.1: link format, optional alternate path) --------------------- */
typedef struct links_in {
    char alt[64];
    size_t alt_len;
    bool has_alt;
    int32_t ct;
    uint16_t n_objs;
} links_in;

static bool attr_is(const tern_link_attr *a, const char *name)
{
    size_t n = strlen(name);
    return a->name.len == n && memcmp(a->name.ptr, name, n) == 0;
}

/* Pass over the payload: mode 0 finds the alternate path and checks syntax,
 * mode 1 counts object links, mode 2 fills objs. Returns a code. */
static int links_pass(tern_server *srv, const uint8_t *body, size_t len, int mode, links_in *li,
                      tern_server_obj *objs)
{
    tern_link_parser lp;
    tern_link_parser_init(&lp, body, len, true, 0);
    tern_link link;
    tern_link_attr attrs[12];
    uint32_t nlinks = 0;
    uint16_t n = 0;
    for (;;) {
        int rc = tern_link_next(&lp, &link, attrs, TERN_ARRAY_LEN(attrs));
        if (rc == TERN_DONE)
            break;
        if (rc != TERN_OK)
            return TERN_LC_BAD_REQUEST; /* malformed link format */
        if (++nlinks > srv->cfg.max_links)
            return TERN_LC_BAD_REQUEST; /* bounded memory: too many links */
        bool rt = false;
        for (size_t i = 0; i < link.nattrs; i++)
            if (attr_is(&attrs[i], "rt") && attrs[i].value.len == 9 && memcmp(attrs[i].value.ptr, "oma.lwm2m", 9) == 0)
                rt = true;
        if (rt) {
            if (mode != 0)
                continue;
            /* Core §6.2.1: </path>;rt="oma.lwm2m" gives the alternate path
             * (and ct= the preferred format); "/" means none. */
            if (li->has_alt || link.uri.len >= sizeof li->alt)
                return TERN_LC_BAD_REQUEST;
            li->has_alt = true;
            size_t ul = link.uri.len;
            while (ul > 1 && link.uri.ptr[ul - 1] == '/')
                ul--;
            if (ul > 1) {
                memcpy(li->alt, link.uri.ptr, ul);
                li->alt_len = ul;
            }
            for (size_t i = 0; i < link.nattrs; i++) {
                uint32_t ct;
                if (attr_is(&attrs[i], "ct") && parse_u32((const char *)attrs[i].value.ptr, attrs[i].value.len,
                                                          0xffff, &ct))
                    li->ct = (int32_t)ct;
            }
            continue;
        }
        if (mode == 0)
            continue;
        char prefix[64];
        memcpy(prefix, li->alt, li->alt_len);
        prefix[li->alt_len] = '\0';
        tern_path p;
        if (tern_link_uri_path(link.uri, li->alt_len ? prefix : NULL, &p) != TERN_OK || p.len < 1 || p.len > 2)
            continue; /* not an object or instance of this client: ignored */
        if (mode == 2) {
            tern_server_obj *o = &objs[n];
            o->oid = p.ids[0];
            o->iid = p.len == 2 ? p.ids[1] : (uint16_t)TERN_ID_INVALID;
            o->ver_major = o->ver_minor = 0;
            for (size_t i = 0; i < link.nattrs; i++) {
                const tern_link_attr *a = &attrs[i];
                if (attr_is(a, "ver") && a->value.len >= 3 && a->value.len <= 7) {
                    const char *v = (const char *)a->value.ptr;
                    const char *dot = memchr(v, '.', a->value.len);
                    uint32_t ma, mi;
                    if (dot && parse_u32(v, (size_t)(dot - v), 255, &ma) &&
                        parse_u32(dot + 1, a->value.len - (size_t)(dot - v) - 1, 255, &mi)) {
                        o->ver_major = (uint8_t)ma;
                        o->ver_minor = (uint8_t)mi;
                    }
                }
            }
        }
        n++;
    }
    li->n_objs = n;
    return TERN_LC_NONE;
}

static int parse_links(tern_server *srv, const uint8_t *body, size_t len, links_in *li)
{
    memset(li, 0, sizeof *li);
    li->ct = -1;
    int rc = links_pass(srv, body, len, 0, li, NULL);
    if (rc == TERN_LC_NONE)
        rc = links_pass(srv, body, len, 1, li, NULL);
    return rc;
}

/* ---- the handlers ------------------------------------------------------------------------- */
static int answer(tern_coap_response *resp, int lc)
{
    resp->msg.code = tern_coap_code_of(lc);
    return TERN_OK;
}

static uint32_t new_id(tern_server *srv)
{
    for (;;) {
        uint32_t id = 0;
        if (srv->cfg.rng.fill(srv->cfg.rng.ctx, &id, sizeof id) < 0)
            id = (uint32_t)(srv->next_rec++ * 2654435761u);
        if (id != 0 && !tern_server_find_id(srv, id))
            return id;
    }
}

static int add_location(tern_coap_response *resp, uint32_t id)
{
    char hex[8];
    static const char dig[] = "0123456789abcdef";
    int n = 0;
    for (int s = 28; s >= 0; s -= 4)
        if (n || (id >> s) & 15u || s == 0)
            hex[n++] = dig[(id >> s) & 15u];
    int rc = tern_coap_resp_opt(resp, TERN_COAP_OPT_LOCATION_PATH, "rd", 2);
    return rc < 0 ? rc : tern_coap_resp_opt(resp, TERN_COAP_OPT_LOCATION_PATH, hex, (size_t)n);
}

static int do_register(tern_server *srv, const tern_coap_server_req *req, const uint8_t *body, size_t len,
                       tern_coap_response *resp)
{
    reg_in in;
    int lc = parse_query(srv, req->msg, false, &in);
    if (lc != TERN_LC_NONE)
        return answer(resp, lc);
    int32_t cf = tern_coap_content_format(req->msg);
    if (cf != -1 && cf != TERN_CF_LINK)
        return answer(resp, TERN_LC_BAD_REQUEST);
    links_in li;
    lc = parse_links(srv, body, len, &li);
    if (lc != TERN_LC_NONE)
        return answer(resp, lc);
    /* Table 6.7.-2 4.09: the registration does not tell the Objects and
     * Object Instances of the client (empty list, or nothing usable). */
    if (li.n_objs == 0)
        return answer(resp, TERN_LC_CONFLICT);
    tern_server_reg_params p = {
        .ep = in.ep, .ep_len = in.ep_len, .lifetime_s = in.has_lt ? in.lt : TERN_SERVER_LT_DEFAULT,
        .lwm2m_minor = in.has_lwm2m ? in.minor : 0, .binding = in.has_b ? in.binding : TERN_BIND_U,
        .queue = in.has_q, .pid = in.pid, .pid_len = in.pid_len,
    };
    if (srv->cfg.policy) {
        lc = srv->cfg.policy(srv->cfg.cb_ctx, &p, req->peer);
        if (lc != TERN_LC_NONE)
            return answer(resp, lc == TERN_LC_BAD_REQUEST ? lc : TERN_LC_FORBIDDEN);
    }
    tern_server_reg *old = tern_srv_find_ep(srv, in.ep, in.ep_len);
    if (!old && srv->cfg.max_registrations && srv->count >= srv->cfg.max_registrations)
        return answer(resp, TERN_LC_SERVICE_UNAVAILABLE);
    tern_server_reg *r = reg_new(srv, in.ep, in.ep_len, in.sms, in.sms_len, li.alt_len ? li.alt : NULL,
                                 li.alt_len, li.n_objs);
    if (!r)
        return answer(resp, TERN_LC_INTERNAL_ERROR);
    links_in li2 = li;
    (void)links_pass(srv, body, len, 2, &li2, (tern_server_obj *)r->var);
    r->lifetime_s = p.lifetime_s;
    r->lwm2m_minor = p.lwm2m_minor;
    r->binding = p.binding;
    r->queue = p.queue;
    r->ct = li.ct;
    r->peer = *req->peer;
    r->registered_at = r->updated_at = r->last_rx = srv->now;
    r->id = new_id(srv);
    /* Nothing acknowledged is lost: the record is in the store before 2.01. */
    if (store_put_reg(srv, r) != TERN_OK) {
        reg_free(srv, r);
        return answer(resp, TERN_LC_INTERNAL_ERROR);
    }
    if (heap_add(srv, r) != TERN_OK) {
        if (old)
            (void)store_put_reg(srv, old);
        else
            store_del_reg(srv, r);
        reg_free(srv, r);
        return answer(resp, TERN_LC_INTERNAL_ERROR);
    }
    if (old)
        reg_remove(srv, old, TERN_SRV_REPLACED, false); /* the same store key now holds r */
    /* another registration from the same address (an endpoint that
     * re-registered under a new name) keeps its own entry */
    srv->count++;
    link_reg(srv, r);
    maybe_grow(srv);
    if (add_location(resp, r->id) < 0)
        return TERN_EINVAL;
    resp->msg.code = TERN_COAP_CREATED;
    tern_srv_event(srv, TERN_SRV_REGISTERED, r);
    tern_srv_obs_reestablish(srv, r);
    tern_srv_seen(srv, r);
    return TERN_OK;
}

static int do_update(tern_server *srv, tern_server_reg *r, const tern_coap_server_req *req, const uint8_t *body,
                     size_t len, tern_coap_response *resp)
{
    reg_in in;
    int lc = parse_query(srv, req->msg, true, &in);
    if (lc != TERN_LC_NONE)
        return answer(resp, lc);
    links_in li;
    bool new_links = len > 0;
    if (new_links) {
        lc = parse_links(srv, body, len, &li);
        if (lc != TERN_LC_NONE)
            return answer(resp, lc);
        if (!li.has_alt && r->alt_path) { /* the alternate path stays unless given again */
            li.alt_len = strlen(r->alt_path);
            memcpy(li.alt, r->alt_path, li.alt_len);
            lc = links_pass(srv, body, len, 1, &li, NULL);
            if (lc != TERN_LC_NONE)
                return answer(resp, lc);
        }
    }
    /* Rebuild the variable block when names or the object list change. */
    tern_server_reg *nr = NULL;
    if (new_links || in.has_sms) {
        const char *sms = in.has_sms ? in.sms : r->sms;
        size_t sms_len = in.has_sms ? in.sms_len : (r->sms ? strlen(r->sms) : 0);
        const char *alt = new_links ? (li.alt_len ? li.alt : NULL) : r->alt_path;
        size_t alt_len = new_links ? li.alt_len : (r->alt_path ? strlen(r->alt_path) : 0);
        nr = reg_new(srv, r->ep, r->ep_len, sms, sms_len, alt, alt_len, new_links ? li.n_objs : r->n_objs);
        if (!nr)
            return answer(resp, TERN_LC_INTERNAL_ERROR);
        if (new_links)
            (void)links_pass(srv, body, len, 2, &li, (tern_server_obj *)nr->var);
        else
            memcpy(nr->var, r->objs, (size_t)r->n_objs * sizeof(tern_server_obj));
    }
    /* Apply on a copy first so a store failure changes nothing. */
    tern_server_reg tmp = *r;
    if (nr) {
        tmp.var = nr->var, tmp.var_len = nr->var_len, tmp.objs = nr->objs, tmp.n_objs = nr->n_objs;
        tmp.ep = nr->ep, tmp.sms = nr->sms, tmp.alt_path = nr->alt_path;
        if (new_links && li.ct >= 0)
            tmp.ct = li.ct;
    }
    if (in.has_lt)
        tmp.lifetime_s = in.lt;
    if (in.has_b) {
        tmp.binding = in.binding;
        tmp.queue = in.has_q;
    } else if (in.has_q) {
        tmp.queue = true;
    }
    tmp.peer = *req->peer;
    if (store_put_reg(srv, &tmp) != TERN_OK) {
        if (nr)
            reg_free(srv, nr);
        return answer(resp, TERN_LC_INTERNAL_ERROR);
    }
    unlink_reg(srv, r);
    if (nr) {
        tern_srv_free(srv, r->var, r->var_len);
        tern_srv_free(srv, nr, sizeof *nr); /* its var block moved into r */
    }
    bool was_queue = r->queue;
    *r = tmp;
    if (was_queue && !r->queue)
        r->awake = false;
    r->updated_at = srv->now;
    link_reg(srv, r);
    tern_srv_heap_fix(srv, r);
    resp->msg.code = TERN_COAP_CHANGED;
    tern_srv_event(srv, TERN_SRV_UPDATED, r);
    tern_srv_obs_reestablish(srv, r);
    tern_srv_seen(srv, r);
    return TERN_OK;
}

/* "rd/<hex id>" → id; 0 when not a location of ours. */
static uint32_t parse_loc(const tern_coap_opt *o)
{
    if (!o || o->len == 0 || o->len > 8)
        return 0;
    uint32_t v = 0;
    for (uint16_t i = 0; i < o->len; i++) {
        uint8_t c = o->val[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else
            return 0;
        v = v << 4 | d;
    }
    return v;
}

static tern_srv_partial *partial_find(tern_server *srv, const tern_coap_peer *peer, uint32_t key,
                                      tern_srv_partial ***prev)
{
    tern_srv_partial **pp = &srv->partials;
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->key == key && tern_coap_peer_eq(&(*pp)->peer, peer)) {
            if (prev)
                *prev = pp;
            return *pp;
        }
    return NULL;
}

static void partial_drop(tern_server *srv, tern_srv_partial **pp)
{
    tern_srv_partial *p = *pp;
    *pp = p->next;
    tern_srv_free(srv, p->buf, p->cap);
    tern_srv_free(srv, p, sizeof *p);
    srv->n_partials--;
}

/* Block1 (RFC 7959 §2.3): collects a body per peer and resource. Returns
 * TERN_AGAIN while blocks are missing (answered 2.31), TERN_OK with the
 * whole body in *out (a partial to drop after use), or a code < 0 answered
 * as 4.13 / 5.00. */
static int collect(tern_server *srv, const tern_coap_server_req *req, uint32_t key, tern_srv_partial **out)
{
    *out = NULL;
    tern_srv_partial **pp = NULL;
    tern_srv_partial *p = partial_find(srv, req->peer, key, &pp);
    if (req->b1_offset == 0 && p) {
        partial_drop(srv, pp);
        p = NULL;
    }
    if (!p) {
        if (req->b1_offset != 0)
            return TERN_ESTATE; /* the endpoint checks order; a lost start */
        if (srv->n_partials >= MAX_PARTIALS)
            partial_drop(srv, &srv->partials);
        p = tern_srv_alloc(srv, sizeof *p);
        if (!p)
            return TERN_ENOMEM;
        memset(p, 0, sizeof *p);
        p->peer = *req->peer;
        p->key = key;
        p->cap = srv->cfg.max_payload;
        p->buf = tern_srv_alloc(srv, p->cap);
        if (!p->buf) {
            tern_srv_free(srv, p, sizeof *p);
            return TERN_ENOMEM;
        }
        p->next = srv->partials;
        srv->partials = p;
        srv->n_partials++;
        pp = &srv->partials;
    }
    if (req->b1_offset != p->len || p->len + req->msg->payload_len > p->cap) {
        partial_drop(srv, pp);
        return TERN_ETOOBIG;
    }
    memcpy(p->buf + p->len, req->msg->payload, req->msg->payload_len);
    p->len += req->msg->payload_len;
    if (req->b1_more)
        return TERN_AGAIN;
    *out = p;
    return TERN_OK;
}

int tern_server_coap_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    tern_server *srv = ctx;
    const tern_coap_msg *m = req->msg;
    if (req->now > srv->now)
        srv->now = req->now;
    const tern_coap_opt *s1 = tern_coap_opt_get(m, TERN_COAP_OPT_URI_PATH);
    const tern_coap_opt *s2 = s1 ? tern_coap_opt_next(m, s1) : NULL;
    const tern_coap_opt *s3 = s2 ? tern_coap_opt_next(m, s2) : NULL;
    bool rd = s1 && s1->len == 2 && memcmp(s1->val, "rd", 2) == 0;
    bool dp = s1 && s1->len == 2 && memcmp(s1->val, "dp", 2) == 0;
    tern_server_reg *known = tern_srv_find_peer(srv, req->peer);
    if (known)
        tern_srv_seen(srv, known); /* any message shows a Q client is awake (§6.5) */
    if (s3 || (!rd && !dp) || (dp && s2))
        return answer(resp, TERN_LC_NOT_FOUND);
    uint32_t key;
    tern_server_reg *r = NULL;
    if (rd && !s2) {
        if (m->code != TERN_COAP_POST)
            return answer(resp, TERN_LC_METHOD_NOT_ALLOWED);
        key = 0;
    } else if (rd) {
        uint32_t id = parse_loc(s2);
        r = id ? find_id(srv, id) : NULL;
        if (m->code != TERN_COAP_POST && m->code != TERN_COAP_DELETE)
            return answer(resp, TERN_LC_METHOD_NOT_ALLOWED);
        if (!r)
            return answer(resp, TERN_LC_NOT_FOUND); /* Table 6.7.-2: URI not found */
        if (m->code == TERN_COAP_DELETE) {
            /* De-register: 2.02; the store forgets it first. */
            if (tern_coap_opt_get(m, TERN_COAP_OPT_URI_QUERY) || m->payload_len)
                return answer(resp, TERN_LC_BAD_REQUEST);
            reg_remove(srv, r, TERN_SRV_DEREGISTERED, true);
            resp->msg.code = TERN_COAP_DELETED;
            return TERN_OK;
        }
        key = id + 2;
    } else {
        if (m->code != TERN_COAP_POST)
            return answer(resp, TERN_LC_METHOD_NOT_ALLOWED);
        key = 1;
    }
    const uint8_t *body = m->payload;
    size_t len = m->payload_len;
    tern_srv_partial *part = NULL;
    if (req->block1) {
        int rc = collect(srv, req, key, &part);
        if (rc == TERN_AGAIN)
            return TERN_OK; /* 2.31 Continue */
        if (rc < 0)
            /* Tables 6.7.-2 and -4 list no 4.13: an absurd body is a bad request */
            return answer(resp, rc == TERN_ETOOBIG ? TERN_LC_BAD_REQUEST
                                : rc == TERN_ESTATE ? TERN_LC_REQUEST_INCOMPLETE
                                                    : TERN_LC_INTERNAL_ERROR);
        body = part->buf;
        len = part->len;
    } else if (len > srv->cfg.max_payload) {
        return answer(resp, TERN_LC_BAD_REQUEST); /* absurd payload: bounded memory */
    }
    int rc;
    if (key == 0)
        rc = do_register(srv, req, body, len, resp);
    else if (key == 1)
        rc = tern_srv_handle_send(srv, req, body, len, resp);
    else
        rc = do_update(srv, r, req, body, len, resp);
    if (part) {
        tern_srv_partial **pp = NULL;
        if (partial_find(srv, req->peer, key, &pp))
            partial_drop(srv, pp);
    }
    return rc;
}

/* ---- restore ----------------------------------------------------------------------------- */
static uint32_t get_u32(const uint8_t *p)
{
    return tern_be32(p);
}

typedef struct restore_ctx {
    tern_server *srv;
    int err;
} restore_ctx;

static int restore_one(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *b, size_t n)
{
    restore_ctx *rc = ctx;
    tern_server *srv = rc->srv;
    (void)key;
    (void)key_len;
    const uint8_t *p = b, *end = b + n;
#define NEED(k)                                                                                      \
    do {                                                                                             \
        if ((size_t)(end - p) < (size_t)(k))                                                         \
            return 0; /* a damaged record is skipped, never trusted */                                 \
    } while (0)
    NEED(20);
    if (*p++ != 1)
        return 0;
    uint32_t id = get_u32(p);
    p += 4;
    uint32_t lt = get_u32(p);
    p += 4;
    uint8_t minor = *p++, binding = *p++, queue = *p++;
    int32_t ct = (int32_t)get_u32(p);
    p += 4;
    uint8_t plen = *p++;
    if (plen > TERN_COAP_PEER_MAX)
        return 0;
    NEED(plen + 1);
    tern_coap_peer peer;
    memset(&peer, 0, sizeof peer);
    peer.len = plen;
    memcpy(peer.addr, p, plen);
    p += plen;
    uint8_t elen = *p++;
    NEED(elen + 1);
    const char *ep = (const char *)p;
    p += elen;
    uint8_t slen = *p++;
    NEED(slen + 1);
    const char *sms = (const char *)p;
    p += slen;
    uint8_t alen = *p++;
    NEED(alen + 2);
    const char *alt = (const char *)p;
    p += alen;
    uint16_t nobj = (uint16_t)(p[0] << 8 | p[1]);
    p += 2;
    NEED((size_t)nobj * 6);
    if (elen == 0 || id == 0 || lt == 0 || tern_srv_find_ep(srv, ep, elen) || tern_server_find_id(srv, id))
        return 0;
    tern_server_reg *r = reg_new(srv, ep, elen, slen ? sms : NULL, slen, alen ? alt : NULL, alen, nobj);
    if (!r) {
        rc->err = TERN_ENOMEM;
        return 1;
    }
    tern_server_obj *objs = (tern_server_obj *)r->var;
    for (uint16_t i = 0; i < nobj; i++, p += 6) {
        objs[i].oid = (uint16_t)(p[0] << 8 | p[1]);
        objs[i].iid = (uint16_t)(p[2] << 8 | p[3]);
        objs[i].ver_major = p[4];
        objs[i].ver_minor = p[5];
    }
#undef NEED
    r->id = id;
    r->lifetime_s = lt;
    r->lwm2m_minor = minor;
    r->binding = binding;
    r->queue = queue != 0;
    r->ct = ct;
    r->peer = peer;
    r->registered_at = r->updated_at = r->last_rx = srv->now;
    if (heap_add(srv, r) != TERN_OK) {
        reg_free(srv, r);
        rc->err = TERN_ENOMEM;
        return 1;
    }
    srv->count++;
    link_reg(srv, r);
    maybe_grow(srv);
    tern_srv_event(srv, TERN_SRV_RESTORED, r);
    return 0;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */
int tern_server_init(tern_server *srv, const tern_server_cfg *cfg, tern_time_ms now)
{
    if (!srv || !cfg || !cfg->ep || !cfg->alloc.alloc || !cfg->alloc.free || !cfg->rng.fill)
        return TERN_EINVAL;
    memset(srv, 0, sizeof *srv);
    srv->cfg = *cfg;
    tern_server_cfg *c = &srv->cfg;
    if (!c->max_links)
        c->max_links = 512;
    if (!c->max_payload)
        c->max_payload = 16384;
    if (!c->max_queue)
        c->max_queue = 16;
    if (!c->max_body)
        c->max_body = 16384;
    if (!c->min_lifetime_s)
        c->min_lifetime_s = 1;
    if (!c->max_lifetime_s || c->max_lifetime_s > 0x7fffffffu)
        c->max_lifetime_s = 0x7fffffffu;
    if (!c->model)
        c->model = tern_registry_std();
    srv->now = now;
    srv->next_handle = 1;
    srv->next_rec = 1;
    srv->n_buckets = 256;
    if (alloc_tables(srv, srv->n_buckets, &srv->by_ep, &srv->by_id, &srv->by_peer) != TERN_OK)
        return TERN_ENOMEM;
    srv->n_req_buckets = 64;
    srv->reqs = tern_srv_alloc(srv, srv->n_req_buckets * sizeof *srv->reqs);
    if (!srv->reqs) {
        free_tables(srv);
        return TERN_ENOMEM;
    }
    memset(srv->reqs, 0, srv->n_req_buckets * sizeof *srv->reqs);
    if (c->store.ops) {
        restore_ctx rc = {srv, 0};
        (void)c->store.ops->iterate(c->store.ctx, TERN_REC_REGISTRATION, restore_one, &rc);
        if (rc.err == 0)
            rc.err = tern_srv_obs_restore(srv);
        if (rc.err < 0) {
            tern_server_deinit(srv);
            return rc.err;
        }
    }
    return TERN_OK;
}

void tern_server_deinit(tern_server *srv)
{
    if (!srv->by_ep)
        return;
    tern_srv_reqs_deinit(srv);
    for (uint32_t b = 0; b < srv->n_buckets; b++)
        for (tern_server_reg *r = srv->by_ep[b], *nx; r; r = nx) {
            nx = r->next_ep;
            tern_srv_reg_drop_requests(srv, r, TERN_ECANCELED);
            reg_free(srv, r);
        }
    while (srv->partials)
        partial_drop(srv, &srv->partials);
    tern_srv_free(srv, srv->heap, (size_t)srv->heap_cap * sizeof *srv->heap);
    tern_srv_free(srv, srv->reqs, srv->n_req_buckets * sizeof *srv->reqs);
    free_tables(srv);
    srv->heap = NULL;
    srv->reqs = NULL;
    srv->count = srv->heap_len = srv->heap_cap = 0;
}

tern_time_ms tern_server_step(tern_server *srv, tern_time_ms now)
{
    if (now > srv->now)
        srv->now = now;
    srv->in_step = true;
    while (srv->heap_len) {
        tern_server_reg *r = srv->heap[0];
        if (tern_srv_reg_deadline(srv, r) > srv->now)
            break;
        if (r->updated_at + (tern_time_ms)r->lifetime_s * 1000 <= srv->now) {
            /* Core §6.2.1: no Update within the lifetime → removed. */
            reg_remove(srv, r, TERN_SRV_EXPIRED, true);
            continue;
        }
        /* Transport §6.5: quiet for MAX_TRANSMIT_WAIT → asleep. */
        r->awake = false;
        tern_srv_heap_fix(srv, r);
        tern_srv_event(srv, TERN_SRV_SLEEPING, r);
    }
    tern_time_ms next = tern_srv_requests_step(srv, srv->now);
    srv->in_step = false;
    if (srv->heap_len) {
        tern_time_ms d = tern_srv_reg_deadline(srv, srv->heap[0]);
        if (d < next)
            next = d;
    }
    return next;
}
