/* tern — LwM2M Bootstrap-Server engine (Core 1.2 §6.1, §5.2.7; Transport
 * §6.4.2, Table 6.7.-1).
 *
 * The engine keeps per-endpoint bootstrap configurations (looked up through a
 * store interface), answers Bootstrap-Request (POST /bs?ep=..&pct=..) and
 * Bootstrap-Pack-Request (GET /bspack?ep=..), and runs bootstrap sessions
 * toward devices as a CoAP client: optional Bootstrap-Discover / -Read,
 * Bootstrap-Delete, Bootstrap-Writes of Security, Server, ACL and any other
 * object instances, then Bootstrap-Finish. Server-initiated bootstrap runs the
 * same session toward a device that did not ask (tern_bs_start). Every
 * session's outcome is handed to a record callback.
 *
 * Sans-I/O like the other engines: no clock (time comes in), no socket, no
 * allocation, no global state. The engine borrows a tern_coap_ep for both
 * roles: install tern_bs_coap_handler as the endpoint's handler (ctx = the
 * engine) and call tern_bs_step() whenever the endpoint is stepped:
 *
 *   ep_cfg.handler = tern_bs_coap_handler; ep_cfg.handler_ctx = &bs;
 *   tern_coap_ep_init(&ep, &ep_cfg, ep_mem, ...);
 *   tern_bs_init(&bs, &bs_cfg, bs_mem, tern_bs_mem_size(&bs_cfg));
 *   loop: feed datagrams to the endpoint; then
 *         next = min(tern_coap_ep_step(&ep, now), tern_bs_step(&bs, now));
 *
 * A session starts on the tern_bs_step() call after the Bootstrap-Request
 * was answered (so the 2.04 leaves before the first Bootstrap-Delete).
 *
 * Secrets (PSK keys, private keys) are held as views into the caller's
 * configuration and are never passed to a log hook or a record.
 */
#ifndef TERN_BOOTSTRAP_H
#define TERN_BOOTSTRAP_H

#include "tern/base.h"
#include "tern/codec.h"
#include "tern/coap_ep.h"
#include "tern/model.h"
#include "tern/op.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- configuration content ------------------------------------------------
 * All pointers are borrowed from the store: they must stay valid from the
 * store's lookup() until its release() (which the engine calls when the
 * session that uses them ends). */

/* Security Mode resource /0/x/2 (Core E.1). */
typedef enum tern_bs_sec_mode {
    TERN_BS_SEC_PSK = 0,
    TERN_BS_SEC_RPK = 1,
    TERN_BS_SEC_X509 = 2,
    TERN_BS_SEC_NOSEC = 3,
    TERN_BS_SEC_EST = 4,
} tern_bs_sec_mode;

/* One LwM2M Security Object (/0) instance. Optional numbers are written only
 * when >= 0; optional strings/bytes only when non-NULL / len > 0. */
typedef struct tern_bs_security {
    uint16_t iid;
    const char *uri;        /* /0/x/0 LwM2M Server URI (required) */
    bool bootstrap_server;  /* /0/x/1 */
    uint8_t mode;           /* /0/x/2 tern_bs_sec_mode */
    tern_bytes identity;    /* /0/x/3 Public Key or Identity (PSK identity, RPK, certificate) */
    tern_bytes server_key;  /* /0/x/4 Server Public Key */
    tern_bytes secret_key;  /* /0/x/5 Secret Key — never logged */
    int32_t ssid;           /* /0/x/10 Short Server ID (-1: omit, e.g. a Bootstrap-Server account) */
    int64_t hold_off;       /* /0/x/11 Client Hold Off Time, s (-1: omit) */
    int64_t bs_timeout;     /* /0/x/12 Bootstrap-Server Account Timeout, s (-1: omit) */
    const char *sni;        /* /0/x/14 SNI (NULL: omit) */
    int32_t cert_usage;     /* /0/x/15 Certificate Usage 0..3 (-1: omit) */
} tern_bs_security;

/* One LwM2M Server Object (/1) instance. */
typedef struct tern_bs_server {
    uint16_t iid;
    uint16_t ssid;          /* /1/x/0 */
    uint32_t lifetime;      /* /1/x/1, s */
    int64_t pmin;           /* /1/x/2 Default Minimum Period (-1: omit) */
    int64_t pmax;           /* /1/x/3 Default Maximum Period (-1: omit) */
    int64_t disable_timeout;/* /1/x/5 (-1: omit) */
    bool notif_storing;     /* /1/x/6 Notification Storing When Disabled or Offline */
    const char *binding;    /* /1/x/7 ("U", "UQ", "T", ...; required) */
} tern_bs_server;

/* One Access Control Object (/2) instance. */
typedef struct tern_bs_acl_entry {
    uint16_t ssid;   /* /2/x/2/<ssid>; 0 = default for servers without their own entry */
    uint16_t rights; /* bit 0 Read/Observe/Discover/Write-Attributes, 1 Write, 2 Execute, 3 Delete, 4 Create */
} tern_bs_acl_entry;

