/* Fuzz target for the small text/envelope parsers: CoAP request lines
 * (msg_text.c), the Register `pid` parameter (pid.c), MQTT topics and the
 * MQTT CBOR envelope (mqtt_envelope.c), and record-level JSON (raw_json.c).
 * The first byte selects the parser; accepted inputs must round-trip:
 * parse → format → parse gives the same result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/codec.h"
#include "tern/codec_raw.h"
#include "tern/coap_msg.h"
#include "tern/model.h"
#include "tern/mqtt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void request_line(const uint8_t *d, size_t n)
{
    tern_coap_msg m, m2;
    uint8_t scratch[2048], scratch2[2048];
    if (tern_coap_msg_from_text(&m, (const char *)d, n, scratch, sizeof scratch) != TERN_OK)
        return;
    char text[4096];
    int len = tern_coap_msg_to_text(&m, text, sizeof text);
    if (len < 0)
        return; /* too long for this buffer */
    if (tern_coap_msg_from_text(&m2, text, (size_t)len, scratch2, sizeof scratch2) != TERN_OK)
        abort();
    if (m.code != m2.code || m.opt_count != m2.opt_count)
        abort();
    for (uint16_t i = 0; i < m.opt_count; i++)
        if (m.opts[i].num != m2.opts[i].num || m.opts[i].len != m2.opts[i].len ||
            (m.opts[i].len && memcmp(m.opts[i].val, m2.opts[i].val, m.opts[i].len) != 0))
            abort();
}

static void pid(const uint8_t *d, size_t n)
{
    tern_pid ids[8], ids2[8];
    size_t count = 0, count2 = 0;
    if (tern_pid_parse((const char *)d, n, ids, 8, &count) != TERN_OK)
        return;
    char text[2048];
    int len = tern_pid_format(ids, count, text, sizeof text);
    if (len < 0)
        return;
    if (tern_pid_parse(text, (size_t)len, ids2, 8, &count2) != TERN_OK || count2 != count)
        abort();
    for (size_t i = 0; i < count; i++)
        if (ids[i].kind != ids2[i].kind || ids[i].suite != ids2[i].suite || ids[i].value.len != ids2[i].value.len ||
            memcmp(ids[i].value.ptr, ids2[i].value.ptr, ids[i].value.len) != 0)
            abort();
}

static void mqtt(const uint8_t *d, size_t n)
{
    tern_mqtt_topic t;
    if (tern_mqtt_topic_parse(&t, (const char *)d, n) == TERN_OK) {
        if (t.endpoint.len == 0)
            abort();
    }
    tern_mqtt_msg m, m2;
    const char *why = NULL;
    if (tern_mqtt_msg_decode(&m, d, n, &why) != TERN_OK)
        return;
    uint8_t out[4096];
    int len = tern_mqtt_msg_encode(&m, out, sizeof out);
    if (len < 0)
        return;
    if (tern_mqtt_msg_decode(&m2, out, (size_t)len, &why) != TERN_OK)
        abort();
    uint8_t out2[4096];
    int len2 = tern_mqtt_msg_encode(&m2, out2, sizeof out2);
    if (len2 != len || memcmp(out, out2, (size_t)len) != 0)
        abort(); /* encode(decode(x)) is a fixed point */
}

static void raw_json(const uint8_t *d, size_t n, int32_t cf)
{
    uint8_t *doc = malloc(n ? n : 1);
    if (!doc)
        return;
    memcpy(doc, d, n);
    tern_raw_reader r;
    if (tern_raw_json_init(&r, cf, doc, n) == TERN_OK) {
        tern_raw_rec rec;
        int rc, guard = 0;
        while ((rc = tern_raw_json_next(&r, &rec)) == TERN_OK && guard++ < 100000)
            ;
        if (rc == TERN_OK)
            abort(); /* must end */
    }
    free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: request_line(d, n); break;
    case 1: pid(d, n); break;
    case 2: mqtt(d, n); break;
    case 3: raw_json(d, n, TERN_CF_OMA_JSON); break;
    default: raw_json(d, n, TERN_CF_SENML_JSON); break;
    }
    return 0;
}
