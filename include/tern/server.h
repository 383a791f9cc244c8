/* tern — the LwM2M Server engine: registration directory (Transport §6.2,
 * §6.4.3, Table 6.7.-2), asynchronous DM & SE and Information Reporting
 * requests toward registered clients (§6.4.4, §6.4.5), the observation
 * registry, Send reception (POST /dp), queue mode (§6.5) and persistence
 * through a tern_store.
 *
 * Like the other core layers it does no I/O and reads no clock; unlike the
 * client it allocates, through the caller's tern_alloc, because it holds
 * very many registrations. It works over a caller's tern_coap_ep:
 *
 *   tern_coap_ep_cfg ecfg = {..., .handler = tern_server_coap_handler, .handler_ctx = &srv};
 *   tern_coap_ep_init(&ep, &ecfg, mem, n);
 *   tern_server_cfg scfg = {.ep = &ep, .alloc = a, .store = st, ...};
 *   tern_server_init(&srv, &scfg);          // restores registrations from the store
 *   loop: feed the endpoint; next = min(tern_coap_ep_step(&ep, now), tern_server_step(&srv, now)).
 *
 * Callbacks may call tern_server_request/cancel, not init/deinit/step.
 */
#ifndef TERN_SERVER_H
#define TERN_SERVER_H

#include "tern/base.h"
#include "tern/coap_ep.h"
#include "tern/codec.h"
#include "tern/op.h"
#include "tern/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_server tern_server;
typedef uint64_t tern_server_handle; /* 0 is never valid */

/* Binding letters (Core §5.3.1.1 / Server object resource 7). */
enum {
    TERN_BIND_U = 1u << 0,
    TERN_BIND_M = 1u << 1,
    TERN_BIND_H = 1u << 2,
    TERN_BIND_T = 1u << 3,
    TERN_BIND_S = 1u << 4,
    TERN_BIND_N = 1u << 5,
};

#define TERN_SERVER_EP_MAX 255     /* longest endpoint name accepted */
#define TERN_SERVER_LT_DEFAULT 86400u /* Core §6.2.1: lt absent */

/* One link of the object list: /oid (iid = TERN_ID_INVALID) or /oid/iid,
 * with the object version when the link carried ver=. */
typedef struct tern_server_obj {
    uint16_t oid;
    uint16_t iid;
    uint8_t ver_major, ver_minor; /* 0.0 = not given */
} tern_server_obj;

/* A registration. Public fields are read-only for the application and
 * valid while the registration lives (until its DEREGISTERED / EXPIRED /
 * REPLACED event returns). */
typedef struct tern_server_reg {
    /* public, read-only */
    const char *ep;        /* endpoint name, NUL-terminated */
    const char *sms;       /* MSISDN or NULL */
    const char *alt_path;  /* alternate path ("/lwm2m") or NULL for "/" */
    const tern_server_obj *objs;
    uint16_t n_objs;
    uint8_t ep_len;
    uint8_t lwm2m_minor;   /* 1.x: 0, 1, 2 */
    uint8_t binding;       /* TERN_BIND_* */
    bool queue;            /* Q */
    int32_t ct;            /* ct= of the root link (preferred format), -1 */
    uint32_t lifetime_s;
    uint32_t id;           /* location "/rd/<id in hex>" */
    tern_coap_peer peer;
    tern_time_ms registered_at, updated_at, last_rx;
    /* private */
    struct tern_server_reg *next_ep, *next_id, *next_peer;
    tern_time_ms awake_until;
    uint32_t heap_idx;
    uint16_t var_len;      /* size of the variable block (names, links) */
    uint8_t q_len;         /* queued requests */
    bool awake;            /* queue mode: the client is reachable now */
    struct tern_srv_req_ *q_head, *q_tail, *inflight;
    struct tern_srv_obs_ *obs;
    void *var;
} tern_server_reg;

typedef enum tern_server_event {
    TERN_SRV_REGISTERED,
    TERN_SRV_UPDATED,
    TERN_SRV_DEREGISTERED,
    TERN_SRV_EXPIRED,   /* lifetime ran out (Core §6.2.1) */
    TERN_SRV_REPLACED,  /* a new Register with the same endpoint name */
    TERN_SRV_RESTORED,  /* loaded from the store at init */
    TERN_SRV_AWAKE,     /* queue mode: client reachable, queued requests go */
    TERN_SRV_SLEEPING,  /* queue mode: MAX_TRANSMIT_WAIT after its last message */
} tern_server_event;

