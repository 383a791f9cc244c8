/* OMA JSON (11543): decode (streaming, trailing bt), encode byte-exact
 * (Zephyr's layout), hostile input. */
#include "tharness.h"
#include "tern/codec.h"

static int dec_all(const char *path, const char *doc, size_t step, tern_entry *es, int max, int *n)
{
    static uint8_t scratch[512];
    tern_path rp = tern_path_root();
    if (path)
        tern_path_parse(&rp, path, strlen(path));
    tern_decoder d;
    tern_decoder_init(&d, TERN_CF_OMA_JSON, &rp, NULL, NULL, scratch, sizeof scratch);
    size_t len = strlen(doc), pos = 0;
    *n = 0;
    for (;;) {
        size_t c = step ? TERN_MIN(step, len - pos) : len - pos;
        tern_decoder_feed(&d, (const uint8_t *)doc + pos, c, pos + c == len);
        pos += c;
        tern_entry e;
        int rc;
        while ((rc = tern_decoder_next(&d, &e)) == TERN_OK)
            if (*n < max)
                es[(*n)++] = e;
        if (rc != TERN_AGAIN)
            return rc;
    }
}

static void test_decode(void)
{
    tern_entry es[8];
    int n;
    const char *doc = "{\"bn\":\"/1024/0/\",\"e\":[{\"n\":\"1\",\"v\":22.9,\"t\":-30},{\"n\":\"0\",\"sv\":\"a\",\"t\":-5},"
                      "{\"n\":\"2\",\"ov\":\"3:0\"},{\"n\":\"3\",\"bv\":true}],\"bt\":25462634}";
    for (size_t step = 0; step < 4; step++) {
        CHECK_EQ(dec_all("/1024/0", doc, step, es, 8, &n), TERN_DONE);
        CHECK_EQ(n, 4);
        CHECK(es[0].value.type == TERN_TYPE_FLOAT && es[0].value.v.f == 22.9);
        CHECK(es[0].has_time && es[0].time == 25462604.0);
        CHECK(es[1].value.type == TERN_TYPE_STRING && es[1].time == 25462629.0);
        CHECK(es[2].value.type == TERN_TYPE_OBJLNK && es[2].value.v.lnk.oid == 3);
        CHECK(es[3].value.type == TERN_TYPE_BOOLEAN && !es[3].has_time);
    }
    CHECK_EQ(dec_all("/3/0/11", "{\"bn\":\"3/0/1\",\"e\":[{\"n\":\"1/0\",\"v\":0}]}", 1, es, 8, &n), TERN_DONE);
    CHECK(n == 1 && es[0].path.len == 4 && es[0].path.ids[2] == 11);
    CHECK_EQ(dec_all("/2/0", "{\"e\":[]}", 1, es, 8, &n), TERN_DONE);
    CHECK(n == 1 && es[0].kind == TERN_ENTRY_EMPTY_INSTANCE);
}

static void test_hostile(void)
{
    static const char *const bad[] = {
        "", "{}", "{\"e\":[{\"n\":\"0\"}],\"bn\":\"/3/0/\"}", "{\"bn\":\"3/0/\",\"e\":[{\"n\":\"1\",\"sv\":\"a\"},{\"n\":\"1\",\"sv\":\"b\"}]}",
        "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"1\",\"v\":1e}]}", "{\"e\":[],\"e\":[]}",
        "{\"e\":[{\"n\":\"/3/0/1\",\"sv\":\"a\"}]", "{\"e\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(bad); i++) {
        tern_entry es[4];
        int n;
        int rc0 = dec_all("/3/0/3", bad[i], 0, es, 4, &n);
        int rc1 = dec_all("/3/0/3", bad[i], 1, es, 4, &n);
        if (rc0 >= 0)
            fprintf(stderr, "bad[%zu] accepted\n", i);
        CHECK(rc0 < 0);
        CHECK_EQ(rc0, rc1);
    }
}

static void test_encode(void)
{
    uint8_t out[256];
    tern_path rp;
    rp = tern_path_make(3, 65535, 0, 5, 0);
    tern_encoder e;
    tern_encoder_init(&e, TERN_CF_OMA_JSON, &rp, NULL, 0);
    tern_wbuf w = tern_wbuf_make(out, sizeof out - 1);
    tern_entry en;
    memset(&en, 0, sizeof en);
    en.path = rp;
    en.value.type = TERN_TYPE_FLOAT;
    en.value.v.f = -10.0;
    CHECK_EQ(tern_encoder_add(&e, &en, &w), TERN_OK);
    en.path.ids[2] = 7;
    en.value.type = TERN_TYPE_OBJLNK;
    en.value.v.lnk = (tern_objlnk){65535, 65535};
    CHECK_EQ(tern_encoder_add(&e, &en, &w), TERN_OK);
    CHECK_EQ(tern_encoder_finish(&e, &w), TERN_OK);
    out[w.len] = 0;
    CHECK_STR((char *)out, "{\"bn\":\"/65535/0/\",\"e\":[{\"n\":\"5\",\"v\":-10.0},{\"n\":\"7\",\"ov\":\"65535:65535\"}]}");
}

int main(void)
{
    TRUN(test_decode);
    TRUN(test_hostile);
    TRUN(test_encode);
    return tdone();
}
