/* tern — POSIX platform: epoll event loop with one-shot timers.
 *
 * Timers are a sorted intrusive list: a process has few of them (one per
 * endpoint runner, a handful in the programs), so O(n) insertion is cheaper
 * than the bookkeeping of a heap. */
#include "tern/posix.h"

#include <errno.h>
#include <limits.h>
#include <sys/epoll.h>
#include <unistd.h>

int tern_loop_init(tern_loop *loop)
{
    loop->epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd_ < 0)
        return TERN_EIO;
    loop->stop_ = false;
    loop->nio_ = 0;
    loop->timers_ = NULL;
    loop->gen_ = 1;
    loop->nev_ = 0;
    loop->iev_ = 0;
    loop->now_ = tern_posix_now_ms();
    return TERN_OK;
}

void tern_loop_close(tern_loop *loop)
{
    if (loop->epfd_ >= 0)
        close(loop->epfd_);
    loop->epfd_ = -1;
    loop->timers_ = NULL;
    loop->nio_ = 0;
}

void tern_loop_stop(tern_loop *loop)
{
    loop->stop_ = true;
}

tern_time_ms tern_loop_now(const tern_loop *loop)
{
    return loop->now_;
}

void tern_loop_update_time(tern_loop *loop)
{
    loop->now_ = tern_posix_now_ms();
}

int tern_loop_fd(const tern_loop *loop)
{
    return loop->epfd_;
}

tern_time_ms tern_loop_next_deadline(const tern_loop *loop)
{
    return loop->timers_ ? loop->timers_->due_ : TERN_TIME_NEVER;
}

static int timeout_until(tern_time_ms due, tern_time_ms now)
{
    if (due == TERN_TIME_NEVER)
        return -1;
    if (due <= now)
        return 0;
    tern_time_ms d = due - now;
    return d > INT_MAX ? INT_MAX : (int)d;
}

int tern_loop_timeout(const tern_loop *loop)
{
    return timeout_until(tern_loop_next_deadline(loop), tern_posix_now_ms());
}

/* ---- io ---- */

void tern_io_init(tern_io *io, int fd, tern_io_cb cb, void *data)
{
    io->fd = fd;
    io->data = data;
    io->cb_ = cb;
    io->loop_ = NULL;
    io->events_ = 0;
}

bool tern_io_active(const tern_io *io)
{
    return io->loop_ != NULL;
}

int tern_io_start(tern_loop *loop, tern_io *io, unsigned events)
{
    if (io->fd < 0 || !io->cb_ || (events & ~(unsigned)(TERN_IO_READ | TERN_IO_WRITE)) || !events)
        return TERN_EINVAL;
    if (io->loop_ && io->loop_ != loop)
        return TERN_EINVAL;
    struct epoll_event ev = {0};
    if (events & TERN_IO_READ)
        ev.events |= EPOLLIN;
    if (events & TERN_IO_WRITE)
        ev.events |= EPOLLOUT;
    ev.data.ptr = io;
    int op = io->loop_ ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(loop->epfd_, op, io->fd, &ev) != 0)
        return TERN_EIO;
    if (!io->loop_)
        loop->nio_++;
    io->loop_ = loop;
    io->events_ = events;
    return TERN_OK;
}

void tern_io_stop(tern_io *io)
{
    tern_loop *loop = io->loop_;
    if (!loop)
        return;
    /* The fd may already be closed by a careless caller; then the kernel has
     * dropped it from the set and the error is harmless. */
    (void)epoll_ctl(loop->epfd_, EPOLL_CTL_DEL, io->fd, NULL);
    /* Forget events already collected for this handle in this iteration. */
    for (int i = loop->iev_; i < loop->nev_; i++)
        if (loop->ev_[i] == io)
            loop->ev_[i] = NULL;
    loop->nio_--;
    io->loop_ = NULL;
    io->events_ = 0;
}

/* ---- timers ---- */

void tern_timer_init(tern_timer *t, tern_timer_cb cb, void *data)
{
    t->data = data;
    t->cb_ = cb;
    t->loop_ = NULL;
    t->due_ = TERN_TIME_NEVER;
    t->gen_ = 0;
    t->next_ = NULL;
}

bool tern_timer_active(const tern_timer *t)
{
    return t->loop_ != NULL;
}

