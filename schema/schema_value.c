/*
 * schema_value: what a leaf's value may be, from its libyang type.
 *
 * Checks a typed value against its type (ranges, lengths, patterns, enums)
 * with the Junos-worded error, and writes the `?` help of a value: the
 * part of schema.h that reads types rather than builds the statement tree.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>
#include <libyang/plugins_types.h>

#include "lib/log.h"
#include "schema/schema.h"
#include "schema/schema_int.h"

static const struct lysc_type *
snode_type(const struct snode *sn)
{
	if (sn->ly == NULL)
		return NULL;
	if (sn->ly->nodetype == LYS_LEAF)
		return ((const struct lysc_node_leaf *)sn->ly)->type;
	if (sn->ly->nodetype == LYS_LEAFLIST)
		return ((const struct lysc_node_leaflist *)sn->ly)->type;
	return NULL;
}

size_t
schema_enum_values(const struct snode *sn, const char **out, size_t max)
{
	const struct lysc_type *t = snode_type(sn);
	const struct lysc_type_enum *e;
	LY_ARRAY_COUNT_TYPE u;
	size_t n = 0;

	if (t == NULL || t->basetype != LY_TYPE_ENUM)
		return 0;
	e = (const struct lysc_type_enum *)t;
	LY_ARRAY_FOR(e->enums, u)
	{
		if (n < max)
			out[n] = e->enums[u].name;
		n++;
	}
	return n;
}

static void
schema_range_text(const struct lysc_range *r, bool is_signed, struct sb *out)
{
	LY_ARRAY_COUNT_TYPE u;

	LY_ARRAY_FOR(r->parts, u)
	{
		if (u > 0)
			sb_puts(out, " | ");
		if (is_signed)
			sb_printf(out, "%" PRId64 "..%" PRId64,
			    r->parts[u].min_64, r->parts[u].max_64);
		else
			sb_printf(out, "%" PRIu64 "..%" PRIu64,
			    r->parts[u].min_u64, r->parts[u].max_u64);
	}
}

static bool
schema_type_is_signed(const struct lysc_type *t)
{
	return t->basetype >= LY_TYPE_DEC64;
}

/* The Junos-style reason a value does not fit type t. */
static void
schema_type_error(const struct lysc_type *t, const char *value, struct sb *err)
{
	if (schema_type_is_numeric(t)) {
		const struct lysc_range *r =
		    ((const struct lysc_type_num *)t)->range;
		char *end;
		errno = 0;
		if (value[0] == '-' && !schema_type_is_signed(t))
			end = (char *)value;
		else
			(void)strtoll(value, &end, 10);
		if (*value == '\0' || *end != '\0' || errno == ERANGE) {
			sb_printf(err, "invalid numeric value: '%s'", value);
			return;
		}
		sb_printf(err, "Value %s is not within range (", value);
		if (r != NULL)
			schema_range_text(r, schema_type_is_signed(t), err);
		else
			sb_puts(err, "type limits");
		sb_putc(err, ')');
		return;
	}
	if (t->basetype == LY_TYPE_STRING) {
		const struct lysc_type_str *st =
		    (const struct lysc_type_str *)t;
		LY_ARRAY_COUNT_TYPE u;
		if (st->length != NULL) {
			size_t len = strlen(value);
			bool ok = false;
			LY_ARRAY_FOR(st->length->parts, u)
			if (len >= st->length->parts[u].min_u64 &&
			    len <= st->length->parts[u].max_u64)
				ok = true;
			if (!ok) {
				sb_printf(err,
				    "Length of '%s' is not within range (",
				    value);
				schema_range_text(st->length, false, err);
				sb_putc(err, ')');
				return;
			}
		}
		LY_ARRAY_FOR(st->patterns, u)
		{
			const char *emsg = st->patterns[u]->emsg;
			const char *at = emsg ? strstr(emsg, "'%s'") : NULL;
			if (emsg == NULL)
				continue;
			if (at != NULL) /* its own layout: "... in '%s'." */
				sb_printf(err, "%.*s'%s'%s", (int)(at - emsg),
				    emsg, value, at + 4);
			else
				sb_printf(err, "%s: '%s'", emsg, value);
			return;
		}
		sb_printf(err, "invalid value: '%s'", value);
		return;
	}
	if (t->basetype == LY_TYPE_UNION) {
		const struct lysc_type_union *un =
		    (const struct lysc_type_union *)t;
		LY_ARRAY_COUNT_TYPE u;
		/* The first member's reason is the most helpful one. */
		LY_ARRAY_FOR(un->types, u)
		{
			schema_type_error(un->types[u], value, err);
			return;
		}
	}
	sb_printf(err, "invalid value: '%s'", value);
}

/*
 * Whether value matches pattern pat, answered by pcre2's JIT: 1 yes, 0 no,
 * -1 cannot tell (no JIT).  libyang matches with the interpreter, which
 * allocates its frames on every match (a seventh of a 200,000-line `load`),
 * because it asks for PCRE2_ANCHORED | PCRE2_ENDANCHORED at match time,
 * which JIT does not take.  Its patterns are compiled with both options
 * (checked here), so the same code JIT-compiled in place and matched
 * without them answers the same; libyang's own matches are unchanged.
 */
/* libyang's id of its plain string type (plugins_types/string.c) */
#define SCHEMA_STRING_PLUGIN "libyang 2 - string, version 1"

