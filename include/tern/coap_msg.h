/* tern — CoAP messages: RFC 7252 (UDP framing), RFC 8323 (TCP framing and
 * signaling), options of RFC 7252/7641/7959/8613/9175/7967, methods of RFC 8132.
 *
 * A decoded message is a set of views into the buffer it was decoded from:
 * it lives exactly as long as that buffer. An encoded message is built by
 * adding options (kept sorted by number, stable for repeated options) that
 * point to caller memory, then serialised with tern_coap_encode_udp/_tcp.
 * Nothing allocates.
 */
#ifndef TERN_COAP_MSG_H
#define TERN_COAP_MSG_H

#include "tern/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- header fields ---- */
typedef enum tern_coap_type {
    TERN_COAP_CON = 0,
    TERN_COAP_NON = 1,
    TERN_COAP_ACK = 2,
    TERN_COAP_RST = 3,
} tern_coap_type;

/* Codes as c.dd packed into one byte (class << 5 | detail). */
#define TERN_COAP_CODE(c, dd) ((uint8_t)(((c) << 5) | (dd)))
#define TERN_COAP_CLASS(code) ((uint8_t)((code) >> 5))
#define TERN_COAP_DETAIL(code) ((uint8_t)((code)&0x1f))

enum {
    TERN_COAP_EMPTY = 0x00,
    /* methods (RFC 7252 §12.1.1, RFC 8132) */
    TERN_COAP_GET = 0x01,
    TERN_COAP_POST = 0x02,
    TERN_COAP_PUT = 0x03,
    TERN_COAP_DELETE = 0x04,
    TERN_COAP_FETCH = 0x05,
    TERN_COAP_PATCH = 0x06,
    TERN_COAP_IPATCH = 0x07,
    /* responses (RFC 7252 §12.1.2, RFC 7959, RFC 8132, RFC 9175) */
    TERN_COAP_CREATED = 0x41,            /* 2.01 */
    TERN_COAP_DELETED = 0x42,            /* 2.02 */
    TERN_COAP_VALID = 0x43,              /* 2.03 */
    TERN_COAP_CHANGED = 0x44,            /* 2.04 */
    TERN_COAP_CONTENT = 0x45,            /* 2.05 */
    TERN_COAP_CONTINUE = 0x5f,           /* 2.31 */
    TERN_COAP_BAD_REQUEST = 0x80,        /* 4.00 */
    TERN_COAP_UNAUTHORIZED = 0x81,       /* 4.01 */
    TERN_COAP_BAD_OPTION = 0x82,         /* 4.02 */
    TERN_COAP_FORBIDDEN = 0x83,          /* 4.03 */
    TERN_COAP_NOT_FOUND = 0x84,          /* 4.04 */
    TERN_COAP_METHOD_NOT_ALLOWED = 0x85, /* 4.05 */
    TERN_COAP_NOT_ACCEPTABLE = 0x86,     /* 4.06 */
    TERN_COAP_REQUEST_INCOMPLETE = 0x88, /* 4.08 */
    TERN_COAP_CONFLICT = 0x89,           /* 4.09 */
    TERN_COAP_PRECONDITION_FAILED = 0x8c,/* 4.12 */
    TERN_COAP_REQUEST_TOO_LARGE = 0x8d,  /* 4.13 */
    TERN_COAP_UNSUPPORTED_FORMAT = 0x8f, /* 4.15 */
    TERN_COAP_UNPROCESSABLE = 0x96,      /* 4.22 */
    TERN_COAP_INTERNAL_ERROR = 0xa0,     /* 5.00 */
    TERN_COAP_NOT_IMPLEMENTED = 0xa1,    /* 5.01 */
    TERN_COAP_BAD_GATEWAY = 0xa2,        /* 5.02 */
    TERN_COAP_SERVICE_UNAVAILABLE = 0xa3,/* 5.03 */
    TERN_COAP_GATEWAY_TIMEOUT = 0xa4,    /* 5.04 */
    TERN_COAP_PROXYING_NOT_SUPPORTED = 0xa5, /* 5.05 */
    /* signaling codes, TCP only (RFC 8323 §5) */
    TERN_COAP_CSM = 0xe1,     /* 7.01 */
    TERN_COAP_PING = 0xe2,    /* 7.02 */
    TERN_COAP_PONG = 0xe3,    /* 7.03 */
    TERN_COAP_RELEASE = 0xe4, /* 7.04 */
    TERN_COAP_ABORT = 0xe5,   /* 7.05 */
};

static inline bool tern_coap_is_request(uint8_t code)
{
    return code >= 0x01 && code <= 0x1f;
}
static inline bool tern_coap_is_response(uint8_t code)
{
    return code >= 0x40 && code <= 0xbf;
}
static inline bool tern_coap_is_signal(uint8_t code)
{
    return code >= 0xe0;
}

