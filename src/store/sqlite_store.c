/* tern — SQLite store: open (0600 file, WAL, synchronous, busy timeout),
 * schema versions and migrations, the statement cache, error mapping, and
 * the tern_store operations over one table (kind, key) → blob. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sqlite_internal.h"

/* ---- errors ------------------------------------------------------------------------ */
static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return TERN_OK;
    case SQLITE_NOMEM:
        return TERN_ENOMEM;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return TERN_EMALFORMED;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return TERN_EPERM;
    case SQLITE_FULL:
        return TERN_EFULL;
    case SQLITE_TOOBIG:
        return TERN_ETOOBIG;
    case SQLITE_CONSTRAINT:
    case SQLITE_RANGE:
        return TERN_EINVAL;
    case SQLITE_MISUSE:
        return TERN_ESTATE;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
    default:
        return TERN_EIO;
    }
}

int tern_sql_fail_msg(tern_store_sqlite *s, int err, const char *what)
{
    s->last_err = err;
    snprintf(s->errmsg, sizeof s->errmsg, "%s", what);
    tern_logf(&s->cfg.log, TERN_LOG_ERROR, "store", "%s", s->errmsg);
    return err;
}

int tern_sql_fail(tern_store_sqlite *s, int rc, const char *what)
{
    int err = map_rc(rc);
    if (err == TERN_OK)
        err = TERN_EIO;
    s->last_err = err;
    /* sqlite3_errmsg() names the most recent failure of this connection; the
     * result code's own text is appended in case it is a different one. */
    const char *detail = s->db_ ? sqlite3_errmsg(s->db_) : sqlite3_errstr(rc);
    snprintf(s->errmsg, sizeof s->errmsg, "%s: %s (%s, code %d)", what, detail, sqlite3_errstr(rc), rc);
    tern_logf(&s->cfg.log, TERN_LOG_ERROR, "store", "%s", s->errmsg);
    return err;
}

int tern_sql_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
    static const uint8_t empty[1] = {0};
    return sqlite3_bind_blob64(st, i, n ? p : empty, (sqlite3_uint64)n, SQLITE_STATIC);
}

