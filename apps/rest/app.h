/* tern-server — the process state shared by the REST layer and main():
 * one epoll loop, the LwM2M Server and Bootstrap-Server engines on their
 * CoAP endpoints, the HTTP daemon (libmicrohttpd, external polling in the
 * same loop), the event ring for SSE and the bootstrap configurations.
 * Everything is single-threaded; main() owns the one app struct. */
#ifndef TERN_REST_APP_H
#define TERN_REST_APP_H

#include <microhttpd.h>

#include "rest/json.h"
#include "tern/bootstrap.h"
#include "tern/posix.h"
#include "tern/server.h"
#include "tern/store.h"

#define REST_RING 256        /* events kept for /api/events */
#define REST_BODY_MAX 65536  /* largest request body */
#define REST_BS_RECORDS 64   /* bootstrap sessions kept */

typedef struct rest_app rest_app;

/* One HTTP request in flight (MHD's per-connection context). */
typedef struct rest_req {
    rest_app *app;
    struct MHD_Connection *conn;
    char method[8];
    char *url;
    char *body;
    size_t body_len, body_cap;
    bool body_too_big;
    bool started, suspended;
    /* answer ready to queue when the connection is resumed */
    bool ready;
    unsigned status;
    char *resp;
    size_t resp_len;
    /* LwM2M request waiting for the client */
    tern_server_handle handle;
    int32_t req_format;
    uint8_t op_kind;
    struct rest_obs *obs; /* observe: the observation being set up */
    /* SSE */
    bool sse;
    uint64_t sse_seq;
    size_t sse_off;
    struct rest_req *sse_link;
    bool sse_closed;
} rest_req;

typedef struct rest_event {
    uint64_t seq;
    char *text; /* "event: kind\ndata: {...}\n\n" */
    size_t len;
} rest_event;

typedef struct rest_obs {
    struct rest_obs *next;
    tern_server_handle handle;
    char endpoint[TERN_SERVER_EP_MAX + 1];
    char *paths_json; /* ["/3/0",...] */
    rest_app *app;
    rest_req *pending; /* the POST .../observe waiting for its first answer */
} rest_obs;

typedef struct rest_bs_cfg {
    struct rest_bs_cfg *next;
    char *endpoint;
    char *json;          /* as stored (psk keys included: never returned) */
    tern_bs_config cfg;  /* built from json */
    void *mem;           /* everything cfg points into */
    unsigned refs;       /* sessions using it + 1 while listed */
} rest_bs_cfg;

typedef struct rest_bs_rec {
    bool used;
    char *json; /* the session as JSON (no secrets) */
} rest_bs_rec;

struct rest_app {
    tern_loop loop;
    /* LwM2M Server */
    tern_udp srv_sock;
    tern_coap_ep srv_ep;
    void *srv_ep_mem;
    tern_coap_udp srv_run;
    tern_server srv;
    tern_timer srv_timer;
    /* Bootstrap-Server */
    bool bs_on;
    tern_udp bs_sock;
    tern_coap_ep bs_ep;
    void *bs_ep_mem;
    tern_coap_udp bs_run;
    tern_bs bs;
    void *bs_mem;
    tern_timer bs_timer;
    rest_bs_cfg *bs_cfgs;
    rest_bs_rec bs_recs[REST_BS_RECORDS];
    unsigned bs_rec_next;
    /* store */
    tern_store store;
    /* The SQLite store when tern-server runs on it (NULL: memory store).
     * Bootstrap configurations then go through its bootstrap interface
     * (tern_store_sqlite_bs_put/_del/_iface) and session records are
     * appended to it and read back for GET /api/bootstrap/sessions. */
    struct tern_store_sqlite *sql;
    int64_t bs_seq_base; /* sessions: records with seq <= this are older than the last REST_BS_RECORDS */
    /* HTTP */
    struct MHD_Daemon *mhd;
    tern_io mhd_io;
    tern_timer mhd_timer;
    bool need_token;
    char token[80];
    uint32_t request_timeout_ms;
    /* events */
    rest_event ring[REST_RING];
    uint64_t next_seq;
    rest_req *sse_conns;
    rest_obs *obs;
    int verbose;
    bool stopping;
};

/* http.c */
int rest_http_start(rest_app *a, const char *addr, uint16_t port);
void rest_http_stop(rest_app *a);
/* Completes a suspended request with status + JSON body (takes `json`). */
void rest_finish(rest_req *r, unsigned status, char *json, size_t len);
void rest_finish_error(rest_req *r, unsigned status, const char *msg);
/* Appends an event to the ring and wakes SSE streams. `data` is JSON. */
void rest_event_push(rest_app *a, const char *kind, const char *data, size_t len);
/* Re-arms the HTTP timer after a resume / outside MHD callbacks. */
void rest_http_kick(rest_app *a);

/* api.c: routes one complete request; returns via rest_finish (now or later). */
void rest_route(rest_req *r);
/* Cancels what a request that goes away still waits for. */
void rest_req_abandon(rest_req *r);
/* Engine hooks (set in tern_server_cfg by main). */
void rest_on_event(void *ctx, tern_server *srv, tern_server_event ev, const tern_server_reg *reg);
int rest_on_send(void *ctx, tern_server *srv, const tern_server_reg *reg, int32_t cf, const tern_entry *e, size_t n);
void rest_kick_engines(rest_app *a);
void rest_client_json(rest_app *a, jw *w, const tern_server_reg *reg);

/* bscfg.c: bootstrap configurations and session records. */
tern_bs_store rest_bs_store(rest_app *a);
void rest_bs_on_record(void *ctx, const tern_bs_record *rec);
void rest_bs_load(rest_app *a);
void rest_bs_free_all(rest_app *a);
void rest_bs_route(rest_req *r, const char *rest); /* /api/bootstrap... */

/* wall-clock ISO 8601 of a monotonic instant */
void rest_iso_time(char *out, size_t cap, tern_time_ms mono);

#endif
