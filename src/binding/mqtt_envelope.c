/* tern — MQTT binding: topic names (Transport §8.2) and the CBOR message
 * envelope (§8.3, §8.4, keys of §8.7 Table 8.7.-1). */
#include "tern/mqtt.h"

#include "codec/cbor_prim.h"

#include <limits.h>
#include <string.h>

/* ---- topics ---- */

static bool has_wildcard(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '+' || s[i] == '#' || s[i] == '\0')
            return true; /* MQTT 3.1.1 §4.7.1: wildcards never in a topic name */
    return false;
}

int tern_mqtt_topic_build(char *out, size_t cap, const char *prefix, tern_mqtt_iface iface, const char *endpoint)
{
    if (!out || !endpoint || (iface != TERN_MQTT_RD && iface != TERN_MQTT_BS))
        return TERN_EINVAL;
    size_t pl = prefix ? strlen(prefix) : 0, el = strlen(endpoint);
    if (el == 0 || has_wildcard(endpoint, el) || has_wildcard(prefix ? prefix : "", pl))
        return TERN_EINVAL;
    const char *mid = iface == TERN_MQTT_BS ? "lwm2m/bs/" : "lwm2m/rd/";
    size_t need = pl + (pl ? 1 : 0) + 9 + el;
    if (need >= cap || need > INT_MAX)
        return TERN_ENOMEM;
    size_t n = 0;
    if (pl) {
        memcpy(out, prefix, pl);
        n = pl;
        out[n++] = '/';
    }
    memcpy(out + n, mid, 9);
    n += 9;
    memcpy(out + n, endpoint, el);
    n += el;
    out[n] = '\0';
    return (int)n;
}

int tern_mqtt_topic_parse(tern_mqtt_topic *t, const char *topic, size_t len)
{
    if (!t || (!topic && len))
        return TERN_EINVAL;
    for (size_t i = 0; i + 9 <= len; i++) {
        if (i > 0 && topic[i - 1] != '/')
            continue;
        const char *s = topic + i;
        if (memcmp(s, "lwm2m/", 6) != 0 || s[8] != '/')
            continue;
        tern_mqtt_iface f;
        if (s[6] == 'b' && s[7] == 's')
            f = TERN_MQTT_BS;
        else if (s[6] == 'r' && s[7] == 'd')
            f = TERN_MQTT_RD;
        else
            continue;
        size_t el = len - i - 9;
        if (el == 0 || has_wildcard(s + 9, el) || has_wildcard(topic, i))
            return TERN_EMALFORMED;
        t->prefix.ptr = (const uint8_t *)topic;
        t->prefix.len = i ? i - 1 : 0; /* without the '/' before "lwm2m" */
        t->iface = f;
        t->endpoint.ptr = (const uint8_t *)s + 9;
        t->endpoint.len = el;
        return TERN_OK;
    }
    return TERN_EMALFORMED;
}

/* ---- the envelope: one table of keys and their CBOR types (§8.7) ---- */

typedef enum fkind {
    F_NONE,
    F_U32,    /* uint, fits 32 bits */
    F_U64,    /* uint (token) */
    F_TEXT,   /* tstr */
    F_BYTES,  /* bstr */
    F_PAYLOAD,/* bstr (or tstr as in the §8.4 example) */
    F_FLOAT,  /* float (an integer is accepted on decode) */
    F_EDGE,   /* 0 / 1 */
    F_DEPTH,  /* 0..3 */
} fkind;

typedef struct fdef {
    uint8_t kind; /* fkind */
    size_t off;   /* offset of the field in tern_mqtt_msg */
} fdef;

#define FD(k, f) {k, offsetof(tern_mqtt_msg, f)}
static const fdef fields[TERN_MQTT_K_MAX + 1] = {
    [TERN_MQTT_K_OPERATION] = FD(F_U32, operation), [TERN_MQTT_K_TOKEN] = FD(F_U64, token),
    [TERN_MQTT_K_EP] = FD(F_TEXT, ep),               [TERN_MQTT_K_PCT] = FD(F_U32, pct),
    [TERN_MQTT_K_URI] = FD(F_TEXT, uri),             [TERN_MQTT_K_PATHS] = FD(F_BYTES, paths),
    [TERN_MQTT_K_PAYLOAD] = FD(F_PAYLOAD, payload),  [TERN_MQTT_K_LIFETIME] = FD(F_U32, lifetime),
    [TERN_MQTT_K_VERSION] = FD(F_TEXT, version),     [TERN_MQTT_K_B] = FD(F_TEXT, b),
    [TERN_MQTT_K_SMS] = FD(F_TEXT, sms),             [TERN_MQTT_K_PMIN] = FD(F_U32, pmin),
    [TERN_MQTT_K_PMAX] = FD(F_U32, pmax),            [TERN_MQTT_K_GT] = FD(F_FLOAT, gt),
    [TERN_MQTT_K_ST] = FD(F_FLOAT, st),              [TERN_MQTT_K_EPMIN] = FD(F_U32, epmin),
    [TERN_MQTT_K_EPMAX] = FD(F_U32, epmax),          [TERN_MQTT_K_RESULT] = FD(F_U32, result),
    [TERN_MQTT_K_CT] = FD(F_U32, ct),                [TERN_MQTT_K_EDGE] = FD(F_EDGE, edge),
    [TERN_MQTT_K_HQMAX] = FD(F_U32, hqmax),          [TERN_MQTT_K_DEPTH] = FD(F_DEPTH, depth),
};

