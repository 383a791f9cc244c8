/* tern — internals shared by observe.c, observe_attrs.c and send.c. */
#ifndef TERN_OBS_INTERNAL_H
#define TERN_OBS_INTERNAL_H

#include "tern/observe.h"

void obs_attrs_overlay(tern_attrs *dst, const tern_attrs *src, uint16_t bits);

/* The value of a single numeric or boolean resource (instance) as a
 * double (boolean 0/1). TERN_ETYPE for other types or levels. */
int obs_read_number(tern_dm *dm, const tern_path *p, double *out);

/* Adds every readable value at or under p to the encoder, writing into
 * out (TERN_ENOMEM when out is full). Values are stamped with `time` when
 * `stamp`. TERN_ENOTFOUND when p names nothing. */
int obs_encode_path(tern_dm *dm, tern_encoder *enc, const tern_path *p, tern_wbuf *out, bool stamp, double time);

#endif
