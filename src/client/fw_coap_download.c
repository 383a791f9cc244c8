/* tern — the CoAP pull downloader of the Firmware Update object (object 5
 * "Package URI", Core Appendix E.6): GET coap://host[:port]/path?query with
 * Block2 in chunk mode (RFC 7959 §2.4), every block handed to
 * tern_fw_download_chunk() as it arrives, so no image buffer exists here.
 * The URI is decomposed per RFC 7252 §6.4; the request message is encoded
 * (copied) by tern_coap_request(), so the decoded URI only lives on the
 * stack during start(). */
#include <string.h>

#include "tern/objects.h"

#define COAP_DEFAULT_PORT 5683u /* RFC 7252 §6.1 */
#define URI_MAX_OPTS 24

typedef struct uri_opt {
    uint16_t num;
    uint16_t off, len;
} uri_opt;

typedef struct uri_parts {
    bool secure;
    tern_fw_coap_host host;
    char name[TERN_FW_URI_LEN];
    uint8_t bytes[TERN_FW_URI_LEN]; /* decoded Uri-Path / Uri-Query values */
    size_t used;
    uri_opt opts[URI_MAX_OPTS];
    uint8_t n_opts;
} uri_parts;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..n) into out (RFC 3986 §2.1); -1 on a bad escape or
 * when it does not fit. */
static long pct_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = (uint8_t)(h * 16 + l);
            i += 2;
        }
        if (o >= cap)
            return -1;
        out[o++] = c;
    }
    return (long)o;
}

/* dec-octet "." dec-octet "." dec-octet "." dec-octet (RFC 3986 §3.2.2). */
static bool parse_ipv4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        if (k > 0) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
        unsigned v = 0, digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            v = v * 10u + (unsigned)(s[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return false;
        out[k] = (uint8_t)v;
    }
    return i == n;
}

/* IPv6address of RFC 3986 §3.2.2 (with "::" and an IPv4 tail), no zone. */
static bool parse_ipv6(const char *s, size_t n, uint8_t out[16])
{
    uint16_t w[8];
    int nw = 0, gap = -1;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (n == 0 || s[0] == ':') {
        return false;
    }
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ':')
            j++;
        if (memchr(s + i, '.', j - i)) {
            uint8_t v4[4];
            if (j != n || nw > 6 || !parse_ipv4(s + i, j - i, v4))
                return false;
            w[nw++] = (uint16_t)(v4[0] << 8 | v4[1]);
            w[nw++] = (uint16_t)(v4[2] << 8 | v4[3]);
            break;
        }
        if (j == i || j - i > 4 || nw >= 8)
            return false;
        unsigned v = 0;
        for (size_t k = i; k < j; k++) {
            int h = hexval(s[k]);
            if (h < 0)
                return false;
            v = v * 16u + (unsigned)h;
        }
        w[nw++] = (uint16_t)v;
        if (j == n)
            break;
        if (j + 1 < n && s[j + 1] == ':') {
            if (gap >= 0)
                return false;
            gap = nw;
            i = j + 2;
        } else {
            i = j + 1;
            if (i == n)
                return false; /* trailing single ':' */
        }
    }
    if (gap < 0 ? nw != 8 : nw > 7)
        return false;
    uint16_t full[8] = {0};
    int head = gap < 0 ? nw : gap;
    for (int k = 0; k < head; k++)
        full[k] = w[k];
    for (int k = head; k < nw; k++)
        full[8 - (nw - k)] = w[k];
    for (int k = 0; k < 8; k++) {
        out[2 * k] = (uint8_t)(full[k] >> 8);
        out[2 * k + 1] = (uint8_t)full[k];
    }
    return true;
}

static bool add_opt(uri_parts *u, uint16_t num, const char *s, size_t n)
{
    if (u->n_opts >= URI_MAX_OPTS)
        return false;
    long k = pct_decode(s, n, u->bytes + u->used, sizeof u->bytes - u->used);
    if (k < 0 || k > 255)
        return false; /* a Uri-Path/Uri-Query value is at most 255 bytes */
    u->opts[u->n_opts++] = (uri_opt){num, (uint16_t)u->used, (uint16_t)k};
    u->used += (size_t)k;
    return true;
}

/* Splits s[0..n) at `sep` into options `num` (RFC 7252 §6.4 steps 8, 9). */
static bool add_parts(uri_parts *u, uint16_t num, const char *s, size_t n, char sep)
{
    size_t i = 0;
    for (;;) {
        size_t j = i;
        while (j < n && s[j] != sep)
            j++;
        if (!add_opt(u, num, s + i, j - i))
            return false;
        if (j == n)
            return true;
        i = j + 1;
    }
}

