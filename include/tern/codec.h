/* tern — content formats (LwM2M 1.2 Core §7.4, §7.5; RFC 8428, RFC 8790,
 * RFC 8949, RFC 6690). One streaming interface for every format: a decoder is
 * fed chunks (e.g. one CoAP block at a time) and yields entries; an encoder
 * takes entries and writes bytes. No document tree is built, nothing is
 * allocated: all memory (decoder/encoder structs, scratch buffers) belongs to
 * the caller.
 */
#ifndef TERN_CODEC_H
#define TERN_CODEC_H

#include "tern/base.h"
#include "tern/model.h"
#include "tern/linkfmt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- content-format numbers (CoAP registry) ---- */
enum {
    TERN_CF_TEXT = 0,
    TERN_CF_LINK = 40,
    TERN_CF_OPAQUE = 42,
    TERN_CF_CBOR = 60,
    TERN_CF_SENML_JSON = 110,
    TERN_CF_SENML_CBOR = 112,
    TERN_CF_SENML_ETCH_JSON = 320,
    TERN_CF_SENML_ETCH_CBOR = 322,
    TERN_CF_TLV = 11542,
    TERN_CF_OMA_JSON = 11543,
    TERN_CF_LWM2M_CBOR = 11544,
    TERN_CF_NONE = -1,
};

/* Short name ("tlv", "senml-cbor", ...) and back; NULL / -1 when unknown. */
const char *tern_cf_name(int32_t cf);
int32_t tern_cf_from_name(const char *name);

/* ---- entries ---- */
typedef enum tern_entry_kind {
    TERN_ENTRY_VALUE = 0,      /* path + value */
    TERN_ENTRY_PATH_ONLY,      /* a path with no value (Read-Composite/Observe-Composite
                                  request bodies, SenML records without a value) */
    TERN_ENTRY_EMPTY_INSTANCE, /* object instance with no resources (path /O/I) */
    TERN_ENTRY_EMPTY_MULTI,    /* multiple-instance resource with no instances (/O/I/R) */
} tern_entry_kind;

typedef struct tern_entry {
    uint8_t kind;      /* tern_entry_kind */
    tern_path path;    /* full path: /O/I/R or /O/I/R/RI for values */
    tern_value value;
    bool has_time;
    double time;       /* SenML/OMA-JSON time, resolved (base time added), seconds */
    tern_bytes prefix; /* LwM2M Gateway end-device prefix; len 0 when none */
    /* Chunked values: a large Opaque/String value may be delivered (decode)
     * or given (encode, formats that allow it) in several entries with the
     * same path; value.v.bytes is the chunk, `offset` its position in the
     * whole value and `more` says further chunks follow. `total` is the full
     * length when known (else 0). */
    uint32_t offset;
    uint32_t total;
    bool more;
} tern_entry;

/* Resolves the type of a resource (instance) from the model. Returns
 * TERN_TYPE_NONE when the path is unknown, in which case decoders use what
 * the format itself says (SenML vs/vb/vd/v, CBOR major types), and formats
 * that carry no type (TLV, plain text) yield Opaque/String respectively.
 * A NULL function means "no model". */
typedef tern_type (*tern_type_fn)(void *ctx, const tern_path *p);

/* A type function marks a multiple-instance resource by OR-ing this flag
 * into the type it returns: `(tern_type)(TERN_TYPE_FLOAT | TERN_TYPE_MULTIPLE)`.
 * A known type without the flag means single-instance; TERN_TYPE_NONE means
 * unknown. Decoders need it where a format cannot tell, e.g. an empty
 * payload at /O/I/R is an empty multiple-instance resource, but an error for
 * a single-instance one. */
#define TERN_TYPE_MULTIPLE 0x100
#define TERN_TYPE_MASK 0xff
/* Adapter over a tern_registry (ctx = const tern_registry *). */
tern_type tern_registry_type_fn(void *ctx, const tern_path *p);

/* ---- decoder ----
 * Usage:
 *   tern_decoder d; uint8_t scratch[512];
 *   tern_decoder_init(&d, TERN_CF_SENML_CBOR, &req_path, type_fn, ctx, scratch, sizeof scratch);
 *   for each chunk: tern_decoder_feed(&d, chunk, len, is_last_chunk);
 *       while ((rc = tern_decoder_next(&d, &e)) == TERN_OK) use(e);
 *       rc == TERN_AGAIN: feed the next chunk; rc == TERN_DONE: the document
 *       ended; rc < 0: error, see d.err_offset and d.err_reason.
 * feed() copies the chunk into scratch after dropping consumed bytes; it
 * returns TERN_ENOMEM if unconsumed bytes plus the chunk do not fit (scratch
 * must hold the largest non-chunked element plus one chunk). Values returned
 * by next() view into scratch and are valid until the next feed() or next().
 * Errors are sticky. err_offset counts from the start of the document. */
