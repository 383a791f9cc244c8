/* tern_cf_allowed: every row of the format table (src/codec/rules.c). */
#include "tern/codec.h"
#include "tharness.h"

static int ok(int32_t cf, tern_codec_op op, int lvl, bool multiple)
{
    tern_path p = tern_path_make(lvl, 3, 0, 6, 0);
    return tern_cf_allowed(cf, op, &p, multiple) == TERN_OK;
}

static void test_single_value_formats(void)
{
    int32_t cfs[] = {TERN_CF_TEXT, TERN_CF_OPAQUE, TERN_CF_CBOR};
    for (size_t i = 0; i < 3; i++) {
        int32_t cf = cfs[i];
        tern_codec_op rwn[] = {TERN_COP_READ, TERN_COP_WRITE, TERN_COP_NOTIFY};
        for (size_t j = 0; j < 3; j++) {
            CHECK(ok(cf, rwn[j], 3, false));
            CHECK(ok(cf, rwn[j], 4, false));
            CHECK(!ok(cf, rwn[j], 3, true)); /* multiple-instance resource */
            CHECK(!ok(cf, rwn[j], 2, false));
            CHECK(!ok(cf, rwn[j], 1, false));
            CHECK(!ok(cf, rwn[j], 0, false));
        }
        CHECK(!ok(cf, TERN_COP_READ_COMPOSITE, 0, false));
        CHECK(!ok(cf, TERN_COP_WRITE_COMPOSITE, 0, false));
        CHECK(!ok(cf, TERN_COP_COMPOSITE_PATHS, 0, false));
        CHECK(!ok(cf, TERN_COP_SEND, 0, false));
        CHECK(!ok(cf, TERN_COP_DISCOVER, 3, false));
    }
}

static void test_tree_formats(void)
{
    int32_t cfs[] = {TERN_CF_TLV, TERN_CF_OMA_JSON, TERN_CF_SENML_JSON, TERN_CF_SENML_CBOR, TERN_CF_LWM2M_CBOR};
    for (size_t i = 0; i < TERN_ARRAY_LEN(cfs); i++) {
        for (int lvl = 1; lvl <= 4; lvl++) {
            CHECK(ok(cfs[i], TERN_COP_READ, lvl, lvl == 3));
            CHECK(ok(cfs[i], TERN_COP_WRITE, lvl, false));
            CHECK(ok(cfs[i], TERN_COP_NOTIFY, lvl, true));
        }
        CHECK(!ok(cfs[i], TERN_COP_READ, 0, false));
        CHECK(!ok(cfs[i], TERN_COP_DISCOVER, 1, false));
    }
    /* TLV and OMA JSON: no composite, no Send */
    tern_codec_op comp[] = {TERN_COP_READ_COMPOSITE, TERN_COP_COMPOSITE_PATHS, TERN_COP_WRITE_COMPOSITE, TERN_COP_SEND};
    for (size_t j = 0; j < 4; j++) {
        CHECK(!ok(TERN_CF_TLV, comp[j], 0, false));
        CHECK(!ok(TERN_CF_OMA_JSON, comp[j], 0, false));
        CHECK(ok(TERN_CF_SENML_JSON, comp[j], 0, false));
        CHECK(ok(TERN_CF_SENML_CBOR, comp[j], 0, false));
        CHECK(tern_cf_allowed(TERN_CF_SENML_CBOR, comp[j], NULL, false) == TERN_OK);
    }
    CHECK(ok(TERN_CF_LWM2M_CBOR, TERN_COP_READ_COMPOSITE, 0, false));
    CHECK(ok(TERN_CF_LWM2M_CBOR, TERN_COP_WRITE_COMPOSITE, 0, false));
    CHECK(ok(TERN_CF_LWM2M_CBOR, TERN_COP_SEND, 0, false));
    CHECK(!ok(TERN_CF_LWM2M_CBOR, TERN_COP_COMPOSITE_PATHS, 0, false));
}

static void test_etch_and_link(void)
{
    int32_t etch[] = {TERN_CF_SENML_ETCH_JSON, TERN_CF_SENML_ETCH_CBOR};
    for (size_t i = 0; i < 2; i++) {
        CHECK(ok(etch[i], TERN_COP_WRITE_COMPOSITE, 0, false));
        CHECK(ok(etch[i], TERN_COP_COMPOSITE_PATHS, 0, false));
        CHECK(!ok(etch[i], TERN_COP_READ_COMPOSITE, 0, false));
        CHECK(!ok(etch[i], TERN_COP_SEND, 0, false));
        CHECK(!ok(etch[i], TERN_COP_READ, 3, false));
        CHECK(!ok(etch[i], TERN_COP_WRITE, 2, false));
        CHECK(!ok(etch[i], TERN_COP_NOTIFY, 3, false));
    }
    for (int lvl = 0; lvl <= 3; lvl++)
        CHECK(ok(TERN_CF_LINK, TERN_COP_DISCOVER, lvl, false));
    CHECK(!ok(TERN_CF_LINK, TERN_COP_DISCOVER, 4, false));
    CHECK(!ok(TERN_CF_LINK, TERN_COP_READ, 3, false));
    CHECK(!ok(TERN_CF_TLV, TERN_COP_DISCOVER, 3, false));
    CHECK(!ok(1234, TERN_COP_READ, 3, false));
    CHECK(!ok(TERN_CF_TLV, (tern_codec_op)99, 3, false));
}

int main(void)
{
    TRUN(test_single_value_formats);
    TRUN(test_tree_formats);
    TRUN(test_etch_and_link);
    return tdone();
}
