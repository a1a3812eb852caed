/*
 * backend: supervising the daemons and talking to them (see backend.h).
 *
 * Every request but a new daemon's first configuration is answered from
 * mgd's loop: rpcs and the commit phases are calls (struct backend_rpc_call),
 * each with a timer; a daemon that does not answer one in time is treated
 * as down (killed and restarted) rather than holding a commit.  Only a
 * daemon's start waits on its socket (backend_wait), with the same limit.
 *
 * The limit tells a hung daemon from a working one by the CPU it uses: when
 * it expires and the daemon's CPU time (/proc/PID/stat, proc(5)) grew by
 * DAEMON_BUSY_MIN_CPU_MS since the request was sent or last looked at, the
 * daemon is busy (a 50,000-interface configuration to load) and the wait is
 * extended by another DAEMON_REPLY_TIMEOUT_MS, up to DAEMON_BUSY_CAP_MS in
 * all; one that used no CPU (a deadlock, a blocked read) is restarted.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "mgd/backend.h"
#include "mgd/backend_int.h"
#include "mgd/mgd.h"
#include "proto/proto_daemon.h"

#define BACKOFF_MIN 1
#define BACKOFF_MAX 30
#define HEALTHY_AFTER 60 /* seconds up that reset the back-off */
/* CPU a daemon must use in a waiting period to count as working */
#define DAEMON_BUSY_MIN_CPU_MS 100
/* the longest wait for a working daemon's reply */
#define DAEMON_BUSY_CAP_MS 120000
/* mgd's end of a daemon's socket (backend_sndbuf) */
#define BACKEND_SNDBUF (8 << 20)
/* at mgd's stop, the wait for the daemons to exit after SIGTERM */
#define DAEMON_STOP_MS 5000

static const char *const keymgr_trees[] = { "security key-manager",
	"security pki" };
/* iked reads security policies only for policy-based VPNs: it is sent
 * the tunnel policies alone (tunnels_only, mgd/backend_part.c), hostd
 * every policy. */
static const char *const iked_trees[] = { "security ike", "security ipsec",
	"security policies", "security address-book", "security zones",
	"security key-manager", "security pki", "interfaces" };
static const char *const hostd_trees[] = { "system", "interfaces",
	"routing-options", "security zones", "security policies",
	"security address-book" };

/* Started in this order, each with its configuration: the host side
 * first (addresses, routes, connection tracking: hostd/safety.c
 * host_track), so that keymgr's first connection to a KME and iked's
 * first exchange find it in place; keymgr before iked, which asks it for PPKs.
 *
 * A commit's apply goes to all of them at once (they apply in parallel:
 * the slowest sets the wait, not the sum).  What iked needs of the others
 * does not need their apply first:
 *   - keymgr: a VPN committed with its key-manager profile asks keymgr for
 *     the profile's key as soon as iked has applied.  keymgr, from its
 *     check of a change that adds or changes a profile until its apply (or
 *     abort), holds requests for that profile and then answers from the
 *     new configuration (keymgr/api.c api_hold), so the key is there
 *     whichever daemon applies first (tests/mgd/apply_order.sh).
 *   - hostd: iked's first IKE_SA_INIT goes out from the external
 *     interface's address; sent before hostd has put it (or its route) in
 *     place, sendmsg fails and the request is sent again by the
 *     retransmission timer 0.5 s later (RFC 7296 2.1, ENG_RETRANS_BASE_MS),
 *     not lost.  The PPK request, and so keymgr's connection to the KME
 *     for it, comes after the IKE_SA_INIT round trip (ike_auth.c
 *     auth_start): the host side is in place by then.  st0 units are
 *     iked's devices, which hostd waits for, not the other way round. */
static const struct daemon_def daemon_defs[] = {
	{ "hostd", hostd_trees, 6, false },
	{ "keymgr", keymgr_trees, 2, false },
	{ "iked", iked_trees, 8, true },
};
_Static_assert(sizeof(daemon_defs) / sizeof(daemon_defs[0]) == NDAEMONS,
    "struct backend has a daemon for each definition");

/* How long a reply has been waited for, and the daemon's CPU meanwhile. */
struct backend_busy {
	int64_t sent_ms; /* CLOCK_MONOTONIC */
	int64_t cpu_ms;	 /* the daemon's CPU time when last looked at */
	bool told;	 /* the extension was logged */
};

