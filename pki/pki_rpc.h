/*
 * pki_rpc: the `request | show | clear security pki ...` operational
 * commands, as mgd routes them (docs/schema.md, Operational commands): the
 * rpc's name and its input leaves as a JSON object, e.g.
 * {"certificate-id": "c1", "type": "rsa", "detail": true}.  The rpcs are
 * declared in schema/qsafe-rpc-pki.yang; their replies are rendered by
 * pki_renderers[] (render/render.h, render/pki_render.c).
 */
#ifndef QSAFE_PKI_RPC_H
#define QSAFE_PKI_RPC_H

#include <stdbool.h>

#include <jansson.h>

#include "lib/sb.h"
#include "pki/pki.h"

/*
 * Run rpc_name with input (borrowed).  Returns a new JSON object of result
 * data (caller json_decref), or NULL with one operator error line in err
 * ("error: certificate-id c1 not found").
 */
json_t *pki_rpc(struct pki_store *st, const char *rpc_name, const json_t *input,
    struct sb *err);

#endif
