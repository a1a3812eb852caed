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
#include <unistd.h>

#include <event2/event.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "hostd/hostd.h"
#include "hostd/laps.h"
#include "hostd/ruleset.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "lib/wipe.h"
#include "proto/link.h"
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

static void
host_check(void *ctx, struct conf *prev, struct conf *next, struct verrs *errs)
{
	struct hostd *h = ctx;
	struct host_scope s;
	struct host_laps l;
	size_t nerr = errs->n;

	host_laps_start(&l);
	host_scope(h, prev, next, &s);
	host_lap(&l, "scope");
	if (h->active) {
		iface_check(h, next, &s, errs);
		route_check(h, next, &s, errs);
		host_lap(&l, "interfaces and routes");
	}
	ruleset_check(h, next, &s, errs, nerr, &l);
	if (errs->n > nerr)
		ruleset_clear(h);
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

static void
host_apply(void *ctx, struct conf *prev, struct conf *next)
{
	struct hostd *h = ctx;
	struct host_items pa = { 0 }, na = { 0 };
	struct host_scope s;
	struct host_laps l;

	if (!h->active) {
		log_info("configuration not applied: %s", h->inert_why);
		ruleset_clear(h);
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

	ruleset_apply(h, next, &s, &l);
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
 * ruleset_preload loaded dormant for it, or its load still to come.  The
 * next check builds again from the model in force.
 */
static void
host_abort(void *ctx)
{
	ruleset_clear(ctx);
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
 * namespace each have their own and a restarted hostd finds its own; the
 * same with _b, the second name (ruleset_swap).  A hostd killed may have
 * left either: the first apply replaces both (other_left).
 */
static void
host_table_name(struct hostd *h)
{
	char real[PATH_MAX];
	const char *p = realpath(h->state_dir, real) ? real : h->state_dir;
	uint32_t x = 2166136261u;

	for (; *p; p++)
		x = (x ^ (uint8_t)*p) * 16777619u;
	snprintf(h->names[0], sizeof(h->names[0]), "qsafe_%08x", x);
	snprintf(h->names[1], sizeof(h->names[1]), "qsafe_%08x_b", x);
	h->table = h->names[0];
	h->other_left = true;
}

int
main(int argc, char **argv)
{
	struct hostd h = { 0 };
	const char *state_dir;
	int fd, rc = 1;

	wipe_init(); /* frames may carry secrets: see lib/wipe.h */
	/*
	 * As mgd (mgd/mem.c): blocks up to twice a frame's size come from the
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
	h.tidy = evtimer_new(h.base, ruleset_tidy, &h);
	h.preload = evtimer_new(h.base, ruleset_preload, &h);
	h.verify = getenv("QSAFE_HOSTD_VERIFY") != NULL;
	h.laps_ms = host_laps_log_ms();
	struct event *term = evsignal_new(h.base, SIGTERM, host_signal, &h);
	event_add(term, NULL);
	event_base_dispatch(h.base);
	event_free(term);
	ruleset_stop(&h);
	rc = 0;
done:
	link_free(h.link);
	pending_stop(&h);
	ruleset_clear(&h); /* a dormant table not applied goes */
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
