/* tern — CoAP request → operation and operation result → CoAP response for
 * the DM & SE and Information Reporting interfaces, client side
 * (Transport §6.4.4, Table 6.4.4.-1; §6.4.5, Table 6.4.5.-1). */
#include <string.h>

#include "binding/coap_op.h"
#include "tern/codec.h"

/* One Uri-Path segment as an LwM2M id: decimal, no sign, ≤ 65534. */
static int seg_id(const tern_coap_opt *o, uint16_t *id)
{
    if (o->len == 0)
        return TERN_LC_BAD_REQUEST; /* empty segment: malformed URI */
    if (o->len > 5)
        return TERN_LC_NOT_FOUND;
    uint32_t v = 0;
    for (uint16_t i = 0; i < o->len; i++) {
        uint8_t c = o->val[i];
        if (c < '0' || c > '9')
            return TERN_LC_NOT_FOUND; /* names no object (Core §7.1 ids are numbers) */
        v = v * 10u + (uint32_t)(c - '0');
    }
    if ((o->len > 1 && o->val[0] == '0') || v > TERN_ID_MAX)
        return TERN_LC_NOT_FOUND;
    *id = (uint16_t)v;
    return TERN_LC_NONE;
}

static int parse_path(const tern_coap_msg *m, tern_path *p)
{
    *p = tern_path_root();
    for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_PATH); o;
         o = tern_coap_opt_next(m, o)) {
        /* A single empty segment is the root ("coap://h/" may be sent so). */
        if (o->len == 0 && p->len == 0 && !tern_coap_opt_next(m, o))
            break;
        if (p->len == 4)
            return TERN_LC_NOT_FOUND; /* deeper than a resource instance */
        int rc = seg_id(o, &p->ids[p->len]);
        if (rc != TERN_LC_NONE)
            return rc;
        p->len++;
    }
    return TERN_LC_NONE;
}

/* Discover's "depth=N" (Core §5.4.2: 0..3). */
static int parse_discover_query(const tern_coap_msg *m, tern_op *op)
{
    for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_QUERY); o;
         o = tern_coap_opt_next(m, o)) {
        if (o->len == 7 && memcmp(o->val, "depth=", 6) == 0 && o->val[6] >= '0' && o->val[6] <= '3' &&
            op->depth == TERN_OP_DEPTH_DEFAULT) {
            op->depth = (int8_t)(o->val[6] - '0');
            continue;
        }
        return TERN_LC_BAD_REQUEST;
    }
    return TERN_LC_NONE;
}

static int parse_attrs_query(const tern_coap_msg *m, tern_op *op)
{
    memset(&op->attrs, 0, sizeof op->attrs);
    for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_QUERY); o;
         o = tern_coap_opt_next(m, o)) {
        char q[64];
        if (o->len == 0 || o->len >= sizeof q)
            return TERN_LC_BAD_REQUEST;
        memcpy(q, o->val, o->len);
        q[o->len] = '\0';
        /* unknown attributes, bad values, duplicates: "The format of
         * attribute to be written is different" (Table 6.7.-3) */
        if (tern_attrs_parse_query(&op->attrs, q, o->len) != TERN_OK)
            return TERN_LC_BAD_REQUEST;
    }
    return TERN_LC_NONE;
}

static bool has_query(const tern_coap_msg *m)
{
    return tern_coap_opt_get(m, TERN_COAP_OPT_URI_QUERY) != NULL;
}

