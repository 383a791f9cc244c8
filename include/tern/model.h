/* tern — data model: paths, typed values, object/resource definitions,
 * notification attributes (LwM2M 1.2 Core §6, §7.1, §5.1.2 of Core for
 * attributes). No allocation: strings and opaque values are views.
 */
#ifndef TERN_MODEL_H
#define TERN_MODEL_H

#include "tern/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- paths ---- */
#define TERN_ID_MAX 65534u     /* largest valid ID (Core §7.1) */
#define TERN_ID_INVALID 65535u /* reserved, used as "none" */

typedef struct tern_path {
    uint16_t ids[4]; /* object, instance, resource, resource instance */
    uint8_t len;     /* 0 = "/", 1 = /O, 2 = /O/I, 3 = /O/I/R, 4 = /O/I/R/RI */
} tern_path;

enum { TERN_LVL_ROOT = 0, TERN_LVL_OBJECT = 1, TERN_LVL_INSTANCE = 2, TERN_LVL_RESOURCE = 3, TERN_LVL_RINSTANCE = 4 };

static inline tern_path tern_path_root(void)
{
    tern_path p = {{0, 0, 0, 0}, 0};
    return p;
}
tern_path tern_path_make(int len, uint16_t o, uint16_t i, uint16_t r, uint16_t ri);
/* Parses "/", "/3", "/3/0", "/3/0/1", "/3/0/1/2" (a trailing "/" is
 * accepted). IDs above 65534 → TERN_ERANGE, other syntax → TERN_EMALFORMED. */
int tern_path_parse(tern_path *p, const char *s, size_t len);
/* Writes "/3/0/1" (NUL-terminated); returns chars written or TERN_ENOMEM. */
int tern_path_format(const tern_path *p, char *out, size_t cap);
bool tern_path_eq(const tern_path *a, const tern_path *b);
/* true if `prefix` equals `p` or is an ancestor of it. */
bool tern_path_is_prefix(const tern_path *prefix, const tern_path *p);
/* Orders paths depth-first, parents before children (for sorted output). */
int tern_path_cmp(const tern_path *a, const tern_path *b);

/* ---- data types (Core Appendix C) ---- */
typedef enum tern_type {
    TERN_TYPE_NONE = 0,   /* no value: executable resources, or unknown */
    TERN_TYPE_STRING,
    TERN_TYPE_INTEGER,
    TERN_TYPE_UNSIGNED,
    TERN_TYPE_FLOAT,
    TERN_TYPE_BOOLEAN,
    TERN_TYPE_OPAQUE,
    TERN_TYPE_TIME,
    TERN_TYPE_OBJLNK,
    TERN_TYPE_CORELNK,
} tern_type;

/* Registry spelling of a type ("String", "Unsigned Integer", ...; "none" for
 * TERN_TYPE_NONE). Never NULL; "unknown" for values outside the enum. */
const char *tern_type_name(tern_type t);
/* true for Integer, Unsigned Integer and Float: the types the gt/lt/st
 * attributes apply to (Core §5.1.2). */
bool tern_type_is_numeric(tern_type t);

typedef struct tern_objlnk {
    uint16_t oid;
    uint16_t iid;
} tern_objlnk;

/* Objlnk text form "O:I" (Core Appendix C: two 16-bit unsigned integers,
 * 0..65535 each; "65535:65535" is the null link). Strict: no sign, space,
 * leading zero or empty half. TERN_EMALFORMED or TERN_ERANGE on bad input. */
int tern_objlnk_parse(tern_objlnk *out, const char *s, size_t len);
/* Writes "O:I" NUL-terminated (at most 12 bytes with the NUL); returns the
 * length without the NUL, or TERN_ENOMEM when cap is too small. */
int tern_objlnk_format(const tern_objlnk *l, char *out, size_t cap);
#define TERN_OBJLNK_STRLEN 12 /* "65535:65535" + NUL */

/* A typed value. String, Corelnk and Opaque are views (ptr, len) whose
 * lifetime is documented by whoever produces the value. */
typedef struct tern_value {
    tern_type type;
    union {
        int64_t i;      /* INTEGER, TIME (seconds since the epoch) */
        uint64_t u;     /* UNSIGNED */
        double f;       /* FLOAT */
        bool b;         /* BOOLEAN */
        tern_objlnk lnk;/* OBJLNK */
        tern_bytes bytes; /* STRING, CORELNK (UTF-8, not NUL-terminated), OPAQUE */
    } v;
} tern_value;

