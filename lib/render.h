/*
 * render: turning structured operational replies into Junos text.  Each area
 * (pki, keymgr, iked, host, mgd) exports one table; the cli looks a reply's
 * "render" name up in them.  Renderers are pure: data in, text out.
 */
#ifndef QSAFE_RENDER_H
#define QSAFE_RENDER_H

#include <jansson.h>

#include "lib/sb.h"

/*
 * An rpc's data (a daemon's or the pki library's) that reports a failure
 * carries this member, true: keymgr's `get profile-keys` answering
 * `Status: FAILED`.  The data is rendered as usual; mgd takes the member out
 * and answers the cli with ok false, so `cli -c` exits non-zero (README).
 */
#define RPC_DATA_FAILED "command-failed"

/*
 * Large data (at least MSG_ATTACH_MIN of JSON: `show security ike
 * security-associations` at 10,000 SAs is 1.6 MB) leaves the daemon as its
 * JSON text in this member instead of "data" (mgd/link.c): the frame
 * carries it as an attachment, mgd hands it on to the cli untouched
 * (parsing and dumping it again cost mgd as much as the daemon's own
 * reply), and the cli parses it once to render.  mgd parses it only for
 * `| display json|xml`.  Never with RPC_DATA_FAILED, never for secrets.
 */
#define RPC_DATA_JSON "data-json"

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

#endif
