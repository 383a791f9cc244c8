/* tern — the LwM2M client engine: Security (/0) and Server (/1) objects,
 * registration with every configured LwM2M Server (Core §6.2, Transport
 * §6.2/§6.4.3), client-, server-initiated and pack bootstrap (Core §6.1,
 * Transport §6.1/§6.4.2), queue mode, and a storage port for the state that
 * must survive a reboot.
 *
 * Sans-I/O like the rest of the core: the caller owns the tern_client, the
 * arrays of Security/Server instances, the CoAP endpoint memory and the work
 * buffer; time comes in through feed/step, randomness through cfg.rng,
 * datagrams leave through cfg.send.
 *
 *   tern_client c;  tern_client_cfg cfg = {...};  // fill sec[]/srv[] = factory bootstrap
 *   tern_client_init(&c, &cfg);                   // adds /0 and /1 to cfg.dm, restores storage
 *   loop:
 *     on datagram: tern_client_feed(&c, &peer, bytes, len, now);
 *     on timer:    next = tern_client_step(&c, now);
 *
 * One shared CoAP endpoint serves every server connection: peers are told
 * apart by address (cfg.connect turns a Server URI into a peer and may set
 * per-peer link parameters through cfg.coap.link_of). Requests from a LwM2M
 * Server's peer go to the server's Information Reporting engine
 * (tern_obs_coap_handle, observe.h; it hands everything but Observe to
 * tern_dm_coap_handle) with that server's Short Server ID; requests from the
 * Bootstrap-Server's peer go to the bootstrap handlers.
 *
 * Information Reporting (Core §6.4): give cfg.obs (one tern_client_obs per
 * Server slot) and the client keeps one tern_obs per server: Observe and
 * Observe-Composite, notifications on tern_client_changed() and on the
 * attribute timers, Send (tern_client_send). Observations end when the
 * client registers again (Core §6.2). In queue mode, notifications that fall
 * due while the client sleeps are stored (up to hqmax per observation, else
 * one fresh notification) and delivered after the wake-up Update's 2.04.
 *
 * Access control (Core §7.3): give cfg.acl (an Access Control object the
 * application added to cfg.dm) and the client installs tern_acl_check as the
 * dm's check_access and the ACL's Create/Delete hooks (the creating server
 * becomes the Access Control Owner), and keeps the ACL's server count equal
 * to the number of LwM2M Server accounts. The Bootstrap-Server is not
 * subject to access control.
 */
#ifndef TERN_CLIENT_H
#define TERN_CLIENT_H

#include "tern/base.h"
#include "tern/coap_ep.h"
#include "tern/dm.h"
#include "tern/observe.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sizes of the per-instance buffers (documented build options, as in Anjay
 * Lite; the same for every translation unit of a program). */
#ifndef TERN_CLIENT_URI_MAX
#define TERN_CLIENT_URI_MAX 128 /* Server URI incl. NUL */
#endif
#ifndef TERN_CLIENT_ID_MAX
#define TERN_CLIENT_ID_MAX 128 /* Public Key or Identity (/0/x/3) */
#endif
#ifndef TERN_CLIENT_KEY_MAX
#define TERN_CLIENT_KEY_MAX 128 /* Server Public Key (/0/x/4), Secret Key (/0/x/5) */
#endif
#ifndef TERN_CLIENT_LOC_MAX
#define TERN_CLIENT_LOC_MAX 48 /* registration Location-Path "/rd/abc" incl. NUL */
#endif
#define TERN_CLIENT_BINDING_MAX 8

/* Security Object Instance (/0/iid, Core Appendix E.1). Only the resources
 * below are kept; the others read as absent. The secret is never logged. */
typedef struct tern_client_sec {
    bool used;
    uint16_t iid;
    char uri[TERN_CLIENT_URI_MAX];   /* 0: "coap://host:port", NUL-terminated */
    bool bootstrap;                  /* 1: Bootstrap-Server */
    uint8_t mode;                    /* 2: 0 PSK, 1 RPK, 2 Certificate, 3 NoSec, 4 Cert+EST */
    uint8_t pk_id[TERN_CLIENT_ID_MAX]; /* 3 */
    uint16_t pk_id_len;
    uint8_t srv_pk[TERN_CLIENT_KEY_MAX]; /* 4 */
    uint16_t srv_pk_len;
    uint8_t secret[TERN_CLIENT_KEY_MAX]; /* 5 */
    uint16_t secret_len;
    uint16_t ssid;                   /* 10 (0: absent) */
    int64_t holdoff_s;               /* 11 Client Hold Off Time (-1: absent) */
    int64_t bs_timeout_s;            /* 12 Bootstrap-Server Account Timeout (-1: absent) */
} tern_client_sec;

