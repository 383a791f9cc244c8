/* Unit tests of the CoAP binding of the DM & SE interface: which request
 * makes which operation (Transport Table 6.4.4.-1 / 6.4.5.-1), path and
 * query errors, the code column of Table 6.7.-3, responses byte by byte. */
#include "binding/coap_op.h"
#include "model/gen/objects.h"
#include "tern/codec.h"
#include "tern/dm_coap.h"
#include "tharness.h"

static tern_coap_msg m;
static uint8_t sc[8][4];

static void req(uint8_t code, const char *path)
{
    tern_coap_msg_init(&m, TERN_COAP_CON, code, 0x1234);
    if (path)
        CHECK_EQ(tern_coap_opt_add_uri_path(&m, path), TERN_OK);
}

static int map(tern_op *op)
{
    return tern_coap_op_from_request(&m, 7, op);
}

static void test_mapping(void)
{
    tern_op op;
    req(TERN_COAP_GET, "/3/0/9");
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_READ);
    CHECK_EQ(op.ssid, 7);
    CHECK(op.path.len == 3 && op.path.ids[2] == 9);
    CHECK_EQ(op.accept, TERN_OP_CF_NONE);
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_ACCEPT, TERN_CF_LINK, sc[0]);
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_DISCOVER);
    CHECK_EQ(op.depth, TERN_OP_DEPTH_DEFAULT);
    tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "depth=2");
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.depth, 2);
    tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "pmin=1");
    CHECK_EQ(map(&op), TERN_LC_BAD_REQUEST);

    req(TERN_COAP_GET, "/3/0");
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_OBSERVE, 0, sc[0]);
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_OBSERVE);
    req(TERN_COAP_GET, "/3/0");
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_OBSERVE, 1, sc[0]);
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_CANCEL_OBSERVE);

    req(TERN_COAP_FETCH, NULL);
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_SENML_ETCH_JSON, sc[0]);
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_READ_COMPOSITE);
    CHECK_EQ(op.content_format, TERN_CF_SENML_ETCH_JSON);
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_OBSERVE, 0, sc[1]);
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_OBSERVE_COMPOSITE);
    req(TERN_COAP_FETCH, "/3");
    CHECK_EQ(map(&op), TERN_LC_METHOD_NOT_ALLOWED);

    req(TERN_COAP_PUT, "/3/0/9");
    tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "pmin=10");
    tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "gt=50");
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_WRITE_ATTRS);
    CHECK_EQ(op.attrs.set, TERN_ATTR_PMIN | TERN_ATTR_GT);
    req(TERN_COAP_PUT, "/3/0/9");
    tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "pmax");
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.attrs.unset, TERN_ATTR_PMAX);
    req(TERN_COAP_PUT, "/3/0/9");
    tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "foo=1");
    CHECK_EQ(map(&op), TERN_LC_BAD_REQUEST);
    req(TERN_COAP_PUT, "/3/0/9");
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_TEXT, sc[0]);
    m.payload = (const uint8_t *)"5";
    m.payload_len = 1;
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_WRITE_REPLACE);
    CHECK_EQ(op.payload.len, 1);
    req(TERN_COAP_PUT, "/3");
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_TLV, sc[0]);
    CHECK_EQ(map(&op), TERN_LC_METHOD_NOT_ALLOWED);

    req(TERN_COAP_POST, "/3303");
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_CREATE);
    req(TERN_COAP_POST, "/3303/0");
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_WRITE_UPDATE);
    req(TERN_COAP_POST, "/3/0/4");
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_EXECUTE);
    req(TERN_COAP_POST, "/3/0/4");
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_TEXT, sc[0]);
    m.payload = (const uint8_t *)"0='a'";
    m.payload_len = 5;
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_EXECUTE);
    CHECK_EQ(op.exec_args.len, 5);
    req(TERN_COAP_POST, "/3/0/6");
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_SENML_CBOR, sc[0]);
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_WRITE_UPDATE);
    req(TERN_COAP_POST, "/3/0/6/1");
    CHECK_EQ(map(&op), TERN_LC_METHOD_NOT_ALLOWED);
    req(TERN_COAP_POST, NULL);
    CHECK_EQ(map(&op), TERN_LC_METHOD_NOT_ALLOWED);

    req(TERN_COAP_DELETE, "/3303/1");
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_DELETE);
    req(TERN_COAP_DELETE, "/3303");
    CHECK_EQ(map(&op), TERN_LC_METHOD_NOT_ALLOWED);
    req(TERN_COAP_IPATCH, NULL);
    CHECK_EQ(map(&op), TERN_LC_NONE);
    CHECK_EQ(op.kind, TERN_OPK_WRITE_COMPOSITE);
    req(TERN_COAP_PATCH, "/3");
    CHECK_EQ(map(&op), TERN_LC_METHOD_NOT_ALLOWED);
}

