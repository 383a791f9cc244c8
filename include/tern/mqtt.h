/* tern — MQTT binding (LwM2M Transport 1.2 §8): topic names and the CBOR
 * message envelope, as pure functions. Moving bytes to and from an MQTT
 * broker is the application's job (or a platform layer's); tern only says
 * what to publish where and what a received publication means.
 *
 * Nothing allocates: a decoded message views into the buffer it came from
 * and lives as long as it; a message to encode views into caller memory. */
#ifndef TERN_MQTT_H
#define TERN_MQTT_H

#include "tern/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- topics (§8.2): topic = [ PREFIX "/" ] "lwm2m/" ( "bs" / "rd" ) "/" ENDPOINT */
typedef enum tern_mqtt_iface {
    TERN_MQTT_RD = 0, /* "rd": registration, device management, reporting */
    TERN_MQTT_BS = 1, /* "bs": bootstrap interface */
} tern_mqtt_iface;

typedef struct tern_mqtt_topic {
    tern_bytes prefix;   /* view; len 0 when there is no prefix */
    tern_mqtt_iface iface;
    tern_bytes endpoint; /* view, never empty */
} tern_mqtt_topic;

/* Writes the topic (NUL-terminated) into out; prefix NULL or "" means none.
 * TERN_EINVAL for an empty endpoint or one holding an MQTT wildcard ('+',
 * '#', MQTT 3.1.1 §4.7.1) or NUL; returns the length or TERN_ENOMEM. */
int tern_mqtt_topic_build(char *out, size_t cap, const char *prefix, tern_mqtt_iface iface, const char *endpoint);
/* Splits a topic name at the first "lwm2m/bs/" or "lwm2m/rd/" that starts
 * the topic or follows a '/'. The views point into topic. TERN_EMALFORMED
 * when there is none, the endpoint is empty or holds a wildcard. */
int tern_mqtt_topic_parse(tern_mqtt_topic *t, const char *topic, size_t len);

/* ---- operations (§8.3.1-§8.3.4) ---- */
enum {
    TERN_MQTT_OP_BOOTSTRAP_REQUEST = 0,
    TERN_MQTT_OP_BOOTSTRAP_WRITE = 1,
    TERN_MQTT_OP_BOOTSTRAP_READ = 2,
    TERN_MQTT_OP_BOOTSTRAP_DELETE = 3,
    TERN_MQTT_OP_BOOTSTRAP_DISCOVER = 4,
    TERN_MQTT_OP_BOOTSTRAP_FINISH = 5,
    TERN_MQTT_OP_BOOTSTRAP_PACK_REQUEST = 6,
    /* §8.3.2 lists Register as 6 too (a clash with Bootstrap-Pack-Request);
     * the topic ("bs" or "rd") tells them apart. */
    TERN_MQTT_OP_REGISTER = 6,
    TERN_MQTT_OP_UPDATE = 7,
    TERN_MQTT_OP_DEREGISTER = 8,
    TERN_MQTT_OP_READ = 9,
    TERN_MQTT_OP_READ_COMPOSITE = 10,
    TERN_MQTT_OP_DISCOVER = 11,
    TERN_MQTT_OP_WRITE_REPLACE = 12,
    TERN_MQTT_OP_WRITE_PARTIAL = 13,
    TERN_MQTT_OP_WRITE_ATTRIBUTES = 14,
    TERN_MQTT_OP_WRITE_COMPOSITE = 15,
    TERN_MQTT_OP_EXECUTE = 16,
    TERN_MQTT_OP_CREATE = 17,
    TERN_MQTT_OP_DELETE = 18,
    TERN_MQTT_OP_OBSERVE = 20,
    TERN_MQTT_OP_OBSERVE_COMPOSITE = 21,
    TERN_MQTT_OP_CANCEL_OBSERVE = 22,
    TERN_MQTT_OP_NOTIFY = 23,
    TERN_MQTT_OP_SEND = 24,
};

