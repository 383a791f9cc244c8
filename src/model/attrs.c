/* tern — notification and discover attributes (Core §5.1.2): the
 * Write-Attributes query parser, the consistency rules, and the formatter
 * used for Discover link-format output and Write-Attributes requests. */
#include <math.h>
#include <string.h>

#include "tern/model.h"

typedef enum attr_kind { K_UINT, K_FLOAT, K_BIT, K_VERSION } attr_kind;

typedef struct attr_desc {
    const char *name;
    uint8_t name_len;
    uint8_t kind;  /* attr_kind */
    uint16_t bit;  /* TERN_ATTR_* */
} attr_desc;

/* Core §5.1.2 Table 5.1.2-1 (Properties: dim, ver, lwm2m) and Table 5.1.2-2
 * (Notification: pmin, pmax, gt, lt, st, epmin, epmax, edge, con, hqmax).
 * The order of this table is the output order of tern_attrs_format() in the
 * query form; the link form swaps lt and gt (see link_order). */
static const attr_desc attr_table[] = {
    {"dim", 3, K_UINT, TERN_ATTR_DIM},       {"ver", 3, K_VERSION, TERN_ATTR_VER},
    {"lwm2m", 5, K_VERSION, TERN_ATTR_LWM2M}, {"pmin", 4, K_UINT, TERN_ATTR_PMIN},
    {"pmax", 4, K_UINT, TERN_ATTR_PMAX},     {"epmin", 5, K_UINT, TERN_ATTR_EPMIN},
    {"epmax", 5, K_UINT, TERN_ATTR_EPMAX},   {"lt", 2, K_FLOAT, TERN_ATTR_LT},
    {"gt", 2, K_FLOAT, TERN_ATTR_GT},        {"st", 2, K_FLOAT, TERN_ATTR_ST},
    {"edge", 4, K_BIT, TERN_ATTR_EDGE},      {"con", 3, K_BIT, TERN_ATTR_CON},
    {"hqmax", 5, K_UINT, TERN_ATTR_HQMAX},
};

/* Output orders, as indexes into attr_table. The Core spec's own examples
 * differ by form: its Discover responses (Core §6.3.2) write
 * ";dim=2;pmin=10;pmax=60;gt=50;lt=42.2", its Write-Attributes queries
 * (Transport §6.4.4 example 5) write "lt=20&gt=85&st=10". Each form
 * follows its examples. */
static const uint8_t query_order[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const uint8_t link_order[] = {0, 1, 2, 3, 4, 5, 6, 8, 7, 9, 10, 11, 12};
_Static_assert(sizeof query_order == TERN_ARRAY_LEN(attr_table), "query_order covers attr_table");
_Static_assert(sizeof link_order == TERN_ARRAY_LEN(attr_table), "link_order covers attr_table");

static const attr_desc *attr_lookup(const char *s, size_t len)
{
    for (size_t k = 0; k < TERN_ARRAY_LEN(attr_table); k++)
        if (attr_table[k].name_len == len && memcmp(attr_table[k].name, s, len) == 0)
            return &attr_table[k];
    return NULL;
}

static int parse_u32(const char *s, size_t len, uint32_t *out)
{
    if (len == 0)
        return TERN_EMALFORMED;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return TERN_EMALFORMED;
        v = v * 10u + (uint64_t)(s[i] - '0');
        if (v > UINT32_MAX) {
            /* keep scanning so that "99999999999x" is malformed, not range */
            for (size_t j = i + 1; j < len; j++)
                if (s[j] < '0' || s[j] > '9')
                    return TERN_EMALFORMED;
            return TERN_ERANGE;
        }
    }
    *out = (uint32_t)v;
    return TERN_OK;
}

