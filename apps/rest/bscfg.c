/* tern-server — bootstrap configurations from the REST API (PUT
 * /api/bootstrap/{ep}) turned into tern_bs_config for the Bootstrap-Server
 * engine, persisted in the store (TERN_REC_BOOTSTRAP_CFG, version byte 1 +
 * the JSON), and the records of finished sessions. PSK keys are write-only:
 * GET answers re-serialise the JSON without them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest/app.h"
#include "rest/values.h"

#define BS_MAX_SERVERS 8
#define BS_MAX_WRITES 32

typedef struct bs_mem {
    tern_bs_security sec[BS_MAX_SERVERS + 1];
    tern_bs_server srv[BS_MAX_SERVERS];
    tern_bs_item items[2 * BS_MAX_SERVERS + 1 + BS_MAX_WRITES];
    char uri[BS_MAX_SERVERS + 1][256];
    char ident[BS_MAX_SERVERS + 1][128];
    uint8_t key[BS_MAX_SERVERS + 1][64];
    char binding[BS_MAX_SERVERS][8];
    rest_entries writes;
} bs_mem;

static void cfg_free(rest_bs_cfg *c)
{
    if (!c)
        return;
    bs_mem *m = c->mem;
    if (m) {
        rest_entries_free(&m->writes);
        free(m);
    }
    free(c->endpoint);
    free(c->json);
    free(c);
}

static void cfg_unref(rest_bs_cfg *c)
{
    if (c && --c->refs == 0)
        cfg_free(c);
}

/* One account: Security at /0/siid (+ Server at /1/k unless bootstrap). */
static const char *account(bs_mem *m, const jv *s, size_t k, bool bootstrap, tern_bs_security *sec)
{
    const jv *uri = jv_get(s, "uri"), *mode = jv_get(s, "security"), *id = jv_get(s, "psk_identity"),
             *key = jv_get(s, "psk_key");
    if (!uri || uri->type != JV_STR || uri->slen >= sizeof m->uri[0])
        return "each server needs a \"uri\"";
    memset(sec, 0, sizeof *sec);
    snprintf(m->uri[k], sizeof m->uri[k], "%s", uri->s);
    sec->uri = m->uri[k];
    sec->bootstrap_server = bootstrap;
    sec->ssid = -1;
    sec->hold_off = -1;
    sec->bs_timeout = -1;
    sec->cert_usage = -1;
    sec->mode = TERN_BS_SEC_NOSEC;
    if (mode && (mode->type != JV_STR || (strcmp(mode->s, "nosec") && strcmp(mode->s, "psk"))))
        return "\"security\" must be \"nosec\" or \"psk\"";
    if (mode && !strcmp(mode->s, "psk")) {
        sec->mode = TERN_BS_SEC_PSK;
        if (!id || id->type != JV_STR || id->slen >= sizeof m->ident[0] || !key || key->type != JV_STR)
            return "psk security needs \"psk_identity\" and \"psk_key\" (hex)";
        snprintf(m->ident[k], sizeof m->ident[k], "%s", id->s);
        long n = rest_hex_decode(key->s, m->key[k], sizeof m->key[k]);
        if (n <= 0)
            return "\"psk_key\" must be 1..64 bytes of hex";
        sec->identity = (tern_bytes){(const uint8_t *)m->ident[k], id->slen};
        sec->secret_key = (tern_bytes){m->key[k], (size_t)n};
    }
    return NULL;
}

