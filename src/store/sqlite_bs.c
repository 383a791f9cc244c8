/* tern — SQLite store, Bootstrap-Server side: configurations serialised as
 * TERN_REC_BOOTSTRAP_CFG records (the tern_bs_store interface decodes one
 * into a single allocated block per lookup) and session records appended
 * to the bs_sessions table.
 *
 * Configuration blob, big-endian, version 1:
 *   u8 1 | u8 flags (bit 0 no_default_delete) | i32 content_format |
 *   str endpoint | str lwm2m_version | u32 n_steps | u32 n_acl_entries |
 *   u32 n_write_entries | step...
 *   str   = u32 length (0xffffffff: NULL) + bytes;  bytes = u32 length + bytes
 *   step  = u8 kind | path (u8 len, 4 × u16) | body by kind:
 *     SECURITY  u16 iid, str uri, u8 bs, u8 mode, bytes identity, bytes
 *               server_key, bytes secret_key, i32 ssid, i64 hold_off,
 *               i64 bs_timeout, str sni, i32 cert_usage
 *     SERVER    u16 iid, u16 ssid, u32 lifetime, i64 pmin, i64 pmax,
 *               i64 disable_timeout, u8 notif_storing, str binding
 *     ACL       u16 iid, u16 oid, u16 oiid, u16 owner, u32 n, n × (u16 ssid, u16 rights)
 *     WRITE     u32 n, n × entry
 *     others    nothing
 *   entry = u8 kind | path | u8 type | value by type | u8 has_time |
 *           f64 time (IEEE bits) | bytes prefix | u32 offset | u32 total | u8 more
 * The counts in the header bound the decoded size before anything is
 * allocated; a blob that disagrees with them is refused as malformed. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_internal.h"

/* ---- writer -------------------------------------------------------------------------- */
typedef struct wr {
    uint8_t *p;
    size_t cap, len;
    bool full;
} wr;

static void w_raw(wr *w, const void *d, size_t n)
{
    if (w->full || w->cap - w->len < n) {
        w->full = true;
        return;
    }
    if (n)
        memcpy(w->p + w->len, d, n);
    w->len += n;
}
static void w_u8(wr *w, uint8_t v)
{
    w_raw(w, &v, 1);
}
static void w_u16(wr *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    w_raw(w, b, 2);
}
static void w_u32(wr *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    w_raw(w, b, 4);
}
static void w_u64(wr *w, uint64_t v)
{
    w_u32(w, (uint32_t)(v >> 32));
    w_u32(w, (uint32_t)v);
}
static void w_bytes(wr *w, const void *p, size_t n)
{
    if (n > 0xfffffffeu) {
        w->full = true;
        return;
    }
    w_u32(w, (uint32_t)n);
    w_raw(w, p, n);
}
static void w_str(wr *w, const char *s)
{
    if (!s)
        w_u32(w, 0xffffffffu);
    else
        w_bytes(w, s, strlen(s));
}
static void w_path(wr *w, const tern_path *p)
{
    w_u8(w, p->len);
    for (int i = 0; i < 4; i++)
        w_u16(w, p->ids[i]);
}
static void w_f64(wr *w, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    w_u64(w, u);
}

static int w_value(wr *w, const tern_value *v)
{
    w_u8(w, (uint8_t)v->type);
    switch (v->type) {
    case TERN_TYPE_NONE:
        break;
    case TERN_TYPE_STRING:
    case TERN_TYPE_OPAQUE:
    case TERN_TYPE_CORELNK:
        w_bytes(w, v->v.bytes.ptr, v->v.bytes.len);
        break;
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
        w_u64(w, (uint64_t)v->v.i);
        break;
    case TERN_TYPE_UNSIGNED:
        w_u64(w, v->v.u);
        break;
    case TERN_TYPE_FLOAT:
        w_f64(w, v->v.f);
        break;
    case TERN_TYPE_BOOLEAN:
        w_u8(w, v->v.b ? 1 : 0);
        break;
    case TERN_TYPE_OBJLNK:
        w_u16(w, v->v.lnk.oid);
        w_u16(w, v->v.lnk.iid);
        break;
    default:
        return TERN_EINVAL;
    }
    return TERN_OK;
}

