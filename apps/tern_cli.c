/* tern — the command-line tool for people: talks to tern-server's REST API
 * (docs/api.md) and prints readable tables, or the server's JSON unchanged
 * with --json. `tern --help` and `tern CMD --help` explain every command;
 * docs/cli.md is the manual.
 *
 * Exit codes: 0 success, 1 usage, 2 an LwM2M error code (4.xx/5.xx) or an
 * HTTP error, 3 the server could not be reached. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/http.h"
#include "cli/json.h"
#include "cli/print.h"
#include "tern/model.h"

enum { EX_OK = 0, EX_USAGE = 1, EX_ERROR = 2, EX_CONN = 3 };

/* The only global: set by SIGINT/SIGTERM so streaming commands stop cleanly. */
static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* ---- options ---- */
enum {
    O_FORMAT = 1u << 0, O_TYPE = 1u << 1, O_UPDATE = 1u << 2, O_JVALUES = 1u << 3,
    O_DEPTH = 1u << 4, O_COUNT = 1u << 5, O_SERVER = 1u << 6, O_SSID = 1u << 7,
    O_LIFETIME = 1u << 8, O_PSKID = 1u << 9, O_PSKKEY = 1u << 10, O_BINDING = 1u << 11,
};

typedef struct cli {
    cli_http http;
    bool json;
    bool help;
    const char *format;
    const char *type;
    bool update;
    const char *json_values;
    const char *depth;
    long count;          /* 0 = unlimited */
    const char *server;
    const char *ssid;
    const char *lifetime;
    const char *binding;
    const char *psk_id;
    const char *psk_key;
    unsigned given;      /* O_* seen */
    const char *args[64];
    int nargs;
    const tern_registry *reg;
} cli;

typedef struct cmd cmd;
typedef int (*cmd_fn)(cli *c, const cmd *k);

struct cmd {
    const char *name;     /* "read", "bootstrap set" */
    cmd_fn fn;
    int min_args, max_args; /* positional arguments after the name; -1 = any */
    unsigned opts;
    const char *usage;
    const char *help;
};

static const cmd *find_cmd(const char *name);

__attribute__((format(printf, 1, 2))) static int usage_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tern: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(tern --help lists the commands; tern CMD --help explains one)\n", stderr);
    return EX_USAGE;
}

/* ---- targets ---- */
/* Percent-encodes an endpoint name as one path segment. */
static void add_segment(cj_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                     ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == ':';
        if (plain) {
            cj_buf_add(b, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            cj_buf_add(b, e, 3);
        }
    }
}

/* Percent-encodes a query value. */
static void add_qvalue(cj_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                     ch == '-' || ch == '.' || ch == '_' || ch == '~';
        if (plain) {
            cj_buf_add(b, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            cj_buf_add(b, e, 3);
        }
    }
}

/* Parses "/3/0/1" or "3/0/1" into a normalised "/3/0/1". min_len: the
 * shortest path the command accepts. */
static int norm_path(const char *in, char *out, size_t cap, tern_path *p, int min_len)
{
    char tmp[64];
    if (strlen(in) + 2 > sizeof tmp)
        return usage_err("path too long: %s", in);
    snprintf(tmp, sizeof tmp, "%s%s", in[0] == '/' ? "" : "/", in);
    int rc = tern_path_parse(p, tmp, strlen(tmp));
    if (rc == TERN_ERANGE)
        return usage_err("path ID out of range (0..65534): %s", in);
    if (rc != 0)
        return usage_err("not an LwM2M path (/O[/I[/R[/RI]]]): %s", in);
    if (p->len < min_len)
        return usage_err(min_len == 2 ? "path needs an object instance (/O/I...): %s"
                                      : "path needs at least an object (/O...): %s",
                         in);
    if (tern_path_format(p, out, cap) < 0)
        return usage_err("path too long: %s", in);
    return EX_OK;
}

/* "/api/clients/EP" */
static void client_target(cj_buf *b, const char *ep)
{
    cj_buf_puts(b, "/api/clients/");
    add_segment(b, ep);
}

static const char *const formats[] = {
    "text", "opaque", "cbor", "tlv", "senml-json", "senml-cbor", "senml-etch-json",
    "senml-etch-cbor", "oma-json", "lwm2m-cbor", "link",
};

static int check_format(const char *f)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i], f) == 0)
            return EX_OK;
    return usage_err("unknown content format '%s' (text, opaque, cbor, tlv, senml-json, senml-cbor, "
                     "senml-etch-json, senml-etch-cbor, oma-json, lwm2m-cbor, link)",
                     f);
}

static void add_format_query(cli *c, cj_buf *b, bool *first)
{
    if (c->format) {
        cj_buf_puts(b, *first ? "?format=" : "&format=");
        add_qvalue(b, c->format);
        *first = false;
    }
}

/* ---- values given on the command line ---- */
static const char *const type_words[] = {"string", "integer", "unsigned", "float", "boolean",
                                         "opaque", "time", "objlnk", "corelnk"};

static bool known_type(const char *t)
{
    for (size_t i = 0; i < sizeof type_words / sizeof type_words[0]; i++)
        if (strcmp(type_words[i], t) == 0)
            return true;
    return false;
}

