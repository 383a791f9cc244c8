/* Round trips across every pair of content formats over one corpus: every
 * data type, multiple-instance resources, several object instances, empty
 * and extreme values. For each pair (A, B) and request path P:
 *   corpus → encode A → decode A (7-byte chunks) == corpus
 *          → encode B → decode B (7-byte chunks) == corpus.
 * The single-value formats (Plain Text, CBOR, Opaque) take part for each
 * single resource at its own path. */
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "tharness.h"
#include "tern/codec.h"

#define OID 1000

/* Test object 1000 (resources 0-10): one of each type, two multiple. */
static const tern_type res_type[] = {
    TERN_TYPE_STRING, TERN_TYPE_INTEGER, TERN_TYPE_UNSIGNED, TERN_TYPE_FLOAT, TERN_TYPE_BOOLEAN, TERN_TYPE_OPAQUE,
    TERN_TYPE_TIME,   TERN_TYPE_OBJLNK,  TERN_TYPE_CORELNK,  TERN_TYPE_INTEGER, TERN_TYPE_STRING,
};
static bool res_multiple(uint16_t rid)
{
    return rid == 9 || rid == 10;
}

static tern_type model(void *ctx, const tern_path *p)
{
    (void)ctx;
    if (p->len < 3 || p->ids[0] != OID || p->ids[2] >= TERN_ARRAY_LEN(res_type))
        return TERN_TYPE_NONE;
    tern_type t = res_type[p->ids[2]];
    return res_multiple(p->ids[2]) ? (tern_type)(t | TERN_TYPE_MULTIPLE) : t;
}

/* ---- entry lists (deep copies) ---- */
typedef struct {
    tern_entry e[64];
    uint8_t *own[64];
    size_t n;
} elist;

static void el_free(elist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->own[i]);
    l->n = 0;
}

/* Appends a copy; chunks of a value (offset > 0) are joined to the last. */
static void el_push(elist *l, const tern_entry *e)
{
    bool bytes = e->kind == TERN_ENTRY_VALUE &&
                 (e->value.type == TERN_TYPE_STRING || e->value.type == TERN_TYPE_OPAQUE ||
                  e->value.type == TERN_TYPE_CORELNK);
    if (bytes && e->offset > 0 && l->n) {
        tern_entry *last = &l->e[l->n - 1];
        size_t old = last->value.v.bytes.len, add = e->value.v.bytes.len;
        uint8_t *p = realloc(l->own[l->n - 1], old + add + 1);
        memcpy(p + old, e->value.v.bytes.ptr, add);
        l->own[l->n - 1] = p;
        last->value.v.bytes.ptr = p;
        last->value.v.bytes.len = old + add;
        return;
    }
    if (l->n == TERN_ARRAY_LEN(l->e))
        return;
    l->e[l->n] = *e;
    l->e[l->n].offset = 0;
    l->e[l->n].more = false;
    l->e[l->n].total = 0;
    l->e[l->n].prefix = (tern_bytes){NULL, 0};
    l->own[l->n] = NULL;
    if (bytes) {
        uint8_t *p = malloc(e->value.v.bytes.len + 1);
        memcpy(p, e->value.v.bytes.ptr, e->value.v.bytes.len);
        l->own[l->n] = p;
        l->e[l->n].value.v.bytes.ptr = p;
    }
    l->n++;
}

static tern_entry val(int len, uint16_t iid, uint16_t rid, uint16_t riid, tern_value v)
{
    tern_entry e;
    memset(&e, 0, sizeof e);
    e.kind = TERN_ENTRY_VALUE;
    e.path = tern_path_make(len, OID, iid, rid, riid);
    e.value = v;
    return e;
}

static tern_value vs(tern_type t, const void *p, size_t n)
{
    tern_value v = {.type = t};
    v.v.bytes.ptr = p;
    v.v.bytes.len = n;
    return v;
}

static char long_str[1000];
static char long_lnk[300];

