/* Observation of a changing resource over a lossy, duplicating, reordering
 * simulated network: no notification reaches the server twice and the
 * server sees values in order (RFC 7641 §3.4, §4.4), for NON and CON
 * notifications; the last value arrives in the end (eventual consistency,
 * §4.5 with a CON notification after the changes stop). */
#include "unit/test_observe_fixture.h"

static void run(uint64_t seed, bool con, uint32_t loss_pm)
{
    fx *f = fx_new(1);
    simnet_init(&f->net, seed); /* same nodes, new impairments */
    f->net.n_nodes = 0;
    f->cid = simnet_add(&f->net, fx_crecv, fx_cstep, f);
    f->sid = simnet_add(&f->net, fx_srecv, fx_sstep, f);
    f->net.loss_pm = loss_pm;
    f->net.dup_pm = 100;
    f->net.delay_min_ms = 5;
    f->net.delay_max_ms = 400; /* reordering */
    CHECK_EQ(fx_write_attrs(f, 1, "/3303/0/5700", con ? "con=1&pmax=60" : "con=0&pmax=60"), TERN_LC_CHANGED);
    f->vals.temp = 0;
    fx_observe(f, "/3303/0/5700", NULL, -1, TERN_COAP_GET, -1, NULL);
    fx_run(f, 5000);
    CHECK(f->n_ev >= 1);
    for (int i = 1; i <= 150; i++) {
        fx_set_temp(f, i);
        fx_run(f, 5000 + 300 * (tern_time_ms)i); /* faster than a round trip at times */
    }
    /* quiet: pmax brings the last value in the end */
    fx_run(f, 5000 + 300 * 150 + 300000);
    double last = -1;
    int seen = 0, dups = 0, order = 0;
    for (int i = 1; i < f->n_ev; i++) {
        const fx_ev *e = &f->ev[i];
        if (!e->notification || e->err)
            continue;
        double v = atof(e->body);
        if (v == last)
            dups += v < 150; /* pmax repeats the final value on purpose */
        if (v < last)
            order++;
        last = v;
        seen++;
    }
    CHECK_EQ(dups, 0);
    CHECK_EQ(order, 0);
    CHECK(seen > 20);
    CHECK(last == 150.0);
    printf("seed %llu %s loss %u‰: %d notifications seen, lost %llu, duplicated %llu\n", (unsigned long long)seed,
           con ? "CON" : "NON", loss_pm, seen, (unsigned long long)f->net.lost,
           (unsigned long long)f->net.duplicated);
    fx_free(f);
}

static void t_non_lossy(void)
{
    for (uint64_t s = 1; s <= 4; s++)
        run(s, false, 200);
}

static void t_con_lossy(void)
{
    for (uint64_t s = 1; s <= 4; s++)
        run(s, true, 100);
}

int main(void)
{
    TRUN(t_non_lossy);
    TRUN(t_con_lossy);
    return tdone();
}
