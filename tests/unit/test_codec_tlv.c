/* OMA-TLV (11542): vectors from ../shared/vectors/tlv.json and the Core
 * spec examples, chunked decoding, round trips, encoder container rules. */
#include <stdlib.h>

#include "codec_testutil.h"
#include "tharness.h"

/* A small model: /3 Device, /2 ACL, /1 Server, /65 and /66 of the Core
 * spec's Figure C.-1, /5/0/0 firmware package; ctx forces one type. */
static tern_type model1(void *ctx, const tern_path *p);
/* multiple-instance resources carry the 0x100 flag (codec.h) */
static tern_type model(void *ctx, const tern_path *p)
{
    tern_type t = model1(ctx, p);
    if (!ctx && p->len >= 3 && t != TERN_TYPE_NONE) {
        unsigned o = p->ids[0], r = p->ids[2];
        if ((o == 3 && (r == 6 || r == 7 || r == 8 || r == 11 || r == 22)) || (o == 2 && r == 2) || (o == 65 && r == 0))
            t = (tern_type)((unsigned)t | 0x100u);
    }
    return t;
}

static tern_type model1(void *ctx, const tern_path *p)
{
    if (ctx)
        return *(const tern_type *)ctx;
    if (p->len < 3)
        return TERN_TYPE_NONE;
    unsigned o = p->ids[0], r = p->ids[2];
    switch (o) {
    case 1: return r == 6 ? TERN_TYPE_BOOLEAN : r == 7 ? TERN_TYPE_STRING : TERN_TYPE_INTEGER;
    case 2: return TERN_TYPE_INTEGER;
    case 3:
        if (r <= 3 || r == 14 || r == 15 || r == 16) return TERN_TYPE_STRING;
        if (r == 13) return TERN_TYPE_TIME;
        return TERN_TYPE_INTEGER;
    case 5: return r == 0 ? TERN_TYPE_OPAQUE : TERN_TYPE_INTEGER;
    case 65: return r == 0 ? TERN_TYPE_OBJLNK : r == 1 ? TERN_TYPE_STRING : TERN_TYPE_INTEGER;
    case 66: return r == 2 ? TERN_TYPE_OBJLNK : TERN_TYPE_STRING;
    case 3442: return TERN_TYPE_CORELNK;
    default: return TERN_TYPE_NONE;
    }
}

static uint8_t in[400000];
static uint8_t outb[400000];

/* Decodes hex at path whole, in 1-byte chunks and in 7-byte chunks; all
 * three must agree with `want` ("error" for a failure). */
static void dec_case(const char *path, const char *hex, void *ctx, const char *want)
{
    int n = thex(hex, in, sizeof in);
    CHECK(n >= 0);
    size_t sizes[] = {0, 1, 7};
    for (size_t i = 0; i < 3; i++) {
        tdump d;
        int rc = tdecode(TERN_CF_TLV, path, model, ctx, in, (size_t)n, sizes[i], &d, NULL);
        if (strcmp(want, "error") == 0) {
            if (rc >= 0)
                fprintf(stderr, "  expected error for %s %s, got %d: %s\n", path, hex, rc, d.s);
            CHECK(rc < 0);
        } else {
            CHECK_EQ(rc, TERN_DONE);
            if (strcmp(d.s, want) != 0)
                fprintf(stderr, "  chunk %zu at %s:\n   got  %s\n   want %s\n", sizes[i], path, d.s, want);
            CHECK_STR(d.s, want);
        }
    }
}

/* Decode at `path`, re-encode at the same path: must give the same bytes. */
static void roundtrip(const char *path, const char *hex, void *ctx)
{
    int n = thex(hex, in, sizeof in);
    CHECK(n >= 0);
    static uint8_t scratch[1024], escratch[512];
    tern_decoder d;
    tern_encoder e;
    tern_path rp;
    tern_path_parse(&rp, path, strlen(path));
    CHECK_EQ(tern_decoder_init(&d, TERN_CF_TLV, &rp, model, ctx, scratch, sizeof scratch), 0);
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TLV, &rp, escratch, sizeof escratch), 0);
    tern_wbuf w = tern_wbuf_make(outb, sizeof outb);
    CHECK_EQ(tern_decoder_feed(&d, in, (size_t)n, true), 0);
    tern_entry en;
    int rc;
    while ((rc = tern_decoder_next(&d, &en)) == TERN_OK)
        CHECK_EQ(tern_encoder_add(&e, &en, &w), 0);
    CHECK_EQ(rc, TERN_DONE);
    CHECK_EQ(tern_encoder_finish(&e, &w), 0);
    CHECK_EQ(w.len, n);
    CHECK_MEM(w.ptr, in, (size_t)n);
}

