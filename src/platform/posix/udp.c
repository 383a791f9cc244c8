/* tern — POSIX platform: UDP sockets for IPv4 and IPv6 and their addresses. */
#include "tern/posix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- addresses ---- */

int tern_udp_addr_parse(tern_udp_addr *a, const char *host, uint16_t port)
{
    if (!a || !host)
        return TERN_EINVAL;
    memset(a, 0, sizeof *a);
    char tmp[256];
    size_t hl = strlen(host);
    if (hl >= sizeof tmp)
        return TERN_EINVAL;
    memcpy(tmp, host, hl + 1);
    if (hl >= 2 && tmp[0] == '[' && tmp[hl - 1] == ']') {
        tmp[hl - 1] = '\0';
        memmove(tmp, tmp + 1, hl - 1);
    }
    if (inet_pton(AF_INET, tmp, &a->u.in4.sin_addr) == 1) {
        a->u.in4.sin_family = AF_INET;
        a->u.in4.sin_port = htons(port);
        a->len = sizeof a->u.in4;
        return TERN_OK;
    }
    if (inet_pton(AF_INET6, tmp, &a->u.in6.sin6_addr) == 1) {
        a->u.in6.sin6_family = AF_INET6;
        a->u.in6.sin6_port = htons(port);
        a->len = sizeof a->u.in6;
        return TERN_OK;
    }
    if (!tmp[0] || strchr(tmp, ':'))
        return TERN_EINVAL;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    if (getaddrinfo(tmp, NULL, &hints, &res) != 0 || !res)
        return TERN_ENOTFOUND;
    int rc = TERN_ENOTFOUND;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET && ai->ai_addrlen == sizeof a->u.in4) {
            memcpy(&a->u.in4, ai->ai_addr, sizeof a->u.in4);
            a->u.in4.sin_port = htons(port);
            a->len = sizeof a->u.in4;
            rc = TERN_OK;
            break;
        }
        if (ai->ai_family == AF_INET6 && ai->ai_addrlen == sizeof a->u.in6) {
            memcpy(&a->u.in6, ai->ai_addr, sizeof a->u.in6);
            a->u.in6.sin6_port = htons(port);
            a->len = sizeof a->u.in6;
            rc = TERN_OK;
            break;
        }
    }
    freeaddrinfo(res);
    return rc;
}

int tern_udp_addr_format(const tern_udp_addr *a, char *out, size_t cap)
{
    char host[INET6_ADDRSTRLEN];
    int n;
    if (a->u.sa.sa_family == AF_INET) {
        if (!inet_ntop(AF_INET, &a->u.in4.sin_addr, host, sizeof host))
            return TERN_EINVAL;
        n = snprintf(out, cap, "%s:%u", host, (unsigned)ntohs(a->u.in4.sin_port));
    } else if (a->u.sa.sa_family == AF_INET6) {
        if (!inet_ntop(AF_INET6, &a->u.in6.sin6_addr, host, sizeof host))
            return TERN_EINVAL;
        n = snprintf(out, cap, "[%s]:%u", host, (unsigned)ntohs(a->u.in6.sin6_port));
    } else {
        n = snprintf(out, cap, "(none)");
    }
    if (n < 0 || (size_t)n >= cap)
        return TERN_ENOMEM;
    return n;
}

uint16_t tern_udp_addr_port(const tern_udp_addr *a)
{
    if (a->u.sa.sa_family == AF_INET)
        return ntohs(a->u.in4.sin_port);
    if (a->u.sa.sa_family == AF_INET6)
        return ntohs(a->u.in6.sin6_port);
    return 0;
}

bool tern_udp_addr_equal(const tern_udp_addr *a, const tern_udp_addr *b)
{
    if (a->u.sa.sa_family != b->u.sa.sa_family)
        return false;
    if (a->u.sa.sa_family == AF_INET)
        return a->u.in4.sin_port == b->u.in4.sin_port &&
               a->u.in4.sin_addr.s_addr == b->u.in4.sin_addr.s_addr;
    if (a->u.sa.sa_family == AF_INET6)
        return a->u.in6.sin6_port == b->u.in6.sin6_port &&
               a->u.in6.sin6_scope_id == b->u.in6.sin6_scope_id &&
               memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, sizeof(struct in6_addr)) == 0;
    return false;
}

/* ::ffff:a.b.c.d → a.b.c.d, so a dual-stack socket reports IPv4 peers the
 * way an IPv4 socket would. */