/* ---- definitions (generated from the OMA registry) ---- */
typedef enum tern_ops {
    TERN_OP_NONE = 0,
    TERN_OP_R = 1,
    TERN_OP_W = 2,
    TERN_OP_E = 4,
    TERN_OP_RW = 3,
} tern_ops;

typedef struct tern_res_def {
    uint16_t id;
    uint8_t type;       /* tern_type */
    uint8_t ops;        /* tern_ops bit set */
    bool multiple;
    bool mandatory;
    bool has_range;
    double range_min;   /* numeric range, or string/opaque length range */
    double range_max;
    const char *name;
    const char *units;  /* "" when none */
} tern_res_def;

typedef struct tern_obj_def {
    uint16_t id;
    bool multiple;      /* multiple instances allowed */
    bool mandatory;
    const char *name;
    const char *version;    /* object version, e.g. "1.1" */
    const char *lwm2m_version; /* LwM2M version the definition targets */
    uint16_t res_count;
    const tern_res_def *res; /* sorted by id */
} tern_obj_def;

/* A set of object definitions (e.g. the generated standard set). */
typedef struct tern_registry {
    size_t count;
    const tern_obj_def *const *objs; /* sorted by id */
} tern_registry;

const tern_obj_def *tern_registry_find(const tern_registry *r, uint16_t oid);
const tern_res_def *tern_obj_find_res(const tern_obj_def *o, uint16_t rid);
/* Resource definition for a path of length ≥ 3, or NULL. */
const tern_res_def *tern_registry_res(const tern_registry *r, const tern_path *p);

/* The definitions generated into the tree (src/model/gen/). */
const tern_registry *tern_registry_std(void);

/* Checks a value against its definition: type and range (strings/opaque by
 * length). TERN_ETYPE or TERN_ERANGE, never coerces. */
int tern_value_check(const tern_res_def *def, const tern_value *v);

/* ---- notification and discover attributes (Core §5.1.2, §6.3.2) ---- */
enum {
    TERN_ATTR_PMIN = 1u << 0,
    TERN_ATTR_PMAX = 1u << 1,
    TERN_ATTR_GT = 1u << 2,
    TERN_ATTR_LT = 1u << 3,
    TERN_ATTR_ST = 1u << 4,
    TERN_ATTR_EPMIN = 1u << 5,
    TERN_ATTR_EPMAX = 1u << 6,
    TERN_ATTR_EDGE = 1u << 7,
    TERN_ATTR_CON = 1u << 8,
    TERN_ATTR_HQMAX = 1u << 9,
    TERN_ATTR_DIM = 1u << 10,
    TERN_ATTR_VER = 1u << 11,
    TERN_ATTR_LWM2M = 1u << 12,
};

typedef struct tern_attrs {
    uint16_t set;   /* which attributes have a value (TERN_ATTR_* bits) */
    uint16_t unset; /* which were given without value (Write-Attributes "unset") */
    uint32_t pmin, pmax, epmin, epmax, hqmax; /* seconds / count */
    double gt, lt, st;
    uint8_t edge;   /* 0 or 1 */
    uint8_t con;    /* 0 or 1 */
    uint32_t dim;
    char ver[8];    /* "1.1" */
    char lwm2m[8];  /* "1.2" */
} tern_attrs;

/* Parses Uri-Query strings of a Write-Attributes request ("pmin=10",
 * "gt=3.5", "pmax" to unset). Unknown attribute names → TERN_EUNSUPPORTED,
 * bad values → TERN_EMALFORMED / TERN_ERANGE.
 * Details: `q` is one Uri-Query option or several joined by '&' (an empty
 * '&' segment is TERN_EMALFORMED). Results accumulate into *a, so zero *a
 * before the first call of a request; an attribute given twice in one
 * request → TERN_EDUPLICATE. Integers (pmin, pmax, epmin, epmax, hqmax,
 * dim) are unsigned decimal ≤ 2^32-1; gt/lt/st are decimal numbers with an
 * optional fraction and exponent ("-2", "3.5", "1e3"), st ≥ 0; edge and
 * con are 0 or 1; ver and lwm2m are "major.minor". dim, ver and lwm2m have
 * no valueless form. On error *a may hold the attributes parsed before the
 * bad one; discard it. */
int tern_attrs_parse_query(tern_attrs *a, const char *q, size_t len);
/* Consistency rules of Core §5.1.2: lt < gt, lt + 2*st < gt, pmin <= pmax
 * when both set, epmin <= epmax, edge/con in {0,1}; numeric attributes only
 * on numeric resources (type may be TERN_TYPE_NONE when unknown). */
