/*
 * iked: the IKEv2 daemon.  mgd starts it and hands it the committed
 * `security ike`, `security ipsec`, `security key-manager`, `security pki`
 * and `interfaces` configuration (proto/link.h).  It wires:
 *
 *   link    check: refuses what iked cannot run (conf.h)
 *           apply: the difference as eng_peer_set/del, eng_vpn_set/del
 *           rpc:   eng_rpc (show / clear of IKE and IPsec SAs)
 *   net     UDP 500 / 4500 (net.h) <-> eng_input / eng_io.send
 *   keysrc  PPKs from keymgr (keysrc.h) for RFC 8784
 *   dp      the userspace dataplane when it can run, else dp_log;
 *           manual SAs (manual.h) go to it directly
 *   engine  engine.h, on the one event loop
 *   ca      the process holding the private keys (ca.h): forked first,
 *           it signs certificate AUTH for the engine (ca_client_signer);
 *           the engine reads the pki store's public files itself
 *
 * After binding its ports iked (the network process) becomes the
 * qsafe-iked account (lib/privsep.h) and keeps only CAP_NET_ADMIN and
 * CAP_NET_RAW (for the dataplane), with PR_SET_NO_NEW_PRIVS
 * (net_confine): it cannot open <state>/pki/keys.  What it still writes,
 * the tunnel IDs, is in <state>/iked/, its own directory; the state
 * directory gives its group the search bit only.
 *
 *   iked --mgd-fd 3 --state-dir D [--log F]      (started by mgd)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "iked/ca.h"
#include "iked/conf.h"
#include "iked/dp_show.h"
#include "iked/dp_log.h"
#include "iked/dp_xfrm.h"
#include "iked/keysrc.h"
#include "iked/manual.h"
#include "iked/net.h"
#include "iked/tunbroker.h"
#include "proto/proto_keymgr.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "lib/privsep.h"
#include "lib/wipe.h"
#include "proto/link.h"
#include "pki/pki.h"
#include "pki/pki_conf.h"

struct iked {
	struct event_base *base;
	struct link *link;
	const char *state_dir; /* "." once we are in it (chdir) */
	pid_t tunb_pid;	       /* the tun broker (tunbroker.h), or 0 */
	int tunb_fd;
	struct sb own_dir;	   /* <state>/iked: what we still write */
	struct iconf_ids ids;	   /* tunnel IDs, persisted */
	struct iconf *running;	   /* what the engine was given */
	struct iconf_delta *delta; /* checked: for the apply that follows */
	/* or, when the check rebuilt the whole configuration, that (built
	 * with a copy of ids, for full_next): the apply reuses it */
	struct iconf *full;
	struct iconf_ids full_ids;
	struct conf *full_next;
	struct net *net;
	struct keysrc *keys;
	const struct dp_ops *dp_ops;
	struct dp *dp;
	struct ike_engine *eng;
	struct manual *manual; /* manual SAs, straight to the dp */
	struct pki_store *pki; /* read here: public files only */
	pid_t ca_pid;	       /* the ca process: the keys */
	struct ca_client *ca;
	size_t nlogged; /* entries set or deleted by this apply */
};

/*
 * An apply names the gateways and VPNs it sets or deletes up to this
 * many, then counts the rest: a first commit of 10,000 tunnels wrote
 * 20,000 lines, each its own write(2), a quarter of the apply's CPU.
 */
#define IKED_LOG_ENTRIES 64

static void
iked_full_free(struct iked *ik)
{
	iconf_free(ik->full);
	ik->full = NULL;
	ik->full_next = NULL;
	iconf_ids_free(&ik->full_ids);
}

static void
iked_check(void *ctx, struct conf *prev, struct conf *next, struct verrs *errs)
{
	struct iked *ik = ctx;

	/* a change of some entries costs those entries (conf_delta.c) */
	iconf_delta_free(ik->delta);
	iked_full_free(ik);
	ik->delta = iconf_delta_new(ik->running, prev, next, errs);
	if (ik->delta == NULL) {
		/* built once per commit: the apply takes it */
		iconf_ids_copy(&ik->full_ids, &ik->ids);
		ik->full = iconf_new(next, &ik->full_ids, errs);
		ik->full_next = next;
	}
	if (ik->pki != NULL)
		iconf_check_pki(next, ik->pki, errs);
	manual_check(next, errs);
}

