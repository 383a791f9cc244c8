/* Unit tests of the access-control decision (Core §7.3.1) and the Access
 * Control object (2), through the data model with two servers. */
#include "tern/dm.h"
#include "tern/objects.h"
#include "tharness.h"

static tern_dm dm;
static uint8_t work[2048];
static tern_acl_obj acl;
static tern_acl_inst insts[8], shadow[8];
static tern_device dev;
static int reboots;
static uint8_t out[1024];
static tern_op_result res;

static int64_t clock_s(void *ctx)
{
    (void)ctx;
    return 1700000000;
}

static int reboot(void *ctx)
{
    (void)ctx;
    reboots++;
    return TERN_OK;
}

enum { A = 101, B = 102 };

static void setup(uint16_t servers)
{
    tern_dm_cfg c = {.work = work, .work_len = sizeof work, .check_access = tern_acl_check, .access_ctx = &acl};
    CHECK_EQ(tern_dm_init(&dm, &c), TERN_OK);
    tern_acl_cfg ac = {.insts = insts, .shadow = shadow, .count = 8, .dm = &dm};
    CHECK_EQ(tern_acl_init(&acl, &ac), TERN_OK);
    tern_acl_set_server_count(&acl, servers);
    tern_device_cfg dc = {.manufacturer = "tern", .binding_modes = "U", .reboot = reboot, .clock = clock_s};
    CHECK_EQ(tern_device_init(&dev, &dc), TERN_OK);
    CHECK_EQ(tern_dm_add(&dm, tern_acl_dm_obj(&acl)), TERN_OK);
    CHECK_EQ(tern_dm_add(&dm, tern_device_obj(&dev)), TERN_OK);
    reboots = 0;
}

static int run(int kind, uint16_t ssid, int len, uint16_t o, uint16_t i, uint16_t r, uint16_t ri)
{
    tern_op op;
    tern_op_init(&op, (tern_op_kind)kind);
    op.ssid = ssid;
    op.path = tern_path_make(len, o, i, r, ri);
    return tern_dm_handle(&dm, &op, out, sizeof out, 0, &res);
}

static int write_text(uint16_t ssid, int len, uint16_t o, uint16_t i, uint16_t r, uint16_t ri, const char *v)
{
    tern_op op;
    tern_op_init(&op, len == 2 ? TERN_OPK_WRITE_UPDATE : TERN_OPK_WRITE_REPLACE);
    op.ssid = ssid;
    op.path = tern_path_make(len, o, i, r, ri);
    op.content_format = TERN_CF_TEXT;
    op.payload = (tern_bytes){(const uint8_t *)v, strlen(v)};
    return tern_dm_handle(&dm, &op, out, sizeof out, 0, &res);
}

static void test_single_server(void)
{
    setup(1);
    /* no ACL instance at all, one server: full access (Core §7.3) */
    CHECK_EQ(run(TERN_OPK_READ, A, 3, 3, 0, 0, 0), TERN_LC_CONTENT);
    CHECK_EQ(run(TERN_OPK_EXECUTE, A, 3, 3, 0, 4, 0), TERN_LC_CHANGED);
    CHECK_EQ(reboots, 1);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_READ, &(tern_path){{0, 0, 0, 0}, 2}), TERN_ENOTFOUND);
}