int tern_store_sqlite_bs_encode(const tern_bs_config *c, uint8_t *out, size_t cap)
{
    if (!c || !c->endpoint || (c->n_steps && !c->steps) || c->n_steps > 0xffffu)
        return TERN_EINVAL;
    uint64_t n_acl = 0, n_went = 0;
    for (size_t i = 0; i < c->n_steps; i++) {
        const tern_bs_item *it = &c->steps[i];
        if ((it->kind == TERN_BS_ITEM_SECURITY && (!it->u.security || !it->u.security->uri)) ||
            (it->kind == TERN_BS_ITEM_SERVER && !it->u.server) || (it->kind == TERN_BS_ITEM_ACL && !it->u.acl) ||
            (it->kind == TERN_BS_ITEM_WRITE && it->u.write.n && !it->u.write.entries) ||
            it->kind < TERN_BS_ITEM_DISCOVER || it->kind > TERN_BS_ITEM_WRITE)
            return TERN_EINVAL;
        if (it->kind == TERN_BS_ITEM_ACL)
            n_acl += it->u.acl->n_entries;
        if (it->kind == TERN_BS_ITEM_WRITE)
            n_went += it->u.write.n;
    }
    if (n_acl > 0xffffffu || n_went > 0xffffffu)
        return TERN_ETOOBIG;
    wr w = {out, out ? cap : 0, 0, false};
    w_u8(&w, 1);
    w_u8(&w, c->no_default_delete ? 1 : 0);
    w_u32(&w, (uint32_t)c->content_format);
    w_str(&w, c->endpoint);
    w_str(&w, c->lwm2m_version);
    w_u32(&w, (uint32_t)c->n_steps);
    w_u32(&w, (uint32_t)n_acl);
    w_u32(&w, (uint32_t)n_went);
    for (size_t i = 0; i < c->n_steps; i++) {
        const tern_bs_item *it = &c->steps[i];
        w_u8(&w, it->kind);
        w_path(&w, &it->path);
        if (it->kind == TERN_BS_ITEM_SECURITY) {
            const tern_bs_security *x = it->u.security;
            w_u16(&w, x->iid);
            w_str(&w, x->uri);
            w_u8(&w, x->bootstrap_server ? 1 : 0);
            w_u8(&w, x->mode);
            w_bytes(&w, x->identity.ptr, x->identity.len);
            w_bytes(&w, x->server_key.ptr, x->server_key.len);
            w_bytes(&w, x->secret_key.ptr, x->secret_key.len);
            w_u32(&w, (uint32_t)x->ssid);
            w_u64(&w, (uint64_t)x->hold_off);
            w_u64(&w, (uint64_t)x->bs_timeout);
            w_str(&w, x->sni);
            w_u32(&w, (uint32_t)x->cert_usage);
        } else if (it->kind == TERN_BS_ITEM_SERVER) {
            const tern_bs_server *x = it->u.server;
            w_u16(&w, x->iid);
            w_u16(&w, x->ssid);
            w_u32(&w, x->lifetime);
            w_u64(&w, (uint64_t)x->pmin);
            w_u64(&w, (uint64_t)x->pmax);
            w_u64(&w, (uint64_t)x->disable_timeout);
            w_u8(&w, x->notif_storing ? 1 : 0);
            w_str(&w, x->binding);
        } else if (it->kind == TERN_BS_ITEM_ACL) {
            const tern_bs_acl *x = it->u.acl;
            if (x->n_entries && !x->entries)
                return TERN_EINVAL;
            w_u16(&w, x->iid);
            w_u16(&w, x->oid);
            w_u16(&w, x->oiid);
            w_u16(&w, x->owner);
            w_u32(&w, (uint32_t)x->n_entries);
            for (size_t k = 0; k < x->n_entries; k++) {
                w_u16(&w, x->entries[k].ssid);
                w_u16(&w, x->entries[k].rights);
            }
        } else if (it->kind == TERN_BS_ITEM_WRITE) {
            w_u32(&w, (uint32_t)it->u.write.n);
            for (size_t k = 0; k < it->u.write.n; k++) {
                const tern_entry *e = &it->u.write.entries[k];
                w_u8(&w, e->kind);
                w_path(&w, &e->path);
                if (w_value(&w, &e->value) != TERN_OK)
                    return TERN_EINVAL;
                w_u8(&w, e->has_time ? 1 : 0);
                w_f64(&w, e->time);
                w_bytes(&w, e->prefix.ptr, e->prefix.len);
                w_u32(&w, e->offset);
                w_u32(&w, e->total);
                w_u8(&w, e->more ? 1 : 0);
            }
        }
    }
    if (w.full)
        return TERN_ENOMEM;
    if (w.len > INT32_MAX)
        return TERN_ETOOBIG;
    return (int)w.len;
}