static const char *DEV_HEX =
    "c800144f70656e204d6f62696c6520416c6c69616e6365c801164c69676874776569676874204d324d20436c69656e74c8020933"
    "3435303030313233c303312e30860641000141010588070842000ed842011388870841007d42010384c10964c10a0f830b4100"
    "00c40d5182428fc60e2b30323a3030c11055";
static const char *DEV_WANT =
    "/3/0/0=s:Open Mobile Alliance /3/0/1=s:Lightweight M2M Client /3/0/2=s:345000123 /3/0/3=s:1.0 "
    "/3/0/6/0=i:1 /3/0/6/1=i:5 /3/0/7/0=i:3800 /3/0/7/1=i:5000 /3/0/8/0=i:125 /3/0/8/1=i:900 /3/0/9=i:100 "
    "/3/0/10=i:15 /3/0/11/0=i:0 /3/0/13=t:1367491215 /3/0/14=s:+02:00 /3/0/16=s:U";

static void test_device_instance(void)
{
    dec_case("/3/0", DEV_HEX, NULL, DEV_WANT);
    dec_case("/3", DEV_HEX, NULL, DEV_WANT); /* unwrapped at object path: instance 0 */
    char wrapped[600];
    snprintf(wrapped, sizeof wrapped, "080079%s", DEV_HEX);
    dec_case("/3/0", wrapped, NULL, DEV_WANT);
    dec_case("/3", wrapped, NULL, DEV_WANT);
    roundtrip("/3/0", DEV_HEX, NULL);
    roundtrip("/3", wrapped, NULL); /* encoding at /3 wraps in an Object Instance */
}

static void test_spec_examples(void)
{
    const char *acl = "08000ec10001c101008302417f07c1037f080212c10003c101008702417f0761013601c1037f";
    dec_case("/2", acl, NULL,
             "/2/0/0=i:1 /2/0/1=i:0 /2/0/2/127=i:7 /2/0/3=i:127 /2/2/0=i:3 /2/2/1=i:0 /2/2/2/127=i:7 "
             "/2/2/2/310=i:1 /2/2/3=i:127");
    roundtrip("/2", acl, NULL);
    const char *o65 = "88000c440000420000440100420001c8010d38363133383030373535353030c40212345678";
    dec_case("/65/0", o65, NULL, "/65/0/0/0=l:66:0 /65/0/0/1=l:66:1 /65/0/1=s:8613800755500 /65/0/2=i:305419896");
    roundtrip("/65/0", o65, NULL);
    dec_case("/66",
             "080026c8000b6d79536572766963652031c8010f496e7465726e65742e31352e323334c40200430000080126c8000b6d79"
             "536572766963652032c8010f496e7465726e65742e31352e323335c402ffffffff",
             NULL,
             "/66/0/0=s:myService 1 /66/0/1=s:Internet.15.234 /66/0/2=l:67:0 /66/1/0=s:myService 2 "
             "/66/1/1=s:Internet.15.235 /66/1/2=l:65535:65535");
    dec_case("/1", "08000fc10001c40100015180c10601c10755", NULL, "/1/0/0=i:1 /1/0/1=i:86400 /1/0/6=b:1 /1/0/7=s:U");
    /* the spec's errata: containers whose declared length is wrong */
    dec_case("/1", "08000dc10001c40100015180c10601c10755", NULL, "error");
    dec_case("/66",
             "080023c8000b6d79536572766963652031c8010f496e7465726e65742e31352e323334c40200430000080123c8000b6d79"
             "536572766963652032c8010f496e7465726e65742e31352e323335c402ffffffff",
             NULL, "error");
}

