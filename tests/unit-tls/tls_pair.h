/* Test helpers: two tern_tls sessions wired back to back through memory
 * queues, and test credentials generated at run time with GnuTLS (no key
 * material is committed). */
#ifndef TERN_TESTS_TLS_PAIR_H
#define TERN_TESTS_TLS_PAIR_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tern/tls.h"

#define QCAP 512
typedef struct tq {
    uint8_t *m[QCAP];
    size_t n[QCAP];
    size_t head, tail;
} tq;

static inline int tq_push(tq *q, const uint8_t *d, size_t n)
{
    if (q->tail - q->head >= QCAP)
        return TERN_EFULL;
    uint8_t *c = malloc(n ? n : 1);
    memcpy(c, d, n);
    q->m[q->tail % QCAP] = c;
    q->n[q->tail % QCAP] = n;
    q->tail++;
    return 0;
}

static inline void tq_clear(tq *q)
{
    while (q->head < q->tail) {
        free(q->m[q->head % QCAP]);
        q->head++;
    }
}

typedef struct tend {
    tern_tls_session *s;
    tq out; /* what this end sent */
    uint8_t rx[65536];
    size_t rx_len;
    size_t sent_count;
    size_t chunk; /* stream: feed in pieces of this size (0: whole) */
} tend;

static inline int tend_output(void *ctx, const uint8_t *d, size_t n)
{
    tend *e = ctx;
    e->sent_count++;
    return tq_push(&e->out, d, n);
}

static inline void tend_data(void *ctx, const uint8_t *d, size_t n)
{
    tend *e = ctx;
    if (e->rx_len + n <= sizeof e->rx) {
        memcpy(e->rx + e->rx_len, d, n);
        e->rx_len += n;
    }
}

static inline int tend_open(tend *e, tern_tls_ctx *ctx, tern_bytes resume, const tern_tls_prestate *ps)
{
    tern_tls_session_cfg sc = {tend_output, tend_data, e, ps, resume};
    return tern_tls_session_new(ctx, &sc, &e->s);
}

static inline void tend_close(tend *e)
{
    tern_tls_session_free(e->s);
    e->s = NULL;
    tq_clear(&e->out);
}

/* Delivers everything queued from `from` to `to`. Returns how many. */
static inline int tend_deliver(tend *from, tend *to, tern_time_ms now)
{
    int k = 0;
    while (from->out.head < from->out.tail) {
        size_t i = from->out.head % QCAP;
        uint8_t *m = from->out.m[i];
        size_t n = from->out.n[i];
        from->out.head++;
        if (to->s) {
            if (to->chunk) {
                for (size_t off = 0; off < n; off += to->chunk)
                    (void)tern_tls_feed(to->s, m + off, TERN_MIN(to->chunk, n - off), now);
            } else {
                (void)tern_tls_feed(to->s, m, n, now);
            }
        }
        free(m);
        k++;
    }
    return k;
}

/* Runs both ends until nothing moves. */
static inline void pump(tend *c, tend *s, tern_time_ms now)
{
    (void)tern_tls_step(c->s, now);
    (void)tern_tls_step(s->s, now);
    for (int i = 0; i < 64; i++) {
        int k = tend_deliver(c, s, now) + tend_deliver(s, c, now);
        if (k == 0)
            break;
    }
}

/* ---- credentials generated at test time ------------------------------------------ */

typedef struct tcred {
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    uint8_t key_der[512];
    size_t key_len;
    uint8_t crt_der[2048];
    size_t crt_len;
} tcred;

static inline void tcred_key(tcred *c)
{
    gnutls_x509_privkey_init(&c->key);
    gnutls_x509_privkey_generate(c->key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    c->key_len = sizeof c->key_der;
    gnutls_x509_privkey_export_pkcs8(c->key, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN, c->key_der, &c->key_len);
}

/* A certificate for cn (and DNS SAN dns when not NULL), issued by issuer
 * (self-signed when NULL), valid [nb, na]. */
static inline void tcred_cert(tcred *c, const char *cn, const char *dns, bool ca, const tcred *issuer, time_t nb,
                              time_t na, unsigned serial)
{
    tcred_key(c);
    gnutls_x509_crt_init(&c->crt);
    gnutls_x509_crt_set_version(c->crt, 3);
    unsigned char sn[4] = {(unsigned char)(serial >> 24), (unsigned char)(serial >> 16), (unsigned char)(serial >> 8),
                           (unsigned char)serial};
    gnutls_x509_crt_set_serial(c->crt, sn, sizeof sn);
    gnutls_x509_crt_set_activation_time(c->crt, nb);
    gnutls_x509_crt_set_expiration_time(c->crt, na);
    gnutls_x509_crt_set_dn_by_oid(c->crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn));
    gnutls_x509_crt_set_key(c->crt, c->key);
    if (dns)
        gnutls_x509_crt_set_subject_alt_name(c->crt, GNUTLS_SAN_DNSNAME, dns, (unsigned)strlen(dns), GNUTLS_FSAN_SET);
    gnutls_x509_crt_set_basic_constraints(c->crt, ca ? 1 : 0, -1);
    gnutls_x509_crt_set_key_usage(c->crt, ca ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN
                                             : GNUTLS_KEY_DIGITAL_SIGNATURE);
    unsigned char kid[64];
    size_t kid_len = sizeof kid;
    if (gnutls_x509_crt_get_key_id(c->crt, 0, kid, &kid_len) >= 0)
        gnutls_x509_crt_set_subject_key_id(c->crt, kid, kid_len);
    if (issuer) {
        kid_len = sizeof kid;
        if (gnutls_x509_crt_get_subject_key_id(issuer->crt, kid, &kid_len, NULL) >= 0)
            gnutls_x509_crt_set_authority_key_id(c->crt, kid, kid_len);
    }
    gnutls_x509_crt_sign2(c->crt, issuer ? issuer->crt : c->crt, issuer ? issuer->key : c->key, GNUTLS_DIG_SHA256, 0);
    c->crt_len = sizeof c->crt_der;
    gnutls_x509_crt_export(c->crt, GNUTLS_X509_FMT_DER, c->crt_der, &c->crt_len);
}

static inline void tcred_free(tcred *c)
{
    if (c->crt)
        gnutls_x509_crt_deinit(c->crt);
    if (c->key)
        gnutls_x509_privkey_deinit(c->key);
    memset(c, 0, sizeof *c);
}

static inline tern_bytes tb(const void *p, size_t n)
{
    tern_bytes b = {(const uint8_t *)p, n};
    return b;
}

#endif
