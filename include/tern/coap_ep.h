/* tern — CoAP endpoint over an unreliable datagram link (RFC 7252 §4, §5),
 * with Block-wise transfers (RFC 7959), Observe (RFC 7641) and Echo /
 * Request-Tag (RFC 9175).
 *
 * Sans-I/O: the endpoint never reads a clock, touches a socket or allocates.
 *
 *   tern_coap_ep_init(&ep, &cfg, mem, tern_coap_ep_mem_size(&cfg));
 *   loop:
 *     on datagram:  tern_coap_ep_feed(&ep, &peer, bytes, len, now);
 *     on timer:     next = tern_coap_ep_step(&ep, now);   // arm a timer for `next`
 *   outgoing datagrams leave through cfg.send(cfg.send_ctx, peer, bytes, len).
 *
 * Any call that may send (feed, step, request, notify, respond, cancel)
 * can change the next deadline: call tern_coap_ep_step() (or read
 * tern_coap_ep_next_deadline()) after it. Calls without a `now` argument
 * (request, notify, respond, cancel) use the time of the last feed/step
 * call: when time has passed since, call tern_coap_ep_step(ep, now) first,
 * or timers start from the stale time. Callbacks (send, handler, response
 * callbacks) may call back into the same endpoint (request, notify, respond,
 * cancel), but not tern_coap_ep_feed/step/deinit.
 *
 * All memory is given by the caller at init: one buffer of
 * tern_coap_ep_mem_size(cfg) bytes holds the exchange table, the
 * de-duplication cache, the observer table, the Block1 reassembly states, a
 * hash index over them and the scratch buffers. Lookups go through the hash
 * index and timers through a binary heap, so nothing is linear in the table
 * sizes. There is no global state: any number of endpoints per process.
 */
#ifndef TERN_COAP_EP_H
#define TERN_COAP_EP_H

#include "tern/base.h"
#include "tern/coap_msg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- peers -----------------------------------------------------------------
 * An opaque address: `len` bytes of `addr` compared with memcmp. The POSIX
 * layer stores a sockaddr_in6 (28 bytes), the simulator a small id. */
#define TERN_COAP_PEER_MAX 28
typedef struct tern_coap_peer {
    uint8_t len;
    uint8_t addr[TERN_COAP_PEER_MAX];
} tern_coap_peer;

/* Builds a peer from bytes (len <= TERN_COAP_PEER_MAX, else TERN_EINVAL). */
int tern_coap_peer_make(tern_coap_peer *p, const void *addr, size_t len);
bool tern_coap_peer_eq(const tern_coap_peer *a, const tern_coap_peer *b);

/* ---- transmission parameters (RFC 7252 §4.8) ---------------------------------
 * Per link or per peer. A field left 0 takes the RFC 7252 default, except
 * max_retransmit, where 0 means "no retransmission" only with
 * `no_retransmit` set (the SMS binding); otherwise 0 means the default 4.
 *
 *   RFC 7252 defaults:        ack_timeout_ms 2000, ack_random_factor_pm 1500,
 *                             max_retransmit 4, nstart 1, max_latency_ms 100000
 *   LwM2M Transport App. C:   ack_timeout_ms 300000, max_retransmit 4,
 *   (LoRaWAN)                 constant_timeout = true (every retransmission
 *                             waits ACK_TIMEOUT again), ack_random_factor_pm
 *                             1000 (no randomisation)
 *   SMS:                      no_retransmit = true (MAX_RETRANSMIT 0)
 *
 * Derived (§4.8.2): MAX_TRANSMIT_SPAN = ACK_TIMEOUT * (2^MAX_RETRANSMIT - 1) *
 * ACK_RANDOM_FACTOR (constant_timeout: ACK_TIMEOUT * MAX_RETRANSMIT *
 * ACK_RANDOM_FACTOR), MAX_TRANSMIT_WAIT likewise with 2^(MAX_RETRANSMIT+1) - 1,
 * PROCESSING_DELAY = ACK_TIMEOUT, EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN +
 * 2 * MAX_LATENCY + PROCESSING_DELAY, NON_LIFETIME = MAX_TRANSMIT_SPAN +
 * MAX_LATENCY. */
