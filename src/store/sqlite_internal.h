/* tern — SQLite store internals shared by sqlite_store.c (records) and
 * sqlite_bs.c (bootstrap configurations and session records). */
#ifndef TERN_SQLITE_INTERNAL_H
#define TERN_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "tern/store_sqlite.h"

/* Cached statements (prepared once at open, SQLITE_PREPARE_PERSISTENT). */
enum {
    TERN_SQL_PUT = 0,
    TERN_SQL_GET,
    TERN_SQL_DEL,
    TERN_SQL_ITER,
    TERN_SQL_COUNT,
    TERN_SQL_BS_APPEND,
    TERN_SQL_BS_LIST,
    TERN_SQL_N_
};
_Static_assert((int)TERN_SQL_N_ == (int)TERN_SQLITE_STMTS_, "statement cache size");

/* Maps an SQLite result code to a tern_err, records "<what>: <reason>" in
 * s->errmsg and s->last_err, logs it, and returns the tern_err. */
int tern_sql_fail(tern_store_sqlite *s, int rc, const char *what);
/* Sets s->errmsg / last_err for an error found by tern itself. */
int tern_sql_fail_msg(tern_store_sqlite *s, int err, const char *what);
/* Binds a blob that may be empty (a NULL pointer would bind SQL NULL). */
int tern_sql_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n);

#endif /* TERN_SQLITE_INTERNAL_H */
