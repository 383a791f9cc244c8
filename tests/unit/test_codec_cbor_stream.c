/* Streaming CBOR-family encoders: a document larger than the encoder
 * scratch is written with indefinite-length containers (LwM2M CBOR maps,
 * SenML arrays) into a small output drained as the encoder asks
 * (TERN_ENOMEM / TERN_AGAIN), and decodes back to the same entries; a
 * document that fits keeps the definite form, byte-identical to an encoding
 * with a large scratch. */
#include <stdio.h>
#include <string.h>

#include "tharness.h"
#include "tern/codec.h"

#define NRES 5000

static uint8_t doc[1 << 20], scratch[512], big_scratch[1 << 18], dscratch[4096];
static char strs[NRES][32]; /* "value " + any size_t */

/* /3442/I/R with I = n / 100, R = n % 100; the type follows R */
static tern_type type_of_r(uint16_t r)
{
    static const tern_type t[] = {TERN_TYPE_INTEGER, TERN_TYPE_STRING, TERN_TYPE_FLOAT, TERN_TYPE_BOOLEAN,
                                  TERN_TYPE_OBJLNK};
    return t[r % 5];
}

static tern_type tfn(void *ctx, const tern_path *p)
{
    (void)ctx;
    return p->len >= 3 ? type_of_r(p->ids[2]) : TERN_TYPE_NONE;
}

static tern_entry mk(size_t n)
{
    tern_entry e;
    memset(&e, 0, sizeof e);
    e.kind = TERN_ENTRY_VALUE;
    uint16_t r = (uint16_t)(n % 100);
    e.path = tern_path_make(3, 3442, (uint16_t)(n / 100), r, 0);
    e.value.type = type_of_r(r);
    switch (e.value.type) {
    case TERN_TYPE_INTEGER: e.value.v.i = (int64_t)n * 977 - 1000000; break;
    case TERN_TYPE_STRING:
        snprintf(strs[n], sizeof strs[n], "value %zu", n);
        e.value.v.bytes.ptr = (const uint8_t *)strs[n];
        e.value.v.bytes.len = strlen(strs[n]);
        break;
    case TERN_TYPE_FLOAT: e.value.v.f = (double)n + 0.25; break;
    case TERN_TYPE_BOOLEAN: e.value.v.b = n & 1; break;
    default: e.value.v.lnk.oid = (uint16_t)n; e.value.v.lnk.iid = 7; break;
    }
    return e;
}

static bool same_entry(const tern_entry *a, const tern_entry *b)
{
    if (a->kind != b->kind || tern_path_cmp(&a->path, &b->path) != 0 || a->value.type != b->value.type)
        return false;
    switch (a->value.type) {
    case TERN_TYPE_INTEGER: return a->value.v.i == b->value.v.i;
    case TERN_TYPE_STRING:
        return a->value.v.bytes.len == b->value.v.bytes.len &&
               !memcmp(a->value.v.bytes.ptr, b->value.v.bytes.ptr, a->value.v.bytes.len);
    case TERN_TYPE_FLOAT: return a->value.v.f == b->value.v.f;
    case TERN_TYPE_BOOLEAN: return a->value.v.b == b->value.v.b;
    case TERN_TYPE_OBJLNK: return a->value.v.lnk.oid == b->value.v.lnk.oid && a->value.v.lnk.iid == b->value.v.lnk.iid;
    default: return false;
    }
}

/* Encodes n entries with scratch[0..cap) into 64-byte windows appended to
 * doc; returns the document length, 0 on failure. */
static size_t encode(int32_t cf, size_t n, uint8_t *scr, size_t cap, size_t *agains)
{
    tern_encoder e;
    tern_path root = tern_path_root();
    if (tern_encoder_init(&e, cf, &root, scr, cap))
        return 0;
    size_t len = 0;
    uint8_t win[64];
    tern_wbuf w = tern_wbuf_make(win, sizeof win);
    size_t spins = 0;
    for (size_t i = 0; i <= n; i++) {
        for (;;) {
            tern_entry en = mk(i);
            int rc = i < n ? tern_encoder_add(&e, &en, &w) : tern_encoder_finish(&e, &w);
            if (rc == TERN_OK)
                break;
            if (rc != TERN_ENOMEM && rc != TERN_AGAIN) {
                fprintf(stderr, "cf %d entry %zu: rc %d %s\n", (int)cf, i, rc, e.err_reason ? e.err_reason : "");
                return 0;
            }
            *agains += 1;
            if (w.len == 0 || ++spins > 100000) {
                fprintf(stderr, "cf %d entry %zu: no progress (rc %d)\n", (int)cf, i, rc);
                return 0;
            }
            memcpy(doc + len, win, w.len);
            len += w.len;
            w.len = 0;
        }
        spins = 0;
    }
    memcpy(doc + len, win, w.len);
    return len + w.len;
}

