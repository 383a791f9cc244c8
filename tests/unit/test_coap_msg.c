/* Unit tests: CoAP message codec (RFC 7252 UDP framing, RFC 8323 TCP framing
 * and signaling, options of RFC 7252/7641/7959/8613/9175/7967, RFC 8132
 * methods). Expected bytes are the RFC examples or derived by hand from the
 * framing rules cited next to each test. */
#include "tharness.h"
#include "tern/coap_msg.h"

#include <stdlib.h>

static uint8_t g_big[70000];   /* payload source for large messages */
static uint8_t g_out[70100];   /* encoder output for large messages */

/* Hex to bytes; aborts the test program on a typo in a vector. */
static size_t hx(const char *s, uint8_t *out, size_t cap)
{
    int n = thex(s, out, cap);
    if (n < 0) {
        fprintf(stderr, "bad hex vector: %s\n", s);
        abort();
    }
    return (size_t)n;
}

/* Appends ASCII text to a hex-decoded prefix. */
static size_t hx_txt(const char *hex, const char *txt, uint8_t *out, size_t cap)
{
    size_t n = hx(hex, out, cap);
    size_t t = strlen(txt);
    memcpy(out + n, txt, t);
    return n + t;
}

/* Encodes m over UDP, compares with exp, decodes back, compares fields,
 * and checks TERN_ENOMEM at every truncation length. */
static void udp_roundtrip(const tern_coap_msg *m, const uint8_t *exp, size_t exp_len)
{
    uint8_t out[512];
    int n = tern_coap_encode_udp(m, out, sizeof out);
    CHECK_EQ(n, (long long)exp_len);
    CHECK_EQ(tern_coap_encoded_len_udp(m), exp_len);
    if (n != (int)exp_len)
        return;
    CHECK_MEM(out, exp, exp_len);
    for (size_t cap = 0; cap < exp_len; cap++)
        CHECK_EQ(tern_coap_encode_udp(m, out, cap), TERN_ENOMEM);
    CHECK_EQ(tern_coap_encode_udp(m, out, exp_len), (long long)exp_len);

    tern_coap_msg d;
    tern_coap_parse_err e;
    CHECK_EQ(tern_coap_decode_udp(&d, exp, exp_len, &e), TERN_OK);
    CHECK_EQ(d.type, m->type);
    CHECK_EQ(d.code, m->code);
    CHECK_EQ(d.mid, m->mid);
    CHECK_EQ(d.token_len, m->token_len);
    CHECK_MEM(d.token, m->token, m->token_len);
    CHECK_EQ(d.opt_count, m->opt_count);
    for (size_t i = 0; i < d.opt_count && i < m->opt_count; i++) {
        CHECK_EQ(d.opts[i].num, m->opts[i].num);
        CHECK_EQ(d.opts[i].len, m->opts[i].len);
        if (d.opts[i].len == m->opts[i].len && d.opts[i].len)
            CHECK_MEM(d.opts[i].val, m->opts[i].val, d.opts[i].len);
    }
    CHECK_EQ(d.payload_len, m->payload_len);
    if (d.payload_len == m->payload_len && d.payload_len)
        CHECK_MEM(d.payload, m->payload, d.payload_len);
    CHECK_EQ(tern_coap_check_options(&d, &e), TERN_OK);
}

/* ---- RFC 7252 Appendix A ---- */

static void test_appendix_a_piggybacked(void)
{
    /* A.1 / Figure 16: CON GET MID 0x7d34, Uri-Path "temperature" (delta 11,
     * length 11 → 0xbb), no token; ACK 2.05 with "22.3 C". */
    uint8_t exp[64];
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0x7d34);
    CHECK_EQ(tern_coap_opt_add_uri_path(&m, "/temperature"), TERN_OK);
    size_t n = hx_txt("40 01 7d 34 bb", "temperature", exp, sizeof exp);
    udp_roundtrip(&m, exp, n);

    tern_coap_msg_init(&m, TERN_COAP_ACK, TERN_COAP_CONTENT, 0x7d34);
    m.payload = (const uint8_t *)"22.3 C";
    m.payload_len = 6;
    n = hx_txt("60 45 7d 34 ff", "22.3 C", exp, sizeof exp);
    udp_roundtrip(&m, exp, n);
}

static void test_appendix_a_token(void)
{
    /* Figure 18: the same exchange with a 1-byte token 0x31 (TKL 1). */
    uint8_t exp[64];
    const uint8_t tok = 0x31;
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0x7d36);
    CHECK_EQ(tern_coap_msg_set_token(&m, &tok, 1), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_uri_path(&m, "temperature"), TERN_OK);
    size_t n = hx_txt("41 01 7d 36 31 bb", "temperature", exp, sizeof exp);
    udp_roundtrip(&m, exp, n);

    tern_coap_msg_init(&m, TERN_COAP_ACK, TERN_COAP_CONTENT, 0x7d36);
    CHECK_EQ(tern_coap_msg_set_token(&m, &tok, 1), TERN_OK);
    m.payload = (const uint8_t *)"22.3 C";
    m.payload_len = 6;
    n = hx_txt("61 45 7d 36 31 ff", "22.3 C", exp, sizeof exp);
    udp_roundtrip(&m, exp, n);
}

static void test_appendix_a_separate(void)
{
    /* A.2 / Figure 20: separate response. CON GET MID 0x7a10 token 0x73;
     * Empty ACK 0x7a10; CON 2.05 MID 0x23bb token 0x73 "22.5 C"; Empty ACK. */
    uint8_t exp[64];
    const uint8_t tok = 0x73;
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0x7a10);
    CHECK_EQ(tern_coap_msg_set_token(&m, &tok, 1), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_uri_path(&m, "/temperature"), TERN_OK);
    size_t n = hx_txt("41 01 7a 10 73 bb", "temperature", exp, sizeof exp);
    udp_roundtrip(&m, exp, n);

    tern_coap_msg_init(&m, TERN_COAP_ACK, TERN_COAP_EMPTY, 0x7a10);
    n = hx("60 00 7a 10", exp, sizeof exp);
    udp_roundtrip(&m, exp, n);

    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_CONTENT, 0x23bb);
    CHECK_EQ(tern_coap_msg_set_token(&m, &tok, 1), TERN_OK);
    m.payload = (const uint8_t *)"22.5 C";
    m.payload_len = 6;
    n = hx_txt("41 45 23 bb 73 ff", "22.5 C", exp, sizeof exp);
    udp_roundtrip(&m, exp, n);

    tern_coap_msg_init(&m, TERN_COAP_ACK, TERN_COAP_EMPTY, 0x23bb);
    n = hx("60 00 23 bb", exp, sizeof exp);
    udp_roundtrip(&m, exp, n);
}

static void test_appendix_a_non(void)
{
    /* A.3 / Figure 21: NON request, NON response (T=1 → 0x5x). */
    uint8_t exp[64];
    const uint8_t tok = 0x74;
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_NON, TERN_COAP_GET, 0x7a11);
    CHECK_EQ(tern_coap_msg_set_token(&m, &tok, 1), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_uri_path(&m, "/temperature"), TERN_OK);
    size_t n = hx_txt("51 01 7a 11 74 bb", "temperature", exp, sizeof exp);
    udp_roundtrip(&m, exp, n);

    tern_coap_msg_init(&m, TERN_COAP_NON, TERN_COAP_CONTENT, 0x23bc);
    CHECK_EQ(tern_coap_msg_set_token(&m, &tok, 1), TERN_OK);
    m.payload = (const uint8_t *)"22.5 C";
    m.payload_len = 6;
    n = hx_txt("51 45 23 bc 74 ff", "22.5 C", exp, sizeof exp);
    udp_roundtrip(&m, exp, n);

    /* RST (an Empty message of type 3) */
    tern_coap_msg_init(&m, TERN_COAP_RST, TERN_COAP_EMPTY, 0x23bc);
    n = hx("70 00 23 bc", exp, sizeof exp);
    udp_roundtrip(&m, exp, n);
}