/* ---- envelope keys (§8.7 Table 8.7.-1) ----
 * The table has no key for "lt" (less than, §8.3.3) nor for "pid" (§8.3.2):
 * tern cannot carry them over MQTT until the spec assigns keys. */
typedef enum tern_mqtt_key {
    TERN_MQTT_K_OPERATION = 1,
    TERN_MQTT_K_TOKEN = 2,
    TERN_MQTT_K_EP = 3,
    TERN_MQTT_K_PCT = 4,
    TERN_MQTT_K_URI = 5,
    TERN_MQTT_K_PATHS = 6,
    TERN_MQTT_K_PAYLOAD = 7,
    TERN_MQTT_K_LIFETIME = 8,
    TERN_MQTT_K_VERSION = 9,
    TERN_MQTT_K_B = 10,
    TERN_MQTT_K_SMS = 11,
    TERN_MQTT_K_PMIN = 12,
    TERN_MQTT_K_PMAX = 13,
    TERN_MQTT_K_GT = 14,
    TERN_MQTT_K_ST = 15,
    TERN_MQTT_K_EPMIN = 16,
    TERN_MQTT_K_EPMAX = 17,
    TERN_MQTT_K_RESULT = 18,
    TERN_MQTT_K_CT = 19,
    TERN_MQTT_K_EDGE = 20,
    TERN_MQTT_K_HQMAX = 21,
    TERN_MQTT_K_DEPTH = 22,
    TERN_MQTT_K_MAX = 22,
} tern_mqtt_key;

#define TERN_MQTT_HAS(m, k) (((m)->has >> (k)) & 1u)

/* One envelope. `has` has bit k set for each key k present (set them with
 * tern_mqtt_msg_set()); a field whose bit is clear is ignored. Either
 * operation (a request) or result (a response, §8.4) is present, and token
 * always is. String and byte fields view into caller memory. */
typedef struct tern_mqtt_msg {
    uint32_t has;
    uint32_t operation;   /* TERN_MQTT_OP_* */
    uint32_t result;      /* §8.5 result codes: 205, 404, ... */
    uint64_t token;       /* CDDL: token => uint */
    tern_bytes ep, uri, version, b, sms;   /* text strings */
    tern_bytes paths;     /* bstr: SenML-ETCH CBOR paths (§8.3.3) */
    tern_bytes payload;
    /* The CDDL says payload => bstr; the §8.4 example writes a text string.
     * Decoding accepts both and sets this flag for a text string; encoding
     * writes a text string when it is set. */
    bool payload_is_text;
    uint32_t pct, ct, lifetime, pmin, pmax, epmin, epmax, hqmax;
    double gt, st;
    bool edge;            /* edge => 0 / 1 */
    uint8_t depth;        /* 0..3 */
} tern_mqtt_msg;

static inline void tern_mqtt_msg_set(tern_mqtt_msg *m, tern_mqtt_key k)
{
    m->has |= 1u << k;
}

/* Encodes m as a CBOR map in the smallest encoding. Key order follows the
 * spec's CDDL and examples: operation or result, token, the parameters by
 * key, then ct, then payload (§8.3.4 and §8.4 write {.., 19: ct, 7: payload}).
 * Returns bytes written, TERN_ENOMEM, or TERN_EINVAL (no token, neither or
 * both of operation/result, depth > 3). */
int tern_mqtt_msg_encode(const tern_mqtt_msg *m, uint8_t *out, size_t cap);

/* Decodes one CBOR map (the whole buffer, nothing after it). Keys in any
 * order; unknown integer keys are skipped (CDDL `* $$extensions`). Strings
 * must be definite-length (they are views). Errors: TERN_EMALFORMED (*why),
 * TERN_ETYPE (a value of the wrong CBOR type), TERN_ERANGE (a number out of
 * its field's range), TERN_EDUPLICATE (a key twice). `why` may be NULL. */
int tern_mqtt_msg_decode(tern_mqtt_msg *m, const uint8_t *buf, size_t len, const char **why);

#ifdef __cplusplus
}
#endif
#endif /* TERN_MQTT_H */
