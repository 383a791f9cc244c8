/* Codec benchmark: encode and decode throughput of every content format on
 * a 1,000-resource document (100 instances × 10 resources of mixed types),
 * single-value formats on one value; and tern's SenML CBOR decoder against
 * libcbor (cbor_load + walking the items) on the same bytes.
 *
 * Usage: bench_codec [SECONDS-PER-MEASUREMENT]   (default 1.0)
 * Figures go to stdout; nothing is asserted. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tern/codec.h"
#include "tern/model.h"

#ifdef TERN_HAVE_LIBCBOR
#include <cbor.h>
#endif

#define BENCH_OID 1000 /* an object id outside the OMA registry: the bench brings its own types */
#define N_INST 100
#define N_RES 10
#define N_ENTRIES (N_INST * N_RES)
#define OUT_CAP (1u << 20)

static double seconds_per_run = 1.0;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const tern_type res_types[N_RES] = {
    TERN_TYPE_STRING, TERN_TYPE_INTEGER, TERN_TYPE_UNSIGNED, TERN_TYPE_FLOAT, TERN_TYPE_BOOLEAN,
    TERN_TYPE_OPAQUE, TERN_TYPE_TIME,    TERN_TYPE_OBJLNK,   TERN_TYPE_INTEGER, TERN_TYPE_FLOAT,
};

static tern_type bench_type(void *ctx, const tern_path *p)
{
    (void)ctx;
    if (p->len >= 3 && p->ids[0] == BENCH_OID && p->ids[2] < N_RES)
        return res_types[p->ids[2]];
    return TERN_TYPE_NONE;
}

static char names[N_INST][24];
static const uint8_t blob[8] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};

static void build_doc(tern_entry *e)
{
    for (int i = 0; i < N_INST; i++) {
        snprintf(names[i], sizeof names[i], "sensor-%03d", i);
        for (int r = 0; r < N_RES; r++) {
            tern_entry *x = &e[i * N_RES + r];
            memset(x, 0, sizeof *x);
            x->kind = TERN_ENTRY_VALUE;
            x->path = tern_path_make(3, BENCH_OID, (uint16_t)i, (uint16_t)r, 0);
            x->value.type = res_types[r];
            switch (r) {
            case 0:
                x->value.v.bytes.ptr = (const uint8_t *)names[i];
                x->value.v.bytes.len = strlen(names[i]);
                break;
            case 1: x->value.v.i = 1000 + i; break;
            case 2: x->value.v.u = 4000000000u + (uint64_t)i; break;
            case 3: x->value.v.f = 21.5 + i * 0.125; break;
            case 4: x->value.v.b = i % 2; break;
            case 5:
                x->value.v.bytes.ptr = blob;
                x->value.v.bytes.len = sizeof blob;
                break;
            case 6: x->value.v.i = 1700000000 + i; break;
            case 7: x->value.v.lnk = (tern_objlnk){3, (uint16_t)i}; break;
            case 8: x->value.v.i = -i * 7; break;
            default: x->value.v.f = 0.1 * i; break;
            }
        }
    }
}

static uint8_t enc_scratch[65536];
static uint8_t dec_scratch[OUT_CAP + 4096];

/* Encodes n entries; returns the length, or a negative error with *why. */
static long encode_once(int32_t cf, const tern_path *req, const tern_entry *e, size_t n, uint8_t *out, size_t cap,
                        const char **why)
{
    tern_encoder enc;
    int rc = tern_encoder_init(&enc, cf, req, enc_scratch, sizeof enc_scratch);
    if (rc < 0) {
        *why = enc.vt ? (enc.err_reason ? enc.err_reason : tern_strerror(rc)) : "not available";
        return rc;
    }
    tern_wbuf w = tern_wbuf_make(out, cap);
    for (size_t i = 0; i < n; i++)
        if ((rc = tern_encoder_add(&enc, &e[i], &w)) < 0) {
            *why = enc.err_reason ? enc.err_reason : tern_strerror(rc);
            return rc;
        }
    if ((rc = tern_encoder_finish(&enc, &w)) < 0) {
        *why = enc.err_reason ? enc.err_reason : tern_strerror(rc);
        return rc;
    }
    return (long)w.len;
}

