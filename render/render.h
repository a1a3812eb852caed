/*
 * render: turning structured operational replies into Junos text.  Each area
 * (pki, keymgr, iked, host) exports one table, from render/<area>_render.c;
 * the cli looks a reply's "render" name up in them (render_reply).
 * Renderers are pure: data in, text out; they include only lib/ and this
 * header, so the cli links them without the daemons' libraries.
 */
#ifndef QSAFE_RENDER_H
#define QSAFE_RENDER_H

#include <jansson.h>

#include "lib/sb.h"

struct render_entry {
	const char *
	    name; /* the rpc name, e.g. "show-security-pki-local-certificate" */
	/* Appends the Junos text for data to out; 0, or -1 when data is
	 * malformed. */
	int (*fn)(const json_t *data, struct sb *out);
};

/* Tables end with an entry whose name is NULL. */
extern const struct render_entry pki_renderers[];
extern const struct render_entry keymgr_renderers[];
extern const struct render_entry host_renderers[];
extern const struct render_entry iked_renderers[];

/*
 * The engine (render.c): appends the text for a reply's "render" name and
 * "data".  A name no table knows, or data its renderer refuses, is appended
 * as pretty-printed JSON, so the operator still sees the answer.
 */
void render_reply(const char *name, const json_t *data, struct sb *out);

#endif
