/* Fuzz target for the model parsers: paths, Objlnk text and Write-Attributes
 * queries (with the consistency check and the formatter). Every input goes
 * through all three; whatever parses must format and parse back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_path(const char *s, size_t n)
{
    tern_path p, q;
    if (tern_path_parse(&p, s, n) != TERN_OK)
        return;
    char buf[32];
    int len = tern_path_format(&p, buf, sizeof buf);
    if (len <= 0 || tern_path_parse(&q, buf, (size_t)len) != TERN_OK || !tern_path_eq(&p, &q) ||
        tern_path_cmp(&p, &q) != 0 || !tern_path_is_prefix(&p, &q))
        abort();
}

static void fuzz_objlnk(const char *s, size_t n)
{
    tern_objlnk l, m;
    if (tern_objlnk_parse(&l, s, n) != TERN_OK)
        return;
    char buf[TERN_OBJLNK_STRLEN];
    int len = tern_objlnk_format(&l, buf, sizeof buf);
    /* the strict parser accepts only the canonical form */
    if (len != (int)n || memcmp(buf, s, n) != 0)
        abort();
    if (tern_objlnk_parse(&m, buf, (size_t)len) != TERN_OK || m.oid != l.oid || m.iid != l.iid)
        abort();
}

static void fuzz_attrs(const char *s, size_t n)
{
    tern_attrs a, b;
    memset(&a, 0, sizeof a);
    if (tern_attrs_parse_query(&a, s, n) != TERN_OK)
        return;
    (void)tern_attrs_check(&a, TERN_TYPE_NONE);
    (void)tern_attrs_check(&a, TERN_TYPE_FLOAT);
    for (int lvl = TERN_LVL_ROOT; lvl <= TERN_LVL_RINSTANCE; lvl++)
        (void)tern_attrs_check_level(&a, lvl);
    static char link[4096], query[4096];
    if (tern_attrs_format(&a, TERN_ATTRS_LINK, link, sizeof link) < 0)
        abort();
    int len = tern_attrs_format(&a, TERN_ATTRS_QUERY, query, sizeof query);
    if (len <= 0)
        abort();
    char small[8];
    (void)tern_attrs_format(&a, TERN_ATTRS_QUERY, small, sizeof small);
    memset(&b, 0, sizeof b);
    int r = tern_attrs_parse_query(&b, query, (size_t)len);
    if (r == TERN_ETOOBIG)
        return; /* a float whose plain decimal form is longer than 63 chars */
    if (r != TERN_OK || a.set != b.set || a.unset != b.unset)
        abort();
    if (((a.set & TERN_ATTR_GT) && a.gt != b.gt) || ((a.set & TERN_ATTR_LT) && a.lt != b.lt) ||
        ((a.set & TERN_ATTR_ST) && a.st != b.st) || ((a.set & TERN_ATTR_PMIN) && a.pmin != b.pmin) ||
        ((a.set & TERN_ATTR_VER) && strcmp(a.ver, b.ver) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* copy into an exact-size heap buffer so ASan sees any over-read */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    if (size)
        memcpy(s, data, size);
    fuzz_path(s, size);
    fuzz_objlnk(s, size);
    fuzz_attrs(s, size);
    free(s);
    return 0;
}
