/* tern-server REST API — routing and the LwM2M operations behind each route
 * (docs/api.md). Every LwM2M request goes through tern_server_request();
 * its callback completes the suspended HTTP request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rest/app.h"
#include "rest/values.h"

/* ---- one table: LwM2M result → HTTP status ------------------------------------ */
static const struct {
    uint8_t lc;
    unsigned http;
} code_map[] = {
    {TERN_LC_CREATED, 201},        {TERN_LC_DELETED, 200},          {TERN_LC_CHANGED, 200},
    {TERN_LC_CONTENT, 200},        {TERN_LC_BAD_REQUEST, 400},      {TERN_LC_UNAUTHORIZED, 403},
    {TERN_LC_FORBIDDEN, 403},      {TERN_LC_NOT_FOUND, 404},        {TERN_LC_METHOD_NOT_ALLOWED, 405},
    {TERN_LC_NOT_ACCEPTABLE, 406}, {TERN_LC_REQUEST_INCOMPLETE, 400}, {TERN_LC_CONFLICT, 409},
    {TERN_LC_PRECONDITION_FAILED, 412}, {TERN_LC_REQUEST_TOO_LARGE, 413}, {TERN_LC_UNSUPPORTED_FORMAT, 415},
    {TERN_LC_INTERNAL_ERROR, 502}, {TERN_LC_NOT_IMPLEMENTED, 501},  {TERN_LC_SERVICE_UNAVAILABLE, 503},
};

static unsigned http_of_lc(int lc)
{
    for (size_t i = 0; i < TERN_ARRAY_LEN(code_map); i++)
        if (code_map[i].lc == lc)
            return code_map[i].http;
    return 502;
}

/* tern_err of a request (now or in the callback) → HTTP status. */
static unsigned http_of_err(int err)
{
    switch (err) {
    case TERN_ENOTFOUND: return 404;
    case TERN_EINVAL: return 400;
    case TERN_ETIMEOUT: return 504;
    case TERN_EFULL: return 503;
    case TERN_ESTATE: return 410;
    case TERN_ECANCELED: return 503;
    case TERN_ETOOBIG: return 502;
    default: return 502;
    }
}

static const char *coap_code_text(uint8_t c, char *b, size_t cap)
{
    snprintf(b, cap, "%u.%02u", c >> 5, c & 31);
    return b;
}

