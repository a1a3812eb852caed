/*
 * Which network namespace hostd may change, and what it turns on there at
 * its start (hostd.h host_safety).  Safety rule (docs/host.md): hostd
 * changes only the network namespace it runs in, and never the machine's
 * own one unless QSAFE_HOST_NETNS=1 is in its environment (`./qsafe start
 * --host-netns`); the host name only in a UTS namespace of its own.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostd/hostd.h"
#include "lib/file.h"
#include "lib/log.h"

static int
host_ns_ino(const char *proc, const char *kind, ino_t *ino)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/ns/%s", proc, kind);
	if (stat(p, &st) == -1)
		return -1;
	*ino = st.st_ino;
	return 0;
}

static pid_t
host_ppid(pid_t pid)
{
	char p[64], buf[512];
	FILE *f;
	int ppid = 0;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	if ((f = fopen(p, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL) {
		char *rp = strrchr(buf, ')');
		if (rp == NULL || sscanf(rp + 1, " %*c %d", &ppid) != 1)
			ppid = 0;
	}
	fclose(f);
	return ppid;
}

/*
 * Whether this process runs in a namespace of kind of its own, not the
 * machine's: decided by /proc/1 when it may be read; otherwise a network
 * namespace named by `ip netns` (/run/netns) or an ancestor process in a
 * different namespace proves it.  Unknown counts as the machine's own.
 */
static bool
host_ns_is_own(const char *kind)
{
	ino_t self, other;

	if (host_ns_ino("/proc/self", kind, &self) == -1)
		return false;
	if (host_ns_ino("/proc/1", kind, &other) == 0)
		return self != other;
	if (strcmp(kind, "net") == 0) {
		DIR *d = opendir("/run/netns");
		struct dirent *de;
		bool named = false;
		while (d && (de = readdir(d)) != NULL) {
			char p[PATH_MAX];
			struct stat st;
			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "/run/netns/%s", de->d_name);
			if (stat(p, &st) == 0 && st.st_ino == self)
				named = true;
		}
		if (d)
			closedir(d);
		if (named)
			return true;
	}
	for (pid_t p = getppid(); p > 1; p = host_ppid(p)) {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/%d", (int)p);
		if (host_ns_ino(proc, kind, &other) == 0 && other != self)
			return true;
	}
	return false;
}

/*
 * The name the UTS namespace had before qsafe named it, given back when
 * system host-name goes.  A restarted hostd finds the configured name in
 * place, so the first one is kept in STATE_DIR/hostd-uts-name as "INODE
 * NAME" for the namespace of that inode.
 */
static void
host_start_name(struct hostd *h)
{
	char name[HOST_NAME_MAX + 1] = "", saved[HOST_NAME_MAX + 1];
	unsigned long long ino_saved;
	ino_t ino;
	struct sb p, line, err;
	FILE *f;

	if (host_ns_ino("/proc/self", "uts", &ino) == -1 ||
	    gethostname(name, sizeof(name) - 1) == -1)
		return;
	sb_init(&p);
	sb_init(&line);
	sb_init(&err);
	sb_printf(&p, "%s/hostd-uts-name", h->state_dir);
	if ((f = fopen(sb_str(&p), "r")) != NULL) {
		if (fscanf(f, "%llu %64s", &ino_saved, saved) == 2 &&
		    (ino_t)ino_saved == ino)
			h->start_name = xstrdup(saved);
		fclose(f);
	}
	if (h->start_name == NULL) {
		h->start_name = xstrdup(name);
		sb_printf(&line, "%llu %s\n", (unsigned long long)ino, name);
		if (file_write_atomic(
			sb_str(&p), line.buf, line.len, 0600, &err) == -1)
			log_warn("%s", sb_str(&err));
	}
	sb_free(&p);
	sb_free(&line);
	sb_free(&err);
}

/*
 * A gateway routes between its interfaces (the zones' forward chain, not
 * the kernel's default, decides what passes), so hostd turns IPv4 and
 * IPv6 forwarding on in the namespace it owns; never in the machine's own.
 */
static void
host_forwarding(void)
{
	static const char *const knobs[] = {
		"/proc/sys/net/ipv4/ip_forward",
		"/proc/sys/net/ipv6/conf/all/forwarding",
	};

	for (size_t i = 0; i < sizeof(knobs) / sizeof(*knobs); i++) {
		FILE *f = fopen(knobs[i], "w");

		if (f == NULL) {
			if (errno != ENOENT) /* no IPv6: nothing to do */
				log_warn("%s: %s", knobs[i], strerror(errno));
			continue;
		}
		if (fputs("1\n", f) == EOF)
			log_warn("%s: %s", knobs[i], strerror(errno));
		if (fclose(f) == EOF)
			log_warn("%s: %s", knobs[i], strerror(errno));
	}
}

/*
 * Connection tracking from hostd's start, as an SRX tracks every session
 * from boot.  The zones' input chain lets in what answers the host's own
 * connections (ct state established), and the kernel tracks a namespace's
 * connections only while some rule asks for ct.  Without this, a
 * connection opened before the first zone is committed (keymgr to its
 * KME: one commit brings zones and the key-manager profile, applied side
 * by side) has its next answer seen, once the table is in, as the first
 * packet of a new connection: host-inbound-traffic drops it, and the
 * connection stalls until its peer's timeout.  Table <table>_ct is one
 * output chain with one ct rule and no verdict: it filters nothing.
 * Loaded as a replacement, so a table a killed hostd left is taken over.
 */
static void
host_track(struct hostd *h)
{
	struct sb txn, err;

	sb_init(&txn);
	sb_init(&err);
	sb_printf(&txn,
	    "add table inet %s_ct\n"
	    "delete table inet %s_ct\n"
	    "table inet %s_ct {\n"
	    "\tchain track {\n"
	    "\t\ttype filter hook output priority filter; policy accept;\n"
	    "\t\tct state new\n"
	    "\t}\n"
	    "}\n",
	    h->names[0], h->names[0], h->names[0]);
	if (policy_load(h, sb_str(&txn), false, &err) == -1)
		log_warn("connection tracking not on (table inet %s_ct): %s",
		    h->names[0], sb_str(&err));
	else
		h->tracking = true;
	sb_free(&txn);
	sb_free(&err);
}

void
host_safety(struct hostd *h)
{
	const char *env = getenv("QSAFE_HOST_NETNS");

	h->own_uts = host_ns_is_own("uts");
	if (h->own_uts)
		host_start_name(h);
	if (host_ns_is_own("net")) {
		h->active = true;
		log_info(
		    "network namespace of its own: configuration is applied");
		host_forwarding();
		host_track(h);
	} else if (env != NULL && strcmp(env, "1") == 0) {
		h->active = true;
		log_warn("QSAFE_HOST_NETNS=1: applying to the machine's own"
			 " network namespace");
	} else {
		h->active = false;
		h->inert_why =
		    "hostd runs in the machine's own network namespace;"
		    " nothing is applied (start with ./qsafe start --host-netns"
		    " to allow it)";
		log_warn("%s", h->inert_why);
	}
}
