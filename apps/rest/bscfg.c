/* tern-server — bootstrap configurations from the REST API (PUT
 * /api/bootstrap/{ep}) turned into tern_bs_config for the Bootstrap-Server
 * engine, persisted in the store, and the records of finished sessions.
 * PSK keys are write-only: GET answers re-serialise the JSON without them.
 *
 * With the SQLite store (a->sql) a configuration is stored with
 * tern_store_sqlite_bs_put (its binary tern_bs_config record), the engine
 * looks configurations up through tern_store_sqlite_bs_iface, and at start
 * the REST view (JSON) is rebuilt from the stored records; session records
 * are appended to the store and GET /api/bootstrap/sessions reads them
 * back, so both survive a restart. With the memory store a configuration
 * is a TERN_REC_BOOTSTRAP_CFG record of version byte 1 + the JSON, and the
 * last REST_BS_RECORDS sessions are kept in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rest/app.h"
#include "rest/values.h"
#ifdef TERN_HAVE_SQLITE
#include "tern/store_sqlite.h"
#endif

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
#ifdef TERN_HAVE_SQLITE
    if (persist && a->sql) {
        int rc = tern_store_sqlite_bs_put(a->sql, &c->cfg);
        if (rc < 0) {
            fprintf(stderr, "tern-server: cannot store the bootstrap configuration of %s: %s\n", ep,
                    a->sql->errmsg);
            cfg_free(c);
            return "cannot store the configuration";
        }
        persist = false;
    }
#endif
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

#ifdef TERN_HAVE_SQLITE
/* The REST JSON of a configuration read back from the SQLite store: the
 * accounts and Writes that build() makes, keys included (they stay in
 * memory only; GET leaves them out). */
static void account_json(jw *w, const tern_bs_security *sec)
{
    jw_kstr(w, "uri", sec->uri ? sec->uri : "");
    if (sec->mode == TERN_BS_SEC_PSK) {
        jw_kstr(w, "security", "psk");
        jw_key(w, "psk_identity");
        jw_strn(w, (const char *)sec->identity.ptr, sec->identity.len);
        char *h = rest_hex(sec->secret_key.ptr, sec->secret_key.len);
        jw_kstr(w, "psk_key", h ? h : "");
        free(h);
    } else {
        jw_kstr(w, "security", "nosec");
    }
}

static char *sql_cfg_json(const tern_bs_config *c, size_t *len)
{
    jw w;
    jw_init(&w);
    jw_obj(&w);
    for (size_t i = 0; i < c->n_steps; i++) {
        const tern_bs_item *it = &c->steps[i];
        if (it->kind == TERN_BS_ITEM_SECURITY && it->u.security->bootstrap_server) {
            jw_key(&w, "bootstrap_server");
            jw_obj(&w);
            account_json(&w, it->u.security);
            jw_obj_end(&w);
        }
    }
    jw_key(&w, "servers");
    jw_arr(&w);
    for (size_t i = 0; i < c->n_steps; i++) {
        const tern_bs_item *it = &c->steps[i];
        if (it->kind != TERN_BS_ITEM_SECURITY || it->u.security->bootstrap_server)
            continue;
        const tern_bs_security *sec = it->u.security;
        jw_obj(&w);
        account_json(&w, sec);
        jw_ki64(&w, "ssid", sec->ssid);
        for (size_t k = 0; k < c->n_steps; k++) {
            const tern_bs_item *sv = &c->steps[k];
            if (sv->kind == TERN_BS_ITEM_SERVER && sv->u.server->ssid == sec->ssid) {
                jw_ki64(&w, "lifetime", sv->u.server->lifetime);
                jw_kstr(&w, "binding", sv->u.server->binding ? sv->u.server->binding : "U");
                break;
            }
        }
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    bool any = false;
    for (size_t i = 0; i < c->n_steps; i++) {
        const tern_bs_item *it = &c->steps[i];
        if (it->kind != TERN_BS_ITEM_WRITE)
            continue;
        if (!any) {
            jw_key(&w, "writes");
            jw_arr(&w);
            any = true;
        }
        for (size_t k = 0; k < it->u.write.n; k++) {
            const tern_entry *e = &it->u.write.entries[k];
            char b[64];
            tern_path_format(&e->path, b, sizeof b);
            jw_obj(&w);
            jw_kstr(&w, "path", b);
            const char *tn = rest_type_name(e->value.type);
            if (tn)
                jw_kstr(&w, "type", tn);
            jw_key(&w, "value");
            rest_write_value(&w, &e->value);
            jw_obj_end(&w);
        }
    }
    if (any)
        jw_arr_end(&w);
    jw_obj_end(&w);
    return jw_take(&w, len);
}

typedef struct key_list {
    char **ep;
    size_t n, cap;
} key_list;

static int collect_key(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *blob, size_t blob_len)
{
    (void)blob;
    (void)blob_len;
    key_list *l = ctx;
    if (key_len > TERN_SERVER_EP_MAX)
        return 0;
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 16;
        char **p = realloc(l->ep, nc * sizeof *p);
        if (!p)
            return TERN_ENOMEM;
        l->ep = p;
        l->cap = nc;
    }
    char *e = malloc(key_len + 1);
    if (!e)
        return TERN_ENOMEM;
    memcpy(e, key, key_len);
    e[key_len] = 0;
    l->ep[l->n++] = e;
    return 0;
}

