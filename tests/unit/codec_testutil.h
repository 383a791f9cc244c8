/* Shared helpers for the TLV / text / opaque / link codec unit tests:
 * decode a payload in chunks of a given size and render the entries as one
 * line of text ("/3/0/0=s:abc /3/0/6/0=i:1 ..."), chunks of one value
 * joined, so a test compares against a string. */
#ifndef TERN_CODEC_TESTUTIL_H
#define TERN_CODEC_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tern/codec.h"

typedef struct {
    char s[8192];
    size_t n;
} tdump;

static void tdump_add(tdump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tdump_add(tdump *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(d->s + d->n, sizeof d->s - d->n, fmt, ap);
    va_end(ap);
    if (r > 0)
        d->n += (size_t)r < sizeof d->s - d->n ? (size_t)r : sizeof d->s - d->n - 1;
}

static void tdump_entry(tdump *d, const tern_entry *e)
{
    char p[40];
    tern_path_format(&e->path, p, sizeof p);
    if (e->kind == TERN_ENTRY_EMPTY_INSTANCE) {
        tdump_add(d, "%s%s=inst", d->n ? " " : "", p);
        return;
    }
    if (e->kind == TERN_ENTRY_EMPTY_MULTI) {
        tdump_add(d, "%s%s=multi", d->n ? " " : "", p);
        return;
    }
    const tern_value *v = &e->value;
    if (e->offset == 0) {
        tdump_add(d, "%s%s=", d->n ? " " : "", p);
        switch (v->type) {
        case TERN_TYPE_INTEGER: tdump_add(d, "i:%lld", (long long)v->v.i); break;
        case TERN_TYPE_TIME: tdump_add(d, "t:%lld", (long long)v->v.i); break;
        case TERN_TYPE_UNSIGNED: tdump_add(d, "u:%llu", (unsigned long long)v->v.u); break;
        case TERN_TYPE_FLOAT: tdump_add(d, "f:%.17g", v->v.f); break;
        case TERN_TYPE_BOOLEAN: tdump_add(d, "b:%d", v->v.b ? 1 : 0); break;
        case TERN_TYPE_OBJLNK: tdump_add(d, "l:%u:%u", v->v.lnk.oid, v->v.lnk.iid); break;
        case TERN_TYPE_STRING: tdump_add(d, "s:"); break;
        case TERN_TYPE_CORELNK: tdump_add(d, "c:"); break;
        case TERN_TYPE_OPAQUE: tdump_add(d, "o:"); break;
        default: tdump_add(d, "?"); break;
        }
    }
    if (v->type == TERN_TYPE_STRING || v->type == TERN_TYPE_CORELNK)
        tdump_add(d, "%.*s", (int)v->v.bytes.len, (const char *)v->v.bytes.ptr);
    else if (v->type == TERN_TYPE_OPAQUE)
        for (size_t i = 0; i < v->v.bytes.len; i++)
            tdump_add(d, "%02x", v->v.bytes.ptr[i]);
}

/* Decodes `in` fed in chunks of `chunk` bytes (0: all at once). Returns the
 * final status (TERN_DONE or an error) and renders entries into out. */
static int tdecode(int32_t cf, const char *path, tern_type_fn fn, void *ctx, const uint8_t *in, size_t n,
                   size_t chunk, tdump *out, size_t *err_off)
{
    static uint8_t scratch[1024];
    tern_decoder d;
    tern_path rp = tern_path_root();
    if (path)
        tern_path_parse(&rp, path, strlen(path));
    memset(out, 0, sizeof *out);
    int rc = tern_decoder_init(&d, cf, &rp, fn, ctx, scratch, sizeof scratch);
    if (rc < 0)
        return rc;
    if (!chunk)
        chunk = n ? n : 1;
    size_t pos = 0;
    for (;;) {
        size_t k = n - pos < chunk ? n - pos : chunk;
        rc = tern_decoder_feed(&d, in + pos, k, pos + k == n);
        if (rc < 0)
            break;
        pos += k;
        tern_entry e;
        while ((rc = tern_decoder_next(&d, &e)) == TERN_OK)
            tdump_entry(out, &e);
        if (rc != TERN_AGAIN)
            break;
    }
    if (err_off)
        *err_off = d.err_offset;
    return rc;
}

#endif
