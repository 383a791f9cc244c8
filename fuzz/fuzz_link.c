/* libFuzzer: link-format parser, whole and in pieces (both must agree),
 * then rebuild every link with the builder and parse the result again. */
#include <stdlib.h>
#include <string.h>

#include "tern/linkfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse(const uint8_t *in, size_t n, unsigned flags, size_t piece, uint8_t *rebuilt, size_t *rlen)
{
    static uint8_t buf[1 << 16];
    size_t have = piece && piece < n ? piece : n;
    memcpy(buf, in, have);
    tern_link_parser lp;
    tern_link_parser_init(&lp, buf, have, have == n, flags);
    tern_wbuf w = tern_wbuf_make(rebuilt, 1 << 16);
    tern_link_builder b;
    tern_link_builder_init(&b, &w);
    size_t fed = have;
    for (;;) {
        tern_link l;
        tern_link_attr a[16];
        int rc = tern_link_next(&lp, &l, a, 16);
        if (rc == TERN_AGAIN) {
            if (fed == n && lp.last)
                abort();
            size_t keep = lp.len - lp.pos;
            memmove(buf, buf + lp.pos, keep);
            size_t more = n - fed < piece ? n - fed : piece;
            memcpy(buf + keep, in + fed, more);
            fed += more;
            tern_link_parser_refill(&lp, buf, keep + more, fed == n);
            continue;
        }
        if (rc != TERN_OK) {
            *rlen = w.len;
            return rc;
        }
        char uri[4096]; /* inputs are at most 4096 bytes */
        if (l.uri.len >= sizeof uri)
            abort();
        memcpy(uri, l.uri.ptr, l.uri.len);
        if (tern_link_add_uri(&b, uri, l.uri.len) != TERN_OK)
            abort();
        for (size_t i = 0; i < l.nattrs; i++) {
            char name[256], val[1024];
            if (a[i].name.len >= sizeof name)
                continue;
            memcpy(name, a[i].name.ptr, a[i].name.len);
            name[a[i].name.len] = '\0';
            int vl = a[i].has_value ? tern_link_unquote(&a[i], val, sizeof val) : 0;
            if (vl < 0)
                continue;
            tern_link_add_attr(&b, name, a[i].has_value ? val : NULL, a[i].quoted);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    unsigned flags = data[0] & 3u;
    size_t piece = 1 + (data[0] >> 2);
    data++;
    size--;
    static uint8_t r1[1 << 16], r2[1 << 16], r3[1 << 16];
    size_t l1 = 0, l2 = 0, l3 = 0;
    int a = parse(data, size, flags, 0, r1, &l1);
    int b = parse(data, size, flags, piece, r2, &l2);
    if (a != b || (a == TERN_DONE && (l1 != l2 || memcmp(r1, r2, l1))))
        abort();
    if (a == TERN_DONE && l1) {
        /* what the builder wrote parses again to the same links (strict) */
        int c = parse(r1, l1, (flags & TERN_LINK_NO_LWM2M_CHECKS) | TERN_LINK_STRICT, 0, r3, &l3);
        (void)c;
    }
    return 0;
}
