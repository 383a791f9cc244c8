/* Plain Text (0): plain_text.json, objlnk.json (text) and the Core spec's
 * text examples; chunked strings/base64; float formatting. */
#include "codec_testutil.h"
#include "tharness.h"

static tern_type forced(void *ctx, const tern_path *p)
{
    (void)p;
    return ctx ? *(const tern_type *)ctx : TERN_TYPE_NONE;
}

static void dec(tern_type t, const char *path, const char *text, const char *want)
{
    size_t sizes[] = {0, 1, 3};
    for (size_t i = 0; i < 3; i++) {
        tdump d;
        int rc = tdecode(TERN_CF_TEXT, path, forced, &t, (const uint8_t *)text, strlen(text), sizes[i], &d, NULL);
        if (strcmp(want, "error") == 0) {
            if (rc >= 0)
                fprintf(stderr, "  '%s' as %d: expected error, got %s\n", text, t, d.s);
            CHECK(rc < 0);
        } else {
            if (rc != TERN_DONE || strcmp(d.s, want))
                fprintf(stderr, "  '%s' chunk %zu: rc %d got '%s' want '%s'\n", text, sizes[i], rc, d.s, want);
            CHECK_EQ(rc, TERN_DONE);
            CHECK_STR(d.s, want);
        }
    }
}

static void enc(const char *path, tern_value v, const char *want)
{
    uint8_t buf[256];
    tern_encoder e;
    tern_path rp;
    tern_path_parse(&rp, path, strlen(path));
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TEXT, &rp, NULL, 0), 0);
    tern_entry en;
    memset(&en, 0, sizeof en);
    en.path = rp;
    en.value = v;
    tern_wbuf w = tern_wbuf_make(buf, sizeof buf);
    int rc = tern_encoder_add(&e, &en, &w);
    if (!want) {
        CHECK(rc < 0);
        return;
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(tern_encoder_finish(&e, &w), 0);
    if (w.len != strlen(want) || memcmp(buf, want, w.len))
        fprintf(stderr, "  encode gave '%.*s' want '%s'\n", (int)w.len, buf, want);
    CHECK_EQ(w.len, strlen(want));
    CHECK_MEM(buf, want, strlen(want));
}

static tern_value vi(int64_t i) { tern_value v = {TERN_TYPE_INTEGER, {.i = i}}; return v; }
static tern_value vf(double f) { tern_value v = {TERN_TYPE_FLOAT, {.f = f}}; return v; }

