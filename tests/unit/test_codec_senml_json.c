/* SenML JSON (110) / SenML-ETCH JSON (320): Core §7.4.4 examples, streaming
 * (one byte per feed), encoder output, hostile input. */
#include "tharness.h"
#include "tern/codec.h"

#define MAXE 32
typedef struct {
    tern_entry e[MAXE];
    char txt[MAXE][64];
    int n;
    int rc;
    size_t err_off;
} result;

static tern_type model(void *ctx, const tern_path *p)
{
    (void)ctx;
    if (p->len < 3)
        return TERN_TYPE_NONE;
    if (p->ids[0] == 3 && p->ids[2] <= 3)
        return TERN_TYPE_STRING;
    if (p->ids[0] == 3 && p->ids[2] == 13)
        return TERN_TYPE_TIME;
    if (p->ids[0] == 0 && p->ids[2] == 3)
        return TERN_TYPE_OPAQUE;
    if (p->ids[0] == 0 && p->ids[2] == 16)
        return TERN_TYPE_UNSIGNED;
    if (p->ids[0] == 3308)
        return TERN_TYPE_FLOAT;
    return TERN_TYPE_NONE;
}

static void decode(int32_t cf, const char *path, const char *doc, size_t step, result *r)
{
    uint8_t scratch[256];
    tern_path rp = tern_path_root();
    if (path)
        tern_path_parse(&rp, path, strlen(path));
    tern_decoder d;
    tern_decoder_init(&d, cf, &rp, model, NULL, scratch, sizeof scratch);
    size_t len = strlen(doc), pos = 0;
    memset(r, 0, sizeof *r);
    for (;;) {
        size_t c = step ? TERN_MIN(step, len - pos) : len - pos;
        int rc = tern_decoder_feed(&d, (const uint8_t *)doc + pos, c, pos + c == len);
        if (rc < 0) {
            r->rc = rc;
            return;
        }
        pos += c;
        tern_entry e;
        while ((rc = tern_decoder_next(&d, &e)) == TERN_OK && r->n < MAXE) {
            r->e[r->n] = e;
            if ((e.value.type == TERN_TYPE_STRING || e.value.type == TERN_TYPE_OPAQUE) && e.value.v.bytes.len < 64) {
                memcpy(r->txt[r->n], e.value.v.bytes.ptr, e.value.v.bytes.len);
                r->e[r->n].value.v.bytes.ptr = (const uint8_t *)r->txt[r->n];
            }
            r->n++;
        }
        if (rc == TERN_DONE || rc < 0) {
            r->rc = rc;
            r->err_off = d.err_offset;
            return;
        }
        if (pos == len) {
            r->rc = -999;
            return;
        }
    }
}

static bool same(const result *a, const result *b)
{
    if (a->n != b->n || a->rc != b->rc)
        return false;
    for (int i = 0; i < a->n; i++) {
        const tern_entry *x = &a->e[i], *y = &b->e[i];
        if (x->kind != y->kind || !tern_path_eq(&x->path, &y->path) || x->value.type != y->value.type ||
            x->has_time != y->has_time || x->time != y->time)
            return false;
        if (x->value.type == TERN_TYPE_STRING || x->value.type == TERN_TYPE_OPAQUE) {
            if (x->value.v.bytes.len != y->value.v.bytes.len ||
                memcmp(x->value.v.bytes.ptr, y->value.v.bytes.ptr, x->value.v.bytes.len))
                return false;
        } else if (x->value.v.u != y->value.v.u) {
            return false;
        }
    }
    return true;
}

static const char read_3_0[] =
    "[{\"bn\":\"/3/0/\",\"n\":\"0\",\"vs\":\"Open Mobile Alliance\"},\n{\"n\":\"1\",\"vs\":\"Lightweight M2M "
    "Client\"},\n{\"n\":\"6/0\",\"v\":1},\n{\"n\":\"13\",\"v\":1367491215},\n{\"n\":\"14\",\"vs\":\"+02:00\"}]";

