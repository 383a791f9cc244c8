/* Shared by fuzz_tlv.c and fuzz_text.c: decode arbitrary input in
 * random-sized chunks, hash the entries (chunk boundaries do not matter),
 * re-encode what decoded, decode that again and compare the hashes. */
#ifndef TERN_FUZZ_CODEC_COMMON_H
#define TERN_FUZZ_CODEC_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "tern/codec.h"

static tern_type fz_model(void *ctx, const tern_path *p)
{
    unsigned sel = *(const unsigned *)ctx;
    if (p->len < 3)
        return TERN_TYPE_NONE;
    return (tern_type)((p->ids[2] + sel) % 10u); /* every type, incl. NONE */
}

static uint64_t fz_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

static uint64_t fz_hash_entry(uint64_t h, const tern_entry *e)
{
    if (e->offset == 0) {
        h = fz_mix(h, e->kind);
        h = fz_mix(h, e->path.len);
        for (int i = 0; i < e->path.len; i++)
            h = fz_mix(h, e->path.ids[i]);
        h = fz_mix(h, (uint64_t)e->value.type);
    }
    if (e->kind != TERN_ENTRY_VALUE)
        return h;
    switch (e->value.type) {
    case TERN_TYPE_STRING:
    case TERN_TYPE_OPAQUE:
    case TERN_TYPE_CORELNK:
        for (size_t i = 0; i < e->value.v.bytes.len; i++)
            h = fz_mix(h, e->value.v.bytes.ptr[i]);
        return h;
    case TERN_TYPE_FLOAT: {
        double f = e->value.v.f;
        uint64_t u;
        memcpy(&u, &f, sizeof u);
        return fz_mix(h, f != f ? 1 : u);
    }
    case TERN_TYPE_BOOLEAN:
        return fz_mix(h, e->value.v.b);
    case TERN_TYPE_OBJLNK:
        return fz_mix(h, (uint64_t)e->value.v.lnk.oid << 16 | e->value.v.lnk.iid);
    default:
        return fz_mix(h, e->value.v.u);
    }
}

/* Decodes `in` with chunk sizes from `seed`; when enc is non-NULL every
 * entry is also encoded into it (a failure clears *enc_ok). */
static int fz_decode(int32_t cf, const tern_path *rp, unsigned *sel, const uint8_t *in, size_t n, uint32_t seed,
                     uint64_t *hash, tern_encoder *enc, tern_wbuf *ew, bool *enc_ok)
{
    uint8_t scratch[300];
    tern_decoder d;
    int rc = tern_decoder_init(&d, cf, rp, fz_model, sel, scratch, sizeof scratch);
    if (rc < 0)
        return rc;
    uint64_t h = 1;
    size_t pos = 0;
    for (;;) {
        seed = seed * 1103515245u + 12345u;
        size_t k = 1 + (seed >> 16) % 64u;
        if (k > n - pos)
            k = n - pos;
        rc = tern_decoder_feed(&d, in + pos, k, pos + k == n);
        if (rc < 0)
            return rc;
        pos += k;
        tern_entry e;
        while ((rc = tern_decoder_next(&d, &e)) == TERN_OK) {
            h = fz_hash_entry(h, &e);
            if (enc && *enc_ok && tern_encoder_add(enc, &e, ew) != TERN_OK)
                *enc_ok = false;
        }
        if (rc != TERN_AGAIN)
            break;
        if (pos == n && k == 0)
            abort(); /* AGAIN after the last chunk must not happen */
    }
    *hash = h;
    return rc;
}

static void fz_roundtrip(int32_t cf, const uint8_t *data, size_t size)
{
    if (size < 4)
        return;
    unsigned sel = data[0];
    tern_path rp = tern_path_make(data[1] % 5, 3, data[2] % 3, 6, 1);
    uint32_t seed = data[3];
    data += 4;
    size -= 4;
    static uint8_t out[1 << 16], escratch[256];
    tern_encoder enc;
    bool enc_ok = tern_encoder_init(&enc, cf, &rp, escratch, sizeof escratch) == TERN_OK;
    tern_wbuf w = tern_wbuf_make(out, sizeof out);
    uint64_t h1, h2;
    int rc = fz_decode(cf, &rp, &sel, data, size, seed, &h1, &enc, &w, &enc_ok);
    if (rc != TERN_DONE || !enc_ok || tern_encoder_finish(&enc, &w) != TERN_OK)
        return;
    rc = fz_decode(cf, &rp, &sel, out, w.len, seed + 1, &h2, NULL, NULL, NULL);
    if (rc != TERN_DONE || h1 != h2)
        abort();
}

#endif
