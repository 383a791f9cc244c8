/* Unit tests of the client data model and DM & SE dispatch (dm.h, op.h):
 * every operation, the Transport Table 6.7.-3 rows that apply to a client,
 * format negotiation, atomic writes, windowed reads, streamed writes. */
#include <stdlib.h>

#include "model/gen/objects.h"
#include "tern/dm.h"
#include "tharness.h"


/* ---- a test object with every data type (id 30000, multiple instances) ---- */
enum { T_STR, T_INT, T_UINT, T_FLT, T_BOOL, T_OPQ, T_TIME, T_LNK, T_CLNK, T_MULTI, T_EXEC, T_RO, T_MAND, T_NRES };
static const tern_res_def t_res[] = {
    {.id = 0, .type = TERN_TYPE_STRING, .ops = TERN_OP_RW, .name = "s", .units = ""},
    {.id = 1, .type = TERN_TYPE_INTEGER, .ops = TERN_OP_RW, .has_range = true, .range_min = 0, .range_max = 100, .name = "i", .units = ""},
    {.id = 2, .type = TERN_TYPE_UNSIGNED, .ops = TERN_OP_RW, .name = "u", .units = ""},
    {.id = 3, .type = TERN_TYPE_FLOAT, .ops = TERN_OP_RW, .name = "f", .units = ""},
    {.id = 4, .type = TERN_TYPE_BOOLEAN, .ops = TERN_OP_RW, .name = "b", .units = ""},
    {.id = 5, .type = TERN_TYPE_OPAQUE, .ops = TERN_OP_RW, .name = "o", .units = ""},
    {.id = 6, .type = TERN_TYPE_TIME, .ops = TERN_OP_RW, .name = "t", .units = ""},
    {.id = 7, .type = TERN_TYPE_OBJLNK, .ops = TERN_OP_RW, .name = "l", .units = ""},
    {.id = 8, .type = TERN_TYPE_CORELNK, .ops = TERN_OP_RW, .name = "c", .units = ""},
    {.id = 9, .type = TERN_TYPE_INTEGER, .ops = TERN_OP_RW, .multiple = true, .name = "m", .units = ""},
    {.id = 10, .type = TERN_TYPE_NONE, .ops = TERN_OP_E, .name = "x", .units = ""},
    {.id = 11, .type = TERN_TYPE_INTEGER, .ops = TERN_OP_R, .name = "ro", .units = ""},
    {.id = 12, .type = TERN_TYPE_INTEGER, .ops = TERN_OP_RW, .mandatory = true, .name = "mand", .units = ""},
};
static const tern_obj_def t_def = {.id = 30000, .multiple = true, .name = "Test", .version = "1.1",
                                   .res_count = T_NRES, .res = t_res};

typedef struct t_inst {
    bool used;
    char s[32];
    size_t s_len;
    int64_t i;
    uint64_t u;
    double f;
    bool b;
    uint8_t o[16];
    size_t o_len;
    int64_t t;
    tern_objlnk l;
    int64_t m[4];
    bool m_used[4];
    int64_t ro, mand;
} t_inst;

typedef struct t_obj {
    t_inst live[4], shadow[4];
    int begins, commits, rollbacks, executes;
    uint8_t exec_args[32];
    size_t exec_args_len;
    bool fail_validate;
} t_obj;