static void test_structure(void)
{
    dec_case("/2", "00010001", NULL, "error");                         /* duplicate instance */
    dec_case("/3/0", "c001c001", NULL, "error");                       /* duplicate resource */
    dec_case("/3/0/22", "88160c440000640001440000650002", NULL, "error"); /* duplicate instance id */
    dec_case("/10234", "c60176616c756531c60276616c756531", NULL, "/10234/0/1=o:76616c756531 /10234/0/2=o:76616c756531");
    dec_case("/3/0/1", "080008c601636c69656e74", NULL, "/3/0/1=s:client");
    dec_case("/3/0/1", "080108c601636c69656e74", NULL, "error");
    dec_case("/3/0/6", "410001410105", NULL, "/3/0/6/0=i:1 /3/0/6/1=i:5");
    dec_case("/3/0/6", "8606410001410105", NULL, "/3/0/6/0=i:1 /3/0/6/1=i:5");
    dec_case("/3/0/0", "c8000e4d794d616e756661637475726572", NULL, "/3/0/0=s:MyManufacturer");
    dec_case("/3/0/0", "c8010e4d794d616e756661637475726572", NULL, "error"); /* other resource */
    dec_case("/2", "", NULL, "");
    dec_case("/2/0", "", NULL, "/2/0=inst");
    dec_case("/3/0/6", "", NULL, "/3/0/6=multi");
    dec_case("/3/0/6/0", "", NULL, "error");
    dec_case("/2", "0001", NULL, "/2/1=inst");
    dec_case("/3/0", "8006", NULL, "/3/0/6=multi");
    dec_case("/3/0", "8606", NULL, "error");
    dec_case("/3/0", "0011223344556677889900", NULL, "error");
    dec_case("/3/0", "c800c8", NULL, "error");                /* truncated value */
    dec_case("/3/0", "c800", NULL, "error");                  /* truncated header */
    dec_case("/3/0", "c10201c103", NULL, "error");            /* truncated mid-element */
    dec_case("/3/0", "86054100014101", NULL, "error");        /* child overruns its container */
    dec_case("/3/0", "8606c10001410105", NULL, "error");      /* resource inside multiple */
    dec_case("/3/0", "0800034100", NULL, "error");            /* instance inside instance path, RI child */
    dec_case("/3/0", "410001", NULL, "error");                /* bare RI at an instance path */
    dec_case("/", "c10001", NULL, "error");                   /* root path */
    dec_case("/10234/0", "e1fffe01", NULL, "/10234/0/65534=o:01");
    dec_case("/3/0", "e1ffff01", NULL, "error");              /* id 65535 reserved */
    dec_case("/3442/0",
             "0800108e00b40c3c2f3e3b63743d313135343300", NULL, "error"); /* junk */
}

static void test_values(void)
{
    tern_type ti = TERN_TYPE_INTEGER, tu = TERN_TYPE_UNSIGNED, tf = TERN_TYPE_FLOAT, tb = TERN_TYPE_BOOLEAN,
              tl = TERN_TYPE_OBJLNK, ts = TERN_TYPE_STRING, tt = TERN_TYPE_TIME;
    dec_case("/0/0/170", "c1aa80", &ti, "/0/0/170=i:-128");
    dec_case("/0/0/43707", "e2aabb8000", &ti, "/0/0/43707=i:-32768");
    dec_case("/0/0/170", "c8aa087fffffffffffffff", &ti, "/0/0/170=i:9223372036854775807");
    dec_case("/0/0/43707", "e8aabb088000000000000000", &ti, "/0/0/43707=i:-9223372036854775808");
    dec_case("/0/0/170", "c3aa000000", &ti, "error"); /* 3-byte integer */
    dec_case("/0/0/170", "c1aaff", &tu, "/0/0/170=u:255");
    dec_case("/0/0/170", "c8aa08ffffffffffffffff", &tu, "/0/0/170=u:18446744073709551615");
    dec_case("/0/0/170", "c8aa083fbf7ced916872b0", &tf, "/0/0/170=f:0.123");
    dec_case("/0/0/170", "c4aa3fc00000", &tf, "/0/0/170=f:1.5");
    dec_case("/0/0/170", "c2aa3fc0", &tf, "error");
    dec_case("/0/0/170", "c1aa01", &tb, "/0/0/170=b:1");
    dec_case("/0/0/170", "c1aa00", &tb, "/0/0/170=b:0");
    dec_case("/0/0/170", "c1aa02", &tb, "error");
    dec_case("/0/0/170", "c2aa0001", &tb, "error");
    dec_case("/0/0/170", "c4aa12345678", &tl, "/0/0/170=l:4660:22136");
    dec_case("/0/0/170", "c3aa010203", &tl, "error");
    dec_case("/0/0/170", "c8aa0cf09f91a8f09f91a9f09fa4a1", &ts, "/0/0/170=s:\xf0\x9f\x91\xa8\xf0\x9f\x91\xa9\xf0\x9f\xa4\xa1");
    dec_case("/0/0/170", "c2aac328", &ts, "error"); /* invalid UTF-8 */
    dec_case("/0/0/170", "c2aaf09f", &ts, "error"); /* UTF-8 cut at the end */
    dec_case("/0/0/170", "c4aa51824290", &tt, "/0/0/170=t:1367491216");
}

