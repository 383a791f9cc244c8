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
    tern_dm_cfg c = {.work = work, .work_len = sizeof work, .check_access = tern_acl_check, .access_ctx = &acl,
                     .on_instance_created = tern_acl_dm_on_created, .on_instance_deleted = tern_acl_dm_on_deleted,
                     .instance_ctx = &acl};
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
    /* object level: the refused instance is left out (Core §7.3) */
    CHECK_EQ(run(TERN_OPK_READ, B, 1, 3, 0, 0, 0), TERN_LC_CONTENT);
    CHECK(res.body_len < 8); /* an empty object */
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
    /* object level: the decision function alone needs the right on every
     * instance; the dm reads the instances it may and leaves out the rest */
    CHECK_EQ(tern_acl_check(&acl, A, TERN_OPK_READ, &(tern_path){{3, 0, 0, 0}, 1}), TERN_EPERM);
    CHECK_EQ(run(TERN_OPK_READ, A, 1, 3, 0, 0, 0), TERN_LC_CONTENT);
    CHECK(res.body_len < 8);
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

/* ---- a multi-instance test object /42 (one integer resource 0) ---- */
static const tern_res_def m_res[] = {
    {.id = 0, .type = TERN_TYPE_INTEGER, .ops = TERN_OP_RW, .mandatory = true, .name = "v", .units = ""},
};
static const tern_obj_def m_def = {.id = 42, .multiple = true, .name = "Multi", .version = "1.0",
                                   .res_count = 1, .res = m_res};
static bool m_used[8];
static int64_t m_val[8];

static int m_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    for (int32_t i = after + 1; i < 8; i++)
        if (m_used[i]) {
            *iid = (uint16_t)i;
            return TERN_OK;
        }
    return TERN_DONE;
}
static int m_read(tern_dm_obj *o, const tern_path *p, uint32_t off, tern_dm_read_out *ro)
{
    (void)o;
    (void)off;
    ro->value.type = TERN_TYPE_INTEGER;
    ro->value.v.i = m_val[p->ids[1]];
    return TERN_OK;
}
static int m_write(tern_dm_obj *o, const tern_entry *e)
{
    (void)o;
    m_val[e->path.ids[1]] = e->value.v.i;
    return TERN_OK;
}
static int m_create(tern_dm_obj *o, uint16_t iid)
{
    (void)o;
    if (iid >= 8)
        return TERN_EFULL;
    m_used[iid] = true;
    return TERN_OK;
}
static int m_del(tern_dm_obj *o, const tern_path *p)
{
    (void)o;
    m_used[p->ids[1]] = false;
    return TERN_OK;
}
static const tern_dm_handlers m_h = {.inst_next = m_inst_next, .read = m_read, .write = m_write,
                                     .create = m_create, .del = m_del};
static tern_dm_obj m_obj;

static int read_as(int kind, uint16_t ssid, int len, uint16_t o, uint16_t i, int32_t accept)
{
    tern_op op;
    tern_op_init(&op, (tern_op_kind)kind);
    op.ssid = ssid;
    op.path = tern_path_make(len, o, i, 0, 0);
    op.accept = accept;
    int code = tern_dm_handle(&dm, &op, out, sizeof out - 1, 0, &res);
    out[code == TERN_LC_CONTENT ? res.body_len : 0] = 0;
    return code;
}
static bool has(const char *needle)
{
    return strstr((const char *)out, needle) != NULL;
}
/* SenML names instance `i` of /42 relative to bn "/42/" or in full */
static bool inst(int i)
{
    char a[16], b[16];
    snprintf(a, sizeof a, "\"n\":\"%d/", i);
    snprintf(b, sizeof b, "/42/%d/", i);
    return has(a) || has(b);
}

/* Two servers, different ACLs, object-level Read / Observe / Discover /
 * Read-Composite on /3 and /42: each sees exactly its readable instances
 * (Core §7.3); single-instance requests keep 4.01 / 4.04; Create makes the
 * creating server the owner through the dm hook, Delete drops the ACL. */
