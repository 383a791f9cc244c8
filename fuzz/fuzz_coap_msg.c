/* Fuzz target: CoAP message codec. The first input byte selects the framing
 * (even: UDP, RFC 7252; odd: TCP, RFC 8323); the rest is one message.
 * Decodes, checks options, exercises the accessors, and for a message that
 * decodes re-encodes it and decodes again: both decodes must be equal, and
 * since the option and length encodings are unique the bytes must be too. */
#include "tern/coap_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_coap_msg: %s\n", what);
    abort();
}

static void same(const tern_coap_msg *a, const tern_coap_msg *b)
{
    if (a->type != b->type || a->code != b->code || a->mid != b->mid ||
        a->token_len != b->token_len || memcmp(a->token, b->token, a->token_len) != 0)
        fail("header differs after re-encoding");
    if (a->opt_count != b->opt_count)
        fail("option count differs");
    for (size_t i = 0; i < a->opt_count; i++) {
        const tern_coap_opt *x = &a->opts[i], *y = &b->opts[i];
        if (x->num != y->num || x->len != y->len || (x->len && memcmp(x->val, y->val, x->len) != 0))
            fail("option differs");
    }
    if (a->payload_len != b->payload_len ||
        (a->payload_len && memcmp(a->payload, b->payload, a->payload_len) != 0))
        fail("payload differs");
}

static void poke(const tern_coap_msg *m)
{
    uint32_t u;
    tern_coap_block b;
    char path[64], code[5];
    (void)tern_coap_check_options(m, NULL);
    (void)tern_coap_opt_get_uint(m, TERN_COAP_OPT_OBSERVE, &u);
    (void)tern_coap_content_format(m);
    (void)tern_coap_accept(m);
    (void)tern_coap_block_get(m, TERN_COAP_OPT_BLOCK2, &b);
    (void)tern_coap_block_get_ex(m, TERN_COAP_OPT_BLOCK1, true, &b);
    int n = tern_coap_uri_path_str(m, path, sizeof path);
    if (n >= 0 && (size_t)n != strlen(path))
        fail("uri_path_str length");
    (void)tern_coap_code_str(m->code, code);
    for (const tern_coap_opt *o = tern_coap_opt_get(m, TERN_COAP_OPT_URI_QUERY); o;
         o = tern_coap_opt_next(m, o))
        (void)tern_coap_opt_uint_value(o);
    for (size_t i = 0; i < m->opt_count; i++)
        if (i && m->opts[i].num < m->opts[i - 1].num)
            fail("decoded options not sorted");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool tcp = data[0] & 1;
    const uint8_t *in = data + 1;
    size_t len = size - 1;
    tern_coap_msg m, m2;
    tern_coap_parse_err e;
    int rc;
    if (tcp) {
        size_t need = 0;
        int fr = tern_coap_tcp_frame_len(in, len, &need);
        rc = tern_coap_decode_tcp(&m, in, len, &e);
        if (rc == TERN_OK && (fr != TERN_OK || need != len))
            fail("decode_tcp accepted what frame_len does not frame");
    } else {
        rc = tern_coap_decode_udp(&m, in, len, &e);
    }
    if (rc != TERN_OK) {
        if (rc >= 0 || e.err != rc || !e.reason || e.offset > len)
            fail("bad error report");
        if (m.opt_count || m.payload || m.payload_len)
            fail("half-parsed message");
        return 0;
    }
    poke(&m);

    size_t cap = len + 8;
    uint8_t *out = malloc(cap);
    if (!out)
        return 0;
    int n = tcp ? tern_coap_encode_tcp(&m, out, cap) : tern_coap_encode_udp(&m, out, cap);
    if (n < 0)
        fail("re-encoding a decoded message failed");
    if ((size_t)n != len || memcmp(out, in, len) != 0)
        fail("re-encoded bytes differ");
    if (!tcp && tern_coap_encoded_len_udp(&m) != (size_t)n)
        fail("encoded_len_udp differs");
    if (tcp && tern_coap_encoded_len_tcp(&m) != (size_t)n)
        fail("encoded_len_tcp differs");
    if ((tcp ? tern_coap_encode_tcp(&m, out, (size_t)n - 1) : tern_coap_encode_udp(&m, out, (size_t)n - 1)) !=
        TERN_ENOMEM)
        fail("short buffer not ENOMEM");
    n = tcp ? tern_coap_encode_tcp(&m, out, cap) : tern_coap_encode_udp(&m, out, cap);
    rc = tcp ? tern_coap_decode_tcp(&m2, out, (size_t)n, &e) : tern_coap_decode_udp(&m2, out, (size_t)n, &e);
    if (rc != TERN_OK)
        fail("re-encoded message does not decode");
    same(&m, &m2);
    free(out);
    return 0;
}