void rest_iso_time(char *out, size_t cap, tern_time_ms mono)
{
    int64_t wall = tern_posix_realtime_ms() - (tern_posix_now_ms() - mono);
    time_t s = (time_t)(wall / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void rest_kick_engines(rest_app *a)
{
    tern_timer_start(&a->loop, &a->srv_timer, 0);
    tern_coap_udp_kick(&a->srv_run);
    if (a->bs_on) {
        tern_timer_start(&a->loop, &a->bs_timer, 0);
        tern_coap_udp_kick(&a->bs_run);
    }
}

static char *take(jw *w, size_t *n) { return jw_take(w, n); }

static void finish_jw(rest_req *r, unsigned status, jw *w)
{
    size_t n = 0;
    char *s = take(w, &n);
    if (!s)
        rest_finish_error(r, 500, "out of memory");
    else
        rest_finish(r, status, s, n);
}

/* ---- clients ---------------------------------------------------------------------- */

void rest_client_json(rest_app *a, jw *w, const tern_server_reg *reg)
{
    (void)a;
    char b[64];
    jw_obj(w);
    jw_kstr(w, "endpoint", reg->ep);
    snprintf(b, sizeof b, "/rd/%x", (unsigned)reg->id);
    jw_kstr(w, "location", b);
    jw_ki64(w, "lifetime", reg->lifetime_s);
    static const char letters[] = "UMHTSN";
    size_t k = 0;
    for (unsigned i = 0; i < 6; i++)
        if (reg->binding & (1u << i))
            b[k++] = letters[i];
    b[k] = 0;
    jw_kstr(w, "binding", b);
    snprintf(b, sizeof b, "1.%u", reg->lwm2m_minor);
    jw_kstr(w, "lwm2m", b);
    jw_kbool(w, "queue", reg->queue);
    tern_udp_addr ua;
    if (tern_posix_addr_from_peer(&ua, &reg->peer) == 0 && tern_udp_addr_format(&ua, b, sizeof b) > 0)
        jw_kstr(w, "address", b);
    jw_key(w, "objects");
    jw_arr(w);
    for (uint16_t i = 0; i < reg->n_objs; i++) {
        const tern_server_obj *o = &reg->objs[i];
        if (o->iid == TERN_ID_INVALID)
            snprintf(b, sizeof b, "/%u", o->oid);
        else
            snprintf(b, sizeof b, "/%u/%u", o->oid, o->iid);
        jw_str(w, b);
    }
    jw_arr_end(w);
    rest_iso_time(b, sizeof b, reg->registered_at);
    jw_kstr(w, "registered_at", b);
    rest_iso_time(b, sizeof b, reg->updated_at);
    jw_kstr(w, "updated_at", b);
    jw_obj_end(w);
}

typedef struct each_ctx {
    rest_app *a;
    jw *w;
} each_ctx;

static void each_client(void *ctx, const tern_server_reg *reg)
{
    each_ctx *c = ctx;
    rest_client_json(c->a, c->w, reg);
}

static void list_clients(rest_req *r)
{
    jw w;
    jw_init(&w);
    jw_obj(&w);
    jw_key(&w, "clients");
    jw_arr(&w);
    each_ctx c = {r->app, &w};
    tern_server_each(&r->app->srv, each_client, &c);
    jw_arr_end(&w);
    jw_obj_end(&w);
    finish_jw(r, 200, &w);
}

void rest_on_event(void *ctx, tern_server *srv, tern_server_event ev, const tern_server_reg *reg)
{
    (void)srv;
    rest_app *a = ctx;
    const char *kind = NULL;
    bool full = false;
    switch (ev) {
    case TERN_SRV_REGISTERED: kind = "registration"; full = true; break;
    case TERN_SRV_UPDATED: kind = "update"; full = true; break;
    case TERN_SRV_DEREGISTERED: kind = "deregistration"; break;
    case TERN_SRV_EXPIRED: kind = "expiry"; break;
    case TERN_SRV_REPLACED: kind = "deregistration"; break;
    default: return;
    }
    jw w;
    jw_init(&w);
    if (full) {
        rest_client_json(a, &w, reg);
    } else {
        jw_obj(&w);
        jw_kstr(&w, "endpoint", reg->ep);
        jw_obj_end(&w);
    }
    size_t n = 0;
    char *s = take(&w, &n);
    if (s)
        rest_event_push(a, kind, s, n);
    free(s);
    if (a->verbose || full || ev != TERN_SRV_UPDATED)
        fprintf(stderr, "tern-server: %s %s\n", kind, reg->ep);
    /* Observations of a client that went away end with it. */
    if (ev == TERN_SRV_DEREGISTERED || ev == TERN_SRV_EXPIRED || ev == TERN_SRV_REPLACED) {
        /* (their final callbacks remove them) */
    }
}

int rest_on_send(void *ctx, tern_server *srv, const tern_server_reg *reg, int32_t cf, const tern_entry *e, size_t n)
{
    (void)srv;
    (void)cf;
    rest_app *a = ctx;
    jw w;
    jw_init(&w);
    jw_obj(&w);
    jw_kstr(&w, "endpoint", reg->ep);
    jw_key(&w, "values");
    rest_write_values(&w, e, n);
    jw_obj_end(&w);
    size_t len = 0;
    char *s = take(&w, &len);
    if (s)
        rest_event_push(a, "send", s, len);
    free(s);
    return TERN_LC_NONE;
}

/* ---- LwM2M requests ------------------------------------------------------------------- */

static void answer(rest_req *r, const tern_server_resp *resp)
{
    char cb[8];
    if (resp->err < 0) {
        char m[128];
        snprintf(m, sizeof m, "%s", resp->err == TERN_ETIMEOUT ? "the client did not answer in time"
                                                                : tern_strerror(resp->err));
        rest_finish_error(r, http_of_err(resp->err), m);
        return;
    }
    jw w;
    jw_init(&w);
    jw_obj(&w);
    if (!tern_lwm2m_code_is_success(resp->code)) {
        char m[96];
        snprintf(m, sizeof m, "the client answered %s %s", coap_code_text(resp->coap_code, cb, sizeof cb),
                 tern_lwm2m_code_name(resp->code));
        jw_kstr(&w, "error", m);
        jw_kstr(&w, "code", coap_code_text(resp->coap_code, cb, sizeof cb));
        jw_obj_end(&w);
        finish_jw(r, http_of_lc(resp->code), &w);
        return;
    }
    if (r->obs) {
        char id[24];
        snprintf(id, sizeof id, "%llu", (unsigned long long)r->obs->handle);
        jw_kstr(&w, "id", id);
    }
    jw_kstr(&w, "code", coap_code_text(resp->coap_code, cb, sizeof cb));
    uint8_t k = r->op_kind;
    if (k == TERN_OPK_DISCOVER) {
        jw_key(&w, "links");
        jw_arr(&w);
        tern_link_parser lp;
        tern_link_parser_init(&lp, resp->body, resp->body_len, true, 0);
        tern_link l;
        tern_link_attr at[16];
        while (tern_link_next(&lp, &l, at, TERN_ARRAY_LEN(at)) == TERN_OK) {
            jw_obj(&w);
            jw_key(&w, "path");
            jw_strn(&w, (const char *)l.uri.ptr, l.uri.len);
            jw_key(&w, "attributes");
            jw_obj(&w);
            for (size_t i = 0; i < l.nattrs; i++) {
                char name[32], val[128];
                snprintf(name, sizeof name, "%.*s", (int)at[i].name.len, (const char *)at[i].name.ptr);
                jw_key(&w, name);
                if (at[i].has_value && tern_link_unquote(&at[i], val, sizeof val) >= 0)
                    jw_str(&w, val);
                else
                    jw_null(&w);
            }
            jw_obj_end(&w);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
    } else if (k == TERN_OPK_READ || k == TERN_OPK_READ_COMPOSITE || k == TERN_OPK_OBSERVE ||
               k == TERN_OPK_OBSERVE_COMPOSITE) {
        const char *fn = tern_cf_name(resp->content_format);
        if (fn)
            jw_kstr(&w, "format", fn);
        jw_key(&w, "values");
        rest_write_values(&w, resp->entries, resp->n_entries);
        if (resp->decode_err < 0)
            jw_kstr(&w, "decode_error", tern_strerror(resp->decode_err));
    } else if (k == TERN_OPK_CREATE && resp->has_location) {
        char p[40];
        tern_path_format(&resp->location, p, sizeof p);
        jw_kstr(&w, "location", p);
    }
    jw_obj_end(&w);
    finish_jw(r, http_of_lc(resp->code), &w);
}

static void on_resp(void *ctx, tern_server *srv, const tern_server_resp *resp)
{
    (void)srv;
    rest_req *r = ctx;
    if (!resp->final)
        return;
    r->handle = 0;
    answer(r, resp);
}

static void obs_remove(rest_app *a, rest_obs *o)
{
    for (rest_obs **p = &a->obs; *p; p = &(*p)->next)
        if (*p == o) {
            *p = o->next;
            break;
        }
    free(o->paths_json);
    free(o);
}

static void on_obs(void *ctx, tern_server *srv, const tern_server_resp *resp)
{
    (void)srv;
    rest_obs *o = ctx;
    rest_app *a = o->app;
    if (o->pending) {
        rest_req *r = o->pending;
        o->pending = NULL;
        r->handle = 0;
        answer(r, resp);
        r->obs = NULL;
        if (resp->err < 0 || !tern_lwm2m_code_is_success(resp->code)) {
            if (resp->final)
                obs_remove(a, o);
            else
                tern_server_cancel(&a->srv, o->handle, false);
            return;
        }
    } else if (resp->err == 0 && resp->notification) {
        jw w;
        jw_init(&w);
        jw_obj(&w);
        char id[24];
        snprintf(id, sizeof id, "%llu", (unsigned long long)o->handle);
        jw_kstr(&w, "id", id);
        jw_kstr(&w, "endpoint", o->endpoint);
        jw_key(&w, "values");
        rest_write_values(&w, resp->entries, resp->n_entries);
        jw_obj_end(&w);
        size_t n = 0;
        char *s = take(&w, &n);
        if (s)
            rest_event_push(a, "notification", s, n);
        free(s);
    }
    if (resp->final)
        obs_remove(a, o);
}

void rest_req_abandon(rest_req *r)
{
    if (r->obs) {
        r->obs->pending = NULL;
        r->obs = NULL;
    } else if (r->handle) {
        tern_server_cancel(&r->app->srv, r->handle, false);
        r->handle = 0;
    }
}

static int32_t req_format(rest_req *r, bool *bad)
{
    const char *f = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "format");
    *bad = false;
    if (!f || !*f)
        return TERN_OP_CF_NONE;
    int32_t cf = tern_cf_from_name(f);
    if (cf < 0)
        *bad = true;
    return cf;
}

/* Starts op toward ep for HTTP request r; errors answer at once. */
static void start(rest_req *r, const char *ep, tern_op *op, rest_obs *obs)
{
    rest_app *a = r->app;
    tern_server_req_opts opts = {.timeout_ms = a->request_timeout_ms};
    r->op_kind = op->kind;
    tern_server_handle h = 0;
    int rc;
    if (obs) {
        obs->pending = r;
        r->obs = obs;
        rc = tern_server_request(&a->srv, ep, op, &opts, on_obs, obs, &h);
        if (rc >= 0) {
            obs->handle = h;
            obs->next = a->obs;
            a->obs = obs;
        } else {
            r->obs = NULL;
            free(obs->paths_json);
            free(obs);
        }
    } else {
        rc = tern_server_request(&a->srv, ep, op, &opts, on_resp, r, &h);
    }
    if (rc < 0) {
        char m[160];
        snprintf(m, sizeof m, rc == TERN_ENOTFOUND ? "no registered client \"%s\"" : "cannot send the request: %s",
                 rc == TERN_ENOTFOUND ? ep : tern_strerror(rc));
        rest_finish_error(r, http_of_err(rc), m);
        return;
    }
    r->handle = h;
    rest_kick_engines(a);
}

static jv *parse_body(rest_req *r, bool optional)
{
    if (!r->body_len) {
        if (!optional)
            rest_finish_error(r, 400, "a JSON body is required");
        return NULL;
    }
    const char *err = NULL;
    size_t off = 0;
    jv *v = jv_parse(r->body, r->body_len, &err, &off);
    if (!v) {
        char m[128];
        snprintf(m, sizeof m, "bad JSON at byte %zu: %s", off, err);
        rest_finish_error(r, 400, m);
    } else if (v->type != JV_OBJ) {
        jv_free(v);
        v = NULL;
        rest_finish_error(r, 400, "the body must be a JSON object");
    }
    return v;
}

/* Default payload format for writes: SenML CBOR for 1.1+, TLV for 1.0. */
static int32_t write_format(rest_app *a, const char *ep, int32_t asked)
{
    if (asked >= 0)
        return asked;
    const tern_server_reg *reg = tern_server_find(&a->srv, ep);
    return reg && reg->lwm2m_minor == 0 ? TERN_CF_TLV : TERN_CF_SENML_CBOR;
}

/* Encodes entries and starts op with the payload. */
static void start_with_payload(rest_req *r, const char *ep, tern_op *op, const tern_path *base, rest_entries *l,
                               rest_obs *obs)
{
    uint8_t *buf = malloc(REST_BODY_MAX);
    if (!buf) {
        rest_finish_error(r, 500, "out of memory");
        return;
    }
    int n = tern_server_encode(op->content_format, base, l->e, l->n, buf, REST_BODY_MAX);
    if (n < 0) {
        char m[128];
        snprintf(m, sizeof m, "cannot encode the values as %s: %s", tern_cf_name(op->content_format),
                 tern_strerror(n));
        rest_finish_error(r, 400, m);
        free(buf);
        return;
    }
    op->payload.ptr = buf;
    op->payload.len = (size_t)n;
    start(r, ep, op, obs);
    free(buf); /* the server copies the payload */
}

static void do_write(rest_req *r, const char *ep, const tern_path *path, int32_t cf)
{
    jv *b = parse_body(r, false);
    if (!b)
        return;
    rest_entries l = {0};
    const char *err;
    const jv *v = jv_get(b, "value");
    if (v) {
        const jv *t = jv_get(b, "type");
        err = rest_entries_add(&l, path, v, t && t->type == JV_STR ? t->s : NULL);
    } else {
        err = rest_entries_from_json(&l, jv_get(b, "values"), path);
    }
    if (err) {
        rest_finish_error(r, 400, err);
    } else {
        const char *mode = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "mode");
        tern_op op;
        tern_op_init(&op, mode && !strcmp(mode, "update") ? TERN_OPK_WRITE_UPDATE : TERN_OPK_WRITE_REPLACE);
        op.path = *path;
        op.content_format = write_format(r->app, ep, cf);
        start_with_payload(r, ep, &op, path, &l, NULL);
    }
    rest_entries_free(&l);
    jv_free(b);
}

static void do_create(rest_req *r, const char *ep, const tern_path *path, int32_t cf)
{
    jv *b = parse_body(r, false);
    if (!b)
        return;
    /* Relative paths go to a new instance: the lowest id the client does not list. */
    tern_path base = *path;
    const tern_server_reg *reg = tern_server_find(&r->app->srv, ep);
    uint16_t iid = 0;
    for (bool again = true; again && reg;) {
        again = false;
        for (uint16_t i = 0; i < reg->n_objs; i++)
            if (reg->objs[i].oid == path->ids[0] && reg->objs[i].iid == iid) {
                iid++;
                again = true;
            }
    }
    base.ids[1] = iid;
    base.len = 2;
    rest_entries l = {0};
    const char *err = rest_entries_from_json(&l, jv_get(b, "values"), &base);
    if (err) {
        rest_finish_error(r, 400, err);
    } else {
        tern_op op;
        tern_op_init(&op, TERN_OPK_CREATE);
        op.path = *path;
        op.content_format = write_format(r->app, ep, cf);
        start_with_payload(r, ep, &op, path, &l, NULL);
    }
    rest_entries_free(&l);
    jv_free(b);
}

static void do_exec(rest_req *r, const char *ep, const tern_path *path)
{
    jv *b = NULL;
    if (r->body_len) {
        b = parse_body(r, false);
        if (!b)
            return;
    }
    const jv *args = jv_get(b, "args");
    if (args && args->type != JV_STR) {
        jv_free(b);
        rest_finish_error(r, 400, "\"args\" must be a string");
        return;
    }
    tern_op op;
    tern_op_init(&op, TERN_OPK_EXECUTE);
    op.path = *path;
    if (args) {
        op.exec_args.ptr = (const uint8_t *)args->s;
        op.exec_args.len = args->slen;
        op.payload = op.exec_args;
    }
    start(r, ep, &op, NULL);
    jv_free(b);
}

typedef struct q_ctx {
    char buf[512];
    size_t len;
    bool over;
} q_ctx;

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    q_ctx *q = cls;
    int n = snprintf(q->buf + q->len, sizeof q->buf - q->len, "%s%s%s%s", q->len ? "&" : "", key,
                     value ? "=" : "", value ? value : "");
    if (n < 0 || (size_t)n >= sizeof q->buf - q->len)
        q->over = true;
    else
        q->len += (size_t)n;
    return MHD_YES;
}

