/* tern-client: a demo LwM2M device on Linux. It registers with a LwM2M
 * Server (or bootstraps first) over CoAP/UDP and serves the standard objects
 * filled with the host's real facts: Device (3), Connectivity Monitoring (4),
 * Firmware Update (5, push and pull into a file), Location (6, fixed
 * coordinates) and an IPSO Temperature sensor (3303) whose value drifts over
 * time. Runs until SIGINT/SIGTERM (or --exit-after), then de-registers.
 * `tern-client --help` lists the options. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <math.h>
#include <net/if.h>
#include <netdb.h>
#include <signal.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tern/client.h"
#include "tern/objects.h"
#include "tern/posix.h"

#ifndef TERN_VERSION_STR
#define TERN_VERSION_STR "0.0.0"
#endif

extern const tern_obj_def tern_obj_3303_v1_1;

#define MAX_IPS 8
#define SHUTDOWN_GRACE_MS 5000

typedef struct opts {
    char endpoint[128];
    char server[TERN_CLIENT_URI_MAX];
    char bootstrap[TERN_CLIENT_URI_MAX];
    long lifetime;
    long ssid;
    char binding[TERN_CLIENT_BINDING_MAX];
    bool queue;
    char psk_identity[TERN_CLIENT_ID_MAX];
    char psk_key_hex[2 * TERN_CLIENT_KEY_MAX + 1];
    char state_dir[240];
    char bind[64];
    long port;
    int verbose;
    double latitude, longitude, altitude;
    long exit_after;
} opts;

typedef struct app {
    opts o;
    tern_loop loop;
    tern_udp sock;
    tern_posix_dtls *dtls; /* reads the socket; DTLS for coaps:// peers, plain UDP for the rest */
    tern_io sig_io;
    int sigfd;
    tern_timer step_timer, sample_timer, work_timer, exit_timer, grace_timer;
    tern_rng rng;
    tern_log log;
    tern_time_ms t0;
    int64_t wall0;

    /* client */
    tern_client c;
    tern_client_cfg ccfg;
    bool client_up;
    tern_dm dm;
    uint8_t dm_work[4096];
    uint8_t cl_work[2048];
    void *coap_mem;
    size_t coap_mem_len;
    tern_client_sec sec[3], sec_factory[3];
    tern_client_server srv[2], srv_factory[2];
    /* Information Reporting (observe.h), one per server slot, and the
     * Write-Attributes storage of the data model */
    tern_client_obs obs[2];
    tern_obs_rec obs_recs[2][16];
    tern_obs_target obs_targets[2][32];
    tern_obs_qent obs_q[2][16];
    uint8_t obs_qmem[2][16 * 256];
    uint8_t obs_work[2][2048];
    tern_dm_attr_slot attr_slots[64];
    tern_posix_storage storage;
    bool have_storage;
    bool stopping;

    /* objects */
    char model[96], serial[64], hw[72], sw[136];
    tern_device dev;
    tern_connmon cm;
    char ips[MAX_IPS][INET6_ADDRSTRLEN];
    const char *ipp[MAX_IPS];
    int64_t bearers[1];
    tern_location loc;
    tern_fw fw;
    tern_fw_coap_dl dl;
    char fw_path[300], fw_part[310];
    FILE *fw_file;
    uint32_t fw_size;
    tern_dm_obj temp;
    double t_val, t_min, t_max;

    /* deferred work (never done from inside a request handler) */
    bool do_reboot, do_factory_reset, do_fw_done;
} app;

/* ---- output ---------------------------------------------------------------- */

static void say(app *a, const char *fmt, ...) TERN_PRINTF(2, 3);
static void say(app *a, const char *fmt, ...)
{
    tern_time_ms ms = tern_posix_now_ms() - a->t0;
    printf("[%5" PRId64 ".%03" PRId64 "] ", ms / 1000, ms % 1000);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void log_fn(void *ctx, tern_log_level level, const char *module, const char *msg)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    say(ctx, "%s %s: %s", names[level <= TERN_LOG_DEBUG ? level : TERN_LOG_DEBUG], module, msg);
}

/* ---- options ----------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tern-client [options]\n"
            "\n"
            "A demo LwM2M 1.2 device: registers with a LwM2M Server over CoAP/UDP (or\n"
            "bootstraps first) and serves Device (3), Connectivity Monitoring (4),\n"
            "Firmware Update (5), Location (6) and an IPSO Temperature sensor (3303)\n"
            "with this host's facts. Stops on SIGINT/SIGTERM and de-registers.\n"
            "\n"
            "Options (each also a 'key = value' line of --config, without the dashes;\n"
            "flags given on the command line override the file):\n"
            "  --config FILE        read options from FILE ('#' starts a comment)\n"
            "  --endpoint NAME      Endpoint Client Name (default: tern-<hostname>)\n"
            "  --server URI         LwM2M Server coap://host[:port] (NoSec) or coaps://host[:port]\n"
            "                       (DTLS-PSK, port 5684 by default) as the factory account;\n"
            "                       registers there directly\n"
            "  --ssid N             Short Server ID of that account (default 1)\n"
            "  --bootstrap URI      Bootstrap-Server coap:// or coaps://; with no --server the\n"
            "                       client bootstraps first; with both, it bootstraps when\n"
            "                       registration fails\n"
            "  --lifetime S         registration lifetime in seconds (default 300)\n"
            "  --binding B          binding mode of the factory account (default U)\n"
            "  --queue              queue mode (sleep between exchanges)\n"
            "  --psk-identity ID    PSK identity for a coaps:// --server or --bootstrap\n"
            "  --psk-key-hex HEX    PSK secret in hex (up to 64 bytes). Servers bootstrapped\n"
            "                       later use their Security instance (mode PSK: /0/x/3, /0/x/5)\n"
            "  --state-dir DIR      keep the bootstrapped/registered state (0600 files) and\n"
            "                       the firmware image here; a restart restores the state\n"
            "  --bind ADDR          local address (default :: dual-stack, else 0.0.0.0)\n"
            "  --port N             local UDP port (default 0: any)\n"
            "  --latitude DEG, --longitude DEG, --altitude M\n"
            "                       fixed position reported by Location (default 0 0 0)\n"
            "  --exit-after S       de-register and exit after S seconds (tests)\n"
            "  -v                   more log lines (-vv: CoAP-level debug)\n"
            "  -h, --help           this text\n"
            "\n"
            "Examples:\n"
            "  tern-client --server coap://127.0.0.1:5683\n"
            "  tern-client --bootstrap coap://bs.example.net:5683 --state-dir /var/lib/tern\n"
            "  tern-client --config /etc/tern-client.conf -v\n"
            "\n"
            "A config file:\n"
            "  endpoint  = kitchen-sensor\n"
            "  server    = coap://192.0.2.10:5683\n"
            "  lifetime  = 120\n"
            "  queue     = yes\n"
            "  state-dir = /var/lib/tern\n"
            "  latitude  = 52.52\n"
            "  longitude = 13.405\n");
}

static bool parse_long(const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static bool parse_double(const char *v, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(x))
        return false;
    *out = x;
    return true;
}

static bool copy_str(char *dst, size_t cap, const char *v)
{
    size_t n = strlen(v);
    if (n >= cap)
        return false;
    memcpy(dst, v, n + 1);
    return true;
}

/* Sets one option; `from` names where it came from for error messages.
 * Returns false (after printing why) when the value is bad. */