static void sql_load(rest_app *a)
{
    key_list l = {0};
    tern_store st = tern_store_sqlite_as_store(a->sql);
    if (st.ops->iterate(st.ctx, TERN_REC_BOOTSTRAP_CFG, collect_key, &l) < 0)
        fprintf(stderr, "tern-server: cannot list the stored bootstrap configurations: %s\n", a->sql->errmsg);
    tern_bs_store bs = tern_store_sqlite_bs_iface(a->sql);
    for (size_t i = 0; i < l.n; i++) {
        const tern_bs_config *c = NULL;
        if (bs.lookup(bs.ctx, l.ep[i], strlen(l.ep[i]), NULL, &c) < 0 || !c) {
            fprintf(stderr, "tern-server: stored bootstrap configuration of %s ignored: %s\n", l.ep[i],
                    a->sql->errmsg);
        } else {
            size_t n = 0;
            char *json = sql_cfg_json(c, &n);
            const char *e = json ? install(a, l.ep[i], json, n, false) : "out of memory";
            if (e)
                fprintf(stderr, "tern-server: stored bootstrap configuration of %s ignored: %s\n", l.ep[i], e);
            if (json) {
                volatile char *v = json; /* holds the keys */
                for (size_t k = 0; k < n; k++)
                    v[k] = 0;
            }
            free(json);
            bs.release(bs.ctx, c);
        }
        free(l.ep[i]);
    }
    free(l.ep);
}
#endif

void rest_bs_load(rest_app *a)
{
#ifdef TERN_HAVE_SQLITE
    if (a->sql) {
        sql_load(a);
        return;
    }
#endif
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
#ifdef TERN_HAVE_SQLITE
    if (a->sql)
        return tern_store_sqlite_bs_iface(a->sql);
#endif
    return (tern_bs_store){st_lookup, st_release, a};
}

/* ---- session records ------------------------------------------------------------ */

