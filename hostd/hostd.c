/*
 * hostd: the host-side daemon (see hostd.h).  It takes part in the commit
 * for `system`, `interfaces`, `routing-options` and the security zones,
 * address book and policies, and answers the operational network commands.
 *
 *   hostd --mgd-fd 3 --state-dir D [--log F]      (started by mgd)
 *
 * Safety rule (docs/host.md, safety.c): hostd changes only the network
 * namespace it runs in, and never the machine's own one unless
 * QSAFE_HOST_NETNS=1 is in its environment (`./qsafe start --host-netns`).
 * Otherwise it runs inert: it checks and answers commands but changes nothing,
 * and says so.  The host name is set only in a UTS namespace of hostd's own.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "hostd/hostd.h"
#include "lib/clock.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "lib/wipe.h"
#include "proto/link.h"
#include "schema/conf_diff.h"
#include "schema/path.h"

/* cnode_child along a space-separated path ("security zones"). */
const struct cnode *
host_path(const struct cnode *n, const char *path)
{
	char buf[128];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *w = strtok_r(buf, " ", &save); w && n;
	     w = strtok_r(NULL, " ", &save))
		n = cnode_child(n, w);
	return n;
}

/* "[edit a b c]" for n. */
void
host_edit(const struct cnode *n, struct sb *out)
{
	sb_puts(out, "[edit");
	if (n != NULL && n->parent != NULL) {
		sb_putc(out, ' ');
		cnode_path_text(n, out);
	}
	sb_putc(out, ']');
}

/* ---- commit ------------------------------------------------------ */

/*
 * Where a large change's time goes in hostd, for its log
 * (docs/benchmarks.md): each step's CPU and wall time in ms, logged when
 * the whole took more than HOST_LAPS_LOG_MS of CPU (a one-line change
 * logs nothing), or QSAFE_HOSTD_LAPS_MS (benches: -1 logs every one),
 * read once at start into h->laps_ms.
 */
#define HOST_LAPS_LOG_MS 50

static int64_t
host_laps_log_ms(void)
{
	const char *env = getenv("QSAFE_HOSTD_LAPS_MS");

	return env != NULL ? strtoll(env, NULL, 10) : HOST_LAPS_LOG_MS;
}
struct host_laps {
	int64_t c0, m0; /* start of the whole (clock_cpu_ms, clock_mono_ms) */
	int64_t c, m;	/* start of the step */
	long flt0;	/* minor page faults so far: fresh memory's cost */
	struct sb line;
};

static long
host_minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : 0;
}

static void
host_laps_start(struct host_laps *l)
{
	l->flt0 = host_minflt();
	l->c0 = l->c = clock_cpu_ms();
	l->m0 = l->m = clock_mono_ms();
	sb_init(&l->line);
}

/* The step just ended, named what. */
static void
host_lap(struct host_laps *l, const char *what)
{
	int64_t c, m;

	if (l == NULL)
		return;
	c = clock_cpu_ms();
	m = clock_mono_ms();
	sb_printf(&l->line, "%s%s %lld (%lld)", l->line.len ? ", " : "", what,
	    (long long)(c - l->c), (long long)(m - l->m));
	l->c = c;
	l->m = m;
}

static void
host_laps_end(const struct hostd *h, struct host_laps *l, const char *step)
{
	if (clock_cpu_ms() - l->c0 > h->laps_ms)
		log_info("%s, ms of CPU (wall): %s; in all %lld (%lld), %ld"
			 " minor faults (%ld since hostd started)",
		    step, sb_str(&l->line), (long long)(clock_cpu_ms() - l->c0),
		    (long long)(clock_mono_ms() - l->m0),
		    host_minflt() - l->flt0, host_minflt());
	sb_free(&l->line);
}

/*
 * What the change from prev to next touches (scope.c); the first change
 * hostd applies touches everything (it puts the whole configuration in
 * place, and settles what a previous hostd left).
 */
static void
host_scope(
    struct hostd *h, struct conf *prev, struct conf *next, struct host_scope *s)
{
	scope_init(s);
	if (!h->applied)
		scope_all(s);
	else
		scope_of(s, prev, next);
}

