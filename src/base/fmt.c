/* tern — exact conversions between doubles and decimal text, without libc.
 *
 * Why: strtod()/printf("%e") bring 18-20 KB of newlib into a Cortex-M
 * image (dtoa, mprec, gethex, vfprintf_float). The codecs need only two
 * operations, both exact here:
 *
 *   tern_parse_double   decimal text → the nearest double (ties to even),
 *                       i.e. what a correct strtod() returns;
 *   tern_dtoa_round     the correctly rounded P-significant-digit decimal of a
 *                       double (what printf("%.*e", P - 1) prints) and
 *                       whether that decimal reads back to the same double.
 *
 * Method (Clinger 1990, "How to read floating point numbers accurately";
 * Steele & White 1990 for the digit generation). All decisions are made by
 * exact comparisons of integers held in a small fixed-size big number:
 *  - reading: a first guess z from double arithmetic (exact by itself when
 *    the significand has ≤ 15 digits and |exponent| ≤ 22: both operands
 *    are exact and IEEE multiplication/division rounds correctly), then z
 *    is corrected one ulp at a time until the decimal value lies between
 *    the midpoints to z's neighbours (a midpoint itself goes to the even
 *    significand);
 *  - writing: 18 exact significant digits of x (plus "anything nonzero
 *    beyond") come from long division of m·2^e by a power of ten; rounding
 *    to P digits uses them; "reads back to x" is the same midpoint test.
 * Sizes: a number holds BN_WORDS 32-bit words (1664 bits). The largest
 * product formed is 10^452 × (2^54 + 1) < 2^1560 (reading a value near
 * 2^-1075 written with 128 significant digits), so nothing overflows; at
 * most TERN_PARSE_DOUBLE_DIGITS significant digits are read.
 * Stack: two or three numbers (≈ 700 bytes) in the slow paths.
 */
#include <float.h>
#include <math.h> /* INFINITY only; no libm call */
#include <string.h>

#include "tern/base.h"

#define BN_WORDS 52

typedef struct bn {
    uint32_t n; /* words in use; w[n-1] != 0 unless n == 0 */
    uint32_t w[BN_WORDS];
} bn;

static void bn_set(bn *a, uint64_t v)
{
    a->n = 0;
    while (v) {
        a->w[a->n++] = (uint32_t)v;
        v >>= 32;
    }
}

/* a = a * m + add */
static void bn_muladd(bn *a, uint32_t m, uint32_t add)
{
    uint64_t carry = add;
    for (uint32_t i = 0; i < a->n; i++) {
        uint64_t t = (uint64_t)a->w[i] * m + carry;
        a->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry)
        a->w[a->n++] = (uint32_t)carry;
}

static const uint32_t pow10_u32[10] = {1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u};

static void bn_mulpow10(bn *a, int k)
{
    for (; k >= 9; k -= 9)
        bn_muladd(a, 1000000000u, 0);
    if (k > 0)
        bn_muladd(a, pow10_u32[k], 0);
}

static void bn_shl(bn *a, int s)
{
    if (a->n == 0 || s <= 0)
        return;
    uint32_t ws = (uint32_t)s / 32u, bs = (uint32_t)s % 32u;
    uint32_t n = a->n;
    if (bs) {
        uint32_t top = a->w[n - 1] >> (32u - bs);
        for (uint32_t i = n - 1; i > 0; i--)
            a->w[i] = a->w[i] << bs | a->w[i - 1] >> (32u - bs);
        a->w[0] <<= bs;
        if (top)
            a->w[n++] = top;
    }
    if (ws) {
        memmove(a->w + ws, a->w, n * sizeof a->w[0]);
        memset(a->w, 0, ws * sizeof a->w[0]);
        n += ws;
    }
    a->n = n;
}

