/*
 * nftm: the appliance's nftables table as a model (counters, sets and maps
 * with their elements, chains with their rules), built from a configuration
 * by zones.c and policy.c, and the two texts hostd loads from it:
 *
 *   nftm_text    the whole table, for the first load (add, delete, define:
 *                an atomic replace), with counter values carried over
 *   nftm_delta   the transaction from the model in force to the next one:
 *                element adds and deletes, the chains whose rules changed
 *                flushed and refilled, new objects added, old ones deleted
 *
 * So a commit that adds an interface to a zone loads a few element adds,
 * not the table.  Named objects are kept (a counter keeps its count, a
 * chain its place) unless the next model has them no more.  An interval
 * set (addresses) that changed is flushed and refilled as a whole, because
 * the kernel merges adjacent intervals and an element delete must name an
 * interval as the kernel holds it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/nftm.h"
#include "hostd/nftm_int.h"
#include "lib/log.h"

struct nftm *
nftm_new(void)
{
	struct nftm *m = xcalloc(1, sizeof(*m));

	m->counters = json_object();
	m->sets = json_object();
	m->chains = json_object();
	m->gone = json_object();
	m->empty = json_string("");
	return m;
}

void
nftm_free(struct nftm *m)
{
	if (m == NULL)
		return;
	json_decref(m->counters);
	json_decref(m->sets);
	json_decref(m->chains);
	json_decref(m->gone);
	json_decref(m->empty);
	nftm_uses_free(&m->uses);
	for (size_t i = 0; i < m->nchain; i++) {
		free(m->chain[i].hook);
		sb_free(&m->chain[i].body);
	}
	free(m->chain);
	free(m);
}

void
nftm_counter(struct nftm *m, const char *name)
{
	json_object_set_new(m->counters, name, json_null());
}

bool
nftm_has_set(const struct nftm *m, const char *name)
{
	return json_object_get(m->sets, name) != NULL;
}

void
nftm_set(struct nftm *m, const char *name, const char *decl, bool interval)
{
	if (nftm_has_set(m, name))
		return;
	json_object_set_new(m->sets, name,
	    json_pack("{s:s, s:b, s:{}}", "decl", decl, "interval", interval,
		"elems"));
}

size_t
nftm_set_size(const struct nftm *m, const char *name)
{
	return json_object_size(
	    json_object_get(json_object_get(m->sets, name), "elems"));
}

const char *
nftm_decl(const struct nftm *m, const char *name)
{
	return json_string_value(
	    json_object_get(json_object_get(m->sets, name), "decl"));
}

void
nftm_set_decl(struct nftm *m, const char *name, const char *decl)
{
	json_t *s = json_object_get(m->sets, name);

	if (s != NULL)
		json_object_set_new(s, "decl", json_string(decl));
}

void
nftm_redeclare(const struct nftm *a, const struct nftm *b, const char *table,
    struct sb *out)
{
	const char *name, *ad, *bd;
	json_t *v;

	json_object_foreach(b->sets, name, v)
	{
		bd = json_string_value(json_object_get(v, "decl"));
		if ((ad = nftm_decl(a, name)) != NULL && strcmp(ad, bd) != 0)
			sb_printf(out, "add %s inet %s %s { %s; }\n",
			    strchr(bd, ':') ? "map" : "set", table, name, bd);
	}
}

bool
nftm_elem(struct nftm *m, const char *set, const char *key, const char *val)
{
	json_t *e = json_object_get(json_object_get(m->sets, set), "elems");

	if (e == NULL || json_object_get(e, key) != NULL)
		return false; /* the first one wins: a key is unique */
	/* a set's elements share one empty value (jansson counts its
	 * references): one allocation fewer per element */
	json_object_set_new(
	    e, key, val && *val ? json_string(val) : json_incref(m->empty));
	return true;
}

struct nftm_chain *
nftm_chain_get(const struct nftm *m, const char *name)
{
	json_t *i = json_object_get(m->chains, name);

	return i ? &m->chain[json_integer_value(i)] : NULL;
}

bool
nftm_has_chain(const struct nftm *m, const char *name)
{
	return nftm_chain_get(m, name) != NULL;
}