static bool set_opt(opts *o, const char *key, const char *val, const char *from)
{
    bool ok = true;
    if (!strcmp(key, "queue")) {
        if (!val || !strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "1"))
            o->queue = true;
        else if (!strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "0"))
            o->queue = false;
        else
            ok = false;
    } else if (!strcmp(key, "v") || !strcmp(key, "verbose")) {
        long n = 1;
        if (val && !parse_long(val, 0, 3, &n))
            ok = false;
        else
            o->verbose = val ? (int)n : o->verbose + 1;
    } else if (!val) {
        fprintf(stderr, "tern-client: %s: option '%s' needs a value\n", from, key);
        return false;
    } else if (!strcmp(key, "endpoint")) {
        ok = *val && copy_str(o->endpoint, sizeof o->endpoint, val);
    } else if (!strcmp(key, "server")) {
        ok = copy_str(o->server, sizeof o->server, val);
    } else if (!strcmp(key, "bootstrap")) {
        ok = copy_str(o->bootstrap, sizeof o->bootstrap, val);
    } else if (!strcmp(key, "lifetime")) {
        ok = parse_long(val, 1, 0x7fffffffL, &o->lifetime);
    } else if (!strcmp(key, "ssid")) {
        ok = parse_long(val, 1, 65534, &o->ssid);
    } else if (!strcmp(key, "binding")) {
        ok = *val && copy_str(o->binding, sizeof o->binding, val);
    } else if (!strcmp(key, "psk-identity")) {
        ok = copy_str(o->psk_identity, sizeof o->psk_identity, val);
    } else if (!strcmp(key, "psk-key-hex")) {
        size_t n = strlen(val);
        ok = n % 2 == 0 && copy_str(o->psk_key_hex, sizeof o->psk_key_hex, val);
        for (size_t i = 0; ok && i < n; i++)
            ok = isxdigit((unsigned char)val[i]) != 0;
    } else if (!strcmp(key, "state-dir")) {
        ok = *val && copy_str(o->state_dir, sizeof o->state_dir, val);
    } else if (!strcmp(key, "bind")) {
        ok = copy_str(o->bind, sizeof o->bind, val);
    } else if (!strcmp(key, "port")) {
        ok = parse_long(val, 0, 65535, &o->port);
    } else if (!strcmp(key, "latitude")) {
        ok = parse_double(val, &o->latitude) && fabs(o->latitude) <= 90.0;
    } else if (!strcmp(key, "longitude")) {
        ok = parse_double(val, &o->longitude) && fabs(o->longitude) <= 180.0;
    } else if (!strcmp(key, "altitude")) {
        ok = parse_double(val, &o->altitude);
    } else if (!strcmp(key, "exit-after")) {
        ok = parse_long(val, 0, 0x7fffffffL, &o->exit_after);
    } else {
        fprintf(stderr, "tern-client: %s: unknown option '%s' (see --help)\n", from, key);
        return false;
    }
    if (!ok)
        fprintf(stderr, "tern-client: %s: bad value '%s' for '%s'\n", from, val ? val : "", key);
    return ok;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

static bool load_config(opts *o, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "tern-client: cannot open config %s: %s\n", path, strerror(errno));
        return false;
    }
    char line[512], where[300];
    unsigned lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        char *s = trim(line);
        if (!*s)
            continue;
        snprintf(where, sizeof where, "%s:%u", path, lineno);
        char *eq = strchr(s, '=');
        if (eq)
            *eq = 0;
        ok = set_opt(o, trim(s), eq ? trim(eq + 1) : NULL, where);
    }
    fclose(f);
    return ok;
}

/* Two passes: --config and --help first, then the file, then the flags. */
static int parse_args(opts *o, int argc, char **argv)
{
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 1;
        }
        if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "tern-client: --config needs a file\n");
                return -1;
            }
            config = argv[++i];
        }
    }
    if (config && !load_config(o, config))
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--config")) {
            i++;
            continue;
        }
        if (arg[0] == '-' && arg[1] == 'v' && strspn(arg + 1, "v") == strlen(arg + 1)) {
            o->verbose += (int)strlen(arg + 1);
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "tern-client: unexpected argument '%s' (see --help)\n", arg);
            return -1;
        }
        char key[64];
        const char *val = NULL;
        const char *eq = strchr(arg + 2, '=');
        size_t kl = eq ? (size_t)(eq - (arg + 2)) : strlen(arg + 2);
        if (kl >= sizeof key) {
            fprintf(stderr, "tern-client: unknown option '%s'\n", arg);
            return -1;
        }
        memcpy(key, arg + 2, kl);
        key[kl] = 0;
        if (eq)
            val = eq + 1;
        else if (strcmp(key, "queue") != 0 && strcmp(key, "verbose") != 0 && i + 1 < argc)
            val = argv[++i];
        if (!set_opt(o, key, val, "command line"))
            return -1;
    }
    return 0;
}

/* ---- URIs and the network -------------------------------------------------- */

/* "coap[s]://host[:port][/...]" → host, port, secure. Returns 0,
 * TERN_EUNSUPPORTED for the TCP schemes, TERN_EINVAL otherwise. */
