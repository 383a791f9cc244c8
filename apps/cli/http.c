/* tern CLI — libcurl glue (see http.h). */
#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_http_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }

void cli_http_global_cleanup(void) { curl_global_cleanup(); }

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    cj_buf *b = userdata;
    size_t n = size * nmemb;
    cj_buf_add(b, data, n);
    return b->oom ? 0 : n;
}

/* Common options; returns the header list to free after the transfer. */
static struct curl_slist *setup(CURL *e, const cli_http *h, const char *method, const char *target,
                                const char *body, char *url, size_t urlcap, char *errbuf)
{
    snprintf(url, urlcap, "%s%s", h->base_url, target);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "tern-cli");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
    struct curl_slist *hdrs = NULL;
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    if (h->token && h->token[0]) {
        char auth[1024];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", h->token);
        hdrs = curl_slist_append(hdrs, auth);
    }
    if (body) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    /* A redirect would turn a PUT into a GET: do not follow. */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
    if (h->verbose)
        fprintf(stderr, "> %s %s%s%s\n", method, url, body ? " " : "", body ? body : "");
    return hdrs;
}

int cli_http_request(const cli_http *h, const char *method, const char *target, const char *body,
                     cli_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    CURL *e = curl_easy_init();
    if (!e) {
        snprintf(resp->err, sizeof resp->err, "cannot start libcurl");
        return -1;
    }
    char url[4096];
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = setup(e, h, method, target, body, url, sizeof url, errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &resp->body);
    if (h->timeout_s > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT, h->timeout_s);
    CURLcode rc = curl_easy_perform(e);
    int ret = 0;
    if (rc != CURLE_OK) {
        snprintf(resp->err, sizeof resp->err, "%.120s: %.120s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        ret = -1;
    } else {
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
        cj_buf_add(&resp->body, "", 0);
        if (resp->body.oom) {
            snprintf(resp->err, sizeof resp->err, "out of memory");
            ret = -1;
        }
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(e);
    return ret;
}

void cli_resp_free(cli_resp *r) { cj_buf_free(&r->body); }

/* ---- SSE ---- */
struct cli_sse {
    CURLM *multi;
    CURL *easy;
    struct curl_slist *hdrs;
    char url[4096];
    char errbuf[CURL_ERROR_SIZE];
    cli_sse_fn fn;
    void *ctx;
    bool head_done;     /* a final (non-1xx) header block has ended */
    long status;
    bool stopped;       /* the callback asked to stop */
    cj_buf line;        /* partial line */
    cj_buf event;       /* current event name */
    cj_buf data;        /* current data lines joined with '\n' */
    bool have_data;
    bool last_cr;       /* the previous byte was CR */
    cj_buf errbody;     /* body of a non-200 answer */
};

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    cli_sse *s = userdata;
    size_t n = size * nmemb;
    if (n <= 2 && (n == 0 || data[0] == '\r' || data[0] == '\n')) {
        long code = 0;
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200) {
            s->status = code;
            s->head_done = true;
        }
    }
    return n;
}

static void dispatch(cli_sse *s)
{
    if (s->have_data && !s->stopped) {
        const char *ev = s->event.len ? s->event.p : "message";
        if (s->fn(s->ctx, ev, s->data.p ? s->data.p : "") != 0)
            s->stopped = true;
    }
    s->event.len = 0;
    s->data.len = 0;
    if (s->event.p)
        s->event.p[0] = '\0';
    if (s->data.p)
        s->data.p[0] = '\0';
    s->have_data = false;
}

/* One complete line (without its terminator), per the SSE field rules. */
static void sse_line(cli_sse *s, const char *l, size_t n)
{
    if (n == 0) {
        dispatch(s);
        return;
    }
    if (l[0] == ':')
        return; /* comment / keep-alive */
    const char *colon = memchr(l, ':', n);
    size_t fl = colon ? (size_t)(colon - l) : n;
    const char *v = colon ? colon + 1 : l + n;
    size_t vl = colon ? n - fl - 1 : 0;
    if (vl > 0 && v[0] == ' ') {
        v++;
        vl--;
    }
    if (fl == 5 && memcmp(l, "event", 5) == 0) {
        s->event.len = 0;
        cj_buf_add(&s->event, v, vl);
    } else if (fl == 4 && memcmp(l, "data", 4) == 0) {
        if (s->have_data)
            cj_buf_add(&s->data, "\n", 1);
        cj_buf_add(&s->data, v, vl);
        s->have_data = true;
    }
    /* id:, retry: and unknown fields are ignored. */
}

