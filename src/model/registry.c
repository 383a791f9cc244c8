/* tern — lookups in sets of object definitions (sorted by ID). */
#include "tern/model.h"

const tern_obj_def *tern_registry_find(const tern_registry *r, uint16_t oid)
{
    size_t lo = 0, hi = r->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint16_t id = r->objs[mid]->id;
        if (id == oid)
            return r->objs[mid];
        if (id < oid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const tern_res_def *tern_obj_find_res(const tern_obj_def *o, uint16_t rid)
{
    size_t lo = 0, hi = o->res_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->res[mid].id == rid)
            return &o->res[mid];
        if (o->res[mid].id < rid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const tern_res_def *tern_registry_res(const tern_registry *r, const tern_path *p)
{
    if (p->len < 3)
        return NULL;
    const tern_obj_def *o = tern_registry_find(r, p->ids[0]);
    return o ? tern_obj_find_res(o, p->ids[2]) : NULL;
}
