/* tern — ready-to-use standard objects for the client data model (dm.h):
 * Access Control (2) with the access decision function, Device (3),
 * Connectivity Monitoring (4), Firmware Update (5) and Location (6).
 *
 * Every object is a struct the application allocates (static or on its
 * stack) and keeps alive while it is added to a tern_dm; nothing is
 * allocated behind its back. Hardware facts and actions come through
 * callbacks in the object's config; time comes through a clock callback.
 *
 *   static tern_device dev;
 *   tern_device_init(&dev, &dev_cfg);
 *   tern_dm_add(&dm, tern_device_obj(&dev));
 *
 * Sizes are build-time constants (TERN_ACL_MAX_ENTRIES, TERN_DEVICE_MAX_ERRORS,
 * TERN_DEVICE_TZ_LEN, TERN_FW_URI_LEN). They size public structs: when
 * overriding one, define it for the whole build (library and application
 * alike, e.g. through target_compile_definitions(tern_core PUBLIC ...)).
 *
 * Strings a callback hands out (tern_bytes, const char *) are views that
 * must stay valid until the next call into the same object.
 */
#ifndef TERN_OBJECTS_H
#define TERN_OBJECTS_H

#include "tern/base.h"
#include "tern/coap_ep.h"
#include "tern/dm.h"
#include "tern/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================
 * Access Control (object 2, Core §7.3) and the access decision.
 * ====================================================================== */

/* ACL bits (object 2 resource 2, Core §7.3.1): R covers Read, Observe,
 * Discover and Write-Attributes; W Write; E Execute; D Delete; C Create
 * (only meaningful in the object-level instance, Object Instance ID 65535). */
enum {
    TERN_ACL_R = 1u << 0,
    TERN_ACL_W = 1u << 1,
    TERN_ACL_E = 1u << 2,
    TERN_ACL_D = 1u << 3,
    TERN_ACL_C = 1u << 4,
    TERN_ACL_ALL = 0x1fu,
};

#ifndef TERN_ACL_MAX_ENTRIES
#define TERN_ACL_MAX_ENTRIES 4 /* ACL resource instances per ACL instance */
#endif

/* Object Instance ID of the object-level ACL instance that grants Create,
 * and the owner value "managed by the Bootstrap-Server only". */
#define TERN_ACL_OBJECT_LEVEL 65535u
#define TERN_ACL_OWNER_BOOTSTRAP 65535u

typedef struct tern_acl_entry {
    uint16_t ssid;   /* ACL resource instance id: Short Server ID, 0 = default ACL */
    uint16_t rights; /* TERN_ACL_* bits */
} tern_acl_entry;

/* One Access Control object instance /2/iid. */
typedef struct tern_acl_inst {
    bool used;
    uint16_t iid;        /* instance id of this ACL instance */
    uint16_t oid;        /* resource 0: Object ID */
    uint16_t target_iid; /* resource 1: Object Instance ID (65535: object level) */
    uint16_t owner;      /* resource 3: Access Control Owner */
    uint8_t n_entries;   /* resource 2, sorted by ssid */
    tern_acl_entry entries[TERN_ACL_MAX_ENTRIES];
} tern_acl_inst;

typedef struct tern_acl_cfg {
    /* Instance storage (caller-owned, alive while the object is): `count`
     * instances, and as many for the transaction shadow copy (dm.h
     * "Atomic writes"). */
    tern_acl_inst *insts;
    tern_acl_inst *shadow;
    size_t count;
    /* Number of LwM2M Server accounts (Server object instances). With at
     * most one, every operation is allowed and the ACL object is not
     * consulted (Core §7.3: single server). NULL: the value given to
     * tern_acl_set_server_count() (initially 1). */
    uint16_t (*server_count)(void *ctx);
    void *ctx;
    /* The data model the ACL protects: used to list the instances of an
     * object for object-level requests. May be NULL (then object-level
     * requests other than Create are refused in multi-server mode). */
    const tern_dm *dm;
} tern_acl_cfg;

/* Fill this struct through tern_acl_init; fields are private. */
typedef struct tern_acl_obj {
    tern_dm_obj obj;
    tern_acl_cfg cfg;
    uint16_t servers_;
} tern_acl_obj;

/* Initialises the object (all instances unused) on the generated
 * definition tern_obj_2_v1_1. TERN_EINVAL without storage. */
