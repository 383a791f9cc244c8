/* tern — CoAP binding of the operation model, server side: an operation
 * toward a client → a CoAP request (Transport Tables 6.4.4.-1 and
 * 6.4.5.-1). The reverse of binding/coap_op.c. Internal to the core. */
#ifndef TERN_BINDING_COAP_SERVER_H
#define TERN_BINDING_COAP_SERVER_H

#include "tern/coap_msg.h"
#include "tern/op.h"

/* Memory for the options of a request built by tern_coap_request_from_op
 * (alive until the request is encoded). */
typedef struct tern_coap_req_optmem {
    char ids[4][6];
    uint8_t cf[4], accept[4];
    char query[192];
} tern_coap_req_optmem;

/* Builds method, Uri-Path (alt_prefix, e.g. "/lwm2m", then the op path),
 * Uri-Query, Content-Format, Accept and payload of the request for op.
 * Observe is left to the endpoint (tern_coap_req_opts.observe). Views in m
 * point to op, alt_prefix and mem. TERN_EINVAL for a kind that is no
 * request toward a client or a path that does not fit it (Table 6.4.4.-1),
 * TERN_ENOMEM / TERN_EFULL when options do not fit. */
int tern_coap_request_from_op(const tern_op *op, const char *alt_prefix, tern_coap_msg *m,
                              tern_coap_req_optmem *mem);

#endif
