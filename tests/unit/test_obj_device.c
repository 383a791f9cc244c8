/* Unit tests of the Device (3), Connectivity Monitoring (4) and Location
 * (6) objects through the data model: reads of every resource, writes
 * allowed and refused, executes. */
#include <stdlib.h>

#include "tern/dm.h"
#include "tern/objects.h"
#include "tharness.h"

static tern_dm dm;
static uint8_t work[2048];
static tern_device dev;
static tern_connmon cm;
static tern_location loc;
static uint8_t out[1024];
static tern_op_result res;
static int64_t now_s = 1700000000;
static int reboots, resets, err_reevals;

static int64_t clk(void *c) { (void)c; return now_s; }
static int reboot(void *c) { (void)c; reboots++; return 0; }
static int freset(void *c) { (void)c; resets++; return 0; }
static void reeval(void *c) { (void)c; err_reevals++; }
static int power(void *c, tern_device_power *p)
{
    (void)c;
    p->n_sources = 2;
    p->source[0] = 1; p->voltage_mv[0] = 3800; p->current_ma[0] = 125;
    p->source[1] = 5; p->voltage_mv[1] = 5000; p->current_ma[1] = 900;
    p->has_battery_level = true; p->battery_level = 87;
    p->has_battery_status = true; p->battery_status = 1;
    return 0;
}
static int mem(void *c, tern_device_mem *m) { (void)c; m->has_free = m->has_total = true; m->free_kb = 15; m->total_kb = 128; return 0; }

static const int64_t bearers[] = {0, 6, 21};
static const char *const ips[] = {"192.0.2.10", "2001:db8::10"};
static const char *const routers[] = {"192.0.2.1"};
static int cm_info(void *c, tern_connmon_info *i)
{
    (void)c;
    i->bearer = 6; i->avail_bearers = bearers; i->n_avail_bearers = 3; i->rssi_dbm = -93;
    i->has_link_quality = true; i->link_quality = 42;
    i->ip_addrs = ips; i->n_ip_addrs = 2; i->router_ips = routers; i->n_router_ips = 1;
    i->has_cell_id = true; i->cell_id = 1234567; i->has_smnc = true; i->smnc = 1; i->has_smcc = true; i->smcc = 262;
    i->has_lac = true; i->lac = 77;
    return 0;
}
static int loc_info(void *c, tern_location_info *l)
{
    (void)c;
    l->latitude = 48.5; l->longitude = -2.25; l->timestamp = 1700000123;
    l->has_altitude = true; l->altitude = 120.5; l->has_speed = true; l->speed = 1.5;
    return 0;
}

static void setup(void)
{
    tern_dm_cfg c = {.work = work, .work_len = sizeof work};
    CHECK_EQ(tern_dm_init(&dm, &c), TERN_OK);
    tern_device_cfg dc = {.manufacturer = "Tern Ltd", .model = "T-1", .serial = "SN42", .fw_version = "1.0.3",
                          .device_type = "sensor", .hw_version = "rev B", .sw_version = "0.1", .binding_modes = "UQ",
                          .clock = clk, .reboot = reboot, .factory_reset = freset, .power = power, .mem = mem,
                          .errors_reset = reeval};
    CHECK_EQ(tern_device_init(&dev, &dc), TERN_OK);
    CHECK_EQ(tern_connmon_init(&cm, &(tern_connmon_cfg){.info = cm_info}), TERN_OK);
    CHECK_EQ(tern_location_init(&loc, &(tern_location_cfg){.info = loc_info}), TERN_OK);
    CHECK_EQ(tern_dm_add(&dm, tern_device_obj(&dev)), TERN_OK);
    CHECK_EQ(tern_dm_add(&dm, tern_connmon_obj(&cm)), TERN_OK);
    CHECK_EQ(tern_dm_add(&dm, tern_location_obj(&loc)), TERN_OK);
    reboots = resets = err_reevals = 0;
}

static int op(int kind, int len, uint16_t o, uint16_t r, uint16_t ri, const char *body)
{
    tern_op x;
    tern_op_init(&x, (tern_op_kind)kind);
    x.ssid = 1;
    x.path = tern_path_make(len, o, 0, r, ri);
    if (body) {
        x.content_format = TERN_CF_TEXT;
        x.payload = (tern_bytes){(const uint8_t *)body, strlen(body)};
    }
    memset(out, 0, sizeof out);
    return tern_dm_handle(&dm, &x, out, sizeof out - 1, 0, &res);
}

/* Reads a single value as text and compares. */
static void expect(int len, uint16_t o, uint16_t r, uint16_t ri, const char *want)
{
    int c = op(TERN_OPK_READ, len, o, r, ri, NULL);
    CHECK_EQ(c, TERN_LC_CONTENT);
    if (c == TERN_LC_CONTENT) {
        out[res.body_len] = 0;
        CHECK_STR((const char *)out, want);
    }
}

