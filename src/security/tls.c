/* TLS/DTLS interface: configuration checks, the alert table of Transport
 * Table 5.2.10.-1, common session state, and dispatch to a backend. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/tls_backend.h"

/* ---- Table 5.2.10.-1 -------------------------------------------------------- */

typedef struct alert_row {
    uint8_t value;
    uint8_t action; /* tern_tls_alert_action */
    const char *name;
} alert_row;

#define R TERN_TLS_ALERT_RETRY
#define F TERN_TLS_ALERT_FAIL
#define I TERN_TLS_ALERT_IGNORE
static const alert_row ALERTS[] = {
    {0, R, "close_notify"},
    {10, R, "unexpected_message"},
    {20, R, "bad_record_mac"},
    {21, R, "decryption_failed"},
    {22, R, "record_overflow"},
    {30, I, "decompression_failure"},
    {40, R, "handshake_failure"},
    {41, I, "no_certificate"},
    {42, F, "bad_certificate"},
    {43, F, "unsupported_certificate"},
    {44, F, "certificate_revoked"},
    {45, F, "certificate_expired"},
    {46, F, "certificate_unknown"},
    {47, R, "illegal_parameter"},
    {48, F, "unknown_ca"},
    {49, F, "access_denied"},
    {50, R, "decode_error"},
    {51, R, "decrypt_error"},
    {60, I, "export_restriction"},
    {70, R, "protocol_version"},
    {71, R, "insufficient_security"},
    {80, R, "internal_error"}, /* not in the table; RFC 5246 internal_error */
    {86, R, "inappropriate_fallback"},
    {90, R, "user_canceled"},
    {100, R, "no_renegotiation"},
    {110, I, "unsupported_extension"},
    {111, R, "certificate_unobtainable"},
    {112, F, "unrecognized_name"},
    {113, F, "bad_certificate_status_response"},
    {114, F, "bad_certificate_hash_value"},
    {115, F, "unknown_psk_identity"},
};
#undef R
#undef F
#undef I

static const alert_row *alert_find(int alert)
{
    for (size_t i = 0; i < TERN_ARRAY_LEN(ALERTS); i++)
        if (ALERTS[i].value == alert)
            return &ALERTS[i];
    return NULL;
}

tern_tls_alert_action tern_tls_alert_action_of(int alert)
{
    const alert_row *r = alert_find(alert);
    return r ? (tern_tls_alert_action)r->action : TERN_TLS_ALERT_RETRY;
}

const char *tern_tls_alert_name(int alert)
{
    const alert_row *r = alert_find(alert);
    return r ? r->name : "unknown";
}

/* ---- helpers --------------------------------------------------------------- */

