/* tern — codec dispatcher: format table, decoder buffer management,
 * encoder atomicity. The formats live one per file (codec_internal.h). */
#include <string.h>

#include "codec/codec_internal.h"

#ifndef TERN_WITH_TEXT
#define TERN_WITH_TEXT 1
#endif
#ifndef TERN_WITH_OPAQUE
#define TERN_WITH_OPAQUE 1
#endif
#ifndef TERN_WITH_TLV
#define TERN_WITH_TLV 1
#endif
#ifndef TERN_WITH_CBOR
#define TERN_WITH_CBOR 1
#endif
#ifndef TERN_WITH_SENML_JSON
#define TERN_WITH_SENML_JSON 1
#endif
#ifndef TERN_WITH_SENML_CBOR
#define TERN_WITH_SENML_CBOR 1
#endif
#ifndef TERN_WITH_OMA_JSON
#define TERN_WITH_OMA_JSON 1
#endif
#ifndef TERN_WITH_LWM2M_CBOR
#define TERN_WITH_LWM2M_CBOR 1
#endif

static const tern_codec_vtab *const formats[] = {
#if TERN_WITH_TEXT
    &tern_codec_text,
#endif
#if TERN_WITH_OPAQUE
    &tern_codec_opaque,
#endif
#if TERN_WITH_CBOR
    &tern_codec_cbor,
#endif
#if TERN_WITH_SENML_JSON
    &tern_codec_senml_json,
    &tern_codec_senml_etch_json,
#endif
#if TERN_WITH_SENML_CBOR
    &tern_codec_senml_cbor,
    &tern_codec_senml_etch_cbor,
#endif
#if TERN_WITH_TLV
    &tern_codec_tlv,
#endif
#if TERN_WITH_OMA_JSON
    &tern_codec_oma_json,
#endif
#if TERN_WITH_LWM2M_CBOR
    &tern_codec_lwm2m_cbor,
#endif
};

/* Names for every known format, also those compiled out. */
static const struct {
    int32_t cf;
    const char *name;
} cf_names[] = {
    {TERN_CF_TEXT, "text"},
    {TERN_CF_LINK, "link"},
    {TERN_CF_OPAQUE, "opaque"},
    {TERN_CF_CBOR, "cbor"},
    {TERN_CF_SENML_JSON, "senml-json"},
    {TERN_CF_SENML_CBOR, "senml-cbor"},
    {TERN_CF_SENML_ETCH_JSON, "senml-etch-json"},
    {TERN_CF_SENML_ETCH_CBOR, "senml-etch-cbor"},
    {TERN_CF_TLV, "tlv"},
    {TERN_CF_OMA_JSON, "oma-json"},
    {TERN_CF_LWM2M_CBOR, "lwm2m-cbor"},
};

const char *tern_cf_name(int32_t cf)
{
    for (size_t i = 0; i < TERN_ARRAY_LEN(cf_names); i++)
        if (cf_names[i].cf == cf)
            return cf_names[i].name;
    return NULL;
}

int32_t tern_cf_from_name(const char *name)
{
    if (!name)
        return TERN_CF_NONE;
    for (size_t i = 0; i < TERN_ARRAY_LEN(cf_names); i++)
        if (strcmp(cf_names[i].name, name) == 0)
            return cf_names[i].cf;
    /* also accept the number itself */
    int32_t v = 0;
    const char *p = name;
    if (!*p)
        return TERN_CF_NONE;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || v > 6553)
            return TERN_CF_NONE;
        v = v * 10 + (*p - '0');
    }
    return v <= 65535 ? v : TERN_CF_NONE;
}

static const tern_codec_vtab *find_format(int32_t cf)
{
    for (size_t i = 0; i < TERN_ARRAY_LEN(formats); i++)
        if (formats[i]->cf == cf)
            return formats[i];
    return NULL;
}

/* ---- decoder ---- */

int tern_dec_fail(tern_decoder *d, int err, size_t at, const char *reason)
{
    if (!d->err) {
        d->err = err;
        d->err_offset = d->consumed_total + at;
        d->err_reason = reason;
    }
    return d->err;
}

int tern_decoder_init(tern_decoder *d, int32_t cf, const tern_path *req_path, tern_type_fn type_of, void *type_ctx,
                      uint8_t *scratch, size_t scratch_cap)
{
    memset(d, 0, sizeof *d);
    d->cf = cf;
    d->req_path = req_path ? *req_path : tern_path_root();
    d->type_of = type_of;
    d->type_ctx = type_ctx;
    d->buf = scratch;
    d->cap = scratch_cap;
    d->vt = find_format(cf);
    if (!d->vt || !d->vt->dec_next) {
        d->vt = NULL;
        d->err = TERN_EUNSUPPORTED;
        d->err_reason = "content format not supported";
        return TERN_EUNSUPPORTED;
    }
    if (!scratch || !scratch_cap)
        return tern_dec_fail(d, TERN_EINVAL, 0, "no scratch buffer");
    return d->vt->dec_init ? d->vt->dec_init(d) : TERN_OK;
}

