/* tern — LwM2M Server: Send reception (Transport §6.4.5 Table 6.4.5.-1:
 * POST /dp; Core §6.4.7; codes of Table 6.7.-4). */
#include <string.h>

#include "binding/coap_op.h"
#include "server/server_internal.h"

static bool registered_object(const tern_server_reg *r, uint16_t oid)
{
    for (uint16_t i = 0; i < r->n_objs; i++)
        if (r->objs[i].oid == oid)
            return true;
    return false;
}

int tern_srv_handle_send(tern_server *srv, const tern_coap_server_req *req, const uint8_t *body, size_t len,
                         tern_coap_response *resp)
{
    tern_server_reg *r = tern_srv_find_peer(srv, req->peer);
    int lc;
    if (!r) {
        /* Table 6.7.-4: 4.04 — the reporting client is not registered. */
        resp->msg.code = tern_coap_code_of(TERN_LC_NOT_FOUND);
        return TERN_OK;
    }
    int32_t cf = tern_coap_content_format(req->msg);
    /* §6.4.5: "MUST be either SenML JSON, SenML CBOR, or LwM2M CBOR". The
     * table lists no 4.15; RFC 7252 §5.10.3's 4.15 is the answer for an
     * unsupported format (and a missing one is a bad request). */
    if (cf < 0) {
        resp->msg.code = tern_coap_code_of(TERN_LC_BAD_REQUEST);
        return TERN_OK;
    }
    if (cf != TERN_CF_SENML_JSON && cf != TERN_CF_SENML_CBOR && cf != TERN_CF_LWM2M_CBOR) {
        resp->msg.code = tern_coap_code_of(TERN_LC_UNSUPPORTED_FORMAT);
        return TERN_OK;
    }
    tern_srv_decoded dec;
    tern_path root = tern_path_root();
    int rc = tern_srv_decode(srv, cf, &root, body, len, &dec);
    if (rc == TERN_ENOMEM) {
        lc = TERN_LC_INTERNAL_ERROR;
    } else if (rc < 0 || dec.n == 0) {
        lc = TERN_LC_BAD_REQUEST;
    } else {
        lc = TERN_LC_NONE;
        for (size_t i = 0; i < dec.n && lc == TERN_LC_NONE; i++) {
            if (dec.entries[i].path.len == 0)
                lc = TERN_LC_BAD_REQUEST;
            else if (!registered_object(r, dec.entries[i].path.ids[0]))
                lc = TERN_LC_NOT_FOUND; /* Table 6.7.-4: object not registered */
        }
        if (lc == TERN_LC_NONE && srv->cfg.on_send)
            lc = srv->cfg.on_send(srv->cfg.cb_ctx, srv, r, cf, dec.entries, dec.n);
    }
    tern_srv_decoded_free(srv, &dec);
    resp->msg.code = tern_coap_code_of(lc == TERN_LC_NONE ? TERN_LC_CHANGED : lc);
    return TERN_OK;
}

int tern_server_encode(int32_t cf, const tern_path *base, const tern_entry *e, size_t n, uint8_t *out, size_t cap)
{
    tern_encoder enc;
    uint8_t scratch[1024];
    tern_path root = tern_path_root();
    int rc = tern_encoder_init(&enc, cf, base ? base : &root, scratch, sizeof scratch);
    if (rc < 0)
        return rc;
    tern_wbuf w = tern_wbuf_make(out, cap);
    for (size_t i = 0; i < n; i++)
        if ((rc = tern_encoder_add(&enc, &e[i], &w)) != TERN_OK)
            return rc == TERN_AGAIN ? TERN_ETOOBIG : rc; /* one buffer: cannot drain */
    for (;;) {
        rc = tern_encoder_finish(&enc, &w);
        if (rc == TERN_OK || rc == TERN_DONE)
            break;
        if (rc < 0)
            return rc;
        if (rc == TERN_AGAIN)
            return TERN_ENOMEM; /* the whole document must fit `out` */
    }
    return (int)w.len;
}
