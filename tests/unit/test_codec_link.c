/* CoRE Link Format: link_format.json and the Core spec's link examples
 * (parser), Register/Discover payloads byte-exact (builder). */
#include <string.h>

#include "tern/linkfmt.h"
#include "tharness.h"

/* Parses `in` (in pieces of `piece` bytes, 0 = whole) and renders the links
 * canonically: <uri>;a=v;b="q";c joined by ','. Returns the final status. */
static int render(const char *in, unsigned flags, size_t piece, char *out, size_t cap)
{
    size_t n = strlen(in), have = piece ? (piece < n ? piece : n) : n;
    static char buf[4096];
    memcpy(buf, in, have);
    tern_link_parser lp;
    tern_link_parser_init(&lp, (const uint8_t *)buf, have, have == n, flags);
    size_t o = 0, fed = have;
    out[0] = '\0';
    for (;;) {
        tern_link l;
        tern_link_attr a[8];
        int rc = tern_link_next(&lp, &l, a, 8);
        if (rc == TERN_AGAIN) {
            size_t keep = lp.len - lp.pos;
            memmove(buf, buf + lp.pos, keep);
            size_t more = n - fed < piece ? n - fed : piece;
            memcpy(buf + keep, in + fed, more);
            fed += more;
            tern_link_parser_refill(&lp, (const uint8_t *)buf, keep + more, fed == n);
            continue;
        }
        if (rc != TERN_OK)
            return rc;
        o += (size_t)snprintf(out + o, cap - o, "%s<%.*s>", o ? "," : "", (int)l.uri.len, (const char *)l.uri.ptr);
        for (size_t i = 0; i < l.nattrs; i++) {
            o += (size_t)snprintf(out + o, cap - o, ";%.*s", (int)a[i].name.len, (const char *)a[i].name.ptr);
            if (a[i].has_value) {
                char v[256];
                tern_link_unquote(&a[i], v, sizeof v);
                o += (size_t)snprintf(out + o, cap - o, a[i].quoted ? "=\"%s\"" : "=%s", v);
            }
        }
    }
}

static void ok(const char *in, const char *want)
{
    char out[4096];
    size_t pieces[] = {0, 1, 4};
    for (size_t i = 0; i < 3; i++) {
        int rc = render(in, 0, pieces[i], out, sizeof out);
        if (rc != TERN_DONE || strcmp(out, want))
            fprintf(stderr, "  '%s' piece %zu: rc %d\n   got  %s\n   want %s\n", in, pieces[i], rc, out, want);
        CHECK_EQ(rc, TERN_DONE);
        CHECK_STR(out, want);
    }
}

static void bad(const char *in, unsigned flags)
{
    char out[4096];
    int rc = render(in, flags, 0, out, sizeof out);
    if (rc >= 0)
        fprintf(stderr, "  '%s' should fail, got %s\n", in, out);
    CHECK(rc < 0);
    CHECK(render(in, flags, 1, out, sizeof out) < 0);
}