/* Decodes the whole buffer; returns the entry count or a negative error. */
static long decode_once(int32_t cf, const tern_path *req, const uint8_t *in, size_t len, const char **why)
{
    tern_decoder d;
    int rc = tern_decoder_init(&d, cf, req, bench_type, NULL, dec_scratch, sizeof dec_scratch);
    if (rc < 0) {
        *why = d.vt ? (d.err_reason ? d.err_reason : tern_strerror(rc)) : "not available";
        return rc;
    }
    if ((rc = tern_decoder_feed(&d, in, len, true)) < 0) {
        *why = tern_strerror(rc);
        return rc;
    }
    long count = 0;
    tern_entry e;
    while ((rc = tern_decoder_next(&d, &e)) == TERN_OK)
        count++;
    if (rc != TERN_DONE) {
        *why = d.err_reason ? d.err_reason : tern_strerror(rc);
        return rc < 0 ? rc : TERN_EMALFORMED;
    }
    return count;
}

typedef struct rate {
    double mb_s, entries_s;
} rate;

static void print_rate(const char *fmt, const char *dir, size_t bytes, size_t entries, rate r)
{
    printf("  %-16s %-6s %7zu bytes %5zu entries  %9.1f MB/s  %12.0f entries/s\n", fmt, dir, bytes, entries, r.mb_s,
           r.entries_s);
}

static uint8_t out_buf[OUT_CAP];
static uint8_t tmp_buf[OUT_CAP];

/* Measures one format; returns the decode rate (0 when not measured). */
static double bench_format(int32_t cf, const tern_path *req, const tern_entry *e, size_t n)
{
    const char *name = tern_cf_name(cf);
    const char *why = NULL;
    long len = encode_once(cf, req, e, n, out_buf, sizeof out_buf, &why);
    if (len < 0) {
        printf("  %-16s not available (%s)\n", name, why);
        return 0;
    }
    long dn = decode_once(cf, req, out_buf, (size_t)len, &why);
    if (dn < 0) {
        printf("  %-16s encode ok, decode not available (%s)\n", name, why);
        return 0;
    }
    /* encode */
    size_t iters = 0;
    double t0 = now_s(), t;
    do {
        encode_once(cf, req, e, n, tmp_buf, sizeof tmp_buf, &why);
        iters++;
    } while ((t = now_s() - t0) < seconds_per_run);
    rate re = {(double)len * (double)iters / t / 1e6, (double)n * (double)iters / t};
    print_rate(name, "encode", (size_t)len, n, re);
    /* decode */
    iters = 0;
    t0 = now_s();
    do {
        decode_once(cf, req, out_buf, (size_t)len, &why);
        iters++;
    } while ((t = now_s() - t0) < seconds_per_run);
    rate rd = {(double)len * (double)iters / t / 1e6, (double)dn * (double)iters / t};
    print_rate(name, "decode", (size_t)len, (size_t)dn, rd);
    return rd.mb_s;
}

#ifdef TERN_HAVE_LIBCBOR
static size_t walk(const cbor_item_t *it)
{
    size_t n = 1;
    switch (cbor_typeof(it)) {
    case CBOR_TYPE_ARRAY: {
        cbor_item_t **h = cbor_array_handle(it);
        for (size_t i = 0; i < cbor_array_size(it); i++)
            n += walk(h[i]);
        break;
    }
    case CBOR_TYPE_MAP: {
        struct cbor_pair *h = cbor_map_handle(it);
        for (size_t i = 0; i < cbor_map_size(it); i++)
            n += walk(h[i].key) + walk(h[i].value);
        break;
    }
    case CBOR_TYPE_TAG: {
        cbor_item_t *t = cbor_tag_item(it);
        n += walk(t);
        cbor_decref(&t);
        break;
    }
    case CBOR_TYPE_UINT:
    case CBOR_TYPE_NEGINT: n += (size_t)(cbor_get_int(it) & 1); break;
    case CBOR_TYPE_BYTESTRING: n += cbor_bytestring_length(it) & 1; break;
    case CBOR_TYPE_STRING: n += cbor_string_length(it) & 1; break;
    case CBOR_TYPE_FLOAT_CTRL:
        if (!cbor_float_ctrl_is_ctrl(it))
            n += cbor_float_get_float(it) > 0;
        break;
    default: break;
    }
    return n;
}