static void test_decode(void)
{
    const char *P = "/0/0/0";
    dec(TERN_TYPE_INTEGER, P, "0", "/0/0/0=i:0");
    dec(TERN_TYPE_INTEGER, P, "-2147483648", "/0/0/0=i:-2147483648");
    dec(TERN_TYPE_INTEGER, P, "9223372036854775807", "/0/0/0=i:9223372036854775807");
    dec(TERN_TYPE_INTEGER, P, "-9223372036854775808", "/0/0/0=i:-9223372036854775808");
    dec(TERN_TYPE_INTEGER, P, "9223372036854775808", "error");
    dec(TERN_TYPE_INTEGER, P, "-9223372036854775809", "error");
    dec(TERN_TYPE_INTEGER, P, "", "error");
    dec(TERN_TYPE_INTEGER, P, "-", "error");
    dec(TERN_TYPE_INTEGER, P, "12a", "error");
    dec(TERN_TYPE_INTEGER, P, " 12", "error");
    dec(TERN_TYPE_UNSIGNED, P, "18", "/0/0/0=u:18");
    dec(TERN_TYPE_UNSIGNED, P, "18446744073709551615", "/0/0/0=u:18446744073709551615");
    dec(TERN_TYPE_UNSIGNED, P, "18446744073709551616", "error");
    dec(TERN_TYPE_UNSIGNED, P, "-1", "error");
    dec(TERN_TYPE_FLOAT, P, "0", "/0/0/0=f:0");
    dec(TERN_TYPE_FLOAT, P, "-0.987", "/0/0/0=f:-0.98699999999999999");
    dec(TERN_TYPE_FLOAT, P, "-123.125", "/0/0/0=f:-123.125");
    dec(TERN_TYPE_FLOAT, P, "0.00000000006667", "/0/0/0=f:6.6670000000000001e-11");
    dec(TERN_TYPE_FLOAT, P, "1.0E10", "/0/0/0=f:10000000000");
    dec(TERN_TYPE_FLOAT, P, "", "error");
    dec(TERN_TYPE_FLOAT, P, "1.", "error");
    dec(TERN_TYPE_FLOAT, P, "NaN", "error");
    dec(TERN_TYPE_FLOAT, P, "1e999", "error");
    dec(TERN_TYPE_BOOLEAN, P, "1", "/0/0/0=b:1");
    dec(TERN_TYPE_BOOLEAN, P, "0", "/0/0/0=b:0");
    dec(TERN_TYPE_BOOLEAN, P, "true", "error");
    dec(TERN_TYPE_BOOLEAN, P, "", "error");
    dec(TERN_TYPE_OBJLNK, P, "65535:65535", "/0/0/0=l:65535:65535");
    dec(TERN_TYPE_OBJLNK, P, "1:2", "/0/0/0=l:1:2");
    const char *badlnk[] = {"", ":", "0:", ":0", "65536:65535", "65535:65536", " 1:2"};
    for (size_t i = 0; i < TERN_ARRAY_LEN(badlnk); i++)
        dec(TERN_TYPE_OBJLNK, P, badlnk[i], "error");
    dec(TERN_TYPE_TIME, "/3/0/13", "1367491215", "/3/0/13=t:1367491215");
    dec(TERN_TYPE_STRING, "/3/0/0", "Open Mobile Alliance", "/3/0/0=s:Open Mobile Alliance");
    dec(TERN_TYPE_STRING, P, "", "/0/0/0=s:");
    dec(TERN_TYPE_STRING, P, "\xf0\x9f\x91\xa8x", "/0/0/0=s:\xf0\x9f\x91\xa8x");
    dec(TERN_TYPE_STRING, P, "a\xc3", "error");
    dec(TERN_TYPE_STRING, P, "a\xff", "error");
    dec(TERN_TYPE_NONE, P, "abc", "/0/0/0=s:abc");
    dec(TERN_TYPE_OPAQUE, "/5/0/0", "AQIDBAU=", "/5/0/0=o:0102030405");
    dec(TERN_TYPE_OPAQUE, P, "", "/0/0/0=o:");
    dec(TERN_TYPE_OPAQUE, P, "AQI=", "/0/0/0=o:0102");
    dec(TERN_TYPE_OPAQUE, P, "AQ==", "/0/0/0=o:01");
    dec(TERN_TYPE_OPAQUE, P, "!,-INVALID$_'", "error");
    dec(TERN_TYPE_OPAQUE, P, "AQIDBAU", "error");
    dec(TERN_TYPE_OPAQUE, P, "AQ==AQID", "error");
    dec(TERN_TYPE_OPAQUE, P, "AR==", "error");
    dec(TERN_TYPE_OPAQUE, P, "A===", "error");
    /* object / instance paths are not plain text */
    tdump d;
    CHECK(tdecode(TERN_CF_TEXT, "/3/0", forced, NULL, (const uint8_t *)"1", 1, 0, &d, NULL) < 0);
    /* error offset */
    size_t off = 0;
    tern_type ti = TERN_TYPE_INTEGER;
    CHECK(tdecode(TERN_CF_TEXT, P, forced, &ti, (const uint8_t *)"123x5", 5, 0, &d, &off) < 0);
    CHECK_EQ(off, 3);
}

