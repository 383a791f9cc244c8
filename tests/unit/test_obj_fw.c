/* Unit tests of the Firmware Update object (5): every state transition and
 * every Update Result, push (block-wise Write to /5/0/0) and pull (Package
 * URI through a fake downloader), through the data model. */
#include <stdlib.h>

#include "tern/dm.h"
#include "tern/objects.h"
#include "tharness.h"

static tern_dm dm;
static uint8_t work[2048];
static tern_fw fw;
static uint8_t out[512];
static tern_op_result res;

/* the application's image sink */
static uint8_t img[64];
static size_t img_len;
static int opens, closes, discards, updates, starts, cancels;
static int fail_open, fail_write, fail_close, update_rc, start_rc;
static char started_uri[300];

static int s_open(void *c, uint32_t total) { (void)c; (void)total; opens++; img_len = 0; return fail_open; }
static int s_write(void *c, uint32_t off, const uint8_t *d, size_t n)
{
    (void)c;
    if (fail_write)
        return fail_write;
    if (off + n > sizeof img)
        return TERN_FW_RESULT_NO_FLASH;
    memcpy(img + off, d, n);
    img_len = off + n;
    return 0;
}
static int s_close(void *c) { (void)c; closes++; return fail_close; }
static void s_discard(void *c) { (void)c; discards++; }
static int s_update(void *c) { (void)c; updates++; return update_rc; }
static int64_t s_clock(void *c) { (void)c; return 1700000000; }
static int d_start(void *c, tern_fw *f, const char *uri)
{
    (void)c; (void)f;
    starts++;
    snprintf(started_uri, sizeof started_uri, "%s", uri);
    return start_rc;
}
static void d_cancel(void *c, tern_fw *f) { (void)c; (void)f; cancels++; }
static const tern_fw_downloader dl = {.start = d_start, .cancel = d_cancel};

static void setup(bool pull)
{
    tern_dm_cfg c = {.work = work, .work_len = sizeof work};
    CHECK_EQ(tern_dm_init(&dm, &c), TERN_OK);
    tern_fw_cfg fc = {.open = s_open, .write = s_write, .close = s_close, .discard = s_discard,
                      .update = s_update, .clock = s_clock, .downloader = pull ? &dl : NULL,
                      .protocols = TERN_FW_PROTO_COAP | TERN_FW_PROTO_COAPS};
    CHECK_EQ(tern_fw_init(&fw, &fc), TERN_OK);
    CHECK_EQ(tern_dm_add(&dm, tern_fw_obj(&fw)), TERN_OK);
    opens = closes = discards = updates = starts = cancels = 0;
    fail_open = fail_write = fail_close = update_rc = start_rc = 0;
    img_len = 0;
}

static int exec(uint16_t rid)
{
    tern_op op;
    tern_op_init(&op, TERN_OPK_EXECUTE);
    op.ssid = 1;
    op.path = tern_path_make(3, 5, 0, rid, 0);
    return tern_dm_handle(&dm, &op, out, sizeof out, 0, &res);
}

/* one piece of a Write to /5/0/rid */
static int put(uint16_t rid, int32_t cf, const char *v, size_t n, uint32_t off, bool more)
{
    tern_op op;
    tern_op_init(&op, TERN_OPK_WRITE_REPLACE);
    op.ssid = 1;
    op.path = tern_path_make(3, 5, 0, rid, 0);
    op.content_format = cf;
    op.payload = (tern_bytes){(const uint8_t *)v, n};
    op.offset = off;
    op.more = more;
    return tern_dm_handle(&dm, &op, out, sizeof out, 0, &res);
}

static int uri(const char *u)
{
    return put(1, TERN_CF_TEXT, u, strlen(u), 0, false);
}

static int64_t rd_int(uint16_t rid)
{
    tern_op op;
    tern_op_init(&op, TERN_OPK_READ);
    op.ssid = 1;
    op.path = tern_path_make(3, 5, 0, rid, 0);
    if (tern_dm_handle(&dm, &op, out, sizeof out - 1, 0, &res) != TERN_LC_CONTENT)
        return -1000;
    out[res.body_len] = 0;
    return strtoll((const char *)out, NULL, 10);
}

#define STATE() rd_int(3)
#define RESULT() rd_int(5)

static void push_ok(void)
{
    CHECK_EQ(put(0, TERN_CF_OPAQUE, "abcd", 4, 0, true), TERN_LC_CONTINUE);
    CHECK_EQ(STATE(), 1); /* Downloading while the blocks come */
    CHECK_EQ(put(0, TERN_CF_OPAQUE, "efgh", 4, 4, false), TERN_LC_CHANGED);
}