static const char *build(rest_bs_cfg *c, const jv *root)
{
    bs_mem *m = calloc(1, sizeof *m);
    if (!m)
        return "out of memory";
    c->mem = m;
    size_t ni = 0;
    const jv *servers = jv_get(root, "servers"), *bsrv = jv_get(root, "bootstrap_server"),
             *writes = jv_get(root, "writes");
    if (!servers || servers->type != JV_ARR || !servers->n)
        return "\"servers\" must be a non-empty array";
    if (servers->n > BS_MAX_SERVERS)
        return "too many servers (at most 8)";
    if (bsrv && bsrv->type == JV_OBJ) {
        const char *e = account(m, bsrv, BS_MAX_SERVERS, true, &m->sec[BS_MAX_SERVERS]);
        if (e)
            return e;
        m->sec[BS_MAX_SERVERS].iid = 0;
        m->items[ni].kind = TERN_BS_ITEM_SECURITY;
        m->items[ni++].u.security = &m->sec[BS_MAX_SERVERS];
    }
    size_t k = 0;
    for (const jv *s = servers->child; s; s = s->next, k++) {
        if (s->type != JV_OBJ)
            return "each server must be an object";
        tern_bs_security *sec = &m->sec[k];
        const char *ae = account(m, s, k, false, sec);
        if (ae)
            return ae;
        const jv *ssid = jv_get(s, "ssid"), *lt = jv_get(s, "lifetime"), *b = jv_get(s, "binding");
        uint64_t v_ssid = 101 + k, v_lt = 300;
        if (ssid && (!jv_u64(ssid, &v_ssid) || v_ssid < 1 || v_ssid > 65534))
            return "\"ssid\" must be 1..65534";
        if (lt && (!jv_u64(lt, &v_lt) || v_lt > 0xFFFFFFFFu))
            return "bad \"lifetime\"";
        if (b && (b->type != JV_STR || b->slen >= sizeof m->binding[0] || !b->slen))
            return "bad \"binding\"";
        snprintf(m->binding[k], sizeof m->binding[k], "%s", b ? b->s : "U");
        sec->iid = (uint16_t)(k + 1);
        sec->ssid = (int32_t)v_ssid;
        tern_bs_server *sv = &m->srv[k];
        sv->iid = (uint16_t)k;
        sv->ssid = (uint16_t)v_ssid;
        sv->lifetime = (uint32_t)v_lt;
        sv->pmin = sv->pmax = sv->disable_timeout = -1;
        sv->binding = m->binding[k];
        m->items[ni].kind = TERN_BS_ITEM_SECURITY;
        m->items[ni++].u.security = sec;
        m->items[ni].kind = TERN_BS_ITEM_SERVER;
        m->items[ni++].u.server = sv;
    }
    if (writes) {
        if (writes->type != JV_ARR || writes->n > BS_MAX_WRITES)
            return "\"writes\" must be an array of at most 32 {\"path\",\"value\"}";
        tern_path top = tern_path_root();
        const char *we = rest_entries_from_json(&m->writes, writes, &top);
        if (we)
            return we;
        for (size_t i = 0; i < m->writes.n; i++) {
            tern_bs_item *it = &m->items[ni++];
            it->kind = TERN_BS_ITEM_WRITE;
            it->path = tern_path_make(2, m->writes.e[i].path.ids[0], m->writes.e[i].path.ids[1], 0, 0);
            it->u.write.entries = &m->writes.e[i];
            it->u.write.n = 1;
        }
    }
    c->cfg.endpoint = c->endpoint;
    c->cfg.steps = m->items;
    c->cfg.n_steps = ni;
    c->cfg.content_format = TERN_CF_NONE;
    return NULL;
}

static rest_bs_cfg *find(rest_app *a, const char *ep, size_t len)
{
    for (rest_bs_cfg *c = a->bs_cfgs; c; c = c->next)
        if (strlen(c->endpoint) == len && !memcmp(c->endpoint, ep, len))
            return c;
    return NULL;
}

static void unlink_cfg(rest_app *a, rest_bs_cfg *c)
{
    for (rest_bs_cfg **p = &a->bs_cfgs; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            cfg_unref(c);
            return;
        }
}

/* Parses and installs; NULL or an error message. */
static const char *install(rest_app *a, const char *ep, const char *json, size_t len, bool persist)
{
    const char *err = NULL;
    size_t off;
    jv *root = jv_parse(json, len, &err, &off);
    if (!root)
        return "bad JSON";
    if (root->type != JV_OBJ) {
        jv_free(root);
        return "the body must be a JSON object";
    }
    rest_bs_cfg *c = calloc(1, sizeof *c);
    if (!c) {
        jv_free(root);
        return "out of memory";
    }
    c->refs = 1;
    c->endpoint = strdup(ep);
    c->json = malloc(len + 1);
    if (!c->endpoint || !c->json) {
        cfg_free(c);
        jv_free(root);
        return "out of memory";
    }
    memcpy(c->json, json, len);
    c->json[len] = 0;
    err = build(c, root);
    jv_free(root);
    if (err) {
        cfg_free(c);
        return err;
    }
    if (persist && a->store.ops) {
        uint8_t *blob = malloc(len + 1);
        if (!blob) {
            cfg_free(c);
            return "out of memory";
        }
        blob[0] = 1;
        memcpy(blob + 1, json, len);
        int rc = a->store.ops->put(a->store.ctx, TERN_REC_BOOTSTRAP_CFG, (const uint8_t *)ep, strlen(ep), blob,
                                   len + 1);
        free(blob);
        if (rc < 0) {
            cfg_free(c);
            return "cannot store the configuration";
        }
    }
    rest_bs_cfg *old = find(a, ep, strlen(ep));
    if (old)
        unlink_cfg(a, old);
    c->next = a->bs_cfgs;
    a->bs_cfgs = c;
    return NULL;
}