static double bench_libcbor(const uint8_t *in, size_t len)
{
    struct cbor_load_result res;
    cbor_item_t *it = cbor_load(in, len, &res);
    if (!it) {
        printf("  libcbor          cannot load the SenML CBOR bytes (error %d)\n", (int)res.error.code);
        return 0;
    }
    size_t items = walk(it);
    cbor_decref(&it);
    size_t iters = 0;
    volatile size_t sink = 0;
    double t0 = now_s(), t;
    do {
        it = cbor_load(in, len, &res);
        sink += walk(it);
        cbor_decref(&it);
        iters++;
    } while ((t = now_s() - t0) < seconds_per_run);
    (void)sink;
    double mb = (double)len * (double)iters / t / 1e6;
    printf("  %-16s %-6s %7zu bytes %5zu items    %9.1f MB/s  (cbor_load + walk)\n", "libcbor", "decode", len, items,
           mb);
    return mb;
}
#endif

int main(int argc, char **argv)
{
    if (argc > 1) {
        seconds_per_run = atof(argv[1]);
        if (seconds_per_run <= 0)
            seconds_per_run = 1.0;
    }
    static tern_entry doc[N_ENTRIES];
    build_doc(doc);
    tern_path obj = tern_path_make(1, BENCH_OID, 0, 0, 0);

    printf("tern codec benchmark: %d resources (%d instances x %d resources of mixed types), %.1f s per figure\n",
           N_ENTRIES, N_INST, N_RES, seconds_per_run);
    printf("multi-value formats (Read of object /%d):\n", BENCH_OID);
    static const int32_t multi[] = {TERN_CF_TLV,        TERN_CF_SENML_JSON,      TERN_CF_SENML_CBOR,
                                    TERN_CF_LWM2M_CBOR, TERN_CF_SENML_ETCH_JSON, TERN_CF_SENML_ETCH_CBOR,
                                    TERN_CF_OMA_JSON};
    double senml_cbor_mb = 0;
    for (size_t i = 0; i < sizeof multi / sizeof multi[0]; i++) {
        double mb = bench_format(multi[i], &obj, doc, N_ENTRIES);
        if (multi[i] == TERN_CF_SENML_CBOR)
            senml_cbor_mb = mb;
    }

    printf("single-value formats (one resource):\n");
    tern_entry one = doc[1]; /* /1000/0/1 Integer */
    bench_format(TERN_CF_TEXT, &one.path, &one, 1);
    bench_format(TERN_CF_CBOR, &one.path, &one, 1);
    tern_entry op = doc[5]; /* /1000/0/5 Opaque */
    bench_format(TERN_CF_OPAQUE, &op.path, &op, 1);

    printf("tern vs libcbor, same SenML CBOR bytes:\n");
#ifdef TERN_HAVE_LIBCBOR
    const char *why = NULL;
    long len = encode_once(TERN_CF_SENML_CBOR, &obj, doc, N_ENTRIES, out_buf, sizeof out_buf, &why);
    if (len < 0 || senml_cbor_mb <= 0) {
        printf("  not available (tern SenML CBOR: %s)\n", len < 0 ? why : "decode failed");
    } else {
        double lib = bench_libcbor(out_buf, (size_t)len);
        if (lib > 0)
            printf("  tern decode / libcbor decode = %.2fx (tern yields typed LwM2M entries; libcbor builds an "
                   "item tree)\n",
                   senml_cbor_mb / lib);
    }
#else
    (void)senml_cbor_mb;
    printf("  not available (built without libcbor)\n");
#endif
    return 0;
}