static void test_initial(void)
{
    setup(false);
    CHECK_EQ(STATE(), 0);
    CHECK_EQ(RESULT(), 0);
    CHECK_EQ(rd_int(9), 1);  /* push only */
    CHECK_EQ(rd_int(11), 1); /* Severity default */
    CHECK_EQ(rd_int(13), 0);
    CHECK_EQ(rd_int(8), -1000); /* no protocol list without pull */
    setup(true);
    CHECK_EQ(rd_int(9), 2);
    tern_op op;
    tern_op_init(&op, TERN_OPK_READ);
    op.path = tern_path_make(4, 5, 0, 8, 1);
    CHECK_EQ(tern_dm_handle(&dm, &op, out, sizeof out, 0, &res), TERN_LC_CONTENT);
    CHECK_MEM(out, "1", 1); /* second protocol: CoAPS */
    CHECK_EQ(rd_int(12), 0);
}

static void test_push_update_success(void)
{
    setup(false);
    push_ok();
    CHECK_EQ(STATE(), 2);
    CHECK_EQ(RESULT(), 0);
    CHECK_EQ(img_len, 8);
    CHECK_MEM(img, "abcdefgh", 8);
    CHECK_EQ(opens, 1);
    CHECK_EQ(closes, 1);
    CHECK_EQ(rd_int(12), 1700000000); /* Last State Change Time */
    /* a second package while Downloaded: 4.05 */
    CHECK_EQ(put(0, TERN_CF_OPAQUE, "x", 1, 0, false), TERN_LC_METHOD_NOT_ALLOWED);
    CHECK_EQ(exec(2), TERN_LC_CHANGED);
    CHECK_EQ(updates, 1);
    CHECK_EQ(STATE(), 3);
    CHECK_EQ(exec(2), TERN_LC_METHOD_NOT_ALLOWED); /* Update while Updating */
    CHECK_EQ(exec(10), TERN_LC_METHOD_NOT_ALLOWED); /* Cancel while Updating */
    tern_fw_update_done(&fw, TERN_FW_RESULT_SUCCESS);
    CHECK_EQ(STATE(), 0);
    CHECK_EQ(RESULT(), 1);
    CHECK_EQ(exec(10), TERN_LC_METHOD_NOT_ALLOWED); /* Cancel after installation */
}

static void test_invalid_transitions(void)
{
    setup(false);
    CHECK_EQ(exec(2), TERN_LC_METHOD_NOT_ALLOWED); /* Update in Idle */
    CHECK_EQ(exec(10), TERN_LC_METHOD_NOT_ALLOWED); /* Cancel in Idle */
    CHECK_EQ(STATE(), 0);
    CHECK_EQ(put(0, TERN_CF_OPAQUE, "abcd", 4, 0, true), TERN_LC_CONTINUE);
    CHECK_EQ(exec(2), TERN_LC_METHOD_NOT_ALLOWED); /* Update while Downloading */
    tern_fw_update_done(&fw, TERN_FW_RESULT_SUCCESS); /* ignored unless Updating */
    CHECK_EQ(STATE(), 1);
    /* package read is not allowed (W only) */
    CHECK_EQ(rd_int(0), -1000);
}

static void test_push_failures(void)
{
    static const struct { int where, rc, result, code; } rows[] = {
        {0, TERN_FW_RESULT_NO_FLASH, 2, TERN_LC_REQUEST_TOO_LARGE},
        {0, TERN_FW_RESULT_NO_RAM, 3, TERN_LC_REQUEST_TOO_LARGE},
        {1, TERN_FW_RESULT_UNSUPPORTED_TYPE, 6, TERN_LC_BAD_REQUEST},
        {2, TERN_FW_RESULT_INTEGRITY, 5, TERN_LC_BAD_REQUEST},
        {2, 99, 8, TERN_LC_BAD_REQUEST},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(rows); i++) {
        setup(false);
        if (rows[i].where == 0) fail_open = rows[i].rc;
        if (rows[i].where == 1) fail_write = rows[i].rc;
        if (rows[i].where == 2) fail_close = rows[i].rc;
        CHECK_EQ(put(0, TERN_CF_OPAQUE, "abcd", 4, 0, false), rows[i].code);
        CHECK_EQ(STATE(), 0);
        CHECK_EQ(RESULT(), rows[i].result);
        CHECK(discards >= 1);
    }
    /* a push that breaks off (the next piece never continues): rollback */
    setup(false);
    CHECK_EQ(put(0, TERN_CF_OPAQUE, "abcd", 4, 0, true), TERN_LC_CONTINUE);
    CHECK_EQ(put(0, TERN_CF_OPAQUE, "abcd", 4, 0, true), TERN_LC_CONTINUE); /* a new body */
    CHECK_EQ(RESULT(), 0);
    CHECK_EQ(STATE(), 1);
    setup(false);
    CHECK_EQ(put(0, TERN_CF_OPAQUE, "abcd", 4, 0, true), TERN_LC_CONTINUE);
    CHECK_EQ(put(1, TERN_CF_TEXT, "", 0, 0, false), TERN_LC_CHANGED); /* aborts the push */
    CHECK_EQ(STATE(), 0);
    CHECK_EQ(RESULT(), 0);
}