/* Encoding order: the spec's CDDL and examples put operation/result and
 * token first, ct just before payload and payload last (§8.3.4, §8.4). */
static const uint8_t enc_order[] = {
    TERN_MQTT_K_OPERATION, TERN_MQTT_K_RESULT, TERN_MQTT_K_TOKEN, TERN_MQTT_K_EP,    TERN_MQTT_K_PCT,
    TERN_MQTT_K_URI,       TERN_MQTT_K_PATHS,  TERN_MQTT_K_LIFETIME, TERN_MQTT_K_VERSION, TERN_MQTT_K_B,
    TERN_MQTT_K_SMS,       TERN_MQTT_K_PMIN,   TERN_MQTT_K_PMAX,  TERN_MQTT_K_GT,     TERN_MQTT_K_ST,
    TERN_MQTT_K_EPMIN,     TERN_MQTT_K_EPMAX,  TERN_MQTT_K_EDGE,  TERN_MQTT_K_HQMAX,  TERN_MQTT_K_DEPTH,
    TERN_MQTT_K_CT,        TERN_MQTT_K_PAYLOAD,
};

#define KNOWN_KEYS (((1u << (TERN_MQTT_K_MAX + 1)) - 1u) & ~1u)

static int check_header(const tern_mqtt_msg *m)
{
    bool op = TERN_MQTT_HAS(m, TERN_MQTT_K_OPERATION), res = TERN_MQTT_HAS(m, TERN_MQTT_K_RESULT);
    if (op == res || !TERN_MQTT_HAS(m, TERN_MQTT_K_TOKEN))
        return TERN_EINVAL;
    if (TERN_MQTT_HAS(m, TERN_MQTT_K_DEPTH) && m->depth > 3)
        return TERN_EINVAL;
    return TERN_OK;
}

int tern_mqtt_msg_encode(const tern_mqtt_msg *m, uint8_t *out, size_t cap)
{
    if (!m || (!out && cap))
        return TERN_EINVAL;
    int rc = check_header(m);
    if (rc < 0)
        return rc;
    tern_wbuf w = tern_wbuf_make(out, cap);
    uint32_t has = m->has & KNOWN_KEYS;
    unsigned count = 0;
    for (uint32_t h = has; h; h &= h - 1)
        count++;
    rc = cbor_put_head(&w, CBOR_MAP, count);
    for (size_t i = 0; rc == TERN_OK && i < sizeof enc_order; i++) {
        uint8_t k = enc_order[i];
        if (!((has >> k) & 1u))
            continue;
        const fdef *f = &fields[k];
        const char *base = (const char *)m + f->off;
        if ((rc = cbor_put_uint(&w, k)) < 0)
            break;
        switch ((fkind)f->kind) {
        case F_U32: rc = cbor_put_uint(&w, *(const uint32_t *)(const void *)base); break;
        case F_U64: rc = cbor_put_uint(&w, *(const uint64_t *)(const void *)base); break;
        case F_FLOAT: rc = cbor_put_float(&w, *(const double *)(const void *)base); break;
        case F_EDGE: rc = cbor_put_uint(&w, m->edge ? 1 : 0); break;
        case F_DEPTH: rc = cbor_put_uint(&w, m->depth); break;
        case F_TEXT:
        case F_BYTES:
        case F_PAYLOAD: {
            const tern_bytes *b = (const tern_bytes *)(const void *)base;
            uint8_t major = f->kind == F_TEXT || (f->kind == F_PAYLOAD && m->payload_is_text) ? CBOR_TEXT : CBOR_BYTES;
            if (!b->ptr && b->len)
                return TERN_EINVAL;
            rc = cbor_put_bytes(&w, major, b->ptr ? b->ptr : (const uint8_t *)"", b->len);
            break;
        }
        case F_NONE: break;
        }
    }
    if (rc < 0)
        return rc;
    return w.len > INT_MAX ? TERN_ENOMEM : (int)w.len;
}

static int fail(const char **why, const char *reason, int err)
{
    if (why)
        *why = reason;
    return err;
}

/* Reads an unsigned integer at p; TERN_ETYPE when the item is not one. */
static int read_uint(const uint8_t *p, size_t n, uint64_t *v, size_t *used, const char **why)
{
    cbor_head h;
    int rc = cbor_head_read(p, n, &h, why);
    if (rc == TERN_AGAIN)
        return fail(why, "truncated", TERN_EMALFORMED);
    if (rc < 0)
        return rc;
    if (h.major != CBOR_UINT)
        return fail(why, "value is not an unsigned integer", TERN_ETYPE);
    *v = h.arg;
    *used = h.len;
    return TERN_OK;
}

