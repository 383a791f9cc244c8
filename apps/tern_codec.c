/* tern-codec: decode, pretty-print and convert LwM2M payloads from the
 * command line (docs/tern-codec.md). A user's debugging tool: it allocates. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/codec.h"
#include "tern/model.h"

enum { EXIT_USAGE = 2, EXIT_BADINPUT = 1, EXIT_ENCODE = 3 };

static const char usage_text[] =
    "usage: tern-codec decode  --format F [--path P] [--no-model] [--chunk N] INPUT\n"
    "       tern-codec convert --from F --to G [--path P] [--no-model] [--out FILE] INPUT\n"
    "       tern-codec formats\n"
    "       tern-codec --help\n"
    "\n"
    "Decodes an LwM2M payload and prints its entries (path, type, value, time),\n"
    "or re-encodes it in another content format.\n"
    "\n"
    "INPUT is one of:\n"
    "  --hex HEX        the payload as hex digits (spaces and ':' ignored)\n"
    "  --text STRING    the payload as literal text (JSON, plain text)\n"
    "  --file FILE      the payload is the raw content of FILE\n"
    "  -                the payload is read from standard input (raw bytes)\n"
    "\n"
    "Options:\n"
    "  --format F, --from F  content format of the input: a name from\n"
    "                   'tern-codec formats' (tlv, senml-json, lwm2m-cbor, ...)\n"
    "                   or a CoAP content-format number (11542)\n"
    "  --to G           content format to convert to (convert only)\n"
    "  --path P         request path the payload belongs to, e.g. /3/0 (default /);\n"
    "                   single-value formats (text, opaque, cbor) need a\n"
    "                   resource path such as /3/0/0\n"
    "  --no-model       do not look types up in the built-in OMA registry: TLV\n"
    "                   values come out as opaque, plain text as string\n"
    "  --chunk N        feed the decoder N bytes at a time (tests streaming)\n"
    "  --out FILE       convert: write the raw output bytes to FILE instead of\n"
    "                   printing them (binary formats print as hex, text as text)\n"
    "  -h, --help       this text\n"
    "\n"
    "Exit status: 0 success, 1 the input does not decode (the offset and the\n"
    "reason are printed), 2 usage error, 3 the target format refused an entry.\n"
    "\n"
    "Examples:\n"
    "  tern-codec decode --format tlv --path /3/0 --hex 'c8 00 14 4f70656e204d6f62696c6520416c6c69616e6365'\n"
    "  tern-codec decode --format senml-json --text '[{\"bn\":\"/3/0/\",\"n\":\"9\",\"v\":87}]'\n"
    "  tern-codec convert --from tlv --to senml-json --path /3/0/9 --hex 'c10957'\n"
    "  tern-codec convert --from senml-json --to lwm2m-cbor --file read.json --out read.cbor\n"
    "  coap-client -m get coap://dev/3/0 -A 11542 -o - | tern-codec decode --format tlv --path /3/0 -\n";

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "tern-codec: out of memory\n");
        exit(EXIT_FAILURE);
    }
    return p;
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "tern-codec: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "try 'tern-codec --help'\n");
    return EXIT_USAGE;
}

static bool is_binary(int32_t cf)
{
    return cf == TERN_CF_OPAQUE || cf == TERN_CF_CBOR || cf == TERN_CF_SENML_CBOR || cf == TERN_CF_SENML_ETCH_CBOR ||
           cf == TERN_CF_TLV || cf == TERN_CF_LWM2M_CBOR;
}

/* Hex digits to bytes; -1 on a bad digit or an odd count. */
static long parse_hex(const char *s, uint8_t *out)
{
    long n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9') v = *s - '0';
        else if (*s >= 'a' && *s <= 'f') v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F') v = *s - 'A' + 10;
        else if (*s == ' ' || *s == ':' || *s == '\n' || *s == '\t') continue;
        else return -1;
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? n : -1;
}

static uint8_t *read_stream(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    uint8_t *b = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            b = realloc(b, cap);
            if (!b) {
                fprintf(stderr, "tern-codec: out of memory\n");
                exit(EXIT_FAILURE);
            }
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    *len = n;
    return b;
}