static int bn_cmp(const bn *a, const bn *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (uint32_t i = a->n; i-- > 0;)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

/* a -= b, a >= b */
static void bn_sub(bn *a, const bn *b)
{
    int64_t borrow = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->w[i] - (i < b->n ? (int64_t)b->w[i] : 0) - borrow;
        borrow = t < 0;
        a->w[i] = (uint32_t)(t + (borrow ? (int64_t)1 << 32 : 0));
    }
    while (a->n && a->w[a->n - 1] == 0)
        a->n--;
}

/* Sign of C·10^E − K·2^f (C is consumed). */
static int cmp_dec_bin(bn *c, int e10, uint64_t k, int f)
{
    bn r;
    bn_set(&r, k);
    if (e10 >= 0)
        bn_mulpow10(c, e10);
    else
        bn_mulpow10(&r, -e10);
    if (f >= 0)
        bn_shl(&r, f);
    else
        bn_shl(c, -f);
    return bn_cmp(c, &r);
}

/* ---- IEEE binary64 pieces ---- */

static uint64_t dbits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double dfrom(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* |x| = m·2^e, m < 2^53 (x finite) */
static void dsplit(double x, uint64_t *m, int *e)
{
    uint64_t u = dbits(x) & ~(1ull << 63);
    int be = (int)(u >> 52);
    *m = u & ((1ull << 52) - 1);
    if (be) {
        *m |= 1ull << 52;
        *e = be - 1075;
    } else {
        *e = -1074;
    }
}

/* Where the decimal c·10^e10 (c holding its digits; consumed) lies against
 * the set of reals that round to the non-negative finite double z:
 * −1 below it, 0 inside (reads back as z), +1 above. */
static int dec_vs_double(const bn *c, int e10, double z)
{
    uint64_t m;
    int e;
    dsplit(z, &m, &e);
    bn t = *c;
    int r = cmp_dec_bin(&t, e10, 2 * m + 1, e - 1);
    if (r > 0 || (r == 0 && (m & 1)))
        return 1;
    if (m == 0)
        return 0;
    t = *c;
    if (m == 1ull << 52 && e > -1074)
        r = cmp_dec_bin(&t, e10, 4 * m - 1, e - 2);
    else
        r = cmp_dec_bin(&t, e10, 2 * m - 1, e - 1);
    if (r < 0 || (r == 0 && (m & 1)))
        return -1;
    return 0;
}

/* ---- reading ---- */

static const double pow10_small[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
static const double pow10_bin[9] = {1e1, 1e2, 1e4, 1e8, 1e16, 1e32, 1e64, 1e128, 1e256};

/* w·10^k in double arithmetic, within a few ulps (a guess only). */
static double scale10(double w, int k)
{
    int a = k < 0 ? -k : k;
    for (int i = 8; i >= 0; i--) {
        if (a & (1 << i)) {
            if (k < 0)
                w /= pow10_bin[i];
            else
                w *= pow10_bin[i];
        }
    }
    return w;
}

int tern_parse_double(const char *s, size_t n, double *out)
{
    size_t i = 0;
    bool neg = false;
    if (!s || !out)
        return TERN_EINVAL;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    /* significant digits: leading zeros dropped, trailing zeros counted */
    size_t first = 0, nsig = 0, ndig = 0;
    long point = -1; /* digits before the decimal point */
    long lead = 0;   /* position of the first nonzero digit among all digits */
    bool seen_nz = false;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '.' && point < 0) {
            point = (long)ndig;
            continue;
        }
        if (ch < '0' || ch > '9')
            break;
        if (!seen_nz && ch != '0') {
            seen_nz = true;
            first = i;
            lead = (long)ndig;
        }
        if (seen_nz)
            nsig++;
        ndig++;
    }
    if (ndig == 0)
        return TERN_EMALFORMED;
    if (point < 0)
        point = (long)ndig;
    long ex = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        bool eneg = false;
        size_t d0;
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            eneg = s[i++] == '-';
        d0 = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (ex < 100000)
                ex = ex * 10 + (s[i] - '0');
        if (i == d0)
            return TERN_EMALFORMED;
        if (eneg)
            ex = -ex;
    }
    if (i != n)
        return TERN_EMALFORMED;
    double sign = neg ? -1.0 : 1.0;
    if (!seen_nz) {
        *out = sign * 0.0;
        return TERN_OK;
    }
    /* drop trailing zeros of the significand */
    size_t last = first, k = 0; /* last nonzero digit's index in s */
    for (size_t j = first; k < nsig; j++) {
        if (s[j] == '.')
            continue;
        if (s[j] != '0')
            last = j;
        k++;
    }
    size_t keep = 0;
    for (size_t j = first; j <= last; j++)
        if (s[j] != '.')
            keep++;
    if (keep > TERN_PARSE_DOUBLE_DIGITS)
        return TERN_ETOOBIG;
    /* value = D × 10^(lexp − keep + 1), D = the kept digits,
     * lexp = decimal exponent of the leading digit */
    long lexp = point - lead - 1 + ex;
    if (lexp > 309) {
        *out = sign * (double)INFINITY;
        return TERN_ERANGE;
    }
    if (lexp < -325) {
        *out = sign * 0.0;
        return TERN_OK;
    }
    int e10 = (int)(lexp - (long)keep + 1);
    uint64_t w = 0;
    size_t nw = 0;
    bn c;
    bn_set(&c, 0);
    for (size_t j = first; j <= last; j++) {
        if (s[j] == '.')
            continue;
        uint32_t d = (uint32_t)(s[j] - '0');
        if (nw < 19) {
            w = w * 10 + d;
            nw++;
        }
        bn_muladd(&c, 10, d);
    }
    double z;
