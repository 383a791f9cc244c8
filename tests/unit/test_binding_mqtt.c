/* Unit tests: MQTT binding topics and CBOR envelope (Transport 1.2 §8).
 * Bytes are the spec's §8.3/§8.4 diagnostic examples encoded by hand. */
#include "tharness.h"
#include "tern/mqtt.h"

static void test_topics(void)
{
    char out[128];
    const char *ep = "b1cccdea-22ca-4448-bcf7-d07317ee0361";
    int n = tern_mqtt_topic_build(out, sizeof out, "tenant-a", TERN_MQTT_BS, ep);
    CHECK_EQ(n, (long long)strlen("tenant-a/lwm2m/bs/") + (long long)strlen(ep));
    CHECK(strncmp(out, "tenant-a/lwm2m/bs/", 18) == 0);
    tern_mqtt_topic t;
    CHECK_EQ(tern_mqtt_topic_parse(&t, out, (size_t)n), TERN_OK);
    CHECK_EQ(t.iface, TERN_MQTT_BS);
    CHECK(t.prefix.len == 8 && memcmp(t.prefix.ptr, "tenant-a", 8) == 0);
    CHECK(t.endpoint.len == strlen(ep));
    /* no prefix; a prefix with levels */
    CHECK_EQ(tern_mqtt_topic_build(out, sizeof out, NULL, TERN_MQTT_RD, "dev"), 12);
    CHECK_STR(out, "lwm2m/rd/dev");
    CHECK_EQ(tern_mqtt_topic_parse(&t, out, 12), TERN_OK);
    CHECK_EQ(t.prefix.len, 0);
    CHECK_EQ(tern_mqtt_topic_parse(&t, "a/b/lwm2m/rd/x", 14), TERN_OK);
    CHECK(t.prefix.len == 3 && t.endpoint.len == 1 && t.iface == TERN_MQTT_RD);
    /* errors */
    CHECK_EQ(tern_mqtt_topic_build(out, sizeof out, "p", TERN_MQTT_RD, ""), TERN_EINVAL);
    CHECK_EQ(tern_mqtt_topic_build(out, sizeof out, "p", TERN_MQTT_RD, "a+b"), TERN_EINVAL);
    CHECK_EQ(tern_mqtt_topic_build(out, 16, "p", TERN_MQTT_RD, "abcdef"), TERN_ENOMEM);
    CHECK_EQ(tern_mqtt_topic_parse(&t, "lwm2m/rd/", 9), TERN_EMALFORMED);
    CHECK_EQ(tern_mqtt_topic_parse(&t, "xlwm2m/rd/a", 11), TERN_EMALFORMED);
    CHECK_EQ(tern_mqtt_topic_parse(&t, "lwm2m/xx/a", 10), TERN_EMALFORMED);
    CHECK_EQ(tern_mqtt_topic_parse(&t, "p/lwm2m/rd/#", 12), TERN_EMALFORMED);
}

static void test_read_roundtrip(void)
{
    uint8_t exp[32], out[64];
    size_t en = (size_t)thex("a3010902183805662f332f302f30", exp, sizeof exp);
    tern_mqtt_msg m;
    memset(&m, 0, sizeof m);
    tern_mqtt_msg_set(&m, TERN_MQTT_K_OPERATION);
    tern_mqtt_msg_set(&m, TERN_MQTT_K_TOKEN);
    tern_mqtt_msg_set(&m, TERN_MQTT_K_URI);
    m.operation = TERN_MQTT_OP_READ;
    m.token = 56;
    m.uri = (tern_bytes){(const uint8_t *)"/3/0/0", 6};
    CHECK_EQ(tern_mqtt_msg_encode(&m, out, sizeof out), (long long)en);
    CHECK_MEM(out, exp, en);
    for (size_t cap = 0; cap < en; cap++)
        CHECK_EQ(tern_mqtt_msg_encode(&m, out, cap), TERN_ENOMEM);
    tern_mqtt_msg d;
    CHECK_EQ(tern_mqtt_msg_decode(&d, exp, en, NULL), TERN_OK);
    CHECK_EQ(d.has, m.has);
    CHECK_EQ(d.operation, 9);
    CHECK_EQ(d.token, 56);
    CHECK(d.uri.len == 6 && memcmp(d.uri.ptr, "/3/0/0", 6) == 0);
}