int tern_coap_op_from_request(const tern_coap_msg *m, uint16_t ssid, tern_op *op)
{
    tern_op_init(op, TERN_OPK_NONE);
    op->ssid = ssid;
    int rc = parse_path(m, &op->path);
    if (rc != TERN_LC_NONE)
        return rc;
    op->content_format = tern_coap_content_format(m);
    op->accept = tern_coap_accept(m);
    op->payload.ptr = m->payload;
    op->payload.len = m->payload_len;
    uint32_t obs = 0;
    int orc = tern_coap_opt_get_uint(m, TERN_COAP_OPT_OBSERVE, &obs);
    if (orc == TERN_EMALFORMED || (orc == TERN_OK && obs > 1))
        return TERN_LC_BAD_REQUEST;
    bool observe = orc == TERN_OK;
    int lvl = op->path.len;

    switch (m->code) {
    case TERN_COAP_GET:
        if (op->accept == TERN_CF_LINK) {
            op->kind = TERN_OPK_DISCOVER;
            return parse_discover_query(m, op);
        }
        op->kind = observe ? (obs == 0 ? TERN_OPK_OBSERVE : TERN_OPK_CANCEL_OBSERVE) : TERN_OPK_READ;
        /* Read/Observe take no query parameters here; notification
         * attributes in an Observe query are the observation engine's. */
        if (!observe && has_query(m))
            return TERN_LC_BAD_REQUEST;
        return lvl == 0 ? TERN_LC_METHOD_NOT_ALLOWED : TERN_LC_NONE;
    case TERN_COAP_FETCH:
        op->kind = observe ? (obs == 0 ? TERN_OPK_OBSERVE_COMPOSITE : TERN_OPK_CANCEL_OBSERVE_COMPOSITE)
                           : TERN_OPK_READ_COMPOSITE;
        return lvl == 0 ? TERN_LC_NONE : TERN_LC_METHOD_NOT_ALLOWED; /* paths are in the payload */
    case TERN_COAP_PUT:
        if (op->content_format == TERN_CF_NONE && m->payload_len == 0) {
            op->kind = TERN_OPK_WRITE_ATTRS;
            if (lvl == 0)
                return TERN_LC_METHOD_NOT_ALLOWED;
            return parse_attrs_query(m, op);
        }
        op->kind = TERN_OPK_WRITE_REPLACE;
        if (has_query(m))
            return TERN_LC_BAD_REQUEST;
        return lvl < 2 ? TERN_LC_METHOD_NOT_ALLOWED : TERN_LC_NONE;
    case TERN_COAP_POST:
        if (has_query(m))
            return TERN_LC_BAD_REQUEST;
        switch (lvl) {
        case 1: op->kind = TERN_OPK_CREATE; return TERN_LC_NONE;
        case 2: op->kind = TERN_OPK_WRITE_UPDATE; return TERN_LC_NONE;
        case 3:
            /* Execute carries no format or text/plain; a partial update of
             * a multiple-instance resource carries a multi-value format. */
            if (op->content_format == TERN_CF_NONE || op->content_format == TERN_CF_TEXT) {
                op->kind = TERN_OPK_EXECUTE;
                op->exec_args = op->payload;
            } else {
                op->kind = TERN_OPK_WRITE_UPDATE;
            }
            return TERN_LC_NONE;
        default: op->kind = TERN_OPK_CREATE; return TERN_LC_METHOD_NOT_ALLOWED;
        }
    case TERN_COAP_DELETE:
        op->kind = TERN_OPK_DELETE;
        if (has_query(m))
            return TERN_LC_BAD_REQUEST;
        return lvl == 2 || lvl == 4 ? TERN_LC_NONE : TERN_LC_METHOD_NOT_ALLOWED;
    case TERN_COAP_IPATCH:
        op->kind = TERN_OPK_WRITE_COMPOSITE;
        return lvl == 0 ? TERN_LC_NONE : TERN_LC_METHOD_NOT_ALLOWED;
    default:
        /* PATCH and unknown methods: no LwM2M operation. RFC 7252 §5.8
         * answers 4.05 for a method a resource does not support. */
        return TERN_LC_METHOD_NOT_ALLOWED;
    }
}

int tern_coap_op_response(const tern_op_result *r, tern_coap_msg *m, tern_coap_op_optmem *mem)
{
    m->code = tern_coap_code_of(r->code);
    int rc;
    if (r->has_location) {
        for (int i = 0; i < r->location.len && i < 4; i++) {
            int n = 0;
            char tmp[6];
            unsigned v = r->location.ids[i];
            do {
                tmp[n++] = (char)('0' + v % 10u);
                v /= 10u;
            } while (v);
            for (int k = 0; k < n; k++)
                mem->loc[i][k] = tmp[n - 1 - k];
            rc = tern_coap_opt_add(m, TERN_COAP_OPT_LOCATION_PATH, mem->loc[i], (size_t)n);
            if (rc < 0)
                return rc;
        }
    }
    if (r->content_format >= 0 && r->content_format <= 0xffff) {
        rc = tern_coap_opt_add_uint(m, TERN_COAP_OPT_CONTENT_FORMAT, (uint32_t)r->content_format, mem->cf);
        if (rc < 0)
            return rc;
    }
    return TERN_OK;
}
