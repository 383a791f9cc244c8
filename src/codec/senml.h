/* tern — format-independent SenML record logic (RFC 8428, RFC 8790,
 * LwM2M 1.2 Core §7.4.4 SenML JSON, §7.4.5 SenML CBOR, §7.4.7 ETCH).
 *
 * The SenML codecs (senml_json.c, senml_etch_json.c, senml_cbor.c,
 * senml_etch_cbor.c) only do syntax: they parse one record into a
 * tern_senml_rec and hand it to tern_senml_dec_record(), which keeps the
 * running base state (bn, bt, bv), resolves the name to a full path and turns
 * the value into a typed tern_value using the model. On the encode side
 * tern_senml_enc_plan() turns an entry into the fields of one record
 * (bn/n compression, value field), and tern_senml_enc_commit() records the
 * new base state once the syntax layer wrote the record (atomic encoders).
 *
 * Internal header: not installed.
 */
#ifndef TERN_CODEC_SENML_H
#define TERN_CODEC_SENML_H

#include "codec/codec_internal.h"

/* Longest name (bn, n, and bn + n) handled, in bytes: "/prefix/65534/65534/
 * 65534/65534" with a Gateway prefix of up to 47 bytes. Longer names are
 * rejected (TERN_ETOOBIG). */
#define TERN_SENML_NAME_MAX 72

/* ---- record fields ---- */

/* Field ids; the JSON labels and CBOR integer labels of RFC 8428 Table 4,
 * plus "vlo" (LwM2M Objlnk, Core Table 7.4.4-1; CBOR uses the text key
 * "vlo"). */
typedef enum tern_senml_key {
    TERN_SENML_K_UNKNOWN = 0, /* not a SenML field: ignored (RFC 8428 §4.4) */
    TERN_SENML_K_MUST_UNDERSTAND, /* unknown label ending in '_': reject (RFC 8428 §4.4) */
    TERN_SENML_K_BN,   /* "bn"  -2 */
    TERN_SENML_K_BT,   /* "bt"  -3 */
    TERN_SENML_K_BU,   /* "bu"  -4 (ignored) */
    TERN_SENML_K_BV,   /* "bv"  -5 */
    TERN_SENML_K_BS,   /* "bs"  -6 (ignored) */
    TERN_SENML_K_BVER, /* "bver" -1 */
    TERN_SENML_K_N,    /* "n"    0 */
    TERN_SENML_K_U,    /* "u"    1 (ignored) */
    TERN_SENML_K_V,    /* "v"    2 */
    TERN_SENML_K_VS,   /* "vs"   3 */
    TERN_SENML_K_VB,   /* "vb"   4 */
    TERN_SENML_K_S,    /* "s"    5 (sum: not used by LwM2M, ignored) */
    TERN_SENML_K_T,    /* "t"    6 */
    TERN_SENML_K_UT,   /* "ut"   7 (ignored) */
    TERN_SENML_K_VD,   /* "vd"   8 */
    TERN_SENML_K_VLO,  /* "vlo"  (text key in both JSON and CBOR) */
    TERN_SENML_K_COUNT_
} tern_senml_key;

/* Bit of a key in tern_senml_rec.present. */
#define TERN_SENML_BIT(k) (1u << (unsigned)(k))

/* Field id of a JSON/CBOR text label (exact, case-sensitive). */
tern_senml_key tern_senml_key_from_name(const char *s, size_t len);
/* Field id of a CBOR integer label (RFC 8428 Table 6). */
tern_senml_key tern_senml_key_from_label(int64_t label);
/* JSON name of a field ("bn", "vlo", ...); NULL for UNKNOWN/MUST_UNDERSTAND. */
const char *tern_senml_key_name(tern_senml_key k);
/* CBOR integer label of a field; false when the field has none ("vlo"). */
bool tern_senml_key_label(tern_senml_key k, int64_t *label);

/* A number as the syntax layer found it. Syntax layers keep integers exact:
 * JSON integer text (no '.', 'e' or 'E') and CBOR major types 0/1 become INT
 * when they fit int64_t and UINT when above INT64_MAX; everything else is
 * FLOAT (JSON text through strtod, CBOR half/single/double, tag 4). */
typedef enum tern_senml_num_kind {
    TERN_SENML_NUM_INT = 0,
    TERN_SENML_NUM_UINT,
    TERN_SENML_NUM_FLOAT,
} tern_senml_num_kind;

typedef struct tern_senml_num {
    uint8_t kind; /* tern_senml_num_kind */
    int64_t i;    /* INT */
    uint64_t u;   /* UINT (> INT64_MAX) */
    double f;     /* FLOAT */
} tern_senml_num;