static void print_value(const tern_entry *e)
{
    const tern_value *v = &e->value;
    switch (v->type) {
    case TERN_TYPE_INTEGER: printf("%" PRId64, v->v.i); break;
    case TERN_TYPE_TIME: printf("%" PRId64, v->v.i); break;
    case TERN_TYPE_UNSIGNED: printf("%" PRIu64, v->v.u); break;
    case TERN_TYPE_FLOAT:
        if (isnan(v->v.f)) printf("NaN");
        else if (isinf(v->v.f)) printf(v->v.f > 0 ? "Infinity" : "-Infinity");
        else printf("%.17g", v->v.f);
        break;
    case TERN_TYPE_BOOLEAN: printf("%s", v->v.b ? "true" : "false"); break;
    case TERN_TYPE_OBJLNK: printf("%u:%u", v->v.lnk.oid, v->v.lnk.iid); break;
    case TERN_TYPE_OPAQUE:
        printf("0x");
        for (size_t i = 0; i < v->v.bytes.len; i++)
            printf("%02x", v->v.bytes.ptr[i]);
        printf(" (%zu bytes)", v->v.bytes.len);
        break;
    case TERN_TYPE_STRING:
    case TERN_TYPE_CORELNK:
        putchar('"');
        for (size_t i = 0; i < v->v.bytes.len; i++) {
            uint8_t c = v->v.bytes.ptr[i];
            if (c == '"' || c == '\\') printf("\\%c", c);
            else if (c < 0x20 || c == 0x7f) printf("\\x%02x", c);
            else putchar(c);
        }
        putchar('"');
        break;
    default: printf("(no value)"); break;
    }
}

static void print_entry(const tern_entry *e)
{
    char path[48];
    if (tern_path_format(&e->path, path, sizeof path) < 0)
        snprintf(path, sizeof path, "?");
    if (e->prefix.len)
        printf("[%.*s] ", (int)e->prefix.len, (const char *)e->prefix.ptr);
    printf("%-14s ", path);
    switch (e->kind) {
    case TERN_ENTRY_PATH_ONLY: printf("(path only)"); break;
    case TERN_ENTRY_EMPTY_INSTANCE: printf("(empty object instance)"); break;
    case TERN_ENTRY_EMPTY_MULTI: printf("(empty multiple-instance resource)"); break;
    default:
        printf("%-16s ", tern_type_name(e->value.type));
        print_value(e);
        break;
    }
    if (e->has_time)
        printf("  t=%.17g", e->time);
    if (e->offset || e->more)
        printf("  [chunk at %" PRIu32 "%s]", e->offset, e->more ? ", more follows" : "");
    putchar('\n');
}

static int list_formats(void)
{
    static const int32_t cfs[] = {TERN_CF_TEXT,        TERN_CF_LINK,       TERN_CF_OPAQUE,
                                  TERN_CF_CBOR,        TERN_CF_SENML_JSON, TERN_CF_SENML_CBOR,
                                  TERN_CF_SENML_ETCH_JSON, TERN_CF_SENML_ETCH_CBOR, TERN_CF_TLV,
                                  TERN_CF_OMA_JSON,    TERN_CF_LWM2M_CBOR};
    uint8_t scratch[64];
    printf("%-16s %6s  %-6s %-6s %s\n", "name", "cf", "decode", "encode", "output");
    for (size_t i = 0; i < TERN_ARRAY_LEN(cfs); i++) {
        tern_decoder d;
        tern_encoder e;
        tern_path root = tern_path_root();
        bool dec = !(tern_decoder_init(&d, cfs[i], &root, NULL, NULL, scratch, sizeof scratch) ==
                         TERN_EUNSUPPORTED &&
                     !d.vt);
        bool enc = !(tern_encoder_init(&e, cfs[i], &root, scratch, sizeof scratch) == TERN_EUNSUPPORTED && !e.vt);
        const char *note = cfs[i] == TERN_CF_LINK ? "text (CoRE link format: see tern/linkfmt.h, not entries)"
                                                  : is_binary(cfs[i]) ? "hex" : "text";
        printf("%-16s %6d  %-6s %-6s %s\n", tern_cf_name(cfs[i]), (int)cfs[i], dec ? "yes" : "no",
               enc ? "yes" : "no", note);
    }
    return 0;
}