static void test_bad_paths(void)
{
    tern_op op;
    static const struct {
        const char *path;
        int code;
    } cases[] = {
        {"/rd", TERN_LC_NOT_FOUND},        {"/3/x", TERN_LC_NOT_FOUND},     {"/65535", TERN_LC_NOT_FOUND},
        {"/03", TERN_LC_NOT_FOUND},        {"/3/0/1/2/3", TERN_LC_NOT_FOUND}, {"/123456", TERN_LC_NOT_FOUND},
        {"/65534/0", TERN_LC_NONE},        {"/3/0/1/2", TERN_LC_NONE},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(cases); i++) {
        req(TERN_COAP_GET, cases[i].path);
        CHECK_EQ(map(&op), cases[i].code);
    }
    req(TERN_COAP_GET, NULL);
    tern_coap_opt_add(&m, TERN_COAP_OPT_URI_PATH, "3", 1);
    tern_coap_opt_add(&m, TERN_COAP_OPT_URI_PATH, "", 0);
    tern_coap_opt_add(&m, TERN_COAP_OPT_URI_PATH, "0", 1);
    CHECK_EQ(map(&op), TERN_LC_BAD_REQUEST);
    req(TERN_COAP_GET, "/3");
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_OBSERVE, 2, sc[0]);
    CHECK_EQ(map(&op), TERN_LC_BAD_REQUEST);
}

static void test_codes(void)
{
    CHECK_EQ(tern_coap_code_of(TERN_LC_CREATED), 0x41);
    CHECK_EQ(tern_coap_code_of(TERN_LC_DELETED), 0x42);
    CHECK_EQ(tern_coap_code_of(TERN_LC_CHANGED), 0x44);
    CHECK_EQ(tern_coap_code_of(TERN_LC_CONTENT), 0x45);
    CHECK_EQ(tern_coap_code_of(TERN_LC_CONTINUE), 0x5f);
    CHECK_EQ(tern_coap_code_of(TERN_LC_BAD_REQUEST), 0x80);
    CHECK_EQ(tern_coap_code_of(TERN_LC_UNAUTHORIZED), 0x81);
    CHECK_EQ(tern_coap_code_of(TERN_LC_NOT_FOUND), 0x84);
    CHECK_EQ(tern_coap_code_of(TERN_LC_METHOD_NOT_ALLOWED), 0x85);
    CHECK_EQ(tern_coap_code_of(TERN_LC_NOT_ACCEPTABLE), 0x86);
    CHECK_EQ(tern_coap_code_of(TERN_LC_REQUEST_INCOMPLETE), 0x88);
    CHECK_EQ(tern_coap_code_of(TERN_LC_REQUEST_TOO_LARGE), 0x8d);
    CHECK_EQ(tern_coap_code_of(TERN_LC_UNSUPPORTED_FORMAT), 0x8f);
    CHECK_EQ(tern_coap_code_of(TERN_LC_INTERNAL_ERROR), 0xa0);
    CHECK_EQ(tern_coap_code_of(0), 0xa0);
    for (int c = TERN_LC_CREATED; c < TERN_LC_COUNT_; c++)
        CHECK_EQ(tern_lwm2m_code_of_coap(tern_coap_code_of(c)), c);
    CHECK_EQ(tern_lwm2m_code_of_coap(0x43), TERN_LC_NONE);
}