/* One record as parsed. Views point into the decoder's scratch and must live
 * until tern_senml_dec_record() returns; strings are already unescaped
 * UTF-8 and vd is already decoded (base64url for JSON, the byte string for
 * CBOR). A field whose value was JSON null / CBOR null (22) is marked in
 * `null_fields` as well as in `present` and is otherwise empty: LwM2M
 * SenML-ETCH uses "v": null to delete (RFC 8790 §4, Core §7.4.7). */
typedef struct tern_senml_rec {
    uint32_t present;     /* TERN_SENML_BIT(key) for every field seen */
    uint32_t null_fields; /* fields whose value was null */
    tern_bytes bn, n;
    tern_senml_num bt, bv, t, v;
    uint64_t bver;
    tern_bytes vs;  /* vs */
    bool vb;
    tern_bytes vd;  /* decoded bytes */
    tern_bytes vlo; /* "O:I" text */
} tern_senml_rec;

/* Record the presence of field k; TERN_EDUPLICATE when it was already there
 * (RFC 8259 §4 leaves duplicates undefined, RFC 8428 §4.4 forbids them). */
static inline int tern_senml_rec_mark(tern_senml_rec *r, tern_senml_key k)
{
    uint32_t b = TERN_SENML_BIT(k);
    if (k != TERN_SENML_K_UNKNOWN && (r->present & b))
        return TERN_EDUPLICATE;
    r->present |= b;
    return TERN_OK;
}

/* ---- decoding ---- */

/* Running SenML state of one decoder; lives in the format's private decoder
 * state (TERN_DECODER_STATE_SIZE). Zero it with tern_senml_dec_init(). */
typedef struct tern_senml_dec {
    double bt;        /* base time (0 when none) */
    tern_senml_num bv;/* base value */
    bool has_bv;
    bool etch;        /* SenML-ETCH: a record with a null value deletes */
    bool v_float;     /* "v" without a model type is Float (OMA JSON, as
                         Leshan reads it), else Integer when integral */
    bool t_only;      /* time only from "t" (+ bt); bt alone gives no time
                         (OMA JSON) */
    bool vs_opaque;   /* an Opaque resource may come as base64 text in "vs"
                         (OMA JSON "sv"); decoded in place */
    uint8_t bn_len;
    uint8_t name_len;
    char bn[TERN_SENML_NAME_MAX]; /* current base name */
    char name[TERN_SENML_NAME_MAX]; /* last resolved name; e->prefix views it */
    uint32_t records; /* records seen so far */
    uint8_t mode;     /* 0 nothing yet, 1 values, 2 paths (plain SenML) */
} tern_senml_dec;

void tern_senml_dec_init(tern_senml_dec *s, bool etch);

/* Applies record r: updates bn/bt/bv, resolves bn + n to a path (Core
 * §7.4.4: names are "/O/I/R[/RI]", optionally "/<gateway-prefix>/O/..." ;
 * a resolved name not starting with '/' gets one: Leshan writes "3/0/"),
 * converts the value with the type the model gives (d->type_of) or, when the
 * model does not know the path, with the type the value field implies
 * (v → Integer when integral text, Unsigned above INT64_MAX, else Float; vs →
 * String; vb → Boolean; vd → Opaque; vlo → Objlnk), and fills *e:
 *   - a record with a value → TERN_ENTRY_VALUE at /O/I/R or /O/I/R/RI;
 *   - a record without a value, or with a null value → TERN_ENTRY_PATH_ONLY
 *     at any level (Read-/Observe-Composite paths, ETCH deletes);
 *   - e->time = bt + t when either is present; has_time unless that is 0
 *     (RFC 8428: time 0 is "now", the same as no time; encoders write an
 *     entry with time 0 without time);
 *   - e->prefix views s->name (valid until the next call).
 * Errors (the syntax layer reports them at the record's offset with the
 * reason stored in *why): more than one value field (TERN_EMALFORMED), value
 * field not matching the model type (TERN_ETYPE), number out of the type's
 * range or not integral (TERN_ERANGE), bad name (TERN_EMALFORMED /
 * TERN_ERANGE / TERN_ETOOBIG), bver above 10 or an unknown must-understand
 * field (TERN_EUNSUPPORTED). */
int tern_senml_dec_record(tern_senml_dec *s, const tern_decoder *d, const tern_senml_rec *r, tern_entry *e,
                          const char **why);

/* Convenience for syntax layers: calls tern_senml_dec_record and on error
 * records it with tern_dec_fail at buffer index `at`. */