typedef struct tern_decoder tern_decoder;

typedef struct tern_codec_vtab tern_codec_vtab; /* internal: one per format */

#define TERN_DECODER_STATE_SIZE 320

struct tern_decoder {
    const tern_codec_vtab *vt;
    int32_t cf;
    tern_path req_path;   /* path of the request (base for relative names) */
    tern_type_fn type_of;
    void *type_ctx;
    uint8_t *buf;         /* scratch */
    size_t cap;
    size_t start;         /* first unconsumed byte in buf */
    size_t end;           /* one past the last fed byte */
    size_t consumed_total;/* document offset of buf[0] */
    bool last;            /* the final chunk has been fed */
    int err;              /* sticky error (0 if none) */
    size_t err_offset;
    const char *err_reason; /* static string, NULL if none */
    size_t entries;       /* entries returned so far */
    bool empty_done;      /* the empty-document entry was synthesised */
    /* format-private state */
    union {
        uint8_t raw[TERN_DECODER_STATE_SIZE];
        uint64_t align_u;
        double align_d;
        void *align_p;
    } st;
};

int tern_decoder_init(tern_decoder *d, int32_t cf, const tern_path *req_path, tern_type_fn type_of, void *type_ctx,
                      uint8_t *scratch, size_t scratch_cap);
int tern_decoder_feed(tern_decoder *d, const uint8_t *data, size_t len, bool last);
int tern_decoder_next(tern_decoder *d, tern_entry *e);

/* ---- encoder ----
 * Usage:
 *   tern_encoder e; tern_encoder_init(&e, TERN_CF_TLV, &req_path, scratch, n);
 *   tern_wbuf out = tern_wbuf_make(buf, cap);
 *   for each entry (in tern_path_cmp order): rc = tern_encoder_add(&e, &entry, &out);
 *   rc = tern_encoder_finish(&e, &out);
 * add() and finish() are atomic: TERN_ENOMEM means nothing was written and
 * the same call may be repeated after the caller drained `out` (e.g. sent a
 * block). TERN_AGAIN from add() or finish() means bytes were written but the
 * call is not complete: drain `out` and repeat the same call. (LwM2M CBOR and
 * SenML(-ETCH) CBOR keep the document in scratch for definite lengths while
 * it fits, and switch to indefinite-length containers written as entries
 * arrive when it does not, so no encoder needs the whole document.) A caller
 * that cannot drain treats TERN_AGAIN as "does not fit". Formats that must know a container's length before its content
 * (TLV) keep the open container in scratch. Output is the smallest encoding
 * the format allows (CBOR integers/floats, SenML base names). Single-value
 * formats (plain text, opaque, CBOR) accept exactly one resource (instance)
 * entry: a second gives TERN_EUNSUPPORTED. */
typedef struct tern_encoder tern_encoder;

#define TERN_ENCODER_STATE_SIZE 320

struct tern_encoder {
    const tern_codec_vtab *vt;
    int32_t cf;
    tern_path req_path;
    uint8_t *scratch;
    size_t scratch_cap;
    size_t count;      /* entries added so far */
    int err;           /* sticky error */
    const char *err_reason;
    union {
        uint8_t raw[TERN_ENCODER_STATE_SIZE];
        uint64_t align_u;
        double align_d;
        void *align_p;
    } st;
};

int tern_encoder_init(tern_encoder *e, int32_t cf, const tern_path *req_path, uint8_t *scratch, size_t scratch_cap);
int tern_encoder_add(tern_encoder *e, const tern_entry *entry, tern_wbuf *out);
int tern_encoder_finish(tern_encoder *e, tern_wbuf *out);

/* ---- which formats may be used where (Core §7.4, Transport §6.4) ---- */
typedef enum tern_codec_op {
    TERN_COP_READ,            /* response to Read */
    TERN_COP_WRITE,           /* Write / Create / Bootstrap-Write body */
    TERN_COP_READ_COMPOSITE,  /* FETCH response */
    TERN_COP_COMPOSITE_PATHS, /* FETCH request body / Observe-Composite paths */
    TERN_COP_WRITE_COMPOSITE, /* iPATCH body */
    TERN_COP_SEND,            /* Send / notification of composite */
    TERN_COP_NOTIFY,
    TERN_COP_DISCOVER,
} tern_codec_op;

/* TERN_OK if `cf` may carry `op` at the level of `path` (multiple: the
 * resource at `path` is multiple-instance), else TERN_EUNSUPPORTED. */
int tern_cf_allowed(int32_t cf, tern_codec_op op, const tern_path *path, bool multiple);

#ifdef __cplusplus
}
#endif
#endif /* TERN_CODEC_H */
