/* Golden vectors of ../shared/vectors/ for the model layer: path.json,
 * attributes.json and objlnk.json (schema: ../shared/vectors/README.md).
 * Prints "<file>: N/M passed" per file. Includes a tiny JSON reader for the
 * test only (malloc is fine here). Exit 77 (skip) when the files are absent. */
#include <stdlib.h>

#include "tern/model.h"
#include "tharness.h"

/* ---- a small JSON reader ------------------------------------------------ */
typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;
typedef struct jval jval;
struct jval {
    jtype t;
    bool b;
    double num;
    char *str;   /* J_STR (decoded), J_NUM (source text) */
    size_t n;    /* children */
    jval **kids; /* J_ARR items, J_OBJ values */
    char **keys; /* J_OBJ */
};

typedef struct {
    const char *p, *end;
    int err;
} jin;

static void jws(jin *in)
{
    while (in->p < in->end && (*in->p == ' ' || *in->p == '\n' || *in->p == '\r' || *in->p == '\t'))
        in->p++;
}

static jval *jnew(jtype t)
{
    jval *v = calloc(1, sizeof *v);
    if (!v)
        abort();
    v->t = t;
    return v;
}

static char *jstring(jin *in)
{
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    in->p++; /* opening quote */
    while (in->p < in->end && *in->p != '"') {
        unsigned c = (unsigned char)*in->p++;
        if (c == '\\' && in->p < in->end) {
            char e = *in->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                c = 0;
                for (int k = 0; k < 4 && in->p < in->end; k++) {
                    char h = *in->p++;
                    c = c * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
                }
                break;
            }
            default: c = (unsigned char)e; break;
            }
        }
        if (n + 4 >= cap)
            s = realloc(s, cap *= 2);
        if (c < 0x80) {
            s[n++] = (char)c;
        } else if (c < 0x800) {
            s[n++] = (char)(0xC0 | (c >> 6));
            s[n++] = (char)(0x80 | (c & 0x3F));
        } else {
            s[n++] = (char)(0xE0 | (c >> 12));
            s[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
            s[n++] = (char)(0x80 | (c & 0x3F));
        }
    }
    if (in->p >= in->end)
        in->err = 1;
    else
        in->p++;
    s[n] = '\0';
    return s;
}

static jval *jparse(jin *in)
{
    jws(in);
    if (in->p >= in->end) {
        in->err = 1;
        return jnew(J_NULL);
    }
    char c = *in->p;
    if (c == '{' || c == '[') {
        jval *v = jnew(c == '{' ? J_OBJ : J_ARR);
        in->p++;
        jws(in);
        if (in->p < in->end && (*in->p == '}' || *in->p == ']')) {
            in->p++;
            return v;
        }
        for (;;) {
            char *key = NULL;
            if (v->t == J_OBJ) {
                jws(in);
                if (in->p >= in->end || *in->p != '"') {
                    in->err = 1;
                    return v;
                }
                key = jstring(in);
                jws(in);
                if (in->p >= in->end || *in->p != ':') {
                    in->err = 1;
                    free(key);
                    return v;
                }
                in->p++;
            }
            jval *kid = jparse(in);
            v->kids = realloc(v->kids, (v->n + 1) * sizeof *v->kids);
            v->keys = realloc(v->keys, (v->n + 1) * sizeof *v->keys);
            v->kids[v->n] = kid;
            v->keys[v->n] = key;
            v->n++;
            jws(in);
            if (in->err || in->p >= in->end) {
                in->err = 1;
                return v;
            }
            if (*in->p == ',') {
                in->p++;
                continue;
            }
            if (*in->p == (v->t == J_OBJ ? '}' : ']')) {
                in->p++;
                return v;
            }
            in->err = 1;
            return v;
        }
    }
    if (c == '"') {
        jval *v = jnew(J_STR);
        v->str = jstring(in);
        return v;
    }
    if (in->end - in->p >= 4 && memcmp(in->p, "null", 4) == 0) {
        in->p += 4;
        return jnew(J_NULL);
    }
    if (in->end - in->p >= 4 && memcmp(in->p, "true", 4) == 0) {
        in->p += 4;
        jval *v = jnew(J_BOOL);
        v->b = true;
        return v;
    }
    if (in->end - in->p >= 5 && memcmp(in->p, "false", 5) == 0) {
        in->p += 5;
        return jnew(J_BOOL);
    }
    const char *s = in->p;
    while (in->p < in->end && strchr("+-0123456789.eE", *in->p))
        in->p++;
    if (in->p == s) {
        in->err = 1;
        return jnew(J_NULL);
    }
    jval *v = jnew(J_NUM);
    v->str = strndup(s, (size_t)(in->p - s));
    v->num = strtod(v->str, NULL);
    return v;
}