static void build_corpus(elist *c)
{
    static const uint8_t op[] = {0x00, 0xff, 0x10, 0x80};
    for (size_t i = 0; i < sizeof long_str; i++)
        long_str[i] = (char)('a' + i % 26);
    memcpy(long_lnk, "</3/0>", 6);
    for (size_t i = 6; i < sizeof long_lnk; i += 6)
        memcpy(long_lnk + i, ",</4/0", i + 6 <= sizeof long_lnk ? 6 : sizeof long_lnk - i);
    long_lnk[sizeof long_lnk - 1] = '>';
    c->n = 0;
    tern_entry e;
    /* instance 0: ordinary values */
    e = val(3, 0, 0, 0, vs(TERN_TYPE_STRING, "hello, \"world\" \xc3\xa9", 17)); el_push(c, &e);
    e = val(3, 0, 1, 0, (tern_value){.type = TERN_TYPE_INTEGER, .v.i = -42}); el_push(c, &e);
    e = val(3, 0, 2, 0, (tern_value){.type = TERN_TYPE_UNSIGNED, .v.u = 42}); el_push(c, &e);
    e = val(3, 0, 3, 0, (tern_value){.type = TERN_TYPE_FLOAT, .v.f = 3.5}); el_push(c, &e);
    e = val(3, 0, 4, 0, (tern_value){.type = TERN_TYPE_BOOLEAN, .v.b = true}); el_push(c, &e);
    e = val(3, 0, 5, 0, vs(TERN_TYPE_OPAQUE, op, sizeof op)); el_push(c, &e);
    e = val(3, 0, 6, 0, (tern_value){.type = TERN_TYPE_TIME, .v.i = 1700000000}); el_push(c, &e);
    e = val(3, 0, 7, 0, (tern_value){.type = TERN_TYPE_OBJLNK, .v.lnk = {3, 0}}); el_push(c, &e);
    e = val(3, 0, 8, 0, vs(TERN_TYPE_CORELNK, "</3/0>;ver=1.1", 14)); el_push(c, &e);
    e = val(4, 0, 9, 0, (tern_value){.type = TERN_TYPE_INTEGER, .v.i = 1}); el_push(c, &e);
    e = val(4, 0, 9, 5, (tern_value){.type = TERN_TYPE_INTEGER, .v.i = -7}); el_push(c, &e);
    e = val(4, 0, 10, 1, vs(TERN_TYPE_STRING, "a", 1)); el_push(c, &e);
    e = val(4, 0, 10, 2, vs(TERN_TYPE_STRING, "b", 1)); el_push(c, &e);
    /* instance 1: empty and extreme values */
    e = val(3, 1, 0, 0, vs(TERN_TYPE_STRING, "", 0)); el_push(c, &e);
    e = val(3, 1, 1, 0, (tern_value){.type = TERN_TYPE_INTEGER, .v.i = INT64_MIN}); el_push(c, &e);
    e = val(3, 1, 2, 0, (tern_value){.type = TERN_TYPE_UNSIGNED, .v.u = UINT64_MAX}); el_push(c, &e);
    e = val(3, 1, 3, 0, (tern_value){.type = TERN_TYPE_FLOAT, .v.f = -1.0e300}); el_push(c, &e);
    e = val(3, 1, 4, 0, (tern_value){.type = TERN_TYPE_BOOLEAN, .v.b = false}); el_push(c, &e);
    e = val(3, 1, 5, 0, vs(TERN_TYPE_OPAQUE, "", 0)); el_push(c, &e);
    e = val(3, 1, 6, 0, (tern_value){.type = TERN_TYPE_TIME, .v.i = 0}); el_push(c, &e);
    e = val(3, 1, 7, 0, (tern_value){.type = TERN_TYPE_OBJLNK, .v.lnk = {65535, 65535}}); el_push(c, &e);
    e = val(3, 1, 8, 0, vs(TERN_TYPE_CORELNK, long_lnk, sizeof long_lnk)); el_push(c, &e);
    e = val(4, 1, 9, 65534, (tern_value){.type = TERN_TYPE_INTEGER, .v.i = INT64_MAX}); el_push(c, &e);
    e = val(4, 1, 10, 0, vs(TERN_TYPE_STRING, long_str, sizeof long_str)); el_push(c, &e);
    /* instance 7: a float that needs a double, the smallest subnormal, 0.1 */
    e = val(3, 7, 3, 0, (tern_value){.type = TERN_TYPE_FLOAT, .v.f = 0.1}); el_push(c, &e);
    e = val(4, 7, 9, 3, (tern_value){.type = TERN_TYPE_INTEGER, .v.i = 0}); el_push(c, &e);
}