bool
nftm_chain(struct nftm *m, const char *name, const char *hook)
{
	struct nftm_chain *c;

	if (nftm_chain_get(m, name) != NULL)
		return false;
	if (m->nchain == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->chain = xrealloc(m->chain, m->cap * sizeof(*m->chain));
	}
	c = &m->chain[m->nchain];
	c->hook = hook ? xstrdup(hook) : NULL;
	sb_init(&c->body);
	json_object_set_new(
	    m->chains, name, json_integer((json_int_t)m->nchain));
	m->nchain++;
	return true;
}

void
nftm_rules(struct nftm *m, const char *chain, const char *text)
{
	struct nftm_chain *c = nftm_chain_get(m, chain);
	const char *p = text, *nl;

	if (c == NULL)
		return;
	for (; *p; p = *nl ? nl + 1 : nl) {
		while (*p == '\t' || *p == ' ')
			p++;
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		if (nl > p)
			sb_printf(&c->body, "%.*s\n", (int)(nl - p), p);
	}
}

/* ---- texts ------------------------------------------------------- */

/* "k1 : v1, k2, ..." of the elements e (all, or those not in / other in o). */
static size_t
nftm_elems(const json_t *e, const json_t *o, struct sb *out)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach((json_t *)e, k, v)
	{
		const char *val = json_string_value(v);
		json_t *ov = o ? json_object_get(o, k) : NULL;
		if (ov != NULL && strcmp(json_string_value(ov), val) == 0)
			continue;
		/* sb_puts, not sb_printf: 200,000 elements at 50,000 zone
		 * interfaces, formatted twice a load */
		if (n++)
			sb_add(out, ", ", 2);
		sb_puts(out, k);
		if (*val) {
			sb_add(out, " : ", 3);
			sb_puts(out, val);
		}
	}
	return n;
}

/*
 * Appends rule (len bytes) to out with its first own counter ("counter"
 * not followed by "name") starting from count [packets, bytes]; true when
 * it had one.  So a chain refilled keeps its count on its first counter.
 */
static bool
nftm_rule_carry(
    const char *rule, size_t len, const json_t *count, struct sb *out)
{
	const char *q = rule, *end = rule + len;

	for (; q + 7 <= end; q++) {
		if (strncmp(q, "counter", 7) != 0 || (q > rule && q[-1] != ' '))
			continue;
		if (q + 7 < end && q[7] != ' ')
			continue;
		if (q + 12 <= end &&
		    (strncmp(q + 7, " name", 5) == 0 ||
			strncmp(q + 7, " pack", 5) == 0))
			continue;
		sb_printf(out,
		    "%.*scounter packets %" JSON_INTEGER_FORMAT
		    " bytes %" JSON_INTEGER_FORMAT "%.*s",
		    (int)(q - rule), rule,
		    json_integer_value(json_array_get(count, 0)),
		    json_integer_value(json_array_get(count, 1)),
		    (int)(end - q - 7), q + 7);
		return true;
	}
	sb_printf(out, "%.*s", (int)len, rule);
	return false;
}

bool
nftm_tag_of(const char *rule, size_t len, const char **tag, size_t *tlen)
{
	static const char pre[] = " comment \"";
	const size_t plen = sizeof(pre) - 1;
	const char *end = rule + len, *q;

	if (len < plen + 1 || end[-1] != '"')
		return false;
	for (q = end - 2; q > rule && *q != '"'; q--)
		;
	if (*q != '"' || q < rule + plen - 1 || q + 1 == end - 1 ||
	    strncmp(q - (plen - 1), pre, plen) != 0)
		return false;
	*tag = q + 1;
	*tlen = (size_t)(end - 1 - (q + 1));
	return true;
}

/* nftm_tag_of into key (false too when it does not fit size). */
static bool
nftm_rule_tag(const char *rule, size_t len, char *key, size_t size)
{
	const char *tag;
	size_t tlen;

	if (!nftm_tag_of(rule, len, &tag, &tlen) || tlen >= size)
		return false;
	memcpy(key, tag, tlen);
	key[tlen] = '\0';
	return true;
}

/*
 * The count rule (len bytes) of chain starts from: its tag's in carry
 * when done has not had it (into key), else the chain's (cc, key chain).
 */
static const json_t *
nftm_rule_count(const char *rule, size_t len, const char *chain,
    const json_t *carry, const json_t *done, char *key, size_t size)
{
	const json_t *c;

	if (carry == NULL)
		return NULL;
	if (nftm_rule_tag(rule, len, key, size) &&
	    (c = json_object_get(carry, key)) != NULL)
		return json_object_get(done, key) ? NULL : c;
	if (strlen(chain) >= size)
		return NULL;
	snprintf(key, size, "%s", chain);
	c = json_object_get(carry, key);
	return c && !json_object_get(done, key) ? c : NULL;
}

