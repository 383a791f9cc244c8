/* tern — the Firmware Update object (5, version 1.2) and its state machine
 * (Core Appendix E.6 / object 5 resource descriptions):
 *
 *   Idle ──Write Package (push) / Write Package URI (pull)──▶ Downloading
 *   Downloading ──image complete and checked──▶ Downloaded
 *   Downloading ──failure (2,3,4,5,6,7,9)──▶ Idle
 *   Downloaded ──Execute Update──▶ Updating ──success (1)──▶ Idle
 *   Updating ──failure──▶ Downloaded (image kept) or Idle (5, 6)
 *   Downloading/Downloaded ──Execute Cancel──▶ Idle (10)
 *   any ──Write empty Package or empty Package URI──▶ Idle (result 0)
 *
 * Writes are staged per transaction (dm.h); actions that reach the
 * application (start a download, discard, update) happen at commit, except
 * the image chunks of a push, which stream into the sink as they arrive. */
#include <string.h>

#include "model/gen/objects.h"
#include "tern/objects.h"

static tern_fw *fw_of(tern_dm_obj *o)
{
    return (tern_fw *)o->user;
}

static void changed(tern_fw *fw, uint16_t rid)
{
    if (fw->cfg.changed)
        fw->cfg.changed(fw->cfg.ctx, rid);
}

/* "Device updates this resource before making any change to the State"
 * (resource 12). */
static void set_state(tern_fw *fw, tern_fw_state st)
{
    if (fw->state_ == st)
        return;
    if (fw->cfg.clock) {
        fw->changed_at_ = fw->cfg.clock(fw->cfg.ctx);
        changed(fw, 12);
    }
    fw->state_ = (uint8_t)st;
    changed(fw, 3);
}

static void set_result(tern_fw *fw, int r)
{
    if (fw->result_ == r)
        return;
    fw->result_ = (uint8_t)r;
    changed(fw, 5);
}

static void stop_pull(tern_fw *fw)
{
    if (fw->pulling_ && fw->cfg.downloader && fw->cfg.downloader->cancel)
        fw->cfg.downloader->cancel(fw->cfg.downloader->ctx, fw);
    fw->pulling_ = false;
}

/* Back to Idle with `result`, dropping any image. */
static void to_idle(tern_fw *fw, int result)
{
    stop_pull(fw);
    fw->pushing_ = false;
    if (fw->cfg.discard)
        fw->cfg.discard(fw->cfg.ctx);
    set_state(fw, TERN_FW_IDLE);
    set_result(fw, result);
}

static int fail_result(int r)
{
    return r > TERN_FW_RESULT_SUCCESS && r <= TERN_FW_RESULT_DEFERRED ? r : TERN_FW_RESULT_FAILED;
}

static void start_update(tern_fw *fw);

/* The image is complete: check it (close) and enter Downloaded. */
static int finish_image(tern_fw *fw)
{
    int r = fw->cfg.close(fw->cfg.ctx);
    if (r != 0) {
        to_idle(fw, fail_result(r));
        return r;
    }
    set_state(fw, TERN_FW_DOWNLOADED);
    return 0;
}

/* ---- pull: the Package URI ---- */

static uint8_t proto_mask(const tern_fw *fw)
{
    if (!fw->cfg.downloader)
        return 0;
    return fw->cfg.protocols ? fw->cfg.protocols : TERN_FW_PROTO_COAP;
}

/* Resource 8 value of a URI's scheme (RFC 3986 §3.1 scheme syntax; the
 * schemes of RFC 7252 §6, RFC 7230 §2.7, RFC 8323 §8.1). -1: not a URI
 * with an authority, -2: a scheme no value names. */