static t_obj *T(tern_dm_obj *o)
{
    return o->user;
}
static int t_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    for (int32_t i = after + 1; i < 4; i++)
        if (T(o)->live[i].used) {
            *iid = (uint16_t)i;
            return TERN_OK;
        }
    return TERN_DONE;
}
static int t_rinst_next(tern_dm_obj *o, uint16_t iid, uint16_t rid, int32_t after, uint16_t *riid)
{
    (void)rid;
    for (int32_t i = after + 1; i < 4; i++)
        if (T(o)->live[iid].m_used[i]) {
            *riid = (uint16_t)i;
            return TERN_OK;
        }
    return TERN_DONE;
}
static int t_read(tern_dm_obj *o, const tern_path *p, uint32_t off, tern_dm_read_out *out)
{
    (void)off;
    t_inst *in = &T(o)->live[p->ids[1]];
    tern_value *v = &out->value;
    switch (p->ids[2]) {
    case 0: v->type = TERN_TYPE_STRING; v->v.bytes = (tern_bytes){(const uint8_t *)in->s, in->s_len}; break;
    case 1: v->type = TERN_TYPE_INTEGER; v->v.i = in->i; break;
    case 2: v->type = TERN_TYPE_UNSIGNED; v->v.u = in->u; break;
    case 3: v->type = TERN_TYPE_FLOAT; v->v.f = in->f; break;
    case 4: v->type = TERN_TYPE_BOOLEAN; v->v.b = in->b; break;
    case 5: v->type = TERN_TYPE_OPAQUE; v->v.bytes = (tern_bytes){in->o, in->o_len}; break;
    case 6: v->type = TERN_TYPE_TIME; v->v.i = in->t; break;
    case 7: v->type = TERN_TYPE_OBJLNK; v->v.lnk = in->l; break;
    case 8: v->type = TERN_TYPE_CORELNK; v->v.bytes = (tern_bytes){(const uint8_t *)"</1>", 4}; break;
    case 9: v->type = TERN_TYPE_INTEGER; v->v.i = in->m[p->ids[3]]; break;
    case 11: v->type = TERN_TYPE_INTEGER; v->v.i = in->ro; break;
    case 12: v->type = TERN_TYPE_INTEGER; v->v.i = in->mand; break;
    default: return TERN_ENOTFOUND;
    }
    return TERN_OK;
}
static int t_write(tern_dm_obj *o, const tern_entry *e)
{
    t_inst *in = &T(o)->shadow[e->path.ids[1]];
    const tern_value *v = &e->value;
    switch (e->path.ids[2]) {
    case 0:
        if (v->v.bytes.len > sizeof in->s)
            return TERN_ETOOBIG;
        memcpy(in->s, v->v.bytes.ptr, v->v.bytes.len);
        in->s_len = v->v.bytes.len;
        break;
    case 1: in->i = v->v.i; break;
    case 2: in->u = v->v.u; break;
    case 3: in->f = v->v.f; break;
    case 4: in->b = v->v.b; break;
    case 5:
        if (v->v.bytes.len > sizeof in->o)
            return TERN_ETOOBIG;
        memcpy(in->o, v->v.bytes.ptr, v->v.bytes.len);
        in->o_len = v->v.bytes.len;
        break;
    case 6: in->t = v->v.i; break;
    case 7: in->l = v->v.lnk; break;
    case 9:
        if (e->path.ids[3] >= 4)
            return TERN_EFULL;
        in->m[e->path.ids[3]] = v->v.i;
        in->m_used[e->path.ids[3]] = true;
        break;
    case 12: in->mand = v->v.i; break;
    default: return TERN_ENOTFOUND;
    }
    return TERN_OK;
}
static int t_reset(tern_dm_obj *o, const tern_path *p)
{
    t_inst *in = &T(o)->shadow[p->ids[1]];
    if (p->len == 3) {
        memset(in->m_used, 0, sizeof in->m_used);
        return TERN_OK;
    }
    int64_t ro = in->ro;
    memset(in, 0, sizeof *in);
    in->used = true;
    in->ro = ro;
    return TERN_OK;
}
static int t_execute(tern_dm_obj *o, uint16_t iid, uint16_t rid, const uint8_t *a, size_t n)
{
    (void)iid;
    (void)rid;
    T(o)->executes++;
    memcpy(T(o)->exec_args, a, n < 32 ? n : 32);
    T(o)->exec_args_len = n;
    return TERN_OK;
}
static int t_create(tern_dm_obj *o, uint16_t iid)
{
    if (iid >= 4)
        return TERN_EFULL;
    memset(&T(o)->shadow[iid], 0, sizeof(t_inst));
    T(o)->shadow[iid].used = true;
    return TERN_OK;
}
static int t_del(tern_dm_obj *o, const tern_path *p)
{
    if (p->len == 2)
        T(o)->live[p->ids[1]].used = false;
    else
        T(o)->live[p->ids[1]].m_used[p->ids[3]] = false;
    return TERN_OK;
}
static int t_begin(tern_dm_obj *o)
{
    T(o)->begins++;
    memcpy(T(o)->shadow, T(o)->live, sizeof T(o)->live);
    return TERN_OK;
}
static int t_validate(tern_dm_obj *o)
{
    return T(o)->fail_validate ? TERN_EINVAL : TERN_OK;
}
static int t_commit(tern_dm_obj *o)
{
    T(o)->commits++;
    memcpy(T(o)->live, T(o)->shadow, sizeof T(o)->live);
    return TERN_OK;
}
static void t_rollback(tern_dm_obj *o)
{
    T(o)->rollbacks++;
}
static const tern_dm_handlers t_h = {
    .inst_next = t_inst_next, .rinst_next = t_rinst_next, .read = t_read, .write = t_write, .reset = t_reset,
    .execute = t_execute, .create = t_create, .del = t_del, .begin = t_begin, .validate = t_validate,
    .commit = t_commit, .rollback = t_rollback,
};

/* ---- Device /3 (single instance; 0 Manufacturer, 4 Reboot, 6 Power
 * Sources (multiple), 9 Battery Level) ---- */
static int reboots;
static int d_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0)
        return TERN_DONE;
    *iid = 0;
    return TERN_OK;
}
static bool d_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    (void)o;
    (void)iid;
    return rid == 0 || rid == 4 || rid == 6 || rid == 9;
}
static int d_rinst_next(tern_dm_obj *o, uint16_t iid, uint16_t rid, int32_t after, uint16_t *riid)
{
    (void)o;
    (void)iid;
    (void)rid;
    if (after >= 1)
        return TERN_DONE;
    *riid = (uint16_t)(after + 1);
    return TERN_OK;
}
static int d_read(tern_dm_obj *o, const tern_path *p, uint32_t off, tern_dm_read_out *out)
{
    (void)o;
    (void)off;
    switch (p->ids[2]) {
    case 0: out->value.type = TERN_TYPE_STRING; out->value.v.bytes = (tern_bytes){(const uint8_t *)"tern", 4}; return 0;
    case 6: out->value.type = TERN_TYPE_INTEGER; out->value.v.i = p->ids[3] == 0 ? 1 : 5; return 0;
    case 9: out->value.type = TERN_TYPE_INTEGER; out->value.v.i = 87; return 0;
    default: return TERN_ENOTFOUND;
    }
}
static int d_exec(tern_dm_obj *o, uint16_t iid, uint16_t rid, const uint8_t *a, size_t n)
{
    (void)o;
    (void)iid;
    (void)a;
    (void)n;
    if (rid == 4)
        reboots++;
    return TERN_OK;
}
static const tern_dm_handlers d_h = {.inst_next = d_inst_next, .res_present = d_present,
                                     .rinst_next = d_rinst_next, .read = d_read, .execute = d_exec};