void
nftm_carry(
    const char *txn, const char *table, const json_t *carry, struct sb *out)
{
	json_t *done = json_object();
	const char *l, *nl, *name;
	size_t pre, nlen;
	char key[128];
	struct sb head;

	sb_init(&head);
	sb_printf(&head, "add rule inet %s ", table);
	pre = head.len;
	for (l = txn; *l; l = *nl ? nl + 1 : nl) {
		nl = strchr(l, '\n');
		nl = nl ? nl : l + strlen(l);
		const json_t *c = NULL;
		if ((size_t)(nl - l) > pre && strncmp(l, head.buf, pre) == 0) {
			name = l + pre;
			nlen = strcspn(name, " \n");
			if (nlen < sizeof(key)) {
				char chain[128];
				memcpy(chain, name, nlen);
				chain[nlen] = '\0';
				c = nftm_rule_count(l, (size_t)(nl - l), chain,
				    carry, done, key, sizeof(key));
			}
		}
		if (c == NULL)
			sb_printf(out, "%.*s", (int)(nl - l), l);
		else if (nftm_rule_carry(l, (size_t)(nl - l), c, out))
			json_object_set_new(done, key, json_true());
		if (*nl)
			sb_putc(out, '\n');
	}
	json_decref(done);
	sb_free(&head);
}

void
nftm_text(const struct nftm *m, const char *table, const json_t *carry,
    struct sb *out)
{
	const char *name;
	json_t *v, *done;

	/* whether the table exists or not: add, then delete it */
	sb_printf(
	    out, "add table inet %s\ndelete table inet %s\n", table, table);
	if (m == NULL)
		return;
	done = json_object();
	sb_printf(out, "table inet %s {\n", table);
	json_object_foreach(m->counters, name, v)
	{
		json_t *c = carry ? json_object_get(carry, name) : NULL;
		if (c != NULL)
			sb_printf(out,
			    "\tcounter %s { packets %" JSON_INTEGER_FORMAT
			    " bytes %" JSON_INTEGER_FORMAT " }\n",
			    name, json_integer_value(json_array_get(c, 0)),
			    json_integer_value(json_array_get(c, 1)));
		else
			sb_printf(out, "\tcounter %s { }\n", name);
	}
	json_object_foreach(m->sets, name, v)
	{
		const char *decl =
		    json_string_value(json_object_get(v, "decl"));
		sb_printf(out, "\t%s %s { %s; ",
		    strchr(decl, ':') ? "map" : "set", name, decl);
		size_t mark = out->len;
		sb_puts(out, "elements = { ");
		if (nftm_elems(json_object_get(v, "elems"), NULL, out) > 0) {
			sb_puts(out, " }; }\n");
		} else {
			out->len = mark;
			out->buf[mark] = '\0';
			sb_puts(out, "}\n");
		}
	}
	json_object_foreach(m->chains, name, v)
	{
		const struct nftm_chain *c = &m->chain[json_integer_value(v)];
		const char *p = sb_str((struct sb *)&c->body), *nl;
		const json_t *cc;
		char key[128];
		sb_printf(out, "\tchain %s {\n", name);
		if (c->hook)
			sb_printf(out, "\t\t%s\n", c->hook);
		for (; *p; p = nl + 1) {
			nl = strchr(p, '\n');
			sb_puts(out, "\t\t");
			cc = nftm_rule_count(p, (size_t)(nl - p), name, carry,
			    done, key, sizeof(key));
			if (cc == NULL)
				sb_add(out, p, (size_t)(nl - p));
			else if (nftm_rule_carry(p, (size_t)(nl - p), cc, out))
				/* on the first counter only */
				json_object_set_new(done, key, json_true());
			sb_putc(out, '\n');
		}
		sb_puts(out, "\t}\n");
	}
	sb_puts(out, "}\n");
	json_decref(done);
}

static void
nftm_chain_rules(const char *table, const char *name,
    const struct nftm_chain *c, struct sb *out)
{
	const char *p = sb_str((struct sb *)&c->body), *nl;

	struct sb head;

	sb_init(&head);
	sb_printf(&head, "add rule inet %s %s ", table, name);
	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		sb_add(out, head.buf, head.len);
		sb_add(out, p, (size_t)(nl + 1 - p));
	}
	sb_free(&head);
}