static void
iked_peer_set(void *ctx, const struct eng_peer *p)
{
	struct iked *ik = ctx;

	if (eng_peer_set(ik->eng, p) == -1)
		log_err("gateway %s: the engine refused it", p->name);
	else if (ik->nlogged++ < IKED_LOG_ENTRIES)
		log_info("gateway %s: set", p->name);
}

static void
iked_peer_del(void *ctx, const char *name)
{
	struct iked *ik = ctx;

	eng_peer_del(ik->eng, name);
	if (ik->nlogged++ < IKED_LOG_ENTRIES)
		log_info("gateway %s: deleted", name);
}

static void
iked_vpn_set(void *ctx, const struct eng_vpn *v)
{
	struct iked *ik = ctx;

	if (eng_vpn_set(ik->eng, v) == -1)
		log_err("vpn %s: the engine refused it", v->name);
	else if (ik->nlogged++ < IKED_LOG_ENTRIES)
		log_info("vpn %s: set (tunnel %u, gateway %s)", v->name,
		    v->tunnel_id, v->gateway);
}

static void
iked_vpn_del(void *ctx, const char *name)
{
	struct iked *ik = ctx;

	eng_vpn_del(ik->eng, name);
	if (ik->nlogged++ < IKED_LOG_ENTRIES)
		log_info("vpn %s: deleted", name);
}

static const struct iconf_diff_ops iked_diff_ops = {
	iked_peer_set,
	iked_peer_del,
	iked_vpn_set,
	iked_vpn_del,
};

/* The whole configuration rebuilt and compared: what iconf_delta cannot do. */
static size_t
iked_apply_full(struct iked *ik, struct conf *next)
{
	struct verrs errs = { 0 };
	struct iconf *ic;
	size_t n;

	if (ik->full != NULL && ik->full_next == next) {
		/* what the check built */
		ic = ik->full;
		ik->full = NULL;
		iconf_ids_free(&ik->ids);
		ik->ids = ik->full_ids;
		memset(&ik->full_ids, 0, sizeof(ik->full_ids));
	} else {
		ic = iconf_new(next, &ik->ids, &errs);
	}
	n = iconf_diff(ik->running, ic, &iked_diff_ops, ik);

	/* only a configuration committed before this iked can hold these */
	for (size_t i = 0; i < errs.n; i++)
		log_warn("not run: %s %s: %s", errs.v[i].edit, errs.v[i].stmt,
		    errs.v[i].msg);
	verrs_free(&errs);

	iconf_ids_keep(&ik->ids, ic);
	iconf_ids_save(&ik->ids, sb_str(&ik->own_dir));
	iconf_free(ik->running);
	ik->running = ic;
	return n;
}

/* Apply must not fail: what the check passed runs. */
static void
iked_apply(void *ctx, struct conf *prev, struct conf *next)
{
	struct iked *ik = ctx;
	struct iconf *ic;
	size_t n;
	bool ids_changed;

	ik->nlogged = 0;
	if (ik->delta != NULL && ik->delta->next == next &&
	    ik->running != NULL) {
		n = iconf_delta_apply(ik->running, ik->delta, &ik->ids,
		    &iked_diff_ops, ik, &ids_changed);
		if (ids_changed)
			iconf_ids_save(&ik->ids, sb_str(&ik->own_dir));
	} else {
		n = iked_apply_full(ik, next);
	}
	iconf_delta_free(ik->delta);
	ik->delta = NULL;
	iked_full_free(ik);
	ic = ik->running;
	eng_limits_set(ik->eng, &ic->lim);
	if (ik->pki != NULL) /* the ca-profiles' revocation checks */
		pki_conf_sync(ik->pki, conf_root(next));
	manual_apply(ik->manual, next);
	if (ik->nlogged > IKED_LOG_ENTRIES)
		log_info("and %zu more gateways and VPNs set or deleted",
		    ik->nlogged - IKED_LOG_ENTRIES);
	log_info("configuration applied: %zu IKE gateways, %zu VPNs, %zu"
		 " changed",
	    ic->npeer, ic->nvpn, n);
}

