/* tern CLI — a small JSON reader for tern-server's responses and a string
 * builder for request bodies. The reader builds a tree (the CLI may allocate);
 * it is strict RFC 8259 with a nesting bound, and keeps each number's text so
 * values print exactly as the server sent them. */
#ifndef TERN_CLI_JSON_H
#define TERN_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum cj_kind { CJ_NULL, CJ_BOOL, CJ_NUMBER, CJ_STRING, CJ_ARRAY, CJ_OBJECT } cj_kind;

typedef struct cj_node {
    cj_kind kind;
    bool b;                  /* CJ_BOOL */
    double num;              /* CJ_NUMBER */
    char *text;              /* CJ_NUMBER: source text; CJ_STRING: decoded UTF-8, NUL-terminated */
    size_t text_len;         /* CJ_STRING may hold NUL bytes */
    char *key;               /* member name when the parent is an object */
    struct cj_node *child;   /* first element / member */
    struct cj_node *next;    /* next sibling */
    size_t count;            /* number of children */
} cj_node;

#define CJ_MAX_DEPTH 64

/* Parses a whole document (trailing whitespace only). Returns the root, owned
 * by the caller (cj_free), or NULL with a message in err. */
cj_node *cj_parse(const char *s, size_t len, char *err, size_t errcap);
void cj_free(cj_node *n);

/* Member of an object by name (first match), or NULL. */
const cj_node *cj_get(const cj_node *obj, const char *key);
/* String member's text, or NULL when absent or not a string. */
const char *cj_get_str(const cj_node *obj, const char *key);
/* Any scalar as text for display: string as is, number as sent, true/false,
 * null → "null"; arrays/objects → NULL. */
const char *cj_scalar_text(const cj_node *n);

/* ---- growable string ---- */
typedef struct cj_buf {
    char *p;     /* NUL-terminated, owned; NULL until the first append */
    size_t len;
    size_t cap;
    bool oom;    /* sticky allocation failure */
} cj_buf;

void cj_buf_add(cj_buf *b, const char *s, size_t n);
void cj_buf_puts(cj_buf *b, const char *s);
void cj_buf_printf(cj_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a quoted JSON string. */
void cj_buf_json_str(cj_buf *b, const char *s);
void cj_buf_free(cj_buf *b);

#endif
