/* Lookups in the generated standard object set (src/model/gen/), checked
 * against the OMA registry XML. */
#include "model/gen/objects.h"
#include "tern/model.h"
#include "tharness.h"

static const tern_res_def *res_at(const char *s)
{
    tern_path p;
    if (tern_path_parse(&p, s, strlen(s)) != TERN_OK)
        return NULL;
    return tern_registry_res(tern_registry_std(), &p);
}

static void test_std_sorted(void)
{
    const tern_registry *r = tern_registry_std();
    CHECK(r != NULL);
    CHECK(r->count >= 60);
    for (size_t k = 1; k < r->count; k++)
        CHECK(r->objs[k - 1]->id < r->objs[k]->id);
    int bad = 0;
    for (size_t k = 0; k < r->count; k++) {
        const tern_obj_def *o = r->objs[k];
        if (tern_registry_find(r, o->id) != o)
            bad++;
        for (uint16_t j = 0; j < o->res_count; j++) {
            if (j && o->res[j - 1].id >= o->res[j].id)
                bad++;
            if (tern_obj_find_res(o, o->res[j].id) != &o->res[j])
                bad++;
            if (!o->res[j].name || !o->res[j].units)
                bad++;
            if (o->res[j].ops == TERN_OP_E && o->res[j].type != TERN_TYPE_NONE)
                bad++;
        }
    }
    CHECK_EQ(bad, 0);
    const uint16_t want[] = {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 16, 19, 20, 21, 22, 23, 24, 25,
                             3200, 3201, 3202, 3203, 3300, 3303, 3350};
    for (size_t k = 0; k < TERN_ARRAY_LEN(want); k++)
        CHECK(tern_registry_find(r, want[k]) != NULL);
    CHECK(tern_registry_find(r, 8) == NULL);
    CHECK(tern_registry_find(r, 65534) == NULL);
}

static void test_device(void)
{
    const tern_obj_def *o = tern_registry_find(tern_registry_std(), 3);
    CHECK(o != NULL);
    if (!o)
        return;
    CHECK_STR(o->name, "Device");
    CHECK_STR(o->version, "1.2"); /* newest: 3.xml is Device 1.2 */
    CHECK_STR(o->lwm2m_version, "1.1");
    CHECK(!o->multiple);
    CHECK(o->mandatory);
    const tern_res_def *d = res_at("/3/0/0");
    CHECK(d != NULL);
    if (d) {
        CHECK_STR(d->name, "Manufacturer");
        CHECK_EQ(d->type, TERN_TYPE_STRING);
        CHECK_EQ(d->ops, TERN_OP_R);
        CHECK(!d->multiple);
        CHECK(!d->mandatory); /* "Optional" in 3.xml */
    }
    d = res_at("/3/0/4");
    CHECK(d && d->type == TERN_TYPE_NONE && d->ops == TERN_OP_E && d->mandatory);
    d = res_at("/3/0/6/1");
    CHECK(d && d->multiple && d->has_range && d->range_min == 0 && d->range_max == 7);
    d = res_at("/3/0/13");
    CHECK(d && d->type == TERN_TYPE_TIME && d->ops == TERN_OP_RW);
    d = res_at("/3/0/9");
    CHECK(d && d->has_range && d->range_max == 100 && strcmp(d->units, "/100") == 0);
    CHECK(res_at("/3/0/999") == NULL);
    CHECK(res_at("/3/0") == NULL);
    CHECK(res_at("/8/0/0") == NULL);
}

static void test_other_objects(void)
{
    const tern_res_def *d = res_at("/5/0/0");
    CHECK(d && d->type == TERN_TYPE_OPAQUE && d->ops == TERN_OP_W && strcmp(d->name, "Package") == 0);
    d = res_at("/3303/0/5700");
    CHECK(d && d->type == TERN_TYPE_FLOAT && d->ops == TERN_OP_R && d->mandatory);
    if (d) {
        CHECK_STR(d->name, "Sensor Value");
        CHECK_STR(d->units, ""); /* 3303.xml gives no unit: 5701 carries it */
    }
    d = res_at("/1/0/0");
    CHECK(d && d->type == TERN_TYPE_INTEGER && d->has_range && d->range_min == 1 && d->range_max == 65534);
    d = res_at("/1/0/1");
    CHECK(d && strcmp(d->name, "Lifetime") == 0 && strcmp(d->units, "s") == 0);
    d = res_at("/0/0/0");
    CHECK(d && d->type == TERN_TYPE_STRING && strcmp(d->name, "LWM2M  Server URI") == 0);
    d = res_at("/2/0/0");
    CHECK(d && d->type == TERN_TYPE_INTEGER);
    const tern_obj_def *o = tern_registry_find(tern_registry_std(), 1);
    CHECK(o && o->multiple && o->mandatory);
    o = tern_registry_find(tern_registry_std(), 25);
    CHECK(o && strcmp(o->version, "2.0") == 0);
}

static void test_versions(void)
{
    /* older versions stay available by symbol */
    CHECK_STR(tern_obj_3_v1_0.version, "1.0");
    CHECK_STR(tern_obj_3_v1_1.version, "1.1");
    CHECK_STR(tern_obj_0_v1_0.version, "1.0");
    CHECK_STR(tern_obj_1_v1_1.version, "1.1");
    CHECK_STR(tern_obj_4_v1_3.version, "1.3");
    CHECK(tern_registry_find(tern_registry_std(), 4) == &tern_obj_4_v1_3);
    CHECK(tern_registry_find(tern_registry_std(), 3) == &tern_obj_3_v1_2);
    /* a resource new in Server 1.1 is absent from 1.0 */
    CHECK(tern_obj_find_res(&tern_obj_1_v1_2, 23) != NULL);
    CHECK(tern_obj_find_res(&tern_obj_1_v1_0, 23) == NULL);
}

static void test_value_against_registry(void)
{
    tern_value v = {.type = TERN_TYPE_INTEGER};
    v.v.i = 101;
    CHECK_EQ(tern_value_check(res_at("/3/0/9"), &v), TERN_ERANGE);
    v.v.i = 100;
    CHECK_EQ(tern_value_check(res_at("/3/0/9"), &v), TERN_OK);
    v.type = TERN_TYPE_UNSIGNED;
    CHECK_EQ(tern_value_check(res_at("/3/0/9"), &v), TERN_ETYPE);
    v.type = TERN_TYPE_FLOAT;
    v.v.f = 21.5;
    CHECK_EQ(tern_value_check(res_at("/3303/0/5700"), &v), TERN_OK);
    v.type = TERN_TYPE_INTEGER;
    v.v.i = 0;
    CHECK_EQ(tern_value_check(res_at("/1/0/0"), &v), TERN_ERANGE); /* SSID 1..65534 */
}

int main(void)
{
    TRUN(test_std_sorted);
    TRUN(test_device);
    TRUN(test_other_objects);
    TRUN(test_versions);
    TRUN(test_value_against_registry);
    return tdone();
}
