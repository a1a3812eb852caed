/*
 * ruleset: hostd's nftables table through a commit.  Check builds the
 * next model and its transaction (a patch of the model in force, the
 * difference from it, or the whole table) and has the kernel dry-run it;
 * a first large table is loaded dormant after the reply (bulk.c); apply
 * puts it in force, carrying the policy chains' counts, and hostd.nft
 * (the operator's copy) follows when the loop is idle; at the
 * appliance's stop the table goes.  The commit's other parts are in
 * hostd.c (the link's callbacks), iface.c, route.c and pending.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "hostd/laps.h"
#include "hostd/ruleset.h"
#include "lib/log.h"

/* The name of this appliance's table that is not in force. */
static const char *
ruleset_other(const struct hostd *h)
{
	return h->table == h->names[0] ? h->names[1] : h->names[0];
}

/* The name the next table goes under. */
static const char *
ruleset_next_name(const struct hostd *h)
{
	return h->next_swap ? ruleset_other(h) : h->table;
}

/* Table name deleted, if it is there; 0 or -1. */
static int
ruleset_drop(struct hostd *h, const char *name)
{
	struct sb txn, err;
	int rc;

	sb_init(&txn);
	sb_init(&err);
	sb_printf(
	    &txn, "add table inet %s\ndelete table inet %s\n", name, name);
	if ((rc = policy_load(h, sb_str(&txn), false, &err)) == -1)
		log_warn("table inet %s not deleted: %s", name, sb_str(&err));
	else if (name != h->table)
		h->other_left = false;
	sb_free(&txn);
	sb_free(&err);
	return rc;
}

/* The table bulk_load left dormant for a commit that is not applied, or
 * what a swap's failed load left of it. */
static void
ruleset_bulk_drop(struct hostd *h)
{
	if (h->bulk == HOST_BULK_DUE && h->preload != NULL)
		evtimer_del(h->preload);
	if (h->bulk == HOST_BULK_DORMANT ||
	    (h->next_swap && h->other_left && h->bulk != HOST_BULK_DUE))
		ruleset_drop(h, ruleset_next_name(h));
	h->bulk = HOST_BULK_NONE;
}

void
ruleset_clear(struct hostd *h)
{
	ruleset_bulk_drop(h);
	nftm_free(h->next_model);
	h->next_model = NULL;
	nftm_free(h->next_patch);
	h->next_patch = NULL;
	h->next_conf = NULL;
	free(h->next_txn);
	h->next_txn = NULL;
	if (h->next_scope != NULL)
		scope_free(h->next_scope);
	free(h->next_scope);
	h->next_scope = NULL;
	h->next_prev = NULL;
	h->next_swap = false;
	json_decref(h->next_carry);
	h->next_carry = NULL;
}

/* The bytes of m's text, about: its rules and its sets' elements. */
static void
ruleset_chain_bytes(
    const char *name, const char *hook, const char *body, void *arg)
{
	(void)name;
	(void)hook;
	*(size_t *)arg += strlen(body);
}

static void
ruleset_set_bytes(
    const char *name, const char *decl, bool interval, size_t n, void *arg)
{
	(void)name;
	(void)decl;
	(void)interval;
	*(size_t *)arg += n * 24; /* "\"ge-0-0-1\" : jump z_trust, " */
}

/*
 * Whether the difference (delta bytes of text) from the model in force to
 * the next is large: RULESET_SWAP_MIN bytes or more, and half the next
 * table's text or more.  Then the next table goes whole under the other
 * name, as a first table does (bulk.c: libnftnl, dormant, after the
 * reply), and one transaction swaps the two (ruleset_swap): a check that
 * had the kernel dry-run 40,000 added rules through libnftables, and an
 * apply that loaded them again, cost three times a first load of the
 * same table.  The swap was the cheaper at every size measured, from a
 * 350 KB difference (2,400 policies added to a small table: the
 * smallest a change of more than scope.c's 4,096 entries makes) up
 * (docs/benchmarks.md, forty-third round); below RULESET_SWAP_MIN a
 * difference stays one, and the table keeps its name.  A smaller
 * difference to a larger table stays one too: a swap loads the whole
 * table.
 */
#define RULESET_SWAP_MIN (128 << 10)
static bool
ruleset_swap_due(const struct hostd *h, size_t delta)
{
	size_t next = 0;

	if (!h->active || delta < RULESET_SWAP_MIN)
		return false;
	nftm_each_chain(h->next_model, ruleset_chain_bytes, &next);
	nftm_each_set(h->next_model, ruleset_set_bytes, &next);
	return 2 * delta >= next;
}