static void jfree(jval *v)
{
    if (!v)
        return;
    for (size_t k = 0; k < v->n; k++) {
        jfree(v->kids[k]);
        if (v->keys)
            free(v->keys[k]);
    }
    free(v->kids);
    free(v->keys);
    free(v->str);
    free(v);
}

static const jval *jget(const jval *o, const char *key)
{
    if (!o || o->t != J_OBJ)
        return NULL;
    for (size_t k = 0; k < o->n; k++)
        if (strcmp(o->keys[k], key) == 0)
            return o->kids[k];
    return NULL;
}

static const char *jstr(const jval *o, const char *key)
{
    const jval *v = jget(o, key);
    return v && v->t == J_STR ? v->str : NULL;
}

static jval *load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/../shared/vectors/%s", TERN_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap)
            buf = realloc(buf, cap = cap * 2 + 8192);
        size_t r = fread(buf + len, 1, cap - len, f);
        if (r == 0)
            break;
        len += r;
    }
    fclose(f);
    jin in = {buf, buf + len, 0};
    jval *v = jparse(&in);
    free(buf);
    if (in.err || v->t != J_ARR) {
        fprintf(stderr, "%s: JSON not understood\n", name);
        jfree(v);
        return NULL;
    }
    return v;
}

static bool expect_error(const jval *vec)
{
    const jval *e = jget(vec, "expected");
    return e && e->t == J_STR && strcmp(e->str, "error") == 0;
}

/* ---- path.json ------------------------------------------------------------ */

static bool path_level(const jval *exp, const char *key, const tern_path *p, int level)
{
    const jval *v = jget(exp, key);
    if (!v || v->t == J_NULL)
        return p->len <= level;
    return p->len > level && v->t == J_NUM && p->ids[level] == (uint16_t)v->num;
}

static bool run_path(const jval *vec)
{
    const char *id = jstr(vec, "id"), *text = jstr(vec, "text");
    if (!text)
        return false;
    char buf[64];
    /* Zephyr's vectors are LWM2M_PATH() macro strings without the leading
     * '/': tern_path_parse() accepts that relative form, and formatting
     * gives the URI form "/O/I/R/RI" (Core §7.1) back. */
    tern_path p;
    int r = tern_path_parse(&p, text, strlen(text));
    (void)id;
    if (text[0] != '/') {
        snprintf(buf, sizeof buf, "/%s", text);
        text = buf;
    }
    if (expect_error(vec))
        return r < 0;
    if (r != TERN_OK)
        return false;
    const jval *exp = jget(vec, "expected");
    if (!(path_level(exp, "object", &p, 0) && path_level(exp, "instance", &p, 1) &&
          path_level(exp, "resource", &p, 2) && path_level(exp, "resource_instance", &p, 3)))
        return false;
    char out[64];
    return tern_path_format(&p, out, sizeof out) > 0 && strcmp(out, text) == 0;
}

/* ---- attributes.json -------------------------------------------------------- */

static uint16_t attr_bit(const char *name)
{
    static const struct {
        const char *n;
        uint16_t bit;
    } t[] = {{"pmin", TERN_ATTR_PMIN},   {"pmax", TERN_ATTR_PMAX},   {"gt", TERN_ATTR_GT},
             {"lt", TERN_ATTR_LT},       {"st", TERN_ATTR_ST},       {"epmin", TERN_ATTR_EPMIN},
             {"epmax", TERN_ATTR_EPMAX}, {"edge", TERN_ATTR_EDGE},   {"con", TERN_ATTR_CON},
             {"hqmax", TERN_ATTR_HQMAX}, {"dim", TERN_ATTR_DIM},     {"ver", TERN_ATTR_VER},
             {"lwm2m", TERN_ATTR_LWM2M}};
    for (size_t k = 0; k < TERN_ARRAY_LEN(t); k++)
        if (strcmp(t[k].n, name) == 0)
            return t[k].bit;
    return 0;
}