#if FLT_EVAL_METHOD == 0
    if (keep <= 15 && e10 >= -22 && e10 <= 22) {
        /* both operands exact, one correctly rounded operation */
        z = e10 >= 0 ? (double)w * pow10_small[e10] : (double)w / pow10_small[-e10];
        *out = sign * z;
        return TERN_OK;
    }
#endif
    z = scale10((double)w, e10 + (int)(keep - nw));
    if (z > DBL_MAX)
        z = DBL_MAX;
    for (;;) {
        int r = dec_vs_double(&c, e10, z);
        if (r == 0)
            break;
        uint64_t u = dbits(z);
        if (r > 0) {
            if (u == dbits(DBL_MAX)) {
                *out = sign * (double)INFINITY;
                return TERN_ERANGE;
            }
            z = dfrom(u + 1);
        } else {
            z = dfrom(u - 1); /* z > 0 here: nothing lies below 0 */
        }
    }
    *out = sign * z;
    return TERN_OK;
}

/* ---- writing ---- */

/* 18 exact significant digits of |x| (x finite, nonzero), its decimal
 * exponent, and whether anything nonzero follows them. */
typedef struct exact18 {
    uint8_t d[18];
    int k;
    bool sticky;
} exact18;

static void exact_digits(double x, exact18 *o)
{
    uint64_t m;
    int e;
    dsplit(x, &m, &e);
    int bits = 64 - __builtin_clzll(m);
    /* k ≈ floor(log10(m·2^e)); corrected below */
    int k = (int)(((long)(e + bits - 1) * 78913) >> 18);
    bn num, den;
    bn_set(&num, m);
    bn_set(&den, 1);
    if (e >= 0)
        bn_shl(&num, e);
    else
        bn_shl(&den, -e);
    if (k >= 0)
        bn_mulpow10(&den, k);
    else
        bn_mulpow10(&num, -k);
    /* want den ≤ num < 10·den */
    while (bn_cmp(&num, &den) < 0) {
        bn_muladd(&num, 10, 0);
        k--;
    }
    for (;;) {
        bn t = den;
        bn_muladd(&t, 10, 0);
        if (bn_cmp(&num, &t) < 0)
            break;
        den = t;
        k++;
    }
    o->k = k;
    for (int i = 0; i < 18; i++) {
        uint8_t d = 0;
        while (bn_cmp(&num, &den) >= 0) {
            bn_sub(&num, &den);
            d++;
        }
        o->d[i] = d;
        bn_muladd(&num, 10, 0);
    }
    o->sticky = num.n != 0;
}

