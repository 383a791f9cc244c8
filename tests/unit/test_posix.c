/* Unit tests of the POSIX platform layer: clocks, getrandom, the epoll loop
 * with timers, and UDP echo over 127.0.0.1 and ::1. Every wait is bounded. */
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tern/posix.h"
#include "tharness.h"

static void test_clock_rng(void)
{
    tern_time_ms a = tern_posix_now_ms();
    usleep(20 * 1000);
    tern_time_ms b = tern_posix_now_ms();
    CHECK(b - a >= 19);
    CHECK(b - a < 2000);
    CHECK(tern_posix_realtime_ms() > 1600000000000LL); /* after 2020 */

    tern_rng rng = tern_posix_rng();
    uint8_t x[32] = {0}, y[32] = {0};
    CHECK_EQ(rng.fill(rng.ctx, x, sizeof x), 0);
    CHECK_EQ(rng.fill(rng.ctx, y, sizeof y), 0);
    CHECK(memcmp(x, y, sizeof x) != 0);
    CHECK(tern_rng_below(&rng, 10) < 10);
}

/* ---- timers ---- */

typedef struct tctx {
    int seq[16];
    int n;
    int rearms;
    tern_time_ms fired_at[16];
} tctx;

typedef struct ttimer {
    tern_timer t;
    tctx *c;
    int id;
} ttimer;

static void on_timer(tern_loop *loop, tern_timer *t)
{
    ttimer *tt = t->data;
    if (tt->c->n < 16) {
        tt->c->fired_at[tt->c->n] = tern_loop_now(loop);
        tt->c->seq[tt->c->n++] = tt->id;
    }
    /* id 9 re-arms itself in the past twice: must not spin in one pass */
    if (tt->id == 9 && tt->c->rearms < 2) {
        tt->c->rearms++;
        tern_timer_start_at(loop, t, tern_loop_now(loop) - 5);
    }
}

static void test_timers(void)
{
    tern_loop loop;
    CHECK_EQ(tern_loop_init(&loop), 0);
    CHECK(tern_loop_fd(&loop) >= 0);
    CHECK_EQ(tern_loop_timeout(&loop), -1);
    CHECK(tern_loop_next_deadline(&loop) == TERN_TIME_NEVER);

    tctx c = {0};
    ttimer t[4];
    int delays[4] = {60, 20, 40, 20};
    for (int i = 0; i < 4; i++) {
        t[i].c = &c;
        t[i].id = i;
        tern_timer_init(&t[i].t, on_timer, &t[i]);
        tern_timer_start(&loop, &t[i].t, delays[i]);
        CHECK(tern_timer_active(&t[i].t));
    }
    tern_time_ms start = tern_loop_now(&loop);
    CHECK(tern_loop_next_deadline(&loop) == start + 20);
    int to = tern_loop_timeout(&loop);
    CHECK(to >= 0 && to <= 20);
    /* re-arming moves; stopping removes */
    tern_timer_start(&loop, &t[2].t, 30);
    CHECK(tern_timer_due(&t[2].t) == start + 30);
    tern_timer_stop(&t[0].t);
    CHECK(!tern_timer_active(&t[0].t));
    tern_timer_stop(&t[0].t); /* idempotent */

    CHECK_EQ(tern_loop_run(&loop), 0); /* returns when no timer is left */
    CHECK_EQ(c.n, 3);
    CHECK_EQ(c.seq[0], 1); /* same deadline: armed first runs first */
    CHECK_EQ(c.seq[1], 3);
    CHECK_EQ(c.seq[2], 2);
    CHECK(c.fired_at[0] - start >= 20);
    CHECK(c.fired_at[2] - start >= 30);
    CHECK(c.fired_at[2] - start < 1000);

    /* a timer re-armed in the past from its callback runs once per iteration */
    ttimer r = {.c = &c, .id = 9};
    c.n = 0;
    tern_timer_init(&r.t, on_timer, &r);
    tern_timer_start(&loop, &r.t, 0);
    CHECK_EQ(tern_loop_run_once(&loop, 100), 1);
    CHECK_EQ(c.n, 1);
    CHECK(tern_timer_active(&r.t));
    CHECK_EQ(tern_loop_timeout(&loop), 0);
    CHECK_EQ(tern_loop_run_once(&loop, 100), 1);
    CHECK_EQ(tern_loop_run_once(&loop, 100), 1);
    CHECK_EQ(c.n, 3);
    CHECK(!tern_timer_active(&r.t));
    /* nothing armed: run_once with a bound returns after it */
    tern_time_ms t0 = tern_posix_now_ms();
    CHECK_EQ(tern_loop_run_once(&loop, 30), 0);
    CHECK(tern_posix_now_ms() - t0 >= 25);
    tern_loop_close(&loop);
}