static int split_uri(const char *uri, char *host, size_t cap, uint16_t *port, bool *secure)
{
    const char *p;
    *secure = false;
    if (!strncmp(uri, "coap://", 7))
        p = uri + 7;
    else if (!strncmp(uri, "coaps://", 8))
        p = uri + 8, *secure = true;
    else if (!strncmp(uri, "coaps+tcp://", 12) || !strncmp(uri, "coap+tcp://", 11))
        return TERN_EUNSUPPORTED;
    else
        return TERN_EINVAL;
    const char *hs = p, *he;
    if (*p == '[') {
        hs = p + 1;
        he = strchr(hs, ']');
        if (!he)
            return TERN_EINVAL;
        p = he + 1;
    } else {
        he = p + strcspn(p, ":/?");
        p = he;
    }
    size_t hl = (size_t)(he - hs);
    if (hl == 0 || hl >= cap)
        return TERN_EINVAL;
    memcpy(host, hs, hl);
    host[hl] = 0;
    *port = *secure ? 5684 : 5683;
    if (*p == ':') {
        char *end;
        unsigned long x = strtoul(p + 1, &end, 10);
        if (end == p + 1 || x == 0 || x > 65535 || (*end && *end != '/' && *end != '?'))
            return TERN_EINVAL;
        *port = (uint16_t)x;
    } else if (*p && *p != '/' && *p != '?') {
        return TERN_EINVAL;
    }
    return 0;
}

static int cl_connect(void *ctx, const tern_client_sec *sec, tern_coap_peer *out)
{
    app *a = ctx;
    char host[TERN_CLIENT_URI_MAX];
    uint16_t port;
    bool secure;
    int rc = split_uri(sec->uri, host, sizeof host, &port, &secure);
    if (rc == TERN_EUNSUPPORTED) {
        say(a, "cannot reach %s: CoAP over TCP/TLS is not supported by tern-client", sec->uri);
        return rc;
    }
    if (rc) {
        say(a, "cannot reach '%s': not a coap[s]://host[:port] URI", sec->uri);
        return rc;
    }
    tern_udp_addr addr;
    rc = tern_udp_addr_parse(&addr, host, port);
    if (rc) {
        say(a, "cannot resolve %s: %s", host, tern_strerror(rc));
        return rc;
    }
    rc = tern_posix_peer_from_addr(out, &addr);
    if (rc)
        return rc;
    if (!secure) {
        (void)tern_posix_dtls_close(a->dtls, out); /* the account went NoSec: no session */
        return TERN_OK;
    }
    /* Transport §5.2: a new DTLS session toward the server for every
     * Register / Bootstrap-Request attempt. */
    if (sec->mode != TERN_SEC_PSK) {
        say(a, "cannot reach %s: Security Mode %u is not supported by tern-client (PSK only)", sec->uri,
            (unsigned)sec->mode);
        return TERN_EUNSUPPORTED;
    }
    if (!sec->pk_id_len || !sec->secret_len) {
        say(a, "cannot reach %s: PSK identity or key missing (/0/%u/3, /0/%u/5)", sec->uri, (unsigned)sec->iid,
            (unsigned)sec->iid);
        return TERN_EINVAL;
    }
    tern_tls_config t;
    memset(&t, 0, sizeof t);
    t.role = TERN_TLS_CLIENT;
    t.transport = TERN_TLS_DATAGRAM;
    t.mode = TERN_SEC_PSK;
    t.psk_identity = (tern_bytes){sec->pk_id, sec->pk_id_len};
    t.psk_key = (tern_bytes){sec->secret, sec->secret_len};
    t.server_name = host;
    t.log = a->log;
    char err[160] = "";
    rc = tern_posix_dtls_connect(a->dtls, out, &t, err, sizeof err);
    if (rc) {
        say(a, "cannot set up DTLS toward %s: %s", sec->uri, err[0] ? err : tern_strerror(rc));
        return rc;
    }
    say(a, "DTLS-PSK toward %s as identity '%.*s'", sec->uri, (int)sec->pk_id_len, (const char *)sec->pk_id);
    return TERN_OK;
}

static void on_dtls_event(void *ctx, const tern_coap_peer *peer, tern_posix_dtls_event ev, tern_tls_session *s)
{
    app *a = ctx;
    tern_udp_addr addr;
    char who[48] = "?";
    if (tern_posix_addr_from_peer(&addr, peer) == 0)
        (void)tern_udp_addr_format(&addr, who, sizeof who);
    if (ev == TERN_POSIX_DTLS_ESTABLISHED) {
        say(a, "DTLS session with %s established (%s)", who, tern_tls_session_suite(s));
    } else if (ev == TERN_POSIX_DTLS_FAILED) {
        bool sent = false;
        int al = tern_tls_session_alert(s, &sent);
        say(a, "DTLS handshake with %s failed: %s (alert %s %s)", who, tern_tls_session_error(s),
            al >= 0 ? tern_tls_alert_name(al) : "none", sent ? "sent" : "received");
    } else {
        say(a, "DTLS session with %s closed", who);
    }
}

static void resched(app *a);

/* A datagram for the client: decrypted (DTLS peers) or as received. */
static void on_datagram(void *ctx, const tern_coap_peer *peer, const uint8_t *data, size_t len)
{
    app *a = ctx;
    if (a->client_up)
        tern_client_feed(&a->c, peer, data, len, tern_posix_now_ms());
    resched(a);
}

static void resched(app *a)
{
    if (!a->client_up)
        return;
    tern_time_ms next = tern_client_step(&a->c, tern_posix_now_ms());
    tern_timer_start_at(&a->loop, &a->step_timer, next);
    if (a->stopping && tern_client_idle(&a->c)) {
        say(a, "stopped");
        tern_loop_stop(&a->loop);
    }
}

static void on_step(tern_loop *loop, tern_timer *t)
{
    (void)loop;
    resched(t->data);
}

/* ---- client events and request log ------------------------------------------ */

static const char *sec_uri_of(app *a, uint16_t ssid)
{
    for (size_t i = 0; i < 3; i++)
        if (a->sec[i].used && !a->sec[i].bootstrap && a->sec[i].ssid == ssid)
            return a->sec[i].uri;
    return "?";
}