typedef struct opts {
    const char *cmd;
    const char *from, *to, *path, *hex, *text, *file, *out;
    bool stdin_in, no_model;
    size_t chunk;
} opts;

static int load_input(const opts *o, uint8_t **buf, size_t *len)
{
    int sources = (o->hex != NULL) + (o->text != NULL) + (o->file != NULL) + o->stdin_in;
    if (sources != 1)
        return usage_error("give exactly one input: --hex, --text, --file or -", NULL);
    if (o->hex) {
        *buf = xmalloc(strlen(o->hex) / 2 + 1);
        long n = parse_hex(o->hex, *buf);
        if (n < 0)
            return usage_error("bad hex input (odd number of digits or a non-hex character)", NULL);
        *len = (size_t)n;
    } else if (o->text) {
        *len = strlen(o->text);
        *buf = xmalloc(*len + 1);
        memcpy(*buf, o->text, *len);
    } else {
        FILE *f = o->file ? fopen(o->file, "rb") : stdin;
        if (!f) {
            fprintf(stderr, "tern-codec: cannot open %s: %s\n", o->file, strerror(errno));
            return EXIT_USAGE;
        }
        *buf = read_stream(f, len);
        if (o->file)
            fclose(f);
    }
    return 0;
}

static int run(const opts *o)
{
    bool convert = strcmp(o->cmd, "convert") == 0;
    if (!o->from)
        return usage_error(convert ? "missing --from" : "missing --format", NULL);
    int32_t from = tern_cf_from_name(o->from);
    if (from == TERN_CF_NONE)
        return usage_error("unknown format (see 'tern-codec formats')", o->from);
    int32_t to = TERN_CF_NONE;
    if (convert) {
        if (!o->to)
            return usage_error("missing --to", NULL);
        to = tern_cf_from_name(o->to);
        if (to == TERN_CF_NONE)
            return usage_error("unknown format (see 'tern-codec formats')", o->to);
    } else if (o->to || o->out) {
        return usage_error("--to and --out belong to 'convert'", NULL);
    }
    tern_path path = tern_path_root();
    if (o->path) {
        int rc = tern_path_parse(&path, o->path, strlen(o->path));
        if (rc < 0)
            return usage_error("bad --path (expected /O, /O/I, /O/I/R or /O/I/R/RI)", o->path);
    }
    uint8_t *in = NULL;
    size_t len = 0;
    int rc = load_input(o, &in, &len);
    if (rc)
        return rc;

    size_t scap = len + 4096;
    uint8_t *scratch = xmalloc(scap);
    tern_decoder d;
    const tern_registry *reg = tern_registry_std();
    rc = tern_decoder_init(&d, from, &path, o->no_model ? NULL : tern_registry_type_fn,
                           o->no_model ? NULL : (void *)(uintptr_t)reg, scratch, scap);
    if (rc < 0) {
        fprintf(stderr, "tern-codec: cannot decode %s: %s\n", o->from,
                d.err_reason ? d.err_reason : tern_strerror(rc));
        free(in);
        free(scratch);
        return EXIT_USAGE;
    }
    tern_encoder e;
    uint8_t *escratch = NULL, *out = NULL;
    tern_wbuf w = {NULL, 0, 0};
    if (convert) {
        escratch = xmalloc(65536);
        rc = tern_encoder_init(&e, to, &path, escratch, 65536);
        if (rc < 0) {
            fprintf(stderr, "tern-codec: cannot encode %s: %s\n", o->to,
                    e.err_reason ? e.err_reason : tern_strerror(rc));
            free(in);
            free(scratch);
            free(escratch);
            return EXIT_USAGE;
        }
        size_t ocap = len * 8 + 65536;
        out = xmalloc(ocap);
        w = tern_wbuf_make(out, ocap);
    }

    int status = 0;
    size_t pos = 0, count = 0;
    for (;;) {
        size_t n = o->chunk ? TERN_MIN(o->chunk, len - pos) : len - pos;
        rc = tern_decoder_feed(&d, in + pos, n, pos + n == len);
        if (rc < 0)
            break;
        pos += n;
        tern_entry en;
        while ((rc = tern_decoder_next(&d, &en)) == TERN_OK) {
            count++;
            if (!convert) {
                print_entry(&en);
                continue;
            }
            int erc = tern_encoder_add(&e, &en, &w);
            if (erc == TERN_AGAIN)
                erc = TERN_ENOMEM; /* the whole output is kept in one buffer */
            if (erc < 0) {
                char ps[48];
                tern_path_format(&en.path, ps, sizeof ps);
                fprintf(stderr, "tern-codec: %s refused entry %zu (%s): %s\n", o->to, count, ps,
                        e.err_reason ? e.err_reason : tern_strerror(erc));
                status = EXIT_ENCODE;
                break;
            }
        }
        if (status || rc == TERN_DONE || rc < 0 || pos == len)
            break;
    }
    if (!status && rc < 0) {
        fprintf(stderr, "tern-codec: %s input does not decode: offset %zu: %s (%s)\n", tern_cf_name(from),
                d.err_offset, d.err_reason ? d.err_reason : "", tern_strerror(rc));
        status = EXIT_BADINPUT;
    } else if (!status && rc == TERN_AGAIN) {
        fprintf(stderr, "tern-codec: %s input ends early (offset %zu)\n", tern_cf_name(from), len);
        status = EXIT_BADINPUT;
    }
    if (!status && convert) {
        int erc = tern_encoder_finish(&e, &w);
        if (erc < 0) {
            fprintf(stderr, "tern-codec: %s: %s\n", o->to, e.err_reason ? e.err_reason : tern_strerror(erc));
            status = EXIT_ENCODE;
        } else if (o->out) {
            FILE *f = fopen(o->out, "wb");
            if (!f || fwrite(w.ptr, 1, w.len, f) != w.len || fclose(f) != 0) {
                fprintf(stderr, "tern-codec: cannot write %s: %s\n", o->out, strerror(errno));
                status = EXIT_FAILURE;
            }
        } else if (is_binary(to)) {
            for (size_t i = 0; i < w.len; i++)
                printf("%02x", w.ptr[i]);
            putchar('\n');
        } else {
            fwrite(w.ptr, 1, w.len, stdout);
            putchar('\n');
        }
    } else if (!status && !convert && count == 0) {
        printf("(no entries)\n");
    }
    free(in);
    free(scratch);
    free(escratch);
    free(out);
    return status;
}

