/* tern — serving the client data model over a CoAP endpoint (Transport
 * §6.4.4). Call from the endpoint's request handler (coap_ep.h) once the
 * requesting server's Short Server ID is known (from the peer/security
 * association, the registration engine's business):
 *
 *   static int on_request(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
 *   { return tern_dm_coap_handle(&my_dm, ssid_of(req->peer), req, resp); }
 *
 * Block1 pieces of a body are passed to the dm as one write (2.31 Continue
 * between them); Block2 responses are produced window by window
 * (resp->window), so no response is ever kept in memory whole. */
#ifndef TERN_DM_COAP_H
#define TERN_DM_COAP_H

#include "tern/coap_ep.h"
#include "tern/dm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Maps the request to an operation, performs it and fills resp. Returns
 * TERN_OK (resp holds the answer, whatever its code) or a negative
 * tern_err when the response options do not fit (the endpoint then
 * answers 5.00). */
int tern_dm_coap_handle(tern_dm *dm, uint16_t ssid, const tern_coap_server_req *req, tern_coap_response *resp);

#ifdef __cplusplus
}
#endif
#endif