static int uri_proto(const char *u, size_t n)
{
    static const char *const schemes[] = {"coap", "coaps", "http", "https", "coap+tcp", "coaps+tcp"};
    size_t s = 0;
    while (s < n && u[s] != ':') {
        char c = u[s];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alpha && (s == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))
            return -1;
        s++;
    }
    if (s == 0 || s + 3 >= n || u[s + 1] != '/' || u[s + 2] != '/' || u[s + 3] == '/')
        return -1;
    for (int i = 0; i < (int)TERN_ARRAY_LEN(schemes); i++) {
        size_t l = strlen(schemes[i]);
        if (l != s)
            continue;
        size_t k = 0;
        while (k < l && (char)(u[k] | 0x20) == schemes[i][k])
            k++;
        if (k == l)
            return i;
    }
    return -2;
}

static void start_pull(tern_fw *fw)
{
    set_result(fw, TERN_FW_RESULT_INITIAL);
    int proto = uri_proto(fw->rw_.uri, fw->rw_.uri_len);
    if (proto == -1) {
        set_result(fw, TERN_FW_RESULT_INVALID_URI);
        return;
    }
    if (proto < 0 || !(proto_mask(fw) & (1u << proto))) {
        /* result 9: "the URI contained a URI scheme unsupported by the
         * client" */
        set_result(fw, TERN_FW_RESULT_UNSUPPORTED_PROTOCOL);
        return;
    }
    set_state(fw, TERN_FW_DOWNLOADING);
    fw->next_off_ = 0;
    int r = fw->cfg.open(fw->cfg.ctx, 0);
    if (r != 0) {
        to_idle(fw, fail_result(r));
        return;
    }
    fw->pulling_ = true;
    r = fw->cfg.downloader->start(fw->cfg.downloader->ctx, fw, fw->rw_.uri);
    if (r != 0) {
        fw->pulling_ = false;
        to_idle(fw, fail_result(r));
    }
}

int tern_fw_download_chunk(tern_fw *fw, uint32_t offset, const uint8_t *data, size_t len)
{
    if (!fw->pulling_)
        return TERN_ECANCELED;
    int r = offset != fw->next_off_ ? TERN_FW_RESULT_CONN_LOST
            : len                   ? fw->cfg.write(fw->cfg.ctx, offset, data, len)
                                    : 0;
    if (r != 0) {
        fw->pulling_ = false; /* the downloader stops on our answer */
        to_idle(fw, fail_result(r));
        return TERN_ECANCELED;
    }
    fw->next_off_ = offset + (uint32_t)len;
    return TERN_OK;
}

void tern_fw_download_done(tern_fw *fw, tern_fw_result result)
{
    if (!fw->pulling_)
        return;
    fw->pulling_ = false;
    if (result != TERN_FW_RESULT_SUCCESS && result != TERN_FW_RESULT_INITIAL) {
        to_idle(fw, fail_result((int)result));
        return;
    }
    if (finish_image(fw) == 0 && fw->rw_.auto_update)
        start_update(fw); /* resource 14 */
}

/* ---- Update ---- */

static void start_update(tern_fw *fw)
{
    /* "Once the updating process is initiated ... reset to Initial value" */
    set_result(fw, TERN_FW_RESULT_INITIAL);
    int r = fw->cfg.update ? fw->cfg.update(fw->cfg.ctx) : TERN_FW_RESULT_FAILED;
    if (r == TERN_FW_RESULT_DEFERRED) {
        /* "the state stays in Downloaded state and the Update Result is
         * set to 11" */
        set_result(fw, TERN_FW_RESULT_DEFERRED);
        return;
    }
    set_state(fw, TERN_FW_UPDATING);
    if (r != 0)
        tern_fw_update_done(fw, (tern_fw_result)fail_result(r));
}

