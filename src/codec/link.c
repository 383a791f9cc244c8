/* tern — CoRE Link Format parser and builder (RFC 6690; see
 * include/tern/linkfmt.h for what is accepted and why). No recursion, no
 * allocation; every loop is bounded by the input length. */
#include <string.h>

#include "codec/fmt_util.h"
#include "tern/linkfmt.h"

static bool is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}
static bool is_hex(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
/* RFC 5987 parmname */
static bool is_name(uint8_t c)
{
    return is_alpha(c) || is_digit(c) || (c && strchr("!#$&+-.^_`|~", c));
}
/* RFC 6690 ptokenchar */
static bool is_ptoken(uint8_t c)
{
    return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'()*+-./:<=>?@[]^_`{|}~", c));
}
/* RFC 3986 pchar minus '%' plus '/' */
static bool is_uri(uint8_t c)
{
    return is_alpha(c) || is_digit(c) || (c && strchr("-._~!$&'()*+,;=:@/", c));
}
static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void tern_link_parser_init(tern_link_parser *lp, const uint8_t *buf, size_t len, bool last, unsigned flags)
{
    memset(lp, 0, sizeof *lp);
    lp->buf = buf;
    lp->len = len;
    lp->last = last;
    lp->flags = flags;
}

void tern_link_parser_refill(tern_link_parser *lp, const uint8_t *buf, size_t len, bool last)
{
    lp->base += lp->pos;
    lp->buf = buf;
    lp->len = len;
    lp->pos = 0;
    lp->last = last;
}

static int fail(tern_link_parser *lp, int err, size_t at, const char *reason)
{
    if (!lp->err) {
        lp->err = err;
        lp->err_offset = lp->base + at;
        lp->err_reason = reason;
    }
    return lp->err;
}

static int check_uri(const uint8_t *u, size_t n, size_t *bad)
{
    if (n == 0 || u[0] != '/' || (n > 1 && u[1] == '/')) {
        *bad = 0;
        return TERN_EMALFORMED;
    }
    for (size_t i = 0; i < n; i++) {
        if (u[i] == '%') {
            if (i + 2 >= n || !is_hex(u[i + 1]) || !is_hex(u[i + 2])) {
                *bad = i;
                return TERN_EMALFORMED;
            }
            i += 2;
        } else if (!is_uri(u[i])) {
            *bad = i;
            return TERN_EMALFORMED;
        }
    }
    return TERN_OK;
}

static bool name_is(const tern_link_attr *a, const char *s)
{
    size_t n = strlen(s);
    return a->name.len == n && memcmp(a->name.ptr, s, n) == 0;
}

static int lwm2m_check(const tern_link_attr *a, const char **why)
{
    static const char *const numeric[] = {"pmin", "pmax", "epmin", "epmax", "hqmax", "dim", "ssid"};
    size_t k;
    for (k = 0; k < TERN_ARRAY_LEN(numeric); k++)
        if (name_is(a, numeric[k]))
            break;
    if (k == TERN_ARRAY_LEN(numeric))
        return TERN_OK;
    if (!a->has_value || a->value.len == 0 || a->value.len > 10) {
        *why = "LwM2M attribute needs an unsigned integer value";
        return TERN_EMALFORMED;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < a->value.len; i++) {
        if (!is_digit(a->value.ptr[i])) {
            *why = "LwM2M attribute needs an unsigned integer value";
            return TERN_EMALFORMED;
        }
        v = v * 10u + (uint64_t)(a->value.ptr[i] - '0');
    }
    if ((name_is(a, "dim") && v > 255) || (name_is(a, "ssid") && (v < 1 || v > 65534)) || v > UINT32_MAX) {
        *why = "LwM2M attribute value out of range";
        return TERN_ERANGE;
    }
    return TERN_OK;
}

int tern_link_next(tern_link_parser *lp, tern_link *link, tern_link_attr *attrs, size_t attrs_cap)
{
    if (lp->err)
        return lp->err;
    const uint8_t *b = lp->buf;
    size_t n = lp->len, start = lp->pos, i = start;
    bool lenient = !(lp->flags & TERN_LINK_STRICT);
    if (i == n) {
        if (!lp->last)
            return TERN_AGAIN;
        if (lp->need_link)
            return fail(lp, TERN_EMALFORMED, i, "link list ends with ','");
        return TERN_DONE;
    }
    link->nattrs = 0;
    bool in_attrs = false;
    if (b[i] == '<') {
        size_t j = i + 1;
        while (j < n && b[j] != '>')
            j++;
        if (j == n)
            return lp->last ? fail(lp, TERN_EMALFORMED, i, "unterminated '<'") : TERN_AGAIN;
        size_t bad = 0;
        if (j == i + 1)
            return fail(lp, TERN_EMALFORMED, i + 1, "empty URI-reference");
        if (check_uri(b + i + 1, j - i - 1, &bad) < 0)
            return fail(lp, TERN_EMALFORMED, i + 1 + bad, "URI-reference is not an absolute path");
        link->uri.ptr = b + i + 1;
        link->uri.len = j - i - 1;
        i = j + 1;
    } else if (lenient && lp->links == 0 && lp->base + start == 0 && is_name(b[i])) {
        /* pre-1.2 Bootstrap-Discover: "lwm2m=1.0,</0/0>..." */
        link->uri.ptr = (const uint8_t *)"/";
        link->uri.len = 1;
        in_attrs = true;
    } else {
        return fail(lp, TERN_EMALFORMED, i, "expected '<' to start a link");
    }

    for (;;) {
        if (!in_attrs) {
            if (i == n) {
                if (!lp->last)
                    return TERN_AGAIN;
                break;
            }
            if (b[i] == ',') {
                i++;
                while (lenient && i < n && is_ws(b[i]))
                    i++;
                if (i == n && !lp->last)
                    return TERN_AGAIN; /* keep the whole link until the next one starts */
                lp->need_link = true;
                break;
            }
            if (lenient && is_ws(b[i])) {
                /* a line break between two links stands for ',' (the Core
                 * spec writes link lists one per line, e.g. §6.4.4) */
                size_t j = i;
                bool line = false;
                while (j < n && is_ws(b[j])) {
                    line = line || b[j] == '\n' || b[j] == '\r';
                    j++;
                }
                if (j == n && !lp->last)
                    return TERN_AGAIN;
                if (!line || j == n || b[j] != '<')
                    return fail(lp, TERN_EMALFORMED, i, "whitespace after a link");
                i = j;
                break;
            }
            if (b[i] != ';')
                return fail(lp, TERN_EMALFORMED, i, "expected ';' or ',' after a link");
            i++;
            while (lenient && i < n && is_ws(b[i]))
                i++;
        }
        in_attrs = false;
        size_t ns = i;
        while (i < n && is_name(b[i]))
            i++;
        if (i == n && !lp->last)
            return TERN_AGAIN;
        if (i == ns)
            return fail(lp, TERN_EMALFORMED, i, "expected an attribute name");
        tern_link_attr a = {{b + ns, i - ns}, {NULL, 0}, false, false};
        if (i < n && b[i] == '=') {
            i++;
            a.has_value = true;
            if (i < n && b[i] == '"') {
                size_t vs = ++i;
                for (;;) {
                    if (i >= n)
                        return lp->last ? fail(lp, TERN_EMALFORMED, vs - 1, "unterminated quoted string")
                                        : TERN_AGAIN;
                    if (b[i] == '"')
                        break;
                    if (b[i] < 0x20 || b[i] == 0x7f)
                        return fail(lp, TERN_EMALFORMED, i, "control character in a quoted string");
                    if (b[i] == '\\') {
                        if (i + 1 < n && (b[i + 1] < 0x20 || b[i + 1] == 0x7f))
                            return fail(lp, TERN_EMALFORMED, i + 1, "control character in a quoted string");
                        i++;
                    }
                    i++;
                }
                int badu;
                size_t vl = i - vs;
                if (tern_utf8_prefix(b + vs, vl, &badu) != vl)
                    return fail(lp, TERN_EMALFORMED, vs, "quoted string is not valid UTF-8");
                a.value.ptr = b + vs;
                a.value.len = vl;
                a.quoted = true;
                i++;
            } else {
                size_t vs = i;
                while (i < n && is_ptoken(b[i]))
                    i++;
                if (i == n && !lp->last)
                    return TERN_AGAIN;
                if (i == vs)
                    return fail(lp, TERN_EMALFORMED, i, "empty attribute value");
                a.value.ptr = b + vs;
                a.value.len = i - vs;
            }
        }
        if (!(lp->flags & TERN_LINK_NO_LWM2M_CHECKS)) {
            const char *why = NULL;
            int rc = lwm2m_check(&a, &why);
            if (rc < 0)
                return fail(lp, rc, ns, why);
        }
        if (link->nattrs >= attrs_cap)
            return fail(lp, TERN_EFULL, ns, "more attributes than the caller's array holds");
        attrs[link->nattrs++] = a;
    }
    if (lp->last && i == n && lp->need_link && b[n - 1] == ',')
        ; /* reported by the next call */
    else if (i == n || b[i - 1] != ',')
        lp->need_link = false;
    lp->pos = i;
    lp->links++;
    return TERN_OK;
}

int tern_link_unquote(const tern_link_attr *a, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < a->value.len; i++) {
        uint8_t c = a->value.ptr[i];
        if (a->quoted && c == '\\' && i + 1 < a->value.len && a->value.ptr[i + 1] == '"')
            c = a->value.ptr[++i];
        if (o + 1 >= cap)
            return TERN_ENOMEM;
        out[o++] = (char)c;
    }
    if (o >= cap)
        return TERN_ENOMEM;
    out[o] = '\0';
    return (int)o;
}

