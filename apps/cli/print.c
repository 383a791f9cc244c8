/* tern CLI — readable output (see print.h). */
#include "print.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void cli_table_init(cli_table *t, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
}

void cli_table_row(cli_table *t, const char *const *cells)
{
    if (t->oom)
        return;
    char **c = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *c);
    if (!c) {
        t->oom = 1;
        return;
    }
    t->cells = c;
    for (size_t i = 0; i < t->ncols; i++) {
        const char *s = cells[i] ? cells[i] : "";
        char *d = strdup(s);
        if (!d)
            t->oom = 1;
        c[t->nrows * t->ncols + i] = d;
    }
    t->nrows++;
}

/* Display width of UTF-8 text: code points, not bytes. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

static void print_row(FILE *f, const char *const *cells, const size_t *w, size_t ncols, const char *indent)
{
    /* Trailing empty cells print nothing (no trailing spaces). */
    size_t last = ncols;
    while (last > 1 && (!cells[last - 1] || !cells[last - 1][0]))
        last--;
    fputs(indent, f);
    for (size_t i = 0; i < last; i++) {
        const char *s = cells[i] ? cells[i] : "";
        fputs(s, f);
        if (i + 1 < last)
            fprintf(f, "%*s", (int)(w[i] - width(s) + 2), "");
    }
    fputc('\n', f);
}

void cli_table_print(const cli_table *t, FILE *f, const char *const *headers, const char *indent)
{
    size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof *w);
    if (!w)
        return;
    for (size_t i = 0; i < t->ncols; i++) {
        if (headers)
            w[i] = width(headers[i]);
        for (size_t r = 0; r < t->nrows; r++) {
            const char *s = t->cells[r * t->ncols + i];
            size_t cw = s ? width(s) : 0;
            if (cw > w[i])
                w[i] = cw;
        }
    }
    if (headers)
        print_row(f, headers, w, t->ncols, indent);
    for (size_t r = 0; r < t->nrows; r++)
        print_row(f, (const char *const *)&t->cells[r * t->ncols], w, t->ncols, indent);
    free(w);
}

void cli_table_free(cli_table *t)
{
    if (t->cells)
        for (size_t i = 0; i < t->nrows * t->ncols; i++)
            free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

/* The one table of result-code names (CoAP RFC 7252 §12.1.2 and the LwM2M
 * codes of Transport §6.7). */
static const struct {
    const char *code;
    const char *name;
} codes[] = {
    {"2.01", "Created"},        {"2.02", "Deleted"},
    {"2.03", "Valid"},          {"2.04", "Changed"},
    {"2.05", "Content"},        {"2.31", "Continue"},
    {"4.00", "Bad Request"},    {"4.01", "Unauthorized"},
    {"4.02", "Bad Option"},     {"4.03", "Forbidden"},
    {"4.04", "Not Found"},      {"4.05", "Method Not Allowed"},
    {"4.06", "Not Acceptable"}, {"4.08", "Request Entity Incomplete"},
    {"4.09", "Conflict"},       {"4.12", "Precondition Failed"},
    {"4.13", "Request Entity Too Large"}, {"4.15", "Unsupported Content-Format"},
    {"5.00", "Internal Server Error"}, {"5.01", "Not Implemented"},
    {"5.02", "Bad Gateway"},    {"5.03", "Service Unavailable"},
    {"5.04", "Gateway Timeout"}, {"5.05", "Proxying Not Supported"},
};

const char *cli_code_name(const char *code)
{
    if (!code)
        return NULL;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(codes[i].code, code) == 0)
            return codes[i].name;
    return NULL;
}

const char *cli_type_word(tern_type t)
{
    switch (t) {
    case TERN_TYPE_STRING: return "string";
    case TERN_TYPE_INTEGER: return "integer";
    case TERN_TYPE_UNSIGNED: return "unsigned";
    case TERN_TYPE_FLOAT: return "float";
    case TERN_TYPE_BOOLEAN: return "boolean";
    case TERN_TYPE_OPAQUE: return "opaque";
    case TERN_TYPE_TIME: return "time";
    case TERN_TYPE_OBJLNK: return "objlnk";
    case TERN_TYPE_CORELNK: return "corelnk";
    case TERN_TYPE_NONE: return NULL;
    }
    return NULL;
}

