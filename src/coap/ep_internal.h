/* Internal state of the CoAP endpoint (include/tern/coap_ep.h). Shared by
 * endpoint.c (exchanges, dedup, index, timers), block.c (RFC 7959),
 * observe.c (RFC 7641) and echo.c (RFC 9175). Not a public header. */
#ifndef TERN_COAP_EP_INTERNAL_H
#define TERN_COAP_EP_INTERNAL_H

#include "tern/coap_ep.h"

#define EP_NONE UINT32_MAX

/* Index key kinds (the top 4 bits of an index reference). */
enum { K_MID = 1, K_TOK, K_DEDUP, K_OBS_TOK, K_OBS_KEY, K_OBS_MID, K_B1, K_PEER };

/* Exchange kinds and client request states. */
enum { X_FREE = 0, X_REQ, X_DEFER, X_SEP, X_NOTIFY };
enum { S_QUEUED = 1, S_SENT, S_WAIT, S_OBSERVING };

typedef struct ep_xchg {
    uint32_t gen;
    uint8_t kind, state;
    bool con;       /* the message in msg[] is CON */
    bool in_mid, in_tok;
    bool keep_mid;
    bool dereg;     /* active Observe deregistration in flight */
    bool echo_tried;
    bool observed;  /* the registration response carried Observe */
    bool obs_have;  /* obs_seq/obs_time valid */
    bool etag_set;
    bool b1_active;
    uint8_t retries;
    uint8_t token_len;
    uint8_t token[TERN_COAP_MAX_TOKEN];
    uint8_t b1_szx, b2_szx, reqtag_len, etag_len, echo_len, toobig_tries;
    uint8_t reqtag[8];
    uint8_t etag[8];
    uint8_t echo[40];
    uint16_t mid;
    tern_coap_peer peer;
    tern_coap_link link;
    uint32_t timeout_ms; /* current retransmission timeout */
    tern_time_ms deadline;
    uint32_t hpos;       /* position in the timer heap or EP_NONE */
    uint32_t peer_slot;  /* K_PEER slot (X_REQ) */
    uint32_t qnext;      /* next queued request of the same peer */
    uint32_t obs;        /* X_NOTIFY: observer index */
    /* client request */
    tern_coap_result_cb cb;
    void *cb_ctx;
    tern_coap_req_opts opts;
    uint32_t b1_off, b1_len; /* block in flight */
    uint32_t b2_next;        /* next Block2 offset expected */
    size_t reasm_len;
    uint32_t obs_seq;
    tern_time_ms obs_time;
    /* observation: the exchange fetching the rest of a block-wise
     * notification (RFC 7959 §2.6), 0 when none; its sequence number */
    tern_coap_handle fetch;
    uint32_t fetch_seq;
    /* server deferred response */
    uint32_t b2_size;
    uint8_t req_type;
    /* the encoded message (cfg.max_msg_size bytes) */
    size_t msg_len;
    uint8_t *msg;
} ep_xchg;

typedef struct ep_dedup {
    tern_coap_peer peer;
    uint16_t mid;
    bool live;
    tern_time_ms expires;
    size_t resp_len; /* 0: nothing to replay */
    uint8_t *resp;
} ep_dedup;

typedef struct ep_obs {
    uint32_t gen;
    bool used;
    bool mid_set;
    uint8_t token_len;
    uint8_t token[TERN_COAP_MAX_TOKEN];
    uint16_t last_mid;
    uint8_t key_len;
    uint8_t key[TERN_COAP_OBS_KEY_MAX];
    tern_coap_peer peer;
    uint32_t seq;
    tern_time_ms last_con;
    uint32_t xchg; /* in-flight CON notification or EP_NONE */
} ep_obs;

typedef struct ep_b1 {
    bool used;
    uint8_t key_len; /* Request-Tag (0-8) + 8 bytes of URI hash */
    uint8_t key[16];
    tern_coap_peer peer;
    uint32_t next_off;
    tern_time_ms expires;
} ep_b1;

typedef struct ep_peer {
    bool used;
    tern_coap_peer peer;
    uint32_t outstanding;
    uint32_t qhead, qtail, qlen;
} ep_peer;

typedef struct ep_ient {
    uint32_t ref; /* kind << 28 | slot, or EP_NONE */
    uint32_t hash;
} ep_ient;

struct tern_coap_ep_priv_ {
    ep_xchg *x;
    ep_dedup *dd;
    ep_obs *obs;
    ep_b1 *b1;
    ep_peer *peers;
    ep_ient *index;
    uint32_t *heap;
    uint32_t heap_len;
    uint32_t x_free; /* free list through qnext */
    uint32_t dd_head, dd_count;
    uint32_t obs_count;
    uint8_t *enc;   /* encode scratch, max_msg_size */
    uint8_t *pay;   /* payload scratch, max_msg_size */
    uint8_t *hbuf;  /* handler payload buffer, max_msg_size */
    bool deferred;  /* the running handler called tern_coap_defer */
};

/* endpoint.c */
int ep_send(tern_coap_ep *ep, const tern_coap_peer *peer, const uint8_t *b, size_t n);
/* Sends a reply to a received CON/NON message and remembers it in dedup
 * entry dd (EP_NONE: not remembered) for replay. */
void ep_reply(tern_coap_ep *ep, const tern_coap_peer *peer, uint32_t dd, const uint8_t *b, size_t n);
void ep_send_empty(tern_coap_ep *ep, const tern_coap_peer *peer, uint8_t type, uint16_t mid);
uint16_t ep_new_mid(tern_coap_ep *ep);
uint32_t ep_idx_hash(uint8_t kind, const tern_coap_peer *peer, const uint8_t *k, size_t klen);
void ep_idx_add(tern_coap_ep *ep, uint8_t kind, uint32_t slot, uint32_t hash);
void ep_idx_del(tern_coap_ep *ep, uint8_t kind, uint32_t slot, uint32_t hash);
/* Finds the next slot of `kind` matching (peer, k) from *pos (start with
 * EP_NONE); EP_NONE when there is none. */