/* ---- options ---- */
enum {
    TERN_COAP_OPT_IF_MATCH = 1,
    TERN_COAP_OPT_URI_HOST = 3,
    TERN_COAP_OPT_ETAG = 4,
    TERN_COAP_OPT_IF_NONE_MATCH = 5,
    TERN_COAP_OPT_OBSERVE = 6,
    TERN_COAP_OPT_URI_PORT = 7,
    TERN_COAP_OPT_LOCATION_PATH = 8,
    TERN_COAP_OPT_OSCORE = 9,
    TERN_COAP_OPT_URI_PATH = 11,
    TERN_COAP_OPT_CONTENT_FORMAT = 12,
    TERN_COAP_OPT_MAX_AGE = 14,
    TERN_COAP_OPT_URI_QUERY = 15,
    TERN_COAP_OPT_ACCEPT = 17,
    TERN_COAP_OPT_LOCATION_QUERY = 20,
    TERN_COAP_OPT_BLOCK2 = 23,
    TERN_COAP_OPT_BLOCK1 = 27,
    TERN_COAP_OPT_SIZE2 = 28,
    TERN_COAP_OPT_PROXY_URI = 35,
    TERN_COAP_OPT_PROXY_SCHEME = 39,
    TERN_COAP_OPT_SIZE1 = 60,
    TERN_COAP_OPT_ECHO = 252,
    TERN_COAP_OPT_NO_RESPONSE = 258,
    TERN_COAP_OPT_REQUEST_TAG = 292,
};

/* Signaling options (RFC 8323 §5.3-§5.6); their numbers are scoped by code. */
enum {
    TERN_COAP_SOPT_MAX_MESSAGE_SIZE = 2,   /* CSM */
    TERN_COAP_SOPT_BLOCK_WISE_TRANSFER = 4,/* CSM */
    TERN_COAP_SOPT_CUSTODY = 2,            /* Ping/Pong */
    TERN_COAP_SOPT_ALTERNATIVE_ADDRESS = 2,/* Release */
    TERN_COAP_SOPT_HOLD_OFF = 4,           /* Release */
    TERN_COAP_SOPT_BAD_CSM_OPTION = 2,     /* Abort */
};

static inline bool tern_coap_opt_is_critical(uint16_t num)
{
    return (num & 1u) != 0;
}

typedef enum tern_coap_opt_format {
    TERN_COAP_FMT_EMPTY,
    TERN_COAP_FMT_OPAQUE,
    TERN_COAP_FMT_UINT,
    TERN_COAP_FMT_STRING,
} tern_coap_opt_format;

/* The registry of options tern knows (RFC 7252 §5.10 and later RFCs): the
 * one place where formats, length ranges and repeatability are written down. */
typedef struct tern_coap_opt_def {
    uint16_t num;
    uint8_t format;  /* tern_coap_opt_format */
    bool repeatable;
    uint16_t min_len;
    uint16_t max_len;
    const char *name;
} tern_coap_opt_def;

/* NULL for an option number tern does not know. */
const tern_coap_opt_def *tern_coap_opt_def_find(uint16_t num);
/* The signaling option `num` of signaling code `code` (RFC 8323 §5); NULL
 * when unknown (or code is not a known signaling code). */
const tern_coap_opt_def *tern_coap_signal_opt_def_find(uint8_t code, uint16_t num);

typedef struct tern_coap_opt {
    uint16_t num;
    uint16_t len;
    const uint8_t *val; /* view: into the decoded buffer or caller memory */
} tern_coap_opt;

#ifndef TERN_COAP_MAX_OPTIONS
#define TERN_COAP_MAX_OPTIONS 32
#endif
#define TERN_COAP_MAX_TOKEN 8

typedef struct tern_coap_msg {
    uint8_t type; /* tern_coap_type (UDP only; 0 for TCP) */
    uint8_t code;
    uint16_t mid; /* UDP only */
    uint8_t token_len;
    uint8_t token[TERN_COAP_MAX_TOKEN];
    uint16_t opt_count;
    tern_coap_opt opts[TERN_COAP_MAX_OPTIONS]; /* sorted by num, stable */
    const uint8_t *payload;
    size_t payload_len;
} tern_coap_msg;

/* Reset to an empty message of the given type and code. */
void tern_coap_msg_init(tern_coap_msg *m, tern_coap_type type, uint8_t code, uint16_t mid);
int tern_coap_msg_set_token(tern_coap_msg *m, const uint8_t *tok, size_t len);