/*
 * The model of next and the transaction that puts it in force: the
 * difference from the model in force, or the whole table when the kernel's
 * is not known yet (the first apply) or there is none, or the difference
 * is large (next_swap: the whole table under the other name, built
 * after the reply).  0, or -1 when nothing needs to change.
 */
static int
ruleset_next(struct hostd *h, struct conf *next, const struct host_scope *s,
    struct verrs *errs, struct host_laps *l)
{
	struct sb txn;

	ruleset_clear(h);
	if (h->table_known && !s->fw)
		return -1;
	if (h->table_known && h->model != NULL && !s->zones_full &&
	    zones_wanted(next)) {
		/* a zone's services or interfaces, policies, address-book
		 * entries: a patch of the model */
		h->next_patch = zones_patch(next, s->zhits, s->zunits);
		if (policy_patch(next, h->model, s->pols, s->books,
			h->next_patch, errs) == 0 &&
		    zones_patch_fits(h->model, h->next_patch)) {
			h->next_conf = next;
			h->next_full = false;
			sb_init(&txn);
			nftm_patch_delta(
			    h->model, h->next_patch, h->table, &txn);
			h->next_txn = sb_steal(&txn);
			return 0;
		}
		nftm_free(h->next_patch);
		h->next_patch = NULL;
	}
	h->next_model = zones_model(next, errs);
	h->next_conf = next;
	host_lap(l, "model");
	sb_init(&txn);
	h->next_full =
	    !h->table_known || h->model == NULL || h->next_model == NULL;
	/* a whole table's text (4 MB at 50,000 zone interfaces): when it is
	 * needed, after the reply (ruleset_next_text) */
	if (!h->next_full) {
		nftm_delta(h->model, h->next_model, h->table, &txn);
		h->next_swap = ruleset_swap_due(h, txn.len);
	} else if (h->next_model == NULL &&
	    !(h->table_known && h->model == NULL))
		nftm_text(NULL, h->table, NULL, &txn); /* the table goes */
	h->next_txn = (h->next_full && h->next_model != NULL) || h->next_swap
	    ? NULL
	    : sb_steal(&txn);
	sb_free(&txn);
	host_lap(l, "text");
	return 0;
}

/*
 * The whole table's text of next_model, which ruleset_next left to build;
 * a swap's carries the counts of the table in force that are not zero
 * (next_carry; of every chain: a policy's rules may move to a bucket of
 * another name), read now: hits counted after this reading and before the
 * swap are not carried.
 */
static void
ruleset_next_text(struct hostd *h)
{
	struct sb txn;
	const char *name;
	json_t *v;
	void *tmp;

	if (h->next_txn != NULL)
		return;
	sb_init(&txn);
	if (h->next_swap && h->next_carry == NULL &&
	    (h->next_carry = policy_counters(h, NULL, NULL)) != NULL)
		json_object_foreach_safe(h->next_carry, tmp, name, v)
		{
			if (json_integer_value(json_array_get(v, 0)) == 0 &&
			    json_integer_value(json_array_get(v, 1)) == 0)
				json_object_del(h->next_carry, name);
		}
	if (h->next_model != NULL)
		nftm_text(
		    h->next_model, ruleset_next_name(h), h->next_carry, &txn);
	h->next_txn = sb_steal(&txn);
}

/* Whether the transaction check built is a table that bulk_load may
 * load: a first one (no table of this appliance in the kernel), or a
 * swap's (under the other name). */
static bool
ruleset_bulk_due(const struct hostd *h)
{
	return h->active && h->next_model != NULL &&
	    ((h->table_known && h->model == NULL && h->next_full) ||
		h->next_swap);
}

/* After the reply to check (ruleset_check): the table, dormant. */
void
ruleset_preload(evutil_socket_t fd, short what, void *arg)
{
	struct hostd *h = arg;
	struct host_laps l;
	struct sb err;
	int rc;

	(void)fd;
	(void)what;
	if (h->bulk != HOST_BULK_DUE || !ruleset_bulk_due(h))
		return;
	sb_init(&err);
	host_laps_start(&l);
	ruleset_next_text(h);
	host_lap(&l, "text");
	if (h->next_swap)
		h->other_left = true;
	rc = bulk_load(h, ruleset_next_name(h), h->next_model, h->next_txn,
	    h->next_carry, false, &err);
	host_lap(&l, "bulk");
	host_laps_end(h, &l, "hostd: dormant load");
	h->bulk = rc == 0 ? HOST_BULK_DORMANT : HOST_BULK_NONE;
	if (rc == -1)
		/* the apply loads the text, which replaces what is left */
		log_warn("large sets not loaded by libnftnl, the apply loads"
			 " the table as text: %s",
		    sb_str(&err));
	sb_free(&err);
}