void tern_fw_update_done(tern_fw *fw, tern_fw_result result)
{
    if (fw->state_ != TERN_FW_UPDATING)
        return;
    switch (result) {
    case TERN_FW_RESULT_SUCCESS:
        set_state(fw, TERN_FW_IDLE);
        set_result(fw, TERN_FW_RESULT_SUCCESS);
        break;
    case TERN_FW_RESULT_INTEGRITY:
    case TERN_FW_RESULT_UNSUPPORTED_TYPE:
        /* "Integrity Check Failure results in the client moving to the
         * Idle state" (resource 3) */
        to_idle(fw, (int)result);
        break;
    default:
        /* deferred (11) or failed with the image kept: back to Downloaded */
        set_state(fw, TERN_FW_DOWNLOADED);
        set_result(fw, fail_result((int)result));
        break;
    }
}

/* ---- handlers ---- */

static int h_inst_next(tern_dm_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0)
        return TERN_DONE;
    *iid = 0;
    return TERN_OK;
}

static void pkg_info(tern_fw *fw, const char **name, const char **ver)
{
    *name = NULL;
    *ver = NULL;
    if (fw->cfg.pkg_info)
        fw->cfg.pkg_info(fw->cfg.ctx, name, ver);
}

static bool h_present(tern_dm_obj *o, uint16_t iid, uint16_t rid)
{
    tern_fw *fw = fw_of(o);
    (void)iid;
    switch (rid) {
    case 6: case 7: {
        const char *name, *ver;
        pkg_info(fw, &name, &ver);
        return (rid == 6 ? name : ver) != NULL;
    }
    case 8: return fw->cfg.downloader != NULL;
    case 12: return fw->cfg.clock != NULL;
    default: return true;
    }
}

static int h_rinst_next(tern_dm_obj *o, uint16_t iid, uint16_t rid, int32_t after, uint16_t *riid)
{
    (void)iid;
    if (rid != 8)
        return TERN_DONE;
    /* one instance per supported protocol, numbered from 0 */
    uint8_t m = proto_mask(fw_of(o));
    int32_t n = 0;
    for (int b = 0; b < 8; b++)
        n += (m >> b) & 1;
    if (after + 1 >= n)
        return TERN_DONE;
    *riid = (uint16_t)(after + 1);
    return TERN_OK;
}

static int h_read(tern_dm_obj *o, const tern_path *p, uint32_t offset, tern_dm_read_out *out)
{
    tern_fw *fw = fw_of(o);
    (void)offset;
    out->value.type = TERN_TYPE_INTEGER;
    switch (p->ids[2]) {
    case 1:
        out->value.type = TERN_TYPE_STRING;
        out->value.v.bytes.ptr = (const uint8_t *)fw->rw_.uri;
        out->value.v.bytes.len = fw->rw_.uri_len;
        return TERN_OK;
    case 3: out->value.v.i = fw->state_; return TERN_OK;
    case 5: out->value.v.i = fw->result_; return TERN_OK;
    case 6: case 7: {
        const char *name, *ver;
        pkg_info(fw, &name, &ver);
        const char *s = p->ids[2] == 6 ? name : ver;
        if (!s)
            return TERN_ENOTFOUND;
        out->value.type = TERN_TYPE_STRING;
        out->value.v.bytes.ptr = (const uint8_t *)s;
        out->value.v.bytes.len = strlen(s);
        return TERN_OK;
    }
    case 8: {
        uint8_t m = proto_mask(fw);
        uint16_t k = 0;
        for (int b = 0; b < 8; b++) {
            if (!((m >> b) & 1u))
                continue;
            if (p->len == 4 && k == p->ids[3]) {
                out->value.v.i = b;
                return TERN_OK;
            }
            k++;
        }
        return TERN_ENOTFOUND;
    }
    case 9:
        /* 0 pull only, 1 push only, 2 both: push is always offered */
        out->value.v.i = fw->cfg.downloader ? 2 : 1;
        return TERN_OK;
    case 11: out->value.v.i = fw->rw_.severity; return TERN_OK;
    case 12:
        out->value.type = TERN_TYPE_TIME;
        out->value.v.i = fw->changed_at_;
        return TERN_OK;
    case 13:
        out->value.type = TERN_TYPE_UNSIGNED;
        out->value.v.u = fw->rw_.max_defer;
        return TERN_OK;
    case 14:
        out->value.type = TERN_TYPE_BOOLEAN;
        out->value.v.b = fw->rw_.auto_update;
        return TERN_OK;
    default: return TERN_ENOTFOUND;
    }
}