static bool is_hex(const char *s)
{
    size_t n = 0;
    for (; *s; s++, n++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return false;
    return n % 2 == 0;
}

/* Appends `text` as the JSON value of type `type` (NULL: guess — a JSON
 * number or true/false as such, anything else a string). Prints why and
 * returns EX_USAGE when the text does not fit the type. */
static int add_value(cj_buf *b, const char *type, const char *text, const char *path)
{
    char err[64];
    cj_node *n = cj_parse(text, strlen(text), err, sizeof err);
    cj_kind k = n ? n->kind : CJ_NULL;
    bool number = n && k == CJ_NUMBER;
    bool integral = number && !strpbrk(text, ".eE");
    cj_free(n);
    int rc = EX_OK;
    if (!type) {
        if (number || (k == CJ_BOOL && n))
            cj_buf_puts(b, text);
        else
            cj_buf_json_str(b, text);
    } else if (!strcmp(type, "integer") || !strcmp(type, "time")) {
        if (integral)
            cj_buf_puts(b, text);
        else
            rc = EX_USAGE;
    } else if (!strcmp(type, "unsigned")) {
        if (integral && text[0] != '-')
            cj_buf_puts(b, text);
        else
            rc = EX_USAGE;
    } else if (!strcmp(type, "float")) {
        if (number)
            cj_buf_puts(b, text);
        else
            rc = EX_USAGE;
    } else if (!strcmp(type, "boolean")) {
        if (!strcmp(text, "true") || !strcmp(text, "1"))
            cj_buf_puts(b, "true");
        else if (!strcmp(text, "false") || !strcmp(text, "0"))
            cj_buf_puts(b, "false");
        else
            rc = EX_USAGE;
    } else if (!strcmp(type, "opaque")) {
        if (is_hex(text))
            cj_buf_json_str(b, text);
        else
            rc = EX_USAGE;
    } else if (!strcmp(type, "objlnk")) {
        tern_objlnk l;
        if (tern_objlnk_parse(&l, text, strlen(text)) == 0)
            cj_buf_json_str(b, text);
        else
            rc = EX_USAGE;
    } else {
        cj_buf_json_str(b, text);
    }
    if (rc != EX_OK)
        fprintf(stderr, "tern: '%s' is not a valid %s value%s%s%s\n", text, type,
                type && !strcmp(type, "opaque") ? " (hex digits, even count)" : "",
                path ? " for " : "", path ? path : "");
    return rc;
}

/* Type of a path: --type, else the registry's, else NULL. */
static const char *path_type(const cli *c, const tern_path *p)
{
    if (c->type)
        return c->type;
    if (p->len >= 3) {
        const tern_res_def *d = tern_registry_res(c->reg, p);
        if (d)
            return cli_type_word((tern_type)d->type);
    }
    return NULL;
}

/* {"path":P,"value":V[,"type":T]} */
static int add_entry(cli *c, cj_buf *b, const char *path, const tern_path *p, const char *text)
{
    const char *type = path_type(c, p);
    cj_buf_puts(b, "{\"path\":");
    cj_buf_json_str(b, path);
    cj_buf_puts(b, ",\"value\":");
    int rc = add_value(b, type, text, path);
    if (type) {
        cj_buf_puts(b, ",\"type\":");
        cj_buf_json_str(b, type);
    }
    cj_buf_puts(b, "}");
    return rc;
}

/* Checks --json-values is a JSON array and appends it. */
static int add_json_values(cj_buf *b, const char *raw)
{
    char err[96];
    cj_node *n = cj_parse(raw, strlen(raw), err, sizeof err);
    bool ok = n && n->kind == CJ_ARRAY;
    cj_free(n);
    if (!ok) {
        fprintf(stderr, "tern: --json-values needs a JSON array of {\"path\",\"value\",\"type\"?}: %s\n",
                n ? "not an array" : err);
        return EX_USAGE;
    }
    cj_buf_puts(b, raw);
    return EX_OK;
}

/* ---- requests ---- */
/* Prints an error response; returns EX_ERROR. */
static int report_error(const cli *c, const cli_resp *r, const cj_node *j)
{
    if (c->json) {
        fputs(r->body.p ? r->body.p : "", stdout);
        if (!r->body.len || r->body.p[r->body.len - 1] != '\n')
            fputc('\n', stdout);
    }
    const char *code = cj_get_str(j, "code");
    const char *msg = cj_get_str(j, "error");
    const char *cname = cli_code_name(code);
    fprintf(stderr, "tern: ");
    if (code)
        fprintf(stderr, "%s%s%s: ", code, cname ? " " : "", cname ? cname : "");
    if (msg)
        fprintf(stderr, "%s", msg);
    else if (!code)
        fprintf(stderr, "%.200s", r->body.len ? r->body.p : "no message");
    fprintf(stderr, " (HTTP %ld)\n", r->status);
    return EX_ERROR;
}

static bool is_error_code(const char *code) { return code && (code[0] == '4' || code[0] == '5'); }

/* Sends one request. On success returns EX_OK with *out the parsed body
 * (caller frees); in --json mode the body has been printed unchanged. */
static int call(cli *c, const char *method, const char *target, const char *body, cj_node **out)
{
    *out = NULL;
    cli_resp r;
    if (cli_http_request(&c->http, method, target, body, &r) != 0) {
        fprintf(stderr, "tern: cannot reach tern-server: %s\n", r.err);
        cli_resp_free(&r);
        return EX_CONN;
    }
    char err[96];
    cj_node *j = r.body.len ? cj_parse(r.body.p, r.body.len, err, sizeof err) : NULL;
    int rc;
    if (r.status < 200 || r.status >= 300 || is_error_code(cj_get_str(j, "code"))) {
        rc = report_error(c, &r, j);
    } else if (!j && r.body.len) {
        fprintf(stderr, "tern: the server's answer is not JSON (%s)\n", err);
        rc = EX_ERROR;
    } else {
        if (c->json && r.body.len) {
            fputs(r.body.p, stdout);
            if (r.body.p[r.body.len - 1] != '\n')
                fputc('\n', stdout);
        }
        *out = j;
        j = NULL;
        rc = EX_OK;
    }
    cj_free(j);
    cli_resp_free(&r);
    return rc;
}

/* "2.04 Changed" for operations that only answer a code. */
static void print_code(const cj_node *j, const char *extra)
{
    const char *code = cj_get_str(j, "code");
    const char *name = cli_code_name(code);
    printf("%s%s%s%s%s\n", code ? code : "ok", name ? " " : "", name ? name : "", extra ? " " : "",
           extra ? extra : "");
}

static int finish(cli *c, int rc, cj_buf *target, cj_buf *body)
{
    (void)c;
    cj_buf_free(target);
    if (body)
        cj_buf_free(body);
    return rc;
}

/* A request whose answer is only a result code: sends it, prints the code
 * (unless --json, where call() printed the body), frees the buffers. */
static int call_for_code(cli *c, const char *method, cj_buf *target, cj_buf *body)
{
    cj_node *j;
    int rc = call(c, method, target->p, body ? body->p : NULL, &j);
    if (rc == EX_OK && !c->json)
        print_code(j, NULL);
    cj_free(j);
    return finish(c, rc, target, body);
}

static int oom(void)
{
    fputs("tern: out of memory\n", stderr);
    return EX_ERROR;
}

/* ---- commands ---- */
static const char *scalar(const cj_node *o, const char *key)
{
    const char *s = cj_scalar_text(cj_get(o, key));
    return s ? s : "";
}

static void when_text(const cj_node *o, const char *key, char *out, size_t cap)
{
    const cj_node *n = cj_get(o, key);
    if (n && n->kind == CJ_NUMBER)
        cli_fmt_time(n->num, out, cap);
    else
        snprintf(out, cap, "%s", scalar(o, key));
}

/* "1 3 4 3303" from ["/1/0","/3/0",...]: each object once. */
static void object_ids(const cj_node *objs, char *out, size_t cap)
{
    out[0] = '\0';
    size_t used = 0;
    long last = -1;
    for (const cj_node *o = objs ? objs->child : NULL; o; o = o->next) {
        if (o->kind != CJ_STRING)
            continue;
        long id = strtol(o->text + (o->text[0] == '/'), NULL, 10);
        if (id == last)
            continue;
        last = id;
        int n = snprintf(out + used, cap - used, "%s%ld", used ? " " : "", id);
        if (n < 0 || (size_t)n >= cap - used)
            break;
        used += (size_t)n;
    }
}

static int cmd_clients(cli *c, const cmd *k)
{
    (void)k;
    cj_node *j;
    int rc = call(c, "GET", "/api/clients", NULL, &j);
    if (rc != EX_OK || c->json) {
        cj_free(j);
        return rc;
    }
    const cj_node *list = cj_get(j, "clients");
    cli_table t;
    cli_table_init(&t, 8);
    for (const cj_node *e = list ? list->child : NULL; e; e = e->next) {
        char upd[64], objs[512];
        when_text(e, "updated_at", upd, sizeof upd);
        object_ids(cj_get(e, "objects"), objs, sizeof objs);
        const cj_node *q = cj_get(e, "queue");
        const char *row[8] = {scalar(e, "endpoint"), scalar(e, "address"), scalar(e, "binding"),
                              scalar(e, "lifetime"), scalar(e, "lwm2m"),
                              q && q->kind == CJ_BOOL && q->b ? "yes" : "no", upd, objs};
        cli_table_row(&t, row);
    }
    if (t.nrows == 0) {
        printf("no clients registered\n");
    } else {
        static const char *const hdr[8] = {"ENDPOINT", "ADDRESS", "BINDING", "LIFETIME",
                                           "LWM2M",    "QUEUE",   "UPDATED", "OBJECTS"};
        cli_table_print(&t, stdout, hdr, "");
    }
    cli_table_free(&t);
    cj_free(j);
    return EX_OK;
}

static int cmd_client(cli *c, const cmd *k)
{
    (void)k;
    cj_buf target = {0};
    client_target(&target, c->args[0]);
    cj_node *j;
    int rc = call(c, "GET", target.p, NULL, &j);
    if (rc == EX_OK && !c->json) {
        cli_table t;
        cli_table_init(&t, 2);
        static const char *const keys[] = {"endpoint", "location", "address", "lifetime", "binding",
                                           "lwm2m", "queue", "registered_at", "updated_at"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            char v[128];
            if (!cj_get(j, keys[i]))
                continue;
            if (strstr(keys[i], "_at"))
                when_text(j, keys[i], v, sizeof v);
            else
                snprintf(v, sizeof v, "%s", scalar(j, keys[i]));
            const char *row[2] = {keys[i], v};
            cli_table_row(&t, row);
        }
        cli_table_print(&t, stdout, NULL, "");
        cli_table_free(&t);
        const cj_node *objs = cj_get(j, "objects");
        if (objs && objs->kind == CJ_ARRAY) {
            printf("objects:\n");
            cli_table_init(&t, 2);
            for (const cj_node *o = objs->child; o; o = o->next) {
                const char *p = cj_scalar_text(o);
                const char *row[2] = {p, cli_path_name(c->reg, p)};
                cli_table_row(&t, row);
            }
            cli_table_print(&t, stdout, NULL, "  ");
            cli_table_free(&t);
        }
    }
    cj_free(j);
    return finish(c, rc, &target, NULL);
}

/* Values responses (read, read-composite). */
static int print_read(cli *c, cj_node *j)
{
    if (!c->json)
        cli_print_values(stdout, c->reg, cj_get(j, "values"), "");
    cj_free(j);
    return EX_OK;
}

static int cmd_read(cli *c, const cmd *k)
{
    (void)k;
    char path[64];
    tern_path p;
    int rc = norm_path(c->args[1], path, sizeof path, &p, 1);
    if (rc != EX_OK)
        return rc;
    cj_buf target = {0};
    client_target(&target, c->args[0]);
    cj_buf_puts(&target, path);
    bool first = true;
    add_format_query(c, &target, &first);
    cj_node *j;
    rc = call(c, "GET", target.p, NULL, &j);
    if (rc == EX_OK)
        rc = print_read(c, j);
    return finish(c, rc, &target, NULL);
}

static int cmd_write(cli *c, const cmd *k)
{
    (void)k;
    char path[64];
    tern_path p;
    int rc = norm_path(c->args[1], path, sizeof path, &p, 2);
    if (rc != EX_OK)
        return rc;
    if ((c->nargs == 3) == (c->json_values != NULL))
        return usage_err("write takes either VALUE or --json-values '[...]'%s", "");
    if (c->nargs == 3 && p.len < 3)
        return usage_err("a single VALUE needs a resource path (/O/I/R[/RI]), not %s", path);
    cj_buf target = {0}, body = {0};
    client_target(&target, c->args[0]);
    cj_buf_puts(&target, path);
    bool first = true;
    add_format_query(c, &target, &first);
    if (c->update)
        cj_buf_puts(&target, first ? "?mode=update" : "&mode=update");
    cj_buf_puts(&body, "{\"values\":");
    if (c->json_values) {
        rc = add_json_values(&body, c->json_values);
    } else {
        cj_buf_puts(&body, "[");
        rc = add_entry(c, &body, path, &p, c->args[2]);
        cj_buf_puts(&body, "]");
    }
    cj_buf_puts(&body, "}");
    if (rc != EX_OK)
        return finish(c, rc, &target, &body);
    if (body.oom || target.oom)
        return finish(c, oom(), &target, &body);
    return call_for_code(c, "PUT", &target, &body);
}

static int cmd_exec(cli *c, const cmd *k)
{
    (void)k;
    char path[64];
    tern_path p;
    int rc = norm_path(c->args[1], path, sizeof path, &p, 3);
    if (rc != EX_OK)
        return rc;
    if (p.len != 3)
        return usage_err("exec needs a resource path /O/I/R, not %s", path);
    cj_buf target = {0}, body = {0};
    client_target(&target, c->args[0]);
    cj_buf_puts(&target, path);
    cj_buf_puts(&target, "/exec");
    if (c->nargs == 3) {
        cj_buf_puts(&body, "{\"args\":");
        cj_buf_json_str(&body, c->args[2]);
        cj_buf_puts(&body, "}");
    }
    return call_for_code(c, "POST", &target, &body);
}

/* Splits "PATH=VALUE"; returns the value or NULL. `path` gets the left side. */
static const char *split_assign(const char *arg, char *path, size_t cap)
{
    const char *eq = strchr(arg, '=');
    if (!eq || (size_t)(eq - arg) + 1 > cap)
        return NULL;
    memcpy(path, arg, (size_t)(eq - arg));
    path[eq - arg] = '\0';
    return eq + 1;
}

static int cmd_create(cli *c, const cmd *k)
{
    (void)k;
    char opath[64];
    tern_path op;
    int rc = norm_path(c->args[1], opath, sizeof opath, &op, 1);
    if (rc != EX_OK)
        return rc;
    if (op.len > 2)
        return usage_err("create takes an object (/O) or a new instance (/O/I), not %s", opath);
    if (c->json_values && c->nargs > 2)
        return usage_err("create takes PATH=VALUE arguments or --json-values, not both%s", "");
    cj_buf target = {0}, body = {0};
    client_target(&target, c->args[0]);
    cj_buf_printf(&target, "/%u", (unsigned)op.ids[0]);
    bool first = true;
    add_format_query(c, &target, &first);
    cj_buf_puts(&body, "{\"values\":");
    if (c->json_values) {
        rc = add_json_values(&body, c->json_values);
    } else {
        cj_buf_puts(&body, "[");
        for (int i = 2; i < c->nargs && rc == EX_OK; i++) {
            char left[64], full[64], sent[64];
            const char *val = split_assign(c->args[i], left, sizeof left);
            if (!val) {
                rc = usage_err("expected RESOURCE=VALUE (e.g. 5750=kitchen), got %s", c->args[i]);
                break;
            }
            tern_path p;
            if (left[0] == '/') {
                /* Full path /O/I/R[/RI]: must be in the created object. */
                rc = norm_path(left, full, sizeof full, &p, 3);
                if (rc == EX_OK && (p.ids[0] != op.ids[0] || (op.len == 2 && p.ids[1] != op.ids[1])))
                    rc = usage_err("%s is not inside the instance being created", left);
                snprintf(sent, sizeof sent, "%s", full);
            } else {
                /* R or R/RI relative to the new instance. */
                char tmp[80];
                snprintf(tmp, sizeof tmp, "/%u/%u/%s", (unsigned)op.ids[0],
                         op.len == 2 ? (unsigned)op.ids[1] : 0u, left);
                rc = norm_path(tmp, full, sizeof full, &p, 3);
                if (rc == EX_OK && op.len == 2)
                    snprintf(sent, sizeof sent, "%s", full);
                else
                    snprintf(sent, sizeof sent, "%s", left);
            }
            if (rc != EX_OK)
                break;
            if (i > 2)
                cj_buf_puts(&body, ",");
            rc = add_entry(c, &body, sent, &p, val);
        }
        cj_buf_puts(&body, "]");
    }
    cj_buf_puts(&body, "}");
    if (rc == EX_OK && (body.oom || target.oom))
        rc = oom();
    if (rc != EX_OK)
        return finish(c, rc, &target, &body);
    cj_node *j;
    rc = call(c, "POST", target.p, body.p, &j);
    if (rc == EX_OK && !c->json)
        print_code(j, cj_get_str(j, "location"));
    cj_free(j);
    return finish(c, rc, &target, &body);
}

static int cmd_delete(cli *c, const cmd *k)
{
    (void)k;
    char path[64];
    tern_path p;
    int rc = norm_path(c->args[1], path, sizeof path, &p, 2);
    if (rc != EX_OK)
        return rc;
    cj_buf target = {0};
    client_target(&target, c->args[0]);
    cj_buf_puts(&target, path);
    return call_for_code(c, "DELETE", &target, NULL);
}

static int cmd_discover(cli *c, const cmd *k)
{
    (void)k;
    char path[64];
    tern_path p;
    int rc = norm_path(c->args[1], path, sizeof path, &p, 1);
    if (rc != EX_OK)
        return rc;
    cj_buf target = {0};
    client_target(&target, c->args[0]);
    cj_buf_puts(&target, path);
    cj_buf_puts(&target, "/discover");
    if (c->depth) {
        cj_buf_puts(&target, "?depth=");
        add_qvalue(&target, c->depth);
    }
    cj_node *j;
    rc = call(c, "GET", target.p, NULL, &j);
    if (rc == EX_OK && !c->json) {
        cli_table t;
        cli_table_init(&t, 3);
        const cj_node *links = cj_get(j, "links");
        for (const cj_node *l = links ? links->child : NULL; l; l = l->next) {
            cj_buf attrs = {0};
            const cj_node *a = cj_get(l, "attributes");
            for (const cj_node *m = a ? a->child : NULL; m; m = m->next) {
                const char *v = cj_scalar_text(m);
                cj_buf_printf(&attrs, "%s%s%s%s", attrs.len ? " " : "", m->key ? m->key : "",
                              v && v[0] ? "=" : "", v ? v : "");
            }
            const char *lp = cj_get_str(l, "path");
            const char *row[3] = {lp, cli_path_name(c->reg, lp), attrs.p};
            cli_table_row(&t, row);
            cj_buf_free(&attrs);
        }
        cli_table_print(&t, stdout, NULL, "");
        cli_table_free(&t);
    }
    cj_free(j);
    return finish(c, rc, &target, NULL);
}

static const char *const attr_names[] = {"pmin", "pmax", "gt", "lt", "st", "epmin", "epmax", "edge", "con", "hqmax"};

static int cmd_attrs(cli *c, const cmd *k)
{
    (void)k;
    char path[64];
    tern_path p;
    int rc = norm_path(c->args[1], path, sizeof path, &p, 1);
    if (rc != EX_OK)
        return rc;
    cj_buf target = {0};
    client_target(&target, c->args[0]);
    cj_buf_puts(&target, path);
    cj_buf_puts(&target, "/attributes");
    for (int i = 2; i < c->nargs; i++) {
        char name[16];
        const char *val = split_assign(c->args[i], name, sizeof name);
        if (!val)
            snprintf(name, sizeof name, "%.15s", c->args[i]);
        bool known = false;
        for (size_t n = 0; n < sizeof attr_names / sizeof attr_names[0]; n++)
            known = known || strcmp(attr_names[n], name) == 0;
        if (!known || (!val && strlen(c->args[i]) >= sizeof name)) {
            cj_buf_free(&target);
            return usage_err("unknown attribute '%s' (pmin pmax gt lt st epmin epmax edge con hqmax)",
                             c->args[i]);
        }
        if (val && !val[0]) {
            cj_buf_free(&target);
            return usage_err("empty value in '%s' (write NAME alone to unset it)", c->args[i]);
        }
        cj_buf_puts(&target, i == 2 ? "?" : "&");
        cj_buf_puts(&target, name);
        if (val) {
            cj_buf_puts(&target, "=");
            add_qvalue(&target, val);
        }
    }
    return call_for_code(c, "PUT", &target, NULL);
}

static int cmd_read_composite(cli *c, const cmd *k)
{
    (void)k;
    cj_buf target = {0}, body = {0};
    client_target(&target, c->args[0]);
    cj_buf_puts(&target, "/composite/read");
    cj_buf_puts(&body, "{\"paths\":[");
    int rc = EX_OK;
    for (int i = 1; i < c->nargs && rc == EX_OK; i++) {
        char path[64];
        tern_path p;
        rc = norm_path(c->args[i], path, sizeof path, &p, 1);
        if (i > 1)
            cj_buf_puts(&body, ",");
        cj_buf_json_str(&body, path);
    }
    cj_buf_puts(&body, "]");
    if (c->format) {
        cj_buf_puts(&body, ",\"format\":");
        cj_buf_json_str(&body, c->format);
    }
    cj_buf_puts(&body, "}");
    if (rc == EX_OK && (body.oom || target.oom))
        rc = oom();
    if (rc != EX_OK)
        return finish(c, rc, &target, &body);
    cj_node *j;
    rc = call(c, "POST", target.p, body.p, &j);
    if (rc == EX_OK)
        rc = print_read(c, j);
    return finish(c, rc, &target, &body);
}

static int cmd_write_composite(cli *c, const cmd *k)
{
    (void)k;
    if ((c->nargs > 1) == (c->json_values != NULL))
        return usage_err("write-composite takes PATH=VALUE arguments or --json-values '[...]'%s", "");
    cj_buf target = {0}, body = {0};
    client_target(&target, c->args[0]);
    cj_buf_puts(&target, "/composite/write");
    cj_buf_puts(&body, "{\"values\":");
    int rc = EX_OK;
    if (c->json_values) {
        rc = add_json_values(&body, c->json_values);
    } else {
        cj_buf_puts(&body, "[");
        for (int i = 1; i < c->nargs && rc == EX_OK; i++) {
            char left[64], path[64];
            tern_path p;
            const char *val = split_assign(c->args[i], left, sizeof left);
            if (!val) {
                rc = usage_err("expected PATH=VALUE (e.g. /3/0/14=+01), got %s", c->args[i]);
                break;
            }
            rc = norm_path(left, path, sizeof path, &p, 3);
            if (rc != EX_OK)
                break;
            if (i > 1)
                cj_buf_puts(&body, ",");
            rc = add_entry(c, &body, path, &p, val);
        }
        cj_buf_puts(&body, "]");
    }
    if (c->format) {
        cj_buf_puts(&body, ",\"format\":");
        cj_buf_json_str(&body, c->format);
    }
    cj_buf_puts(&body, "}");
    if (rc == EX_OK && (body.oom || target.oom))
        rc = oom();
    if (rc != EX_OK)
        return finish(c, rc, &target, &body);
    return call_for_code(c, "POST", &target, &body);
}

/* ---- event streams ---- */
typedef struct stream_ctx {
    cli *c;
    const char *obs_id;   /* observe: only notifications with this id */
    char *pending;        /* observe: events read before the id was known */
    long seen;
    long limit;           /* 0 = none */
} stream_ctx;

static void now_text(char *out, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(out, cap, "%H:%M:%S", &tm) == 0)
        snprintf(out, cap, "--:--:--");
}

