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

/* ---- RPK ------------------------------------------------------------------------ */

typedef struct kp {
    uint8_t spki[200], key[200];
    size_t spki_len, key_len;
} kp;

static void mkkp(kp *k)
{
    CHECK_EQ(tern_tls_ec_keygen(k->spki, sizeof k->spki, &k->spki_len, k->key, sizeof k->key, &k->key_len), TERN_OK);
}

static int refuse_all(void *ctx, const tern_tls_peer *p)
{
    (void)ctx, (void)p;
    return TERN_EPERM;
}

static void test_rpk(void)
{
    kp ck, sk, other;
    mkkp(&ck);
    mkkp(&sk);
    mkkp(&other);
    tern_tls_config ccfg = base_cfg(TERN_TLS_CLIENT, TERN_SEC_RPK), scfg = base_cfg(TERN_TLS_SERVER, TERN_SEC_RPK);
    ccfg.own_public_key = tb(ck.spki, ck.spki_len);
    ccfg.own_key = tb(ck.key, ck.key_len);
    ccfg.peer_public_key = tb(sk.spki, sk.spki_len);
    scfg.own_public_key = tb(sk.spki, sk.spki_len);
    scfg.own_key = tb(sk.key, sk.key_len);
    scfg.peer_public_key = tb(ck.spki, ck.spki_len);
    tern_tls_ctx *cc = mkctx(&ccfg), *sc = mkctx(&scfg);
    tend c, s;
    CHECK(run_pair(cc, sc, &c, &s));
    exchange(&c, &s);
    printf("RPK suite: %s\n", tern_tls_session_suite(c.s));
    CHECK(strstr(tern_tls_session_suite(c.s), "ECDHE_ECDSA") != NULL);
    tern_tls_peer p;
    CHECK_EQ(tern_tls_session_peer(s.s, &p), TERN_OK);
    CHECK_EQ(p.kind, TERN_TLS_PEER_RPK);
    CHECK_EQ(p.id.len, ck.spki_len);
    CHECK_MEM(p.id.ptr, ck.spki, ck.spki_len);
    CHECK_EQ(tern_tls_session_peer(c.s, &p), TERN_OK);
    CHECK_MEM(p.id.ptr, sk.spki, sk.spki_len);
    tend_close(&c);
    tend_close(&s);

    /* client expects another server key: refused by the client */
    tern_tls_config c2 = ccfg;
    c2.peer_public_key = tb(other.spki, other.spki_len);
    tern_tls_ctx *cc2 = mkctx(&c2);
    CHECK(!run_pair(cc2, sc, &c, &s));
    bool sent = false;
    CHECK_EQ(tern_tls_session_alert(c.s, &sent), 42);
    CHECK(sent);
    CHECK_EQ(c.rx_len + s.rx_len, 0);
    tend_close(&c);
    tend_close(&s);
    tern_tls_ctx_free(cc2);

    /* server expects another client key */
    tern_tls_config s2 = scfg;
    s2.peer_public_key = tb(other.spki, other.spki_len);
    tern_tls_ctx *sc2 = mkctx(&s2);
    CHECK(!run_pair(cc, sc2, &c, &s));
    CHECK_EQ(tern_tls_session_alert(s.s, &sent), 42);
    CHECK(sent);
    CHECK_EQ(tern_tls_session_alert(c.s, &sent), 42);
    CHECK(!sent);
    tend_close(&c);
    tend_close(&s);
    tern_tls_ctx_free(sc2);

    /* server store refuses the endpoint: access_denied */
    s2 = scfg;
    s2.peer_public_key = tb(NULL, 0);
    s2.verify = refuse_all;
    sc2 = mkctx(&s2);
    CHECK(!run_pair(cc, sc2, &c, &s));
    CHECK_EQ(tern_tls_session_alert(s.s, NULL), 49);
    tend_close(&c);
    tend_close(&s);
    tern_tls_ctx_free(sc2);
    tern_tls_ctx_free(cc);
    tern_tls_ctx_free(sc);
}

/* ---- X.509 ------------------------------------------------------------------------ */

typedef struct pki {
    tcred ca, ca2, srv, srv2, srv_exp, srv_self, cli;
} pki;

