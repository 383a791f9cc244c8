/* tern — response codes: the operation → allowed result codes table of the
 * DM & SE interface (Transport Table 6.7.-3, with room for 6.7.-1/-2/-4),
 * the LwM2M → CoAP code column, and the one tern_err → result mapping. */
#include "binding/coap_op.h"
#include "tern/op.h"

#define B(c) (1u << (c))

/* Transport §6.7: "These are the only valid response codes". */
static const struct {
    uint8_t kind;
    uint32_t allowed;
} op_codes[] = {
    /* Table 6.7.-3 */
    {TERN_OPK_CREATE, B(TERN_LC_CREATED) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                          B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED) | B(TERN_LC_NOT_ACCEPTABLE) |
                          B(TERN_LC_UNSUPPORTED_FORMAT)},
    {TERN_OPK_READ, B(TERN_LC_CONTENT) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                        B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED) | B(TERN_LC_NOT_ACCEPTABLE)},
    {TERN_OPK_READ_COMPOSITE, B(TERN_LC_CONTENT) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                                  B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED) |
                                  B(TERN_LC_NOT_ACCEPTABLE) | B(TERN_LC_UNSUPPORTED_FORMAT)},
    {TERN_OPK_WRITE_REPLACE, B(TERN_LC_CHANGED) | B(TERN_LC_CONTINUE) | B(TERN_LC_BAD_REQUEST) |
                                 B(TERN_LC_UNAUTHORIZED) | B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED) |
                                 B(TERN_LC_NOT_ACCEPTABLE) | B(TERN_LC_REQUEST_INCOMPLETE) |
                                 B(TERN_LC_REQUEST_TOO_LARGE) | B(TERN_LC_UNSUPPORTED_FORMAT)},
    {TERN_OPK_WRITE_UPDATE, B(TERN_LC_CHANGED) | B(TERN_LC_CONTINUE) | B(TERN_LC_BAD_REQUEST) |
                                B(TERN_LC_UNAUTHORIZED) | B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED) |
                                B(TERN_LC_NOT_ACCEPTABLE) | B(TERN_LC_REQUEST_INCOMPLETE) |
                                B(TERN_LC_REQUEST_TOO_LARGE) | B(TERN_LC_UNSUPPORTED_FORMAT)},
    /* The Write-Composite row lists no 4.15; an unsupported format of the
     * iPATCH body is "not supported" → 4.06 per that row. */
    {TERN_OPK_WRITE_COMPOSITE, B(TERN_LC_CHANGED) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                                   B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED) |
                                   B(TERN_LC_NOT_ACCEPTABLE)},
    {TERN_OPK_DELETE, B(TERN_LC_DELETED) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                          B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED)},
    {TERN_OPK_EXECUTE, B(TERN_LC_CHANGED) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                           B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED)},
    {TERN_OPK_WRITE_ATTRS, B(TERN_LC_CHANGED) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                               B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED)},
    {TERN_OPK_DISCOVER, B(TERN_LC_CONTENT) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                            B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED)},
    /* Table 6.7.-4 */
    {TERN_OPK_OBSERVE, B(TERN_LC_CONTENT) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                           B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED) | B(TERN_LC_NOT_ACCEPTABLE)},
    {TERN_OPK_CANCEL_OBSERVE, B(TERN_LC_CONTENT) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                                  B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED) |
                                  B(TERN_LC_NOT_ACCEPTABLE)},
    {TERN_OPK_OBSERVE_COMPOSITE, B(TERN_LC_CONTENT) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                                     B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED) |
                                     B(TERN_LC_NOT_ACCEPTABLE) | B(TERN_LC_UNSUPPORTED_FORMAT)},
    {TERN_OPK_CANCEL_OBSERVE_COMPOSITE, B(TERN_LC_CONTENT) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_UNAUTHORIZED) |
                                            B(TERN_LC_NOT_FOUND) | B(TERN_LC_METHOD_NOT_ALLOWED) |
                                            B(TERN_LC_NOT_ACCEPTABLE) | B(TERN_LC_UNSUPPORTED_FORMAT)},
    {TERN_OPK_NOTIFY, B(TERN_LC_CONTENT)},
    {TERN_OPK_SEND, B(TERN_LC_CHANGED) | B(TERN_LC_BAD_REQUEST) | B(TERN_LC_NOT_FOUND)},
    /* Tables 6.7.-1 and 6.7.-2: rows to be added with the bootstrap and
     * registration engines. */
};

/* The CoAP column: one entry per tern_lwm2m_code. */
static const uint8_t coap_of[TERN_LC_COUNT_] = {
    [TERN_LC_NONE] = TERN_COAP_INTERNAL_ERROR,
    [TERN_LC_CREATED] = TERN_COAP_CREATED,
    [TERN_LC_DELETED] = TERN_COAP_DELETED,
    [TERN_LC_CHANGED] = TERN_COAP_CHANGED,
    [TERN_LC_CONTENT] = TERN_COAP_CONTENT,
    [TERN_LC_CONTINUE] = TERN_COAP_CONTINUE,
    [TERN_LC_BAD_REQUEST] = TERN_COAP_BAD_REQUEST,
    [TERN_LC_UNAUTHORIZED] = TERN_COAP_UNAUTHORIZED,
    [TERN_LC_FORBIDDEN] = TERN_COAP_FORBIDDEN,
    [TERN_LC_NOT_FOUND] = TERN_COAP_NOT_FOUND,
    [TERN_LC_METHOD_NOT_ALLOWED] = TERN_COAP_METHOD_NOT_ALLOWED,
    [TERN_LC_NOT_ACCEPTABLE] = TERN_COAP_NOT_ACCEPTABLE,
    [TERN_LC_REQUEST_INCOMPLETE] = TERN_COAP_REQUEST_INCOMPLETE,
    [TERN_LC_CONFLICT] = TERN_COAP_CONFLICT,
    [TERN_LC_PRECONDITION_FAILED] = TERN_COAP_PRECONDITION_FAILED,
    [TERN_LC_REQUEST_TOO_LARGE] = TERN_COAP_REQUEST_TOO_LARGE,
    [TERN_LC_UNSUPPORTED_FORMAT] = TERN_COAP_UNSUPPORTED_FORMAT,
    [TERN_LC_INTERNAL_ERROR] = TERN_COAP_INTERNAL_ERROR,
    [TERN_LC_NOT_IMPLEMENTED] = TERN_COAP_NOT_IMPLEMENTED,
    [TERN_LC_SERVICE_UNAVAILABLE] = TERN_COAP_SERVICE_UNAVAILABLE,
};