/* Builds the attribute set an "expected" object describes. */
static bool attrs_from_expected(const jval *exp, tern_attrs *a)
{
    memset(a, 0, sizeof *a);
    const jval *list = jget(exp, "attributes");
    if (!list || list->t != J_ARR)
        return false;
    for (size_t k = 0; k < list->n; k++) {
        const char *name = jstr(list->kids[k], "name");
        const jval *v = jget(list->kids[k], "value");
        uint16_t bit = name ? attr_bit(name) : 0;
        if (!bit)
            return false;
        if (!v) {
            a->unset |= bit;
            continue;
        }
        a->set |= bit;
        uint32_t u = v->t == J_NUM && v->num >= 0 && v->num <= 4294967295.0 ? (uint32_t)v->num : 0;
        switch (bit) {
        case TERN_ATTR_PMIN: a->pmin = u; break;
        case TERN_ATTR_PMAX: a->pmax = u; break;
        case TERN_ATTR_EPMIN: a->epmin = u; break;
        case TERN_ATTR_EPMAX: a->epmax = u; break;
        case TERN_ATTR_HQMAX: a->hqmax = u; break;
        case TERN_ATTR_DIM: a->dim = u; break;
        case TERN_ATTR_EDGE: a->edge = (uint8_t)u; break;
        case TERN_ATTR_CON: a->con = (uint8_t)u; break;
        case TERN_ATTR_GT: a->gt = v->num; break;
        case TERN_ATTR_LT: a->lt = v->num; break;
        case TERN_ATTR_ST: a->st = v->num; break;
        case TERN_ATTR_VER: snprintf(a->ver, sizeof a->ver, "%s", v->t == J_STR ? v->str : ""); break;
        default: snprintf(a->lwm2m, sizeof a->lwm2m, "%s", v->t == J_STR ? v->str : ""); break;
        }
    }
    return true;
}

static bool attrs_equal(const tern_attrs *x, const tern_attrs *y)
{
    if (x->set != y->set || x->unset != y->unset)
        return false;
    uint16_t s = x->set;
    return (!(s & TERN_ATTR_PMIN) || x->pmin == y->pmin) && (!(s & TERN_ATTR_PMAX) || x->pmax == y->pmax) &&
           (!(s & TERN_ATTR_EPMIN) || x->epmin == y->epmin) && (!(s & TERN_ATTR_EPMAX) || x->epmax == y->epmax) &&
           (!(s & TERN_ATTR_HQMAX) || x->hqmax == y->hqmax) && (!(s & TERN_ATTR_DIM) || x->dim == y->dim) &&
           (!(s & TERN_ATTR_EDGE) || x->edge == y->edge) && (!(s & TERN_ATTR_CON) || x->con == y->con) &&
           (!(s & TERN_ATTR_GT) || x->gt == y->gt) && (!(s & TERN_ATTR_LT) || x->lt == y->lt) &&
           (!(s & TERN_ATTR_ST) || x->st == y->st) && (!(s & TERN_ATTR_VER) || strcmp(x->ver, y->ver) == 0) &&
           (!(s & TERN_ATTR_LWM2M) || strcmp(x->lwm2m, y->lwm2m) == 0);
}

static bool run_attrs(const jval *vec)
{
    const char *id = jstr(vec, "id"), *text = jstr(vec, "text"), *dir = jstr(vec, "direction");
    if (!text || !dir)
        return false;
    tern_attrs a, want;
    memset(&a, 0, sizeof a);
    if (strcmp(dir, "encode") != 0) {
        int r = tern_attrs_parse_query(&a, text, strlen(text));
        if (expect_error(vec)) {
            if (r < 0)
                return true;
            /* Errors found after parsing. The "validate" and "writeattr"
             * vectors target /3/0/9 (Battery Level, Integer): the level and
             * type rules of Core §5.1.2 apply there. "ver" is only valid on an
             * object (Core §5.1.2 Table 5.1.2-1), so Leshan's
             * validate-ver-on-resource agrees with the spec.
             * attr-leshan-writeattr-41/-56 (pmin=50&pmax=49): Core §5.1.2
             * says a client ignores a pmax below pmin rather than calling it
             * an error; tern_attrs_check() refuses it at Write-Attributes as
             * Leshan does (documented in src/model/attrs.c), so both agree
             * on the outcome of this vector. */
            if (strstr(id, "validate") || strstr(id, "writeattr"))
                return tern_attrs_check(&a, TERN_TYPE_INTEGER) < 0 ||
                       tern_attrs_check_level(&a, TERN_LVL_RESOURCE) < 0;
            return tern_attrs_check(&a, TERN_TYPE_NONE) < 0;
        }
        if (r != TERN_OK)
            return false;
        /* Valid vectors test parsing and serialisation only. One of them,
         * attr-leshan-set-no-sci, is not a consistent set (lt 1e19 > gt
         * 9.2e-13): as a Write-Attributes request Core §5.1.2 ("lt" < "gt")
         * rejects it, and so does tern_attrs_check(). */
        if (strcmp(id, "attr-leshan-set-no-sci") == 0 && tern_attrs_check(&a, TERN_TYPE_NONE) != TERN_ERANGE)
            return false;
        if (!attrs_from_expected(jget(vec, "expected"), &want) || !attrs_equal(&a, &want))
            return false;
        if (strcmp(dir, "decode") == 0)
            return true;
    } else if (!attrs_from_expected(jget(vec, "expected"), &a)) {
        return false;
    }
    /* encode / both: our query form is byte-exact with Leshan's here (same
     * attribute order, plain decimals without exponent). */
    char out[512];
    int n = tern_attrs_format(&a, TERN_ATTRS_QUERY, out, sizeof out);
    if (n < 0 || strcmp(out, text) != 0) {
        fprintf(stderr, "%s: formatted \"%s\"\n", id, n < 0 ? tern_strerror(n) : out);
        return false;
    }
    return true;
}

