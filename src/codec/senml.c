/* tern — format-independent SenML record logic (senml.h). */
#include "codec/senml.h"

#include "codec/base64.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- field names and labels (RFC 8428 Table 4 / Table 6) ---- */

static const struct {
    const char *name;
    int8_t label;
    bool has_label;
    uint8_t key;
} senml_keys[] = {
    {"bn", -2, true, TERN_SENML_K_BN},   {"bt", -3, true, TERN_SENML_K_BT},   {"bu", -4, true, TERN_SENML_K_BU},
    {"bv", -5, true, TERN_SENML_K_BV},   {"bs", -6, true, TERN_SENML_K_BS},   {"bver", -1, true, TERN_SENML_K_BVER},
    {"n", 0, true, TERN_SENML_K_N},      {"u", 1, true, TERN_SENML_K_U},      {"v", 2, true, TERN_SENML_K_V},
    {"vs", 3, true, TERN_SENML_K_VS},    {"vb", 4, true, TERN_SENML_K_VB},    {"s", 5, true, TERN_SENML_K_S},
    {"t", 6, true, TERN_SENML_K_T},      {"ut", 7, true, TERN_SENML_K_UT},    {"vd", 8, true, TERN_SENML_K_VD},
    {"vlo", 0, false, TERN_SENML_K_VLO},
};

tern_senml_key tern_senml_key_from_name(const char *s, size_t len)
{
    for (size_t i = 0; i < TERN_ARRAY_LEN(senml_keys); i++) {
        const char *k = senml_keys[i].name;
        if (strlen(k) == len && memcmp(k, s, len) == 0)
            return (tern_senml_key)senml_keys[i].key;
    }
    if (len && s[len - 1] == '_')
        return TERN_SENML_K_MUST_UNDERSTAND;
    return TERN_SENML_K_UNKNOWN;
}

tern_senml_key tern_senml_key_from_label(int64_t label)
{
    for (size_t i = 0; i < TERN_ARRAY_LEN(senml_keys); i++)
        if (senml_keys[i].has_label && senml_keys[i].label == label)
            return (tern_senml_key)senml_keys[i].key;
    return TERN_SENML_K_UNKNOWN;
}

const char *tern_senml_key_name(tern_senml_key k)
{
    for (size_t i = 0; i < TERN_ARRAY_LEN(senml_keys); i++)
        if (senml_keys[i].key == k)
            return senml_keys[i].name;
    return NULL;
}

bool tern_senml_key_label(tern_senml_key k, int64_t *label)
{
    for (size_t i = 0; i < TERN_ARRAY_LEN(senml_keys); i++)
        if (senml_keys[i].key == k && senml_keys[i].has_label) {
            *label = senml_keys[i].label;
            return true;
        }
    return false;
}

/* ---- numbers ---- */

static double num_to_double(const tern_senml_num *n)
{
    switch (n->kind) {
    case TERN_SENML_NUM_INT:
        return (double)n->i;
    case TERN_SENML_NUM_UINT:
        return (double)n->u;
    default:
        return n->f;
    }
}

#define TWO_POW_63 9223372036854775808.0
#define TWO_POW_64 18446744073709551616.0

static int num_to_i64(const tern_senml_num *n, int64_t *out)
{
    switch (n->kind) {
    case TERN_SENML_NUM_INT:
        *out = n->i;
        return TERN_OK;
    case TERN_SENML_NUM_UINT:
        return TERN_ERANGE;
    default:
        if (!(n->f > -TWO_POW_63 && n->f < TWO_POW_63) || n->f != floor(n->f))
            return TERN_ERANGE;
        *out = (int64_t)n->f;
        return TERN_OK;
    }
}