/* One event, readably: time, kind, endpoint, details; values as a table. */
static void print_event(cli *c, const char *kind, const cj_node *d, const char *raw)
{
    char now[16];
    now_text(now, sizeof now);
    if (!d || d->kind != CJ_OBJECT) {
        printf("%s  %-14s %s\n", now, kind, raw);
        return;
    }
    const char *ep = cj_get_str(d, "endpoint");
    printf("%s  %-14s %s", now, kind, ep ? ep : "");
    if (!strcmp(kind, "notification")) {
        printf("  id=%s", scalar(d, "id"));
    } else if (!strcmp(kind, "bootstrap")) {
        const cj_node *ok = cj_get(d, "success");
        const cj_node *steps = cj_get(d, "steps");
        const char *reason = cj_get_str(d, "reason");
        printf("  %s", ok && ok->kind == CJ_BOOL && ok->b ? "succeeded" : "failed");
        if (reason && reason[0])
            printf(": %s", reason);
        if (steps && steps->kind == CJ_ARRAY)
            printf(" (%zu steps)", steps->count);
    } else if (!strcmp(kind, "registration") || !strcmp(kind, "update")) {
        static const char *const keys[] = {"address", "lifetime", "binding", "lwm2m"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (cj_get(d, keys[i]))
                printf("  %s=%s", keys[i], scalar(d, keys[i]));
    }
    printf("\n");
    const cj_node *values = cj_get(d, "values");
    if (values)
        cli_print_values(stdout, c->reg, values, "    ");
}

static int on_event(void *ctx, const char *event, const char *data)
{
    stream_ctx *s = ctx;
    char err[96];
    cj_node *d = cj_parse(data, strlen(data), err, sizeof err);
    if (s->obs_id) {
        const cj_node *id = cj_get(d, "id");
        const char *idt = cj_scalar_text(id);
        if (strcmp(event, "notification") != 0 || !idt || strcmp(idt, s->obs_id) != 0) {
            cj_free(d);
            return 0;
        }
    }
    s->seen++;
    if (s->c->json) {
        /* Multi-line data joins into one line: a raw line break is only
         * whitespace in JSON, so this keeps the document's meaning. */
        char *one = strdup(data);
        if (one)
            for (char *q = one; *q; q++)
                if (*q == '\n')
                    *q = ' ';
        data = one ? one : data;
        if (s->obs_id) {
            printf("%s\n", data);
        } else {
            /* Kind and the server's data unchanged, one line per event. */
            printf("{\"event\":");
            cj_buf k = {0};
            cj_buf_json_str(&k, event);
            printf("%s,\"data\":%s}\n", k.p ? k.p : "\"\"", data[0] ? data : "null");
            cj_buf_free(&k);
        }
        free(one);
    } else {
        print_event(s->c, event, d, data);
    }
    fflush(stdout);
    cj_free(d);
    return s->limit > 0 && s->seen >= s->limit;
}

/* Reads the stream until --count, Ctrl-C or the end. */
static int run_stream(cli_sse *sse)
{
    char err[256];
    for (;;) {
        if (g_stop)
            return EX_OK;
        int r = cli_sse_pump(sse, 250, err, sizeof err);
        if (r == 0)
            return EX_OK;
        if (r < 0) {
            if (g_stop)
                return EX_OK;
            fprintf(stderr, "tern: event stream lost: %s\n", err);
            return EX_CONN;
        }
    }
}

static int open_events(cli *c, stream_ctx *ctx, cli_sse **sse)
{
    cli_resp r;
    if (cli_sse_open(&c->http, "/api/events", on_event, ctx, 10000, sse, &r) != 0) {
        int rc;
        if (r.status == 0) {
            fprintf(stderr, "tern: cannot reach tern-server: %s\n", r.err);
            rc = EX_CONN;
        } else {
            char err[96];
            cj_node *j = cj_parse(r.body.p ? r.body.p : "", r.body.len, err, sizeof err);
            rc = report_error(c, &r, j);
            cj_free(j);
        }
        cli_resp_free(&r);
        return rc;
    }
    cli_resp_free(&r);
    return EX_OK;
}

static int cmd_events(cli *c, const cmd *k)
{
    (void)k;
    stream_ctx ctx = {.c = c, .limit = c->count};
    cli_sse *sse;
    int rc = open_events(c, &ctx, &sse);
    if (rc != EX_OK)
        return rc;
    if (!c->json)
        fprintf(stderr, "listening for events (Ctrl-C stops)\n");
    rc = run_stream(sse);
    cli_sse_close(sse);
    return rc;
}

static int cmd_observe(cli *c, const cmd *k)
{
    (void)k;
    char path[64];
    tern_path p;
    int rc = norm_path(c->args[1], path, sizeof path, &p, 1);
    if (rc != EX_OK)
        return rc;
    /* Open the event stream first so no notification is missed; events are
     * filtered by id only once the observe answer has given it. */
    stream_ctx ctx = {.c = c, .limit = c->count};
    cli_sse *sse;
    char dummy_id[] = "";
    ctx.obs_id = dummy_id; /* drop everything until the id is known */
    rc = open_events(c, &ctx, &sse);
    if (rc != EX_OK)
        return rc;
    cj_buf target = {0};
    client_target(&target, c->args[0]);
    cj_buf_puts(&target, path);
    cj_buf_puts(&target, "/observe");
    bool first = true;
    add_format_query(c, &target, &first);
    cj_node *j;
    rc = call(c, "POST", target.p, NULL, &j);
    cj_buf_free(&target);
    if (rc != EX_OK) {
        cli_sse_close(sse);
        return rc;
    }
    const char *id = cj_scalar_text(cj_get(j, "id"));
    if (!id || !id[0]) {
        fprintf(stderr, "tern: the observe answer carries no observation id\n");
        cj_free(j);
        cli_sse_close(sse);
        return EX_ERROR;
    }
    ctx.obs_id = id;
    if (!c->json) {
        char now[16];
        now_text(now, sizeof now);
        printf("%s  observing %s on %s (id %s; Ctrl-C stops)\n", now, path, c->args[0], id);
        cli_print_values(stdout, c->reg, cj_get(j, "values"), "    ");
        fflush(stdout);
    }
    rc = run_stream(sse);
    cli_sse_close(sse);
    /* Cancel: DELETE /api/observations/{id}, also after Ctrl-C. */
    cj_buf del = {0};
    cj_buf_puts(&del, "/api/observations/");
    add_segment(&del, id);
    bool json = c->json;
    c->json = false; /* the cancel answer is not part of the output */
    cj_node *dj;
    int crc = call(c, "DELETE", del.p, NULL, &dj);
    c->json = json;
    if (crc == EX_OK && !c->json)
        printf("observation %s cancelled\n", id);
    cj_free(dj);
    cj_buf_free(&del);
    cj_free(j);
    return rc != EX_OK ? rc : crc;
}

/* ---- bootstrap ---- */
static int cmd_bs_set(cli *c, const cmd *k)
{
    (void)k;
    if (!c->server)
        return usage_err("bootstrap set needs --server URI%s", "");
    if ((c->psk_id != NULL) != (c->psk_key != NULL))
        return usage_err("--psk-identity and --psk-key go together%s", "");
    if (c->psk_key && !is_hex(c->psk_key))
        return usage_err("--psk-key takes hex digits (an even count): %s", c->psk_key);
    const char *nums[2] = {c->ssid, c->lifetime};
    for (int i = 0; i < 2; i++) {
        if (!nums[i])
            continue;
        char *end;
        errno = 0;
        long v = strtol(nums[i], &end, 10);
        if (errno || *end || v < (i == 0 ? 1 : 0) || v > (i == 0 ? 65534 : 0x7fffffffL))
            return usage_err(i == 0 ? "--ssid takes 1..65534, not %s" : "--lifetime takes seconds, not %s",
                             nums[i]);
    }
    cj_buf target = {0}, body = {0};
    cj_buf_puts(&target, "/api/bootstrap/");
    add_segment(&target, c->args[0]);
    cj_buf_puts(&body, "{\"servers\":[{\"uri\":");
    cj_buf_json_str(&body, c->server);
    cj_buf_printf(&body, ",\"ssid\":%s,\"lifetime\":%s,\"binding\":", c->ssid ? c->ssid : "1",
                  c->lifetime ? c->lifetime : "300");
    cj_buf_json_str(&body, c->binding ? c->binding : "U");
    if (c->psk_id) {
        cj_buf_puts(&body, ",\"security\":\"psk\",\"psk_identity\":");
        cj_buf_json_str(&body, c->psk_id);
        cj_buf_puts(&body, ",\"psk_key\":");
        cj_buf_json_str(&body, c->psk_key);
    } else {
        cj_buf_puts(&body, ",\"security\":\"nosec\"");
    }
    cj_buf_puts(&body, "}]}");
    if (body.oom || target.oom)
        return finish(c, oom(), &target, &body);
    cj_node *j;
    int rc = call(c, "PUT", target.p, body.p, &j);
    if (rc == EX_OK && !c->json)
        printf("bootstrap configuration for %s stored\n", c->args[0]);
    cj_free(j);
    return finish(c, rc, &target, &body);
}

static void print_servers(const cj_node *cfg)
{
    cli_table t;
    cli_table_init(&t, 7);
    const cj_node *servers = cj_get(cfg, "servers");
    for (const cj_node *s = servers ? servers->child : NULL; s; s = s->next) {
        const char *row[7] = {"server", scalar(s, "uri"), scalar(s, "ssid"), scalar(s, "lifetime"),
                              scalar(s, "binding"), scalar(s, "security"), scalar(s, "psk_identity")};
        cli_table_row(&t, row);
    }
    const cj_node *bs = cj_get(cfg, "bootstrap_server");
    if (bs && bs->kind == CJ_OBJECT) {
        const char *row[7] = {"bootstrap", scalar(bs, "uri"), scalar(bs, "ssid"), scalar(bs, "lifetime"),
                              scalar(bs, "binding"), scalar(bs, "security"), scalar(bs, "psk_identity")};
        cli_table_row(&t, row);
    }
    static const char *const hdr[7] = {"ROLE", "URI", "SSID", "LIFETIME", "BINDING", "SECURITY", "PSK IDENTITY"};
    cli_table_print(&t, stdout, hdr, "");
    cli_table_free(&t);
}

static int cmd_bs_show(cli *c, const cmd *k)
{
    (void)k;
    cj_buf target = {0};
    cj_buf_puts(&target, "/api/bootstrap/");
    add_segment(&target, c->args[0]);
    cj_node *j;
    int rc = call(c, "GET", target.p, NULL, &j);
    if (rc == EX_OK && !c->json) {
        printf("endpoint %s\n", c->args[0]);
        print_servers(j);
        const cj_node *w = cj_get(j, "writes");
        if (w && w->kind == CJ_ARRAY && w->count) {
            printf("writes:\n");
            cli_table t;
            cli_table_init(&t, 2);
            for (const cj_node *e = w->child; e; e = e->next) {
                const char *row[2] = {scalar(e, "path"), scalar(e, "value")};
                cli_table_row(&t, row);
            }
            cli_table_print(&t, stdout, NULL, "  ");
            cli_table_free(&t);
        }
    }
    cj_free(j);
    return finish(c, rc, &target, NULL);
}

static int cmd_bs_delete(cli *c, const cmd *k)
{
    (void)k;
    cj_buf target = {0};
    cj_buf_puts(&target, "/api/bootstrap/");
    add_segment(&target, c->args[0]);
    cj_node *j;
    int rc = call(c, "DELETE", target.p, NULL, &j);
    if (rc == EX_OK && !c->json)
        printf("bootstrap configuration for %s deleted\n", c->args[0]);
    cj_free(j);
    return finish(c, rc, &target, NULL);
}

static int cmd_bs_list(cli *c, const cmd *k)
{
    (void)k;
    cj_node *j;
    int rc = call(c, "GET", "/api/bootstrap", NULL, &j);
    if (rc == EX_OK && !c->json) {
        cli_table t;
        cli_table_init(&t, 2);
        const cj_node *cfgs = cj_get(j, "configs");
        for (const cj_node *e = cfgs ? cfgs->child : NULL; e; e = e->next) {
            cj_buf uris = {0};
            const cj_node *servers = cj_get(e, "servers");
            for (const cj_node *s = servers ? servers->child : NULL; s; s = s->next)
                cj_buf_printf(&uris, "%s%s", uris.len ? " " : "", scalar(s, "uri"));
            const char *row[2] = {scalar(e, "endpoint"), uris.p};
            cli_table_row(&t, row);
            cj_buf_free(&uris);
        }
        if (t.nrows == 0) {
            printf("no bootstrap configurations\n");
        } else {
            static const char *const hdr[2] = {"ENDPOINT", "SERVERS"};
            cli_table_print(&t, stdout, hdr, "");
        }
        cli_table_free(&t);
    }
    cj_free(j);
    return rc;
}

static int cmd_bs_sessions(cli *c, const cmd *k)
{
    (void)k;
    cj_node *j;
    int rc = call(c, "GET", "/api/bootstrap/sessions", NULL, &j);
    if (rc == EX_OK && !c->json) {
        cli_table t;
        cli_table_init(&t, 6);
        const cj_node *list = cj_get(j, "sessions");
        for (const cj_node *e = list ? list->child : NULL; e; e = e->next) {
            char start[64], end[64], steps[32];
            when_text(e, "start", start, sizeof start);
            when_text(e, "end", end, sizeof end);
            const cj_node *st = cj_get(e, "steps");
            snprintf(steps, sizeof steps, "%zu", st && st->kind == CJ_ARRAY ? st->count : (size_t)0);
            const cj_node *ok = cj_get(e, "success");
            const char *res = !ok || ok->kind != CJ_BOOL ? "running" : ok->b ? "ok" : "failed";
            const char *row[6] = {scalar(e, "endpoint"), start, end, res, steps, scalar(e, "reason")};
            cli_table_row(&t, row);
        }
        if (t.nrows == 0) {
            printf("no bootstrap sessions\n");
        } else {
            static const char *const hdr[6] = {"ENDPOINT", "START", "END", "RESULT", "STEPS", "REASON"};
            cli_table_print(&t, stdout, hdr, "");
        }
        cli_table_free(&t);
    }
    cj_free(j);
    return rc;
}

/* ---- command table and help ---- */
static const cmd cmds[] = {
    {"clients", cmd_clients, 0, 0, 0, "tern clients",
     "Lists the registered clients: endpoint, address, binding, lifetime, LwM2M\n"
     "version, queue mode, last update and the objects they announced.\n\n"
     "Example:\n  tern clients\n  tern clients --json | jq '.clients[].endpoint'\n"},
    {"client", cmd_client, 1, 1, 0, "tern client EP",
     "Shows one client's registration and its object instances with their names.\n\n"
     "Example:\n  tern client kitchen-sensor\n"},
    {"read", cmd_read, 2, 2, O_FORMAT, "tern read EP PATH [--format F]",
     "Reads an object, instance, resource or resource instance. Values print\n"
     "with their resource names, types and units from the object registry.\n"
     "--format asks the client for one content format (senml-cbor, tlv, ...).\n\n"
     "Examples:\n  tern read kitchen-sensor /3/0\n  tern read kitchen-sensor /3303/0/5700 --format senml-json\n"},
    {"write", cmd_write, 2, 3, O_FORMAT | O_TYPE | O_UPDATE | O_JVALUES,
     "tern write EP PATH VALUE [--type T] [--format F] [--update]\n"
     "       tern write EP PATH --json-values '[{\"path\":..,\"value\":..}, ...]' [--update]",
     "Writes one resource (Write/Replace, or Write/Update with --update). The\n"
     "value's type comes from the object registry, or from --type (string,\n"
     "integer, unsigned, float, boolean, opaque as hex, time as epoch seconds,\n"
     "objlnk as O:I, corelnk). --json-values writes several resources of an\n"
     "instance at once.\n\n"
     "Examples:\n  tern write kitchen-sensor /3/0/14 +02\n"
     "  tern write kitchen-sensor /3303/0/5750 kitchen --update\n"
     "  tern write dev /1/0 --update --json-values '[{\"path\":\"/1/0/1\",\"value\":120}]'\n"},
    {"exec", cmd_exec, 2, 3, 0, "tern exec EP PATH [ARGS]",
     "Executes a resource, with optional Execute arguments (Core §5.4.5).\n\n"
     "Examples:\n  tern exec kitchen-sensor /3/0/4\n  tern exec dev /3303/0/5605\n  tern exec dev /9/0/4 \"0='v1.2',1\"\n"},
    {"create", cmd_create, 2, -1, O_FORMAT | O_JVALUES, "tern create EP OBJ[/INST] [RES=VALUE ...]",
     "Creates an object instance. RES is a resource ID (or RES/RI) of the new\n"
     "instance, or a full /O/I/R path; give /O/I to choose the instance ID.\n"
     "Prints the new instance's location.\n\n"
     "Examples:\n  tern create dev /3303 5750=hall\n  tern create dev /3303/7 5750=attic\n"},
    {"delete", cmd_delete, 2, 2, 0, "tern delete EP /O/I",
     "Deletes an object instance.\n\nExample:\n  tern delete dev /3303/7\n"},
    {"discover", cmd_discover, 2, 2, O_DEPTH, "tern discover EP PATH [--depth N]",
     "Discovers the resources under a path and their attributes.\n\n"
     "Examples:\n  tern discover dev /3\n  tern discover dev /3303/0 --depth 3\n"},
    {"attrs", cmd_attrs, 3, -1, 0, "tern attrs EP PATH NAME=VALUE|NAME ...",
     "Writes notification attributes (pmin pmax gt lt st epmin epmax edge con\n"
     "hqmax); a NAME without a value unsets it.\n\n"
     "Examples:\n  tern attrs dev /3303/0/5700 pmin=10 pmax=60 st=0.5\n  tern attrs dev /3303/0/5700 pmax\n"},
    {"observe", cmd_observe, 2, 2, O_FORMAT | O_COUNT, "tern observe EP PATH [--format F] [--count N]",
     "Observes a path: prints the current value, then each notification until\n"
     "Ctrl-C or --count notifications, then cancels the observation. With\n"
     "--json each notification's JSON prints on one line.\n\n"
     "Example:\n  tern observe dev /3303/0/5700 --count 5\n"},
    {"read-composite", cmd_read_composite, 2, -1, O_FORMAT, "tern read-composite EP PATH...",
     "Reads several paths in one Read-Composite request.\n\n"
     "Example:\n  tern read-composite dev /3/0/0 /3/0/9 /3303/0/5700\n"},
    {"write-composite", cmd_write_composite, 1, -1, O_FORMAT | O_JVALUES, "tern write-composite EP PATH=VALUE...",
     "Writes several resources, possibly in different objects, in one\n"
     "Write-Composite request (types from the registry).\n\n"
     "Example:\n  tern write-composite dev /3/0/14=+01 /3303/0/5750=kitchen\n"},
    {"events", cmd_events, 0, 0, O_COUNT, "tern events [--count N]",
     "Prints the server's event stream: registrations, updates,\n"
     "de-registrations, expiries, notifications, Send data and bootstrap\n"
     "results, until Ctrl-C (or N events). With --json each event prints as\n"
     "one line {\"event\":KIND,\"data\":<the server's JSON>}.\n\n"
     "Example:\n  tern events\n"},
    {"bootstrap set", cmd_bs_set, 1, 1, O_SERVER | O_SSID | O_LIFETIME | O_BINDING | O_PSKID | O_PSKKEY,
     "tern bootstrap set EP --server URI [--ssid N] [--lifetime S] [--binding B]\n"
     "                          [--psk-identity I --psk-key HEX]",
     "Stores the bootstrap configuration of an endpoint: one LwM2M Server\n"
     "account (defaults: ssid 1, lifetime 300, binding U, NoSec; PSK with\n"
     "--psk-identity and --psk-key). The key is write-only.\n\n"
     "Examples:\n  tern bootstrap set dev --server coap://192.0.2.1:5683\n"
     "  tern bootstrap set dev --server coaps://192.0.2.1:5684 --psk-identity dev --psk-key 00112233\n"},
    {"bootstrap show", cmd_bs_show, 1, 1, 0, "tern bootstrap show EP",
     "Shows an endpoint's bootstrap configuration (never its keys).\n\nExample:\n  tern bootstrap show dev\n"},
    {"bootstrap delete", cmd_bs_delete, 1, 1, 0, "tern bootstrap delete EP",
     "Deletes an endpoint's bootstrap configuration.\n\nExample:\n  tern bootstrap delete dev\n"},
    {"bootstrap list", cmd_bs_list, 0, 0, 0, "tern bootstrap list",
     "Lists the endpoints with a bootstrap configuration.\n\nExample:\n  tern bootstrap list\n"},
    {"bootstrap sessions", cmd_bs_sessions, 0, 0, 0, "tern bootstrap sessions",
     "Lists recent bootstrap sessions: start, end, result, steps, reason.\n\n"
     "Example:\n  tern bootstrap sessions\n"},
};

static const cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(cmds[i].name, name) == 0)
            return &cmds[i];
    return NULL;
}