/* ---- Firmware /5: 0 Package (opaque, W) streamed into a sink ---- */
typedef struct fw_sink {
    uint32_t bytes, sum, chunks;
    bool done, committed;
} fw_sink;
static int f_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    return d_inst_next(o, after, iid);
}
static bool f_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    (void)o;
    (void)iid;
    return rid == 0 || rid == 3;
}
static int f_read(tern_dm_obj *o, const tern_path *p, uint32_t off, tern_dm_read_out *out)
{
    (void)o;
    (void)off;
    if (p->ids[2] != 3)
        return TERN_ENOTFOUND;
    out->value.type = TERN_TYPE_INTEGER;
    out->value.v.i = 0;
    return 0;
}
static int f_write(tern_dm_obj *o, const tern_entry *e)
{
    fw_sink *s = o->user;
    if (e->offset != s->bytes)
        return TERN_EINVAL;
    for (size_t i = 0; i < e->value.v.bytes.len; i++)
        s->sum = s->sum * 31u + e->value.v.bytes.ptr[i];
    s->bytes += (uint32_t)e->value.v.bytes.len;
    s->chunks++;
    s->done = !e->more;
    return TERN_OK;
}
static int f_commit(tern_dm_obj *o)
{
    ((fw_sink *)o->user)->committed = true;
    return 0;
}
static const tern_dm_handlers f_h = {.inst_next = f_inst_next, .res_present = f_present, .read = f_read,
                                     .write = f_write, .commit = f_commit};

/* ---- fixture ---- */
static uint8_t work[4096];
static tern_dm_attr_slot slots[8];
static tern_dm dm;
static t_obj tobj;
static fw_sink fw;
static tern_dm_obj o_dev, o_fw, o_test;
static int deny_oid = -1;

static int acl(void *ctx, uint16_t ssid, int kind, const tern_path *p)
{
    (void)ctx;
    (void)kind;
    if (ssid == 99 && p->len >= 1 && p->ids[0] == 30000)
        return TERN_EPERM;
    if (deny_oid >= 0 && p->len >= 1 && p->ids[0] == deny_oid)
        return TERN_ENOTFOUND;
    return TERN_OK;
}

/* instance lifecycle hook calls: (ssid, oid, iid) of the last one */
static int n_created, n_deleted;
static uint16_t hook_ids[3];
static void on_created(void *ctx, uint16_t ssid, uint16_t oid, uint16_t iid)
{
    (void)ctx;
    n_created++;
    hook_ids[0] = ssid, hook_ids[1] = oid, hook_ids[2] = iid;
}
static void on_deleted(void *ctx, uint16_t ssid, uint16_t oid, uint16_t iid)
{
    (void)ctx;
    n_deleted++;
    hook_ids[0] = ssid, hook_ids[1] = oid, hook_ids[2] = iid;
}

static void setup(void)
{
    n_created = n_deleted = 0;
    memset(&tobj, 0, sizeof tobj);
    memset(&fw, 0, sizeof fw);
    reboots = 0;
    deny_oid = -1;
    tern_dm_cfg cfg = {.work = work, .work_len = sizeof work, .attr_slots = slots,
                       .attr_slot_count = TERN_ARRAY_LEN(slots), .check_access = acl,
                       .on_instance_created = on_created, .on_instance_deleted = on_deleted};
    CHECK_EQ(tern_dm_init(&dm, &cfg), TERN_OK);
    o_dev = (tern_dm_obj){.def = &tern_obj_3_v1_2, .h = &d_h};
    o_fw = (tern_dm_obj){.def = &tern_obj_5_v1_2, .h = &f_h, .user = &fw};
    o_test = (tern_dm_obj){.def = &t_def, .h = &t_h, .user = &tobj};
    CHECK_EQ(tern_dm_add(&dm, &o_test), TERN_OK);
    CHECK_EQ(tern_dm_add(&dm, &o_dev), TERN_OK);
    CHECK_EQ(tern_dm_add(&dm, &o_fw), TERN_OK);
    t_inst *i0 = &tobj.live[0];
    i0->used = true;
    memcpy(i0->s, "hello", 5);
    i0->s_len = 5;
    i0->i = 42;
    i0->u = 7;
    i0->f = 1.5;
    i0->b = true;
    i0->o_len = 2;
    i0->o[0] = 0xde;
    i0->o[1] = 0xad;
    i0->t = 1700000000;
    i0->l = (tern_objlnk){3, 0};
    i0->m[0] = 10;
    i0->m_used[0] = true;
    i0->m[1] = 11;
    i0->m_used[1] = true;
    i0->ro = 5;
    i0->mand = 1;
}

static uint8_t out[2048];
static tern_op_result res;

static int run(tern_op *op)
{
    memset(out, 0, sizeof out);
    return tern_dm_handle(&dm, op, out, sizeof out, 0, &res);
}

static tern_op mk(tern_op_kind k, int len, uint16_t o, uint16_t i, uint16_t r, uint16_t ri)
{
    tern_op op;
    tern_op_init(&op, k);
    op.ssid = 1;
    op.path = tern_path_make(len, o, i, r, ri);
    return op;
}

static void body(tern_op *op, int32_t cf, const char *s)
{
    op->content_format = cf;
    op->payload = (tern_bytes){(const uint8_t *)s, strlen(s)};
}

/* ---- tests ---- */