/* ---- reader ------------------------------------------------------------------------------ */
typedef struct rd {
    const uint8_t *p, *end;
    bool bad;
    tern_arena *a;
} rd;

static bool r_need(rd *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return false;
    }
    return true;
}
static uint8_t r_u8(rd *r)
{
    return r_need(r, 1) ? *r->p++ : 0;
}
static uint16_t r_u16(rd *r)
{
    if (!r_need(r, 2))
        return 0;
    uint16_t v = tern_be16(r->p);
    r->p += 2;
    return v;
}
static uint32_t r_u32(rd *r)
{
    if (!r_need(r, 4))
        return 0;
    uint32_t v = tern_be32(r->p);
    r->p += 4;
    return v;
}
static uint64_t r_u64(rd *r)
{
    uint64_t hi = r_u32(r);
    return hi << 32 | r_u32(r);
}
static double r_f64(rd *r)
{
    uint64_t u = r_u64(r);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}
static void *r_alloc(rd *r, size_t n, size_t align)
{
    if (r->bad)
        return NULL;
    void *p = tern_arena_alloc(r->a, n ? n : 1, align);
    if (!p)
        r->bad = true;
    return p;
}
static tern_bytes r_bytes(rd *r)
{
    tern_bytes b = {NULL, 0};
    uint32_t n = r_u32(r);
    if (!r_need(r, n) || n == 0)
        return b;
    uint8_t *d = r_alloc(r, n, 1);
    if (!d)
        return b;
    memcpy(d, r->p, n);
    r->p += n;
    b.ptr = d;
    b.len = n;
    return b;
}
static const char *r_str(rd *r)
{
    uint32_t n = r_u32(r);
    if (n == 0xffffffffu || !r_need(r, n))
        return NULL;
    char *d = r_alloc(r, (size_t)n + 1, 1);
    if (!d)
        return NULL;
    memcpy(d, r->p, n);
    d[n] = 0;
    if (memchr(d, 0, n))
        r->bad = true; /* a NUL inside a name is never written */
    r->p += n;
    return d;
}
static tern_path r_path(rd *r)
{
    tern_path p;
    p.len = r_u8(r);
    for (int i = 0; i < 4; i++)
        p.ids[i] = r_u16(r);
    if (p.len > 4)
        r->bad = true;
    return p;
}
static tern_value r_value(rd *r)
{
    tern_value v;
    memset(&v, 0, sizeof v);
    v.type = (tern_type)r_u8(r);
    switch (v.type) {
    case TERN_TYPE_NONE:
        break;
    case TERN_TYPE_STRING:
    case TERN_TYPE_OPAQUE:
    case TERN_TYPE_CORELNK:
        v.v.bytes = r_bytes(r);
        break;
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
        v.v.i = (int64_t)r_u64(r);
        break;
    case TERN_TYPE_UNSIGNED:
        v.v.u = r_u64(r);
        break;
    case TERN_TYPE_FLOAT:
        v.v.f = r_f64(r);
        break;
    case TERN_TYPE_BOOLEAN:
        v.v.b = r_u8(r) != 0;
        break;
    case TERN_TYPE_OBJLNK:
        v.v.lnk.oid = r_u16(r);
        v.v.lnk.iid = r_u16(r);
        break;
    default:
        r->bad = true;
    }
    return v;
}