static size_t scan_digits(const char *s, size_t i, size_t len)
{
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* Decimal number: ["-"] 1*DIGIT ["." 1*DIGIT] [("e"/"E") ["+"/"-"] 1*DIGIT].
 * Core §5.1.2 types gt/lt/st as Float without fixing a text form; this is
 * the plain-text Float form plus an exponent (Anjay Lite writes "4.2e+21").
 * No leading "+", no ".5", no "5.", no "inf"/"nan", no hex floats. The
 * syntax is checked here; tern_parse_double() converts it exactly. */
static int parse_float(const char *s, size_t len, double *out)
{
    size_t i = 0, j;
    if (i < len && s[i] == '-')
        i++;
    j = scan_digits(s, i, len);
    if (j == i)
        return TERN_EMALFORMED;
    i = j;
    if (i < len && s[i] == '.') {
        j = scan_digits(s, i + 1, len);
        if (j == i + 1)
            return TERN_EMALFORMED;
        i = j;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        j = scan_digits(s, i, len);
        if (j == i)
            return TERN_EMALFORMED;
        i = j;
    }
    if (i != len)
        return TERN_EMALFORMED;
    if (len >= 64)
        return TERN_ETOOBIG;
    double d;
    int rc = tern_parse_double(s, len, &d);
    if (rc < 0)
        return rc; /* TERN_ERANGE: beyond DBL_MAX */
    *out = d;
    return TERN_OK;
}

/* "major.minor", each 1-3 digits (ver: Core §5.1.2 Table 5.1.2-1; lwm2m:
 * Core §6.1.7.3 / Bootstrap-Discover). */
static int parse_version(const char *s, size_t len, char out[8])
{
    size_t a = scan_digits(s, 0, len);
    if (a == 0 || a > 3 || a >= len || s[a] != '.')
        return TERN_EMALFORMED;
    size_t b = scan_digits(s, a + 1, len);
    if (b != len || b - a - 1 == 0 || b - a - 1 > 3)
        return TERN_EMALFORMED;
    memcpy(out, s, len);
    out[len] = '\0';
    return TERN_OK;
}

static int parse_one(tern_attrs *a, const char *s, size_t len)
{
    size_t eq = 0;
    while (eq < len && s[eq] != '=')
        eq++;
    const attr_desc *d = attr_lookup(s, eq);
    if (!d)
        return eq == 0 ? TERN_EMALFORMED : TERN_EUNSUPPORTED;
    if ((a->set | a->unset) & d->bit)
        return TERN_EDUPLICATE;
    if (eq == len) {
        /* A name without value removes the attribute (Core §5.3.4 Write-
         * Attributes); the Properties attributes cannot be written at all,
         * so they have no such form. */
        if (d->bit & TERN_ATTR_PROPERTIES)
            return TERN_EMALFORMED;
        a->unset = (uint16_t)(a->unset | d->bit);
        return TERN_OK;
    }
    const char *v = s + eq + 1;
    size_t vlen = len - eq - 1;
    int r;
    uint32_t u = 0;
    double f = 0;
    switch ((attr_kind)d->kind) {
    case K_UINT:
        r = parse_u32(v, vlen, &u);
        if (r != TERN_OK)
            return r;
        switch (d->bit) {
        case TERN_ATTR_PMIN: a->pmin = u; break;
        case TERN_ATTR_PMAX: a->pmax = u; break;
        case TERN_ATTR_EPMIN: a->epmin = u; break;
        case TERN_ATTR_EPMAX: a->epmax = u; break;
        case TERN_ATTR_HQMAX: a->hqmax = u; break;
        default: a->dim = u; break;
        }
        break;
    case K_FLOAT:
        r = parse_float(v, vlen, &f);
        if (r != TERN_OK)
            return r;
        if (d->bit == TERN_ATTR_ST && f < 0)
            return TERN_ERANGE; /* a step is a distance (Core §5.1.2 "st") */
        if (d->bit == TERN_ATTR_GT)
            a->gt = f;
        else if (d->bit == TERN_ATTR_LT)
            a->lt = f;
        else
            a->st = f;
        break;
    case K_BIT:
        /* Core §5.1.2: edge and con take the value 0 or 1. */
        if (vlen != 1 || (v[0] != '0' && v[0] != '1'))
            return (vlen == 1 && v[0] >= '2' && v[0] <= '9') ? TERN_ERANGE : TERN_EMALFORMED;
        if (d->bit == TERN_ATTR_EDGE)
            a->edge = (uint8_t)(v[0] - '0');
        else
            a->con = (uint8_t)(v[0] - '0');
        break;
    case K_VERSION:
    default:
        r = parse_version(v, vlen, d->bit == TERN_ATTR_VER ? a->ver : a->lwm2m);
        if (r != TERN_OK)
            return r;
        break;
    }
    a->set = (uint16_t)(a->set | d->bit);
    return TERN_OK;
}

int tern_attrs_parse_query(tern_attrs *a, const char *q, size_t len)
{
    if (!a || (!q && len))
        return TERN_EINVAL;
    size_t start = 0;
    /* An empty query or an empty '&' segment is malformed: RFC 6690 /
     * Core §5.3.4 give each attribute as one name[=value] query item. */
    for (;;) {
        size_t end = start;
        while (end < len && q[end] != '&')
            end++;
        if (end == start)
            return TERN_EMALFORMED;
        int r = parse_one(a, q + start, end - start);
        if (r != TERN_OK)
            return r;
        if (end == len)
            return TERN_OK;
        start = end + 1;
    }
}

/* Core §5.1.2. These rules concern one attribute set (one level); applying
 * inherited attributes (object → instance → resource) and the "pmax is
 * ignored when smaller than pmin" rule is the observation engine's job. */
int tern_attrs_check(const tern_attrs *a, tern_type res_type)
{
    if (!a)
        return TERN_EINVAL;
    uint16_t s = a->set;
    if ((s & TERN_ATTR_EDGE) && a->edge > 1)
        return TERN_ERANGE;
    if ((s & TERN_ATTR_CON) && a->con > 1)
        return TERN_ERANGE;
    if ((s & TERN_ATTR_GT) && !isfinite(a->gt))
        return TERN_ERANGE;
    if ((s & TERN_ATTR_LT) && !isfinite(a->lt))
        return TERN_ERANGE;
    if ((s & TERN_ATTR_ST) && (!isfinite(a->st) || a->st < 0))
        return TERN_ERANGE;
    /* pmax must not be below pmin (Core §5.1.2 "pmax"; equal is allowed). The
     * spec lets a client ignore such a pmax; we refuse it at Write-Attributes
     * as Leshan does, so a stored set is never self-contradictory. */
    if ((s & TERN_ATTR_PMIN) && (s & TERN_ATTR_PMAX) && a->pmin > a->pmax)
        return TERN_ERANGE;
    /* epmax MUST be greater than epmin (Core §5.1.2 "epmax"). */
    if ((s & TERN_ATTR_EPMIN) && (s & TERN_ATTR_EPMAX) && a->epmin >= a->epmax)
        return TERN_ERANGE;
    /* Core §5.1.2: "lt" < "gt", and "lt" + 2*"st" < "gt". */
    if ((s & TERN_ATTR_LT) && (s & TERN_ATTR_GT)) {
        if (!(a->lt < a->gt))
            return TERN_ERANGE;
        if ((s & TERN_ATTR_ST) && !(a->lt + 2.0 * a->st < a->gt))
            return TERN_ERANGE;
    }
    if (res_type != TERN_TYPE_NONE) {
        /* gt/lt/st apply to numeric resources, edge to Boolean ones. */
        if ((s & (TERN_ATTR_GT | TERN_ATTR_LT | TERN_ATTR_ST)) && !tern_type_is_numeric(res_type))
            return TERN_ETYPE;
        if ((s & TERN_ATTR_EDGE) && res_type != TERN_TYPE_BOOLEAN)
            return TERN_ETYPE;
    }
    return TERN_OK;
}

int tern_attrs_check_level(const tern_attrs *a, int level)
{
    if (!a || level < TERN_LVL_ROOT || level > TERN_LVL_RINSTANCE)
        return TERN_EINVAL;
    uint16_t s = (uint16_t)(a->set | a->unset);
    /* Core §5.1.2 tables, column "Level" / "Assignation level". */
    if ((s & (TERN_ATTR_GT | TERN_ATTR_LT | TERN_ATTR_ST | TERN_ATTR_EDGE)) && level < TERN_LVL_RESOURCE)
        return TERN_EINVAL;
    if ((s & TERN_ATTR_DIM) && level != TERN_LVL_RESOURCE)
        return TERN_EINVAL;
    if ((s & TERN_ATTR_VER) && level != TERN_LVL_OBJECT)
        return TERN_EINVAL;
    if ((s & TERN_ATTR_LWM2M) && level != TERN_LVL_ROOT)
        return TERN_EINVAL;
    return TERN_OK;
}

/* ---- formatting ---------------------------------------------------------- */

typedef struct out_buf {
    char *p;
    size_t cap;
    size_t n;
    bool full;
} out_buf;

static void out_put(out_buf *o, const char *s, size_t len)
{
    if (o->full || o->n + len + 1 > o->cap) {
        o->full = true;
        return;
    }
    memcpy(o->p + o->n, s, len);
    o->n += len;
    o->p[o->n] = '\0';
}

static size_t bounded_len(const char *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n])
        n++;
    return n;
}

