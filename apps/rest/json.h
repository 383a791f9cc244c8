/* tern-server REST API — a small JSON writer and reader of its own.
 *
 * Writer: appends to a growable heap buffer; commas are placed by a nesting
 * stack, so callers only say what comes next. Strings are escaped per
 * RFC 8259 (control characters as \u00XX); output is always valid UTF-8 when
 * the inputs are.
 *
 * Reader: parses a whole request body into a tree of heap-allocated jv
 * nodes (freed with jv_free). Depth is bounded (JSON_MAX_DEPTH); numbers
 * keep their text so integers convert exactly.
 */
#ifndef TERN_REST_JSON_H
#define TERN_REST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32

typedef struct jw {
    char *buf;
    size_t len, cap;
    bool oom;
    int depth;
    bool first[JSON_MAX_DEPTH + 1];
    bool after_key;
} jw;

void jw_init(jw *w);
void jw_free(jw *w);
/* Hands the NUL-terminated text over to the caller (free()); NULL on OOM. */
char *jw_take(jw *w, size_t *len);
void jw_obj(jw *w);
void jw_obj_end(jw *w);
void jw_arr(jw *w);
void jw_arr_end(jw *w);
void jw_key(jw *w, const char *k);
void jw_str(jw *w, const char *s);
void jw_strn(jw *w, const char *s, size_t n);
void jw_i64(jw *w, int64_t v);
void jw_u64(jw *w, uint64_t v);
void jw_dbl(jw *w, double v);
void jw_bool(jw *w, bool v);
void jw_null(jw *w);
/* Already-serialised JSON (a value). */
void jw_raw(jw *w, const char *s, size_t n);
/* key + value helpers */
void jw_kstr(jw *w, const char *k, const char *v);
void jw_ki64(jw *w, const char *k, int64_t v);
void jw_kbool(jw *w, const char *k, bool v);

typedef enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ } jv_type;

typedef struct jv {
    jv_type type;
    bool b;
    char *s;           /* JV_STR: decoded, NUL-terminated; JV_NUM: the number's text */
    size_t slen;
    char *key;         /* member name when inside an object */
    struct jv *child;  /* first element / member */
    struct jv *next;   /* next sibling */
    size_t n;          /* number of children */
} jv;

/* Parses text[0..len). Returns the root or NULL with *err set to a static
 * message and *err_off to the byte offset. */
jv *jv_parse(const char *text, size_t len, const char **err, size_t *err_off);
void jv_free(jv *root);
/* Member of an object (NULL when absent or not an object). */
const jv *jv_get(const jv *obj, const char *key);
/* Number conversions: false when not a number or not exact/in range. */
bool jv_i64(const jv *v, int64_t *out);
bool jv_u64(const jv *v, uint64_t *out);
bool jv_dbl(const jv *v, double *out);
bool jv_is_int(const jv *v); /* number without fraction or exponent */

#endif
