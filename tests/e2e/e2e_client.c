/* End to end: the tern-client program registers with a small LwM2M Server
 * written here on a tern CoAP endpoint over real UDP on 127.0.0.1 (port
 * chosen by the kernel). The server answers Register with 2.01 and a
 * Location-Path, then reads /3/0 (TLV), /3303/0/5700 and /3303/0/5701 (plain
 * text), /4/0/4 (TLV) and decodes them with tern_decoder, executes
 * /3303/0/5605 and /3/0/5 (Factory Reset: the device wipes its state
 * directory and registers again), and finally sends SIGTERM: the client must De-register and
 * exit 0. Options come from a config file with one overridden by a flag.
 * Bounded by a 30 s guard; the child is killed on any failure.
 *
 * Usage: e2e_client /path/to/tern-client */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tern/codec.h"
#include "tern/coap_ep.h"
#include "tern/coap_msg.h"
#include "tern/posix.h"
#include "tharness.h"

#define GUARD_MS 30000

typedef struct srv {
    tern_loop loop;
    tern_udp sock;
    tern_coap_ep ep;
    void *mem;
    tern_coap_udp run;
    tern_timer guard, start;
    tern_coap_peer dev;
    pid_t child;
    int step;
    bool registered, deregistered, timed_out, busy;
    char ep_name[80];
    long lt;
    /* results */
    char manufacturer[32], serial[64], fw_version[32];
    int64_t mem_total;
    double temp;
    bool temp_ok;
    char units[8];
    int exec_code, reset_code, registers;
    int n_ips;
} srv;

static char g_dir[64];
static pid_t g_child = -1;

static void kill_child(void)
{
    if (g_child > 0) {
        kill(g_child, SIGKILL);
        waitpid(g_child, NULL, 0);
        g_child = -1;
    }
}

static tern_type type_of(void *ctx, const tern_path *p)
{
    (void)ctx;
    const tern_res_def *d = tern_registry_res(tern_registry_std(), p);
    if (!d)
        return TERN_TYPE_NONE;
    return d->multiple && p->len == 3 ? (tern_type)(d->type | TERN_TYPE_MULTIPLE) : d->type;
}

static void copy_bytes(char *dst, size_t cap, tern_bytes b)
{
    size_t n = b.len < cap - 1 ? b.len : cap - 1;
    memcpy(dst, b.ptr, n);
    dst[n] = 0;
}

/* Decodes a response body; calls `use` on each value entry. */
static int decode(srv *s, int32_t cf, const char *path, const uint8_t *b, size_t n,
                  void (*use)(srv *, const tern_entry *))
{
    tern_path p;
    if (tern_path_parse(&p, path, strlen(path)) != 0)
        return -1;
    tern_decoder d;
    uint8_t scratch[2048];
    if (tern_decoder_init(&d, cf, &p, type_of, NULL, scratch, sizeof scratch) != 0)
        return -1;
    if (tern_decoder_feed(&d, b, n, true) != 0)
        return -1;
    tern_entry e;
    int rc, count = 0;
    while ((rc = tern_decoder_next(&d, &e)) == TERN_OK) {
        use(s, &e);
        count++;
    }
    return rc == TERN_DONE ? count : rc;
}

static void use_dev(srv *s, const tern_entry *e)
{
    if (e->path.len < 3)
        return;
    switch (e->path.ids[2]) {
    case 0: copy_bytes(s->manufacturer, sizeof s->manufacturer, e->value.v.bytes); break;
    case 2: copy_bytes(s->serial, sizeof s->serial, e->value.v.bytes); break;
    case 3: copy_bytes(s->fw_version, sizeof s->fw_version, e->value.v.bytes); break;
    case 21: s->mem_total = e->value.v.i; break;
    default: break;
    }
}
static void use_temp(srv *s, const tern_entry *e)
{
    if (e->value.type == TERN_TYPE_FLOAT) {
        s->temp = e->value.v.f;
        s->temp_ok = true;
    }
}
static void use_units(srv *s, const tern_entry *e)
{
    copy_bytes(s->units, sizeof s->units, e->value.v.bytes);
}
static void use_ips(srv *s, const tern_entry *e)
{
    if (e->value.type == TERN_TYPE_STRING && e->value.v.bytes.len > 0)
        s->n_ips++;
}

static void next_step(srv *s);