tern_time_ms tern_timer_due(const tern_timer *t)
{
    return t->loop_ ? t->due_ : TERN_TIME_NEVER;
}

void tern_timer_stop(tern_timer *t)
{
    tern_loop *loop = t->loop_;
    if (!loop)
        return;
    for (tern_timer **pp = &loop->timers_; *pp; pp = &(*pp)->next_) {
        if (*pp == t) {
            *pp = t->next_;
            break;
        }
    }
    t->next_ = NULL;
    t->loop_ = NULL;
    t->due_ = TERN_TIME_NEVER;
}

void tern_timer_start_at(tern_loop *loop, tern_timer *t, tern_time_ms due)
{
    tern_timer_stop(t);
    if (due == TERN_TIME_NEVER)
        return;
    t->due_ = due;
    t->loop_ = loop;
    t->gen_ = loop->gen_;
    tern_timer **pp = &loop->timers_;
    while (*pp && (*pp)->due_ <= due)
        pp = &(*pp)->next_;
    t->next_ = *pp;
    *pp = t;
}

void tern_timer_start(tern_loop *loop, tern_timer *t, tern_time_ms delay_ms)
{
    if (delay_ms < 0)
        delay_ms = 0;
    tern_time_ms due = loop->now_ > TERN_TIME_NEVER - delay_ms ? TERN_TIME_NEVER : loop->now_ + delay_ms;
    tern_timer_start_at(loop, t, due);
}

/* ---- running ---- */

static int run_timers(tern_loop *loop)
{
    int ran = 0;
    /* Timers armed during this pass carry the new generation and wait for
     * the next iteration, so a callback that re-arms in the past cannot
     * spin here forever. */
    uint64_t gen = loop->gen_++;
    tern_timer **pp = &loop->timers_;
    while (*pp && (*pp)->due_ <= loop->now_) {
        tern_timer *t = *pp;
        if (t->gen_ > gen) {
            pp = &t->next_;
            continue;
        }
        *pp = t->next_;
        t->next_ = NULL;
        t->loop_ = NULL;
        t->due_ = TERN_TIME_NEVER;
        t->cb_(loop, t);
        ran++;
        pp = &loop->timers_; /* the list may have changed under us */
    }
    return ran;
}

int tern_loop_run_once(tern_loop *loop, int max_wait_ms)
{
    loop->now_ = tern_posix_now_ms();
    int wait = timeout_until(tern_loop_next_deadline(loop), loop->now_);
    if (max_wait_ms >= 0 && (wait < 0 || wait > max_wait_ms))
        wait = max_wait_ms;
    struct epoll_event evs[TERN_LOOP_MAX_EVENTS];
    int n = epoll_wait(loop->epfd_, evs, TERN_LOOP_MAX_EVENTS, wait);
    if (n < 0) {
        if (errno != EINTR)
            return TERN_EIO;
        n = 0;
    }
    loop->now_ = tern_posix_now_ms();
    for (int i = 0; i < n; i++) {
        loop->ev_[i] = evs[i].data.ptr;
        unsigned bits = 0;
        if (evs[i].events & EPOLLIN)
            bits |= TERN_IO_READ;
        if (evs[i].events & EPOLLOUT)
            bits |= TERN_IO_WRITE;
        if (evs[i].events & (EPOLLERR | EPOLLHUP))
            bits |= TERN_IO_ERROR;
        loop->evbits_[i] = bits;
    }
    loop->nev_ = n;
    int ran = 0;
    for (loop->iev_ = 0; loop->iev_ < loop->nev_; loop->iev_++) {
        tern_io *io = loop->ev_[loop->iev_];
        if (!io)
            continue; /* stopped by an earlier callback */
        loop->ev_[loop->iev_] = NULL;
        io->cb_(loop, io, loop->evbits_[loop->iev_]);
        ran++;
    }
    loop->nev_ = loop->iev_ = 0;
    return ran + run_timers(loop);
}

int tern_loop_run(tern_loop *loop)
{
    loop->stop_ = false;
    while (!loop->stop_ && (loop->nio_ > 0 || loop->timers_)) {
        int r = tern_loop_run_once(loop, -1);
        if (r < 0)
            return r;
    }
    loop->stop_ = false;
    return TERN_OK;
}