static json_t *
iked_rpc(void *ctx, const char *name, const json_t *input, struct sb *err)
{
	struct iked *ik = ctx;
	char e[256] = "";
	json_t *data;
	bool handled;

	/* the dataplane's counters; clearing them goes through the engine */
	if (strcmp(name, "show-security-ipsec-statistics") == 0) {
		data =
		    dp_show_rpc(ik->dp_ops, ik->dp, name, input, err, &handled);
		return data;
	}
	data = eng_rpc(ik->eng, name, input, e, sizeof(e));
	if (data == NULL)
		sb_puts(err, e[0] ? e : "error: iked could not answer");
	return data;
}

static const struct link_ops iked_ops = {
	.name = "iked",
	.check = iked_check,
	.apply = iked_apply,
	.rpc = iked_rpc,
};

/* The sockets and the dataplane hand IKE messages to the engine. */
static void
iked_input(void *ctx, const uint8_t *p, size_t len,
    const struct sockaddr *remote, const struct sockaddr *local)
{
	struct iked *ik = ctx;

	eng_input(ik->eng, p, len, remote, local);
}

static void
iked_dp_expire(void *ctx, uint32_t spi, bool inbound, bool hard)
{
	struct iked *ik = ctx;

	eng_expire(ik->eng, spi, inbound, hard);
}

static void
iked_dp_acquire(void *ctx, uint32_t tunnel_id)
{
	struct iked *ik = ctx;

	eng_acquire(ik->eng, tunnel_id);
}

static void
iked_dp_ike(void *ctx, const uint8_t *p, size_t len,
    const struct sockaddr *from, const struct sockaddr *to)
{
	iked_input(ctx, p, len, from, to);
}

