/* tern — POSIX platform layer (Linux): an epoll event loop with timers, UDP
 * sockets for IPv4 and IPv6, the clocks, getrandom() as a tern_rng, and a
 * runner that binds one sans-I/O CoAP endpoint (tern/coap_ep.h) to one UDP
 * socket.
 *
 * Everything is owned by the caller: the loop, its handles (tern_io,
 * tern_timer), sockets and runners are structs the caller allocates and
 * initialises; nothing here keeps global state. The loop embeds in another
 * loop the libuv way: tern_loop_fd() is an fd that becomes readable when a
 * handle has an event, tern_loop_timeout() is how long the outer loop may
 * sleep before calling tern_loop_run_once(loop, 0).
 *
 * Errors are tern_err values; "would block" is TERN_AGAIN, never an error.
 */
#ifndef TERN_POSIX_H
#define TERN_POSIX_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "tern/base.h"
#include "tern/coap_ep.h"
#include "tern/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- clocks and randomness ---------------------------------------------- */

/* CLOCK_MONOTONIC in milliseconds: the clock every tern core is driven by. */
tern_time_ms tern_posix_now_ms(void);
/* CLOCK_REALTIME in milliseconds since the Unix epoch (for timestamps that
 * leave the process, e.g. LwM2M Current Time; never for deadlines). */
int64_t tern_posix_realtime_ms(void);
/* A tern_rng backed by getrandom(2); ctx is unused (NULL). */
tern_rng tern_posix_rng(void);
/* The fill function itself, for callers that build their own tern_rng. */
int tern_posix_rng_fill(void *ctx, void *out, size_t n);

/* ---- event loop ------------------------------------------------------------ */

typedef struct tern_loop tern_loop;
typedef struct tern_io tern_io;
typedef struct tern_timer tern_timer;

enum {
    TERN_IO_READ = 1u,
    TERN_IO_WRITE = 2u,
    TERN_IO_ERROR = 4u, /* reported only: EPOLLERR / EPOLLHUP */
};

/* Called with the events that happened (TERN_IO_* bits). The callback may
 * stop or start any handle, including this one, and may stop the loop. */
typedef void (*tern_io_cb)(tern_loop *loop, tern_io *io, unsigned events);
typedef void (*tern_timer_cb)(tern_loop *loop, tern_timer *t);

/* A file descriptor watched by a loop. Public: fd, data. The rest is private.
 * The fd stays owned by the caller (tern_io never closes it); stop the io
 * before closing the fd. */
struct tern_io {
    int fd;
    void *data; /* for the caller */
    tern_io_cb cb_;
    tern_loop *loop_;
    unsigned events_;
};

/* A one-shot timer at an absolute tern_time_ms (the loop's clock, which is
 * tern_posix_now_ms()). Public: data. Re-arming moves it. */
struct tern_timer {
    void *data; /* for the caller */
    tern_timer_cb cb_;
    tern_loop *loop_;
    tern_time_ms due_;
    uint64_t gen_;
    tern_timer *next_;
};

#define TERN_LOOP_MAX_EVENTS 64

struct tern_loop {
    /* private */
    int epfd_;
    bool stop_;
    unsigned nio_;        /* active io handles */
    tern_timer *timers_;  /* sorted by due, earliest first */
    tern_time_ms now_;
    uint64_t gen_;
    int nev_, iev_;       /* events of the current dispatch */
    void *ev_[TERN_LOOP_MAX_EVENTS];
    unsigned evbits_[TERN_LOOP_MAX_EVENTS];
};

/* Creates the epoll instance: 0 or TERN_EIO (errno tells why). */
int tern_loop_init(tern_loop *loop);
/* Closes the epoll fd. Handles must have been stopped (they are forgotten). */
void tern_loop_close(tern_loop *loop);
/* Runs until tern_loop_stop() or nothing is active (no io, no timer):
 * returns 0, or TERN_EIO if epoll_wait fails. */
int tern_loop_run(tern_loop *loop);
/* One iteration: waits at most max_wait_ms (-1: until the next timer or io
 * event; 0: does not block), dispatches io events, then due timers. Returns
 * the number of callbacks run (>= 0) or TERN_EIO. */
int tern_loop_run_once(tern_loop *loop, int max_wait_ms);
/* Makes tern_loop_run() return after the current iteration. */
void tern_loop_stop(tern_loop *loop);
/* The loop's clock, refreshed at the start of each iteration and after
 * waiting (CLOCK_MONOTONIC ms). tern_loop_update_time() refreshes it now. */
tern_time_ms tern_loop_now(const tern_loop *loop);
void tern_loop_update_time(tern_loop *loop);