static void test_appendix_a_uri_host_port(void)
{
    /* A.5-like: GET coap://[2001:db8::2:1]:61616/.well-known/core with
     * Uri-Port 61616 (0xf0b0, 2 bytes, delta 7) and two Uri-Path (delta 4,
     * then 0), derived from §3.1. */
    uint8_t exp[64], sc[4];
    const uint8_t tok[2] = {0xa1, 0xb2};
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0x0001);
    CHECK_EQ(tern_coap_msg_set_token(&m, tok, 2), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_uri_path(&m, "/.well-known/core"), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_uint(&m, TERN_COAP_OPT_URI_PORT, 61616, sc), TERN_OK);
    size_t n = hx("42 01 00 01 a1 b2 72 f0 b0 4b", exp, sizeof exp);
    memcpy(exp + n, ".well-known", 11);
    n += 11;
    n += hx("04", exp + n, sizeof exp - n);
    memcpy(exp + n, "core", 4);
    n += 4;
    udp_roundtrip(&m, exp, n);
    char path[64];
    CHECK_EQ(tern_coap_uri_path_str(&m, path, sizeof path), 17);
    CHECK_STR(path, "/.well-known/core");
}

/* ---- RFC 8132 methods ---- */

static void test_fetch_patch_ipatch(void)
{
    const uint8_t codes[3] = {TERN_COAP_FETCH, TERN_COAP_PATCH, TERN_COAP_IPATCH};
    const char *strs[3] = {"0.05", "0.06", "0.07"};
    for (int i = 0; i < 3; i++) {
        uint8_t exp[32], sc[4];
        tern_coap_msg m;
        tern_coap_msg_init(&m, TERN_COAP_CON, codes[i], 0x1234);
        CHECK_EQ(tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_PATH, "a"), TERN_OK);
        CHECK_EQ(tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, 60, sc), TERN_OK);
        m.payload = (const uint8_t *)"\x81";
        m.payload_len = 1;
        /* Uri-Path: delta 11 len 1; Content-Format: delta 1 len 1 (60 = 0x3c). */
        size_t n = 0;
        exp[n++] = 0x40;
        exp[n++] = codes[i];
        n += hx("12 34 b1 61 11 3c ff 81", exp + n, sizeof exp - n);
        udp_roundtrip(&m, exp, n);
        char cs[5];
        CHECK_STR(tern_coap_code_str(codes[i], cs), strs[i]);
        CHECK(tern_coap_is_request(codes[i]));
    }
}

static void test_code_str(void)
{
    char s[5];
    CHECK_STR(tern_coap_code_str(TERN_COAP_EMPTY, s), "0.00");
    CHECK_STR(tern_coap_code_str(TERN_COAP_CONTENT, s), "2.05");
    CHECK_STR(tern_coap_code_str(TERN_COAP_CONTINUE, s), "2.31");
    CHECK_STR(tern_coap_code_str(TERN_COAP_PRECONDITION_FAILED, s), "4.12");
    CHECK_STR(tern_coap_code_str(TERN_COAP_UNPROCESSABLE, s), "4.22");
    CHECK_STR(tern_coap_code_str(TERN_COAP_PROXYING_NOT_SUPPORTED, s), "5.05");
    CHECK_STR(tern_coap_code_str(TERN_COAP_CSM, s), "7.01");
    CHECK_STR(tern_coap_code_str(0xff, s), "7.31");
}

/* ---- RFC 7959 Block values ---- */

static void block_case(uint16_t num, uint32_t bnum, bool more, uint8_t szx, const char *opt_hex)
{
    uint8_t exp[16], out[32], sc[3];
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    tern_coap_block b = {bnum, more, szx};
    CHECK_EQ(tern_coap_block_add(&m, num, b, sc), TERN_OK);
    size_t n = hx("40 01 00 00", exp, sizeof exp);
    n += hx(opt_hex, exp + n, sizeof exp - n);
    int len = tern_coap_encode_udp(&m, out, sizeof out);
    CHECK_EQ(len, (long long)n);
    CHECK_MEM(out, exp, n);
    tern_coap_msg d;
    CHECK_EQ(tern_coap_decode_udp(&d, exp, n, NULL), TERN_OK);
    tern_coap_block g = {0, false, 0};
    CHECK_EQ(tern_coap_block_get(&d, num, &g), TERN_OK);
    CHECK_EQ(g.num, bnum);
    CHECK_EQ(g.more, more);
    CHECK_EQ(g.szx, szx);
    CHECK_EQ(tern_coap_check_options(&d, NULL), TERN_OK);
}

static void test_block_values(void)
{
    /* Block2 = 23: delta nibble 13, extended delta 10. Block1 = 27: ext 14.
     * Value = NUM << 4 | M << 3 | SZX, minimal length (RFC 7959 §2.2). */
    block_case(TERN_COAP_OPT_BLOCK2, 0, false, 0, "d0 0a");         /* 0 bytes */
    block_case(TERN_COAP_OPT_BLOCK2, 0, true, 3, "d1 0a 0b");       /* 2:0/1/128 (§3, Fig. 2) */
    block_case(TERN_COAP_OPT_BLOCK2, 1, true, 3, "d1 0a 1b");       /* 2:1/1/128 */
    block_case(TERN_COAP_OPT_BLOCK2, 2, false, 3, "d1 0a 23");      /* 2:2/0/128 */
    block_case(TERN_COAP_OPT_BLOCK2, 0, false, 6, "d1 0a 06");      /* 2:0/0/1024 */
    block_case(TERN_COAP_OPT_BLOCK2, 15, true, 6, "d1 0a fe");      /* last 1-byte NUM */
    block_case(TERN_COAP_OPT_BLOCK2, 16, false, 2, "d2 0a 01 02");  /* first 2-byte NUM */
    block_case(TERN_COAP_OPT_BLOCK2, 4095, true, 6, "d2 0a ff fe"); /* last 2-byte NUM */
    block_case(TERN_COAP_OPT_BLOCK2, 4096, true, 6, "d3 0a 01 00 0e"); /* 3 bytes */
    block_case(TERN_COAP_OPT_BLOCK2, (1u << 20) - 1, false, 4, "d3 0a ff ff f4");
    block_case(TERN_COAP_OPT_BLOCK1, 0, true, 2, "d1 0e 0a");       /* 1:0/1/64 (§3.2) */
    block_case(TERN_COAP_OPT_BLOCK1, 2, false, 2, "d1 0e 22");      /* 1:2/0/64 */
    block_case(TERN_COAP_OPT_BLOCK1, 4096, false, 1, "d3 0e 01 00 01");
    for (uint8_t szx = 0; szx <= 6; szx++)
        CHECK_EQ(tern_coap_block_size(szx), 16u << szx); /* 16 .. 1024 */

    uint8_t sc[3];
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    tern_coap_block big = {1u << 20, false, 0};
    CHECK_EQ(tern_coap_block_add(&m, TERN_COAP_OPT_BLOCK2, big, sc), TERN_ERANGE);
    tern_coap_block bad = {0, false, 8};
    CHECK_EQ(tern_coap_block_add(&m, TERN_COAP_OPT_BLOCK2, bad, sc), TERN_ERANGE);
    CHECK_EQ(m.opt_count, 0);
    tern_coap_block g;
    CHECK_EQ(tern_coap_block_get(&m, TERN_COAP_OPT_BLOCK2, &g), TERN_ENOTFOUND);

    /* SZX 7 is reserved over UDP (RFC 7959 §2.2), BERT over TCP (RFC 8323 §6). */
    uint8_t in[16];
    size_t n = hx("40 01 00 00 d1 0a 0f", in, sizeof in);
    tern_coap_msg d;
    CHECK_EQ(tern_coap_decode_udp(&d, in, n, NULL), TERN_OK);
    CHECK_EQ(tern_coap_block_get(&d, TERN_COAP_OPT_BLOCK2, &g), TERN_EMALFORMED);
    /* A 4-byte Block value is malformed. */
    n = hx("40 01 00 00 d4 0a 00 00 00 01", in, sizeof in);
    CHECK_EQ(tern_coap_decode_udp(&d, in, n, NULL), TERN_OK);
    CHECK_EQ(tern_coap_block_get(&d, TERN_COAP_OPT_BLOCK2, &g), TERN_EMALFORMED);
    tern_coap_parse_err e;
    CHECK_EQ(tern_coap_check_options(&d, &e), TERN_EBADOPT); /* critical, length 0-3 */
    CHECK_EQ(e.bad_option, TERN_COAP_OPT_BLOCK2);
}