static void test_objects(void)
{
    setup();
    CHECK_EQ(tern_dm_add(&dm, &o_dev), TERN_EEXIST);
    CHECK(tern_dm_find(&dm, 3) == &o_dev);
    CHECK(tern_dm_first(&dm) == &o_dev); /* sorted by id */
    CHECK(tern_dm_next(&o_dev) == &o_fw);
    CHECK(tern_dm_find(&dm, 4) == NULL);
    CHECK_EQ(tern_dm_type_of(&dm, &(tern_path){{30000, 0, 3, 0}, 3}), TERN_TYPE_FLOAT);
    CHECK_EQ(tern_dm_remove(&dm, &o_fw), TERN_OK);
    CHECK_EQ(tern_dm_remove(&dm, &o_fw), TERN_ENOTFOUND);
}

static void test_read_text(void)
{
    setup();
    tern_op op = mk(TERN_OPK_READ, 3, 3, 0, 9, 0);
    CHECK_EQ(run(&op), TERN_LC_CONTENT);
    CHECK_EQ(res.content_format, TERN_CF_TEXT);
    CHECK_EQ(res.body_len, 2);
    CHECK_MEM(out, "87", 2);
    CHECK_EQ(res.total, 2);
    CHECK(!res.more);
    op = mk(TERN_OPK_READ, 4, 3, 0, 6, 1);
    CHECK_EQ(run(&op), TERN_LC_CONTENT);
    CHECK_MEM(out, "5", 1);
    /* opaque single value goes as 42 without Accept */
    op = mk(TERN_OPK_READ, 3, 30000, 0, 5, 0);
    CHECK_EQ(run(&op), TERN_LC_CONTENT);
    CHECK_EQ(res.content_format, TERN_CF_OPAQUE);
    CHECK_EQ(res.body_len, 2);
    CHECK_EQ(out[0], 0xde);
}

