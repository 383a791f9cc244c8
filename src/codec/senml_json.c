/* tern — SenML JSON (RFC 8428 §5, LwM2M Core §7.4.4, content format 110),
 * also the syntax of SenML-ETCH JSON (RFC 8790, 320; senml_etch_json.c).
 *
 * Decoding streams one record at a time: a record must fit in scratch
 * together with one chunk; the array around the records is never held. The
 * SenML meaning of a record (base name, base time, types) is in senml.c.
 */
#include <string.h>

#include "codec/json_senml.h"
#include "codec/base64.h"
#include "codec/json.h"
#include "codec/senml.h"

enum {
    SJ_START = 0,  /* before '[' */
    SJ_FIRST,      /* after '[': a record or ']' */
    SJ_NEXT,       /* after a record: ',' or ']' */
    SJ_RECORD,     /* after ',': a record */
    SJ_END,        /* after ']' */
    SJ_DONE,
};

typedef struct sj_dec {
    tern_senml_dec s;
    uint8_t phase;
    bool trailing_comma; /* Leshan's literal "[...]," */
    bool empty_done;
    uint32_t records;
} sj_dec;
_Static_assert(sizeof(sj_dec) <= TERN_DECODER_STATE_SIZE, "SenML JSON decoder state too large");

typedef struct sj_enc {
    tern_senml_enc s;
} sj_enc;
_Static_assert(sizeof(sj_enc) <= TERN_ENCODER_STATE_SIZE, "SenML JSON encoder state too large");

int tern_senml_json_dec_init(tern_decoder *d, bool etch)
{
    sj_dec *st = TERN_DEC_STATE(d, sj_dec);
    memset(st, 0, sizeof *st);
    tern_senml_dec_init(&st->s, etch);
    return TERN_OK;
}

