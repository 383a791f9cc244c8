/* Opaque (42): chunked 300 KB firmware through a small scratch, empty
 * payload, encoder pass-through and refusals. */
#include "codec_testutil.h"
#include "tharness.h"

static uint8_t img[300 * 1024];

static void test_firmware(void)
{
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i ^ (i >> 8));
    uint8_t scratch[512];
    tern_decoder d;
    tern_path rp = tern_path_make(3, 5, 0, 0, 0);
    CHECK_EQ(tern_decoder_init(&d, TERN_CF_OPAQUE, &rp, NULL, NULL, scratch, sizeof scratch), 0);
    size_t got = 0;
    bool bad = false, saw_last = false;
    for (size_t pos = 0; pos < sizeof img;) {
        size_t k = sizeof img - pos < 512 ? sizeof img - pos : 512;
        CHECK_EQ(tern_decoder_feed(&d, img + pos, k, false), 0);
        pos += k;
        tern_entry e;
        while (tern_decoder_next(&d, &e) == TERN_OK) {
            if (e.offset != got || memcmp(e.value.v.bytes.ptr, img + got, e.value.v.bytes.len) || !e.more)
                bad = true;
            got += e.value.v.bytes.len;
        }
    }
    CHECK_EQ(tern_decoder_feed(&d, NULL, 0, true), 0);
    tern_entry e;
    CHECK_EQ(tern_decoder_next(&d, &e), TERN_OK);
    if (!e.more && e.value.v.bytes.len == 0 && e.total == sizeof img)
        saw_last = true;
    CHECK_EQ(tern_decoder_next(&d, &e), TERN_DONE);
    CHECK(!bad);
    CHECK(saw_last);
    CHECK_EQ(got, sizeof img);
}

static void test_small(void)
{
    tdump d;
    const uint8_t b[] = {0xde, 0xad, 0xbe, 0xef};
    CHECK_EQ(tdecode(TERN_CF_OPAQUE, "/5/0/0", NULL, NULL, b, 4, 1, &d, NULL), TERN_DONE);
    CHECK_STR(d.s, "/5/0/0=o:deadbeef");
    CHECK_EQ(tdecode(TERN_CF_OPAQUE, "/5/0/0", NULL, NULL, b, 0, 0, &d, NULL), TERN_DONE);
    CHECK_STR(d.s, "/5/0/0=o:");
    CHECK(tdecode(TERN_CF_OPAQUE, "/5/0", NULL, NULL, b, 4, 0, &d, NULL) < 0);

    uint8_t out[8];
    tern_encoder e;
    tern_path rp = tern_path_make(3, 5, 0, 0, 0);
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_OPAQUE, &rp, NULL, 0), 0);
    tern_entry en;
    memset(&en, 0, sizeof en);
    en.path = rp;
    en.value.type = TERN_TYPE_OPAQUE;
    en.value.v.bytes.ptr = b;
    en.value.v.bytes.len = 4;
    en.more = true;
    tern_wbuf w = tern_wbuf_make(out, 6);
    CHECK_EQ(tern_encoder_add(&e, &en, &w), 0);
    en.offset = 4;
    en.more = false;
    CHECK_EQ(tern_encoder_add(&e, &en, &w), TERN_ENOMEM);
    CHECK_EQ(w.len, 4);
    w.len = 0;
    CHECK_EQ(tern_encoder_add(&e, &en, &w), 0);
    CHECK_EQ(tern_encoder_finish(&e, &w), 0);
    CHECK_MEM(out, b, 4);
    CHECK_EQ(tern_encoder_add(&e, &en, &w), TERN_EUNSUPPORTED);
    /* only Opaque values */
    CHECK_EQ(tern_encoder_init(&e, TERN_CF_OPAQUE, &rp, NULL, 0), 0);
    en.offset = 0;
    en.value.type = TERN_TYPE_STRING;
    CHECK_EQ(tern_encoder_add(&e, &en, &w), TERN_ETYPE);
}

int main(void)
{
    TRUN(test_firmware);
    TRUN(test_small);
    return tdone();
}
