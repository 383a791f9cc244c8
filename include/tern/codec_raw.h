/* tern — record-level access to OMA JSON (11543) and SenML JSON (110)
 * documents: records as written, with no path resolution and no typing.
 * For tools and for debugging a peer: names that are not LwM2M paths
 * ("0", "1/2", "A/0/0/0"), placeholder Objlnk text ("FFFF:FFFF"), relative
 * times are all given back verbatim. tern_decoder/tern_encoder
 * (tern/codec.h) are the API for LwM2M data; this is the JSON-syntax layer
 * under them.
 *
 * The reader works on a complete document in caller memory that it may
 * rewrite: JSON string escapes are decoded in place. Every view in a record
 * points into that buffer and lives as long as it. Nothing allocates. */
#ifndef TERN_CODEC_RAW_H
#define TERN_CODEC_RAW_H

#include "tern/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tern_raw_kind {
    TERN_RAW_NONE = 0, /* no value member */
    TERN_RAW_NUM,      /* "v" */
    TERN_RAW_STR,      /* OMA JSON "sv", SenML "vs" */
    TERN_RAW_BOOL,     /* OMA JSON "bv", SenML "vb" */
    TERN_RAW_OBJLNK,   /* OMA JSON "ov", SenML "vlo" */
    TERN_RAW_DATA,     /* SenML "vd" (base64 text, not decoded) */
} tern_raw_kind;

/* A time or number as written: its source text and its value. */
typedef struct tern_raw_num {
    bool present;
    tern_bytes text; /* the JSON number's characters */
    double value;
} tern_raw_num;

typedef struct tern_raw_rec {
    bool has_bn, has_n;
    tern_bytes bn;       /* SenML: this record's "bn" (OMA JSON: see the reader) */
    tern_bytes n;
    uint8_t kind;        /* tern_raw_kind */
    /* NUM: the number's text; STR/OBJLNK/DATA: the decoded string;
     * BOOL: "true" or "false". */
    tern_bytes text;
    double num;          /* NUM */
    bool b;              /* BOOL */
    tern_raw_num t;      /* "t" */
    tern_raw_num bt;     /* SenML: this record's "bt" */
} tern_raw_rec;

typedef struct tern_raw_reader {
    int32_t cf;          /* TERN_CF_OMA_JSON or TERN_CF_SENML_JSON */
    /* OMA JSON: the root object's "bn" and "bt", known after init. */
    bool has_bn;
    tern_bytes bn;
    tern_raw_num bt;
    /* private */
    uint8_t *b;
    size_t len, pos, count;
    bool done;
} tern_raw_reader;

/* Starts reading doc[0..len) (rewritten in place). OMA JSON: the root
 * object is read whole here (bn, bt, where "e" is; other members skipped).
 * TERN_EUNSUPPORTED for another content format, TERN_EMALFORMED (syntax,
 * a root of the wrong kind). */
int tern_raw_json_init(tern_raw_reader *r, int32_t cf, uint8_t *doc, size_t len);
/* Next record: TERN_OK, TERN_DONE after the last one (the rest of the
 * document was checked), or TERN_EMALFORMED (syntax, two value members),
 * TERN_EDUPLICATE (a member twice in a record). Unknown members are
 * skipped. */
int tern_raw_json_next(tern_raw_reader *r, tern_raw_rec *rec);

/* Writes a document from records in Leshan's and the OMA examples' layout:
 * OMA JSON {"bn":..,"e":[{"n":..,<value>,"t":..}],"bt":..} (bn and bt from
 * the arguments, NULL/absent to leave out); SenML JSON
 * [{"bn":..,"bt":..,"n":..,<value>,"t":..}] (bn/bt per record). Values are
 * written under the format's member name for `kind`; numbers and times
 * from their text when present (so they come out as written), else from
 * the double. No whitespace. TERN_ENOMEM when it does not fit, TERN_EINVAL
 * for a bad kind or a record field the format cannot carry. */
int tern_raw_json_write(int32_t cf, const tern_bytes *bn, const tern_raw_num *bt, const tern_raw_rec *recs,
                        size_t count, tern_wbuf *out);

#ifdef __cplusplus
}
#endif
#endif /* TERN_CODEC_RAW_H */
