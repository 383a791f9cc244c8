/* Paths (Core §7.1 / §6.1): parse, format, compare. */
#include "tern/model.h"
#include "tharness.h"

static int parse(tern_path *p, const char *s)
{
    return tern_path_parse(p, s, strlen(s));
}

static void test_levels(void)
{
    tern_path p;
    CHECK_EQ(parse(&p, "/"), TERN_OK);
    CHECK_EQ(p.len, 0);
    p = tern_path_make(2, 9, 9, 0, 0);
    CHECK_EQ(parse(&p, "/3"), TERN_OK);
    CHECK_EQ(p.len, 1);
    CHECK_EQ(p.ids[0], 3);
    CHECK_EQ(parse(&p, "/3/0"), TERN_OK);
    CHECK_EQ(p.len, 2);
    CHECK_EQ(parse(&p, "/3/0/1"), TERN_OK);
    CHECK_EQ(p.len, 3);
    CHECK_EQ(p.ids[2], 1);
    CHECK_EQ(parse(&p, "/3/0/11/2"), TERN_OK);
    CHECK_EQ(p.len, 4);
    CHECK_EQ(p.ids[3], 2);
    CHECK_EQ(parse(&p, "/65534/65534/65534/65534"), TERN_OK);
    CHECK_EQ(p.ids[0], 65534);
    CHECK_EQ(p.ids[3], 65534);
    CHECK_EQ(parse(&p, "/0/0/0/0"), TERN_OK);
    CHECK_EQ(p.len, 4);
}

static void test_trailing_slash(void)
{
    tern_path p;
    CHECK_EQ(parse(&p, "/3/"), TERN_OK);
    CHECK_EQ(p.len, 1);
    CHECK_EQ(parse(&p, "/3/0/1/2/"), TERN_OK);
    CHECK_EQ(p.len, 4);
    CHECK_EQ(parse(&p, "/3//"), TERN_EMALFORMED);
    CHECK_EQ(parse(&p, "//"), TERN_EMALFORMED);
}

static void test_errors(void)
{
    tern_path p = tern_path_make(2, 9, 9, 0, 0);
    CHECK_EQ(tern_path_parse(&p, "", 0), TERN_EMALFORMED);
    CHECK_EQ(tern_path_parse(&p, NULL, 0), TERN_EMALFORMED);
    CHECK_EQ(parse(&p, "3/0"), TERN_OK); /* relative form accepted */
    CHECK_EQ(p.len, 2);
    CHECK_EQ(parse(&p, "3/"), TERN_OK);
    CHECK_EQ(parse(&p, "/"), TERN_OK);
    CHECK_EQ(p.len, 0);
    p = tern_path_make(2, 9, 9, 0, 0);
    CHECK_EQ(parse(&p, "/3//0"), TERN_EMALFORMED);
    CHECK_EQ(parse(&p, "/03"), TERN_EMALFORMED); /* leading zero */
    CHECK_EQ(parse(&p, "/3/00"), TERN_EMALFORMED);
    CHECK_EQ(parse(&p, "/65535"), TERN_ERANGE); /* reserved */
    CHECK_EQ(parse(&p, "/3/65535"), TERN_ERANGE);
    CHECK_EQ(parse(&p, "/65536"), TERN_ERANGE);
    CHECK_EQ(parse(&p, "/99999999999999999999999"), TERN_ERANGE); /* no overflow */
    CHECK_EQ(parse(&p, "/1/2/3/4/5"), TERN_EMALFORMED);
    CHECK_EQ(parse(&p, "/a"), TERN_EMALFORMED);
    CHECK_EQ(parse(&p, "/3/0x1"), TERN_EMALFORMED);
    CHECK_EQ(parse(&p, "/-1"), TERN_EMALFORMED);
    CHECK_EQ(parse(&p, "/+1"), TERN_EMALFORMED);
    CHECK_EQ(parse(&p, "/ 1"), TERN_EMALFORMED);
    CHECK_EQ(parse(&p, "/3?x"), TERN_EMALFORMED);
    /* a failed parse leaves *p alone */
    CHECK_EQ(p.len, 2);
    CHECK_EQ(p.ids[0], 9);
    /* length bounds the input: "/3/0" followed by junk not counted */
    CHECK_EQ(tern_path_parse(&p, "/3/0junk", 4), TERN_OK);
    CHECK_EQ(p.len, 2);
}

