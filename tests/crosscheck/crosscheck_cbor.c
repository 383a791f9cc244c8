/* Writes CBOR-family documents encoded by tern (CBOR 60, LwM2M CBOR, SenML
 * CBOR, SenML-ETCH CBOR) into DIR as <name>.cbor, each with <name>.json
 * describing the expected content: {"cf":..,"nodes":[{"path","prefix",
 * "type","value"}]}. check_cbor.py decodes them independently (cbor2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/codec.h"

static uint8_t big_op[1000], out[65536], scratch[65536];
static char big_str[1001];

static tern_entry val(int len, uint16_t o, uint16_t i, uint16_t r, uint16_t ri, tern_value v)
{
    tern_entry e;
    memset(&e, 0, sizeof e);
    e.kind = TERN_ENTRY_VALUE;
    e.path = tern_path_make(len, o, i, r, ri);
    e.value = v;
    return e;
}

static tern_value vs(const char *s, tern_type t)
{
    tern_value v = {.type = t};
    v.v.bytes.ptr = (const uint8_t *)s;
    v.v.bytes.len = strlen(s);
    return v;
}

static tern_value vop(const uint8_t *p, size_t n)
{
    tern_value v = {.type = TERN_TYPE_OPAQUE};
    v.v.bytes.ptr = p;
    v.v.bytes.len = n;
    return v;
}

static tern_value vi(int64_t i, tern_type t)
{
    tern_value v = {.type = t};
    v.v.i = i;
    return v;
}

static tern_value vu(uint64_t u)
{
    tern_value v = {.type = TERN_TYPE_UNSIGNED};
    v.v.u = u;
    return v;
}

static tern_value vf(double f)
{
    tern_value v = {.type = TERN_TYPE_FLOAT};
    v.v.f = f;
    return v;
}

static tern_value vb(bool b)
{
    tern_value v = {.type = TERN_TYPE_BOOLEAN};
    v.v.b = b;
    return v;
}

static tern_value vl(uint16_t o, uint16_t i)
{
    tern_value v = {.type = TERN_TYPE_OBJLNK};
    v.v.lnk.oid = o;
    v.v.lnk.iid = i;
    return v;
}

static void json_str(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            fprintf(f, "\\%c", p[i]);
        else if (p[i] < 0x20)
            fprintf(f, "\\u%04x", p[i]);
        else
            fputc(p[i], f);
    }
    fputc('"', f);
}

static void json_entry(FILE *f, const tern_entry *e)
{
    char path[40];
    tern_path_format(&e->path, path, sizeof path);
    fprintf(f, "{\"path\":\"%s\",\"prefix\":", path);
    json_str(f, e->prefix.ptr, e->prefix.len);
    const tern_value *v = &e->value;
    if (e->kind == TERN_ENTRY_EMPTY_INSTANCE || e->kind == TERN_ENTRY_EMPTY_MULTI) {
        fprintf(f, ",\"type\":\"%s\",\"value\":null}", e->kind == TERN_ENTRY_EMPTY_INSTANCE ? "instance" : "multiple");
        return;
    }
    fprintf(f, ",\"type\":\"%s\",\"value\":", tern_type_name(v->type));
    switch (v->type) {
    case TERN_TYPE_STRING:
    case TERN_TYPE_CORELNK: json_str(f, v->v.bytes.ptr, v->v.bytes.len); break;
    case TERN_TYPE_OPAQUE:
        fputc('"', f);
        for (size_t i = 0; i < v->v.bytes.len; i++)
            fprintf(f, "%02x", v->v.bytes.ptr[i]);
        fputc('"', f);
        break;
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME: fprintf(f, "\"%lld\"", (long long)v->v.i); break;
    case TERN_TYPE_UNSIGNED: fprintf(f, "\"%llu\"", (unsigned long long)v->v.u); break;
    case TERN_TYPE_FLOAT:
        if (isnan(v->v.f))
            fprintf(f, "\"NaN\"");
        else if (isinf(v->v.f))
            fprintf(f, "\"%s\"", v->v.f > 0 ? "Infinity" : "-Infinity");
        else if (v->v.f == floor(v->v.f) && fabs(v->v.f) < 1e15)
            fprintf(f, "%.1f", v->v.f); /* keeps -0.0 and float-ness */
        else
            fprintf(f, "%.17g", v->v.f);
        break;
    case TERN_TYPE_BOOLEAN: fprintf(f, "%s", v->v.b ? "true" : "false"); break;
    case TERN_TYPE_OBJLNK: fprintf(f, "\"%u:%u\"", v->v.lnk.oid, v->v.lnk.iid); break;
    default: fprintf(f, "null"); break;
    }
    fputc('}', f);
}

