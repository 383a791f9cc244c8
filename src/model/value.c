/* tern — typed values: type names, checks against a resource definition,
 * Objlnk text form (Core Appendix C "Data Types"). */
#include <math.h>

#include "tern/model.h"

/* Spelling of the <Type> element of the registry XML (LWM2M.xsd). */
static const char *const type_names[] = {
    [TERN_TYPE_NONE] = "none",       [TERN_TYPE_STRING] = "String",
    [TERN_TYPE_INTEGER] = "Integer", [TERN_TYPE_UNSIGNED] = "Unsigned Integer",
    [TERN_TYPE_FLOAT] = "Float",     [TERN_TYPE_BOOLEAN] = "Boolean",
    [TERN_TYPE_OPAQUE] = "Opaque",   [TERN_TYPE_TIME] = "Time",
    [TERN_TYPE_OBJLNK] = "Objlnk",   [TERN_TYPE_CORELNK] = "Corelnk",
};

const char *tern_type_name(tern_type t)
{
    unsigned k = (unsigned)t;
    return k < TERN_ARRAY_LEN(type_names) ? type_names[k] : "unknown";
}

bool tern_type_is_numeric(tern_type t)
{
    return t == TERN_TYPE_INTEGER || t == TERN_TYPE_UNSIGNED || t == TERN_TYPE_FLOAT;
}

/* A value must have exactly the type of its definition: no coercion between
 * Integer, Unsigned Integer, Time or Float (Core Appendix C defines each as
 * its own type). The registry's RangeEnumeration bounds numbers, and the
 * length in bytes of String, Opaque and Corelnk values. */
int tern_value_check(const tern_res_def *def, const tern_value *v)
{
    if (!def || !v)
        return TERN_EINVAL;
    if ((tern_type)def->type != v->type)
        return TERN_ETYPE;
    if (!def->has_range)
        return TERN_OK;
    double x;
    switch (v->type) {
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
        x = (double)v->v.i;
        break;
    case TERN_TYPE_UNSIGNED:
        x = (double)v->v.u;
        break;
    case TERN_TYPE_FLOAT:
        x = v->v.f;
        if (isnan(x))
            return TERN_ERANGE;
        break;
    case TERN_TYPE_STRING:
    case TERN_TYPE_OPAQUE:
    case TERN_TYPE_CORELNK:
        x = (double)v->v.bytes.len;
        break;
    case TERN_TYPE_NONE:
    case TERN_TYPE_BOOLEAN:
    case TERN_TYPE_OBJLNK:
    default:
        return TERN_OK;
    }
    return (x < def->range_min || x > def->range_max) ? TERN_ERANGE : TERN_OK;
}

/* One half of "O:I": 1-5 digits, no leading zero, ≤ 65535. */
static int objlnk_half(const char *s, size_t len, uint16_t *out)
{
    if (len == 0 || len > 5)
        return len == 0 ? TERN_EMALFORMED : TERN_ERANGE;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return TERN_EMALFORMED;
        v = v * 10u + (uint32_t)(s[i] - '0');
    }
    if (len > 1 && s[0] == '0')
        return TERN_EMALFORMED;
    if (v > 65535u)
        return TERN_ERANGE;
    *out = (uint16_t)v;
    return TERN_OK;
}

/* Core Appendix C, Objlnk: "two 16-bit unsigned integers one beside the
 * other", text form "objectID:instanceID"; 65535:65535 is a valid null
 * link, so the full 0..65535 range is accepted here. */
int tern_objlnk_parse(tern_objlnk *out, const char *s, size_t len)
{
    if (!out || (!s && len))
        return TERN_EINVAL;
    size_t colon = len;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ':') {
            colon = i;
            break;
        }
    }
    if (colon == len)
        return TERN_EMALFORMED;
    tern_objlnk l;
    int r = objlnk_half(s, colon, &l.oid);
    if (r == TERN_OK)
        r = objlnk_half(s + colon + 1, len - colon - 1, &l.iid);
    if (r == TERN_OK)
        *out = l;
    return r;
}

static size_t put_u16(char *p, unsigned v)
{
    char tmp[5];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    for (size_t k = 0; k < n; k++)
        p[k] = tmp[n - 1 - k];
    return n;
}

int tern_objlnk_format(const tern_objlnk *l, char *out, size_t cap)
{
    char buf[TERN_OBJLNK_STRLEN];
    size_t n = put_u16(buf, l->oid);
    buf[n++] = ':';
    n += put_u16(buf + n, l->iid);
    if (n + 1 > cap)
        return TERN_ENOMEM;
    for (size_t k = 0; k < n; k++)
        out[k] = buf[k];
    out[n] = '\0';
    return (int)n;
}