typedef struct tern_bs_acl {
    uint16_t iid;
    uint16_t oid;                     /* /2/x/0 Object ID */
    uint16_t oiid;                    /* /2/x/1 Object Instance ID (65535: the object, for Create) */
    const tern_bs_acl_entry *entries; /* /2/x/2 ACL, sorted by ssid */
    size_t n_entries;
    uint16_t owner;                   /* /2/x/3 Access Control Owner */
} tern_bs_acl;

typedef enum tern_bs_item_kind {
    TERN_BS_ITEM_DISCOVER = 1, /* Bootstrap-Discover of `path` (root or object) */
    TERN_BS_ITEM_READ,         /* Bootstrap-Read of /1 or /2 (or one instance) */
    TERN_BS_ITEM_DELETE,       /* Bootstrap-Delete of `path` (root, object or instance) */
    TERN_BS_ITEM_SECURITY,     /* Bootstrap-Write of u.security at /0/iid */
    TERN_BS_ITEM_SERVER,       /* Bootstrap-Write of u.server at /1/iid */
    TERN_BS_ITEM_ACL,          /* Bootstrap-Write of u.acl at /2/iid */
    TERN_BS_ITEM_WRITE,        /* Bootstrap-Write of u.write.entries at `path` */
} tern_bs_item_kind;

typedef struct tern_bs_item {
    uint8_t kind;   /* tern_bs_item_kind */
    tern_path path; /* DISCOVER/READ/DELETE/WRITE target; ignored for SECURITY/SERVER/ACL */
    union {
        const tern_bs_security *security;
        const tern_bs_server *server;
        const tern_bs_acl *acl;
        struct {
            /* Entries with full paths under `path`, in tern_path_cmp order;
             * values are views that live as long as the configuration. */
            const tern_entry *entries;
            size_t n;
        } write;
    } u;
} tern_bs_item;

/* A device's bootstrap configuration: ordered steps, then Bootstrap-Finish.
 * Unless `no_default_delete`, a configuration without any DELETE step gets
 * Bootstrap-Delete "/" before its first write (Core §6.1.7: delete all but the
 * Bootstrap-Server account and the Device object). */
typedef struct tern_bs_config {
    const char *endpoint;     /* Endpoint Client Name */
    const tern_bs_item *steps;
    size_t n_steps;
    bool no_default_delete;
    /* Write format when the client gave no pct: TERN_CF_NONE picks by
     * `lwm2m_version` (or the lwm2m= attribute a Bootstrap-Discover of "/"
     * returned): "1.0"/"1.1"/unknown → TLV, "1.2" → SenML CBOR. */
    int32_t content_format;
    const char *lwm2m_version; /* "1.0", "1.1", "1.2" or NULL */
} tern_bs_config;

/* Number of entries a step writes (0 for non-write steps) and the k-th of
 * them (TERN_DONE past the end). Views point into the configuration. */
size_t tern_bs_item_entry_count(const tern_bs_item *s);
int tern_bs_item_entry(const tern_bs_item *s, size_t k, tern_entry *out);
/* The path a step targets (SECURITY → /0/iid, ...). */
tern_path tern_bs_item_path(const tern_bs_item *s);

/* ---- store: configurations by endpoint name ------------------------------------ */
typedef struct tern_bs_store {
    /* Finds the configuration of `ep` (len bytes, not NUL-terminated) for a
     * request from `peer` (NULL for server-initiated sessions and packs: a
     * store may check the peer's authenticated identity). Returns TERN_OK
     * and *out, TERN_ENOTFOUND (unknown endpoint), TERN_EPERM (not allowed
     * for this peer) or another error. *out stays valid until release(). */
    int (*lookup)(void *ctx, const char *ep, size_t len, const tern_coap_peer *peer, const tern_bs_config **out);
    void (*release)(void *ctx, const tern_bs_config *cfg); /* may be NULL */
    void *ctx;
} tern_bs_store;

/* In-memory store (src/bootstrap/bs_config_mem.c): an array of configuration
 * pointers owned by the caller, searched by endpoint name. */
typedef struct tern_bs_mem_store {
    const tern_bs_config *const *configs;
    size_t count;
} tern_bs_mem_store;
tern_bs_store tern_bs_mem_store_iface(tern_bs_mem_store *ms);

/* ---- session records ---------------------------------------------------------------- */
#define TERN_BS_MAX_STEP_RECORDS 32

typedef struct tern_bs_step_record {
    uint8_t op;         /* tern_op_kind (TERN_OPK_BOOTSTRAP_*) */
    tern_path path;
    uint8_t coap_code;  /* response code, 0 if none */
    int err;            /* 0, or TERN_ETIMEOUT / TERN_ERESET / ... */
    tern_time_ms at;    /* when the answer (or failure) arrived */
} tern_bs_step_record;