/* Whether the next model declares a set anew (ruleset_redeclare): the dry
 * run of its transaction would meet the old size, so there is none. */
static bool
ruleset_redeclared(const struct hostd *h)
{
	struct sb txn;
	bool any;

	sb_init(&txn);
	if (h->model != NULL && h->next_model != NULL)
		nftm_redeclare(h->model, h->next_model, h->table, &txn);
	any = txn.len > 0;
	sb_free(&txn);
	return any;
}

/*
 * The model of next and its transaction (h->next_*), errors into errs;
 * unless errs then has more than nerr (the check is refused: the model
 * was built for its errors alone), the kernel's dry run of the
 * transaction and, for a first large table, its dormant load after the
 * reply.  The caller clears what this built when the check is refused.
 */
void
ruleset_check(struct hostd *h, struct conf *next, const struct host_scope *s,
    struct verrs *errs, size_t nerr, struct host_laps *l)
{
	struct sb err;

	if (ruleset_next(h, next, s, errs, l) == -1 || errs->n > nerr)
		return;
	sb_init(&err);
	/*
	 * The kernel checks a model's difference (nftm_delta: what it
	 * deletes may still be referred to) as a dry run.  Not a whole table
	 * (it replaces the table in one transaction, from objects that
	 * refer to nothing outside it) nor a patch (chains, rules and
	 * elements the code that built the model in force writes, into
	 * chains and sets it has): their text is written by hostd from
	 * values the schema checked, and what the kernel would refuse of
	 * those values hostd refuses itself (policy_addr: a range's order).
	 * A dry run costs what the load does (nft parses the text and fetches
	 * every chain of the table, the kernel validates every jump of it):
	 * half of a 40,000-policy table's load, two thirds of a one-line
	 * change to it.
	 */
	if (h->active && !h->next_full && !h->next_swap &&
	    h->next_patch == NULL && h->next_txn[0] != '\0' &&
	    !ruleset_redeclared(h) &&
	    policy_load(h, h->next_txn, true, &err) == -1)
		verrs_add(
		    errs, "[edit security]", "policies", sb_str(&err), false);
	host_lap(l, "dry run");
	/*
	 * The first large table, or a swap's: loaded dormant (it filters
	 * nothing, as before any table) after the reply, while mgd waits for
	 * the other daemons and stores the commit; the apply wakes it.
	 */
	if (ruleset_bulk_due(h) && h->preload != NULL) {
		static const struct timeval now = { 0, 0 };
		h->bulk = HOST_BULK_DUE;
		evtimer_add(h->preload, &now);
	}
	sb_free(&err);
}

/*
 * STATE_DIR/hostd.nft: the table in force, for the operator to read; no
 * file when there is no table.  Written beside and renamed over, so that
 * a hostd stopped half way (killed, crashed) leaves the last table whole,
 * never part of the next (the next hostd writes its own at its first
 * apply).  No fsync: it is a copy, the kernel's table is the truth.
 */
static void
ruleset_save_text(struct hostd *h, const char *text)
{
	struct sb p, tmp;
	FILE *f;

	sb_init(&p);
	sb_init(&tmp);
	sb_printf(&p, "%s/hostd.nft", h->state_dir);
	sb_printf(&tmp, "%s/.hostd.nft.tmp", h->state_dir);
	if (h->model == NULL) {
		unlink(sb_str(&p));
	} else if ((f = fopen(sb_str(&tmp), "w")) != NULL) {
		/* the first line names the table */
		bool ok = fputs(strstr(text, "table inet "), f) >= 0;
		if (fclose(f) != 0 || !ok ||
		    rename(sb_str(&tmp), sb_str(&p)) == -1) {
			log_warn("%s: %s", sb_str(&p), strerror(errno));
			unlink(sb_str(&tmp));
		}
	}
	sb_free(&p);
	sb_free(&tmp);
}

static void
ruleset_save(struct hostd *h)
{
	struct sb text;

	sb_init(&text);
	if (h->model != NULL)
		nftm_text(h->model, h->table, NULL, &text);
	ruleset_save_text(h, sb_str(&text));
	sb_free(&text);
}