int main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    if (argc < 2)
        return usage_error("missing command (decode, convert, formats)", NULL);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
    o.cmd = argv[1];
    if (strcmp(o.cmd, "formats") == 0)
        return argc == 2 ? list_formats() : usage_error("'formats' takes no arguments", NULL);
    if (strcmp(o.cmd, "decode") != 0 && strcmp(o.cmd, "convert") != 0)
        return usage_error("unknown command", o.cmd);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "-") == 0) {
            o.stdin_in = true;
            continue;
        }
        if (strcmp(a, "--no-model") == 0) {
            o.no_model = true;
            continue;
        }
        if (strcmp(a, "--format") == 0 || strcmp(a, "--from") == 0) slot = &o.from;
        else if (strcmp(a, "--to") == 0) slot = &o.to;
        else if (strcmp(a, "--path") == 0) slot = &o.path;
        else if (strcmp(a, "--hex") == 0) slot = &o.hex;
        else if (strcmp(a, "--text") == 0) slot = &o.text;
        else if (strcmp(a, "--file") == 0) slot = &o.file;
        else if (strcmp(a, "--out") == 0) slot = &o.out;
        else if (strcmp(a, "--chunk") == 0) {
            if (i + 1 >= argc)
                return usage_error("missing value for", a);
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v <= 0)
                return usage_error("--chunk needs a positive number", argv[i]);
            o.chunk = (size_t)v;
            continue;
        } else
            return usage_error("unknown option", a);
        if (i + 1 >= argc)
            return usage_error("missing value for", a);
        *slot = argv[++i];
    }
    return run(&o);
}
