/* tern — in-memory bootstrap configuration store: the caller's array of
 * configurations, searched by Endpoint Client Name. The SQLite store will
 * implement the same tern_bs_store interface. */
#include <string.h>

#include "tern/bootstrap.h"

static int mem_lookup(void *ctx, const char *ep, size_t len, const tern_coap_peer *peer, const tern_bs_config **out)
{
    (void)peer;
    const tern_bs_mem_store *ms = ctx;
    for (size_t i = 0; i < ms->count; i++) {
        const tern_bs_config *c = ms->configs[i];
        if (c && c->endpoint && strlen(c->endpoint) == len && memcmp(c->endpoint, ep, len) == 0) {
            *out = c;
            return TERN_OK;
        }
    }
    return TERN_ENOTFOUND;
}

tern_bs_store tern_bs_mem_store_iface(tern_bs_mem_store *ms)
{
    tern_bs_store s = {mem_lookup, NULL, ms};
    return s;
}