/* The table bulk_load left dormant for a commit that is not applied. */
static void
host_bulk_drop(struct hostd *h)
{
	struct sb txn, err;

	if (h->bulk == HOST_BULK_DUE && h->preload != NULL)
		evtimer_del(h->preload);
	if (h->bulk == HOST_BULK_DORMANT) {
		sb_init(&txn);
		sb_init(&err);
		sb_printf(&txn, "add table inet %s\ndelete table inet %s\n",
		    h->table, h->table);
		if (policy_load(h, sb_str(&txn), false, &err) == -1)
			log_warn("the dormant table inet %s of a commit not"
				 " applied is left: %s",
			    h->table, sb_str(&err));
		sb_free(&txn);
		sb_free(&err);
	}
	h->bulk = HOST_BULK_NONE;
}

static void
host_next_clear(struct hostd *h)
{
	host_bulk_drop(h);
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
}

/*
 * The model of next and the transaction that puts it in force: the
 * difference from the model in force, or the whole table when the kernel's
 * is not known yet (the first apply) or there is none.  0, or -1 when
 * nothing needs to change.
 */
static int
host_next(struct hostd *h, struct conf *next, const struct host_scope *s,
    struct verrs *errs, struct host_laps *l)
{
	struct sb txn;

	host_next_clear(h);
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
	 * needed, after the reply (host_next_text) */
	if (!h->next_full)
		nftm_delta(h->model, h->next_model, h->table, &txn);
	else if (h->next_model == NULL && !(h->table_known && h->model == NULL))
		nftm_text(NULL, h->table, NULL, &txn); /* the table goes */
	h->next_txn =
	    h->next_full && h->next_model != NULL ? NULL : sb_steal(&txn);
	sb_free(&txn);
	host_lap(l, "text");
	return 0;
}

/* The whole table's text of next_model, which host_next left to build. */
static void
host_next_text(struct hostd *h)
{
	struct sb txn;

	if (h->next_txn != NULL)
		return;
	sb_init(&txn);
	if (h->next_model != NULL)
		nftm_text(h->next_model, h->table, NULL, &txn);
	h->next_txn = sb_steal(&txn);
}

/* Whether the transaction check built is a first table that bulk_load
 * may load: no table of this appliance in the kernel. */
static bool
host_bulk_due(const struct hostd *h)
{
	return h->active && h->table_known && h->model == NULL &&
	    h->next_full && h->next_model != NULL;
}

/* After the reply to check (host_check): the table, dormant. */
static void
host_preload(evutil_socket_t fd, short what, void *arg)
{
	struct hostd *h = arg;
	struct host_laps l;
	struct sb err;
	int rc;

	(void)fd;
	(void)what;
	if (h->bulk != HOST_BULK_DUE || !host_bulk_due(h))
		return;
	sb_init(&err);
	host_laps_start(&l);
	host_next_text(h);
	host_lap(&l, "text");
	rc = bulk_load(h, h->next_model, h->next_txn, false, &err);
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

/* Whether the next model declares a set anew (host_redeclare): the dry
 * run of its transaction would meet the old size, so there is none. */
static bool
host_redeclared(const struct hostd *h)
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

static void
host_check(void *ctx, struct conf *prev, struct conf *next, struct verrs *errs)
{
	struct hostd *h = ctx;
	struct host_scope s;
	struct host_laps l;
	struct sb err;
	size_t nerr = errs->n;

	sb_init(&err);
	host_laps_start(&l);
	host_scope(h, prev, next, &s);
	host_lap(&l, "scope");
	if (h->active) {
		iface_check(h, next, &s, errs);
		route_check(h, next, &s, errs);
		host_lap(&l, "interfaces and routes");
	}
	if (host_next(h, next, &s, errs, &l) == -1 || errs->n > nerr)
		goto done;
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
	if (h->active && !h->next_full && h->next_patch == NULL &&
	    h->next_txn[0] != '\0' && !host_redeclared(h) &&
	    policy_load(h, h->next_txn, true, &err) == -1)
		verrs_add(
		    errs, "[edit security]", "policies", sb_str(&err), false);
	host_lap(&l, "dry run");
	/*
	 * The first large table: loaded dormant (it filters nothing, as
	 * before any table) after the reply, while mgd waits for the other
	 * daemons and stores the commit; the apply wakes it.
	 */
	if (host_bulk_due(h) && h->preload != NULL) {
		static const struct timeval now = { 0, 0 };
		h->bulk = HOST_BULK_DUE;
		evtimer_add(h->preload, &now);
	}
done:
	if (errs->n > nerr)
		host_next_clear(h);
	/* what the operator sees in the commit's answer, in the log too:
	 * a start check's refusal has no one else to tell */
	for (size_t i = nerr; i < errs->n; i++)
		log_warn("check refused: %s %s: %s", errs->v[i].edit,
		    errs->v[i].stmt ? errs->v[i].stmt : "", errs->v[i].msg);
	if (h->next_conf == next) {
		h->next_scope = xmalloc(sizeof(*h->next_scope));
		*h->next_scope = s; /* the apply's (host_apply) */
		h->next_prev = prev;
	} else
		scope_free(&s);
	sb_free(&err);
	host_laps_end(h, &l, "hostd: check");
}

/*
 * system host-name, or the name the UTS namespace had when hostd started
 * once the statement is deleted or rolled back away.
 */
static void
host_hostname(struct hostd *h, struct conf *prev, struct conf *next)
{
	const struct cnode *a = host_path(conf_root(prev), "system host-name");
	const struct cnode *b = host_path(conf_root(next), "system host-name");
	const char *want = b ? b->val : h->start_name;

	if ((a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a->val, b->val) == 0) ||
	    want == NULL)
		return;
	if (!h->own_uts) {
		log_info("system host-name %s not applied: hostd shares the"
			 " machine's UTS namespace",
		    want);
		return;
	}
	if (sethostname(want, strlen(want)) == -1)
		log_warn("sethostname %s: %s", want, strerror(errno));
	else
		log_info("host name set to %s%s", want,
		    b ? "" : " (the name at start: no system host-name)");
}