/* Adding options: the value is NOT copied (opt_add) except for the uint
 * helpers, which store the minimal big-endian encoding in `scratch` (at least
 * 4 bytes, owned by the caller, alive until encode). Errors: TERN_EFULL when
 * TERN_COAP_MAX_OPTIONS are present, TERN_ERANGE for a value longer than
 * 65535 bytes (or a Uri-Path segment longer than 255), TERN_EINVAL for NULL
 * with a length. */
int tern_coap_opt_add(tern_coap_msg *m, uint16_t num, const void *val, size_t len);
int tern_coap_opt_add_uint(tern_coap_msg *m, uint16_t num, uint32_t v, uint8_t scratch[4]);
int tern_coap_opt_add_str(tern_coap_msg *m, uint16_t num, const char *s);
/* Splits "/a/b" (or "a/b") into Uri-Path options; views into `path`. */
int tern_coap_opt_add_uri_path(tern_coap_msg *m, const char *path);
/* Removes all instances; returns how many were removed (0 when none). */
int tern_coap_opt_remove(tern_coap_msg *m, uint16_t num);

/* Lookup: first instance of num, or NULL. Iterate repeated options with
 * tern_coap_opt_next(m, prev) which returns the next one of the same num. */
const tern_coap_opt *tern_coap_opt_get(const tern_coap_msg *m, uint16_t num);
const tern_coap_opt *tern_coap_opt_next(const tern_coap_msg *m, const tern_coap_opt *prev);
/* uint option value (0-4 bytes, RFC 7252 §3.2; leading zero bytes are
 * accepted); TERN_ENOTFOUND if absent, TERN_EMALFORMED if it needs more than
 * 4 bytes. tern_coap_opt_uint_value() gives UINT32_MAX for such a value. */
int tern_coap_opt_get_uint(const tern_coap_msg *m, uint16_t num, uint32_t *out);
uint32_t tern_coap_opt_uint_value(const tern_coap_opt *o);

/* Content-Format / Accept convenience: -1 when absent. */
int32_t tern_coap_content_format(const tern_coap_msg *m);
int32_t tern_coap_accept(const tern_coap_msg *m);

/* Writes the Uri-Path as "/a/b/c" (NUL-terminated) into out; "/" when there
 * is none. '/', '?', '%' and control bytes inside a segment are written
 * percent-encoded. Returns the length (without NUL) or TERN_ENOMEM. */
int tern_coap_uri_path_str(const tern_coap_msg *m, char *out, size_t cap);

/* ---- Block1/Block2 option values (RFC 7959 §2.2) ---- */
typedef struct tern_coap_block {
    uint32_t num;  /* block number, < 2^20 */
    bool more;     /* M bit */
    uint8_t szx;   /* 0..6 (7 = BERT on TCP, RFC 8323 §6) */
} tern_coap_block;

static inline uint32_t tern_coap_block_size(uint8_t szx)
{
    return 1u << (szx + 4);
}
/* Decodes a Block1/Block2 option; TERN_ENOTFOUND if absent, TERN_EMALFORMED
 * for a value longer than 3 bytes or SZX 7 where BERT is not allowed.
 * tern_coap_block_get is for UDP (SZX 7 is malformed); over TCP use
 * tern_coap_block_get_ex(..., true, ...) which accepts BERT (RFC 8323 §6).
 * For BERT the block size is 1024 per BERT unit, not tern_coap_block_size(7). */
int tern_coap_block_get(const tern_coap_msg *m, uint16_t num, tern_coap_block *out);
int tern_coap_block_get_ex(const tern_coap_msg *m, uint16_t num, bool bert_ok, tern_coap_block *out);
/* Encodes minimally into scratch (3 bytes) and adds the option; TERN_ERANGE
 * for num >= 2^20 or szx > 7. */
int tern_coap_block_add(tern_coap_msg *m, uint16_t num, tern_coap_block b, uint8_t scratch[3]);

/* ---- decoding ---- */

/* Why a message was rejected, enough for the endpoint to pick RFC 7252's
 * reaction: silently drop, RST, or 4.02/4.00 for a request. */
typedef struct tern_coap_parse_err {
    int err;          /* TERN_EMALFORMED, TERN_ETRUNCATED, TERN_EBADOPT, TERN_ETOOBIG */
    size_t offset;    /* byte offset of the problem */
    const char *reason; /* static string */
    bool header_ok;   /* type/code/mid/token were decoded (so a RST or 4.xx can be sent) */
    uint16_t bad_option; /* for TERN_EBADOPT */
    /* Set by tern_coap_decode_udp only: version, type and MID were decoded,
     * so a RST can be sent (RFC 7252 §4.2) even when header_ok is false
     * because the token was unreadable (TKL 9-15, token past the end). */
    bool mid_ok;
} tern_coap_parse_err;

