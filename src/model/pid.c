/* tern — the Register/Update Profile ID parameter `pid` (Core 1.2 §6.2.1),
 * with the hash suites of RFC 6920 §9.4 (Named Information Hash Algorithm
 * Registry). */
#include "tern/model.h"

#include <limits.h>
#include <string.h>

/* RFC 6920 §9.4 Figure 11: suite id -> truncated hash length in bytes. */
static const struct {
    uint8_t suite, len;
} suites[] = {
    {1, 32}, /* sha-256 */
    {2, 16}, /* sha-256-128 */
    {3, 15}, /* sha-256-120 */
    {4, 12}, /* sha-256-96 */
    {5, 8},  /* sha-256-64 */
    {6, 4},  /* sha-256-32 */
};

size_t tern_pid_suite_len(unsigned suite)
{
    for (size_t i = 0; i < TERN_ARRAY_LEN(suites); i++)
        if (suites[i].suite == suite)
            return suites[i].len;
    return 0;
}

static bool is_alnum_dash(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

static int parse_one(const char *s, size_t n, tern_pid *out)
{
    const char *colon = memchr(s, ':', n);
    if (!colon || colon == s || colon + 1 == s + n)
        return TERN_EMALFORMED;
    size_t hl = (size_t)(colon - s);
    const char *v = colon + 1;
    size_t vl = n - hl - 1;
    if ((hl == 3 && memcmp(s, "oma", 3) == 0) || (hl == 1 && s[0] == 'v')) {
        for (size_t i = 0; i < vl; i++)
            if (!is_alnum_dash(v[i]))
                return TERN_EMALFORMED;
        out->kind = hl == 3 ? TERN_PID_OMA : TERN_PID_VENDOR;
        out->suite = 0;
    } else {
        unsigned suite = 0;
        for (size_t i = 0; i < hl; i++) {
            if (s[i] < '0' || s[i] > '9')
                return TERN_EMALFORMED;
            suite = suite * 10 + (unsigned)(s[i] - '0');
            if (suite > 255)
                return TERN_ERANGE; /* /1/x/27 holds a suite id 0..255 */
        }
        for (size_t i = 0; i < vl; i++)
            if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
                return TERN_EMALFORMED; /* lowercase hex only */
        if (vl % 2)
            return TERN_EMALFORMED;
        size_t want = tern_pid_suite_len(suite);
        if (suite == 0 || suite == 32)
            return TERN_ERANGE; /* reserved in RFC 6920 §9.4 */
        if (want ? vl / 2 != want : vl / 2 < 4)
            return TERN_ERANGE; /* a hash of at least 32 bits (§6.2.1) */
        out->kind = TERN_PID_DYNAMIC;
        out->suite = (uint8_t)suite;
    }
    out->value.ptr = (const uint8_t *)v;
    out->value.len = vl;
    return TERN_OK;
}

int tern_pid_parse(const char *s, size_t len, tern_pid *ids, size_t cap, size_t *count)
{
    if (!count || (!s && len) || (!ids && cap))
        return TERN_EINVAL;
    *count = 0;
    bool quoted = len >= 1 && s[0] == '"';
    if (quoted) {
        if (len < 3 || s[len - 1] != '"')
            return TERN_EMALFORMED;
        s++;
        len -= 2;
    }
    size_t n = 0;
    for (size_t start = 0;;) {
        const char *c = memchr(s + start, ',', len - start);
        size_t end = c ? (size_t)(c - s) : len;
        if (c && !quoted)
            return TERN_EMALFORMED; /* a list is quoted */
        if (n == cap)
            return TERN_EFULL;
        int rc = parse_one(s + start, end - start, &ids[n]);
        if (rc < 0)
            return rc;
        n++;
        if (!c)
            break;
        start = end + 1;
    }
    *count = n;
    return TERN_OK;
}

static bool put(char *out, size_t cap, size_t *pos, const void *p, size_t n)
{
    if (*pos + n >= cap)
        return false;
    memcpy(out + *pos, p, n);
    *pos += n;
    return true;
}

int tern_pid_format(const tern_pid *ids, size_t count, char *out, size_t cap)
{
    if (!ids || count == 0)
        return TERN_EINVAL;
    if (!out || cap == 0)
        return TERN_ENOMEM;
    size_t pos = 0;
    bool ok = count == 1 || put(out, cap, &pos, "\"", 1);
    for (size_t i = 0; ok && i < count; i++) {
        const tern_pid *p = &ids[i];
        char head[8];
        size_t hl;
        if (p->kind == TERN_PID_DYNAMIC) {
            unsigned s = p->suite;
            hl = 0;
            if (s >= 100)
                head[hl++] = (char)('0' + s / 100);
            if (s >= 10)
                head[hl++] = (char)('0' + s / 10 % 10);
            head[hl++] = (char)('0' + s % 10);
        } else if (p->kind == TERN_PID_OMA) {
            memcpy(head, "oma", 3);
            hl = 3;
        } else if (p->kind == TERN_PID_VENDOR) {
            head[0] = 'v';
            hl = 1;
        } else {
            return TERN_EINVAL;
        }
        head[hl++] = ':';
        if (!p->value.ptr || p->value.len == 0)
            return TERN_EINVAL;
        ok = (i == 0 || put(out, cap, &pos, ",", 1)) && put(out, cap, &pos, head, hl) &&
             put(out, cap, &pos, p->value.ptr, p->value.len);
    }
    ok = ok && (count == 1 || put(out, cap, &pos, "\"", 1));
    if (!ok || pos > INT_MAX)
        return TERN_ENOMEM;
    out[pos] = '\0';
    return (int)pos;
}
