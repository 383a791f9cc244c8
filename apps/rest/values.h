/* tern-server REST API — LwM2M values ↔ JSON: the {"path","type","value"}
 * objects of docs/api.md, converted through the codecs' tern_entry and
 * tern_value types (the same type names as the golden vectors). */
#ifndef TERN_REST_VALUES_H
#define TERN_REST_VALUES_H

#include "rest/json.h"
#include "tern/codec.h"

/* "string", "integer", ...; NULL for TERN_TYPE_NONE. */
const char *rest_type_name(tern_type t);
/* -1 when unknown. */
int rest_type_from_name(const char *s);

/* Writes [{"path","type","value"}, ...]; chunks of one value are joined. */
void rest_write_values(jw *w, const tern_entry *e, size_t n);
/* One value (opaque as lowercase hex). */
void rest_write_value(jw *w, const tern_value *v);

/* Entries built from JSON; strings and opaque bytes are owned (heap). */
typedef struct rest_entries {
    tern_entry *e;
    size_t n, cap;
} rest_entries;

void rest_entries_free(rest_entries *l);
/* Adds one value for `path`: `type` from JSON ("type"), else the model's
 * type for the path, else what the JSON value looks like. NULL or an error
 * message (static). */
const char *rest_entries_add(rest_entries *l, const tern_path *path, const jv *val, const char *type);
/* Parses {"values":[{"path","value","type"?}]} items. Paths that do not
 * start with '/' are relative to `base`. Sorts by path. */
const char *rest_entries_from_json(rest_entries *l, const jv *values, const tern_path *base);
/* Adds a path-only entry (composite requests). */
const char *rest_entries_add_path(rest_entries *l, const tern_path *path);
void rest_entries_sort(rest_entries *l);

/* Hex helpers; hex_decode returns the byte count or -1. */
char *rest_hex(const uint8_t *p, size_t n);
long rest_hex_decode(const char *s, uint8_t *out, size_t cap);

#endif
