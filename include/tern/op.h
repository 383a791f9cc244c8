/* tern — the operation model (docs/ARCHITECTURE.md "operations in the
 * middle"). Everything LwM2M does is an operation: a kind, a target path, a
 * content format and Accept, a payload (streamed in chunks), attributes,
 * Execute arguments, a Discover depth, the requesting server and a result.
 * The engines (client, server, bootstrap) speak only tern_op / tern_op_result;
 * a binding (CoAP now, MQTT and HTTP later) maps them to a wire and back.
 * Nothing here knows CoAP codes: results are LwM2M-level codes
 * (tern_lwm2m_code) and each binding maps them to its wire in one table.
 *
 * Ownership: every view in a tern_op (payload, exec_args) points into the
 * message the binding decoded and lives only during the call that receives
 * the operation.
 */
#ifndef TERN_OP_H
#define TERN_OP_H

#include "tern/base.h"
#include "tern/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Operation kinds of the four interfaces (Core §6; Transport §6.4). Values
 * are stable: bindings may keep them in tables. */
typedef enum tern_op_kind {
    TERN_OPK_NONE = 0,
    /* Device Management & Service Enablement (Transport Table 6.4.4.-1) */
    TERN_OPK_READ,
    TERN_OPK_DISCOVER,
    TERN_OPK_WRITE_REPLACE,   /* PUT with a payload */
    TERN_OPK_WRITE_UPDATE,    /* partial update: POST /O/I, POST /O/I/R */
    TERN_OPK_WRITE_ATTRS,     /* PUT with only Uri-Query */
    TERN_OPK_EXECUTE,
    TERN_OPK_CREATE,
    TERN_OPK_DELETE,
    TERN_OPK_READ_COMPOSITE,
    TERN_OPK_WRITE_COMPOSITE,
    /* Information Reporting (Transport Table 6.4.5.-1) */
    TERN_OPK_OBSERVE,
    TERN_OPK_CANCEL_OBSERVE,
    TERN_OPK_OBSERVE_COMPOSITE,
    TERN_OPK_CANCEL_OBSERVE_COMPOSITE,
    TERN_OPK_NOTIFY,
    TERN_OPK_SEND,
    /* Bootstrap (Transport Table 6.4.2.-1) — declared, implemented later */
    TERN_OPK_BOOTSTRAP_REQUEST,
    TERN_OPK_BOOTSTRAP_PACK_REQUEST,
    TERN_OPK_BOOTSTRAP_READ,
    TERN_OPK_BOOTSTRAP_WRITE,
    TERN_OPK_BOOTSTRAP_DELETE,
    TERN_OPK_BOOTSTRAP_DISCOVER,
    TERN_OPK_BOOTSTRAP_FINISH,
    /* Registration (Transport Table 6.4.3.-2) — declared, implemented later */
    TERN_OPK_REGISTER,
    TERN_OPK_UPDATE,
    TERN_OPK_DEREGISTER,
    TERN_OPK_COUNT_
} tern_op_kind;

/* Operation name ("Read", "Write-Attributes", ...); "?" when unknown. */
const char *tern_op_kind_name(int kind);

/* Result codes at the LwM2M level (Transport §6.7 lists which operation may
 * answer which). Bindings map them to their wire (src/binding/codes.c). */
typedef enum tern_lwm2m_code {
    TERN_LC_NONE = 0,           /* no result yet */
    TERN_LC_CREATED,            /* 2.01 */
    TERN_LC_DELETED,            /* 2.02 */
    TERN_LC_CHANGED,            /* 2.04 */
    TERN_LC_CONTENT,            /* 2.05 */
    TERN_LC_CONTINUE,           /* 2.31: block received, send the next one */
    TERN_LC_BAD_REQUEST,        /* 4.00 */
    TERN_LC_UNAUTHORIZED,       /* 4.01 */
    TERN_LC_FORBIDDEN,          /* 4.03 */
    TERN_LC_NOT_FOUND,          /* 4.04 */
    TERN_LC_METHOD_NOT_ALLOWED, /* 4.05 */
    TERN_LC_NOT_ACCEPTABLE,     /* 4.06 */
    TERN_LC_REQUEST_INCOMPLETE, /* 4.08 */
    TERN_LC_CONFLICT,           /* 4.09 */
    TERN_LC_PRECONDITION_FAILED,/* 4.12 */
    TERN_LC_REQUEST_TOO_LARGE,  /* 4.13 */
    TERN_LC_UNSUPPORTED_FORMAT, /* 4.15 */
    TERN_LC_INTERNAL_ERROR,     /* 5.00 */
    TERN_LC_NOT_IMPLEMENTED,    /* 5.01 */
    TERN_LC_SERVICE_UNAVAILABLE,/* 5.03 */
    TERN_LC_COUNT_
} tern_lwm2m_code;

