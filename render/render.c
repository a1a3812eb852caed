/*
 * render: the engine the cli renders replies with.  Each area's file in
 * render/ exports one table of render.h; this file lists them, and a reply's
 * "render" name is looked up in them in order.  A name nobody knows, or data
 * a renderer refuses, is printed as pretty JSON so the operator still sees
 * the answer.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "render/render.h"

/* Every area's table. */
static const struct render_entry *const render_tables[] = {
	pki_renderers,
	keymgr_renderers,
	host_renderers,
	iked_renderers,
};

static const struct render_entry *
render_find(const char *name)
{
	size_t t;
	const struct render_entry *e;

	for (t = 0; t < sizeof(render_tables) / sizeof(render_tables[0]); t++)
		for (e = render_tables[t]; e->name != NULL; e++)
			if (strcmp(e->name, name) == 0)
				return e;
	return NULL;
}

static void
render_json(const json_t *data, struct sb *out)
{
	char *js = json_dumps(
	    data, JSON_INDENT(4) | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);

	if (js != NULL) {
		sb_puts(out, js);
		sb_putc(out, '\n');
		free(js);
	}
}

void
render_reply(const char *name, const json_t *data, struct sb *out)
{
	const struct render_entry *e = name ? render_find(name) : NULL;
	size_t mark = out->len;

	if (data == NULL)
		return;
	if (e != NULL) {
		if (e->fn(data, out) == 0)
			return;
		log_warn("renderer %s refused the reply's data", name);
		out->len = mark;
		if (out->buf != NULL)
			out->buf[mark] = '\0';
	}
	render_json(data, out);
}