static void test_parse_leshan(void)
{
    ok("</uri>", "</uri>");
    ok("</uri/>", "</uri/>");
    ok("</uri//>", "</uri//>");
    ok("</%20>", "</%20>");
    ok("</-._~a-zA-Z0-9:@!$&'()*+,;=>", "</-._~a-zA-Z0-9:@!$&'()*+,;=>");
    ok("</foo>;param=<,</bar>;param2=>", "</foo>;param=<,</bar>;param2=>");
    ok("</foo>;param=/", "</foo>;param=/");
    ok("</foo>;param=\",\",</bar>", "</foo>;param=\",\",</bar>");
    ok("</foo>;param=\" \\\\ \",</bar>", "</foo>;param=\" \\\\ \",</bar>");
    ok("</foo>;param=\" \\\" \\\" \",</bar>", "</foo>;param=\" \" \" \",</bar>");
    ok("</foo>;param=\" \\x \",</bar>", "</foo>;param=\" \\x \",</bar>");
    ok("</foo>;param=\" \\\xc4\x85 \",</bar>", "</foo>;param=\" \\\xc4\x85 \",</bar>");
    ok("</foo>;param=\"=\"", "</foo>;param=\"=\"");
    ok("</foo>;param=!#$%&'()*+-.:<=>?@[]^_`{|}~a1z9;param2=\"foo\";param3,</bar>",
       "</foo>;param=!#$%&'()*+-.:<=>?@[]^_`{|}~a1z9;param2=\"foo\";param3,</bar>");
    ok("</>;rt=\"oma.lwm2m\";ct=100;qs=\"quoted_string\";us=unquoted_string,</1/101>,</1/102>,</2/0>,</2/1>;empty",
       "</>;rt=\"oma.lwm2m\";ct=100;qs=\"quoted_string\";us=unquoted_string,</1/101>,</1/102>,</2/0>,</2/1>;empty");
    ok("</1>;ver=\"2.2\"", "</1>;ver=\"2.2\"");
    ok("</3/0/11>;dim=255", "</3/0/11>;dim=255");
    ok("</0/1>;ssid=1", "</0/1>;ssid=1");
    ok("", "");
    const char *invalid[] = {"<file:///etc/hosts>", "</hosts?query>", "</hosts#hash>", "</%>", "</%a>", "</%1g>",
                             "</f\xc3\xb3\xc3\xb3>", "</foo>;p\xc4\x85r\xc4\x85m", "</foo>;param=\xc4\x85",
                             "</foo>;param=\"bar", "</foo>;param=\"bar\\\"", "</>;=", "</>;param=",
                             "</> ;param=123", "</>;param =123", "</>;param= 123", "</>;param=123 ", "<>", "</",
                             "<//>", "//>", "</>,", "</>;", "</> ,</>", " </>,</>", "</>,</> ",
                             "</3/0/11>;dim=256", "</0/1>;ssid=0", "</3/0/11>;pmin", "</a>;x=\"\x01\"",
                             "</1/1>,</1/2>,</2/0></2/1>,</3/0>,</4/0>"};
    for (size_t i = 0; i < TERN_ARRAY_LEN(invalid); i++)
        bad(invalid[i], 0);
    /* RFC 6690 exactly: no whitespace after ',' or ';' */
    bad("</>; param=123", TERN_LINK_STRICT);
    bad("</>, </>", TERN_LINK_STRICT);
    bad("lwm2m=1.0,</0/0>", TERN_LINK_STRICT);
    /* too many attributes for the array */
    tern_link_parser lp;
    const char *many = "</a>;a;b;c";
    tern_link_parser_init(&lp, (const uint8_t *)many, strlen(many), true, 0);
    tern_link l;
    tern_link_attr at[2];
    CHECK_EQ(tern_link_next(&lp, &l, at, 2), TERN_EFULL);
    CHECK_EQ(lp.err_offset, 9);
    tern_link_parser_init(&lp, (const uint8_t *)"</a>;b=\"x", 9, true, 0);
    CHECK_EQ(tern_link_next(&lp, &l, at, 2), TERN_EMALFORMED);
    CHECK_EQ(lp.err_offset, 7);
}

static void test_parse_spec(void)
{
    ok("</>;lwm2m=1.1,</0/0>;ssid=101;uri=\"coaps://server_1.example.com\", </0/1/>, </0/2>;ssid=102;uri=\"coaps://server_2.example.com\"",
       "</>;lwm2m=1.1,</0/0>;ssid=101;uri=\"coaps://server_1.example.com\",</0/1/>,</0/2>;ssid=102;uri=\"coaps://server_2.example.com\"");
    ok("lwm2m=1.0,</0/0>;ssid=101,</0/1/>,</0/2>;ssid=102", "</>;lwm2m=1.0,</0/0>;ssid=101,</0/1/>,</0/2>;ssid=102");
    ok("</>;ct=\"110 112 60\", </1/0>,</1/1>", "</>;ct=\"110 112 60\",</1/0>,</1/1>");
    ok("</3>;pmin=10, </3/0>;pmax=60, </3/0/1>, </3/0/7>;dim=2;gt=50;lt=42.2",
       "</3>;pmin=10,</3/0>;pmax=60,</3/0/1>,</3/0/7>;dim=2;gt=50;lt=42.2");
    ok("</3/0>;ver=1.2,</5/0>;ver1.1,</3303/0>", "</3/0>;ver=1.2,</5/0>;ver1.1,</3303/0>");
    /* one link per line (Core §6.4.4): a line break stands for ',' */
    ok("</3>;pmin=60\n</4>;pmax=300", "</3>;pmin=60,</4>;pmax=300");
    ok("</3> \r\n\t</4>", "</3>,</4>");
    bad("</3>;pmin=60\n</4>;pmax=300", TERN_LINK_STRICT);
    bad("</3> </4>", 0);      /* a space is not a line break */
    bad("</3>\n", 0);        /* a line break separates two links only */
    bad("</3>\n;pmin=1", 0);
    tern_path p;
    tern_bytes u = {(const uint8_t *)"/0/1/", 5};
    CHECK_EQ(tern_link_uri_path(u, NULL, &p), 0);
    CHECK_EQ(p.len, 2);
    u.ptr = (const uint8_t *)"/lwm2m/3/0";
    u.len = 10;
    CHECK_EQ(tern_link_uri_path(u, "/lwm2m", &p), 0);
    CHECK_EQ(p.len, 2);
    CHECK_EQ(p.ids[0], 3);
    u.len = 6;
    CHECK_EQ(tern_link_uri_path(u, "/lwm2m", &p), 0);
    CHECK_EQ(p.len, 0);
    u.ptr = (const uint8_t *)"/lwm2mx/3";
    u.len = 9;
    CHECK(tern_link_uri_path(u, "/lwm2m", &p) < 0);
}