/* ---- RFC 7641 Observe values ---- */

static void observe_case(uint32_t v, const char *opt_hex)
{
    uint8_t exp[16], out[32], sc[4];
    const uint8_t tok = 0x4a;
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_ACK, TERN_COAP_CONTENT, 0x1000);
    CHECK_EQ(tern_coap_msg_set_token(&m, &tok, 1), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_uint(&m, TERN_COAP_OPT_OBSERVE, v, sc), TERN_OK);
    size_t n = hx("61 45 10 00 4a", exp, sizeof exp);
    n += hx(opt_hex, exp + n, sizeof exp - n);
    CHECK_EQ(tern_coap_encode_udp(&m, out, sizeof out), (long long)n);
    CHECK_MEM(out, exp, n);
    tern_coap_msg d;
    uint32_t got = 0xdeadbeef;
    CHECK_EQ(tern_coap_decode_udp(&d, exp, n, NULL), TERN_OK);
    CHECK_EQ(tern_coap_opt_get_uint(&d, TERN_COAP_OPT_OBSERVE, &got), TERN_OK);
    CHECK_EQ(got, v);
}

static void test_observe_values(void)
{
    /* Observe = 6: delta nibble 6 (RFC 7641 §2, uint 0-3 bytes). */
    observe_case(0, "60");          /* registration (§3.1) */
    observe_case(1, "61 01");       /* deregistration (§3.6) */
    observe_case(12, "61 0c");      /* notification sequence numbers (§4, Fig. 2) */
    observe_case(44, "61 2c");
    observe_case(60, "61 3c");
    observe_case(255, "61 ff");
    observe_case(256, "62 01 00");
    observe_case(0xffff, "62 ff ff");
    observe_case(0x10000, "63 01 00 00");
    observe_case(0xffffff, "63 ff ff ff"); /* largest 24-bit sequence number */

    /* A 4-byte value does not fit the option (length 0-3): building refuses. */
    uint8_t sc[4];
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_ACK, TERN_COAP_CONTENT, 1);
    CHECK_EQ(tern_coap_opt_add_uint(&m, TERN_COAP_OPT_OBSERVE, 0x1000000, sc), TERN_ERANGE);
    CHECK_EQ(m.opt_count, 0);
    /* Received: Observe is elective, so a 4-byte Observe is not a Bad Option
     * (RFC 7252 §5.4.3: treated like an unrecognised elective → ignored). */
    uint8_t in[16];
    size_t n = hx("60 45 00 01 64 01 00 00 00", in, sizeof in);
    tern_coap_msg d;
    CHECK_EQ(tern_coap_decode_udp(&d, in, n, NULL), TERN_OK);
    CHECK_EQ(tern_coap_check_options(&d, NULL), TERN_OK);
    const tern_coap_opt_def *def = tern_coap_opt_def_find(TERN_COAP_OPT_OBSERVE);
    CHECK(def != NULL);
    CHECK(def && d.opts[0].len > def->max_len);
}

/* ---- option registry, uint encoding, headers ---- */

static void test_registry(void)
{
    static const struct {
        uint16_t num;
        uint8_t fmt;
        bool rep;
        uint16_t min, max;
    } want[] = {
        {1, TERN_COAP_FMT_OPAQUE, true, 0, 8},     {3, TERN_COAP_FMT_STRING, false, 1, 255},
        {4, TERN_COAP_FMT_OPAQUE, true, 1, 8},     {5, TERN_COAP_FMT_EMPTY, false, 0, 0},
        {6, TERN_COAP_FMT_UINT, false, 0, 3},      {7, TERN_COAP_FMT_UINT, false, 0, 2},
        {8, TERN_COAP_FMT_STRING, true, 0, 255},   {9, TERN_COAP_FMT_OPAQUE, false, 0, 255},
        {11, TERN_COAP_FMT_STRING, true, 0, 255},  {12, TERN_COAP_FMT_UINT, false, 0, 2},
        {14, TERN_COAP_FMT_UINT, false, 0, 4},     {15, TERN_COAP_FMT_STRING, true, 0, 255},
        {17, TERN_COAP_FMT_UINT, false, 0, 2},     {20, TERN_COAP_FMT_STRING, true, 0, 255},
        {23, TERN_COAP_FMT_UINT, false, 0, 3},     {27, TERN_COAP_FMT_UINT, false, 0, 3},
        {28, TERN_COAP_FMT_UINT, false, 0, 4},     {35, TERN_COAP_FMT_STRING, false, 1, 1034},
        {39, TERN_COAP_FMT_STRING, false, 1, 255}, {60, TERN_COAP_FMT_UINT, false, 0, 4},
        {252, TERN_COAP_FMT_OPAQUE, false, 1, 40}, {258, TERN_COAP_FMT_UINT, false, 0, 1},
        {292, TERN_COAP_FMT_OPAQUE, true, 0, 8},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(want); i++) {
        const tern_coap_opt_def *d = tern_coap_opt_def_find(want[i].num);
        CHECK(d != NULL);
        if (!d)
            continue;
        CHECK_EQ(d->num, want[i].num);
        CHECK_EQ(d->format, want[i].fmt);
        CHECK_EQ(d->repeatable, want[i].rep);
        CHECK_EQ(d->min_len, want[i].min);
        CHECK_EQ(d->max_len, want[i].max);
        CHECK(d->name && d->name[0]);
    }
    CHECK(tern_coap_opt_def_find(0) == NULL);
    CHECK(tern_coap_opt_def_find(2) == NULL);
    CHECK(tern_coap_opt_def_find(13) == NULL);
    CHECK(tern_coap_opt_def_find(65535) == NULL);
    /* signaling options, per code (RFC 8323 §5.3-§5.6) */
    const tern_coap_opt_def *s = tern_coap_signal_opt_def_find(TERN_COAP_CSM, 2);
    CHECK(s && s->format == TERN_COAP_FMT_UINT && s->max_len == 4);
    s = tern_coap_signal_opt_def_find(TERN_COAP_CSM, 4);
    CHECK(s && s->format == TERN_COAP_FMT_EMPTY);
    s = tern_coap_signal_opt_def_find(TERN_COAP_PING, 2);
    CHECK(s && s->format == TERN_COAP_FMT_EMPTY);
    s = tern_coap_signal_opt_def_find(TERN_COAP_PONG, 2);
    CHECK(s && s->format == TERN_COAP_FMT_EMPTY);
    s = tern_coap_signal_opt_def_find(TERN_COAP_RELEASE, 2);
    CHECK(s && s->format == TERN_COAP_FMT_STRING && s->repeatable && s->min_len == 1 &&
          s->max_len == 255);
    s = tern_coap_signal_opt_def_find(TERN_COAP_RELEASE, 4);
    CHECK(s && s->format == TERN_COAP_FMT_UINT && s->max_len == 3);
    s = tern_coap_signal_opt_def_find(TERN_COAP_ABORT, 2);
    CHECK(s && s->format == TERN_COAP_FMT_UINT && s->max_len == 2);
    CHECK(tern_coap_signal_opt_def_find(TERN_COAP_PING, 4) == NULL);
    CHECK(tern_coap_signal_opt_def_find(0xe6, 2) == NULL);
    CHECK(tern_coap_signal_opt_def_find(TERN_COAP_GET, 2) == NULL);
}