static int num_to_u64(const tern_senml_num *n, uint64_t *out)
{
    switch (n->kind) {
    case TERN_SENML_NUM_INT:
        if (n->i < 0)
            return TERN_ERANGE;
        *out = (uint64_t)n->i;
        return TERN_OK;
    case TERN_SENML_NUM_UINT:
        *out = n->u;
        return TERN_OK;
    default:
        if (!(n->f >= 0.0 && n->f < TWO_POW_64) || n->f != floor(n->f))
            return TERN_ERANGE;
        *out = (uint64_t)n->f;
        return TERN_OK;
    }
}

/* v + bv (RFC 8428 §4.5.2); exact when both are integers and no overflow. */
static tern_senml_num num_add(const tern_senml_num *a, const tern_senml_num *b)
{
    tern_senml_num r = {TERN_SENML_NUM_FLOAT, 0, 0, 0.0};
    if (a->kind == TERN_SENML_NUM_INT && b->kind == TERN_SENML_NUM_INT) {
        if ((b->i > 0 && a->i <= INT64_MAX - b->i) || (b->i <= 0 && a->i >= INT64_MIN - b->i)) {
            r.kind = TERN_SENML_NUM_INT;
            r.i = a->i + b->i;
            return r;
        }
    }
    r.f = num_to_double(a) + num_to_double(b);
    return r;
}

int tern_senml_fmt_double(double f, char *out, size_t cap)
{
    if (!isfinite(f))
        return TERN_ERANGE;
    char tmp[48];
    int n = 0;
    double a = fabs(f);
    tern_dec_digits g;
    if (a == 0.0 || (a >= 1e-5 && a < 1e16)) {
        /* plain decimal, fewest digits after the point that read back
         * (printf "%.*f", dec = 0..20) */
        int dec;
        tern_dtoa_fixed(f, 20, &g, &dec);
        int ip = g.exp + 1; /* digits before the point */
        if (g.neg)
            tmp[n++] = '-';
        if (ip <= 0)
            tmp[n++] = '0';
        for (int k = 0; k < ip; k++)
            tmp[n++] = k < g.n ? g.d[k] : '0';
        if (dec > 0) {
            tmp[n++] = '.';
            for (int k = ip; k < ip + dec; k++)
                tmp[n++] = k >= 0 && k < g.n ? g.d[k] : '0';
        }
    } else {
        /* "%.*g" with the fewest significant digits that read back */
        tern_dtoa_shortest(f, &g);
        int x = g.exp;
        if (g.neg)
            tmp[n++] = '-';
        if (!(g.n > x && x >= -4)) { /* P = g.n digits; fixed when P > X ≥ -4 */
            tmp[n++] = g.d[0];
            if (g.n > 1) {
                tmp[n++] = '.';
                for (int k = 1; k < g.n; k++)
                    tmp[n++] = g.d[k];
            }
            tmp[n++] = 'e';
            tmp[n++] = x < 0 ? '-' : '+';
            int ux = x < 0 ? -x : x;
            if (ux >= 100)
                tmp[n++] = (char)('0' + ux / 100);
            tmp[n++] = (char)('0' + ux / 10 % 10);
            tmp[n++] = (char)('0' + ux % 10);
        } else {
            /* only 1e16 ≤ |f| < 1e17 with 17 digits: "%.17g" prints them all */
            for (int k = 0; k <= x; k++)
                tmp[n++] = k < g.n ? g.d[k] : '0';
        }
    }
    tmp[n] = '\0';
    if (n <= 0 || (size_t)n + 3 > sizeof tmp)
        return TERN_ENOMEM;
    /* keep it a float in the text: "3" -> "3.0" (Zephyr, Leshan) */
    if (!strpbrk(tmp, ".e")) {
        memcpy(tmp + n, ".0", 3);
        n += 2;
    }
    if ((size_t)n >= cap)
        return TERN_ENOMEM;
    memcpy(out, tmp, (size_t)n + 1);
    return n;
}

/* ---- decoding ---- */

void tern_senml_dec_init(tern_senml_dec *s, bool etch)
{
    memset(s, 0, sizeof *s);
    s->etch = etch;
}