static void enc_one(const char *path, const tern_entry *en, const char *want_hex)
{
    uint8_t want[64];
    int n = thex(want_hex, want, sizeof want);
    uint8_t sc[64], buf[64];
    tern_encoder e;
    tern_path rp;
    tern_path_parse(&rp, path, strlen(path));
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TLV, &rp, sc, sizeof sc), 0);
    tern_wbuf w = tern_wbuf_make(buf, sizeof buf);
    CHECK_EQ(tern_encoder_add(&e, en, &w), 0);
    CHECK_EQ(tern_encoder_finish(&e, &w), 0);
    CHECK_EQ(w.len, n);
    CHECK_MEM(buf, want, (size_t)n);
    if (w.len != (size_t)n || memcmp(buf, want, (size_t)n)) {
        fprintf(stderr, "  encode at %s gave ", path);
        for (size_t i = 0; i < w.len; i++)
            fprintf(stderr, "%02x", buf[i]);
        fprintf(stderr, ", want %s\n", want_hex);
    }
}

static tern_entry ent(const char *path, tern_type t)
{
    tern_entry e;
    memset(&e, 0, sizeof e);
    tern_path_parse(&e.path, path, strlen(path));
    e.value.type = t;
    return e;
}

static void test_encode_values(void)
{
    struct { int64_t v; const char *hex; } ints[] = {
        {0, "c1aa00"}, {127, "c1aa7f"}, {-128, "c1aa80"}, {128, "c2aa0080"}, {-129, "c2aaff7f"},
        {32767, "c2aa7fff"}, {32768, "c4aa00008000"}, {1245823, "c4aa0013027f"},
        {2147483648LL, "c8aa080000000080000000"}, {INT64_MIN, "c8aa088000000000000000"},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(ints); i++) {
        tern_entry e = ent("/0/0/170", TERN_TYPE_INTEGER);
        e.value.v.i = ints[i].v;
        enc_one("/0/0/170", &e, ints[i].hex);
    }
    tern_entry e = ent("/0/0/43707", TERN_TYPE_INTEGER);
    e.value.v.i = -128;
    enc_one("/0/0/43707", &e, "e1aabb80");
    e = ent("/0/0/170", TERN_TYPE_FLOAT);
    e.value.v.f = 3.0;
    enc_one("/0/0/170", &e, "c8aa084008000000000000");
    e = ent("/0/0/170", TERN_TYPE_BOOLEAN);
    e.value.v.b = true;
    enc_one("/0/0/170", &e, "c1aa01");
    e = ent("/0/0/170", TERN_TYPE_OBJLNK);
    e.value.v.lnk.oid = 1;
    e.value.v.lnk.iid = 2;
    enc_one("/0/0/170", &e, "c4aa00010002");
    e = ent("/0/0/170", TERN_TYPE_STRING);
    e.value.v.bytes.ptr = (const uint8_t *)"test_string";
    e.value.v.bytes.len = 11;
    enc_one("/0/0/170", &e, "c8aa0b746573745f737472696e67");
    e = ent("/1/0/500", TERN_TYPE_UNSIGNED);
    e.value.v.u = 100;
    enc_one("/1/0/500", &e, "e101f464");
    e = ent("/1/0/1", TERN_TYPE_UNSIGNED);
    e.value.v.u = 200;
    enc_one("/1/0/1", &e, "c101c8");
    e = ent("/3/0/6/1", TERN_TYPE_INTEGER);
    e.value.v.i = 5;
    enc_one("/3/0/6/1", &e, "410105");
    enc_one("/3/0/6", &e, "8306410105");
}