static void test_uint_minimal(void)
{
    /* RFC 7252 §3.2: shortest encoding, 0 is zero bytes. */
    static const uint16_t uopts[] = {6, 7, 12, 14, 17, 23, 27, 28, 60, 258};
    static const struct {
        uint32_t v;
        size_t len;
    } cases[] = {{0, 0},           {1, 1},          {255, 1},        {256, 2},
                 {65535, 2},       {65536, 3},      {0xffffff, 3},   {0x1000000, 4},
                 {0xffffffff, 4}};
    for (size_t i = 0; i < TERN_ARRAY_LEN(uopts); i++) {
        const tern_coap_opt_def *d = tern_coap_opt_def_find(uopts[i]);
        CHECK(d && d->format == TERN_COAP_FMT_UINT);
        for (size_t k = 0; k < TERN_ARRAY_LEN(cases); k++) {
            tern_coap_msg m;
            uint8_t sc[4];
            tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
            int rc = tern_coap_opt_add_uint(&m, uopts[i], cases[k].v, sc);
            if (d && cases[k].len > d->max_len) {
                CHECK_EQ(rc, TERN_ERANGE);
                continue;
            }
            CHECK_EQ(rc, TERN_OK);
            CHECK_EQ(m.opt_count, 1);
            CHECK_EQ(m.opts[0].len, cases[k].len);
            CHECK_EQ(tern_coap_opt_uint_value(&m.opts[0]), cases[k].v);
            if (cases[k].len)
                CHECK(m.opts[0].val[0] != 0);
        }
    }
    /* An option tern does not know takes any uint. */
    tern_coap_msg m;
    uint8_t sc[4];
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    CHECK_EQ(tern_coap_opt_add_uint(&m, 2048, 0xffffffff, sc), TERN_OK);

    /* Leading zero bytes are accepted on input (RFC 7252 §3.2). */
    uint8_t in[32];
    size_t n = hx("40 01 00 01 c2 00 28", in, sizeof in);
    tern_coap_msg d;
    CHECK_EQ(tern_coap_decode_udp(&d, in, n, NULL), TERN_OK);
    CHECK_EQ(tern_coap_content_format(&d), 40);
    CHECK_EQ(tern_coap_accept(&d), -1);
    CHECK_EQ(tern_coap_check_options(&d, NULL), TERN_OK);
    /* Max-Age 14 (delta nibble 13, ext 1): 5 bytes with leading zeros → 5;
     * significant 5 bytes → malformed. */
    n = hx("40 01 00 01 d5 01 00 00 00 00 05", in, sizeof in);
    uint32_t v = 0;
    CHECK_EQ(tern_coap_decode_udp(&d, in, n, NULL), TERN_OK);
    CHECK_EQ(tern_coap_opt_get_uint(&d, TERN_COAP_OPT_MAX_AGE, &v), TERN_OK);
    CHECK_EQ(v, 5);
    n = hx("40 01 00 01 d5 01 01 00 00 00 00", in, sizeof in);
    CHECK_EQ(tern_coap_decode_udp(&d, in, n, NULL), TERN_OK);
    CHECK_EQ(tern_coap_opt_get_uint(&d, TERN_COAP_OPT_MAX_AGE, &v), TERN_EMALFORMED);
    CHECK_EQ(tern_coap_opt_uint_value(&d.opts[0]), UINT32_MAX);
    CHECK_EQ(tern_coap_opt_get_uint(&d, TERN_COAP_OPT_SIZE1, &v), TERN_ENOTFOUND);
    /* Content-Format / Accept helpers */
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    CHECK_EQ(tern_coap_content_format(&m), -1);
    CHECK_EQ(tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, 11542, sc), TERN_OK);
    uint8_t sc2[4];
    CHECK_EQ(tern_coap_opt_add_uint(&m, TERN_COAP_OPT_ACCEPT, 0, sc2), TERN_OK);
    CHECK_EQ(tern_coap_content_format(&m), 11542);
    CHECK_EQ(tern_coap_accept(&m), 0);
}

/* Encodes a message holding one option (num, len) and compares the option
 * header bytes after the 4-byte header. */
static void opt_hdr_case(uint16_t num, size_t len, const char *hdr_hex)
{
    uint8_t exp[8];
    size_t hn = hx(hdr_hex, exp, sizeof exp);
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_NON, TERN_COAP_POST, 7);
    memset(g_big, 'v', len);
    CHECK_EQ(tern_coap_opt_add(&m, num, g_big, len), TERN_OK);
    int n = tern_coap_encode_udp(&m, g_out, sizeof g_out);
    CHECK_EQ(n, (long long)(4 + hn + len));
    CHECK_MEM(g_out + 4, exp, hn);
    tern_coap_msg d;
    CHECK_EQ(tern_coap_decode_udp(&d, g_out, (size_t)n, NULL), TERN_OK);
    CHECK_EQ(d.opt_count, 1);
    CHECK_EQ(d.opts[0].num, num);
    CHECK_EQ(d.opts[0].len, len);
    CHECK(d.opts[0].val == g_out + 4 + hn);
    /* every truncation of the output is TERN_ENOMEM */
    for (size_t cap = 0; cap < (size_t)n; cap += (len > 300 ? 97 : 1))
        CHECK_EQ(tern_coap_encode_udp(&m, g_out, cap), TERN_ENOMEM);
    CHECK_EQ(tern_coap_encode_udp(&m, g_out, (size_t)n - 1), TERN_ENOMEM);
}

static void test_extended_delta_length(void)
{
    /* RFC 7252 §3.1 boundaries: 12 | 13 (13 + 0) | 268 (13 + 255) |
     * 269 (14 + 0x0000) | 65535 (14 + 0xfef2). */
    opt_hdr_case(12, 0, "c0");
    opt_hdr_case(13, 0, "d0 00");
    opt_hdr_case(268, 0, "d0 ff");
    opt_hdr_case(269, 0, "e0 00 00");
    opt_hdr_case(65535, 0, "e0 fe f2");
    opt_hdr_case(1, 12, "1c");
    opt_hdr_case(1, 13, "1d 00");
    opt_hdr_case(1, 268, "1d ff");
    opt_hdr_case(1, 269, "1e 00 00");
    opt_hdr_case(1, 65535, "1e fe f2");
    opt_hdr_case(300, 300, "ee 00 1f 00 1f");
    opt_hdr_case(20, 14, "dd 07 01");
}

static void test_extended_mixed(void)
{
    /* delta 13 with length 13: both extended, delta byte first */
    opt_hdr_case(13, 13, "dd 00 00");
    opt_hdr_case(268, 269, "de ff 00 00");
    opt_hdr_case(269, 268, "ed 00 00 ff");
}

static void test_repeat_order(void)
{
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_POST, 1);
    CHECK_EQ(tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "ep=n1"), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_PATH, "rd"), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "lt=300"), TERN_OK);
    CHECK_EQ(tern_coap_opt_add(&m, TERN_COAP_OPT_IF_MATCH, "\x01", 1), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "b"), TERN_OK);
    CHECK_EQ(m.opt_count, 5);
    CHECK_EQ(m.opts[0].num, 1);
    CHECK_EQ(m.opts[1].num, 11);
    CHECK_EQ(m.opts[2].num, 15);
    CHECK_MEM(m.opts[2].val, "ep=n1", 5);
    CHECK_MEM(m.opts[3].val, "lt=300", 6);
    CHECK_MEM(m.opts[4].val, "b", 1);
    uint8_t exp[64];
    size_t n = hx("40 02 00 01 11 01 a2", exp, sizeof exp);
    n += hx_txt("", "rd", exp + n, sizeof exp - n);
    n += hx_txt("45", "ep=n1", exp + n, sizeof exp - n);
    n += hx_txt("06", "lt=300", exp + n, sizeof exp - n);
    n += hx_txt("01", "b", exp + n, sizeof exp - n);
    udp_roundtrip(&m, exp, n);

    /* iteration over repeated options, in order */
    tern_coap_msg d;
    CHECK_EQ(tern_coap_decode_udp(&d, exp, n, NULL), TERN_OK);
    const tern_coap_opt *o = tern_coap_opt_get(&d, TERN_COAP_OPT_URI_QUERY);
    CHECK(o && o->len == 5);
    o = tern_coap_opt_next(&d, o);
    CHECK(o && o->len == 6);
    o = tern_coap_opt_next(&d, o);
    CHECK(o && o->len == 1);
    CHECK(tern_coap_opt_next(&d, o) == NULL);
    CHECK(tern_coap_opt_next(&d, NULL) == NULL);
    CHECK(tern_coap_opt_get(&d, TERN_COAP_OPT_ETAG) == NULL);

    /* remove every instance */
    CHECK_EQ(tern_coap_opt_remove(&m, TERN_COAP_OPT_URI_QUERY), 3);
    CHECK_EQ(tern_coap_opt_remove(&m, TERN_COAP_OPT_URI_QUERY), 0);
    CHECK_EQ(m.opt_count, 2);
    CHECK_EQ(m.opts[0].num, 1);
    CHECK_EQ(m.opts[1].num, 11);
}