int tern_senml_dec_apply(tern_senml_dec *s, tern_decoder *d, const tern_senml_rec *r, tern_entry *e, size_t at);

/* ---- encoding ---- */

/* Which value field an encoded record carries. */
typedef enum tern_senml_vfield {
    TERN_SENML_VF_NONE = 0, /* path only (composite request / ETCH FETCH) */
    TERN_SENML_VF_NULL,     /* ETCH delete: "v": null */
    TERN_SENML_VF_V,        /* number: value.type INTEGER, UNSIGNED, FLOAT or TIME */
    TERN_SENML_VF_VS,       /* string: STRING or CORELNK */
    TERN_SENML_VF_VB,       /* boolean */
    TERN_SENML_VF_VD,       /* opaque bytes (JSON writes base64url, no padding) */
    TERN_SENML_VF_VLO,      /* objlnk, written as text "O:I" (vlo_text) */
} tern_senml_vfield;

/* Encoder base-name state; lives in the format's private encoder state. */
typedef struct tern_senml_enc {
    bool started;   /* a record was written */
    bool etch;
    bool has_bt;
    uint8_t bn_len; /* current base name, "" when none */
    double bt;      /* current base time */
    char bn[TERN_SENML_NAME_MAX];
} tern_senml_enc;

/* One record to write, in field order: bn (if has_bn), bt (if has_bt), n
 * (if has_n), t (if has_t; the planner never sets it, times go in bt), then
 * the value field. Names are not NUL-terminated. */
typedef struct tern_senml_erec {
    bool has_bn, has_n, has_t, has_bt;
    uint8_t bn_len, n_len;
    char bn[TERN_SENML_NAME_MAX];
    char n[TERN_SENML_NAME_MAX];
    double bt;         /* absolute base time (seconds) */
    double t;
    uint8_t vfield;    /* tern_senml_vfield */
    tern_value value;  /* for V, VS, VB, VD, VLO */
    uint8_t vlo_len;
    char vlo_text[TERN_OBJLNK_STRLEN];
} tern_senml_erec;

void tern_senml_enc_init(tern_senml_enc *s, bool etch);

/* Plans the record for entry en under request path req without changing *s.
 * Base-name rule (Core §7.4.4 examples, Leshan's byte-exact output): the
 * first record carries bn = request path + "/" and n = the rest
 * ("bn":"/3/0/","n":"0"); when the entry is the request path itself (a
 * single resource) bn is the full path and there is no n ("bn":"/3/0/0");
 * later records carry only n. For the root request (composite, Send) every
 * value record carries its full path in bn ("bn":"/3/0/9") and a path-only
 * record its full path in n ("n":"/3/0/9"). An entry outside the current
 * base name gets a new bn as for a first record (its full path).
 * Time: a record whose time differs from the current base time repeats bn
 * and carries "bt" = its time (no "t"), as Leshan does; a record without
 * time after timed ones carries "bt":0. PATH_ONLY entries become value-less
 * records (VF_NONE: Read-/Observe-Composite paths, ETCH Fetch records);
 * the decoder reads both a value-less record and a null value (an ETCH
 * delete, RFC 8790 §4) as PATH_ONLY.
 * Returns TERN_OK, TERN_DONE when the entry produces no record
 * (EMPTY_INSTANCE/EMPTY_MULTI: SenML has no way to say "empty"), or an
 * error: TERN_EUNSUPPORTED for chunked values, TERN_EINVAL for a value
 * entry not at resource (instance) level, TERN_ETYPE for a bad type,
 * TERN_ETOOBIG for a name longer than TERN_SENML_NAME_MAX. *why gets a
 * static reason. */
int tern_senml_enc_plan(const tern_senml_enc *s, const tern_path *req, const tern_entry *en, tern_senml_erec *r,
                        const char **why);
/* Records that r was written. */
void tern_senml_enc_commit(tern_senml_enc *s, const tern_senml_erec *r);

/* ---- shared numeric helpers ---- */

/* Shortest decimal text that strtod() reads back to exactly f: plain
 * decimal for 1e-5 ≤ |f| < 1e16 ("-10.0", "0.123"), else "%.{1..17}g";
 * NUL-terminated; text without '.' or exponent gets ".0" so it stays a
 * float ("3.0", as Zephyr and Leshan write). NaN/Inf → TERN_ERANGE (JSON cannot carry them). Returns length or
 * TERN_ENOMEM. cap ≥ 32 always suffices. */
int tern_senml_fmt_double(double f, char *out, size_t cap);

#endif
