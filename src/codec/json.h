/* tern — a small JSON tokenizer and writer (RFC 8259) for the JSON content
 * formats (SenML JSON, SenML-ETCH JSON, OMA JSON). Internal header.
 *
 * The reader works on a byte range b[i .. end) of the decoder's scratch; a
 * function that needs bytes past `end` returns TERN_AGAIN (the caller feeds
 * more input) and never reads beyond `end`. String decoding rewrites the
 * string in place (the unescaped text is never longer than the escaped one).
 * Nothing is recursive: nested values are skipped with a bounded bit stack.
 */
#ifndef TERN_CODEC_JSON_H
#define TERN_CODEC_JSON_H

#include "codec/codec_internal.h"

/* Deepest nesting tern_json_skip_value() accepts. */
#define TERN_JSON_MAX_DEPTH 32

/* Where and why the reader failed: `at` is a buffer index. */
typedef struct tern_json_err {
    size_t at;
    const char *why;
} tern_json_err;

/* A number: integers (no '.', 'e', 'E') stay exact when they fit 64 bits. */
typedef enum { TERN_JSON_INT = 0, TERN_JSON_UINT, TERN_JSON_FLOAT } tern_json_num_kind;
typedef struct tern_json_num {
    uint8_t kind; /* tern_json_num_kind */
    int64_t i;    /* INT */
    uint64_t u;   /* UINT: above INT64_MAX */
    double f;     /* FLOAT (also set for INT/UINT) */
} tern_json_num;

/* Index of the first non-whitespace byte at or after i (≤ end). */
size_t tern_json_ws(const uint8_t *b, size_t i, size_t end);

/* Finds the end of the value starting at b[i] (no leading whitespace):
 * *next = one past it. Checks bracket nesting (≤ TERN_JSON_MAX_DEPTH) and
 * string syntax, not the content of numbers and literals. TERN_AGAIN when
 * the value is incomplete (set `last` if no more input will come: then a
 * number or literal may end at `end`). */
int tern_json_skip_value(const uint8_t *b, size_t i, size_t end, bool last, size_t *next, tern_json_err *err);

/* Reads the string at b[i] == '"', decodes escapes (\uXXXX surrogate pairs
 * to UTF-8) in place and checks UTF-8: *out views the decoded text inside b,
 * *next is one past the closing quote. TERN_AGAIN if the string is not
 * complete (nothing is modified then). */
int tern_json_string(uint8_t *b, size_t i, size_t end, tern_bytes *out, size_t *next, tern_json_err *err);

/* Reads the number at b[i]; `last`: end of input ends the number. Strict
 * RFC 8259 grammar; at most 64 characters (TERN_ERANGE beyond). */
int tern_json_number(const uint8_t *b, size_t i, size_t end, bool last, tern_json_num *out, size_t *next,
                     tern_json_err *err);

/* Reads true/false/null at b[i]: *kind 't', 'f' or 'n'. */
int tern_json_literal(const uint8_t *b, size_t i, size_t end, char *kind, size_t *next, tern_json_err *err);

/* ---- writer: each returns TERN_OK or TERN_ENOMEM (then w may hold part of
 * the text: callers rely on the dispatcher rolling back `out`) ---- */
int tern_json_put(tern_wbuf *w, const char *s);
/* "text" with JSON escapes (", \, control characters as \u00XX). */
int tern_json_put_str(tern_wbuf *w, const uint8_t *s, size_t n);
int tern_json_put_i64(tern_wbuf *w, int64_t v);
int tern_json_put_u64(tern_wbuf *w, uint64_t v);
/* Shortest round-trip text, integral values as "3.0"; NaN/Inf TERN_ERANGE. */
int tern_json_put_double(tern_wbuf *w, double v);
/* A time or base time: integral values in ±2^53 as integers ("500"),
 * others as tern_json_put_double. */
int tern_json_put_time(tern_wbuf *w, double v);
/* "key": */
int tern_json_put_key(tern_wbuf *w, const char *key);

/* ---- shared by senml_json.c and senml_etch_json.c ---- */
int tern_senml_json_dec_init(tern_decoder *d, bool etch);
int tern_senml_json_dec_next(tern_decoder *d, tern_entry *e);
int tern_senml_json_enc_init(tern_encoder *e, bool etch);
int tern_senml_json_enc_add(tern_encoder *e, const tern_entry *en, tern_wbuf *out);
int tern_senml_json_enc_finish(tern_encoder *e, tern_wbuf *out);

#endif