static void wall_iso(char *out, size_t cap, int64_t wall)
{
    time_t s = (time_t)(wall / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* wall_end: the real time the session ended (ms since the epoch; a stored
 * record's start/end are another process's monotonic clock), 0: now. */
static void record_json(jw *w, const tern_bs_record *rec, int64_t seq, int64_t wall_end)
{
    char b[64];
    jw_obj(w);
    if (seq > 0)
        jw_ki64(w, "seq", seq);
    jw_kstr(w, "endpoint", rec->endpoint);
    jw_kstr(w, "kind", rec->kind == TERN_BS_PACK ? "pack" : rec->kind == TERN_BS_SERVER_INITIATED ? "server-initiated"
                                                                                                 : "client-initiated");
    if (wall_end > 0) {
        wall_iso(b, sizeof b, wall_end - (rec->end > rec->start ? rec->end - rec->start : 0));
        jw_kstr(w, "start", b);
        wall_iso(b, sizeof b, wall_end);
        jw_kstr(w, "end", b);
    } else {
        rest_iso_time(b, sizeof b, rec->start);
        jw_kstr(w, "start", b);
        rest_iso_time(b, sizeof b, rec->end);
        jw_kstr(w, "end", b);
    }
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
#ifdef TERN_HAVE_SQLITE
    if (a->sql && tern_store_sqlite_bs_append(a->sql, rec) < 0)
        fprintf(stderr, "tern-server: cannot store the bootstrap session of %s: %s\n", rec->endpoint,
                a->sql->errmsg);
#endif
    jw w;
    jw_init(&w);
    record_json(&w, rec, 0, 0);
    size_t n = 0;
    char *s = jw_take(&w, &n);
    if (!s)
        return;
    rest_event_push(a, "bootstrap", s, n);
    if (a->sql) {
        free(s);
    } else {
        rest_bs_rec *r = &a->bs_recs[a->bs_rec_next++ % REST_BS_RECORDS];
        free(r->json);
        r->json = s;
        r->used = true;
    }
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

#ifdef TERN_HAVE_SQLITE
/* GET /api/bootstrap/sessions on the SQLite store: the last REST_BS_RECORDS
 * records, oldest first. The walk starts after a->bs_seq_base (moved up as
 * records accumulate), so a long history is read once, not per request. */
typedef struct sess_walk {
    char *json[REST_BS_RECORDS];
    unsigned next, count;
    int64_t max_seq;
} sess_walk;

static int sess_visit(void *ctx, int64_t seq, int64_t wall_ms, const tern_bs_record *rec)
{
    sess_walk *sw = ctx;
    jw w;
    jw_init(&w);
    record_json(&w, rec, seq, wall_ms);
    size_t n = 0;
    char *s = jw_take(&w, &n);
    if (!s)
        return TERN_ENOMEM;
    unsigned i = sw->next++ % REST_BS_RECORDS;
    free(sw->json[i]);
    sw->json[i] = s;
    if (sw->count < REST_BS_RECORDS)
        sw->count++;
    sw->max_seq = seq;
    return 0;
}

static void sql_sessions(rest_req *r)
{
    rest_app *a = r->app;
    sess_walk sw;
    memset(&sw, 0, sizeof sw);
    int rc = tern_store_sqlite_bs_records(a->sql, a->bs_seq_base, 0, sess_visit, &sw);
    jw w;
    jw_init(&w);
    if (rc == 0) {
        jw_obj(&w);
        jw_key(&w, "sessions");
        jw_arr(&w);
        for (unsigned k = 0; k < sw.count; k++) {
            const char *s = sw.json[(sw.next - sw.count + k) % REST_BS_RECORDS];
            jw_raw(&w, s, strlen(s));
        }
        jw_arr_end(&w);
        jw_obj_end(&w);
        if (sw.max_seq - REST_BS_RECORDS > a->bs_seq_base)
            a->bs_seq_base = sw.max_seq - REST_BS_RECORDS;
    }
    for (unsigned k = 0; k < REST_BS_RECORDS; k++)
        free(sw.json[k]);
    if (rc != 0) {
        jw_free(&w);
        fprintf(stderr, "tern-server: cannot read the bootstrap sessions: %s\n", a->sql->errmsg);
        rest_finish_error(r, 500, "cannot read the bootstrap sessions from the store");
        return;
    }
    finish(r, 200, &w);
}
#endif

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
#ifdef TERN_HAVE_SQLITE
        if (a->sql) {
            sql_sessions(r);
            return;
        }
#endif
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
#ifdef TERN_HAVE_SQLITE
        if (a->sql) {
            int drc = tern_store_sqlite_bs_del(a->sql, ep);
            if (drc < 0 && drc != TERN_ENOTFOUND) {
                rest_finish_error(r, 500, "cannot delete the configuration from the store");
                return;
            }
        } else
#endif
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