static void mkpki(pki *k)
{
    time_t now = (time_t)g_now_unix, day = 86400;
    tcred_cert(&k->ca, "tern test CA", NULL, true, NULL, now - day, now + 3650 * day, 1);
    tcred_cert(&k->ca2, "other CA", NULL, true, NULL, now - day, now + 3650 * day, 2);
    tcred_cert(&k->srv, "lwm2m.example", "lwm2m.example", false, &k->ca, now - day, now + 365 * day, 10);
    tcred_cert(&k->srv2, "lwm2m.example", "lwm2m.example", false, &k->ca, now - day, now + 365 * day, 11);
    tcred_cert(&k->srv_exp, "lwm2m.example", "lwm2m.example", false, &k->ca, now - 10 * day, now - day, 12);
    tcred_cert(&k->srv_self, "self.example", "self.example", false, NULL, now - day, now + 365 * day, 13);
    tcred_cert(&k->cli, "urn:dev:ep-0001", NULL, false, &k->ca, now - day, now + 365 * day, 20);
}

static void freepki(pki *k)
{
    tcred_free(&k->ca);
    tcred_free(&k->ca2);
    tcred_free(&k->srv);
    tcred_free(&k->srv2);
    tcred_free(&k->srv_exp);
    tcred_free(&k->srv_self);
    tcred_free(&k->cli);
}

/* One handshake: the server presents srv; the client checks it with usage
 * and ref. Returns the client's alert (-1 when established). */
static int x509_case(pki *k, const tcred *srv, tern_cert_usage usage, const tcred *ref, const char *name)
{
    tern_tls_config ccfg = base_cfg(TERN_TLS_CLIENT, TERN_SEC_CERT), scfg = base_cfg(TERN_TLS_SERVER, TERN_SEC_CERT);
    ccfg.own_cert = tb(k->cli.crt_der, k->cli.crt_len);
    ccfg.own_key = tb(k->cli.key_der, k->cli.key_len);
    ccfg.server_cert = tb(ref->crt_der, ref->crt_len);
    ccfg.cert_usage = usage;
    ccfg.trust_anchors = tb(k->ca.crt_der, k->ca.crt_len);
    ccfg.server_name = name;
    scfg.own_cert = tb(srv->crt_der, srv->crt_len);
    scfg.own_key = tb(srv->key_der, srv->key_len);
    scfg.trust_anchors = tb(k->ca.crt_der, k->ca.crt_len);
    tern_tls_ctx *cc = mkctx(&ccfg), *sc = mkctx(&scfg);
    tend c, s;
    int alert = -1;
    if (run_pair(cc, sc, &c, &s)) {
        exchange(&c, &s);
        tern_tls_peer p;
        CHECK_EQ(tern_tls_session_peer(s.s, &p), TERN_OK);
        CHECK_EQ(p.kind, TERN_TLS_PEER_CERT);
        CHECK_EQ(p.cn.len, 15);
        CHECK_MEM(p.cn.ptr, "urn:dev:ep-0001", 15);
        CHECK_EQ(p.id.len, k->cli.crt_len);
    } else {
        bool sent = false;
        alert = tern_tls_session_alert(c.s, &sent);
        CHECK(sent);
        CHECK_EQ(c.rx_len + s.rx_len, 0);
        printf("  usage %d refused: %s\n", (int)usage, tern_tls_session_error(c.s));
    }
    tend_close(&c);
    tend_close(&s);
    tern_tls_ctx_free(cc);
    tern_tls_ctx_free(sc);
    return alert;
}