static int load_one(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *blob, size_t blob_len)
{
    rest_app *a = ctx;
    if (blob_len < 1 || blob[0] != 1 || key_len > TERN_SERVER_EP_MAX)
        return 0;
    char ep[TERN_SERVER_EP_MAX + 1];
    memcpy(ep, key, key_len);
    ep[key_len] = 0;
    const char *e = install(a, ep, (const char *)blob + 1, blob_len - 1, false);
    if (e)
        fprintf(stderr, "tern-server: stored bootstrap configuration of %s ignored: %s\n", ep, e);
    return 0;
}

void rest_bs_load(rest_app *a)
{
    if (a->store.ops)
        a->store.ops->iterate(a->store.ctx, TERN_REC_BOOTSTRAP_CFG, load_one, a);
}

void rest_bs_free_all(rest_app *a)
{
    while (a->bs_cfgs)
        unlink_cfg(a, a->bs_cfgs);
    for (size_t i = 0; i < REST_BS_RECORDS; i++) {
        free(a->bs_recs[i].json);
        a->bs_recs[i].json = NULL;
    }
}

static int st_lookup(void *ctx, const char *ep, size_t len, const tern_coap_peer *peer, const tern_bs_config **out)
{
    (void)peer;
    rest_bs_cfg *c = find(ctx, ep, len);
    if (!c)
        return TERN_ENOTFOUND;
    c->refs++;
    *out = &c->cfg;
    return TERN_OK;
}

static void st_release(void *ctx, const tern_bs_config *cfg)
{
    (void)ctx;
    /* cfg is the first member's address inside rest_bs_cfg. */
    /* cfg is a member of its rest_bs_cfg, which lives while refs > 0. */
    uintptr_t at = (uintptr_t)cfg - offsetof(rest_bs_cfg, cfg);
    cfg_unref((rest_bs_cfg *)at);
}

tern_bs_store rest_bs_store(rest_app *a)
{
    return (tern_bs_store){st_lookup, st_release, a};
}

/* ---- session records ------------------------------------------------------------ */

