/* Types, value checks against definitions, Objlnk text (Core Appendix C). */
#include <math.h>

#include "tern/model.h"
#include "tharness.h"

static tern_value vi(int64_t i)
{
    tern_value v = {.type = TERN_TYPE_INTEGER};
    v.v.i = i;
    return v;
}
static tern_value vu(uint64_t u)
{
    tern_value v = {.type = TERN_TYPE_UNSIGNED};
    v.v.u = u;
    return v;
}
static tern_value vf(double f)
{
    tern_value v = {.type = TERN_TYPE_FLOAT};
    v.v.f = f;
    return v;
}
static tern_value vs(tern_type t, const char *s, size_t n)
{
    tern_value v = {.type = t};
    v.v.bytes.ptr = (const uint8_t *)s;
    v.v.bytes.len = n;
    return v;
}

static void test_type_names(void)
{
    CHECK_STR(tern_type_name(TERN_TYPE_NONE), "none");
    CHECK_STR(tern_type_name(TERN_TYPE_STRING), "String");
    CHECK_STR(tern_type_name(TERN_TYPE_INTEGER), "Integer");
    CHECK_STR(tern_type_name(TERN_TYPE_UNSIGNED), "Unsigned Integer");
    CHECK_STR(tern_type_name(TERN_TYPE_FLOAT), "Float");
    CHECK_STR(tern_type_name(TERN_TYPE_BOOLEAN), "Boolean");
    CHECK_STR(tern_type_name(TERN_TYPE_OPAQUE), "Opaque");
    CHECK_STR(tern_type_name(TERN_TYPE_TIME), "Time");
    CHECK_STR(tern_type_name(TERN_TYPE_OBJLNK), "Objlnk");
    CHECK_STR(tern_type_name(TERN_TYPE_CORELNK), "Corelnk");
    CHECK_STR(tern_type_name((tern_type)99), "unknown");
    CHECK_STR(tern_type_name((tern_type)-1), "unknown");
    CHECK(tern_type_is_numeric(TERN_TYPE_INTEGER));
    CHECK(tern_type_is_numeric(TERN_TYPE_UNSIGNED));
    CHECK(tern_type_is_numeric(TERN_TYPE_FLOAT));
    CHECK(!tern_type_is_numeric(TERN_TYPE_TIME));
    CHECK(!tern_type_is_numeric(TERN_TYPE_BOOLEAN));
    CHECK(!tern_type_is_numeric(TERN_TYPE_STRING));
}

static void test_type_exact(void)
{
    tern_res_def d = {.id = 1, .type = TERN_TYPE_INTEGER, .ops = TERN_OP_RW, .name = "x", .units = ""};
    tern_value v = vi(5);
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK);
    v = vu(5);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ETYPE); /* no coercion */
    v = vf(5.0);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ETYPE);
    v.type = TERN_TYPE_TIME;
    v.v.i = 5;
    CHECK_EQ(tern_value_check(&d, &v), TERN_ETYPE);
    d.type = TERN_TYPE_TIME;
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK);
    d.type = TERN_TYPE_BOOLEAN;
    v.type = TERN_TYPE_BOOLEAN;
    v.v.b = true;
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK);
    d.type = TERN_TYPE_NONE;
    CHECK_EQ(tern_value_check(&d, &v), TERN_ETYPE);
    CHECK_EQ(tern_value_check(NULL, &v), TERN_EINVAL);
    CHECK_EQ(tern_value_check(&d, NULL), TERN_EINVAL);
}