typedef struct tern_coap_link {
    uint32_t ack_timeout_ms;       /* ACK_TIMEOUT */
    uint16_t ack_random_factor_pm; /* ACK_RANDOM_FACTOR in per mille (1500 = 1.5) */
    uint8_t max_retransmit;        /* MAX_RETRANSMIT */
    uint8_t nstart;                /* NSTART: outstanding requests per peer */
    uint32_t max_latency_ms;       /* MAX_LATENCY */
    bool no_retransmit;            /* MAX_RETRANSMIT = 0 (e.g. SMS) */
    bool constant_timeout;         /* no doubling (LoRaWAN, Transport App. C.3) */
    /* Reserved for RFC 8323 (TCP/TLS): a reliable link skips CON/ACK,
     * retransmission and de-duplication. Not implemented yet: must be false. */
    bool reliable;
} tern_coap_link;

/* The link with every 0 field replaced by its default. */
tern_coap_link tern_coap_link_resolve(const tern_coap_link *l);
/* Derived times of §4.8.2 for a (resolved or not) link, in ms. */
tern_time_ms tern_coap_exchange_lifetime(const tern_coap_link *l);
tern_time_ms tern_coap_non_lifetime(const tern_coap_link *l);
tern_time_ms tern_coap_max_transmit_wait(const tern_coap_link *l);

/* ---- handles ------------------------------------------------------------------
 * Handles name a client request/observation, a deferred server response or a
 * server-side observer. 0 is never a valid handle; a stale handle (its slot
 * was freed and reused) is detected and gives TERN_ENOTFOUND. */
typedef uint64_t tern_coap_handle;

typedef struct tern_coap_ep tern_coap_ep;

/* ---- client role ------------------------------------------------------------ */

/* What a request's callback receives. Everything pointed to lives only during
 * the callback. */
typedef struct tern_coap_result {
    tern_coap_handle handle;
    const tern_coap_peer *peer;
    /* 0: `msg` is a response (of any code, 4.xx and 5.xx included).
     * < 0: no usable response: TERN_ETIMEOUT (gave up after the last
     * retransmission timeout, or no response within EXCHANGE_LIFETIME /
     * opts->timeout_ms), TERN_ERESET (peer answered RST), TERN_ECANCELED
     * (tern_coap_cancel), TERN_EBADOPT (response rejected for an unknown
     * critical option, RFC 7252 §5.4.1), TERN_ESTATE (Block2 ETag changed
     * mid-transfer, RFC 7959 §2.4), TERN_ETOOBIG (Block2 body larger than
     * opts->resp_buf, or a request body answered 4.13 Request Entity Too
     * Large that cannot be retried: Size1 below the body length, or no
     * smaller block size left, RFC 7959 §2.9.3), TERN_EMALFORMED (bad Block option in the response),
     * TERN_EIO (send callback failed), TERN_EFULL. */
    int err;
    const tern_coap_msg *msg; /* NULL when err < 0 */
    /* Body data of this event: the payload of msg, except in reassembly mode
     * (opts->resp_buf) where it is the whole reassembled body. */
    const uint8_t *data;
    size_t data_len;
    /* Block2 (RFC 7959): `data` is bytes [offset, offset+data_len) of the
     * representation; `more` = further chunks follow in later callbacks. */
    uint32_t offset;
    bool more;
    int64_t size2; /* Size2 if the server sent it, else -1 */
    /* Observe (RFC 7641): this event is a notification (or the registration
     * response carrying Observe); `observe_seq` is its sequence number. */
    bool notification;
    uint32_t observe_seq;
    /* true on the last callback for this handle: the handle is then free. */
    bool final;
} tern_coap_result;

typedef void (*tern_coap_result_cb)(void *ctx, tern_coap_ep *ep, const tern_coap_result *res);

/* Read `len` bytes of a request body at `offset` into `out`; returns 0 or a
 * negative tern_err (the request then fails with that error). */
typedef int (*tern_coap_body_read)(void *ctx, size_t offset, uint8_t *out, size_t len);