/*
 * STATE_DIR/hostd.nft: the table in force, for the operator to read; no
 * file when there is no table.  Written beside and renamed over, so that
 * a hostd stopped half way (killed, crashed) leaves the last table whole,
 * never part of the next (the next hostd writes its own at its first
 * apply).  No fsync: it is a copy, the kernel's table is the truth.
 */
static void
host_save_text(struct hostd *h, const char *text)
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
host_save_ruleset(struct hostd *h)
{
	struct sb text;

	sb_init(&text);
	if (h->model != NULL)
		nftm_text(h->model, h->table, NULL, &text);
	host_save_text(h, sb_str(&text));
	sb_free(&text);
}

/*
 * After the reply to mgd, when the loop is idle: the model that went out
 * of force is freed and hostd.nft rewritten, so a commit's answer waits
 * for neither (each is as large as the table).
 */
static void
host_tidy(evutil_socket_t fd, short what, void *arg)
{
	struct hostd *h = arg;

	(void)fd;
	(void)what;
	if (h->save_due)
		host_save_ruleset(h);
	h->save_due = false;
	nftm_free(h->old_model);
	h->old_model = NULL;
}

static void
host_tidy_later(struct hostd *h)
{
	static const struct timeval now = { 0, 0 };

	if (h->tidy != NULL)
		evtimer_add(h->tidy, &now);
	else
		host_tidy(-1, 0, h);
}

/*
 * QSAFE_HOSTD_VERIFY=1 (tests): the patched model must be the model built
 * whole from the same configuration, or the log says so.
 */
