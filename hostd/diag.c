/*
 * diag: `ping` and `traceroute`, run as the system programs (iputils-ping,
 * the Debian traceroute package) in hostd's namespace, their output parsed
 * into data that the cli renders in the Junos layout.
 *
 * mgd waits DAEMON_REPLY_TIMEOUT_MS (10 s) for a reply, so both are
 * bounded: ping sends exactly `count` requests (`-c`, no `-w`, which would
 * keep sending until the deadline) one interval apart and waits 1 s for
 * the last reply, and a count that would take longer than DIAG_DEADLINE
 * seconds is refused; whatever still runs after DIAG_KILL seconds is
 * killed.  The target and source are checked to be host names or
 * addresses, never options.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hostd/hostd.h"
#include "lib/clock.h"
#include "lib/log.h"

#define DIAG_DEADLINE 8	   /* seconds ping may take */
#define DIAG_WAIT_MS 1000  /* for the last reply (ping -W) */
#define DIAG_RAPID_MS 5	   /* interval of rapid; 1000 in 6 s */
#define DIAG_KILL 9	   /* seconds before anything is killed */
#define DIAG_OUT_MAX 65536 /* bytes of output read */
#define DIAG_COUNT_DEFAULT 5
#define DIAG_HOPS 30
#define DIAG_TRACE_LEN "40" /* bytes per probe: Junos (FreeBSD) default */

static bool
diag_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= 253 && s[0] != '-' &&
	    strspn(s,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789.:-_%") == n;
}