int tern_acl_init(tern_acl_obj *acl, const tern_acl_cfg *cfg);
static inline tern_dm_obj *tern_acl_dm_obj(tern_acl_obj *acl)
{
    return &acl->obj;
}
void tern_acl_set_server_count(tern_acl_obj *acl, uint16_t n);

/* The access decision (a tern_dm_access_fn: pass it as cfg.check_access
 * with cfg.access_ctx = the tern_acl_obj). Returns TERN_OK, TERN_EPERM
 * (4.01 Unauthorized) or TERN_ENOTFOUND (4.04: the target object instance
 * has no Access Control instance, so it does not exist for any server).
 * Rules, Core §7.3.1:
 *  - ssid 0 (the Bootstrap-Server) is not subject to access control;
 *  - the Security object (0) exists only for the Bootstrap-Server: 4.04;
 *  - single server account: everything else is allowed;
 *  - rights on /O/I: the ACL resource instance of the server's ssid, else,
 *    when the server is the Access Control Owner, all rights, else the
 *    default ACL (resource instance 0), else none;
 *  - Create on /O needs C in the ACL instance of (O, 65535);
 *  - a request on the object /O (Read, Observe, Discover,
 *    Write-Attributes, ...) needs the right on every instance of O;
 *  - Access Control instances themselves: readable by every server,
 *    writable only by their owner, never created or deleted by a server;
 *  - cancelling an observation is always allowed. */
int tern_acl_check(void *acl, uint16_t ssid, int op_kind, const tern_path *p);

/* The rights `ssid` has on /oid/iid (iid 65535: object level), or -1 when
 * no ACL instance names that target. */
int tern_acl_rights(const tern_acl_obj *acl, uint16_t ssid, uint16_t oid, uint16_t iid);

/* An object instance was created by server `ssid` (Core §7.3.1: the
 * creating server becomes the Access Control Owner): adds the ACL instance
 * (lowest free id) unless one exists. ssid 0 (Bootstrap-Server) adds
 * nothing. TERN_EFULL when the storage is full. Call it after a Create
 * answered 2.01 (res.location). */
int tern_acl_on_create(tern_acl_obj *acl, uint16_t oid, uint16_t iid, uint16_t ssid);
/* An object instance was deleted: drops its ACL instance(s). */
void tern_acl_on_delete(tern_acl_obj *acl, uint16_t oid, uint16_t iid);
/* The same two as tern_dm_cfg.on_instance_created / on_instance_deleted
 * hooks (ctx = the tern_acl_obj). A full ACL storage (TERN_EFULL) leaves
 * the new instance without ACL instance: with several servers it is then
 * visible to the Bootstrap-Server only (4.04) — size cfg.count for it. */
static inline void tern_acl_dm_on_created(void *acl, uint16_t ssid, uint16_t oid, uint16_t iid)
{
    (void)tern_acl_on_create((tern_acl_obj *)acl, oid, iid, ssid);
}
static inline void tern_acl_dm_on_deleted(void *acl, uint16_t ssid, uint16_t oid, uint16_t iid)
{
    (void)ssid;
    tern_acl_on_delete((tern_acl_obj *)acl, oid, iid);
}
/* Adds or changes an ACL instance from the application or the bootstrap
 * code: target (oid, target_iid), owner, and one right (ssid, rights);
 * call again for more ACL entries. TERN_EFULL when full. */
int tern_acl_set(tern_acl_obj *acl, uint16_t oid, uint16_t target_iid, uint16_t owner, uint16_t ssid,
                 uint16_t rights);

/* ======================================================================
 * Device (object 3).
 * ====================================================================== */

#ifndef TERN_DEVICE_MAX_ERRORS
#define TERN_DEVICE_MAX_ERRORS 8 /* Error Code resource instances */
#endif
#ifndef TERN_DEVICE_TZ_LEN
#define TERN_DEVICE_TZ_LEN 48 /* UTC Offset / Timezone storage, bytes */
#endif
#ifndef TERN_DEVICE_MAX_POWER
#define TERN_DEVICE_MAX_POWER 8 /* Available Power Sources instances */
#endif

/* Power facts, filled by the power() callback. Resources whose `has_*` is
 * false are absent. */
