/* tern — store interface: where the LwM2M Server (and Bootstrap-Server)
 * keep what must survive a restart. Records of a few kinds, each a key and
 * one serialised blob; a backend maps them straight to a table
 * (kind, key) → blob: put / get / delete / iterate. The in-memory backend
 * (tern_store_mem) lives in src/server/store_mem.c; an SQLite backend is one
 * table with a (kind, key) primary key.
 *
 * Blobs are opaque to the backend: their layout belongs to the engine that
 * writes them (tern_server_reg_encode() for registrations) and carries a
 * version byte first.
 *
 * Calls are synchronous and made by the engine with its own memory: every
 * pointer passed in lives only during the call; a backend copies what it
 * keeps. A put must be durable (as far as the backend promises) when it
 * returns: the server answers 2.01/2.04 only after put returned 0.
 */
#ifndef TERN_STORE_H
#define TERN_STORE_H

#include "tern/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tern_store_kind {
    TERN_REC_REGISTRATION = 1, /* key: endpoint name */
    TERN_REC_OBSERVATION = 2,  /* key: endpoint name, 0, observation id (8 bytes BE) */
    TERN_REC_QUEUED_REQ = 3,   /* key: endpoint name, 0, request id (8 bytes BE) */
    TERN_REC_BOOTSTRAP_CFG = 4,/* key: endpoint name (bootstrap engine; declared) */
    TERN_REC_SESSION = 5,      /* key: peer identity (DTLS/OSCORE sessions; declared) */
    TERN_REC_KIND_COUNT_
} tern_store_kind;

/* Called for every record of a kind by iterate(); return 0 to go on, any
 * other value stops the iteration and is returned by iterate(). */
typedef int (*tern_store_visit)(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *blob,
                                size_t blob_len);

typedef struct tern_store_ops {
    /* Insert or replace. 0, TERN_ENOMEM / TERN_EIO. */
    int (*put)(void *ctx, int kind, const uint8_t *key, size_t key_len, const uint8_t *blob, size_t blob_len);
    /* Copies the blob to out; *blob_len = its full length. TERN_ENOTFOUND,
     * TERN_ENOMEM when cap is too small (*blob_len still set). */
    int (*get)(void *ctx, int kind, const uint8_t *key, size_t key_len, uint8_t *out, size_t cap,
               size_t *blob_len);
    /* TERN_ENOTFOUND when absent (callers treat it as success). */
    int (*del)(void *ctx, int kind, const uint8_t *key, size_t key_len);
    /* Every record of a kind, in no particular order. The visitor must not
     * modify the store. */
    int (*iterate)(void *ctx, int kind, tern_store_visit fn, void *fn_ctx);
} tern_store_ops;

typedef struct tern_store {
    const tern_store_ops *ops;
    void *ctx;
} tern_store;

/* Caller-provided allocator (the server and the stores use it; the client
 * never does). free() gets the size given to alloc(). alloc returns NULL on
 * exhaustion, which callers turn into TERN_ENOMEM. */
typedef struct tern_alloc {
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *p, size_t size);
    void *ctx;
} tern_alloc;

/* ---- the in-memory store ---------------------------------------------------- */
typedef struct tern_store_mem {
    tern_alloc alloc;
    struct tern_store_mem_rec_ **buckets;
    size_t n_buckets;
    size_t count;
    size_t bytes;     /* record memory in use (keys, blobs, headers) */
    uint64_t puts, dels;
    int fail_puts;    /* tests: fail the next N puts with TERN_EIO */
} tern_store_mem;

/* Initialises an empty store; `alloc` is copied. */
int tern_store_mem_init(tern_store_mem *m, const tern_alloc *alloc);
void tern_store_mem_deinit(tern_store_mem *m);
/* The tern_store view of m (m must outlive its users). */
tern_store tern_store_mem_as_store(tern_store_mem *m);

#ifdef __cplusplus
}
#endif
#endif /* TERN_STORE_H */
