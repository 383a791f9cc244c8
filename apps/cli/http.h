/* tern CLI — HTTP to tern-server over libcurl: one-shot JSON requests and a
 * Server-Sent Events reader (docs/api.md). */
#ifndef TERN_CLI_HTTP_H
#define TERN_CLI_HTTP_H

#include <stdbool.h>
#include <signal.h>

#include "json.h"

typedef struct cli_http {
    const char *base_url;  /* "http://127.0.0.1:8080", no trailing slash; borrowed */
    const char *token;     /* bearer token or NULL; borrowed */
    long timeout_s;        /* whole-request limit for one-shot requests, 0 = none */
    bool verbose;          /* print each request on stderr */
} cli_http;

typedef struct cli_resp {
    long status;           /* HTTP status, 0 when no response */
    cj_buf body;           /* response body (owned; cli_resp_free) */
    char err[256];         /* transport error text when the call fails */
} cli_resp;

/* Global libcurl set-up/tear-down (once per process). */
int cli_http_global_init(void);
void cli_http_global_cleanup(void);

/* Sends METHOD base_url+target with an optional JSON body. 0 when a response
 * arrived (any status), -1 on a transport failure (resp->err says why). */
int cli_http_request(const cli_http *h, const char *method, const char *target, const char *body,
                     cli_resp *resp);
void cli_resp_free(cli_resp *r);

/* ---- Server-Sent Events ---- */
/* Called once per dispatched event; event is "message" when unnamed. Returns
 * nonzero to stop reading. */
typedef int (*cli_sse_fn)(void *ctx, const char *event, const char *data);

typedef struct cli_sse cli_sse;

/* Opens GET base_url+target as an event stream and waits (up to wait_ms) for
 * the response head. 0 and *out on a 200 stream; -1 on a transport failure
 * or non-200 answer (resp gets status/body/err; free it). */
int cli_sse_open(const cli_http *h, const char *target, cli_sse_fn fn, void *ctx, int wait_ms,
                 cli_sse **out, cli_resp *resp);
/* Reads and dispatches for up to wait_ms. Returns 1 while the stream is open,
 * 0 when the callback stopped it or the server closed it, -1 on a transport
 * error (err filled). */
int cli_sse_pump(cli_sse *s, int wait_ms, char *err, size_t errcap);
void cli_sse_close(cli_sse *s);

#endif