static void test_read_errors(void)
{
    setup();
    tern_op op = mk(TERN_OPK_READ, 3, 3, 0, 4, 0); /* executable */
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_READ, 3, 3, 0, 1, 0); /* defined but absent */
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
    op = mk(TERN_OPK_READ, 2, 3, 1, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
    op = mk(TERN_OPK_READ, 1, 4, 0, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
    op = mk(TERN_OPK_READ, 4, 3, 0, 9, 0); /* instance of a single resource */
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
    op = mk(TERN_OPK_READ, 0, 0, 0, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    /* Accept that cannot carry an instance: text/plain → 4.06 */
    op = mk(TERN_OPK_READ, 2, 3, 0, 0, 0);
    op.accept = TERN_CF_TEXT;
    CHECK_EQ(run(&op), TERN_LC_NOT_ACCEPTABLE);
    op.accept = 9999;
    CHECK_EQ(run(&op), TERN_LC_NOT_ACCEPTABLE);
    /* access control hook */
    op = mk(TERN_OPK_READ, 3, 30000, 0, 1, 0);
    op.ssid = 99;
    CHECK_EQ(run(&op), TERN_LC_UNAUTHORIZED);
    /* on the object, every refused instance is left out (Core §7.3) */
    op = mk(TERN_OPK_READ, 1, 30000, 0, 0, 0);
    op.ssid = 99;
    op.accept = TERN_CF_SENML_JSON;
    CHECK_EQ(run(&op), TERN_LC_CONTENT);
    CHECK(res.body_len <= 2); /* "[]" */
    op.ssid = 1;
    CHECK_EQ(run(&op), TERN_LC_CONTENT);
    CHECK(res.body_len > 2);
    deny_oid = 3;
    op = mk(TERN_OPK_READ, 1, 3, 0, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
}

static void test_read_formats(void)
{
    static const int32_t fmts[] = {TERN_CF_TLV, TERN_CF_SENML_JSON, TERN_CF_SENML_CBOR, TERN_CF_LWM2M_CBOR};
    for (size_t k = 0; k < TERN_ARRAY_LEN(fmts); k++) {
        setup();
        tern_op op = mk(TERN_OPK_READ, 1, 30000, 0, 0, 0);
        op.accept = fmts[k];
        CHECK_EQ(run(&op), TERN_LC_CONTENT);
        CHECK_EQ(res.content_format, fmts[k]);
        CHECK(res.body_len > 20);
        size_t full = res.body_len;
        /* decode it back: every readable value of instance 0 is there */
        tern_decoder d;
        uint8_t sc[1024];
        tern_path root = tern_path_make(1, 30000, 0, 0, 0);
        CHECK_EQ(tern_decoder_init(&d, fmts[k], &root, tern_dm_type_of, &dm, sc, sizeof sc), TERN_OK);
        CHECK_EQ(tern_decoder_feed(&d, out, full, true), TERN_OK);
        tern_entry e;
        int n = 0, rc;
        bool saw_f = false;
        while ((rc = tern_decoder_next(&d, &e)) == TERN_OK) {
            n++;
            if (e.path.len == 3 && e.path.ids[2] == 3)
                saw_f = e.value.v.f == 1.5;
        }
        CHECK_EQ(rc, TERN_DONE);
        CHECK_EQ(n, 13); /* 9 single + 2 multi instances + ro + mand */
        CHECK(saw_f);
        /* windows: the same bytes, block by block (Block2) */
        uint8_t whole[2048];
        memcpy(whole, out, full);
        uint8_t win[16];
        size_t got = 0;
        for (uint32_t off = 0;; off += 16) {
            CHECK_EQ(tern_dm_handle(&dm, &op, win, sizeof win, off, &res), TERN_LC_CONTENT);
            CHECK_EQ(res.offset, off);
            CHECK_MEM(win, whole + off, res.body_len);
            got += res.body_len;
            if (!res.more) {
                CHECK_EQ(res.total, (int64_t)full);
                break;
            }
            CHECK_EQ(res.body_len, 16);
            CHECK_EQ(res.total, -1);
        }
        CHECK_EQ(got, full);
    }
}

static void test_discover(void)
{
    setup();
    tern_op op = mk(TERN_OPK_DISCOVER, 2, 3, 0, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_CONTENT);
    CHECK_EQ(res.content_format, TERN_CF_LINK);
    out[res.body_len] = 0;
    CHECK_STR((char *)out, "</3/0>,</3/0/0>,</3/0/4>,</3/0/6>;dim=2,</3/0/9>");
    op = mk(TERN_OPK_DISCOVER, 1, 3, 0, 0, 0);
    op.depth = 0;
    CHECK_EQ(run(&op), TERN_LC_CONTENT);
    out[res.body_len] = 0;
    CHECK_STR((char *)out, "</3>;ver=1.2");
    op = mk(TERN_OPK_DISCOVER, 3, 3, 0, 6, 0);
    CHECK_EQ(run(&op), TERN_LC_CONTENT);
    out[res.body_len] = 0;
    CHECK_STR((char *)out, "</3/0/6>;dim=2,</3/0/6/0>,</3/0/6/1>");
    /* attributes this server attached show up at their level */
    tern_op wa = mk(TERN_OPK_WRITE_ATTRS, 3, 3, 0, 9, 0);
    wa.attrs.set = TERN_ATTR_PMIN | TERN_ATTR_GT;
    wa.attrs.pmin = 10;
    wa.attrs.gt = 50;
    CHECK_EQ(run(&wa), TERN_LC_CHANGED);
    op = mk(TERN_OPK_DISCOVER, 1, 3, 0, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_CONTENT);
    out[res.body_len] = 0;
    CHECK_STR((char *)out, "</3>;ver=1.2,</3/0>,</3/0/0>,</3/0/4>,</3/0/6>;dim=2,</3/0/9>;pmin=10;gt=50");
    op.ssid = 2; /* another server sees none */
    CHECK_EQ(run(&op), TERN_LC_CONTENT);
    out[res.body_len] = 0;
    CHECK_STR((char *)out, "</3>;ver=1.2,</3/0>,</3/0/0>,</3/0/4>,</3/0/6>;dim=2,</3/0/9>");
    op = mk(TERN_OPK_DISCOVER, 4, 3, 0, 6, 0);
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_DISCOVER, 2, 3, 5, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
}

static void test_write_attrs(void)
{
    setup();
    tern_op op = mk(TERN_OPK_WRITE_ATTRS, 2, 3, 0, 0, 0);
    op.attrs.set = TERN_ATTR_PMIN | TERN_ATTR_PMAX;
    op.attrs.pmin = 5;
    op.attrs.pmax = 60;
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    const tern_attrs *a = tern_dm_attrs_get(&dm, 1, &op.path);
    CHECK(a && a->pmin == 5 && a->pmax == 60);
    CHECK(tern_dm_attrs_get(&dm, 2, &op.path) == NULL);
    /* unset pmax */
    op.attrs = (tern_attrs){0};
    op.attrs.unset = TERN_ATTR_PMAX;
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    a = tern_dm_attrs_get(&dm, 1, &op.path);
    CHECK(a && a->set == TERN_ATTR_PMIN);
    /* inconsistent with what is in force: pmin 5 > pmax 2 → 4.00 */
    op.attrs = (tern_attrs){0};
    op.attrs.set = TERN_ATTR_PMAX;
    op.attrs.pmax = 2;
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    /* gt on an instance, gt on a string resource, dim (a Property) → 4.00 */
    op.attrs = (tern_attrs){0};
    op.attrs.set = TERN_ATTR_GT;
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    op.path = tern_path_make(3, 3, 0, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    op.attrs.set = TERN_ATTR_DIM;
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    op.attrs = (tern_attrs){0};
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST); /* nothing given */
    op.attrs.set = TERN_ATTR_PMIN;
    op.path = tern_path_make(2, 3, 7, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
    /* resource-instance level (1.2) */
    op.path = tern_path_make(4, 30000, 0, 9, 1);
    op.attrs.set = TERN_ATTR_LT;
    op.attrs.lt = 3;
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    /* unset everything frees the slot */
    op.attrs = (tern_attrs){0};
    op.attrs.unset = TERN_ATTR_LT;
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    CHECK(tern_dm_attrs_get(&dm, 1, &op.path) == NULL);
}

static void test_write_text_and_types(void)
{
    setup();
    tern_op op = mk(TERN_OPK_WRITE_REPLACE, 3, 30000, 0, 1, 0);
    body(&op, TERN_CF_TEXT, "55");
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    CHECK_EQ(tobj.live[0].i, 55);
    CHECK_EQ(tobj.commits, 1);
    body(&op, TERN_CF_TEXT, "101"); /* out of range 0..100: never coerced */
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    CHECK_EQ(tobj.live[0].i, 55);
    body(&op, TERN_CF_TEXT, "abc");
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    op.content_format = TERN_OP_CF_NONE;
    CHECK_EQ(run(&op), TERN_LC_UNSUPPORTED_FORMAT);
    body(&op, 12345, "1");
    CHECK_EQ(run(&op), TERN_LC_UNSUPPORTED_FORMAT);
    op = mk(TERN_OPK_WRITE_REPLACE, 3, 30000, 0, 11, 0); /* read-only */
    body(&op, TERN_CF_TEXT, "1");
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_WRITE_REPLACE, 3, 30000, 0, 10, 0); /* executable */
    body(&op, TERN_CF_TEXT, "1");
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_WRITE_REPLACE, 3, 30000, 3, 1, 0);
    body(&op, TERN_CF_TEXT, "1");
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
    op = mk(TERN_OPK_WRITE_REPLACE, 1, 30000, 0, 0, 0);
    body(&op, TERN_CF_TLV, "");
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_WRITE_UPDATE, 3, 30000, 0, 1, 0); /* POST to a single resource */
    body(&op, TERN_CF_TLV, "");
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_WRITE_REPLACE, 3, 30000, 0, 0, 0);
    body(&op, TERN_CF_TEXT, "a much too long string for the store");
    CHECK_EQ(run(&op), TERN_LC_REQUEST_TOO_LARGE);
}