static void do_attrs(rest_req *r, const char *ep, const tern_path *path)
{
    q_ctx q = {.len = 0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_query, &q);
    tern_op op;
    tern_op_init(&op, TERN_OPK_WRITE_ATTRS);
    op.path = *path;
    memset(&op.attrs, 0, sizeof op.attrs);
    if (q.over || !q.len || tern_attrs_parse_query(&op.attrs, q.buf, q.len) < 0) {
        rest_finish_error(r, 400, "bad or missing attributes (pmin, pmax, gt, lt, st, epmin, epmax, edge, con, hqmax)");
        return;
    }
    start(r, ep, &op, NULL);
}

static rest_obs *new_obs(rest_app *a, const char *ep, const char *paths_json)
{
    rest_obs *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->app = a;
    snprintf(o->endpoint, sizeof o->endpoint, "%s", ep);
    o->paths_json = strdup(paths_json);
    return o;
}

static void do_composite(rest_req *r, const char *ep, const char *what)
{
    jv *b = parse_body(r, false);
    if (!b)
        return;
    const jv *fmt = jv_get(b, "format");
    int32_t cf = TERN_CF_SENML_CBOR;
    if (fmt && (fmt->type != JV_STR || (cf = tern_cf_from_name(fmt->s)) < 0)) {
        jv_free(b);
        rest_finish_error(r, 400, "unknown \"format\"");
        return;
    }
    tern_path root = tern_path_root();
    rest_entries l = {0};
    const char *err = NULL;
    bool write = !strcmp(what, "write");
    bool observe = !strcmp(what, "observe");
    jw pj;
    jw_init(&pj);
    jw_arr(&pj);
    if (write) {
        err = rest_entries_from_json(&l, jv_get(b, "values"), &root);
    } else if (!strcmp(what, "read") || observe) {
        const jv *ps = jv_get(b, "paths");
        if (!ps || ps->type != JV_ARR || !ps->n)
            err = "\"paths\" must be a non-empty array";
        for (const jv *p = ps && !err ? ps->child : NULL; p && !err; p = p->next) {
            tern_path tp;
            if (p->type != JV_STR || tern_path_parse(&tp, p->s, p->slen) < 0)
                err = "bad path in \"paths\"";
            else {
                err = rest_entries_add_path(&l, &tp);
                jw_str(&pj, p->s);
            }
        }
        rest_entries_sort(&l);
    } else {
        err = "unknown composite operation (read, write, observe)";
    }
    jw_arr_end(&pj);
    char *paths = jw_take(&pj, NULL);
    if (err) {
        rest_finish_error(r, err[0] == 'u' ? 404 : 400, err);
    } else {
        tern_op op;
        tern_op_init(&op, write ? TERN_OPK_WRITE_COMPOSITE : observe ? TERN_OPK_OBSERVE_COMPOSITE : TERN_OPK_READ_COMPOSITE);
        op.content_format = cf;
        if (!write)
            op.accept = cf;
        rest_obs *o = observe ? new_obs(r->app, ep, paths ? paths : "[]") : NULL;
        if (observe && !o)
            rest_finish_error(r, 500, "out of memory");
        else
            start_with_payload(r, ep, &op, &root, &l, o);
    }
    free(paths);
    rest_entries_free(&l);
    jv_free(b);
}