/* A request on its way: an rpc (backend_rpc_start) or a commit phase's. */
struct backend_rpc_call {
	struct daemon *d;
	json_int_t id;
	backend_rpc_cb *cb; /* NULL: cancelled, the reply is dropped */
	void *arg;
	bool whole; /* cb gets the whole reply, not its data */
	struct event *timer;
	struct backend_busy busy; /* is the daemon working on it? */
	struct backend_rpc_call *next;
};

/* The program: next to mgd in an install, ../<name>/<name> in the build tree.
 */
static char *
backend_find(const char *name)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct sb p;

	if (getenv("QSAFE_LIBEXEC") != NULL) {
		sb_init(&p);
		sb_printf(&p, "%s/%s", getenv("QSAFE_LIBEXEC"), name);
		if (access(sb_str(&p), X_OK) == 0)
			return sb_steal(&p);
		sb_free(&p);
	}
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	sb_init(&p);
	sb_printf(&p, "%s/../%s/%s", self, name, name);
	if (access(sb_str(&p), X_OK) == 0)
		return sb_steal(&p);
	sb_reset(&p);
	sb_printf(&p, "%s/%s", self, name);
	if (access(sb_str(&p), X_OK) == 0)
		return sb_steal(&p);
	sb_free(&p);
	return NULL;
}

static void backend_start(struct daemon *d);

/* utime + stime of pid in ms (proc(5): fields 14 and 15), -1 unknown. */
static int64_t
backend_cpu_ms(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long ut, st;
	const char *p;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* the command name, field 2, may hold spaces and ')' */
	p = strrchr(buf, ')');
	if (p == NULL ||
	    sscanf(p + 1,
		" %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
		&st) != 2)
		return -1;
	return (int64_t)((ut + st) * 1000 /
	    (unsigned long long)sysconf(_SC_CLK_TCK));
}

static void
backend_busy_init(struct backend_busy *w, pid_t pid)
{
	w->sent_ms = clock_mono_ms();
	w->cpu_ms = backend_cpu_ms(pid);
	w->told = false;
}

/*
 * The reply limit expired: is the daemon working on it (its CPU time grew
 * by DAEMON_BUSY_MIN_CPU_MS since last looked at, and the wait is below
 * DAEMON_BUSY_CAP_MS)?  Then the wait goes on, and the first extension is
 * logged.  *left gets the ms the next wait may last.
 */
static bool
backend_is_working(struct daemon *d, struct backend_busy *w, int *left)
{
	int64_t waited = clock_mono_ms() - w->sent_ms;
	int64_t cpu = backend_cpu_ms(d->pid), was = w->cpu_ms;

	w->cpu_ms = cpu;
	if (cpu < 0 || was < 0 || cpu - was < DAEMON_BUSY_MIN_CPU_MS)
		return false;
	if (waited >= DAEMON_BUSY_CAP_MS) {
		log_warn("%s (pid %d) is working but has not answered in %lld"
			 " s",
		    d->def->name, (int)d->pid, (long long)waited / 1000);
		return false;
	}
	if (!w->told)
		log_notice("%s (pid %d) is busy (%lld ms of CPU in the last"
			   " %d s): waiting for its reply up to %d s",
		    d->def->name, (int)d->pid, (long long)(cpu - was),
		    DAEMON_REPLY_TIMEOUT_MS / 1000, DAEMON_BUSY_CAP_MS / 1000);
	w->told = true;
	*left = DAEMON_BUSY_CAP_MS - (int)waited;
	if (*left > DAEMON_REPLY_TIMEOUT_MS)
		*left = DAEMON_REPLY_TIMEOUT_MS;
	return true;
}

/* Waits for d's socket to be readable: 0, or -1 (errno ETIMEDOUT when d
 * neither answered nor worked in time). */