typedef struct tern_device_power {
    uint8_t n_sources; /* Available Power Sources 6, Voltage 7 and Current 8 */
    int64_t source[TERN_DEVICE_MAX_POWER];     /* 0 DC .. 7 solar */
    int64_t voltage_mv[TERN_DEVICE_MAX_POWER];
    int64_t current_ma[TERN_DEVICE_MAX_POWER];
    bool has_battery_level;
    int64_t battery_level; /* % (9) */
    bool has_battery_status;
    int64_t battery_status; /* 0..6 (20) */
} tern_device_power;

typedef struct tern_device_mem {
    bool has_free, has_total;
    int64_t free_kb, total_kb; /* 10, 21 */
} tern_device_mem;

typedef struct tern_device_cfg {
    /* Static strings (NULL: the optional resource is absent; 0 Manufacturer,
     * 1 Model Number, 2 Serial Number, 3 Firmware Version, 17 Device Type,
     * 18 Hardware Version, 19 Software Version). Alive while the object is. */
    const char *manufacturer, *model, *serial, *fw_version, *device_type, *hw_version, *sw_version;
    /* 16 Supported Binding and Modes (mandatory), e.g. "UQ". */
    const char *binding_modes;
    /* Current UNIX time in seconds from the device clock (resource 13;
     * NULL: Current Time, UTC Offset and Timezone are absent). A Write to
     * Current Time sets an offset added to this clock. */
    int64_t (*clock)(void *ctx);
    /* Execute 4 Reboot / 5 Factory Reset (NULL: 4.05). Called when the
     * Execute is accepted; the app should answer first and act afterwards
     * (e.g. on its next loop turn). Factory Reset wipes the bootstrap
     * state: the client's hook goes here. Return 0 or a negative tern_err. */
    int (*reboot)(void *ctx);
    int (*factory_reset)(void *ctx);
    /* Power and memory facts (NULL: resources 6-9, 20 / 10, 21 absent). */
    int (*power)(void *ctx, tern_device_power *out);
    int (*mem)(void *ctx, tern_device_mem *out);
    /* Called after Reset Error Code (12) cleared the errors: the app
     * re-evaluates its error conditions (tern_device_error_set). May be NULL. */
    void (*errors_reset)(void *ctx);
    /* A resource value changed on the device's side (for notifications);
     * may be NULL. */
    void (*changed)(void *ctx, uint16_t rid);
    void *ctx;
} tern_device_cfg;

typedef struct tern_device_state_ {
    int64_t time_offset;
    char utc_offset[TERN_DEVICE_TZ_LEN];
    char timezone[TERN_DEVICE_TZ_LEN];
} tern_device_state_;

typedef struct tern_device {
    tern_dm_obj obj;
    tern_device_cfg cfg;
    /* private */
    tern_device_state_ cur_, shadow_;
    uint8_t n_errors_;
    int64_t errors_[TERN_DEVICE_MAX_ERRORS];
    tern_device_power power_; /* snapshot of the last power() call */
} tern_device;

/* Initialises the object on tern_obj_3_v1_2 (one instance, /3/0). */
int tern_device_init(tern_device *d, const tern_device_cfg *cfg);
static inline tern_dm_obj *tern_device_obj(tern_device *d)
{
    return &d->obj;
}
/* Error Code (11): adds `code` (1..32) unless present (the "0 = no error"
 * instance is replaced); TERN_EFULL when TERN_DEVICE_MAX_ERRORS are set.
 * tern_device_error_clear removes it (an empty list reads as one 0). */
int tern_device_error_set(tern_device *d, int64_t code);
void tern_device_error_clear(tern_device *d, int64_t code);
/* Current Time as the device reports it (clock + written offset). */
int64_t tern_device_time(const tern_device *d);

/* ======================================================================
 * Connectivity Monitoring (object 4, version 1.3).
 * ====================================================================== */

/* Connectivity facts, filled by the info() callback on each read. Arrays
 * and strings are views into the application's memory, valid until the
 * next call. A false `has_*` / zero count makes an optional resource
 * absent. */