static void out_ch(out_buf *o, char c)
{
    out_put(o, &c, 1);
}

static void out_u32(out_buf *o, uint32_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n)
        out_ch(o, tmp[--n]);
}

/* Plain decimal, shortest digits that read back to the same double, never
 * an exponent (a Leshan vector, attr-leshan-set-no-sci, requires exactly
 * "10000000000000000000" and "0.0000000000009223372"). The digits come
 * from tern_dtoa_shortest() (exact, no locale). */
static void out_double(out_buf *o, double d)
{
    tern_dec_digits g;
    if (d == 0 || tern_dtoa_shortest(d, &g) < 0) {
        out_ch(o, '0');
        return;
    }
    const char *digits = g.d;
    size_t nd = g.n;
    if (g.neg)
        out_ch(o, '-');
    /* value = 0.d1d2..dn × 10^(exp+1) */
    int point = g.exp + 1; /* digits before the decimal point */
    if (point <= 0) {
        out_put(o, "0.", 2);
        for (int k = 0; k < -point; k++)
            out_ch(o, '0');
        out_put(o, digits, nd);
    } else if ((size_t)point >= nd) {
        out_put(o, digits, nd);
        for (size_t k = nd; k < (size_t)point; k++)
            out_ch(o, '0');
    } else {
        out_put(o, digits, (size_t)point);
        out_ch(o, '.');
        out_put(o, digits + point, nd - (size_t)point);
    }
}