static void on_event(void *ctx, tern_client_event ev, uint16_t ssid)
{
    app *a = ctx;
    const tern_client_server *s = tern_client_server_of(&a->c, ssid);
    switch (ev) {
    case TERN_CLIENT_REGISTERED:
        say(a, "registered: endpoint %s, server %s (ssid %u), lifetime %" PRId64 " s", a->o.endpoint,
            sec_uri_of(a, ssid), ssid, s ? s->lifetime_s : 0);
        break;
    case TERN_CLIENT_UPDATED: say(a, "registration updated (ssid %u)", ssid); break;
    case TERN_CLIENT_REG_FAILED: say(a, "registration failed (ssid %u)", ssid); break;
    case TERN_CLIENT_DEREGISTERED: say(a, "de-registered (ssid %u)", ssid); break;
    case TERN_CLIENT_BS_STARTED: say(a, "bootstrap: request sent"); break;
    case TERN_CLIENT_BS_DONE: say(a, "bootstrap: finished"); break;
    case TERN_CLIENT_BS_FAILED: say(a, "bootstrap: attempt failed, will retry"); break;
    case TERN_CLIENT_SLEEP: say(a, "queue mode: sleeping (ssid %u)", ssid); break;
    case TERN_CLIENT_WAKE: say(a, "queue mode: awake (ssid %u)", ssid); break;
    }
}

static const char *op_name(int kind)
{
    switch (kind) {
    case TERN_OPK_READ: return "Read";
    case TERN_OPK_DISCOVER: return "Discover";
    case TERN_OPK_WRITE_REPLACE: return "Write (replace)";
    case TERN_OPK_WRITE_UPDATE: return "Write (update)";
    case TERN_OPK_WRITE_ATTRS: return "Write-Attributes";
    case TERN_OPK_EXECUTE: return "Execute";
    case TERN_OPK_CREATE: return "Create";
    case TERN_OPK_DELETE: return "Delete";
    case TERN_OPK_READ_COMPOSITE: return "Read-Composite";
    case TERN_OPK_WRITE_COMPOSITE: return "Write-Composite";
    case TERN_OPK_OBSERVE: return "Observe";
    case TERN_OPK_CANCEL_OBSERVE: return "Cancel Observation";
    case TERN_OPK_OBSERVE_COMPOSITE: return "Observe-Composite";
    case TERN_OPK_CANCEL_OBSERVE_COMPOSITE: return "Cancel Observe-Composite";
    default: return "operation";
    }
}

/* The dm's access hook sees every DM & SE request first: log it, allow it
 * (one server: no Access Control object). */
static int on_request(void *ctx, uint16_t ssid, int op_kind, const tern_path *p)
{
    app *a = ctx;
    char path[48];
    int n = tern_path_format(p, path, sizeof path);
    say(a, "request: %s %s from ssid %u", op_name(op_kind), n >= 0 ? path : "?", ssid);
    return TERN_OK;
}

/* ---- Device (3) ------------------------------------------------------------ */

static int64_t dev_clock(void *ctx)
{
    app *a = ctx;
    /* wall clock at start + monotonic uptime: immune to clock jumps */
    return (a->wall0 + (tern_posix_now_ms() - a->t0)) / 1000;
}

static int dev_mem(void *ctx, tern_device_mem *out)
{
    (void)ctx;
    struct sysinfo si;
    if (sysinfo(&si) != 0)
        return TERN_EIO;
    out->has_free = out->has_total = true;
    out->free_kb = (int64_t)((uint64_t)si.freeram * si.mem_unit / 1024u);
    out->total_kb = (int64_t)((uint64_t)si.totalram * si.mem_unit / 1024u);
    return 0;
}

static void arm_work(app *a)
{
    tern_timer_start(&a->loop, &a->work_timer, 0);
}

static int dev_reboot(void *ctx)
{
    app *a = ctx;
    say(a, "Device: Reboot requested — restarting the client from its stored state");
    a->do_reboot = true;
    arm_work(a);
    return 0;
}

static int dev_factory_reset(void *ctx)
{
    app *a = ctx;
    say(a, "Device: Factory Reset requested — wiping %s and starting over",
        a->have_storage ? a->o.state_dir : "(no state dir)");
    a->do_factory_reset = true;
    arm_work(a);
    return 0;
}

static void read_serial(app *a)
{
    FILE *f = fopen("/etc/machine-id", "r");
    a->serial[0] = 0;
    if (f) {
        if (fgets(a->serial, sizeof a->serial, f))
            trim(a->serial);
        fclose(f);
    }
    if (!a->serial[0])
        snprintf(a->serial, sizeof a->serial, "unknown");
}

/* ---- Connectivity Monitoring (4) -------------------------------------------- */

static int cm_info(void *ctx, tern_connmon_info *out)
{
    app *a = ctx;
    struct ifaddrs *ifs = NULL, *i;
    uint8_t n = 0, nlo = 0;
    bool wlan = false;
    char lo[2][INET6_ADDRSTRLEN];
    if (getifaddrs(&ifs) == 0) {
        for (i = ifs; i; i = i->ifa_next) {
            if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
                continue;
            if (!(i->ifa_flags & IFF_UP))
                continue;
            socklen_t sl = i->ifa_addr->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
            char buf[INET6_ADDRSTRLEN];
            if (getnameinfo(i->ifa_addr, sl, buf, sizeof buf, NULL, 0, NI_NUMERICHOST) != 0)
                continue;
            char *pct = strchr(buf, '%'); /* scope of link-local addresses */
            if (pct)
                *pct = 0;
            if (i->ifa_flags & IFF_LOOPBACK) {
                if (nlo < 2)
                    snprintf(lo[nlo++], sizeof lo[0], "%s", buf);
                continue;
            }
            if (!strncmp(i->ifa_name, "wl", 2))
                wlan = true;
            if (n < MAX_IPS)
                snprintf(a->ips[n++], sizeof a->ips[0], "%s", buf);
        }
        freeifaddrs(ifs);
    }
    for (uint8_t k = 0; n == 0 && k < nlo; k++) /* only loopback: report it */
        memcpy(a->ips[k], lo[k], sizeof a->ips[k]);
    if (n == 0)
        n = nlo;
    for (uint8_t k = 0; k < n; k++)
        a->ipp[k] = a->ips[k];
    memset(out, 0, sizeof *out);
    a->bearers[0] = wlan ? 21 : 41; /* 21 WLAN, 41 Ethernet */
    out->bearer = a->bearers[0];
    out->avail_bearers = a->bearers;
    out->n_avail_bearers = 1;
    out->rssi_dbm = 0; /* wired: no radio */
    out->ip_addrs = a->ipp;
    out->n_ip_addrs = n;
    return 0;
}

/* ---- Location (6) ------------------------------------------------------------ */

static int loc_info(void *ctx, tern_location_info *out)
{
    app *a = ctx;
    memset(out, 0, sizeof *out);
    out->latitude = a->o.latitude;
    out->longitude = a->o.longitude;
    out->has_altitude = true;
    out->altitude = a->o.altitude;
    out->timestamp = a->wall0 / 1000; /* a fixed position, fixed since start */
    return 0;
}