/* "Content", "Bad Request", ...; "?" when unknown. */
const char *tern_lwm2m_code_name(int code);
static inline bool tern_lwm2m_code_is_success(int code)
{
    return code >= TERN_LC_CREATED && code <= TERN_LC_CONTINUE;
}

/* Content format "absent" (no Content-Format / no Accept). */
#define TERN_OP_CF_NONE (-1)
/* Discover depth "not given" (Core §5.4.2 default per level). */
#define TERN_OP_DEPTH_DEFAULT (-1)

/* One operation request, as delivered by a binding to an engine.
 *
 * Payload streaming: a body that arrives in pieces (CoAP Block1, several
 * MQTT messages) is delivered as several calls with the same operation:
 * `payload` is bytes [offset, offset + payload.len) of the body and `more`
 * says further pieces follow. A body that arrives at once has offset 0 and
 * more = false. `total` is the body size when announced (Size1), else 0. */
typedef struct tern_op {
    uint8_t kind;          /* tern_op_kind */
    uint16_t ssid;         /* Short Server ID of the requesting server
                              (0 = bootstrap server / unknown) */
    tern_path path;        /* target; root for composite operations */
    int32_t content_format;/* of the payload, TERN_OP_CF_NONE if absent */
    int32_t accept;        /* wanted response format, TERN_OP_CF_NONE if absent */
    tern_bytes payload;    /* view, see above */
    uint32_t offset;
    uint32_t total;
    bool more;
    /* Write-Attributes: attributes set (set) and unset (unset). */
    tern_attrs attrs;
    /* Discover: 0..3 or TERN_OP_DEPTH_DEFAULT. */
    int8_t depth;
    /* Execute: the argument string as received (Core §5.4.5 syntax, checked
     * by the engine); view of the payload, len 0 when none. */
    tern_bytes exec_args;
} tern_op;

/* Initialises an operation: no path, no formats, default depth. */
void tern_op_init(tern_op *op, tern_op_kind kind);

/* The answer an engine gives. The response body itself is produced into a
 * caller window (see tern_dm_read_window in dm.h), so a result never owns
 * a payload. */
typedef struct tern_op_result {
    uint8_t code;           /* tern_lwm2m_code */
    int32_t content_format; /* of the response body, TERN_OP_CF_NONE if none */
    bool has_location;      /* Create: path of the new instance */
    tern_path location;
    /* Response body window: bytes [offset, offset + body_len) of the
     * representation were written to the caller's buffer; `more` says the
     * representation continues; `total` is its size or -1 when unknown. */
    size_t body_len;
    uint32_t offset;
    bool more;
    int64_t total;
    const char *reason;     /* static text for logs (never sent), may be NULL */
} tern_op_result;

static inline void tern_op_result_init(tern_op_result *r)
{
    r->code = TERN_LC_NONE;
    r->content_format = TERN_OP_CF_NONE;
    r->has_location = false;
    r->location = tern_path_root();
    r->body_len = 0;
    r->offset = 0;
    r->more = false;
    r->total = -1;
    r->reason = NULL;
}

/* Sets code and reason, returns the code (for "return tern_op_fail(...)"). */
int tern_op_fail(tern_op_result *r, tern_lwm2m_code code, const char *reason);

/* True when the Transport spec's table for this operation lists the code
 * (Transport §6.7: "These are the only valid response codes"). The table
 * lives in src/binding/codes.c. Codes any request may get from the
 * transport itself (2.31, 4.08, 4.13 of Block1, 5.00) are allowed too. */
bool tern_op_code_allowed(int kind, int code);

/* The one mapping from a tern_err (from a handler or a codec) to the
 * result code of operation `kind` (src/binding/codes.c):
 *   TERN_ENOTFOUND → Not Found; TERN_EPERM → Unauthorized;
 *   TERN_EUNSUPPORTED → Method Not Allowed; TERN_ETYPE, TERN_ERANGE,
 *   TERN_EMALFORMED, TERN_ETRUNCATED, TERN_EINVAL, TERN_EEXIST,
 *   TERN_EDUPLICATE → Bad Request; TERN_ETOOBIG, TERN_ENOMEM → Request
 *   Entity Too Large for operations with a request body, else Internal
 *   Server Error; anything else → Internal Server Error. */
int tern_op_code_from_err(int kind, int err);

#ifdef __cplusplus
}
#endif
#endif /* TERN_OP_H */