static void test_build(void)
{
    char buf[256];
    tern_wbuf w = tern_wbuf_make((uint8_t *)buf, sizeof buf);
    tern_link_builder b;
    tern_link_builder_init(&b, &w);
    tern_path root = tern_path_root();
    CHECK_EQ(tern_link_add_path(&b, NULL, &root), 0);
    CHECK_EQ(tern_link_add_attr(&b, "rt", "oma.lwm2m", true), 0);
    CHECK_EQ(tern_link_add_attr_uint(&b, "ct", 11543), 0);
    tern_path p3 = tern_path_make(1, 3, 0, 0, 0), p10 = tern_path_make(2, 1, 0, 0, 0), p30 = tern_path_make(2, 3, 0, 0, 0);
    CHECK_EQ(tern_link_add_path(&b, NULL, &p10), 0);
    CHECK_EQ(tern_link_add_path(&b, NULL, &p3), 0);
    CHECK_EQ(tern_link_add_attr(&b, "ver", "1.1", false), 0);
    CHECK_EQ(tern_link_add_path(&b, NULL, &p30), 0);
    const char *want = "</>;rt=\"oma.lwm2m\";ct=11543,</1/0>,</3>;ver=1.1,</3/0>";
    CHECK_EQ(w.len, strlen(want));
    CHECK_MEM(buf, want, strlen(want));

    w = tern_wbuf_make((uint8_t *)buf, sizeof buf);
    tern_link_builder_init(&b, &w);
    CHECK_EQ(tern_link_add_path(&b, "/lwm2m", &root), 0);
    CHECK_EQ(tern_link_add_attr(&b, "rt", "oma.lwm2m", true), 0);
    CHECK_EQ(tern_link_add_path(&b, "/lwm2m", &p10), 0);
    want = "</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/1/0>";
    CHECK_EQ(w.len, strlen(want));
    CHECK_MEM(buf, want, strlen(want));

    /* Discover: </3/0/7>;dim=2;pmin=10 */
    w = tern_wbuf_make((uint8_t *)buf, sizeof buf);
    tern_link_builder_init(&b, &w);
    tern_attrs a;
    memset(&a, 0, sizeof a);
    a.set = TERN_ATTR_DIM | TERN_ATTR_PMIN;
    a.dim = 2;
    a.pmin = 10;
    tern_path p307 = tern_path_make(3, 3, 0, 7, 0);
    CHECK_EQ(tern_link_add_path(&b, NULL, &p307), 0);
    CHECK_EQ(tern_link_add_attrs(&b, &a), 0);
    want = "</3/0/7>;dim=2;pmin=10";
    CHECK_EQ(w.len, strlen(want));
    CHECK_MEM(buf, want, strlen(want));

    /* atomic on a full buffer; bad names and values refused */
    char small[6];
    tern_wbuf ws = tern_wbuf_make((uint8_t *)small, sizeof small);
    tern_link_builder_init(&b, &ws);
    CHECK_EQ(tern_link_add_path(&b, NULL, &p10), 0);
    CHECK_EQ(tern_link_add_attr(&b, "ssid", "101", false), TERN_ENOMEM);
    CHECK_EQ(ws.len, 6);
    CHECK_EQ(tern_link_add_attr(&b, "a b", "1", false), TERN_EINVAL);
    CHECK_EQ(tern_link_add_attr(&b, "a", "1,2", false), TERN_EINVAL);
    w = tern_wbuf_make((uint8_t *)buf, sizeof buf);
    tern_link_builder_init(&b, &w);
    CHECK_EQ(tern_link_add_attr(&b, "a", "1", false), TERN_EINVAL); /* no link yet */
    CHECK_EQ(tern_link_add_uri(&b, "/a", 2), 0);
    CHECK_EQ(tern_link_add_attr(&b, "q", "say \"hi\"", true), 0);
    want = "</a>;q=\"say \\\"hi\\\"\"";
    CHECK_EQ(w.len, strlen(want));
    CHECK_MEM(buf, want, strlen(want));
    CHECK_EQ(tern_link_add_uri(&b, "//x", 3), TERN_EINVAL);
}

int main(void)
{
    TRUN(test_parse_leshan);
    TRUN(test_parse_spec);
    TRUN(test_build);
    return tdone();
}
