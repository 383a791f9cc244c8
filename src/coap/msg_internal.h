/* tern — CoAP message codec internals shared by msg.c (UDP), tcp.c (RFC 8323)
 * and options.c. Not a public header. */
#ifndef TERN_COAP_MSG_INTERNAL_H
#define TERN_COAP_MSG_INTERNAL_H

#include "tern/coap_msg.h"

/* Records a parse failure in err (which may be NULL) and returns code. */
int tern_coap_perr(tern_coap_parse_err *err, int code, size_t offset, const char *reason,
                   bool header_ok);

/* Parses the Options / payload-marker / Payload part of a message that
 * occupies buf[pos, end) (RFC 7252 §3.1; RFC 8323 §3.2 uses the same layout).
 * Offsets in err are relative to buf. On failure m's options and payload
 * are cleared and header_ok is set. */
int tern_coap_parse_body(tern_coap_msg *m, const uint8_t *buf, size_t pos, size_t end,
                         tern_coap_parse_err *err);

/* Checks what both framings need before writing (token length, option
 * count and order, views present); TERN_EINVAL when not encodable. */
int tern_coap_check_encodable(const tern_coap_msg *m);

/* Bytes the options, payload marker and payload take. */
size_t tern_coap_body_len(const tern_coap_msg *m);

/* Writes options, marker and payload to out (which has tern_coap_body_len
 * bytes of room); returns bytes written. */
size_t tern_coap_write_body(const tern_coap_msg *m, uint8_t *out);

/* Clears options and payload after a failed parse (never half-parse). */
void tern_coap_clear_body(tern_coap_msg *m);

#endif
