/* Key and certificate helpers on GnuTLS: EC P-256 generation, private key
 * normalisation to PKCS#8, SubjectPublicKeyInfo extraction, PEM to DER. */
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "security/tls_gnutls_int.h"

bool tern_gt_is_pem(tern_bytes in)
{
    static const char tag[] = "-----BEGIN";
    size_t n = sizeof tag - 1;
    for (size_t i = 0; i + n <= in.len; i++)
        if (memcmp(in.ptr + i, tag, n) == 0)
            return true;
    return false;
}

static int put(const gnutls_datum_t *d, uint8_t *out, size_t cap, size_t *len)
{
    *len = d->size;
    if (d->size > cap)
        return TERN_ENOMEM;
    if (d->size)
        memcpy(out, d->data, d->size);
    return TERN_OK;
}

static gnutls_datum_t datum(tern_bytes b)
{
    gnutls_datum_t d = {(unsigned char *)(uintptr_t)b.ptr, (unsigned)b.len};
    return d;
}

int tern_gt_privkey_import(tern_bytes in, gnutls_x509_privkey_t *out)
{
    gnutls_x509_privkey_t k;
    if (!in.ptr || in.len == 0 || in.len > UINT32_MAX)
        return TERN_EINVAL;
    if (gnutls_x509_privkey_init(&k) < 0)
        return TERN_ENOMEM;
    gnutls_datum_t d = datum(in);
    gnutls_x509_crt_fmt_t fmt = tern_gt_is_pem(in) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER;
    /* import2 tries PKCS#8 (OneAsymmetricKey v1), then the raw formats (SEC1). */
    int rc = gnutls_x509_privkey_import2(k, &d, fmt, NULL, GNUTLS_PKCS_PLAIN);
    if (rc < 0) {
        gnutls_x509_privkey_deinit(k);
        return TERN_EMALFORMED;
    }
    *out = k;
    return TERN_OK;
}

int tern_tls_key_to_pkcs8(tern_bytes in, uint8_t *out, size_t cap, size_t *len)
{
    if (!out || !len)
        return TERN_EINVAL;
    *len = 0;
    gnutls_x509_privkey_t k;
    int rc = tern_gt_privkey_import(in, &k);
    if (rc < 0)
        return rc;
    gnutls_datum_t d = {NULL, 0};
    if (gnutls_x509_privkey_export2_pkcs8(k, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN, &d) < 0)
        rc = TERN_EMALFORMED;
    else
        rc = put(&d, out, cap, len);
    if (d.data) {
        gnutls_memset(d.data, 0, d.size);
        gnutls_free(d.data);
    }
    gnutls_x509_privkey_deinit(k);
    return rc;
}

int tern_tls_cert_to_der(tern_bytes in, uint8_t *out, size_t cap, size_t *len)
{
    if (!out || !len || !in.ptr || in.len > UINT32_MAX)
        return TERN_EINVAL;
    *len = 0;
    gnutls_x509_crt_t c;
    if (gnutls_x509_crt_init(&c) < 0)
        return TERN_ENOMEM;
    gnutls_datum_t d = datum(in), o = {NULL, 0};
    int rc = gnutls_x509_crt_import(c, &d, tern_gt_is_pem(in) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER);
    if (rc >= 0 && gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_DER, &o) >= 0)
        rc = put(&o, out, cap, len);
    else
        rc = TERN_EMALFORMED;
    gnutls_free(o.data);
    gnutls_x509_crt_deinit(c);
    return rc;
}

int tern_gt_spki(tern_bytes in, gnutls_datum_t *spki)
{
    spki->data = NULL;
    spki->size = 0;
    if (!in.ptr || in.len == 0 || in.len > UINT32_MAX)
        return TERN_EINVAL;
    gnutls_x509_crt_fmt_t fmt = tern_gt_is_pem(in) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER;
    gnutls_datum_t d = datum(in);
    gnutls_pubkey_t pub;
    if (gnutls_pubkey_init(&pub) < 0)
        return TERN_ENOMEM;
    int rc = gnutls_pubkey_import(pub, &d, fmt);
    if (rc < 0) {
        gnutls_x509_crt_t c;
        if (gnutls_x509_crt_init(&c) >= 0) {
            if (gnutls_x509_crt_import(c, &d, fmt) >= 0)
                rc = gnutls_pubkey_import_x509(pub, c, 0);
            gnutls_x509_crt_deinit(c);
        }
    }
    if (rc < 0) {
        gnutls_x509_privkey_t k;
        if (tern_gt_privkey_import(in, &k) == TERN_OK) {
            gnutls_privkey_t pk;
            if (gnutls_privkey_init(&pk) >= 0) {
                if (gnutls_privkey_import_x509(pk, k, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE) >= 0) {
                    k = NULL;
                    rc = gnutls_pubkey_import_privkey(pub, pk, 0, 0);
                }
                gnutls_privkey_deinit(pk);
            }
            if (k)
                gnutls_x509_privkey_deinit(k);
        }
    }
    if (rc >= 0)
        rc = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, spki);
    gnutls_pubkey_deinit(pub);
    return rc < 0 ? TERN_EMALFORMED : TERN_OK;
}

int tern_tls_spki_of(tern_bytes in, uint8_t *out, size_t cap, size_t *len)
{
    if (!out || !len)
        return TERN_EINVAL;
    *len = 0;
    gnutls_datum_t d;
    int rc = tern_gt_spki(in, &d);
    if (rc < 0)
        return rc;
    rc = put(&d, out, cap, len);
    gnutls_free(d.data);
    return rc;
}

int tern_tls_ec_keygen(uint8_t *spki, size_t spki_cap, size_t *spki_len, uint8_t *key, size_t key_cap,
                       size_t *key_len)
{
    if (!spki || !spki_len || !key || !key_len)
        return TERN_EINVAL;
    *spki_len = *key_len = 0;
    gnutls_x509_privkey_t k;
    if (gnutls_x509_privkey_init(&k) < 0)
        return TERN_ENOMEM;
    int rc = TERN_EIO;
    gnutls_datum_t kd = {NULL, 0};
    if (gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) >= 0 &&
        gnutls_x509_privkey_export2_pkcs8(k, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN, &kd) >= 0) {
        tern_bytes kb = {kd.data, kd.size};
        gnutls_datum_t sd;
        rc = tern_gt_spki(kb, &sd);
        if (rc == TERN_OK) {
            rc = put(&sd, spki, spki_cap, spki_len);
            gnutls_free(sd.data);
        }
        if (rc == TERN_OK)
            rc = put(&kd, key, key_cap, key_len);
    }
    if (kd.data) {
        gnutls_memset(kd.data, 0, kd.size);
        gnutls_free(kd.data);
    }
    gnutls_x509_privkey_deinit(k);
    return rc;
}

int tern_tls_random(uint8_t *out, size_t n)
{
    if (!out && n)
        return TERN_EINVAL;
    return gnutls_rnd(GNUTLS_RND_KEY, out, n) < 0 ? TERN_EIO : TERN_OK;
}
