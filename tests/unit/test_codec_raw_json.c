/* Unit tests: record-level OMA JSON and SenML JSON (tern/codec_raw.h). */
#include "tharness.h"
#include "tern/codec_raw.h"

static size_t collect(tern_raw_reader *r, tern_raw_rec *recs, size_t cap, int *last)
{
    size_t n = 0;
    int rc;
    while (n < cap && (rc = tern_raw_json_next(r, &recs[n])) == TERN_OK)
        n++;
    *last = rc;
    return n;
}

static void test_oma_roundtrip(void)
{
    const char *t = "{\"e\":[{\"n\":\"1/2\",\"v\":22.4,\"t\":-5},{\"n\":\"0\",\"sv\":\"a\\\"b\"},"
                    "{\"n\":\"A/0/0/0\",\"ov\":\"FFFF:FFFF\"},{\"n\":\"x\",\"bv\":true},{\"n\":\"y\"}],\"bt\":25462634}";
    char buf[256];
    strcpy(buf, t);
    tern_raw_reader r;
    CHECK_EQ(tern_raw_json_init(&r, 11543, (uint8_t *)buf, strlen(buf)), TERN_OK);
    CHECK(!r.has_bn && r.bt.present && r.bt.value == 25462634.0);
    tern_raw_rec recs[8];
    int last;
    size_t n = collect(&r, recs, 8, &last);
    CHECK_EQ(last, TERN_DONE);
    CHECK_EQ(n, 5);
    CHECK(recs[0].kind == TERN_RAW_NUM && recs[0].text.len == 4 && recs[0].t.present && recs[0].t.value == -5);
    CHECK(recs[1].kind == TERN_RAW_STR && recs[1].text.len == 3 && memcmp(recs[1].text.ptr, "a\"b", 3) == 0);
    CHECK(recs[2].kind == TERN_RAW_OBJLNK && recs[2].n.len == 7);
    CHECK(recs[3].kind == TERN_RAW_BOOL && recs[3].b);
    CHECK(recs[4].kind == TERN_RAW_NONE && recs[4].has_n);
    CHECK_EQ(tern_raw_json_next(&r, &recs[5]), TERN_DONE);
    uint8_t out[256];
    tern_wbuf w = tern_wbuf_make(out, sizeof out);
    CHECK_EQ(tern_raw_json_write(11543, NULL, &r.bt, recs, n, &w), TERN_OK);
    CHECK(w.len == strlen(t) && memcmp(out, t, w.len) == 0);
    for (size_t cap = 0; cap < strlen(t); cap++) {
        tern_wbuf s = tern_wbuf_make(out, cap);
        CHECK_EQ(tern_raw_json_write(11543, NULL, &r.bt, recs, n, &s), TERN_ENOMEM);
        CHECK_EQ(s.len, 0);
    }
}

static void test_senml(void)
{
    const char *t = "[{\"bn\":\"/3/0/\",\"bt\":10,\"n\":\"0\",\"vs\":\"x\"},{\"n\":\"9\",\"v\":5,\"t\":1},{\"n\":\"d\",\"vd\":\"AQ\"}]";
    char buf[256];
    strcpy(buf, t);
    tern_raw_reader r;
    CHECK_EQ(tern_raw_json_init(&r, 110, (uint8_t *)buf, strlen(buf)), TERN_OK);
    tern_raw_rec recs[4];
    int last;
    size_t n = collect(&r, recs, 4, &last);
    CHECK_EQ(last, TERN_DONE);
    CHECK_EQ(n, 3);
    CHECK(recs[0].has_bn && recs[0].bt.present && recs[0].kind == TERN_RAW_STR);
    CHECK(recs[2].kind == TERN_RAW_DATA);
    uint8_t out[256];
    tern_wbuf w = tern_wbuf_make(out, sizeof out);
    CHECK_EQ(tern_raw_json_write(110, NULL, NULL, recs, n, &w), TERN_OK);
    CHECK(w.len == strlen(t) && memcmp(out, t, w.len) == 0);
}

static void test_errors(void)
{
    static const struct {
        int32_t cf;
        const char *s;
        int rc;
    } bad[] = {
        {11543, "[]", TERN_EMALFORMED},
        {11543, "{\"bn\":\"/\"}", TERN_EMALFORMED},              /* no "e" */
        {11543, "{\"e\":[],\"e\":[]}", TERN_EDUPLICATE},
        {11543, "{\"e\":[]} x", TERN_EMALFORMED},
        {11543, "{\"e\":[{\"n\":\"1\",\"v\":1,\"sv\":\"a\"}]}", TERN_EMALFORMED}, /* two values */
        {11543, "{\"e\":[{\"n\":\"1\",\"n\":\"2\"}]}", TERN_EDUPLICATE},
        {11543, "{\"e\":[{\"n\":\"1\"},]}", TERN_EMALFORMED},
        {11543, "{\"e\":[{\"n\":1}]}", TERN_EMALFORMED},
        {110, "[{\"n\":\"1\",\"vb\":null}]", TERN_EMALFORMED},
        {110, "[{\"n\":\"1\"}", TERN_EMALFORMED},
        {60, "[]", TERN_EUNSUPPORTED},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(bad); i++) {
        char buf[128];
        strcpy(buf, bad[i].s);
        tern_raw_reader r;
        int rc = tern_raw_json_init(&r, bad[i].cf, (uint8_t *)buf, strlen(buf));
        tern_raw_rec rec;
        while (rc == TERN_OK)
            rc = tern_raw_json_next(&r, &rec);
        CHECK_EQ(rc, bad[i].rc);
    }
    /* unknown members are skipped */
    char ok[] = "{\"x\":{\"a\":[1]},\"e\":[{\"n\":\"1\",\"q\":[],\"v\":1}]}";
    tern_raw_reader r;
    tern_raw_rec rec;
    CHECK_EQ(tern_raw_json_init(&r, 11543, (uint8_t *)ok, strlen(ok)), TERN_OK);
    CHECK_EQ(tern_raw_json_next(&r, &rec), TERN_OK);
    CHECK_EQ(rec.kind, TERN_RAW_NUM);
    CHECK_EQ(tern_raw_json_next(&r, &rec), TERN_DONE);
}

int main(void)
{
    TRUN(test_oma_roundtrip);
    TRUN(test_senml);
    TRUN(test_errors);
    return tdone();
}
