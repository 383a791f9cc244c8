/* tern — LwM2M Server: persistence of observations (Information Reporting,
 * Transport §6.4.5). An observation is stored once the client accepted it
 * (2.05 with Observe) and forgotten when it ends or its registration goes.
 * After a restart the CoAP tokens are gone, so a restored observation is
 * dormant: it is sent again at the client's next Register or Update and
 * its notifications go to cfg.on_orphan_notify until someone subscribes. */
#include <string.h>

#include "server/server_internal.h"

static size_t obs_key(const tern_server_reg *reg, uint64_t id, uint8_t *key)
{
    memcpy(key, reg->ep, reg->ep_len);
    key[reg->ep_len] = 0;
    for (int i = 0; i < 8; i++)
        key[reg->ep_len + 1 + i] = (uint8_t)(id >> (56 - 8 * i));
    return (size_t)reg->ep_len + 9;
}

void tern_srv_obs_persist(tern_server *srv, tern_srv_obs *o)
{
    if (!srv->cfg.store.ops || !o->reg || o->payload_len > 0xffff)
        return;
    uint8_t key[TERN_SERVER_EP_MAX + 9];
    size_t kl = obs_key(o->reg, o->rec_id, key);
    size_t n = 1 + 1 + 4 + 1 + 8 + 4 + 2 + o->payload_len;
    uint8_t *b = tern_srv_alloc(srv, n);
    if (!b)
        return;
    uint8_t *p = b;
    *p++ = 1;
    *p++ = o->kind;
    uint32_t a = (uint32_t)o->accept, c = (uint32_t)o->payload_cf;
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(a >> (24 - 8 * i));
    *p++ = o->path.len;
    for (int i = 0; i < 4; i++) {
        *p++ = (uint8_t)(o->path.ids[i] >> 8);
        *p++ = (uint8_t)o->path.ids[i];
    }
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(c >> (24 - 8 * i));
    *p++ = (uint8_t)(o->payload_len >> 8);
    *p++ = (uint8_t)o->payload_len;
    if (o->payload_len)
        memcpy(p, o->payload, o->payload_len);
    (void)srv->cfg.store.ops->put(srv->cfg.store.ctx, TERN_REC_OBSERVATION, key, kl, b, n);
    tern_srv_free(srv, b, n);
}

void tern_srv_obs_unpersist(tern_server *srv, tern_srv_obs *o)
{
    if (!srv->cfg.store.ops || !o->reg)
        return;
    uint8_t key[TERN_SERVER_EP_MAX + 9];
    size_t kl = obs_key(o->reg, o->rec_id, key);
    (void)srv->cfg.store.ops->del(srv->cfg.store.ctx, TERN_REC_OBSERVATION, key, kl);
}

static int restore_obs(void *ctx, const uint8_t *key, size_t kl, const uint8_t *b, size_t n)
{
    tern_server *srv = ctx;
    if (kl < 10 || key[kl - 9] != 0 || n < 21 || b[0] != 1)
        return 0;
    tern_server_reg *reg = tern_srv_find_ep(srv, (const char *)key, kl - 9);
    size_t plen = (size_t)b[19] << 8 | b[20];
    if (!reg || n != 21 + plen || b[6] > 4)
        return 0;
    tern_srv_obs *o = tern_srv_alloc(srv, sizeof *o);
    if (!o)
        return TERN_ENOMEM;
    memset(o, 0, sizeof *o);
    o->srv = srv;
    o->reg = reg;
    o->kind = b[1];
    o->accept = (int32_t)tern_be32(b + 2);
    o->path.len = b[6];
    for (int i = 0; i < 4; i++)
        o->path.ids[i] = tern_be16(b + 7 + 2 * i);
    o->payload_cf = (int32_t)tern_be32(b + 15);
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id = id << 8 | key[kl - 8 + (size_t)i];
    o->rec_id = id;
    if (id >= srv->next_rec)
        srv->next_rec = id + 1;
    if (plen) {
        o->payload = tern_srv_alloc(srv, plen);
        if (!o->payload) {
            tern_srv_free(srv, o, sizeof *o);
            return TERN_ENOMEM;
        }
        memcpy(o->payload, b + 21, plen);
        o->payload_len = plen;
    }
    if (o->kind != TERN_OPK_OBSERVE && o->kind != TERN_OPK_OBSERVE_COMPOSITE) {
        tern_srv_obs_free(srv, o);
        return 0;
    }
    o->dormant = true;
    o->next = reg->obs;
    reg->obs = o;
    return 0;
}

int tern_srv_obs_restore(tern_server *srv)
{
    int rc = srv->cfg.store.ops->iterate(srv->cfg.store.ctx, TERN_REC_OBSERVATION, restore_obs, srv);
    return rc < 0 ? rc : TERN_OK;
}

/* The client is in touch again: send its dormant observations (as
 * requests without a subscriber; notifications reach on_orphan_notify). */
void tern_srv_obs_reestablish(tern_server *srv, tern_server_reg *reg)
{
    tern_srv_obs **pp = &reg->obs;
    while (*pp) {
        tern_srv_obs *o = *pp;
        if (!o->dormant) {
            pp = &o->next;
            continue;
        }
        *pp = o->next; /* taken out; tern_server_request builds a fresh one */
        tern_op op;
        tern_op_init(&op, (tern_op_kind)o->kind);
        op.path = o->path;
        op.accept = o->accept;
        op.content_format = o->payload_cf;
        op.payload.ptr = o->payload;
        op.payload.len = o->payload_len;
        tern_srv_obs_unpersist(srv, o); /* stored again under the new id once accepted */
        (void)tern_server_request(srv, reg->ep, &op, NULL, NULL, NULL, NULL);
        tern_srv_obs_free(srv, o);
    }
}
