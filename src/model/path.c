/* tern — LwM2M paths (Core §7.1 / §6.1: IDs 0..65534, 65535 reserved). */
#include <string.h>

#include "tern/model.h"

tern_path tern_path_make(int len, uint16_t o, uint16_t i, uint16_t r, uint16_t ri)
{
    tern_path p = {{o, i, r, ri}, (uint8_t)(len < 0 ? 0 : len > 4 ? 4 : len)};
    for (int k = p.len; k < 4; k++)
        p.ids[k] = 0;
    return p;
}

int tern_path_parse(tern_path *p, const char *s, size_t len)
{
    tern_path out = tern_path_root();
    size_t i = 0;
    if (!s || len == 0)
        return TERN_EMALFORMED;
    /* The URI form is "/O/I/R/RI" (Core §7.1); the relative form "O/I/R"
     * that Zephyr's path strings and people at a terminal use is accepted. */
    i = s[0] == '/' ? 1 : 0;
    while (i < len) {
        if (out.len == 4)
            return TERN_EMALFORMED;
        uint32_t v = 0;
        size_t digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            v = v * 10u + (uint32_t)(s[i] - '0');
            if (v > 0xFFFFFu)
                return TERN_ERANGE;
            i++;
            digits++;
        }
        if (digits == 0)
            return TERN_EMALFORMED;
        if (digits > 1 && s[i - digits] == '0')
            return TERN_EMALFORMED; /* no leading zeros */
        if (v > TERN_ID_MAX)
            return TERN_ERANGE;
        out.ids[out.len++] = (uint16_t)v;
        if (i == len)
            break;
        if (s[i] != '/')
            return TERN_EMALFORMED;
        i++; /* a single trailing '/' is accepted */
    }
    *p = out;
    return TERN_OK;
}

int tern_path_format(const tern_path *p, char *out, size_t cap)
{
    size_t n = 0;
    if (p->len == 0) {
        if (cap < 2)
            return TERN_ENOMEM;
        out[0] = '/';
        out[1] = '\0';
        return 1;
    }
    for (int k = 0; k < p->len; k++) {
        char tmp[8];
        int t = 0;
        unsigned v = p->ids[k];
        do {
            tmp[t++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        if (n + 1 + (size_t)t + 1 > cap)
            return TERN_ENOMEM;
        out[n++] = '/';
        while (t)
            out[n++] = tmp[--t];
    }
    out[n] = '\0';
    return (int)n;
}

bool tern_path_eq(const tern_path *a, const tern_path *b)
{
    if (a->len != b->len)
        return false;
    for (int k = 0; k < a->len; k++)
        if (a->ids[k] != b->ids[k])
            return false;
    return true;
}

bool tern_path_is_prefix(const tern_path *prefix, const tern_path *p)
{
    if (prefix->len > p->len)
        return false;
    for (int k = 0; k < prefix->len; k++)
        if (prefix->ids[k] != p->ids[k])
            return false;
    return true;
}

int tern_path_cmp(const tern_path *a, const tern_path *b)
{
    int n = a->len < b->len ? a->len : b->len;
    for (int k = 0; k < n; k++)
        if (a->ids[k] != b->ids[k])
            return a->ids[k] < b->ids[k] ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}