static void test_device_reads(void)
{
    setup();
    expect(3, 3, 0, 0, "Tern Ltd");
    expect(3, 3, 1, 0, "T-1");
    expect(3, 3, 2, 0, "SN42");
    expect(3, 3, 3, 0, "1.0.3");
    expect(4, 3, 6, 0, "1");
    expect(4, 3, 6, 1, "5");
    expect(4, 3, 7, 0, "3800");
    expect(4, 3, 8, 1, "900");
    expect(3, 3, 9, 0, "87");
    expect(3, 3, 10, 0, "15");
    expect(4, 3, 11, 0, "0"); /* no error */
    expect(3, 3, 13, 0, "1700000000");
    expect(3, 3, 14, 0, "");
    expect(3, 3, 16, 0, "UQ");
    expect(3, 3, 17, 0, "sensor");
    expect(3, 3, 18, 0, "rev B");
    expect(3, 3, 19, 0, "0.1");
    expect(3, 3, 20, 0, "1");
    expect(3, 3, 21, 0, "128");
    CHECK_EQ(op(TERN_OPK_READ, 3, 3, 22, 0, NULL), TERN_LC_NOT_FOUND);
    CHECK_EQ(op(TERN_OPK_READ, 4, 3, 6, 2, NULL), TERN_LC_NOT_FOUND);
    CHECK_EQ(op(TERN_OPK_READ, 3, 3, 4, 0, NULL), TERN_LC_METHOD_NOT_ALLOWED); /* executable */
    /* the whole instance reads (TLV / CBOR per the dm default) */
    CHECK_EQ(op(TERN_OPK_READ, 2, 3, 0, 0, NULL), TERN_LC_CONTENT);
    CHECK(res.body_len > 60);
    CHECK_EQ(op(TERN_OPK_DISCOVER, 2, 3, 0, 0, NULL), TERN_LC_CONTENT);
    CHECK(strstr((const char *)out, "</3/0/11>;dim=1") != NULL);
}

static void test_device_optional_absent(void)
{
    tern_dm_cfg c = {.work = work, .work_len = sizeof work};
    CHECK_EQ(tern_dm_init(&dm, &c), TERN_OK);
    tern_device_cfg dc = {.manufacturer = "x", .binding_modes = "U"};
    CHECK_EQ(tern_device_init(&dev, &dc), TERN_OK);
    CHECK_EQ(tern_dm_add(&dm, tern_device_obj(&dev)), TERN_OK);
    CHECK_EQ(op(TERN_OPK_READ, 3, 3, 1, 0, NULL), TERN_LC_NOT_FOUND);
    CHECK_EQ(op(TERN_OPK_READ, 3, 3, 9, 0, NULL), TERN_LC_NOT_FOUND);
    CHECK_EQ(op(TERN_OPK_READ, 3, 3, 13, 0, NULL), TERN_LC_NOT_FOUND);
    CHECK_EQ(op(TERN_OPK_EXECUTE, 3, 3, 4, 0, NULL), TERN_LC_NOT_FOUND);
    CHECK_EQ(tern_device_init(&dev, &(tern_device_cfg){0}), TERN_EINVAL); /* binding mandatory */
}

static void test_device_writes(void)
{
    setup();
    /* Current Time: an offset to the device clock */
    CHECK_EQ(op(TERN_OPK_WRITE_REPLACE, 3, 3, 13, 0, "1700000100"), TERN_LC_CHANGED);
    now_s += 5;
    expect(3, 3, 13, 0, "1700000105");
    CHECK_EQ(tern_device_time(&dev), 1700000105);
    now_s -= 5;
    CHECK_EQ(op(TERN_OPK_WRITE_REPLACE, 3, 3, 14, 0, "UTC+01:00"), TERN_LC_CHANGED);
    expect(3, 3, 14, 0, "UTC+01:00");
    CHECK_EQ(op(TERN_OPK_WRITE_REPLACE, 3, 3, 15, 0, "Europe/Berlin"), TERN_LC_CHANGED);
    expect(3, 3, 15, 0, "Europe/Berlin");
    CHECK_EQ(op(TERN_OPK_WRITE_REPLACE, 3, 3, 15, 0, "this/timezone/name/is/far/too/long/for/the/storage/"), TERN_LC_REQUEST_TOO_LARGE);
    expect(3, 3, 15, 0, "Europe/Berlin"); /* rolled back */
    /* read-only resources refuse writes */
    CHECK_EQ(op(TERN_OPK_WRITE_REPLACE, 3, 3, 0, 0, "evil"), TERN_LC_METHOD_NOT_ALLOWED);
    CHECK_EQ(op(TERN_OPK_WRITE_REPLACE, 3, 3, 9, 0, "1"), TERN_LC_METHOD_NOT_ALLOWED);
    /* the single Device instance is not created by servers */
    CHECK_EQ(op(TERN_OPK_CREATE, 1, 3, 0, 0, NULL), TERN_LC_METHOD_NOT_ALLOWED);
    CHECK_EQ(op(TERN_OPK_DELETE, 2, 3, 0, 0, NULL), TERN_LC_METHOD_NOT_ALLOWED);
}