static void test_response_order(void)
{
    /* §8.4: {18: 205, 2: 56, 19: 0, 7: "Open Mobile Alliance"} */
    uint8_t exp[64], out[64];
    size_t en = (size_t)thex("a41218cd021838130007744f70656e204d6f62696c6520416c6c69616e6365", exp, sizeof exp);
    tern_mqtt_msg d;
    CHECK_EQ(tern_mqtt_msg_decode(&d, exp, en, NULL), TERN_OK);
    CHECK(TERN_MQTT_HAS(&d, TERN_MQTT_K_RESULT) && d.result == 205);
    CHECK(d.payload_is_text && d.payload.len == 20);
    CHECK_EQ(tern_mqtt_msg_encode(&d, out, sizeof out), (long long)en);
    CHECK_MEM(out, exp, en);
    /* as a bstr payload, with floats and the other integer keys */
    tern_mqtt_msg m;
    memset(&m, 0, sizeof m);
    m.has = (1u << TERN_MQTT_K_OPERATION) | (1u << TERN_MQTT_K_TOKEN) | (1u << TERN_MQTT_K_GT) |
            (1u << TERN_MQTT_K_EDGE) | (1u << TERN_MQTT_K_DEPTH) | (1u << TERN_MQTT_K_PAYLOAD);
    m.operation = TERN_MQTT_OP_WRITE_ATTRIBUTES;
    m.token = 0x1122334455667788ull;
    m.gt = 1.5;
    m.edge = true;
    m.depth = 3;
    m.payload = (tern_bytes){(const uint8_t *)"\x01\x02", 2};
    int n = tern_mqtt_msg_encode(&m, out, sizeof out);
    CHECK(n > 0);
    CHECK_EQ(tern_mqtt_msg_decode(&d, out, (size_t)n, NULL), TERN_OK);
    CHECK(d.has == m.has && d.token == m.token && d.gt == 1.5 && d.edge && d.depth == 3 && !d.payload_is_text);
}

static void test_decode_errors(void)
{
    uint8_t b[64];
    tern_mqtt_msg d;
    const char *why = NULL;
    static const struct {
        const char *hex;
        int rc;
    } bad[] = {
        {"a10100", TERN_EMALFORMED},             /* no token */
        {"a30100020112182a", TERN_EMALFORMED},   /* operation and result */
        {"a201000201ff", TERN_EMALFORMED},       /* trailing byte */
        {"a2010002", TERN_EMALFORMED},           /* truncated */
        {"a30100020101", TERN_EMALFORMED},       /* truncated map */
        {"a301000201010a", TERN_EDUPLICATE},     /* operation twice */
        {"a20161780201", TERN_ETYPE},            /* operation is text */
        {"a3010002011604", TERN_ERANGE},         /* depth 4 */
        {"820102", TERN_ETYPE},                  /* not a map */
        {"a30100020105413f", TERN_ETYPE},        /* uri as bstr */
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(bad); i++) {
        size_t n = (size_t)thex(bad[i].hex, b, sizeof b);
        CHECK_EQ(tern_mqtt_msg_decode(&d, b, n, &why), bad[i].rc);
    }
    /* extensions are skipped: {1:0, 2:1, 99:[1,2], -1:0} */
    size_t n = (size_t)thex("a40100020118638201022000", b, sizeof b);
    CHECK_EQ(tern_mqtt_msg_decode(&d, b, n, &why), TERN_OK);
    CHECK_EQ(d.has, (1u << 1) | (1u << 2));
}

int main(void)
{
    TRUN(test_topics);
    TRUN(test_read_roundtrip);
    TRUN(test_response_order);
    TRUN(test_decode_errors);
    return tdone();
}
