/* NoSec backend (Security Mode 3): bytes pass through unchanged. The session
 * is established at once; application data is the datagram/stream itself. */
#include "security/tls_backend.h"

static int none_ctx_new(tern_tls_ctx *ctx, const tern_tls_config *cfg, char *err, size_t errcap)
{
    (void)ctx, (void)cfg, (void)err, (void)errcap;
    return TERN_OK;
}

static void none_ctx_free(tern_tls_ctx *ctx)
{
    (void)ctx;
}

static int none_cookie_check(tern_tls_ctx *ctx, tern_bytes peer_id, const uint8_t *dgram, size_t len,
                             tern_tls_output_fn out, void *out_ctx, tern_tls_prestate *prestate)
{
    (void)ctx, (void)peer_id, (void)dgram, (void)len, (void)out, (void)out_ctx;
    prestate->v[0] = prestate->v[1] = prestate->v[2] = prestate->v[3] = 0;
    return TERN_OK; /* no handshake, nothing to protect */
}

static int none_session_new(tern_tls_session *s, const tern_tls_session_cfg *cfg)
{
    (void)cfg;
    s->state = TERN_TLS_ESTABLISHED;
    return TERN_OK;
}

static void none_session_free(tern_tls_session *s)
{
    (void)s;
}

static int none_feed(tern_tls_session *s, const uint8_t *data, size_t len)
{
    if (len && s->cfg.on_data)
        s->cfg.on_data(s->cfg.cb_ctx, data, len);
    return TERN_OK;
}

static int64_t none_step(tern_tls_session *s)
{
    (void)s;
    return -1;
}

static int none_write(tern_tls_session *s, const uint8_t *data, size_t len)
{
    return s->cfg.output(s->cfg.cb_ctx, data, len);
}

static int none_close(tern_tls_session *s)
{
    (void)s;
    return TERN_OK;
}

static int none_peer(const tern_tls_session *s, tern_tls_peer *out)
{
    (void)s;
    out->kind = TERN_TLS_PEER_NONE;
    return TERN_OK;
}

static const char *none_suite(const tern_tls_session *s)
{
    (void)s;
    return "NoSec";
}

static size_t none_max_write(const tern_tls_session *s)
{
    return s->ctx->cfg.transport == TERN_TLS_DATAGRAM ? s->ctx->cfg.mtu : SIZE_MAX;
}

static int none_resume_data(tern_tls_session *s, uint8_t *buf, size_t cap, size_t *len)
{
    (void)s, (void)buf, (void)cap;
    *len = 0;
    return TERN_EUNSUPPORTED;
}

static bool none_resumed(const tern_tls_session *s)
{
    (void)s;
    return false;
}

const tern_tls_backend tern_tls_backend_none = {
    .name = "none",
    .ctx_new = none_ctx_new,
    .ctx_free = none_ctx_free,
    .cookie_check = none_cookie_check,
    .session_new = none_session_new,
    .session_free = none_session_free,
    .feed = none_feed,
    .step = none_step,
    .write = none_write,
    .close = none_close,
    .peer = none_peer,
    .suite = none_suite,
    .max_write = none_max_write,
    .resume_data = none_resume_data,
    .resumed = none_resumed,
};