static void test_x509_usages(void)
{
    pki k;
    memset(&k, 0, sizeof k);
    mkpki(&k);
    const char *n = "lwm2m.example";
    /* 0 CA constraint */
    CHECK_EQ(x509_case(&k, &k.srv, TERN_CERT_USAGE_CA_CONSTRAINT, &k.ca, n), -1);
    CHECK_EQ(x509_case(&k, &k.srv, TERN_CERT_USAGE_CA_CONSTRAINT, &k.ca2, n), 48);
    CHECK_EQ(x509_case(&k, &k.srv_self, TERN_CERT_USAGE_CA_CONSTRAINT, &k.ca, "self.example"), 48);
    /* 1 service certificate constraint */
    CHECK_EQ(x509_case(&k, &k.srv, TERN_CERT_USAGE_SERVICE_CERT, &k.srv, n), -1);
    CHECK_EQ(x509_case(&k, &k.srv, TERN_CERT_USAGE_SERVICE_CERT, &k.srv2, n), 42);
    CHECK_EQ(x509_case(&k, &k.srv_self, TERN_CERT_USAGE_SERVICE_CERT, &k.srv_self, n), 48); /* no PKIX path */
    /* 2 trust anchor assertion */
    CHECK_EQ(x509_case(&k, &k.srv, TERN_CERT_USAGE_TRUST_ANCHOR, &k.ca, n), -1);
    CHECK_EQ(x509_case(&k, &k.srv, TERN_CERT_USAGE_TRUST_ANCHOR, &k.ca2, n), 48);
    CHECK_EQ(x509_case(&k, &k.srv, TERN_CERT_USAGE_TRUST_ANCHOR, &k.ca, "other.example"), 42); /* RFC 6125 */
    CHECK_EQ(x509_case(&k, &k.srv_exp, TERN_CERT_USAGE_TRUST_ANCHOR, &k.ca, n), 45);           /* expired */
    /* 3 domain-issued certificate: no PKIX, no name check */
    CHECK_EQ(x509_case(&k, &k.srv_self, TERN_CERT_USAGE_DOMAIN_ISSUED, &k.srv_self, "10.0.0.1"), -1);
    CHECK_EQ(x509_case(&k, &k.srv, TERN_CERT_USAGE_DOMAIN_ISSUED, &k.srv2, n), 42);
    /* the clock decides expiry: move it past the server's notAfter */
    int64_t saved = g_now_unix;
    g_now_unix += 400 * 86400;
    CHECK_EQ(x509_case(&k, &k.srv, TERN_CERT_USAGE_CA_CONSTRAINT, &k.ca, n), 45);
    g_now_unix = saved;
    freepki(&k);
}

static void test_x509_client_refused(void)
{
    pki k;
    memset(&k, 0, sizeof k);
    mkpki(&k);
    tern_tls_config ccfg = base_cfg(TERN_TLS_CLIENT, TERN_SEC_CERT), scfg = base_cfg(TERN_TLS_SERVER, TERN_SEC_CERT);
    ccfg.own_cert = tb(k.srv_self.crt_der, k.srv_self.crt_len); /* not issued by the server's CA */
    ccfg.own_key = tb(k.srv_self.key_der, k.srv_self.key_len);
    ccfg.server_cert = tb(k.ca.crt_der, k.ca.crt_len);
    ccfg.cert_usage = TERN_CERT_USAGE_TRUST_ANCHOR;
    ccfg.server_name = "lwm2m.example";
    scfg.own_cert = tb(k.srv.crt_der, k.srv.crt_len);
    scfg.own_key = tb(k.srv.key_der, k.srv.key_len);
    scfg.trust_anchors = tb(k.ca.crt_der, k.ca.crt_len);
    tern_tls_ctx *cc = mkctx(&ccfg), *sc = mkctx(&scfg);
    tend c, s;
    CHECK(!run_pair(cc, sc, &c, &s));
    CHECK_EQ(tern_tls_session_alert(s.s, NULL), 48);
    CHECK_EQ(tern_tls_session_alert(c.s, NULL), 48);
    tend_close(&c);
    tend_close(&s);
    tern_tls_ctx_free(cc);
    tern_tls_ctx_free(sc);
    freepki(&k);
}

/* ---- cookies, close_notify, resumption --------------------------------------------- */

