/* tern — the client data model: objects the application adds, and the
 * Device Management & Service Enablement operations on them (Core §6.3,
 * Transport §6.4.4). No allocation, no globals: the caller owns the tern_dm
 * context, every tern_dm_obj and every buffer named in tern_dm_cfg.
 *
 *   static tern_dm_obj dev = { .def = &tern_obj_3_1_2, .h = &dev_handlers, .user = &my_dev };
 *   tern_dm dm; tern_dm_init(&dm, &cfg);
 *   tern_dm_add(&dm, &dev);
 *   ... tern_dm_handle(&dm, &op, out, cap, &res);  (or through a binding)
 *
 * Handlers return 0 or a negative tern_err. The error picks the response
 * code through the one table in src/binding/codes.c:
 *   TERN_ENOTFOUND → 4.04, TERN_EPERM → 4.01, TERN_EUNSUPPORTED → 4.05,
 *   TERN_ETYPE/ERANGE/EMALFORMED/EINVAL/EEXIST → 4.00, TERN_ETOOBIG/ENOMEM
 *   on a write → 4.13, anything else → 5.00.
 *
 * Atomic writes (transactions). A Write, Write-Composite or Create runs as
 * one transaction per request (a block-wise request is one transaction over
 * all its blocks): tern_dm calls begin() on each object the first time the
 * request touches it, then create/reset/write, and at the end validate() on
 * every touched object; if all succeed, commit() on each, else rollback()
 * on each. Between begin and commit, writes are provisional: an object must
 * either stage them (a shadow copy, as the tests do) or undo them in
 * rollback(). A value that fails its type/range check against the
 * definition (tern_value_check) rolls the whole request back, so a failed
 * validation changes nothing. All four hooks are optional.
 */
#ifndef TERN_DM_H
#define TERN_DM_H

#include "tern/base.h"
#include "tern/codec.h"
#include "tern/model.h"
#include "tern/op.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_dm tern_dm;
typedef struct tern_dm_obj tern_dm_obj;

/* A value read from a resource (instance). Strings, Corelnk and Opaque are
 * views that must live until the next handler call on the same dm. A large
 * Opaque/String may be read in chunks: the handler is called with an
 * `offset`, returns the bytes from there in value.v.bytes, sets `more` when
 * bytes follow and `total` to the full length (required when more). */
typedef struct tern_dm_read_out {
    tern_value value;
    bool more;
    uint32_t total;
} tern_dm_read_out;

/* Execute arguments (Core §5.4.5): a list of digit ['=' '\'' text '\''],
 * separated by ','. tern_dm_exec_args_next() iterates a checked list. */
typedef struct tern_dm_exec_arg {
    uint8_t digit;     /* 0..9 */
    bool has_value;
    tern_bytes value;  /* view into the request payload, without the quotes */
} tern_dm_exec_arg;

/* Checks the syntax: TERN_OK or TERN_EMALFORMED. An empty list is valid. */
int tern_dm_exec_args_check(const uint8_t *s, size_t len);
/* Iterates: *pos starts at 0; TERN_OK with *arg, TERN_DONE at the end,
 * TERN_EMALFORMED on bad syntax. */
int tern_dm_exec_args_next(const uint8_t *s, size_t len, size_t *pos, tern_dm_exec_arg *arg);

/* Handler table of an object. Paths are full: p->ids[0] is the object id.
 * Only `inst_next` and `read` are required (for a readable object). */
