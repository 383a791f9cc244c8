/* tern — client-side Information Reporting (LwM2M 1.2 Core §6.4 "Information
 * Reporting Interface", §5.1.2 notification attributes; Transport §6.4.5):
 * observations, attribute evaluation, notifications, the historical queue
 * of queue mode, and Send.
 *
 * One tern_obs per LwM2M Server, embedded by the client engine. It sits
 * next to the data model (tern_dm) and the server's CoAP endpoint:
 *
 *   tern_obs_cfg oc = { .dm = &dm, .ep = &ep, .ssid = 101, .recs = recs, .rec_count = 8,
 *                       .targets = tg, .target_count = 16, .work = work, .work_len = sizeof work };
 *   tern_obs obs; tern_obs_init(&obs, &oc);
 *   endpoint handler:      return tern_obs_coap_handle(&obs, req, resp);   (instead of tern_dm_coap_handle)
 *   endpoint on_observer_end: tern_obs_observer_end(&obs, key, key_len, why);
 *   app: value changed:    tern_obs_changed(&obs, &path, now);
 *   timer:                 next = TERN_MIN(next, tern_obs_step(&obs, now));
 *   queue mode:            tern_obs_set_online(&obs, false/true, now);
 *
 * Write-Attributes storage is the data model's (tern_dm_cfg.attr_slots,
 * read back by Discover and by tern_dm_attrs_get); this module computes the
 * effective attributes of each observation from it every time it evaluates,
 * so a Write-Attributes takes effect at the next step.
 *
 * No allocation, no clock, no globals: the tables below are the caller's
 * and sized at init; time comes in through `now` (ms of the caller's
 * monotonic clock; attribute periods are seconds).
 */
#ifndef TERN_OBSERVE_H
#define TERN_OBSERVE_H

#include "tern/base.h"
#include "tern/coap_ep.h"
#include "tern/codec.h"
#include "tern/dm.h"
#include "tern/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- effective attributes (Core §5.1.2 precedence) -------------------------
 * Per attribute, the value attached at the deepest level wins: resource
 * instance > resource > object instance > object (Transport §6.4.4 example
 * 2: an unset attribute falls back to the level above), all for the one
 * server `ssid`; pmin and pmax fall back to the Server object's Default
 * Minimum/Maximum Period (/1/x/2, /1/x/3) given in `defaults` (0 = none).
 * Attributes given in the Observe request's query (`query`, may be NULL)
 * apply to that observation only and take precedence over all levels. */
void tern_obs_effective_attrs(const tern_dm *dm, uint16_t ssid, const tern_path *p, const tern_attrs *defaults,
                              const tern_attrs *query, tern_attrs *out);

/* What the conditions decide for one numeric/boolean value (Core §5.1.2):
 * `prev` is the last notified value, `cur` the new sample; `prev_sample`
 * the previous sample (edge is about the sampled signal). Returns true
 * when a notification is due (subject to pmin):
 *   gt / lt: cur and prev lie on different sides of the threshold (a
 *            crossing in either direction; "above" means > gt, "below"
 *            means < lt);
 *   st:      |cur - prev| >= st;
 *   edge:    boolean rising (edge=1: prev_sample 0, cur 1) or falling
 *            (edge=0) edge;
 * any of them (the conditions are alternatives, Transport §6.4.4 examples
 * 4 and 5). With none of gt/lt/st/edge set: any change (cur != prev). */
bool tern_obs_condition(const tern_attrs *a, double prev, double prev_sample, double cur);

/* ---- tables (caller-allocated; fields are the module's) -------------------- */

/* One observed path (single observations use one, composite ones one per
 * path) with the values kept for gt/lt/st/edge. */
typedef struct tern_obs_target {
    bool used;
    uint16_t rec;        /* owning observation */
    tern_path path;
    bool numeric;        /* the path is a numeric/boolean resource (instance) */
    bool dirty;          /* tern_obs_changed since the last sample */
    double notified;     /* value in the last notification */
    double sampled;      /* value at the last sample */
} tern_obs_target;

/* One observation: the CoAP observer (peer + token) it is bound to in the
 * endpoint, its format and its timers. */
typedef struct tern_obs_rec {
    bool used;
    bool composite;
    bool pending;          /* a condition was met; notify when pmin allows */
    bool dirty;            /* some target changed since the last sample */
    bool failed;           /* the last notify attempt failed: retry */
    uint8_t token_len;
    uint8_t token[8];
    tern_coap_peer peer;
    uint32_t gen;          /* part of the endpoint observer key */
    uint8_t key[10];       /* the endpoint observer key */
    int32_t cf;            /* content format of the notifications */
    int32_t req_cf;        /* composite: format of the path list */
    tern_path path;        /* single observation: the target path */
    uint16_t n_targets;
    tern_attrs query;      /* attributes of the Observe query */
    tern_time_ms last_notify;
    tern_time_ms last_sample;
    tern_time_ms retry_at;
    uint32_t queued;       /* entries in the historical queue */
    uint32_t notifications;/* sent (or queued) so far, the response excluded */
} tern_obs_rec;

/* One stored notification of the historical queue (hqmax, queue mode):
 * `slot_size` bytes of payload memory each. */
typedef struct tern_obs_qent {
    bool used;
    uint16_t rec;
    uint32_t rec_gen;
    uint64_t stamp;        /* global order of queueing */
    uint16_t len;
    uint8_t code;          /* CoAP code of the stored notification */
    uint8_t *data;         /* into cfg.queue_mem */
} tern_obs_qent;