typedef struct tern_coap_req_opts {
    /* Send as NON (default CON). */
    bool non;
    /* Use req->mid instead of a fresh message ID. The token of req is always
     * used when req->token_len > 0; otherwise a fresh random token of
     * cfg.token_len bytes is assigned. */
    bool keep_mid;
    /* Transmission parameters for this request (copied); NULL: the peer's. */
    const tern_coap_link *link;
    /* Give up (TERN_ETIMEOUT) when no response arrived this long after a
     * message of the request was sent; applies to each block of a
     * block-wise transfer and to a separate response after an empty ACK.
     * 0: EXCHANGE_LIFETIME of the link. A CON request also gives up after
     * its last retransmission timeout (MAX_TRANSMIT_WAIT). */
    uint32_t timeout_ms;

    /* Request body (RFC 7959 Block1). Either a contiguous `body` or a
     * `body_read` callback; `body_len` bytes in both cases. The memory or the
     * callback context must stay valid until the final callback. When the
     * body is longer than one block (block_size), it is sent block-wise with a
     * fresh Request-Tag (RFC 9175 §3); otherwise as the payload of req (req's
     * own payload is ignored when a body is given). A 4.13 answer (RFC 7959
     * §2.9.3) restarts the body block-wise with the block size of its
     * Block1 option, or the next smaller one, unless its Size1 is below
     * body_len (then the request fails with TERN_ETOOBIG). */
    const uint8_t *body;
    tern_coap_body_read body_read;
    void *body_ctx;
    size_t body_len;
    /* Block size in bytes for Block1 and early Block2 negotiation
     * (RFC 7959 §2.2: 16, 32, ..., 1024). 0 (a zeroed struct): the
     * endpoint's block size (cfg.block_szx). Other values are rounded down
     * to a power of two (at least 16) and capped at the endpoint's block
     * size. A server's smaller size is honoured (late negotiation, §2.5).
     * (Replaces `uint8_t block_szx`, where 0 meant 16-byte blocks and the
     * default had to be asked for with 0xff.) */
    uint16_t block_size;
    /* Ask for a specific Block2 size in the first request (early
     * negotiation, RFC 7959 §2.4). */
    bool block2_early;

    /* Block2 response: with resp_buf, the body is reassembled into it and
     * delivered once (final callback, data = resp_buf). Without it, each
     * block is delivered as it arrives (offset/more). */
    uint8_t *resp_buf;
    size_t resp_cap;

    /* Observe (RFC 7641 §3.1): add Observe = 0 and keep the handle alive for
     * notifications until cancelled or the server ends the observation.
     * A notification that carries the first block of a larger body (Block2
     * M=1, RFC 7959 §2.6) is completed with GETs carrying Block2 (num >= 1)
     * and no Observe, on an exchange of their own (fresh token, ETag checked
     * on every block): with resp_buf the whole body arrives as ONE event
     * (data = resp_buf, offset 0, more false); without, block by block
     * (offset/more, starting at offset 0), every event marked as the
     * notification with its observe_seq. A newer notification abandons the
     * unfinished one without an event (§2.6: the newer wins; in chunk mode
     * a chunk at offset 0 starts the new body). If the rest cannot be
     * fetched, the observation gets one event that is not final, with
     * err < 0 (TERN_ESTATE: ETag changed or a non-2.xx answer;
     * TERN_ETIMEOUT, TERN_ETOOBIG, TERN_EMALFORMED, TERN_EFULL: no free
     * exchange) and notification = true; the observation goes on. The fetch
     * takes an exchange (cfg.max_exchanges) and counts against NSTART. */
    bool observe;
} tern_coap_req_opts;

/* Sends a request. The message `req` is copied (encoded) before return; its
 * type, MID and token are taken from opts / assigned as described there.
 * Requests beyond NSTART outstanding ones to the same peer are queued
 * (up to cfg.max_queue per peer, else TERN_EFULL). Returns TERN_OK and sets
 * *handle (may be NULL); the callback is called later, at least once, and
 * exactly once with final = true (never from inside this call). Errors:
 * TERN_EINVAL, TERN_EFULL (no free exchange or queue room), TERN_ETOOBIG
 * (message does not fit cfg.max_msg_size). */
