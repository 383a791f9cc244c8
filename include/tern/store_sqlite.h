/* tern — SQLite store (platform code: it does file I/O). One database file
 * holds every record kind of tern/store.h (registrations, observations,
 * queued requests, bootstrap configurations, sessions) in one table
 * (kind, key) → blob, and the Bootstrap-Server's session records in an
 * append-only table.
 *
 *   tern_store_sqlite db;
 *   tern_store_sqlite_cfg c = {.path = "/var/lib/tern/tern.db"};
 *   if (tern_store_sqlite_open(&db, &c) < 0) fprintf(stderr, "%s\n", db.errmsg);
 *   srv_cfg.store = tern_store_sqlite_as_store(&db);       // tern/server.h
 *   bs_cfg.store = tern_store_sqlite_bs_iface(&db);        // tern/bootstrap.h
 *   bs_cfg.on_record = tern_store_sqlite_bs_on_record; bs_cfg.record_ctx = &db;
 *   ...
 *   tern_store_sqlite_close(&db);
 *
 * Durability. The database runs in WAL journal mode. With the default
 * synchronous = FULL every put/delete is its own transaction whose WAL frames
 * are fsync'ed before the call returns, so a record the server acknowledged
 * (2.01/2.04 are sent only after put returned 0) survives SIGKILL and power
 * loss as far as SQLite and the disk keep their promises. The cost is one
 * fsync per write (bench_store prints the figures). synchronous = NORMAL
 * skips that fsync (the WAL is synced only at checkpoints): still
 * consistent and SIGKILL-safe (the OS page cache keeps the frames), but the
 * last transactions may roll back on power loss — acceptable only when a
 * client re-registering after a power cut is acceptable.
 *
 * Files: the database and its -wal/-shm files are created with mode 0600
 * (bootstrap configurations hold PSKs and private keys); an existing file
 * readable by group or others is narrowed to 0600 at open. Deleted records
 * are overwritten (secure_delete).
 *
 * Threads: one tern_store_sqlite is one connection, used by one thread at a
 * time. Several processes may open the same file (WAL readers do not block
 * the writer; writers wait up to busy_timeout_ms).
 */
#ifndef TERN_STORE_SQLITE_H
#define TERN_STORE_SQLITE_H

#include "tern/base.h"
#include "tern/bootstrap.h"
#include "tern/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sqlite3;
struct sqlite3_stmt;

/* Schema version this build writes (table tern_schema). A file with a newer
 * version is refused (TERN_EUNSUPPORTED); an older one is migrated at open. */
#define TERN_STORE_SQLITE_SCHEMA 1

typedef enum tern_store_sqlite_sync {
    TERN_SQLITE_SYNC_FULL = 0,   /* fsync per commit (default) */
    TERN_SQLITE_SYNC_NORMAL = 1, /* fsync at checkpoints only */
} tern_store_sqlite_sync;

typedef struct tern_store_sqlite_cfg {
    const char *path;          /* database file; read during open only */
    uint8_t synchronous;       /* tern_store_sqlite_sync */
    bool no_create;            /* absent file → TERN_ENOTFOUND instead of creating it */
    bool integrity_check;      /* PRAGMA quick_check at open (reads the whole file) */
    uint32_t busy_timeout_ms;  /* (5000) wait for another process's write lock */
    tern_log log;
    /* Migration hook: called inside the open transaction after the built-in
     * schema steps, once per version step from → from + 1 (from = 0 for a
     * new file), so an application can keep its own tables in the same
     * file. Return 0, or a tern_err to abort the open (nothing is changed). */
    int (*migrate)(void *ctx, struct sqlite3 *db, int from, int to);
    void *migrate_ctx;
    /* Memory for decoded bootstrap configurations (NULL alloc: malloc). */
    tern_alloc alloc;
} tern_store_sqlite_cfg;

enum { TERN_SQLITE_STMTS_ = 7 };

/* Caller-allocated; fields are read-only for the application. */
typedef struct tern_store_sqlite {
    tern_store_sqlite_cfg cfg;
    int schema_version;   /* after open: TERN_STORE_SQLITE_SCHEMA */
    uint64_t puts, gets, dels, iterations, bs_records;
    int last_err;         /* last tern_err returned (0 when none) */
    char errmsg[256];     /* message for last_err: what failed and SQLite's reason */
    /* private */
    uint64_t batches;     /* batches committed */
    struct sqlite3 *db_;
    struct sqlite3_stmt *stmt_[TERN_SQLITE_STMTS_];
    bool batch_;          /* inside begin_batch .. commit_batch */
    bool batch_failed_;   /* SQLite rolled the batch back: commit_batch fails */
    uint32_t batch_writes_;
} tern_store_sqlite;

/* Opens (creating when absent, unless cfg.no_create) and migrates the
 * database. 0, or: TERN_ENOTFOUND (absent and no_create), TERN_EMALFORMED
 * (not a database / corrupt), TERN_EUNSUPPORTED (schema newer than this
 * build, or WAL not available on this file system), TERN_EPERM, TERN_EIO,
 * TERN_ENOMEM; s->errmsg says why. On failure nothing stays open (close is
 * still allowed). */
int tern_store_sqlite_open(tern_store_sqlite *s, const tern_store_sqlite_cfg *cfg);
/* Finishes statements and closes (SQLite checkpoints the WAL into the
 * file). Safe on a store that failed to open or is already closed. */
void tern_store_sqlite_close(tern_store_sqlite *s);