/* What a lookup hands out: the block's size is kept in front of it. */
typedef struct bs_block {
    size_t size;
    tern_bs_config cfg;
} bs_block;

static void *bs_alloc(tern_store_sqlite *s, size_t n)
{
    return s->cfg.alloc.alloc ? s->cfg.alloc.alloc(s->cfg.alloc.ctx, n) : malloc(n);
}
static void bs_free(tern_store_sqlite *s, void *p, size_t n)
{
    if (s->cfg.alloc.alloc)
        s->cfg.alloc.free(s->cfg.alloc.ctx, p, n);
    else
        free(p);
}

static size_t max3(size_t a, size_t b, size_t c)
{
    return TERN_MAX(a, TERN_MAX(b, c));
}

static int bs_decode(tern_store_sqlite *s, const uint8_t *b, size_t n, bs_block **out)
{
    if (!b || n == 0)
        return TERN_EMALFORMED;
    rd r = {b, b + n, false, NULL};
    if (r_u8(&r) != 1)
        return TERN_EMALFORMED;
    if (!r_need(&r, 5))
        return TERN_EMALFORMED;
    r.p += 1 + 4; /* flags, content format: read again below */
    uint32_t l1 = r_u32(&r);
    if (l1 != 0xffffffffu && r_need(&r, l1))
        r.p += l1;
    uint32_t l2 = r_u32(&r);
    if (l2 != 0xffffffffu && r_need(&r, l2))
        r.p += l2;
    uint64_t n_steps = r_u32(&r), n_acl = r_u32(&r), n_went = r_u32(&r);
    if (r.bad || n_steps * 10 + n_acl * 4 + n_went * 33 > n)
        return TERN_EMALFORMED;
    size_t size = sizeof(bs_block) + 16 + n_steps * (sizeof(tern_bs_item) + 16) +
                  n_steps * (max3(sizeof(tern_bs_security), sizeof(tern_bs_server), sizeof(tern_bs_acl)) + 16) +
                  n_acl * sizeof(tern_bs_acl_entry) + n_went * sizeof(tern_entry) + n + 16;
    bs_block *blk = bs_alloc(s, size);
    if (!blk)
        return TERN_ENOMEM;
    tern_arena a;
    tern_arena_init(&a, blk, size);
    (void)tern_arena_alloc(&a, sizeof(bs_block), 8);
    memset(blk, 0, sizeof *blk);
    blk->size = size;
    tern_bs_config *c = &blk->cfg;
    r = (rd){b + 1, b + n, false, &a};
    c->no_default_delete = (r_u8(&r) & 1) != 0;
    c->content_format = (int32_t)r_u32(&r);
    c->endpoint = r_str(&r);
    c->lwm2m_version = r_str(&r);
    r.p += 12;
    tern_bs_item *steps = r_alloc(&r, (size_t)n_steps * sizeof *steps, 8);
    c->steps = steps;
    c->n_steps = (size_t)n_steps;
    uint64_t seen_acl = 0, seen_went = 0;
    for (size_t i = 0; i < n_steps && !r.bad; i++) {
        tern_bs_item *it = &steps[i];
        memset(it, 0, sizeof *it);
        it->kind = r_u8(&r);
        it->path = r_path(&r);
        if (it->kind == TERN_BS_ITEM_SECURITY) {
            tern_bs_security *x = r_alloc(&r, sizeof *x, 8);
            if (!x)
                break;
            x->iid = r_u16(&r);
            x->uri = r_str(&r);
            x->bootstrap_server = r_u8(&r) != 0;
            x->mode = r_u8(&r);
            x->identity = r_bytes(&r);
            x->server_key = r_bytes(&r);
            x->secret_key = r_bytes(&r);
            x->ssid = (int32_t)r_u32(&r);
            x->hold_off = (int64_t)r_u64(&r);
            x->bs_timeout = (int64_t)r_u64(&r);
            x->sni = r_str(&r);
            x->cert_usage = (int32_t)r_u32(&r);
            if (!x->uri)
                r.bad = true;
            it->u.security = x;
        } else if (it->kind == TERN_BS_ITEM_SERVER) {
            tern_bs_server *x = r_alloc(&r, sizeof *x, 8);
            if (!x)
                break;
            x->iid = r_u16(&r);
            x->ssid = r_u16(&r);
            x->lifetime = r_u32(&r);
            x->pmin = (int64_t)r_u64(&r);
            x->pmax = (int64_t)r_u64(&r);
            x->disable_timeout = (int64_t)r_u64(&r);
            x->notif_storing = r_u8(&r) != 0;
            x->binding = r_str(&r);
            it->u.server = x;
        } else if (it->kind == TERN_BS_ITEM_ACL) {
            tern_bs_acl *x = r_alloc(&r, sizeof *x, 8);
            if (!x)
                break;
            x->iid = r_u16(&r);
            x->oid = r_u16(&r);
            x->oiid = r_u16(&r);
            x->owner = r_u16(&r);
            uint32_t k = r_u32(&r);
            seen_acl += k;
            if (seen_acl > n_acl) {
                r.bad = true;
                break;
            }
            tern_bs_acl_entry *e = r_alloc(&r, (size_t)k * sizeof *e, 8);
            for (uint32_t j = 0; e && j < k; j++) {
                e[j].ssid = r_u16(&r);
                e[j].rights = r_u16(&r);
            }
            x->entries = e;
            x->n_entries = k;
            it->u.acl = x;
        } else if (it->kind == TERN_BS_ITEM_WRITE) {
            uint32_t k = r_u32(&r);
            seen_went += k;
            if (seen_went > n_went) {
                r.bad = true;
                break;
            }
            tern_entry *e = r_alloc(&r, (size_t)k * sizeof *e, 8);
            for (uint32_t j = 0; e && j < k && !r.bad; j++) {
                memset(&e[j], 0, sizeof e[j]);
                e[j].kind = r_u8(&r);
                e[j].path = r_path(&r);
                e[j].value = r_value(&r);
                e[j].has_time = r_u8(&r) != 0;
                e[j].time = r_f64(&r);
                e[j].prefix = r_bytes(&r);
                e[j].offset = r_u32(&r);
                e[j].total = r_u32(&r);
                e[j].more = r_u8(&r) != 0;
            }
            it->u.write.entries = e;
            it->u.write.n = k;
        } else if (it->kind < TERN_BS_ITEM_DISCOVER || it->kind > TERN_BS_ITEM_WRITE) {
            r.bad = true;
        }
    }
    if (r.bad || r.p != r.end || !c->endpoint || seen_acl != n_acl || seen_went != n_went) {
        bs_free(s, blk, size);
        return TERN_EMALFORMED;
    }
    *out = blk;
    return TERN_OK;
}

