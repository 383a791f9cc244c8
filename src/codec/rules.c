/* tern — which content formats may carry which operation at which level
 * (LwM2M 1.2 Core §7.4 and its per-format text, Transport §6.4). The one
 * table of the project for this rule; everything asks tern_cf_allowed().
 *
 *  format              operations                         levels
 *  Plain Text, Opaque, Read/Write/Notify                  resource (single-
 *  CBOR (60)                                              instance) or
 *                                                         resource instance
 *  TLV, OMA JSON       Read/Write/Notify                  object .. resource
 *                                                         instance
 *  SenML JSON/CBOR     Read/Write/Notify                  object .. resource instance
 *                      Read-Composite, Composite paths,   any (the paths are
 *                      Write-Composite, Send              in the payload)
 *  LwM2M CBOR          as SenML, without the path lists
 *                      (a Read-/Observe-Composite request
 *                      body is SenML or SenML-ETCH)
 *  SenML-ETCH JSON/CBOR  Composite paths (FETCH) and      any
 *                      Write-Composite (iPATCH): RFC 8790
 *                      defines the ETCH types for exactly
 *                      those two methods
 *  Link format         Discover                           root (Bootstrap-
 *                                                         Discover) .. resource
 * Opaque is only for Opaque resources: that is a type check the caller
 * makes with the model (this table knows levels, not types).
 */
#include "tern/codec.h"

#define OP(x) (1u << (x))
#define OPS_RWN (OP(TERN_COP_READ) | OP(TERN_COP_WRITE) | OP(TERN_COP_NOTIFY))
#define OPS_COMPOSITE                                                                                          \
    (OP(TERN_COP_READ_COMPOSITE) | OP(TERN_COP_COMPOSITE_PATHS) | OP(TERN_COP_WRITE_COMPOSITE) |            \
     OP(TERN_COP_SEND))
#define OPS_PATHLESS OPS_COMPOSITE /* operations whose paths are in the payload */

typedef struct {
    int32_t cf;
    uint16_t ops;
    uint8_t min_level, max_level; /* for operations with a path */
    bool single_value;            /* a multiple-instance resource is refused */
} cf_rule;

static const cf_rule rules[] = {
    {TERN_CF_TEXT, OPS_RWN, TERN_LVL_RESOURCE, TERN_LVL_RINSTANCE, true},
    {TERN_CF_OPAQUE, OPS_RWN, TERN_LVL_RESOURCE, TERN_LVL_RINSTANCE, true},
    {TERN_CF_CBOR, OPS_RWN, TERN_LVL_RESOURCE, TERN_LVL_RINSTANCE, true},
    {TERN_CF_TLV, OPS_RWN, TERN_LVL_OBJECT, TERN_LVL_RINSTANCE, false},
    {TERN_CF_OMA_JSON, OPS_RWN, TERN_LVL_OBJECT, TERN_LVL_RINSTANCE, false},
    {TERN_CF_SENML_JSON, OPS_RWN | OPS_COMPOSITE, TERN_LVL_OBJECT, TERN_LVL_RINSTANCE, false},
    {TERN_CF_SENML_CBOR, OPS_RWN | OPS_COMPOSITE, TERN_LVL_OBJECT, TERN_LVL_RINSTANCE, false},
    {TERN_CF_LWM2M_CBOR, OPS_RWN | OP(TERN_COP_READ_COMPOSITE) | OP(TERN_COP_WRITE_COMPOSITE) | OP(TERN_COP_SEND),
     TERN_LVL_OBJECT, TERN_LVL_RINSTANCE, false},
    {TERN_CF_SENML_ETCH_JSON, OP(TERN_COP_COMPOSITE_PATHS) | OP(TERN_COP_WRITE_COMPOSITE), 0, 0, false},
    {TERN_CF_SENML_ETCH_CBOR, OP(TERN_COP_COMPOSITE_PATHS) | OP(TERN_COP_WRITE_COMPOSITE), 0, 0, false},
    {TERN_CF_LINK, OP(TERN_COP_DISCOVER), TERN_LVL_ROOT, TERN_LVL_RESOURCE, false},
};

int tern_cf_allowed(int32_t cf, tern_codec_op op, const tern_path *path, bool multiple)
{
    if ((unsigned)op > TERN_COP_DISCOVER)
        return TERN_EUNSUPPORTED;
    for (size_t i = 0; i < TERN_ARRAY_LEN(rules); i++) {
        const cf_rule *r = &rules[i];
        if (r->cf != cf)
            continue;
        if (!(r->ops & OP(op)))
            return TERN_EUNSUPPORTED;
        if (OP(op) & OPS_PATHLESS)
            return TERN_OK;
        int lvl = path ? path->len : TERN_LVL_ROOT;
        if (lvl < r->min_level || lvl > r->max_level)
            return TERN_EUNSUPPORTED;
        if (r->single_value && lvl == TERN_LVL_RESOURCE && multiple)
            return TERN_EUNSUPPORTED;
        return TERN_OK;
    }
    return TERN_EUNSUPPORTED;
}
