/* tern — security layer: the TLS/DTLS interface (LwM2M 1.2 Transport §5.2).
 *
 * One interface, one file per backend (src/security/tls_gnutls.c, the GnuTLS
 * backend; src/security/tls_none.c, NoSec pass-through). Like the rest of
 * tern the interface is sans-I/O: the caller feeds received datagrams (DTLS)
 * or stream bytes (TLS) with tern_tls_feed(), records to send come out of the
 * session's output callback, decrypted application data comes out of its data
 * callback, and tern_tls_step(now) drives handshake retransmission and
 * returns the next deadline.
 *
 *   tern_tls_ctx      configuration shared by many sessions: role, transport,
 *                     security mode, credentials, peer verification policy.
 *   tern_tls_session  one peer. The server side of DTLS first runs the
 *                     stateless cookie exchange (tern_tls_cookie_check(),
 *                     RFC 6347 §4.2.1) and creates a session only for a peer
 *                     that returned a valid cookie.
 *
 * Memory: contexts and sessions are allocated by the backend (GnuTLS
 * allocates internally) with an explicit new/free pair; nothing is global.
 * Backend-wide initialisation is GnuTLS's own reference-counted
 * gnutls_global_init(), taken by each context and released by its free.
 *
 * Clock: `now` is the caller's monotonic clock (tern_time_ms); deadlines are
 * returned on it. GnuTLS measures its DTLS retransmission intervals with its
 * own monotonic clock, so under a virtual clock the returned deadline is a
 * hint ("call step no earlier than"), not an exact schedule. Certificate
 * expiry is checked against tern_tls_config.unix_time when it is set.
 *
 * Secrets (PSK keys, private keys) are never passed to the log hook.
 */
#ifndef TERN_TLS_H
#define TERN_TLS_H

#include "tern/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- enumerations ------------------------------------------------------ */

typedef enum tern_tls_role {
    TERN_TLS_CLIENT = 0, /* the LwM2M Client is always the TLS client (§5.2.7) */
    TERN_TLS_SERVER = 1, /* LwM2M Server and Bootstrap-Server */
} tern_tls_role;

typedef enum tern_tls_transport {
    TERN_TLS_DATAGRAM = 0, /* DTLS 1.2 (RFC 6347); one feed = one datagram */
    TERN_TLS_STREAM = 1,   /* TLS 1.2 (1.3 opt-in) over a byte stream (CoAP over TLS) */
} tern_tls_transport;

/* The LwM2M Security Object's "Security Mode" resource values (§5.2.4). */
typedef enum tern_sec_mode {
    TERN_SEC_PSK = 0,
    TERN_SEC_RPK = 1,
    TERN_SEC_CERT = 2,
    TERN_SEC_NOSEC = 3,
    TERN_SEC_EST = 4, /* refused: "EST (Security Mode 4) is not supported yet" */
} tern_sec_mode;

/* The "Certificate Usage" resource (§5.2.9.7, RFC 6698 usages). */
typedef enum tern_cert_usage {
    TERN_CERT_USAGE_CA_CONSTRAINT = 0,      /* PKIX, and the configured CA is in the path */
    TERN_CERT_USAGE_SERVICE_CERT = 1,       /* PKIX, and the leaf matches the configured one */
    TERN_CERT_USAGE_TRUST_ANCHOR = 2,       /* PKIX with the configured cert as the only anchor */
    TERN_CERT_USAGE_DOMAIN_ISSUED = 3,      /* leaf matches the configured one; no PKIX */
} tern_cert_usage;

typedef enum tern_tls_state {
    TERN_TLS_HANDSHAKING = 0,
    TERN_TLS_ESTABLISHED = 1,
    TERN_TLS_CLOSED = 2, /* close_notify sent or received */
    TERN_TLS_FAILED = 3, /* see tern_tls_session_alert() / tern_tls_session_error() */
} tern_tls_state;

