/* Test-only JSON DOM reader for the golden vectors (allocates; never part of
 * the core library). Numbers keep their source text so that 64-bit integers
 * beyond 2^53 survive; strings are decoded to UTF-8 (NUL-terminated, `len`
 * also given since "\u0000" is legal). */
#ifndef TERN_TESTS_JDOM_H
#define TERN_TESTS_JDOM_H

#include <stdbool.h>
#include <stddef.h>

typedef enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
    jtype t;
    bool b;          /* J_BOOL */
    double num;      /* J_NUM: value as a double */
    char *s;         /* J_STR: decoded text; J_NUM: the number's source text */
    size_t len;      /* length of s */
    size_t n;        /* J_ARR / J_OBJ: number of items */
    struct jval **items;
    char **keys;     /* J_OBJ: key of each item */
} jval;

/* Parses a complete JSON text. NULL on error with a message in err. */
jval *jparse(const char *text, size_t len, char *err, size_t errcap);
void jfree(jval *v);
/* Member of an object by key, NULL when absent or v is not an object. */
const jval *jget(const jval *v, const char *key);
/* String member or NULL. */
const char *jgets(const jval *v, const char *key);
/* Structural equality: object members in any order, arrays in order,
 * numbers by value (relative tolerance 1e-12), strings byte-exact. */
bool jequal(const jval *a, const jval *b);

#endif