/* Parses the record object b[i] == '{' .. b[end) (complete) into r. */
static int parse_record(tern_decoder *d, size_t i, size_t end, tern_senml_rec *r)
{
    uint8_t *b = d->buf;
    tern_json_err err = {i, NULL};
    int rc;
    size_t j = tern_json_ws(b, i + 1, end);
    if (j < end && b[j] == '}')
        return TERN_OK;
    for (;;) {
        tern_bytes key;
        size_t kat = j;
        rc = tern_json_string(b, j, end, &key, &j, &err);
        if (rc != TERN_OK)
            goto fail;
        j = tern_json_ws(b, j, end);
        if (j >= end || b[j] != ':')
            return tern_dec_fail(d, TERN_EMALFORMED, j, "expected ':' in a SenML record");
        j = tern_json_ws(b, j + 1, end);
        if (j >= end)
            return tern_dec_fail(d, TERN_EMALFORMED, j, "record ends after ':'");
        tern_senml_key k = tern_senml_key_from_name((const char *)key.ptr, key.len);
        if (tern_senml_rec_mark(r, k) < 0)
            return tern_dec_fail(d, TERN_EDUPLICATE, kat, "duplicate key in a SenML record");
        uint8_t c = b[j];
        size_t vat = j;
        bool is_str = c == '"', is_num = c == '-' || (c >= '0' && c <= '9');
        bool is_null = c == 'n', is_bool = c == 't' || c == 'f';
        if (c == '{' || c == '[') {
            if (k != TERN_SENML_K_UNKNOWN)
                return tern_dec_fail(d, TERN_EMALFORMED, j, "nested value for a SenML field");
            rc = tern_json_skip_value(b, j, end, true, &j, &err);
            if (rc != TERN_OK)
                goto fail;
        } else if (is_str) {
            tern_bytes sv;
            rc = tern_json_string(b, j, end, &sv, &j, &err);
            if (rc != TERN_OK)
                goto fail;
            switch (k) {
            case TERN_SENML_K_BN:
                r->bn = sv;
                break;
            case TERN_SENML_K_N:
                r->n = sv;
                break;
            case TERN_SENML_K_VS:
                r->vs = sv;
                break;
            case TERN_SENML_K_VLO:
                r->vlo = sv;
                break;
            case TERN_SENML_K_VD: {
                size_t n = 0;
                uint8_t *p = (uint8_t *)(uintptr_t)sv.ptr;
                if (tern_b64_decode(p, sv.ptr, sv.len, TERN_B64_URL | TERN_B64_ANY, &n) < 0)
                    return tern_dec_fail(d, TERN_EMALFORMED, vat, "vd is not base64url");
                r->vd.ptr = sv.ptr;
                r->vd.len = n;
                break;
            }
            case TERN_SENML_K_BU:
            case TERN_SENML_K_U:
            case TERN_SENML_K_UNKNOWN:
            case TERN_SENML_K_MUST_UNDERSTAND:
                break;
            default:
                return tern_dec_fail(d, TERN_EMALFORMED, vat, "SenML field must not be a string");
            }
        } else if (is_num) {
            tern_json_num num;
            rc = tern_json_number(b, j, end, true, &num, &j, &err);
            if (rc != TERN_OK)
                goto fail;
            switch (k) {
            case TERN_SENML_K_BT:
                tern_senml_num_from_json(&r->bt, &num);
                break;
            case TERN_SENML_K_BV:
                tern_senml_num_from_json(&r->bv, &num);
                break;
            case TERN_SENML_K_T:
                tern_senml_num_from_json(&r->t, &num);
                break;
            case TERN_SENML_K_V:
                tern_senml_num_from_json(&r->v, &num);
                break;
            case TERN_SENML_K_BVER:
                if (num.kind != TERN_JSON_INT || num.i < 0)
                    return tern_dec_fail(d, TERN_EMALFORMED, vat, "bver is not a non-negative integer");
                r->bver = (uint64_t)num.i;
                break;
            case TERN_SENML_K_S:
            case TERN_SENML_K_BS:
            case TERN_SENML_K_UT:
            case TERN_SENML_K_UNKNOWN:
            case TERN_SENML_K_MUST_UNDERSTAND:
                break;
            default:
                return tern_dec_fail(d, TERN_EMALFORMED, vat, "SenML field must not be a number");
            }
        } else if (is_null || is_bool) {
            char lit = 0;
            rc = tern_json_literal(b, j, end, &lit, &j, &err);
            if (rc != TERN_OK)
                goto fail;
            if (lit == 'n') {
                r->null_fields |= TERN_SENML_BIT(k);
            } else if (k == TERN_SENML_K_VB) {
                r->vb = lit == 't';
            } else if (k != TERN_SENML_K_UNKNOWN && k != TERN_SENML_K_MUST_UNDERSTAND) {
                return tern_dec_fail(d, TERN_EMALFORMED, vat, "SenML field must not be a boolean");
            }
        } else {
            return tern_dec_fail(d, TERN_EMALFORMED, j, "unexpected character in a SenML record");
        }
        if (k == TERN_SENML_K_VB && !is_bool && !is_null)
            return tern_dec_fail(d, TERN_EMALFORMED, vat, "vb must be true or false");
        j = tern_json_ws(b, j, end);
        if (j >= end)
            return tern_dec_fail(d, TERN_EMALFORMED, j, "record not closed");
        if (b[j] == '}')
            return TERN_OK;
        if (b[j] != ',')
            return tern_dec_fail(d, TERN_EMALFORMED, j, "expected ',' or '}' in a SenML record");
        j = tern_json_ws(b, j + 1, end);
    }
fail:
    if (rc == TERN_AGAIN) /* cannot happen: the record is complete */
        rc = TERN_EMALFORMED;
    return tern_dec_fail(d, rc, err.at, err.why ? err.why : "malformed SenML record");
}