static void test_reset_by_empty_write(void)
{
    setup(false);
    push_ok();
    CHECK_EQ(STATE(), 2);
    CHECK_EQ(put(0, TERN_CF_OPAQUE, "", 0, 0, false), TERN_LC_CHANGED);
    CHECK_EQ(STATE(), 0);
    CHECK_EQ(RESULT(), 0);
    CHECK_EQ(discards, 1);
    push_ok();
    CHECK_EQ(put(0, TERN_CF_OPAQUE, "\0", 1, 0, false), TERN_LC_CHANGED); /* NULL ('\0') */
    CHECK_EQ(STATE(), 0);
    push_ok();
    CHECK_EQ(uri(""), TERN_LC_CHANGED);
    CHECK_EQ(STATE(), 0);
}

static void test_cancel(void)
{
    setup(false);
    push_ok();
    CHECK_EQ(exec(10), TERN_LC_CHANGED);
    CHECK_EQ(STATE(), 0);
    CHECK_EQ(RESULT(), 10);
    setup(true);
    CHECK_EQ(uri("coap://example.org/fw"), TERN_LC_CHANGED);
    CHECK_EQ(STATE(), 1);
    CHECK_EQ(exec(10), TERN_LC_CHANGED);
    CHECK_EQ(cancels, 1);
    CHECK_EQ(STATE(), 0);
    CHECK_EQ(RESULT(), 10);
    CHECK_EQ(tern_fw_download_chunk(&fw, 0, (const uint8_t *)"x", 1), TERN_ECANCELED);
}

static void test_pull(void)
{
    setup(true);
    CHECK_EQ(uri("coaps://[2001:db8::1]:5684/fw.bin"), TERN_LC_CHANGED);
    CHECK_EQ(starts, 1);
    CHECK_STR(started_uri, "coaps://[2001:db8::1]:5684/fw.bin");
    CHECK_EQ(STATE(), 1);
    CHECK_EQ(uri("coap://other/"), TERN_LC_METHOD_NOT_ALLOWED); /* not from Downloading */
    CHECK_EQ(tern_fw_download_chunk(&fw, 0, (const uint8_t *)"abc", 3), TERN_OK);
    CHECK_EQ(tern_fw_download_chunk(&fw, 3, (const uint8_t *)"def", 3), TERN_OK);
    tern_fw_download_done(&fw, TERN_FW_RESULT_SUCCESS);
    CHECK_EQ(STATE(), 2);
    CHECK_MEM(img, "abcdef", 6);
    tern_op op;
    tern_op_init(&op, TERN_OPK_READ);
    op.path = tern_path_make(3, 5, 0, 1, 0);
    CHECK_EQ(tern_dm_handle(&dm, &op, out, sizeof out, 0, &res), TERN_LC_CONTENT);
    CHECK_MEM(out, "coaps://", 8);
    /* Update failures */
    update_rc = TERN_FW_RESULT_FAILED;
    CHECK_EQ(exec(2), TERN_LC_CHANGED);
    CHECK_EQ(STATE(), 2); /* image kept */
    CHECK_EQ(RESULT(), 8);
    update_rc = 0;
    CHECK_EQ(exec(2), TERN_LC_CHANGED);
    CHECK_EQ(RESULT(), 0); /* reset when the update starts */
    tern_fw_update_done(&fw, TERN_FW_RESULT_INTEGRITY);
    CHECK_EQ(STATE(), 0);
    CHECK_EQ(RESULT(), 5);
}