static void record_json(jw *w, const tern_bs_record *rec)
{
    char b[64];
    jw_obj(w);
    jw_kstr(w, "endpoint", rec->endpoint);
    jw_kstr(w, "kind", rec->kind == TERN_BS_PACK ? "pack" : rec->kind == TERN_BS_SERVER_INITIATED ? "server-initiated"
                                                                                                 : "client-initiated");
    rest_iso_time(b, sizeof b, rec->start);
    jw_kstr(w, "start", b);
    rest_iso_time(b, sizeof b, rec->end);
    jw_kstr(w, "end", b);
    jw_kbool(w, "success", rec->success);
    jw_kstr(w, "reason", rec->reason ? rec->reason : (rec->success ? "" : tern_strerror(rec->err)));
    jw_key(w, "steps");
    jw_arr(w);
    for (size_t i = 0; i < rec->n_steps; i++) {
        const tern_bs_step_record *s = &rec->steps[i];
        jw_obj(w);
        jw_kstr(w, "op", tern_op_kind_name(s->op));
        tern_path_format(&s->path, b, sizeof b);
        jw_kstr(w, "path", b);
        if (s->coap_code) {
            snprintf(b, sizeof b, "%u.%02u", s->coap_code >> 5, s->coap_code & 31);
            jw_kstr(w, "code", b);
        }
        if (s->err)
            jw_kstr(w, "error", tern_strerror(s->err));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

void rest_bs_on_record(void *ctx, const tern_bs_record *rec)
{
    rest_app *a = ctx;
    jw w;
    jw_init(&w);
    record_json(&w, rec);
    size_t n = 0;
    char *s = jw_take(&w, &n);
    if (!s)
        return;
    rest_bs_rec *r = &a->bs_recs[a->bs_rec_next++ % REST_BS_RECORDS];
    free(r->json);
    r->json = s;
    r->used = true;
    rest_event_push(a, "bootstrap", s, n);
    fprintf(stderr, "tern-server: bootstrap of %s %s%s%s\n", rec->endpoint, rec->success ? "succeeded" : "failed",
            rec->success ? "" : ": ", rec->success ? "" : (rec->reason ? rec->reason : tern_strerror(rec->err)));
}

/* ---- REST: /api/bootstrap... ------------------------------------------------------- */

/* Copies a JSON tree, leaving out every "psk_key" member. */
static void redact(jw *w, const jv *v)
{
    switch (v->type) {
    case JV_OBJ:
        jw_obj(w);
        for (const jv *c = v->child; c; c = c->next) {
            if (!strcmp(c->key, "psk_key")) {
                jw_kbool(w, "psk_key_set", true);
                continue;
            }
            jw_key(w, c->key);
            redact(w, c);
        }
        jw_obj_end(w);
        break;
    case JV_ARR:
        jw_arr(w);
        for (const jv *c = v->child; c; c = c->next)
            redact(w, c);
        jw_arr_end(w);
        break;
    case JV_STR: jw_strn(w, v->s, v->slen); break;
    case JV_NUM: jw_raw(w, v->s, v->slen); break;
    case JV_BOOL: jw_bool(w, v->b); break;
    default: jw_null(w);
    }
}

static void cfg_json(jw *w, const rest_bs_cfg *c)
{
    jv *root = jv_parse(c->json, strlen(c->json), NULL, NULL);
    jw_obj(w);
    jw_kstr(w, "endpoint", c->endpoint);
    for (const jv *m = root ? root->child : NULL; m; m = m->next) {
        if (!strcmp(m->key, "endpoint") || !strcmp(m->key, "psk_key"))
            continue;
        jw_key(w, m->key);
        redact(w, m);
    }
    jw_obj_end(w);
    jv_free(root);
}

static void finish(rest_req *r, unsigned st, jw *w)
{
    size_t n = 0;
    char *s = jw_take(w, &n);
    if (s)
        rest_finish(r, st, s, n);
    else
        rest_finish_error(r, 500, "out of memory");
}

void rest_bs_route(rest_req *r, const char *rest)
{
    rest_app *a = r->app;
    const char *m = r->method;
    jw w;
    jw_init(&w);
    if (!*rest || !strcmp(rest, "/")) {
        if (strcmp(m, "GET") != 0) {
            rest_finish_error(r, 405, "method not allowed");
            return;
        }
        jw_obj(&w);
        jw_key(&w, "configs");
        jw_arr(&w);
        for (rest_bs_cfg *c = a->bs_cfgs; c; c = c->next)
            cfg_json(&w, c);
        jw_arr_end(&w);
        jw_obj_end(&w);
        finish(r, 200, &w);
        return;
    }
    const char *ep = rest + 1;
    if (!strcmp(ep, "sessions")) {
        if (strcmp(m, "GET") != 0) {
            rest_finish_error(r, 405, "method not allowed");
            return;
        }
        jw_obj(&w);
        jw_key(&w, "sessions");
        jw_arr(&w);
        for (unsigned i = 0; i < REST_BS_RECORDS; i++) {
            rest_bs_rec *x = &a->bs_recs[(a->bs_rec_next + i) % REST_BS_RECORDS];
            if (x->used && x->json)
                jw_raw(&w, x->json, strlen(x->json));
        }
        jw_arr_end(&w);
        jw_obj_end(&w);
        finish(r, 200, &w);
        return;
    }
    if (strchr(ep, '/') || strlen(ep) > TERN_SERVER_EP_MAX) {
        rest_finish_error(r, 404, "no such API path");
        return;
    }
    rest_bs_cfg *c = find(a, ep, strlen(ep));
    if (!strcmp(m, "GET")) {
        if (!c) {
            rest_finish_error(r, 404, "no bootstrap configuration for this endpoint");
            return;
        }
        cfg_json(&w, c);
        finish(r, 200, &w);
    } else if (!strcmp(m, "PUT")) {
        if (!r->body_len) {
            rest_finish_error(r, 400, "a JSON body is required");
            return;
        }
        const char *perr = NULL;
        size_t off = 0;
        jv *chk = jv_parse(r->body, r->body_len, &perr, &off);
        if (!chk) {
            char msg[128];
            snprintf(msg, sizeof msg, "bad JSON at byte %zu: %s", off, perr);
            rest_finish_error(r, 400, msg);
            return;
        }
        jv_free(chk);
        const char *e = install(a, ep, r->body, r->body_len, true);
        if (e) {
            rest_finish_error(r, 400, e);
            return;
        }
        cfg_json(&w, find(a, ep, strlen(ep)));
        finish(r, 200, &w);
    } else if (!strcmp(m, "DELETE")) {
        if (!c) {
            rest_finish_error(r, 404, "no bootstrap configuration for this endpoint");
            return;
        }
        if (a->store.ops)
            a->store.ops->del(a->store.ctx, TERN_REC_BOOTSTRAP_CFG, (const uint8_t *)ep, strlen(ep));
        unlink_cfg(a, c);
        jw_obj(&w);
        jw_kstr(&w, "endpoint", ep);
        jw_kbool(&w, "deleted", true);
        jw_obj_end(&w);
        finish(r, 200, &w);
    } else {
        rest_finish_error(r, 405, "method not allowed");
    }
}