static int
backend_wait_readable(struct daemon *d)
{
	struct backend_busy w;
	int left = DAEMON_REPLY_TIMEOUT_MS;

	backend_busy_init(&w, d->pid);
	for (;;) {
		struct pollfd pfd = { .fd = d->fd, .events = POLLIN };
		int r = poll(&pfd, 1, left);
		if (r == 1)
			return 0;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (!backend_is_working(d, &w, &left)) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

static void backend_phase_fire(evutil_socket_t fd, short what, void *arg);

/* Takes call off its daemon's list and answers it (when not cancelled). */
static void
backend_call_done(struct backend_rpc_call *c, json_t *data, const char *err)
{
	struct backend_rpc_call **pp = &c->d->calls;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	event_free(c->timer);
	if (c->cb != NULL)
		c->cb(c->arg, data, err);
	else
		json_decref(data);
	free(c);
}

/* The connection to d is gone: its rpcs fail, its reply reader stops. */
static void
backend_disconnect(struct daemon *d)
{
	struct sb err;

	if (d->read_ev != NULL) {
		event_free(d->read_ev);
		d->read_ev = NULL;
	}
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	d->parts = 0; /* a restarted daemon gets generation 0 whole */
	sb_init(&err);
	sb_printf(
	    &err, "error: the %s subsystem is not responding", d->def->name);
	while (d->calls != NULL)
		backend_call_done(d->calls, NULL, sb_str(&err));
	sb_free(&err);
}

static void
backend_down(struct daemon *d, const char *why)
{
	struct timeval tv;

	backend_disconnect(d);
	if (d->pid > 0) {
		log_warn(
		    "%s (pid %d) is down: %s", d->def->name, (int)d->pid, why);
		kill(d->pid, SIGKILL);
	}
	d->pid = 0;
	d->checked = false;
	if ((int64_t)time(NULL) - d->started >= HEALTHY_AFTER)
		d->backoff = BACKOFF_MIN;
	tv.tv_sec = d->backoff;
	tv.tv_usec = 0;
	d->backoff =
	    d->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : d->backoff * 2;
	d->restarts++;
	evtimer_add(d->restart_ev, &tv);
}

/*
 * Sends one request, with config (a change for the daemon's check) as its
 * "config" member when not NULL: an attachment from that buffer, never
 * copied into JSON; its id, or 0 when the daemon failed.
 */
json_int_t
backend_send(struct daemon *d, json_t *req, const struct sb *config)
{
	json_int_t id = ++d->b->next_id;

	if (d->fd < 0)
		return 0;
	json_object_set_new(req, "id", json_integer(id));
	if ((config != NULL ? msg_send_attach(d->fd, req, "config", config->buf,
				  config->len)
			    : msg_send(d->fd, req)) == -1) {
		backend_down(d, "write failed");
		return 0;
	}
	return id;
}

/*
 * The reply of an rpc in reply: its data (stolen) or error line to the
 * caller.  False when no call waits for that id.
 */
static bool
backend_dispatch(struct daemon *d, json_t *reply)
{
	json_int_t id = msg_int(reply, "id", -1);
	struct backend_rpc_call *c;
	json_t *data = NULL;

	for (c = d->calls; c != NULL && c->id != id; c = c->next)
		;
	if (c == NULL)
		return false;
	if (c->whole) {
		data = json_incref(reply);
	} else if (msg_bool(reply, "ok")) {
		/* a string: the data's JSON text (proto/proto_daemon.h) */
		data = json_object_get(reply, "data");
		if (data == NULL)
			data = json_object_get(reply, RPC_DATA_JSON);
		data = data ? json_incref(data) : json_object();
	}
	backend_call_done(c, data,
	    data			  ? NULL
		: msg_str(reply, "error") ? msg_str(reply, "error")
					  : "error: command failed");
	json_decref(reply);
	return true;
}

/*
 * Waits for the reply to request id; replies to rpcs that arrive first go to
 * their callers.  NULL when the daemon failed.
 */
static json_t *
backend_wait(struct daemon *d, json_int_t id)
{
	json_t *reply;

	if (d->fd < 0 || id == 0)
		return NULL;
	for (;;) {
		reply = backend_wait_readable(d) == 0
		    ? msg_recv(d->fd, DAEMON_REPLY_TIMEOUT_MS)
		    : NULL;
		if (reply == NULL) {
			backend_down(d,
			    errno == ETIMEDOUT ? "no reply in time"
					       : "connection lost");
			return NULL;
		}
		if (msg_int(reply, "id", -1) == id)
			return reply;
		if (!backend_dispatch(d, reply)) {
			json_decref(reply);
			backend_down(d, "reply out of order");
			return NULL;
		}
		if (d->fd < 0)
			return NULL;
	}
}

/* A reply while mgd is idle: the answer to an rpc. */
static void
backend_readable(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct pollfd pfd = { .fd = d->fd, .events = POLLIN };
	json_t *reply;

	/* backend_wait may have read it already */
	if (poll(&pfd, 1, 0) != 1)
		return;
	reply = msg_recv(d->fd, DAEMON_REPLY_TIMEOUT_MS);
	if (reply == NULL) {
		backend_down(d,
		    errno == ETIMEDOUT ? "no reply in time"
				       : "connection lost");
		return;
	}
	if (!backend_dispatch(d, reply)) {
		json_decref(reply);
		backend_down(d, "a reply nobody asked for");
	}
}

static void
backend_call_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct backend_rpc_call *c = arg;
	int left;

	if (backend_is_working(c->d, &c->busy, &left)) {
		struct timeval tv = { left / 1000, (left % 1000) * 1000 };
		evtimer_add(c->timer, &tv);
		return;
	}
	backend_down(c->d, "no reply in time"); /* answers c */
}

/* One request, one reply, waited for.  NULL when the daemon failed. */
static json_t *
backend_call(struct daemon *d, json_t *req)
{
	return backend_wait(d, backend_send(d, req, NULL));
}

/* A new daemon gets the committed configuration of its subtrees. */
static void
backend_hand_config(struct daemon *d)
{
	struct sb text;
	json_t *req = json_object(), *reply;

	sb_init(&text);
	backend_part_full(d->b->m, d->def, &text);
	json_object_set_new(req, "op", json_string(DAEMON_OP_CHECK));
	json_object_set_new(req, "full", json_true());
	reply = backend_wait(d, backend_send(d, req, &text));
	json_decref(req);
	sb_free(&text);
	if (reply == NULL)
		return;
	if (!msg_bool(reply, "ok"))
		log_warn("%s refuses the committed configuration; it runs"
			 " without it",
		    d->def->name);
	json_decref(reply);
	req = json_object();
	json_object_set_new(req, "op", json_string(DAEMON_OP_APPLY));
	json_decref(backend_call(d, req));
	json_decref(req);
}

/*
 * Room in mgd's end of the socket for a few parts of a change
 * (backend_check.c): mgd writes the next while the daemon parses one, and
 * does not wait for that parse (the default, ~200 KB, is a fifth of a
 * part).  SO_SNDBUFFORCE (root) past net.core.wmem_max, else what it
 * allows.
 */
static void
backend_sndbuf(int fd)
{
	int size = BACKEND_SNDBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) ==
	    -1)
		(void)setsockopt(
		    fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static void
backend_start(struct daemon *d)
{
	int sv[2];
	pid_t pid;
	struct sb logp, fdarg;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_err("%s: socketpair: %s", d->def->name, strerror(errno));
		return;
	}
	sb_init(&logp);
	sb_init(&fdarg);
	sb_printf(&logp, "%s/%s.log", d->b->m->state_dir, d->def->name);
	sb_printf(&fdarg, "%d", DAEMON_MGD_FD);
	pid = fork();
	if (pid == 0) {
		/* The child: the socket becomes fd 3, nothing else leaks. */
		if (dup2(sv[1], DAEMON_MGD_FD) == -1)
			_exit(127);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		execl(d->path, d->def->name, "--mgd-fd", sb_str(&fdarg),
		    "--state-dir", d->b->m->state_dir, "--log", sb_str(&logp),
		    (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	backend_sndbuf(sv[0]);
	sb_free(&logp);
	sb_free(&fdarg);
	if (pid == -1) {
		close(sv[0]);
		log_err("%s: fork: %s", d->def->name, strerror(errno));
		return;
	}
	d->pid = pid;
	d->fd = sv[0];
	d->started = (int64_t)time(NULL);
	d->read_ev = event_new(
	    d->b->m->base, d->fd, EV_READ | EV_PERSIST, backend_readable, d);
	event_add(d->read_ev, NULL);
	log_info("started %s (pid %d)", d->def->name, (int)pid);
	backend_hand_config(d);
}

static void
backend_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	/* A commit on its way has not reached the store yet: the daemon
	 * starts after it, with the configuration it made. */
	if (d->b->m->commit != NULL) {
		static const struct timeval again = { 0, 100000 };
		evtimer_add(d->restart_ev, &again);
		return;
	}
	if (d->pid == 0)
		backend_start(d);
}

static void
backend_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct backend *b = arg;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < NDAEMONS; i++) {
			struct daemon *d = &b->d[i];
			if (d->pid != pid)
				continue;
			d->pid = 0; /* reaped: do not kill again */
			backend_disconnect(d);
			log_warn("%s (pid %d) exited (status %d); restarting",
			    d->def->name, (int)pid, status);
			struct timeval tv = { d->backoff, 0 };
			if ((int64_t)time(NULL) - d->started >= HEALTHY_AFTER)
				tv.tv_sec = d->backoff = BACKOFF_MIN;
			d->backoff = d->backoff * 2 > BACKOFF_MAX
			    ? BACKOFF_MAX
			    : d->backoff * 2;
			d->restarts++;
			evtimer_add(d->restart_ev, &tv);
		}
	}
}