void tern_tls_seterr(char *err, size_t cap, const char *fmt, ...)
{
    if (!err || cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

void tern_tls_fail(tern_tls_session *s, int alert, bool sent, const char *fmt, ...)
{
    if (s->state == TERN_TLS_FAILED)
        return;
    s->state = TERN_TLS_FAILED;
    if (alert >= 0) {
        s->alert = alert;
        s->alert_sent = sent;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    tern_logf(&s->ctx->cfg.log, TERN_LOG_INFO, "tls", "session failed: %s", s->err);
}

static bool has(tern_bytes b)
{
    return b.ptr && b.len > 0;
}

static int check_config(const tern_tls_config *c, char *err, size_t cap)
{
    if (c->role != TERN_TLS_CLIENT && c->role != TERN_TLS_SERVER) {
        tern_tls_seterr(err, cap, "role must be client or server");
        return TERN_EINVAL;
    }
    if (c->transport != TERN_TLS_DATAGRAM && c->transport != TERN_TLS_STREAM) {
        tern_tls_seterr(err, cap, "transport must be datagram (DTLS) or stream (TLS)");
        return TERN_EINVAL;
    }
    bool client = c->role == TERN_TLS_CLIENT;
    switch (c->mode) {
    case TERN_SEC_NOSEC:
        return TERN_OK;
    case TERN_SEC_EST:
        tern_tls_seterr(err, cap, "EST (Security Mode 4) is not supported yet");
        return TERN_EUNSUPPORTED;
    case TERN_SEC_PSK:
        if (c->psk_identity.len > TERN_TLS_PSK_ID_MAX || c->psk_key.len > TERN_TLS_PSK_KEY_MAX) {
            tern_tls_seterr(err, cap, "PSK identity is limited to %d bytes and key to %d bytes",
                            TERN_TLS_PSK_ID_MAX, TERN_TLS_PSK_KEY_MAX);
            return TERN_ETOOBIG;
        }
        if ((client || !c->psk_lookup) && (!has(c->psk_identity) || !has(c->psk_key))) {
            tern_tls_seterr(err, cap,
                            client ? "PSK mode needs psk_identity and psk_key"
                                   : "PSK server needs psk_lookup or psk_identity and psk_key");
            return TERN_EINVAL;
        }
        return TERN_OK;
    case TERN_SEC_RPK:
        if (!has(c->own_public_key) || !has(c->own_key)) {
            tern_tls_seterr(err, cap, "RPK mode needs own_public_key (SubjectPublicKeyInfo) and own_key");
            return TERN_EINVAL;
        }
        if (client && !has(c->peer_public_key)) {
            tern_tls_seterr(err, cap, "RPK client needs peer_public_key (the Server Public Key resource)");
            return TERN_EINVAL;
        }
        if (!client && !has(c->peer_public_key) && !c->verify) {
            tern_tls_seterr(err, cap, "RPK server needs peer_public_key or a verify callback");
            return TERN_EINVAL;
        }
        return TERN_OK;
    case TERN_SEC_CERT:
        if (!has(c->own_cert) || !has(c->own_key)) {
            tern_tls_seterr(err, cap, "certificate mode needs own_cert and own_key");
            return TERN_EINVAL;
        }
        if (client) {
            if ((unsigned)c->cert_usage > TERN_CERT_USAGE_DOMAIN_ISSUED) {
                tern_tls_seterr(err, cap, "certificate usage must be 0..3");
                return TERN_ERANGE;
            }
            if (!has(c->server_cert)) {
                tern_tls_seterr(err, cap, "certificate client needs server_cert (the Server Public Key resource)");
                return TERN_EINVAL;
            }
            if ((c->cert_usage == TERN_CERT_USAGE_CA_CONSTRAINT || c->cert_usage == TERN_CERT_USAGE_TRUST_ANCHOR) &&
                (!c->server_name || !c->server_name[0])) {
                tern_tls_seterr(err, cap,
                                "certificate usage %d needs server_name (SNI resource or server URI host)",
                                (int)c->cert_usage);
                return TERN_EINVAL;
            }
            if (c->cert_usage == TERN_CERT_USAGE_SERVICE_CERT && !has(c->trust_anchors)) {
                tern_tls_seterr(err, cap, "certificate usage 1 needs trust_anchors for PKIX validation");
                return TERN_EINVAL;
            }
        } else if (!has(c->trust_anchors) && !c->verify) {
            tern_tls_seterr(err, cap, "certificate server needs trust_anchors or a verify callback");
            return TERN_EINVAL;
        }
        return TERN_OK;
    }
    tern_tls_seterr(err, cap, "unknown security mode %d", (int)c->mode);
    return TERN_EINVAL;
}

/* ---- context ------------------------------------------------------------------ */

int tern_tls_ctx_new(const tern_tls_config *cfg, tern_tls_ctx **out, char *err, size_t errcap)
{
    if (err && errcap)
        err[0] = 0;
    if (!cfg || !out) {
        tern_tls_seterr(err, errcap, "cfg and out are required");
        return TERN_EINVAL;
    }
    *out = NULL;
    int rc = check_config(cfg, err, errcap);
    if (rc < 0)
        return rc;
    const tern_tls_backend *be = &tern_tls_backend_none;
    if (cfg->mode != TERN_SEC_NOSEC) {
#if TERN_TLS_GNUTLS
        be = &tern_tls_backend_gnutls;
#else
        tern_tls_seterr(err, errcap, "this build has no TLS backend (GnuTLS not found): only NoSec");
        return TERN_EUNSUPPORTED;
#endif
    }
    tern_tls_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        tern_tls_seterr(err, errcap, "out of memory");
        return TERN_ENOMEM;
    }
    ctx->be = be;
    ctx->cfg = *cfg;
    if (cfg->server_name && cfg->server_name[0]) {
        size_t n = strlen(cfg->server_name);
        ctx->server_name = malloc(n + 1);
        if (!ctx->server_name) {
            free(ctx);
            return TERN_ENOMEM;
        }
        memcpy(ctx->server_name, cfg->server_name, n + 1);
    }
    rc = be->ctx_new(ctx, cfg, err, errcap);
    /* The views belong to the caller; the backend made its copies. */
    memset(&ctx->cfg.psk_identity, 0, sizeof ctx->cfg.psk_identity);
    memset(&ctx->cfg.psk_key, 0, sizeof ctx->cfg.psk_key);
    memset(&ctx->cfg.own_public_key, 0, sizeof ctx->cfg.own_public_key);
    memset(&ctx->cfg.own_cert, 0, sizeof ctx->cfg.own_cert);
    memset(&ctx->cfg.own_key, 0, sizeof ctx->cfg.own_key);
    memset(&ctx->cfg.peer_public_key, 0, sizeof ctx->cfg.peer_public_key);
    memset(&ctx->cfg.server_cert, 0, sizeof ctx->cfg.server_cert);
    memset(&ctx->cfg.trust_anchors, 0, sizeof ctx->cfg.trust_anchors);
    ctx->cfg.server_name = ctx->server_name;
    ctx->cfg.priority = NULL;
    if (rc < 0) {
        free(ctx->server_name);
        free(ctx);
        return rc;
    }
    if (ctx->cfg.mtu == 0)
        ctx->cfg.mtu = 1280 - 48;
    if (ctx->cfg.retrans_ms == 0)
        ctx->cfg.retrans_ms = 1000;
    if (ctx->cfg.handshake_timeout_ms == 0)
        ctx->cfg.handshake_timeout_ms = 60000;
    *out = ctx;
    return TERN_OK;
}

void tern_tls_ctx_free(tern_tls_ctx *ctx)
{
    if (!ctx)
        return;
    ctx->be->ctx_free(ctx);
    free(ctx->server_name);
    free(ctx);
}

const char *tern_tls_ctx_backend(const tern_tls_ctx *ctx)
{
    return ctx ? ctx->be->name : "";
}

int tern_tls_cookie_check(tern_tls_ctx *ctx, tern_bytes peer_id, const uint8_t *dgram, size_t len,
                          tern_tls_output_fn out, void *out_ctx, tern_tls_prestate *prestate)
{
    if (!ctx || !dgram || !out || !prestate)
        return TERN_EINVAL;
    if (ctx->cfg.role != TERN_TLS_SERVER || ctx->cfg.transport != TERN_TLS_DATAGRAM)
        return TERN_ESTATE;
    return ctx->be->cookie_check(ctx, peer_id, dgram, len, out, out_ctx, prestate);
}

/* ---- sessions ------------------------------------------------------------------ */

int tern_tls_session_new(tern_tls_ctx *ctx, const tern_tls_session_cfg *cfg, tern_tls_session **out)
{
    if (!ctx || !cfg || !cfg->output || !out)
        return TERN_EINVAL;
    *out = NULL;
    tern_tls_session *s = calloc(1, sizeof *s);
    if (!s)
        return TERN_ENOMEM;
    s->be = ctx->be;
    s->ctx = ctx;
    s->cfg = *cfg;
    s->state = TERN_TLS_HANDSHAKING;
    s->alert = -1;
    s->hs_deadline = TERN_TIME_NEVER;
    int rc = s->be->session_new(s, cfg);
    s->cfg.prestate = NULL;
    s->cfg.resume.ptr = NULL;
    s->cfg.resume.len = 0;
    if (rc < 0) {
        free(s);
        return rc;
    }
    *out = s;
    return TERN_OK;
}

void tern_tls_session_free(tern_tls_session *s)
{
    if (!s)
        return;
    s->be->session_free(s);
    free(s);
}

static void arm_deadline(tern_tls_session *s, tern_time_ms now)
{
    if (!s->hs_started) {
        s->hs_started = true;
        s->hs_deadline = now + (tern_time_ms)s->ctx->cfg.handshake_timeout_ms;
    }
}

static int state_rc(const tern_tls_session *s)
{
    switch (s->state) {
    case TERN_TLS_HANDSHAKING:
        return TERN_AGAIN;
    case TERN_TLS_ESTABLISHED:
        return TERN_OK;
    case TERN_TLS_CLOSED:
        return TERN_DONE;
    case TERN_TLS_FAILED:
        break;
    }
    if (s->timed_out)
        return TERN_ETIMEOUT;
    return s->alert >= 0 && tern_tls_alert_action_of(s->alert) == TERN_TLS_ALERT_FAIL ? TERN_EPERM : TERN_EIO;
}

static void check_timeout(tern_tls_session *s, tern_time_ms now)
{
    if (s->state == TERN_TLS_HANDSHAKING && s->hs_started && now >= s->hs_deadline) {
        s->timed_out = true;
        tern_tls_fail(s, -1, false, "handshake timed out after %u ms", s->ctx->cfg.handshake_timeout_ms);
    }
}

int tern_tls_feed(tern_tls_session *s, const uint8_t *data, size_t len, tern_time_ms now)
{
    if (!s || (!data && len))
        return TERN_EINVAL;
    if (s->state == TERN_TLS_FAILED || s->state == TERN_TLS_CLOSED)
        return state_rc(s);
    arm_deadline(s, now);
    int rc = s->be->feed(s, data, len);
    if (rc < 0 && s->state != TERN_TLS_FAILED)
        return rc;
    check_timeout(s, now);
    return state_rc(s);
}

tern_time_ms tern_tls_step(tern_tls_session *s, tern_time_ms now)
{
    if (!s || s->state != TERN_TLS_HANDSHAKING)
        return TERN_TIME_NEVER;
    arm_deadline(s, now);
    check_timeout(s, now);
    if (s->state != TERN_TLS_HANDSHAKING)
        return TERN_TIME_NEVER;
    int64_t ms = s->be->step(s);
    if (s->state != TERN_TLS_HANDSHAKING)
        return TERN_TIME_NEVER;
    tern_time_ms next = ms < 0 ? TERN_TIME_NEVER : now + ms;
    return TERN_MIN(next, s->hs_deadline);
}

int tern_tls_write(tern_tls_session *s, const uint8_t *data, size_t len, tern_time_ms now)
{
    (void)now;
    if (!s || (!data && len))
        return TERN_EINVAL;
    if (s->state != TERN_TLS_ESTABLISHED)
        return TERN_ESTATE;
    return s->be->write(s, data, len);
}

int tern_tls_close(tern_tls_session *s)
{
    if (!s)
        return TERN_EINVAL;
    if (s->state == TERN_TLS_CLOSED || s->state == TERN_TLS_FAILED)
        return TERN_OK;
    int rc = s->state == TERN_TLS_ESTABLISHED ? s->be->close(s) : TERN_OK;
    s->state = TERN_TLS_CLOSED;
    if (s->alert < 0) {
        s->alert = 0;
        s->alert_sent = true;
    }
    return rc;
}

tern_tls_state tern_tls_session_state(const tern_tls_session *s)
{
    return s ? s->state : TERN_TLS_FAILED;
}

int tern_tls_session_alert(const tern_tls_session *s, bool *sent)
{
    if (sent)
        *sent = s ? s->alert_sent : false;
    return s ? s->alert : -1;
}

const char *tern_tls_session_error(const tern_tls_session *s)
{
    return s ? s->err : "";
}

int tern_tls_session_peer(const tern_tls_session *s, tern_tls_peer *out)
{
    if (!s || !out)
        return TERN_EINVAL;
    memset(out, 0, sizeof *out);
    if (s->state != TERN_TLS_ESTABLISHED && s->state != TERN_TLS_CLOSED)
        return TERN_ESTATE;
    return s->be->peer(s, out);
}

const char *tern_tls_session_suite(const tern_tls_session *s)
{
    return s && s->state != TERN_TLS_HANDSHAKING ? s->be->suite(s) : "";
}

size_t tern_tls_session_max_write(const tern_tls_session *s)
{
    return s ? s->be->max_write(s) : 0;
}

int tern_tls_session_resume_data(tern_tls_session *s, uint8_t *buf, size_t cap, size_t *len)
{
    if (!s || !len)
        return TERN_EINVAL;
    *len = 0;
    if (s->state != TERN_TLS_ESTABLISHED)
        return TERN_ESTATE;
    return s->be->resume_data(s, buf, cap, len);
}

bool tern_tls_session_resumed(const tern_tls_session *s)
{
    return s && s->state != TERN_TLS_HANDSHAKING && s->be->resumed(s);
}

#if !TERN_TLS_GNUTLS
/* Key helpers need a crypto backend. */
int tern_tls_ec_keygen(uint8_t *spki, size_t spki_cap, size_t *spki_len, uint8_t *key, size_t key_cap,
                       size_t *key_len)
{
    (void)spki, (void)spki_cap, (void)spki_len, (void)key, (void)key_cap, (void)key_len;
    return TERN_EUNSUPPORTED;
}
int tern_tls_key_to_pkcs8(tern_bytes in, uint8_t *out, size_t cap, size_t *len)
{
    (void)in, (void)out, (void)cap, (void)len;
    return TERN_EUNSUPPORTED;
}
int tern_tls_spki_of(tern_bytes in, uint8_t *out, size_t cap, size_t *len)
{
    (void)in, (void)out, (void)cap, (void)len;
    return TERN_EUNSUPPORTED;
}
int tern_tls_cert_to_der(tern_bytes in, uint8_t *out, size_t cap, size_t *len)
{
    (void)in, (void)out, (void)cap, (void)len;
    return TERN_EUNSUPPORTED;
}
int tern_tls_random(uint8_t *out, size_t n)
{
    (void)out, (void)n;
    return TERN_EUNSUPPORTED;
}
#endif
