/*
 * laps: where a large change's time goes in hostd, for its log
 * (docs/benchmarks.md).  A check or an apply starts the laps, names each
 * step as it ends, and logs the line at its end when the whole took long.
 */
#include <stdlib.h>
#include <sys/resource.h>

#include "hostd/laps.h"
#include "lib/clock.h"
#include "lib/log.h"

/*
 * Where a large change's time goes in hostd, for its log
 * (docs/benchmarks.md): each step's CPU and wall time in ms, logged when
 * the whole took more than HOST_LAPS_LOG_MS of CPU (a one-line change
 * logs nothing), or QSAFE_HOSTD_LAPS_MS (benches: -1 logs every one),
 * read once at start into h->laps_ms.
 */
#define HOST_LAPS_LOG_MS 50

int64_t
host_laps_log_ms(void)
{
	const char *env = getenv("QSAFE_HOSTD_LAPS_MS");

	return env != NULL ? strtoll(env, NULL, 10) : HOST_LAPS_LOG_MS;
}

static long
host_minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : 0;
}

void
host_laps_start(struct host_laps *l)
{
	l->flt0 = host_minflt();
	l->c0 = l->c = clock_cpu_ms();
	l->m0 = l->m = clock_mono_ms();
	sb_init(&l->line);
}

/* The step just ended, named what. */
void
host_lap(struct host_laps *l, const char *what)
{
	int64_t c, m;

	if (l == NULL)
		return;
	c = clock_cpu_ms();
	m = clock_mono_ms();
	sb_printf(&l->line, "%s%s %lld (%lld)", l->line.len ? ", " : "", what,
	    (long long)(c - l->c), (long long)(m - l->m));
	l->c = c;
	l->m = m;
}

void
host_laps_end(const struct hostd *h, struct host_laps *l, const char *step)
{
	if (clock_cpu_ms() - l->c0 > h->laps_ms)
		log_info("%s, ms of CPU (wall): %s; in all %lld (%lld), %ld"
			 " minor faults (%ld since hostd started)",
		    step, sb_str(&l->line), (long long)(clock_cpu_ms() - l->c0),
		    (long long)(clock_mono_ms() - l->m0),
		    host_minflt() - l->flt0, host_minflt());
	sb_free(&l->line);
}