int tern_coap_request(tern_coap_ep *ep, const tern_coap_peer *peer, const tern_coap_msg *req,
                      const tern_coap_req_opts *opts, tern_coap_result_cb cb, void *ctx,
                      tern_coap_handle *handle);

/* Cancels a request or observation: the callback gets TERN_ECANCELED (final)
 * before this returns; an observation is forgotten, so the next notification
 * is answered with RST (passive deregistration, RFC 7641 §3.6). */
int tern_coap_cancel(tern_coap_ep *ep, tern_coap_handle handle);

/* Active deregistration (RFC 7641 §3.6): sends GET with Observe = 1 and the
 * observation's token; the response to it is delivered to the observation's
 * callback as its final event. */
int tern_coap_observe_cancel(tern_coap_ep *ep, tern_coap_handle handle);

/* ---- server role -------------------------------------------------------------- */

/* What the handler sees of an incoming request. Pointers live only during
 * the handler call. */
typedef struct tern_coap_server_req {
    tern_coap_ep *ep;
    const tern_coap_peer *peer;
    const tern_coap_msg *msg; /* views into the received datagram */
    tern_time_ms now;
    /* Block1 (RFC 7959 §2.3): msg's payload is bytes [b1_offset,
     * b1_offset + payload_len) of the body; b1_more: more blocks follow. The
     * endpoint checks order (4.08 otherwise) and cfg.max_body (4.13). With
     * no Block1 option: block1 false, b1_offset 0, b1_more false. */
    bool block1;
    uint32_t b1_offset;
    bool b1_more;
    int64_t size1; /* Size1 option, -1 if absent */
    /* Block2 window wanted: [b2_offset, b2_offset + b2_size). Without a
     * Block2 option: offset 0, size = the endpoint's block size. */
    uint32_t b2_offset;
    uint32_t b2_size;
    bool size2_asked; /* request carried Size2 (RFC 7959 §4): send Size2 */
    /* Observe option of the request: -1 absent, 0 register, 1 deregister. */
    int32_t observe;
    /* The request carried an Echo value this endpoint issued within
     * cfg.echo_window_ms (RFC 9175 §2.3). */
    bool fresh;
} tern_coap_server_req;

#define TERN_COAP_RESP_OPTMEM 96
#define TERN_COAP_OBS_KEY_MAX 48

/* What the handler fills in. The endpoint pre-initialises msg (code 0,
 * no options, no payload) and encodes it right after the handler returns,
 * so every view in msg must live until the handler returns: use static
 * data, `buf` or the option helpers below (they copy into optmem). */
typedef struct tern_coap_response {
    tern_coap_msg msg;
    /* Payload memory the endpoint lends (cfg.max_msg_size bytes). */
    uint8_t *buf;
    size_t buf_cap;
    /* Block2 (RFC 7959 §2.2), two ways:
     * - default: msg.payload is the whole representation; if it exceeds the
     *   window the endpoint sends [b2_offset, b2_offset + b2_size) of it with
     *   a Block2 option (and Size2 when asked);
     * - window = true: msg.payload holds the bytes starting at req->b2_offset
     *   (the endpoint sends at most b2_size of them); `more` says whether the
     *   representation continues, `total` is its size or -1 if unknown. */
    bool window;
    bool more;
    int64_t total;
    /* Accept an Observe registration (req->observe == 0, 2.xx answer): the
     * endpoint registers the observer under this key (copied, at most
     * TERN_COAP_OBS_KEY_MAX bytes), and adds the Observe option. */
    const void *observe_key;
    size_t observe_key_len;
    /* Answer 4.01 Unauthorized with a fresh Echo option (RFC 9175 §2.4)
     * instead of msg. */
    bool challenge;
    /* private: option memory of the helpers */
    uint8_t optmem[TERN_COAP_RESP_OPTMEM];
    size_t optmem_used;
} tern_coap_response;

/* Helpers that copy the option value into resp->optmem (TERN_ENOMEM when
 * full). */
int tern_coap_resp_opt(tern_coap_response *resp, uint16_t num, const void *val, size_t len);
int tern_coap_resp_opt_uint(tern_coap_response *resp, uint16_t num, uint32_t v);