static void test_encode(void)
{
    const char *P = "/0/0/0";
    enc(P, vi(0), "0");
    enc(P, vi(-128), "-128");
    enc(P, vi(INT64_MAX), "9223372036854775807");
    enc(P, vi(INT64_MIN), "-9223372036854775808");
    tern_value u = {TERN_TYPE_UNSIGNED, {.u = UINT64_MAX}};
    enc(P, u, "18446744073709551615");
    enc(P, vf(0.0), "0.0");
    enc(P, vf(0.123), "0.123");
    enc(P, vf(-0.987), "-0.987");
    enc(P, vf(3.0), "3.0");
    enc(P, vf(-10.0), "-10.0");
    enc(P, vf(2.333), "2.333");
    enc(P, vf(-123.125), "-123.125");
    enc(P, vf(56.4), "56.4");
    enc(P, vf(6.667e-11), "0.00000000006667");
    enc(P, vf(1e20), "100000000000000000000.0");
    enc(P, vf(1e21), "1e21");
    enc(P, vf(1.5e-300), "1.5e-300");
    enc(P, vf(0.1 + 0.2), "0.30000000000000004");
    enc(P, vf(NAN), NULL);
    tern_value b = {TERN_TYPE_BOOLEAN, {.b = true}};
    enc(P, b, "1");
    b.v.b = false;
    enc(P, b, "0");
    tern_value l = {TERN_TYPE_OBJLNK, {.lnk = {65535, 65535}}};
    enc(P, l, "65535:65535");
    tern_value t = {TERN_TYPE_TIME, {.i = 1367491215}};
    enc("/3/0/13", t, "1367491215");
    tern_value s = {TERN_TYPE_STRING, {.bytes = {(const uint8_t *)"test_string", 11}}};
    enc(P, s, "test_string");
    tern_value bad = {TERN_TYPE_STRING, {.bytes = {(const uint8_t *)"\xc3", 1}}};
    enc(P, bad, NULL);
    const uint8_t raw[] = {1, 2, 3, 4, 5};
    tern_value o = {TERN_TYPE_OPAQUE, {.bytes = {raw, 5}}};
    enc("/5/0/0", o, "AQIDBAU=");

    /* a multiple-instance resource, a second value, object level: refused */
    uint8_t buf[64];
    tern_encoder e;
    tern_path rp = tern_path_make(3, 3, 0, 6, 0);
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TEXT, &rp, NULL, 0), 0);
    tern_entry en;
    memset(&en, 0, sizeof en);
    en.path = tern_path_make(4, 3, 0, 6, 0);
    en.value = vi(1);
    tern_wbuf w = tern_wbuf_make(buf, sizeof buf);
    CHECK_EQ(tern_encoder_add(&e, &en, &w), TERN_EUNSUPPORTED);
    rp = tern_path_make(3, 3, 0, 9, 0);
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TEXT, &rp, NULL, 0), 0);
    en.path = rp;
    CHECK_EQ(tern_encoder_add(&e, &en, &w), 0);
    CHECK_EQ(tern_encoder_add(&e, &en, &w), TERN_EUNSUPPORTED);
    rp = tern_path_make(2, 3, 0, 0, 0);
    CHECK(tern_encoder_init(&e, TERN_CF_TEXT, &rp, NULL, 0) < 0);
}

/* base64 opaque given in odd-sized chunks encodes to the same text, and
 * decodes back in 5-byte blocks */
static void test_chunks(void)
{
    uint8_t raw[1000];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(i * 31 + 7);
    char text[2000];
    tern_encoder e;
    tern_path rp = tern_path_make(3, 5, 0, 0, 0);
    size_t lens[] = {1, 2, 7, 990};
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TEXT, &rp, NULL, 0), 0);
    tern_wbuf w = tern_wbuf_make((uint8_t *)text, sizeof text);
    size_t off = 0;
    for (size_t i = 0; i < 4; i++) {
        tern_entry en;
        memset(&en, 0, sizeof en);
        en.path = rp;
        en.value.type = TERN_TYPE_OPAQUE;
        en.value.v.bytes.ptr = raw + off;
        en.value.v.bytes.len = lens[i];
        en.offset = (uint32_t)off;
        en.more = i < 3;
        CHECK_EQ(tern_encoder_add(&e, &en, &w), 0);
        off += lens[i];
    }
    CHECK_EQ(tern_encoder_finish(&e, &w), 0);
    CHECK_EQ(w.len, 1336);
    tern_type to = TERN_TYPE_OPAQUE;
    tdump d1, d2;
    CHECK_EQ(tdecode(TERN_CF_TEXT, "/5/0/0", forced, &to, (uint8_t *)text, w.len, 5, &d1, NULL), TERN_DONE);
    CHECK_EQ(tdecode(TERN_CF_TEXT, "/5/0/0", forced, &to, (uint8_t *)text, w.len, 1000, &d2, NULL), TERN_DONE);
    CHECK_STR(d1.s, d2.s);
    CHECK_EQ(strlen(d1.s), strlen("/5/0/0=o:") + 2000);
}

int main(void)
{
    TRUN(test_decode);
    TRUN(test_encode);
    TRUN(test_chunks);
    return tdone();
}