static void on_resp(void *ctx, tern_coap_ep *ep, const tern_coap_result *res)
{
    (void)ep;
    srv *s = ctx;
    if (!res->final)
        return;
    s->busy = false;
    if (res->err || !res->msg) {
        fprintf(stderr, "step %d: no response (%s)\n", s->step, tern_strerror(res->err));
        tern_loop_stop(&s->loop);
        return;
    }
    uint8_t code = res->msg->code;
    uint32_t cf = 0;
    tern_coap_opt_get_uint(res->msg, TERN_COAP_OPT_CONTENT_FORMAT, &cf);
    switch (s->step) {
    case 0:
        CHECK_EQ(code, TERN_COAP_CONTENT);
        CHECK(decode(s, (int32_t)cf, "/3/0", res->data, res->data_len, use_dev) > 5);
        break;
    case 1:
        CHECK_EQ(code, TERN_COAP_CONTENT);
        CHECK_EQ(decode(s, (int32_t)cf, "/3303/0/5700", res->data, res->data_len, use_temp), 1);
        break;
    case 2:
        CHECK_EQ(code, TERN_COAP_CONTENT);
        CHECK_EQ(decode(s, (int32_t)cf, "/3303/0/5701", res->data, res->data_len, use_units), 1);
        break;
    case 3: s->exec_code = code; break;
    case 5: s->reset_code = code; break;
    case 4:
        CHECK_EQ(code, TERN_COAP_CONTENT);
        CHECK(decode(s, (int32_t)cf, "/4/0/4", res->data, res->data_len, use_ips) >= 1);
        break;
    default: break;
    }
    s->step++;
    next_step(s);
}

static void request(srv *s, uint8_t code, const char *path, int accept)
{
    tern_coap_msg m;
    uint8_t sc[4];
    tern_coap_msg_init(&m, TERN_COAP_CON, code, 0);
    tern_coap_opt_add_uri_path(&m, path);
    if (accept >= 0)
        tern_coap_opt_add_uint(&m, TERN_COAP_OPT_ACCEPT, (uint32_t)accept, sc);
    CHECK_EQ(tern_coap_request(&s->ep, &s->dev, &m, NULL, on_resp, s, NULL), 0);
    s->busy = true;
    tern_coap_udp_kick(&s->run);
}

static void next_step(srv *s)
{
    switch (s->step) {
    case 0: request(s, TERN_COAP_GET, "/3/0", TERN_CF_TLV); break;
    case 1: request(s, TERN_COAP_GET, "/3303/0/5700", TERN_CF_TEXT); break;
    case 2: request(s, TERN_COAP_GET, "/3303/0/5701", TERN_CF_TEXT); break;
    case 3: request(s, TERN_COAP_POST, "/3303/0/5605", -1); break;
    case 4: request(s, TERN_COAP_GET, "/4/0/4", TERN_CF_TLV); break;
    case 5: request(s, TERN_COAP_POST, "/3/0/5", -1); break; /* Factory Reset */
    default:
        /* after the factory reset the device registers again (Register
         * handler re-enters here); then stop it, expect a De-register */
        if (s->registers >= 2)
            kill(s->child, SIGTERM);
        break;
    }
}

static void on_start(tern_loop *loop, tern_timer *t)
{
    (void)loop;
    srv *s = t->data;
    next_step(s);
}

static int handler(void *ctx, const tern_coap_server_req *req, tern_coap_response *resp)
{
    srv *s = ctx;
    char path[64];
    tern_coap_uri_path_str(req->msg, path, sizeof path);
    if (req->msg->code == TERN_COAP_POST && !strcmp(path, "/rd")) {
        for (const tern_coap_opt *o = tern_coap_opt_get(req->msg, TERN_COAP_OPT_URI_QUERY); o;
             o = tern_coap_opt_next(req->msg, o)) {
            char q[80];
            size_t n = o->len < sizeof q - 1 ? o->len : sizeof q - 1;
            memcpy(q, o->val, n);
            q[n] = 0;
            if (!strncmp(q, "ep=", 3))
                snprintf(s->ep_name, sizeof s->ep_name, "%s", q + 3);
            else if (!strncmp(q, "lt=", 3))
                s->lt = strtol(q + 3, NULL, 10);
        }
        resp->msg.code = TERN_COAP_CREATED;
        tern_coap_resp_opt(resp, TERN_COAP_OPT_LOCATION_PATH, "rd", 2);
        tern_coap_resp_opt(resp, TERN_COAP_OPT_LOCATION_PATH, "e2e", 3);
        s->registers++;
        if (s->registers <= 2) {
            s->registered = true;
            s->dev = *req->peer;
            /* read after the 2.01 went out */
            tern_timer_start(&s->loop, &s->start, 50);
        }
    } else if (req->msg->code == TERN_COAP_POST && !strcmp(path, "/rd/e2e")) {
        resp->msg.code = TERN_COAP_CHANGED;
    } else if (req->msg->code == TERN_COAP_DELETE && !strcmp(path, "/rd/e2e")) {
        resp->msg.code = TERN_COAP_DELETED;
        s->deregistered = true;
    } else {
        resp->msg.code = TERN_COAP_NOT_FOUND;
    }
    return 0;
}

static void on_guard(tern_loop *loop, tern_timer *t)
{
    srv *s = t->data;
    s->timed_out = true;
    tern_loop_stop(loop);
}

