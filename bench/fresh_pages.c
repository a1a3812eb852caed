/*
 * fresh_pages: what the first touch of a 2 MB page costs a process, right
 * after the memory was freed and some seconds after (docs/benchmarks.md,
 * "Commit cost by shape, twenty-fifth round").
 *
 *   fresh_pages [MB [GAP [ROUNDS]]]      (default 128, 5, 3)
 *
 * Each round maps MB of anonymous memory advised for huge pages (as mgd's
 * and hostd's heaps are), touches it, unmaps it, and at once maps and
 * touches MB again (gap 0); then the same with GAP seconds between the
 * unmap and the second map.  It prints, for each second touch, the CPU
 * time of this process (user, system) per 2 MB page and the huge pages
 * the kernel counted (thp_fault_alloc).  On a guest whose free memory is
 * handed back to the hypervisor (virtio-balloon free page reporting, two
 * seconds after it was freed), the second figure is the price of a frame
 * the host must fault in again, counted as the toucher's system time: the
 * cost a first load pays for every new page on a machine that was idle.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#define HUGE (2UL << 20)

static long
thp_faults(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "thp_fault_alloc %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static double
ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e3 + (double)tv->tv_usec / 1e3;
}

/* Maps, touches once a page and unmaps len bytes; prints the cost when
 * label is not NULL. */
static int
touch(size_t len, const char *label)
{
	struct rusage a, b;
	long t0, t1;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "fresh_pages: mmap: %s\n", strerror(errno));
		return -1;
	}
	(void)madvise(p, len, MADV_HUGEPAGE);
	t0 = thp_faults();
	getrusage(RUSAGE_SELF, &a);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	getrusage(RUSAGE_SELF, &b);
	t1 = thp_faults();
	munmap(p, len);
	if (label != NULL) {
		double pages = (double)len / HUGE;
		double u = ms(&b.ru_utime) - ms(&a.ru_utime);
		double s = ms(&b.ru_stime) - ms(&a.ru_stime);

		printf("%s: %.2f ms of CPU per 2 MB page (user %.2f, sys "
		       "%.2f), %ld huge pages (system-wide) for %.0f\n",
		    label, (u + s) / pages, u / pages, s / pages, t1 - t0,
		    pages);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	long mb = argc > 1 ? atol(argv[1]) : 128;
	long gap = argc > 2 ? atol(argv[2]) : 5;
	long rounds = argc > 3 ? atol(argv[3]) : 3;
	size_t len;
	char label[64];

	if (mb < 2 || mb > 65536 || gap < 0 || gap > 600 || rounds < 1) {
		fprintf(stderr, "usage: fresh_pages [MB [GAP [ROUNDS]]]\n");
		return 2;
	}
	len = (size_t)mb << 20;
	for (long r = 1; r <= rounds; r++) {
		struct timespec ts = { gap, 0 };

		if (touch(len, NULL) == -1)
			return 1;
		snprintf(
		    label, sizeof(label), "round %ld, freed 0 s before", r);
		if (touch(len, label) == -1)
			return 1;
		nanosleep(&ts, NULL);
		snprintf(label, sizeof(label), "round %ld, freed %ld s before",
		    r, gap);
		if (touch(len, label) == -1)
			return 1;
	}
	return 0;
}