typedef struct tern_dm_handlers {
    /* Instances in increasing order: the first instance id > after (after =
     * -1 for the first). TERN_OK with *iid, or TERN_DONE. */
    int (*inst_next)(tern_dm_obj *o, int32_t after, uint16_t *iid);
    /* Whether resource `rid` of instance `iid` is present (optional
     * resources may be absent). NULL: every resource of the definition. */
    bool (*res_present)(tern_dm_obj *o, uint16_t iid, uint16_t rid);
    /* Instances of a multiple-instance resource, as inst_next. Required
     * when the definition has multiple-instance resources. */
    int (*rinst_next)(tern_dm_obj *o, uint16_t iid, uint16_t rid, int32_t after, uint16_t *riid);
    /* Reads resource /O/I/R (p->len 3) or resource instance (p->len 4). */
    int (*read)(tern_dm_obj *o, const tern_path *p, uint32_t offset, tern_dm_read_out *out);
    /* Writes one value (e->path is /O/I/R or /O/I/R/RI; e->value is typed
     * and checked against the definition). A large value arrives in chunks
     * (e->offset, e->more, e->total; e.g. a firmware image pushed by a
     * block-wise Write to /5/0/0). Inside a transaction. */
    int (*write)(tern_dm_obj *o, const tern_entry *e);
    /* Write-Replace (Core §5.4.3): before the new values are written, clear
     * instance /O/I (p->len 2: every writable resource goes back to its
     * default/absent state) or all instances of multiple resource /O/I/R
     * (p->len 3). Inside a transaction. NULL: Replace is not supported at
     * those levels (4.05). */
    int (*reset)(tern_dm_obj *o, const tern_path *p);
    /* Executes /O/I/R with the raw (syntax-checked) argument string. */
    int (*execute)(tern_dm_obj *o, uint16_t iid, uint16_t rid, const uint8_t *args, size_t args_len);
    /* Creates empty instance iid (its resources are then written). Inside a
     * transaction. NULL: Create is not allowed (4.05). */
    int (*create)(tern_dm_obj *o, uint16_t iid);
    /* Deletes instance /O/I (p->len 2) or resource instance /O/I/R/RI
     * (p->len 4). NULL: not allowed (4.05). */
    int (*del)(tern_dm_obj *o, const tern_path *p);
    /* Transaction hooks (see the top of this file). */
    int (*begin)(tern_dm_obj *o);
    int (*validate)(tern_dm_obj *o);
    int (*commit)(tern_dm_obj *o);
    void (*rollback)(tern_dm_obj *o);
} tern_dm_handlers;

/* An object, allocated by the application and alive while added.
 * Public fields: def, h, user. The rest is tern_dm's. */
struct tern_dm_obj {
    const tern_obj_def *def;     /* from the generated registry (src/model/gen) or the app's own */
    const tern_dm_handlers *h;
    void *user;
    /* private */
    tern_dm_obj *next_;          /* list link, sorted by object id */
    tern_dm_obj *txn_next_;      /* objects in the open transaction */
    bool in_txn_;
};

/* Notification/Discover attributes attached by one server to one path,
 * in caller-provided storage (Transport §6.4.4: "a separate set of
 * configured Attributes for each individual LwM2M Server"). */
typedef struct tern_dm_attr_slot {
    bool used;
    uint16_t ssid;
    tern_path path;
    tern_attrs attrs;  /* only `set` is meaningful in storage */
} tern_dm_attr_slot;

/* Access control hook (the Access Control object, Core §7.3, is another
 * module's): called before every operation with the requesting server and
 * the target (root for composite operations, then once per composite
 * path). Return TERN_OK to allow, TERN_EPERM for 4.01 Unauthorized, or
 * TERN_ENOTFOUND for 4.04 Not Found (hide the target's existence). NULL:
 * everything is allowed. */
typedef int (*tern_dm_access_fn)(void *ctx, uint16_t ssid, int op_kind, const tern_path *p);