/* ---- io: a pipe, and stopping a handle whose event is already collected ---- */

typedef struct pctx {
    tern_io a, b;
    int calls_a, calls_b;
} pctx;

static void on_pipe(tern_loop *loop, tern_io *io, unsigned ev)
{
    pctx *p = io->data;
    char buf[16];
    (void)loop;
    if (!(ev & TERN_IO_READ))
        return;
    (void)read(io->fd, buf, sizeof buf);
    if (io == &p->a) {
        p->calls_a++;
        tern_io_stop(&p->b); /* its event may be in this very batch */
    } else {
        p->calls_b++;
        tern_io_stop(&p->a);
    }
}

static void test_io(void)
{
    tern_loop loop;
    CHECK_EQ(tern_loop_init(&loop), 0);
    int p1[2], p2[2];
    CHECK_EQ(pipe(p1), 0);
    CHECK_EQ(pipe(p2), 0);
    pctx p = {0};
    tern_io_init(&p.a, p1[0], on_pipe, &p);
    tern_io_init(&p.b, p2[0], on_pipe, &p);
    CHECK_EQ(tern_io_start(&loop, &p.a, TERN_IO_READ), 0);
    CHECK_EQ(tern_io_start(&loop, &p.b, TERN_IO_READ), 0);
    CHECK_EQ(tern_io_start(&loop, &p.b, TERN_IO_READ), 0); /* modify */
    CHECK_EQ(tern_io_start(&loop, &p.a, 0), TERN_EINVAL);
    CHECK(write(p1[1], "x", 1) == 1);
    CHECK(write(p2[1], "y", 1) == 1);
    CHECK_EQ(tern_loop_run_once(&loop, 500), 1); /* the other was stopped */
    CHECK_EQ(p.calls_a + p.calls_b, 1);
    CHECK(tern_io_active(&p.a) != tern_io_active(&p.b));
    tern_io_stop(&p.a);
    tern_io_stop(&p.b);
    CHECK_EQ(tern_loop_run(&loop), 0); /* nothing active */
    close(p1[0]);
    close(p1[1]);
    close(p2[0]);
    close(p2[1]);
    tern_loop_close(&loop);
}

/* ---- addresses ---- */

static void test_addr(void)
{
    tern_udp_addr a, b;
    char s[64];
    CHECK_EQ(tern_udp_addr_parse(&a, "127.0.0.1", 5683), 0);
    CHECK_EQ(a.u.sa.sa_family, AF_INET);
    CHECK(tern_udp_addr_format(&a, s, sizeof s) > 0);
    CHECK_STR(s, "127.0.0.1:5683");
    CHECK_EQ(tern_udp_addr_parse(&b, "[::1]", 61616), 0);
    CHECK_EQ(b.u.sa.sa_family, AF_INET6);
    CHECK(tern_udp_addr_format(&b, s, sizeof s) > 0);
    CHECK_STR(s, "[::1]:61616");
    CHECK_EQ(tern_udp_addr_port(&b), 61616);
    CHECK(!tern_udp_addr_equal(&a, &b));
    CHECK_EQ(tern_udp_addr_parse(&b, "::1", 61616), 0);
    CHECK_EQ(tern_udp_addr_format(&b, s, 5), TERN_ENOMEM);
    CHECK_EQ(tern_udp_addr_parse(&b, "127.0.0.1", 5683), 0);
    CHECK(tern_udp_addr_equal(&a, &b));
    CHECK(tern_udp_addr_parse(&b, "1.2.3.999", 1) < 0);
    CHECK(tern_udp_addr_parse(&b, "fe80::zz", 1) < 0);
    CHECK_EQ(tern_udp_addr_parse(&b, "localhost", 7), 0);
    CHECK_EQ(tern_udp_addr_port(&b), 7);
}