/* ---- configurations ---------------------------------------------------------------------- */
int tern_store_sqlite_bs_put(tern_store_sqlite *s, const tern_bs_config *c)
{
    if (!s || !c || !c->endpoint)
        return TERN_EINVAL;
    int n = tern_store_sqlite_bs_encode(c, NULL, 0);
    if (n != TERN_ENOMEM && n < 0)
        return tern_sql_fail_msg(s, n, "bootstrap configuration: invalid content");
    size_t cap = 256; /* grown until the encoding fits */
    for (;;) {
        uint8_t *buf = malloc(cap);
        if (!buf)
            return tern_sql_fail_msg(s, TERN_ENOMEM, "bootstrap configuration: out of memory");
        n = tern_store_sqlite_bs_encode(c, buf, cap);
        if (n == TERN_ENOMEM && cap < ((size_t)1 << 30)) {
            free(buf);
            cap *= 4;
            continue;
        }
        int err = n < 0 ? tern_sql_fail_msg(s, n, "bootstrap configuration: cannot encode")
                        : tern_store_sqlite_as_store(s).ops->put(s, TERN_REC_BOOTSTRAP_CFG, (const uint8_t *)c->endpoint,
                                                                 strlen(c->endpoint), buf, (size_t)n);
        /* The blob holds secrets: wipe the copy before freeing it. */
        if (n > 0) {
            volatile uint8_t *v = buf;
            for (size_t i = 0; i < (size_t)n; i++)
                v[i] = 0;
        }
        free(buf);
        return err;
    }
}

