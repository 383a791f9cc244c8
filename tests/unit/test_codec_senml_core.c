/* senml.c: key tables, float text, base-name planner, resolver rules. */
#include "tharness.h"
#include "codec/senml.h"

static void test_keys(void)
{
    CHECK_EQ(tern_senml_key_from_name("vlo", 3), TERN_SENML_K_VLO);
    CHECK_EQ(tern_senml_key_from_name("bn", 2), TERN_SENML_K_BN);
    CHECK_EQ(tern_senml_key_from_name("foo_", 4), TERN_SENML_K_MUST_UNDERSTAND);
    CHECK_EQ(tern_senml_key_from_name("foo", 3), TERN_SENML_K_UNKNOWN);
    CHECK_EQ(tern_senml_key_from_label(-2), TERN_SENML_K_BN);
    CHECK_EQ(tern_senml_key_from_label(8), TERN_SENML_K_VD);
    int64_t l = 0;
    CHECK(tern_senml_key_label(TERN_SENML_K_T, &l) && l == 6);
    CHECK(!tern_senml_key_label(TERN_SENML_K_VLO, &l));
}

static void test_fmt_double(void)
{
    char b[40];
    static const struct {
        double f;
        const char *s;
    } v[] = {{0.0, "0.0"}, {3.0, "3.0"}, {-10.0, "-10.0"}, {0.123, "0.123"}, {22.9, "22.9"},
             {1e300, "1e+300"}, {43.918998, "43.918998"}, {1e-7, "1e-07"}, {0.1 + 0.2, "0.30000000000000004"}};
    for (size_t i = 0; i < TERN_ARRAY_LEN(v); i++) {
        CHECK(tern_senml_fmt_double(v[i].f, b, sizeof b) > 0);
        CHECK_STR(b, v[i].s);
    }
    CHECK_EQ(tern_senml_fmt_double(NAN, b, sizeof b), TERN_ERANGE);
}

static void test_plan(void)
{
    tern_senml_enc s;
    tern_senml_erec r;
    const char *why = NULL;
    tern_senml_enc_init(&s, false);
    tern_path req = tern_path_make(2, 3, 0, 0, 0);
    tern_entry e;
    memset(&e, 0, sizeof e);
    e.path = tern_path_make(4, 3, 0, 6, 1);
    e.value.type = TERN_TYPE_INTEGER;
    CHECK_EQ(tern_senml_enc_plan(&s, &req, &e, &r, &why), TERN_OK);
    CHECK(r.has_bn && r.bn_len == 5 && memcmp(r.bn, "/3/0/", 5) == 0);
    CHECK(r.has_n && r.n_len == 3 && memcmp(r.n, "6/1", 3) == 0);
    tern_senml_enc_commit(&s, &r);
    e.path = tern_path_make(4, 4, 0, 6, 1); /* outside the base name */
    CHECK_EQ(tern_senml_enc_plan(&s, &req, &e, &r, &why), TERN_OK);
    CHECK(r.has_bn && r.bn_len == 8 && !r.has_n);
    e.kind = TERN_ENTRY_EMPTY_INSTANCE;
    CHECK_EQ(tern_senml_enc_plan(&s, &req, &e, &r, &why), TERN_DONE);
    e.kind = TERN_ENTRY_VALUE;
    e.more = true;
    CHECK_EQ(tern_senml_enc_plan(&s, &req, &e, &r, &why), TERN_EUNSUPPORTED);
}

static void test_resolve(void)
{
    uint8_t scratch[16];
    tern_decoder d;
    tern_path root = tern_path_root();
    tern_decoder_init(&d, TERN_CF_SENML_JSON, &root, NULL, NULL, scratch, sizeof scratch);
    tern_senml_dec s;
    tern_senml_dec_init(&s, false);
    tern_senml_rec r;
    tern_entry e;
    const char *why = NULL;
    memset(&r, 0, sizeof r);
    r.present = TERN_SENML_BIT(TERN_SENML_K_BN) | TERN_SENML_BIT(TERN_SENML_K_V) | TERN_SENML_BIT(TERN_SENML_K_BV);
    r.bn = (tern_bytes){(const uint8_t *)"3/0/9", 5};
    r.v.kind = TERN_SENML_NUM_INT;
    r.v.i = 5;
    r.bv.kind = TERN_SENML_NUM_INT;
    r.bv.i = 10;
    memset(&e, 0, sizeof e);
    CHECK_EQ(tern_senml_dec_record(&s, &d, &r, &e, &why), TERN_OK);
    CHECK(e.path.len == 3 && e.path.ids[2] == 9 && e.value.type == TERN_TYPE_INTEGER && e.value.v.i == 15);
    memset(&r, 0, sizeof r);
    r.present = TERN_SENML_BIT(TERN_SENML_K_BVER);
    r.bver = 11;
    CHECK_EQ(tern_senml_dec_record(&s, &d, &r, &e, &why), TERN_EUNSUPPORTED);
    memset(&r, 0, sizeof r);
    r.present = TERN_SENML_BIT(TERN_SENML_K_N);
    r.n = (tern_bytes){(const uint8_t *)"/3/0/1/2/3", 10};
    CHECK_EQ(tern_senml_dec_record(&s, &d, &r, &e, &why), TERN_EMALFORMED);
}

int main(void)
{
    TRUN(test_keys);
    TRUN(test_fmt_double);
    TRUN(test_plan);
    TRUN(test_resolve);
    return tdone();
}