static size_t on_stream(char *data, size_t size, size_t nmemb, void *userdata)
{
    cli_sse *s = userdata;
    size_t n = size * nmemb;
    if (s->status != 200) {
        cj_buf_add(&s->errbody, data, n);
        return n;
    }
    for (size_t i = 0; i < n && !s->stopped; i++) {
        char c = data[i];
        if (c == '\n' && s->last_cr) { /* the LF of a CRLF */
            s->last_cr = false;
            continue;
        }
        s->last_cr = c == '\r';
        if (c == '\n' || c == '\r') {
            sse_line(s, s->line.p ? s->line.p : "", s->line.len);
            s->line.len = 0;
        } else {
            cj_buf_add(&s->line, &c, 1);
        }
    }
    if (s->line.oom || s->data.oom || s->event.oom)
        return 0;
    return n;
}

void cli_sse_close(cli_sse *s)
{
    if (!s)
        return;
    if (s->multi) {
        if (s->easy)
            curl_multi_remove_handle(s->multi, s->easy);
        curl_multi_cleanup(s->multi);
    }
    if (s->easy)
        curl_easy_cleanup(s->easy);
    curl_slist_free_all(s->hdrs);
    cj_buf_free(&s->line);
    cj_buf_free(&s->event);
    cj_buf_free(&s->data);
    cj_buf_free(&s->errbody);
    free(s);
}

/* Runs the transfer for up to wait_ms; 1 running, 0 finished, -1 error. */
static int step(cli_sse *s, int wait_ms, char *err, size_t errcap)
{
    int running = 0;
    CURLMcode mc = curl_multi_perform(s->multi, &running);
    if (mc == CURLM_OK && running && !s->stopped)
        mc = curl_multi_poll(s->multi, NULL, 0, wait_ms, NULL);
    if (mc == CURLM_OK)
        mc = curl_multi_perform(s->multi, &running);
    if (mc != CURLM_OK) {
        snprintf(err, errcap, "%s", curl_multi_strerror(mc));
        return -1;
    }
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
        if (m->msg == CURLMSG_DONE && m->data.result != CURLE_OK &&
            !(s->stopped && m->data.result == CURLE_WRITE_ERROR)) {
            snprintf(err, errcap, "%s: %s", s->url,
                     s->errbuf[0] ? s->errbuf : curl_easy_strerror(m->data.result));
            return -1;
        }
    }
    if (s->stopped)
        return 0;
    return running ? 1 : 0;
}

int cli_sse_open(const cli_http *h, const char *target, cli_sse_fn fn, void *ctx, int wait_ms,
                 cli_sse **out, cli_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    *out = NULL;
    cli_sse *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(resp->err, sizeof resp->err, "out of memory");
        return -1;
    }
    s->fn = fn;
    s->ctx = ctx;
    s->easy = curl_easy_init();
    s->multi = curl_multi_init();
    if (!s->easy || !s->multi) {
        snprintf(resp->err, sizeof resp->err, "cannot start libcurl");
        cli_sse_close(s);
        return -1;
    }
    s->hdrs = setup(s->easy, h, "GET", target, NULL, s->url, sizeof s->url, s->errbuf);
    s->hdrs = curl_slist_append(s->hdrs, "Accept: text/event-stream");
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->hdrs);
    curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_stream);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
    curl_multi_add_handle(s->multi, s->easy);
    int waited = 0;
    for (;;) {
        int r = step(s, 100, resp->err, sizeof resp->err);
        if (r < 0) {
            cli_sse_close(s);
            return -1;
        }
        if (s->head_done && (s->status != 200 || r == 0))
            break;
        if (s->head_done && s->status == 200)
            break;
        if (r == 0) {
            snprintf(resp->err, sizeof resp->err, "%.160s: connection closed before a response", s->url);
            cli_sse_close(s);
            return -1;
        }
        waited += 100;
        if (wait_ms >= 0 && waited >= wait_ms) {
            snprintf(resp->err, sizeof resp->err, "%.160s: no response within %d ms", s->url, wait_ms);
            cli_sse_close(s);
            return -1;
        }
    }
    if (s->status != 200) {
        /* Read the error body to its end (bounded by the same wait). */
        while (step(s, 100, resp->err, sizeof resp->err) == 1 && waited < 5000)
            waited += 100;
        resp->status = s->status;
        cj_buf_add(&resp->body, s->errbody.p ? s->errbody.p : "", s->errbody.len);
        cli_sse_close(s);
        return -1;
    }
    resp->status = 200;
    *out = s;
    return 0;
}

int cli_sse_pump(cli_sse *s, int wait_ms, char *err, size_t errcap)
{
    if (s->stopped)
        return 0;
    return step(s, wait_ms, err, errcap);
}
