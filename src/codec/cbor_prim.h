/* tern — internal CBOR primitives (RFC 8949) shared by the CBOR family of
 * content formats: CBOR (60), SenML CBOR (112), SenML-ETCH CBOR (322) and
 * LwM2M CBOR (11544).
 *
 * Reading works on a contiguous window of bytes (the decoder's scratch):
 *   - cbor_head() decodes one initial byte plus argument;
 *   - cbor_item_end() finds where one complete data item ends, walking
 *     nested containers with an explicit bounded stack (no recursion), so a
 *     format can check an element is complete before consuming any of it;
 *   - cbor_scalar() reads one non-container item (integers, strings incl.
 *     indefinite chunked ones, floats of the three widths, simple values,
 *     tags 0/1/4) into a cbor_val;
 *   - cbor_to_value() turns a cbor_val into a tern_value of a wanted type.
 * Writing appends the preferred (shortest) serialisation to a tern_wbuf. */
#ifndef TERN_CBOR_PRIM_H
#define TERN_CBOR_PRIM_H

#include "tern/codec.h"

enum {
    CBOR_UINT = 0,
    CBOR_NINT = 1,
    CBOR_BYTES = 2,
    CBOR_TEXT = 3,
    CBOR_ARRAY = 4,
    CBOR_MAP = 5,
    CBOR_TAG = 6,
    CBOR_SIMPLE = 7,
};

/* Nesting limit for cbor_item_end() (containers and tags). */
#define CBOR_MAX_DEPTH 16

typedef struct cbor_head {
    uint8_t major;
    uint8_t ai;     /* additional information (low 5 bits) */
    bool indef;     /* ai 31: indefinite length (2..5) or break (7) */
    uint64_t arg;   /* argument: value, length, count, tag, simple or float bits */
    size_t len;     /* bytes of the head */
} cbor_head;

/* TERN_OK, TERN_AGAIN (n too short) or TERN_EMALFORMED with *why set. */
int cbor_head_read(const uint8_t *p, size_t n, cbor_head *h, const char **why);

/* Sets *end to the length of the complete data item at p. TERN_AGAIN when
 * it is incomplete, TERN_EMALFORMED (*why) when ill-formed or nested deeper
 * than CBOR_MAX_DEPTH. */
int cbor_item_end(const uint8_t *p, size_t n, size_t *end, const char **why);

/* Kinds of scalar value. */
typedef enum cbor_kind {
    CBV_UINT,   /* u */
    CBV_NINT,   /* i (negative, fits int64) */
    CBV_BIGNEG, /* negative below INT64_MIN: only an error can come of it */
    CBV_BYTES,
    CBV_TEXT,
    CBV_FLOAT,  /* f */
    CBV_BOOL,   /* b */
    CBV_NULL,
    CBV_UNDEF,
} cbor_kind;

typedef struct cbor_val {
    cbor_kind kind;
    uint64_t tag;     /* outermost tag, UINT64_MAX when none */
    uint64_t u;
    int64_t i;
    double f;
    bool b;
    const uint8_t *ptr; /* BYTES/TEXT: contiguous (indefinite chunks compacted) */
    size_t len;
} cbor_val;

#define CBOR_NO_TAG UINT64_MAX

/* Reads one scalar item (tags 0, 1 and 4 as LwM2M peers use them; other
 * tags are skipped) at p[0..n). The item must be complete (checked with
 * cbor_item_end() first): indefinite strings are compacted in place, which
 * is why p is writable. *used is set to the item's length. A container
 * gives TERN_ETYPE; ill-formed input TERN_EMALFORMED. */
int cbor_scalar(uint8_t *p, size_t n, cbor_val *v, size_t *used, const char **why);

/* Converts a scalar into a tern_value. `want` is the model type, or
 * TERN_TYPE_NONE to take what CBOR says (uint -> integer, or unsigned above
 * INT64_MAX; tag 0/1 -> time; bytes -> opaque; text -> string; null ->
 * none). A mismatch gives TERN_ETYPE, an out-of-range number TERN_ERANGE. */
int cbor_to_value(const cbor_val *v, tern_type want, tern_value *out, const char **why);

/* Parses "oid:iid" (an optional trailing NUL, as Zephyr writes it). */
int cbor_parse_objlnk(const uint8_t *p, size_t n, tern_objlnk *out);
/* Parses an RFC 3339 date-time into seconds since the epoch. */
int cbor_parse_rfc3339(const uint8_t *p, size_t n, int64_t *out);

/* ---- writing: every function appends or returns TERN_ENOMEM (then the
 * buffer may hold a partial item; callers roll back to their mark). */
int cbor_put_head(tern_wbuf *w, uint8_t major, uint64_t arg);
int cbor_put_int(tern_wbuf *w, int64_t v);
int cbor_put_uint(tern_wbuf *w, uint64_t v);
/* Shortest of half/single/double that represents v exactly. */
int cbor_put_float(tern_wbuf *w, double v);
int cbor_put_bytes(tern_wbuf *w, uint8_t major, const void *p, size_t n);
int cbor_put_bool(tern_wbuf *w, bool b);
int cbor_put_null(tern_wbuf *w);
/* Formats "oid:iid" into out (≥ 12 bytes); returns its length. */
size_t cbor_fmt_objlnk(tern_objlnk l, char *out);

/* Time as written by the format. */
typedef enum cbor_time_style {
    CBOR_TIME_INT,  /* plain integer (LwM2M CBOR, SenML) */
    CBOR_TIME_TAG1, /* tag 1 + integer (CBOR 60) */
} cbor_time_style;

/* Writes a typed value: Objlnk as text "oid:iid", Corelnk as text, Opaque
 * as a byte string, None as null. */
int cbor_put_value(tern_wbuf *w, const tern_value *v, cbor_time_style ts);

/* ---- duplicate path detection for streaming decoders ----
 * Entries that come in strictly increasing tern_path_cmp order (and are not
 * nested in each other) can only clash with the latest one; entries out of
 * that order are checked against the remembered ends of each ascending run.
 * Exact when each run is checked at its ends, which covers documents written
 * in order, documents in request order and every duplicate of the run ends;
 * after CBOR_DUP_RUNS runs the check is no longer complete (documented). */
#define CBOR_DUP_RUNS 4

typedef struct cbor_dupcheck {
    uint8_t runs;
    bool overflow;
    struct {
        tern_path lo, hi;
        uint32_t dev; /* gateway prefix identity (hash), 0 = none */
    } run[CBOR_DUP_RUNS];
} cbor_dupcheck;

/* TERN_OK or TERN_EDUPLICATE when p equals or nests in (or around) a path
 * already seen for the same device `dev`. */
int cbor_dup_add(cbor_dupcheck *c, const tern_path *p, uint32_t dev);
/* Identity of a gateway prefix for cbor_dup_add (0 for none). */
uint32_t cbor_dev_id(const uint8_t *p, size_t n);

/* ---- SenML CBOR (112) and SenML-ETCH CBOR (322) share one implementation
 * (senml_cbor.c); ETCH differs only in its SenML semantics (null deletes). */
int tern_senml_cbor_dec_init(tern_decoder *d, bool etch);
int tern_senml_cbor_dec_next(tern_decoder *d, tern_entry *e);
int tern_senml_cbor_enc_init(tern_encoder *e, bool etch);
int tern_senml_cbor_enc_add(tern_encoder *e, const tern_entry *en, tern_wbuf *out);
int tern_senml_cbor_enc_finish(tern_encoder *e, tern_wbuf *out);

#endif
