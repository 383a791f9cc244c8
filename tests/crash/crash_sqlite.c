/* Crash test of the SQLite store (label e2e): nothing the server
 * acknowledged is lost to SIGKILL.
 *
 * A child process runs the LwM2M Server engine (tern/server.h) with the
 * SQLite store (synchronous=FULL) on a real UDP socket (tern_coap_udp). The
 * parent is many clients: plain UDP sockets sending CoAP Register requests
 * (coap_msg.h) for ~2,000 distinct endpoint names, a window of them in
 * flight, and it records every endpoint whose 2.01 it received. At a random
 * moment it kills the child with SIGKILL, restarts it over the same database
 * file and checks that every acknowledged endpoint is registered:
 *   1. through the server API in the restarted child (tern_server_find for
 *      each acknowledged name, reported back over a pipe);
 *   2. the restarted child still serves (a new Register gets 2.01);
 *   3. by opening the file directly with the store after the second kill.
 * Prints the figures; bounded in time; removes its temporary directory. */
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "tern/coap_msg.h"
#include "tern/posix.h"
#include "tern/server.h"
#include "tern/store_sqlite.h"

#define N_EPS 2000
#define N_SOCKS 16
#define WINDOW 48
#define RETRY_MS 1000
#define SEND_PHASE_MAX_MS 30000

static char g_dir[200], g_db[260], g_acked[260];

static void *a_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return malloc(n);
}
static void a_free(void *ctx, void *p, size_t n)
{
    (void)ctx, (void)n;
    free(p);
}

/* ---- the child: a server on a UDP socket --------------------------------------------- */
static void child_fail(int fd, const char *what)
{
    char m[300];
    int n = snprintf(m, sizeof m, "E %s\n", what);
    (void)!write(fd, m, (size_t)n);
    _exit(2);
}

/* verify: NULL for the first run; else the file of acknowledged names to
 * look up after the restore. Writes "P <port>" (and "V <found> <total>
 * <restored>") to fd, then serves until killed. */
static void child_main(int fd, const char *verify)
{
    static tern_store_sqlite db;
    tern_store_sqlite_cfg dc = {.path = g_db, .synchronous = TERN_SQLITE_SYNC_FULL};
    if (tern_store_sqlite_open(&db, &dc) != 0)
        child_fail(fd, db.errmsg);
    static tern_loop loop;
    static tern_udp sock;
    static tern_coap_ep ep;
    static tern_coap_udp run;
    static tern_server srv;
    if (tern_loop_init(&loop) != 0)
        child_fail(fd, "loop");
    tern_udp_addr la;
    tern_udp_addr_parse(&la, "127.0.0.1", 0);
    if (tern_udp_open(&sock, &la, 0) != 0)
        child_fail(fd, "udp");
    tern_coap_ep_cfg ec = {.rng = tern_posix_rng(), .send = tern_posix_coap_send, .send_ctx = &sock,
                           .handler = tern_server_coap_handler, .handler_ctx = &srv, .max_exchanges = 16,
                           .max_dedup = 512};
    size_t ms = (tern_coap_ep_mem_size(&ec) + 7) & ~(size_t)7;
    void *mem = aligned_alloc(8, ms);
    if (!mem || tern_coap_ep_init(&ep, &ec, mem, ms) != 0)
        child_fail(fd, "endpoint");
    tern_server_cfg sc = {.ep = &ep, .alloc = {a_alloc, a_free, NULL}, .rng = tern_posix_rng(),
                          .store = tern_store_sqlite_as_store(&db)};
    tern_time_ms t0 = tern_posix_now_ms();
    if (tern_server_init(&srv, &sc, tern_posix_now_ms()) != 0)
        child_fail(fd, "server init");
    tern_time_ms restore_ms = tern_posix_now_ms() - t0;
    if (tern_coap_udp_start(&run, &loop, &sock, &ep) != 0)
        child_fail(fd, "runner");
    char line[128];
    if (verify) {
        FILE *f = fopen(verify, "r");
        if (!f)
            child_fail(fd, "acked file");
        char name[128];
        unsigned found = 0, total = 0;
        while (fgets(name, sizeof name, f)) {
            name[strcspn(name, "\n")] = 0;
            total++;
            if (tern_server_find(&srv, name))
                found++;
        }
        fclose(f);
        int n = snprintf(line, sizeof line, "V %u %u %u %lld\n", found, total, tern_server_count(&srv),
                         (long long)restore_ms);
        (void)!write(fd, line, (size_t)n);
    }
    tern_udp_addr bound;
    tern_udp_local(&sock, &bound);
    int n = snprintf(line, sizeof line, "P %u\n", tern_udp_addr_port(&bound));
    (void)!write(fd, line, (size_t)n);
    tern_loop_run(&loop); /* until SIGKILL */
    _exit(0);
}