/* A SenML JSON Write of three values whose third fails its definition
 * leaves the first two unchanged (atomic per request). */
static void test_write_atomic(void)
{
    setup();
    tern_op op = mk(TERN_OPK_WRITE_UPDATE, 2, 30000, 0, 0, 0);
    body(&op, TERN_CF_SENML_JSON,
         "[{\"bn\":\"/30000/0/\",\"n\":\"1\",\"v\":9},{\"n\":\"2\",\"v\":8},{\"n\":\"1\",\"v\":500}]");
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    CHECK_EQ(tobj.live[0].i, 42);
    CHECK_EQ(tobj.live[0].u, 7);
    CHECK_EQ(tobj.rollbacks, 1);
    CHECK_EQ(tobj.commits, 0);
    body(&op, TERN_CF_SENML_JSON, "[{\"bn\":\"/30000/0/\",\"n\":\"1\",\"v\":9},{\"n\":\"2\",\"v\":8}]");
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    CHECK_EQ(tobj.live[0].i, 9);
    CHECK_EQ(tobj.live[0].u, 8);
    CHECK_EQ(tobj.live[0].s_len, 5); /* partial update keeps the rest */
    /* a failing validate() hook rolls back too */
    tobj.fail_validate = true;
    body(&op, TERN_CF_SENML_JSON, "[{\"bn\":\"/30000/0/\",\"n\":\"1\",\"v\":1}]");
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    CHECK_EQ(tobj.live[0].i, 9);
    tobj.fail_validate = false;
    /* entry outside the target, unknown resource, not writable */
    body(&op, TERN_CF_SENML_JSON, "[{\"n\":\"/30000/1/1\",\"v\":1}]");
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    body(&op, TERN_CF_SENML_JSON, "[{\"n\":\"/30000/0/77\",\"v\":1}]");
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
    body(&op, TERN_CF_SENML_JSON, "[{\"n\":\"/30000/0/11\",\"v\":1}]");
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    body(&op, TERN_CF_SENML_JSON, "[{\"n\":\"/30000/0/1\",\"v\":1");
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    CHECK_EQ(tobj.live[0].i, 9);
}

static void test_write_replace_instance(void)
{
    setup();
    tern_op op = mk(TERN_OPK_WRITE_REPLACE, 2, 30000, 0, 0, 0);
    body(&op, TERN_CF_SENML_JSON, "[{\"bn\":\"/30000/0/\",\"n\":\"1\",\"v\":3},{\"n\":\"12\",\"v\":4}]");
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    CHECK_EQ(tobj.live[0].i, 3);
    CHECK_EQ(tobj.live[0].s_len, 0); /* replaced: the rest was reset */
    CHECK(!tobj.live[0].m_used[0]);
    CHECK_EQ(tobj.live[0].ro, 5);
    /* replace a multiple resource */
    setup();
    op = mk(TERN_OPK_WRITE_REPLACE, 3, 30000, 0, 9, 0);
    body(&op, TERN_CF_SENML_JSON, "[{\"bn\":\"/30000/0/9/\",\"n\":\"3\",\"v\":33}]");
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    CHECK(!tobj.live[0].m_used[0] && !tobj.live[0].m_used[1] && tobj.live[0].m_used[3]);
    CHECK_EQ(tobj.live[0].m[3], 33);
    /* partial update of a multiple resource (POST /O/I/R) adds */
    op = mk(TERN_OPK_WRITE_UPDATE, 3, 30000, 0, 9, 0);
    body(&op, TERN_CF_SENML_JSON, "[{\"bn\":\"/30000/0/9/\",\"n\":\"0\",\"v\":1}]");
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    CHECK(tobj.live[0].m_used[0] && tobj.live[0].m_used[3]);
}

/* Firmware push: a block-wise Write of /5/0/0 streams into the handler. */
static void test_write_streamed(void)
{
    setup();
    static uint8_t img[5000];
    uint32_t sum = 0;
    for (size_t i = 0; i < sizeof img; i++) {
        img[i] = (uint8_t)(i * 7u + 3u);
        sum = sum * 31u + img[i];
    }
    tern_op op = mk(TERN_OPK_WRITE_REPLACE, 3, 5, 0, 0, 0);
    op.content_format = TERN_CF_OPAQUE;
    for (uint32_t off = 0; off < sizeof img; off += 1024) {
        size_t n = TERN_MIN(1024u, sizeof img - off);
        op.offset = off;
        op.payload = (tern_bytes){img + off, n};
        op.more = off + n < sizeof img;
        int code = run(&op);
        CHECK_EQ(code, op.more ? TERN_LC_CONTINUE : TERN_LC_CHANGED);
    }
    CHECK_EQ(fw.bytes, sizeof img);
    CHECK_EQ(fw.sum, sum);
    CHECK(fw.done && fw.committed);
    CHECK(fw.chunks >= 5);
    /* a piece out of order → 4.08 */
    op.offset = 2048;
    op.more = true;
    CHECK_EQ(run(&op), TERN_LC_REQUEST_INCOMPLETE);
    op.offset = 0;
    fw.bytes = 0;
    CHECK_EQ(run(&op), TERN_LC_CONTINUE);
    op.offset = 3000;
    CHECK_EQ(run(&op), TERN_LC_REQUEST_INCOMPLETE);
}