static const char global_help[] =
    "usage: tern [--url URL] [--token T] [--json] COMMAND [ARGS] [OPTIONS]\n"
    "\n"
    "Talks to tern-server's REST API (docs/api.md) to manage LwM2M clients.\n"
    "\n"
    "Commands:\n";

static const char global_opts[] =
    "\nOptions (anywhere on the line):\n"
    "  --url URL      tern-server address (env TERN_URL; default http://127.0.0.1:8080)\n"
    "  --token T      bearer token (env TERN_TOKEN); needed when the server is\n"
    "                 not on a loopback address\n"
    "  --json         print the server's JSON unchanged, for scripts\n"
    "  --timeout S    give up on a request after S seconds (default: none; the\n"
    "                 server answers 504 after its own --request-timeout)\n"
    "  -v, --verbose  print each request on stderr\n"
    "  -h, --help     this text; 'tern CMD --help' explains CMD\n"
    "\n"
    "PATH is /O[/I[/R[/RI]]] (the leading / is optional). EP is the endpoint\n"
    "name. Content formats: text opaque cbor tlv senml-json senml-cbor\n"
    "senml-etch-json senml-etch-cbor oma-json lwm2m-cbor link.\n"
    "\n"
    "Exit status: 0 success, 1 usage error, 2 LwM2M error code (4.xx/5.xx) or\n"
    "HTTP error, 3 the server cannot be reached.\n"
    "\n"
    "Examples:\n"
    "  tern clients\n"
    "  tern read kitchen-sensor /3303/0/5700\n"
    "  TERN_URL=http://10.0.0.5:8080 TERN_TOKEN=... tern write dev /1/0/1 120\n"
    "  tern observe dev /3303/0/5700 --count 10\n";