static void test_uri_path(void)
{
    tern_coap_msg m;
    char s[32];
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 1);
    CHECK_EQ(tern_coap_opt_add_uri_path(&m, "/"), TERN_OK);
    CHECK_EQ(m.opt_count, 0);
    CHECK_EQ(tern_coap_uri_path_str(&m, s, sizeof s), 1);
    CHECK_STR(s, "/");
    CHECK_EQ(tern_coap_opt_add_uri_path(&m, "/3/0/1"), TERN_OK);
    CHECK_EQ(m.opt_count, 3);
    CHECK_EQ(tern_coap_uri_path_str(&m, s, sizeof s), 6);
    CHECK_STR(s, "/3/0/1");
    /* every too-small buffer fails */
    for (size_t cap = 0; cap < 7; cap++)
        CHECK_EQ(tern_coap_uri_path_str(&m, s, cap), TERN_ENOMEM);
    CHECK_EQ(tern_coap_uri_path_str(&m, s, 7), 6);

    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 1);
    CHECK_EQ(tern_coap_opt_add_uri_path(&m, "a//b/"), TERN_OK);
    CHECK_EQ(m.opt_count, 4);
    CHECK_EQ(m.opts[1].len, 0);
    CHECK_EQ(m.opts[3].len, 0);
    CHECK_EQ(tern_coap_uri_path_str(&m, s, sizeof s), 6);
    CHECK_STR(s, "/a//b/");
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 1);
    CHECK_EQ(tern_coap_opt_add(&m, TERN_COAP_OPT_URI_PATH, "a/b?%", 5), TERN_OK);
    CHECK_EQ(tern_coap_uri_path_str(&m, s, sizeof s), 12);
    CHECK_STR(s, "/a%2Fb%3F%25");

    char longseg[300];
    memset(longseg, 'x', 256);
    longseg[256] = '\0';
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 1);
    CHECK_EQ(tern_coap_opt_add_uri_path(&m, longseg), TERN_ERANGE);
    CHECK_EQ(tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_PATH, longseg), TERN_ERANGE);
    CHECK_EQ(m.opt_count, 0);
    longseg[255] = '\0';
    CHECK_EQ(tern_coap_opt_add_uri_path(&m, longseg), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_HOST, ""), TERN_ERANGE); /* 1-255 */
}

static void test_build_limits(void)
{
    tern_coap_msg m;
    uint8_t tok[9] = {0};
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 1);
    CHECK_EQ(tern_coap_msg_set_token(&m, tok, 9), TERN_EINVAL);
    CHECK_EQ(tern_coap_msg_set_token(&m, NULL, 1), TERN_EINVAL);
    CHECK_EQ(tern_coap_msg_set_token(&m, tok, 8), TERN_OK);
    CHECK_EQ(tern_coap_opt_add(&m, 1, NULL, 1), TERN_EINVAL);
    CHECK_EQ(tern_coap_opt_add(&m, 1, g_big, 65536), TERN_ERANGE);
    for (int i = 0; i < TERN_COAP_MAX_OPTIONS; i++)
        CHECK_EQ(tern_coap_opt_add(&m, TERN_COAP_OPT_URI_PATH, "x", 1), TERN_OK);
    CHECK_EQ(tern_coap_opt_add(&m, TERN_COAP_OPT_URI_PATH, "x", 1), TERN_EFULL);
    CHECK_EQ(tern_coap_opt_add_uri_path(&m, "/a"), TERN_EFULL);

    /* encoder refuses what it cannot write correctly */
    uint8_t out[64];
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 1);
    m.token_len = 9;
    CHECK_EQ(tern_coap_encode_udp(&m, out, sizeof out), TERN_EINVAL);
    CHECK_EQ(tern_coap_encode_tcp(&m, out, sizeof out), TERN_EINVAL);
    CHECK_EQ(tern_coap_encoded_len_udp(&m), 0);
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 1);
    m.opts[0] = (tern_coap_opt){11, 1, (const uint8_t *)"a"};
    m.opts[1] = (tern_coap_opt){3, 1, (const uint8_t *)"h"};
    m.opt_count = 2; /* unsorted */
    CHECK_EQ(tern_coap_encode_udp(&m, out, sizeof out), TERN_EINVAL);
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 1);
    m.payload_len = 3; /* NULL payload with a length */
    CHECK_EQ(tern_coap_encode_udp(&m, out, sizeof out), TERN_EINVAL);
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_EMPTY, 1);
    CHECK_EQ(tern_coap_msg_set_token(&m, tok, 1), TERN_OK);
    CHECK_EQ(tern_coap_encode_udp(&m, out, sizeof out), TERN_EINVAL); /* §4.1 */
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_PING, 1);
    CHECK_EQ(tern_coap_encode_udp(&m, out, sizeof out), TERN_EINVAL);
    CHECK_EQ(tern_coap_encode_tcp(&m, out, sizeof out), 2);
    tern_coap_msg_init(&m, (tern_coap_type)4, TERN_COAP_GET, 1);
    CHECK_EQ(tern_coap_encode_udp(&m, out, sizeof out), TERN_EINVAL);
}

/* ---- check_options (RFC 7252 §5.4.1, §5.4.3, §5.4.5) ---- */

static int check_hex(const char *hex, uint16_t *bad)
{
    uint8_t in[128];
    size_t n = hx(hex, in, sizeof in);
    tern_coap_msg d;
    tern_coap_parse_err e;
    memset(&e, 0, sizeof e);
    int rc = tern_coap_decode_udp(&d, in, n, &e);
    if (rc) {
        fprintf(stderr, "decode failed for %s: %s\n", hex, e.reason);
        return 1000;
    }
    rc = tern_coap_check_options(&d, &e);
    *bad = rc == TERN_EBADOPT ? e.bad_option : 0;
    if (rc == TERN_EBADOPT)
        CHECK(e.header_ok && e.reason != NULL);
    return rc;
}

static void test_check_options(void)
{
    uint16_t bad = 0;
    /* unknown critical (13, odd; delta nibble 13 ext 0) → 4.02 */
    CHECK_EQ(check_hex("40 01 00 01 d0 00", &bad), TERN_EBADOPT);
    CHECK_EQ(bad, 13);
    /* unknown elective (2048) → ignored */
    CHECK_EQ(check_hex("40 01 00 01 e0 06 f3", &bad), TERN_OK);
    /* critical Uri-Host with length 0 (range 1-255) */
    CHECK_EQ(check_hex("40 01 00 01 30", &bad), TERN_EBADOPT);
    CHECK_EQ(bad, 3);
    /* critical If-Match with 9 bytes (range 0-8) */
    CHECK_EQ(check_hex("40 01 00 01 19 00 01 02 03 04 05 06 07 08", &bad), TERN_EBADOPT);
    CHECK_EQ(bad, 1);
    /* If-None-Match with a value (critical, empty) */
    CHECK_EQ(check_hex("40 01 00 01 51 00", &bad), TERN_EBADOPT);
    CHECK_EQ(bad, 5);
    /* elective ETag with 9 bytes / 0 bytes → ignored */
    CHECK_EQ(check_hex("40 01 00 01 49 00 01 02 03 04 05 06 07 08", &bad), TERN_OK);
    CHECK_EQ(check_hex("40 01 00 01 40", &bad), TERN_OK);
    /* elective Echo with 0 bytes (range 1-40) → ignored */
    CHECK_EQ(check_hex("40 01 00 01 d0 ef", &bad), TERN_OK);
    /* repeated critical non-repeatable Uri-Host → the second is bad */
    CHECK_EQ(check_hex("40 01 00 01 31 61 01 62", &bad), TERN_EBADOPT);
    CHECK_EQ(bad, 3);
    /* repeated critical Accept (17) */
    CHECK_EQ(check_hex("40 01 00 01 d1 04 00 01 00", &bad), TERN_EBADOPT);
    CHECK_EQ(bad, 17);
    /* repeated elective Content-Format → ignored */
    CHECK_EQ(check_hex("40 01 00 01 c1 28 01 00", &bad), TERN_OK);
    /* repeatable critical ones are fine */
    CHECK_EQ(check_hex("40 01 00 01 11 01 01 02 a1 61 01 62 00", &bad), TERN_OK);
    /* Uri-Port 3 bytes (critical, 0-2) */
    CHECK_EQ(check_hex("40 01 00 01 73 01 00 00", &bad), TERN_EBADOPT);
    CHECK_EQ(bad, 7);
    /* OSCORE 0 bytes is fine (0-255) */
    CHECK_EQ(check_hex("40 02 00 01 90", &bad), TERN_OK);
    /* Proxy-Uri empty (critical, 1-1034): delta 35 = 13 + 22 */
    CHECK_EQ(check_hex("40 01 00 01 d0 16", &bad), TERN_EBADOPT);
    CHECK_EQ(bad, 35);
    /* No-Response 2 bytes (elective, 0-1) ignored; Request-Tag 9 bytes ignored */
    CHECK_EQ(check_hex("40 01 00 01 d2 f5 01 02 d9 15 01 02 03 04 05 06 07 08 09", &bad), TERN_OK);
    /* the first offending option is reported */
    CHECK_EQ(check_hex("40 01 00 01 30 a0", &bad), TERN_EBADOPT);
    CHECK_EQ(bad, 3);
    /* signaling options belong to signaling codes only: Custody number 2 in a
     * request is an unknown elective → ignored */
    CHECK_EQ(check_hex("40 01 00 01 20", &bad), TERN_OK);
}