static void test_object_level_filter(void)
{
    setup(2);
    memset(m_used, 0, sizeof m_used);
    m_used[0] = m_used[1] = m_used[2] = true;
    m_val[0] = 100;
    m_val[1] = 111;
    m_val[2] = 122;
    m_obj = (tern_dm_obj){.def = &m_def, .h = &m_h};
    CHECK_EQ(tern_dm_add(&dm, &m_obj), TERN_OK);
    /* /3/0: A only; /42/0: A only; /42/1: B only (owner A with its own
     * entry 0); /42/2: no ACL instance; B may create on /42 */
    CHECK_EQ(tern_acl_set(&acl, 3, 0, A, B, 0), TERN_OK);
    CHECK_EQ(tern_acl_set(&acl, 42, 0, A, B, 0), TERN_OK);
    CHECK_EQ(tern_acl_set(&acl, 42, 1, A, B, TERN_ACL_R), TERN_OK);
    CHECK_EQ(tern_acl_set(&acl, 42, 1, A, A, 0), TERN_OK);
    CHECK_EQ(tern_acl_set(&acl, 42, TERN_ACL_OBJECT_LEVEL, TERN_ACL_OWNER_BOOTSTRAP, B, TERN_ACL_C), TERN_OK);

    CHECK_EQ(read_as(TERN_OPK_READ, A, 1, 3, 0, TERN_CF_SENML_JSON), TERN_LC_CONTENT);
    CHECK(has("\"n\":\"0/"));
    CHECK_EQ(read_as(TERN_OPK_READ, B, 1, 3, 0, TERN_CF_SENML_JSON), TERN_LC_CONTENT);
    CHECK(!has("\"n\":\"0/"));
    CHECK_EQ(read_as(TERN_OPK_READ, B, 2, 3, 0, TERN_CF_SENML_JSON), TERN_LC_UNAUTHORIZED);

    CHECK_EQ(read_as(TERN_OPK_READ, A, 1, 42, 0, TERN_CF_SENML_JSON), TERN_LC_CONTENT);
    CHECK(inst(0) && has("100") && !inst(1) && !inst(2));
    CHECK_EQ(read_as(TERN_OPK_READ, B, 1, 42, 0, TERN_CF_SENML_JSON), TERN_LC_CONTENT);
    CHECK(inst(1) && has("111") && !inst(0) && !inst(2));
    CHECK_EQ(read_as(TERN_OPK_OBSERVE, B, 1, 42, 0, TERN_CF_SENML_JSON), TERN_LC_CONTENT);
    CHECK(inst(1) && !inst(0) && !inst(2));
    CHECK_EQ(read_as(TERN_OPK_DISCOVER, A, 1, 42, 0, TERN_OP_CF_NONE), TERN_LC_CONTENT);
    CHECK(has("</42>") && has("</42/0>") && has("</42/0/0>") && !has("</42/1") && !has("</42/2"));
    CHECK_EQ(read_as(TERN_OPK_DISCOVER, B, 1, 42, 0, TERN_OP_CF_NONE), TERN_LC_CONTENT);
    CHECK(has("</42/1>") && !has("</42/0") && !has("</42/2"));
    /* one instance: the hook's answer */
    CHECK_EQ(read_as(TERN_OPK_READ, B, 2, 42, 0, TERN_CF_SENML_JSON), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(read_as(TERN_OPK_READ, A, 2, 42, 1, TERN_CF_SENML_JSON), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(read_as(TERN_OPK_READ, A, 2, 42, 2, TERN_CF_SENML_JSON), TERN_LC_NOT_FOUND);
    CHECK_EQ(read_as(TERN_OPK_DISCOVER, B, 2, 42, 0, TERN_OP_CF_NONE), TERN_LC_UNAUTHORIZED);
    /* Read-Composite with an object path: filtered the same way */
    tern_op op;
    tern_op_init(&op, TERN_OPK_READ_COMPOSITE);
    op.ssid = B;
    op.path = tern_path_root();
    op.content_format = TERN_CF_SENML_ETCH_JSON;
    op.accept = TERN_CF_SENML_JSON;
    const char *q = "[{\"n\":\"/42\"},{\"n\":\"/3\"}]";
    op.payload = (tern_bytes){(const uint8_t *)q, strlen(q)};
    CHECK_EQ(tern_dm_handle(&dm, &op, out, sizeof out - 1, 0, &res), TERN_LC_CONTENT);
    out[res.body_len] = 0;
    CHECK(inst(1) && !inst(0) && !has("/3/0"));

    /* Create by B: the hook makes B the Access Control Owner of /42/3 */
    tern_op_init(&op, TERN_OPK_CREATE);
    op.ssid = B;
    op.path = tern_path_make(1, 42, 0, 0, 0);
    op.content_format = TERN_CF_SENML_JSON;
    const char *body = "[{\"bn\":\"/42/3/\",\"n\":\"0\",\"v\":133}]";
    op.payload = (tern_bytes){(const uint8_t *)body, strlen(body)};
    CHECK_EQ(tern_dm_handle(&dm, &op, out, sizeof out, 0, &res), TERN_LC_CREATED);
    CHECK_EQ(tern_acl_rights(&acl, B, 42, 3), TERN_ACL_ALL);
    CHECK_EQ(tern_acl_rights(&acl, A, 42, 3), 0);
    CHECK_EQ(read_as(TERN_OPK_READ, B, 1, 42, 0, TERN_CF_SENML_JSON), TERN_LC_CONTENT);
    CHECK(inst(1) && inst(3) && has("133") && !inst(0));
    CHECK_EQ(read_as(TERN_OPK_READ, A, 1, 42, 0, TERN_CF_SENML_JSON), TERN_LC_CONTENT);
    CHECK(inst(0) && !inst(3));
    /* A Create refused by the ACL calls no hook */
    op.ssid = A;
    body = "[{\"bn\":\"/42/4/\",\"n\":\"0\",\"v\":1}]";
    op.payload = (tern_bytes){(const uint8_t *)body, strlen(body)};
    CHECK_EQ(tern_dm_handle(&dm, &op, out, sizeof out, 0, &res), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(tern_acl_rights(&acl, A, 42, 4), -1);
    /* Delete by its owner B: the ACL instance goes with it */
    CHECK_EQ(run(TERN_OPK_DELETE, A, 2, 42, 3, 0, 0), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(tern_acl_rights(&acl, B, 42, 3), TERN_ACL_ALL);
    CHECK_EQ(run(TERN_OPK_DELETE, B, 2, 42, 3, 0, 0), TERN_LC_DELETED);
    CHECK_EQ(tern_acl_rights(&acl, B, 42, 3), -1);
    CHECK(!m_used[3]);
    /* the Bootstrap-Server (ssid 0) sees every instance */
    CHECK_EQ(read_as(TERN_OPK_READ, 0, 1, 42, 0, TERN_CF_SENML_JSON), TERN_LC_CONTENT);
    CHECK(inst(0) && inst(1) && inst(2));
    CHECK_EQ(tern_dm_remove(&dm, &m_obj), TERN_OK);
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
    TRUN(test_object_level_filter);
    return tdone();
}
