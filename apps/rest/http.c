/* tern-server REST API — libmicrohttpd in external polling mode inside the
 * tern_loop: MHD's epoll fd is one tern_io, MHD_get_timeout() arms one
 * timer, and MHD_run() runs on either. Requests that wait for a LwM2M
 * client are suspended (MHD_suspend_connection) and resumed by
 * rest_finish(); /api/events is a streaming response fed from the event
 * ring, suspended while it has nothing to send. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest/app.h"

static void http_run(rest_app *a);

static void on_mhd_io(tern_loop *loop, tern_io *io, unsigned ev)
{
    (void)loop;
    (void)ev;
    http_run(io->data);
}

static void on_mhd_timer(tern_loop *loop, tern_timer *t)
{
    (void)loop;
    http_run(t->data);
}

void rest_http_kick(rest_app *a)
{
    if (!a->mhd)
        return;
    MHD_UNSIGNED_LONG_LONG to = 0;
    if (MHD_get_timeout(a->mhd, &to) == MHD_YES)
        tern_timer_start(&a->loop, &a->mhd_timer, (tern_time_ms)to);
    else
        tern_timer_stop(&a->mhd_timer);
}

static void http_run(rest_app *a)
{
    if (!a->mhd)
        return;
    MHD_run(a->mhd);
    rest_http_kick(a);
    /* Requests answered from MHD callbacks may have started LwM2M work. */
    rest_kick_engines(a);
}

static void resume(rest_req *r)
{
    if (r->suspended) {
        r->suspended = false;
        MHD_resume_connection(r->conn);
        /* MHD must run after a resume (see MHD_resume_connection). */
        tern_timer_start(&r->app->loop, &r->app->mhd_timer, 0);
    }
}

void rest_finish(rest_req *r, unsigned status, char *json, size_t len)
{
    free(r->resp);
    r->resp = json;
    r->resp_len = json ? len : 0;
    r->status = status;
    r->ready = true;
    resume(r);
}

void rest_finish_error(rest_req *r, unsigned status, const char *msg)
{
    jw w;
    jw_init(&w);
    jw_obj(&w);
    jw_kstr(&w, "error", msg);
    jw_obj_end(&w);
    size_t n = 0;
    char *s = jw_take(&w, &n);
    rest_finish(r, status, s, n);
}

/* ---- events and SSE ---------------------------------------------------------- */

void rest_event_push(rest_app *a, const char *kind, const char *data, size_t len)
{
    rest_event *e = &a->ring[a->next_seq % REST_RING];
    free(e->text);
    size_t cap = len + strlen(kind) + 32;
    e->text = malloc(cap);
    e->len = 0;
    e->seq = a->next_seq++;
    if (e->text) {
        int n = snprintf(e->text, cap, "event: %s\ndata: %.*s\n\n", kind, (int)len, data);
        e->len = n > 0 ? (size_t)n : 0;
    }
    if (a->verbose)
        fprintf(stderr, "tern-server: event %s %.*s\n", kind, (int)(len > 300 ? 300 : len), data);
    for (rest_req *r = a->sse_conns; r; r = r->sse_link)
        resume(r);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    rest_req *r = cls;
    rest_app *a = r->app;
    if (a->stopping)
        return MHD_CONTENT_READER_END_OF_STREAM;
    uint64_t oldest = a->next_seq > REST_RING ? a->next_seq - REST_RING : 0;
    if (r->sse_seq < oldest) {
        r->sse_seq = oldest; /* fell behind: the ring moved on */
        r->sse_off = 0;
    }
    if (r->sse_seq >= a->next_seq) {
        r->suspended = true;
        MHD_suspend_connection(r->conn);
        return 0;
    }
    rest_event *e = &a->ring[r->sse_seq % REST_RING];
    size_t n = e->len - r->sse_off;
    if (n > max)
        n = max;
    if (e->text)
        memcpy(buf, e->text + r->sse_off, n);
    r->sse_off += n;
    if (r->sse_off >= e->len) {
        r->sse_seq++;
        r->sse_off = 0;
    }
    return (ssize_t)n;
}

/* ---- MHD callbacks ------------------------------------------------------------- */

static bool token_ok(rest_req *r)
{
    rest_app *a = r->app;
    if (!a->need_token)
        return true;
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncmp(h, "Bearer ", 7) != 0)
        return false;
    h += 7;
    size_t n = strlen(h), m = strlen(a->token);
    unsigned diff = n != m;
    for (size_t i = 0; i < m; i++)
        diff |= (unsigned)(h[i < n ? i : 0] ^ a->token[i]);
    return diff == 0;
}