/* ---- malformed UDP input ---- */

static void bad_udp(const char *hex, int want, bool header_ok, bool mid_ok)
{
    uint8_t in[128];
    size_t n = hx(hex, in, sizeof in);
    tern_coap_msg d;
    tern_coap_parse_err e;
    memset(&e, 0x55, sizeof e);
    int rc = tern_coap_decode_udp(&d, in, n, &e);
    CHECK_EQ(rc, want);
    CHECK_EQ(e.err, want);
    CHECK_EQ(e.header_ok, header_ok);
    CHECK_EQ(e.mid_ok, mid_ok);
    CHECK(e.reason != NULL);
    CHECK(e.offset <= n);
    /* never half-parsed */
    CHECK_EQ(d.opt_count, 0);
    CHECK(d.payload == NULL);
    CHECK_EQ(d.payload_len, 0);
    if (header_ok) {
        CHECK_EQ(d.mid, tern_be16(in + 2));
        CHECK_EQ(d.token_len, in[0] & 15);
    }
    if (rc != want)
        fprintf(stderr, "  input: %s\n", hex);
    /* and without an err struct */
    CHECK_EQ(tern_coap_decode_udp(&d, in, n, NULL), want);
}

static void test_malformed_udp(void)
{
    bad_udp("", TERN_ETRUNCATED, false, false);
    bad_udp("40 01 00", TERN_ETRUNCATED, false, false);
    /* version ≠ 1 (silently ignored, RFC 7252 §3) */
    bad_udp("00 01 00 01", TERN_EMALFORMED, false, false);
    bad_udp("80 01 00 01", TERN_EMALFORMED, false, false);
    bad_udp("c0 01 00 01", TERN_EMALFORMED, false, false);
    /* TKL 9..15 */
    char buf[128];
    for (int tkl = 9; tkl <= 15; tkl++) {
        snprintf(buf, sizeof buf, "4%x 01 12 34 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
                 tkl);
        bad_udp(buf, TERN_EMALFORMED, false, true);
    }
    /* token past the end */
    bad_udp("48 01 12 34 01 02 03", TERN_ETRUNCATED, false, true);
    /* delta nibble 15 without 0xff, length nibble 15 */
    bad_udp("40 01 00 01 f0", TERN_EMALFORMED, true, true);
    bad_udp("40 01 00 01 f1 00", TERN_EMALFORMED, true, true);
    bad_udp("40 01 00 01 1f", TERN_EMALFORMED, true, true);
    bad_udp("40 01 00 01 b1 61 0f", TERN_EMALFORMED, true, true);
    /* truncated extended delta / length */
    bad_udp("40 01 00 01 d0", TERN_ETRUNCATED, true, true);
    bad_udp("40 01 00 01 e0 00", TERN_ETRUNCATED, true, true);
    bad_udp("40 01 00 01 0d", TERN_ETRUNCATED, true, true);
    bad_udp("40 01 00 01 1e 01", TERN_ETRUNCATED, true, true);
    bad_udp("40 01 00 01 dd 00", TERN_ETRUNCATED, true, true);
    /* option value past the end */
    bad_udp("40 01 00 01 b5 61 62", TERN_ETRUNCATED, true, true);
    bad_udp("41 01 00 01 aa 1d 00 00", TERN_ETRUNCATED, true, true);
    /* option number above 65535 (e0 ff ff = 65804) */
    bad_udp("40 01 00 01 e0 ff ff", TERN_EMALFORMED, true, true);
    bad_udp("40 01 00 01 e0 fe f2 10", TERN_EMALFORMED, true, true);
    /* 0xff with no payload */
    bad_udp("40 01 00 01 ff", TERN_EMALFORMED, true, true);
    bad_udp("41 45 00 01 aa b1 61 ff", TERN_EMALFORMED, true, true);
    /* Empty message with token / options / payload (RFC 7252 §4.1) */
    bad_udp("41 00 00 01 aa", TERN_EMALFORMED, true, true);
    bad_udp("40 00 00 01 b1 61", TERN_EMALFORMED, true, true);
    bad_udp("40 00 00 01 ff 61", TERN_EMALFORMED, true, true);
    bad_udp("60 00 00 01 00", TERN_EMALFORMED, true, true);
    /* signaling code on UDP */
    bad_udp("40 e1 00 01", TERN_EMALFORMED, true, true);
    bad_udp("41 e2 00 01 07", TERN_EMALFORMED, true, true);
    bad_udp("40 ff 00 01", TERN_EMALFORMED, true, true);

    /* too many options: TERN_COAP_MAX_OPTIONS + 1 empty If-Match options */
    uint8_t in[128];
    size_t n = hx("40 01 00 01 10", in, sizeof in);
    for (int i = 0; i < TERN_COAP_MAX_OPTIONS; i++)
        in[n++] = 0x00;
    tern_coap_msg d;
    tern_coap_parse_err e;
    CHECK_EQ(tern_coap_decode_udp(&d, in, n, &e), TERN_ETOOBIG);
    CHECK(e.header_ok);
    CHECK_EQ(d.opt_count, 0);
    CHECK_EQ(tern_coap_decode_udp(&d, in, n - 1, &e), TERN_OK); /* exactly the max */
    CHECK_EQ(d.opt_count, TERN_COAP_MAX_OPTIONS);
    CHECK_EQ(tern_coap_check_options(&d, &e), TERN_OK);

    /* an option longer than 65535 bytes (1e ff ff = 65804) */
    memset(g_big, 0, sizeof g_big);
    n = hx("40 01 00 01 1e ff ff", g_big, sizeof g_big);
    CHECK_EQ(tern_coap_decode_udp(&d, g_big, n + 65804, &e), TERN_ETOOBIG);
    CHECK_EQ(tern_coap_decode_udp(&d, g_big, n + 65803, &e), TERN_ETRUNCATED);
    CHECK_EQ(tern_coap_decode_udp(&d, NULL, 0, &e), TERN_ETRUNCATED);
}

static void test_udp_payload_views(void)
{
    uint8_t in[64];
    size_t n = hx_txt("52 45 ab cd 01 02 c1 28 ff", "hello", in, sizeof in);
    tern_coap_msg d;
    CHECK_EQ(tern_coap_decode_udp(&d, in, n, NULL), TERN_OK);
    CHECK_EQ(d.type, TERN_COAP_NON);
    CHECK_EQ(d.code, TERN_COAP_CONTENT);
    CHECK_EQ(d.mid, 0xabcd);
    CHECK_EQ(d.token_len, 2);
    CHECK(d.payload == in + 9);
    CHECK_EQ(d.payload_len, 5);
    CHECK(d.opts[0].val == in + 7);
    CHECK_EQ(tern_coap_content_format(&d), 40);
    /* 8-byte token, no options, payload */
    n = hx("48 02 00 07 01 02 03 04 05 06 07 08 ff 00", in, sizeof in);
    CHECK_EQ(tern_coap_decode_udp(&d, in, n, NULL), TERN_OK);
    CHECK_EQ(d.token_len, 8);
    CHECK_EQ(d.payload_len, 1);
    /* unknown classes 1.xx / 3.xx / 6.xx decode (the endpoint rejects them) */
    n = hx("40 20 00 07", in, sizeof in);
    CHECK_EQ(tern_coap_decode_udp(&d, in, n, NULL), TERN_OK);
}