/* What a Register/Update brought, before it is accepted (policy hook). */
typedef struct tern_server_reg_params {
    const char *ep;
    size_t ep_len;
    uint32_t lifetime_s;
    uint8_t lwm2m_minor;
    uint8_t binding;
    bool queue;
    const char *pid; /* Profile ID (Core 1.2), NULL when absent; not kept */
    size_t pid_len;
} tern_server_reg_params;

/* ---- request results ---------------------------------------------------------- */
typedef struct tern_server_resp {
    tern_server_handle handle;
    const tern_server_reg *reg; /* NULL after the registration went away */
    /* 0: the client answered (code below); < 0: TERN_ETIMEOUT (no answer /
     * queue deadline), TERN_ECANCELED (tern_server_cancel), TERN_ESTATE (the
     * client deregistered, expired or was replaced), TERN_ERESET, TERN_EFULL
     * (queue full later), TERN_ETOOBIG (response larger than cfg.max_body). */
    int err;
    uint8_t code;            /* tern_lwm2m_code (TERN_LC_NONE when err < 0) */
    uint8_t coap_code;
    int32_t content_format;  /* of the body, -1 */
    const uint8_t *body;     /* whole (reassembled) body; link format for Discover */
    size_t body_len;
    /* Decoded entries for Read / Read-Composite / Observe notifications
     * (allocator memory, valid during the callback). decode_err < 0 when
     * the body could not be decoded (then entries holds what decoded). */
    const tern_entry *entries;
    size_t n_entries;
    int decode_err;
    bool has_location;       /* Create: the new instance */
    tern_path location;
    bool notification;       /* Observe: a notification (or the first 2.05) */
    uint32_t observe_seq;
    bool final;              /* last callback for this handle */
} tern_server_resp;

typedef void (*tern_server_cb)(void *ctx, tern_server *srv, const tern_server_resp *resp);

typedef struct tern_server_req_opts {
    /* Give up (TERN_ETIMEOUT) when no answer this long after the call,
     * queue wait included; 0: cfg.request_timeout_ms (0 there: only CoAP's
     * own give-up). */
    uint32_t timeout_ms;
    bool non; /* Execute may go NON (Transport §6.8.1) */
} tern_server_req_opts;

/* ---- configuration -------------------------------------------------------------- */
typedef struct tern_server_cfg {
    tern_coap_ep *ep;   /* required; its handler calls tern_server_coap_handler */
    tern_alloc alloc;   /* required */
    tern_store store;   /* optional (ops NULL: nothing persisted) */
    tern_log log;
    tern_rng rng;       /* location ids (required) */

    void (*on_event)(void *ctx, tern_server *srv, tern_server_event ev, const tern_server_reg *reg);
    /* Admission (Table 6.7.-2): return TERN_LC_NONE to accept, or
     * TERN_LC_FORBIDDEN / TERN_LC_BAD_REQUEST (e.g. name ≠ certificate CN)
     * to refuse. NULL: accept everyone. */
    int (*policy)(void *ctx, const tern_server_reg_params *p, const tern_coap_peer *peer);
    /* Send (POST /dp): the decoded entries of a registered client. Return
     * TERN_LC_NONE to answer 2.04, or a Table 6.7.-4 code. */
    int (*on_send)(void *ctx, tern_server *srv, const tern_server_reg *reg, int32_t cf, const tern_entry *e,
                   size_t n);
    /* Notifications of restored observations that have no subscriber. */
    tern_server_cb on_orphan_notify;
    void *cb_ctx;

    /* Type model for decoding (NULL: tern_registry_std()). */
    const tern_registry *model;

    uint32_t max_registrations; /* 0: no limit (memory is the limit) */
    uint16_t max_links;         /* (512) links in a Register/Update payload */
    uint16_t max_payload;       /* (16384) Register/Update/Send body bytes */
    uint8_t max_queue;          /* (16) queued requests per Q client */
    uint32_t max_body;          /* (16384) response body reassembly per request */
    uint32_t request_timeout_ms;/* default per-request deadline, 0: none */
    uint32_t min_lifetime_s;    /* (1) smaller lt → 4.00 */
    uint32_t max_lifetime_s;    /* (2^31 - 1) larger lt → 4.00 */
    /* LwM2M 1.3+ (same major): accept as 1.2 instead of 4.12. */
    bool accept_newer_minor;
} tern_server_cfg;