/* Registration states of one LwM2M Server. */
typedef enum tern_client_reg_state {
    TERN_REG_IDLE = 0,      /* nothing to do (no account, or not started) */
    TERN_REG_WAIT,          /* (re)try scheduled at reg_due_ */
    TERN_REG_REGISTERING,   /* Register in flight */
    TERN_REG_REGISTERED,
    TERN_REG_UPDATING,      /* Update in flight */
    TERN_REG_DEREGISTERING, /* De-register in flight */
    TERN_REG_DEREGISTERED,
    TERN_REG_FAILED,        /* every sequence failed (Core §6.2.1.1) */
    TERN_REG_DISABLED,      /* /1/x/4 Disable, until Disable Timeout */
} tern_client_reg_state;

/* Server Object Instance (/1/iid, Core Appendix E.2) and the registration
 * state machine of that server. Public fields are the resource values; the
 * fields ending in '_' are the engine's. */
typedef struct tern_client_server {
    bool used;
    uint16_t iid;
    uint16_t ssid;                   /* 0 */
    int64_t lifetime_s;              /* 1 */
    int64_t dmin_s, dmax_s;          /* 2, 3 (-1: absent) */
    int64_t disable_timeout_s;       /* 5 (-1: absent; default 86400) */
    bool notif_storing;              /* 6 */
    char binding[TERN_CLIENT_BINDING_MAX]; /* 7 "U", "UQ" (1.0 form), ... */
    bool bs_on_fail;                 /* 16 Bootstrap on Registration Failure (default true) */
    int64_t retry_count;             /* 17 Communication Retry Count (-1: absent, default 5) */
    int64_t retry_timer_s;           /* 18 Communication Retry Timer (-1: default 60) */
    int64_t seq_delay_s;             /* 19 Communication Sequence Delay Timer (-1: default 86400) */
    int64_t seq_retry_count;         /* 20 Communication Sequence Retry Count (-1: default 1) */
    bool mute_send;                  /* 23 */

    /* private: registration engine */
    uint8_t state_;
    char loc_[TERN_CLIENT_LOC_MAX];  /* Location-Path from 2.01, "/rd/5a3f" */
    tern_coap_peer peer_;
    bool peer_ok_;
    tern_coap_handle req_;
    tern_time_ms due_;               /* next action (retry, Update, timer) */
    tern_time_ms reg_at_;            /* time of the last successful Register/Update */
    uint8_t ver_;                    /* 0: 1.2, 1: 1.1, 2: 1.0 (4.12 fallback) */
    uint16_t attempt_, sequence_;
    bool upd_payload_, upd_params_, upd_trigger_, disable_, restored_, stop_;
    bool sleeping_;
    bool wake_upd_;                  /* the Update in flight is a queue-mode wake-up */
    tern_time_ms last_io_;
    uint32_t payload_hash_;
} tern_client_server;

typedef enum tern_client_event {
    TERN_CLIENT_REGISTERED = 1, /* ssid registered (2.01) */
    TERN_CLIENT_UPDATED,        /* Update answered 2.04 */
    TERN_CLIENT_REG_FAILED,     /* every retry sequence failed */
    TERN_CLIENT_DEREGISTERED,
    TERN_CLIENT_BS_STARTED,     /* Bootstrap-Request sent (ssid 0) */
    TERN_CLIENT_BS_DONE,        /* Bootstrap-Finish accepted / pack applied */
    TERN_CLIENT_BS_FAILED,      /* a bootstrap attempt failed (retried later) */
    TERN_CLIENT_SLEEP,          /* queue mode: ssid idle for MAX_TRANSMIT_WAIT, radio may sleep */
    TERN_CLIENT_WAKE,           /* queue mode: ssid woke up (an Update goes out) */
} tern_client_event;

/* Information Reporting memory of one Server slot: the tables of its
 * tern_obs (see tern_obs_cfg in observe.h for each one's meaning; the
 * queue is optional, the rest required). Caller-owned, alive while the
 * client is; cfg.obs[i] serves cfg.srv[i]. `work` is also where a Send
 * payload to this server is built (one datagram at most). */
typedef struct tern_client_obs {
    tern_obs_rec *recs;
    size_t rec_count;
    tern_obs_target *targets;
    size_t target_count;
    tern_obs_qent *queue;       /* historical queue (hqmax), may be NULL */
    size_t queue_count;
    uint8_t *queue_mem;         /* queue_count * queue_slot_size bytes */
    size_t queue_slot_size;
    uint8_t *work;              /* >= 256 bytes; the largest notification is work_len / 2 */
    size_t work_len;
    /* private: the engine's */
    tern_obs obs_;
    bool ready_;
    uint16_t ssid_;
} tern_client_obs;