struct backend *
backend_new(struct mgd *m)
{
	struct backend *b = xcalloc(1, sizeof(*b));

	b->m = m;
	b->phase.ev = evtimer_new(m->base, backend_phase_fire, b);
	b->sigchld = evsignal_new(m->base, SIGCHLD, backend_sigchld, b);
	event_add(b->sigchld, NULL);
	for (size_t i = 0; i < NDAEMONS; i++) {
		struct daemon *d = &b->d[i];
		d->def = &daemon_defs[i];
		d->b = b;
		d->fd = -1;
		d->backoff = BACKOFF_MIN;
		d->restart_ev = evtimer_new(m->base, backend_restart_cb, d);
		if (getenv("QSAFE_NO_DAEMONS") != NULL)
			continue;
		d->path = backend_find(d->def->name);
		if (d->path == NULL) {
			log_info("%s is not built; running without it",
			    d->def->name);
			continue;
		}
		backend_start(d);
	}
	return b;
}

void
backend_free(struct backend *b)
{
	if (b == NULL)
		return;
	b->phase.done = NULL; /* mgd is stopping: nobody to tell */
	/* SIGTERM while the link is still up: the daemon tells a stop
	 * (hostd removes its nftables table) from mgd vanishing (its link
	 * closes: the daemon exits and keeps what it enforces).  All at once,
	 * then one wait for them all: a daemon's exit (a sanitizer's leak
	 * check under load) may take seconds, and a SIGKILL would lose it. */
	for (size_t i = 0; i < NDAEMONS; i++)
		if (b->d[i].pid > 0)
			kill(b->d[i].pid, SIGTERM);
	/* by the clock: on a loaded machine 250 naps of 20 ms take longer */
	for (int64_t end = clock_mono_ms() + DAEMON_STOP_MS;;) {
		bool left = false;
		for (size_t i = 0; i < NDAEMONS; i++) {
			struct daemon *d = &b->d[i];
			if (d->pid > 0 &&
			    waitpid(d->pid, NULL, WNOHANG) == d->pid)
				d->pid = 0;
			left |= d->pid > 0;
		}
		if (!left || clock_mono_ms() >= end)
			break;
		usleep(20000);
	}
	for (size_t i = 0; i < NDAEMONS; i++) {
		struct daemon *d = &b->d[i];
		if (d->pid > 0) {
			log_warn(
			    "%s (pid %d) did not stop within %d ms: killed",
			    d->def->name, (int)d->pid, DAEMON_STOP_MS);
			kill(d->pid, SIGKILL);
			waitpid(d->pid, NULL, 0);
		}
		backend_disconnect(d);
		if (d->restart_ev)
			event_free(d->restart_ev);
		free(d->path);
	}
	if (b->sigchld)
		event_free(b->sigchld);
	if (b->phase.ev)
		event_free(b->phase.ev);
	free(b);
}