static const char *const code_names[TERN_LC_COUNT_] = {
    "None", "Created", "Deleted", "Changed", "Content", "Continue", "Bad Request", "Unauthorized",
    "Forbidden", "Not Found", "Method Not Allowed", "Not Acceptable", "Request Entity Incomplete",
    "Conflict", "Precondition Failed", "Request Entity Too Large", "Unsupported Content-Format",
    "Internal Server Error", "Not Implemented", "Service Unavailable",
};

static const char *const kind_names[TERN_OPK_COUNT_] = {
    "None", "Read", "Discover", "Write-Replace", "Write-Update", "Write-Attributes", "Execute", "Create",
    "Delete", "Read-Composite", "Write-Composite", "Observe", "Cancel-Observe", "Observe-Composite",
    "Cancel-Observe-Composite", "Notify", "Send", "Bootstrap-Request", "Bootstrap-Pack-Request",
    "Bootstrap-Read", "Bootstrap-Write", "Bootstrap-Delete", "Bootstrap-Discover", "Bootstrap-Finish",
    "Register", "Update", "De-register",
};

uint8_t tern_coap_code_of(int lwm2m_code)
{
    if (lwm2m_code <= TERN_LC_NONE || lwm2m_code >= TERN_LC_COUNT_)
        return TERN_COAP_INTERNAL_ERROR;
    return coap_of[lwm2m_code];
}

int tern_lwm2m_code_of_coap(uint8_t coap_code)
{
    for (int c = TERN_LC_CREATED; c < TERN_LC_COUNT_; c++)
        if (coap_of[c] == coap_code)
            return c;
    return TERN_LC_NONE;
}

const char *tern_lwm2m_code_name(int code)
{
    return code >= 0 && code < TERN_LC_COUNT_ ? code_names[code] : "?";
}

const char *tern_op_kind_name(int kind)
{
    return kind >= 0 && kind < TERN_OPK_COUNT_ ? kind_names[kind] : "?";
}

void tern_op_init(tern_op *op, tern_op_kind kind)
{
    *op = (tern_op){0};
    op->kind = (uint8_t)kind;
    op->path = tern_path_root();
    op->content_format = TERN_OP_CF_NONE;
    op->accept = TERN_OP_CF_NONE;
    op->depth = TERN_OP_DEPTH_DEFAULT;
}

int tern_op_fail(tern_op_result *r, tern_lwm2m_code code, const char *reason)
{
    r->code = (uint8_t)code;
    r->reason = reason;
    r->body_len = 0;
    r->more = false;
    r->content_format = TERN_OP_CF_NONE;
    r->has_location = false;
    return (int)code;
}

static bool has_body(int kind)
{
    return kind == TERN_OPK_WRITE_REPLACE || kind == TERN_OPK_WRITE_UPDATE || kind == TERN_OPK_CREATE ||
           kind == TERN_OPK_WRITE_COMPOSITE || kind == TERN_OPK_BOOTSTRAP_WRITE;
}

bool tern_op_code_allowed(int kind, int code)
{
    if (code <= TERN_LC_NONE || code >= TERN_LC_COUNT_)
        return false;
    if (code == TERN_LC_INTERNAL_ERROR)
        return true; /* an implementation failure is always possible */
    for (size_t i = 0; i < TERN_ARRAY_LEN(op_codes); i++)
        if (op_codes[i].kind == kind)
            return (op_codes[i].allowed & B(code)) != 0;
    return false;
}

int tern_op_code_from_err(int kind, int err)
{
    int c;
    switch (err) {
    case TERN_ENOTFOUND: c = TERN_LC_NOT_FOUND; break;
    case TERN_EPERM: c = TERN_LC_UNAUTHORIZED; break;
    case TERN_EUNSUPPORTED: c = TERN_LC_METHOD_NOT_ALLOWED; break;
    case TERN_ETYPE:
    case TERN_ERANGE:
    case TERN_EMALFORMED:
    case TERN_ETRUNCATED:
    case TERN_EINVAL:
    case TERN_EEXIST:
    case TERN_EDUPLICATE: c = TERN_LC_BAD_REQUEST; break;
    case TERN_ETOOBIG:
    case TERN_ENOMEM: c = has_body(kind) ? TERN_LC_REQUEST_TOO_LARGE : TERN_LC_INTERNAL_ERROR; break;
    default: c = TERN_LC_INTERNAL_ERROR; break;
    }
    /* Never answer outside the operation's row (Transport §6.7). */
    return tern_op_code_allowed(kind, c) ? c : TERN_LC_INTERNAL_ERROR;
}