/* A sink failure as the write's error: no room → 4.13, else 4.00. */
static int sink_err(int r)
{
    return r == TERN_FW_RESULT_NO_FLASH || r == TERN_FW_RESULT_NO_RAM ? TERN_ETOOBIG : TERN_EINVAL;
}

/* Push: one piece of the Package (a block of a block-wise Write). */
static int write_package(tern_fw *fw, const tern_entry *e)
{
    const tern_bytes *b = &e->value.v.bytes;
    if (e->offset == 0) {
        /* "setting the Package Resource to NULL ('\0')" (or empty) resets
         * the state machine (resource 3) */
        if (!e->more && (b->len == 0 || (b->len == 1 && b->ptr[0] == 0))) {
            fw->reset_pending_ = true;
            return TERN_OK;
        }
        if (fw->state_ != TERN_FW_IDLE || fw->pushing_ || fw->pulling_)
            return TERN_EUNSUPPORTED; /* a package is already there or coming */
        set_result(fw, TERN_FW_RESULT_INITIAL);
        set_state(fw, TERN_FW_DOWNLOADING);
        fw->next_off_ = 0;
        int r = fw->cfg.open(fw->cfg.ctx, e->total);
        if (r != 0) {
            to_idle(fw, fail_result(r));
            return sink_err(r);
        }
        fw->pushing_ = true;
    } else if (!fw->pushing_ || e->offset != fw->next_off_) {
        return TERN_ESTATE; /* cancelled or reset while the blocks came */
    }
    int r = b->len ? fw->cfg.write(fw->cfg.ctx, e->offset, b->ptr, b->len) : 0;
    if (r != 0) {
        to_idle(fw, fail_result(r));
        return sink_err(r);
    }
    fw->next_off_ = e->offset + (uint32_t)b->len;
    if (!e->more) {
        fw->pushing_ = false;
        r = finish_image(fw);
        if (r != 0)
            return sink_err(r);
        fw->completed_ = true;
    }
    return TERN_OK;
}

static int h_write(tern_dm_obj *o, const tern_entry *e)
{
    tern_fw *fw = fw_of(o);
    switch (e->path.ids[2]) {
    case 0: return write_package(fw, e);
    case 1: {
        size_t n = e->value.v.bytes.len;
        if (e->offset != 0 || e->more || n >= TERN_FW_URI_LEN)
            return TERN_ETOOBIG;
        if (n > 0 && fw->state_ != TERN_FW_IDLE)
            return TERN_EUNSUPPORTED; /* a new download only from Idle */
        memcpy(fw->rw_.uri, e->value.v.bytes.ptr, n);
        fw->rw_.uri[n] = '\0';
        fw->rw_.uri_len = (uint16_t)n;
        fw->uri_written_ = true;
        return TERN_OK;
    }
    case 11: fw->rw_.severity = e->value.v.i; return TERN_OK;
    case 13: fw->rw_.max_defer = e->value.v.u; return TERN_OK;
    case 14: fw->rw_.auto_update = e->value.v.b; return TERN_OK;
    default: return TERN_EUNSUPPORTED;
    }
}

static int h_reset(tern_dm_obj *o, const tern_path *p)
{
    tern_fw *fw = fw_of(o);
    if (p->len != 2)
        return TERN_EUNSUPPORTED;
    fw->rw_.severity = 1;
    fw->rw_.max_defer = 0;
    fw->rw_.auto_update = false;
    return TERN_OK;
}