/* Create's 2.01 with Location-Path "/3303/12", byte by byte. */
static void test_response_bytes(void)
{
    tern_op_result r;
    tern_op_result_init(&r);
    r.code = TERN_LC_CREATED;
    r.has_location = true;
    r.location = tern_path_make(2, 3303, 12, 0, 0);
    tern_coap_msg resp;
    tern_coap_msg_init(&resp, TERN_COAP_ACK, 0, 0x1234);
    tern_coap_msg_set_token(&resp, (const uint8_t *)"\x01\x02", 2);
    tern_coap_op_optmem mem;
    CHECK_EQ(tern_coap_op_response(&r, &resp, &mem), TERN_OK);
    uint8_t buf[64];
    int n = tern_coap_encode_udp(&resp, buf, sizeof buf);
    static const uint8_t want[] = {0x62, 0x41, 0x12, 0x34, 0x01, 0x02, 0x84, '3', '3', '0', '3', 0x02, '1', '2'};
    CHECK_EQ(n, (int)sizeof want);
    CHECK_MEM(buf, want, sizeof want);
    /* 2.05 with Content-Format 11543 */
    tern_op_result_init(&r);
    r.code = TERN_LC_CONTENT;
    r.content_format = TERN_CF_OMA_JSON;
    tern_coap_msg_init(&resp, TERN_COAP_ACK, 0, 0x0001);
    CHECK_EQ(tern_coap_op_response(&r, &resp, &mem), TERN_OK);
    n = tern_coap_encode_udp(&resp, buf, sizeof buf);
    static const uint8_t want2[] = {0x60, 0x45, 0x00, 0x01, 0xc2, 0x2d, 0x17};
    CHECK_EQ(n, (int)sizeof want2);
    CHECK_MEM(buf, want2, sizeof want2);
}

/* The whole path: request bytes → decode → dm → response, as an endpoint
 * handler would run it. */
static int dev_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0)
        return TERN_DONE;
    *iid = 0;
    return TERN_OK;
}
static bool dev_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    (void)o;
    (void)iid;
    return rid == 0 || rid == 4 || rid == 9;
}
static int dev_read(tern_dm_obj *o, const tern_path *p, uint32_t off, tern_dm_read_out *out)
{
    (void)o;
    (void)off;
    if (p->ids[2] == 9) {
        out->value.type = TERN_TYPE_INTEGER;
        out->value.v.i = 87;
    } else {
        out->value.type = TERN_TYPE_STRING;
        out->value.v.bytes = (tern_bytes){(const uint8_t *)"tern", 4};
    }
    return TERN_OK;
}
static int dev_exec(tern_dm_obj *o, uint16_t iid, uint16_t rid, const uint8_t *a, size_t n)
{
    (void)iid;
    (void)rid;
    (void)a;
    (void)n;
    (*(int *)o->user)++;
    return TERN_OK;
}
static const tern_dm_handlers dev_h = {.inst_next = dev_inst_next, .res_present = dev_present,
                                       .read = dev_read, .execute = dev_exec};

