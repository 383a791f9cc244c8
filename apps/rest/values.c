/* tern-server REST API — values ↔ JSON (see values.h). */
#include "rest/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
    [TERN_TYPE_STRING] = "string", [TERN_TYPE_INTEGER] = "integer", [TERN_TYPE_UNSIGNED] = "unsigned",
    [TERN_TYPE_FLOAT] = "float",   [TERN_TYPE_BOOLEAN] = "boolean", [TERN_TYPE_OPAQUE] = "opaque",
    [TERN_TYPE_TIME] = "time",     [TERN_TYPE_OBJLNK] = "objlnk",   [TERN_TYPE_CORELNK] = "corelnk",
};

const char *rest_type_name(tern_type t)
{
    return (unsigned)t < TERN_ARRAY_LEN(type_names) ? type_names[t] : NULL;
}

int rest_type_from_name(const char *s)
{
    for (size_t i = 1; i < TERN_ARRAY_LEN(type_names); i++)
        if (type_names[i] && !strcmp(s, type_names[i]))
            return (int)i;
    return -1;
}

char *rest_hex(const uint8_t *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    char *o = malloc(n * 2 + 1);
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        o[2 * i] = d[p[i] >> 4];
        o[2 * i + 1] = d[p[i] & 15];
    }
    o[n * 2] = 0;
    return o;
}