static void dump_log(void)
{
    char p[128], line[512];
    snprintf(p, sizeof p, "%s/client.log", g_dir);
    FILE *f = fopen(p, "r");
    if (!f)
        return;
    fprintf(stderr, "---- tern-client output ----\n");
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fclose(f);
}

static void test_register_read_deregister(const char *exe)
{
    srv *s = calloc(1, sizeof *s);
    CHECK_EQ(tern_loop_init(&s->loop), 0);
    tern_udp_addr a;
    tern_udp_addr_parse(&a, "127.0.0.1", 0);
    CHECK_EQ(tern_udp_open(&s->sock, &a, 0), 0);
    tern_udp_local(&s->sock, &a);
    uint16_t port = tern_udp_addr_port(&a);
    tern_coap_ep_cfg cfg = {0};
    cfg.rng = tern_posix_rng();
    cfg.send = tern_posix_coap_send;
    cfg.send_ctx = &s->sock;
    cfg.handler = handler;
    cfg.handler_ctx = s;
    size_t ml = tern_coap_ep_mem_size(&cfg);
    s->mem = aligned_alloc(8, (ml + 7) & ~(size_t)7);
    CHECK_EQ(tern_coap_ep_init(&s->ep, &cfg, s->mem, ml), 0);
    CHECK_EQ(tern_coap_udp_start(&s->run, &s->loop, &s->sock, &s->ep), 0);

    /* config file; --lifetime on the command line overrides it */
    snprintf(g_dir, sizeof g_dir, "/tmp/tern-e2e-XXXXXX");
    CHECK(mkdtemp(g_dir) != NULL);
    char conf[128], state[128], logp[128], uri[64];
    snprintf(conf, sizeof conf, "%s/client.conf", g_dir);
    snprintf(state, sizeof state, "%s/state", g_dir);
    snprintf(logp, sizeof logp, "%s/client.log", g_dir);
    snprintf(uri, sizeof uri, "coap://127.0.0.1:%u", port);
    FILE *f = fopen(conf, "w");
    CHECK(f != NULL);
    fprintf(f, "# e2e\nendpoint = e2e-dev\nserver = %s\nlifetime = 999\nlatitude = 48.1\nlongitude = 11.6\n", uri);
    fclose(f);

    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        FILE *lf = freopen(logp, "w", stdout);
        if (lf)
            dup2(fileno(lf), 2);
        execl(exe, exe, "--config", conf, "--lifetime", "60", "--state-dir", state, "--bind", "127.0.0.1", "-v",
              "--exit-after", "60", (char *)NULL);
        _exit(127);
    }
    g_child = s->child = pid;

    tern_timer_init(&s->guard, on_guard, s);
    tern_timer_init(&s->start, on_start, s);
    tern_timer_start(&s->loop, &s->guard, GUARD_MS);
    /* run until the device is gone (or the guard fires) */
    int status = -1;
    while (!s->timed_out) {
        tern_loop_run_once(&s->loop, 100);
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            g_child = -1;
            break;
        }
    }
    CHECK(!s->timed_out);
    CHECK(s->registered);
    CHECK_STR(s->ep_name, "e2e-dev");
    CHECK_EQ(s->lt, 60);
    CHECK_STR(s->manufacturer, "tern");
    CHECK(strlen(s->serial) > 0);
    CHECK(strlen(s->fw_version) > 0);
    CHECK(s->mem_total > 0);
    CHECK(s->temp_ok);
    CHECK(s->temp > 14.0 && s->temp < 26.0);
    CHECK_STR(s->units, "Cel");
    CHECK_EQ(s->exec_code, TERN_COAP_CHANGED);
    CHECK(s->n_ips >= 1);
    CHECK_EQ(s->reset_code, TERN_COAP_CHANGED);
    CHECK_EQ(s->registers, 2);
    CHECK(s->deregistered);
    CHECK(g_child < 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (t_cur_failed || getenv("TERN_E2E_LOG"))
        dump_log();
    if (!t_cur_failed)
        printf("e2e: registered as %s, /3/0 manufacturer %s fw %s serial %.8s..., temperature %.2f %s, %d IP address(es)\n",
               s->ep_name, s->manufacturer, s->fw_version, s->serial, s->temp, s->units, s->n_ips);
    kill_child();
    tern_coap_udp_stop(&s->run);
    tern_timer_stop(&s->guard);
    tern_timer_stop(&s->start);
    tern_coap_ep_deinit(&s->ep);
    tern_udp_close(&s->sock);
    tern_loop_close(&s->loop);
    free(s->mem);
    free(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
}

static const char *g_exe;
static void run(void)
{
    test_register_read_deregister(g_exe);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s /path/to/tern-client\n", argv[0]);
        return 2;
    }
    g_exe = argv[1];
    atexit(kill_child);
    signal(SIGPIPE, SIG_IGN);
    TRUN(run);
    return tdone();
}