static void test_format(void)
{
    char buf[32];
    tern_path p = tern_path_root();
    CHECK_EQ(tern_path_format(&p, buf, sizeof buf), 1);
    CHECK_STR(buf, "/");
    p = tern_path_make(4, 65534, 0, 10, 7);
    CHECK_EQ(tern_path_format(&p, buf, sizeof buf), 13);
    CHECK_STR(buf, "/65534/0/10/7");
    p = tern_path_make(3, 3, 0, 1, 99);
    CHECK_EQ(tern_path_format(&p, buf, sizeof buf), 6);
    CHECK_STR(buf, "/3/0/1");
    CHECK_EQ(p.ids[3], 0); /* make() clears unused levels */
    /* cap: "/3/0/1" needs 7 bytes */
    CHECK_EQ(tern_path_format(&p, buf, 7), 6);
    CHECK_EQ(tern_path_format(&p, buf, 6), TERN_ENOMEM);
    CHECK_EQ(tern_path_format(&p, buf, 0), TERN_ENOMEM);
    p = tern_path_root();
    CHECK_EQ(tern_path_format(&p, buf, 1), TERN_ENOMEM);
    /* round trip */
    const char *in[] = {"/", "/0", "/1/2", "/3/0/13", "/65534/65534/65534/65534"};
    for (size_t k = 0; k < TERN_ARRAY_LEN(in); k++) {
        CHECK_EQ(parse(&p, in[k]), TERN_OK);
        CHECK(tern_path_format(&p, buf, sizeof buf) > 0);
        CHECK_STR(buf, in[k]);
    }
}

static void test_compare(void)
{
    tern_path r = tern_path_root(), o = tern_path_make(1, 3, 0, 0, 0), i = tern_path_make(2, 3, 0, 0, 0),
              res = tern_path_make(3, 3, 0, 1, 0), ri = tern_path_make(4, 3, 0, 1, 2),
              other = tern_path_make(3, 3, 1, 0, 0);
    CHECK(tern_path_eq(&res, &res));
    CHECK(!tern_path_eq(&res, &ri));
    CHECK(!tern_path_eq(&o, &i));
    CHECK(tern_path_is_prefix(&r, &ri));
    CHECK(tern_path_is_prefix(&o, &ri));
    CHECK(tern_path_is_prefix(&res, &ri));
    CHECK(tern_path_is_prefix(&ri, &ri));
    CHECK(!tern_path_is_prefix(&ri, &res));
    CHECK(!tern_path_is_prefix(&other, &ri));
    /* depth-first: parents before children, then by id */
    CHECK(tern_path_cmp(&r, &o) < 0);
    CHECK(tern_path_cmp(&o, &i) < 0);
    CHECK(tern_path_cmp(&i, &res) < 0);
    CHECK(tern_path_cmp(&res, &ri) < 0);
    CHECK(tern_path_cmp(&ri, &other) < 0);
    CHECK(tern_path_cmp(&other, &ri) > 0);
    CHECK_EQ(tern_path_cmp(&ri, &ri), 0);
    tern_path a = tern_path_make(1, 2, 0, 0, 0), b = tern_path_make(1, 10, 0, 0, 0);
    CHECK(tern_path_cmp(&a, &b) < 0); /* numeric, not textual */
}

int main(void)
{
    TRUN(test_levels);
    TRUN(test_trailing_slash);
    TRUN(test_errors);
    TRUN(test_format);
    TRUN(test_compare);
    return tdone();
}
