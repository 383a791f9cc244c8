/* src/base/fmt.c against the host libc (glibc's strtod/printf are exact):
 * fixed-seed random doubles (all bit patterns, and "ordinary" magnitudes),
 * random decimal strings, and the classic edge cases. Bounded time: the
 * counts scale with TERN_FMT_N (default 60000 per family; TERN_FMT_N=1000000 for a long run). */
#include <float.h>
#include <stdlib.h>

#include "tern/base.h"
#include "tharness.h"

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}
static double dfrom(uint64_t u)
{
    double x;
    memcpy(&x, &u, 8);
    return x;
}
static bool same(double a, double b)
{
    return memcmp(&a, &b, 8) == 0;
}

/* The loop the codecs used before: first P whose %.*e reads back. */
static void ref_shortest(double x, char *m, size_t cap)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(m, cap, "%.*e", prec - 1, x);
        if (strtod(m, NULL) == x)
            break;
    }
}

/* Digits of ours in the "%.*e" layout, trailing zeros trimmed on both. */
static void canon_e(const char *m, char *o)
{
    /* [-]D[.DDD]e±XX → [-]DDD(trimmed) e X */
    size_t n = 0, i = 0;
    char dg[40];
    size_t nd = 0;
    if (m[0] == '-')
        o[n++] = '-', i++;
    for (; m[i] && m[i] != 'e'; i++)
        if (m[i] != '.')
            dg[nd++] = m[i];
    while (nd > 1 && dg[nd - 1] == '0')
        nd--;
    memcpy(o + n, dg, nd);
    n += nd;
    sprintf(o + n, "e%d", atoi(m + i + 1));
}
static void canon_ours(const tern_dec_digits *g, char *o)
{
    size_t n = 0;
    if (g->neg)
        o[n++] = '-';
    memcpy(o + n, g->d, g->n);
    n += g->n;
    sprintf(o + n, "e%d", g->exp);
}

static int fails;
static void check_shortest(double x)
{
    char m[64], a[64], b[64];
    tern_dec_digits g;
    ref_shortest(x, m, sizeof m);
    canon_e(m, a);
    CHECK_EQ(tern_dtoa_shortest(x, &g), TERN_OK);
    canon_ours(&g, b);
    if (strcmp(a, b) != 0 && fails++ < 10)
        fprintf(stderr, "shortest %a: libc %s, tern %s\n", x, a, b);
    CHECK(strcmp(a, b) == 0);
}

static void check_parse(const char *s)
{
    double r = strtod(s, NULL), t = 0;
    int rc = tern_parse_double(s, strlen(s), &t);
    if (r - r != 0.0) {
        CHECK_EQ(rc, TERN_ERANGE);
    } else {
        CHECK_EQ(rc, TERN_OK);
    }
    if (!same(r, t) && fails++ < 10)
        fprintf(stderr, "parse %s: libc %a, tern %a\n", s, r, t);
    CHECK(same(r, t));
}

static void check_fixed(double x)
{
    /* the SenML loop: fewest decimals of "%.*f" that read back */
    char m[400], o[400];
    int dec;
    for (dec = 0; dec <= 20; dec++) {
        snprintf(m, sizeof m, "%.*f", dec, x);
        if (strtod(m, NULL) == x)
            break;
    }
    if (dec > 20)
        dec = 20;
    tern_dec_digits g;
    int d2;
    CHECK_EQ(tern_dtoa_fixed(x, 20, &g, &d2), TERN_OK);
    CHECK_EQ(d2, dec);
    /* print ours as %.*f */
    size_t n = 0;
    if (g.neg)
        o[n++] = '-';
    int ip = g.exp + 1;
    if (ip <= 0)
        o[n++] = '0';
    for (int k = 0; k < ip; k++)
        o[n++] = k < g.n ? g.d[k] : '0';
    if (d2 > 0) {
        o[n++] = '.';
        for (int k = 0; k < d2; k++) {
            int idx = ip + k;
            o[n++] = idx >= 0 && idx < g.n ? g.d[idx] : '0';
        }
    }
    o[n] = 0;
    if (strcmp(m, o) != 0 && fails++ < 10)
        fprintf(stderr, "fixed %a: libc %s, tern %s\n", x, m, o);
    CHECK(strcmp(m, o) == 0);
}

static const double edge[] = {0.0,    -0.0,    1.0,     -1.0,    0.1,     0.2,     0.3,     1e23,    5e-324,
                              -5e-324, DBL_MAX, -DBL_MAX, DBL_MIN, 2.2250738585072009e-308, 9007199254740993.0,
                              1e21,   1e-20,   1e22,    123456.789, 4.35,   0.5,     2.5,     1e15,    9.5,
                              8.41e21, 5e-310,  1.7976931348623157e308, 4.9406564584124654e-324,
                              1e16,   9999999999999998.0, 0.30000000000000004, 3.14159, 27.3, 1e-5, 9.99999e-6};

