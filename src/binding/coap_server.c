/* tern — operation → CoAP request, server side (Transport §6.4.4 Table
 * 6.4.4.-1, §6.4.5 Table 6.4.5.-1). */
#include <string.h>

#include "binding/coap_server.h"
#include "tern/codec.h"

static int add_path(tern_coap_msg *m, const char *prefix, const tern_path *p, tern_coap_req_optmem *mem)
{
    int rc;
    if (prefix && prefix[0]) {
        rc = tern_coap_opt_add_uri_path(m, prefix);
        if (rc < 0)
            return rc;
    }
    for (int i = 0; i < p->len && i < 4; i++) {
        char tmp[6];
        int n = 0;
        unsigned v = p->ids[i];
        do {
            tmp[n++] = (char)('0' + v % 10u);
            v /= 10u;
        } while (v);
        for (int k = 0; k < n; k++)
            mem->ids[i][k] = tmp[n - 1 - k];
        rc = tern_coap_opt_add(m, TERN_COAP_OPT_URI_PATH, mem->ids[i], (size_t)n);
        if (rc < 0)
            return rc;
    }
    return TERN_OK;
}

/* "pmin=10&gt=3.5&pmax" → one Uri-Query option per attribute (Table
 * 6.4.4.-1 Write-Attributes, Table 6.4.5.-1 Observe). */
static int add_attr_query(tern_coap_msg *m, const tern_attrs *a, tern_coap_req_optmem *mem)
{
    if (!(a->set | a->unset))
        return TERN_OK;
    int n = tern_attrs_format(a, TERN_ATTRS_QUERY, mem->query, sizeof mem->query);
    if (n < 0)
        return n;
    size_t start = 0;
    for (size_t i = 0; i <= (size_t)n; i++) {
        if (i == (size_t)n || mem->query[i] == '&') {
            int rc = tern_coap_opt_add(m, TERN_COAP_OPT_URI_QUERY, mem->query + start, i - start);
            if (rc < 0)
                return rc;
            start = i + 1;
        }
    }
    return TERN_OK;
}

static int add_cf(tern_coap_msg *m, uint16_t num, int32_t cf, uint8_t scratch[4])
{
    if (cf < 0)
        return TERN_OK;
    if (cf > 0xffff)
        return TERN_EINVAL;
    return tern_coap_opt_add_uint(m, num, (uint32_t)cf, scratch);
}

int tern_coap_request_from_op(const tern_op *op, const char *alt_prefix, tern_coap_msg *m,
                              tern_coap_req_optmem *mem)
{
    tern_coap_msg_init(m, TERN_COAP_CON, TERN_COAP_EMPTY, 0);
    int lvl = op->path.len;
    bool body = false, accept = false, query = false;
    int rc;
    switch (op->kind) {
    case TERN_OPK_READ:
        if (lvl < 1)
            return TERN_EINVAL;
        m->code = TERN_COAP_GET;
        accept = true;
        break;
    case TERN_OPK_OBSERVE:
        if (lvl < 1)
            return TERN_EINVAL;
        m->code = TERN_COAP_GET;
        accept = query = true;
        break;
    case TERN_OPK_DISCOVER:
        if (lvl < 1 || lvl > 3)
            return TERN_EINVAL;
        m->code = TERN_COAP_GET;
        break;
    case TERN_OPK_WRITE_REPLACE:
        if (lvl < 2)
            return TERN_EINVAL;
        m->code = TERN_COAP_PUT;
        body = true;
        break;
    case TERN_OPK_WRITE_UPDATE:
        if (lvl != 2 && lvl != 3)
            return TERN_EINVAL;
        m->code = TERN_COAP_POST;
        body = true;
        break;
    case TERN_OPK_WRITE_ATTRS:
        if (lvl < 1)
            return TERN_EINVAL;
        m->code = TERN_COAP_PUT;
        query = true;
        break;
    case TERN_OPK_EXECUTE:
        if (lvl != 3)
            return TERN_EINVAL;
        m->code = TERN_COAP_POST;
        break;
    case TERN_OPK_CREATE:
        if (lvl != 1)
            return TERN_EINVAL;
        m->code = TERN_COAP_POST;
        body = true;
        break;
    case TERN_OPK_DELETE:
        if (lvl != 2 && lvl != 4)
            return TERN_EINVAL;
        m->code = TERN_COAP_DELETE;
        break;
    case TERN_OPK_READ_COMPOSITE:
    case TERN_OPK_OBSERVE_COMPOSITE:
        m->code = TERN_COAP_FETCH;
        body = accept = true;
        query = op->kind == TERN_OPK_OBSERVE_COMPOSITE;
        break;
    case TERN_OPK_WRITE_COMPOSITE:
        m->code = TERN_COAP_IPATCH;
        body = true;
        break;
    default:
        return TERN_EINVAL;
    }
    bool composite = m->code == TERN_COAP_FETCH || m->code == TERN_COAP_IPATCH;
    tern_path root = tern_path_root();
    if ((rc = add_path(m, alt_prefix, composite ? &root : &op->path, mem)) < 0)
        return rc;
    if (op->kind == TERN_OPK_DISCOVER) {
        if ((rc = tern_coap_opt_add_uint(m, TERN_COAP_OPT_ACCEPT, TERN_CF_LINK, mem->accept)) < 0)
            return rc;
        if (op->depth >= 0 && op->depth <= 3) {
            memcpy(mem->query, "depth=", 6);
            mem->query[6] = (char)('0' + op->depth);
            if ((rc = tern_coap_opt_add(m, TERN_COAP_OPT_URI_QUERY, mem->query, 7)) < 0)
                return rc;
        }
    }
    if (query && (rc = add_attr_query(m, &op->attrs, mem)) < 0)
        return rc;
    if (body) {
        if (op->content_format < 0)
            return TERN_EINVAL; /* "Content-Format ... MUST be specified" (§6.4.4) */
        if ((rc = add_cf(m, TERN_COAP_OPT_CONTENT_FORMAT, op->content_format, mem->cf)) < 0)
            return rc;
        m->payload = op->payload.ptr;
        m->payload_len = op->payload.len;
    }
    if (op->kind == TERN_OPK_EXECUTE && op->exec_args.len) {
        m->payload = op->exec_args.ptr; /* arguments in the Core §5.4.5 syntax, no CF */
        m->payload_len = op->exec_args.len;
    }
    if (accept && (rc = add_cf(m, TERN_COAP_OPT_ACCEPT, op->accept, mem->accept)) < 0)
        return rc;
    return TERN_OK;
}