int tern_decoder_feed(tern_decoder *d, const uint8_t *data, size_t len, bool last)
{
    if (d->err)
        return d->err;
    if (d->last && len)
        return tern_dec_fail(d, TERN_ESTATE, d->end, "data fed after the last chunk");
    /* drop consumed bytes */
    if (d->start) {
        memmove(d->buf, d->buf + d->start, d->end - d->start);
        d->consumed_total += d->start;
        d->end -= d->start;
        d->start = 0;
    }
    if (len > d->cap - d->end)
        return TERN_ENOMEM; /* not sticky: caller may retry with a smaller chunk */
    if (len)
        memcpy(d->buf + d->end, data, len);
    d->end += len;
    d->last = last;
    return TERN_OK;
}

/* An empty document (no entries) at the request path stands for an empty
 * container there (Core §7.4: e.g. a Read of an instance without resources,
 * a multiple-instance resource without instances); a single-instance
 * resource or a resource instance cannot be empty. The one place for this
 * rule, whatever the format. */
static int empty_document(tern_decoder *d, tern_entry *e)
{
    const tern_path *rp = &d->req_path;
    d->empty_done = true;
    if (rp->len == TERN_LVL_INSTANCE) {
        e->kind = TERN_ENTRY_EMPTY_INSTANCE;
        e->path = *rp;
        return TERN_OK;
    }
    /* Unknown multiplicity counts as single: Zephyr rejects an empty pack
     * for its resources, Leshan accepts it only where its model says the
     * resource is multiple (vectors README "SenML-CBOR"). */
    if (rp->len == TERN_LVL_RESOURCE && tern_dec_multiplicity(d, rp) == 1) {
        e->kind = TERN_ENTRY_EMPTY_MULTI;
        e->path = *rp;
        return TERN_OK;
    }
    if (rp->len >= TERN_LVL_RESOURCE)
        return tern_dec_fail(d, TERN_EMALFORMED, d->start, "empty payload for a single value");
    return TERN_DONE;
}

int tern_decoder_next(tern_decoder *d, tern_entry *e)
{
    if (d->err)
        return d->err;
    memset(e, 0, sizeof *e);
    if (d->empty_done)
        return TERN_DONE;
    int rc = d->vt->dec_next(d, e);
    if (rc == TERN_AGAIN && d->last)
        return tern_dec_fail(d, TERN_ETRUNCATED, d->end, "document ends in the middle of an element");
    if (rc < 0)
        return tern_dec_fail(d, rc, d->start, d->err_reason ? d->err_reason : tern_strerror(rc));
    if (rc == TERN_DONE && d->entries == 0)
        return empty_document(d, e);
    if (rc == TERN_OK) {
        if (e->kind == TERN_ENTRY_EMPTY_MULTI && tern_dec_multiplicity(d, &e->path) == 0)
            return tern_dec_fail(d, TERN_EMALFORMED, d->start, "a single-instance resource cannot be empty");
        d->entries++;
    }
    return rc;
}

/* ---- encoder ---- */

int tern_enc_fail(tern_encoder *e, int err, const char *reason)
{
    if (!e->err) {
        e->err = err;
        e->err_reason = reason;
    }
    return e->err;
}

int tern_encoder_init(tern_encoder *e, int32_t cf, const tern_path *req_path, uint8_t *scratch, size_t scratch_cap)
{
    memset(e, 0, sizeof *e);
    e->cf = cf;
    e->req_path = req_path ? *req_path : tern_path_root();
    e->scratch = scratch;
    e->scratch_cap = scratch_cap;
    e->vt = find_format(cf);
    if (!e->vt || !e->vt->enc_add) {
        e->vt = NULL;
        return tern_enc_fail(e, TERN_EUNSUPPORTED, "content format not supported");
    }
    return e->vt->enc_init ? e->vt->enc_init(e) : TERN_OK;
}

int tern_encoder_add(tern_encoder *e, const tern_entry *entry, tern_wbuf *out)
{
    if (e->err)
        return e->err;
    size_t mark = out->len;
    int rc = e->vt->enc_add(e, entry, out);
    if (rc == TERN_ENOMEM) {
        out->len = mark;
        return rc;
    }
    if (rc < 0)
        return tern_enc_fail(e, rc, e->err_reason ? e->err_reason : tern_strerror(rc));
    if (rc == TERN_OK)
        e->count++; /* TERN_AGAIN: bytes written, the entry not taken yet */
    return rc;
}

int tern_encoder_finish(tern_encoder *e, tern_wbuf *out)
{
    if (e->err)
        return e->err;
    size_t mark = out->len;
    int rc = e->vt->enc_finish ? e->vt->enc_finish(e, out) : TERN_OK;
    if (rc == TERN_ENOMEM) {
        out->len = mark;
        return rc;
    }
    if (rc < 0)
        return tern_enc_fail(e, rc, e->err_reason ? e->err_reason : tern_strerror(rc));
    return rc;
}

tern_type tern_registry_type_fn(void *ctx, const tern_path *p)
{
    const tern_res_def *r = ctx ? tern_registry_res(ctx, p) : NULL;
    if (!r)
        return TERN_TYPE_NONE;
    return (tern_type)(r->multiple ? (r->type | TERN_TYPE_MULTIPLE) : r->type);
}