/* Transport Table 5.2.10.-1: what a client does after an alert. */
typedef enum tern_tls_alert_action {
    TERN_TLS_ALERT_RETRY = 0,  /* handshake failed, may be transient */
    TERN_TLS_ALERT_FAIL = 1,   /* cannot recover by itself (credentials) */
    TERN_TLS_ALERT_IGNORE = 2, /* should never occur */
} tern_tls_alert_action;

/* The recommendation for a TLS alert description (0..255). Unknown values
 * are RETRY. The table lives in src/security/tls.c, nowhere else. */
tern_tls_alert_action tern_tls_alert_action_of(int alert);
/* The alert's name as in RFC 5246 ("bad_certificate"), "unknown" otherwise. */
const char *tern_tls_alert_name(int alert);

/* ---- peer identity (§5.2.6) ---------------------------------------------- */

typedef enum tern_tls_peer_kind {
    TERN_TLS_PEER_NONE = 0,
    TERN_TLS_PEER_PSK = 1,  /* id: the PSK identity */
    TERN_TLS_PEER_RPK = 2,  /* id: the peer's SubjectPublicKeyInfo DER */
    TERN_TLS_PEER_CERT = 3, /* id: the leaf certificate DER; cn: subject CN */
} tern_tls_peer_kind;

/* Views into session memory, valid until the session is freed. */
typedef struct tern_tls_peer {
    tern_tls_peer_kind kind;
    tern_bytes id;
    tern_bytes cn; /* CERT only: the subject Common Name, not NUL-terminated */
} tern_tls_peer;

/* ---- context configuration ----------------------------------------------- */

/* Server side: find the PSK key for an identity. Write at most key_cap bytes
 * to key, set *key_len, return 0; TERN_ENOTFOUND for an unknown identity. */
typedef int (*tern_tls_psk_lookup_fn)(void *ctx, tern_bytes identity, uint8_t *key, size_t key_cap,
                                      size_t *key_len);

/* Either side: an extra check of the authenticated peer (server: find the
 * endpoint's stored RPK / certificate). Called during the handshake after
 * the built-in checks passed. Return 0 to accept; a negative tern_err to
 * refuse (the handshake fails with bad_certificate, or access_denied for
 * TERN_EPERM). */
typedef int (*tern_tls_verify_fn)(void *ctx, const tern_tls_peer *peer);

/* Seconds since the Unix epoch, for certificate validity checks. */
typedef int64_t (*tern_tls_unix_time_fn)(void *ctx);

/* Views: the bytes need only live until tern_tls_ctx_new() returns (they are
 * copied). Keys and certificates are DER; PEM is accepted where noted. */
typedef struct tern_tls_config {
    tern_tls_role role;
    tern_tls_transport transport;
    tern_sec_mode mode;

    /* PSK (§5.2.9.1): identity up to 128 bytes, key up to 64 bytes.
     * Client: psk_identity + psk_key. Server: psk_lookup (or, for a
     * single-identity server, psk_identity + psk_key). */
    tern_bytes psk_identity;
    tern_bytes psk_key;
    tern_tls_psk_lookup_fn psk_lookup;

    /* RPK (§5.2.9.2) and certificates (§5.2.9.3): own credentials.
     * own_key: private key, DER (OneAsymmetricKey/PKCS#8 or SEC1) or PEM.
     * RPK: own_public_key is the SubjectPublicKeyInfo DER (or PEM).
     * CERT: own_cert is the certificate DER or PEM (a PEM chain allowed). */
    tern_bytes own_public_key;
    tern_bytes own_cert;
    tern_bytes own_key;

    /* RPK: the peer's SubjectPublicKeyInfo, matched exactly. Client: the
     * "Server Public Key" resource (required). Server: optional; when empty
     * the verify callback decides (required then). */
    tern_bytes peer_public_key;

    /* CERT, client: the "Server Public Key" resource (a certificate, DER or
     * PEM) interpreted by cert_usage. */
    tern_bytes server_cert;
    tern_cert_usage cert_usage;
    /* CERT: additional trust anchors (DER or PEM bundle). Client: used by
     * usages 0 and 1 for PKIX validation. Server: the CAs that issue client
     * certificates (required unless verify decides alone). */
    tern_bytes trust_anchors;

    /* Client: the reference identifier (§5.2.9.3/§5.2.9.4): the "SNI"
     * resource, else the host of the server URI. Sent as SNI unless it is
     * an IP literal; checked against the server certificate (RFC 6125) for
     * usages 0 and 2. NUL-terminated, copied. */
    const char *server_name;

    tern_tls_verify_fn verify;
    void *verify_ctx; /* also passed to psk_lookup and unix_time */

    tern_tls_unix_time_fn unix_time; /* NULL: the backend's system clock */

    /* DTLS: path MTU (0: 1280 - 48), initial retransmission timeout in ms
     * (0: 1000) and total handshake timeout in ms (0: 60000). */
    uint32_t mtu;
    uint32_t retrans_ms;
    uint32_t handshake_timeout_ms;

    /* Optional: replaces the backend's cipher suite selection (GnuTLS
     * priority string). NULL for the §5.2 / RFC 7925 defaults:
     *   PSK client  TLS_PSK_WITH_AES_128_CCM_8
     *   PSK server  + TLS_PSK_WITH_AES_128_CBC_SHA256
     *   RPK, CERT   TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (+ AES_128_GCM)
     *   groups      secp256r1 first, none under 255 bits
     *   STREAM      TLS 1.2 (TLS 1.3 opt-in through priority: see docs/security.md) */
    const char *priority;

    tern_log log;
} tern_tls_config;