typedef enum tern_bs_kind {
    TERN_BS_CLIENT_INITIATED = 0,
    TERN_BS_SERVER_INITIATED = 1,
    TERN_BS_PACK = 2,
} tern_bs_kind;

/* Everything points into engine memory and lives during the callback. */
typedef struct tern_bs_record {
    const char *endpoint;
    const tern_coap_peer *peer;
    uint8_t kind;               /* tern_bs_kind */
    tern_time_ms start, end;
    bool success;
    int err;                    /* 0 on success, else why (TERN_ETIMEOUT, TERN_EPERM, ...) */
    const char *reason;         /* static text: "Finish answered 4.06 Not Acceptable ..." */
    int32_t content_format;     /* of the Writes / the pack */
    const tern_bs_step_record *steps; /* the first TERN_BS_MAX_STEP_RECORDS steps */
    size_t n_steps;             /* steps recorded */
    size_t n_steps_total;       /* steps sent (may exceed n_steps) */
} tern_bs_record;

/* What the device answered to a Bootstrap-Read or -Discover (for the
 * application, e.g. to check existing accounts). Lives during the call. */
typedef struct tern_bs_response {
    const char *endpoint;
    uint8_t op;          /* TERN_OPK_BOOTSTRAP_READ / _DISCOVER */
    tern_path path;
    int32_t content_format;
    const uint8_t *body;
    size_t body_len;
} tern_bs_response;

/* ---- engine ------------------------------------------------------------------------- */
typedef struct tern_bs_cfg {
    tern_coap_ep *ep;   /* borrowed; outlives the engine */
    tern_bs_store store;
    void (*on_record)(void *ctx, const tern_bs_record *rec);
    void *record_ctx;
    void (*on_response)(void *ctx, const tern_bs_response *r); /* optional */
    void *response_ctx;
    tern_log log;
    uint32_t max_sessions;       /* (4) concurrent sessions */
    uint32_t max_payload;        /* (4096) largest Write body, Read response or pack */
    uint32_t step_timeout_ms;    /* (0: the link's EXCHANGE_LIFETIME) per request */
    uint32_t session_timeout_ms; /* (300000) whole session */
} tern_bs_cfg;

typedef struct tern_bs {
    tern_bs_cfg cfg;
    struct tern_bs_priv_ *p; /* private, inside the caller's memory */
} tern_bs;

/* Bytes of memory an engine with this configuration needs (8-aligned). */
size_t tern_bs_mem_size(const tern_bs_cfg *cfg);
/* mem: 8-aligned, tern_bs_mem_size bytes, owned by the caller until deinit. */
int tern_bs_init(tern_bs *bs, const tern_bs_cfg *cfg, void *mem, size_t mem_len);
/* Cancels open sessions (recorded as failed, TERN_ECANCELED). */
void tern_bs_deinit(tern_bs *bs);

/* The CoAP handler for /bs and /bspack (ctx = the tern_bs). Other paths get
 * 4.04, other methods 4.05. Bootstrap-Request: missing/unknown ep → 4.00,
 * pct not a Bootstrap-Write format → 4.15, else 2.04 and a session. */
int tern_bs_coap_handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp);

/* Server-initiated bootstrap of `endpoint` (NUL-terminated) at `peer`.
 * The session's first request leaves at the next tern_bs_step(). Errors:
 * TERN_ENOTFOUND (no configuration), TERN_EFULL (no free session),
 * TERN_EEXIST (a session with this endpoint is running). */
int tern_bs_start(tern_bs *bs, const char *endpoint, const tern_coap_peer *peer, tern_time_ms now);

/* Starts due sessions, enforces session timeouts; returns the next deadline
 * (TERN_TIME_NEVER when idle). */
tern_time_ms tern_bs_step(tern_bs *bs, tern_time_ms now);

/* Sessions running now. */
uint32_t tern_bs_active(const tern_bs *bs);

/* The default Write format (TLV or SenML CBOR) for a client's LwM2M version
 * string ("1.0", "1.1", "1.2"; NULL = unknown). */
int32_t tern_bs_default_format(const char *lwm2m_version);
/* true when `cf` may carry Bootstrap-Write (SenML CBOR, LwM2M CBOR, TLV,
 * SenML JSON; OMA JSON for 1.0 clients). */
bool tern_bs_write_format_ok(int32_t cf);

/* Encodes the whole configuration as a Bootstrap-Pack into out (Core §6.1.3
 * Bootstrap-Pack-Request): SenML CBOR (112) — every value the Writes carry,
 * full names, to be applied as after Bootstrap-Delete "/"; SenML-ETCH CBOR
 * (322) — the same with the deletes explicit as value-less records first.
 * scratch: encoder scratch (>= 512 bytes advised). Returns the length or a
 * negative tern_err (TERN_ENOMEM when out is too small, TERN_EUNSUPPORTED
 * for another cf). */
int tern_bs_pack_encode(const tern_bs_config *c, int32_t cf, uint8_t *scratch, size_t scratch_cap, uint8_t *out,
                        size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* TERN_BOOTSTRAP_H */
