/*
 * log: one-line diagnostics to stderr (or a file the daemon chose), with the
 * program name and a level.  Secrets are never passed here.
 */
#ifndef QSAFE_LOG_H
#define QSAFE_LOG_H

#include <stdio.h>

enum log_level {
	LOG_LVL_DEBUG,
	LOG_LVL_INFO,
	LOG_LVL_NOTICE, /* normal but worth reading: syslog(3)'s LOG_NOTICE */
	LOG_LVL_WARN,
	LOG_LVL_ERR
};

void log_init(const char *progname, FILE *out);
void log_set_level(enum log_level lvl);
void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)

/*
 * Holding: between log_hold and log_release (nested; the loop's thread
 * only) lines are kept in a buffer of 16 KiB and written together at the
 * outermost release, in one write, or when the buffer is full: a daemon
 * holds around one turn of its work (iked: a batch of datagrams read,
 * each of which logged its lines with a write each).  Nothing held is
 * lost on exit (atexit), fatal() or a fatal signal (SIGSEGV, SIGBUS,
 * SIGILL, SIGFPE, SIGABRT: the first log_hold installs a handler that
 * writes the buffer and passes the signal on to the handler before it);
 * only a SIGKILL inside a held turn loses that turn's lines.
 */
void log_hold(void);
void log_release(void);
/* The held lines out now. */
void log_flush(void);

/* A broken invariant: log and abort. */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