static void test_cookie(void)
{
    tern_tls_config ccfg = psk_cfg(TERN_TLS_CLIENT, PSK_KEY), scfg = psk_cfg(TERN_TLS_SERVER, PSK_KEY);
    tern_tls_ctx *cc = mkctx(&ccfg), *sc = mkctx(&scfg);
    tend c, s;
    memset(&c, 0, sizeof c);
    memset(&s, 0, sizeof s);
    CHECK_EQ(tend_open(&c, cc, tb(NULL, 0), NULL), TERN_OK);
    (void)tern_tls_step(c.s, 0);
    CHECK_EQ(c.out.tail - c.out.head, 1);
    const uint8_t addr[] = {127, 0, 0, 1, 0x16, 0x34};
    tern_tls_prestate ps;
    int hvr = 0, rounds = 0;
    /* no state until a ClientHello comes back with a valid cookie */
    while (c.out.head < c.out.tail && rounds++ < 4) {
        size_t i = c.out.head % QCAP;
        int rc = tern_tls_cookie_check(sc, tb(addr, sizeof addr), c.out.m[i], c.out.n[i], tend_output, &s, &ps);
        if (rc == TERN_AGAIN) {
            hvr++;
            free(c.out.m[i]);
            c.out.head++;
            tend_deliver(&s, &c, 0); /* HelloVerifyRequest -> client */
            continue;
        }
        CHECK_EQ(rc, TERN_OK);
        break;
    }
    CHECK_EQ(hvr, 1);
    /* the same ClientHello from another address does not pass */
    const uint8_t addr2[] = {127, 0, 0, 2, 0x16, 0x34};
    tern_tls_prestate ps2;
    size_t i = c.out.head % QCAP;
    tend junk;
    memset(&junk, 0, sizeof junk);
    CHECK_EQ(tern_tls_cookie_check(sc, tb(addr2, sizeof addr2), c.out.m[i], c.out.n[i], tend_output, &junk, &ps2),
             TERN_AGAIN);
    tq_clear(&junk.out);
    CHECK_EQ(tern_tls_cookie_check(sc, tb(addr, 6), (const uint8_t *)"\x17garbage", 8, tend_output, &junk, &ps2),
             TERN_EMALFORMED);
    CHECK_EQ(tend_open(&s, sc, tb(NULL, 0), &ps), TERN_OK);
    pump(&c, &s, 0);
    CHECK_EQ(tern_tls_session_state(c.s), TERN_TLS_ESTABLISHED);
    CHECK_EQ(tern_tls_session_state(s.s), TERN_TLS_ESTABLISHED);
    exchange(&c, &s);

    /* close_notify */
    CHECK_EQ(tern_tls_close(c.s), TERN_OK);
    CHECK_EQ(tern_tls_session_state(c.s), TERN_TLS_CLOSED);
    pump(&c, &s, 0);
    bool sent = true;
    CHECK_EQ(tern_tls_session_state(s.s), TERN_TLS_CLOSED);
    CHECK_EQ(tern_tls_session_alert(s.s, &sent), 0);
    CHECK(!sent);
    CHECK_EQ(tern_tls_feed(s.s, (const uint8_t *)"x", 1, 0), TERN_DONE);
    tend_close(&c);
    tend_close(&s);
    tern_tls_ctx_free(cc);
    tern_tls_ctx_free(sc);
}

static void resume_round(tern_tls_transport tr)
{
    tern_tls_config ccfg = psk_cfg(TERN_TLS_CLIENT, PSK_KEY), scfg = psk_cfg(TERN_TLS_SERVER, PSK_KEY);
    if (tr == TERN_TLS_STREAM) {
        kp ck, sk;
        mkkp(&ck);
        mkkp(&sk);
        (void)ck;
        (void)sk;
    }
    ccfg.transport = scfg.transport = tr;
    tern_tls_ctx *cc = mkctx(&ccfg), *sc = mkctx(&scfg);
    tend c, s;
    CHECK(run_pair(cc, sc, &c, &s));
    exchange(&c, &s); /* TLS 1.3: the ticket arrives after the handshake */
    static uint8_t rd[8192];
    size_t rdl = 0;
    CHECK_EQ(tern_tls_session_resume_data(c.s, rd, sizeof rd, &rdl), TERN_OK);
    CHECK(rdl > 0);
    CHECK(!tern_tls_session_resumed(c.s));
    tend_close(&c);
    tend_close(&s);
    memset(&c, 0, sizeof c);
    memset(&s, 0, sizeof s);
    CHECK_EQ(tend_open(&c, cc, tb(rd, rdl), NULL), TERN_OK);
    CHECK_EQ(tend_open(&s, sc, tb(NULL, 0), NULL), TERN_OK);
    pump(&c, &s, 0);
    CHECK_EQ(tern_tls_session_state(c.s), TERN_TLS_ESTABLISHED);
    CHECK(tern_tls_session_resumed(c.s));
    CHECK(tern_tls_session_resumed(s.s));
    exchange(&c, &s);
    tend_close(&c);
    tend_close(&s);
    tern_tls_ctx_free(cc);
    tern_tls_ctx_free(sc);
}

static void test_resumption(void)
{
    resume_round(TERN_TLS_DATAGRAM);
    resume_round(TERN_TLS_STREAM);
}

/* ---- TLS stream mode ----------------------------------------------------------------- */