typedef struct tern_connmon_info {
    int64_t bearer;               /* 0 Network Bearer (mandatory) */
    const int64_t *avail_bearers; /* 1 Available Network Bearer (mandatory, multiple) */
    uint8_t n_avail_bearers;
    int64_t rssi_dbm;             /* 2 Radio Signal Strength (mandatory) */
    bool has_link_quality;
    int64_t link_quality;         /* 3 */
    const char *const *ip_addrs;  /* 4 IP Addresses (mandatory, multiple) */
    uint8_t n_ip_addrs;
    const char *const *router_ips; /* 5 Router IP Addresses */
    uint8_t n_router_ips;
    bool has_link_utilization;
    int64_t link_utilization;     /* 6 (%) */
    const char *const *apns;      /* 7 APN */
    uint8_t n_apns;
    bool has_cell_id, has_smnc, has_smcc, has_snr, has_lac, has_ce_level;
    int64_t cell_id, smnc, smcc;  /* 8, 9, 10 */
    int64_t snr_db;               /* 11 SignalSNR */
    int64_t lac;                  /* 12 */
    int64_t ce_level;             /* 13 Coverage Enhancement Level */
} tern_connmon_info;

typedef struct tern_connmon_cfg {
    int (*info)(void *ctx, tern_connmon_info *out); /* required; 0 or a negative tern_err */
    void *ctx;
} tern_connmon_cfg;

typedef struct tern_connmon {
    tern_dm_obj obj;
    tern_connmon_cfg cfg;
    tern_connmon_info info_; /* private: last snapshot */
} tern_connmon;

int tern_connmon_init(tern_connmon *c, const tern_connmon_cfg *cfg);
static inline tern_dm_obj *tern_connmon_obj(tern_connmon *c)
{
    return &c->obj;
}

/* ======================================================================
 * Location (object 6).
 * ====================================================================== */

typedef struct tern_location_info {
    double latitude, longitude; /* 0, 1 (degrees, mandatory) */
    bool has_altitude, has_radius, has_velocity, has_speed;
    double altitude;            /* 2 (m) */
    double radius;              /* 3 (m) */
    tern_bytes velocity;        /* 4 (3GPP TS 23.032 velocity, opaque view) */
    int64_t timestamp;          /* 5 (UNIX seconds, mandatory) */
    double speed;               /* 6 (m/s) */
} tern_location_info;

typedef struct tern_location_cfg {
    int (*info)(void *ctx, tern_location_info *out); /* required */
    void *ctx;
} tern_location_cfg;

typedef struct tern_location {
    tern_dm_obj obj;
    tern_location_cfg cfg;
    tern_location_info info_; /* private */
} tern_location;

int tern_location_init(tern_location *l, const tern_location_cfg *cfg);
static inline tern_dm_obj *tern_location_obj(tern_location *l)
{
    return &l->obj;
}

/* ======================================================================
 * Firmware Update (object 5, version 1.2; Core Appendix E.6 state machine).
 * ====================================================================== */

typedef enum tern_fw_state {
    TERN_FW_IDLE = 0,
    TERN_FW_DOWNLOADING = 1,
    TERN_FW_DOWNLOADED = 2,
    TERN_FW_UPDATING = 3,
} tern_fw_state;

/* Update Result (5/0/5) values, from the object definition. */
typedef enum tern_fw_result {
    TERN_FW_RESULT_INITIAL = 0,
    TERN_FW_RESULT_SUCCESS = 1,
    TERN_FW_RESULT_NO_FLASH = 2,
    TERN_FW_RESULT_NO_RAM = 3,
    TERN_FW_RESULT_CONN_LOST = 4,
    TERN_FW_RESULT_INTEGRITY = 5,
    TERN_FW_RESULT_UNSUPPORTED_TYPE = 6,
    TERN_FW_RESULT_INVALID_URI = 7,
    TERN_FW_RESULT_FAILED = 8,
    TERN_FW_RESULT_UNSUPPORTED_PROTOCOL = 9,
    TERN_FW_RESULT_CANCELLED = 10,
    TERN_FW_RESULT_DEFERRED = 11,
} tern_fw_result;

/* Firmware Update Protocol Support (5/0/8) values, as bits of
 * tern_fw_cfg.protocols. */
enum {
    TERN_FW_PROTO_COAP = 1u << 0,
    TERN_FW_PROTO_COAPS = 1u << 1,
    TERN_FW_PROTO_HTTP = 1u << 2,
    TERN_FW_PROTO_HTTPS = 1u << 3,
    TERN_FW_PROTO_COAP_TCP = 1u << 4,
    TERN_FW_PROTO_COAP_TLS = 1u << 5,
};

#ifndef TERN_FW_URI_LEN
#define TERN_FW_URI_LEN 256 /* Package URI storage (0..255 chars + NUL) */
#endif

