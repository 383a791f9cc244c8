/* Client context sizes of the footprint images (build options). */
#ifndef TERN_FW_CONFIG_H
#define TERN_FW_CONFIG_H

/* Client context sizes (build options of these images). The CoAP endpoint
 * memory must be ≥ tern_coap_ep_mem_size() of the table sizes: footprint.sh
 * computes it for the target from fp_sizes.c and passes FP_*_COAP_MEM. */
#define FP_MIN_COAP_CFG                                                                              \
    {.max_exchanges = 2, .max_dedup = 2, .max_observers = 1, .max_block1 = 1, .max_msg_size = 512,  \
     .max_queue = 2}
#define FP_MIN_CLIENT_WORK 512
#define FP_MIN_DM_WORK 512
#define FP_FULL_COAP_CFG                                                                             \
    {.max_exchanges = 4, .max_dedup = 4, .max_observers = 4, .max_block1 = 1, .max_msg_size = 400,  \
     .max_queue = 2, .block_szx = 4}
#define FP_FULL_CLIENT_WORK 1024
#define FP_FULL_DM_WORK 1024
#ifndef FP_MIN_COAP_MEM
#define FP_MIN_COAP_MEM 8192
#endif
#ifndef FP_FULL_COAP_MEM
#define FP_FULL_COAP_MEM 8192
#endif

#endif