/* ---- UDP echo through the loop ---- */

typedef struct echo {
    tern_udp srv, cli;
    tern_io srv_io, cli_io;
    tern_timer guard;
    tern_udp_addr srv_addr;
    int sent, echoed, got;
    bool timed_out;
} echo;

static void on_srv(tern_loop *loop, tern_io *io, unsigned ev)
{
    echo *e = io->data;
    (void)loop;
    (void)ev;
    uint8_t buf[1500];
    tern_udp_addr from;
    size_t n;
    while (tern_udp_recv(&e->srv, buf, sizeof buf, &n, &from) == 0) {
        if (tern_udp_send(&e->srv, &from, buf, n) == 0)
            e->echoed++;
    }
}

static void on_cli(tern_loop *loop, tern_io *io, unsigned ev)
{
    echo *e = io->data;
    (void)ev;
    uint8_t buf[1500];
    tern_udp_addr from;
    size_t n;
    int rc;
    while ((rc = tern_udp_recv(&e->cli, buf, sizeof buf, &n, &from)) == 0) {
        CHECK(tern_udp_addr_equal(&from, &e->srv_addr));
        CHECK_EQ(n, 100 + e->got);
        CHECK_EQ(buf[0], (uint8_t)e->got);
        e->got++;
        if (e->got == 5) {
            tern_loop_stop(loop);
            return;
        }
        uint8_t out[200];
        memset(out, e->got, sizeof out);
        CHECK_EQ(tern_udp_send(&e->cli, &e->srv_addr, out, (size_t)(100 + e->got)), 0);
    }
    CHECK_EQ(rc, TERN_AGAIN);
}

static void on_guard(tern_loop *loop, tern_timer *t)
{
    echo *e = t->data;
    e->timed_out = true;
    tern_loop_stop(loop);
}

static void echo_over(const char *host, bool expect_ok)
{
    tern_loop loop;
    CHECK_EQ(tern_loop_init(&loop), 0);
    echo e;
    memset(&e, 0, sizeof e);
    tern_udp_addr local;
    CHECK_EQ(tern_udp_addr_parse(&local, host, 0), 0);
    int rc = tern_udp_open(&e.srv, &local, TERN_UDP_REUSEADDR);
    if (rc != 0) {
        if (!expect_ok) {
            fprintf(stderr, "note: %s unavailable (errno %d), skipped\n", host, errno);
            tern_loop_close(&loop);
            return;
        }
        CHECK_EQ(rc, 0);
        tern_loop_close(&loop);
        return;
    }
    CHECK_EQ(tern_udp_open(&e.cli, &local, 0), 0);
    CHECK_EQ(tern_udp_local(&e.srv, &e.srv_addr), 0);
    CHECK(tern_udp_addr_port(&e.srv_addr) != 0);
    tern_io_init(&e.srv_io, e.srv.fd, on_srv, &e);
    tern_io_init(&e.cli_io, e.cli.fd, on_cli, &e);
    CHECK_EQ(tern_io_start(&loop, &e.srv_io, TERN_IO_READ), 0);
    CHECK_EQ(tern_io_start(&loop, &e.cli_io, TERN_IO_READ), 0);
    tern_timer_init(&e.guard, on_guard, &e);
    tern_timer_start(&loop, &e.guard, 3000);

    uint8_t buf[8];
    size_t n;
    CHECK_EQ(tern_udp_recv(&e.cli, buf, sizeof buf, &n, NULL), TERN_AGAIN);
    uint8_t out[100];
    memset(out, 0, sizeof out);
    CHECK_EQ(tern_udp_send(&e.cli, &e.srv_addr, out, sizeof out), 0);
    CHECK_EQ(tern_loop_run(&loop), 0);
    CHECK(!e.timed_out);
    CHECK_EQ(e.got, 5);
    CHECK_EQ(e.echoed, 5);

    /* a datagram larger than the buffer is reported and dropped */
    CHECK_EQ(tern_udp_send(&e.cli, &e.srv_addr, out, sizeof out), 0);
    usleep(10 * 1000);
    CHECK_EQ(tern_udp_recv(&e.srv, buf, sizeof buf, &n, NULL), TERN_ETOOBIG);
    CHECK_EQ(tern_udp_recv(&e.srv, buf, sizeof buf, &n, NULL), TERN_AGAIN);

    tern_timer_stop(&e.guard);
    tern_io_stop(&e.srv_io);
    tern_io_stop(&e.cli_io);
    tern_udp_close(&e.srv);
    tern_udp_close(&e.cli);
    tern_loop_close(&loop);
}