/* /api/clients/{ep}/... */
static void client_route(rest_req *r, char *rest)
{
    rest_app *a = r->app;
    const char *m = r->method;
    char *slash = strchr(rest, '/');
    char *tail = NULL;
    if (slash) {
        *slash = 0;
        tail = slash + 1;
    }
    const char *ep = rest;
    if (!tail || !*tail) {
        const tern_server_reg *reg = tern_server_find(&a->srv, ep);
        if (strcmp(m, "GET") != 0) {
            rest_finish_error(r, 405, "method not allowed");
            return;
        }
        if (!reg) {
            rest_finish_error(r, 404, "no registered client with this endpoint name");
            return;
        }
        jw w;
        jw_init(&w);
        rest_client_json(a, &w, reg);
        finish_jw(r, 200, &w);
        return;
    }
    if (!strncmp(tail, "composite/", 10)) {
        if (strcmp(m, "POST") != 0) {
            rest_finish_error(r, 405, "method not allowed");
            return;
        }
        do_composite(r, ep, tail + 10);
        return;
    }
    /* {path}[/exec|/discover|/attributes|/observe] */
    char pbuf[96];
    snprintf(pbuf, sizeof pbuf, "/%s", tail);
    const char *action = "";
    char *last = strrchr(pbuf, '/');
    if (last && (!strcmp(last, "/exec") || !strcmp(last, "/discover") || !strcmp(last, "/attributes") ||
                 !strcmp(last, "/observe"))) {
        action = last + 1; /* "exec", ... (pbuf keeps it past the NUL) */
        *last = 0;
        if (!pbuf[0])
            snprintf(pbuf, sizeof pbuf, "/");
    }
    tern_path path;
    if (tern_path_parse(&path, pbuf, strlen(pbuf)) < 0) {
        rest_finish_error(r, 404, "not an LwM2M path (/O[/I[/R[/RI]]]) or operation");
        return;
    }
    bool badf;
    int32_t cf = req_format(r, &badf);
    if (badf) {
        rest_finish_error(r, 400, "unknown format (text, opaque, cbor, tlv, senml-json, senml-cbor, "
                                  "senml-etch-json, senml-etch-cbor, oma-json, lwm2m-cbor)");
        return;
    }
    tern_op op;
    if (!*action) {
        if (!strcmp(m, "GET")) {
            tern_op_init(&op, TERN_OPK_READ);
            op.path = path;
            op.accept = cf;
            start(r, ep, &op, NULL);
        } else if (!strcmp(m, "PUT")) {
            do_write(r, ep, &path, cf);
        } else if (!strcmp(m, "POST") && path.len == 1) {
            do_create(r, ep, &path, cf);
        } else if (!strcmp(m, "DELETE")) {
            tern_op_init(&op, TERN_OPK_DELETE);
            op.path = path;
            start(r, ep, &op, NULL);
        } else {
            rest_finish_error(r, 405, "method not allowed");
        }
    } else if (!strcmp(action, "exec") && !strcmp(m, "POST")) {
        do_exec(r, ep, &path);
    } else if (!strcmp(action, "discover") && !strcmp(m, "GET")) {
        tern_op_init(&op, TERN_OPK_DISCOVER);
        op.path = path;
        const char *d = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "depth");
        if (d) {
            if (d[0] < '0' || d[0] > '3' || d[1]) {
                rest_finish_error(r, 400, "depth must be 0..3");
                return;
            }
            op.depth = (int8_t)(d[0] - '0');
        }
        start(r, ep, &op, NULL);
    } else if (!strcmp(action, "attributes") && !strcmp(m, "PUT")) {
        do_attrs(r, ep, &path);
    } else if (!strcmp(action, "observe") && !strcmp(m, "POST")) {
        tern_op_init(&op, TERN_OPK_OBSERVE);
        op.path = path;
        op.accept = cf;
        char pj[64];
        snprintf(pj, sizeof pj, "[\"%s\"]", pbuf);
        rest_obs *o = new_obs(a, ep, pj);
        if (!o)
            rest_finish_error(r, 500, "out of memory");
        else
            start(r, ep, &op, o);
    } else {
        rest_finish_error(r, 405, "method not allowed");
    }
}