static void test_encode_containers(void)
{
    /* object level: two instances, second with a multiple resource; then
     * an empty instance */
    uint8_t sc[64], buf[128];
    tern_encoder e;
    tern_path rp = tern_path_make(1, 2, 0, 0, 0);
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TLV, &rp, sc, sizeof sc), 0);
    tern_wbuf w = tern_wbuf_make(buf, sizeof buf);
    const char *paths[] = {"/2/0/0", "/2/0/1", "/2/0/2/127", "/2/0/3", "/2/2/0", "/2/2/1", "/2/2/2/127", "/2/2/2/310", "/2/2/3"};
    int64_t vals[] = {1, 0, 7, 127, 3, 0, 7, 1, 127};
    for (size_t i = 0; i < TERN_ARRAY_LEN(paths); i++) {
        tern_entry en = ent(paths[i], TERN_TYPE_INTEGER);
        en.value.v.i = vals[i];
        CHECK_EQ(tern_encoder_add(&e, &en, &w), 0);
    }
    tern_entry em = ent("/2/3", TERN_TYPE_NONE);
    em.kind = TERN_ENTRY_EMPTY_INSTANCE;
    CHECK_EQ(tern_encoder_add(&e, &em, &w), 0);
    CHECK_EQ(tern_encoder_finish(&e, &w), 0);
    uint8_t want[64];
    int n = thex("08000ec10001c101008302417f07c1037f080212c10003c101008702417f0761013601c1037f0003", want, sizeof want);
    CHECK_EQ(w.len, n);
    CHECK_MEM(buf, want, (size_t)n);

    /* atomicity: out too small gives ENOMEM and a retry after draining works */
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TLV, &rp, sc, sizeof sc), 0);
    uint8_t small[24];
    tern_wbuf ws = tern_wbuf_make(small, sizeof small);
    size_t total = 0;
    uint8_t all[128];
    for (size_t i = 0; i <= TERN_ARRAY_LEN(paths); i++) {
        tern_entry en = ent(i < TERN_ARRAY_LEN(paths) ? paths[i] : "/2/3", TERN_TYPE_INTEGER);
        if (i < TERN_ARRAY_LEN(paths))
            en.value.v.i = vals[i];
        else
            en.kind = TERN_ENTRY_EMPTY_INSTANCE;
        int rc;
        while ((rc = tern_encoder_add(&e, &en, &ws)) == TERN_ENOMEM && ws.len > 0) {
            memcpy(all + total, small, ws.len);
            total += ws.len;
            ws.len = 0;
        }
        CHECK_EQ(rc, 0);
    }
    CHECK_EQ(tern_encoder_finish(&e, &ws), 0);
    memcpy(all + total, small, ws.len);
    total += ws.len;
    CHECK_EQ(total, n);
    CHECK_MEM(all, want, total);
    /* an instance larger than out can never fit: ENOMEM, and it stays */
    uint8_t sm2[8];
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TLV, &rp, sc, sizeof sc), 0);
    ws = tern_wbuf_make(sm2, sizeof sm2);
    for (size_t i = 0; i < 4; i++) {
        tern_entry en = ent(paths[i], TERN_TYPE_INTEGER);
        CHECK_EQ(tern_encoder_add(&e, &en, &ws), 0);
    }
    tern_entry en5 = ent(paths[4], TERN_TYPE_INTEGER);
    CHECK_EQ(tern_encoder_add(&e, &en5, &ws), TERN_ENOMEM);
    CHECK_EQ(ws.len, 0);

    /* scratch smaller than an instance: TERN_ETOOBIG */
    uint8_t tiny[4];
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TLV, &rp, tiny, sizeof tiny), 0);
    tern_entry s = ent("/2/0/0", TERN_TYPE_STRING);
    s.value.v.bytes.ptr = (const uint8_t *)"hello";
    s.value.v.bytes.len = 5;
    w = tern_wbuf_make(buf, sizeof buf);
    CHECK_EQ(tern_encoder_add(&e, &s, &w), TERN_ETOOBIG);

    /* out of order, outside the path, root path */
    rp = tern_path_make(2, 3, 0, 0, 0);
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TLV, &rp, sc, sizeof sc), 0);
    tern_entry a = ent("/3/0/2", TERN_TYPE_INTEGER), b = ent("/3/0/1", TERN_TYPE_INTEGER), c = ent("/3/1/1", TERN_TYPE_INTEGER);
    w = tern_wbuf_make(buf, sizeof buf);
    CHECK_EQ(tern_encoder_add(&e, &a, &w), 0);
    CHECK_EQ(tern_encoder_add(&e, &b, &w), TERN_EINVAL);
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TLV, &rp, sc, sizeof sc), 0);
    CHECK_EQ(tern_encoder_add(&e, &c, &w), TERN_EINVAL);
    rp = tern_path_root();
    CHECK(tern_encoder_init(&e, TERN_CF_TLV, &rp, sc, sizeof sc) < 0);
}