/* The request handler (server role). Return:
 *   TERN_OK          send resp. Code 0 means: 2.31 Continue for a Block1
 *                    block with more to come, 2.05 Content for GET/FETCH,
 *                    2.04 Changed otherwise;
 *   TERN_INPROGRESS  after tern_coap_defer(): answer later with
 *                    tern_coap_respond() (separate response, §5.2.2);
 *   < 0              the endpoint answers 5.00 Internal Server Error.
 * Without a handler, every request gets 4.04 Not Found. */
typedef int (*tern_coap_handler)(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp);

/* From inside the handler: keep the request for a later answer. For a CON
 * request the empty ACK is sent when the handler returns (§5.2.2). */
int tern_coap_defer(tern_coap_ep *ep, const tern_coap_server_req *req, tern_coap_handle *out);
/* Sends the deferred response (copied): type CON by default (NON if the
 * request was NON or `non`), token of the request, fresh MID. If the
 * payload is larger than one block, its first block is sent with Block2. */
int tern_coap_respond(tern_coap_ep *ep, tern_coap_handle deferred, const tern_coap_msg *resp, bool non);

/* ---- server-side Observe (RFC 7641 §4) ------------------------------------------ */

typedef enum tern_coap_obs_end {
    TERN_COAP_OBS_DEREGISTERED, /* GET with Observe = 1 or a new GET with the token */
    TERN_COAP_OBS_RESET,        /* notification answered with RST (§3.6) */
    TERN_COAP_OBS_TIMEOUT,      /* CON notification was never acknowledged (§4.5) */
    TERN_COAP_OBS_ENDED,        /* a non-2.xx notification ended it (§3.2) */
    TERN_COAP_OBS_REMOVED,      /* tern_coap_observer_remove */
} tern_coap_obs_end;

typedef struct tern_coap_notify_opts {
    bool con;  /* send as CON (else NON; one CON every 24 h is forced, §4.5) */
} tern_coap_notify_opts;

/* Sends a notification to one observer: the endpoint sets type, MID, token
 * and the Observe option (a 24-bit sequence number that increases per
 * observer); `content` gives code, other options and payload (copied). A
 * non-2.xx code ends the observation (§3.2). If a CON notification is
 * still in flight, it is replaced (§4.5.2). TERN_ENOTFOUND if the observer
 * is gone. */
int tern_coap_notify(tern_coap_ep *ep, tern_coap_handle observer, const tern_coap_msg *content,
                     const tern_coap_notify_opts *opts);
/* The same for every observer of `key`; returns the number notified (>= 0). */
int tern_coap_notify_key(tern_coap_ep *ep, const void *key, size_t key_len,
                         const tern_coap_msg *content, const tern_coap_notify_opts *opts);
/* Calls fn for every observer of `key`; returns how many. */
int tern_coap_observers_each(tern_coap_ep *ep, const void *key, size_t key_len,
                             void (*fn)(void *ctx, tern_coap_handle obs, const tern_coap_peer *peer),
                             void *ctx);
int tern_coap_observer_remove(tern_coap_ep *ep, tern_coap_handle observer);
/* true while a CON notification to this observer awaits its ACK (§4.5);
 * false when there is none or the observer is gone. Lets a caller that
 * must deliver several notifications in order (LwM2M queued notifications)
 * wait instead of replacing the one in flight (§4.5.2). */
bool tern_coap_notify_pending(const tern_coap_ep *ep, tern_coap_handle observer);
/* Number of registered observers. */
uint32_t tern_coap_observer_count(const tern_coap_ep *ep);

/* ---- configuration and lifecycle ----------------------------------------------- */