typedef struct tern_tls_ctx tern_tls_ctx;
typedef struct tern_tls_session tern_tls_session;

/* Validates cfg and builds a context. On failure returns a negative
 * tern_err and, when err is not NULL, a message a user can act on (never a
 * secret) in err[0..errcap). TERN_EUNSUPPORTED for Security Mode 4 and for
 * a mode the build lacks. */
int tern_tls_ctx_new(const tern_tls_config *cfg, tern_tls_ctx **out, char *err, size_t errcap);
void tern_tls_ctx_free(tern_tls_ctx *ctx);
/* "gnutls 3.7.9" or "none". */
const char *tern_tls_ctx_backend(const tern_tls_ctx *ctx);

/* ---- DTLS server: stateless cookie exchange ---------------------------- */

/* Opaque state carried from a verified cookie into the new session. */
typedef struct tern_tls_prestate {
    uint32_t v[4];
} tern_tls_prestate;

/* Output of records/datagrams: called synchronously from feed/step/write/
 * close. The bytes live only for the call. Return 0, or a negative tern_err
 * (the send failed; DTLS retransmission covers it). */
typedef int (*tern_tls_output_fn)(void *ctx, const uint8_t *data, size_t len);

/* Server, DTLS: check a datagram from a peer without a session. peer_id is
 * the peer's transport address bytes (any stable encoding of IP + port).
 * Returns TERN_OK when it is a ClientHello with a valid cookie: create the
 * session with *prestate and feed it this datagram. Returns TERN_AGAIN when
 * a HelloVerifyRequest was sent through out (no state kept). Returns
 * TERN_EMALFORMED for anything else (drop it). */
int tern_tls_cookie_check(tern_tls_ctx *ctx, tern_bytes peer_id, const uint8_t *dgram, size_t len,
                          tern_tls_output_fn out, void *out_ctx, tern_tls_prestate *prestate);

/* ---- sessions ---------------------------------------------------------- */

typedef struct tern_tls_session_cfg {
    tern_tls_output_fn output; /* required */
    /* Decrypted application data; the bytes live only for the call. */
    void (*on_data)(void *ctx, const uint8_t *data, size_t len);
    void *cb_ctx; /* passed to output and on_data */
    /* Server, DTLS: from tern_tls_cookie_check(); NULL skips the cookie
     * exchange (not recommended: costs state per ClientHello). */
    const tern_tls_prestate *prestate;
    /* Client: session data from tern_tls_session_resume_data() of an
     * earlier session with the same server, to resume (abbreviated
     * handshake). Copied. */
    tern_bytes resume;
} tern_tls_session_cfg;