static void test_execute(void)
{
    setup();
    tern_op op = mk(TERN_OPK_EXECUTE, 3, 3, 0, 4, 0);
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    CHECK_EQ(reboots, 1);
    op = mk(TERN_OPK_EXECUTE, 3, 30000, 0, 10, 0);
    op.exec_args = (tern_bytes){(const uint8_t *)"0='xx',1", 8};
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    CHECK_EQ(tobj.exec_args_len, 8);
    static const char *bad[] = {"x", "0=xx", "0='x", "10", "0,", ",0", "0='\"'", "0=''1"};
    for (size_t i = 0; i < TERN_ARRAY_LEN(bad); i++) {
        op.exec_args = (tern_bytes){(const uint8_t *)bad[i], strlen(bad[i])};
        CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    }
    CHECK_EQ(tobj.executes, 1);
    /* SP inside a quoted value: the Core §5.4.5 example has one */
    op.exec_args = (tern_bytes){(const uint8_t *)"0='a b'", 7};
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    CHECK_EQ(tobj.executes, 2);
    op.exec_args = (tern_bytes){(const uint8_t *)"5,3='ok'", 8};
    size_t pos = 0;
    tern_dm_exec_arg a;
    CHECK_EQ(tern_dm_exec_args_next(op.exec_args.ptr, 8, &pos, &a), TERN_OK);
    CHECK(a.digit == 5 && !a.has_value);
    CHECK_EQ(tern_dm_exec_args_next(op.exec_args.ptr, 8, &pos, &a), TERN_OK);
    CHECK(a.digit == 3 && a.has_value && a.value.len == 2);
    CHECK_EQ(tern_dm_exec_args_next(op.exec_args.ptr, 8, &pos, &a), TERN_DONE);
    op = mk(TERN_OPK_EXECUTE, 3, 3, 0, 0, 0); /* not executable */
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_EXECUTE, 2, 3, 0, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_EXECUTE, 3, 3, 0, 5, 0); /* defined, absent */
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
    op = mk(TERN_OPK_EXECUTE, 3, 30000, 0, 10, 0);
    op.ssid = 99;
    CHECK_EQ(run(&op), TERN_LC_UNAUTHORIZED);
}

static void test_create_delete(void)
{
    setup();
    tern_op op = mk(TERN_OPK_CREATE, 1, 30000, 0, 0, 0);
    body(&op, TERN_CF_SENML_JSON, "[{\"bn\":\"/30000/2/\",\"n\":\"1\",\"v\":9},{\"n\":\"12\",\"v\":1}]");
    CHECK_EQ(run(&op), TERN_LC_CREATED);
    CHECK(res.has_location && res.location.len == 2 && res.location.ids[1] == 2);
    CHECK(tobj.live[2].used && tobj.live[2].i == 9);
    CHECK_EQ(n_created, 1);
    CHECK(hook_ids[0] == 1 && hook_ids[1] == 30000 && hook_ids[2] == 2);
    /* exists → 4.00 (no hook call for a failed Create) */
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    CHECK_EQ(n_created, 1);
    /* mandatory resource 12 missing → 4.00, nothing created */
    body(&op, TERN_CF_SENML_JSON, "[{\"bn\":\"/30000/3/\",\"n\":\"1\",\"v\":9}]");
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    CHECK(!tobj.live[3].used);
    /* without Content-Format → 4.00; a format Create does not take → 4.15 */
    op.content_format = TERN_OP_CF_NONE;
    CHECK_EQ(run(&op), TERN_LC_BAD_REQUEST);
    op.content_format = TERN_CF_TEXT;
    CHECK_EQ(run(&op), TERN_LC_UNSUPPORTED_FORMAT);
    /* Create on an object without create → 4.05; at instance level → 4.05 */
    op = mk(TERN_OPK_CREATE, 1, 3, 0, 0, 0);
    body(&op, TERN_CF_SENML_JSON, "[]");
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_CREATE, 1, 4, 0, 0, 0);
    body(&op, TERN_CF_SENML_JSON, "[]");
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
    /* Delete */
    op = mk(TERN_OPK_DELETE, 2, 30000, 2, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_DELETED);
    CHECK(!tobj.live[2].used);
    CHECK_EQ(n_deleted, 1);
    CHECK(hook_ids[0] == 1 && hook_ids[1] == 30000 && hook_ids[2] == 2);
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
    op = mk(TERN_OPK_DELETE, 4, 30000, 0, 9, 1);
    CHECK_EQ(run(&op), TERN_LC_DELETED);
    CHECK(!tobj.live[0].m_used[1]);
    CHECK_EQ(n_deleted, 1); /* a resource instance is not an instance */
    CHECK_EQ(n_created, 1);
    op = mk(TERN_OPK_DELETE, 1, 30000, 0, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_DELETE, 3, 30000, 0, 1, 0);
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_DELETE, 2, 3, 0, 0, 0);
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED);
    op = mk(TERN_OPK_DELETE, 2, 30000, 0, 0, 0);
    op.ssid = 99;
    CHECK_EQ(run(&op), TERN_LC_UNAUTHORIZED);
}