/* Rounds the exact digits to p significant digits (p ≤ 17; p ≤ 0 gives
 * 0 or one unit of the digit at position k − p + 1... i.e. 10^(k+1−p)). */
static void round_to(const exact18 *x, int p, tern_dec_digits *o)
{
    int k = x->k;
    uint64_t c = 0;
    bool up;
    if (p <= 0) {
        /* the value is below one unit 10^(k+1−p) of the last kept place */
        bool rest = x->sticky;
        for (int i = 1; i < 18; i++)
            rest = rest || x->d[i];
        up = p == 0 && (x->d[0] > 5 || (x->d[0] == 5 && rest));
        o->n = up ? 1 : 0;
        o->d[0] = '1';
        o->exp = (int16_t)(k + 1 - p);
        return;
    }
    for (int i = 0; i < p; i++)
        c = c * 10 + x->d[i];
    bool rest = x->sticky;
    for (int i = p + 1; i < 18; i++)
        rest = rest || x->d[i];
    int nx = x->d[p];
    up = nx > 5 || (nx == 5 && (rest || (c & 1)));
    if (up)
        c++;
    int pp = p;
    uint64_t lim = 1;
    for (int i = 0; i < p; i++)
        lim *= 10;
    if (c == lim) { /* 9.99 → 10.0 */
        c /= 10;
        k++;
    }
    for (int i = pp - 1; i >= 0; i--) {
        o->d[i] = (char)('0' + c % 10);
        c /= 10;
    }
    while (pp > 1 && o->d[pp - 1] == '0')
        pp--;
    o->n = (uint8_t)pp;
    o->exp = (int16_t)k;
}

/* Does o (as rounded, nonzero) read back as |x|? */
static bool reads_back(const tern_dec_digits *o, double ax)
{
    if (o->n == 0)
        return false;
    /* Cheap refusal first: est = digits × 10^e in double arithmetic is
     * within 2^-48 of the decimal (≤ 19 roundings of 2^-53 each, all
     * intermediates normal when both ends are ≥ 2^-1000 and finite), and a
     * decimal that reads back as ax is within 2^-52·ax of it, so
     * |est − ax| > 2^-46·ax proves it does not. */
    uint64_t w = 0;
    for (int i = 0; i < o->n; i++)
        w = w * 10 + (uint64_t)(o->d[i] - '0');
    double est = scale10((double)w, o->exp - o->n + 1);
    const double tiny = 0x1p-1000;
    if (ax >= tiny && est >= tiny && est <= DBL_MAX) {
        double diff = est > ax ? est - ax : ax - est;
        if (diff > ax * 0x1p-46)
            return false;
    }
    bn c;
    bn_set(&c, 0);
    for (int i = 0; i < o->n; i++)
        bn_muladd(&c, 10, (uint32_t)(o->d[i] - '0'));
    return dec_vs_double(&c, o->exp - o->n + 1, ax) == 0;
}

int tern_dtoa_round(double x, int p, tern_dec_digits *out)
{
    if (!out || p > 17)
        return TERN_EINVAL;
    if (x - x != 0.0)
        return TERN_ERANGE;
    out->neg = (dbits(x) >> 63) != 0;
    double ax = out->neg ? -x : x;
    if (ax == 0.0) {
        out->n = p > 0 ? 1 : 0;
        out->d[0] = '0';
        out->exp = 0;
        return p > 0 ? 1 : 0;
    }
    exact18 e;
    exact_digits(ax, &e);
    round_to(&e, p, out);
    return reads_back(out, ax) ? 1 : 0;
}

