/*
 * iked: the IKEv2 daemon.  So far it takes part in the commit: it keeps the
 * running `security ike` / `security ipsec` configuration from mgd and
 * refuses what IKE cannot run (RFC 8784 PPK needs IKEv2).  Negotiation, the
 * SAs and the ESP dataplane come with the iked issue, built on this.
 *
 *   iked --mgd-fd 3 --state-dir D [--log F]      (started by mgd)
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "iked/dp_show.h"
#include "iked/dp_xfrm.h"
#include "iked/manual.h"
#include "lib/log.h"
#include "mgd/link.h"
#include "schema/path.h"

struct iked {
	struct event_base *base;
	struct link *link;
	const struct snode *gateway;	/* /security/ike/gateway */
	const struct dp_ops *dp_ops;	/* the ESP dataplane, manual SAs */
	struct dp *dp;
	struct manual *manual;
};

/* RFC 8784 2: a PPK is negotiated only by IKEv2. */
static void
iked_check(void *ctx, struct conf *prev, struct conf *next,
    struct verrs *errs)
{
	const struct cnode *ike = cnode_child(cnode_child(conf_root(next),
	    "security"), "ike");

	for (const struct cnode *g = ike ? ike->first : NULL; g; g = g->next) {
		if (strcmp(g->sn->name, "gateway") != 0 || cnode_is_inactive(g))
			continue;
		const struct cnode *ppk = cnode_child(g, "ppk-profile");
		const struct cnode *ver = cnode_child(g, "version");
		if (ppk == NULL || (ver && strcmp(ver->val, "v2-only") == 0))
			continue;
		struct sb edit;
		sb_init(&edit);
		sb_puts(&edit, "[edit ");
		cnode_path_text(g, &edit);
		sb_putc(&edit, ']');
		verrs_add(errs, sb_str(&edit), "ppk-profile",
		    "PPK profile is supported only with IKEv2 (version v2-only)",
		    false);
		sb_free(&edit);
	}
	manual_check(next, errs);
}

static void
iked_apply(void *ctx, struct conf *prev, struct conf *next)
{
	const struct cnode *ike = cnode_child(cnode_child(conf_root(next),
	    "security"), "ike");
	size_t n = 0;

	for (const struct cnode *g = ike ? ike->first : NULL; g; g = g->next)
		n += strcmp(g->sn->name, "gateway") == 0;
	log_info("configuration applied: %zu IKE gateways", n);
	manual_apply(((struct iked *)ctx)->manual, next);
}

static json_t *
iked_rpc(void *ctx, const char *name, const json_t *input, struct sb *err)
{
	struct iked *ik = ctx;
	bool handled;
	json_t *r = dp_show_rpc(ik->dp_ops, ik->dp, name, input, err,
	    &handled);

	if (!handled)
		sb_printf(err, "error: %s is not supported yet", name);
	return r;
}

static const struct link_ops iked_ops = {
	.name = "iked",
	.check = iked_check,
	.apply = iked_apply,
	.rpc = iked_rpc,
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
	signal(SIGPIPE, SIG_IGN);
	ik.base = event_base_new();
	/* QSAFE_DP: userspace (default) | xfrm | auto, iked/dp_xfrm.h */
	ik.dp = dp_open_auto(ik.base, NULL, &ik, &ik.dp_ops);
	ik.manual = manual_new(ik.dp_ops, ik.dp);
	ik.link = link_new(ik.base, fd, &iked_ops, &ik);
	if (ik.link == NULL)
		return 1;
	struct event *term = evsignal_new(ik.base, SIGTERM, iked_signal, ik.base);
	event_add(term, NULL);
	event_base_dispatch(ik.base);
	event_free(term);
	link_free(ik.link);
	manual_free(ik.manual);
	ik.dp_ops->close(ik.dp);
	event_base_free(ik.base);
	return 0;
}