static void test_pull_results(void)
{
    /* URI checks: 7 invalid URI, 9 unsupported protocol; state stays Idle */
    static const struct { const char *u; int result; } rows[] = {
        {"not a uri", 7}, {"coap:/x", 7}, {"//host/fw", 7}, {"http://host/fw", 9},
        {"coap+tcp://host/fw", 9}, {"ftp://host/fw", 9}, {"COAP://host/fw", -1},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(rows); i++) {
        setup(true);
        CHECK_EQ(uri(rows[i].u), TERN_LC_CHANGED);
        if (rows[i].result < 0) {
            CHECK_EQ(STATE(), 1);
        } else {
            CHECK_EQ(STATE(), 0);
            CHECK_EQ(RESULT(), rows[i].result);
            CHECK_EQ(starts, 0);
        }
    }
    /* without a downloader every scheme is unsupported */
    setup(false);
    CHECK_EQ(uri("coap://host/fw"), TERN_LC_CHANGED);
    CHECK_EQ(RESULT(), 9);
    /* download failures */
    static const int fails[] = {TERN_FW_RESULT_CONN_LOST, TERN_FW_RESULT_INVALID_URI, TERN_FW_RESULT_NO_RAM,
                                TERN_FW_RESULT_UNSUPPORTED_TYPE, TERN_FW_RESULT_INTEGRITY};
    for (size_t i = 0; i < TERN_ARRAY_LEN(fails); i++) {
        setup(true);
        CHECK_EQ(uri("coap://host/fw"), TERN_LC_CHANGED);
        tern_fw_download_done(&fw, (tern_fw_result)fails[i]);
        CHECK_EQ(STATE(), 0);
        CHECK_EQ(RESULT(), fails[i]);
    }
    /* the downloader refuses to start; a gap in the chunks; flash full */
    setup(true);
    start_rc = TERN_FW_RESULT_INVALID_URI;
    CHECK_EQ(uri("coap://host/fw"), TERN_LC_CHANGED);
    CHECK_EQ(STATE(), 0);
    CHECK_EQ(RESULT(), 7);
    setup(true);
    CHECK_EQ(uri("coap://host/fw"), TERN_LC_CHANGED);
    CHECK_EQ(tern_fw_download_chunk(&fw, 5, (const uint8_t *)"x", 1), TERN_ECANCELED);
    CHECK_EQ(RESULT(), 4);
    setup(true);
    CHECK_EQ(uri("coap://host/fw"), TERN_LC_CHANGED);
    uint8_t big[100] = {0};
    CHECK_EQ(tern_fw_download_chunk(&fw, 0, big, sizeof big), TERN_ECANCELED);
    CHECK_EQ(RESULT(), 2);
    CHECK_EQ(STATE(), 0);
}

static void test_update_outcomes(void)
{
    /* failed (8) / deferred (11) keep the image; 5, 6 drop it */
    static const struct { int r, state, result; } rows[] = {
        {TERN_FW_RESULT_FAILED, 2, 8}, {TERN_FW_RESULT_NO_FLASH, 2, 2}, {TERN_FW_RESULT_NO_RAM, 2, 3},
        {TERN_FW_RESULT_INTEGRITY, 0, 5}, {TERN_FW_RESULT_UNSUPPORTED_TYPE, 0, 6},
        {TERN_FW_RESULT_DEFERRED, 2, 11}, {TERN_FW_RESULT_SUCCESS, 0, 1},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(rows); i++) {
        setup(false);
        push_ok();
        CHECK_EQ(exec(2), TERN_LC_CHANGED);
        tern_fw_update_done(&fw, (tern_fw_result)rows[i].r);
        CHECK_EQ(STATE(), rows[i].state);
        CHECK_EQ(RESULT(), rows[i].result);
    }
    /* the user defers at once: stays Downloaded with 11 */
    setup(false);
    push_ok();
    update_rc = TERN_FW_RESULT_DEFERRED;
    CHECK_EQ(exec(2), TERN_LC_CHANGED);
    CHECK_EQ(STATE(), 2);
    CHECK_EQ(RESULT(), 11);
}

static void test_settings(void)
{
    setup(false);
    CHECK_EQ(put(11, TERN_CF_TEXT, "0", 1, 0, false), TERN_LC_CHANGED);
    CHECK_EQ(rd_int(11), 0);
    CHECK_EQ(put(11, TERN_CF_TEXT, "3", 1, 0, false), TERN_LC_BAD_REQUEST); /* range 0..2 */
    CHECK_EQ(put(13, TERN_CF_TEXT, "3600", 4, 0, false), TERN_LC_CHANGED);
    CHECK_EQ(rd_int(13), 3600);
    CHECK_EQ(put(3, TERN_CF_TEXT, "2", 1, 0, false), TERN_LC_METHOD_NOT_ALLOWED); /* State is R */
    /* Automatic Upgrade at Download: the update starts when the push ends */
    CHECK_EQ(put(14, TERN_CF_TEXT, "1", 1, 0, false), TERN_LC_CHANGED);
    push_ok();
    CHECK_EQ(updates, 1);
    CHECK_EQ(STATE(), 3);
    CHECK_EQ(tern_fw_restore(&fw, TERN_FW_IDLE, TERN_FW_RESULT_SUCCESS), TERN_OK);
    CHECK_EQ(RESULT(), 1);
    CHECK_EQ(tern_fw_restore(&fw, (tern_fw_state)4, TERN_FW_RESULT_SUCCESS), TERN_EINVAL);
}

int main(void)
{
    TRUN(test_initial);
    TRUN(test_push_update_success);
    TRUN(test_invalid_transitions);
    TRUN(test_push_failures);
    TRUN(test_reset_by_empty_write);
    TRUN(test_cancel);
    TRUN(test_pull);
    TRUN(test_pull_results);
    TRUN(test_update_outcomes);
    TRUN(test_settings);
    return tdone();
}
