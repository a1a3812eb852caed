/*
 * iked: the IKEv2 daemon.  It takes part in the commit: it keeps the
 * running `security ike` / `security ipsec` configuration from mgd,
 * refuses what it cannot run (conf.h) and turns each applied change into
 * engine calls for what changed.  Until the engine is linked those calls
 * are logged.
 *
 *   iked --mgd-fd 3 --state-dir D [--log F]      (started by mgd)
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/log.h"
#include "mgd/link.h"
#include "iked/conf.h"

struct iked {
	struct event_base *base;
	struct link *link;
	const char *state_dir;
	struct iconf_ids ids;		/* tunnel IDs, persisted */
	struct iconf *running;		/* what the engine was given */
};

static void
iked_check(void *ctx, struct conf *prev, struct conf *next,
    struct verrs *errs)
{
	iconf_free(iconf_new(next, NULL, errs));
}

static void
iked_peer_set(void *ctx, const struct eng_peer *p)
{
	log_info("gateway %s: set (%zu IKE proposals)", p->name, p->nprop);
}

static void
iked_peer_del(void *ctx, const char *name)
{
	log_info("gateway %s: deleted", name);
}

static void
iked_vpn_set(void *ctx, const struct eng_vpn *v)
{
	log_info("vpn %s: set (tunnel %u, gateway %s)", v->name, v->tunnel_id,
	    v->gateway);
}

static void
iked_vpn_del(void *ctx, const char *name)
{
	log_info("vpn %s: deleted", name);
}

static const struct iconf_diff_ops iked_diff_ops = {
	iked_peer_set, iked_peer_del, iked_vpn_set, iked_vpn_del,
};

/* Apply must not fail: what the check passed runs. */
static void
iked_apply(void *ctx, struct conf *prev, struct conf *next)
{
	struct iked *ik = ctx;
	struct iconf *ic = iconf_new(next, &ik->ids, NULL);
	size_t n = iconf_diff(ik->running, ic, &iked_diff_ops, ik);

	iconf_ids_keep(&ik->ids, ic);
	iconf_ids_save(&ik->ids, ik->state_dir);
	iconf_free(ik->running);
	ik->running = ic;
	log_info("configuration applied: %zu IKE gateways, %zu VPNs, %zu"
	    " changed", ic->npeer, ic->nvpn, n);
}

static const struct link_ops iked_ops = {
	.name = "iked",
	.check = iked_check,
	.apply = iked_apply,
};

static void
iked_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct iked ik = { 0 };
	const char *state_dir;
	int fd;

	if (link_args(argc, argv, "iked", &fd, &state_dir) == -1)
		return 2;
	ik.state_dir = state_dir;
	iconf_ids_load(&ik.ids, state_dir);
	signal(SIGPIPE, SIG_IGN);
	ik.base = event_base_new();
	ik.link = link_new(ik.base, fd, &iked_ops, &ik);
	if (ik.link == NULL)
		return 1;
	struct event *term = evsignal_new(ik.base, SIGTERM, iked_signal, ik.base);
	event_add(term, NULL);
	event_base_dispatch(ik.base);
	event_free(term);
	link_free(ik.link);
	iconf_free(ik.running);
	iconf_ids_free(&ik.ids);
	event_base_free(ik.base);
	return 0;
}
