/* Fuzz target: arbitrary CoAP requests (UDP framing) through the binding and
 * the data model against a few objects. Invariants: no crash, every answer
 * is a code the Transport §6.7 row of the operation allows, windows stay in
 * the buffer, and the data model is left with no open transaction. */
#include <stdlib.h>
#include <string.h>

#include "binding/coap_op.h"
#include "model/gen/objects.h"
#include "tern/dm.h"

typedef struct st {
    int64_t v[4];
    bool used[4];
    int64_t sh[4];
    bool shu[4];
    int txn;
} st;

static int inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    st *s = o->user;
    for (int32_t i = after + 1; i < 4; i++)
        if (s->used[i]) {
            *iid = (uint16_t)i;
            return TERN_OK;
        }
    return TERN_DONE;
}
static int rinst_next(tern_dm_obj *o, uint16_t iid, uint16_t rid, int32_t after, uint16_t *riid)
{
    (void)o;
    (void)iid;
    (void)rid;
    if (after >= 1)
        return TERN_DONE;
    *riid = (uint16_t)(after + 1);
    return TERN_OK;
}
static int rd(tern_dm_obj *o, const tern_path *p, uint32_t off, tern_dm_read_out *out)
{
    (void)off;
    const tern_res_def *r = tern_obj_find_res(o->def, p->ids[2]);
    st *s = o->user;
    out->value.type = (tern_type)r->type;
    switch (r->type) {
    case TERN_TYPE_STRING:
    case TERN_TYPE_OPAQUE:
    case TERN_TYPE_CORELNK: out->value.v.bytes = (tern_bytes){(const uint8_t *)"ab", 2}; break;
    case TERN_TYPE_BOOLEAN: out->value.v.b = true; break;
    case TERN_TYPE_FLOAT: out->value.v.f = 0.5; break;
    case TERN_TYPE_UNSIGNED: out->value.v.u = 1; break;
    case TERN_TYPE_OBJLNK: out->value.v.lnk = (tern_objlnk){1, 0}; break;
    default: out->value.v.i = r->has_range ? (int64_t)r->range_min : s->v[p->ids[1] & 3]; break;
    }
    return TERN_OK;
}
static int wr(tern_dm_obj *o, const tern_entry *e)
{
    st *s = o->user;
    if (!s->txn)
        abort(); /* writes only inside a transaction */
    if (e->value.type == TERN_TYPE_INTEGER)
        s->sh[e->path.ids[1] & 3] = e->value.v.i;
    return TERN_OK;
}
static int reset(tern_dm_obj *o, const tern_path *p)
{
    (void)o;
    (void)p;
    return TERN_OK;
}
static int exec_(tern_dm_obj *o, uint16_t iid, uint16_t rid, const uint8_t *a, size_t n)
{
    (void)o;
    (void)iid;
    (void)rid;
    if (tern_dm_exec_args_check(a, n) != TERN_OK)
        abort();
    return TERN_OK;
}
static int create(tern_dm_obj *o, uint16_t iid)
{
    st *s = o->user;
    if (iid >= 4)
        return TERN_EFULL;
    s->shu[iid] = true;
    return TERN_OK;
}
static int del(tern_dm_obj *o, const tern_path *p)
{
    st *s = o->user;
    if (p->len == 2)
        s->used[p->ids[1] & 3] = false;
    return TERN_OK;
}
static int begin(tern_dm_obj *o)
{
    st *s = o->user;
    s->txn++;
    memcpy(s->sh, s->v, sizeof s->v);
    memcpy(s->shu, s->used, sizeof s->used);
    return TERN_OK;
}
static int commit(tern_dm_obj *o)
{
    st *s = o->user;
    s->txn--;
    memcpy(s->v, s->sh, sizeof s->v);
    memcpy(s->used, s->shu, sizeof s->used);
    return TERN_OK;
}
static void rollback(tern_dm_obj *o)
{
    ((st *)o->user)->txn--;
}
static const tern_dm_handlers h = {.inst_next = inst_next, .rinst_next = rinst_next, .read = rd, .write = wr,
                                   .reset = reset, .execute = exec_, .create = create, .del = del,
                                   .begin = begin, .commit = commit, .rollback = rollback};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t work[1024];
    tern_dm_attr_slot slots[4];
    tern_dm dm;
    tern_dm_cfg cfg = {.work = work, .work_len = sizeof work, .attr_slots = slots, .attr_slot_count = 4};
    if (tern_dm_init(&dm, &cfg) != TERN_OK)
        abort();
    st s3 = {.used = {true}}, s3303 = {.used = {true, false, true}}, s5 = {.used = {true}};
    tern_dm_obj o3 = {.def = &tern_obj_3_v1_2, .h = &h, .user = &s3};
    tern_dm_obj o5 = {.def = &tern_obj_5_v1_2, .h = &h, .user = &s5};
    tern_dm_obj o3303 = {.def = &tern_obj_3303_v1_1, .h = &h, .user = &s3303};
    tern_dm_add(&dm, &o3);
    tern_dm_add(&dm, &o5);
    tern_dm_add(&dm, &o3303);
    /* First byte: window offset selector; the rest: a CoAP datagram, which
     * is fed once whole and then again in two pieces (Block1-like). */
    if (size < 1)
        return 0;
    uint32_t woff = (uint32_t)(data[0] & 0x0f) * 16u;
    tern_coap_msg m;
    if (tern_coap_decode_udp(&m, data + 1, size - 1, NULL) != TERN_OK || !tern_coap_is_request(m.code))
        return 0;
    tern_op op;
    int code = tern_coap_op_from_request(&m, 1, &op);
    if (code != TERN_LC_NONE) {
        if (tern_coap_code_of(code) < 0x80)
            abort(); /* a mapping error is an error code */
        return 0;
    }
    uint8_t out[64];
    tern_op_result res;
    code = tern_dm_handle(&dm, &op, out, sizeof out, woff, &res);
    if (!tern_op_code_allowed(op.kind, code) && code != TERN_LC_NOT_IMPLEMENTED)
        abort();
    if (res.body_len > sizeof out || s3.txn || s5.txn || s3303.txn)
        abort();
    if (op.payload.len > 1) {
        size_t half = op.payload.len / 2;
        tern_op a = op;
        a.payload.len = half;
        a.more = true;
        code = tern_dm_handle(&dm, &a, out, sizeof out, 0, &res);
        if (!tern_op_code_allowed(op.kind, code) && code != TERN_LC_NOT_IMPLEMENTED)
            abort();
        tern_op b = op;
        b.payload.ptr += half;
        b.payload.len -= half;
        b.offset = (uint32_t)half;
        code = tern_dm_handle(&dm, &b, out, sizeof out, 0, &res);
        if (!tern_op_code_allowed(op.kind, code) && code != TERN_LC_NOT_IMPLEMENTED)
            abort();
        if (s3.txn || s5.txn || s3303.txn)
            abort();
    }
    return 0;
}
