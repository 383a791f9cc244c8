/* tern — notification attributes at evaluation time: the effective set of an
 * observation (Core §5.1.2 precedence and inheritance) and the value
 * conditions gt / lt / st / edge. */
#include <math.h>
#include <string.h>

#include "client/obs_internal.h"

/* Copies the values of the attributes in `bits` from src to dst and marks
 * them set. */
void obs_attrs_overlay(tern_attrs *dst, const tern_attrs *src, uint16_t bits)
{
    if (bits & TERN_ATTR_PMIN) dst->pmin = src->pmin;
    if (bits & TERN_ATTR_PMAX) dst->pmax = src->pmax;
    if (bits & TERN_ATTR_GT) dst->gt = src->gt;
    if (bits & TERN_ATTR_LT) dst->lt = src->lt;
    if (bits & TERN_ATTR_ST) dst->st = src->st;
    if (bits & TERN_ATTR_EPMIN) dst->epmin = src->epmin;
    if (bits & TERN_ATTR_EPMAX) dst->epmax = src->epmax;
    if (bits & TERN_ATTR_EDGE) dst->edge = src->edge;
    if (bits & TERN_ATTR_CON) dst->con = src->con;
    if (bits & TERN_ATTR_HQMAX) dst->hqmax = src->hqmax;
    dst->set = (uint16_t)(dst->set | (bits & ~TERN_ATTR_PROPERTIES));
}

void tern_obs_effective_attrs(const tern_dm *dm, uint16_t ssid, const tern_path *p, const tern_attrs *defaults,
                              const tern_attrs *query, tern_attrs *out)
{
    memset(out, 0, sizeof *out);
    if (defaults)
        obs_attrs_overlay(out, defaults, defaults->set & (TERN_ATTR_PMIN | TERN_ATTR_PMAX));
    /* Core §5.1.2: object < object instance < resource < resource instance,
     * each attribute on its own (an attribute not attached at a level is
     * inherited from the level above). */
    for (uint8_t len = 1; len <= p->len; len++) {
        tern_path lp = *p;
        lp.len = len;
        for (uint8_t k = len; k < 4; k++)
            lp.ids[k] = 0;
        const tern_attrs *a = tern_dm_attrs_get(dm, ssid, &lp);
        if (a)
            obs_attrs_overlay(out, a, a->set);
    }
    /* Attributes of the Observe request apply to it alone, over all levels
     * (Transport Table 6.4.5.-1: Observe ... ?pmin=&pmax=...). */
    if (query)
        obs_attrs_overlay(out, query, query->set);
}

bool tern_obs_condition(const tern_attrs *a, double prev, double prev_sample, double cur)
{
    uint16_t s = a->set;
    if (!(s & (TERN_ATTR_GT | TERN_ATTR_LT | TERN_ATTR_ST | TERN_ATTR_EDGE)))
        return cur != prev; /* no value condition: any change */
    /* gt: "above" is > gt; a notification each time the value crosses the
     * threshold, upwards or downwards (Transport §6.4.4 example 4.3: 48 → 42
     * with gt=45 notifies). */
    if ((s & TERN_ATTR_GT) && ((prev > a->gt) != (cur > a->gt)))
        return true;
    /* lt: "below" is < lt (example 5.4: 17 → 24 with lt=20 notifies). */
    if ((s & TERN_ATTR_LT) && ((prev < a->lt) != (cur < a->lt)))
        return true;
    /* st: change since the last notification at least st (example 5.3). */
    if ((s & TERN_ATTR_ST) && fabs(cur - prev) >= a->st)
        return true;
    /* edge: 1 = rising (false → true), 0 = falling, on the sampled signal. */
    if (s & TERN_ATTR_EDGE) {
        bool was = prev_sample != 0.0, now = cur != 0.0;
        if (a->edge ? (!was && now) : (was && !now))
            return true;
    }
    return false;
}