static int empty_entry(tern_decoder *d, sj_dec *st, tern_entry *e)
{
    /* An empty pack for an instance or resource read: Leshan decodes it as
     * an empty instance / multi-instance resource. */
    if (st->records == 0 && !st->empty_done && d->req_path.len >= TERN_LVL_INSTANCE &&
        d->req_path.len <= TERN_LVL_RESOURCE) {
        st->empty_done = true;
        e->kind = d->req_path.len == TERN_LVL_INSTANCE ? TERN_ENTRY_EMPTY_INSTANCE : TERN_ENTRY_EMPTY_MULTI;
        e->path = d->req_path;
        return TERN_OK;
    }
    st->phase = SJ_DONE;
    return TERN_DONE;
}

int tern_senml_json_dec_next(tern_decoder *d, tern_entry *e)
{
    sj_dec *st = TERN_DEC_STATE(d, sj_dec);
    uint8_t *b = d->buf;
    for (;;) {
        size_t i = tern_json_ws(b, d->start, d->end);
        d->start = i;
        if (st->phase == SJ_DONE)
            return TERN_DONE;
        if (i >= d->end) {
            if (!d->last)
                return TERN_AGAIN;
            if (st->phase == SJ_START || st->phase == SJ_END)
                return empty_entry(d, st, e);
            return tern_dec_fail(d, TERN_ETRUNCATED, i, "SenML array not closed");
        }
        uint8_t c = b[i];
        switch (st->phase) {
        case SJ_START:
            if (c != '[')
                return tern_dec_fail(d, TERN_EMALFORMED, i, "SenML JSON must be an array");
            d->start = i + 1;
            st->phase = SJ_FIRST;
            continue;
        case SJ_END:
            if (c == ',' && !st->trailing_comma) {
                st->trailing_comma = true;
                d->start = i + 1;
                continue;
            }
            return tern_dec_fail(d, TERN_EMALFORMED, i, "data after the SenML array");
        case SJ_NEXT:
            if (c == ',') {
                d->start = i + 1;
                st->phase = SJ_RECORD;
                continue;
            }
            if (c == ']') {
                d->start = i + 1;
                st->phase = SJ_END;
                continue;
            }
            return tern_dec_fail(d, TERN_EMALFORMED, i, "expected ',' or ']' after a SenML record");
        default: /* SJ_FIRST, SJ_RECORD */
            if (c == ']' && st->phase == SJ_FIRST) {
                d->start = i + 1;
                st->phase = SJ_END;
                continue;
            }
            if (c != '{')
                return tern_dec_fail(d, TERN_EMALFORMED, i, "expected a SenML record object");
            break;
        }
        size_t next = 0;
        tern_json_err err = {i, NULL};
        int rc = tern_json_skip_value(b, i, d->end, d->last, &next, &err);
        if (rc == TERN_AGAIN)
            return TERN_AGAIN;
        if (rc < 0)
            return tern_dec_fail(d, rc, err.at, err.why);
        tern_senml_rec r;
        memset(&r, 0, sizeof r);
        rc = parse_record(d, i, next, &r);
        if (rc < 0)
            return rc;
        rc = tern_senml_dec_apply(&st->s, d, &r, e, i);
        if (rc < 0)
            return rc;
        st->records++;
        st->phase = SJ_NEXT;
        d->start = next;
        return TERN_OK;
    }
}

/* ---- encoder ---- */

int tern_senml_json_enc_init(tern_encoder *e, bool etch)
{
    sj_enc *st = TERN_ENC_STATE(e, sj_enc);
    memset(st, 0, sizeof *st);
    tern_senml_enc_init(&st->s, etch);
    return TERN_OK;
}

static int put_name(tern_wbuf *w, const char *key, const char *s, size_t n)
{
    if (tern_json_put_key(w, key) < 0)
        return TERN_ENOMEM;
    return tern_json_put_str(w, (const uint8_t *)s, n);
}