/* Embedding: the epoll fd (readable when an io handle has an event) and the
 * milliseconds until the earliest timer (-1 when none, 0 when one is due),
 * measured from a fresh clock reading. */
int tern_loop_fd(const tern_loop *loop);
int tern_loop_timeout(const tern_loop *loop);
/* The earliest timer deadline, TERN_TIME_NEVER when none. */
tern_time_ms tern_loop_next_deadline(const tern_loop *loop);

void tern_io_init(tern_io *io, int fd, tern_io_cb cb, void *data);
/* Watches for `events` (TERN_IO_READ | TERN_IO_WRITE), level-triggered;
 * calling again changes the set. 0, TERN_EINVAL or TERN_EIO. */
int tern_io_start(tern_loop *loop, tern_io *io, unsigned events);
/* Stops watching; no callback for it runs afterwards, not even one already
 * collected in the current iteration. Idempotent. */
void tern_io_stop(tern_io *io);
bool tern_io_active(const tern_io *io);

void tern_timer_init(tern_timer *t, tern_timer_cb cb, void *data);
/* Arms at absolute time `due`; TERN_TIME_NEVER stops it. A timer armed
 * from a timer callback with a past deadline runs in the next iteration. */
void tern_timer_start_at(tern_loop *loop, tern_timer *t, tern_time_ms due);
/* Arms `delay_ms` after tern_loop_now(). */
void tern_timer_start(tern_loop *loop, tern_timer *t, tern_time_ms delay_ms);
void tern_timer_stop(tern_timer *t);
bool tern_timer_active(const tern_timer *t);
tern_time_ms tern_timer_due(const tern_timer *t); /* TERN_TIME_NEVER if idle */

/* ---- UDP ------------------------------------------------------------------- */

/* A socket address of either family, with its length. Plain data: copy it,
 * compare it with tern_udp_addr_equal(), store it in an endpoint's opaque
 * peer (it is at most sizeof(struct sockaddr_in6) + a length). */
typedef struct tern_udp_addr {
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } u;
    socklen_t len;
} tern_udp_addr;

/* Parses a numeric host ("127.0.0.1", "::1", "[::1]", "0.0.0.0", "::") or,
 * when that fails, resolves a name (getaddrinfo, first UDP result). 0,
 * TERN_EINVAL (unparseable) or TERN_ENOTFOUND (name does not resolve). */
int tern_udp_addr_parse(tern_udp_addr *a, const char *host, uint16_t port);
/* "127.0.0.1:5683" / "[::1]:5683" into out (NUL-terminated); returns the
 * length or TERN_ENOMEM. 48 bytes always suffice. */
int tern_udp_addr_format(const tern_udp_addr *a, char *out, size_t cap);
uint16_t tern_udp_addr_port(const tern_udp_addr *a);
bool tern_udp_addr_equal(const tern_udp_addr *a, const tern_udp_addr *b);

typedef struct tern_udp {
    int fd;      /* -1 when closed; non-blocking, close-on-exec */
    int family;  /* AF_INET or AF_INET6 */
    bool dual;   /* AF_INET6 socket that also carries IPv4 (v4-mapped) */
} tern_udp;

enum {
    /* Bind an IPv6 wildcard address as dual-stack (IPV6_V6ONLY off), so IPv4
     * peers reach it too; their addresses are reported as AF_INET. */
    TERN_UDP_DUALSTACK = 1u,
    TERN_UDP_REUSEADDR = 2u,
};

/* Opens a non-blocking UDP socket bound to `local` (port 0: the kernel
 * picks). 0 or TERN_EIO (errno tells why: EADDRINUSE, EAFNOSUPPORT...). */
int tern_udp_open(tern_udp *s, const tern_udp_addr *local, unsigned flags);
void tern_udp_close(tern_udp *s);
/* The bound address (with the port the kernel picked). */
int tern_udp_local(const tern_udp *s, tern_udp_addr *out);
/* Receives one datagram into buf, its length into *len: 0, TERN_AGAIN when
 * none is waiting, TERN_ETOOBIG when it did not fit in cap (it is dropped),
 * or TERN_EIO. IPv4-mapped IPv6 sources are reported as AF_INET. `from`
 * may be NULL. */
int tern_udp_recv(const tern_udp *s, void *buf, size_t cap, size_t *len, tern_udp_addr *from);
/* Sends one datagram: 0, TERN_AGAIN (socket buffer full), TERN_EINVAL (the
 * address family cannot be reached from this socket) or TERN_EIO. An IPv4
 * destination on a dual-stack socket is mapped to ::ffff:a.b.c.d. */
int tern_udp_send(const tern_udp *s, const tern_udp_addr *to, const void *buf, size_t len);