typedef struct tern_dm_cfg {
    /* Working memory (caller-owned, alive while the dm is): split in two
     * halves — payload decoder scratch (must hold the largest non-chunked
     * value plus one block) and response encoder scratch + staging (must
     * hold the largest TLV container the responses contain). 2 KiB is
     * plenty for 1 KiB blocks. */
    uint8_t *work;
    size_t work_len;
    /* Write-Attributes storage (may be NULL/0: Write-Attributes → 5.00). */
    tern_dm_attr_slot *attr_slots;
    size_t attr_slot_count;
    /* Object-level Read, Observe, Discover (and an object path of a
     * Read-Composite) answer with only the instances check_access allows
     * one by one (Core §7.3: the others are left out, not refused); the
     * object path itself is checked first and a TERN_ENOTFOUND there still
     * answers 4.04. Requests on one instance or below keep the hook's
     * 4.01 / 4.04. */
    tern_dm_access_fn check_access;
    void *access_ctx;
    /* Instance lifecycle (optional): called after a Create committed (with
     * the new instance) and after a Delete of an object instance succeeded,
     * with the requesting server. Plug tern_acl_dm_on_created /
     * tern_acl_dm_on_deleted (objects.h, ctx = the tern_acl_obj) here so the
     * creating server becomes the Access Control Owner (Core §7.3.1). Not
     * called for resource-instance deletes or failed requests. */
    void (*on_instance_created)(void *ctx, uint16_t ssid, uint16_t oid, uint16_t iid);
    void (*on_instance_deleted)(void *ctx, uint16_t ssid, uint16_t oid, uint16_t iid);
    void *instance_ctx;
    /* Format of Read responses without Accept at object / instance /
     * multiple-resource level (Core §7.4.x); 0 picks LwM2M CBOR when
     * built, else TLV. Single values go as text/plain (Opaque as 42). */
    int32_t default_format;
    tern_log log;
} tern_dm_cfg;

struct tern_dm {
    tern_dm_cfg cfg;
    /* private */
    tern_dm_obj *objs_;
    tern_dm_obj *txn_;
    /* the write that spans several pieces (Block1) */
    struct {
        bool active;
        uint8_t kind;
        uint16_t ssid;
        int32_t cf;
        tern_path path;
        uint32_t next_offset;
        bool created;
        uint16_t new_iid;
        uint64_t mandatory_seen;
        tern_dm_obj *obj;
        tern_decoder dec;
    } w_;
};

/* Initialises dm (cfg copied; cfg->work must be at least 256 bytes). */
int tern_dm_init(tern_dm *dm, const tern_dm_cfg *cfg);
/* Adds an object (TERN_EEXIST for a second object with the same id,
 * TERN_EINVAL without def or handlers). */
int tern_dm_add(tern_dm *dm, tern_dm_obj *o);
/* Removes an object (TERN_ENOTFOUND if not added). Aborts an open write. */
int tern_dm_remove(tern_dm *dm, tern_dm_obj *o);
tern_dm_obj *tern_dm_find(const tern_dm *dm, uint16_t oid);
/* First object (sorted by id) and the next; for registration payloads. */
tern_dm_obj *tern_dm_first(const tern_dm *dm);
tern_dm_obj *tern_dm_next(const tern_dm_obj *o);

/* Performs a DM & SE operation (Read, Discover, Write-*, Execute, Create,
 * Delete, Read-/Write-Composite; Observe/Observe-Composite and their
 * cancellations produce the same content as Read/Read-Composite — the
 * observation engine registers them). The result code is one Transport
 * Table 6.7.-3 allows for the operation; returns res->code.
 *
 * Response bodies are produced in windows (Block2): `out` receives bytes
 * [op_out_offset, op_out_offset + out_cap) of the encoded response;
 * res->more says it continues and res->total gives the full size when the
 * end was reached. Producing a window re-runs the read and skips what lies
 * before the window (stateless: a later window is consistent with the
 * first only while the data does not change — the usual Block2 caveat,
 * ETags are the binding's business).
 *
 * Request bodies may come in pieces (op->offset/more): the pieces of one
 * write must come in order; each but the last answers 2.31 Continue. A
 * piece that does not continue the open write gives 4.08. */
int tern_dm_handle(tern_dm *dm, const tern_op *op, uint8_t *out, size_t out_cap, uint32_t out_offset,
                   tern_op_result *res);

/* Attributes the server `ssid` attached to exactly `p` (not inherited);
 * NULL when none. For the observation engine and Discover. */
const tern_attrs *tern_dm_attrs_get(const tern_dm *dm, uint16_t ssid, const tern_path *p);

/* Type of a path from the added objects' definitions (a tern_type_fn: ctx
 * is the tern_dm). */
tern_type tern_dm_type_of(void *dm, const tern_path *p);

#ifdef __cplusplus
}
#endif
#endif /* TERN_DM_H */