typedef struct tern_obs_cfg {
    tern_dm *dm;           /* the client data model (required) */
    tern_coap_ep *ep;      /* the endpoint that talks to this server (required) */
    uint16_t ssid;         /* Short Server ID of the server */
    /* Server object defaults: pmin = /1/x/2, pmax = /1/x/3 (0: none). */
    uint32_t default_pmin, default_pmax;
    /* Default Notification Mode (/1/x/26): true = CON when `con` is not
     * attached. */
    bool default_con;
    /* Observation table and observed paths (required). */
    tern_obs_rec *recs;
    size_t rec_count;
    tern_obs_target *targets;
    size_t target_count;
    /* Historical queue (optional): `queue_count` entries over `queue_mem`
     * (queue_count * queue_slot_size bytes). A notification larger than a
     * slot is not stored (the observation stays pending instead). */
    tern_obs_qent *queue;
    size_t queue_count;
    uint8_t *queue_mem;
    size_t queue_slot_size;
    /* Working memory (required, ≥ 256 bytes): one half holds a
     * notification payload (the largest notification), the other the
     * encoder scratch of composite notifications. */
    uint8_t *work;
    size_t work_len;
    tern_log log;
} tern_obs_cfg;

typedef struct tern_obs {
    tern_obs_cfg cfg;
    /* private */
    bool online_;
    uint64_t stamp_;
    uint32_t gen_;
    tern_time_ms now_;
} tern_obs;

/* Initialises obs over cfg (copied); every table is cleared. The server
 * starts online. TERN_EINVAL for a missing dm/ep/table or a small work. */
int tern_obs_init(tern_obs *obs, const tern_obs_cfg *cfg);

/* Endpoint request handler for this server's requests: Observe,
 * Observe-Composite and their cancellations are registered here (the
 * response itself is the data model's Read / Read-Composite: the initial
 * value and format); notification attributes in an Observe query are
 * checked (4.00 when malformed or inconsistent). Every other request goes
 * to tern_dm_coap_handle. Returns as tern_dm_coap_handle. */
int tern_obs_coap_handle(tern_obs *obs, const tern_coap_server_req *req, tern_coap_response *resp);

/* The endpoint's on_observer_end, forwarded: forgets the observation the
 * key names (cancel by GET/FETCH Observe=1, RST, CON timeout, ...).
 * Returns true when the key was one of this tern_obs's. */
bool tern_obs_observer_end(tern_obs *obs, const void *key, size_t key_len, tern_coap_obs_end why);

/* "Resource value changed" from the application: every observation whose
 * target contains `p` or lies under it is marked for evaluation. Call
 * tern_obs_step (or take its deadline) afterwards. */
void tern_obs_changed(tern_obs *obs, const tern_path *p, tern_time_ms now);

/* Samples, evaluates and notifies what is due at `now`; returns the next
 * deadline (TERN_TIME_NEVER when nothing is scheduled). Notifications go
 * through tern_coap_notify, CON or NON per the `con` attribute (Core
 * §5.1.2; default NON). Call tern_coap_ep_step(ep, now) before, so the
 * endpoint's clock is current. */
tern_time_ms tern_obs_step(tern_obs *obs, tern_time_ms now);

/* Queue mode (Core §6.5 / Transport §6.5): offline, due notifications are
 * kept in the historical queue (up to hqmax per observation, the oldest
 * dropped; without hqmax only "pending" is kept and one fresh
 * notification goes out on wake-up); online again, the queue is delivered
 * in order (a CON one waits for the ACK of the previous one). */
void tern_obs_set_online(tern_obs *obs, bool online, tern_time_ms now);

/* Number of active observations; cancel all (e.g. on re-registration,
 * Core §6.2: observations end with a new registration). */
size_t tern_obs_count(const tern_obs *obs);
void tern_obs_clear(tern_obs *obs);

/* ---- Send (Core §6.4.? "Send"; Transport §6.4.5: POST /dp) ----------------- */

typedef struct tern_send_req {
    /* Paths to read from the data model (any level), in order. */
    const tern_path *paths;
    size_t path_count;
    /* Or values the application collected (with has_time/time set per
     * entry): sent as given, after the read paths. */
    const tern_entry *entries;
    size_t entry_count;
    /* SenML JSON (110), SenML CBOR (112) or LwM2M CBOR (11544). */
    int32_t format;
    /* Mute Send (/1/x/23): true, or the resource absent, de-activates
     * Send (Core E.2) → TERN_EPERM. */
    bool mute;
    /* Stamp the values read from the data model with `time` (seconds since
     * the epoch; SenML/LwM2M CBOR time). */
    bool stamp;
    double time;
} tern_send_req;

/* Encodes the Send payload into out (bytes [0, *len)). `scratch` is the
 * encoder's (the CBOR-family formats keep pending entries there).
 * TERN_EPERM when muted, TERN_EUNSUPPORTED for another format,
 * TERN_ENOTFOUND when a path names nothing, TERN_ENOMEM when out or
 * scratch is too small. */
int tern_send_encode(tern_dm *dm, const tern_send_req *r, uint8_t *out, size_t cap, size_t *len, uint8_t *scratch,
                     size_t scratch_cap);

/* Encodes the payload into `payload` and fills `msg` as the Send request:
 * CON POST /dp with Content-Format (type/MID/token are the endpoint's:
 * pass msg to tern_coap_request). msg's views point to static data and
 * `payload`, which must live until the request is sent. */
int tern_send_build(tern_dm *dm, const tern_send_req *r, tern_coap_msg *msg, uint8_t *payload, size_t cap,
                    uint8_t *scratch, size_t scratch_cap);

#ifdef __cplusplus
}
#endif
#endif /* TERN_OBSERVE_H */