/* The tern_store view (tern/store.h). Errors of put/get/del/iterate:
 * TERN_EINVAL (kind out of range), TERN_ENOMEM (out memory / get cap too
 * small), TERN_EIO (disk, lock timeout), TERN_EMALFORMED (corrupt file),
 * TERN_EPERM (read-only file), TERN_EFULL (disk full); s->errmsg says why.
 * iterate() steps one SQLite statement: records are read page by page,
 * never all loaded; the visitor's key/blob views live during its call. */
tern_store tern_store_sqlite_as_store(tern_store_sqlite *s);
/* Records of a kind (0 and *n = 0 on an empty store). */
int tern_store_sqlite_count(tern_store_sqlite *s, int kind, uint64_t *n);

/* ---- group commit ---------------------------------------------------------------
 * One fsync for many writes, still "nothing acknowledged is lost".
 *
 *   tern_store_sqlite_begin_batch(&db);      // BEGIN IMMEDIATE
 *   ... every put / del (and bs_put / bs_append) joins one transaction and
 *       returns at once: it is NOT durable yet ...
 *   tern_store_sqlite_commit_batch(&db);     // COMMIT: one WAL fsync (FULL)
 *
 * Inside a batch, put returning 0 no longer means "durable" (tern/store.h),
 * so whoever acknowledges a write must hold the acknowledgement until
 * commit_batch returned 0. With the LwM2M Server engine (tern/server.h,
 * which answers 2.01/2.04/2.02 from inside its CoAP handler right after
 * put returned) that is done at the datagram boundary, with no engine
 * change: per loop iteration
 *
 *   begin_batch; receive and feed every waiting datagram; step;
 *   — the endpoint's cfg.send only queues the outgoing datagrams —
 *   commit_batch; on 0 send the queued datagrams, in order.
 *
 * Every response whose record is in the batch is among the queued
 * datagrams, so none leaves before its record is on disk. If commit_batch
 * fails the queued datagrams must be dropped AND the process must stop
 * (fail-stop, restart restores from the file): the engine already holds
 * the registrations in memory and the endpoint's duplicate cache would
 * answer a retransmitted Register with the cached 2.01. bench/bench_load.c
 * (--store sqlite --batch) is the reference loop.
 *
 * Costs: the batch keeps the write lock for the loop iteration (other
 * processes' writers wait, readers do not); responses wait for the commit
 * (one fsync, ~1-4 ms on a disk that honours it), so keep iterations
 * bounded (e.g. at most 256 datagrams per batch).
 *
 * begin_batch: 0, TERN_ESTATE (already in a batch / not open), or a store
 * error. commit_batch: 0 (the batch is durable), TERN_ESTATE (no batch),
 * or an error — then nothing of the batch is stored (it was rolled back).
 * abort_batch rolls back (nothing of the batch is stored). A put/del that
 * fails inside a batch may have rolled the whole batch back (SQLite does
 * for disk full / I/O errors): later writes of the batch then fail with
 * TERN_EIO and commit_batch reports it. */
int tern_store_sqlite_begin_batch(tern_store_sqlite *s);
int tern_store_sqlite_commit_batch(tern_store_sqlite *s);
void tern_store_sqlite_abort_batch(tern_store_sqlite *s);
/* Writes (put/del) in the current batch. */
static inline uint32_t tern_store_sqlite_batch_writes(const tern_store_sqlite *s)
{
    return s->batch_writes_;
}

/* ---- Bootstrap-Server: configurations ------------------------------------------
 * Kept as TERN_REC_BOOTSTRAP_CFG records keyed by endpoint name; the blob is
 * a versioned serialisation of the whole tern_bs_config (steps, Security /
 * Server / ACL instances with their keys, Write entries). */
/* Stores (replaces) the configuration of c->endpoint. 0, TERN_EINVAL
 * (no endpoint, unknown step kind), TERN_ETOOBIG, or a store error. */
int tern_store_sqlite_bs_put(tern_store_sqlite *s, const tern_bs_config *c);
/* TERN_ENOTFOUND when absent. */
int tern_store_sqlite_bs_del(tern_store_sqlite *s, const char *endpoint);
/* The tern_bs_store view: lookup() decodes the record into one block from
 * cfg.alloc that release() frees; the peer is not checked (an application
 * that binds configurations to identities wraps lookup). */
tern_bs_store tern_store_sqlite_bs_iface(tern_store_sqlite *s);
/* Serialisation used by the records (version byte 1): length written or
 * TERN_ENOMEM / TERN_EINVAL. */
int tern_store_sqlite_bs_encode(const tern_bs_config *c, uint8_t *out, size_t cap);

/* ---- Bootstrap-Server: session records (append-only) ----------------------------- */
/* Appends a record (one transaction); 0 or a store error. */
int tern_store_sqlite_bs_append(tern_store_sqlite *s, const tern_bs_record *rec);
/* For tern_bs_cfg.on_record (ctx = the store); failures are logged and
 * counted in s->last_err. */
void tern_store_sqlite_bs_on_record(void *ctx, const tern_bs_record *rec);
/* Calls fn for the records with seq > after_seq, oldest first, at most
 * `limit` (0: all). `rec` and its strings/steps live during the call;
 * rec->peer is NULL when none was stored; wall_ms is the real time of the
 * append (ms since the epoch). fn returns 0 to go on; non-zero stops and is
 * returned. */
typedef int (*tern_store_sqlite_bs_visit)(void *ctx, int64_t seq, int64_t wall_ms, const tern_bs_record *rec);
int tern_store_sqlite_bs_records(tern_store_sqlite *s, int64_t after_seq, size_t limit,
                                 tern_store_sqlite_bs_visit fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* TERN_STORE_SQLITE_H */