static int
schema_pattern_match(const struct schema *s, const struct lysc_pattern *pat,
    const char *value, size_t len)
{
	const uint32_t anchored = PCRE2_ANCHORED | PCRE2_ENDANCHORED;
	uint32_t opts = 0;
	size_t jit = 0;
	int rc;

	if (s->md == NULL ||
	    pcre2_pattern_info(pat->code, PCRE2_INFO_ARGOPTIONS, &opts) != 0 ||
	    (opts & anchored) != anchored)
		return -1;
	if (pcre2_pattern_info(pat->code, PCRE2_INFO_JITSIZE, &jit) != 0)
		return -1;
	if (jit == 0 && pcre2_jit_compile(pat->code, PCRE2_JIT_COMPLETE) != 0)
		return -1;
	rc = pcre2_jit_match(
	    pat->code, (PCRE2_SPTR)value, len, 0, 0, s->md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH)
		return pat->inverted ? 1 : 0;
	if (rc < 0)
		return -1;
	return pat->inverted ? 0 : 1;
}

/*
 * True when value certainly fits t without asking libyang: an enumeration
 * name, a string within its length whose patterns all match (JIT), or a
 * union with such a member (a union takes a value any member takes).  Only
 * printable ASCII qualifies (so bytes are characters and UTF-8 is not in
 * question); anything else, and every refusal, goes to lyd_value_validate.
 * This keeps the answers identical while sparing the common values
 * libyang's value store, dictionary and free (a fifth of a 200,000-line
 * `load`) and its interpreted pattern matches.
 */
static bool
schema_value_surely_valid(
    const struct schema *s, const struct lysc_type *t, const char *value)
{
	LY_ARRAY_COUNT_TYPE u;
	size_t len = 0;

	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p < 0x20 || *p > 0x7e)
			return false;
		len++;
	}
	if (t->basetype == LY_TYPE_ENUM) {
		const struct lysc_type_enum *e =
		    (const struct lysc_type_enum *)t;
		LY_ARRAY_FOR(e->enums, u)
		if (strcmp(e->enums[u].name, value) == 0)
			return true;
		return false;
	}
	if (t->basetype == LY_TYPE_UNION) {
		const struct lysc_type_union *un =
		    (const struct lysc_type_union *)t;
		LY_ARRAY_FOR(un->types, u)
		if (schema_value_surely_valid(s, un->types[u], value))
			return true;
		return false;
	}
	if (t->basetype == LY_TYPE_STRING) {
		const struct lysc_type_str *st =
		    (const struct lysc_type_str *)t;
		bool fits = st->length == NULL;
		if (st->length != NULL)
			LY_ARRAY_FOR(st->length->parts, u)
		if (len >= st->length->parts[u].min_u64 &&
		    len <= st->length->parts[u].max_u64)
			fits = true;
		if (!fits)
			return false;
		/* Patterns are all a plain string type checks (no plugin of
		 * ietf-inet-types and the like, which check more). */
		if (LY_ARRAY_COUNT(st->patterns) > 0 &&
		    (t->plugin == NULL || t->plugin->id == NULL ||
			strcmp(t->plugin->id, SCHEMA_STRING_PLUGIN) != 0))
			return false;
		LY_ARRAY_FOR(st->patterns, u)
		if (schema_pattern_match(s, st->patterns[u], value, len) != 1)
			return false;
		return true;
	}
	return false;
}

int
schema_value_check(const struct schema *s, const struct snode *sn,
    const char *value, struct sb *err)
{
	const struct lysc_type *t = snode_type(sn);

	if (t == NULL)
		return 0;
	if (t->basetype == LY_TYPE_EMPTY)
		return 0;
	if (schema_value_surely_valid(s, t, value))
		return 0;
	if (lyd_value_validate(s->ctx, sn->ly, value, strlen(value), NULL, NULL,
		NULL) == LY_SUCCESS)
		return 0;
	schema_type_error(t, value, err);
	return -1;
}

static bool
schema_type_caret_end(const struct lysc_type *t)
{
	LY_ARRAY_COUNT_TYPE u;

	if (t->basetype == LY_TYPE_UNION) {
		const struct lysc_type_union *un =
		    (const struct lysc_type_union *)t;
		LY_ARRAY_FOR(un->types, u)
		{
			if (schema_type_caret_end(un->types[u]))
				return true;
		}
		return false;
	}
	if (t->basetype != LY_TYPE_STRING)
		return false;
	LY_ARRAY_FOR(((const struct lysc_type_str *)t)->patterns, u)
	{
		const char *tag =
		    ((const struct lysc_type_str *)t)->patterns[u]->eapptag;
		if (tag != NULL && strcmp(tag, "caret-end") == 0)
			return true;
	}
	return false;
}

bool
schema_value_caret_end(const struct snode *sn)
{
	const struct lysc_type *t = snode_type(sn);

	return t != NULL && schema_type_caret_end(t);
}

static const char *
schema_type_word(const struct lysc_type *t)
{
	return schema_type_is_numeric(t) ? "number" : NULL;
}

void
schema_value_help(const struct snode *sn, struct sb *out)
{
	const struct lysc_type *t = snode_type(sn);

	sb_printf(out, "<%s>", sn->name);
	if (t == NULL)
		return;
	const char *w = schema_type_word(t);
	const struct lysc_range *r = NULL;
	if (w != NULL)
		r = ((const struct lysc_type_num *)t)->range;
	if (r != NULL) {
		sb_puts(out, " (");
		schema_range_text(r, schema_type_is_signed(t), out);
		sb_putc(out, ')');
	}
}