static int exec(tern_store_sqlite *s, const char *sql, const char *what)
{
    int rc = sqlite3_exec(s->db_, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? TERN_OK : tern_sql_fail(s, rc, what);
}

/* ---- schema --------------------------------------------------------------------------
 * Built-in steps: MIGRATIONS[v] takes the schema from version v to v + 1.
 * The key is a BLOB compared with memcmp; WITHOUT ROWID keeps each record in
 * the primary-key b-tree itself (one lookup per get). */
static const char *const MIGRATIONS[TERN_STORE_SQLITE_SCHEMA] = {
    /* 0 → 1 */
    "CREATE TABLE tern_schema(version INTEGER NOT NULL);"
    "INSERT INTO tern_schema(version) VALUES(0);"
    "CREATE TABLE records(kind INTEGER NOT NULL, key BLOB NOT NULL, blob BLOB NOT NULL,"
    " PRIMARY KEY(kind, key)) WITHOUT ROWID;"
    "CREATE TABLE bs_sessions(seq INTEGER PRIMARY KEY AUTOINCREMENT, wall_ms INTEGER NOT NULL,"
    " endpoint TEXT NOT NULL, peer BLOB, kind INTEGER NOT NULL, start_ms INTEGER NOT NULL,"
    " end_ms INTEGER NOT NULL, success INTEGER NOT NULL, err INTEGER NOT NULL, reason TEXT,"
    " content_format INTEGER NOT NULL, n_steps_total INTEGER NOT NULL, steps BLOB NOT NULL);",
};

static int read_version(tern_store_sqlite *s, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db_, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='tern_schema'",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return tern_sql_fail(s, rc, "reading the schema");
    rc = sqlite3_step(st);
    bool have = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return tern_sql_fail(s, rc, "reading the schema");
    *version = 0;
    if (!have)
        return TERN_OK;
    rc = sqlite3_prepare_v2(s->db_, "SELECT version FROM tern_schema", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return tern_sql_fail(s, rc, "reading the schema version");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? tern_sql_fail_msg(s, TERN_EMALFORMED, "schema version row missing")
                                 : tern_sql_fail(s, rc, "reading the schema version");
    return TERN_OK;
}

static int migrate(tern_store_sqlite *s)
{
    int err = exec(s, "BEGIN IMMEDIATE", "starting the schema transaction");
    if (err < 0)
        return err;
    int v = 0;
    err = read_version(s, &v);
    if (err == TERN_OK && v > TERN_STORE_SQLITE_SCHEMA) {
        char m[96];
        snprintf(m, sizeof m, "database schema version %d is newer than this build's %d", v,
                 TERN_STORE_SQLITE_SCHEMA);
        err = tern_sql_fail_msg(s, TERN_EUNSUPPORTED, m);
    }
    if (err == TERN_OK && v < 0)
        err = tern_sql_fail_msg(s, TERN_EMALFORMED, "negative schema version");
    for (; err == TERN_OK && v < TERN_STORE_SQLITE_SCHEMA; v++) {
        err = exec(s, MIGRATIONS[v], "migrating the schema");
        if (err == TERN_OK && s->cfg.migrate) {
            err = s->cfg.migrate(s->cfg.migrate_ctx, s->db_, v, v + 1);
            if (err < 0)
                err = tern_sql_fail_msg(s, err, "the application's migration hook failed");
        }
        if (err == TERN_OK) {
            char sql[64];
            snprintf(sql, sizeof sql, "UPDATE tern_schema SET version = %d", v + 1);
            err = exec(s, sql, "writing the schema version");
        }
    }
    if (err != TERN_OK) {
        (void)sqlite3_exec(s->db_, "ROLLBACK", NULL, NULL, NULL);
        return err;
    }
    s->schema_version = v;
    return exec(s, "COMMIT", "committing the schema");
}

static const char *const STMT_SQL[TERN_SQL_N_] = {
    [TERN_SQL_PUT] = "INSERT INTO records(kind, key, blob) VALUES(?1, ?2, ?3)"
                     " ON CONFLICT(kind, key) DO UPDATE SET blob = excluded.blob",
    [TERN_SQL_GET] = "SELECT blob FROM records WHERE kind = ?1 AND key = ?2",
    [TERN_SQL_DEL] = "DELETE FROM records WHERE kind = ?1 AND key = ?2",
    [TERN_SQL_ITER] = "SELECT key, blob FROM records WHERE kind = ?1",
    [TERN_SQL_COUNT] = "SELECT count(*) FROM records WHERE kind = ?1",
    [TERN_SQL_BS_APPEND] = "INSERT INTO bs_sessions(wall_ms, endpoint, peer, kind, start_ms, end_ms, success, err,"
                           " reason, content_format, n_steps_total, steps)"
                           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [TERN_SQL_BS_LIST] = "SELECT seq, wall_ms, endpoint, peer, kind, start_ms, end_ms, success, err, reason,"
                         " content_format, n_steps_total, steps FROM bs_sessions WHERE seq > ?1"
                         " ORDER BY seq LIMIT ?2",
};

/* ---- open / close ------------------------------------------------------------------------ */
static void sync_parent_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= sizeof dir)
        return;
    if (slash && n == 0)
        n = 1; /* "/file" */
    if (n)
        memcpy(dir, path, n);
    else
        dir[n++] = '.';
    dir[n] = 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
}

/* Creates the file 0600 before SQLite sees it (SQLite gives the -wal and
 * -shm files the main file's mode), or narrows an existing one. */
static int prepare_file(tern_store_sqlite *s, const char *path)
{
    int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW;
    bool created = false;
    int fd = -1;
    if (!s->cfg.no_create) {
        fd = open(path, flags | O_CREAT | O_EXCL, 0600);
        created = fd >= 0;
    }
    if (fd < 0)
        fd = open(path, flags, 0600);
    if (fd < 0) {
        char m[200];
        snprintf(m, sizeof m, "opening %.120s: %s", path, strerror(errno));
        int err = errno == ENOENT ? TERN_ENOTFOUND : (errno == EACCES || errno == EROFS) ? TERN_EPERM : TERN_EIO;
        return tern_sql_fail_msg(s, err, m);
    }
    struct stat sb;
    int err = TERN_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        err = tern_sql_fail_msg(s, TERN_EINVAL, "the database path is not a regular file");
    else if ((sb.st_mode & 077) != 0) {
        if (fchmod(fd, 0600) != 0)
            err = tern_sql_fail_msg(s, TERN_EPERM, "cannot narrow the database file to mode 0600");
        else
            tern_logf(&s->cfg.log, TERN_LOG_WARN, "store", "database file was mode %03o; set to 0600",
                      (unsigned)(sb.st_mode & 0777));
    }
    close(fd);
    if (err == TERN_OK && created)
        sync_parent_dir(path); /* the new name itself survives power loss */
    return err;
}