uint32_t ep_idx_find(const tern_coap_ep *ep, uint8_t kind, const tern_coap_peer *peer, const uint8_t *k,
                     size_t klen, uint32_t *pos);
ep_xchg *ep_x_alloc(tern_coap_ep *ep);
void ep_x_free(tern_coap_ep *ep, ep_xchg *x);
void ep_x_set_mid(tern_coap_ep *ep, ep_xchg *x, uint16_t mid);
void ep_x_timer(tern_coap_ep *ep, ep_xchg *x, tern_time_ms deadline);
/* Transmits x->msg as a new CON/NON message (fresh MID unless keep_mid). */
int ep_x_transmit(tern_coap_ep *ep, ep_xchg *x);
uint32_t ep_first_timeout(tern_coap_ep *ep, const tern_coap_link *l);
tern_coap_link ep_link_for(const tern_coap_ep *ep, const tern_coap_peer *peer);
/* Client request finished: frees x (and starts a queued request) and calls
 * the callback with final = true. */
void ep_req_finish(tern_coap_ep *ep, ep_xchg *x, int err, const tern_coap_msg *m, const uint8_t *data,
                   size_t data_len, uint32_t offset);
/* Non-final event. notification: mark it as a notification with sequence
 * number x->obs_seq. */
void ep_req_event(tern_coap_ep *ep, ep_xchg *x, const tern_coap_msg *m, const uint8_t *data, size_t dlen,
                  uint32_t offset, bool more, bool notification);
/* Non-final event of an observation with an explicit error and sequence number. */
void ep_req_emit(tern_coap_ep *ep, ep_xchg *x, int err, const tern_coap_msg *m, const uint8_t *data, size_t dlen,
                 uint32_t offset, bool more, uint32_t seq);
/* Moves an X_REQ from S_SENT/S_WAIT to observing (stops timers, frees NSTART). */
void ep_req_observing(tern_coap_ep *ep, ep_xchg *x);
tern_coap_handle ep_handle(uint32_t slot, uint32_t gen);
ep_xchg *ep_x_from_handle(const tern_coap_ep *ep, tern_coap_handle h);
uint32_t ep_block_szx(const tern_coap_ep *ep);

/* Re-encodes x->msg with changes (block.c). */
typedef struct ep_rebuild {
    bool new_token;
    bool set_b1;
    tern_coap_block b1;
    bool set_b2;
    tern_coap_block b2;
    bool drop_b1;  /* remove Block1, Size1, Request-Tag and payload */
    bool set_reqtag;
    bool set_observe;
    uint32_t observe;
    bool drop_observe;
    bool drop_b2;
    bool set_payload;
    const uint8_t *payload;
    size_t payload_len;
    bool set_size1;
    uint32_t size1;
    bool set_echo;
    bool set_code;
    uint8_t code;
} ep_rebuild;
int ep_x_rebuild(tern_coap_ep *ep, ep_xchg *x, const ep_rebuild *r);

/* block.c */
/* Handles a response to a client request (everything but Observe). */
void ep_client_response(tern_coap_ep *ep, ep_xchg *x, const tern_coap_msg *m);
/* SZX of a tern_coap_req_opts.block_size (0: cfg.block_szx). */
uint8_t ep_opts_szx(const tern_coap_ep *ep, uint16_t bytes);
/* Builds the first message of a client request into x (may read the body). */
int ep_client_build(tern_coap_ep *ep, ep_xchg *x, const tern_coap_msg *req);
/* Server request handling, dedup entry `dd` (EP_NONE for NON). */
void ep_server_request(tern_coap_ep *ep, const tern_coap_peer *peer, const tern_coap_msg *m, uint32_t dd);
/* Cuts a too-long payload of m into its first block window (Block2). */
int ep_block2_window(tern_coap_msg *m, uint32_t offset, uint32_t size, uint8_t szx, bool size2,
                     int64_t total, uint8_t scratch[8]);
void ep_b1_clear(tern_coap_ep *ep);

/* observe.c */
bool ep_obs_fresh(uint32_t v1, tern_time_ms t1, uint32_t v2, tern_time_ms t2);
ep_obs *ep_obs_find(const tern_coap_ep *ep, const tern_coap_peer *peer, const uint8_t *tok, size_t tlen,
                    uint32_t *slot);
int ep_obs_register(tern_coap_ep *ep, const tern_coap_peer *peer, const tern_coap_msg *req, const void *key,
                    size_t key_len, uint32_t *seq_out);
void ep_obs_end(tern_coap_ep *ep, uint32_t slot, tern_coap_obs_end why);
/* A RST for (peer, mid) that matched no exchange: NON notification? */
bool ep_obs_rst(tern_coap_ep *ep, const tern_coap_peer *peer, uint16_t mid);
/* Client side: a notification for an observing X_REQ. */
void ep_client_notification(tern_coap_ep *ep, ep_xchg *x, const tern_coap_msg *m);
/* Client side: abandons the fetch of a block-wise notification, if any
 * (silently: its callback is not called). */
void ep_obs_fetch_abort(tern_coap_ep *ep, ep_xchg *x);

/* echo.c */
#define EP_ECHO_LEN 12
void ep_echo_make(const tern_coap_ep *ep, const tern_coap_peer *peer, tern_time_ms now, uint8_t out[EP_ECHO_LEN]);
bool ep_echo_check(const tern_coap_ep *ep, const tern_coap_peer *peer, tern_time_ms now, const uint8_t *v,
                   size_t len);

#endif