static void test_udp_v4(void)
{
    echo_over("127.0.0.1", true);
}

static void test_udp_v6(void)
{
    echo_over("::1", false); /* IPv6 may be disabled in a container */
}

static void test_udp_dualstack(void)
{
    tern_udp srv, cli;
    tern_udp_addr any, to, from, local;
    CHECK_EQ(tern_udp_addr_parse(&any, "::", 0), 0);
    if (tern_udp_open(&srv, &any, TERN_UDP_DUALSTACK) != 0) {
        fprintf(stderr, "note: no IPv6, dual-stack test skipped\n");
        return;
    }
    CHECK(srv.dual);
    CHECK_EQ(tern_udp_local(&srv, &local), 0);
    CHECK_EQ(tern_udp_addr_parse(&to, "127.0.0.1", tern_udp_addr_port(&local)), 0);
    CHECK_EQ(tern_udp_addr_parse(&any, "127.0.0.1", 0), 0);
    CHECK_EQ(tern_udp_open(&cli, &any, 0), 0);
    CHECK_EQ(tern_udp_send(&cli, &to, "hi", 2), 0);
    uint8_t buf[16];
    size_t n = 0;
    int rc = TERN_AGAIN;
    for (int i = 0; i < 100 && rc == TERN_AGAIN; i++) {
        rc = tern_udp_recv(&srv, buf, sizeof buf, &n, &from);
        if (rc == TERN_AGAIN)
            usleep(5000);
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(n, 2);
    CHECK_EQ(from.u.sa.sa_family, AF_INET); /* unmapped */
    CHECK_EQ(tern_udp_send(&srv, &from, "ok", 2), 0); /* mapped back */
    rc = TERN_AGAIN;
    for (int i = 0; i < 100 && rc == TERN_AGAIN; i++) {
        rc = tern_udp_recv(&cli, buf, sizeof buf, &n, NULL);
        if (rc == TERN_AGAIN)
            usleep(5000);
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(n, 2);
    /* an IPv4 socket cannot reach an IPv6 peer */
    CHECK_EQ(tern_udp_addr_parse(&to, "::1", 9), 0);
    CHECK_EQ(tern_udp_send(&cli, &to, "x", 1), TERN_EINVAL);
    tern_udp_close(&srv);
    tern_udp_close(&cli);
}

int main(void)
{
    TRUN(test_clock_rng);
    TRUN(test_timers);
    TRUN(test_io);
    TRUN(test_addr);
    TRUN(test_udp_v4);
    TRUN(test_udp_v6);
    TRUN(test_udp_dualstack);
    return tdone();
}