int tern_attrs_check(const tern_attrs *a, tern_type res_type);

/* The Properties-class attributes (Core §5.1.2): reported by Discover, never
 * written by Write-Attributes. A Write-Attributes handler rejects a request
 * with (set | unset) & TERN_ATTR_PROPERTIES. */
#define TERN_ATTR_PROPERTIES (TERN_ATTR_DIM | TERN_ATTR_VER | TERN_ATTR_LWM2M)
#define TERN_ATTR_ALL 0x1FFFu

/* Checks where attributes may be attached (Core §5.1.2 attribute tables):
 * level is TERN_LVL_*. gt/lt/st/edge only on a resource or resource
 * instance, dim only on a resource, ver only on an object, lwm2m only on
 * the root; the others on any level from object down. TERN_EINVAL if not. */
int tern_attrs_check_level(const tern_attrs *a, int level);

/* Formats the attributes in `set` (and, for the query form, the valueless
 * ones in `unset`) in a fixed order that follows the Core spec's examples
 * of each form: dim, ver, lwm2m, pmin, pmax, epmin, epmax, then gt, lt
 * in the link form (Core §6.3.2 Discover: ";gt=50;lt=42.2") and lt, gt in
 * the query form (Transport §6.4.4: "lt=20&gt=85&st=10"), then st, edge,
 * con, hqmax. Floats are written in plain decimal,
 * shortest form that reads back to the same double, never with an exponent.
 *   TERN_ATTRS_LINK:  ";pmin=10;gt=3.5" (link-format attributes, Discover)
 *   TERN_ATTRS_QUERY: "pmin=10&gt=3.5&pmax" (Write-Attributes query)
 * Output is NUL-terminated; returns its length or TERN_ENOMEM. */
enum { TERN_ATTRS_LINK = 0, TERN_ATTRS_QUERY = 1 };
int tern_attrs_format(const tern_attrs *a, int style, char *out, size_t cap);

/* ---- Profile ID, the Register/Update `pid` parameter (Core 1.2 §6.2.1) ----
 *   value        = profileID / ( DQUOTE profileID *( "," profileID ) DQUOTE )
 *   profileID    = dynamicID / preConfigID
 *   dynamicID    = suite-identifier ":" 1*( DIGIT / "a"-"f" )
 *   preConfigID  = ( "oma" / "v" ) ":" 1*( ALPHA / DIGIT / "-" )
 * A dynamic ID is a hash of the client's object list with an RFC 6920 §9.4
 * suite (1 sha-256, 2 sha-256-128, 3 -120, 4 -96, 5 -64, 6 -32); a static
 * one is pre-configured, registered at OMNA ("oma:") or vendor-specific
 * ("v:"). */
typedef enum tern_pid_kind {
    TERN_PID_DYNAMIC = 0,
    TERN_PID_OMA = 1,    /* "oma:<name>" */
    TERN_PID_VENDOR = 2, /* "v:<name>" */
} tern_pid_kind;

typedef struct tern_pid {
    uint8_t kind;      /* tern_pid_kind */
    uint8_t suite;     /* dynamic: RFC 6920 suite identifier */
    tern_bytes value;  /* view into the parsed text: the lowercase hex hash
                        * (dynamic) or the name after ':' (static) */
} tern_pid;

/* Parses a pid value (the query value, quotes included for a list) into
 * ids[0..cap); *count is set to how many. Views point into s. Errors:
 * TERN_EMALFORMED (syntax; uppercase hex; an odd number of hex digits),
 * TERN_ERANGE (suite > 255; a hash whose length is not its suite's
 * truncation, or shorter than 32 bits for a suite tern does not know;
 * reserved suites 0 and 32), TERN_EFULL (more than cap IDs). */
int tern_pid_parse(const char *s, size_t len, tern_pid *ids, size_t cap, size_t *count);
/* Formats ids as a pid value (quoted list when count > 1); NUL-terminated;
 * returns the length, TERN_ENOMEM, or TERN_EINVAL (count 0, bad kind). */
int tern_pid_format(const tern_pid *ids, size_t count, char *out, size_t cap);
/* Hash length in bytes of an RFC 6920 §9.4 suite; 0 when tern does not know it. */
size_t tern_pid_suite_len(unsigned suite);

#ifdef __cplusplus
}
#endif
#endif /* TERN_MODEL_H */
