/* Shared body of fuzz_senml_json.c and fuzz_oma_json.c: decode arbitrary
 * input fed in input-chosen chunk sizes with a small model; when decoding
 * succeeds, re-encode the entries, decode again and compare. */
#ifndef TERN_FUZZ_JSON_ROUNDTRIP_H
#define TERN_FUZZ_JSON_ROUNDTRIP_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tern/codec.h"

#define FZ_MAX 64

typedef struct fz_entry {
    tern_entry e;
    uint8_t data[96];
    uint8_t prefix[48];
} fz_entry;

/* resource id picks the type; object 1000 is unknown to the model */
static tern_type fz_type(void *ctx, const tern_path *p)
{
    (void)ctx;
    if (p->len < 3 || p->ids[0] == 1000)
        return TERN_TYPE_NONE;
    static const tern_type t[] = {TERN_TYPE_STRING, TERN_TYPE_INTEGER, TERN_TYPE_UNSIGNED, TERN_TYPE_FLOAT,
                                  TERN_TYPE_BOOLEAN, TERN_TYPE_OPAQUE, TERN_TYPE_TIME,    TERN_TYPE_OBJLNK,
                                  TERN_TYPE_CORELNK};
    return t[p->ids[2] % 9];
}

/* Decodes data with chunk sizes from `seed`; returns entry count, or -1 on
 * a decode error. Values are copied (views die at the next call). */
static int fz_decode(int32_t cf, const uint8_t *data, size_t len, uint32_t seed, fz_entry *out, size_t max)
{
    static uint8_t scratch[4096];
    tern_decoder d;
    tern_path root = tern_path_root();
    tern_decoder_init(&d, cf, &root, fz_type, NULL, scratch, sizeof scratch);
    size_t pos = 0;
    int n = 0;
    for (;;) {
        size_t chunk = 1 + (seed % 17);
        seed = seed * 1103515245u + 12345u;
        if (chunk > len - pos)
            chunk = len - pos;
        int rc = tern_decoder_feed(&d, data + pos, chunk, pos + chunk == len);
        if (rc < 0)
            return -1;
        pos += chunk;
        tern_entry e;
        while ((rc = tern_decoder_next(&d, &e)) == TERN_OK) {
            if ((size_t)n >= max)
                return -1;
            fz_entry *f = &out[n++];
            f->e = e;
            if (e.value.type == TERN_TYPE_STRING || e.value.type == TERN_TYPE_OPAQUE ||
                e.value.type == TERN_TYPE_CORELNK) {
                if (e.value.v.bytes.len > sizeof f->data)
                    return -1;
                if (e.value.v.bytes.len)
                    memcpy(f->data, e.value.v.bytes.ptr, e.value.v.bytes.len);
                f->e.value.v.bytes.ptr = f->data;
            }
            if (e.prefix.len > sizeof f->prefix)
                return -1;
            if (e.prefix.len)
                memcpy(f->prefix, e.prefix.ptr, e.prefix.len);
            f->e.prefix.ptr = f->prefix;
        }
        if (rc == TERN_DONE)
            return n;
        if (rc < 0) {
            if (d.err_offset > len || !d.err_reason)
                abort(); /* offsets stay inside the document, reasons are set */
            return -1;
        }
        if (pos == len)
            abort(); /* TERN_AGAIN after the last chunk */
    }
}

static bool fz_same(const tern_entry *a, const tern_entry *b)
{
    if (a->kind != b->kind || !tern_path_eq(&a->path, &b->path) || a->has_time != b->has_time)
        return false;
    if (a->has_time && a->time != b->time)
        return false;
    if (a->prefix.len != b->prefix.len || (a->prefix.len && memcmp(a->prefix.ptr, b->prefix.ptr, a->prefix.len)))
        return false;
    if (a->kind != TERN_ENTRY_VALUE)
        return true;
    if (a->value.type != b->value.type)
        return false;
    switch (a->value.type) {
    case TERN_TYPE_STRING:
    case TERN_TYPE_OPAQUE:
    case TERN_TYPE_CORELNK:
        return a->value.v.bytes.len == b->value.v.bytes.len &&
               (!a->value.v.bytes.len || !memcmp(a->value.v.bytes.ptr, b->value.v.bytes.ptr, a->value.v.bytes.len));
    case TERN_TYPE_FLOAT:
        return a->value.v.f == b->value.v.f;
    case TERN_TYPE_BOOLEAN:
        return a->value.v.b == b->value.v.b;
    case TERN_TYPE_OBJLNK:
        return a->value.v.lnk.oid == b->value.v.lnk.oid && a->value.v.lnk.iid == b->value.v.lnk.iid;
    case TERN_TYPE_UNSIGNED:
        return a->value.v.u == b->value.v.u;
    default:
        return a->value.v.i == b->value.v.i;
    }
}

static int fz_roundtrip(int32_t cf, const uint8_t *data, size_t size)
{
    static fz_entry a[FZ_MAX], b[FZ_MAX];
    static uint8_t out[16384];
    if (size < 2)
        return 0;
    uint32_t seed = data[0];
    int na = fz_decode(cf, data + 1, size - 1, seed, a, FZ_MAX);
    if (na < 0)
        return 0;
    tern_encoder e;
    tern_path root = tern_path_root();
    tern_encoder_init(&e, cf, &root, NULL, 0);
    tern_wbuf w = tern_wbuf_make(out, sizeof out);
    for (int i = 0; i < na; i++) {
        int rc = tern_encoder_add(&e, &a[i].e, &w);
        if (rc == TERN_EUNSUPPORTED || rc == TERN_EINVAL || rc == TERN_ETOOBIG || rc == TERN_ERANGE)
            return 0; /* not representable on output (prefix in OMA JSON, ...) */
        if (rc < 0)
            abort();
    }
    if (tern_encoder_finish(&e, &w) < 0)
        abort();
    int nb = fz_decode(cf, out, w.len, seed + 7, b, FZ_MAX);
    if (nb != na)
        abort();
    for (int i = 0; i < na; i++)
        if (!fz_same(&a[i].e, &b[i].e))
            abort();
    return 0;
}

#endif