static void test_stream(void)
{
    pki k;
    memset(&k, 0, sizeof k);
    mkpki(&k);
    tern_tls_config ccfg = base_cfg(TERN_TLS_CLIENT, TERN_SEC_CERT), scfg = base_cfg(TERN_TLS_SERVER, TERN_SEC_CERT);
    ccfg.transport = scfg.transport = TERN_TLS_STREAM;
    ccfg.own_cert = tb(k.cli.crt_der, k.cli.crt_len);
    ccfg.own_key = tb(k.cli.key_der, k.cli.key_len);
    ccfg.server_cert = tb(k.ca.crt_der, k.ca.crt_len);
    ccfg.cert_usage = TERN_CERT_USAGE_TRUST_ANCHOR;
    ccfg.server_name = "lwm2m.example";
    scfg.own_cert = tb(k.srv.crt_der, k.srv.crt_len);
    scfg.own_key = tb(k.srv.key_der, k.srv.key_len);
    scfg.trust_anchors = tb(k.ca.crt_der, k.ca.crt_len);
    tern_tls_ctx *cc = mkctx(&ccfg), *sc = mkctx(&scfg);
    tend c, s;
    memset(&c, 0, sizeof c);
    memset(&s, 0, sizeof s);
    c.chunk = 7; /* the stream arrives in small pieces */
    s.chunk = 1;
    CHECK_EQ(tend_open(&c, cc, tb(NULL, 0), NULL), TERN_OK);
    CHECK_EQ(tend_open(&s, sc, tb(NULL, 0), NULL), TERN_OK);
    pump(&c, &s, 0);
    CHECK_EQ(tern_tls_session_state(c.s), TERN_TLS_ESTABLISHED);
    CHECK_EQ(tern_tls_session_state(s.s), TERN_TLS_ESTABLISHED);
    printf("TLS stream suite: %s\n", tern_tls_session_suite(c.s));
    exchange(&c, &s);
    static uint8_t big[40000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)i;
    s.rx_len = 0;
    CHECK_EQ(tern_tls_write(c.s, big, sizeof big, 0), TERN_OK);
    pump(&c, &s, 0);
    CHECK_EQ(s.rx_len, sizeof big);
    CHECK_MEM(s.rx, big, sizeof big);
    CHECK_EQ(tern_tls_close(s.s), TERN_OK);
    pump(&c, &s, 0);
    CHECK_EQ(tern_tls_session_state(c.s), TERN_TLS_CLOSED);
    tend_close(&c);
    tend_close(&s);
    tern_tls_ctx_free(cc);
    tern_tls_ctx_free(sc);
    freepki(&k);
}

/* ---- configuration, NoSec, alert table, helpers ------------------------------------- */

static void test_config_and_nosec(void)
{
    tern_tls_config c = base_cfg(TERN_TLS_CLIENT, TERN_SEC_EST);
    tern_tls_ctx *ctx = NULL;
    char err[160];
    CHECK_EQ(tern_tls_ctx_new(&c, &ctx, err, sizeof err), TERN_EUNSUPPORTED);
    CHECK_STR(err, "EST (Security Mode 4) is not supported yet");
    CHECK(ctx == NULL);
    uint8_t longid[129] = {0};
    c = psk_cfg(TERN_TLS_CLIENT, PSK_KEY);
    c.psk_identity = tb(longid, sizeof longid);
    CHECK_EQ(tern_tls_ctx_new(&c, &ctx, err, sizeof err), TERN_ETOOBIG);
    c.psk_identity = tb(longid, 128);
    CHECK_EQ(tern_tls_ctx_new(&c, &ctx, err, sizeof err), TERN_OK);
    tern_tls_ctx_free(ctx);
    c = base_cfg(TERN_TLS_CLIENT, TERN_SEC_CERT);
    c.own_cert = tb("x", 1);
    c.own_key = tb("x", 1);
    c.server_cert = tb("x", 1);
    c.cert_usage = TERN_CERT_USAGE_TRUST_ANCHOR;
    CHECK_EQ(tern_tls_ctx_new(&c, &ctx, err, sizeof err), TERN_EINVAL); /* needs server_name */
    c.server_name = "lwm2m.example";
    CHECK_EQ(tern_tls_ctx_new(&c, &ctx, err, sizeof err), TERN_EMALFORMED);
    printf("bad cert message: %s\n", err);

    tern_tls_config n = base_cfg(TERN_TLS_CLIENT, TERN_SEC_NOSEC);
    tern_tls_ctx *nc = mkctx(&n);
    CHECK_STR(tern_tls_ctx_backend(nc), "none");
    tend e;
    memset(&e, 0, sizeof e);
    CHECK_EQ(tend_open(&e, nc, tb(NULL, 0), NULL), TERN_OK);
    CHECK_EQ(tern_tls_session_state(e.s), TERN_TLS_ESTABLISHED);
    CHECK_EQ(tern_tls_write(e.s, (const uint8_t *)"abc", 3, 0), TERN_OK);
    CHECK_EQ(e.out.n[0], 3);
    CHECK_EQ(tern_tls_feed(e.s, (const uint8_t *)"xyz", 3, 0), TERN_OK);
    CHECK_EQ(e.rx_len, 3);
    tend_close(&e);
    tern_tls_ctx_free(nc);

    CHECK_EQ(tern_tls_alert_action_of(0), TERN_TLS_ALERT_RETRY);
    CHECK_EQ(tern_tls_alert_action_of(42), TERN_TLS_ALERT_FAIL);
    CHECK_EQ(tern_tls_alert_action_of(48), TERN_TLS_ALERT_FAIL);
    CHECK_EQ(tern_tls_alert_action_of(40), TERN_TLS_ALERT_RETRY);
    CHECK_EQ(tern_tls_alert_action_of(110), TERN_TLS_ALERT_IGNORE);
    CHECK_EQ(tern_tls_alert_action_of(115), TERN_TLS_ALERT_FAIL);
    CHECK_STR(tern_tls_alert_name(112), "unrecognized_name");
}