struct tern_acl_obj; /* objects.h */

/* Persistent storage port: named opaque blobs ("tern-dm", "tern-reg").
 * read() copies at most cap bytes and sets *len to the blob's size;
 * returns 0, TERN_ENOTFOUND when the blob does not exist, or an error.
 * write() replaces the blob atomically. Secrets are in the "tern-dm"
 * blob: the platform must protect it (the POSIX port writes 0600 files). */
typedef struct tern_client_storage {
    int (*read)(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len);
    int (*write)(void *ctx, const char *name, const uint8_t *data, size_t len);
    void *ctx;
} tern_client_storage;

typedef struct tern_client_cfg {
    const char *endpoint;    /* Endpoint Client Name (alive while the client is) */
    tern_rng rng;            /* back-off jitter; also given to the CoAP endpoint */
    tern_log log;
    /* The data model: initialised by the caller, who adds its objects
     * (/2 /3 ...); tern_client_init adds /0 and /1. Alive while the client is. */
    tern_dm *dm;
    /* Instance storage (caller-owned). Entries with used = true at init
     * are the factory bootstrap configuration (Core §6.1.1). */
    tern_client_sec *sec;
    size_t sec_cap;
    tern_client_server *srv;
    size_t srv_cap;
    /* CoAP endpoint: table sizes and link of cfg.coap are used; rng, log,
     * send and handler are filled in by the client. coap_mem holds
     * tern_coap_ep_mem_size(&coap) bytes (8-aligned). */
    tern_coap_ep_cfg coap;
    void *coap_mem;
    size_t coap_mem_len;
    /* Work buffer (caller-owned): Register/Update payloads and Bootstrap-Pack
     * and storage blobs are built here; 1 KiB is enough for a small device. */
    uint8_t *work;
    size_t work_len;
    /* Output of datagrams (required), as tern_coap_ep_cfg.send. */
    int (*send)(void *ctx, const tern_coap_peer *peer, const uint8_t *bytes, size_t len);
    void *send_ctx;
    /* Turns a Security instance (URI, mode, keys) into a peer: resolve the
     * host, set up DTLS for "coaps" (the platform's business). Returns 0 or
     * a negative tern_err (the attempt then counts as failed). Required. */
    int (*connect)(void *ctx, const tern_client_sec *sec, tern_coap_peer *out);
    void *connect_ctx;
    void (*on_event)(void *ctx, tern_client_event ev, uint16_t ssid);
    void *event_ctx;
    /* Outcome of a tern_client_send to ssid (optional; ctx = event_ctx):
     * the response code (TERN_COAP_CHANGED: delivered) or a negative
     * tern_err when no response came (TERN_ETIMEOUT, ...). */
    void (*on_send)(void *ctx, uint16_t ssid, int result);
    tern_client_storage storage; /* read/write NULL: nothing persists */
    /* Information Reporting (optional): srv_cap entries, see
     * tern_client_obs. NULL: Observe is answered as a plain Read and Send
     * is not available. */
    tern_client_obs *obs;
    /* Access Control object (optional, objects.h): added to cfg.dm by the
     * application; alive while the client is. The client takes the dm's
     * check_access, access_ctx, on_instance_created/_deleted and
     * instance_ctx for it. */
    struct tern_acl_obj *acl;

    /* Registration parameters (Transport §6.2, Table 6.4.3.-1). */
    bool queue_mode;         /* "Q" parameter; sleep after MAX_TRANSMIT_WAIT */
    const char *sms;         /* MSISDN or NULL */
    const char *alt_path;    /* alternate path ("/lwm2m") or NULL */
    /* Bootstrap (Core §6.1). */
    int32_t bs_pct;          /* preferred content format (pct=), -1: none */
    bool bs_pack;            /* use Bootstrap-Pack-Request instead of Request */
    uint32_t bs_retry_ms;    /* first retry delay (0: 10 s), doubled up to bs_retry_max_ms */
    uint32_t bs_retry_max_ms;/* (0: 1 h) */
    uint32_t bs_finish_timeout_ms; /* no Finish after this long: retry (0: 5 min) */
} tern_client_cfg;

typedef enum tern_client_bs_state {
    TERN_BS_IDLE = 0,
    TERN_BS_HOLDOFF,      /* waiting Client Hold Off Time or a retry delay */
    TERN_BS_REQUESTING,   /* Bootstrap-Request / Pack-Request in flight */
    TERN_BS_IN_PROGRESS,  /* waiting for writes and Bootstrap-Finish */
    TERN_BS_DONE,
} tern_client_bs_state;