static int h_execute(tern_dm_obj *o, uint16_t iid, uint16_t rid, const uint8_t *args, size_t args_len)
{
    tern_fw *fw = fw_of(o);
    (void)iid;
    (void)args;
    (void)args_len;
    if (rid == 2) {
        /* "only executable when the value of the State Resource is
         * Downloaded": Method Not Allowed otherwise */
        if (fw->state_ != TERN_FW_DOWNLOADED)
            return TERN_EUNSUPPORTED;
        start_update(fw);
        return TERN_OK;
    }
    if (rid == 10) {
        /* Cancel: "If the device is in the process of installing the
         * firmware or has already completed installation it MUST respond
         * with Method Not Allowed" */
        if (fw->state_ != TERN_FW_DOWNLOADING && fw->state_ != TERN_FW_DOWNLOADED)
            return TERN_EUNSUPPORTED;
        to_idle(fw, TERN_FW_RESULT_CANCELLED);
        return TERN_OK;
    }
    return TERN_EUNSUPPORTED;
}

static int h_begin(tern_dm_obj *o)
{
    tern_fw *fw = fw_of(o);
    fw->shadow_ = fw->rw_;
    fw->completed_ = false;
    fw->uri_written_ = false;
    fw->reset_pending_ = false;
    return TERN_OK;
}

static int h_commit(tern_dm_obj *o)
{
    tern_fw *fw = fw_of(o);
    if (fw->reset_pending_ || (fw->uri_written_ && fw->rw_.uri_len == 0)) {
        /* an empty Package or Package URI: Idle, result 0 */
        to_idle(fw, TERN_FW_RESULT_INITIAL);
    } else if (fw->uri_written_) {
        start_pull(fw);
    } else if (fw->completed_ && fw->state_ == TERN_FW_DOWNLOADED && fw->rw_.auto_update) {
        start_update(fw); /* a push just completed (resource 14) */
    }
    fw->completed_ = false;
    fw->uri_written_ = false;
    fw->reset_pending_ = false;
    return TERN_OK;
}

static void h_rollback(tern_dm_obj *o)
{
    tern_fw *fw = fw_of(o);
    fw->rw_ = fw->shadow_;
    fw->completed_ = false;
    fw->uri_written_ = false;
    fw->reset_pending_ = false;
    if (fw->pushing_)
        to_idle(fw, TERN_FW_RESULT_CONN_LOST); /* the push broke off */
}

static const tern_dm_handlers fw_handlers = {
    .inst_next = h_inst_next,
    .res_present = h_present,
    .rinst_next = h_rinst_next,
    .read = h_read,
    .write = h_write,
    .reset = h_reset,
    .execute = h_execute,
    .begin = h_begin,
    .commit = h_commit,
    .rollback = h_rollback,
};

int tern_fw_init(tern_fw *fw, const tern_fw_cfg *cfg)
{
    if (!fw || !cfg || !cfg->open || !cfg->write || !cfg->close)
        return TERN_EINVAL;
    if (cfg->downloader && !cfg->downloader->start)
        return TERN_EINVAL;
    memset(fw, 0, sizeof *fw);
    fw->cfg = *cfg;
    fw->rw_.severity = 1; /* "Default value is 1" (resource 11) */
    fw->obj.def = &tern_obj_5_v1_2;
    fw->obj.h = &fw_handlers;
    fw->obj.user = fw;
    return TERN_OK;
}

tern_fw_state tern_fw_state_get(const tern_fw *fw)
{
    return (tern_fw_state)fw->state_;
}

tern_fw_result tern_fw_result_get(const tern_fw *fw)
{
    return (tern_fw_result)fw->result_;
}

int tern_fw_restore(tern_fw *fw, tern_fw_state state, tern_fw_result result)
{
    if ((unsigned)state > (unsigned)TERN_FW_UPDATING || (unsigned)result > (unsigned)TERN_FW_RESULT_DEFERRED)
        return TERN_EINVAL;
    fw->state_ = (uint8_t)state;
    fw->result_ = (uint8_t)result;
    return TERN_OK;
}