static void test_key_helpers(void)
{
    tcred k;
    memset(&k, 0, sizeof k);
    tcred_cert(&k, "x", NULL, false, NULL, (time_t)g_now_unix, (time_t)g_now_unix + 100, 5);
    /* SEC1 (raw EC) private key -> PKCS#8 -> same SPKI as the certificate */
    uint8_t sec1[512], p8[512], a[256], b[256], der[2048];
    size_t sec1_len = sizeof sec1, p8_len, al, bl, dl;
    CHECK(gnutls_x509_privkey_export(k.key, GNUTLS_X509_FMT_DER, sec1, &sec1_len) >= 0);
    CHECK_EQ(tern_tls_key_to_pkcs8(tb(sec1, sec1_len), p8, sizeof p8, &p8_len), TERN_OK);
    CHECK_EQ(p8_len, k.key_len);
    CHECK_MEM(p8, k.key_der, p8_len);
    CHECK_EQ(tern_tls_spki_of(tb(p8, p8_len), a, sizeof a, &al), TERN_OK);
    CHECK_EQ(tern_tls_spki_of(tb(k.crt_der, k.crt_len), b, sizeof b, &bl), TERN_OK);
    CHECK_EQ(al, bl);
    CHECK_MEM(a, b, al);
    CHECK_EQ(al, 91); /* P-256 SubjectPublicKeyInfo */
    /* PEM certificate -> DER */
    char pem[4096];
    size_t pem_len = sizeof pem;
    CHECK(gnutls_x509_crt_export(k.crt, GNUTLS_X509_FMT_PEM, pem, &pem_len) >= 0);
    CHECK_EQ(tern_tls_cert_to_der(tb(pem, pem_len), der, sizeof der, &dl), TERN_OK);
    CHECK_EQ(dl, k.crt_len);
    CHECK_MEM(der, k.crt_der, dl);
    CHECK_EQ(tern_tls_cert_to_der(tb(pem, pem_len), der, 10, &dl), TERN_ENOMEM);
    CHECK_EQ(tern_tls_key_to_pkcs8(tb("junk", 4), p8, sizeof p8, &p8_len), TERN_EMALFORMED);
    uint8_t r1[32] = {0}, r2[32] = {0};
    CHECK_EQ(tern_tls_random(r1, sizeof r1), TERN_OK);
    CHECK_EQ(tern_tls_random(r2, sizeof r2), TERN_OK);
    CHECK(memcmp(r1, r2, sizeof r1) != 0);
    tcred_free(&k);
}

int main(void)
{
    g_now_unix = (int64_t)time(NULL);
    TRUN(test_psk_dtls);
    TRUN(test_psk_wrong_key);
    TRUN(test_psk_unknown_identity);
    TRUN(test_rpk);
    TRUN(test_x509_usages);
    TRUN(test_x509_client_refused);
    TRUN(test_cookie);
    TRUN(test_resumption);
    TRUN(test_stream);
    TRUN(test_config_and_nosec);
    TRUN(test_key_helpers);
    return tdone();
}