/* ---- CoAP endpoint peers and the endpoint runner --------------------------- */

/* A tern_coap_peer holds the sockaddr bytes (sockaddr_in: 16, sockaddr_in6:
 * 28), so peers compare equal exactly when the addresses do. */
int tern_posix_peer_from_addr(tern_coap_peer *peer, const tern_udp_addr *a);
int tern_posix_addr_from_peer(tern_udp_addr *a, const tern_coap_peer *peer);

/* The endpoint's send callback over a UDP socket: set cfg.send to it and
 * cfg.send_ctx to the tern_udp (which must outlive the endpoint). A full
 * socket buffer drops the datagram (TERN_OK: CoAP retransmits CON). */
int tern_posix_coap_send(void *udp, const tern_coap_peer *peer, const uint8_t *bytes, size_t len);

#ifndef TERN_POSIX_RX_MAX
#define TERN_POSIX_RX_MAX 2048 /* larger datagrams are dropped */
#endif

/* Binds one CoAP endpoint to one UDP socket in a loop: readable → recv and
 * tern_coap_ep_feed(); the endpoint's deadline (tern_coap_ep_step()) arms a
 * timer. Caller-allocated; the loop, socket and endpoint must outlive it. */
typedef struct tern_coap_udp {
    tern_loop *loop;
    tern_udp *sock;
    tern_coap_ep *ep;
    uint64_t rx_dropped; /* datagrams too large, or receive errors */
    /* private */
    tern_io io_;
    tern_timer timer_;
    uint8_t rx_[TERN_POSIX_RX_MAX];
} tern_coap_udp;

/* Starts watching the socket. The endpoint must have been initialised with
 * cfg.send = tern_posix_coap_send and cfg.send_ctx = sock. 0 or TERN_EIO. */
int tern_coap_udp_start(tern_coap_udp *r, tern_loop *loop, tern_udp *sock, tern_coap_ep *ep);
/* Re-arms the timer from tern_coap_ep_step(): call it after using the
 * endpoint outside of its own callbacks (tern_coap_request(), notify,
 * respond, cancel), so the first transmission's timeout is scheduled.
 * (Inside the endpoint's callbacks no call is needed: the runner steps
 * after every feed and timer.) */
void tern_coap_udp_kick(tern_coap_udp *r);
/* Stops watching (does not close the socket or deinit the endpoint). */
void tern_coap_udp_stop(tern_coap_udp *r);

/* ---- DTLS under a CoAP endpoint (library tern_posix_dtls) -------------------
 * LwM2M Transport §5.2: per-peer DTLS sessions (tern/tls.h) between one UDP
 * socket and a CoAP endpoint. The object reads the socket itself (it owns an
 * io handle and a timer in the loop for handshake retransmissions and idle
 * expiry); the endpoint's send callback is tern_posix_dtls_send with
 * send_ctx = the object. Peers are the same tern_coap_peer as over plain UDP
 * (the socket address), so the endpoint does not see DTLS at all.
 *   Server: cfg.accept_ctx (role TERN_TLS_SERVER) accepts new peers after the
 *   stateless cookie exchange; a bounded table (max_sessions) with idle
 *   expiry (idle_ms); a new ClientHello from a known address replaces the
 *   old session once its cookie is verified (RFC 6347 §4.2.8).
 *   Client: tern_posix_dtls_connect() declares a peer secure; the handshake
 *   starts with the first datagram sent to it and datagrams are queued
 *   (queue_max) until it is established.
 * Peers without a session are plain CoAP/UDP when on_plain is set (NoSec
 * servers of a client), else their datagrams are dropped and nothing is sent
 * to them in clear. Allocates (the platform layer may). */
typedef struct tern_posix_dtls tern_posix_dtls;

typedef enum tern_posix_dtls_event {
    TERN_POSIX_DTLS_ESTABLISHED = 0, /* tern_posix_dtls_peer() now works */
    TERN_POSIX_DTLS_FAILED = 1,      /* see tern_tls_session_alert()/_error() of s */
    TERN_POSIX_DTLS_CLOSED = 2,      /* close_notify received, expired or replaced */
} tern_posix_dtls_event;

