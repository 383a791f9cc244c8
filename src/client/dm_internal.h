/* tern — internals shared by the data-model files (dm.c, dm_read.c,
 * dm_write.c). */
#ifndef TERN_DM_INTERNAL_H
#define TERN_DM_INTERNAL_H

#include "tern/dm.h"

/* The result of a step: TERN_LC_NONE to go on, else a tern_lwm2m_code. */
#define DM_GO TERN_LC_NONE

/* Looks up what a path names. Fills the fields up to the path's level and
 * returns DM_GO, or Not Found. `rdef` is the resource definition (len ≥ 3). */
typedef struct dm_target {
    tern_dm_obj *obj;
    const tern_res_def *rdef;
} dm_target;
int dm_resolve(tern_dm *dm, const tern_path *p, dm_target *t);
bool dm_inst_exists(tern_dm_obj *o, uint16_t iid);
bool dm_rinst_exists(tern_dm_obj *o, uint16_t iid, uint16_t rid, uint16_t riid);
bool dm_res_present(tern_dm_obj *o, uint16_t iid, uint16_t rid);
/* Access hook: DM_GO, Unauthorized or Not Found. */
int dm_access(tern_dm *dm, uint16_t ssid, int kind, const tern_path *p);

/* Response window: copy the part of the produced stream that falls into
 * [off, off + cap) of the representation. */
typedef struct dm_win {
    uint8_t *out;
    size_t cap;
    size_t off;
    size_t pos;     /* bytes of the representation produced so far */
    size_t written; /* bytes put into out */
    bool past;      /* produced beyond the end of the window */
} dm_win;
void dm_win_put(dm_win *w, const uint8_t *b, size_t n);
void dm_win_result(const dm_win *w, tern_op_result *res);

/* Work memory halves (tern_dm_cfg.work). */
void dm_work_split(tern_dm *dm, uint8_t **dec, size_t *dec_len, uint8_t **enc, size_t *enc_len,
                   uint8_t **tmp, size_t *tmp_len);

int dm_read(tern_dm *dm, const tern_op *op, dm_win *w, tern_op_result *res);
int dm_read_composite(tern_dm *dm, const tern_op *op, dm_win *w, tern_op_result *res);
int dm_discover(tern_dm *dm, const tern_op *op, dm_win *w, tern_op_result *res);
int dm_write(tern_dm *dm, const tern_op *op, tern_op_result *res);
/* Ends the open transaction: commit (ok) after validate, else rollback.
 * Returns DM_GO or the failing code. */
int dm_txn_end(tern_dm *dm, int kind, bool ok);
int dm_txn_touch(tern_dm *dm, int kind, tern_dm_obj *o);
/* Aborts an open multi-piece write (rollback). */
void dm_write_abort(tern_dm *dm);

#endif
