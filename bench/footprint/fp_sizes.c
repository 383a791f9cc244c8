/* Sizes of one client context on the target, as constants in .rodata
 * (scripts/footprint.sh reads them from the object file, since a
 * bare-metal image cannot run here). The CoAP endpoint memory repeats the
 * formula of tern_coap_ep_mem_size() over the target's struct sizes; built
 * for the host with -DFP_HOST_CHECK, main() checks that formula against the
 * library's function. */
#include <stdint.h>
#include <stdio.h>

#include "coap/ep_internal.h"
#include "fw_config.h"
#include "tern/client.h"
#include "tern/observe.h"
#include "tern/objects.h"

#define AL8(n) (((size_t)(n) + 7u) & ~(size_t)7u)
/* index_cap(): the smallest power of two ≥ 16 and ≥ 2n+1 */
#define P2(n, k) ((size_t)(k) >= 2u * (size_t)(n) + 1u ? (size_t)(k)
#define ICAP(n)                                                                                      \
    (P2(n, 16) : P2(n, 32) : P2(n, 64) : P2(n, 128) : P2(n, 256) : P2(n, 512) : P2(n, 1024) : (size_t)4096))))))))
#define IDXN(x, d, o, b) (3u * (x) + (d) + 3u * (o) + (b))
#define EP_MEM(x, d, o, b, m)                                                                        \
    (AL8(sizeof(struct tern_coap_ep_priv_)) + AL8((sizeof(ep_xchg) + AL8(m)) * (x)) +                  \
     AL8((sizeof(ep_dedup) + AL8(m)) * (d)) + AL8(sizeof(ep_obs) * (o)) + AL8(sizeof(ep_b1) * (b)) +   \
     AL8(sizeof(ep_peer) * (x)) + AL8(sizeof(ep_ient) * ICAP(IDXN(x, d, o, b))) +                      \
     AL8(sizeof(uint32_t) * (x)) + 3u * AL8(m))

static const tern_coap_ep_cfg fp_min_cfg = FP_MIN_COAP_CFG, fp_full_cfg = FP_FULL_COAP_CFG;
#define MEM_OF(c) EP_MEM(c.max_exchanges, c.max_dedup, c.max_observers, c.max_block1, c.max_msg_size)

/* Order is read by scripts/footprint.sh. */
const uint32_t fp_sizes[] = {
    sizeof(tern_client),
    sizeof(tern_dm),
    sizeof(tern_client_sec),
    sizeof(tern_client_server),
    EP_MEM(2, 2, 1, 1, 512),   /* FP_MIN_COAP_CFG */
    FP_MIN_CLIENT_WORK,
    FP_MIN_DM_WORK,
    EP_MEM(4, 4, 4, 1, 400),   /* FP_FULL_COAP_CFG */
    FP_FULL_CLIENT_WORK,
    FP_FULL_DM_WORK,
    sizeof(tern_obs),
    sizeof(tern_obs_rec),
    sizeof(tern_obs_target),
    sizeof(tern_device) + sizeof(tern_connmon) + sizeof(tern_location) + sizeof(tern_fw),
};

#ifdef FP_HOST_CHECK
int main(void)
{
    size_t want_min = tern_coap_ep_mem_size(&fp_min_cfg), want_full = tern_coap_ep_mem_size(&fp_full_cfg);
    if (want_min != MEM_OF(fp_min_cfg) || want_full != MEM_OF(fp_full_cfg) || fp_sizes[4] != want_min ||
        fp_sizes[7] != want_full) {
        printf("fp_sizes: formula differs from tern_coap_ep_mem_size (%zu/%zu vs %zu/%zu)\n", (size_t)fp_sizes[4],
               (size_t)fp_sizes[7], want_min, want_full);
        return 1;
    }
    printf("fp_sizes: endpoint memory formula matches tern_coap_ep_mem_size on the host\n");
    return 0;
}
#endif
