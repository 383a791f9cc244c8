/* tern — bootstrap configuration as entries: what each configured step
 * writes (Security /0, Server /1, ACL /2, any object), the Write format
 * choice, and the Bootstrap-Pack encoding. */
#include <string.h>

#include "tern/bootstrap.h"

static tern_entry val_entry(uint16_t oid, uint16_t iid, uint16_t rid)
{
    tern_entry e;
    memset(&e, 0, sizeof e);
    e.kind = TERN_ENTRY_VALUE;
    e.path = tern_path_make(3, oid, iid, rid, 0);
    return e;
}

static void set_int(tern_entry *e, int64_t v)
{
    e->value.type = TERN_TYPE_INTEGER;
    e->value.v.i = v;
}
static void set_str(tern_entry *e, const char *s)
{
    e->value.type = TERN_TYPE_STRING;
    e->value.v.bytes.ptr = (const uint8_t *)s;
    e->value.v.bytes.len = strlen(s);
}
static void set_opaque(tern_entry *e, tern_bytes b)
{
    e->value.type = TERN_TYPE_OPAQUE;
    e->value.v.bytes = b;
}
static void set_bool(tern_entry *e, bool b)
{
    e->value.type = TERN_TYPE_BOOLEAN;
    e->value.v.b = b;
}

/* Security: resources in ID order; returns false when resource slot `slot`
 * is absent in this instance. */
static const uint16_t sec_rids[] = {0, 1, 2, 3, 4, 5, 10, 11, 12, 14, 15};

static bool sec_slot(const tern_bs_security *s, size_t slot, tern_entry *e)
{
    uint16_t rid = sec_rids[slot];
    *e = val_entry(0, s->iid, rid);
    switch (rid) {
    case 0:
        set_str(e, s->uri ? s->uri : "");
        return true;
    case 1:
        set_bool(e, s->bootstrap_server);
        return true;
    case 2:
        set_int(e, s->mode);
        return true;
    case 3:
        set_opaque(e, s->identity);
        return s->identity.len > 0;
    case 4:
        set_opaque(e, s->server_key);
        return s->server_key.len > 0;
    case 5:
        set_opaque(e, s->secret_key);
        return s->secret_key.len > 0;
    case 10:
        set_int(e, s->ssid);
        return s->ssid >= 0;
    case 11:
        set_int(e, s->hold_off);
        return s->hold_off >= 0;
    case 12:
        set_int(e, s->bs_timeout);
        return s->bs_timeout >= 0;
    case 14:
        if (!s->sni)
            return false;
        set_str(e, s->sni);
        return true;
    case 15:
        set_int(e, s->cert_usage);
        return s->cert_usage >= 0;
    default:
        return false;
    }
}

static const uint16_t srv_rids[] = {0, 1, 2, 3, 5, 6, 7};

static bool srv_slot(const tern_bs_server *s, size_t slot, tern_entry *e)
{
    uint16_t rid = srv_rids[slot];
    *e = val_entry(1, s->iid, rid);
    switch (rid) {
    case 0:
        set_int(e, s->ssid);
        return true;
    case 1:
        set_int(e, s->lifetime);
        return true;
    case 2:
        set_int(e, s->pmin);
        return s->pmin >= 0;
    case 3:
        set_int(e, s->pmax);
        return s->pmax >= 0;
    case 5:
        set_int(e, s->disable_timeout);
        return s->disable_timeout >= 0;
    case 6:
        set_bool(e, s->notif_storing);
        return true;
    case 7:
        set_str(e, s->binding ? s->binding : "U");
        return true;
    default:
        return false;
    }
}

/* ACL: 0, 1, then one entry per ACL resource instance, then 3. */
static bool acl_slot(const tern_bs_acl *a, size_t slot, tern_entry *e)
{
    if (slot == 0) {
        *e = val_entry(2, a->iid, 0);
        set_int(e, a->oid);
        return true;
    }
    if (slot == 1) {
        *e = val_entry(2, a->iid, 1);
        set_int(e, a->oiid);
        return true;
    }
    if (slot - 2 < a->n_entries) {
        const tern_bs_acl_entry *x = &a->entries[slot - 2];
        *e = val_entry(2, a->iid, 2);
        e->path = tern_path_make(4, 2, a->iid, 2, x->ssid);
        set_int(e, x->rights);
        return true;
    }
    if (slot == 2 + a->n_entries) {
        *e = val_entry(2, a->iid, 3);
        set_int(e, a->owner);
        return true;
    }
    return false;
}

static size_t slot_count(const tern_bs_item *s)
{
    switch (s->kind) {
    case TERN_BS_ITEM_SECURITY:
        return s->u.security ? TERN_ARRAY_LEN(sec_rids) : 0;
    case TERN_BS_ITEM_SERVER:
        return s->u.server ? TERN_ARRAY_LEN(srv_rids) : 0;
    case TERN_BS_ITEM_ACL:
        return s->u.acl ? 3 + s->u.acl->n_entries : 0;
    case TERN_BS_ITEM_WRITE:
        return s->u.write.entries ? s->u.write.n : 0;
    default:
        return 0;
    }
}