/* ---- RFC 8323 framing ---- */

static void frame_case(const char *hex, int want, size_t want_need)
{
    uint8_t in[16];
    size_t n = hx(hex, in, sizeof in);
    size_t need = 0;
    CHECK_EQ(tern_coap_tcp_frame_len(in, n, &need), want);
    CHECK_EQ(need, want_need);
}

static void test_tcp_frame_len(void)
{
    /* RFC 8323 §3.2: Len 0-12 inline; 13 → +1 byte (Len-13); 14 → +2 bytes
     * (Len-269); 15 → +4 bytes (Len-65805). Frame = 1 + ext + 1 + TKL + Len. */
    frame_case("00 01", TERN_OK, 2);
    frame_case("00", TERN_OK, 2);
    frame_case("04", TERN_OK, 6);
    frame_case("c0", TERN_OK, 14);
    frame_case("c8", TERN_OK, 22);
    frame_case("d0 00", TERN_OK, 1 + 1 + 1 + 13);
    frame_case("d0 ff", TERN_OK, 1 + 1 + 1 + 268);
    frame_case("e0 00 00", TERN_OK, 1 + 2 + 1 + 269);
    frame_case("e0 ff ff", TERN_OK, 1 + 2 + 1 + 65804);
    frame_case("f0 00 00 00 00", TERN_OK, 1 + 4 + 1 + 65805);
    frame_case("f2 00 00 00 01", TERN_OK, 1 + 4 + 1 + 2 + 65806);
    if (sizeof(size_t) > 4)
        frame_case("f0 ff ff ff ff", TERN_OK, (size_t)(1 + 4 + 1 + 0xffffffffull + 65805));
    /* AGAIN on partial headers, with a lower bound */
    size_t need = 0;
    CHECK_EQ(tern_coap_tcp_frame_len(NULL, 0, &need), TERN_AGAIN);
    CHECK_EQ(need, 2);
    uint8_t p[4] = {0xd0, 0, 0, 0};
    CHECK_EQ(tern_coap_tcp_frame_len(p, 1, &need), TERN_AGAIN);
    CHECK(need >= 2 && need <= 16);
    p[0] = 0xe3;
    for (size_t k = 1; k < 3; k++) {
        CHECK_EQ(tern_coap_tcp_frame_len(p, k, &need), TERN_AGAIN);
        CHECK(need > k && need <= 1 + 2 + 1 + 3 + 269);
    }
    p[0] = 0xf0;
    for (size_t k = 1; k < 5; k++) {
        CHECK_EQ(tern_coap_tcp_frame_len(p, k, &need), TERN_AGAIN);
        CHECK(need > k && need <= 1 + 4 + 1 + 65805);
    }
    CHECK_EQ(tern_coap_tcp_frame_len(p, 1, NULL), TERN_EINVAL);
}

/* Encodes a TCP message whose options+payload take `body` bytes and checks
 * the header, frame_len, decode, and ENOMEM at truncations. */
static void tcp_body_case(size_t body, const char *hdr_hex)
{
    uint8_t hdr[8];
    size_t hn = hx(hdr_hex, hdr, sizeof hdr);
    tern_coap_msg m;
    tern_coap_msg_init(&m, 0, TERN_COAP_CONTENT, 0);
    const uint8_t tok[2] = {0xbe, 0xef};
    CHECK_EQ(tern_coap_msg_set_token(&m, tok, 2), TERN_OK);
    memset(g_big, 'p', sizeof g_big);
    if (body) {
        m.payload = g_big;
        m.payload_len = body - 1;
    }
    size_t total = hn + 1 + 2 + body;
    CHECK_EQ(tern_coap_encoded_len_tcp(&m), total);
    int n = tern_coap_encode_tcp(&m, g_out, sizeof g_out);
    CHECK_EQ(n, (long long)total);
    CHECK_MEM(g_out, hdr, hn);
    CHECK_EQ(g_out[hn], TERN_COAP_CONTENT);
    size_t need = 0;
    for (size_t k = 0; k <= hn; k++)
        CHECK_EQ(tern_coap_tcp_frame_len(g_out, k, &need), k < hn ? TERN_AGAIN : TERN_OK);
    CHECK_EQ(need, total);
    tern_coap_msg d;
    tern_coap_parse_err e;
    CHECK_EQ(tern_coap_decode_tcp(&d, g_out, total, &e), TERN_OK);
    CHECK_EQ(d.code, TERN_COAP_CONTENT);
    CHECK_EQ(d.token_len, 2);
    CHECK_EQ(d.payload_len, body ? body - 1 : 0);
    CHECK_EQ(d.type, 0);
    CHECK_EQ(d.mid, 0);
    /* truncated frames: ETRUNCATED; trailing bytes: EMALFORMED */
    CHECK_EQ(tern_coap_decode_tcp(&d, g_out, total - 1, &e), TERN_ETRUNCATED);
    CHECK_EQ(tern_coap_decode_tcp(&d, g_out, total + 1, &e), TERN_EMALFORMED);
    CHECK(e.header_ok);
    for (size_t cap = 0; cap < total; cap += (total > 300 ? 211 : 1))
        CHECK_EQ(tern_coap_encode_tcp(&m, g_out, cap), TERN_ENOMEM);
    CHECK_EQ(tern_coap_encode_tcp(&m, g_out, total - 1), TERN_ENOMEM);
}

static void test_tcp_length_classes(void)
{
    tcp_body_case(0, "02");
    tcp_body_case(12, "c2");
    tcp_body_case(13, "d2 00");
    tcp_body_case(268, "d2 ff");
    tcp_body_case(269, "e2 00 00");
    tcp_body_case(65804, "e2 ff ff");
    tcp_body_case(65805, "f2 00 00 00 00");
    tcp_body_case(65900, "f2 00 00 00 5f");
}

static void tcp_sig_case(const tern_coap_msg *m, const char *hex)
{
    uint8_t exp[64], out[64];
    size_t n = hx(hex, exp, sizeof exp);
    CHECK_EQ(tern_coap_encode_tcp(m, out, sizeof out), (long long)n);
    CHECK_MEM(out, exp, n);
    for (size_t cap = 0; cap < n; cap++)
        CHECK_EQ(tern_coap_encode_tcp(m, out, cap), TERN_ENOMEM);
    size_t need = 0;
    CHECK_EQ(tern_coap_tcp_frame_len(exp, n, &need), TERN_OK);
    CHECK_EQ(need, n);
    tern_coap_msg d;
    tern_coap_parse_err e;
    CHECK_EQ(tern_coap_decode_tcp(&d, exp, n, &e), TERN_OK);
    CHECK_EQ(d.code, m->code);
    CHECK_EQ(d.token_len, m->token_len);
    CHECK_EQ(d.opt_count, m->opt_count);
    for (size_t i = 0; i < d.opt_count && i < m->opt_count; i++) {
        CHECK_EQ(d.opts[i].num, m->opts[i].num);
        CHECK_EQ(d.opts[i].len, m->opts[i].len);
    }
    CHECK_EQ(d.payload_len, m->payload_len);
    CHECK_EQ(tern_coap_check_options(&d, &e), TERN_OK);
}