/* /dev/net/tun: from the broker once we dropped root, else here. */
static int
iked_dp_tun_open(void *ctx)
{
	struct iked *ik = ctx;

	if (ik->tunb_pid > 0)
		return tunb_open(ik->tunb_fd);
	return open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

static const struct dp_events iked_dp_events = {
	.expire = iked_dp_expire,
	.acquire = iked_dp_acquire,
	.ike_packet = iked_dp_ike,
	.tun_open = iked_dp_tun_open,
};

/*
 * The dataplane: the userspace one when it can run here (TUN devices),
 * else dp_log.  UDP 4500 goes to it when it takes the socket.
 */
static void
iked_dp_open(struct iked *ik)
{
	/* QSAFE_DP: userspace (default) | xfrm | auto, iked/dp_xfrm.h */
	ik->dp = dp_open_auto(ik->base, &iked_dp_events, ik, &ik->dp_ops);
	if (ik->dp == NULL) {
		ik->dp_ops = &dp_log_ops;
		ik->dp = ik->dp_ops->open(ik->base, &iked_dp_events, ik);
	}
	log_info("dataplane: %s", ik->dp_ops->name);
	for (int f = 0; f < 2; f++) {
		int fam = f == 0 ? AF_INET : AF_INET6;
		int fd = net_encap_fd(ik->net, fam);
		if (fd != -1 && ik->dp_ops->set_encap_socket(ik->dp, fd) == 0)
			net_handover(ik->net, fam);
	}
}

/*
 * The pki store (public files, read by the engine) and the ca process
 * that holds its private keys, forked before any thread or socket exists.
 */
static void
iked_pki_open(struct iked *ik)
{
	struct sb dir, err;
	int fd;

	sb_init(&dir);
	sb_init(&err);
	sb_printf(&dir, "%s/pki", ik->state_dir);
	if ((ik->pki = pki_store_new(sb_str(&dir), &err)) == NULL)
		log_err("pki store: %s: no certificate AUTH", sb_str(&err));
	else if ((ik->ca_pid = ca_spawn(sb_str(&dir), &fd)) == -1)
		log_err("ca process: %s: no certificate AUTH", strerror(errno));
	else
		ik->ca = ca_client_new(ik->base, fd);
	sb_free(&dir);
	sb_free(&err);
}

/*
 * <state>/iked, ours after the drop, takes the tunnel IDs (from
 * <state>/iked-tunnels the first time); the state directory gives our
 * group its search bit.  Returns the uid to drop to (0: none).
 */
static uid_t
iked_privsep_prepare(struct iked *ik, gid_t *gid)
{
	const char *own = sb_str(&ik->own_dir);
	struct stat sbuf;
	uid_t uid;
	char old[4096];

	if (mkdir(own, 0700) == -1 && errno != EEXIST)
		log_err("%s: %s", own, strerror(errno));
	snprintf(old, sizeof(old), "%s/%s", own, ICONF_IDS_FILE);
	if (access(old, F_OK) == -1) {
		iconf_ids_load(&ik->ids, ik->state_dir);
		if (ik->ids.n > 0 && iconf_ids_save(&ik->ids, own) == 0) {
			snprintf(old, sizeof(old), "%s/%s", ik->state_dir,
			    ICONF_IDS_FILE);
			(void)unlink(old);
		}
	} else {
		iconf_ids_load(&ik->ids, own);
	}
	/*
	 * The drop is the default; QSAFE_IKED_PRIVSEP=0 keeps uid 0 (with
	 * the two capabilities only).  What the account cannot reach after
	 * it: /dev/net/tun (the tun broker opens it) and the ancestors of
	 * the state directory (we are in it: every path is relative).
	 */
	if (getuid() != 0 || strcmp(ik->state_dir, ".") != 0)
		return 0;
	const char *env = getenv("QSAFE_IKED_PRIVSEP");
	if (env != NULL && strcmp(env, "0") == 0) {
		log_warn("QSAFE_IKED_PRIVSEP=0: the network process stays uid "
			 "0 and could read the private keys");
		return 0;
	}
	if (privsep_iked_ids(&uid, gid) == -1) {
		log_err("no account %s: the network process stays root and"
			" could read the private keys",
		    PRIVSEP_IKED_USER);
		return 0;
	}
	if (chown(own, uid, *gid) == -1 ||
	    (access(old, F_OK) == 0 && chown(old, uid, *gid) == -1) ||
	    stat(ik->state_dir, &sbuf) == -1 ||
	    (sbuf.st_gid != *gid &&
		chown(ik->state_dir, (uid_t)-1, *gid) == -1) ||
	    chmod(ik->state_dir, (sbuf.st_mode & 07777) | 0010) == -1) {
		log_err("preparing %s for uid %u: %s", ik->state_dir,
		    (unsigned)uid, strerror(errno));
		return 0;
	}
	return uid;
}

/*
 * A test knob (docs/architecture.md): the value of environment variable
 * name in 1..3600, or 0 when it is unset or not that (logged).  Read once
 * at start.
 */
static unsigned long
iked_test_knob(const char *name)
{
	const char *v = getenv(name);
	unsigned long n;
	char *end;

	if (v == NULL)
		return 0;
	n = strtoul(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < 1 || n > 3600) {
		log_warn("%s=%s: not 1..3600, ignored", name, v);
		return 0;
	}
	return n;
}

/*
 * Test only, each logged whenever it is set.  QSAFE_LIFETIME_DIVISOR=N:
 * lifetimes run N times faster, so a lab test can watch qsafe initiate
 * rekeys.  QSAFE_IKED_RETRY_S=N: an `immediately` VPN that is not up
 * starts again every N s, not every ENG_RETRY_S, so a lab test does not
 * sleep through the retry wait.
 */
static void
iked_test_knobs(struct ike_engine *eng)
{
	unsigned long n;

	if ((n = iked_test_knob("QSAFE_LIFETIME_DIVISOR")) != 0) {
		eng_life_div_set(eng, (uint32_t)n);
		log_warn("QSAFE_LIFETIME_DIVISOR=%lu: lifetimes run %lu times "
			 "faster than configured (test only)",
		    n, n);
	}
	if ((n = iked_test_knob("QSAFE_IKED_RETRY_S")) != 0) {
		eng_retry_set(eng, (uint32_t)n);
		log_warn("QSAFE_IKED_RETRY_S=%lu: immediately VPNs retry every "
			 "%lu s (test only)",
		    n, n);
	}
}

static void
iked_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct iked ik = { 0 };
	struct event *term = NULL, *intr = NULL;
	struct sb sock;
	int fd, rc = 1;
	uid_t uid;
	gid_t gid = 0;

	wipe_init(); /* frames may carry secrets: see lib/wipe.h */
	if (link_args(argc, argv, "iked", &fd, &ik.state_dir) == -1)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	/* paths relative to the state directory from here on: the
	 * qsafe-iked account may not search its ancestors */
	if (chdir(ik.state_dir) == 0)
		ik.state_dir = ".";
	else
		log_err("chdir %s: %s: the network process stays root",
		    ik.state_dir, strerror(errno));
	sb_init(&sock);
	sb_printf(&sock, "%s/%s", ik.state_dir, KEYMGR_SOCKET_NAME);
	sb_init(&ik.own_dir);
	sb_printf(&ik.own_dir, "%s/iked", ik.state_dir);
	uid = iked_privsep_prepare(&ik, &gid);
	ik.base = event_base_new();
	iked_pki_open(&ik);
	ik.tunb_fd = -1;
	if (uid != 0 && (ik.tunb_pid = tunb_spawn(&ik.tunb_fd)) == -1) {
		log_err("tun broker: %s: the network process stays root",
		    strerror(errno));
		ik.tunb_pid = 0;
		uid = 0;
	}
	ik.net = net_new(ik.base, 0, 0, iked_input, &ik);
	iked_dp_open(&ik);
	if (net_confine(uid, gid) == -1)
		log_warn("running with the capabilities it was started with");
	ik.keys = keysrc_new(ik.base, sb_str(&sock));
	ik.eng = eng_new(
	    ik.base, &net_io, ik.net, &keysrc_ops, ik.keys, ik.dp_ops, ik.dp);
	if (ik.eng == NULL) {
		log_err("the IKE engine could not start");
		goto done;
	}
	if (ik.ca != NULL)
		eng_set_certs(ik.eng, ik.pki, ca_client_signer(), ik.ca);
	iked_test_knobs(ik.eng);
	log_info("listening on %d UDP sockets", net_nsockets(ik.net));
	ik.manual = manual_new(ik.dp_ops, ik.dp);
	if ((ik.link = link_new(ik.base, fd, &iked_ops, &ik)) == NULL)
		goto done;
	term = evsignal_new(ik.base, SIGTERM, iked_signal, ik.base);
	intr = evsignal_new(ik.base, SIGINT, iked_signal, ik.base);
	event_add(term, NULL);
	event_add(intr, NULL);
	event_base_dispatch(ik.base);
	rc = 0;
done:
	if (term)
		event_free(term);
	if (intr)
		event_free(intr);
	link_free(ik.link);
	eng_free(ik.eng); /* Deletes to the peers, SAs out */
	manual_free(ik.manual);
	keysrc_free(ik.keys);
	ca_client_free(ik.ca); /* EOF: the ca process ends */
	if (ik.ca_pid > 0)
		(void)waitpid(ik.ca_pid, NULL, 0);
	if (ik.tunb_pid > 0) {
		close(ik.tunb_fd); /* EOF: so does the broker */
		(void)waitpid(ik.tunb_pid, NULL, 0);
	}
	pki_store_free(ik.pki);
	if (ik.dp != NULL)
		ik.dp_ops->close(ik.dp);
	net_free(ik.net);
	iconf_delta_free(ik.delta);
	iconf_free(ik.full);
	iconf_ids_free(&ik.full_ids);
	iconf_free(ik.running);
	iconf_ids_free(&ik.ids);
	sb_free(&sock);
	sb_free(&ik.own_dir);
	event_base_free(ik.base);
	return rc;
}