typedef struct tern_fw tern_fw;

/* Pull delivery: something that fetches a URI and feeds the bytes back
 * with tern_fw_download_chunk() and ends with tern_fw_download_done()
 * (from its own context, later: never from inside start()). */
typedef struct tern_fw_downloader {
    /* Starts fetching `uri` (NUL-terminated, scheme already checked against
     * `protocols`). Returns 0 when started, or the tern_fw_result that
     * explains why not (e.g. TERN_FW_RESULT_INVALID_URI). */
    int (*start)(void *ctx, tern_fw *fw, const char *uri);
    /* Stops a running download (Cancel, reset); no more calls into fw. */
    void (*cancel)(void *ctx, tern_fw *fw);
    void *ctx;
} tern_fw_downloader;

/* Image sink and actions. Callbacks return 0 to go on, or a
 * tern_fw_result (> 1) that explains the failure. */
typedef struct tern_fw_cfg {
    /* Storing an image (push and pull): open (total size or 0 when
     * unknown), chunks in order, close (check the image). Required. */
    int (*open)(void *ctx, uint32_t total);
    int (*write)(void *ctx, uint32_t offset, const uint8_t *data, size_t len);
    int (*close)(void *ctx);
    /* Drop any stored or partial image (reset to Idle, Cancel, failure). */
    void (*discard)(void *ctx);
    /* Execute Update: start installing. 0 = started: the app reports the
     * outcome later with tern_fw_update_done() (after a reboot too: see
     * tern_fw_restore). Any other value: the update failed at once. */
    int (*update)(void *ctx);
    /* Optional: Package Name / Version (6, 7) of the stored image; NULL or
     * returning NULL names: absent. */
    void (*pkg_info)(void *ctx, const char **name, const char **version);
    /* UNIX time in seconds for Last State Change Time (12); NULL: absent. */
    int64_t (*clock)(void *ctx);
    /* A resource changed on the device's side (State, Update Result, ...),
     * for notifications; may be NULL. */
    void (*changed)(void *ctx, uint16_t rid);
    void *ctx;
    /* Delivery: push is always offered; pull when a downloader is given
     * (Firmware Update Delivery Method, 9). */
    const tern_fw_downloader *downloader;
    /* Protocols the downloader implements (TERN_FW_PROTO_* bits; 0 with a
     * downloader means CoAP only). */
    uint8_t protocols;
} tern_fw_cfg;

typedef struct tern_fw_rw_ {
    int64_t severity;
    uint64_t max_defer;
    bool auto_update;
    uint16_t uri_len;
    char uri[TERN_FW_URI_LEN];
} tern_fw_rw_;

struct tern_fw {
    tern_dm_obj obj;
    tern_fw_cfg cfg;
    /* private */
    uint8_t state_, result_;
    bool pushing_, pulling_, uri_written_, reset_pending_, completed_;
    uint32_t next_off_;
    int64_t changed_at_;
    tern_fw_rw_ rw_, shadow_;
};

/* Initialises the object on tern_obj_5_v1_2: Idle, result 0, Severity 1. */
int tern_fw_init(tern_fw *fw, const tern_fw_cfg *cfg);
static inline tern_dm_obj *tern_fw_obj(tern_fw *fw)
{
    return &fw->obj;
}
tern_fw_state tern_fw_state_get(const tern_fw *fw);
tern_fw_result tern_fw_result_get(const tern_fw *fw);
/* Pull: the next bytes of the image (offset must continue the previous
 * chunk). Returns TERN_OK, or TERN_ECANCELED when the download is over
 * (failed, cancelled): the downloader stops. */
int tern_fw_download_chunk(tern_fw *fw, uint32_t offset, const uint8_t *data, size_t len);
/* Pull: the download ended: TERN_FW_RESULT_SUCCESS (or INITIAL) when the
 * whole image came, else the failure (CONN_LOST, INVALID_URI, ...).
 * Success closes the image (State Downloaded, or straight on to Updating
 * when Automatic Upgrade at Download is set). */
void tern_fw_download_done(tern_fw *fw, tern_fw_result result);
/* The update started by cfg.update ended: SUCCESS → Idle; INTEGRITY or
 * UNSUPPORTED_TYPE → Idle, image discarded; DEFERRED → Downloaded (the
 * user postponed); other failures → Downloaded (the image is kept and the
 * server may retry). Ignored unless Updating. */