static int pragma_text(tern_store_sqlite *s, const char *sql, char *out, size_t cap, const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db_, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return tern_sql_fail(s, rc, what);
    rc = sqlite3_step(st);
    out[0] = 0;
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, cap, "%s", t ? (const char *)t : "");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return tern_sql_fail(s, rc, what);
    return TERN_OK;
}

int tern_store_sqlite_open(tern_store_sqlite *s, const tern_store_sqlite_cfg *cfg)
{
    if (!s)
        return TERN_EINVAL;
    memset(s, 0, sizeof *s);
    if (!cfg || !cfg->path || !cfg->path[0] || cfg->synchronous > TERN_SQLITE_SYNC_NORMAL)
        return tern_sql_fail_msg(s, TERN_EINVAL, "invalid configuration");
    s->cfg = *cfg;
    const char *path = cfg->path;
    s->cfg.path = NULL; /* read during open only */
    if (!s->cfg.busy_timeout_ms)
        s->cfg.busy_timeout_ms = 5000;
    int err = prepare_file(s, path);
    if (err < 0)
        return err;
    int rc = sqlite3_open_v2(path, &s->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err = tern_sql_fail(s, rc, "opening the database");
        tern_store_sqlite_close(s);
        return err;
    }
    (void)sqlite3_extended_result_codes(s->db_, 1);
    (void)sqlite3_busy_timeout(s->db_, s->cfg.busy_timeout_ms > INT32_MAX ? INT32_MAX : (int)s->cfg.busy_timeout_ms);
    char mode[16];
    err = pragma_text(s, "PRAGMA journal_mode=WAL", mode, sizeof mode, "setting WAL journal mode");
    if (err == TERN_OK && strcmp(mode, "wal") != 0)
        err = tern_sql_fail_msg(s, TERN_EUNSUPPORTED, "WAL journal mode not available for this file");
    if (err == TERN_OK)
        err = exec(s, s->cfg.synchronous == TERN_SQLITE_SYNC_FULL ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                   "setting synchronous");
    if (err == TERN_OK)
        err = exec(s, "PRAGMA secure_delete=ON", "setting secure_delete");
    if (err == TERN_OK && s->cfg.integrity_check) {
        char res[64];
        err = pragma_text(s, "PRAGMA quick_check", res, sizeof res, "checking the database");
        if (err == TERN_OK && strcmp(res, "ok") != 0) {
            char m[128];
            snprintf(m, sizeof m, "database check failed: %s", res);
            err = tern_sql_fail_msg(s, TERN_EMALFORMED, m);
        }
    }
    if (err == TERN_OK)
        err = migrate(s);
    for (int i = 0; err == TERN_OK && i < TERN_SQL_N_; i++) {
        rc = sqlite3_prepare_v3(s->db_, STMT_SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt_[i], NULL);
        if (rc != SQLITE_OK)
            err = tern_sql_fail(s, rc, "preparing statements");
    }
    if (err != TERN_OK) {
        int keep = s->last_err;
        char msg[sizeof s->errmsg];
        memcpy(msg, s->errmsg, sizeof msg);
        tern_store_sqlite_close(s);
        s->last_err = keep;
        memcpy(s->errmsg, msg, sizeof msg);
        return err;
    }
    s->last_err = 0;
    s->errmsg[0] = 0;
    return TERN_OK;
}

void tern_store_sqlite_close(tern_store_sqlite *s)
{
    if (!s || !s->db_)
        return;
    for (int i = 0; i < TERN_SQL_N_; i++) {
        sqlite3_finalize(s->stmt_[i]);
        s->stmt_[i] = NULL;
    }
    (void)sqlite3_close_v2(s->db_);
    s->db_ = NULL;
}

/* ---- records ----------------------------------------------------------------------------- */
static bool kind_ok(int kind)
{
    return kind > 0 && kind < TERN_REC_KIND_COUNT_;
}

static int bind_key(tern_store_sqlite *s, sqlite3_stmt *st, int kind, const uint8_t *key, size_t kl,
                    const char *what)
{
    int rc = sqlite3_bind_int(st, 1, kind);
    if (rc == SQLITE_OK && key)
        rc = tern_sql_bind_blob(st, 2, key, kl);
    return rc == SQLITE_OK ? TERN_OK : tern_sql_fail(s, rc, what);
}