static void test_ranges(void)
{
    tern_res_def d = {.id = 6, .type = TERN_TYPE_INTEGER, .has_range = true, .range_min = 0, .range_max = 7,
                      .name = "Available Power Sources", .units = ""};
    tern_value v = vi(0);
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK);
    v = vi(7);
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK);
    v = vi(8);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ERANGE);
    v = vi(-1);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ERANGE);
    v = vi(INT64_MIN);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ERANGE);

    d.type = TERN_TYPE_UNSIGNED;
    d.range_max = 18446744073709551615.0;
    v = vu(UINT64_MAX);
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK);
    d.range_min = 1;
    d.range_max = 65534;
    v = vu(0);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ERANGE);
    v = vu(65535);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ERANGE);
    v = vu(65534);
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK);

    d.type = TERN_TYPE_FLOAT;
    d.range_min = -1;
    d.range_max = 1;
    v = vf(0.5);
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK);
    v = vf(1.0000001);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ERANGE);
    v = vf(NAN);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ERANGE);
    v = vf(-INFINITY);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ERANGE);
    d.has_range = false;
    v = vf(NAN);
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK); /* no range, nothing to check */

    /* strings and opaque: length range */
    d.type = TERN_TYPE_STRING;
    d.has_range = true;
    d.range_min = 1;
    d.range_max = 4;
    v = vs(TERN_TYPE_STRING, "abcd", 4);
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK);
    v = vs(TERN_TYPE_STRING, "abcde", 5);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ERANGE);
    v = vs(TERN_TYPE_STRING, "", 0);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ERANGE);
    d.type = TERN_TYPE_OPAQUE;
    v = vs(TERN_TYPE_OPAQUE, "\x01\x02", 2);
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK);
    v = vs(TERN_TYPE_STRING, "ab", 2);
    CHECK_EQ(tern_value_check(&d, &v), TERN_ETYPE);

    /* objlnk and boolean ignore a range */
    d.type = TERN_TYPE_OBJLNK;
    v.type = TERN_TYPE_OBJLNK;
    v.v.lnk.oid = 65535;
    v.v.lnk.iid = 65535;
    CHECK_EQ(tern_value_check(&d, &v), TERN_OK);
}

static int olp(tern_objlnk *l, const char *s)
{
    return tern_objlnk_parse(l, s, strlen(s));
}

static void test_objlnk(void)
{
    tern_objlnk l = {1, 1};
    CHECK_EQ(olp(&l, "0:0"), TERN_OK);
    CHECK_EQ(l.oid, 0);
    CHECK_EQ(l.iid, 0);
    CHECK_EQ(olp(&l, "3:12"), TERN_OK);
    CHECK_EQ(l.oid, 3);
    CHECK_EQ(l.iid, 12);
    CHECK_EQ(olp(&l, "65535:65535"), TERN_OK);
    CHECK_EQ(l.oid, 65535);
    CHECK_EQ(l.iid, 65535);

    CHECK_EQ(olp(&l, ""), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, ":"), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, "0:"), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, ":0"), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, "0"), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, "0:0:0"), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, " 1:2"), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, "1:2 "), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, "-1:2"), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, "+1:2"), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, "01:2"), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, "1:02"), TERN_EMALFORMED);
    CHECK_EQ(olp(&l, "65536:65535"), TERN_ERANGE);
    CHECK_EQ(olp(&l, "65535:65536"), TERN_ERANGE);
    CHECK_EQ(olp(&l, "1:999999"), TERN_ERANGE);
    CHECK_EQ(olp(&l, "1:2/"), TERN_EMALFORMED);
    CHECK_EQ(tern_objlnk_parse(&l, NULL, 0), TERN_EMALFORMED);
    CHECK_EQ(l.oid, 65535); /* untouched on error */
    CHECK_EQ(tern_objlnk_parse(&l, "1:23", 3), TERN_OK); /* bounded by len */
    CHECK_EQ(l.iid, 2);

    char buf[TERN_OBJLNK_STRLEN];
    tern_objlnk a = {10, 20};
    CHECK_EQ(tern_objlnk_format(&a, buf, sizeof buf), 5);
    CHECK_STR(buf, "10:20");
    a.oid = 65535;
    a.iid = 65535;
    CHECK_EQ(tern_objlnk_format(&a, buf, sizeof buf), 11);
    CHECK_STR(buf, "65535:65535");
    CHECK_EQ(tern_objlnk_format(&a, buf, 11), TERN_ENOMEM);
    a.oid = 0;
    a.iid = 0;
    CHECK_EQ(tern_objlnk_format(&a, buf, 4), 3);
    CHECK_STR(buf, "0:0");
    CHECK_EQ(tern_objlnk_format(&a, buf, 3), TERN_ENOMEM);
    /* round trip of every oid with a fixed iid */
    int bad = 0;
    for (uint32_t k = 0; k <= 65535u; k += 7) {
        tern_objlnk x = {(uint16_t)k, (uint16_t)(65535u - k)}, y;
        int n = tern_objlnk_format(&x, buf, sizeof buf);
        if (n < 0 || tern_objlnk_parse(&y, buf, (size_t)n) != TERN_OK || y.oid != x.oid || y.iid != x.iid)
            bad++;
    }
    CHECK_EQ(bad, 0);
}

int main(void)
{
    TRUN(test_type_names);
    TRUN(test_type_exact);
    TRUN(test_ranges);
    TRUN(test_objlnk);
    return tdone();
}
