/* tern — what survives a reboot: the instances of the Security (0), Server
 * (1), Access Control (2) and OSCORE (21) objects, read and written through
 * the objects' handlers (so any implementation of /2 or /21 is saved the
 * same way), and the registration state (Location-Path per server).
 *
 * Blob "tern-dm": "TDM1", then records
 *   tag u8 (1 instance, 2 value) | oid u16 | iid u16 | rid u16 | riid u16 (0xffff: none)
 *   | type u8 | len u32 | value (integers/time/float 8 bytes BE, bool 1, objlnk 4, bytes raw)
 * Blob "tern-reg": "TRG1", then records ssid u16 | len u8 | Location-Path.
 * All integers big-endian. The blob holds secrets: the port must protect it. */
#include <string.h>

#include "client/client_internal.h"

static const uint16_t k_saved[] = {0, 1, 2, 21};

static int put16(tern_wbuf *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    return tern_wbuf_put(w, b, 2);
}

static int put64(tern_wbuf *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    return tern_wbuf_put(w, b, 8);
}

static int put_rec(tern_wbuf *w, uint8_t tag, const tern_path *p, const tern_value *v, uint32_t len)
{
    int rc;
    if ((rc = tern_wbuf_put_u8(w, tag)) < 0)
        return rc;
    for (int i = 0; i < 4; i++)
        if ((rc = put16(w, i < p->len ? p->ids[i] : 0xffff)) < 0)
            return rc;
    uint8_t hdr[5] = {(uint8_t)(v ? v->type : 0), (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                      (uint8_t)len};
    return tern_wbuf_put(w, hdr, 5);
}

static int put_value(tern_wbuf *w, const tern_path *p, const tern_value *v)
{
    int rc;
    switch (v->type) {
    case TERN_TYPE_INTEGER:
    case TERN_TYPE_TIME:
        if ((rc = put_rec(w, 2, p, v, 8)) < 0)
            return rc;
        return put64(w, (uint64_t)v->v.i);
    case TERN_TYPE_UNSIGNED:
        if ((rc = put_rec(w, 2, p, v, 8)) < 0)
            return rc;
        return put64(w, v->v.u);
    case TERN_TYPE_FLOAT: {
        uint64_t bits;
        memcpy(&bits, &v->v.f, 8);
        if ((rc = put_rec(w, 2, p, v, 8)) < 0)
            return rc;
        return put64(w, bits);
    }
    case TERN_TYPE_BOOLEAN:
        if ((rc = put_rec(w, 2, p, v, 1)) < 0)
            return rc;
        return tern_wbuf_put_u8(w, v->v.b ? 1 : 0);
    case TERN_TYPE_OBJLNK:
        if ((rc = put_rec(w, 2, p, v, 4)) < 0 || (rc = put16(w, v->v.lnk.oid)) < 0)
            return rc;
        return put16(w, v->v.lnk.iid);
    case TERN_TYPE_STRING:
    case TERN_TYPE_CORELNK:
    case TERN_TYPE_OPAQUE:
        if (v->v.bytes.len > UINT32_MAX)
            return TERN_ETOOBIG;
        if ((rc = put_rec(w, 2, p, v, (uint32_t)v->v.bytes.len)) < 0)
            return rc;
        return tern_wbuf_put(w, v->v.bytes.ptr, v->v.bytes.len);
    default: return TERN_OK;
    }
}

/* One resource (instance) through the read handler; chunked values are
 * joined (the whole value must fit the blob buffer). */
static int save_res(tern_dm_obj *o, const tern_path *p, tern_wbuf *w)
{
    tern_dm_read_out out;
    memset(&out, 0, sizeof out);
    int rc = o->h->read(o, p, 0, &out);
    if (rc == TERN_ENOTFOUND)
        return TERN_OK;
    if (rc < 0)
        return rc;
    if (!out.more)
        return put_value(w, p, &out.value);
    /* chunked: header with the total, then the pieces */
    tern_value hv = out.value;
    if ((rc = put_rec(w, 2, p, &hv, out.total)) < 0)
        return rc;
    uint32_t off = 0;
    for (;;) {
        if ((rc = tern_wbuf_put(w, out.value.v.bytes.ptr, out.value.v.bytes.len)) < 0)
            return rc;
        off += (uint32_t)out.value.v.bytes.len;
        if (!out.more)
            return TERN_OK;
        memset(&out, 0, sizeof out);
        if ((rc = o->h->read(o, p, off, &out)) < 0)
            return rc;
    }
}

static int save_obj(tern_dm_obj *o, tern_wbuf *w)
{
    uint16_t oid = o->def->id, iid;
    int rc;
    for (int32_t after = -1; o->h->inst_next(o, after, &iid) == TERN_OK; after = iid) {
        tern_path pi = tern_path_make(2, oid, iid, 0, 0);
        if ((rc = put_rec(w, 1, &pi, NULL, 0)) < 0)
            return rc;
        for (uint16_t k = 0; k < o->def->res_count; k++) {
            const tern_res_def *rd = &o->def->res[k];
            if (rd->type == TERN_TYPE_NONE)
                continue;
            if (o->h->res_present && !o->h->res_present(o, iid, rd->id))
                continue;
            tern_path pr = tern_path_make(3, oid, iid, rd->id, 0);
            if (!rd->multiple) {
                if ((rc = save_res(o, &pr, w)) < 0)
                    return rc;
                continue;
            }
            uint16_t riid;
            for (int32_t a2 = -1; o->h->rinst_next && o->h->rinst_next(o, iid, rd->id, a2, &riid) == TERN_OK;
                 a2 = riid) {
                tern_path pri = tern_path_make(4, oid, iid, rd->id, riid);
                if ((rc = save_res(o, &pri, w)) < 0)
                    return rc;
            }
        }
    }
    return TERN_OK;
}

int tern_client_save(tern_client *c)
{
    if (!c->cfg.storage.write)
        return TERN_OK;
    tern_wbuf w = tern_wbuf_make(c->cfg.work, c->cfg.work_len);
    int rc = tern_wbuf_put(&w, "TDM1", 4);
    for (size_t i = 0; rc == TERN_OK && i < TERN_ARRAY_LEN(k_saved); i++) {
        tern_dm_obj *o = tern_dm_find(c->cfg.dm, k_saved[i]);
        if (o && o->h->inst_next && o->h->read)
            rc = save_obj(o, &w);
    }
    if (rc == TERN_OK)
        rc = c->cfg.storage.write(c->cfg.storage.ctx, "tern-dm", w.ptr, w.len);
    if (rc < 0) {
        tern_logf(&c->cfg.log, TERN_LOG_WARN, CL_MOD, "saving the configuration failed: %s", tern_strerror(rc));
        return rc;
    }
    w = tern_wbuf_make(c->cfg.work, c->cfg.work_len);
    rc = tern_wbuf_put(&w, "TRG1", 4);
    for (size_t i = 0; rc == TERN_OK && i < c->cfg.srv_cap; i++) {
        const tern_client_server *s = &c->cfg.srv[i];
        if (!s->used || !s->ssid || !s->loc_[0])
            continue;
        size_t n = strlen(s->loc_);
        if ((rc = put16(&w, s->ssid)) == TERN_OK && (rc = tern_wbuf_put_u8(&w, (uint8_t)n)) == TERN_OK)
            rc = tern_wbuf_put(&w, s->loc_, n);
    }
    if (rc == TERN_OK)
        rc = c->cfg.storage.write(c->cfg.storage.ctx, "tern-reg", w.ptr, w.len);
    if (rc == TERN_OK)
        c->dirty_ = false;
    return rc;
}

/* ---- restore ---- */

static uint16_t get16(const uint8_t *p)
{
    return tern_be16(p);
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Deletes every instance of o (stored state replaces the factory one). */
static int clear_obj(tern_dm_obj *o)
{
    uint16_t iid;
    if (!o->h->del)
        return TERN_OK;
    while (o->h->inst_next(o, -1, &iid) == TERN_OK) {
        tern_path pi = tern_path_make(2, o->def->id, iid, 0, 0);
        int rc = o->h->del(o, &pi);
        if (rc < 0)
            return rc;
    }
    return TERN_OK;
}

static int restore_dm(tern_client *c, const uint8_t *b, size_t len)
{
    if (len < 4 || memcmp(b, "TDM1", 4) != 0)
        return TERN_EMALFORMED;
    bool cleared[TERN_ARRAY_LEN(k_saved)] = {false};
    size_t pos = 4;
    while (pos < len) {
        if (len - pos < 14)
            return TERN_ETRUNCATED;
        uint8_t tag = b[pos];
        uint16_t ids[4];
        for (int i = 0; i < 4; i++)
            ids[i] = get16(b + pos + 1 + 2 * i);
        uint8_t type = b[pos + 9];
        uint32_t vlen = tern_be32(b + pos + 10);
        pos += 14;
        if (vlen > len - pos)
            return TERN_ETRUNCATED;
        const uint8_t *v = b + pos;
        pos += vlen;
        tern_dm_obj *o = tern_dm_find(c->cfg.dm, ids[0]);
        if (!o)
            continue; /* object no longer built in */
        for (size_t i = 0; i < TERN_ARRAY_LEN(k_saved); i++) {
            if (k_saved[i] == ids[0] && !cleared[i]) {
                cleared[i] = true;
                int rc = clear_obj(o);
                if (rc < 0)
                    return rc;
            }
        }
        if (tag == 1) {
            uint16_t got;
            if (!(o->h->inst_next(o, (int32_t)ids[1] - 1, &got) == TERN_OK && got == ids[1])) {
                if (!o->h->create)
                    return TERN_EUNSUPPORTED;
                int rc = o->h->create(o, ids[1]);
                if (rc < 0)
                    return rc;
            }
            continue;
        }
        if (tag != 2 || !o->h->write)
            return TERN_EMALFORMED;
        tern_entry e;
        memset(&e, 0, sizeof e);
        e.kind = TERN_ENTRY_VALUE;
        e.path = tern_path_make(ids[3] == 0xffff ? 3 : 4, ids[0], ids[1], ids[2], ids[3]);
        e.value.type = (tern_type)type;
        switch (type) {
        case TERN_TYPE_INTEGER:
        case TERN_TYPE_TIME:
            if (vlen != 8)
                return TERN_EMALFORMED;
            e.value.v.i = (int64_t)get64(v);
            break;
        case TERN_TYPE_UNSIGNED:
            if (vlen != 8)
                return TERN_EMALFORMED;
            e.value.v.u = get64(v);
            break;
        case TERN_TYPE_FLOAT: {
            if (vlen != 8)
                return TERN_EMALFORMED;
            uint64_t bits = get64(v);
            memcpy(&e.value.v.f, &bits, 8);
            break;
        }
        case TERN_TYPE_BOOLEAN:
            if (vlen != 1)
                return TERN_EMALFORMED;
            e.value.v.b = v[0] != 0;
            break;
        case TERN_TYPE_OBJLNK:
            if (vlen != 4)
                return TERN_EMALFORMED;
            e.value.v.lnk.oid = get16(v);
            e.value.v.lnk.iid = get16(v + 2);
            break;
        case TERN_TYPE_STRING:
        case TERN_TYPE_CORELNK:
        case TERN_TYPE_OPAQUE:
            e.value.v.bytes = (tern_bytes){v, vlen};
            e.total = vlen;
            break;
        default: return TERN_EMALFORMED;
        }
        if (o->h->begin)
            (void)o->h->begin(o);
        int rc = o->h->write(o, &e);
        if (o->h->commit && rc == TERN_OK)
            (void)o->h->commit(o);
        else if (o->h->rollback && rc < 0)
            o->h->rollback(o);
        if (rc < 0)
            return rc;
    }
    return TERN_OK;
}

static int restore_reg(tern_client *c, const uint8_t *b, size_t len)
{
    if (len < 4 || memcmp(b, "TRG1", 4) != 0)
        return TERN_EMALFORMED;
    size_t pos = 4;
    while (pos + 3 <= len) {
        uint16_t ssid = get16(b + pos);
        size_t n = b[pos + 2];
        pos += 3;
        if (n > len - pos)
            return TERN_ETRUNCATED;
        tern_client_server *s = tern_client_server_of(c, ssid);
        if (s && n < sizeof s->loc_) {
            memcpy(s->loc_, b + pos, n);
            s->loc_[n] = '\0';
            s->restored_ = true;
        }
        pos += n;
    }
    return TERN_OK;
}

int cl_store_restore(tern_client *c)
{
    if (!c->cfg.storage.read)
        return TERN_ENOTFOUND;
    size_t len = 0;
    int rc = c->cfg.storage.read(c->cfg.storage.ctx, "tern-dm", c->cfg.work, c->cfg.work_len, &len);
    if (rc < 0)
        return rc;
    if (len > c->cfg.work_len)
        return TERN_ETOOBIG;
    if ((rc = restore_dm(c, c->cfg.work, len)) < 0)
        return rc;
    rc = c->cfg.storage.read(c->cfg.storage.ctx, "tern-reg", c->cfg.work, c->cfg.work_len, &len);
    if (rc == TERN_OK && len <= c->cfg.work_len)
        rc = restore_reg(c, c->cfg.work, len);
    return rc == TERN_ENOTFOUND ? TERN_OK : rc;
}