int tern_link_uri_path(tern_bytes uri, const char *prefix, tern_path *out)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    while (pl && prefix[pl - 1] == '/')
        pl--;
    if (uri.len < pl || (pl && memcmp(uri.ptr, prefix, pl) != 0))
        return TERN_ENOTFOUND;
    const char *s = (const char *)uri.ptr + pl;
    size_t n = uri.len - pl;
    if (n == 0) {
        if (!pl)
            return TERN_EMALFORMED;
        *out = tern_path_root();
        return TERN_OK;
    }
    if (s[0] != '/')
        return TERN_ENOTFOUND;
    if (n == 1) {
        *out = tern_path_root();
        return TERN_OK;
    }
    return tern_path_parse(out, s, n);
}

/* ---- builder ---- */

void tern_link_builder_init(tern_link_builder *b, tern_wbuf *out)
{
    b->out = out;
    b->links = 0;
}

static int emit(tern_link_builder *b, const char *const *parts, const size_t *lens, size_t count)
{
    size_t need = 0;
    for (size_t i = 0; i < count; i++)
        need += lens[i];
    if (need > b->out->cap - b->out->len)
        return TERN_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        if (lens[i])
            memcpy(b->out->ptr + b->out->len, parts[i], lens[i]);
        b->out->len += lens[i];
    }
    return TERN_OK;
}