int tern_store_sqlite_bs_del(tern_store_sqlite *s, const char *endpoint)
{
    if (!s || !endpoint)
        return TERN_EINVAL;
    return tern_store_sqlite_as_store(s).ops->del(s, TERN_REC_BOOTSTRAP_CFG, (const uint8_t *)endpoint,
                                                  strlen(endpoint));
}

static int bs_lookup(void *ctx, const char *ep, size_t len, const tern_coap_peer *peer, const tern_bs_config **out)
{
    (void)peer;
    tern_store_sqlite *s = ctx;
    if (!s->db_)
        return tern_sql_fail_msg(s, TERN_ESTATE, "bootstrap lookup: store not open");
    sqlite3_stmt *st = s->stmt_[TERN_SQL_GET];
    int rc = sqlite3_bind_int(st, 1, TERN_REC_BOOTSTRAP_CFG);
    if (rc == SQLITE_OK)
        rc = tern_sql_bind_blob(st, 2, ep, len);
    int err = TERN_OK;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        bs_block *blk = NULL;
        err = bs_decode(s, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &blk);
        if (err == TERN_OK)
            *out = &blk->cfg;
        else
            (void)tern_sql_fail_msg(s, err, "bootstrap lookup: damaged configuration record");
        s->gets++;
    } else if (rc == SQLITE_DONE) {
        err = TERN_ENOTFOUND;
    } else {
        err = tern_sql_fail(s, rc, "bootstrap lookup");
    }
    sqlite3_reset(st);
    return err;
}

static void bs_release(void *ctx, const tern_bs_config *cfg)
{
    tern_store_sqlite *s = ctx;
    if (!cfg)
        return;
    bs_block *blk = (bs_block *)(void *)((uint8_t *)(uintptr_t)cfg - offsetof(bs_block, cfg));
    size_t size = blk->size;
    volatile uint8_t *v = (volatile uint8_t *)blk; /* keys inside */
    for (size_t i = 0; i < size; i++)
        v[i] = 0;
    bs_free(s, blk, size);
}

tern_bs_store tern_store_sqlite_bs_iface(tern_store_sqlite *s)
{
    tern_bs_store b = {bs_lookup, bs_release, s};
    return b;
}

/* ---- session records ----------------------------------------------------------------------- */
#define STEP_REC_LEN 23 /* u8 op, path (9), u8 code, i32 err, i64 at */

static int64_t wall_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tern_store_sqlite_bs_append(tern_store_sqlite *s, const tern_bs_record *rec)
{
    if (!s || !rec)
        return TERN_EINVAL;
    if (!s->db_)
        return tern_sql_fail_msg(s, TERN_ESTATE, "bootstrap record: store not open");
    uint8_t steps[TERN_BS_MAX_STEP_RECORDS * STEP_REC_LEN];
    wr w = {steps, sizeof steps, 0, false};
    size_t ns = rec->steps ? TERN_MIN(rec->n_steps, (size_t)TERN_BS_MAX_STEP_RECORDS) : 0;
    for (size_t i = 0; i < ns; i++) {
        const tern_bs_step_record *x = &rec->steps[i];
        w_u8(&w, x->op);
        w_path(&w, &x->path);
        w_u8(&w, x->coap_code);
        w_u32(&w, (uint32_t)x->err);
        w_u64(&w, (uint64_t)x->at);
    }
    sqlite3_stmt *st = s->stmt_[TERN_SQL_BS_APPEND];
    const char *ep = rec->endpoint ? rec->endpoint : "";
    int rc = sqlite3_bind_int64(st, 1, wall_ms());
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, ep, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = rec->peer ? tern_sql_bind_blob(st, 3, rec->peer->addr, TERN_MIN(rec->peer->len, TERN_COAP_PEER_MAX))
                       : sqlite3_bind_null(st, 3);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 4, rec->kind);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 5, rec->start);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 6, rec->end);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 7, rec->success ? 1 : 0);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 8, rec->err);
    if (rc == SQLITE_OK)
        rc = rec->reason ? sqlite3_bind_text(st, 9, rec->reason, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 9);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 10, rec->content_format);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 11, (sqlite3_int64)rec->n_steps_total);
    if (rc == SQLITE_OK)
        rc = tern_sql_bind_blob(st, 12, steps, w.len);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = rc == SQLITE_DONE ? TERN_OK : tern_sql_fail(s, rc, "bootstrap record");
    sqlite3_reset(st);
    if (err == TERN_OK)
        s->bs_records++;
    return err;
}