static enum MHD_Result queue_json(rest_req *r)
{
    if (!r->resp) {
        r->resp = calloc(1, 1);
        r->resp_len = 0;
        if (!r->resp)
            return MHD_NO;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(r->resp_len, r->resp, MHD_RESPMEM_MUST_FREE);
    r->resp = NULL;
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (r->status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    enum MHD_Result ret = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result queue_sse(rest_req *r)
{
    rest_app *a = r->app;
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, r, NULL);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    r->sse_seq = a->next_seq; /* only what happens from now on */
    r->sse_link = a->sse_conns;
    a->sse_conns = r;
    enum MHD_Result ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                 const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    rest_app *a = cls;
    rest_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->app = a;
        r->conn = c;
        r->url = strdup(url);
        snprintf(r->method, sizeof r->method, "%s", method);
        *con_cls = r;
        return r->url ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->body_too_big || r->body_len + n > REST_BODY_MAX) {
            r->body_too_big = true;
            return MHD_YES;
        }
        if (r->body_len + n + 1 > r->body_cap) {
            size_t nc = (r->body_len + n + 1) * 2;
            char *nb = realloc(r->body, nc);
            if (!nb)
                return MHD_NO;
            r->body = nb;
            r->body_cap = nc;
        }
        memcpy(r->body + r->body_len, upload, n);
        r->body_len += n;
        r->body[r->body_len] = 0;
        return MHD_YES;
    }
    if (r->ready)
        return queue_json(r);
    if (r->started)
        return MHD_YES;
    r->started = true;
    if (!token_ok(r))
        rest_finish_error(r, MHD_HTTP_UNAUTHORIZED, "missing or wrong bearer token");
    else if (r->body_too_big)
        rest_finish_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
    else
        rest_route(r);
    if (r->sse)
        return queue_sse(r);
    if (r->ready)
        return queue_json(r);
    r->suspended = true;
    MHD_suspend_connection(c);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode tc)
{
    (void)c;
    (void)tc;
    rest_app *a = cls;
    rest_req *r = *con_cls;
    if (!r)
        return;
    for (rest_req **p = &a->sse_conns; *p; p = &(*p)->sse_link)
        if (*p == r) {
            *p = r->sse_link;
            break;
        }
    rest_req_abandon(r);
    free(r->url);
    free(r->body);
    free(r->resp);
    free(r);
    *con_cls = NULL;
}

int rest_http_start(rest_app *a, const char *addr, uint16_t port)
{
    tern_udp_addr sa;
    if (tern_udp_addr_parse(&sa, addr, port) < 0) {
        fprintf(stderr, "tern-server: bad --http address %s\n", addr);
        return -1;
    }
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (sa.u.sa.sa_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    a->mhd = MHD_start_daemon(flags, port, NULL, NULL, on_access, a, MHD_OPTION_SOCK_ADDR, &sa.u.sa,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, a, MHD_OPTION_CONNECTION_TIMEOUT,
                              (unsigned)120, MHD_OPTION_END);
    if (!a->mhd) {
        fprintf(stderr, "tern-server: cannot listen for HTTP on %s:%u\n", addr, port);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    if (!di) {
        MHD_stop_daemon(a->mhd);
        a->mhd = NULL;
        return -1;
    }
    tern_io_init(&a->mhd_io, di->epoll_fd, on_mhd_io, a);
    tern_timer_init(&a->mhd_timer, on_mhd_timer, a);
    if (tern_io_start(&a->loop, &a->mhd_io, TERN_IO_READ) < 0) {
        MHD_stop_daemon(a->mhd);
        a->mhd = NULL;
        return -1;
    }
    rest_http_kick(a);
    return 0;
}

void rest_http_stop(rest_app *a)
{
    if (!a->mhd)
        return;
    a->stopping = true;
    /* Every suspended connection must be resumed before MHD_stop_daemon. */
    for (rest_req *r = a->sse_conns; r; r = r->sse_link)
        resume(r);
    for (int i = 0; i < 4; i++)
        MHD_run(a->mhd);
    tern_io_stop(&a->mhd_io);
    tern_timer_stop(&a->mhd_timer);
    MHD_stop_daemon(a->mhd);
    a->mhd = NULL;
    for (size_t i = 0; i < REST_RING; i++) {
        free(a->ring[i].text);
        a->ring[i].text = NULL;
    }
}