int tern_link_add_uri(tern_link_builder *b, const char *uri, size_t len)
{
    size_t bad;
    if (!uri || check_uri((const uint8_t *)uri, len, &bad) < 0)
        return TERN_EINVAL;
    const char *parts[] = {",<", uri, ">"};
    size_t lens[] = {2, len, 1};
    if (b->links == 0) {
        parts[0] = "<";
        lens[0] = 1;
    }
    int rc = emit(b, parts, lens, 3);
    if (rc == TERN_OK)
        b->links++;
    return rc;
}

int tern_link_add_path(tern_link_builder *b, const char *prefix, const tern_path *p)
{
    char uri[96];
    size_t n = 0;
    size_t pl = prefix ? strlen(prefix) : 0;
    while (pl && prefix[pl - 1] == '/')
        pl--;
    if (pl >= 64)
        return TERN_EINVAL;
    memcpy(uri, prefix ? prefix : "", pl);
    n = pl;
    if (p->len) {
        int r = tern_path_format(p, uri + n, sizeof uri - n);
        if (r < 0)
            return TERN_EINVAL;
        n += (size_t)r;
    } else if (n == 0) {
        uri[n++] = '/';
    }
    return tern_link_add_uri(b, uri, n);
}

int tern_link_add_attr(tern_link_builder *b, const char *name, const char *value, bool quoted)
{
    if (!b->links || !name || !*name)
        return TERN_EINVAL;
    size_t nl = strlen(name);
    for (size_t i = 0; i < nl; i++)
        if (!is_name((uint8_t)name[i]))
            return TERN_EINVAL;
    char esc[256];
    size_t el = 0;
    if (value) {
        size_t vl = strlen(value);
        for (size_t i = 0; i < vl; i++) {
            uint8_t c = (uint8_t)value[i];
            if (quoted) {
                if (c < 0x20 || c == 0x7f)
                    return TERN_EINVAL;
                if (c == '"' || c == '\\') {
                    if (el + 1 >= sizeof esc)
                        return TERN_EINVAL;
                    esc[el++] = '\\';
                }
            } else if (!is_ptoken(c)) {
                return TERN_EINVAL;
            }
            if (el >= sizeof esc)
                return TERN_EINVAL;
            esc[el++] = (char)c;
        }
        if (!quoted && vl == 0)
            return TERN_EINVAL;
    }
    const char *parts[] = {";", name, value ? (quoted ? "=\"" : "=") : "", esc, quoted && value ? "\"" : ""};
    size_t lens[] = {1, nl, value ? (quoted ? 2u : 1u) : 0u, el, quoted && value ? 1u : 0u};
    return emit(b, parts, lens, 5);
}

int tern_link_add_attr_uint(tern_link_builder *b, const char *name, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    char rev[24];
    do {
        rev[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    for (size_t i = 0; i < n; i++)
        tmp[i] = rev[n - 1 - i];
    tmp[n] = '\0';
    return tern_link_add_attr(b, name, tmp, false);
}

int tern_link_add_attrs(tern_link_builder *b, const tern_attrs *a)
{
    if (!b->links)
        return TERN_EINVAL;
    char tmp[256];
    int n = tern_attrs_format(a, TERN_ATTRS_LINK, tmp, sizeof tmp);
    if (n < 0)
        return n;
    const char *parts[] = {tmp};
    size_t lens[] = {(size_t)n};
    return emit(b, parts, lens, 1);
}