/*
 * Chain c in place of o (in force, or NULL): nothing when equal; the rules
 * after o's when c only appends to o (a policy added at the end of its
 * context: the others keep their rules and counts); else o flushed (into
 * out) and c's rules added (into fill).
 */
void
nftm_chain_fill(const char *table, const char *name, const struct nftm_chain *o,
    const struct nftm_chain *c, struct sb *out, struct sb *fill)
{
	struct nftm_chain tail;

	if (o != NULL && o->body.len <= c->body.len &&
	    (o->body.len == 0 ||
		memcmp(o->body.buf, c->body.buf, o->body.len) == 0)) {
		if (o->body.len == c->body.len)
			return;
		tail.hook = NULL;
		tail.body.buf = c->body.buf + o->body.len;
		tail.body.len = c->body.len - o->body.len;
		tail.body.cap = 0;
		nftm_chain_rules(table, name, &tail, fill);
		return;
	}
	if (o != NULL)
		sb_printf(out, "flush chain inet %s %s\n", table, name);
	nftm_chain_rules(table, name, c, fill);
}

void
nftm_delta(const struct nftm *a, const struct nftm *b, const char *table,
    struct sb *out)
{
	struct sb fill, drop;
	const char *name;
	json_t *v;

	sb_init(&fill);
	sb_init(&drop);
	/* new objects first: what the rules and elements refer to */
	json_object_foreach(
	    b->chains, name, v) if (nftm_chain_get(a, name) == NULL)
	{
		const struct nftm_chain *c = &b->chain[json_integer_value(v)];
		sb_printf(out, "add chain inet %s %s%s%s%s\n", table, name,
		    c->hook ? " { " : "", c->hook ? c->hook : "",
		    c->hook ? " }" : "");
	}
	json_object_foreach(b->counters, name,
	    v) if (json_object_get(a->counters, name) == NULL)
	    sb_printf(out, "add counter inet %s %s\n", table, name);
	json_object_foreach(b->sets, name, v)
	{
		json_t *ao = json_object_get(a->sets, name);
		json_t *be = json_object_get(v, "elems"), *ae;
		const char *decl =
		    json_string_value(json_object_get(v, "decl"));
		if (ao == NULL)
			sb_printf(out, "add %s inet %s %s { %s; }\n",
			    strchr(decl, ':') ? "map" : "set", table, name,
			    decl);
		ae = ao ? json_object_get(ao, "elems") : NULL;
		if (ae != NULL &&
		    json_is_true(json_object_get(v, "interval"))) {
			if (json_equal(ae, be))
				continue;
			sb_printf(out, "flush set inet %s %s\n", table, name);
			ae = NULL;
		} else if (ae != NULL) {
			/* keys gone, or mapped to something else now */
			struct sb del;
			const char *k;
			json_t *av, *bv;
			size_t n = 0;
			sb_init(&del);
			json_object_foreach(ae, k, av)
			{
				bv = json_object_get(be, k);
				if (bv == NULL || !json_equal(av, bv))
					sb_printf(
					    &del, "%s%s", n++ ? ", " : "", k);
			}
			if (n > 0)
				sb_printf(out,
				    "delete element inet %s %s { %s }\n", table,
				    name, sb_str(&del));
			sb_free(&del);
		}
		size_t mark = fill.len;
		sb_printf(&fill, "add element inet %s %s { ", table, name);
		if (nftm_elems(be, ae, &fill) > 0) {
			sb_puts(&fill, " }\n");
		} else {
			fill.len = mark;
			fill.buf[mark] = '\0';
		}
	}
	/* chains whose rules changed: emptied, then filled again */
	json_object_foreach(b->chains, name, v)
	{
		const struct nftm_chain *c = &b->chain[json_integer_value(v)];
		const struct nftm_chain *o = nftm_chain_get(a, name);
		nftm_chain_fill(table, name, o, c, out, &fill);
	}
	/* what the next model has no more: emptied now, deleted last */
	json_object_foreach(
	    a->chains, name, v) if (nftm_chain_get(b, name) == NULL)
	{
		sb_printf(out, "flush chain inet %s %s\n", table, name);
		sb_printf(&drop, "delete chain inet %s %s\n", table, name);
	}
	json_object_foreach(
	    a->sets, name, v) if (json_object_get(b->sets, name) == NULL)
	{
		const char *decl =
		    json_string_value(json_object_get(v, "decl"));
		sb_printf(out, "flush %s inet %s %s\n",
		    strchr(decl, ':') ? "map" : "set", table, name);
		sb_printf(&drop, "delete %s inet %s %s\n",
		    strchr(decl, ':') ? "map" : "set", table, name);
	}
	json_object_foreach(a->counters, name,
	    v) if (json_object_get(b->counters, name) == NULL)
	    sb_printf(&drop, "delete counter inet %s %s\n", table, name);
	sb_puts(out, sb_str(&fill));
	sb_puts(out, sb_str(&drop));
	sb_free(&fill);
	sb_free(&drop);
}

