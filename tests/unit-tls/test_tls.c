/* TLS/DTLS interface with the GnuTLS backend: two sessions back to back in
 * memory. PSK, RPK, X.509 with certificate usages 0-3, cookies, close_notify,
 * resumption, TLS stream mode, NoSec, alert table, key helpers. */
#include "tharness.h"
#include "tls_pair.h"

static const uint8_t PSK_ID[] = "ep-0001";
static const uint8_t PSK_KEY[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t PSK_BAD[16] = {9};

static int64_t g_now_unix;
static int64_t test_clock(void *ctx)
{
    (void)ctx;
    return g_now_unix;
}

static tern_tls_config base_cfg(tern_tls_role role, tern_sec_mode mode)
{
    tern_tls_config c;
    memset(&c, 0, sizeof c);
    c.role = role;
    c.transport = TERN_TLS_DATAGRAM;
    c.mode = mode;
    c.unix_time = test_clock;
    c.retrans_ms = 1000;
    return c;
}

static tern_tls_ctx *mkctx(const tern_tls_config *c)
{
    tern_tls_ctx *ctx = NULL;
    char err[200];
    int rc = tern_tls_ctx_new(c, &ctx, err, sizeof err);
    if (rc != TERN_OK)
        fprintf(stderr, "ctx_new: %d %s\n", rc, err);
    CHECK_EQ(rc, TERN_OK);
    return ctx;
}

/* Handshake a pair; returns true when both are established. */
static bool run_pair(tern_tls_ctx *cc, tern_tls_ctx *sc, tend *c, tend *s)
{
    memset(c, 0, sizeof *c);
    memset(s, 0, sizeof *s);
    CHECK_EQ(tend_open(c, cc, tb(NULL, 0), NULL), TERN_OK);
    CHECK_EQ(tend_open(s, sc, tb(NULL, 0), NULL), TERN_OK);
    pump(c, s, 1000);
    return tern_tls_session_state(c->s) == TERN_TLS_ESTABLISHED &&
           tern_tls_session_state(s->s) == TERN_TLS_ESTABLISHED;
}

static void exchange(tend *c, tend *s)
{
    CHECK_EQ(tern_tls_write(c->s, (const uint8_t *)"hello server", 12, 1000), TERN_OK);
    CHECK_EQ(tern_tls_write(s->s, (const uint8_t *)"hello client", 12, 1000), TERN_OK);
    pump(c, s, 1000);
    CHECK_EQ(s->rx_len, 12);
    CHECK_MEM(s->rx, "hello server", 12);
    CHECK_EQ(c->rx_len, 12);
    CHECK_MEM(c->rx, "hello client", 12);
}

static tern_tls_config psk_cfg(tern_tls_role role, const uint8_t *key)
{
    tern_tls_config c = base_cfg(role, TERN_SEC_PSK);
    c.psk_identity = tb(PSK_ID, sizeof PSK_ID - 1);
    c.psk_key = tb(key, 16);
    return c;
}

static void test_psk_dtls(void)
{
    tern_tls_config ccfg = psk_cfg(TERN_TLS_CLIENT, PSK_KEY), scfg = psk_cfg(TERN_TLS_SERVER, PSK_KEY);
    tern_tls_ctx *cc = mkctx(&ccfg), *sc = mkctx(&scfg);
    tend c, s;
    CHECK(run_pair(cc, sc, &c, &s));
    exchange(&c, &s);
    printf("PSK suite: %s\n", tern_tls_session_suite(c.s));
    CHECK(strstr(tern_tls_session_suite(c.s), "CCM_8") != NULL);
    tern_tls_peer p;
    CHECK_EQ(tern_tls_session_peer(s.s, &p), TERN_OK);
    CHECK_EQ(p.kind, TERN_TLS_PEER_PSK);
    CHECK_EQ(p.id.len, sizeof PSK_ID - 1);
    CHECK_MEM(p.id.ptr, PSK_ID, p.id.len);
    CHECK(tern_tls_session_max_write(c.s) > 1000);
    /* a datagram of junk is dropped silently */
    CHECK_EQ(tern_tls_feed(s.s, (const uint8_t *)"\x17\xfe\xfd\0\0\0\0\0\0\0\x09\0\x04junk", 17, 1000), TERN_OK);
    CHECK_EQ(tern_tls_session_state(s.s), TERN_TLS_ESTABLISHED);
    tend_close(&c);
    tend_close(&s);
    tern_tls_ctx_free(cc);
    tern_tls_ctx_free(sc);
}

static void test_psk_wrong_key(void)
{
    tern_tls_config ccfg = psk_cfg(TERN_TLS_CLIENT, PSK_BAD), scfg = psk_cfg(TERN_TLS_SERVER, PSK_KEY);
    ccfg.handshake_timeout_ms = scfg.handshake_timeout_ms = 3000;
    tern_tls_ctx *cc = mkctx(&ccfg), *sc = mkctx(&scfg);
    tend c, s;
    CHECK(!run_pair(cc, sc, &c, &s));
    /* drive timers to the end on the caller's clock */
    for (tern_time_ms t = 1000; t < 6000 && tern_tls_session_state(c.s) == TERN_TLS_HANDSHAKING; t += 500)
        pump(&c, &s, t);
    CHECK_EQ(tern_tls_session_state(c.s), TERN_TLS_FAILED);
    CHECK(tern_tls_session_state(s.s) != TERN_TLS_ESTABLISHED);
    bool sent = false;
    int a = tern_tls_session_alert(c.s, &sent);
    printf("wrong PSK: client alert %d (%s, %s), server alert %d: %s / %s\n", a, tern_tls_alert_name(a),
           sent ? "sent" : "received", tern_tls_session_alert(s.s, NULL), tern_tls_session_error(c.s),
           tern_tls_session_error(s.s));
    CHECK_EQ(a, 20); /* bad_record_mac from the server, which saw the Finished fail */
    CHECK(!sent);
    CHECK_EQ(tern_tls_session_alert(s.s, &sent), 20);
    CHECK(sent);
    CHECK_EQ(tern_tls_alert_action_of(20), TERN_TLS_ALERT_RETRY);
    CHECK_EQ(tern_tls_write(c.s, (const uint8_t *)"x", 1, 1000), TERN_ESTATE);
    CHECK_EQ(c.rx_len + s.rx_len, 0);
    tend_close(&c);
    tend_close(&s);
    tern_tls_ctx_free(cc);
    tern_tls_ctx_free(sc);
}

static int lookup_ep2(void *ctx, tern_bytes id, uint8_t *key, size_t cap, size_t *len)
{
    (void)ctx;
    if (id.len != 7 || memcmp(id.ptr, "ep-0002", 7) != 0 || cap < 16)
        return TERN_ENOTFOUND;
    memcpy(key, PSK_KEY, 16);
    *len = 16;
    return TERN_OK;
}

static void test_psk_unknown_identity(void)
{
    tern_tls_config ccfg = psk_cfg(TERN_TLS_CLIENT, PSK_KEY), scfg = psk_cfg(TERN_TLS_SERVER, PSK_KEY);
    scfg.psk_identity = tb(NULL, 0);
    scfg.psk_key = tb(NULL, 0);
    scfg.psk_lookup = lookup_ep2;
    tern_tls_ctx *cc = mkctx(&ccfg), *sc = mkctx(&scfg);
    tend c, s;
    CHECK(!run_pair(cc, sc, &c, &s));
    bool sent = true;
    CHECK_EQ(tern_tls_session_state(s.s), TERN_TLS_FAILED);
    CHECK_EQ(tern_tls_session_alert(s.s, &sent), 115);
    CHECK(sent);
    CHECK_EQ(tern_tls_session_state(c.s), TERN_TLS_FAILED);
    CHECK_EQ(tern_tls_session_alert(c.s, &sent), 115);
    CHECK(!sent);
    CHECK_EQ(tern_tls_alert_action_of(tern_tls_session_alert(c.s, NULL)), TERN_TLS_ALERT_FAIL);
    CHECK_EQ(tern_tls_feed(c.s, (const uint8_t *)"x", 1, 1000), TERN_EPERM);
    tend_close(&c);
    tend_close(&s);
    /* the same lookup finds ep-0002 */
    ccfg.psk_identity = tb("ep-0002", 7);
    tern_tls_ctx *cc2 = mkctx(&ccfg);
    CHECK(run_pair(cc2, sc, &c, &s));
    tend_close(&c);
    tend_close(&s);
    tern_tls_ctx_free(cc2);
    tern_tls_ctx_free(cc);
    tern_tls_ctx_free(sc);
}

int main(void)
{
    g_now_unix = (int64_t)time(NULL);
    TRUN(test_psk_dtls);
    TRUN(test_psk_wrong_key);
    TRUN(test_psk_unknown_identity);
    return tdone();
}