/* ---- encode / decode ---- */
static uint8_t enc_out[1 << 16];
static uint8_t enc_scratch[1 << 15];
static uint8_t dec_scratch[1 << 13];

static int encode(int32_t cf, const tern_path *req, const elist *in, size_t *n)
{
    tern_encoder e;
    int rc = tern_encoder_init(&e, cf, req, enc_scratch, sizeof enc_scratch);
    if (rc < 0)
        return rc;
    tern_wbuf w = tern_wbuf_make(enc_out, sizeof enc_out);
    for (size_t i = 0; i < in->n; i++)
        if (tern_path_is_prefix(req, &in->e[i].path) && (rc = tern_encoder_add(&e, &in->e[i], &w)) < 0)
            return rc;
    while ((rc = tern_encoder_finish(&e, &w)) == TERN_AGAIN)
        ;
    *n = w.len;
    return rc < 0 ? rc : TERN_OK;
}

static int decode(int32_t cf, const tern_path *req, const uint8_t *in, size_t n, elist *out)
{
    tern_decoder d;
    int rc = tern_decoder_init(&d, cf, req, model, NULL, dec_scratch, sizeof dec_scratch);
    if (rc < 0)
        return rc;
    size_t pos = 0;
    const size_t chunk = 7;
    for (;;) {
        size_t k = TERN_MIN(chunk, n - pos);
        if ((rc = tern_decoder_feed(&d, in + pos, k, pos + k == n)) < 0)
            return rc;
        pos += k;
        tern_entry e;
        while ((rc = tern_decoder_next(&d, &e)) == TERN_OK)
            el_push(out, &e);
        if (rc == TERN_DONE)
            return TERN_OK;
        if (rc != TERN_AGAIN) {
            fprintf(stderr, "    decode %s: %s at %zu: %s\n", tern_cf_name(cf), tern_strerror(rc), d.err_offset,
                    d.err_reason ? d.err_reason : "");
            return rc;
        }
        if (pos == n)
            return TERN_ETRUNCATED;
    }
}

static bool value_eq(const tern_value *a, const tern_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME: return a->v.i == b->v.i;
    case TERN_TYPE_UNSIGNED: return a->v.u == b->v.u;
    case TERN_TYPE_FLOAT: return memcmp(&a->v.f, &b->v.f, sizeof a->v.f) == 0;
    case TERN_TYPE_BOOLEAN: return a->v.b == b->v.b;
    case TERN_TYPE_OBJLNK: return a->v.lnk.oid == b->v.lnk.oid && a->v.lnk.iid == b->v.lnk.iid;
    default:
        return a->v.bytes.len == b->v.bytes.len &&
               (a->v.bytes.len == 0 || memcmp(a->v.bytes.ptr, b->v.bytes.ptr, a->v.bytes.len) == 0);
    }
}

/* Entries under req in the corpus equal the decoded list, in order. */
static bool same(const elist *corpus, const tern_path *req, const elist *got, const char *what)
{
    size_t j = 0;
    for (size_t i = 0; i < corpus->n; i++) {
        if (!tern_path_is_prefix(req, &corpus->e[i].path))
            continue;
        char p[40];
        tern_path_format(&corpus->e[i].path, p, sizeof p);
        if (j >= got->n) {
            fprintf(stderr, "    %s: missing %s\n", what, p);
            return false;
        }
        const tern_entry *g = &got->e[j++];
        if (!tern_path_eq(&g->path, &corpus->e[i].path) || g->kind != corpus->e[i].kind ||
            !value_eq(&g->value, &corpus->e[i].value)) {
            char q[40];
            tern_path_format(&g->path, q, sizeof q);
            fprintf(stderr, "    %s: expected %s (%s), got %s (%s)\n", what, p, tern_type_name(corpus->e[i].value.type),
                    q, tern_type_name(g->value.type));
            return false;
        }
    }
    if (j != got->n) {
        fprintf(stderr, "    %s: %zu extra entries\n", what, got->n - j);
        return false;
    }
    return true;
}

