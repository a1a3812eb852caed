/*
 * dp_log: the dataplane iked runs with when no real one can (dp.h): it
 * installs nothing and moves no packets; it logs each Child SA the engine
 * would install or delete, so IKE negotiates and shows its SAs while ESP
 * traffic does not flow.  Named "log" wherever the backend is shown.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "iked/dp_log.h"
#include "lib/log.h"
#include "lib/sb.h"

struct dp {
	size_t nsa; /* SAs "installed" now */
};

static struct dp *
dpl_open(struct event_base *base, const struct dp_events *ev, void *ctx)
{
	log_warn("dataplane: none available; Child SAs are only logged (no"
		 " ESP traffic)");
	return xcalloc(1, sizeof(struct dp));
}

static void
dpl_close(struct dp *dp)
{
	free(dp);
}

static int
dpl_sa_add(struct dp *dp, const struct dp_sa *sa)
{
	char l[INET6_ADDRSTRLEN] = "?", r[INET6_ADDRSTRLEN] = "?";

	inet_ntop(sa->local.family, &sa->local.u, l, sizeof(l));
	inet_ntop(sa->remote.family, &sa->remote.u, r, sizeof(r));
	dp->nsa++;
	/* never the keys */
	log_info("dataplane(log): add %s SA spi 0x%08x tunnel %u %s %s -> %s"
		 " %s",
	    sa->inbound ? "inbound" : "outbound", sa->spi, sa->tunnel_id,
	    sa->ifname[0] ? sa->ifname : "-", l, r,
	    sa->encr && sa->encr->name ? sa->encr->name : "?");
	return 0;
}

static int
dpl_sa_peer(struct dp *dp, uint32_t spi, const struct dp_addr *remote,
    uint16_t encap_dport)
{
	char r[INET6_ADDRSTRLEN] = "?";

	(void)dp;
	inet_ntop(remote->family, &remote->u, r, sizeof(r));
	log_info("dataplane(log): outbound SA spi 0x%08x now to %s port %u",
	    spi, r, encap_dport);
	return 0;
}

static int
dpl_sa_del(struct dp *dp, uint32_t spi, bool inbound)
{
	if (dp->nsa > 0)
		dp->nsa--;
	log_info("dataplane(log): delete %s SA spi 0x%08x",
	    inbound ? "inbound" : "outbound", spi);
	return 0;
}

static int
dpl_sa_stats(struct dp *dp, uint32_t spi, bool inbound, struct dp_stats *out)
{
	memset(out, 0, sizeof(*out));
	return 0;
}

static int
dpl_stats(struct dp *dp, uint32_t tunnel_id, struct dp_stats *out)
{
	memset(out, 0, sizeof(*out));
	return 0;
}

static void
dpl_stats_clear(struct dp *dp)
{
}

/* iked keeps reading UDP 4500 itself. */
static int
dpl_set_encap_socket(struct dp *dp, int fd)
{
	return -1;
}

const struct dp_ops dp_log_ops = {
	.name = "log",
	.open = dpl_open,
	.close = dpl_close,
	.sa_add = dpl_sa_add,
	.sa_del = dpl_sa_del,
	.sa_peer = dpl_sa_peer,
	.sa_stats = dpl_sa_stats,
	.stats = dpl_stats,
	.stats_clear = dpl_stats_clear,
	.set_encap_socket = dpl_set_encap_socket,
};