int tern_mqtt_msg_decode(tern_mqtt_msg *m, const uint8_t *buf, size_t len, const char **why)
{
    if (!m || (!buf && len))
        return TERN_EINVAL;
    memset(m, 0, sizeof *m);
    size_t end;
    int rc = cbor_item_end(buf, len, &end, why);
    if (rc == TERN_AGAIN)
        return fail(why, "truncated envelope", TERN_EMALFORMED);
    if (rc < 0)
        return rc;
    if (end != len)
        return fail(why, "bytes after the envelope", TERN_EMALFORMED);
    cbor_head h;
    if ((rc = cbor_head_read(buf, len, &h, why)) < 0)
        return rc;
    if (h.major != CBOR_MAP)
        return fail(why, "envelope is not a map", TERN_ETYPE);
    size_t pos = h.len;
    for (uint64_t i = 0; h.indef || i < h.arg; i++) {
        if (h.indef && buf[pos] == 0xff)
            break; /* cbor_item_end checked that the break is there */
        uint64_t k;
        size_t used;
        cbor_head kh;
        if ((rc = cbor_head_read(buf + pos, len - pos, &kh, why)) < 0)
            return rc;
        if (kh.major != CBOR_UINT && kh.major != CBOR_NINT) { /* a non-integer key is an extension too */
            size_t ke;
            if ((rc = cbor_item_end(buf + pos, len - pos, &ke, why)) < 0)
                return rc;
            pos += ke;
            k = UINT64_MAX;
        } else {
            k = kh.major == CBOR_UINT ? kh.arg : UINT64_MAX;
            pos += kh.len;
        }
        const uint8_t *p = buf + pos;
        size_t n = len - pos, ve;
        if ((rc = cbor_item_end(p, n, &ve, why)) < 0)
            return rc;
        if (k > TERN_MQTT_K_MAX || k == 0) {
            pos += ve; /* `* $$extensions` */
            continue;
        }
        if (TERN_MQTT_HAS(m, k))
            return fail(why, "key appears twice", TERN_EDUPLICATE);
        tern_mqtt_msg_set(m, (tern_mqtt_key)k);
        const fdef *f = &fields[k];
        char *base = (char *)m + f->off;
        uint64_t u;
        switch ((fkind)f->kind) {
        case F_U32:
        case F_EDGE:
        case F_DEPTH:
            if ((rc = read_uint(p, n, &u, &used, why)) < 0)
                return rc;
            if ((f->kind == F_U32 && u > UINT32_MAX) || (f->kind == F_EDGE && u > 1) || (f->kind == F_DEPTH && u > 3))
                return fail(why, "value out of range", TERN_ERANGE);
            if (f->kind == F_U32)
                *(uint32_t *)(void *)base = (uint32_t)u;
            else if (f->kind == F_EDGE)
                m->edge = u == 1;
            else
                m->depth = (uint8_t)u;
            break;
        case F_U64:
            if ((rc = read_uint(p, n, &u, &used, why)) < 0)
                return rc;
            *(uint64_t *)(void *)base = u;
            break;
        case F_FLOAT: {
            /* a scalar of at most 9 bytes: copy it so cbor_scalar can work
             * on writable memory */
            uint8_t tmp[9];
            cbor_val v;
            if (ve > sizeof tmp)
                return fail(why, "value is not a number", TERN_ETYPE);
            memcpy(tmp, p, ve);
            if ((rc = cbor_scalar(tmp, ve, &v, &used, why)) < 0)
                return rc;
            double d;
            if (v.kind == CBV_FLOAT)
                d = v.f;
            else if (v.kind == CBV_UINT)
                d = (double)v.u;
            else if (v.kind == CBV_NINT)
                d = (double)v.i;
            else
                return fail(why, "value is not a number", TERN_ETYPE);
            *(double *)(void *)base = d;
            break;
        }
        case F_TEXT:
        case F_BYTES:
        case F_PAYLOAD: {
            cbor_head vh;
            if ((rc = cbor_head_read(p, n, &vh, why)) < 0)
                return rc;
            bool text = vh.major == CBOR_TEXT;
            bool ok = f->kind == F_TEXT ? text : f->kind == F_BYTES ? vh.major == CBOR_BYTES
                                                                    : (text || vh.major == CBOR_BYTES);
            if (!ok)
                return fail(why, "value is not the string type its key needs", TERN_ETYPE);
            if (vh.indef)
                return fail(why, "indefinite-length string (not supported: values are views)", TERN_EUNSUPPORTED);
            tern_bytes *b = (tern_bytes *)(void *)base;
            b->ptr = p + vh.len;
            b->len = (size_t)vh.arg;
            if (f->kind == F_PAYLOAD)
                m->payload_is_text = text;
            used = ve;
            break;
        }
        case F_NONE:
            used = ve;
            break;
        }
        (void)used;
        pos += ve;
    }
    if (check_header(m) < 0)
        return fail(why, "needs a token and exactly one of operation/result", TERN_EMALFORMED);
    return TERN_OK;
}