/* The client context: caller-allocated, fields private. */
typedef struct tern_client {
    tern_client_cfg cfg;
    tern_coap_ep ep;
    tern_dm_obj sec_obj_, srv_obj_;
    tern_time_ms now_;
    bool started_;
    bool stopping_;
    /* bootstrap */
    uint8_t bs_state_;
    tern_time_ms bs_due_;
    uint32_t bs_backoff_ms_;
    tern_coap_peer bs_peer_;
    bool bs_peer_ok_;
    tern_coap_handle bs_req_;
    tern_time_ms bs_purge_at_;   /* Bootstrap-Server Account Timeout */
    bool bs_touched_;            /* a bootstrap write changed the config */
    bool dirty_;                 /* config changed: save */
} tern_client;

/* Initialises the client: checks cfg, initialises the CoAP endpoint, adds
 * /0 and /1 to cfg->dm, restores the stored configuration (which replaces
 * the factory one when present). Nothing is sent before the first step. */
int tern_client_init(tern_client *c, const tern_client_cfg *cfg);
/* Removes /0 and /1 from the dm and forgets everything (no message). */
void tern_client_deinit(tern_client *c);

/* A datagram from `peer`. */
int tern_client_feed(tern_client *c, const tern_coap_peer *peer, const uint8_t *bytes, size_t len,
                     tern_time_ms now);
/* Runs the state machines; returns the next deadline (TERN_TIME_NEVER if
 * idle). The first call starts registration (or bootstrap). */
tern_time_ms tern_client_step(tern_client *c, tern_time_ms now);

/* De-register from server `ssid` (0: all) — Core §6.2.3. Shutdown: call
 * with 0 and step until tern_client_idle(). */
int tern_client_deregister(tern_client *c, uint16_t ssid);
/* Objects or instances were added/removed: send an Update with the new
 * list to every registered server (Core §6.2.2). */
void tern_client_objects_changed(tern_client *c);
/* Registration Update Trigger from the application (as /1/x/8). */
int tern_client_update(tern_client *c, uint16_t ssid);
/* Start a client-initiated bootstrap now (as /1/x/9). */
int tern_client_bootstrap(tern_client *c);
/* A new security context with `ssid` (0: all): register again. */
int tern_client_reregister(tern_client *c, uint16_t ssid);
/* The local address changed: NoSec servers register again (Core §6.2). */
void tern_client_address_changed(tern_client *c);
/* Queue mode: the application wants to send to `ssid` (0: all); a sleeping
 * registration wakes with an Update first. */
int tern_client_wake(tern_client *c, uint16_t ssid);

/* Information Reporting (Core §6.4). A resource value changed (any level:
 * an object, instance or resource path): every server's observations on or
 * under / above `p` are evaluated at the next tern_client_step, which may
 * then return an earlier deadline — call it after this. Safe to call from
 * a data model handler. */
void tern_client_changed(tern_client *c, const tern_path *p, tern_time_ms now);
/* Send (Core §6.4 "Send", Transport §6.4.5): CON POST /dp to server `ssid` with
 * the values of `paths` (`n` of them, any level) read now, in `format`
 * (TERN_CF_SENML_JSON, TERN_CF_SENML_CBOR or TERN_CF_LWM2M_CBOR). The
 * outcome comes through cfg.on_send. Errors:
 * TERN_ENOTFOUND (no such server, or a path names nothing), TERN_EPERM
 * (Mute Send /1/x/23 is true), TERN_ESTATE (not registered, or asleep in
 * queue mode: tern_client_wake first and send after TERN_CLIENT_UPDATED),
 * TERN_EUNSUPPORTED (no cfg.obs, or another format), TERN_ENOMEM (larger
 * than half the server's obs work memory), TERN_EFULL/ETOOBIG (endpoint). */
int tern_client_send(tern_client *c, uint16_t ssid, const tern_path *paths, size_t n, int32_t format);
/* The Information Reporting engine of server `ssid`, or NULL (no cfg.obs,
 * or not registered yet). For inspection. */
tern_obs *tern_client_obs_of(tern_client *c, uint16_t ssid);

/* Inspection. */
tern_client_reg_state tern_client_reg_state_of(const tern_client *c, uint16_t ssid);
tern_client_bs_state tern_client_bs_state_of(const tern_client *c);
/* The server slot of ssid, or NULL. */
tern_client_server *tern_client_server_of(tern_client *c, uint16_t ssid);
/* No request is in flight and nothing is scheduled (after De-register). */
bool tern_client_idle(const tern_client *c);

/* Saves the configuration (/0, /1, /2, /21 instances through the dm) and
 * the registration state now. Done automatically after a bootstrap and a
 * registration. */
int tern_client_save(tern_client *c);

#ifdef __cplusplus
}
#endif
#endif /* TERN_CLIENT_H */