/* Runs argv (a program in PATH); its stdout and stderr to out.  0 or -1. */
static int
diag_run(char *const argv[], struct sb *out)
{
	int fds[2], status;
	pid_t pid;
	int64_t end = clock_mono_ms() + DIAG_KILL * 1000;

	if (pipe(fds) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = { fds[0], POLLIN, 0 };
		int64_t left = end - clock_mono_ms();
		char buf[4096];
		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		ssize_t r = read(fds[0], buf, sizeof(buf));
		if (r <= 0)
			break;
		if (out->len + (size_t)r <= DIAG_OUT_MAX)
			sb_add(out, buf, (size_t)r);
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	return 0;
}

/* The first line of text, for an error. */
static void
diag_first_line(const char *text, struct sb *err)
{
	size_t n = strcspn(text, "\n");

	sb_add(err, "error: ", 7);
	sb_add(err, text, n ? n : strlen(text));
}

/* ---- ping -------------------------------------------------------- */

static void
diag_ping_line(const char *l, json_t *d)
{
	char a[256], b[64];
	unsigned seq, ttl, size;

	double t, mn, av, mx, md;
	unsigned tx, rx;

	if (sscanf(l, "PING %255s (%63[^)])", a, b) == 2) {
		/* "56(84) bytes of data", after "from SRC : " with -I */
		const char *p = strrchr(l, '(');
		while (p && p > l && p[-1] >= '0' && p[-1] <= '9')
			p--;
		json_object_set_new(d, "address", json_string(b));
		json_object_set_new(d, "size", json_integer(p ? atoi(p) : 56));
	} else if (sscanf(l,
		       "%u bytes from %63[^:]: icmp_seq=%u ttl=%u "
		       "time=%lf",
		       &size, b, &seq, &ttl, &t) == 5) {
		json_array_append_new(json_object_get(d, "replies"),
		    json_pack("{s:i, s:s, s:i, s:i, s:f}", "bytes", size,
			"from", b, "sequence", seq, "ttl", ttl, "time", t));
	} else if (sscanf(l, "%u packets transmitted, %u received", &tx, &rx) ==
	    2) {
		json_object_set_new(d, "transmitted", json_integer(tx));
		json_object_set_new(d, "received", json_integer(rx));
	} else if (sscanf(l, "rtt min/avg/max/mdev = %lf/%lf/%lf/%lf", &mn, &av,
		       &mx, &md) == 4) {
		json_object_set_new(d, "rtt",
		    json_pack("{s:f, s:f, s:f, s:f}", "min", mn, "avg", av,
			"max", mx, "stddev", md));
	} else if (strncmp(l, "From ", 5) == 0) {
		json_array_append_new(
		    json_object_get(d, "errors"), json_string(l));
	}
}

json_t *
diag_ping(struct hostd *h, const json_t *input, struct sb *err)
{
	const char *host = json_string_value(json_object_get(input, "host"));
	const char *src = json_string_value(json_object_get(input, "source"));
	const char *cnt = json_string_value(json_object_get(input, "count"));
	bool rapid = json_is_true(json_object_get(input, "rapid"));
	long count = cnt ? strtol(cnt, NULL, 10) : DIAG_COUNT_DEFAULT;
	long ms = rapid ? DIAG_RAPID_MS : 1000;
	char c[24], i[48];
	char *argv[16];
	int n = 0;
	struct sb out;
	json_t *d = NULL;

	if (!diag_name_ok(host) || (src && !diag_name_ok(src))) {
		sb_puts(err, "error: invalid host or source address");
		return NULL;
	}
	if (count < 1 ||
	    (count - 1) * ms + DIAG_WAIT_MS > DIAG_DEADLINE * 1000) {
		sb_printf(err,
		    "error: count %ld: ping must end within %d"
		    " seconds; use count 1 to %ld, or rapid",
		    count, DIAG_DEADLINE,
		    (DIAG_DEADLINE * 1000 - DIAG_WAIT_MS) / ms + 1);
		return NULL;
	}
	snprintf(c, sizeof(c), "%ld", count);
	snprintf(i, sizeof(i), "%ld.%03ld", ms / 1000, ms % 1000);
	argv[n++] = "ping";
	argv[n++] = "-n";
	argv[n++] = "-c";
	argv[n++] = c;
	argv[n++] = "-i";
	argv[n++] = i;
	argv[n++] = "-W";
	argv[n++] = "1";
	if (src != NULL) {
		argv[n++] = "-I";
		argv[n++] = (char *)src;
	}
	argv[n++] = "--";
	argv[n++] = (char *)host;
	argv[n] = NULL;
	sb_init(&out);
	if (diag_run(argv, &out) == -1) {
		sb_puts(err, "error: cannot run ping");
		goto done;
	}
	d = json_pack("{s:s, s:b, s:[], s:[], s:i, s:i}", "host", host, "rapid",
	    rapid, "replies", "errors", "transmitted", 0, "received", 0);
	char *save = NULL;
	for (char *l = strtok_r(out.buf ? out.buf : "", "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		diag_ping_line(l, d);
	if (json_object_get(d, "address") == NULL) {
		diag_first_line(out.buf ? out.buf : "ping failed", err);
		json_decref(d);
		d = NULL;
	}
done:
	sb_free(&out);
	return d;
}

/* ---- traceroute -------------------------------------------------- */

static json_t *
diag_hop(char *l)
{
	char *save = NULL, *tok, *addr = NULL;
	json_t *probes = json_array();
	int hop;

	if ((tok = strtok_r(l, " ", &save)) == NULL || (hop = atoi(tok)) <= 0) {
		json_decref(probes);
		return NULL;
	}
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		if (strcmp(tok, "*") == 0) {
			json_array_append_new(
			    probes, json_pack("{s:b}", "timeout", 1));
		} else if (tok[0] == '!') {
			json_t *last =
			    json_array_get(probes, json_array_size(probes) - 1);
			if (last != NULL)
				json_object_set_new(
				    last, "note", json_string(tok));
		} else if (strchr(tok, '.') || strchr(tok, ':')) {
			char *next = save ? save + strspn(save, " ") : NULL;
			if (next && strncmp(next, "ms", 2) == 0) {
				json_t *p =
				    json_pack("{s:f}", "time", atof(tok));
				if (addr)
					json_object_set_new(
					    p, "address", json_string(addr));
				addr = NULL;
				json_array_append_new(probes, p);
			} else {
				addr = tok;
			}
		}
	}
	return json_pack("{s:i, s:o}", "hop", hop, "probes", probes);
}

json_t *
diag_traceroute(struct hostd *h, const json_t *input, struct sb *err)
{
	const char *host = json_string_value(json_object_get(input, "host"));
	const char *src = json_string_value(json_object_get(input, "source"));
	char m[16];
	char *argv[16];
	int n = 0;
	struct sb out;
	json_t *d = NULL;

	if (!diag_name_ok(host) || (src && !diag_name_ok(src))) {
		sb_puts(err, "error: invalid host or source address");
		return NULL;
	}
	snprintf(m, sizeof(m), "%d", DIAG_HOPS);
	argv[n++] = "traceroute";
	argv[n++] = "-n";
	argv[n++] = "-q";
	argv[n++] = "3";
	argv[n++] = "-w";
	argv[n++] = "1";
	argv[n++] = "-m";
	argv[n++] = m;
	if (src != NULL) {
		argv[n++] = "-s";
		argv[n++] = (char *)src;
	}
	argv[n++] = "--";
	argv[n++] = (char *)host;
	argv[n++] = DIAG_TRACE_LEN;
	argv[n] = NULL;
	sb_init(&out);
	if (diag_run(argv, &out) == -1) {
		sb_puts(err, "error: cannot run traceroute");
		goto done;
	}
	char *save = NULL;
	for (char *l = strtok_r(out.buf ? out.buf : "", "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char a[256], b[64];
		unsigned hops, size;
		if (sscanf(l, "traceroute to %255s (%63[^)]), %u hops max, %u",
			a, b, &hops, &size) == 4) {
			d = json_pack("{s:s, s:s, s:i, s:i, s:[]}", "host",
			    host, "address", b, "max-hops", hops, "size", size,
			    "hops");
		} else if (d != NULL) {
			json_t *hop = diag_hop(l);
			if (hop != NULL)
				json_array_append_new(
				    json_object_get(d, "hops"), hop);
		}
	}
	if (d == NULL)
		diag_first_line(out.buf ? out.buf : "traceroute failed", err);
done:
	sb_free(&out);
	return d;
}