/* RFC 7252 §6.4: 0, or the Update Result that explains the failure. */
static int parse_uri(const char *uri, uri_parts *u)
{
    memset(u, 0, sizeof *u);
    size_t n = strlen(uri);
    size_t s = 0;
    while (s < n && uri[s] != ':')
        s++;
    if (s + 3 > n || uri[s + 1] != '/' || uri[s + 2] != '/')
        return TERN_FW_RESULT_INVALID_URI;
    char scheme[6] = {0};
    if (s > 5)
        return TERN_FW_RESULT_UNSUPPORTED_PROTOCOL;
    for (size_t k = 0; k < s; k++)
        scheme[k] = (char)(uri[k] | 0x20);
    if (strcmp(scheme, "coaps") == 0)
        return TERN_FW_RESULT_UNSUPPORTED_PROTOCOL; /* no DTLS in downloads yet */
    if (strcmp(scheme, "coap") != 0)
        return TERN_FW_RESULT_UNSUPPORTED_PROTOCOL;
    if (memchr(uri, '#', n))
        return TERN_FW_RESULT_INVALID_URI; /* §6.4 step 5: no fragment */
    const char *a = uri + s + 3;
    size_t an = strcspn(a, "/?");
    if (memchr(a, '@', an))
        return TERN_FW_RESULT_INVALID_URI; /* no userinfo in coap URIs (§6.1) */
    /* host */
    size_t hn, rest;
    const char *h = a;
    if (an > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', an);
        if (!close)
            return TERN_FW_RESULT_INVALID_URI;
        h = a + 1;
        hn = (size_t)(close - h);
        if (!parse_ipv6(h, hn, u->host.ip))
            return TERN_FW_RESULT_INVALID_URI;
        u->host.ip_len = 16;
        rest = hn + 2;
    } else {
        hn = 0;
        while (hn < an && a[hn] != ':')
            hn++;
        if (parse_ipv4(h, hn, u->host.ip))
            u->host.ip_len = 4;
        rest = hn;
    }
    if (hn == 0)
        return TERN_FW_RESULT_INVALID_URI;
    long k = pct_decode(h, hn, (uint8_t *)u->name, sizeof u->name - 1);
    if (k <= 0 || memchr(u->name, '\0', (size_t)k))
        return TERN_FW_RESULT_INVALID_URI;
    u->name[k] = '\0';
    /* port (RFC 3986 §3.2.3: an empty port means the default) */
    u->host.port = COAP_DEFAULT_PORT;
    if (rest < an) {
        if (a[rest] != ':')
            return TERN_FW_RESULT_INVALID_URI;
        uint32_t port = 0;
        size_t digits = 0;
        for (size_t i = rest + 1; i < an; i++, digits++) {
            if (a[i] < '0' || a[i] > '9' || digits >= 5)
                return TERN_FW_RESULT_INVALID_URI;
            port = port * 10u + (uint32_t)(a[i] - '0');
        }
        if (port > 65535u || (digits > 0 && port == 0))
            return TERN_FW_RESULT_INVALID_URI;
        if (digits > 0)
            u->host.port = (uint16_t)port;
    }
    /* path: "" and "/" give no Uri-Path (§6.4 step 8) */
    const char *p = a + an;
    size_t pn = strcspn(p, "?");
    if (pn > 1 && !add_parts(u, TERN_COAP_OPT_URI_PATH, p + 1, pn - 1, '/'))
        return TERN_FW_RESULT_INVALID_URI;
    if (p[pn] == '?' && !add_parts(u, TERN_COAP_OPT_URI_QUERY, p + pn + 1, strlen(p + pn + 1), '&'))
        return TERN_FW_RESULT_INVALID_URI;
    u->host.name = u->name;
    return 0;
}

static void dl_kick(tern_fw_coap_dl *d)
{
    if (d->cfg_.kick)
        d->cfg_.kick(d->cfg_.kick_ctx);
}

/* Ends the download from inside the response callback. */
static void dl_finish(tern_fw_coap_dl *d, tern_coap_ep *ep, bool final, tern_fw_result result)
{
    d->active_ = false;
    if (!final)
        (void)tern_coap_cancel(ep, d->h_); /* our callback ignores the ECANCELED */
    tern_fw_download_done(d->fw_, result);
}