static size_t scratch_cap = sizeof scratch;

static int emit(const char *dir, const char *name, int32_t cf, const tern_path *rp, const tern_entry *es, size_t n)
{
    tern_encoder e;
    if (tern_encoder_init(&e, cf, rp, scratch, scratch_cap))
        return -1;
    tern_wbuf w = tern_wbuf_make(out, sizeof out);
    int arc = TERN_OK;
    for (size_t i = 0; i < n; i++)
        if ((arc = tern_encoder_add(&e, &es[i], &w)) == TERN_AGAIN)
            i--; /* streaming encoder wrote pending bytes: repeat */
        else if (arc) {
            fprintf(stderr, "%s: add %zu: %s\n", name, i, e.err_reason ? e.err_reason : "?");
            return -1;
        }
    if (tern_encoder_finish(&e, &w)) {
        fprintf(stderr, "%s: finish failed\n", name);
        return -1;
    }
    char fn[512];
    bool json = cf == TERN_CF_SENML_JSON || cf == TERN_CF_SENML_ETCH_JSON || cf == TERN_CF_OMA_JSON;
    snprintf(fn, sizeof fn, "%s/%s.%s", dir, name, json ? "jdoc" : "cbor");
    FILE *f = fopen(fn, "wb");
    if (!f || fwrite(out, 1, w.len, f) != w.len)
        return -1;
    fclose(f);
    snprintf(fn, sizeof fn, "%s/%s.json", dir, name);
    f = fopen(fn, "w");
    if (!f)
        return -1;
    fprintf(f, "{\"cf\":%d,\"nodes\":[", (int)cf);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        json_entry(f, &es[i]);
    }
    fprintf(f, "]}\n");
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *dir = argv[1];
    for (size_t i = 0; i < sizeof big_op; i++)
        big_op[i] = (uint8_t)(i * 7);
    memset(big_str, 'x', sizeof big_str - 1);
    /* one value of every type and edge, at /3442/0/<n> */
    tern_value vals[] = {
        vs("Open Mobile Alliance", TERN_TYPE_STRING), vs("", TERN_TYPE_STRING), vs("\xe2\x82\xac \"q\" \\", TERN_TYPE_STRING),
        vs(big_str, TERN_TYPE_STRING), vi(0, TERN_TYPE_INTEGER), vi(23, TERN_TYPE_INTEGER), vi(24, TERN_TYPE_INTEGER),
        vi(-25, TERN_TYPE_INTEGER), vi(65536, TERN_TYPE_INTEGER), vi(INT64_MAX, TERN_TYPE_INTEGER),
        vi(INT64_MIN, TERN_TYPE_INTEGER), vu(UINT64_MAX), vu(0), vf(1.5), vf(100000.0), vf(0.1), vf(-0.0), vf(65504.0),
        vf(5.960464477539063e-08), vf(1e300), vf(NAN), vf(-INFINITY), vb(true), vb(false), vop(big_op, 3),
        vop(big_op, 0), vop(big_op, sizeof big_op), vi(1367491215, TERN_TYPE_TIME), vi(-1, TERN_TYPE_TIME), vl(3, 0),
        vl(65535, 65535), vs("</3/0>;ct=60", TERN_TYPE_CORELNK),
    };
    enum { NV = sizeof vals / sizeof vals[0] };
    tern_entry all[NV + 16];
    size_t n = 0;
    int fails = 0;
    for (size_t i = 0; i < NV; i++)
        all[n++] = val(3, 3442, 0, (uint16_t)(100 + i), 0, vals[i]);
    /* a multiple-instance resource, a second instance and a second object */
    all[n++] = val(4, 3442, 0, 200, 0, vi(1, TERN_TYPE_INTEGER));
    all[n++] = val(4, 3442, 0, 200, 7, vi(5, TERN_TYPE_INTEGER));
    all[n++] = val(4, 3442, 0, 200, 65534, vs("last", TERN_TYPE_STRING));
    all[n++] = val(3, 3442, 1, 100, 0, vs("second instance", TERN_TYPE_STRING));
    all[n++] = val(3, 1, 0, 1, 0, vi(86400, TERN_TYPE_INTEGER));
    all[n++] = val(3, 1, 1, 1, 0, vi(300, TERN_TYPE_INTEGER));
    char name[64];
    /* CBOR (60): each value alone */
    for (size_t i = 0; i < NV; i++) {
        snprintf(name, sizeof name, "cbor60_%02zu", i);
        tern_path rp = all[i].path;
        fails += emit(dir, name, TERN_CF_CBOR, &rp, &all[i], 1) != 0;
    }
    tern_path root = tern_path_root();
    tern_path inst = tern_path_make(2, 3442, 0, 0, 0);
    tern_path obj = tern_path_make(1, 3442, 0, 0, 0);
    int32_t multi[] = {TERN_CF_LWM2M_CBOR, TERN_CF_SENML_CBOR, TERN_CF_SENML_ETCH_CBOR};
    /* senml.c refuses NaN/Infinity for every SenML (JSON cannot carry them) */
    static tern_entry fin[NV + 16];
    size_t nf = 0, nf_inst = 0, nf_obj = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == NV + 3)
            nf_inst = nf;
        if (i == NV + 4)
            nf_obj = nf;
        if (all[i].value.type == TERN_TYPE_FLOAT && !isfinite(all[i].value.v.f))
            continue;
        fin[nf++] = all[i];
    }
    for (size_t k = 0; k < 3; k++) {
        const tern_entry *src = k == 0 ? all : fin;
        size_t c_inst = k == 0 ? NV + 3 : nf_inst, c_obj = k == 0 ? NV + 4 : nf_obj, c_all = k == 0 ? n : nf;
        const char *fn = k == 0 ? "lwm2m" : k == 1 ? "senml" : "etch";
        snprintf(name, sizeof name, "%s_instance", fn);
        fails += emit(dir, name, multi[k], &inst, src, c_inst) != 0;
        snprintf(name, sizeof name, "%s_object", fn);
        fails += emit(dir, name, multi[k], &obj, src, c_obj) != 0;
        snprintf(name, sizeof name, "%s_composite", fn);
        fails += emit(dir, name, multi[k], &root, src, c_all) != 0;
        snprintf(name, sizeof name, "%s_single", fn);
        tern_path rp = all[0].path;
        fails += emit(dir, name, multi[k], &rp, all, 1) != 0;
    }
    /* LwM2M CBOR only: empty containers and gateway prefixes */
    tern_entry ex[3];
    memset(ex, 0, sizeof ex);
    ex[0].kind = TERN_ENTRY_EMPTY_INSTANCE;
    ex[0].path = tern_path_make(2, 3442, 5, 0, 0);
    ex[1].kind = TERN_ENTRY_EMPTY_MULTI;
    ex[1].path = tern_path_make(3, 3442, 6, 200, 0);
    ex[2] = val(3, 3, 0, 0, 0, vs("gw device", TERN_TYPE_STRING));
    ex[2].prefix.ptr = (const uint8_t *)"dev1";
    ex[2].prefix.len = 4;
    fails += emit(dir, "lwm2m_empty_prefix", TERN_CF_LWM2M_CBOR, &root, ex, 3) != 0;
    /* documents larger than a 512-byte scratch: indefinite-length form */
    static tern_entry many[400];
    static char txt[400][16];
    for (size_t i = 0; i < 400; i++) {
        snprintf(txt[i], sizeof txt[i], "s%zu", i);
        many[i] = i % 2 ? val(3, 3442, (uint16_t)(i / 40), (uint16_t)(i % 40), 0, vs(txt[i], TERN_TYPE_STRING))
                        : val(4, 3442, (uint16_t)(i / 40), (uint16_t)(i % 40), 3, vi((int64_t)i * -1000, TERN_TYPE_INTEGER));
    }
    scratch_cap = 512;
    for (size_t k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "%s_stream", k == 0 ? "lwm2m" : k == 1 ? "senml" : "etch");
        fails += emit(dir, name, multi[k], &root, many, 400) != 0;
    }
    /* the JSON formats, checked with Python's json module */
    scratch_cap = sizeof scratch;
    int32_t jf[] = {TERN_CF_SENML_JSON, TERN_CF_SENML_ETCH_JSON, TERN_CF_OMA_JSON};
    const char *jn[] = {"senmljson", "etchjson", "omajson"};
    for (size_t k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "%s_instance", jn[k]);
        fails += emit(dir, name, jf[k], &inst, fin, nf_inst) != 0;
        snprintf(name, sizeof name, "%s_object", jn[k]);
        fails += emit(dir, name, jf[k], &obj, fin, nf_obj) != 0;
        if (jf[k] != TERN_CF_OMA_JSON) { /* OMA JSON has no composite */
            snprintf(name, sizeof name, "%s_composite", jn[k]);
            fails += emit(dir, name, jf[k], &root, fin, nf) != 0;
        }
    }
    printf("crosscheck_cbor: documents written, %d failures\n", fails);
    return fails ? 1 : 0;
}