/* After a write inside a batch: count it, or notice that SQLite rolled the
 * whole transaction back (disk full, I/O error: autocommit is on again). */
static void batch_note(tern_store_sqlite *s, int err)
{
    if (!s->batch_)
        return;
    if (err == TERN_OK)
        s->batch_writes_++;
    else if (sqlite3_get_autocommit(s->db_))
        s->batch_failed_ = true;
}

static int sql_put(void *ctx, int kind, const uint8_t *key, size_t kl, const uint8_t *blob, size_t bl)
{
    tern_store_sqlite *s = ctx;
    if (!s->db_)
        return tern_sql_fail_msg(s, TERN_ESTATE, "put: store not open");
    if (!kind_ok(kind) || (kl && !key) || (bl && !blob))
        return tern_sql_fail_msg(s, TERN_EINVAL, "put: invalid kind or key");
    if (s->batch_ && s->batch_failed_)
        return tern_sql_fail_msg(s, TERN_EIO, "put: the batch was rolled back");
    sqlite3_stmt *st = s->stmt_[TERN_SQL_PUT];
    int err = bind_key(s, st, kind, key, kl, "put");
    int rc = SQLITE_OK;
    if (err == TERN_OK) {
        rc = tern_sql_bind_blob(st, 3, blob, bl);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st); /* autocommit: returns after COMMIT (and its fsync with FULL) */
        if (rc != SQLITE_DONE)
            err = tern_sql_fail(s, rc, "put");
    }
    sqlite3_reset(st);
    batch_note(s, err);
    if (err == TERN_OK)
        s->puts++;
    return err;
}

static int sql_get(void *ctx, int kind, const uint8_t *key, size_t kl, uint8_t *out, size_t cap, size_t *blob_len)
{
    tern_store_sqlite *s = ctx;
    if (!s->db_)
        return tern_sql_fail_msg(s, TERN_ESTATE, "get: store not open");
    if (!kind_ok(kind) || (kl && !key))
        return tern_sql_fail_msg(s, TERN_EINVAL, "get: invalid kind or key");
    sqlite3_stmt *st = s->stmt_[TERN_SQL_GET];
    int err = bind_key(s, st, kind, key, kl, "get");
    if (err == TERN_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const void *b = sqlite3_column_blob(st, 0);
            size_t n = (size_t)sqlite3_column_bytes(st, 0);
            if (blob_len)
                *blob_len = n;
            if (n > cap)
                err = TERN_ENOMEM;
            else if (n)
                memcpy(out, b, n);
            s->gets++;
        } else if (rc == SQLITE_DONE) {
            err = TERN_ENOTFOUND;
        } else {
            err = tern_sql_fail(s, rc, "get");
        }
    }
    sqlite3_reset(st);
    return err;
}

static int sql_del(void *ctx, int kind, const uint8_t *key, size_t kl)
{
    tern_store_sqlite *s = ctx;
    if (!s->db_)
        return tern_sql_fail_msg(s, TERN_ESTATE, "delete: store not open");
    if (!kind_ok(kind) || (kl && !key))
        return tern_sql_fail_msg(s, TERN_EINVAL, "delete: invalid kind or key");
    if (s->batch_ && s->batch_failed_)
        return tern_sql_fail_msg(s, TERN_EIO, "delete: the batch was rolled back");
    sqlite3_stmt *st = s->stmt_[TERN_SQL_DEL];
    int err = bind_key(s, st, kind, key, kl, "delete");
    if (err == TERN_OK) {
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
            err = tern_sql_fail(s, rc, "delete");
        else if (sqlite3_changes(s->db_) == 0)
            err = TERN_ENOTFOUND;
        else
            s->dels++;
    }
    sqlite3_reset(st);
    batch_note(s, err == TERN_ENOTFOUND ? TERN_OK : err);
    return err;
}