/* A 300 KB firmware image written to /5/0/0: encoded in 1 KB chunks straight
 * to out (24-bit length), decoded in 1 KB blocks through 1 KB of scratch. */
static void test_firmware_chunked(void)
{
    const size_t N = 300 * 1024;
    static uint8_t img[300 * 1024];
    for (size_t i = 0; i < N; i++)
        img[i] = (uint8_t)(i * 7 + (i >> 9));
    uint8_t sc[16];
    tern_encoder e;
    tern_path rp = tern_path_make(3, 5, 0, 0, 0);
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_TLV, &rp, sc, sizeof sc), 0);
    tern_wbuf w = tern_wbuf_make(outb, sizeof outb);
    for (size_t off = 0; off < N; off += 1000) {
        tern_entry en = ent("/5/0/0", TERN_TYPE_OPAQUE);
        size_t k = N - off < 1000 ? N - off : 1000;
        en.value.v.bytes.ptr = img + off;
        en.value.v.bytes.len = k;
        en.offset = (uint32_t)off;
        en.total = (uint32_t)N;
        en.more = off + k < N;
        CHECK_EQ(tern_encoder_add(&e, &en, &w), 0);
    }
    CHECK_EQ(tern_encoder_finish(&e, &w), 0);
    CHECK_EQ(w.len, N + 5);
    CHECK_EQ(outb[0], 0xd8);

    uint8_t scratch[1024 + 8];
    tern_decoder d;
    CHECK_EQ(tern_decoder_init(&d, TERN_CF_TLV, &rp, model, NULL, scratch, sizeof scratch), 0);
    size_t got = 0, entries = 0;
    bool bad = false;
    for (size_t pos = 0; pos < w.len;) {
        size_t k = w.len - pos < 1024 ? w.len - pos : 1024;
        CHECK_EQ(tern_decoder_feed(&d, outb + pos, k, pos + k == w.len), 0);
        pos += k;
        tern_entry en;
        int rc;
        while ((rc = tern_decoder_next(&d, &en)) == TERN_OK) {
            entries++;
            if (en.offset != got || en.total != N || en.value.type != TERN_TYPE_OPAQUE ||
                memcmp(en.value.v.bytes.ptr, img + got, en.value.v.bytes.len) != 0)
                bad = true;
            got += en.value.v.bytes.len;
            if (en.more != (got < N))
                bad = true;
        }
        if (rc != TERN_AGAIN) {
            CHECK_EQ(rc, TERN_DONE);
            break;
        }
    }
    CHECK(!bad);
    CHECK_EQ(got, N);
    CHECK(entries >= 300);
}

int main(void)
{
    TRUN(test_device_instance);
    TRUN(test_spec_examples);
    TRUN(test_structure);
    TRUN(test_values);
    TRUN(test_encode_values);
    TRUN(test_encode_containers);
    TRUN(test_firmware_chunked);
    return tdone();
}