int tern_senml_json_enc_add(tern_encoder *e, const tern_entry *en, tern_wbuf *out)
{
    sj_enc *st = TERN_ENC_STATE(e, sj_enc);
    tern_senml_erec r;
    const char *why = NULL;
    int rc = tern_senml_enc_plan(&st->s, &e->req_path, en, &r, &why);
    if (rc == TERN_DONE)
        return TERN_OK;
    if (rc < 0)
        return tern_enc_fail(e, rc, why);
    bool first = true;
#define SEP()                                                                                                       \
    do {                                                                                                            \
        if (!first && tern_wbuf_put_u8(out, ',') < 0)                                                               \
            return TERN_ENOMEM;                                                                                     \
        first = false;                                                                                              \
    } while (0)
    if (tern_wbuf_put(out, st->s.started ? ",{" : "[{", 2) < 0)
        return TERN_ENOMEM;
    if (r.has_bn) {
        SEP();
        if (put_name(out, "bn", r.bn, r.bn_len) < 0)
            return TERN_ENOMEM;
    }
    if (r.has_bt) {
        SEP();
        if (tern_json_put_key(out, "bt") < 0)
            return TERN_ENOMEM;
        rc = tern_json_put_time(out, r.bt);
        if (rc == TERN_ENOMEM)
            return rc;
        if (rc < 0)
            return tern_enc_fail(e, rc, "time is not finite");
    }
    if (r.has_n) {
        SEP();
        if (put_name(out, "n", r.n, r.n_len) < 0)
            return TERN_ENOMEM;
    }
    rc = TERN_OK;
    switch (r.vfield) {
    case TERN_SENML_VF_V:
        SEP();
        if (tern_json_put_key(out, "v") < 0)
            return TERN_ENOMEM;
        rc = r.value.type == TERN_TYPE_UNSIGNED ? tern_json_put_u64(out, r.value.v.u)
             : r.value.type == TERN_TYPE_FLOAT  ? tern_json_put_double(out, r.value.v.f)
                                                : tern_json_put_i64(out, r.value.v.i);
        break;
    case TERN_SENML_VF_VS:
        SEP();
        if (tern_json_put_key(out, "vs") < 0)
            return TERN_ENOMEM;
        rc = tern_json_put_str(out, r.value.v.bytes.ptr, r.value.v.bytes.len);
        break;
    case TERN_SENML_VF_VB:
        SEP();
        rc = tern_json_put(out, r.value.v.b ? "\"vb\":true" : "\"vb\":false");
        break;
    case TERN_SENML_VF_VD:
        SEP();
        if (tern_json_put(out, "\"vd\":\"") < 0)
            return TERN_ENOMEM;
        if (tern_b64_encode(out, r.value.v.bytes.ptr, r.value.v.bytes.len, TERN_B64_URL) < 0)
            return TERN_ENOMEM;
        rc = tern_wbuf_put_u8(out, '"');
        break;
    case TERN_SENML_VF_VLO:
        SEP();
        if (tern_json_put_key(out, "vlo") < 0)
            return TERN_ENOMEM;
        rc = tern_json_put_str(out, (const uint8_t *)r.vlo_text, r.vlo_len);
        break;
    case TERN_SENML_VF_NULL:
        SEP();
        rc = tern_json_put(out, "\"v\":null");
        break;
    default:
        break;
    }
#undef SEP
    if (rc < 0)
        return rc;
    if (tern_wbuf_put_u8(out, '}') < 0)
        return TERN_ENOMEM;
    tern_senml_enc_commit(&st->s, &r);
    return TERN_OK;
}

int tern_senml_json_enc_finish(tern_encoder *e, tern_wbuf *out)
{
    sj_enc *st = TERN_ENC_STATE(e, sj_enc);
    return st->s.started ? tern_wbuf_put_u8(out, ']') : tern_wbuf_put(out, "[]", 2);
}

static int sj_dec_init(tern_decoder *d)
{
    return tern_senml_json_dec_init(d, false);
}

static int sj_enc_init(tern_encoder *e)
{
    return tern_senml_json_enc_init(e, false);
}

const tern_codec_vtab tern_codec_senml_json = {
    TERN_CF_SENML_JSON,         "senml_json",   sj_dec_init, tern_senml_json_dec_next, sj_enc_init,
    tern_senml_json_enc_add,    tern_senml_json_enc_finish,
};