static void test_composite(void)
{
    setup();
    tern_op op = mk(TERN_OPK_READ_COMPOSITE, 0, 0, 0, 0, 0);
    body(&op, TERN_CF_SENML_ETCH_JSON, "[{\"n\":\"/3/0/9\"},{\"n\":\"/30000/0/1\"},{\"n\":\"/9/0\"}]");
    op.accept = TERN_CF_SENML_JSON;
    CHECK_EQ(run(&op), TERN_LC_CONTENT);
    CHECK_EQ(res.content_format, TERN_CF_SENML_JSON);
    out[res.body_len] = 0;
    CHECK(strstr((char *)out, "87") != NULL);
    CHECK(strstr((char *)out, "42") != NULL);
    op.accept = TERN_CF_TLV;
    CHECK_EQ(run(&op), TERN_LC_NOT_ACCEPTABLE);
    op.accept = TERN_OP_CF_NONE;
    op.content_format = TERN_CF_TLV;
    CHECK_EQ(run(&op), TERN_LC_UNSUPPORTED_FORMAT);
    /* Write-Composite across two objects is one transaction */
    op = mk(TERN_OPK_WRITE_COMPOSITE, 0, 0, 0, 0, 0);
    body(&op, TERN_CF_SENML_JSON, "[{\"n\":\"/30000/0/1\",\"v\":77},{\"n\":\"/30000/0/2\",\"v\":78}]");
    CHECK_EQ(run(&op), TERN_LC_CHANGED);
    CHECK_EQ(tobj.live[0].i, 77);
    CHECK_EQ(tobj.live[0].u, 78);
    body(&op, TERN_CF_SENML_JSON, "[{\"n\":\"/30000/0/1\",\"v\":1},{\"n\":\"/3/0/9\",\"v\":2}]");
    CHECK_EQ(run(&op), TERN_LC_METHOD_NOT_ALLOWED); /* 3/0/9 is read-only */
    CHECK_EQ(tobj.live[0].i, 77);
    body(&op, TERN_CF_SENML_JSON, "[{\"n\":\"/30000/0/1\",\"v\":1},{\"n\":\"/30000/3/1\",\"v\":2}]");
    CHECK_EQ(run(&op), TERN_LC_NOT_FOUND);
    CHECK_EQ(tobj.live[0].i, 77);
    op.content_format = TERN_CF_TEXT;
    CHECK_EQ(run(&op), TERN_LC_NOT_ACCEPTABLE);
}

static void test_code_table(void)
{
    /* Table 6.7.-3 rows */
    CHECK(tern_op_code_allowed(TERN_OPK_READ, TERN_LC_NOT_ACCEPTABLE));
    CHECK(!tern_op_code_allowed(TERN_OPK_READ, TERN_LC_UNSUPPORTED_FORMAT));
    CHECK(tern_op_code_allowed(TERN_OPK_READ_COMPOSITE, TERN_LC_UNSUPPORTED_FORMAT));
    CHECK(tern_op_code_allowed(TERN_OPK_WRITE_REPLACE, TERN_LC_CONTINUE));
    CHECK(tern_op_code_allowed(TERN_OPK_WRITE_REPLACE, TERN_LC_REQUEST_INCOMPLETE));
    CHECK(!tern_op_code_allowed(TERN_OPK_WRITE_COMPOSITE, TERN_LC_UNSUPPORTED_FORMAT));
    CHECK(!tern_op_code_allowed(TERN_OPK_DELETE, TERN_LC_CHANGED));
    CHECK(tern_op_code_allowed(TERN_OPK_DELETE, TERN_LC_DELETED));
    CHECK(tern_op_code_allowed(TERN_OPK_CREATE, TERN_LC_CREATED));
    CHECK(!tern_op_code_allowed(TERN_OPK_EXECUTE, TERN_LC_NOT_ACCEPTABLE));
    CHECK(tern_op_code_allowed(TERN_OPK_EXECUTE, TERN_LC_INTERNAL_ERROR));
    CHECK_EQ(tern_op_code_from_err(TERN_OPK_WRITE_REPLACE, TERN_ETOOBIG), TERN_LC_REQUEST_TOO_LARGE);
    CHECK_EQ(tern_op_code_from_err(TERN_OPK_READ, TERN_ETOOBIG), TERN_LC_INTERNAL_ERROR);
    CHECK_EQ(tern_op_code_from_err(TERN_OPK_READ, TERN_EPERM), TERN_LC_UNAUTHORIZED);
    CHECK_EQ(tern_op_code_from_err(TERN_OPK_DELETE, TERN_ENOTFOUND), TERN_LC_NOT_FOUND);
    CHECK_STR(tern_op_kind_name(TERN_OPK_WRITE_ATTRS), "Write-Attributes");
    CHECK_STR(tern_lwm2m_code_name(TERN_LC_NOT_ACCEPTABLE), "Not Acceptable");
}

int main(void)
{
    TRUN(test_objects);
    TRUN(test_read_text);
    TRUN(test_discover);
    TRUN(test_write_attrs);
    TRUN(test_execute);
    TRUN(test_code_table);
    TRUN(test_read_errors);
    TRUN(test_read_formats);
    TRUN(test_write_text_and_types);
    TRUN(test_write_atomic);
    TRUN(test_write_replace_instance);
    TRUN(test_write_streamed);
    TRUN(test_create_delete);
    TRUN(test_composite);
    return tdone();
}