static size_t decode_check(int32_t cf, size_t len, size_t n)
{
    tern_decoder d;
    tern_path root = tern_path_root();
    if (tern_decoder_init(&d, cf, &root, tfn, NULL, dscratch, sizeof dscratch))
        return (size_t)-1;
    size_t got = 0, at = 0;
    for (;;) {
        tern_entry e;
        memset(&e, 0, sizeof e);
        int rc = tern_decoder_next(&d, &e);
        if (rc == TERN_OK) {
            tern_entry want = mk(got);
            if (got >= n || !same_entry(&e, &want)) {
                fprintf(stderr, "cf %d: entry %zu differs\n", (int)cf, got);
                return (size_t)-1;
            }
            got++;
            continue;
        }
        if (rc == TERN_DONE)
            return got;
        if (rc != TERN_AGAIN || at >= len) {
            fprintf(stderr, "cf %d: decode rc %d at %zu: %s\n", (int)cf, rc, d.err_offset,
                    d.err_reason ? d.err_reason : "");
            return (size_t)-1;
        }
        size_t c = len - at < 64 ? len - at : 64;
        if (tern_decoder_feed(&d, doc + at, c, at + c == len))
            return (size_t)-1;
        at += c;
    }
}

static void test_stream_large(void)
{
    static const int32_t cfs[] = {TERN_CF_LWM2M_CBOR, TERN_CF_SENML_CBOR, TERN_CF_SENML_ETCH_CBOR};
    for (size_t k = 0; k < 3; k++) {
        size_t agains = 0;
        size_t len = encode(cfs[k], NRES, scratch, sizeof scratch, &agains);
        CHECK(len > 0);
        if (!len)
            continue;
        CHECK(agains > 100);
        CHECK_EQ(doc[0], cfs[k] == TERN_CF_LWM2M_CBOR ? 0xbf : 0x9f);
        CHECK_EQ(doc[len - 1], 0xff);
        CHECK_EQ(decode_check(cfs[k], len, NRES), (size_t)NRES);
    }
}

static uint8_t ref[1 << 20];

static void test_fits_unchanged(void)
{
    static const int32_t cfs[] = {TERN_CF_LWM2M_CBOR, TERN_CF_SENML_CBOR, TERN_CF_SENML_ETCH_CBOR};
    static const size_t counts[] = {1, 3, 12, 20};
    for (size_t k = 0; k < 3; k++) {
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            size_t agains = 0;
            size_t rl = encode(cfs[k], counts[c], big_scratch, sizeof big_scratch, &agains);
            CHECK(rl > 0);
            memcpy(ref, doc, rl);
            size_t len = encode(cfs[k], counts[c], scratch, sizeof scratch, &agains);
            CHECK_EQ(len, rl);
            CHECK(len == rl && !memcmp(doc, ref, len));
            CHECK(doc[0] != 0xbf && doc[0] != 0x9f);
            CHECK_EQ(decode_check(cfs[k], len, counts[c]), counts[c]);
        }
    }
}

/* ENOMEM leaves the encoder unchanged: a zero-room output never changes a
 * streaming encoder, and the result equals the one drained eagerly. */
static void test_enomem_atomic(void)
{
    tern_encoder e;
    tern_path root = tern_path_root();
    for (int k = 0; k < 2; k++) {
        int32_t cf = k ? TERN_CF_SENML_CBOR : TERN_CF_LWM2M_CBOR;
        CHECK_EQ(tern_encoder_init(&e, cf, &root, scratch, sizeof scratch), TERN_OK);
        uint8_t none[1];
        tern_wbuf z = tern_wbuf_make(none, 0);
        size_t i = 0;
        int rc = TERN_OK;
        while (rc == TERN_OK && i < 200) {
            tern_entry en = mk(i);
            rc = tern_encoder_add(&e, &en, &z);
            if (rc == TERN_OK)
                i++;
        }
        CHECK_EQ(rc, TERN_ENOMEM);
        CHECK_EQ(z.len, (size_t)0);
        static tern_encoder before;
        memcpy(&before, &e, sizeof e);
        uint8_t sc_before[sizeof scratch];
        memcpy(sc_before, scratch, sizeof scratch);
        tern_entry en = mk(i);
        CHECK_EQ(tern_encoder_add(&e, &en, &z), TERN_ENOMEM);
        CHECK(!memcmp(&before, &e, sizeof e));
        CHECK(!memcmp(sc_before, scratch, sizeof scratch));
    }
}

int main(void)
{
    TRUN(test_stream_large);
    TRUN(test_fits_unchanged);
    TRUN(test_enomem_atomic);
    return tdone();
}
