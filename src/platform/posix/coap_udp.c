/* tern — POSIX platform: a CoAP endpoint driven by one UDP socket in the
 * event loop. The endpoint stays sans-I/O; this file is the only glue. */
#include "tern/posix.h"

#include <string.h>

int tern_posix_peer_from_addr(tern_coap_peer *peer, const tern_udp_addr *a)
{
    if (a->len == 0 || a->len > TERN_COAP_PEER_MAX || a->len > sizeof a->u)
        return TERN_EINVAL;
    return tern_coap_peer_make(peer, &a->u, a->len);
}

int tern_posix_addr_from_peer(tern_udp_addr *a, const tern_coap_peer *peer)
{
    memset(a, 0, sizeof *a);
    if (peer->len < sizeof(sa_family_t) || peer->len > sizeof a->u)
        return TERN_EINVAL;
    memcpy(&a->u, peer->addr, peer->len);
    a->len = peer->len;
    sa_family_t fam = a->u.sa.sa_family;
    if ((fam == AF_INET && a->len == sizeof(struct sockaddr_in)) ||
        (fam == AF_INET6 && a->len == sizeof(struct sockaddr_in6)))
        return TERN_OK;
    return TERN_EINVAL;
}

int tern_posix_coap_send(void *udp, const tern_coap_peer *peer, const uint8_t *bytes, size_t len)
{
    tern_udp_addr to;
    int rc = tern_posix_addr_from_peer(&to, peer);
    if (rc < 0)
        return rc;
    rc = tern_udp_send(udp, &to, bytes, len);
    if (rc == TERN_AGAIN)
        return TERN_OK; /* dropped like a lost datagram; CON is retransmitted */
    return rc;
}

static void rearm(tern_coap_udp *r)
{
    tern_loop_update_time(r->loop);
    tern_time_ms next = tern_coap_ep_step(r->ep, tern_loop_now(r->loop));
    if (next == TERN_TIME_NEVER)
        tern_timer_stop(&r->timer_);
    else if (next != tern_timer_due(&r->timer_))
        tern_timer_start_at(r->loop, &r->timer_, next);
}

static void on_readable(tern_loop *loop, tern_io *io, unsigned events)
{
    tern_coap_udp *r = io->data;
    (void)events;
    /* Bounded batch so one busy socket cannot starve the rest of the loop. */
    for (int i = 0; i < 64; i++) {
        tern_udp_addr from;
        size_t n;
        int rc = tern_udp_recv(r->sock, r->rx_, sizeof r->rx_, &n, &from);
        if (rc == TERN_AGAIN)
            break;
        if (rc < 0) {
            r->rx_dropped++;
            if (rc == TERN_ETOOBIG)
                continue;
            break;
        }
        tern_coap_peer peer;
        if (tern_posix_peer_from_addr(&peer, &from) < 0) {
            r->rx_dropped++;
            continue;
        }
        (void)tern_coap_ep_feed(r->ep, &peer, r->rx_, n, tern_loop_now(loop));
    }
    rearm(r);
}

static void on_timer(tern_loop *loop, tern_timer *t)
{
    (void)loop;
    rearm(t->data);
}

int tern_coap_udp_start(tern_coap_udp *r, tern_loop *loop, tern_udp *sock, tern_coap_ep *ep)
{
    r->loop = loop;
    r->sock = sock;
    r->ep = ep;
    r->rx_dropped = 0;
    tern_io_init(&r->io_, sock->fd, on_readable, r);
    tern_timer_init(&r->timer_, on_timer, r);
    int rc = tern_io_start(loop, &r->io_, TERN_IO_READ);
    if (rc < 0)
        return rc;
    rearm(r);
    return TERN_OK;
}

void tern_coap_udp_kick(tern_coap_udp *r)
{
    rearm(r);
}

void tern_coap_udp_stop(tern_coap_udp *r)
{
    tern_io_stop(&r->io_);
    tern_timer_stop(&r->timer_);
}