/*
 * Sends req to d as a call: cb gets the answer from the loop (the whole
 * reply when whole), or an error line when d goes down or does not answer
 * within DAEMON_REPLY_TIMEOUT_MS while using no CPU, or within
 * DAEMON_BUSY_CAP_MS at all (d is then restarted).  NULL when it could
 * not be sent (cb is then never called).
 */
struct backend_rpc_call *
backend_call_start(struct daemon *dm, json_t *req, const struct sb *config,
    backend_rpc_cb *cb, void *arg, bool whole)
{
	static const struct timeval limit = { DAEMON_REPLY_TIMEOUT_MS / 1000,
		0 };
	json_int_t id = backend_send(dm, req, config);
	struct backend_rpc_call *c;

	if (id == 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->d = dm;
	c->id = id;
	c->cb = cb;
	c->arg = arg;
	c->whole = whole;
	c->timer = evtimer_new(dm->b->m->base, backend_call_timeout, c);
	backend_busy_init(&c->busy, dm->pid);
	evtimer_add(c->timer, &limit);
	c->next = dm->calls;
	dm->calls = c;
	return c;
}

/* Every call of the phase is answered: its owner hears it, from the loop. */
static void
backend_phase_fire(evutil_socket_t fd, short what, void *arg)
{
	struct backend *b = arg;
	backend_done_cb *done = b->phase.done;

	b->phase.done = NULL;
	b->phase.errs = NULL;
	if (done != NULL)
		done(b->phase.arg);
}

void
backend_phase_answered(struct backend *b)
{
	static const struct timeval now = { 0, 0 };

	if (--b->phase.waiting == 0)
		evtimer_add(b->phase.ev, &now);
}

void
backend_phase_begin(
    struct backend *b, struct verrs *errs, backend_done_cb *done, void *arg)
{
	b->phase.waiting = 1; /* held until every request is sent */
	b->phase.errs = errs;
	b->phase.done = done;
	b->phase.arg = arg;
}

static void
backend_apply_answered(void *arg, json_t *reply, const char *err)
{
	struct daemon *dm = arg;

	json_decref(reply);
	backend_phase_answered(dm->b);
}

/* Phase two to every daemon that holds a checked change, all at once. */
static void
backend_phase2(struct backend *b, const char *op, bool awaited)
{
	for (size_t i = 0; i < NDAEMONS; i++) {
		struct daemon *dm = &b->d[i];
		if (!dm->checked || dm->fd < 0)
			continue;
		dm->checked = false;
		json_t *req = json_object();
		json_object_set_new(req, "op", json_string(op));
		if (backend_call_start(dm, req, NULL,
			awaited ? backend_apply_answered : NULL, dm,
			true) != NULL &&
		    awaited)
			b->phase.waiting++;
		json_decref(req);
	}
}

void
backend_apply_start(struct backend *b, backend_done_cb *done, void *arg)
{
	backend_phase_begin(b, NULL, done, arg);
	backend_phase2(b, DAEMON_OP_APPLY, true);
	backend_phase_answered(b);
}

void
backend_abort(struct backend *b)
{
	/* The answers are not waited for: the stream keeps the order, so a
	 * daemon has dropped its change before it sees the next check. */
	backend_phase2(b, DAEMON_OP_ABORT, false);
}

struct backend_rpc_call *
backend_rpc_start(struct backend *b, const char *handler, const char *rpc,
    const json_t *input, backend_rpc_cb *cb, void *arg, struct sb *err)
{
	for (size_t i = 0; i < NDAEMONS; i++) {
		struct daemon *dm = &b->d[i];
		if (strcmp(dm->def->name, handler) != 0)
			continue;
		if (dm->fd < 0) {
			sb_printf(err, "error: the %s subsystem is not running",
			    handler);
			return NULL;
		}
		json_t *req = json_object();
		json_object_set_new(req, "op", json_string(DAEMON_OP_RPC));
		json_object_set_new(req, "name", json_string(rpc));
		json_object_set(req, "input", (json_t *)input);
		struct backend_rpc_call *c =
		    backend_call_start(dm, req, NULL, cb, arg, false);
		json_decref(req);
		if (c == NULL)
			sb_printf(err,
			    "error: the %s subsystem is not responding",
			    handler);
		return c;
	}
	sb_printf(err, "error: no subsystem answers '%s'", rpc);
	return NULL;
}

void
backend_rpc_cancel(struct backend_rpc_call *c)
{
	if (c != NULL)
		c->cb = NULL;
}