/*
 * After the reply to mgd, when the loop is idle: the model that went out
 * of force is freed and hostd.nft rewritten, so a commit's answer waits
 * for neither (each is as large as the table).
 */
void
ruleset_tidy(evutil_socket_t fd, short what, void *arg)
{
	struct hostd *h = arg;

	(void)fd;
	(void)what;
	if (h->save_due)
		ruleset_save(h);
	h->save_due = false;
	nftm_free(h->old_model);
	h->old_model = NULL;
}

static void
ruleset_tidy_later(struct hostd *h)
{
	static const struct timeval now = { 0, 0 };

	if (h->tidy != NULL)
		evtimer_add(h->tidy, &now);
	else
		ruleset_tidy(-1, 0, h);
}

/*
 * QSAFE_HOSTD_VERIFY=1 (tests): the patched model must be the model built
 * whole from the same configuration, with every use it has (nftm_use), or
 * the log says so.
 */
static void
ruleset_verify(struct hostd *h)
{
	struct nftm *full = zones_model(h->next_conf, NULL);
	struct sb a, b;

	sb_init(&a);
	sb_init(&b);
	if (!nftm_uses_cover(h->model, full, &a))
		log_err("VERIFY: the patched model misses a use of the model"
			" built whole: %s",
		    sb_str(&a));
	sb_reset(&a);
	nftm_canon(h->model, &a);
	nftm_canon(full, &b);
	if (strcmp(sb_str(&a), sb_str(&b)) != 0) {
		const char *x = sb_str(&a), *y = sb_str(&b);
		size_t i = 0;
		while (x[i] != '\0' && x[i] == y[i])
			i++;
		while (i > 0 && x[i - 1] != '\n')
			i--;
		log_err("VERIFY: the patched ruleset model differs from the"
			" model built whole: patched \"%.*s\", whole \"%.*s\"",
		    (int)strcspn(x + i, "\n"), x + i, (int)strcspn(y + i, "\n"),
		    y + i);
	} else
		log_info("VERIFY: patched ruleset model is the whole model"
			 " (policy contexts walked whole so far: %lu)",
		    policy_patch_walks);
	sb_free(&a);
	sb_free(&b);
	nftm_free(full);
}

/*
 * The policy chains (p_<hash>) that txn flushes, name -> true, or NULL
 * when it flushes none: their counts are read before they are refilled.
 */
static json_t *
ruleset_refilled(struct hostd *h, const char *txn)
{
	json_t *out = NULL;
	struct sb head;
	const char *l;
	size_t n;

	sb_init(&head);
	sb_printf(&head, "flush chain inet %s p_", h->table);
	for (l = txn; (l = strstr(l, head.buf)) != NULL; l += head.len) {
		if (l != txn && l[-1] != '\n')
			continue;
		char name[64];
		n = strcspn(l + head.len - 2, " \n");
		if (n >= sizeof(name))
			continue;
		memcpy(name, l + head.len - 2, n);
		name[n] = '\0';
		if (out == NULL)
			out = json_object();
		json_object_set_new(out, name, json_true());
	}
	sb_free(&head);
	return out;
}

/*
 * A set of the next model declared otherwise (zone_in's size, zones.c):
 * its new declaration as a transaction of its own before the model's, which
 * may add elements past the old size (the kernel applies a new size at
 * commit).  Filters nothing different; if the model's transaction then
 * fails, the set keeps the larger size, which the next one repeats.
 */
static void
ruleset_redeclare(struct hostd *h)
{
	struct sb txn, err;

	sb_init(&txn);
	sb_init(&err);
	if (h->model != NULL && h->next_model != NULL)
		nftm_redeclare(h->model, h->next_model, h->table, &txn);
	if (txn.len > 0 && policy_load(h, sb_str(&txn), false, &err) == -1)
		log_warn("nftables: a set not declared anew: %s", sb_str(&err));
	sb_free(&txn);
	sb_free(&err);
}

/*
 * A large difference in force (ruleset_swap_due): the next table, loaded
 * dormant under the other name after the reply (or now, if the apply came
 * first), is woken and the table in force deleted in one transaction
 * (bulk_wake); the text of both in one transaction if that fails.  When
 * neither goes in, the table in force stays, whole, as it was, and what
 * was loaded under the other name goes.  0 or -1.
 */
