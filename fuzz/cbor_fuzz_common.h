/* Shared body of the CBOR-family fuzz targets (fuzz_cbor.c,
 * fuzz_lwm2m_cbor.c, fuzz_senml_cbor.c): decode arbitrary input fed in
 * random-sized chunks; when it decodes, re-encode the entries, decode that
 * again and compare (as a multiset: LwM2M CBOR regroups by object). */
#ifndef TERN_CBOR_FUZZ_COMMON_H
#define TERN_CBOR_FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "tern/codec.h"

#define FZ_MAX 128

typedef struct fz_list {
    tern_entry e[FZ_MAX];
    size_t n;
    uint8_t store[16384];
    size_t used;
    bool overflow;
} fz_list;

static fz_list fz_a, fz_b;
static uint8_t fz_scratch[8192], fz_out[16384], fz_escratch[16384];

static const uint8_t *fz_keep(fz_list *l, const uint8_t *p, size_t n)
{
    if (n > sizeof l->store - l->used) {
        l->overflow = true;
        return NULL;
    }
    uint8_t *q = l->store + l->used;
    if (n)
        memcpy(q, p, n);
    l->used += n;
    return q;
}

static tern_type fz_types(void *ctx, const tern_path *p)
{
    const fz_list *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (l->e[i].kind == TERN_ENTRY_VALUE && tern_path_eq(&l->e[i].path, p))
            return l->e[i].value.type;
    return TERN_TYPE_NONE;
}

/* 0 ok, < 0 decode error */
static int fz_decode(int32_t cf, const tern_path *rp, const uint8_t *data, size_t len, uint32_t seed, fz_list *l,
                     tern_type_fn tf, void *tctx)
{
    tern_decoder d;
    tern_xrng x;
    tern_xrng_seed(&x, seed);
    l->n = 0;
    l->used = 0;
    l->overflow = false;
    if (tern_decoder_init(&d, cf, rp, tf, tctx, fz_scratch, sizeof fz_scratch))
        return -1;
    size_t off = 0;
    for (;;) {
        size_t c = 1 + tern_xrng_next(&x) % 64;
        if (c > len - off)
            c = len - off;
        int rc = tern_decoder_feed(&d, data + off, c, off + c == len);
        if (rc)
            return -1;
        off += c;
        tern_entry e;
        while ((rc = tern_decoder_next(&d, &e)) == TERN_OK) {
            if (l->n == FZ_MAX) {
                l->overflow = true;
                continue;
            }
            if (e.prefix.len)
                e.prefix.ptr = fz_keep(l, e.prefix.ptr, e.prefix.len);
            if (e.kind == TERN_ENTRY_VALUE &&
                (e.value.type == TERN_TYPE_STRING || e.value.type == TERN_TYPE_OPAQUE ||
                 e.value.type == TERN_TYPE_CORELNK))
                e.value.v.bytes.ptr = fz_keep(l, e.value.v.bytes.ptr, e.value.v.bytes.len);
            l->e[l->n++] = e;
        }
        if (rc == TERN_DONE)
            return 0;
        if (rc < 0) {
            if (!d.err_reason || d.err_offset > len)
                abort(); /* every error has a reason and an offset inside the input */
            return -1;
        }
        if (off == len)
            abort(); /* AGAIN after the last chunk must have become an error */
    }
}

static bool fz_val_eq(const tern_entry *a, const tern_entry *b)
{
    if (a->kind != b->kind || !tern_path_eq(&a->path, &b->path) || a->prefix.len != b->prefix.len ||
        (a->prefix.len && memcmp(a->prefix.ptr, b->prefix.ptr, a->prefix.len)) ||
        (a->has_time ? a->time : 0.0) != (b->has_time ? b->time : 0.0)) /* SenML: time 0 = no time */
        return false;
    if (a->kind != TERN_ENTRY_VALUE)
        return true;
    const tern_value *x = &a->value, *y = &b->value;
    if (x->type != y->type)
        return false;
    switch (x->type) {
    case TERN_TYPE_STRING:
    case TERN_TYPE_OPAQUE:
    case TERN_TYPE_CORELNK:
        return x->v.bytes.len == y->v.bytes.len &&
               (!x->v.bytes.len || !memcmp(x->v.bytes.ptr, y->v.bytes.ptr, x->v.bytes.len));
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME: return x->v.i == y->v.i;
    case TERN_TYPE_UNSIGNED: return x->v.u == y->v.u;
    case TERN_TYPE_FLOAT: return x->v.f == y->v.f || (x->v.f != x->v.f && y->v.f != y->v.f);
    case TERN_TYPE_BOOLEAN: return x->v.b == y->v.b;
    case TERN_TYPE_OBJLNK: return x->v.lnk.oid == y->v.lnk.oid && x->v.lnk.iid == y->v.lnk.iid;
    default: return true;
    }
}

static int fz_run(int32_t cf, const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    /* byte 0: request path level and chunk seed */
    tern_path rp = tern_path_root();
    static const uint16_t ids[4] = {3, 0, 6, 1};
    rp.len = (uint8_t)(data[0] % 5);
    memcpy(rp.ids, ids, sizeof ids);
    uint32_t seed = data[0];
    data++, size--;
    if (fz_decode(cf, &rp, data, size, seed, &fz_a, NULL, NULL) < 0 || fz_a.overflow)
        return 0;
    tern_encoder en;
    if (tern_encoder_init(&en, cf, &rp, fz_escratch, sizeof fz_escratch))
        return 0;
    tern_wbuf w = tern_wbuf_make(fz_out, sizeof fz_out);
    for (size_t i = 0; i < fz_a.n; i++)
        if (tern_encoder_add(&en, &fz_a.e[i], &w))
            return 0; /* not every decodable document is encodable (e.g. ids, kinds) */
    if (tern_encoder_finish(&en, &w) != TERN_OK)
        return 0; /* larger than fz_out */
    /* the type function knows paths, not gateway prefixes: skip documents
     * where one path has different types on different devices */
    for (size_t i = 0; i < fz_a.n; i++)
        for (size_t j = i + 1; j < fz_a.n; j++)
            if (fz_a.e[i].prefix.len + fz_a.e[j].prefix.len && tern_path_eq(&fz_a.e[i].path, &fz_a.e[j].path) &&
                fz_a.e[i].value.type != fz_a.e[j].value.type)
                return 0;
    /* SenML repeats paths (time series) and says its types itself; the
     * others get the first decode's types (Time and Objlnk need a model) */
    bool senml = cf == TERN_CF_SENML_CBOR || cf == TERN_CF_SENML_ETCH_CBOR;
    if (fz_decode(cf, &rp, fz_out, w.len, seed + 1, &fz_b, senml ? NULL : fz_types, &fz_a) < 0)
        abort(); /* what we wrote must decode */
    if (fz_b.n != fz_a.n)
        abort();
    bool used[FZ_MAX] = {false};
    for (size_t i = 0; i < fz_a.n; i++) {
        size_t j = 0;
        while (j < fz_b.n && (used[j] || !fz_val_eq(&fz_a.e[i], &fz_b.e[j])))
            j++;
        if (j == fz_b.n)
            abort();
        used[j] = true;
    }
    return 0;
}

#endif