static void test_two_servers_read(void)
{
    setup(2);
    CHECK_EQ(tern_acl_set(&acl, 3, 0, A, A, TERN_ACL_R), TERN_OK);
    CHECK_EQ(tern_acl_set(&acl, 3, 0, A, B, 0), TERN_OK);
    CHECK_EQ(tern_acl_rights(&acl, A, 3, 0), TERN_ACL_R);
    /* A: R on /3/0 → Read, Observe, Discover, Write-Attributes */
    CHECK_EQ(run(TERN_OPK_READ, A, 3, 3, 0, 0, 0), TERN_LC_CONTENT);
    CHECK_EQ(run(TERN_OPK_READ, A, 2, 3, 0, 0, 0), TERN_LC_CONTENT);
    CHECK_EQ(run(TERN_OPK_READ, A, 1, 3, 0, 0, 0), TERN_LC_CONTENT);
    CHECK_EQ(run(TERN_OPK_OBSERVE, A, 3, 3, 0, 0, 0), TERN_LC_CONTENT);
    CHECK_EQ(run(TERN_OPK_DISCOVER, A, 2, 3, 0, 0, 0), TERN_LC_CONTENT);
    /* ... but not Write or Execute: its own entry wins over ownership */
    CHECK_EQ(run(TERN_OPK_EXECUTE, A, 3, 3, 0, 4, 0), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(reboots, 0);
    CHECK_EQ(write_text(A, 3, 3, 0, 15, 0, "Europe/Paris"), TERN_LC_UNAUTHORIZED);
    /* B: an entry without bits → 4.01 for everything */
    CHECK_EQ(run(TERN_OPK_READ, B, 3, 3, 0, 0, 0), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(run(TERN_OPK_READ, B, 1, 3, 0, 0, 0), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(run(TERN_OPK_DISCOVER, B, 2, 3, 0, 0, 0), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(run(TERN_OPK_EXECUTE, B, 3, 3, 0, 4, 0), TERN_LC_UNAUTHORIZED);
    /* cancelling an observation is always allowed */
    CHECK_EQ(tern_acl_check(&acl, B, TERN_OPK_CANCEL_OBSERVE, &(tern_path){{3, 0, 0, 0}, 3}), TERN_OK);
    /* the Bootstrap-Server (ssid 0) is not subject to the ACL */
    CHECK_EQ(run(TERN_OPK_EXECUTE, 0, 3, 3, 0, 4, 0), TERN_LC_CHANGED);
}

static void test_owner_and_default(void)
{
    setup(2);
    /* owner A without its own entry: full rights; B gets the default ACL */
    CHECK_EQ(tern_acl_set(&acl, 3, 0, A, 0, TERN_ACL_R), TERN_OK);
    CHECK_EQ(tern_acl_rights(&acl, A, 3, 0), TERN_ACL_ALL);
    CHECK_EQ(tern_acl_rights(&acl, B, 3, 0), TERN_ACL_R);
    CHECK_EQ(run(TERN_OPK_EXECUTE, A, 3, 3, 0, 4, 0), TERN_LC_CHANGED);
    CHECK_EQ(write_text(A, 3, 3, 0, 15, 0, "Europe/Paris"), TERN_LC_CHANGED);
    CHECK_EQ(run(TERN_OPK_READ, B, 3, 3, 0, 15, 0), TERN_LC_CONTENT);
    CHECK_MEM(out, "Europe/Paris", 12);
    CHECK_EQ(write_text(B, 3, 3, 0, 15, 0, "UTC"), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(run(TERN_OPK_EXECUTE, B, 3, 3, 0, 4, 0), TERN_LC_UNAUTHORIZED);
    /* B's own entry overrides the default */
    CHECK_EQ(tern_acl_set(&acl, 3, 0, A, B, TERN_ACL_R | TERN_ACL_E), TERN_OK);
    CHECK_EQ(run(TERN_OPK_EXECUTE, B, 3, 3, 0, 4, 0), TERN_LC_CHANGED);
    CHECK_EQ(write_text(B, 3, 3, 0, 15, 0, "UTC"), TERN_LC_UNAUTHORIZED);
}

static void test_no_acl_instance(void)
{
    setup(2);
    /* an object instance without ACL instance is not exposed: 4.04 */
    CHECK_EQ(run(TERN_OPK_READ, A, 3, 3, 0, 0, 0), TERN_LC_NOT_FOUND);
    CHECK_EQ(run(TERN_OPK_EXECUTE, A, 3, 3, 0, 4, 0), TERN_LC_NOT_FOUND);
    /* object level needs the right on every instance */
    CHECK_EQ(run(TERN_OPK_READ, A, 1, 3, 0, 0, 0), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(tern_acl_rights(&acl, A, 3, 0), -1);
}

static void test_create_rights(void)
{
    setup(2);
    tern_path p = {{3303, 0, 0, 0}, 1};
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_CREATE, &p), TERN_EPERM);
    /* Create via the object-level ACL instance (Object Instance ID 65535) */
    CHECK_EQ(tern_acl_set(&acl, 3303, TERN_ACL_OBJECT_LEVEL, TERN_ACL_OWNER_BOOTSTRAP, A, TERN_ACL_C), TERN_OK);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_CREATE, &p), TERN_OK);
    CHECK_EQ(tern_acl_check(&acl, B, TERN_OPK_CREATE, &p), TERN_EPERM);
    /* default ACL grants C to everybody */
    CHECK_EQ(tern_acl_set(&acl, 3303, TERN_ACL_OBJECT_LEVEL, TERN_ACL_OWNER_BOOTSTRAP, 0, TERN_ACL_C), TERN_OK);
    CHECK_EQ(tern_acl_check(&acl, B, TERN_OPK_CREATE, &p), TERN_OK);
    /* a created instance gets an ACL instance owned by its creator */
    CHECK_EQ(tern_acl_on_create(&acl, 3303, 7, A), TERN_OK);
    CHECK_EQ(tern_acl_rights(&acl, A, 3303, 7), TERN_ACL_ALL);
    CHECK_EQ(tern_acl_rights(&acl, B, 3303, 7), 0);
    tern_path q = {{3303, 7, 5700, 0}, 3};
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_DELETE, &(tern_path){{3303, 7, 0, 0}, 2}), TERN_OK);
    CHECK_EQ(tern_acl_check(&acl, B, TERN_OPK_READ, &q), TERN_EPERM);
    CHECK_EQ(tern_acl_on_create(&acl, 3303, 8, 0), TERN_OK); /* bootstrap: nothing */
    CHECK_EQ(tern_acl_rights(&acl, A, 3303, 8), -1);
    tern_acl_on_delete(&acl, 3303, 7);
    CHECK_EQ(tern_acl_rights(&acl, A, 3303, 7), -1);
}