static int
ruleset_swap(struct hostd *h, struct sb *err)
{
	const char *to = ruleset_other(h);
	struct sb txn;
	int rc = -1;

	if (h->bulk == HOST_BULK_DUE) {
		evtimer_del(h->preload);
		ruleset_preload(-1, 0, h); /* the apply came first */
	}
	ruleset_next_text(h);
	if (h->bulk == HOST_BULK_DORMANT) {
		h->bulk = HOST_BULK_NONE;
		if ((rc = bulk_wake(h, to, h->table, err)) == -1) {
			log_warn("the dormant table inet %s not put in force,"
				 " loading it as text: %s",
			    to, sb_str(err));
			sb_reset(err);
		}
	}
	if (rc == -1) {
		sb_init(&txn);
		sb_printf(
		    &txn, "%sdelete table inet %s\n", h->next_txn, h->table);
		rc = policy_load(h, sb_str(&txn), false, err);
		sb_free(&txn);
	}
	if (rc == -1) {
		h->other_left = true; /* a dormant table, or part of one */
		ruleset_drop(h, to);
		return -1;
	}
	h->table = to;
	h->other_left = false; /* the old name went with the old table */
	return 0;
}

/* The counts a previous hostd's tables left (the first apply carries
 * them): of either name, the larger of the two (a dormant table a killed
 * hostd left counts what it carried of the one in force, no more). */
static json_t *
ruleset_counts_left(struct hostd *h)
{
	json_t *a = policy_counters_of(h, h->names[0], NULL, NULL);
	json_t *b = policy_counters_of(h, h->names[1], NULL, NULL);
	const char *name;
	json_t *v, *w;

	if (a == NULL || b == NULL) {
		json_decref(b);
		return a;
	}
	json_object_foreach(b, name, v)
	{
		w = json_object_get(a, name);
		if (w == NULL ||
		    json_integer_value(json_array_get(w, 0)) <
			json_integer_value(json_array_get(v, 0)))
			json_object_set(a, name, v);
	}
	json_decref(b);
	return a;
}

/*
 * Puts the model check built in force: the transaction from the model in
 * force (the policy chains it refills keep their counts: nftm_carry), or
 * the whole table (the counters and policy chains of a table a previous
 * hostd left carry their counts: their names are stable), or no table.
 */
