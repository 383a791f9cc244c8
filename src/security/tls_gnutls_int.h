/* Internal: helpers shared by the GnuTLS backend files. */
#ifndef TERN_SECURITY_TLS_GNUTLS_INT_H
#define TERN_SECURITY_TLS_GNUTLS_INT_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "security/tls_backend.h"

/* True when the bytes hold a PEM armour line. */
bool tern_gt_is_pem(tern_bytes in);
/* Imports a private key: DER PKCS#8 / SEC1 or PEM. */
int tern_gt_privkey_import(tern_bytes in, gnutls_x509_privkey_t *out);
/* SubjectPublicKeyInfo DER of an SPKI, certificate or private key (DER or
 * PEM); *spki is gnutls_malloc'd. */
int tern_gt_spki(tern_bytes in, gnutls_datum_t *spki);

#endif
