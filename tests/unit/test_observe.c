/* Observations and notification attributes (Core §5.1.2, Transport §6.4.5):
 * each attribute alone and combined on a virtual clock, the Transport
 * spec's gt/lt/st examples, precedence across levels and servers, CON/NON,
 * cancellation, Observe-Composite and the historical queue. */
#include "test_observe_fixture.h"

#define T3303 "/3303/0/5700"

static tern_attrs attrs_of(const char *q)
{
    tern_attrs a;
    memset(&a, 0, sizeof a);
    CHECK_EQ(tern_attrs_parse_query(&a, q, strlen(q)), 0);
    return a;
}

/* Transport §6.4.4 example 4: gt=45&st=10, (old, new) pairs. */
static void t_spec_example_gt_st(void)
{
    tern_attrs a = attrs_of("gt=45&st=10");
    CHECK(tern_obs_condition(&a, 45, 45, 50));  /* gt */
    CHECK(tern_obs_condition(&a, 38, 38, 49));  /* gt and st */
    CHECK(tern_obs_condition(&a, 48, 48, 42));  /* gt (downwards) */
    CHECK(!tern_obs_condition(&a, 48, 48, 55)); /* "not considered as satisfying any condition" */
}

/* Transport §6.4.4 example 5: lt=20&gt=85&st=10. */
static void t_spec_example_lt_gt_st(void)
{
    tern_attrs a = attrs_of("lt=20&gt=85&st=10");
    CHECK(tern_obs_condition(&a, 75, 75, 90));  /* gt and st */
    CHECK(tern_obs_condition(&a, 50, 50, 10));  /* lt and st */
    CHECK(tern_obs_condition(&a, 87, 87, 99));  /* st */
    CHECK(tern_obs_condition(&a, 17, 17, 24));  /* lt */
    CHECK(!tern_obs_condition(&a, 17, 17, 12)); /* none */
}

static void t_condition_edge_and_plain(void)
{
    tern_attrs up = attrs_of("edge=1"), down = attrs_of("edge=0"), none;
    memset(&none, 0, sizeof none);
    CHECK(tern_obs_condition(&up, 0, 0, 1));
    CHECK(!tern_obs_condition(&up, 1, 1, 0));
    CHECK(!tern_obs_condition(&down, 0, 0, 1));
    CHECK(tern_obs_condition(&down, 1, 1, 0));
    /* edge is about the sampled signal: true, false (no notify), true again */
    CHECK(tern_obs_condition(&up, 1, 0, 1));
    CHECK(tern_obs_condition(&none, 1, 1, 2));
    CHECK(!tern_obs_condition(&none, 2, 2, 2));
}

/* Precedence: RI > R > I > O, per attribute, per server; query over all;
 * Server object defaults under all. */
static void t_precedence(void)
{
    fx *f = fx_new(1);
    CHECK_EQ(fx_write_attrs(f, 1, "/3303", "pmin=20&pmax=300&con=1"), TERN_LC_CHANGED);
    CHECK_EQ(fx_write_attrs(f, 1, "/3303/0", "pmin=10"), TERN_LC_CHANGED);
    CHECK_EQ(fx_write_attrs(f, 1, T3303, "pmin=5&st=2"), TERN_LC_CHANGED);
    CHECK_EQ(fx_write_attrs(f, 2, T3303, "pmin=1&gt=30"), TERN_LC_CHANGED);
    tern_path p = tern_path_make(3, 3303, 0, 5700, 0);
    tern_attrs def = attrs_of("pmin=7&pmax=60"), e;
    tern_obs_effective_attrs(&f->dm, 1, &p, &def, NULL, &e);
    CHECK_EQ(e.pmin, 5);
    CHECK_EQ(e.pmax, 300);
    CHECK_EQ(e.con, 1);
    CHECK(e.set & TERN_ATTR_ST);
    CHECK(!(e.set & TERN_ATTR_GT)); /* server 2's, not ours */
    /* unset at the resource: the instance level's applies (Transport ex. 2) */
    CHECK_EQ(fx_write_attrs(f, 1, T3303, "pmin"), TERN_LC_CHANGED);
    tern_obs_effective_attrs(&f->dm, 1, &p, &def, NULL, &e);
    CHECK_EQ(e.pmin, 10);
    /* a query attribute beats every level */
    tern_attrs q = attrs_of("pmin=3");
    tern_obs_effective_attrs(&f->dm, 1, &p, &def, &q, &e);
    CHECK_EQ(e.pmin, 3);
    /* server 2: own resource attributes, defaults elsewhere */
    tern_obs_effective_attrs(&f->dm, 2, &p, &def, NULL, &e);
    CHECK_EQ(e.pmin, 1);
    CHECK_EQ(e.pmax, 60);
    CHECK(e.set & TERN_ATTR_GT);
    /* the instance path sees object and instance levels only */
    tern_path ip = tern_path_make(2, 3303, 0, 0, 0);
    tern_obs_effective_attrs(&f->dm, 1, &ip, NULL, NULL, &e);
    CHECK_EQ(e.pmin, 10);
    CHECK(!(e.set & TERN_ATTR_ST));
    fx_free(f);
}