typedef struct tern_posix_dtls_cfg {
    tern_loop *loop;          /* required */
    tern_udp *sock;           /* required; outlives the object */
    tern_tls_ctx *accept_ctx; /* server: context for new peers (borrowed); NULL: no inbound sessions */
    /* Decrypted datagrams, and (optional) datagrams of peers without DTLS.
     * The bytes live only for the call. */
    void (*on_data)(void *ctx, const tern_coap_peer *peer, const uint8_t *data, size_t len);
    void (*on_plain)(void *ctx, const tern_coap_peer *peer, const uint8_t *data, size_t len);
    void *ctx;
    /* Optional: session life (s is valid only during the call). */
    void (*on_event)(void *ctx, const tern_coap_peer *peer, tern_posix_dtls_event ev, tern_tls_session *s);
    void *event_ctx;
    size_t max_sessions; /* 0: 64 */
    uint32_t idle_ms;    /* server sessions without traffic this long are closed; 0: 2 h */
    size_t queue_max;    /* datagrams queued per peer while handshaking; 0: 8 */
    tern_log log;        /* handshake outcomes (never a secret) */
} tern_posix_dtls_cfg;

/* Creates the object and starts reading the socket. 0, TERN_EINVAL,
 * TERN_ENOMEM or TERN_EIO. */
int tern_posix_dtls_new(const tern_posix_dtls_cfg *cfg, tern_posix_dtls **out);
/* Sends close_notify on every established session, frees everything (does
 * not close the socket). NULL is allowed. */
void tern_posix_dtls_free(tern_posix_dtls *d);
/* Client: (re)starts a DTLS session toward peer with a context built from
 * tls (role TERN_TLS_CLIENT, transport TERN_TLS_DATAGRAM; copied). An
 * existing session with that peer is closed and replaced. The message of a
 * configuration error goes to err (never a secret). */
int tern_posix_dtls_connect(tern_posix_dtls *d, const tern_coap_peer *peer, const tern_tls_config *tls, char *err,
                            size_t errcap);
/* The endpoint's send callback (ctx: the tern_posix_dtls). */
int tern_posix_dtls_send(void *dtls, const tern_coap_peer *peer, const uint8_t *bytes, size_t len);
/* Transport §5.2.6: the authenticated identity of the peer's session (PSK
 * identity, RPK SPKI, certificate and CN); views valid until the session
 * ends. TERN_ENOTFOUND: no session; TERN_ESTATE: not established yet. */
int tern_posix_dtls_peer(const tern_posix_dtls *d, const tern_coap_peer *peer, tern_tls_peer *out);
/* The session of a peer (NULL when none), e.g. for its cipher suite. */
tern_tls_session *tern_posix_dtls_session(const tern_posix_dtls *d, const tern_coap_peer *peer);
/* Sends close_notify to the peer and forgets its session. */
int tern_posix_dtls_close(tern_posix_dtls *d, const tern_coap_peer *peer);
/* Live sessions. */
size_t tern_posix_dtls_count(const tern_posix_dtls *d);

/* A CoAP endpoint served over DTLS only (a coaps:// port), like
 * tern_coap_udp. Initialise the endpoint with cfg.send = tern_coap_dtls_send
 * and cfg.send_ctx = the runner, then start it; base supplies accept_ctx,
 * on_event, limits and log (its loop/sock/on_data/on_plain/ctx are set
 * here). r->dtls is the object (for tern_posix_dtls_peer). */
typedef struct tern_coap_dtls {
    tern_loop *loop;
    tern_coap_ep *ep;
    tern_posix_dtls *dtls;
    /* private */
    tern_timer timer_;
} tern_coap_dtls;
int tern_coap_dtls_send(void *runner, const tern_coap_peer *peer, const uint8_t *bytes, size_t len);
int tern_coap_dtls_start(tern_coap_dtls *r, tern_loop *loop, tern_udp *sock, tern_coap_ep *ep,
                         const tern_posix_dtls_cfg *base);
void tern_coap_dtls_kick(tern_coap_dtls *r);
/* Closes every session (close_notify) and frees the DTLS object. */
void tern_coap_dtls_stop(tern_coap_dtls *r);

/* ---- file-backed storage (the client's storage port, tern/client.h) ------
 * One file per blob under a directory: mode 0600, written to a temporary
 * file, fsync'ed and renamed over the old one (then the directory is
 * fsync'ed), so a blob is either the old or the new one after a crash.
 *   tern_posix_storage st; tern_posix_storage_init(&st, "/var/lib/dev");
 *   cfg.storage = (tern_client_storage){tern_posix_storage_read, tern_posix_storage_write, &st}; */
typedef struct tern_posix_storage {
    char dir[256];
} tern_posix_storage;
/* Creates the directory (0700) when missing. TERN_EINVAL for a too long
 * path, TERN_EIO when it cannot be created. */
int tern_posix_storage_init(tern_posix_storage *s, const char *dir);
/* Blob names: [A-Za-z0-9._-], 1..64 chars (else TERN_EINVAL). read: TERN_ENOTFOUND
 * when absent; copies min(cap, size) bytes and sets *len to the size. */
int tern_posix_storage_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len);
int tern_posix_storage_write(void *ctx, const char *name, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* TERN_POSIX_H */
