/* Internal: the TLS backend interface behind tern/tls.h. tls.c validates the
 * configuration, keeps the common session state and dispatches to one
 * backend per context (tls_gnutls.c, tls_none.c), libcoap-style. */
#ifndef TERN_SECURITY_TLS_BACKEND_H
#define TERN_SECURITY_TLS_BACKEND_H

#include "tern/tls.h"

typedef struct tern_tls_backend tern_tls_backend;

struct tern_tls_ctx {
    const tern_tls_backend *be;
    tern_tls_config cfg; /* byte views cleared; the backend keeps copies */
    char *server_name;   /* owned copy of cfg.server_name, or NULL */
    void *impl;
};

struct tern_tls_session {
    const tern_tls_backend *be;
    tern_tls_ctx *ctx;
    tern_tls_session_cfg cfg; /* resume/prestate cleared after new() */
    tern_tls_state state;
    int alert; /* -1 none */
    bool alert_sent;
    bool hs_started;
    bool timed_out;
    tern_time_ms hs_deadline; /* total handshake timeout on the caller's clock */
    char err[160];
    void *impl;
};

struct tern_tls_backend {
    const char *name;
    int (*ctx_new)(tern_tls_ctx *ctx, const tern_tls_config *cfg, char *err, size_t errcap);
    void (*ctx_free)(tern_tls_ctx *ctx);
    int (*cookie_check)(tern_tls_ctx *ctx, tern_bytes peer_id, const uint8_t *dgram, size_t len,
                        tern_tls_output_fn out, void *out_ctx, tern_tls_prestate *prestate);
    int (*session_new)(tern_tls_session *s, const tern_tls_session_cfg *cfg);
    void (*session_free)(tern_tls_session *s);
    int (*feed)(tern_tls_session *s, const uint8_t *data, size_t len);
    /* Drive the handshake; returns ms until the backend's next timer or -1. */
    int64_t (*step)(tern_tls_session *s);
    int (*write)(tern_tls_session *s, const uint8_t *data, size_t len);
    int (*close)(tern_tls_session *s);
    int (*peer)(const tern_tls_session *s, tern_tls_peer *out);
    const char *(*suite)(const tern_tls_session *s);
    size_t (*max_write)(const tern_tls_session *s);
    int (*resume_data)(tern_tls_session *s, uint8_t *buf, size_t cap, size_t *len);
    bool (*resumed)(const tern_tls_session *s);
};

extern const tern_tls_backend tern_tls_backend_none;
#if TERN_TLS_GNUTLS
extern const tern_tls_backend tern_tls_backend_gnutls;
#endif

/* Common helpers for backends. */
void tern_tls_fail(tern_tls_session *s, int alert, bool sent, const char *fmt, ...) TERN_PRINTF(4, 5);
void tern_tls_seterr(char *err, size_t cap, const char *fmt, ...) TERN_PRINTF(3, 4);

#define TERN_TLS_PSK_ID_MAX 128
#define TERN_TLS_PSK_KEY_MAX 64

#endif