static int nib(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long rest_hex_decode(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s);
    if (n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int a = nib(s[2 * i]), b = nib(s[2 * i + 1]);
        if (a < 0 || b < 0)
            return -1;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return (long)(n / 2);
}

void rest_write_value(jw *w, const tern_value *v)
{
    switch (v->type) {
    case TERN_TYPE_STRING:
    case TERN_TYPE_CORELNK:
        jw_strn(w, (const char *)v->v.bytes.ptr, v->v.bytes.len);
        break;
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
        jw_i64(w, v->v.i);
        break;
    case TERN_TYPE_UNSIGNED:
        jw_u64(w, v->v.u);
        break;
    case TERN_TYPE_FLOAT:
        jw_dbl(w, v->v.f);
        break;
    case TERN_TYPE_BOOLEAN:
        jw_bool(w, v->v.b);
        break;
    case TERN_TYPE_OPAQUE: {
        char *h = rest_hex(v->v.bytes.ptr, v->v.bytes.len);
        jw_str(w, h ? h : "");
        free(h);
        break;
    }
    case TERN_TYPE_OBJLNK: {
        char b[TERN_OBJLNK_STRLEN];
        tern_objlnk_format(&v->v.lnk, b, sizeof b);
        jw_str(w, b);
        break;
    }
    default:
        jw_null(w);
    }
}

void rest_write_values(jw *w, const tern_entry *e, size_t n)
{
    jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        char p[40];
        tern_path_format(&e[i].path, p, sizeof p);
        jw_obj(w);
        jw_kstr(w, "path", p);
        if (e[i].kind == TERN_ENTRY_VALUE) {
            const tern_value *v = &e[i].value;
            tern_value joined = *v;
            uint8_t *buf = NULL;
            /* A chunked value: join the chunks that follow. */
            if (e[i].more && (v->type == TERN_TYPE_OPAQUE || v->type == TERN_TYPE_STRING)) {
                size_t tot = 0, j = i;
                for (; j < n && tern_path_eq(&e[j].path, &e[i].path); j++) {
                    tot += e[j].value.v.bytes.len;
                    if (!e[j].more)
                        break;
                }
                buf = malloc(tot ? tot : 1);
                if (buf) {
                    size_t off = 0;
                    for (size_t k = i; k <= j && k < n; k++) {
                        memcpy(buf + off, e[k].value.v.bytes.ptr, e[k].value.v.bytes.len);
                        off += e[k].value.v.bytes.len;
                    }
                    joined.v.bytes.ptr = buf;
                    joined.v.bytes.len = off;
                }
                i = j < n ? j : n - 1;
            }
            const char *tn = rest_type_name(joined.type);
            if (tn)
                jw_kstr(w, "type", tn);
            jw_key(w, "value");
            rest_write_value(w, &joined);
            free(buf);
            if (e[i].has_time) {
                jw_key(w, "time");
                jw_dbl(w, e[i].time);
            }
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void rest_entries_free(rest_entries *l)
{
    for (size_t i = 0; i < l->n; i++) {
        tern_type t = l->e[i].value.type;
        if (l->e[i].kind == TERN_ENTRY_VALUE &&
            (t == TERN_TYPE_STRING || t == TERN_TYPE_OPAQUE || t == TERN_TYPE_CORELNK))
        {
            union { const uint8_t *c; void *m; } u = {l->e[i].value.v.bytes.ptr};
            free(u.m);
        }
    }
    free(l->e);
    memset(l, 0, sizeof *l);
}

static tern_entry *grow(rest_entries *l)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        tern_entry *ne = realloc(l->e, nc * sizeof *ne);
        if (!ne)
            return NULL;
        l->e = ne;
        l->cap = nc;
    }
    tern_entry *e = &l->e[l->n];
    memset(e, 0, sizeof *e);
    return e;
}

const char *rest_entries_add_path(rest_entries *l, const tern_path *path)
{
    tern_entry *e = grow(l);
    if (!e)
        return "out of memory";
    e->kind = TERN_ENTRY_PATH_ONLY;
    e->path = *path;
    l->n++;
    return NULL;
}

const char *rest_entries_add(rest_entries *l, const tern_path *path, const jv *val, const char *type)
{
    int t = -1;
    if (type) {
        t = rest_type_from_name(type);
        if (t < 0)
            return "unknown \"type\"";
    } else {
        const tern_res_def *d = tern_registry_res(tern_registry_std(), path);
        if (d && d->type != TERN_TYPE_NONE)
            t = d->type;
        else if (val->type == JV_STR)
            t = TERN_TYPE_STRING;
        else if (val->type == JV_BOOL)
            t = TERN_TYPE_BOOLEAN;
        else if (jv_is_int(val))
            t = TERN_TYPE_INTEGER;
        else if (val->type == JV_NUM)
            t = TERN_TYPE_FLOAT;
        else
            return "\"value\" must be a string, number or boolean";
    }
    if (path->len < 3)
        return "a value needs a resource path /O/I/R[/RI]";
    tern_entry *e = grow(l);
    if (!e)
        return "out of memory";
    e->kind = TERN_ENTRY_VALUE;
    e->path = *path;
    tern_value *v = &e->value;
    v->type = (tern_type)t;
    switch (t) {
    case TERN_TYPE_STRING:
    case TERN_TYPE_CORELNK: {
        if (val->type != JV_STR)
            return "expected a string value";
        char *s = malloc(val->slen + 1);
        if (!s)
            return "out of memory";
        memcpy(s, val->s, val->slen + 1);
        v->v.bytes.ptr = (const uint8_t *)s;
        v->v.bytes.len = val->slen;
        break;
    }
    case TERN_TYPE_OPAQUE: {
        if (val->type != JV_STR)
            return "expected a hex string for an opaque value";
        uint8_t *b = malloc(val->slen / 2 + 1);
        long n = b ? rest_hex_decode(val->s, b, val->slen / 2 + 1) : -1;
        if (n < 0) {
            free(b);
            return "bad hex in an opaque value";
        }
        v->v.bytes.ptr = b;
        v->v.bytes.len = (size_t)n;
        break;
    }
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
        if (!jv_i64(val, &v->v.i))
            return "expected an integer value";
        break;
    case TERN_TYPE_UNSIGNED:
        if (!jv_u64(val, &v->v.u))
            return "expected an unsigned integer value";
        break;
    case TERN_TYPE_FLOAT:
        if (!jv_dbl(val, &v->v.f))
            return "expected a number";
        break;
    case TERN_TYPE_BOOLEAN:
        if (val->type != JV_BOOL)
            return "expected true or false";
        v->v.b = val->b;
        break;
    case TERN_TYPE_OBJLNK:
        if (val->type != JV_STR || tern_objlnk_parse(&v->v.lnk, val->s, val->slen) < 0)
            return "expected an objlnk \"O:I\"";
        break;
    default:
        return "unsupported type";
    }
    l->n++;
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    return tern_path_cmp(&((const tern_entry *)a)->path, &((const tern_entry *)b)->path);
}

void rest_entries_sort(rest_entries *l)
{
    if (l->n > 1)
        qsort(l->e, l->n, sizeof *l->e, cmp);
}

const char *rest_entries_from_json(rest_entries *l, const jv *values, const tern_path *base)
{
    if (!values || values->type != JV_ARR)
        return "\"values\" must be an array";
    for (const jv *it = values->child; it; it = it->next) {
        const jv *p = jv_get(it, "path"), *v = jv_get(it, "value"), *t = jv_get(it, "type");
        if (!p || p->type != JV_STR || !v)
            return "each value needs \"path\" and \"value\"";
        if (t && t->type != JV_STR)
            return "\"type\" must be a string";
        tern_path path;
        if (p->s[0] == '/') {
            if (tern_path_parse(&path, p->s, p->slen) < 0)
                return "bad path";
        } else {
            char full[96];
            char bp[40];
            tern_path_format(base, bp, sizeof bp);
            snprintf(full, sizeof full, "%s/%s", base->len ? bp : "", p->s);
            if (tern_path_parse(&path, full, strlen(full)) < 0)
                return "bad relative path";
        }
        const char *err = rest_entries_add(l, &path, v, t ? t->s : NULL);
        if (err)
            return err;
    }
    rest_entries_sort(l);
    return NULL;
}