static int serve(tern_dm *dm, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap)
{
    tern_coap_msg rq;
    CHECK_EQ(tern_coap_decode_udp(&rq, in, in_len, NULL), TERN_OK);
    tern_coap_server_req sr = {0};
    sr.msg = &rq;
    sr.b2_size = 1024;
    sr.observe = -1;
    sr.size1 = -1;
    static uint8_t pbuf[1152];
    tern_coap_response resp;
    memset(&resp, 0, sizeof resp);
    tern_coap_msg_init(&resp.msg, TERN_COAP_ACK, 0, rq.mid);
    tern_coap_msg_set_token(&resp.msg, rq.token, rq.token_len);
    resp.buf = pbuf;
    resp.buf_cap = sizeof pbuf;
    CHECK_EQ(tern_dm_coap_handle(dm, 1, &sr, &resp), TERN_OK);
    return tern_coap_encode_udp(&resp.msg, out, cap);
}

static void test_end_to_end(void)
{
    static uint8_t work[2048];
    tern_dm dm;
    tern_dm_cfg cfg = {.work = work, .work_len = sizeof work};
    CHECK_EQ(tern_dm_init(&dm, &cfg), TERN_OK);
    int reboots = 0;
    tern_dm_obj dev = {.def = &tern_obj_3_v1_2, .h = &dev_h, .user = &reboots};
    CHECK_EQ(tern_dm_add(&dm, &dev), TERN_OK);
    uint8_t out[256];
    /* CON GET /3/0/9, token 0xAA → ACK 2.05, Content-Format 0 (empty uint), "87" */
    static const uint8_t get[] = {0x41, 0x01, 0x00, 0x07, 0xaa, 0xb1, '3', 0x01, '0', 0x01, '9'};
    int n = serve(&dm, get, sizeof get, out, sizeof out);
    static const uint8_t want_get[] = {0x61, 0x45, 0x00, 0x07, 0xaa, 0xc0, 0xff, '8', '7'};
    CHECK_EQ(n, (int)sizeof want_get);
    CHECK_MEM(out, want_get, sizeof want_get);
    /* CON POST /3/0/4 → ACK 2.04, reboot executed */
    static const uint8_t post[] = {0x41, 0x02, 0x00, 0x08, 0xbb, 0xb1, '3', 0x01, '0', 0x01, '4'};
    n = serve(&dm, post, sizeof post, out, sizeof out);
    static const uint8_t want_post[] = {0x61, 0x44, 0x00, 0x08, 0xbb};
    CHECK_EQ(n, (int)sizeof want_post);
    CHECK_MEM(out, want_post, sizeof want_post);
    CHECK_EQ(reboots, 1);
    /* GET /3/0/7 (defined, absent) → 4.04; GET /4 → 4.04; GET /rd → 4.04 */
    static const uint8_t get404[] = {0x41, 0x01, 0x00, 0x09, 0xcc, 0xb1, '3', 0x01, '0', 0x01, '7'};
    n = serve(&dm, get404, sizeof get404, out, sizeof out);
    CHECK(n == 5 && out[1] == 0x84);
    static const uint8_t getrd[] = {0x41, 0x01, 0x00, 0x0a, 0xdd, 0xb2, 'r', 'd'};
    n = serve(&dm, getrd, sizeof getrd, out, sizeof out);
    CHECK(n == 5 && out[1] == 0x84);
    /* GET /3/0 Accept 40 → 2.05 link format */
    static const uint8_t disc[] = {0x41, 0x01, 0x00, 0x0b, 0xee, 0xb1, '3', 0x01, '0', 0x61, 40};
    n = serve(&dm, disc, sizeof disc, out, sizeof out);
    static const char links[] = "</3/0>,</3/0/0>,</3/0/4>,</3/0/9>";
    CHECK(n > 8 && out[1] == 0x45);
    CHECK_EQ(out[5], 0xc1);
    CHECK_EQ(out[6], 40);
    CHECK_EQ(out[7], 0xff);
    CHECK_MEM(out + 8, links, sizeof links - 1);
    CHECK_EQ(n, 8 + (int)sizeof links - 1);
}

int main(void)
{
    TRUN(test_mapping);
    TRUN(test_bad_paths);
    TRUN(test_codes);
    TRUN(test_response_bytes);
    TRUN(test_end_to_end);
    return tdone();
}
