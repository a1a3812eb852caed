/*
 * log: timestamped one-line diagnostics.  Daemons point it at their log file
 * in the state directory; tools leave it on stderr.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

static const char *log_prog = "qsafe";
static FILE *log_out;
static enum log_level log_min = LOG_LVL_INFO;
/*
 * The pid of each line, asked once and again in a forked child: getpid()
 * is a system call, and a daemon logging a few lines per IKE SA setup at
 * 10,000 tunnels paid it on every line.
 */
static pid_t log_pid;

/*
 * Lines held between log_hold and log_release (see log.h): the log's
 * lock serialises every line and the buffer; depth is the loop thread's.
 */
enum { LOG_HOLD_MAX = 16384, LOG_LINE_MAX = 2048 };
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned log_depth;
static size_t log_held;
static char log_buf[LOG_HOLD_MAX];
static const int log_fatal_sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
	SIGABRT };
static struct sigaction
    log_old_sa[sizeof(log_fatal_sigs) / sizeof(log_fatal_sigs[0])];

static void
log_pid_reset(void)
{
	log_pid = getpid();
	log_held = 0; /* the parent's to write, not a child's at its exit */
	log_depth = 0;
}

static const char *
log_level_name(enum log_level lvl)
{
	switch (lvl) {
	case LOG_LVL_DEBUG: return "debug";
	case LOG_LVL_INFO: return "info";
	case LOG_LVL_NOTICE: return "notice";
	case LOG_LVL_WARN: return "warning";
	case LOG_LVL_ERR: return "error";
	}
	return "?";
}

void
log_init(const char *progname, FILE *out)
{
	static bool atfork;

	log_prog = progname;
	log_out = out;
	log_pid = getpid();
	if (!atfork && pthread_atfork(NULL, NULL, log_pid_reset) == 0)
		atfork = true;
}

void
log_set_level(enum log_level lvl)
{
	log_min = lvl;
}

/* The held lines out, in one write; the caller holds log_mu. */
static void
log_write_held(FILE *out)
{
	if (log_held == 0)
		return;
	fwrite(log_buf, 1, log_held, out);
	fflush(out);
	log_held = 0;
}

static void __attribute__((format(printf, 2, 0)))
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	FILE *out = log_out ? log_out : stderr;
	char ts[32], line[LOG_LINE_MAX];
	time_t now = time(NULL);
	struct tm tm;
	int h, b;
	va_list aq;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	h = snprintf(line, sizeof(line), "%s %s[%d] %s: ", ts, log_prog,
	    (int)(log_pid ? log_pid : getpid()), log_level_name(lvl));
	va_copy(aq, ap);
	b = vsnprintf(line + h, sizeof(line) - (size_t)h, fmt, aq);
	va_end(aq);
	pthread_mutex_lock(&log_mu);
	if (b < 0 || (size_t)h + (size_t)b + 1 >= sizeof(line)) {
		/* a long line: as it is, after what is held */
		log_write_held(out);
		fputs(ts, out);
		fprintf(out, " %s[%d] %s: ", log_prog,
		    (int)(log_pid ? log_pid : getpid()), log_level_name(lvl));
		vfprintf(out, fmt, ap);
		fputc('\n', out);
		fflush(out);
	} else {
		size_t n = (size_t)h + (size_t)b;
		line[n++] = '\n';
		if (log_held + n > sizeof(log_buf))
			log_write_held(out);
		memcpy(log_buf + log_held, line, n);
		log_held += n;
		if (log_depth == 0)
			log_write_held(out);
	}
	pthread_mutex_unlock(&log_mu);
}

/*
 * A fatal signal (a fault, an abort): the held lines written as they are,
 * without the lock (the thread that faulted may hold it) and with write(2)
 * alone, which is async-signal-safe; then the handler there was before
 * (a sanitizer's, the default), by raising the signal again.
 */
static void
log_fatal_signal(int sig)
{
	FILE *out = log_out ? log_out : stderr;
	size_t off = 0;

	while (off < log_held) {
		ssize_t w = write(fileno(out), log_buf + off, log_held - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	log_held = 0;
	for (size_t i = 0;
	     i < sizeof(log_fatal_sigs) / sizeof(log_fatal_sigs[0]); i++)
		if (log_fatal_sigs[i] == sig)
			sigaction(sig, &log_old_sa[i], NULL);
	/* a signal sent (kill, raise) would otherwise end here and the
	 * process go on; a fault that survives it faults again on return */
	raise(sig);
}

static void
log_exit_flush(void)
{
	log_flush();
}

void
log_hold(void)
{
	static bool armed;

	if (!armed) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = log_fatal_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_NODEFER;
		for (size_t i = 0;
		     i < sizeof(log_fatal_sigs) / sizeof(log_fatal_sigs[0]);
		     i++)
			sigaction(log_fatal_sigs[i], &sa, &log_old_sa[i]);
		atexit(log_exit_flush);
		armed = true;
	}
	log_depth++;
}

void
log_release(void)
{
	if (log_depth > 0 && --log_depth == 0)
		log_flush();
}

void
log_flush(void)
{
	pthread_mutex_lock(&log_mu);
	log_write_held(log_out ? log_out : stderr);
	pthread_mutex_unlock(&log_mu);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	log_flush(); /* what was held, this line with it */
	abort();
}
