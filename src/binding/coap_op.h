/* tern — CoAP binding of the operation model (client side of the DM & SE
 * interface, Transport §6.4.4) and the CoAP column of the response-code
 * tables (Transport §6.7). Internal to the core; the client engine uses it.
 */
#ifndef TERN_BINDING_COAP_OP_H
#define TERN_BINDING_COAP_OP_H

#include "tern/coap_msg.h"
#include "tern/op.h"

/* CoAP code of an LwM2M result code (Transport §6.7); 5.00 for unknown. */
uint8_t tern_coap_code_of(int lwm2m_code);
/* LwM2M result code of a CoAP response code; TERN_LC_NONE when the code is
 * none of the table's. */
int tern_lwm2m_code_of_coap(uint8_t coap_code);

/* Determines the DM & SE / Information Reporting operation a request from
 * a LwM2M Server means (Transport Tables 6.4.4.-1 and 6.4.5.-1):
 *   GET  (Accept 40)                 → Discover (Uri-Query depth=0..3)
 *   GET  Observe 0 / 1               → Observe / Cancel-Observe
 *   GET                              → Read
 *   FETCH / + Observe 0 / 1          → Read- / Observe- / Cancel-Observe-Composite
 *   PUT  with Content-Format or body → Write (Replace)
 *   PUT  with only Uri-Query         → Write-Attributes
 *   POST /O                          → Create
 *   POST /O/I                        → Write (Partial Update)
 *   POST /O/I/R, no CF or text/plain → Execute (payload = arguments)
 *   POST /O/I/R with another CF      → Write (Partial Update, multiple resource)
 *   DELETE                           → Delete
 *   iPATCH /                         → Write-Composite
 * `op` views into `m` (payload, arguments): valid as long as m's buffer.
 * Returns TERN_LC_NONE on success, else the code to answer with at once:
 * 4.04 for a Uri-Path that names no LwM2M entity (not a number, > 65534,
 * more than 4 segments), 4.00 for an empty segment, a bad Uri-Query or an
 * option out of place, 4.05 for a method/level combination no operation
 * has (§6.4.4: path rules not respected), 4.02-like option errors are the
 * endpoint's. *op is filled as far as parsed. */
int tern_coap_op_from_request(const tern_coap_msg *m, uint16_t ssid, tern_op *op);

/* Memory for the options of a response built by tern_coap_op_response. */
typedef struct tern_coap_op_optmem {
    uint8_t cf[4];
    char loc[4][6]; /* Location-Path segments "65534" */
} tern_coap_op_optmem;

/* Fills the code and options of a response from a result: the code through
 * the table, Content-Format when a body format is set, Location-Path
 * segments for Create. Type/MID/token/payload are left to the caller. */
int tern_coap_op_response(const tern_op_result *r, tern_coap_msg *m, tern_coap_op_optmem *mem);

#endif