static void test_spec_read(void)
{
    result a, b;
    decode(TERN_CF_SENML_JSON, "/3/0", read_3_0, 0, &a);
    CHECK_EQ(a.rc, TERN_DONE);
    CHECK_EQ(a.n, 5);
    CHECK_EQ(a.e[0].path.len, 3);
    CHECK_EQ(a.e[0].value.type, TERN_TYPE_STRING);
    CHECK_MEM(a.e[0].value.v.bytes.ptr, "Open Mobile Alliance", 20);
    CHECK_EQ(a.e[2].path.len, 4);
    CHECK_EQ(a.e[2].path.ids[3], 0);
    CHECK_EQ(a.e[2].value.v.i, 1);
    CHECK_EQ(a.e[3].value.type, TERN_TYPE_TIME);
    CHECK_EQ(a.e[3].value.v.i, 1367491215);
    for (size_t step = 1; step < 9; step++) {
        decode(TERN_CF_SENML_JSON, "/3/0", read_3_0, step, &b);
        CHECK(same(&a, &b));
    }
}

static void test_spec_misc(void)
{
    result a;
    decode(TERN_CF_SENML_JSON, "/72/1/2",
           "[{\"bn\":\"/72/\",\"bt\":25462634,\"n\":\"1/2\",\"v\":22.4,\"t\":-5},{\"n\":\"1/2\",\"v\":22.9,\"t\":-30}]", 1,
           &a);
    CHECK_EQ(a.n, 2);
    CHECK(a.e[0].has_time && a.e[0].time == 25462629.0);
    CHECK(a.e[1].value.type == TERN_TYPE_FLOAT && a.e[1].value.v.f == 22.9);
    /* composite request paths, bn reset mid-pack */
    decode(TERN_CF_SENML_JSON, NULL, "[{\"bn\":\"/4/0/\", \"n\":\"0\"},\n{\"n\":\"1\"},\n{\"bn\":\"/6/\", \"n\":\"0\"}]", 1,
           &a);
    CHECK_EQ(a.rc, TERN_DONE);
    CHECK_EQ(a.n, 3);
    CHECK_EQ(a.e[2].kind, TERN_ENTRY_PATH_ONLY);
    CHECK_EQ(a.e[2].path.len, 2);
    /* opaque, objlnk incl. the "FFFF:FFFF" spelling, gateway prefix */
    decode(TERN_CF_SENML_JSON, NULL,
           "[{\"bn\":\"/0/0/3\",\"vd\":\"q83v\"},{\"bn\":\"/\",\"n\":\"66/1/2\",\"vlo\":\"FFFF:FFFF\"},"
           "{\"bn\":\"/d01/3303/0/\",\"n\":\"5700\",\"v\":22.1}]",
           3, &a);
    CHECK_EQ(a.n, 3);
    CHECK_EQ(a.e[0].value.v.bytes.len, 3);
    CHECK_MEM(a.e[0].value.v.bytes.ptr, "\xab\xcd\xef", 3);
    CHECK_EQ(a.e[1].value.type, TERN_TYPE_OBJLNK);
    CHECK_EQ(a.e[1].value.v.lnk.oid, 65535);
    CHECK_EQ(a.e[2].prefix.len, 3);
    /* u64 max and escapes */
    decode(TERN_CF_SENML_JSON, NULL,
           "[{\"n\":\"/0/0/16\",\"v\":18446744073709551615},{\"n\":\"/3/0/0\",\"vs\":\"a\\u00e9\\ud83d\\ude00\\n\"}]", 1,
           &a);
    CHECK_EQ(a.n, 2);
    CHECK(a.e[0].value.v.u == UINT64_MAX);
    CHECK_EQ(a.e[1].value.v.bytes.len, 8);
    CHECK_MEM(a.e[1].value.v.bytes.ptr, "a\xc3\xa9\xf0\x9f\x98\x80\n", 8);
    /* ETCH: null value deletes */
    decode(TERN_CF_SENML_ETCH_JSON, NULL, "[{\"n\":\"/3/0/1\",\"v\":null},{\"n\":\"/3308/0/5900\",\"v\":18}]", 1, &a);
    CHECK_EQ(a.n, 2);
    CHECK_EQ(a.e[0].kind, TERN_ENTRY_PATH_ONLY);
    CHECK(a.e[1].value.type == TERN_TYPE_FLOAT && a.e[1].value.v.f == 18.0);
    /* empty pack for an instance read */
    decode(TERN_CF_SENML_JSON, "/3/0", "[]", 1, &a);
    CHECK_EQ(a.n, 1);
    CHECK_EQ(a.e[0].kind, TERN_ENTRY_EMPTY_INSTANCE);
}

