/* tern — the one conversion from a JSON number token to a SenML number,
 * shared by the SenML JSON, SenML-ETCH JSON and OMA JSON codecs. */
#ifndef TERN_JSON_SENML_H
#define TERN_JSON_SENML_H

#include "codec/json.h"
#include "codec/senml.h"

static inline void tern_senml_num_from_json(tern_senml_num *o, const tern_json_num *n)
{
    o->kind = n->kind == TERN_JSON_INT    ? TERN_SENML_NUM_INT
              : n->kind == TERN_JSON_UINT ? TERN_SENML_NUM_UINT
                                          : TERN_SENML_NUM_FLOAT;
    o->i = n->i;
    o->u = n->u;
    o->f = n->f;
}

#endif