static bool step_slot(const tern_bs_item *s, size_t slot, tern_entry *e)
{
    switch (s->kind) {
    case TERN_BS_ITEM_SECURITY:
        return sec_slot(s->u.security, slot, e);
    case TERN_BS_ITEM_SERVER:
        return srv_slot(s->u.server, slot, e);
    case TERN_BS_ITEM_ACL:
        return acl_slot(s->u.acl, slot, e);
    case TERN_BS_ITEM_WRITE:
        *e = s->u.write.entries[slot];
        return true;
    default:
        return false;
    }
}

size_t tern_bs_item_entry_count(const tern_bs_item *s)
{
    size_t n = 0, slots = slot_count(s);
    tern_entry e;
    for (size_t i = 0; i < slots; i++)
        if (step_slot(s, i, &e))
            n++;
    return n;
}

int tern_bs_item_entry(const tern_bs_item *s, size_t k, tern_entry *out)
{
    size_t slots = slot_count(s);
    for (size_t i = 0; i < slots; i++) {
        if (!step_slot(s, i, out))
            continue;
        if (k-- == 0)
            return TERN_OK;
    }
    return TERN_DONE;
}

tern_path tern_bs_item_path(const tern_bs_item *s)
{
    switch (s->kind) {
    case TERN_BS_ITEM_SECURITY:
        return tern_path_make(2, 0, s->u.security ? s->u.security->iid : 0, 0, 0);
    case TERN_BS_ITEM_SERVER:
        return tern_path_make(2, 1, s->u.server ? s->u.server->iid : 0, 0, 0);
    case TERN_BS_ITEM_ACL:
        return tern_path_make(2, 2, s->u.acl ? s->u.acl->iid : 0, 0, 0);
    default:
        return s->path;
    }
}

int32_t tern_bs_default_format(const char *v)
{
    /* 1.0 clients must support TLV; 1.1 kept TLV among the mandatory
     * candidates; 1.2 clients are asked in SenML CBOR, which every 1.2
     * client that cannot say pct is most likely to support alongside TLV. */
    if (v && strcmp(v, "1.2") == 0)
        return TERN_CF_SENML_CBOR;
    return TERN_CF_TLV;
}

bool tern_bs_write_format_ok(int32_t cf)
{
    return cf == TERN_CF_SENML_CBOR || cf == TERN_CF_LWM2M_CBOR || cf == TERN_CF_TLV ||
           cf == TERN_CF_SENML_JSON || cf == TERN_CF_OMA_JSON;
}

static bool is_write(uint8_t k)
{
    return k == TERN_BS_ITEM_SECURITY || k == TERN_BS_ITEM_SERVER || k == TERN_BS_ITEM_ACL ||
           k == TERN_BS_ITEM_WRITE;
}

static int pack_add(tern_encoder *enc, const tern_entry *e, tern_wbuf *w)
{
    int rc = tern_encoder_add(enc, e, w);
    if (rc == TERN_AGAIN)
        return TERN_ETOOBIG; /* one buffer: cannot drain */
    return rc < 0 ? rc : TERN_OK;
}

int tern_bs_pack_encode(const tern_bs_config *c, int32_t cf, uint8_t *scratch, size_t scratch_cap, uint8_t *out,
                        size_t cap)
{
    if (!c || !out || !scratch)
        return TERN_EINVAL;
    bool etch = cf == TERN_CF_SENML_ETCH_CBOR;
    if (!etch && cf != TERN_CF_SENML_CBOR && cf != TERN_CF_SENML_JSON && cf != TERN_CF_LWM2M_CBOR)
        return TERN_EUNSUPPORTED;
    tern_encoder enc;
    tern_path root = tern_path_root();
    int rc = tern_encoder_init(&enc, cf, &root, scratch, scratch_cap);
    if (rc < 0)
        return rc;
    tern_wbuf w = tern_wbuf_make(out, cap);
    if (etch) {
        /* The deletes first: value-less records (RFC 8790 §6: remove). */
        bool any_delete = false;
        for (size_t i = 0; i < c->n_steps; i++) {
            if (c->steps[i].kind != TERN_BS_ITEM_DELETE)
                continue;
            any_delete = true;
            tern_entry e;
            memset(&e, 0, sizeof e);
            e.kind = TERN_ENTRY_PATH_ONLY;
            e.path = c->steps[i].path;
            if ((rc = pack_add(&enc, &e, &w)) < 0)
                return rc;
        }
        if (!any_delete && !c->no_default_delete) {
            tern_entry e;
            memset(&e, 0, sizeof e);
            e.kind = TERN_ENTRY_PATH_ONLY;
            e.path = root;
            if ((rc = pack_add(&enc, &e, &w)) < 0)
                return rc;
        }
    }
    for (size_t i = 0; i < c->n_steps; i++) {
        const tern_bs_item *s = &c->steps[i];
        if (!is_write(s->kind))
            continue;
        tern_entry e;
        for (size_t k = 0; tern_bs_item_entry(s, k, &e) == TERN_OK; k++)
            if ((rc = pack_add(&enc, &e, &w)) < 0)
                return rc;
    }
    for (;;) {
        rc = tern_encoder_finish(&enc, &w);
        if (rc == TERN_AGAIN)
            return TERN_ENOMEM; /* the whole pack must fit `out` */
        if (rc < 0)
            return rc;
        break;
    }
    return (int)w.len;
}