static void test_hostile(void)
{
    static const struct {
        const char *doc;
        int rc;
    } bad[] = {
        {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", TERN_EMALFORMED},
        {"[{\"n\":\"/3/0/1\",\"n\":\"/3/0/2\",\"vs\":\"x\"}]", TERN_EDUPLICATE},
        {"[{\"n\":\"/3/0/1\",\"vs\":\"x\",\"v\":1}]", TERN_EMALFORMED},
        {"[{\"n\":\"/3/0/1\",\"vs\":\"\\ud800\"}]", TERN_EMALFORMED},
        {"[{\"n\":\"/3/0/1\",\"vs\":\"\xc0\xaf\"}]", TERN_EMALFORMED},
        {"[{\"n\":\"/3/0/1\",\"vs\":\"\\q\"}]", TERN_EMALFORMED},
        {"[{\"n\":\"/3/0/13\",\"v\":1.5}]", TERN_ERANGE},
        {"[{\"n\":\"/3/0/13\",\"v\":99999999999999999999}]", TERN_ERANGE},
        {"[{\"n\":\"/3/0/1\",\"vs\":\"x\"}", TERN_ETRUNCATED},
        {"[{\"n\":\"/3/0/1\",\"vs\":\"x", TERN_ETRUNCATED},
        {"[{\"n\":\"/3/0//1\",\"v\":1}]", TERN_EMALFORMED},
        {"[{\"n\":\"/3/0/1\",\"v\":01}]", TERN_EMALFORMED},
        {"[{\"n\":\"/3/0/1\",\"x_\":1,\"v\":1}]", TERN_EUNSUPPORTED},
        {"[{\"n\":\"/0/0/3\",\"vd\":\"q83\"}]", TERN_EMALFORMED},
        {"[{\"n\":\"/3/0/0\",\"v\":1}]", TERN_ETYPE},
        {"[{\"n\":\"/4/0/0\"},{\"n\":\"/4/0/1\",\"v\":200}]", TERN_EMALFORMED},
        {"[{\"n\":\"/3/0/9\",\"v\":1}] x", TERN_EMALFORMED},
        {"{\"n\":\"/3/0/1\"}", TERN_EMALFORMED},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(bad); i++) {
        result a, b;
        decode(TERN_CF_SENML_JSON, NULL, bad[i].doc, 0, &a);
        decode(TERN_CF_SENML_JSON, NULL, bad[i].doc, 1, &b);
        if (a.rc != bad[i].rc)
            fprintf(stderr, "bad[%zu]: rc %d\n", i, a.rc);
        CHECK_EQ(a.rc, bad[i].rc);
        CHECK_EQ(b.rc, bad[i].rc);
        CHECK(a.err_off <= strlen(bad[i].doc));
    }
}

static int encode(int32_t cf, const char *path, const tern_entry *es, int n, char *out, size_t cap)
{
    tern_path rp = tern_path_root();
    if (path)
        tern_path_parse(&rp, path, strlen(path));
    tern_encoder e;
    tern_encoder_init(&e, cf, &rp, NULL, 0);
    tern_wbuf w = tern_wbuf_make((uint8_t *)out, cap - 1);
    for (int i = 0; i < n; i++) {
        int rc = tern_encoder_add(&e, &es[i], &w);
        if (rc < 0)
            return rc;
    }
    int rc = tern_encoder_finish(&e, &w);
    if (rc < 0)
        return rc;
    out[w.len] = 0;
    return (int)w.len;
}

static tern_entry ent(const char *path, tern_type t)
{
    tern_entry e;
    memset(&e, 0, sizeof e);
    tern_path_parse(&e.path, path, strlen(path));
    e.value.type = t;
    return e;
}

static void test_encode(void)
{
    char out[512];
    tern_entry es[4];
    es[0] = ent("/3/0/0", TERN_TYPE_STRING);
    es[0].value.v.bytes = (tern_bytes){(const uint8_t *)"Open Mobile Alliance", 20};
    es[1] = ent("/3/0/7/1", TERN_TYPE_INTEGER);
    es[1].value.v.i = 5000;
    es[2] = ent("/3/0/9", TERN_TYPE_FLOAT);
    es[2].value.v.f = -10.0;
    es[3] = ent("/3/0/11", TERN_TYPE_BOOLEAN);
    es[3].value.v.b = true;
    CHECK(encode(TERN_CF_SENML_JSON, "/3/0", es, 4, out, sizeof out) > 0);
    CHECK_STR(out, "[{\"bn\":\"/3/0/\",\"n\":\"0\",\"vs\":\"Open Mobile Alliance\"},{\"n\":\"7/1\",\"v\":5000},"
                   "{\"n\":\"9\",\"v\":-10.0},{\"n\":\"11\",\"vb\":true}]");
    CHECK(encode(TERN_CF_SENML_JSON, "/3/0/0", es, 1, out, sizeof out) > 0);
    CHECK_STR(out, "[{\"bn\":\"/3/0/0\",\"vs\":\"Open Mobile Alliance\"}]");
    /* composite: full path in bn per value; paths in n */
    CHECK(encode(TERN_CF_SENML_JSON, NULL, es + 1, 2, out, sizeof out) > 0);
    CHECK_STR(out, "[{\"bn\":\"/3/0/7/1\",\"v\":5000},{\"bn\":\"/3/0/9\",\"v\":-10.0}]");
    es[0].kind = TERN_ENTRY_PATH_ONLY;
    CHECK(encode(TERN_CF_SENML_ETCH_JSON, NULL, es, 1, out, sizeof out) > 0);
    CHECK_STR(out, "[{\"n\":\"/3/0/0\"}]");
    /* times go in bt; opaque in vd (base64url, no padding) */
    tern_entry t[2];
    t[0] = ent("/0/0/3", TERN_TYPE_OPAQUE);
    t[0].value.v.bytes = (tern_bytes){(const uint8_t *)"\xab\xcd\xef\xff", 4};
    t[0].has_time = true;
    t[0].time = 268500000;
    t[1] = t[0];
    t[1].time = 268500010.5;
    CHECK(encode(TERN_CF_SENML_JSON, "/0/0/3", t, 2, out, sizeof out) > 0);
    CHECK_STR(out, "[{\"bn\":\"/0/0/3\",\"bt\":268500000,\"vd\":\"q83v_w\"},{\"bn\":\"/0/0/3\",\"bt\":268500010.5,"
                   "\"vd\":\"q83v_w\"}]");
    CHECK(encode(TERN_CF_SENML_JSON, "/0/0", t, 0, out, sizeof out) > 0);
    CHECK_STR(out, "[]");
    /* atomic: too small an output leaves nothing behind */
    tern_encoder e;
    tern_path rp = tern_path_root();
    tern_encoder_init(&e, TERN_CF_SENML_JSON, &rp, NULL, 0);
    uint8_t small[10];
    tern_wbuf w = tern_wbuf_make(small, sizeof small);
    CHECK_EQ(tern_encoder_add(&e, &es[1], &w), TERN_ENOMEM);
    CHECK_EQ(w.len, 0);
}

static void test_roundtrip(void)
{
    result a, b;
    char out[1024];
    decode(TERN_CF_SENML_JSON, "/3/0", read_3_0, 0, &a);
    CHECK(encode(TERN_CF_SENML_JSON, "/3/0", a.e, a.n, out, sizeof out) > 0);
    decode(TERN_CF_SENML_JSON, "/3/0", out, 1, &b);
    CHECK(same(&a, &b));
}

int main(void)
{
    TRUN(test_spec_read);
    TRUN(test_spec_misc);
    TRUN(test_hostile);
    TRUN(test_encode);
    TRUN(test_roundtrip);
    return tdone();
}