static void t_edges(void)
{
    for (size_t i = 0; i < TERN_ARRAY_LEN(edge); i++) {
        check_shortest(edge[i]);
        if (fabs(edge[i]) < 1e16)
            check_fixed(edge[i]);
        char b[64];
        snprintf(b, sizeof b, "%.17g", edge[i]);
        check_parse(b);
        snprintf(b, sizeof b, "%.25e", edge[i]);
        check_parse(b);
    }
    const char *s[] = {"0", "-0", "0.0", "1e400", "-1e400", "1e-400", "2.4703282292062327e-324",
                       "2.4703282292062328e-324", "2.470328229206232720882538e-324", "1.7976931348623158e308",
                       "1.7976931348623157e308", "1.797693134862315807e308", "179769313486231580793728971405301e276",
                       "9007199254740993", "9007199254740992.9999999999999", "9007199254740993.0000000000001",
                       "0.000000000000000000000000000000000000000000001e45", "123456789012345678901234567890",
                       "1e23", "8.41e21", "+5", "-.5", "00000123.4500000e-2", "7.038531e-26",
                       "2.2250738585072011e-308", "2.2250738585072012e-308", "4.35", "1e-20", "1e21"};
    for (size_t i = 0; i < TERN_ARRAY_LEN(s); i++)
        check_parse(s[i]);
    double d;
    CHECK_EQ(tern_parse_double("", 0, &d), TERN_EMALFORMED);
    CHECK_EQ(tern_parse_double(".", 1, &d), TERN_EMALFORMED);
    CHECK_EQ(tern_parse_double("1e", 2, &d), TERN_EMALFORMED);
    CHECK_EQ(tern_parse_double("1x", 2, &d), TERN_EMALFORMED);
    CHECK_EQ(tern_parse_double("inf", 3, &d), TERN_EMALFORMED);
    CHECK_EQ(tern_dec_to_double(false, 27315, -2, &d), TERN_OK);
    CHECK(d == 273.15);
    CHECK_EQ(tern_dec_to_double(true, 5, 0, &d), TERN_OK);
    CHECK(d == -5.0);
    char o[40];
    int n = tern_fmt_double(1e21, o, sizeof o);
    CHECK(n == 4 && !memcmp(o, "1e21", 4));
    n = tern_fmt_double(-0.0, o, sizeof o);
    CHECK(n == 4 && !memcmp(o, "-0.0", 4));
    n = tern_fmt_double(0.1, o, sizeof o);
    CHECK(n == 3 && !memcmp(o, "0.1", 3));
    n = tern_fmt_double(5e-324, o, sizeof o);
    CHECK(n == 6 && !memcmp(o, "5e-324", 6));
    CHECK_EQ(tern_fmt_double(dfrom(0x7ff0000000000000ull), o, sizeof o), TERN_ERANGE);
    CHECK_EQ(tern_fmt_double(1.2345, o, 3), TERN_ENOMEM);
}

static long count(void)
{
    const char *e = getenv("TERN_FMT_N");
    return e ? atol(e) : 60000;
}

static void t_random_bits(void)
{
    long n = count();
    for (long i = 0; i < n && fails < 10; i++) {
        double x = dfrom(rnd());
        if (x - x != 0.0)
            continue;
        check_shortest(x);
        char b[40];
        snprintf(b, sizeof b, "%.17g", x);
        check_parse(b);
        snprintf(b, sizeof b, "%.*e", (int)(rnd() % 17), x);
        check_parse(b);
    }
}

static void t_random_ordinary(void)
{
    long n = count();
    for (long i = 0; i < n && fails < 10; i++) {
        /* magnitudes 1e-8 .. 1e22 and short decimals, as sensors send */
        double x;
        uint64_t r = rnd();
        switch (r % 4) {
        case 0: x = dfrom((rnd() & 0x000fffffffffffffull) | ((uint64_t)(997 + rnd() % 100) << 52)); break;
        case 1: x = (double)(int64_t)(rnd() % 2000001) / 1000.0 - 1000.0; break;
        case 2: x = (double)(rnd() % 100000) * 1e-7; break;
        default: x = (double)(int64_t)rnd(); break;
        }
        if (r & 0x100)
            x = -x;
        check_shortest(x);
        if (fabs(x) == 0.0 || (fabs(x) >= 1e-5 && fabs(x) < 1e16))
            check_fixed(x);
        char b[40];
        snprintf(b, sizeof b, "%.*g", 1 + (int)(rnd() % 17), x);
        check_parse(b);
    }
}

static void t_random_strings(void)
{
    long n = count();
    char b[200];
    for (long i = 0; i < n && fails < 10; i++) {
        size_t k = 0;
        int nd = 1 + (int)(rnd() % 40);
        int pt = (int)(rnd() % (unsigned)(nd + 1));
        if (rnd() & 1)
            b[k++] = '-';
        for (int j = 0; j < nd; j++) {
            if (j == pt && j > 0)
                b[k++] = '.';
            b[k++] = (char)('0' + rnd() % 10);
        }
        k += (size_t)sprintf(b + k, "e%d", (int)(rnd() % 700) - 350);
        b[k] = 0;
        check_parse(b);
    }
}

int main(void)
{
    TRUN(t_edges);
    TRUN(t_random_bits);
    TRUN(t_random_ordinary);
    TRUN(t_random_strings);
    return tdone();
}
