/*
 * run_timed: runs a command and writes what it cost, for the bench
 * scripts (bench/lib.sh bench_timed).
 *
 *   run_timed OUT CMD [ARG...]
 *
 * OUT gets one line "WALL_NS USER_US SYS_US": the wall clock from just
 * before CMD is spawned to its exit (CLOCK_MONOTONIC), and CMD's user
 * and system CPU (wait4's rusage).  The exit status is CMD's (128 + N
 * when a signal ended it, 127 when it could not be started).
 *
 * Why a program and not `date +%s%N` on either side, as the scripts had:
 * every `$(date ...)` is a fork and an exec of its own, which on this VM
 * costs 4-8 ms, about half of it inside the interval; and GNU time
 * around the cli (for its CPU) added an exec more.  A one-line commit
 * measured ~15 ms of the harness's own process starts on top of the cli
 * (docs/benchmarks.md, "The bench's own process starts").  The interval
 * here still holds the cli's own exec and start, which an operator's
 * `cli -c` pays too.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static long long
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long
tv_us(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000LL + tv.tv_usec;
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	long long t0, t1;
	pid_t pid;
	int status, err;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: run_timed OUT CMD [ARG...]\n");
		return 2;
	}
	t0 = mono_ns();
	err = posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ);
	if (err != 0) {
		fprintf(stderr, "run_timed: %s: %s\n", argv[2], strerror(err));
		return 127;
	}
	while (wait4(pid, &status, 0, &ru) == -1)
		if (errno != EINTR) {
			perror("run_timed: wait4");
			return 127;
		}
	t1 = mono_ns();
	if ((out = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 127;
	}
	fprintf(out, "%lld %lld %lld\n", t1 - t0, tv_us(ru.ru_utime),
	    tv_us(ru.ru_stime));
	if (fclose(out) != 0) {
		perror(argv[1]);
		return 127;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