void tern_fw_update_done(tern_fw *fw, tern_fw_result result);
/* Restores the state after a reboot (e.g. Idle + SUCCESS after booting the
 * new image). TERN_EINVAL for out-of-range values. */
int tern_fw_restore(tern_fw *fw, tern_fw_state state, tern_fw_result result);

/* ---- the CoAP pull downloader (src/client/fw_coap_download.c) ----------
 * A tern_fw_downloader that GETs a coap:// Package URI over a tern CoAP
 * endpoint (client role) with Block2 in chunk mode (RFC 7959 §2.4): each
 * block goes straight to tern_fw_download_chunk(), so no image buffer.
 *
 *   tern_fw_coap_dl d; tern_fw_coap_dl_init(&d, &dcfg);
 *   fw_cfg.downloader = tern_fw_coap_dl_downloader(&d);
 *   fw_cfg.protocols = TERN_FW_PROTO_COAP;
 *
 * URI (RFC 7252 §6.1, §6.4): coap://host[:port]/path?query; the host is an
 * IPv4 literal, a bracketed IPv6 literal (both parsed here) or a name the
 * platform resolves through cfg.resolve. Path segments and query parts are
 * percent-decoded into Uri-Path / Uri-Query; a name also goes as Uri-Host.
 * coaps:// is refused with Update Result 9 (Unsupported protocol) until
 * DTLS is wired into the client's downloads.
 *
 * Update Result on failure (object 5 resource 5): 7 Invalid URI for a URI
 * that does not parse, a host that does not resolve, or a 4.xx answer
 * (4.04: nothing at that URI; result 5 is reserved for an image that
 * fails its integrity check); 4 Connection lost for a timeout, a Reset,
 * a 5.xx answer, an ETag change mid-transfer (RFC 7959 §2.4) or any other
 * transport failure. */

/* The host of a Package URI, for the platform's resolver. */
typedef struct tern_fw_coap_host {
    const char *name;  /* NUL-terminated, percent-decoded, without brackets;
                          lives during the resolve call only */
    uint8_t ip_len;    /* 4 or 16 when `name` is a numeric literal, else 0 */
    uint8_t ip[16];    /* the literal's address bytes (network order) */
    uint16_t port;     /* from the URI, else 5683 */
} tern_fw_coap_host;

typedef struct tern_fw_coap_dl_cfg {
    /* The endpoint requests go out on (caller-owned, alive while the
     * downloader is; it may be the LwM2M client's own endpoint). */
    tern_coap_ep *ep;
    /* Turns a host into the endpoint's peer (e.g. tern_posix_peer_from_addr
     * after getaddrinfo). Returns TERN_OK, or < 0: Update Result 7.
     * Required. */
    int (*resolve)(void *ctx, const tern_fw_coap_host *host, tern_coap_peer *out);
    void *resolve_ctx;
    /* Called after a request was started or cancelled from outside the
     * endpoint's own callbacks, so the caller re-reads the endpoint's
     * deadline (posix: tern_coap_udp_kick). May be NULL. */
    void (*kick)(void *ctx);
    void *kick_ctx;
    /* Block2 size: 16..1024, a power of two; 0: 1024. */
    uint16_t block_size;
    /* Give up on a block after this long without an answer (ms); 0: the
     * endpoint's default (tern_coap_req_opts.timeout_ms). */
    uint32_t timeout_ms;
} tern_fw_coap_dl_cfg;

/* Caller-allocated; fields private. */
typedef struct tern_fw_coap_dl {
    tern_fw_downloader dl_;
    tern_fw_coap_dl_cfg cfg_;
    tern_fw *fw_;
    tern_coap_handle h_;
    bool active_;
    uint8_t szx_;
} tern_fw_coap_dl;

/* TERN_EINVAL without an endpoint or resolver, or for a bad block size. */
int tern_fw_coap_dl_init(tern_fw_coap_dl *d, const tern_fw_coap_dl_cfg *cfg);
/* The downloader to put into tern_fw_cfg.downloader (lives inside d). */
static inline const tern_fw_downloader *tern_fw_coap_dl_downloader(tern_fw_coap_dl *d)
{
    return &d->dl_;
}
/* true while a download runs. */
bool tern_fw_coap_dl_busy(const tern_fw_coap_dl *d);

#ifdef __cplusplus
}
#endif
#endif /* TERN_OBJECTS_H */