static void print_global_help(FILE *f)
{
    fputs(global_help, f);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *u = cmds[i].usage + 5; /* drop "tern " */
        const char *nl = strchr(u, '\n');
        fprintf(f, "  %.*s\n", nl ? (int)(nl - u) : (int)strlen(u), u);
    }
    fputs(global_opts, f);
}

static void print_cmd_help(const cmd *k)
{
    printf("usage: %s\n\n%s", k->usage, k->help);
    printf("\nGlobal options: --url URL, --token T, --json, --timeout S, -v (tern --help).\n");
}

/* ---- argument parsing ---- */
typedef struct opt_def {
    const char *name;
    unsigned flag;   /* O_* or 0 for global */
    bool has_value;
} opt_def;

static const opt_def opt_defs[] = {
    {"url", 0, true},          {"token", 0, true},        {"json", 0, false},
    {"timeout", 0, true},      {"verbose", 0, false},     {"help", 0, false},
    {"format", O_FORMAT, true}, {"type", O_TYPE, true},   {"update", O_UPDATE, false},
    {"json-values", O_JVALUES, true}, {"depth", O_DEPTH, true}, {"count", O_COUNT, true},
    {"server", O_SERVER, true}, {"ssid", O_SSID, true},   {"lifetime", O_LIFETIME, true},
    {"binding", O_BINDING, true}, {"psk-identity", O_PSKID, true}, {"psk-key", O_PSKKEY, true},
};