typedef struct child {
    pid_t pid;
    int fd;
    uint16_t port;
} child;

static int read_line(int fd, char *out, size_t cap, int timeout_ms)
{
    size_t n = 0;
    while (n + 1 < cap) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0)
            return -1;
        char c;
        if (read(fd, &c, 1) != 1)
            return -1;
        if (c == '\n')
            break;
        out[n++] = c;
    }
    out[n] = 0;
    return 0;
}

static int spawn(child *c, const char *verify, char *vline, size_t vcap)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    fflush(NULL);
    c->pid = fork();
    if (c->pid < 0)
        return -1;
    if (c->pid == 0) {
        close(p[0]);
        child_main(p[1], verify);
    }
    close(p[1]);
    c->fd = p[0];
    char line[200];
    if (verify) {
        if (read_line(c->fd, line, sizeof line, 20000) != 0 || line[0] != 'V') {
            fprintf(stderr, "child: %s\n", line);
            return -1;
        }
        snprintf(vline, vcap, "%s", line);
    }
    if (read_line(c->fd, line, sizeof line, 20000) != 0 || line[0] != 'P') {
        fprintf(stderr, "child: %s\n", line);
        return -1;
    }
    c->port = (uint16_t)atoi(line + 2);
    return 0;
}

static void kill_child(child *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        c->pid = 0;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* ---- the parent: clients -------------------------------------------------------------- */
typedef struct ep_state {
    uint8_t state; /* 0 not sent, 1 in flight, 2 acknowledged, 3 refused */
    int64_t sent_ms;
    uint16_t mid;
    int sock;
} ep_state;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int encode_register(int i, uint16_t mid, uint8_t *buf, size_t cap)
{
    tern_coap_msg m;
    uint8_t sc[4];
    char q[64];
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_POST, mid);
    uint8_t tok[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
    tern_coap_msg_set_token(&m, tok, 4);
    tern_coap_opt_add_uri_path(&m, "/rd");
    snprintf(q, sizeof q, "ep=crash-%05d", i);
    tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, q);
    tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "lt=3600");
    tern_coap_opt_add_str(&m, TERN_COAP_OPT_URI_QUERY, "lwm2m=1.2");
    tern_coap_opt_add_uint(&m, TERN_COAP_OPT_CONTENT_FORMAT, TERN_CF_LINK, sc);
    static const char links[] = "</>;rt=\"oma.lwm2m\";ct=11543,</1/0>,</3/0>,</4/0>,</3303/0>,</3303/1>";
    m.payload = (const uint8_t *)links;
    m.payload_len = sizeof links - 1;
    return tern_coap_encode_udp(&m, buf, cap);
}

static int send_to(int s, uint16_t port, const uint8_t *b, size_t n)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sendto(s, b, n, 0, (struct sockaddr *)&a, sizeof a) == (ssize_t)n ? 0 : -1;
}

typedef struct run_result {
    unsigned acked, sent, refused;
    int64_t elapsed_ms;
} run_result;