void tern_store_sqlite_bs_on_record(void *ctx, const tern_bs_record *rec)
{
    (void)tern_store_sqlite_bs_append(ctx, rec);
}

int tern_store_sqlite_bs_records(tern_store_sqlite *s, int64_t after_seq, size_t limit,
                                 tern_store_sqlite_bs_visit fn, void *ctx)
{
    if (!s || !fn)
        return TERN_EINVAL;
    if (!s->db_)
        return tern_sql_fail_msg(s, TERN_ESTATE, "bootstrap records: store not open");
    sqlite3_stmt *st = s->stmt_[TERN_SQL_BS_LIST];
    bool own = false;
    if (sqlite3_stmt_busy(st)) {
        int rc = sqlite3_prepare_v2(s->db_, sqlite3_sql(s->stmt_[TERN_SQL_BS_LIST]), -1, &st, NULL);
        if (rc != SQLITE_OK)
            return tern_sql_fail(s, rc, "bootstrap records");
        own = true;
    }
    int rc = sqlite3_bind_int64(st, 1, after_seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)TERN_MIN(limit, (size_t)INT64_MAX) : -1);
    int ret = rc == SQLITE_OK ? TERN_OK : tern_sql_fail(s, rc, "bootstrap records");
    while (ret == TERN_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            ret = tern_sql_fail(s, rc, "bootstrap records");
            break;
        }
        tern_bs_record rec;
        memset(&rec, 0, sizeof rec);
        tern_coap_peer peer;
        memset(&peer, 0, sizeof peer);
        tern_bs_step_record steps[TERN_BS_MAX_STEP_RECORDS];
        int64_t seq = sqlite3_column_int64(st, 0), wall = sqlite3_column_int64(st, 1);
        const unsigned char *ep = sqlite3_column_text(st, 2);
        rec.endpoint = ep ? (const char *)ep : "";
        if (sqlite3_column_type(st, 3) == SQLITE_BLOB) {
            size_t pl = (size_t)sqlite3_column_bytes(st, 3);
            peer.len = (uint8_t)TERN_MIN(pl, (size_t)TERN_COAP_PEER_MAX);
            memcpy(peer.addr, sqlite3_column_blob(st, 3), peer.len);
            rec.peer = &peer;
        }
        rec.kind = (uint8_t)sqlite3_column_int(st, 4);
        rec.start = sqlite3_column_int64(st, 5);
        rec.end = sqlite3_column_int64(st, 6);
        rec.success = sqlite3_column_int(st, 7) != 0;
        rec.err = sqlite3_column_int(st, 8);
        rec.reason = (const char *)sqlite3_column_text(st, 9);
        rec.content_format = sqlite3_column_int(st, 10);
        rec.n_steps_total = (size_t)sqlite3_column_int64(st, 11);
        const uint8_t *sb = sqlite3_column_blob(st, 12);
        size_t sl = (size_t)sqlite3_column_bytes(st, 12);
        static const uint8_t none[1] = {0};
        if (!sb)
            sb = none, sl = 0;
        rd r = {sb, sb + sl, false, NULL};
        size_t ns = 0;
        while (r.p < r.end && ns < TERN_BS_MAX_STEP_RECORDS) {
            tern_bs_step_record *x = &steps[ns];
            x->op = r_u8(&r);
            x->path = r_path(&r);
            x->coap_code = r_u8(&r);
            x->err = (int)(int32_t)r_u32(&r);
            x->at = (int64_t)r_u64(&r);
            if (r.bad)
                break;
            ns++;
        }
        rec.steps = steps;
        rec.n_steps = ns;
        ret = fn(ctx, seq, wall, &rec);
    }
    if (own)
        sqlite3_finalize(st);
    else
        sqlite3_reset(st);
    return ret;
}