/* ---- Firmware Update (5): image into <state-dir>/firmware.bin ----------------- */

static int fw_open(void *ctx, uint32_t total)
{
    app *a = ctx;
    if (a->fw_file)
        fclose(a->fw_file);
    a->fw_file = fopen(a->fw_part, "wb");
    if (!a->fw_file) {
        say(a, "Firmware: cannot write %s: %s", a->fw_part, strerror(errno));
        return TERN_FW_RESULT_NO_FLASH;
    }
    a->fw_size = 0;
    say(a, "Firmware: receiving an image (%" PRIu32 " bytes announced) into %s", total, a->fw_part);
    return 0;
}

static int fw_write(void *ctx, uint32_t offset, const uint8_t *data, size_t len)
{
    app *a = ctx;
    if (!a->fw_file || fseek(a->fw_file, (long)offset, SEEK_SET) != 0 || fwrite(data, 1, len, a->fw_file) != len)
        return TERN_FW_RESULT_NO_FLASH;
    if (offset + len > a->fw_size)
        a->fw_size = (uint32_t)(offset + len);
    return 0;
}

static int fw_close(void *ctx)
{
    app *a = ctx;
    if (!a->fw_file)
        return TERN_FW_RESULT_FAILED;
    int rc = fclose(a->fw_file);
    a->fw_file = NULL;
    if (rc != 0 || rename(a->fw_part, a->fw_path) != 0)
        return TERN_FW_RESULT_NO_FLASH;
    say(a, "Firmware: image of %" PRIu32 " bytes stored as %s", a->fw_size, a->fw_path);
    return 0;
}

static void fw_discard(void *ctx)
{
    app *a = ctx;
    if (a->fw_file) {
        fclose(a->fw_file);
        a->fw_file = NULL;
    }
    unlink(a->fw_part);
    unlink(a->fw_path);
    say(a, "Firmware: image discarded");
}

static int fw_update(void *ctx)
{
    app *a = ctx;
    say(a, "Firmware: Update requested — installing %s (%" PRIu32 " bytes) is simulated: it succeeds", a->fw_path,
        a->fw_size);
    a->do_fw_done = true;
    arm_work(a);
    return 0;
}

static int64_t fw_clock(void *ctx)
{
    return dev_clock(ctx);
}

static int fw_resolve(void *ctx, const tern_fw_coap_host *host, tern_coap_peer *out)
{
    app *a = ctx;
    tern_udp_addr addr;
    int rc = tern_udp_addr_parse(&addr, host->name, host->port);
    if (rc) {
        say(a, "Firmware: cannot resolve %s", host->name);
        return rc;
    }
    say(a, "Firmware: downloading from %s port %u", host->name, host->port);
    return tern_posix_peer_from_addr(out, &addr);
}

static void fw_kick(void *ctx)
{
    app *a = ctx;
    tern_timer_start(&a->loop, &a->step_timer, 0);
}

/* ---- Temperature (3303, IPSO) ----------------------------------------------- */

enum {
    R_MIN_MEASURED = 5601,
    R_MAX_MEASURED = 5602,
    R_MIN_RANGE = 5603,
    R_MAX_RANGE = 5604,
    R_RESET_MINMAX = 5605,
    R_VALUE = 5700,
    R_UNITS = 5701,
};

static void temp_sample(app *a)
{
    double t = (double)(tern_posix_now_ms() - a->t0) / 1000.0;
    uint32_t r = tern_rng_below(&a->rng, 1001);
    double noise = ((double)r - 500.0) / 2500.0; /* ±0.2 °C */
    a->t_val = round((20.0 + 5.0 * sin(t / 60.0) + noise) * 100.0) / 100.0;
    if (a->t_val < a->t_min)
        a->t_min = a->t_val;
    if (a->t_val > a->t_max)
        a->t_max = a->t_val;
}

static void on_sample(tern_loop *loop, tern_timer *t)
{
    app *a = t->data;
    temp_sample(a);
    /* the Sensor Value changed, and Min/Max may have: observers of the
     * resource or the instance are evaluated at the next step */
    if (a->client_up) {
        tern_path p = tern_path_make(2, 3303, 0, 0, 0);
        tern_client_changed(&a->c, &p, tern_posix_now_ms());
        resched(a);
    }
    tern_timer_start(loop, t, 1000);
}

static int temp_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0)
        return TERN_DONE;
    *iid = 0;
    return TERN_OK;
}

static bool temp_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    (void)o, (void)iid;
    switch (rid) {
    case R_MIN_MEASURED:
    case R_MAX_MEASURED:
    case R_MIN_RANGE:
    case R_MAX_RANGE:
    case R_RESET_MINMAX:
    case R_VALUE:
    case R_UNITS: return true;
    default: return false;
    }
}

static int temp_read(tern_dm_obj *o, const tern_path *p, uint32_t offset, tern_dm_read_out *out)
{
    (void)offset;
    app *a = o->user;
    if (p->ids[1] != 0 || p->len != 3 || !temp_present(o, 0, p->ids[2]))
        return TERN_ENOTFOUND;
    out->value.type = TERN_TYPE_FLOAT;
    switch (p->ids[2]) {
    case R_VALUE: out->value.v.f = a->t_val; break;
    case R_MIN_MEASURED: out->value.v.f = a->t_min; break;
    case R_MAX_MEASURED: out->value.v.f = a->t_max; break;
    case R_MIN_RANGE: out->value.v.f = 14.0; break;
    case R_MAX_RANGE: out->value.v.f = 26.0; break;
    case R_UNITS:
        out->value.type = TERN_TYPE_STRING;
        out->value.v.bytes = (tern_bytes){(const uint8_t *)"Cel", 3};
        break;
    default: return TERN_EUNSUPPORTED; /* 5605 is Execute-only */
    }
    return TERN_OK;
}

static int temp_execute(tern_dm_obj *o, uint16_t iid, uint16_t rid, const uint8_t *args, size_t args_len)
{
    (void)args, (void)args_len;
    app *a = o->user;
    if (iid != 0)
        return TERN_ENOTFOUND;
    if (rid != R_RESET_MINMAX)
        return TERN_EUNSUPPORTED;
    a->t_min = a->t_max = a->t_val;
    say(a, "Temperature: Min/Max Measured Values reset to %.2f Cel", a->t_val);
    return TERN_OK;
}