typedef struct tern_coap_ep_cfg {
    tern_rng rng;  /* tokens, MIDs, timeouts, Request-Tag, Echo key (required) */
    tern_log log;
    /* Output (required). Returns 0 or a negative tern_err. The bytes live
     * only during the call. */
    int (*send)(void *ctx, const tern_coap_peer *peer, const uint8_t *bytes, size_t len);
    void *send_ctx;
    /* Server role (optional). */
    tern_coap_handler handler;
    void *handler_ctx;
    /* Called when a server-side observer disappears for any reason. */
    void (*on_observer_end)(void *ctx, tern_coap_handle obs, const void *key, size_t key_len,
                            tern_coap_obs_end why);
    void *observer_ctx;
    /* Per-peer transmission parameters (optional): return a link owned by
     * the caller (alive while used) or NULL for cfg.link. */
    const tern_coap_link *(*link_of)(void *ctx, const tern_coap_peer *peer);
    void *link_ctx;
    tern_coap_link link;

    /* Table sizes (0: the default in parentheses). */
    uint32_t max_exchanges; /* (16) client requests incl. queued ones and
                               observations, deferred responses, CON
                               separate responses and CON notifications */
    uint32_t max_dedup;     /* (32) remembered received CON/NON messages */
    uint32_t max_observers; /* (8) server-side observers */
    uint32_t max_block1;    /* (4) concurrent server Block1 reassemblies */
    uint16_t max_msg_size;  /* (1152) largest datagram sent or cached */
    uint8_t max_queue;      /* (8) requests waiting for NSTART, per peer */
    uint8_t token_len;      /* (8) length of generated tokens, 4..8 */
    uint8_t block_szx;      /* (6: 1024 bytes) preferred and largest block
                               size; clamped so a block fits max_msg_size */
    uint32_t max_body;      /* server body limit (0: no limit): a larger Block1 body
                               or plain payload is answered 4.13 with Size1 */
    /* Echo (RFC 9175 §2): challenge every request without a fresh Echo. */
    bool require_echo;
    uint32_t echo_window_ms; /* (10000) how long an Echo value stays fresh */
} tern_coap_ep_cfg;

/* Bytes of memory an endpoint with this configuration needs (8-aligned). */
size_t tern_coap_ep_mem_size(const tern_coap_ep_cfg *cfg);

/* Initialises ep over mem (8-byte aligned, at least tern_coap_ep_mem_size
 * bytes, owned by the caller and untouched by it until deinit). cfg is
 * copied. The RNG picks the initial MID and the Echo key. */
int tern_coap_ep_init(tern_coap_ep *ep, const tern_coap_ep_cfg *cfg, void *mem, size_t mem_len);
/* Fails every open request with TERN_ECANCELED and forgets everything. */
void tern_coap_ep_deinit(tern_coap_ep *ep);

/* A datagram from `peer` at time `now`. Never fails on bad input (it is
 * answered or dropped per RFC 7252 §4.2/§4.3); returns TERN_EINVAL only for
 * bad arguments. */
int tern_coap_ep_feed(tern_coap_ep *ep, const tern_coap_peer *peer, const uint8_t *bytes, size_t len,
                      tern_time_ms now);
/* Runs due timers (retransmissions, give-ups, expiries) and returns the next
 * deadline, or TERN_TIME_NEVER when idle. */
tern_time_ms tern_coap_ep_step(tern_coap_ep *ep, tern_time_ms now);
/* The next deadline without running anything. */
tern_time_ms tern_coap_ep_next_deadline(const tern_coap_ep *ep);

/* Counters (for tests, metrics). */
typedef struct tern_coap_ep_stats {
    uint64_t sent, received, retransmitted, duplicates, dropped, rst_sent, gave_up;
    uint32_t exchanges_used, dedup_used, observers_used, block1_used;
} tern_coap_ep_stats;
void tern_coap_ep_get_stats(const tern_coap_ep *ep, tern_coap_ep_stats *out);

/* ---- the endpoint struct: caller-allocated, fields private ----------------------- */
struct tern_coap_ep {
    tern_coap_ep_cfg cfg;
    tern_coap_link link; /* resolved cfg.link */
    tern_time_ms now;    /* time of the last feed/step call */
    uint16_t next_mid;
    uint8_t echo_key[16];
    uint32_t n_index;    /* hash index capacity (power of two) */
    struct tern_coap_ep_priv_ *p; /* tables inside the caller's memory */
    tern_coap_ep_stats stats;
    bool in_callback;
};

#ifdef __cplusplus
}
#endif
#endif /* TERN_COAP_EP_H */
