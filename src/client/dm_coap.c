/* tern — glue between a CoAP endpoint's request handler and the data model:
 * request → operation (binding/coap_op.c) → tern_dm_handle → response,
 * with Block1 pieces and Block2 windows passed through (RFC 7959). */
#include "binding/coap_op.h"
#include "tern/coap_ep.h"
#include "tern/dm_coap.h"

int tern_dm_coap_handle(tern_dm *dm, uint16_t ssid, const tern_coap_server_req *req, tern_coap_response *resp)
{
    tern_op op;
    tern_op_result res;
    tern_op_result_init(&res);
    int code = tern_coap_op_from_request(req->msg, ssid, &op);
    if (code == TERN_LC_NONE) {
        op.offset = req->b1_offset;
        op.more = req->b1_more;
        if (req->size1 > 0 && req->size1 <= UINT32_MAX)
            op.total = (uint32_t)req->size1;
        size_t cap = TERN_MIN(resp->buf_cap, (size_t)req->b2_size);
        (void)tern_dm_handle(dm, &op, resp->buf, cap, req->b2_offset, &res);
    } else {
        res.code = (uint8_t)code;
    }
    tern_coap_op_optmem mem;
    /* option values are copied into resp->optmem by the helpers */
    resp->msg.code = tern_coap_code_of(res.code);
    if (res.has_location) {
        tern_coap_msg tmp;
        tern_coap_msg_init(&tmp, TERN_COAP_ACK, 0, 0);
        int rc = tern_coap_op_response(&res, &tmp, &mem);
        if (rc < 0)
            return rc;
        for (uint16_t i = 0; i < tmp.opt_count; i++)
            if (tmp.opts[i].num == TERN_COAP_OPT_LOCATION_PATH &&
                (rc = tern_coap_resp_opt(resp, TERN_COAP_OPT_LOCATION_PATH, tmp.opts[i].val, tmp.opts[i].len)) < 0)
                return rc;
    }
    if (res.content_format >= 0) {
        int rc = tern_coap_resp_opt_uint(resp, TERN_COAP_OPT_CONTENT_FORMAT, (uint32_t)res.content_format);
        if (rc < 0)
            return rc;
    }
    if (res.code == TERN_LC_CONTENT) {
        resp->msg.payload = resp->buf;
        resp->msg.payload_len = res.body_len;
        resp->window = true;
        resp->more = res.more;
        resp->total = res.total;
    }
    return TERN_OK;
}