static const tern_dm_handlers temp_handlers = {
    .inst_next = temp_inst_next,
    .res_present = temp_present,
    .read = temp_read,
    .execute = temp_execute,
};

/* ---- the client's life cycle -------------------------------------------------- */

static int client_start(app *a)
{
    memcpy(a->sec, a->sec_factory, sizeof a->sec);
    memcpy(a->srv, a->srv_factory, sizeof a->srv);
    int rc = tern_client_init(&a->c, &a->ccfg);
    if (rc) {
        say(a, "client init failed: %s", tern_strerror(rc));
        return rc;
    }
    a->client_up = true;
    tern_timer_start(&a->loop, &a->step_timer, 0);
    return 0;
}

static void wipe_state_dir(app *a)
{
    if (!a->have_storage)
        return;
    DIR *d = opendir(a->o.state_dir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        snprintf(path, sizeof path, "%s/%s", a->o.state_dir, e->d_name);
        if (unlink(path) == 0)
            say(a, "factory reset: removed %s", path);
    }
    closedir(d);
}

static void on_work(tern_loop *loop, tern_timer *t)
{
    (void)loop;
    app *a = t->data;
    if (a->do_fw_done) {
        a->do_fw_done = false;
        tern_fw_update_done(&a->fw, TERN_FW_RESULT_SUCCESS);
        say(a, "Firmware: update done (Update Result 1)");
    }
    if ((a->do_reboot || a->do_factory_reset) && !a->stopping) {
        bool wipe = a->do_factory_reset;
        a->do_reboot = a->do_factory_reset = false;
        tern_client_deinit(&a->c);
        a->client_up = false;
        if (wipe) {
            wipe_state_dir(a);
            tern_fw_restore(&a->fw, TERN_FW_IDLE, TERN_FW_RESULT_INITIAL);
            a->t_min = a->t_max = a->t_val;
        }
        if (client_start(a) != 0)
            tern_loop_stop(&a->loop);
        else
            say(a, "%s: client restarted", wipe ? "factory reset" : "reboot");
    }
    resched(a);
}

static void begin_shutdown(app *a, const char *why)
{
    if (a->stopping)
        return;
    a->stopping = true;
    say(a, "%s: de-registering", why);
    bool waiting = false;
    if (a->client_up) {
        for (size_t i = 0; i < 2; i++) {
            tern_client_reg_state st = tern_client_reg_state_of(&a->c, a->srv[i].ssid);
            if (a->srv[i].used && (st == TERN_REG_REGISTERED || st == TERN_REG_UPDATING))
                waiting = true;
        }
        tern_client_deregister(&a->c, 0);
    }
    tern_timer_start(&a->loop, &a->grace_timer, SHUTDOWN_GRACE_MS);
    resched(a);
    if (!waiting) { /* not registered anywhere: nothing to wait for */
        say(a, "not registered: exiting");
        tern_loop_stop(&a->loop);
    }
}

static void on_grace(tern_loop *loop, tern_timer *t)
{
    app *a = t->data;
    say(a, "de-registration not answered within %d ms: exiting anyway", SHUTDOWN_GRACE_MS);
    tern_loop_stop(loop);
}

static void on_exit_after(tern_loop *loop, tern_timer *t)
{
    (void)loop;
    begin_shutdown(t->data, "--exit-after elapsed");
}