static void
host_verify(struct hostd *h)
{
	struct nftm *full = zones_model(h->next_conf, NULL);
	struct sb a, b;

	sb_init(&a);
	sb_init(&b);
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
host_refilled(struct hostd *h, const char *txn)
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
host_redeclare(struct hostd *h)
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
 * Puts the model check built in force: the transaction from the model in
 * force (the policy chains it refills keep their counts: nftm_carry), or
 * the whole table (the counters and policy chains of a table a previous
 * hostd left carry their counts: their names are stable), or no table.
 */
static void
host_ruleset_set(struct hostd *h, struct host_laps *l)
{
	bool remove = h->next_model == NULL && h->next_patch == NULL;
	struct sb err, full;
	const char *txn;

	sb_init(&err);
	sb_init(&full);
	host_next_text(h);
	txn = h->next_txn;
	if (!h->table_known && !remove) {
		json_t *carry = policy_counters(h, NULL, NULL);
		nftm_text(h->next_model, h->table, carry, &full);
		json_decref(carry);
		txn = sb_str(&full);
	} else if (!remove && !h->next_full) {
		json_t *chains = host_refilled(h, txn);
		host_redeclare(h);
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
		bulk = bulk_wake(h, &err);
	} else if (host_bulk_due(h) && txn == h->next_txn) {
		host_bulk_drop(h); /* the apply came first */
		bulk = bulk_load(h, h->next_model, txn, true, &err);
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
			host_verify(h);
		h->save_due = true;
		host_tidy_later(h);
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
		h->table_known = true;
		if (now && h->model != NULL && txn == h->next_txn &&
		    h->next_full)
			host_save_text(h, txn); /* the text just loaded */
		else if (now)
			host_save_ruleset(h);
		h->save_due = !now;
		host_tidy_later(h);
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
	host_next_clear(h);
	sb_free(&err);
	sb_free(&full);
}

static void
host_apply(void *ctx, struct conf *prev, struct conf *next)
{
	struct hostd *h = ctx;
	struct host_items pa = { 0 }, na = { 0 };
	struct host_scope s;
	struct host_laps l;

	if (!h->active) {
		log_info("configuration not applied: %s", h->inert_why);
		host_next_clear(h);
		return;
	}
	host_laps_start(&l);
	host_hostname(h, prev, next);
	if (h->next_scope != NULL && h->next_conf == next &&
	    h->next_prev == prev) {
		s = *h->next_scope; /* check's: the same trees */
		free(h->next_scope);
		h->next_scope = NULL;
	} else
		host_scope(h, prev, next, &s);
	host_lap(&l, "scope");
	/* Routes go before the addresses they use, and come after them. */
	route_items(prev, &s, &pa);
	iface_items(prev, &s, &pa);
	iface_items(next, &s, &na);
	route_items(next, &s, &na);
	host_lap(&l, "items");
	pending_apply(h, &pa, &na);
	items_free(&pa);
	items_free(&na);
	host_lap(&l, "pending");

	/* The first apply also settles a table a killed hostd left. */
	if (h->next_conf == next || host_next(h, next, &s, NULL, &l) == 0)
		host_ruleset_set(h, &l);
	h->applied = true;
	scope_free(&s);
	host_laps_end(h, &l, "hostd: apply");
	if (h->pending.n > 0)
		log_info("%zu addresses or routes wait for their device or"
			 " next hop",
		    h->pending.n);
}

/* ---- operational commands ---------------------------------------- */

static json_t *
host_rpc(void *ctx, const char *name, const json_t *input, struct sb *err)
{
	struct hostd *h = ctx;
	json_t *data = NULL;

	if (strcmp(name, "show-interfaces") == 0)
		data = iface_show(h, input, err);
	else if (strcmp(name, "show-route") == 0)
		data = route_show(h, input, err);
	else if (strcmp(name, "ping") == 0)
		data = diag_ping(h, input, err);
	else if (strcmp(name, "traceroute") == 0)
		data = diag_traceroute(h, input, err);
	else if (strcmp(name, "show-security-zones") == 0)
		data = zones_show(h, input, err);
	else if (strcmp(name, "show-security-policies") == 0)
		data = policy_show(h, input, err);
	else
		sb_printf(err, "error: hostd has no command %s", name);
	if (data != NULL && !h->active && json_is_object(data))
		json_object_set_new(data, "warning", json_string(h->inert_why));
	return data;
}

/*
 * mgd dropped the change checked last (`commit check`, another daemon's
 * refusal): what host_check prepared goes, and with it the table
 * host_preload loaded dormant for it, or its load still to come.  The
 * next check builds again from the model in force.
 */
static void
host_abort(void *ctx)
{
	host_next_clear(ctx);
}

static const struct link_ops host_ops = {
	.name = "hostd",
	.check = host_check,
	.apply = host_apply,
	.abort = host_abort,
	.rpc = host_rpc,
};

/* SIGTERM: the appliance stops (mgd sends it at its own stop). */
static void
host_signal(evutil_socket_t sig, short what, void *arg)
{
	struct hostd *h = arg;

	h->stopping = true;
	event_base_loopexit(h->base, NULL);
}

/*
 * The nftables table of this appliance: qsafe_ and the FNV-1a hash of its
 * state directory's real path, so that appliances sharing a network
 * namespace each have their own and a restarted hostd finds its own.
 */
static void
host_table_name(struct hostd *h)
{
	char real[PATH_MAX];
	const char *p = realpath(h->state_dir, real) ? real : h->state_dir;
	uint32_t x = 2166136261u;

	for (; *p; p++)
		x = (x ^ (uint8_t)*p) * 16777619u;
	snprintf(h->table, sizeof(h->table), "qsafe_%08x", x);
}

/*
 * At the appliance's stop hostd removes what it added to the namespace's
 * firewall: its table and its tracking table (addresses and routes go with
 * the namespace, or stay as configured).  When mgd goes away without a stop (a
 * crash), the table stays in force: the host is not left open, and the next
 * hostd of this state directory takes it over.
 */
static void
host_stop(struct hostd *h)
{
	struct sb err, txn;
	bool table = !(h->table_known && h->model == NULL);

	if (!h->active || !h->stopping || (!table && !h->tracking))
		return;
	sb_init(&err);
	sb_init(&txn);
	if (table)
		nftm_text(NULL, h->table, NULL, &txn);
	if (h->tracking) /* even if someone deleted it */
		sb_printf(&txn,
		    "add table inet %s_ct\ndelete table inet %s_ct\n", h->table,
		    h->table);
	if (policy_load(h, sb_str(&txn), false, &err) == -1) {
		log_err(
		    "table inet %s not removed: %s", h->table, sb_str(&err));
	} else if (table) {
		nftm_free(h->model);
		h->model = NULL;
		host_save_ruleset(h);
		log_info("stopping: nftables table inet %s removed", h->table);
	}
	sb_free(&err);
	sb_free(&txn);
}

int
main(int argc, char **argv)
{
	struct hostd h = { 0 };
	const char *state_dir;
	int fd, rc = 1;

	wipe_init(); /* frames may carry secrets: see lib/wipe.h */
	/*
	 * As mgd (mgd.c): blocks up to twice a frame's size come from the
	 * heap, and freed heap is kept.  A first load of 200,000 lines reads
	 * a 17.5 MB change, parses it, copies the tree and builds a table of
	 * 40,000 rules; each large block mapped afresh (or heap trimmed and
	 * grown again) is a page fault and the zeroing of a huge page, the
	 * largest single cost of that load on this VM.  The cost: hostd keeps
	 * its peak heap.
	 */
	mallopt(M_MMAP_THRESHOLD, (int)(2 * MSG_MAX_BODY));
	mallopt(M_TRIM_THRESHOLD, (int)(2 * MSG_MAX_BODY));
	if (link_args(argc, argv, "hostd", &fd, &state_dir) == -1)
		return 2;
	h.state_dir = state_dir;
	host_table_name(&h);
	h.since = json_object();
	signal(SIGPIPE, SIG_IGN);
	host_safety(&h);
	if ((h.nl = nl_socket_alloc()) == NULL ||
	    nl_connect(h.nl, NETLINK_ROUTE) < 0) {
		log_err("cannot open a netlink socket");
		goto done;
	}
	h.base = event_base_new();
	if (h.active && pending_start(&h) == -1)
		goto done;
	h.link = link_new(h.base, fd, &host_ops, &h);
	if (h.link == NULL)
		goto done;
	h.tidy = evtimer_new(h.base, host_tidy, &h);
	h.preload = evtimer_new(h.base, host_preload, &h);
	h.verify = getenv("QSAFE_HOSTD_VERIFY") != NULL;
	h.laps_ms = host_laps_log_ms();
	struct event *term = evsignal_new(h.base, SIGTERM, host_signal, &h);
	event_add(term, NULL);
	event_base_dispatch(h.base);
	event_free(term);
	host_stop(&h);
	rc = 0;
done:
	link_free(h.link);
	pending_stop(&h);
	host_next_clear(&h); /* a dormant table not applied goes */
	if (h.tidy != NULL)
		event_free(h.tidy);
	if (h.preload != NULL)
		event_free(h.preload);
	if (h.base)
		event_base_free(h.base);
	if (h.nl)
		nl_socket_free(h.nl);
	items_free(&h.pending);
	nftm_free(h.old_model);
	nftm_free(h.model);
	free(h.start_name);
	json_decref(h.since);
	return rc;
}