static int
nftm_line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
nftm_canon(const struct nftm *m, struct sb *out)
{
	struct sb all;
	const char *name, *k;
	json_t *v, *ev;
	char **line = NULL;
	size_t n = 0;

	sb_init(&all);
	if (m == NULL)
		return;
	json_object_foreach(m->counters, name, v)
	    sb_printf(&all, "counter %s\n", name);
	json_object_foreach(m->sets, name, v)
	{
		sb_printf(&all, "set %s %s\n", name,
		    json_string_value(json_object_get(v, "decl")));
		json_object_foreach(json_object_get(v, "elems"), k, ev)
		    sb_printf(&all, "elem %s %s %s\n", name, k,
			json_string_value(ev));
	}
	json_object_foreach(m->chains, name, v)
	{
		const struct nftm_chain *c = &m->chain[json_integer_value(v)];
		const char *p = sb_str((struct sb *)&c->body), *nl;
		sb_printf(&all, "chain %s %s\n", name, c->hook ? c->hook : "");
		for (size_t i = 0; *p; p = nl + 1, i++) {
			nl = strchr(p, '\n');
			sb_printf(&all, "rule %s %06zu %.*s\n", name, i,
			    (int)(nl - p), p);
		}
	}
	for (char *p = all.buf, *nl; p != NULL && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		line = xrealloc(line, (n + 1) * sizeof(*line));
		line[n++] = p;
	}
	qsort(line, n, sizeof(*line), nftm_line_cmp);
	for (size_t i = 0; i < n; i++)
		sb_printf(out, "%s\n", line[i]);
	free(line);
	sb_free(&all);
}

/* ---- iteration --------------------------------------------------- */

void
nftm_each_set(const struct nftm *m,
    void (*fn)(
	const char *name, const char *decl, bool interval, size_t n, void *arg),
    void *arg)
{
	const char *name;
	json_t *v;

	json_object_foreach(m->sets, name, v)
	    fn(name, json_string_value(json_object_get(v, "decl")),
		json_is_true(json_object_get(v, "interval")),
		json_object_size(json_object_get(v, "elems")), arg);
}

int
nftm_each_elem(const struct nftm *m, const char *set,
    int (*fn)(const char *key, const char *val, void *arg), void *arg)
{
	json_t *e = json_object_get(json_object_get(m->sets, set), "elems");
	const char *k;
	json_t *v;

	json_object_foreach(e, k, v)
	{
		if (fn(k, json_string_value(v), arg) == -1)
			return -1;
	}
	return 0;
}

void
nftm_each_chain(const struct nftm *m,
    void (*fn)(const char *name, const char *hook, const char *body, void *arg),
    void *arg)
{
	const char *name;
	json_t *v;

	json_object_foreach(m->chains, name, v)
	{
		const struct nftm_chain *c = &m->chain[json_integer_value(v)];
		fn(name, c->hook, sb_str((struct sb *)&c->body), arg);
	}
}

/* ---- names ------------------------------------------------------- */

/* FNV-1a, 64 bits: stable names for configuration keys. */
uint64_t
nftm_hash_more(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static uint64_t
nftm_hash(const char *s)
{
	return nftm_hash_more(NFTM_HASH_INIT, s);
}

const char *
nftm_chain_body(const struct nftm *m, const char *name)
{
	const struct nftm_chain *c = nftm_chain_get(m, name);

	return c ? sb_str((struct sb *)&c->body) : NULL;
}

void
nftm_ident(const char *s, struct sb *out)
{
	for (const char *p = s; *p; p++)
		sb_putc(out,
		    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9')
			? *p
			: '_');
}

void
nftm_name(const char *prefix, const char *key, struct sb *out)
{
	sb_reset(out);
	sb_printf(out, "%s%016llx", prefix, (unsigned long long)nftm_hash(key));
}