static void on_signal(tern_loop *loop, tern_io *io, unsigned events)
{
    (void)loop, (void)events;
    app *a = io->data;
    struct signalfd_siginfo si;
    while (read(a->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
        begin_shutdown(a, si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
}

/* ---- setup ------------------------------------------------------------------ */

static int hex_to_bytes(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    if (n > cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return (int)n;
}

/* Factory bootstrap configuration (Core §6.1.1) from the options. */
static int make_factory(app *a)
{
    opts *o = &a->o;
    char host[TERN_CLIENT_URI_MAX];
    uint16_t port;
    const char *uris[2] = {o->server, o->bootstrap};
    bool secure[2] = {false, false};
    for (int k = 0; k < 2; k++) {
        if (!uris[k][0])
            continue;
        int rc = split_uri(uris[k], host, sizeof host, &port, &secure[k]);
        if (rc == TERN_EUNSUPPORTED) {
            fprintf(stderr, "tern-client: %s: CoAP over TCP/TLS is not supported by tern-client; use coap:// (NoSec)\n"
                            "  or coaps:// (DTLS-PSK)\n",
                    uris[k]);
            return -1;
        }
        if (rc) {
            fprintf(stderr, "tern-client: '%s' is not a coap[s]://host[:port] URI\n", uris[k]);
            return -1;
        }
        if (secure[k] && (!o->psk_identity[0] || !o->psk_key_hex[0])) {
            fprintf(stderr, "tern-client: %s needs --psk-identity ID and --psk-key-hex HEX (DTLS-PSK)\n", uris[k]);
            return -1;
        }
    }
    if (!o->server[0] && !o->bootstrap[0]) {
        fprintf(stderr, "tern-client: give --server URI or --bootstrap URI (see --help)\n");
        return -1;
    }
    if ((o->psk_identity[0] || o->psk_key_hex[0]) && !secure[0] && !secure[1])
        fprintf(stderr, "tern-client: note: PSK identity/key unused: no coaps:// URI given\n");
    if (o->psk_key_hex[0] && hex_to_bytes(o->psk_key_hex, (uint8_t[TERN_CLIENT_KEY_MAX]){0}, TERN_CLIENT_KEY_MAX) <= 0) {
        fprintf(stderr, "tern-client: --psk-key-hex is not a hex key of at most %d bytes\n", TERN_CLIENT_KEY_MAX);
        return -1;
    }
    size_t si = 0;
    if (o->server[0]) {
        tern_client_sec *s = &a->sec_factory[si];
        s->used = true;
        s->iid = (uint16_t)si;
        snprintf(s->uri, sizeof s->uri, "%s", o->server);
        s->mode = secure[0] ? TERN_SEC_PSK : TERN_SEC_NOSEC;
        s->ssid = (uint16_t)o->ssid;
        s->holdoff_s = s->bs_timeout_s = -1;
        size_t il = strlen(o->psk_identity);
        memcpy(s->pk_id, o->psk_identity, il);
        s->pk_id_len = (uint16_t)il;
        int kl = hex_to_bytes(o->psk_key_hex, s->secret, sizeof s->secret);
        s->secret_len = kl > 0 ? (uint16_t)kl : 0;
        si++;
        tern_client_server *v = &a->srv_factory[0];
        v->used = true;
        v->iid = 0;
        v->ssid = (uint16_t)o->ssid;
        v->lifetime_s = o->lifetime;
        v->dmin_s = v->dmax_s = v->disable_timeout_s = -1;
        v->retry_count = v->retry_timer_s = v->seq_delay_s = v->seq_retry_count = -1;
        v->bs_on_fail = o->bootstrap[0] != 0;
        snprintf(v->binding, sizeof v->binding, "%s", o->binding);
    }
    if (o->bootstrap[0]) {
        tern_client_sec *s = &a->sec_factory[si];
        s->used = true;
        s->iid = (uint16_t)si;
        snprintf(s->uri, sizeof s->uri, "%s", o->bootstrap);
        s->bootstrap = true;
        s->mode = secure[1] ? TERN_SEC_PSK : TERN_SEC_NOSEC;
        s->holdoff_s = s->bs_timeout_s = -1;
        if (secure[1]) {
            size_t il = strlen(o->psk_identity);
            memcpy(s->pk_id, o->psk_identity, il);
            s->pk_id_len = (uint16_t)il;
            int kl = hex_to_bytes(o->psk_key_hex, s->secret, sizeof s->secret);
            s->secret_len = kl > 0 ? (uint16_t)kl : 0;
        }
    }
    return 0;
}

static int open_socket(app *a)
{
    tern_udp_addr local;
    uint16_t port = (uint16_t)a->o.port;
    if (a->o.bind[0]) {
        if (tern_udp_addr_parse(&local, a->o.bind, port) != 0) {
            fprintf(stderr, "tern-client: bad --bind address '%s'\n", a->o.bind);
            return -1;
        }
        if (tern_udp_open(&a->sock, &local, 0) != 0) {
            fprintf(stderr, "tern-client: cannot bind %s port %u: %s\n", a->o.bind, port, strerror(errno));
            return -1;
        }
    } else {
        tern_udp_addr_parse(&local, "::", port);
        if (tern_udp_open(&a->sock, &local, TERN_UDP_DUALSTACK) != 0) {
            tern_udp_addr_parse(&local, "0.0.0.0", port);
            if (tern_udp_open(&a->sock, &local, 0) != 0) {
                fprintf(stderr, "tern-client: cannot bind port %u: %s\n", port, strerror(errno));
                return -1;
            }
        }
    }
    tern_udp_addr me;
    char buf[64];
    if (tern_udp_local(&a->sock, &me) == 0 && tern_udp_addr_format(&me, buf, sizeof buf) > 0)
        say(a, "listening on %s", buf);
    return 0;
}

static int setup_objects(app *a)
{
    struct utsname u;
    if (uname(&u) != 0)
        memset(&u, 0, sizeof u);
    snprintf(a->model, sizeof a->model, "tern-client/%s", u.machine);
    snprintf(a->hw, sizeof a->hw, "%s", u.machine);
    snprintf(a->sw, sizeof a->sw, "%s %s", u.sysname, u.release);
    read_serial(a);

    tern_device_cfg dc = {
        .manufacturer = "tern",
        .model = a->model,
        .serial = a->serial,
        .fw_version = TERN_VERSION_STR,
        .device_type = "demo device",
        .hw_version = a->hw,
        .sw_version = a->sw,
        .binding_modes = "UQ",
        .clock = dev_clock,
        .reboot = dev_reboot,
        .factory_reset = dev_factory_reset,
        .mem = dev_mem,
        .ctx = a,
    };
    tern_connmon_cfg cc = {.info = cm_info, .ctx = a};
    tern_location_cfg lc = {.info = loc_info, .ctx = a};
    tern_fw_coap_dl_cfg dlc = {
        .ep = &a->c.ep,
        .resolve = fw_resolve,
        .resolve_ctx = a,
        .kick = fw_kick,
        .kick_ctx = a,
    };
    int rc = tern_fw_coap_dl_init(&a->dl, &dlc);
    tern_fw_cfg fc = {
        .open = fw_open,
        .write = fw_write,
        .close = fw_close,
        .discard = fw_discard,
        .update = fw_update,
        .clock = fw_clock,
        .ctx = a,
        .downloader = tern_fw_coap_dl_downloader(&a->dl),
        .protocols = TERN_FW_PROTO_COAP,
    };
    const char *dir = a->have_storage ? a->o.state_dir : "/tmp";
    snprintf(a->fw_path, sizeof a->fw_path, "%s/%s", dir, a->have_storage ? "firmware.bin" : "tern-client-fw.bin");
    snprintf(a->fw_part, sizeof a->fw_part, "%s.part", a->fw_path);
    if (!rc)
        rc = tern_device_init(&a->dev, &dc);
    if (!rc)
        rc = tern_connmon_init(&a->cm, &cc);
    if (!rc)
        rc = tern_location_init(&a->loc, &lc);
    if (!rc)
        rc = tern_fw_init(&a->fw, &fc);
    a->temp = (tern_dm_obj){.def = &tern_obj_3303_v1_1, .h = &temp_handlers, .user = a};
    temp_sample(a);
    a->t_min = a->t_max = a->t_val;
    if (!rc)
        rc = tern_dm_add(&a->dm, tern_device_obj(&a->dev));
    if (!rc)
        rc = tern_dm_add(&a->dm, tern_connmon_obj(&a->cm));
    if (!rc)
        rc = tern_dm_add(&a->dm, tern_fw_obj(&a->fw));
    if (!rc)
        rc = tern_dm_add(&a->dm, tern_location_obj(&a->loc));
    if (!rc)
        rc = tern_dm_add(&a->dm, &a->temp);
    return rc;
}

int main(int argc, char **argv)
{
    app *a = calloc(1, sizeof *a);
    if (!a)
        return 1;
    a->t0 = tern_posix_now_ms();
    a->wall0 = tern_posix_realtime_ms();
    a->sigfd = -1;
    a->sock.fd = -1;
    opts *o = &a->o;
    o->lifetime = 300;
    o->ssid = 1;
    snprintf(o->binding, sizeof o->binding, "U");
    o->exit_after = -1;
    int pr = parse_args(o, argc, argv);
    if (pr != 0) {
        free(a);
        return pr > 0 ? 0 : 2;
    }
    if (!o->endpoint[0]) {
        char host[64] = "host";
        gethostname(host, sizeof host - 1);
        snprintf(o->endpoint, sizeof o->endpoint, "tern-%s", host);
    }
    if (o->queue && !strchr(o->binding, 'Q') && strlen(o->binding) + 1 < sizeof o->binding)
        strcat(o->binding, "Q"); /* LwM2M 1.0 form; the "Q" Register parameter goes too */
    if (make_factory(a) != 0) {
        free(a);
        return 2;
    }

    a->rng = tern_posix_rng();
    a->log = (tern_log){.fn = log_fn, .ctx = a, .max_level = o->verbose >= 2 ? TERN_LOG_DEBUG : TERN_LOG_WARN};
    if (o->verbose == 1)
        a->log.max_level = TERN_LOG_INFO;
    int rc = tern_loop_init(&a->loop);
    if (rc || open_socket(a) != 0) {
        fprintf(stderr, "tern-client: cannot set up the event loop or socket\n");
        return 1;
    }
    tern_posix_dtls_cfg dc = {
        .loop = &a->loop,
        .sock = &a->sock,
        .on_data = on_datagram,
        .on_plain = on_datagram, /* coap:// servers */
        .ctx = a,
        .on_event = on_dtls_event,
        .event_ctx = a,
        .max_sessions = 4,
        .log = a->log,
    };
    if (tern_posix_dtls_new(&dc, &a->dtls) != 0) {
        fprintf(stderr, "tern-client: cannot set up the socket's DTLS layer\n");
        return 1;
    }
    if (o->state_dir[0]) {
        rc = tern_posix_storage_init(&a->storage, o->state_dir);
        if (rc) {
            fprintf(stderr, "tern-client: state dir %s: %s\n", o->state_dir, tern_strerror(rc));
            return 1;
        }
        a->have_storage = true;
    }
    tern_dm_cfg dmc = {
        .work = a->dm_work,
        .work_len = sizeof a->dm_work,
        .check_access = on_request,
        .access_ctx = a,
        .log = a->log,
        .attr_slots = a->attr_slots,
        .attr_slot_count = TERN_ARRAY_LEN(a->attr_slots),
    };
    tern_dm_init(&a->dm, &dmc);
    rc = setup_objects(a);
    if (rc) {
        fprintf(stderr, "tern-client: objects: %s\n", tern_strerror(rc));
        return 1;
    }

    tern_client_cfg *cc = &a->ccfg;
    cc->endpoint = o->endpoint;
    cc->rng = a->rng;
    cc->log = a->log;
    cc->dm = &a->dm;
    cc->sec = a->sec;
    cc->sec_cap = 3;
    cc->srv = a->srv;
    cc->srv_cap = 2;
    for (size_t i = 0; i < 2; i++) {
        tern_client_obs *ob = &a->obs[i];
        ob->recs = a->obs_recs[i];
        ob->rec_count = TERN_ARRAY_LEN(a->obs_recs[i]);
        ob->targets = a->obs_targets[i];
        ob->target_count = TERN_ARRAY_LEN(a->obs_targets[i]);
        ob->queue = a->obs_q[i];
        ob->queue_count = TERN_ARRAY_LEN(a->obs_q[i]);
        ob->queue_mem = a->obs_qmem[i];
        ob->queue_slot_size = sizeof a->obs_qmem[i] / TERN_ARRAY_LEN(a->obs_q[i]);
        ob->work = a->obs_work[i];
        ob->work_len = sizeof a->obs_work[i];
    }
    cc->obs = a->obs;
    a->coap_mem_len = (tern_coap_ep_mem_size(&cc->coap) + 7u) & ~(size_t)7u;
    a->coap_mem = aligned_alloc(8, a->coap_mem_len);
    cc->coap_mem = a->coap_mem;
    cc->coap_mem_len = a->coap_mem_len;
    cc->work = a->cl_work;
    cc->work_len = sizeof a->cl_work;
    cc->send = tern_posix_dtls_send;
    cc->send_ctx = a->dtls;
    cc->connect = cl_connect;
    cc->connect_ctx = a;
    cc->on_event = on_event;
    cc->event_ctx = a;
    if (a->have_storage)
        cc->storage = (tern_client_storage){tern_posix_storage_read, tern_posix_storage_write, &a->storage};
    cc->queue_mode = o->queue;
    cc->bs_pct = -1;
    if (!a->coap_mem) {
        fprintf(stderr, "tern-client: out of memory\n");
        return 1;
    }

    tern_timer_init(&a->step_timer, on_step, a);
    tern_timer_init(&a->sample_timer, on_sample, a);
    tern_timer_init(&a->work_timer, on_work, a);
    tern_timer_init(&a->exit_timer, on_exit_after, a);
    tern_timer_init(&a->grace_timer, on_grace, a);

    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGINT);
    sigaddset(&ss, SIGTERM);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    a->sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
    if (a->sigfd >= 0) {
        tern_io_init(&a->sig_io, a->sigfd, on_signal, a);
        tern_io_start(&a->loop, &a->sig_io, TERN_IO_READ);
    }
    tern_timer_start(&a->loop, &a->sample_timer, 1000);
    if (o->exit_after >= 0)
        tern_timer_start(&a->loop, &a->exit_timer, (tern_time_ms)o->exit_after * 1000);

    say(a, "tern-client %s: endpoint %s, %s %s%s%s", TERN_VERSION_STR, o->endpoint,
        o->server[0] ? "server" : "bootstrap", o->server[0] ? o->server : o->bootstrap,
        a->have_storage ? ", state in " : "", a->have_storage ? o->state_dir : "");
    int exit_code = 0;
    if (client_start(a) != 0)
        exit_code = 1;
    else if (tern_loop_run(&a->loop) != 0)
        exit_code = 1;

    if (a->client_up)
        tern_client_deinit(&a->c);
    tern_posix_dtls_free(a->dtls); /* close_notify to DTLS servers */
    tern_io_stop(&a->sig_io);
    tern_timer_stop(&a->step_timer);
    tern_timer_stop(&a->sample_timer);
    tern_timer_stop(&a->work_timer);
    tern_timer_stop(&a->exit_timer);
    tern_timer_stop(&a->grace_timer);
    if (a->fw_file)
        fclose(a->fw_file);
    if (a->sigfd >= 0)
        close(a->sigfd);
    tern_udp_close(&a->sock);
    tern_loop_close(&a->loop);
    free(a->coap_mem);
    free(a);
    return exit_code;
}