static void test_acl_object(void)
{
    setup(2);
    CHECK_EQ(tern_acl_set(&acl, 3, 0, A, B, TERN_ACL_R), TERN_OK);
    /* /2/0: Object ID 3, Instance 0, ACL {102: 1}, owner 101 */
    CHECK_EQ(run(TERN_OPK_READ, B, 3, 2, 0, 0, 0), TERN_LC_CONTENT);
    CHECK_MEM(out, "3", 1);
    CHECK_EQ(run(TERN_OPK_READ, B, 4, 2, 0, 2, B), TERN_LC_CONTENT);
    CHECK_MEM(out, "1", 1);
    CHECK_EQ(run(TERN_OPK_READ, B, 3, 2, 0, 3, 0), TERN_LC_CONTENT);
    CHECK_MEM(out, "101", 3);
    /* only the owner manages it */
    CHECK_EQ(write_text(B, 4, 2, 0, 2, B, "3"), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(write_text(A, 4, 2, 0, 2, B, "3"), TERN_LC_CHANGED);
    CHECK_EQ(tern_acl_rights(&acl, B, 3, 0), 3);
    CHECK_EQ(write_text(A, 4, 2, 0, 2, B, "32"), TERN_LC_BAD_REQUEST); /* range 0..31 */
    CHECK_EQ(tern_acl_rights(&acl, B, 3, 0), 3);
    CHECK_EQ(run(TERN_OPK_DELETE, A, 2, 2, 0, 0, 0), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(run(TERN_OPK_DELETE, A, 4, 2, 0, 2, B), TERN_LC_DELETED);
    CHECK_EQ(tern_acl_rights(&acl, B, 3, 0), 0);
    /* owner hand-over */
    CHECK_EQ(write_text(A, 3, 2, 0, 3, 0, "102"), TERN_LC_CHANGED);
    CHECK_EQ(tern_acl_rights(&acl, B, 3, 0), TERN_ACL_ALL);
    CHECK_EQ(write_text(A, 3, 2, 0, 3, 0, "101"), TERN_LC_UNAUTHORIZED);
    /* bootstrap-owned: no server manages it */
    CHECK_EQ(tern_acl_set(&acl, 4, 0, TERN_ACL_OWNER_BOOTSTRAP, A, TERN_ACL_R), TERN_OK);
    CHECK_EQ(write_text(A, 4, 2, 1, 2, A, "3"), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(run(TERN_OPK_CREATE, A, 1, 2, 0, 0, 0), TERN_LC_UNAUTHORIZED);
}

static void test_mapping(void)
{
    setup(2);
    CHECK_EQ(tern_acl_set(&acl, 3, 0, TERN_ACL_OWNER_BOOTSTRAP, A, TERN_ACL_W), TERN_OK);
    tern_path r = {{3, 0, 15, 0}, 3};
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_WRITE_REPLACE, &r), TERN_OK);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_WRITE_UPDATE, &r), TERN_OK);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_WRITE_COMPOSITE, &r), TERN_OK);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_READ, &r), TERN_EPERM);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_WRITE_ATTRS, &r), TERN_EPERM); /* needs R */
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_DISCOVER, &r), TERN_EPERM);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_READ_COMPOSITE, &r), TERN_EPERM);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_OBSERVE_COMPOSITE, &r), TERN_EPERM);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_DELETE, &(tern_path){{3, 0, 0, 0}, 2}), TERN_EPERM);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_DELETE, &(tern_path){{3, 0, 11, 0}, 4}), TERN_OK);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_EXECUTE, &(tern_path){{3, 0, 4, 0}, 3}), TERN_EPERM);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_READ_COMPOSITE, &(tern_path){{0, 0, 0, 0}, 0}), TERN_OK);
    CHECK_EQ(tern_acl_set(&acl, 3, 0, TERN_ACL_OWNER_BOOTSTRAP, A, TERN_ACL_D), TERN_OK);
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_DELETE, &(tern_path){{3, 0, 0, 0}, 2}), TERN_OK);
    /* the storage is bounded */
    for (uint16_t s = 1; s <= TERN_ACL_MAX_ENTRIES; s++)
        (void)tern_acl_set(&acl, 3, 0, TERN_ACL_OWNER_BOOTSTRAP, (uint16_t)(200 + s), 1);
    CHECK_EQ(tern_acl_set(&acl, 3, 0, TERN_ACL_OWNER_BOOTSTRAP, 300, 1), TERN_EFULL);
}

int main(void)
{
    TRUN(test_single_server);
    TRUN(test_two_servers_read);
    TRUN(test_owner_and_default);
    TRUN(test_no_acl_instance);
    TRUN(test_create_rights);
    TRUN(test_acl_object);
    TRUN(test_mapping);
    return tdone();
}