/* One pair at one request path; returns true when it round-trips. */
static bool pair(const elist *corpus, int32_t a, int32_t b, const tern_path *req)
{
    elist da = {0}, db = {0};
    size_t n = 0;
    char what[96];
    bool ok = false;
    snprintf(what, sizeof what, "%s→%s", tern_cf_name(a), tern_cf_name(b));
    if (encode(a, req, corpus, &n) < 0) {
        fprintf(stderr, "    %s: encode %s failed\n", what, tern_cf_name(a));
        goto out;
    }
    if (decode(a, req, enc_out, n, &da) < 0 || !same(corpus, req, &da, what))
        goto out;
    if (encode(b, req, &da, &n) < 0) {
        fprintf(stderr, "    %s: encode %s failed\n", what, tern_cf_name(b));
        goto out;
    }
    if (decode(b, req, enc_out, n, &db) < 0 || !same(corpus, req, &db, what))
        goto out;
    ok = true;
out:
    if (!ok) {
        char p[40];
        tern_path_format(req, p, sizeof p);
        fprintf(stderr, "  FAIL %s at %s\n", what, p);
    }
    el_free(&da);
    el_free(&db);
    return ok;
}

static const int32_t multi[] = {
    TERN_CF_TLV,      TERN_CF_SENML_JSON,      TERN_CF_SENML_CBOR,      TERN_CF_LWM2M_CBOR,
    TERN_CF_OMA_JSON, TERN_CF_SENML_ETCH_JSON, TERN_CF_SENML_ETCH_CBOR,
};

static void test_multi_formats(void)
{
    elist c = {0};
    build_corpus(&c);
    const tern_path reqs[] = {tern_path_make(1, OID, 0, 0, 0), tern_path_make(2, OID, 0, 0, 0),
                              tern_path_make(2, OID, 1, 0, 0), tern_path_make(3, OID, 0, 9, 0)};
    int pairs = 0, ok = 0;
    for (size_t r = 0; r < TERN_ARRAY_LEN(reqs); r++)
        for (size_t i = 0; i < TERN_ARRAY_LEN(multi); i++)
            for (size_t j = 0; j < TERN_ARRAY_LEN(multi); j++) {
                pairs++;
                bool good = pair(&c, multi[i], multi[j], &reqs[r]);
                ok += good;
                CHECK(good);
            }
    printf("multi-value formats: %d/%d pair round trips\n", ok, pairs);
    el_free(&c);
}

/* Single resources: every multi-value format plus the single-value formats
 * that can carry the type (Opaque only for Opaque). */
static void test_single_values(void)
{
    elist c = {0};
    build_corpus(&c);
    int pairs = 0, ok = 0;
    for (size_t k = 0; k < c.n; k++) {
        const tern_entry *e = &c.e[k];
        if (e->path.len != 3)
            continue;
        elist one = {0};
        el_push(&one, e);
        int32_t fmts[16];
        size_t nf = 0;
        fmts[nf++] = TERN_CF_TEXT;
        fmts[nf++] = TERN_CF_CBOR;
        if (e->value.type == TERN_TYPE_OPAQUE)
            fmts[nf++] = TERN_CF_OPAQUE;
        for (size_t i = 0; i < TERN_ARRAY_LEN(multi); i++)
            fmts[nf++] = multi[i];
        for (size_t i = 0; i < nf; i++)
            for (size_t j = 0; j < nf; j++) {
                pairs++;
                bool good = pair(&one, fmts[i], fmts[j], &e->path);
                ok += good;
                CHECK(good);
            }
        el_free(&one);
    }
    printf("single values: %d/%d pair round trips\n", ok, pairs);
    el_free(&c);
}

int main(void)
{
    TRUN(test_multi_formats);
    TRUN(test_single_values);
    return tdone();
}