/* Plain observation, no attributes: every change notifies at once. */
static void t_observe_plain(void)
{
    fx *f = fx_new(1);
    fx_observe(f, T3303, NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    CHECK_EQ(f->n_ev, 1);
    CHECK_STR(f->ev[0].body, "20.0");
    CHECK_EQ(tern_obs_count(&f->obs), 1);
    fx_set_temp(f, 21.5);
    fx_run(f, 2000);
    CHECK_EQ(fx_notifs(f), 1);
    CHECK_STR(fx_notif(f, 0)->body, "21.5");
    CHECK_EQ(fx_notif(f, 0)->at, 1000);
    /* "changed" without a new value: nothing */
    fx_set_temp(f, 21.5);
    fx_run(f, 3000);
    CHECK_EQ(fx_notifs(f), 1);
    CHECK_EQ(f->n_non, 1); /* default NON */
    fx_free(f);
}

/* pmin: a change before pmin waits until pmin since the last notification. */
static void t_pmin(void)
{
    fx *f = fx_new(1);
    CHECK_EQ(fx_write_attrs(f, 1, T3303, "pmin=10"), TERN_LC_CHANGED);
    fx_observe(f, T3303, NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    fx_set_temp(f, 21);
    fx_run(f, 9999);
    CHECK_EQ(fx_notifs(f), 0);
    fx_run(f, 10000);
    CHECK_EQ(fx_notifs(f), 1);
    CHECK_EQ(fx_notif(f, 0)->at, 10000);
    CHECK_STR(fx_notif(f, 0)->body, "21.0");
    /* a change after pmin: at once */
    fx_run(f, 25000);
    fx_set_temp(f, 22);
    fx_run(f, 25001);
    CHECK_EQ(fx_notifs(f), 2);
    CHECK_EQ(fx_notif(f, 1)->at, 25000);
    fx_free(f);
}

/* pmax: notifications without change; pmax < pmin is ignored. */
static void t_pmax(void)
{
    fx *f = fx_new(1);
    CHECK_EQ(fx_write_attrs(f, 1, T3303, "pmax=30"), TERN_LC_CHANGED);
    fx_observe(f, T3303, NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 95000);
    CHECK_EQ(fx_notifs(f), 3);
    CHECK_EQ(fx_notif(f, 0)->at, 30000);
    CHECK_EQ(fx_notif(f, 1)->at, 60000);
    CHECK_EQ(fx_notif(f, 2)->at, 90000);
    CHECK_STR(fx_notif(f, 2)->body, "20.0");
    /* a change resets the pmax period */
    fx_set_temp(f, 25);
    fx_run(f, 119999);
    CHECK_EQ(fx_notifs(f), 4);
    CHECK_EQ(fx_notif(f, 3)->at, 95000);
    fx_run(f, 125000);
    CHECK_EQ(fx_notifs(f), 5);
    CHECK_EQ(fx_notif(f, 4)->at, 125000);
    fx_free(f);
}

static void t_pmin_pmax(void)
{
    fx *f = fx_new(1);
    /* query attributes of the Observe itself */
    fx_observe(f, T3303, "pmin=5&pmax=20", -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 2000);
    fx_set_temp(f, 30);
    fx_run(f, 3000);
    fx_set_temp(f, 31);
    fx_run(f, 44000);
    CHECK_EQ(fx_notifs(f), 2);
    CHECK_EQ(fx_notif(f, 0)->at, 5000);
    CHECK_STR(fx_notif(f, 0)->body, "31.0");
    CHECK_EQ(fx_notif(f, 1)->at, 25000);
    fx_run(f, 45000);
    CHECK_EQ(fx_notifs(f), 3);
    CHECK_EQ(fx_notif(f, 2)->at, 45000);
    fx_free(f);
}

/* gt/lt/st end to end, the Transport example 5 sequence of values. */
static void t_gt_lt_st_sequence(void)
{
    fx *f = fx_new(1);
    CHECK_EQ(fx_write_attrs(f, 1, T3303, "lt=20&gt=85&st=10"), TERN_LC_CHANGED);
    f->vals.temp = 75;
    fx_observe(f, T3303, NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    CHECK_STR(f->ev[0].body, "75.0");
    static const double seq[] = {80, 90, 87, 99, 50, 10, 17, 12, 24};
    /* against the last notified value: 75→80 none; →90 gt+st; 90→87 none;
     * 90→99 st 9 < 10 none; 90→50 gt; 50→10 lt+st; 10→17, 10→12 none;
     * 10→24 lt */
    static const bool want[] = {false, true, false, false, true, true, false, false, true};
    int expect = 0;
    for (size_t i = 0; i < TERN_ARRAY_LEN(seq); i++) {
        fx_set_temp(f, seq[i]);
        fx_run(f, 2000 + 1000 * (tern_time_ms)i);
        if (want[i])
            expect++;
        CHECK_EQ(fx_notifs(f), expect);
    }
    CHECK_STR(fx_notif(f, 0)->body, "90.0");
    CHECK_STR(fx_notif(f, 1)->body, "50.0");
    CHECK_STR(fx_notif(f, 2)->body, "10.0");
    CHECK_STR(fx_notif(f, 3)->body, "24.0");
    fx_free(f);
}

/* epmin delays sampling; epmax samples without a "changed" call. */
static void t_epmin_epmax(void)
{
    fx *f = fx_new(1);
    CHECK_EQ(fx_write_attrs(f, 1, T3303, "epmin=5&epmax=20"), TERN_LC_CHANGED);
    fx_observe(f, T3303, NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    fx_set_temp(f, 21);
    fx_run(f, 4999);
    CHECK_EQ(fx_notifs(f), 0);
    fx_run(f, 5000);
    CHECK_EQ(fx_notifs(f), 1);
    CHECK_EQ(fx_notif(f, 0)->at, 5000);
    /* silent change: found by the epmax sample 20 s after the last one */
    f->vals.temp = 23;
    fx_run(f, 24999);
    CHECK_EQ(fx_notifs(f), 1);
    fx_run(f, 25000);
    CHECK_EQ(fx_notifs(f), 2);
    CHECK_EQ(fx_notif(f, 1)->at, 25000);
    CHECK_STR(fx_notif(f, 1)->body, "23.0");
    fx_free(f);
}

static void t_edge(void)
{
    fx *f = fx_new(1);
    CHECK_EQ(fx_write_attrs(f, 1, "/3342/0/5500", "edge=1"), TERN_LC_CHANGED);
    fx_observe(f, "/3342/0/5500", NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    CHECK_STR(f->ev[0].body, "0");
    tern_path p = tern_path_make(3, 3342, 0, 5500, 0);
    bool seq[] = {true, false, true, true, false};
    for (size_t i = 0; i < TERN_ARRAY_LEN(seq); i++) {
        f->vals.sw = seq[i];
        tern_obs_changed(&f->obs, &p, f->net.now);
        fx_run(f, 2000 + 1000 * (tern_time_ms)i);
    }
    CHECK_EQ(fx_notifs(f), 2); /* the two rising edges */
    CHECK_STR(fx_notif(f, 0)->body, "1");
    CHECK_EQ(fx_notif(f, 0)->at, 1000);
    CHECK_EQ(fx_notif(f, 1)->at, 3000);
    fx_free(f);
}

static void t_con(void)
{
    fx *f = fx_new(1);
    CHECK_EQ(fx_write_attrs(f, 1, T3303, "con=1"), TERN_LC_CHANGED);
    fx_observe(f, T3303, NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    int con0 = f->n_con, non0 = f->n_non;
    fx_set_temp(f, 22);
    fx_run(f, 2000);
    CHECK_EQ(f->n_con - con0, 1);
    CHECK_EQ(f->n_non - non0, 0);
    CHECK_EQ(fx_write_attrs(f, 1, T3303, "con=0"), TERN_LC_CHANGED);
    fx_set_temp(f, 23);
    fx_run(f, 3000);
    CHECK_EQ(f->n_con - con0, 1);
    CHECK_EQ(f->n_non - non0, 1);
    CHECK_EQ(fx_notifs(f), 2);
    fx_free(f);
}

static void t_cancel_get(void)
{
    fx *f = fx_new(1);
    tern_coap_handle h = fx_observe(f, T3303, NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    CHECK_EQ(tern_obs_count(&f->obs), 1);
    CHECK_EQ(tern_coap_observe_cancel(&f->sep, h), 0); /* GET Observe = 1 */
    fx_run(f, 2000);
    CHECK_EQ(tern_obs_count(&f->obs), 0);
    CHECK_EQ(tern_coap_observer_count(&f->cep), 0);
    fx_set_temp(f, 30);
    fx_run(f, 3000);
    CHECK_EQ(f->n_non, 0);
    fx_free(f);
}

static void t_cancel_rst(void)
{
    fx *f = fx_new(1);
    tern_coap_handle h = fx_observe(f, T3303, NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    CHECK_EQ(tern_coap_cancel(&f->sep, h), 0); /* forget: RST on the next one */
    fx_set_temp(f, 30);
    fx_run(f, 2000);
    CHECK_EQ(f->n_rst_from_server, 1);
    CHECK_EQ(tern_obs_count(&f->obs), 0);
    fx_set_temp(f, 31);
    fx_run(f, 3000);
    CHECK_EQ(f->n_non, 1);
    fx_free(f);
}

static void t_bad_query(void)
{
    fx *f = fx_new(1);
    fx_observe(f, T3303, "lt=50&gt=40", -1, TERN_COAP_GET, -1, NULL); /* lt >= gt */
    fx_run(f, 1000);
    CHECK_EQ(f->ev[0].code, TERN_COAP_BAD_REQUEST);
    CHECK_EQ(tern_obs_count(&f->obs), 0);
    fx_free(f);
}

/* Observe-Composite over two objects (FETCH, SenML JSON path list). */
static void t_composite(void)
{
    fx *f = fx_new(1);
    const char *body = "[{\"n\":\"/3303/0/5700\"},{\"n\":\"/3342/0/5500\"}]";
    tern_coap_handle h = fx_observe(f, NULL, "pmin=2", TERN_CF_SENML_JSON, TERN_COAP_FETCH, TERN_CF_SENML_JSON, body);
    fx_run(f, 1000);
    CHECK_EQ(f->ev[0].code, TERN_COAP_CONTENT);
    CHECK_EQ(tern_obs_count(&f->obs), 1);
    f->vals.sw = true;
    tern_path p = tern_path_make(3, 3342, 0, 5500, 0);
    tern_obs_changed(&f->obs, &p, f->net.now);
    fx_run(f, 5000);
    CHECK_EQ(fx_notifs(f), 1);
    CHECK_EQ(fx_notif(f, 0)->at, 2000); /* pmin from the query */
    CHECK_STR(fx_notif(f, 0)->body, "[{\"bn\":\"/3303/0/5700\",\"v\":20.0},{\"bn\":\"/3342/0/5500\",\"vb\":true}]");
    fx_set_temp(f, 19.5);
    fx_run(f, 6000);
    CHECK_EQ(fx_notifs(f), 2);
    CHECK_STR(fx_notif(f, 1)->body, "[{\"bn\":\"/3303/0/5700\",\"v\":19.5},{\"bn\":\"/3342/0/5500\",\"vb\":true}]");
    /* Cancel Observe-Composite: FETCH Observe = 1 */
    CHECK_EQ(tern_coap_observe_cancel(&f->sep, h), 0);
    fx_run(f, 7000);
    CHECK_EQ(tern_obs_count(&f->obs), 0);
    fx_free(f);
}

/* hqmax while the connection sleeps: the last hqmax notifications are
 * kept and delivered in order on wake-up. */
static void t_hqmax_asleep(void)
{
    fx *f = fx_new(1);
    CHECK_EQ(fx_write_attrs(f, 1, T3303, "pmax=10&hqmax=3"), TERN_LC_CHANGED);
    fx_observe(f, T3303, NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    tern_obs_set_online(&f->obs, false, f->net.now);
    for (int i = 1; i <= 6; i++) {
        f->vals.temp = 20 + i; /* silently: pmax picks it up */
        fx_run(f, 10000 * (tern_time_ms)i);
    }
    CHECK_EQ(fx_notifs(f), 0);
    CHECK_EQ(f->n_non, 0);
    CHECK_EQ(f->recs[0].queued, 3);
    fx_run(f, 65000);
    tern_obs_set_online(&f->obs, true, f->net.now);
    fx_run(f, 65001);
    CHECK_EQ(fx_notifs(f), 3);
    CHECK_STR(fx_notif(f, 0)->body, "24.0");
    CHECK_STR(fx_notif(f, 1)->body, "25.0");
    CHECK_STR(fx_notif(f, 2)->body, "26.0");
    CHECK(fx_notif(f, 0)->seq < fx_notif(f, 1)->seq && fx_notif(f, 1)->seq < fx_notif(f, 2)->seq);
    /* the period goes on from the last stored one */
    fx_run(f, 70000);
    CHECK_EQ(fx_notifs(f), 4);
    CHECK_EQ(fx_notif(f, 3)->at, 70000);
    fx_free(f);
}

/* CON queued notifications: each waits for the ACK of the one before. */
static void t_hqmax_con_in_order(void)
{
    fx *f = fx_new(1);
    f->net.delay_min_ms = f->net.delay_max_ms = 50;
    CHECK_EQ(fx_write_attrs(f, 1, T3303, "pmax=10&hqmax=4&con=1"), TERN_LC_CHANGED);
    fx_observe(f, T3303, NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    tern_obs_set_online(&f->obs, false, f->net.now);
    for (int i = 1; i <= 4; i++) {
        f->vals.temp = 30 + i;
        fx_run(f, 10000 * (tern_time_ms)i);
    }
    tern_obs_set_online(&f->obs, true, f->net.now);
    fx_run(f, 45000);
    /* registered at 50 ms: pmax falls at 10050, 20050, 30050 (values 32,
     * 33, 34 were set at 10 s steps), and at 40050 behind the queue */
    CHECK_EQ(fx_notifs(f), 4);
    static const char *const want[] = {"32.0", "33.0", "34.0", "34.0"};
    for (int i = 0; i < 4; i++)
        CHECK_STR(fx_notif(f, i)->body, want[i]);
    for (int i = 1; i < 4; i++)
        CHECK(fx_notif(f, i)->seq > fx_notif(f, i - 1)->seq);
    fx_free(f);
}

/* Offline without hqmax: one fresh notification on wake-up. */
static void t_offline_no_queue(void)
{
    fx *f = fx_new(1);
    fx_observe(f, T3303, NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    tern_obs_set_online(&f->obs, false, f->net.now);
    fx_set_temp(f, 40);
    fx_run(f, 2000);
    fx_set_temp(f, 41);
    fx_run(f, 3000);
    CHECK_EQ(fx_notifs(f), 0);
    tern_obs_set_online(&f->obs, true, f->net.now);
    fx_run(f, 4000);
    CHECK_EQ(fx_notifs(f), 1);
    CHECK_STR(fx_notif(f, 0)->body, "41.0");
    CHECK_EQ(fx_notif(f, 0)->at, 3000);
    fx_free(f);
}

/* Deleting what is observed: the next notification is an error and ends it. */
static void t_observe_missing(void)
{
    fx *f = fx_new(1);
    fx_observe(f, "/3303/0/5701", NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 1000);
    CHECK_STR(f->ev[0].body, "Cel");
    fx_observe(f, "/3303/7/5700", NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 2000);
    CHECK_EQ(f->ev[1].code, 0x84); /* 4.04: nothing registered */
    CHECK_EQ(tern_obs_count(&f->obs), 1);
    fx_free(f);
}

int main(void)
{
    TRUN(t_spec_example_gt_st);
    TRUN(t_spec_example_lt_gt_st);
    TRUN(t_condition_edge_and_plain);
    TRUN(t_precedence);
    TRUN(t_observe_plain);
    TRUN(t_pmin);
    TRUN(t_pmax);
    TRUN(t_pmin_pmax);
    TRUN(t_gt_lt_st_sequence);
    TRUN(t_epmin_epmax);
    TRUN(t_edge);
    TRUN(t_con);
    TRUN(t_cancel_get);
    TRUN(t_cancel_rst);
    TRUN(t_bad_query);
    TRUN(t_composite);
    TRUN(t_hqmax_asleep);
    TRUN(t_hqmax_con_in_order);
    TRUN(t_offline_no_queue);
    TRUN(t_observe_missing);
    return tdone();
}