static void
ruleset_set(struct hostd *h, struct host_laps *l)
{
	bool remove = h->next_model == NULL && h->next_patch == NULL;
	struct sb err, full;
	const char *txn;

	sb_init(&err);
	sb_init(&full);
	if (h->next_swap) {
		if (ruleset_swap(h, &err) == -1) {
			log_err("COMMITTED CONFIGURATION NOT ENFORCED: the"
				" nftables ruleset failed to load; the previous"
				" ruleset stays in force: %s",
			    sb_str(&err));
			/* the configuration is not what is in force: the
			 * next apply loads the whole table */
			h->table_known = false;
		} else {
			nftm_free(h->old_model);
			h->old_model = h->model;
			h->model = h->next_model;
			h->next_model = NULL;
			h->save_due = true;
			ruleset_tidy_later(h);
			if (h->verify)
				log_info("VERIFY: ruleset model built whole");
			log_info("nftables ruleset swapped (table inet %s in"
				 " force, table inet %s removed)",
			    h->table, ruleset_other(h));
		}
		host_lap(l, "swap");
		goto done;
	}
	ruleset_next_text(h);
	txn = h->next_txn;
	if (!h->table_known) {
		if (!remove) {
			json_t *carry = ruleset_counts_left(h);
			nftm_text(h->next_model, h->table, carry, &full);
			json_decref(carry);
		} else
			sb_puts(&full, txn);
		/* and a table of the other name a killed hostd left goes */
		sb_printf(&full, "add table inet %s\ndelete table inet %s\n",
		    ruleset_other(h), ruleset_other(h));
		txn = sb_str(&full);
	} else if (!remove && !h->next_full) {
		json_t *chains = ruleset_refilled(h, txn);
		ruleset_redeclare(h);
		if (chains != NULL) {
			json_t *carry = policy_counters(h, chains, NULL);
			nftm_carry(txn, h->table, carry, &full);
			json_decref(carry);
			json_decref(chains);
			txn = sb_str(&full);
		}
	}
	host_lap(l, "counts carried");
	/* the first table with 50,000 zone interfaces: its sets' elements
	 * by libnftnl (bulk.c); the text, if that fails */
	int bulk = 1;
	if (h->bulk == HOST_BULK_DORMANT) {
		/* loaded after the check: the wake puts it in force */
		h->bulk = HOST_BULK_NONE;
		bulk = bulk_wake(h, h->table, NULL, &err);
	} else if (ruleset_bulk_due(h) && txn == h->next_txn) {
		ruleset_bulk_drop(h); /* the apply came first */
		bulk = bulk_load(
		    h, h->table, h->next_model, txn, NULL, true, &err);
	}
	if (bulk == -1) {
		log_warn("large sets not loaded by libnftnl, loading the"
			 " table as text: %s",
		    sb_str(&err));
		sb_reset(&err);
	}
	host_lap(l, "bulk");
	if (bulk != 0 && txn[0] != '\0' &&
	    policy_load(h, txn, false, &err) == -1) {
		/* check ran this very transaction as a dry run */
		log_err("COMMITTED CONFIGURATION NOT ENFORCED: the nftables"
			" ruleset that passed check failed to %s; the previous"
			" ruleset stays in force: %s",
		    remove ? "be removed" : "load", sb_str(&err));
		/* what the kernel has is not known: the next apply loads all */
		h->table_known = false;
	} else if (h->next_patch != NULL) {
		nftm_patch_apply(h->model, h->next_patch);
		if (h->verify)
			ruleset_verify(h);
		h->save_due = true;
		ruleset_tidy_later(h);
		log_info("nftables ruleset updated (table inet %s)", h->table);
	} else {
		bool was = h->model != NULL || !h->table_known;
		if (h->verify)
			log_info("VERIFY: ruleset model built whole");
		/* a table made or removed shows in hostd.nft at once */
		bool now = h->model == NULL || h->next_model == NULL;
		nftm_free(h->old_model);
		h->old_model = h->model;
		h->model = h->next_model;
		h->next_model = NULL;
		if (!h->table_known)
			h->other_left = false;
		h->table_known = true;
		if (now && h->model != NULL && txn == h->next_txn &&
		    h->next_full)
			ruleset_save_text(h, txn); /* the text just loaded */
		else if (now)
			ruleset_save(h);
		h->save_due = !now;
		ruleset_tidy_later(h);
		if (remove && was)
			log_info("no zone or policy configured: no nftables"
				 " table (inet %s)",
			    h->table);
		else if (!remove && h->next_full)
			log_info("nftables ruleset loaded (table inet %s)",
			    h->table);
		else if (!remove)
			log_info("nftables ruleset updated (table inet %s)",
			    h->table);
	}
	host_lap(l, "load and save");
done:
	ruleset_clear(h);
	sb_free(&err);
	sb_free(&full);
}

/* Puts next in force: the model check built for it, or one built now (the
 * first apply also settles a table a killed hostd left). */
void
ruleset_apply(struct hostd *h, struct conf *next, const struct host_scope *s,
    struct host_laps *l)
{
	if (h->next_conf == next || ruleset_next(h, next, s, NULL, l) == 0)
		ruleset_set(h, l);
}

/*
 * At the appliance's stop hostd removes what it added to the namespace's
 * firewall: its table (of either name) and its tracking table (addresses and
 * routes go with the namespace, or stay as configured).  When mgd goes away
 * without a stop (a crash), the table stays in force: the host is not left
 * open, and the next hostd of this state directory takes it over.
 */
void
ruleset_stop(struct hostd *h)
{
	struct sb err, txn;
	bool table = !(h->table_known && h->model == NULL);

	if (!h->active || !h->stopping ||
	    (!table && !h->tracking && !h->other_left))
		return;
	sb_init(&err);
	sb_init(&txn);
	if (table)
		nftm_text(NULL, h->table, NULL, &txn);
	if (h->other_left) /* a swap's table, or part of it */
		sb_printf(&txn, "add table inet %s\ndelete table inet %s\n",
		    ruleset_other(h), ruleset_other(h));
	if (h->tracking) /* even if someone deleted it */
		sb_printf(&txn,
		    "add table inet %s_ct\ndelete table inet %s_ct\n",
		    h->names[0], h->names[0]);
	if (policy_load(h, sb_str(&txn), false, &err) == -1) {
		log_err(
		    "table inet %s not removed: %s", h->table, sb_str(&err));
	} else if (table) {
		nftm_free(h->model);
		h->model = NULL;
		ruleset_save(h);
		log_info("stopping: nftables table inet %s removed", h->table);
	}
	sb_free(&err);
	sb_free(&txn);
}
