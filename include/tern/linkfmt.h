/* tern — CoRE Link Format (RFC 6690) as LwM2M uses it: Register/Update
 * payloads, Discover and Bootstrap-Discover responses, Corelnk values
 * (LwM2M 1.2 Core §5.2.7, §6.2.1, §6.3.2; Transport §6.4).
 *
 * Parser: iterates links from a buffer, one link and its attributes per
 * call; nothing is copied or allocated. Every view (URI, names, values)
 * points into the caller's buffer and lives as long as it. A quoted value
 * is given raw (between the quotes, escapes intact; tern_link_unquote()
 * copies it out unescaped). The input may arrive in pieces: init/refill
 * with last == false makes next() return TERN_AGAIN for a link that may
 * not be complete yet; the caller then keeps the bytes from lp->pos on,
 * appends more and calls tern_link_parser_refill().
 *
 * Lenient by default where real devices and the Core spec's own examples
 * deviate from RFC 6690: whitespace (SP, HTAB, CR, LF) after ',' and after
 * ';', a line break (whitespace holding CR or LF) instead of ',' between
 * two links (the spec writes lists one link per line, Core §6.4.4), and
 * the pre-1.2 Bootstrap-Discover form "lwm2m=1.0,</0/0>" (the leading
 * attributes belong to "/"). TERN_LINK_STRICT turns all three off. Two
 * links with nothing between them ("</2/0></2/1>") are always rejected.
 * Always rejected (TERN_EMALFORMED, with lp->err_offset): an unterminated
 * '<' or quoted string, an empty URI, a URI that is not an absolute path
 * (scheme, "//", query, fragment, bad %-escape, non-ASCII), control
 * characters, whitespace elsewhere, an empty value ("a="), a trailing ','
 * or ';'. More attributes than the caller's array: TERN_EFULL.
 * Unknown attributes are returned like any other. Unless
 * TERN_LINK_NO_LWM2M_CHECKS, the LwM2M attributes are checked: pmin, pmax,
 * epmin, epmax, hqmax, dim, ssid need a value; dim is 0..255; ssid is
 * 1..65534; the periods are unsigned integers (TERN_ERANGE / EMALFORMED).
 */
#ifndef TERN_LINKFMT_H
#define TERN_LINKFMT_H

#include "tern/base.h"
#include "tern/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TERN_LINK_STRICT = 1u << 0,           /* RFC 6690 exactly: no extra whitespace, no legacy form */
    TERN_LINK_NO_LWM2M_CHECKS = 1u << 1,  /* generic link format: no checks of LwM2M attributes */
};

typedef struct tern_link_attr {
    tern_bytes name;
    tern_bytes value; /* raw; for quoted values the text between the quotes */
    bool has_value;
    bool quoted;
} tern_link_attr;

typedef struct tern_link {
    tern_bytes uri;   /* between '<' and '>' ("/" for the legacy form) */
    size_t nattrs;    /* attributes written to the caller's array */
} tern_link;

typedef struct tern_link_parser {
    const uint8_t *buf; /* caller's buffer (borrowed) */
    size_t len;
    size_t pos;         /* first byte not consumed yet */
    size_t base;        /* document offset of buf[0] */
    unsigned flags;
    bool last;
    bool need_link;     /* a ',' was consumed: another link must follow */
    size_t links;       /* links returned so far */
    int err;            /* sticky error, 0 if none */
    size_t err_offset;  /* document offset of the error */
    const char *err_reason;
} tern_link_parser;

void tern_link_parser_init(tern_link_parser *lp, const uint8_t *buf, size_t len, bool last, unsigned flags);
/* Continues with a new buffer whose first byte is the old buf[lp->pos]. */
void tern_link_parser_refill(tern_link_parser *lp, const uint8_t *buf, size_t len, bool last);
/* TERN_OK: *link and attrs[0 .. link->nattrs) are set. TERN_DONE: no more
 * links. TERN_AGAIN: need more input. < 0: error (sticky). */
int tern_link_next(tern_link_parser *lp, tern_link *link, tern_link_attr *attrs, size_t attrs_cap);

/* Copies a value out with the quoted-pair \" unescaped (other backslashes
 * are kept, as Leshan does) and NUL-terminates it. Returns the length or
 * TERN_ENOMEM. */
int tern_link_unquote(const tern_link_attr *a, char *out, size_t cap);
/* The LwM2M path of a link URI below an optional alternate path prefix
 * ("/lwm2m"; NULL or "" for none): "/3/0" -> /3/0, "/0/1/" -> /0/1,
 * "/lwm2m" with prefix "/lwm2m" -> "/". TERN_ENOTFOUND if the URI is not
 * under the prefix, else tern_path_parse()'s errors. */
int tern_link_uri_path(tern_bytes uri, const char *prefix, tern_path *out);

/* Builder for Register/Update payloads and Discover responses. Every call
 * is atomic on `out`: TERN_ENOMEM writes nothing. Output is byte-exact to
 * the Core spec's examples:
 *   tern_link_add_path(&b, NULL, &root); tern_link_add_attr(&b, "rt", "oma.lwm2m", true);
 *   tern_link_add_attr_uint(&b, "ct", 11543);        -> </>;rt="oma.lwm2m";ct=11543
 *   tern_link_add_path(&b, "/lwm2m", &root)      -> </lwm2m>
 *   tern_link_add_path(&b, NULL, &p_3) + ver     -> ,</3>;ver=1.1
 *   tern_link_add_path + tern_link_add_attrs(&b, &a) -> ,</3/0/7>;dim=2;pmin=10 */
typedef struct tern_link_builder {
    tern_wbuf *out; /* borrowed for the builder's lifetime */
    size_t links;
} tern_link_builder;

void tern_link_builder_init(tern_link_builder *b, tern_wbuf *out);
/* "</prefix/O/I/R/RI>"; the root with no prefix is "</>". */
int tern_link_add_path(tern_link_builder *b, const char *prefix, const tern_path *p);
/* "<uri>" as given (checked like the parser checks URIs). */
int tern_link_add_uri(tern_link_builder *b, const char *uri, size_t len);
/* ";name", ";name=value" or ";name=\"value\"" on the last link; quoted
 * values get '"' and '\' escaped. Names and unquoted values are checked
 * against RFC 6690's character sets (TERN_EINVAL). */
int tern_link_add_attr(tern_link_builder *b, const char *name, const char *value, bool quoted);
int tern_link_add_attr_uint(tern_link_builder *b, const char *name, uint64_t v);
/* The attributes set in `a`, in tern_attrs_format()'s order. */
int tern_link_add_attrs(tern_link_builder *b, const tern_attrs *a);

#ifdef __cplusplus
}
#endif
#endif /* TERN_LINKFMT_H */