int tern_attrs_format(const tern_attrs *a, int style, char *out, size_t cap)
{
    if (!a || !out || cap == 0 || (style != TERN_ATTRS_LINK && style != TERN_ATTRS_QUERY))
        return TERN_EINVAL;
    if (((a->set & TERN_ATTR_LT) && !isfinite(a->lt)) || ((a->set & TERN_ATTR_GT) && !isfinite(a->gt)) ||
        ((a->set & TERN_ATTR_ST) && !isfinite(a->st)))
        return TERN_EINVAL; /* link format has no spelling for NaN/infinity */
    out_buf o = {out, cap, 0, false};
    out[0] = '\0';
    bool first = true;
    const uint8_t *order = style == TERN_ATTRS_LINK ? link_order : query_order;
    for (size_t k = 0; k < TERN_ARRAY_LEN(attr_table); k++) {
        const attr_desc *d = &attr_table[order[k]];
        bool has = (a->set & d->bit) != 0;
        bool bare = !has && style == TERN_ATTRS_QUERY && (a->unset & d->bit);
        if (!has && !bare)
            continue;
        if (style == TERN_ATTRS_LINK)
            out_ch(&o, ';');
        else if (!first)
            out_ch(&o, '&');
        first = false;
        out_put(&o, d->name, d->name_len);
        if (bare)
            continue;
        out_ch(&o, '=');
        switch (d->bit) {
        case TERN_ATTR_DIM: out_u32(&o, a->dim); break;
        case TERN_ATTR_VER: out_put(&o, a->ver, bounded_len(a->ver, sizeof a->ver)); break;
        case TERN_ATTR_LWM2M: out_put(&o, a->lwm2m, bounded_len(a->lwm2m, sizeof a->lwm2m)); break;
        case TERN_ATTR_PMIN: out_u32(&o, a->pmin); break;
        case TERN_ATTR_PMAX: out_u32(&o, a->pmax); break;
        case TERN_ATTR_EPMIN: out_u32(&o, a->epmin); break;
        case TERN_ATTR_EPMAX: out_u32(&o, a->epmax); break;
        case TERN_ATTR_LT: out_double(&o, a->lt); break;
        case TERN_ATTR_GT: out_double(&o, a->gt); break;
        case TERN_ATTR_ST: out_double(&o, a->st); break;
        case TERN_ATTR_EDGE: out_u32(&o, a->edge); break;
        case TERN_ATTR_CON: out_u32(&o, a->con); break;
        default: out_u32(&o, a->hqmax); break;
        }
    }
    if (o.full) {
        out[0] = '\0';
        return TERN_ENOMEM;
    }
    return (int)o.n;
}