static bool parse_count(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 1 || v > 1000000000L || !s[0])
        return false;
    *out = v;
    return true;
}

static int set_opt(cli *c, const opt_def *o, const char *v)
{
    c->given |= o->flag;
    const char *n = o->name;
    if (!strcmp(n, "url")) c->http.base_url = v;
    else if (!strcmp(n, "token")) c->http.token = v;
    else if (!strcmp(n, "json")) c->json = true;
    else if (!strcmp(n, "timeout")) {
        if (!parse_count(v, &c->http.timeout_s))
            return usage_err("--timeout takes seconds (1 or more), not %s", v);
    }
    else if (!strcmp(n, "verbose")) c->http.verbose = true;
    else if (!strcmp(n, "help")) c->help = true;
    else if (!strcmp(n, "format")) { c->format = v; return check_format(v); }
    else if (!strcmp(n, "type")) {
        c->type = v;
        if (!known_type(v))
            return usage_err("unknown type '%s' (string integer unsigned float boolean opaque time objlnk corelnk)", v);
    }
    else if (!strcmp(n, "update")) c->update = true;
    else if (!strcmp(n, "json-values")) c->json_values = v;
    else if (!strcmp(n, "depth")) {
        long d;
        if (!parse_count(v, &d) || d > 4)
            return usage_err("--depth takes 1..4, not %s", v);
        c->depth = v;
    }
    else if (!strcmp(n, "count")) {
        if (!parse_count(v, &c->count))
            return usage_err("--count takes a positive number, not %s", v);
    }
    else if (!strcmp(n, "server")) c->server = v;
    else if (!strcmp(n, "ssid")) c->ssid = v;
    else if (!strcmp(n, "lifetime")) c->lifetime = v;
    else if (!strcmp(n, "binding")) c->binding = v;
    else if (!strcmp(n, "psk-identity")) c->psk_id = v;
    else if (!strcmp(n, "psk-key")) c->psk_key = v;
    return EX_OK;
}