/* ---- objlnk.json -------------------------------------------------------------- */

static bool run_objlnk(const jval *vec)
{
    const char *text = jstr(vec, "text"), *dir = jstr(vec, "direction");
    if (!text || !dir)
        return false;
    const jval *exp = jget(vec, "expected");
    const char *want = NULL;
    if (exp && exp->t == J_ARR && exp->n == 1)
        want = jstr(exp->kids[0], "value");
    if (strcmp(dir, "encode") == 0) {
        /* Wakaama writes no NUL; tern_objlnk_format() adds one (its return
         * value is the length without it, the same as Wakaama's). */
        tern_objlnk l;
        if (!want || tern_objlnk_parse(&l, want, strlen(want)) != TERN_OK)
            return false;
        char out[TERN_OBJLNK_STRLEN];
        int n = tern_objlnk_format(&l, out, sizeof out);
        return n == (int)strlen(text) && strcmp(out, text) == 0;
    }
    tern_objlnk l;
    int r = tern_objlnk_parse(&l, text, strlen(text));
    if (expect_error(vec))
        return r < 0;
    if (r != TERN_OK || !want)
        return false;
    char out[TERN_OBJLNK_STRLEN];
    return tern_objlnk_format(&l, out, sizeof out) > 0 && strcmp(out, want) == 0;
}

/* ---- driver --------------------------------------------------------------------- */

static int missing;

static void run_file(const char *name, bool (*fn)(const jval *))
{
    jval *all = load(name);
    if (!all) {
        printf("%s: not found or unreadable\n", name);
        missing++;
        return;
    }
    size_t pass = 0;
    for (size_t k = 0; k < all->n; k++) {
        bool ok = fn(all->kids[k]);
        if (!ok)
            fprintf(stderr, "%s: vector %s failed\n", name, jstr(all->kids[k], "id"));
        pass += ok;
        CHECK(ok);
    }
    printf("%s: %zu/%zu passed\n", name, pass, all->n);
    jfree(all);
}

static void test_path_vectors(void)
{
    run_file("path.json", run_path);
}
static void test_attribute_vectors(void)
{
    run_file("attributes.json", run_attrs);
}
static void test_objlnk_vectors(void)
{
    run_file("objlnk.json", run_objlnk);
}

static void test_path_order(void)
{
    /* LwM2mPathTest asserts its list is in ascending order; tern_path_cmp
     * orders the same way (parents first, then by id). */
    const char *in[] = {"/", "/1", "/1/1", "/1/1/1", "/1/1/1/1", "/2", "/2/1", "/2/1/1", "/2/1/1/1"};
    for (size_t k = 1; k < TERN_ARRAY_LEN(in); k++) {
        tern_path a, b;
        CHECK_EQ(tern_path_parse(&a, in[k - 1], strlen(in[k - 1])), TERN_OK);
        CHECK_EQ(tern_path_parse(&b, in[k], strlen(in[k])), TERN_OK);
        CHECK(tern_path_cmp(&a, &b) < 0);
    }
}

int main(void)
{
    TRUN(test_path_vectors);
    TRUN(test_attribute_vectors);
    TRUN(test_objlnk_vectors);
    TRUN(test_path_order);
    if (missing == 3) {
        printf("skip: ../shared/vectors not found\n");
        return 77;
    }
    CHECK_EQ(missing, 0);
    return tdone();
}
