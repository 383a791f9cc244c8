/* Send (Transport §6.4.5: POST /dp in SenML JSON, SenML CBOR, LwM2M CBOR):
 * payload bytes per format, Mute Send, errors, the CoAP request. */
#include "test_observe_fixture.h"

static fx *g;

static int send_enc(const tern_path *paths, size_t n, int32_t cf, bool mute, uint8_t *out, size_t cap,
                    size_t *len)
{
    uint8_t scratch[512];
    tern_send_req r = {.paths = paths, .path_count = n, .format = cf, .mute = mute};
    return tern_send_encode(&g->dm, &r, out, cap, len, scratch, sizeof scratch);
}

static void t_senml_json(void)
{
    tern_path p[2] = {tern_path_make(3, 3303, 0, 5700, 0), tern_path_make(3, 3342, 0, 5500, 0)};
    uint8_t out[256];
    size_t n = 0;
    CHECK_EQ(send_enc(p, 1, TERN_CF_SENML_JSON, false, out, sizeof out, &n), 0);
    const char *want = "[{\"bn\":\"/3303/0/5700\",\"v\":20.5}]";
    CHECK_EQ(n, strlen(want));
    CHECK_MEM(out, want, strlen(want));
    CHECK_EQ(send_enc(p, 2, TERN_CF_SENML_JSON, false, out, sizeof out, &n), 0);
    want = "[{\"bn\":\"/3303/0/5700\",\"v\":20.5},{\"bn\":\"/3342/0/5500\",\"vb\":true}]";
    CHECK_EQ(n, strlen(want));
    CHECK_MEM(out, want, strlen(want));
}

static void t_senml_cbor(void)
{
    tern_path p[1] = {tern_path_make(3, 3303, 0, 5700, 0)};
    uint8_t out[256], want[64];
    size_t n = 0;
    CHECK_EQ(send_enc(p, 1, TERN_CF_SENML_CBOR, false, out, sizeof out, &n), 0);
    /* [{-2: "/3303/0/5700", 2: 20.5}]; 20.5 fits a half float (0x4d20) */
    int wl = thex("81 a2 21 6c 2f333330332f302f35373030 02 f9 4d20", want, sizeof want);
    CHECK_EQ(n, wl);
    CHECK_MEM(out, want, (size_t)wl);
}

static void t_lwm2m_cbor(void)
{
    tern_path p[2] = {tern_path_make(3, 3303, 0, 5700, 0), tern_path_make(3, 3342, 0, 5500, 0)};
    uint8_t out[256], want[64];
    size_t n = 0;
    CHECK_EQ(send_enc(p, 2, TERN_CF_LWM2M_CBOR, false, out, sizeof out, &n), 0);
    /* {[3303, 0, 5700]: 20.5, [3342, 0, 5500]: true} — the path-array keys
     * of LwM2M CBOR (Core §7.4.6), one per leaf */
    int wl = thex("a2 83 190ce7 00 191644 f94d20 83 190d0e 00 19157c f5", want, sizeof want);
    CHECK_EQ(n, wl);
    CHECK_MEM(out, want, (size_t)wl);
}

/* Values the application collected, with their times. */
static void t_collected_with_time(void)
{
    tern_entry e[2];
    memset(e, 0, sizeof e);
    for (int i = 0; i < 2; i++) {
        e[i].kind = TERN_ENTRY_VALUE;
        e[i].path = tern_path_make(3, 3303, 0, 5700, 0);
        e[i].value.type = TERN_TYPE_FLOAT;
        e[i].value.v.f = 20.5 + i;
        e[i].has_time = true;
        e[i].time = 1700000000.0 + 60 * i;
    }
    uint8_t out[256], scratch[512];
    size_t n = 0;
    tern_send_req r = {.entries = e, .entry_count = 2, .format = TERN_CF_SENML_JSON};
    CHECK_EQ(tern_send_encode(&g->dm, &r, out, sizeof out, &n, scratch, sizeof scratch), 0);
    out[n] = 0;
    /* decode back: two records, times and values */
    tern_decoder d;
    uint8_t ds[256];
    tern_path root = tern_path_root();
    CHECK_EQ(tern_decoder_init(&d, TERN_CF_SENML_JSON, &root, tern_dm_type_of, &g->dm, ds, sizeof ds), 0);
    CHECK_EQ(tern_decoder_feed(&d, out, n, true), 0);
    tern_entry x;
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(tern_decoder_next(&d, &x), 0);
        CHECK(x.has_time);
        CHECK(x.time == 1700000000.0 + 60 * i);
        CHECK(x.value.v.f == 20.5 + i);
    }
    CHECK_EQ(tern_decoder_next(&d, &x), TERN_DONE);
}

static void t_mute_and_errors(void)
{
    tern_path p[1] = {tern_path_make(3, 3303, 0, 5700, 0)};
    tern_path missing[1] = {tern_path_make(3, 3303, 9, 5700, 0)};
    uint8_t out[256];
    size_t n = 7;
    CHECK_EQ(send_enc(p, 1, TERN_CF_SENML_CBOR, true, out, sizeof out, &n), TERN_EPERM);
    CHECK_EQ(n, 0);
    CHECK_EQ(send_enc(p, 1, TERN_CF_TLV, false, out, sizeof out, &n), TERN_EUNSUPPORTED);
    CHECK_EQ(send_enc(missing, 1, TERN_CF_SENML_CBOR, false, out, sizeof out, &n), TERN_ENOTFOUND);
    CHECK(send_enc(p, 1, TERN_CF_SENML_JSON, false, out, 8, &n) == TERN_ENOMEM);
}

static void t_request(void)
{
    tern_path p[1] = {tern_path_make(3, 3303, 0, 5700, 0)};
    tern_send_req r = {.paths = p, .path_count = 1, .format = TERN_CF_SENML_CBOR};
    tern_coap_msg m;
    uint8_t payload[128], scratch[512], wire[256], want[128];
    CHECK_EQ(tern_send_build(&g->dm, &r, &m, payload, sizeof payload, scratch, sizeof scratch), 0);
    int n = tern_coap_encode_udp(&m, wire, sizeof wire);
    /* CON POST, MID 0, no token; Uri-Path "dp"; Content-Format 112 */
    int wl = thex("40 02 0000 b2 6470 11 70 ff 81 a2 21 6c 2f333330332f302f35373030 02 f9 4d20", want, sizeof want);
    CHECK_EQ(n, wl);
    CHECK_MEM(wire, want, (size_t)wl);
    r.format = TERN_CF_LWM2M_CBOR;
    CHECK_EQ(tern_send_build(&g->dm, &r, &m, payload, sizeof payload, scratch, sizeof scratch), 0);
    CHECK_EQ(tern_coap_content_format(&m), TERN_CF_LWM2M_CBOR);
}

int main(void)
{
    g = fx_new(1);
    g->vals.temp = 20.5;
    g->vals.sw = true;
    TRUN(t_senml_json);
    TRUN(t_senml_cbor);
    TRUN(t_lwm2m_cbor);
    TRUN(t_collected_with_time);
    TRUN(t_mute_and_errors);
    TRUN(t_request);
    fx_free(g);
    return tdone();
}
