/* Unit tests: CoAP request lines as text (src/coap/msg_text.c), RFC 7252
 * §6.4/§6.5 decomposition and composition, examples from Transport §6. */
#include "tharness.h"
#include "tern/coap_msg.h"

static void test_register(void)
{
    tern_coap_msg m;
    const char *t = "POST /rd?ep=node&lt=86400&lwm2m=1.1&b=U&Q";
    CHECK_EQ(tern_coap_msg_from_text(&m, t, strlen(t), NULL, 0), TERN_OK);
    CHECK_EQ(m.code, TERN_COAP_POST);
    const tern_coap_opt *o = tern_coap_opt_get(&m, TERN_COAP_OPT_URI_PATH);
    CHECK(o && o->len == 2 && memcmp(o->val, "rd", 2) == 0);
    CHECK(tern_coap_opt_next(&m, o) == NULL);
    int nq = 0;
    for (o = tern_coap_opt_get(&m, TERN_COAP_OPT_URI_QUERY); o; o = tern_coap_opt_next(&m, o))
        nq++;
    CHECK_EQ(nq, 5);
    char out[128];
    CHECK_EQ(tern_coap_msg_to_text(&m, out, sizeof out), (long long)strlen(t));
    CHECK_STR(out, t);
    /* every shorter buffer fails cleanly */
    for (size_t cap = 0; cap <= strlen(t); cap++)
        CHECK_EQ(tern_coap_msg_to_text(&m, out, cap), TERN_ENOMEM);
}

static void test_methods_and_root(void)
{
    tern_coap_msg m;
    char out[64];
    CHECK_EQ(tern_coap_msg_from_text(&m, "iPATCH /3/0", 11, NULL, 0), TERN_OK);
    CHECK_EQ(m.code, TERN_COAP_IPATCH);
    CHECK_EQ(tern_coap_msg_from_text(&m, "FETCH /", 7, NULL, 0), TERN_OK);
    CHECK(tern_coap_opt_get(&m, TERN_COAP_OPT_URI_PATH) == NULL);
    CHECK_EQ(tern_coap_msg_to_text(&m, out, sizeof out), 7);
    CHECK_STR(out, "FETCH /");
    CHECK_EQ(tern_coap_msg_from_text(&m, "DELETE /rd/5a3f", 15, NULL, 0), TERN_OK);
    CHECK_EQ(m.code, TERN_COAP_DELETE);
    /* a trailing slash keeps an empty last segment (RFC 7252 §6.4 step 8) */
    CHECK_EQ(tern_coap_msg_from_text(&m, "GET /3/", 7, NULL, 0), TERN_OK);
    const tern_coap_opt *o = tern_coap_opt_next(&m, tern_coap_opt_get(&m, TERN_COAP_OPT_URI_PATH));
    CHECK(o && o->len == 0);
}

static void test_escapes(void)
{
    tern_coap_msg m;
    uint8_t sc[32];
    const char *t = "PUT /a%2Fb/c%20d?x=1%262";
    CHECK_EQ(tern_coap_msg_from_text(&m, t, strlen(t), sc, sizeof sc), TERN_OK);
    const tern_coap_opt *o = tern_coap_opt_get(&m, TERN_COAP_OPT_URI_PATH);
    CHECK(o && o->len == 3 && memcmp(o->val, "a/b", 3) == 0);
    o = tern_coap_opt_next(&m, o);
    CHECK(o && o->len == 3 && memcmp(o->val, "c d", 3) == 0);
    o = tern_coap_opt_get(&m, TERN_COAP_OPT_URI_QUERY);
    CHECK(o && o->len == 5 && memcmp(o->val, "x=1&2", 5) == 0);
    char out[64];
    CHECK(tern_coap_msg_to_text(&m, out, sizeof out) > 0);
    CHECK_STR(out, t);
    /* escapes need scratch */
    CHECK_EQ(tern_coap_msg_from_text(&m, t, strlen(t), NULL, 0), TERN_ENOMEM);
    CHECK_EQ(tern_coap_msg_from_text(&m, t, strlen(t), sc, 4), TERN_ENOMEM);
}

static void test_errors(void)
{
    tern_coap_msg m;
    static const char *const bad[] = {"POST", "POST rd", "post /rd", "GOT /rd", "GET /a b", "GET /a#f",
                                      "GET /%zz", "GET /%4", "GET  /rd", ""};
    uint8_t sc[16];
    for (size_t i = 0; i < TERN_ARRAY_LEN(bad); i++)
        CHECK_EQ(tern_coap_msg_from_text(&m, bad[i], strlen(bad[i]), sc, sizeof sc), TERN_EMALFORMED);
    char seg[300] = "GET /";
    memset(seg + 5, 'a', 256);
    seg[261] = 0;
    CHECK_EQ(tern_coap_msg_from_text(&m, seg, strlen(seg), NULL, 0), TERN_ERANGE);
}

static void test_response(void)
{
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_ACK, TERN_COAP_CREATED, 1);
    CHECK_EQ(tern_coap_opt_add_str(&m, TERN_COAP_OPT_LOCATION_PATH, "rd"), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_str(&m, TERN_COAP_OPT_LOCATION_PATH, "5a3f"), TERN_OK);
    char out[32];
    CHECK(tern_coap_msg_to_text(&m, out, sizeof out) > 0);
    CHECK_STR(out, "2.01 /rd/5a3f");
    tern_coap_msg_init(&m, TERN_COAP_ACK, TERN_COAP_CONTENT, 1);
    CHECK(tern_coap_msg_to_text(&m, out, sizeof out) > 0);
    CHECK_STR(out, "2.05");
}

int main(void)
{
    TRUN(test_register);
    TRUN(test_methods_and_root);
    TRUN(test_escapes);
    TRUN(test_errors);
    TRUN(test_response);
    return tdone();
}
