/*
 * log: timestamped one-line diagnostics.  Daemons point it at their log file
 * in the state directory; tools leave it on stderr.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
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

static void
log_pid_reset(void)
{
	log_pid = getpid();
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

static void __attribute__((format(printf, 2, 0)))
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	FILE *out = log_out ? log_out : stderr;
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, "%s %s[%d] %s: ", ts, log_prog,
	    (int)(log_pid ? log_pid : getpid()), log_level_name(lvl));
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	fflush(out);
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
	abort();
}