void cli_fmt_time(double secs, char *out, size_t cap)
{
    if (secs > 1e11)
        secs /= 1000.0;
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%d %H:%M:%SZ", &tm) == 0)
        snprintf(out, cap, "%.0f", secs);
}

static bool parse_path(const char *s, tern_path *p)
{
    return s && tern_path_parse(p, s, strlen(s)) == 0;
}

const char *cli_path_name(const tern_registry *reg, const char *path)
{
    tern_path p;
    if (!parse_path(path, &p) || p.len == 0)
        return "";
    if (p.len < 3) {
        const tern_obj_def *o = tern_registry_find(reg, p.ids[0]);
        return o && p.len == 1 ? o->name : (o ? o->name : "");
    }
    const tern_res_def *r = tern_registry_res(reg, &p);
    return r ? r->name : "";
}

/* IPSO measured-value resources whose unit is the Sensor Units (5701) value. */
static bool ipso_measured(uint16_t rid)
{
    return rid == 5700 || (rid >= 5601 && rid <= 5604);
}

static const char *sensor_units(const cj_node *values, const tern_path *p)
{
    for (const cj_node *v = values->child; v; v = v->next) {
        tern_path q;
        if (!parse_path(cj_get_str(v, "path"), &q) || q.len != 3)
            continue;
        if (q.ids[0] == p->ids[0] && q.ids[1] == p->ids[1] && q.ids[2] == 5701)
            return cj_get_str(v, "value");
    }
    return NULL;
}

void cli_print_values(FILE *f, const tern_registry *reg, const cj_node *values, const char *indent)
{
    if (!values || values->kind != CJ_ARRAY)
        return;
    if (values->count == 0) {
        fprintf(f, "%s(no values)\n", indent);
        return;
    }
    cli_table t;
    cli_table_init(&t, 4);
    for (const cj_node *v = values->child; v; v = v->next) {
        const char *path = cj_get_str(v, "path");
        const cj_node *val = cj_get(v, "value");
        const char *type = cj_get_str(v, "type");
        tern_path p;
        const tern_res_def *def = NULL;
        if (parse_path(path, &p) && p.len >= 3)
            def = tern_registry_res(reg, &p);
        if (!type && def)
            type = cli_type_word((tern_type)def->type);
        char shown[512];
        const char *text = cj_scalar_text(val);
        if (!text) {
            snprintf(shown, sizeof shown, "%s", val ? "(structured)" : "(no value)");
        } else if (val->kind == CJ_STRING && val->text[0] == '\0') {
            snprintf(shown, sizeof shown, "\"\"");
        } else if (type && strcmp(type, "opaque") == 0 && val->kind == CJ_STRING) {
            size_t n = val->text_len / 2;
            if (val->text_len > 64)
                snprintf(shown, sizeof shown, "%.64s... (%zu bytes)", text, n);
            else
                snprintf(shown, sizeof shown, "%s (%zu bytes)", text, n);
        } else if (type && strcmp(type, "time") == 0 && val->kind == CJ_NUMBER) {
            char when[64];
            cli_fmt_time(val->num, when, sizeof when);
            snprintf(shown, sizeof shown, "%s (%s)", text, when);
        } else {
            const char *unit = def && def->units[0] ? def->units : NULL;
            if (!unit && def && ipso_measured(def->id))
                unit = sensor_units(values, &p);
            if (unit && val->kind == CJ_NUMBER)
                snprintf(shown, sizeof shown, "%s %s", text, unit);
            else
                snprintf(shown, sizeof shown, "%s", text);
        }
        const char *row[4] = {path ? path : "?", def ? def->name : cli_path_name(reg, path), shown,
                              type ? type : ""};
        cli_table_row(&t, row);
    }
    cli_table_print(&t, f, NULL, indent);
    cli_table_free(&t);
}