static void observations_route(rest_req *r, const char *id)
{
    rest_app *a = r->app;
    if (!*id) {
        if (strcmp(r->method, "GET") != 0) {
            rest_finish_error(r, 405, "method not allowed");
            return;
        }
        jw w;
        jw_init(&w);
        jw_obj(&w);
        jw_key(&w, "observations");
        jw_arr(&w);
        for (rest_obs *o = a->obs; o; o = o->next) {
            if (o->pending)
                continue;
            char b[24];
            snprintf(b, sizeof b, "%llu", (unsigned long long)o->handle);
            jw_obj(&w);
            jw_kstr(&w, "id", b);
            jw_kstr(&w, "endpoint", o->endpoint);
            jw_key(&w, "paths");
            jw_raw(&w, o->paths_json, strlen(o->paths_json));
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_obj_end(&w);
        finish_jw(r, 200, &w);
        return;
    }
    if (strcmp(r->method, "DELETE") != 0) {
        rest_finish_error(r, 405, "method not allowed");
        return;
    }
    unsigned long long h = strtoull(id, NULL, 10);
    for (rest_obs *o = a->obs; o; o = o->next)
        if (o->handle == h && !o->pending) {
            tern_server_cancel(&a->srv, o->handle, true);
            rest_kick_engines(a);
            jw w;
            jw_init(&w);
            jw_obj(&w);
            jw_kstr(&w, "id", id);
            jw_kbool(&w, "canceled", true);
            jw_obj_end(&w);
            finish_jw(r, 200, &w);
            return;
        }
    rest_finish_error(r, 404, "no such observation");
}

void rest_route(rest_req *r)
{
    char *url = strdup(r->url);
    if (!url) {
        rest_finish_error(r, 500, "out of memory");
        return;
    }
    size_t n = strlen(url);
    while (n > 1 && url[n - 1] == '/')
        url[--n] = 0;
    if (!strcmp(url, "/api/clients")) {
        if (strcmp(r->method, "GET") != 0)
            rest_finish_error(r, 405, "method not allowed");
        else
            list_clients(r);
    } else if (!strncmp(url, "/api/clients/", 13) && url[13]) {
        client_route(r, url + 13);
    } else if (!strcmp(url, "/api/observations")) {
        observations_route(r, "");
    } else if (!strncmp(url, "/api/observations/", 18)) {
        observations_route(r, url + 18);
    } else if (!strcmp(url, "/api/events")) {
        if (strcmp(r->method, "GET") != 0)
            rest_finish_error(r, 405, "method not allowed");
        else
            r->sse = true;
    } else if (!strcmp(url, "/api/bootstrap") || !strncmp(url, "/api/bootstrap/", 15)) {
        rest_bs_route(r, url + 14);
    } else {
        rest_finish_error(r, 404, "no such API path (see docs/api.md)");
    }
    free(url);
}