static void test_device_executes(void)
{
    setup();
    CHECK_EQ(op(TERN_OPK_EXECUTE, 3, 3, 4, 0, NULL), TERN_LC_CHANGED);
    CHECK_EQ(reboots, 1);
    CHECK_EQ(op(TERN_OPK_EXECUTE, 3, 3, 5, 0, NULL), TERN_LC_CHANGED);
    CHECK_EQ(resets, 1);
    CHECK_EQ(op(TERN_OPK_EXECUTE, 3, 3, 13, 0, NULL), TERN_LC_METHOD_NOT_ALLOWED);
    /* Error Code list and Reset Error Code */
    CHECK_EQ(tern_device_error_set(&dev, 1), TERN_OK);
    CHECK_EQ(tern_device_error_set(&dev, 7), TERN_OK);
    CHECK_EQ(tern_device_error_set(&dev, 7), TERN_OK);
    CHECK_EQ(tern_device_error_set(&dev, 33), TERN_ERANGE);
    expect(4, 3, 11, 0, "1");
    expect(4, 3, 11, 1, "7");
    CHECK_EQ(op(TERN_OPK_READ, 4, 3, 11, 2, NULL), TERN_LC_NOT_FOUND);
    tern_device_error_clear(&dev, 1);
    expect(4, 3, 11, 0, "7");
    CHECK_EQ(op(TERN_OPK_EXECUTE, 3, 3, 12, 0, NULL), TERN_LC_CHANGED);
    CHECK_EQ(err_reevals, 1);
    expect(4, 3, 11, 0, "0");
    CHECK_EQ(op(TERN_OPK_READ, 4, 3, 11, 1, NULL), TERN_LC_NOT_FOUND);
    for (int64_t e = 1; e <= TERN_DEVICE_MAX_ERRORS; e++)
        CHECK_EQ(tern_device_error_set(&dev, e), TERN_OK);
    CHECK_EQ(tern_device_error_set(&dev, 30), TERN_EFULL);
}

static void test_connmon(void)
{
    setup();
    expect(3, 4, 0, 0, "6");
    expect(4, 4, 1, 2, "21");
    expect(3, 4, 2, 0, "-93");
    expect(3, 4, 3, 0, "42");
    expect(4, 4, 4, 1, "2001:db8::10");
    expect(4, 4, 5, 0, "192.0.2.1");
    expect(3, 4, 8, 0, "1234567");
    expect(3, 4, 9, 0, "1");
    expect(3, 4, 10, 0, "262");
    expect(3, 4, 12, 0, "77");
    CHECK_EQ(op(TERN_OPK_READ, 3, 4, 6, 0, NULL), TERN_LC_NOT_FOUND); /* absent */
    CHECK_EQ(op(TERN_OPK_READ, 3, 4, 7, 0, NULL), TERN_LC_NOT_FOUND);
    CHECK_EQ(op(TERN_OPK_READ, 4, 4, 4, 2, NULL), TERN_LC_NOT_FOUND);
    CHECK_EQ(op(TERN_OPK_WRITE_REPLACE, 3, 4, 0, 0, "1"), TERN_LC_METHOD_NOT_ALLOWED);
    CHECK_EQ(op(TERN_OPK_READ, 2, 4, 0, 0, NULL), TERN_LC_CONTENT);
}

static void test_location(void)
{
    setup();
    expect(3, 6, 0, 0, "48.5");
    expect(3, 6, 1, 0, "-2.25");
    expect(3, 6, 2, 0, "120.5");
    expect(3, 6, 5, 0, "1700000123");
    expect(3, 6, 6, 0, "1.5");
    CHECK_EQ(op(TERN_OPK_READ, 3, 6, 3, 0, NULL), TERN_LC_NOT_FOUND);
    CHECK_EQ(op(TERN_OPK_READ, 3, 6, 4, 0, NULL), TERN_LC_NOT_FOUND);
    CHECK_EQ(op(TERN_OPK_WRITE_REPLACE, 3, 6, 0, 0, "1.0"), TERN_LC_METHOD_NOT_ALLOWED);
    CHECK_EQ(op(TERN_OPK_READ, 1, 6, 0, 0, NULL), TERN_LC_CONTENT);
}

int main(void)
{
    TRUN(test_device_reads);
    TRUN(test_device_optional_absent);
    TRUN(test_device_writes);
    TRUN(test_device_executes);
    TRUN(test_connmon);
    TRUN(test_location);
    return tdone();
}