static void test_tcp_signaling(void)
{
    tern_coap_msg m;
    uint8_t sc[4], sc2[4];
    const uint8_t tok = 0x42;
    /* CSM 7.01: Max-Message-Size 1152 (2, uint: 04 80), Block-Wise-Transfer
     * (4, empty). Len = 4, TKL 0. */
    tern_coap_msg_init(&m, 0, TERN_COAP_CSM, 0);
    CHECK_EQ(tern_coap_opt_add_uint(&m, TERN_COAP_SOPT_MAX_MESSAGE_SIZE, 1152, sc), TERN_OK);
    CHECK_EQ(tern_coap_opt_add(&m, TERN_COAP_SOPT_BLOCK_WISE_TRANSFER, NULL, 0), TERN_OK);
    tcp_sig_case(&m, "40 e1 22 04 80 20");
    /* Ping 7.02 with Custody (2, empty), token 0x42 */
    tern_coap_msg_init(&m, 0, TERN_COAP_PING, 0);
    CHECK_EQ(tern_coap_msg_set_token(&m, &tok, 1), TERN_OK);
    CHECK_EQ(tern_coap_opt_add(&m, TERN_COAP_SOPT_CUSTODY, NULL, 0), TERN_OK);
    tcp_sig_case(&m, "11 e2 42 20");
    /* Pong 7.03 answering with the same token and Custody */
    tern_coap_msg_init(&m, 0, TERN_COAP_PONG, 0);
    CHECK_EQ(tern_coap_msg_set_token(&m, &tok, 1), TERN_OK);
    tcp_sig_case(&m, "01 e3 42");
    CHECK_EQ(tern_coap_opt_add(&m, TERN_COAP_SOPT_CUSTODY, NULL, 0), TERN_OK);
    tcp_sig_case(&m, "11 e3 42 20");
    /* Release 7.04: Alternative-Address "coap+tcp://h" (2, 12 bytes),
     * Hold-Off 30 (4, uint). Len = 1 + 12 + 2 = 15 → 13 + 2. */
    tern_coap_msg_init(&m, 0, TERN_COAP_RELEASE, 0);
    CHECK_EQ(tern_coap_opt_add_uint(&m, TERN_COAP_SOPT_HOLD_OFF, 30, sc), TERN_OK);
    CHECK_EQ(tern_coap_opt_add_str(&m, TERN_COAP_SOPT_ALTERNATIVE_ADDRESS, "coap+tcp://h"), TERN_OK);
    tcp_sig_case(&m, "d0 02 e4 2c 63 6f 61 70 2b 74 63 70 3a 2f 2f 68 21 1e");
    /* Abort 7.05: Bad-CSM-Option 4 (2, uint) and a diagnostic payload */
    tern_coap_msg_init(&m, 0, TERN_COAP_ABORT, 0);
    CHECK_EQ(tern_coap_opt_add_uint(&m, TERN_COAP_SOPT_BAD_CSM_OPTION, 4, sc2), TERN_OK);
    m.payload = (const uint8_t *)"bad";
    m.payload_len = 3;
    tcp_sig_case(&m, "60 e5 21 04 ff 62 61 64");

    /* signaling option checks (RFC 8323 §5.3.2) */
    uint8_t in[32];
    tern_coap_msg d;
    tern_coap_parse_err e;
    size_t n = hx("10 e1 10", in, sizeof in); /* CSM with critical option 1 */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_OK);
    CHECK_EQ(tern_coap_check_options(&d, &e), TERN_EBADOPT);
    CHECK_EQ(e.bad_option, 1);
    n = hx("10 e1 60", in, sizeof in); /* CSM with elective option 6 → ignored */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_OK);
    CHECK_EQ(tern_coap_check_options(&d, &e), TERN_OK);
    n = hx("20 e1 b1 61", in, sizeof in); /* Uri-Path (11) in a CSM: unknown critical */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_OK);
    CHECK_EQ(tern_coap_check_options(&d, &e), TERN_EBADOPT);
    CHECK_EQ(e.bad_option, 11);
    n = hx("10 e2 30", in, sizeof in); /* Ping with option 3 */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_OK);
    CHECK_EQ(tern_coap_check_options(&d, &e), TERN_EBADOPT);
    CHECK_EQ(e.bad_option, 3);
    n = hx("40 e4 21 61 01 62", in, sizeof in); /* Release, repeated Alternative-Address */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_OK);
    CHECK_EQ(tern_coap_check_options(&d, &e), TERN_OK);
    n = hx("40 e5 23 00 00 01", in, sizeof in); /* Abort, Bad-CSM-Option too long: elective */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_OK);
    CHECK_EQ(tern_coap_check_options(&d, &e), TERN_OK);
}

static void test_tcp_misc(void)
{
    uint8_t in[64];
    tern_coap_msg d;
    tern_coap_parse_err e;
    /* GET /temperature over TCP: Len 12 (bb + 11 bytes), TKL 1 */
    size_t n = hx_txt("c1 01 31 bb", "temperature", in, sizeof in);
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_OK);
    CHECK_EQ(d.code, TERN_COAP_GET);
    CHECK_EQ(d.opt_count, 1);
    uint8_t out[64];
    CHECK_EQ(tern_coap_encode_tcp(&d, out, sizeof out), (long long)n);
    CHECK_MEM(out, in, n);
    /* BERT: Block2 with SZX 7 is accepted over TCP (RFC 8323 §6) */
    n = hx("31 45 31 d1 0a 1f", in, sizeof in); /* NUM 1, M 1, SZX 7 */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_OK);
    tern_coap_block b;
    CHECK_EQ(tern_coap_block_get_ex(&d, TERN_COAP_OPT_BLOCK2, true, &b), TERN_OK);
    CHECK_EQ(b.num, 1);
    CHECK(b.more);
    CHECK_EQ(b.szx, 7);
    CHECK_EQ(tern_coap_block_get(&d, TERN_COAP_OPT_BLOCK2, &b), TERN_EMALFORMED);
    CHECK_EQ(tern_coap_check_options(&d, &e), TERN_OK);
    uint8_t sc[3];
    tern_coap_msg m;
    tern_coap_msg_init(&m, 0, TERN_COAP_CONTENT, 0);
    tern_coap_block bert = {1, true, 7};
    CHECK_EQ(tern_coap_block_add(&m, TERN_COAP_OPT_BLOCK2, bert, sc), TERN_OK);
    CHECK_EQ(m.opts[0].len, 1);
    CHECK_EQ(m.opts[0].val[0], 0x1f);
    /* malformed frames */
    n = hx("09 01 00 00 00 00 00 00 00 00 00", in, sizeof in); /* TKL 9 */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_EMALFORMED);
    CHECK(!e.header_ok);
    n = hx("02 01 aa", in, sizeof in); /* token past the end */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_ETRUNCATED);
    CHECK(!e.header_ok);
    n = hx("d0", in, sizeof in);
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_ETRUNCATED);
    n = hx("00", in, sizeof in); /* no code byte */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_ETRUNCATED);
    n = hx("10 01 ff", in, sizeof in); /* marker without payload */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_EMALFORMED);
    CHECK(e.header_ok);
    n = hx("10 01 f0", in, sizeof in);
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_EMALFORMED);
    n = hx("20 01 b5 61", in, sizeof in); /* option past the frame */
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_ETRUNCATED);
    CHECK_EQ(d.opt_count, 0);
    /* Empty over TCP (keep-alive, RFC 8323 §3.4) */
    n = hx("00 00", in, sizeof in);
    CHECK_EQ(tern_coap_decode_tcp(&d, in, n, &e), TERN_OK);
    CHECK_EQ(d.code, TERN_COAP_EMPTY);
    CHECK_EQ(tern_coap_decode_tcp(&d, NULL, 0, &e), TERN_ETRUNCATED);
}

int main(void)
{
    TRUN(test_appendix_a_piggybacked);
    TRUN(test_appendix_a_token);
    TRUN(test_appendix_a_separate);
    TRUN(test_appendix_a_non);
    TRUN(test_appendix_a_uri_host_port);
    TRUN(test_fetch_patch_ipatch);
    TRUN(test_code_str);
    TRUN(test_block_values);
    TRUN(test_observe_values);
    TRUN(test_registry);
    TRUN(test_uint_minimal);
    TRUN(test_extended_delta_length);
    TRUN(test_extended_mixed);
    TRUN(test_repeat_order);
    TRUN(test_uri_path);
    TRUN(test_build_limits);
    TRUN(test_check_options);
    TRUN(test_malformed_udp);
    TRUN(test_udp_payload_views);
    TRUN(test_tcp_frame_len);
    TRUN(test_tcp_length_classes);
    TRUN(test_tcp_signaling);
    TRUN(test_tcp_misc);
    return tdone();
}