static void dl_result(void *ctx, tern_coap_ep *ep, const tern_coap_result *r)
{
    tern_fw_coap_dl *d = ctx;
    if (!d->active_ || r->handle != d->h_)
        return; /* a cancelled download's last word */
    if (r->err < 0 || !r->msg) {
        dl_finish(d, ep, r->final, TERN_FW_RESULT_CONN_LOST);
        return;
    }
    uint8_t code = r->msg->code;
    if (code != TERN_COAP_CONTENT) {
        /* 4.xx: the URI names nothing we may GET (4.04 included) */
        dl_finish(d, ep, r->final, (code >> 5) == 4 ? TERN_FW_RESULT_INVALID_URI : TERN_FW_RESULT_CONN_LOST);
        return;
    }
    if (r->data_len > 0 && tern_fw_download_chunk(d->fw_, r->offset, r->data, r->data_len) != TERN_OK) {
        /* the object already failed the download (sink full, gap...) */
        d->active_ = false;
        if (!r->final)
            (void)tern_coap_cancel(ep, d->h_);
        return;
    }
    if (r->final) {
        d->active_ = false;
        tern_fw_download_done(d->fw_, r->more ? TERN_FW_RESULT_CONN_LOST : TERN_FW_RESULT_SUCCESS);
    }
}

static int dl_start(void *ctx, tern_fw *fw, const char *uri)
{
    tern_fw_coap_dl *d = ctx;
    if (d->active_) {
        d->active_ = false;
        (void)tern_coap_cancel(d->cfg_.ep, d->h_);
    }
    uri_parts u;
    int r = parse_uri(uri, &u);
    if (r != 0)
        return r;
    tern_coap_peer peer;
    memset(&peer, 0, sizeof peer);
    if (d->cfg_.resolve(d->cfg_.resolve_ctx, &u.host, &peer) != TERN_OK)
        return TERN_FW_RESULT_INVALID_URI; /* the host does not exist */
    tern_coap_msg m;
    tern_coap_msg_init(&m, TERN_COAP_CON, TERN_COAP_GET, 0);
    /* Uri-Host only for a name (§6.4 step 6: a literal equals the
     * destination address) */
    if (!u.host.ip_len && tern_coap_opt_add(&m, TERN_COAP_OPT_URI_HOST, u.name, strlen(u.name)) != TERN_OK)
        return TERN_FW_RESULT_INVALID_URI;
    for (uint8_t i = 0; i < u.n_opts; i++)
        if (tern_coap_opt_add(&m, u.opts[i].num, u.bytes + u.opts[i].off, u.opts[i].len) != TERN_OK)
            return TERN_FW_RESULT_INVALID_URI;
    tern_coap_req_opts o;
    memset(&o, 0, sizeof o);
    o.block_size = (uint16_t)tern_coap_block_size(d->szx_);
    o.block2_early = true; /* RFC 7959 §2.4: ask for our block size */
    o.timeout_ms = d->cfg_.timeout_ms;
    d->fw_ = fw;
    d->active_ = true;
    int rc = tern_coap_request(d->cfg_.ep, &peer, &m, &o, dl_result, d, &d->h_);
    if (rc != TERN_OK) {
        d->active_ = false;
        return rc == TERN_ETOOBIG ? TERN_FW_RESULT_INVALID_URI : TERN_FW_RESULT_CONN_LOST;
    }
    dl_kick(d);
    return 0;
}

static void dl_cancel(void *ctx, tern_fw *fw)
{
    tern_fw_coap_dl *d = ctx;
    (void)fw;
    if (!d->active_)
        return;
    d->active_ = false;
    (void)tern_coap_cancel(d->cfg_.ep, d->h_);
    dl_kick(d);
}

int tern_fw_coap_dl_init(tern_fw_coap_dl *d, const tern_fw_coap_dl_cfg *cfg)
{
    if (!d || !cfg || !cfg->ep || !cfg->resolve)
        return TERN_EINVAL;
    uint16_t bs = cfg->block_size ? cfg->block_size : 1024;
    uint8_t szx = 0;
    while (szx <= 6 && (16u << szx) != bs)
        szx++;
    if (szx > 6)
        return TERN_EINVAL; /* RFC 7959 §2.2: 16..1024, a power of two */
    memset(d, 0, sizeof *d);
    d->cfg_ = *cfg;
    d->szx_ = szx;
    d->dl_.start = dl_start;
    d->dl_.cancel = dl_cancel;
    d->dl_.ctx = d;
    return TERN_OK;
}

bool tern_fw_coap_dl_busy(const tern_fw_coap_dl *d)
{
    return d->active_;
}
