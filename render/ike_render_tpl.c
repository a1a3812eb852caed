/*
 * ike_render_tpl: the small template language of iked's renderers: a
 * template's {key} is replaced by the text of an object's member, a
 * [group] goes when one of its keys is missing, and counters are
 * right-aligned to Junos's columns.
 */
#include <stdbool.h>
#include <string.h>

#include "render/ike_render_int.h"

#define IR_KEY_MAX 64

/* Appends the text of a scalar; false when v is not one. */
bool
ir_scalar(struct sb *out, const json_t *v, bool caps)
{
	size_t mark = out->len;

	if (json_is_string(v))
		sb_puts(out, json_string_value(v));
	else if (json_is_integer(v))
		sb_printf(out, "%lld", (long long)json_integer_value(v));
	else if (!json_is_true(v)) /* true: an empty element */
		return false;
	if (caps && out->len > mark && out->buf[mark] >= 'a' &&
	    out->buf[mark] <= 'z')
		out->buf[mark] = (char)(out->buf[mark] - 'a' + 'A');
	return true;
}

static void
ir_truncate(struct sb *out, size_t mark)
{
	out->len = mark;
	if (out->buf != NULL)
		out->buf[mark] = '\0';
}

/*
 * Appends the template [p, end) with each {key} replaced by the text of o's
 * member ({^key}: its first letter capitalised).  A [group] is left out
 * when one of its keys is missing.  False when a key outside any group is
 * missing (the rest is still appended).
 */
static bool
ir_span(struct sb *out, const json_t *o, const char *p, const char *end)
{
	bool ok = true;
	char key[IR_KEY_MAX];

	while (p < end) {
		const char *q;
		size_t mark = out->len;

		if (*p == '[' && (q = memchr(p, ']', (size_t)(end - p)))) {
			if (!ir_span(out, o, p + 1, q))
				ir_truncate(out, mark);
			p = q + 1;
		} else if (*p == '{' &&
		    (q = memchr(p, '}', (size_t)(end - p))) &&
		    q - p - 1 < IR_KEY_MAX) {
			bool caps = p[1] == '^';
			size_t n = (size_t)(q - p - 1) - caps;

			memcpy(key, p + 1 + caps, n);
			key[n] = '\0';
			if (!ir_scalar(out, json_object_get(o, key), caps))
				ok = false;
			p = q + 1;
		} else {
			sb_putc(out, *p++);
		}
	}
	return ok;
}

/* One template over o; a required member missing marks *bad. */
void
ir_fmt(struct sb *out, const json_t *o, const char *tpl, bool *bad)
{
	if (!ir_span(out, o, tpl, tpl + strlen(tpl)))
		*bad = true;
}

/* Pads the line that starts at start to column col, one space at least. */
void
ir_pad(struct sb *out, size_t start, size_t col)
{
	size_t at = out->len - start;

	sb_indent(out, at < col ? (int)(col - at) : 1);
}

/*
 * `label` then the counter right-aligned so that its last digit is in
 * column edge (one space at least): sections 2a/2c (edge 39) and 5 (35).
 */
void
ir_count(struct sb *out, const char *label, const json_t *o, const char *key,
    size_t edge, bool *bad)
{
	struct sb t;
	size_t used;

	sb_init(&t);
	if (!ir_scalar(&t, json_object_get(o, key), false))
		*bad = true;
	used = strlen(label) + strlen(sb_str(&t));
	sb_puts(out, label);
	sb_indent(out, used < edge ? (int)(edge - used) : 1);
	sb_puts(out, sb_str(&t));
	sb_putc(out, '\n');
	sb_free(&t);
}

/* The reply element (an object) named name in data; NULL when missing. */
const json_t *
ir_root(const json_t *data, const char *name)
{
	const json_t *r = json_object_get(data, name);

	return json_is_object(r) ? r : NULL;
}

bool
ir_is_detail(const json_t *root)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(root, "@"), "junos:style"));

	return s != NULL && strcmp(s, "detail") == 0;
}

/* A list member: an array, or one object standing for a list of one. */
size_t
ir_count_of(const json_t *l)
{
	return json_is_array(l) ? json_array_size(l) : json_is_object(l);
}

const json_t *
ir_item(const json_t *l, size_t i)
{
	return json_is_array(l) ? json_array_get(l, i) : l;
}
