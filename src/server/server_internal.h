/* tern — LwM2M Server engine internals shared by the files of src/server. */
#ifndef TERN_SERVER_INTERNAL_H
#define TERN_SERVER_INTERNAL_H

#include "tern/server.h"

/* What a server-side request (or observation subscriber) is doing. */
enum { SRQ_QUEUED = 1, SRQ_INFLIGHT, SRQ_SUBSCRIBED };

typedef struct tern_srv_obs_ tern_srv_obs;

typedef struct tern_srv_req_ {
    tern_server *srv;
    struct tern_srv_req_ *next_h;   /* handle hash chain */
    struct tern_srv_req_ *next_q;   /* registration queue / observation subscribers */
    struct tern_srv_req_ *next_dl, *prev_dl; /* list of requests with a deadline */
    tern_server_reg *reg;
    tern_srv_obs *obs;              /* observation this request created or joined */
    tern_server_handle h;
    tern_server_cb cb;
    void *ctx;
    tern_coap_handle coap;
    tern_time_ms deadline;
    uint8_t state;
    bool non;
    bool on_dl;
    int fail_err;                   /* error to report instead of ECANCELED */
    tern_op op;                     /* payload views into `payload` */
    uint8_t *payload;
    size_t payload_len;
    uint8_t *resp_buf;              /* Block2 reassembly while in flight */
    size_t resp_cap;
} tern_srv_req;

/* One observation at one client, shared by its subscribers. */
struct tern_srv_obs_ {
    tern_server *srv;
    tern_srv_obs *next;             /* in the registration's list */
    tern_server_reg *reg;
    tern_srv_req *subs;             /* subscribers (SRQ_SUBSCRIBED or the first, in flight) */
    tern_coap_handle coap;
    uint64_t rec_id;                /* store key suffix */
    uint8_t kind;                   /* TERN_OPK_OBSERVE / _COMPOSITE */
    bool established;               /* the client answered 2.05 */
    bool dormant;                   /* restored from the store: re-sent on the next contact */
    int fail_err;
    int32_t accept;
    tern_path path;
    uint8_t *payload;               /* composite: the paths document */
    size_t payload_len;
    int32_t payload_cf;
    uint8_t *resp_buf;
    size_t resp_cap;
};

/* registry.c */
void *tern_srv_alloc(tern_server *srv, size_t n);
void tern_srv_free(tern_server *srv, void *p, size_t n);
tern_server_reg *tern_srv_find_peer(tern_server *srv, const tern_coap_peer *peer);
tern_server_reg *tern_srv_find_ep(const tern_server *srv, const char *ep, size_t len);
void tern_srv_heap_fix(tern_server *srv, tern_server_reg *reg);
void tern_srv_event(tern_server *srv, tern_server_event ev, const tern_server_reg *reg);
/* The registration showed it is reachable (queue mode). */
void tern_srv_seen(tern_server *srv, tern_server_reg *reg);
tern_time_ms tern_srv_reg_deadline(const tern_server *srv, const tern_server_reg *reg);

/* requests.c */
/* Fails every request and observation of reg with err (ESTATE on removal). */
void tern_srv_reg_drop_requests(tern_server *srv, tern_server_reg *reg, int err);
/* Sends queued requests if the client may be reached. */
void tern_srv_kick(tern_server *srv, tern_server_reg *reg);
tern_time_ms tern_srv_requests_step(tern_server *srv, tern_time_ms now);
/* A whole body decoded into entries in allocator memory (string values
 * copied). Free with tern_srv_decoded_free, also after an error. */
typedef struct tern_srv_decoded {
    tern_entry *entries;
    size_t n, cap;
    uint8_t *blk;
    size_t blk_len;
} tern_srv_decoded;
int tern_srv_decode(tern_server *srv, int32_t cf, const tern_path *base, const uint8_t *body, size_t len,
                    tern_srv_decoded *out);
void tern_srv_decoded_free(tern_server *srv, tern_srv_decoded *d);
void tern_srv_reqs_deinit(tern_server *srv);

void tern_srv_obs_free(tern_server *srv, tern_srv_obs *o);

/* observe.c */
void tern_srv_obs_persist(tern_server *srv, tern_srv_obs *o);
void tern_srv_obs_unpersist(tern_server *srv, tern_srv_obs *o);
int tern_srv_obs_restore(tern_server *srv);
void tern_srv_obs_reestablish(tern_server *srv, tern_server_reg *reg);

/* send.c */
int tern_srv_handle_send(tern_server *srv, const tern_coap_server_req *req, const uint8_t *body, size_t len,
                         tern_coap_response *resp);

/* binding/coap_server.c (declared in binding/coap_server.h) */

#endif
