/* tern — the in-memory store (tern/store.h): a chained hash table of
 * (kind, key) → blob records in allocator memory. What a database backend
 * does with one table, without durability. */
#include <string.h>

#include "tern/store.h"

typedef struct tern_store_mem_rec_ {
    struct tern_store_mem_rec_ *next;
    size_t size;
    uint32_t hash;
    uint16_t key_len;
    uint8_t kind;
    size_t blob_len;
    uint8_t data[]; /* key, then blob */
} rec;

static uint32_t hash(int kind, const uint8_t *k, size_t n)
{
    uint32_t h = 2166136261u ^ (uint32_t)kind;
    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

static rec **find(tern_store_mem *m, int kind, const uint8_t *key, size_t kl, uint32_t h)
{
    rec **pp = &m->buckets[h & (m->n_buckets - 1)];
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->hash == h && (*pp)->kind == kind && (*pp)->key_len == kl && memcmp((*pp)->data, key, kl) == 0)
            return pp;
    return pp;
}

static void grow(tern_store_mem *m)
{
    size_t nn = m->n_buckets * 2;
    rec **nb = m->alloc.alloc(m->alloc.ctx, nn * sizeof *nb);
    if (!nb)
        return;
    memset(nb, 0, nn * sizeof *nb);
    for (size_t b = 0; b < m->n_buckets; b++)
        for (rec *r = m->buckets[b], *nx; r; r = nx) {
            nx = r->next;
            r->next = nb[r->hash & (nn - 1)];
            nb[r->hash & (nn - 1)] = r;
        }
    m->alloc.free(m->alloc.ctx, m->buckets, m->n_buckets * sizeof *nb);
    m->buckets = nb;
    m->n_buckets = nn;
}

static int mem_put(void *ctx, int kind, const uint8_t *key, size_t kl, const uint8_t *blob, size_t bl)
{
    tern_store_mem *m = ctx;
    if (m->fail_puts > 0) {
        m->fail_puts--;
        return TERN_EIO;
    }
    if (kl > UINT16_MAX || kind <= 0 || kind >= TERN_REC_KIND_COUNT_)
        return TERN_EINVAL;
    size_t size = sizeof(rec) + kl + bl;
    rec *r = m->alloc.alloc(m->alloc.ctx, size);
    if (!r)
        return TERN_ENOMEM;
    uint32_t h = hash(kind, key, kl);
    r->size = size;
    r->hash = h;
    r->key_len = (uint16_t)kl;
    r->kind = (uint8_t)kind;
    r->blob_len = bl;
    memcpy(r->data, key, kl);
    if (bl)
        memcpy(r->data + kl, blob, bl);
    rec **pp = find(m, kind, key, kl, h);
    if (*pp) { /* replace */
        rec *old = *pp;
        r->next = old->next;
        *pp = r;
        m->bytes -= old->size;
        m->alloc.free(m->alloc.ctx, old, old->size);
    } else {
        r->next = NULL;
        *pp = r;
        m->count++;
    }
    m->bytes += size;
    m->puts++;
    if (m->count > m->n_buckets)
        grow(m);
    return TERN_OK;
}

static int mem_get(void *ctx, int kind, const uint8_t *key, size_t kl, uint8_t *out, size_t cap, size_t *bl)
{
    tern_store_mem *m = ctx;
    rec *r = *find(m, kind, key, kl, hash(kind, key, kl));
    if (!r)
        return TERN_ENOTFOUND;
    *bl = r->blob_len;
    if (r->blob_len > cap)
        return TERN_ENOMEM;
    if (r->blob_len)
        memcpy(out, r->data + r->key_len, r->blob_len);
    return TERN_OK;
}

static int mem_del(void *ctx, int kind, const uint8_t *key, size_t kl)
{
    tern_store_mem *m = ctx;
    rec **pp = find(m, kind, key, kl, hash(kind, key, kl));
    if (!*pp)
        return TERN_ENOTFOUND;
    rec *r = *pp;
    *pp = r->next;
    m->count--;
    m->bytes -= r->size;
    m->dels++;
    m->alloc.free(m->alloc.ctx, r, r->size);
    return TERN_OK;
}

static int mem_iterate(void *ctx, int kind, tern_store_visit fn, void *fctx)
{
    tern_store_mem *m = ctx;
    for (size_t b = 0; b < m->n_buckets; b++)
        for (rec *r = m->buckets[b]; r; r = r->next)
            if (r->kind == kind) {
                int rc = fn(fctx, r->data, r->key_len, r->data + r->key_len, r->blob_len);
                if (rc != 0)
                    return rc;
            }
    return TERN_OK;
}

static const tern_store_ops mem_ops = {mem_put, mem_get, mem_del, mem_iterate};

int tern_store_mem_init(tern_store_mem *m, const tern_alloc *alloc)
{
    if (!m || !alloc || !alloc->alloc || !alloc->free)
        return TERN_EINVAL;
    memset(m, 0, sizeof *m);
    m->alloc = *alloc;
    m->n_buckets = 64;
    m->buckets = m->alloc.alloc(m->alloc.ctx, m->n_buckets * sizeof *m->buckets);
    if (!m->buckets)
        return TERN_ENOMEM;
    memset(m->buckets, 0, m->n_buckets * sizeof *m->buckets);
    return TERN_OK;
}

void tern_store_mem_deinit(tern_store_mem *m)
{
    if (!m->buckets)
        return;
    for (size_t b = 0; b < m->n_buckets; b++)
        for (rec *r = m->buckets[b], *nx; r; r = nx) {
            nx = r->next;
            m->alloc.free(m->alloc.ctx, r, r->size);
        }
    m->alloc.free(m->alloc.ctx, m->buckets, m->n_buckets * sizeof *m->buckets);
    m->buckets = NULL;
    m->count = 0;
    m->bytes = 0;
}

tern_store tern_store_mem_as_store(tern_store_mem *m)
{
    tern_store s = {&mem_ops, m};
    return s;
}