/* Creates a session; a client starts its handshake (the first flight goes
 * out through output) on the first tern_tls_step(). */
int tern_tls_session_new(tern_tls_ctx *ctx, const tern_tls_session_cfg *cfg,
                         tern_tls_session **out);
/* Frees without sending anything (call tern_tls_close() first for a clean
 * close). NULL is allowed. */
void tern_tls_session_free(tern_tls_session *s);

/* Received bytes: one whole datagram (DTLS) or any chunk of the stream
 * (TLS). Drives the handshake and delivers application data to on_data.
 * Returns TERN_OK (or TERN_AGAIN while handshaking), TERN_DONE once the peer
 * closed, a negative tern_err when the session failed (TERN_EPERM for
 * authentication failures). DTLS: invalid records are dropped silently
 * (RFC 6347 §4.1.2.7) and return TERN_OK. */
int tern_tls_feed(tern_tls_session *s, const uint8_t *data, size_t len, tern_time_ms now);

/* Drives the handshake (first flight, retransmissions, timeout). Returns
 * the deadline of the next call (TERN_TIME_NEVER when nothing is pending).*/
tern_time_ms tern_tls_step(tern_tls_session *s, tern_time_ms now);

/* Encrypts plaintext into records (through output). TERN_ESTATE unless
 * established; DTLS: TERN_ETOOBIG when len exceeds one record's room. */
int tern_tls_write(tern_tls_session *s, const uint8_t *data, size_t len, tern_time_ms now);

/* Sends close_notify and moves to CLOSED. */
int tern_tls_close(tern_tls_session *s);

tern_tls_state tern_tls_session_state(const tern_tls_session *s);
/* The alert that failed or closed the session: 0..255, or -1 for none.
 * *sent (optional) tells whether we sent it (true) or received it. */
int tern_tls_session_alert(const tern_tls_session *s, bool *sent);
/* A message about the last failure; "" when none. Never a secret. */
const char *tern_tls_session_error(const tern_tls_session *s);
/* After the handshake: who the peer is (§5.2.6). TERN_ESTATE before. */
int tern_tls_session_peer(const tern_tls_session *s, tern_tls_peer *out);
/* Negotiated cipher suite name, "" before the handshake. */
const char *tern_tls_session_suite(const tern_tls_session *s);
/* Largest plaintext tern_tls_write() takes in one call (DTLS record room). */
size_t tern_tls_session_max_write(const tern_tls_session *s);

/* Client: data to resume this session later; copies into buf. TERN_ENOMEM
 * when cap is short (*len says how much is needed). */
int tern_tls_session_resume_data(tern_tls_session *s, uint8_t *buf, size_t cap, size_t *len);
/* True when the handshake was a resumption. */
bool tern_tls_session_resumed(const tern_tls_session *s);

/* ---- key and certificate helpers ------------------------------------------ */

/* Generates an EC P-256 key pair. spki: SubjectPublicKeyInfo DER; key:
 * PKCS#8 (OneAsymmetricKey v1) DER. TERN_ENOMEM when a buffer is short. */
int tern_tls_ec_keygen(uint8_t *spki, size_t spki_cap, size_t *spki_len, uint8_t *key, size_t key_cap,
                       size_t *key_len);
/* Normalises a private key (DER PKCS#8/SEC1 or PEM) to PKCS#8 DER. */
int tern_tls_key_to_pkcs8(tern_bytes in, uint8_t *out, size_t cap, size_t *len);
/* The SubjectPublicKeyInfo DER of a certificate, a private key or an SPKI
 * (DER or PEM). */
int tern_tls_spki_of(tern_bytes in, uint8_t *out, size_t cap, size_t *len);
/* A certificate in DER or PEM to DER (the first of a PEM chain). */
int tern_tls_cert_to_der(tern_bytes in, uint8_t *out, size_t cap, size_t *len);
/* n random bytes from the backend's cryptographic RNG (for PSK keys). */
int tern_tls_random(uint8_t *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* TERN_TLS_H */