/* Decodes a UDP datagram (RFC 7252 §3). On success every field of *m is
 * valid and views into buf. Never half-parses: on failure *m holds only the
 * header fields when err->header_ok. Does not judge option semantics; see
 * tern_coap_check_options(). `err` may be NULL. */
int tern_coap_decode_udp(tern_coap_msg *m, const uint8_t *buf, size_t len, tern_coap_parse_err *err);

/* RFC 8323 §3.2 framing. tern_coap_tcp_frame_len() tells how many bytes the
 * message that starts at buf occupies: TERN_AGAIN if more bytes are needed to
 * know (then *need is the minimum total to read), else TERN_OK with *need set
 * to the full frame length. */
int tern_coap_tcp_frame_len(const uint8_t *buf, size_t len, size_t *need);
/* Decodes one RFC 8323 message; `len` must be exactly its frame length (as
 * given by tern_coap_tcp_frame_len): fewer bytes → TERN_ETRUNCATED, more →
 * TERN_EMALFORMED. type and mid are 0. TKL 9-15 → TERN_EMALFORMED without
 * header_ok. Empty (0.00) messages may carry anything (RFC 8323 §3.4 says
 * they are ignored). */
int tern_coap_decode_tcp(tern_coap_msg *m, const uint8_t *buf, size_t len, tern_coap_parse_err *err);

/* Checks options against the registry (§5.4.1, §5.4.3, §5.4.5): unknown or
 * out-of-range-length critical options give TERN_EBADOPT with the option
 * number; unknown elective ones are ignored; a non-repeatable option that
 * appears twice counts as unrecognised (critical → TERN_EBADOPT). Signaling
 * messages are checked against the signaling options of their code. */
int tern_coap_check_options(const tern_coap_msg *m, tern_coap_parse_err *err);

/* ---- encoding ---- */
/* Serialises; returns bytes written (>0) or TERN_ENOMEM (cap too small,
 * nothing useful written) / TERN_EINVAL (token > 8, options unsorted, a view
 * NULL with a length; for UDP also a type > 3, a 7.xx code, or an Empty
 * message with token/options/payload). */
int tern_coap_encode_udp(const tern_coap_msg *m, uint8_t *out, size_t cap);
int tern_coap_encode_tcp(const tern_coap_msg *m, uint8_t *out, size_t cap);
/* Length the message would take, without writing; 0 when not encodable. */
size_t tern_coap_encoded_len_udp(const tern_coap_msg *m);
size_t tern_coap_encoded_len_tcp(const tern_coap_msg *m);

/* Code as text, e.g. "2.05", into a 5-byte buffer. */
const char *tern_coap_code_str(uint8_t code, char out[5]);

/* ---- request lines as text (msg_text.c) ----
 * The notation of the spec's figures and of logs: "POST /rd?ep=node&lt=86400&Q".
 *
 * tern_coap_msg_from_text() builds a request into m (CON, Message ID 0, no
 * token): METHOD is GET, POST, PUT, DELETE, FETCH, PATCH or iPATCH (RFC
 * 7252 §12.1.1, RFC 8132), one SP, then an absolute path with an optional
 * query and no fragment. The path becomes one Uri-Path per segment and the
 * query one Uri-Query per '&' item (RFC 7252 §6.4 steps 8-9: "/" alone
 * gives none, empty segments and items are kept), percent-escapes decoded.
 * Option values view into `text` (which must outlive m) or, where an escape
 * was decoded, into `scratch` (cap bytes, owned by the caller, alive while m
 * is used; NULL/0 is fine for text without '%'). Errors: TERN_EMALFORMED
 * (unknown method, no '/', a '#', SP or a control byte in the URI, a bad
 * escape), TERN_ENOMEM (scratch too small), TERN_EFULL (too many options),
 * TERN_ERANGE (a segment longer than 255 bytes). */
int tern_coap_msg_from_text(tern_coap_msg *m, const char *text, size_t len, uint8_t *scratch, size_t cap);

/* Writes m as text (NUL-terminated) into out: a request as "METHOD /path"
 * plus "?q1&q2" when it has Uri-Query options; a response or signal as its
 * code ("2.01"), plus " /loc?q" when it has Location-Path/-Query options.
 * '/', '?', '&', '#', '%', SP and bytes outside 0x21..0x7e inside a segment
 * or item are percent-encoded, so the text parses back to the same options.
 * Returns the length (without NUL) or TERN_ENOMEM. */
int tern_coap_msg_to_text(const tern_coap_msg *m, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* TERN_COAP_MSG_H */