static int parse_args(cli *c, int argc, char **argv)
{
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && !strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        if (!only_pos && (!strcmp(a, "-h") || !strcmp(a, "-v"))) {
            if (a[1] == 'h')
                c->help = true;
            else
                c->http.verbose = true;
            continue;
        }
        if (only_pos || strncmp(a, "--", 2) != 0) {
            if (c->nargs >= (int)(sizeof c->args / sizeof c->args[0]))
                return usage_err("too many arguments (at most %s)", "64");
            c->args[c->nargs++] = a;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nl = eq ? (size_t)(eq - name) : strlen(name);
        const opt_def *o = NULL;
        for (size_t k = 0; k < sizeof opt_defs / sizeof opt_defs[0]; k++)
            if (strlen(opt_defs[k].name) == nl && !strncmp(opt_defs[k].name, name, nl))
                o = &opt_defs[k];
        if (!o)
            return usage_err("unknown option %s", a);
        const char *v = NULL;
        if (o->has_value) {
            if (eq)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            else
                return usage_err("%s needs a value", a);
        } else if (eq) {
            return usage_err("%s takes no value", a);
        }
        int rc = set_opt(c, o, v);
        if (rc != EX_OK)
            return rc;
    }
    return EX_OK;
}

int main(int argc, char **argv)
{
    cli c = {0};
    c.reg = tern_registry_std();
    c.http.base_url = getenv("TERN_URL");
    c.http.token = getenv("TERN_TOKEN");
    int rc = parse_args(&c, argc, argv);
    if (rc != EX_OK)
        return rc;
    if (!c.http.base_url || !c.http.base_url[0])
        c.http.base_url = "http://127.0.0.1:8080";
    /* The base URL without trailing slashes. */
    char base[1024];
    snprintf(base, sizeof base, "%s", c.http.base_url);
    for (size_t n = strlen(base); n > 0 && base[n - 1] == '/'; n--)
        base[n - 1] = '\0';
    c.http.base_url = base;

    if (c.nargs == 0) {
        print_global_help(c.help ? stdout : stderr);
        return c.help ? EX_OK : EX_USAGE;
    }
    /* "help CMD" is "CMD --help". */
    int first = 0;
    if (!strcmp(c.args[0], "help")) {
        if (c.nargs == 1) {
            print_global_help(stdout);
            return EX_OK;
        }
        c.help = true;
        first = 1;
    }
    char name[64];
    snprintf(name, sizeof name, "%s", c.args[first]);
    int used = 1;
    if (!strcmp(name, "bootstrap")) {
        if (c.nargs <= first + 1) {
            if (c.help) {
                for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
                    if (!strncmp(cmds[i].name, "bootstrap ", 10))
                        printf("usage: %s\n", cmds[i].usage);
                return EX_OK;
            }
            return usage_err("bootstrap needs a subcommand: set, show, delete, list, sessions%s", "");
        }
        snprintf(name, sizeof name, "bootstrap %s", c.args[first + 1]);
        used = 2;
    }
    const cmd *k = find_cmd(name);
    if (!k)
        return usage_err("unknown command '%s'", name);
    if (c.help) {
        print_cmd_help(k);
        return EX_OK;
    }
    /* Drop the command words. */
    memmove(c.args, c.args + first + used, (size_t)(c.nargs - first - used) * sizeof c.args[0]);
    c.nargs -= first + used;
    if (c.nargs < k->min_args || (k->max_args >= 0 && c.nargs > k->max_args)) {
        fprintf(stderr, "usage: %s\n", k->usage);
        return EX_USAGE;
    }
    unsigned bad = c.given & ~k->opts;
    if (bad) {
        for (size_t i = 0; i < sizeof opt_defs / sizeof opt_defs[0]; i++)
            if (opt_defs[i].flag & bad) {
                fprintf(stderr, "tern: %s does not take --%s\nusage: %s\n", k->name, opt_defs[i].name, k->usage);
                break;
            }
        return EX_USAGE;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (cli_http_global_init() != 0) {
        fprintf(stderr, "tern: cannot initialise libcurl\n");
        return EX_CONN;
    }
    rc = k->fn(&c, k);
    fflush(stdout);
    cli_http_global_cleanup();
    return rc;
}