int tern_dtoa_shortest(double x, tern_dec_digits *out)
{
    if (!out)
        return TERN_EINVAL;
    if (x - x != 0.0)
        return TERN_ERANGE;
    out->neg = (dbits(x) >> 63) != 0;
    double ax = out->neg ? -x : x;
    out->d[0] = '0';
    out->n = 1;
    out->exp = 0;
    if (ax == 0.0)
        return TERN_OK;
    exact18 e;
    exact_digits(ax, &e);
    for (int p = 1; p <= 17; p++) {
        round_to(&e, p, out);
        if (p == 17 || reads_back(out, ax))
            break;
    }
    return TERN_OK;
}

int tern_dtoa_fixed(double x, int maxdec, tern_dec_digits *out, int *dec)
{
    if (!out || !dec || maxdec < 0)
        return TERN_EINVAL;
    if (x - x != 0.0)
        return TERN_ERANGE;
    out->neg = (dbits(x) >> 63) != 0;
    double ax = out->neg ? -x : x;
    out->d[0] = '0';
    out->n = 1;
    out->exp = 0;
    *dec = 0;
    if (ax == 0.0)
        return TERN_OK;
    exact18 e;
    exact_digits(ax, &e);
    for (int d = 0; d <= maxdec; d++) {
        int p = e.k + 1 + d;
        *dec = d;
        if (p > 17)
            p = 17; /* 17 digits always read back: not reached */
        round_to(&e, p, out);
        if (reads_back(out, ax))
            break;
    }
    if (out->n == 0) { /* rounded to zero */
        out->n = 1;
        out->d[0] = '0';
        out->exp = 0;
    }
    return TERN_OK;
}

int tern_fmt_double(double x, char *out, size_t cap)
{
    tern_dec_digits g;
    int rc = tern_dtoa_shortest(x, &g);
    if (rc < 0)
        return rc;
    char buf[40];
    size_t n = 0;
    int ex = g.exp;
    if (g.neg)
        buf[n++] = '-';
    if (ex >= 21 || ex < -20) {
        buf[n++] = g.d[0];
        if (g.n > 1) {
            buf[n++] = '.';
            for (size_t k = 1; k < g.n; k++)
                buf[n++] = g.d[k];
        }
        buf[n++] = 'e';
        unsigned ue = (unsigned)(ex < 0 ? -ex : ex);
        if (ex < 0)
            buf[n++] = '-';
        char t[4];
        size_t tn = 0;
        do {
            t[tn++] = (char)('0' + ue % 10u);
            ue /= 10u;
        } while (ue);
        while (tn)
            buf[n++] = t[--tn];
    } else if (ex < 0) {
        buf[n++] = '0';
        buf[n++] = '.';
        for (int k = -1; k > ex; k--)
            buf[n++] = '0';
        for (size_t k = 0; k < g.n; k++)
            buf[n++] = g.d[k];
    } else {
        size_t ip = (size_t)ex + 1; /* integer digits */
        for (size_t k = 0; k < ip; k++)
            buf[n++] = k < g.n ? g.d[k] : '0';
        buf[n++] = '.';
        if (g.n > ip)
            for (size_t k = ip; k < g.n; k++)
                buf[n++] = g.d[k];
        else
            buf[n++] = '0';
    }
    if (n > cap)
        return TERN_ENOMEM;
    memcpy(out, buf, n);
    return (int)n;
}

int tern_dec_to_double(bool neg, uint64_t mag, int exp10, double *out)
{
    char t[48];
    size_t n = 0, k = 0;
    uint64_t u = mag;
    char r[24];
    if (neg)
        t[n++] = '-';
    do {
        r[k++] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u);
    while (k)
        t[n++] = r[--k];
    t[n++] = 'e';
    unsigned ue = (unsigned)(exp10 < 0 ? -(long)exp10 : exp10);
    if (exp10 < 0)
        t[n++] = '-';
    do {
        r[k++] = (char)('0' + ue % 10u);
        ue /= 10u;
    } while (ue);
    while (k)
        t[n++] = r[--k];
    return tern_parse_double(t, n, out);
}
