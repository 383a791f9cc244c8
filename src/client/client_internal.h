/* tern — internals shared by the client engine files (client.c,
 * register.c, bootstrap.c, obj_security.c, obj_server.c, storage.c). */
#ifndef TERN_CLIENT_INTERNAL_H
#define TERN_CLIENT_INTERNAL_H

#include "tern/client.h"

#define CL_MOD "client"

/* Server object defaults (Core Appendix E.2). */
#define CL_DEF_RETRY_COUNT 5
#define CL_DEF_RETRY_TIMER_S 60
#define CL_DEF_SEQ_DELAY_S 86400
#define CL_DEF_SEQ_RETRY 1
#define CL_DEF_DISABLE_S 86400

/* objects (obj_security.c, obj_server.c) */
extern const tern_dm_handlers tern_cl_sec_handlers;
extern const tern_dm_handlers tern_cl_srv_handlers;
void cl_sec_defaults(tern_client_sec *s, uint16_t iid);
void cl_srv_defaults(tern_client_server *s, uint16_t iid);
tern_client_sec *cl_sec_find(tern_client *c, uint16_t iid);
tern_client_server *cl_srv_find(tern_client *c, uint16_t iid);
/* Security instance of a server (matching ssid, not bootstrap), or NULL. */
tern_client_sec *cl_sec_of_ssid(tern_client *c, uint16_t ssid);
/* The Bootstrap-Server account, or NULL. */
tern_client_sec *cl_sec_bootstrap(tern_client *c);

/* Information Reporting of one server slot (client.c): start a fresh
 * tern_obs when s registered; forget every observation of s (a new
 * registration, a de-registration, a reset). No-ops without cfg.obs. */
void cl_obs_start(tern_client *c, tern_client_server *s);
void cl_obs_stop(tern_client *c, tern_client_server *s);

/* registration (register.c) */
tern_time_ms cl_reg_step(tern_client *c, tern_client_server *s, tern_time_ms now);
void cl_reg_start_all(tern_client *c);
void cl_reg_reset(tern_client *c, tern_client_server *s);
/* Execute of /1/x/8 and /1/x/4. */
int cl_reg_trigger(tern_client *c, tern_client_server *s);
int cl_reg_disable(tern_client *c, tern_client_server *s);
void cl_reg_touch(tern_client *c, tern_client_server *s);
/* Registration failed for good on s: Bootstrap on Registration Failure. */
void cl_reg_failed(tern_client *c, tern_client_server *s);
/* The link format list of objects (Core §6.2.1) into w. */
int cl_reg_payload(tern_client *c, tern_wbuf *w);

/* bootstrap (bootstrap.c) */
tern_time_ms cl_bs_step(tern_client *c, tern_time_ms now);
void cl_bs_start(tern_client *c, tern_time_ms delay_ms);
int cl_bs_handle(tern_client *c, const tern_coap_server_req *req, tern_coap_response *resp);
/* Bootstrap-Finish consistency check (Core §6.1.7): TERN_OK or why not. */
int cl_bs_check(tern_client *c, const char **why);
/* Applies a Bootstrap-Write body (also the Bootstrap-Pack). */
int cl_bs_write(tern_client *c, const tern_path *p, int32_t cf, const uint8_t *body, size_t len, const char **why);

/* storage (storage.c) */
int cl_store_restore(tern_client *c);

/* events and helpers (client.c) */
void cl_event(tern_client *c, tern_client_event ev, uint16_t ssid);
tern_time_ms cl_mtw(const tern_client *c);
/* Random delay in [0, max) from the injected RNG. */
uint32_t cl_jitter(tern_client *c, uint32_t max);

#endif