static void run_clients(ep_state *eps, int *socks, uint16_t port, unsigned kill_after, child *c, run_result *res)
{
    int64_t t0 = now_ms();
    unsigned in_flight = 0, next = 0;
    uint16_t mid = 1;
    uint8_t buf[512];
    for (;;) {
        int64_t t = now_ms();
        if (res->acked >= kill_after || t - t0 > SEND_PHASE_MAX_MS ||
            (next >= N_EPS && in_flight == 0)) {
            kill(c->pid, SIGKILL); /* a random moment: requests are still in flight */
            res->elapsed_ms = t - t0;
            break;
        }
        while (in_flight < WINDOW && next < N_EPS) {
            ep_state *e = &eps[next];
            e->mid = mid++;
            e->sock = (int)(next % N_SOCKS);
            int n = encode_register((int)next, e->mid, buf, sizeof buf);
            if (n > 0 && send_to(socks[e->sock], port, buf, (size_t)n) == 0) {
                e->state = 1;
                e->sent_ms = t;
                in_flight++;
                res->sent++;
            }
            next++;
        }
        /* retransmit what waited too long (same MID: the server's dedup answers) */
        for (unsigned i = next > 4 * WINDOW ? next - 4 * WINDOW : 0; i < next; i++)
            if (eps[i].state == 1 && t - eps[i].sent_ms > RETRY_MS) {
                int n = encode_register((int)i, eps[i].mid, buf, sizeof buf);
                if (n > 0)
                    (void)send_to(socks[eps[i].sock], port, buf, (size_t)n);
                eps[i].sent_ms = t;
            }
        struct pollfd p[N_SOCKS];
        for (int k = 0; k < N_SOCKS; k++)
            p[k] = (struct pollfd){socks[k], POLLIN, 0};
        if (poll(p, N_SOCKS, 50) <= 0)
            continue;
        for (int k = 0; k < N_SOCKS; k++) {
            if (!(p[k].revents & POLLIN))
                continue;
            ssize_t n;
            while ((n = recv(socks[k], buf, sizeof buf, MSG_DONTWAIT)) > 0) {
                tern_coap_msg m;
                if (tern_coap_decode_udp(&m, buf, (size_t)n, NULL) != 0 || m.type != TERN_COAP_ACK ||
                    m.token_len != 4)
                    continue;
                unsigned i = (unsigned)tern_be32(m.token);
                if (i >= N_EPS || eps[i].state != 1)
                    continue;
                in_flight--;
                if (m.code == TERN_COAP_CREATED) {
                    eps[i].state = 2;
                    res->acked++;
                } else {
                    eps[i].state = 3;
                    res->refused++;
                }
            }
        }
    }
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

int main(void)
{
    alarm(90); /* hard bound, whatever happens */
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/tern-crash-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(g_db, sizeof g_db, "%s/server.db", g_dir);
    snprintf(g_acked, sizeof g_acked, "%s/acked.txt", g_dir);
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    if (getenv("TERN_CRASH_SEED"))
        seed = (unsigned)strtoul(getenv("TERN_CRASH_SEED"), NULL, 0);
    srand(seed);
    unsigned kill_after = 200 + (unsigned)rand() % (N_EPS - 400);
    printf("seed %u: SIGKILL after %u acknowledged registrations (of %d endpoints)\n", seed, kill_after, N_EPS);

    int fail = 0;
    child c = {0, -1, 0};
    ep_state *eps = calloc(N_EPS, sizeof *eps);
    int socks[N_SOCKS];
    for (int k = 0; k < N_SOCKS; k++) {
        socks[k] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int sz = 1 << 20;
        setsockopt(socks[k], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    }
    if (spawn(&c, NULL, NULL, 0) != 0) {
        fprintf(stderr, "FAIL: server child did not start\n");
        fail = 1;
        goto out;
    }
    run_result res = {0, 0, 0, 0};
    run_clients(eps, socks, c.port, kill_after, &c, &res);
    kill_child(&c);
    printf("before SIGKILL: %u registrations sent, %u acknowledged (2.01), %u refused, in %lld ms: %.0f "
           "registrations/s with synchronous=FULL\n",
           res.sent, res.acked, res.refused, (long long)res.elapsed_ms,
           res.elapsed_ms > 0 ? res.acked * 1000.0 / (double)res.elapsed_ms : 0.0);
    if (res.refused || res.acked == 0) {
        fprintf(stderr, "FAIL: %u refused, %u acknowledged\n", res.refused, res.acked);
        fail = 1;
    }
    FILE *f = fopen(g_acked, "w");
    for (unsigned i = 0; f && i < N_EPS; i++)
        if (eps[i].state == 2)
            fprintf(f, "crash-%05u\n", i);
    if (f)
        fclose(f);

    /* restart over the same file; the child checks through the server API */
    char vline[200];
    if (spawn(&c, g_acked, vline, sizeof vline) != 0) {
        fprintf(stderr, "FAIL: the restarted server did not start\n");
        fail = 1;
        goto out;
    }
    unsigned found = 0, total = 0, restored = 0;
    long long restore_ms = 0;
    sscanf(vline, "V %u %u %u %lld", &found, &total, &restored, &restore_ms);
    printf("after restart: %u of %u acknowledged endpoints registered (tern_server_find); %u registrations "
           "restored in %lld ms (>= acknowledged: requests in flight at the kill may have been stored)\n",
           found, total, restored, restore_ms);
    if (found != res.acked || total != res.acked || restored < res.acked) {
        fprintf(stderr, "FAIL: acknowledged registrations lost\n");
        fail = 1;
    }
    /* the restarted server serves: one more Register */
    {
        uint8_t buf[512];
        int n = encode_register(N_EPS + 1, 0x7777, buf, sizeof buf);
        bool ok = false;
        for (int attempt = 0; attempt < 5 && !ok; attempt++) {
            send_to(socks[0], c.port, buf, (size_t)n);
            struct pollfd p = {socks[0], POLLIN, 0};
            int64_t until = now_ms() + 1000;
            while (!ok && now_ms() < until && poll(&p, 1, 200) >= 0) {
                uint8_t rb[512];
                ssize_t r;
                while ((r = recv(socks[0], rb, sizeof rb, MSG_DONTWAIT)) > 0) {
                    tern_coap_msg m;
                    if (tern_coap_decode_udp(&m, rb, (size_t)r, NULL) == 0 && m.token_len == 4 &&
                        tern_be32(m.token) == N_EPS + 1 && m.code == TERN_COAP_CREATED)
                        ok = true;
                }
            }
        }
        printf("restarted server answers a new Register: %s\n", ok ? "2.01" : "no");
        if (!ok)
            fail = 1;
    }
    kill_child(&c);

    /* and the file itself, read with the store */
    {
        tern_store_sqlite db;
        tern_store_sqlite_cfg dc = {.path = g_db, .no_create = true, .integrity_check = true};
        if (tern_store_sqlite_open(&db, &dc) != 0) {
            fprintf(stderr, "FAIL: reopen: %s\n", db.errmsg);
            fail = 1;
        } else {
            tern_store st = tern_store_sqlite_as_store(&db);
            unsigned in_file = 0;
            char key[32];
            uint8_t blob[1024];
            for (unsigned i = 0; i < N_EPS; i++) {
                if (eps[i].state != 2)
                    continue;
                int kl = snprintf(key, sizeof key, "crash-%05u", i);
                size_t bl = 0;
                if (st.ops->get(st.ctx, TERN_REC_REGISTRATION, (const uint8_t *)key, (size_t)kl, blob, sizeof blob,
                                &bl) == 0)
                    in_file++;
            }
            uint64_t count = 0;
            tern_store_sqlite_count(&db, TERN_REC_REGISTRATION, &count);
            printf("database file (quick_check ok): %u of %u acknowledged records present; %llu registration "
                   "records\n",
                   in_file, res.acked, (unsigned long long)count);
            if (in_file != res.acked || count < (uint64_t)res.acked + 1)
                fail = 1;
            tern_store_sqlite_close(&db);
        }
    }
out:
    kill_child(&c);
    for (int k = 0; k < N_SOCKS; k++)
        close(socks[k]);
    free(eps);
    nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    printf("%s\n", fail ? "FAIL" : "PASS: every acknowledged registration survived SIGKILL");
    return fail;
}
