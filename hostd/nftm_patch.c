/*
 * nftm_patch: patches of the model (nftm.h): the part of the next model a
 * one-line change touches, its transaction against the model in force,
 * and the model in force brought level with it.
 */
#include <stdlib.h>
#include <string.h>

#include "hostd/nftm.h"
#include "hostd/nftm_int.h"

void
nftm_patch_elem(
    struct nftm *p, const char *set, const char *key, const char *val)
{
	json_t *s = json_object_get(p->sets, set);

	if (s == NULL) {
		s = json_pack(
		    "{s:s, s:b, s:{}}", "decl", "", "interval", 0, "elems");
		json_object_set_new(p->sets, set, s);
	}
	json_object_set_new(json_object_get(s, "elems"), key,
	    val ? json_string(val) : json_null());
}

void
nftm_patch_set(struct nftm *p, const char *name, const char *decl)
{
	json_t *s = json_object_get(p->sets, name);

	if (s == NULL) {
		s = json_pack("{s:{}}", "elems");
		json_object_set_new(p->sets, name, s);
	}
	json_object_set_new(s, "decl", json_string(decl ? decl : ""));
	json_object_set_new(s, "gone", json_boolean(decl == NULL));
}

void
nftm_patch_counter(struct nftm *p, const char *name, bool present)
{
	json_object_set_new(p->counters, name, json_boolean(present));
}

void
nftm_patch_chain(struct nftm *p, const char *name, const char *rules)
{
	if (rules == NULL) {
		json_object_set_new(p->gone, name, json_true());
		return;
	}
	json_object_del(p->gone, name);
	if (!nftm_chain(p, name, NULL))
		sb_reset(&nftm_chain_get(p, name)->body);
	nftm_rules(p, name, rules);
}

/* The value of key in set of m, or NULL. */
static const char *
nftm_elem_get(const struct nftm *m, const char *set, const char *key)
{
	json_t *e = json_object_get(json_object_get(m->sets, set), "elems");

	return json_string_value(json_object_get(e, key));
}

void
nftm_patch_delta(const struct nftm *m, const struct nftm *p, const char *table,
    struct sb *out)
{
	struct sb fill, drop, sets;
	const char *name, *k;
	json_t *v, *ev;

	sb_init(&fill);
	sb_init(&drop);
	sb_init(&sets); /* sets deleted: after the chains that use them */
	json_object_foreach(p->chains, name, v)
	{
		if (nftm_chain_get(m, name) == NULL)
			sb_printf(out, "add chain inet %s %s\n", table, name);
	}
	json_object_foreach(p->counters, name, v)
	{
		bool had = json_object_get(m->counters, name) != NULL;
		if (json_is_true(v) && !had)
			sb_printf(out, "add counter inet %s %s\n", table, name);
		else if (json_is_false(v) && had)
			sb_printf(
			    &drop, "delete counter inet %s %s\n", table, name);
	}
	json_object_foreach(p->sets, name, v)
	{
		const char *decl =
		    json_string_value(json_object_get(v, "decl"));
		const char *kind = strchr(decl, ':') ? "map" : "set";
		const char *had = nftm_decl(m, name);
		if (json_is_true(json_object_get(v, "gone"))) {
			/* emptied first: its jumps hold the chains they name */
			kind = had && strchr(had, ':') ? "map" : "set";
			if (had != NULL) {
				sb_printf(out, "flush %s inet %s %s\n", kind,
				    table, name);
				sb_printf(&sets, "delete %s inet %s %s\n", kind,
				    table, name);
			}
			continue;
		}
		if (*decl != '\0' && had == NULL)
			sb_printf(out, "add %s inet %s %s { %s; }\n", kind,
			    table, name, decl);
		json_object_foreach(json_object_get(v, "elems"), k, ev)
		{
			const char *a = nftm_elem_get(m, name, k);
			const char *b = json_string_value(ev);
			if (a != NULL && b != NULL && strcmp(a, b) == 0)
				continue;
			if (a != NULL)
				sb_printf(out,
				    "delete element inet %s %s { %s }\n", table,
				    name, k);
			if (b != NULL)
				sb_printf(&fill,
				    "add element inet %s %s { %s%s%s }\n",
				    table, name, k, *b ? " : " : "", b);
		}
	}
	json_object_foreach(p->chains, name, v)
	{
		const struct nftm_chain *c = &p->chain[json_integer_value(v)];
		const struct nftm_chain *o = nftm_chain_get(m, name);
		nftm_chain_fill(table, name, o, c, out, &fill);
	}
	json_object_foreach(p->gone, name, v)
	{
		if (nftm_chain_get(m, name) == NULL)
			continue;
		sb_printf(out, "flush chain inet %s %s\n", table, name);
		sb_printf(&drop, "delete chain inet %s %s\n", table, name);
	}
	sb_puts(out, sb_str(&fill));
	sb_puts(out, sb_str(&drop));
	sb_puts(out, sb_str(&sets));
	sb_free(&fill);
	sb_free(&drop);
	sb_free(&sets);
}

size_t
nftm_patch_size(const struct nftm *m, const struct nftm *p, const char *name)
{
	json_t *pe = json_object_get(json_object_get(p->sets, name), "elems");
	size_t n = nftm_set_size(m, name);
	const char *k;
	json_t *v;

	json_object_foreach(pe, k, v)
	{
		bool had = nftm_elem_get(m, name, k) != NULL;
		if (!had && !json_is_null(v))
			n++;
		else if (had && json_is_null(v))
			n--;
	}
	return n;
}

void
nftm_patch_apply(struct nftm *m, const struct nftm *p)
{
	const char *name, *k;
	json_t *v, *ev;

	nftm_uses_add(m, p);
	json_object_foreach(p->chains, name, v)
	{
		const struct nftm_chain *c = &p->chain[json_integer_value(v)];
		if (!nftm_chain(m, name, NULL))
			sb_reset(&nftm_chain_get(m, name)->body);
		sb_puts(&nftm_chain_get(m, name)->body,
		    sb_str((struct sb *)&c->body));
	}
	json_object_foreach(p->gone, name, v)
	{
		struct nftm_chain *c = nftm_chain_get(m, name);
		if (c == NULL)
			continue;
		free(c->hook);
		c->hook = NULL;
		sb_reset(&c->body);
		json_object_del(m->chains, name);
	}
	json_object_foreach(p->counters, name, v)
	{
		if (json_is_true(v))
			nftm_counter(m, name);
		else
			json_object_del(m->counters, name);
	}
	json_object_foreach(p->sets, name, v)
	{
		const char *decl =
		    json_string_value(json_object_get(v, "decl"));
		json_t *e;
		if (json_is_true(json_object_get(v, "gone"))) {
			json_object_del(m->sets, name);
			continue;
		}
		if (*decl != '\0')
			nftm_set(m, name, decl, false);
		e = json_object_get(json_object_get(m->sets, name), "elems");
		if (e == NULL)
			continue;
		json_object_foreach(json_object_get(v, "elems"), k, ev)
		{
			if (json_is_string(ev))
				json_object_set(e, k, ev);
			else
				json_object_del(e, k);
		}
	}
}