static int sql_iterate(void *ctx, int kind, tern_store_visit fn, void *fn_ctx)
{
    tern_store_sqlite *s = ctx;
    if (!s->db_)
        return tern_sql_fail_msg(s, TERN_ESTATE, "iterate: store not open");
    if (!kind_ok(kind) || !fn)
        return tern_sql_fail_msg(s, TERN_EINVAL, "iterate: invalid kind");
    /* The cached statement is busy when a visitor iterates again (another
     * kind, say): that nested walk gets a statement of its own. */
    sqlite3_stmt *st = s->stmt_[TERN_SQL_ITER];
    bool own = false;
    if (sqlite3_stmt_busy(st)) {
        int rc = sqlite3_prepare_v2(s->db_, STMT_SQL[TERN_SQL_ITER], -1, &st, NULL);
        if (rc != SQLITE_OK)
            return tern_sql_fail(s, rc, "iterate");
        own = true;
    }
    int ret = bind_key(s, st, kind, NULL, 0, "iterate");
    while (ret == TERN_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            ret = tern_sql_fail(s, rc, "iterate");
            break;
        }
        const uint8_t *k = sqlite3_column_blob(st, 0);
        size_t kl = (size_t)sqlite3_column_bytes(st, 0);
        const uint8_t *b = sqlite3_column_blob(st, 1);
        size_t bl = (size_t)sqlite3_column_bytes(st, 1);
        static const uint8_t empty[1] = {0};
        ret = fn(fn_ctx, k ? k : empty, kl, b ? b : empty, bl);
    }
    if (own)
        sqlite3_finalize(st);
    else
        sqlite3_reset(st);
    s->iterations++;
    return ret;
}

int tern_store_sqlite_count(tern_store_sqlite *s, int kind, uint64_t *n)
{
    if (!s || !s->db_ || !n)
        return TERN_EINVAL;
    if (!kind_ok(kind))
        return tern_sql_fail_msg(s, TERN_EINVAL, "count: invalid kind");
    sqlite3_stmt *st = s->stmt_[TERN_SQL_COUNT];
    int err = bind_key(s, st, kind, NULL, 0, "count");
    if (err == TERN_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            *n = (uint64_t)sqlite3_column_int64(st, 0);
        else
            err = tern_sql_fail(s, rc, "count");
    }
    sqlite3_reset(st);
    return err;
}

/* ---- group commit ------------------------------------------------------------------------ */
int tern_store_sqlite_begin_batch(tern_store_sqlite *s)
{
    if (!s || !s->db_)
        return TERN_ESTATE;
    if (s->batch_)
        return tern_sql_fail_msg(s, TERN_ESTATE, "begin batch: a batch is open");
    /* IMMEDIATE: take the write lock now (waiting busy_timeout_ms for
     * another process), not at the first put of the batch. */
    int err = exec(s, "BEGIN IMMEDIATE", "begin batch");
    if (err != TERN_OK)
        return err;
    s->batch_ = true;
    s->batch_failed_ = false;
    s->batch_writes_ = 0;
    return TERN_OK;
}

int tern_store_sqlite_commit_batch(tern_store_sqlite *s)
{
    if (!s || !s->db_ || !s->batch_)
        return s && s->db_ ? tern_sql_fail_msg(s, TERN_ESTATE, "commit batch: no batch") : TERN_ESTATE;
    int err;
    if (s->batch_failed_) {
        err = tern_sql_fail_msg(s, TERN_EIO, "commit batch: the batch was rolled back after a failed write");
    } else {
        err = exec(s, "COMMIT", "commit batch"); /* one WAL fsync with synchronous=FULL */
        /* A failed COMMIT may leave the transaction open (SQLITE_BUSY):
         * roll it back so the outcome is "nothing of the batch". */
        if (err != TERN_OK && !sqlite3_get_autocommit(s->db_)) {
            int keep = s->last_err;
            char msg[sizeof s->errmsg];
            memcpy(msg, s->errmsg, sizeof msg);
            (void)sqlite3_exec(s->db_, "ROLLBACK", NULL, NULL, NULL);
            s->last_err = keep;
            memcpy(s->errmsg, msg, sizeof msg);
        }
    }
    if (err == TERN_OK)
        s->batches++;
    s->batch_ = false;
    s->batch_failed_ = false;
    s->batch_writes_ = 0;
    return err;
}

void tern_store_sqlite_abort_batch(tern_store_sqlite *s)
{
    if (!s || !s->db_ || !s->batch_)
        return;
    if (!sqlite3_get_autocommit(s->db_))
        (void)sqlite3_exec(s->db_, "ROLLBACK", NULL, NULL, NULL);
    s->batch_ = false;
    s->batch_failed_ = false;
    s->batch_writes_ = 0;
}

static const tern_store_ops SQL_OPS = {sql_put, sql_get, sql_del, sql_iterate};

tern_store tern_store_sqlite_as_store(tern_store_sqlite *s)
{
    tern_store st = {&SQL_OPS, s};
    return st;
}