/* ---- the server struct: caller-allocated, fields private ---------------------------- */
struct tern_server {
    tern_server_cfg cfg;
    tern_time_ms now;
    tern_server_reg **by_ep, **by_id, **by_peer; /* chained hash tables */
    uint32_t n_buckets;
    uint32_t count;
    tern_server_reg **heap; /* min-heap on expiry */
    uint32_t heap_len, heap_cap;
    struct tern_srv_req_ **reqs; /* request handles (chained by handle) */
    uint32_t n_req_buckets;
    uint32_t n_reqs;
    uint64_t next_handle;
    uint64_t next_rec;
    size_t mem_used; /* bytes allocated through cfg.alloc */
    struct tern_srv_partial_ *partials; /* Block1 bodies being received */
    uint32_t n_partials;
    struct tern_srv_req_ *dl_head;      /* requests with a deadline */
    struct tern_srv_obs_ *restored;     /* restored observations of unknown clients */
    bool in_step;
};

/* Restores registrations (and observations) from cfg.store; a restored
 * registration gets a full lifetime from `now` (monotonic clocks do not
 * survive a restart; a client is never expired early because of one). */
int tern_server_init(tern_server *srv, const tern_server_cfg *cfg, tern_time_ms now);
/* Fails every request (TERN_ECANCELED) and frees everything; the store is
 * left as it is (a restart restores from it). */
void tern_server_deinit(tern_server *srv);
/* Expiries, queue deadlines, sleep detection; returns the next deadline. */
tern_time_ms tern_server_step(tern_server *srv, tern_time_ms now);

/* The CoAP handler: /rd (Register, Update, De-register), /dp (Send). Set it
 * as the endpoint's handler with handler_ctx = the server. */
int tern_server_coap_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp);

/* Lookups (NULL when unknown). */
const tern_server_reg *tern_server_find(const tern_server *srv, const char *ep);
const tern_server_reg *tern_server_find_id(const tern_server *srv, uint32_t id);
uint32_t tern_server_count(const tern_server *srv);
/* Calls fn for each registration (order unspecified). */
void tern_server_each(tern_server *srv, void (*fn)(void *ctx, const tern_server_reg *reg), void *ctx);
/* Bytes held for one registration (struct + variable block). */
size_t tern_server_reg_mem(const tern_server_reg *reg);

/* Sends an operation to the client registered as `ep` (Transport §6.4.4,
 * §6.4.5): Read, Discover (op.depth), Write-Replace/-Update (op.payload in
 * op.content_format), Write-Attributes (op.attrs), Execute (op.exec_args),
 * Create, Delete, Read-/Write-Composite (payload: the paths / values in a
 * SenML or LwM2M CBOR format), Observe / Observe-Composite (the handle
 * stays alive for notifications; an identical observation already active
 * gains a subscriber instead of a second CoAP observation), and
 * Cancel-Observe(-Composite) which actively cancels the matching
 * observation. The payload is copied. Accept: op.accept, else by the
 * client's version (1.0: TLV; 1.1+: SenML CBOR, LwM2M CBOR if the client
 * announced ct=11544). The path gets the client's alternate path prefix.
 * A Q client's requests wait in its queue (max_queue, else TERN_EFULL)
 * and go one at a time while it is awake. Errors now: TERN_ENOTFOUND (no
 * such client), TERN_EINVAL, TERN_EFULL, TERN_ENOMEM; otherwise the
 * callback is called later, with final = true exactly once. */
int tern_server_request(tern_server *srv, const char *ep, const tern_op *op, const tern_server_req_opts *opts,
                        tern_server_cb cb, void *ctx, tern_server_handle *handle);
/* Cancels a queued or in-flight request (callback: TERN_ECANCELED) or
 * unsubscribes from an observation; the last subscriber's leaving cancels
 * the observation at the client (GET/FETCH with Observe = 1 when `active`,
 * else forgets it: the next notification is answered with RST). */
int tern_server_cancel(tern_server *srv, tern_server_handle handle, bool active);

/* Helper: encodes entries in cf (SenML CBOR/JSON, LwM2M CBOR, TLV, ...)
 * for a Write / Create / Write-Composite payload or composite paths
 * (TERN_ENTRY_PATH_ONLY entries). Returns the length or a tern_err. */
int tern_server_encode(int32_t cf, const tern_path *base, const tern_entry *e, size_t n, uint8_t *out, size_t cap);

/* ---- registration records (the store blob) ---------------------------------------- */
/* Serialises a registration (version byte 1); returns the length or
 * TERN_ENOMEM. */
int tern_server_reg_encode(const tern_server_reg *reg, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* TERN_SERVER_H */