#define VALUE_KEYS                                                                                                  \
    (TERN_SENML_BIT(TERN_SENML_K_V) | TERN_SENML_BIT(TERN_SENML_K_VS) | TERN_SENML_BIT(TERN_SENML_K_VB) |            \
     TERN_SENML_BIT(TERN_SENML_K_VD) | TERN_SENML_BIT(TERN_SENML_K_VLO))

static unsigned popcount32(uint32_t x)
{
    unsigned c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

static bool is_digits(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Objlnk text: strict "O:I", plus "FFFF:FFFF" (the Core §7.4.4 example's
 * spelling of the null link). */
static int parse_objlnk(tern_objlnk *l, const uint8_t *p, size_t n)
{
    int rc = tern_objlnk_parse(l, (const char *)p, n);
    if (rc == TERN_OK)
        return rc;
    static const char nul[] = "ffff:ffff";
    if (n == 9) {
        size_t i = 0;
        for (; i < 9; i++) {
            char c = (char)p[i];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != nul[i])
                break;
        }
        if (i == 9) {
            l->oid = 65535;
            l->iid = 65535;
            return TERN_OK;
        }
    }
    return rc;
}

/* Resolves s->name (s->name_len bytes) into path and prefix. */
static int resolve_name(tern_senml_dec *s, tern_entry *e, const char **why)
{
    const char *p = s->name;
    size_t n = s->name_len;
    if (n == 0 || p[0] != '/') {
        *why = "SenML name is not a path";
        return TERN_EMALFORMED;
    }
    /* A first segment that is not a number is a Gateway end-device prefix
     * (LwM2M Gateway TS: "/<prefix>/O/I/R"). */
    size_t seg_end = 1;
    while (seg_end < n && p[seg_end] != '/')
        seg_end++;
    size_t off = 0;
    if (seg_end > 1 && !is_digits(p + 1, seg_end - 1)) {
        e->prefix.ptr = (const uint8_t *)(p + 1);
        e->prefix.len = seg_end - 1;
        off = seg_end;
    }
    if (off == n) {
        e->path = tern_path_root();
        return TERN_OK;
    }
    /* "/O[/I[/R[/RI]]]" with an optional trailing '/'. IDs up to 65535 are
     * accepted: 65535 is reserved (Core §7.1), but Zephyr's test object is
     * 65535 and a server should read what clients send. */
    tern_path path = tern_path_root();
    size_t k = off;
    while (k < n) {
        if (p[k] != '/') {
            *why = "SenML name is not a valid LwM2M path";
            return TERN_EMALFORMED;
        }
        k++;
        if (k == n)
            break; /* trailing '/' */
        size_t s0 = k;
        uint32_t id = 0;
        while (k < n && p[k] >= '0' && p[k] <= '9' && k - s0 < 6) {
            id = id * 10u + (uint32_t)(p[k] - '0');
            k++;
        }
        if (k == s0 || (k < n && p[k] != '/') || (p[s0] == '0' && k - s0 > 1)) {
            *why = "SenML name is not a valid LwM2M path";
            return TERN_EMALFORMED;
        }
        if (id > 65535u) {
            *why = "SenML name has an ID above 65535";
            return TERN_ERANGE;
        }
        if (path.len == 4) {
            *why = "SenML name deeper than /O/I/R/RI";
            return TERN_EMALFORMED;
        }
        path.ids[path.len++] = (uint16_t)id;
    }
    e->path = path;
    return TERN_OK;
}

static int build_name(tern_senml_dec *s, const tern_senml_rec *r, const char **why)
{
    size_t len = 0;
    char *out = s->name;
    size_t nlen = (r->present & TERN_SENML_BIT(TERN_SENML_K_N)) ? r->n.len : 0;
    size_t total = (size_t)s->bn_len + nlen;
    if (total == 0) {
        *why = "SenML record has no name";
        return TERN_EMALFORMED;
    }
    /* Leshan writes names without the leading '/' ("bn":"3/0/") */
    const char first = s->bn_len ? s->bn[0] : (char)r->n.ptr[0];
    if (first != '/')
        out[len++] = '/';
    if (len + total > sizeof s->name) {
        *why = "SenML name too long";
        return TERN_ETOOBIG;
    }
    memcpy(out + len, s->bn, s->bn_len);
    len += s->bn_len;
    if (nlen)
        memcpy(out + len, r->n.ptr, nlen);
    len += nlen;
    s->name_len = (uint8_t)len;
    return TERN_OK;
}

static int convert_value(const tern_senml_rec *r, uint32_t vkey, const tern_senml_num *v, bool v_float,
                         bool vs_opaque, tern_type t, tern_value *out, const char **why)
{
    int rc;
    if (t == TERN_TYPE_NONE) {
        switch (vkey) {
        case TERN_SENML_K_V:
            t = v_float                          ? TERN_TYPE_FLOAT
                : v->kind == TERN_SENML_NUM_INT  ? TERN_TYPE_INTEGER
                : v->kind == TERN_SENML_NUM_UINT ? TERN_TYPE_UNSIGNED
                                                 : TERN_TYPE_FLOAT;
            break;
        case TERN_SENML_K_VS:
            t = TERN_TYPE_STRING;
            break;
        case TERN_SENML_K_VB:
            t = TERN_TYPE_BOOLEAN;
            break;
        case TERN_SENML_K_VD:
            t = TERN_TYPE_OPAQUE;
            break;
        default:
            t = TERN_TYPE_OBJLNK;
            break;
        }
    }
    out->type = t;
    switch (t) {
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
        if (vkey != TERN_SENML_K_V)
            break;
        rc = num_to_i64(v, &out->v.i);
        if (rc < 0)
            *why = "number is not an integer in the signed 64-bit range";
        return rc;
    case TERN_TYPE_UNSIGNED:
        if (vkey != TERN_SENML_K_V)
            break;
        rc = num_to_u64(v, &out->v.u);
        if (rc < 0)
            *why = "number is not an integer in the unsigned 64-bit range";
        return rc;
    case TERN_TYPE_FLOAT:
        if (vkey != TERN_SENML_K_V)
            break;
        out->v.f = num_to_double(v);
        return TERN_OK;
    case TERN_TYPE_BOOLEAN:
        if (vkey != TERN_SENML_K_VB)
            break;
        out->v.b = r->vb;
        return TERN_OK;
    case TERN_TYPE_STRING:
    case TERN_TYPE_CORELNK:
        if (vkey != TERN_SENML_K_VS)
            break;
        out->v.bytes = r->vs;
        return TERN_OK;
    case TERN_TYPE_OPAQUE:
        if (vkey == TERN_SENML_K_VS && vs_opaque) {
            /* base64 text (OMA JSON): decode in place in the scratch */
            size_t n = 0;
            uint8_t *p = (uint8_t *)(uintptr_t)r->vs.ptr;
            if (tern_b64_decode(p, r->vs.ptr, r->vs.len, TERN_B64_ANY, &n) < 0) {
                *why = "Opaque value is not base64";
                return TERN_EMALFORMED;
            }
            out->v.bytes.ptr = r->vs.ptr;
            out->v.bytes.len = n;
            return TERN_OK;
        }
        if (vkey != TERN_SENML_K_VD)
            break;
        out->v.bytes = r->vd;
        return TERN_OK;
    case TERN_TYPE_OBJLNK: {
        /* "vlo"; Zephyr's decoder also takes an Objlnk from "vs" */
        const tern_bytes *txt = vkey == TERN_SENML_K_VLO ? &r->vlo : vkey == TERN_SENML_K_VS ? &r->vs : NULL;
        if (!txt)
            break;
        rc = parse_objlnk(&out->v.lnk, txt->ptr, txt->len);
        if (rc < 0)
            *why = "bad Objlnk text (want \"O:I\")";
        return rc;
    }
    default:
        *why = "resource has no value type";
        return TERN_ETYPE;
    }
    *why = "SenML value field does not match the resource type";
    return TERN_ETYPE;
}

int tern_senml_dec_record(tern_senml_dec *s, const tern_decoder *d, const tern_senml_rec *r, tern_entry *e,
                          const char **why)
{
    const uint32_t pr = r->present;
    s->records++;
    if (pr & TERN_SENML_BIT(TERN_SENML_K_MUST_UNDERSTAND)) {
        *why = "unknown must-understand SenML field";
        return TERN_EUNSUPPORTED;
    }
    const uint32_t no_null = TERN_SENML_BIT(TERN_SENML_K_BN) | TERN_SENML_BIT(TERN_SENML_K_N) |
                             TERN_SENML_BIT(TERN_SENML_K_BT) | TERN_SENML_BIT(TERN_SENML_K_T) |
                             TERN_SENML_BIT(TERN_SENML_K_BV) | TERN_SENML_BIT(TERN_SENML_K_BVER);
    if (r->null_fields & no_null) {
        *why = "null is only allowed as a value";
        return TERN_EMALFORMED;
    }
    if ((pr & TERN_SENML_BIT(TERN_SENML_K_BVER)) && r->bver > 10) {
        *why = "SenML version above 10";
        return TERN_EUNSUPPORTED;
    }
    if (pr & TERN_SENML_BIT(TERN_SENML_K_BN)) {
        if (r->bn.len > sizeof s->bn) {
            *why = "SenML base name too long";
            return TERN_ETOOBIG;
        }
        if (r->bn.len)
            memcpy(s->bn, r->bn.ptr, r->bn.len);
        s->bn_len = (uint8_t)r->bn.len;
    }
    if (pr & TERN_SENML_BIT(TERN_SENML_K_BT)) {
        s->bt = num_to_double(&r->bt);
        if (!isfinite(s->bt)) {
            *why = "base time is not finite";
            return TERN_ERANGE;
        }
    }
    if (pr & TERN_SENML_BIT(TERN_SENML_K_BV)) {
        s->bv = r->bv;
        s->has_bv = true;
    }
    const uint32_t vals = pr & VALUE_KEYS;
    const uint32_t real_vals = vals & ~r->null_fields;
    if (popcount32(vals) > 1) {
        *why = "SenML record has more than one value field";
        return TERN_EMALFORMED;
    }
    int rc = build_name(s, r, why);
    if (rc < 0)
        return rc;
    rc = resolve_name(s, e, why);
    if (rc < 0)
        return rc;
    if ((pr & TERN_SENML_BIT(TERN_SENML_K_T)) || (s->bt != 0.0 && !s->t_only)) {
        /* resolved time 0 is "no time" (RFC 8428 §4.5.3: roughly now) */
        double t = (pr & TERN_SENML_BIT(TERN_SENML_K_T)) ? num_to_double(&r->t) : 0.0;
        e->time = s->bt + t;
        e->has_time = e->time != 0.0;
        if (!isfinite(e->time)) {
            *why = "time is not finite";
            return TERN_ERANGE;
        }
    }
    if (!real_vals) {
        /* In plain SenML a value-less record is a path of a Read-/Observe-
         * Composite request: a pack mixing paths and values, or a path with
         * a time, is an error (ETCH mixes values and deletes freely). */
        if (!s->etch && (s->mode == 1 || (pr & TERN_SENML_BIT(TERN_SENML_K_T)))) {
            *why = "SenML path list mixes paths with values or times";
            return TERN_EMALFORMED;
        }
        s->mode = 2;
        e->kind = TERN_ENTRY_PATH_ONLY;
        return TERN_OK;
    }
    if (!s->etch && s->mode == 2) {
        *why = "SenML path list mixes paths with values";
        return TERN_EMALFORMED;
    }
    s->mode = 1;
    if (e->path.len < TERN_LVL_RESOURCE) {
        *why = "SenML value on a path above resource level";
        return TERN_EMALFORMED;
    }
    uint32_t vkey = 0;
    while (!(real_vals & TERN_SENML_BIT(vkey)))
        vkey++;
    tern_senml_num v = r->v;
    if (vkey == TERN_SENML_K_V && s->has_bv)
        v = num_add(&r->v, &s->bv);
    if (vkey == TERN_SENML_K_V && v.kind == TERN_SENML_NUM_FLOAT && !isfinite(v.f)) {
        *why = "number is not finite";
        return TERN_ERANGE;
    }
    e->kind = TERN_ENTRY_VALUE;
    return convert_value(r, vkey, &v, s->v_float, s->vs_opaque, tern_dec_type_of(d, &e->path), &e->value, why);
}

int tern_senml_dec_apply(tern_senml_dec *s, tern_decoder *d, const tern_senml_rec *r, tern_entry *e, size_t at)
{
    const char *why = NULL;
    int rc = tern_senml_dec_record(s, d, r, e, &why);
    if (rc < 0)
        return tern_dec_fail(d, rc, at, why ? why : tern_strerror(rc));
    return rc;
}

/* ---- encoding ---- */

void tern_senml_enc_init(tern_senml_enc *s, bool etch)
{
    memset(s, 0, sizeof *s);
    s->etch = etch;
}

/* "/<prefix>" + "/O/I/R" into out (cap TERN_SENML_NAME_MAX). */
static int entry_name(const tern_entry *en, const tern_path *p, char *out, size_t *len)
{
    size_t n = 0;
    if (en->prefix.len) {
        if (en->prefix.len + 1 > TERN_SENML_NAME_MAX)
            return TERN_ETOOBIG;
        out[n++] = '/';
        memcpy(out + n, en->prefix.ptr, en->prefix.len);
        n += en->prefix.len;
    }
    if (p->len || !n) {
        char tmp[32];
        int k = tern_path_format(p, tmp, sizeof tmp);
        if (k < 0)
            return TERN_EINVAL;
        if (n + (size_t)k > TERN_SENML_NAME_MAX)
            return TERN_ETOOBIG;
        memcpy(out + n, tmp, (size_t)k);
        n += (size_t)k;
    }
    *len = n;
    return TERN_OK;
}

static bool has_prefix(const char *s, size_t n, const char *pre, size_t pn)
{
    return pn <= n && memcmp(s, pre, pn) == 0;
}

int tern_senml_enc_plan(const tern_senml_enc *s, const tern_path *req, const tern_entry *en, tern_senml_erec *r,
                        const char **why)
{
    memset(r, 0, sizeof *r);
    if (en->kind == TERN_ENTRY_EMPTY_INSTANCE || en->kind == TERN_ENTRY_EMPTY_MULTI)
        return TERN_DONE;
    if (en->kind != TERN_ENTRY_VALUE && en->kind != TERN_ENTRY_PATH_ONLY) {
        *why = "unknown entry kind";
        return TERN_EINVAL;
    }
    if (en->more || en->offset) {
        *why = "SenML cannot carry a value in chunks";
        return TERN_EUNSUPPORTED;
    }
    if (en->kind == TERN_ENTRY_VALUE) {
        if (en->path.len < TERN_LVL_RESOURCE) {
            *why = "value entry above resource level";
            return TERN_EINVAL;
        }
        r->value = en->value;
        switch (en->value.type) {
        case TERN_TYPE_INTEGER:
        case TERN_TYPE_UNSIGNED:
        case TERN_TYPE_TIME:
            r->vfield = TERN_SENML_VF_V;
            break;
        case TERN_TYPE_FLOAT:
            if (!isfinite(en->value.v.f)) {
                *why = "SenML cannot carry NaN or infinity";
                return TERN_ERANGE;
            }
            r->vfield = TERN_SENML_VF_V;
            break;
        case TERN_TYPE_STRING:
        case TERN_TYPE_CORELNK:
            r->vfield = TERN_SENML_VF_VS;
            break;
        case TERN_TYPE_BOOLEAN:
            r->vfield = TERN_SENML_VF_VB;
            break;
        case TERN_TYPE_OPAQUE:
            r->vfield = TERN_SENML_VF_VD;
            break;
        case TERN_TYPE_OBJLNK: {
            int k = tern_objlnk_format(&en->value.v.lnk, r->vlo_text, sizeof r->vlo_text);
            if (k < 0) {
                *why = "objlnk";
                return TERN_EINVAL;
            }
            r->vlo_len = (uint8_t)k;
            r->vfield = TERN_SENML_VF_VLO;
            break;
        }
        default:
            *why = "value has no type";
            return TERN_ETYPE;
        }
    }
    if (en->has_time && !isfinite(en->time)) {
        *why = "time is not finite";
        return TERN_ERANGE;
    }

    char full[TERN_SENML_NAME_MAX];
    size_t flen = 0;
    int rc = entry_name(en, &en->path, full, &flen);
    if (rc < 0) {
        *why = "SenML name too long";
        return rc;
    }
    /* time goes in bt (Leshan): a new base time repeats the base name */
    bool need_bt = false;
    if (en->has_time && en->time != 0.0) {
        need_bt = !s->has_bt || s->bt != en->time;
        r->bt = en->time;
    } else if (s->has_bt && s->bt != 0.0) {
        need_bt = true;
        r->bt = 0.0;
    }
    r->has_t = false;
    r->has_bt = need_bt;

    bool under = (s->bn_len == 0 || (has_prefix(full, flen, s->bn, s->bn_len) &&
                                     (s->bn[s->bn_len - 1] == '/' || flen == s->bn_len)));
    bool root_value = req->len == 0 && !en->prefix.len && en->kind == TERN_ENTRY_VALUE;
    bool new_bn = !s->started || need_bt || !under;
    if (root_value && !(s->bn_len == flen && memcmp(s->bn, full, flen) == 0))
        new_bn = true;
    if (!s->started && !need_bt && req->len == 0 && !en->prefix.len && !root_value)
        new_bn = false; /* root path list: full names in n, no bn */
    const char *bn = s->bn;
    size_t bnl = s->bn_len;
    char nbn[TERN_SENML_NAME_MAX];
    if (new_bn) {
        size_t rl = 0;
        bn = full;
        bnl = flen;
        if (!root_value && (req->len || en->prefix.len) && !tern_path_eq(req, &en->path) &&
            entry_name(en, req, nbn, &rl) == TERN_OK && rl < TERN_SENML_NAME_MAX) {
            if (nbn[rl - 1] != '/')
                nbn[rl++] = '/';
            if (has_prefix(full, flen, nbn, rl)) {
                bn = nbn;
                bnl = rl;
            }
        }
        r->has_bn = true;
        memcpy(r->bn, bn, bnl);
        r->bn_len = (uint8_t)bnl;
    }
    if (flen > bnl) {
        r->has_n = true;
        r->n_len = (uint8_t)(flen - bnl);
        memcpy(r->n, full + bnl, r->n_len);
    }
    return TERN_OK;
}

void tern_senml_enc_commit(tern_senml_enc *s, const tern_senml_erec *r)
{
    s->started = true;
    if (r->has_bt) {
        s->has_bt = true;
        s->bt = r->bt;
    }
    if (r->has_bn) {
        memcpy(s->bn, r->bn, r->bn_len);
        s->bn_len = r->bn_len;
    }
}