static void unmap_v4(tern_udp_addr *a)
{
    if (a->u.sa.sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a->u.in6.sin6_addr))
        return;
    struct sockaddr_in v4;
    memset(&v4, 0, sizeof v4);
    v4.sin_family = AF_INET;
    v4.sin_port = a->u.in6.sin6_port;
    memcpy(&v4.sin_addr, &a->u.in6.sin6_addr.s6_addr[12], 4);
    memset(a, 0, sizeof *a);
    a->u.in4 = v4;
    a->len = sizeof v4;
}

static void map_v4(const tern_udp_addr *in, tern_udp_addr *out)
{
    memset(out, 0, sizeof *out);
    out->u.in6.sin6_family = AF_INET6;
    out->u.in6.sin6_port = in->u.in4.sin_port;
    out->u.in6.sin6_addr.s6_addr[10] = 0xff;
    out->u.in6.sin6_addr.s6_addr[11] = 0xff;
    memcpy(&out->u.in6.sin6_addr.s6_addr[12], &in->u.in4.sin_addr, 4);
    out->len = sizeof out->u.in6;
}

/* ---- sockets ---- */

static bool would_block(int e)
{
#if EAGAIN == EWOULDBLOCK
    return e == EAGAIN;
#else
    return e == EAGAIN || e == EWOULDBLOCK;
#endif
}

int tern_udp_open(tern_udp *s, const tern_udp_addr *local, unsigned flags)
{
    s->fd = -1;
    s->family = local->u.sa.sa_family;
    s->dual = false;
    if (s->family != AF_INET && s->family != AF_INET6) {
        errno = EAFNOSUPPORT;
        return TERN_EINVAL;
    }
    int fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return TERN_EIO;
    int one = 1;
    if (flags & TERN_UDP_REUSEADDR)
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s->family == AF_INET6) {
        /* Dual-stack only on request and only for the wildcard: a socket
         * bound to ::1 can never carry IPv4 anyway. */
        int v6only = 1;
        if ((flags & TERN_UDP_DUALSTACK) && IN6_IS_ADDR_UNSPECIFIED(&local->u.in6.sin6_addr))
            v6only = 0;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return TERN_EIO;
        }
        s->dual = v6only == 0;
    }
    if (bind(fd, &local->u.sa, local->len) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return TERN_EIO;
    }
    s->fd = fd;
    return TERN_OK;
}

void tern_udp_close(tern_udp *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

int tern_udp_local(const tern_udp *s, tern_udp_addr *out)
{
    memset(out, 0, sizeof *out);
    socklen_t len = sizeof out->u;
    if (getsockname(s->fd, &out->u.sa, &len) != 0)
        return TERN_EIO;
    out->len = len;
    unmap_v4(out);
    return TERN_OK;
}

int tern_udp_recv(const tern_udp *s, void *buf, size_t cap, size_t *len, tern_udp_addr *from)
{
    *len = 0;
    tern_udp_addr tmp;
    if (!from)
        from = &tmp;
    for (;;) {
        memset(from, 0, sizeof *from);
        struct iovec iov = {buf, cap};
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        mh.msg_name = &from->u;
        mh.msg_namelen = sizeof from->u;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        ssize_t n = recvmsg(s->fd, &mh, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (would_block(errno))
                return TERN_AGAIN;
            /* An ICMP error from an earlier send (port unreachable) is
             * reported on the next receive; it is not a fault of ours. */
            if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
                continue;
            return TERN_EIO;
        }
        from->len = mh.msg_namelen;
        unmap_v4(from);
        if (mh.msg_flags & MSG_TRUNC)
            return TERN_ETOOBIG;
        *len = (size_t)n;
        return TERN_OK;
    }
}

int tern_udp_send(const tern_udp *s, const tern_udp_addr *to, const void *buf, size_t len)
{
    tern_udp_addr mapped;
    if (to->u.sa.sa_family != s->family) {
        if (s->family == AF_INET6 && to->u.sa.sa_family == AF_INET && s->dual) {
            map_v4(to, &mapped);
            to = &mapped;
        } else {
            return TERN_EINVAL;
        }
    }
    for (;;) {
        ssize_t n = sendto(s->fd, buf, len, 0, &to->u.sa, to->len);
        if (n >= 0)
            return TERN_OK;
        if (errno == EINTR)
            continue;
        if (would_block(errno) || errno == ENOBUFS)
            return TERN_AGAIN;
        return TERN_EIO;
    }
}
