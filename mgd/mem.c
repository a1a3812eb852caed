/*
 * mgd's memory settings, all in one place: where its heap lives (huge
 * pages, by executing itself once with a glibc tunable), how long freed
 * heap is kept (not trimmed or mapped apart per command), and where the
 * configuration trees take their chunks from (that heap).  Each costs
 * memory for CPU on this VM, whose page faults cost far more than the
 * memory they map (docs/benchmarks.md, thirteenth, twenty-fifth and
 * thirtieth rounds).
 */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "lib/msg.h"
#include "lib/sb.h"
#include "mgd/mem.h"
#include "schema/arena.h"

#define MEM_HUGETLB "glibc.malloc.hugetlb="

/*
 * The value of glibc.malloc.hugetlb in GLIBC_TUNABLES (name=value pairs
 * separated by ':'), -1 when it is not set: 0 off, 1 transparent huge
 * pages (madvise), 2 the reserved huge pages.  One reading for both
 * mem_exec_hugepages and mem_heap_trees.
 */
static int
mem_hugetlb(void)
{
	const char *p = getenv("GLIBC_TUNABLES");
	size_t n = strlen(MEM_HUGETLB);
	int v = -1;

	for (; p != NULL; p = strchr(p, ':'), p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, MEM_HUGETLB, n) == 0)
			v = atoi(p + n); /* the last one counts, as in glibc */
	return v;
}

/*
 * mgd's heap on huge pages where the system lets (transparent huge pages
 * in `madvise` mode, Debian's default; the arena of the trees is advised
 * already, schema/arena.c): glibc's malloc advises its heap and its mapped
 * blocks only when GLIBC_TUNABLES holds glibc.malloc.hugetlb=1, read at a
 * program's start, so mgd adds it and executes itself again, once, before
 * it has opened anything.  On this VM a page fault costs far more than the
 * memory it maps: a 200,000-line `load set` took 7,165 faults in its
 * parse, 41 with it, and the parse's CPU fell by a third (docs/benchmarks.md,
 * thirteenth round).  The daemons mgd starts inherit the setting.  The
 * cost: a heap grows by 2 MB pages.  Not for a privileged (AT_SECURE)
 * start, where glibc ignores the variable, nor when the operator set the
 * tunable himself (to any value).
 */
static void
mem_exec_hugepages(char **argv)
{
	const char *t = getenv("GLIBC_TUNABLES");
	char self[4096];
	ssize_t n;
	struct sb v;

	if (getauxval(AT_SECURE) != 0 || mem_hugetlb() != -1)
		return;
	/* the file itself, not /proc/self/exe: the process keeps its name
	 * (`exe` otherwise: ps, pgrep, the benches' per-process CPU) */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || (size_t)n >= sizeof(self) - 1)
		return;
	self[n] = '\0';
	if (access(self, X_OK) != 0)
		return; /* replaced or removed since it started */
	sb_init(&v);
	if (t != NULL && *t != '\0')
		sb_printf(&v, "%s:", t);
	sb_puts(&v, MEM_HUGETLB "1");
	if (setenv("GLIBC_TUNABLES", sb_str(&v), 1) == 0)
		execv(self, argv);
	/* (on as it is: the daemons still inherit the setting) */
	sb_free(&v);
}

/*
 * The trees' chunks from the same kept heap (schema/arena.h): a first
 * 200,000-line load freed its file's text before the commit made the
 * delta, and the delta before the copy of the tree after the reply, yet
 * each took fresh 2 MB pages of its own, which this VM's free page
 * reporting makes cost 2.5-6.5 ms each when the memory was idle
 * (docs/benchmarks.md, twenty-fifth and thirtieth rounds).  One malloc
 * arena: the copying thread (candidate.c) then allocates from the heap
 * the loop freed, not from a thread arena of fresh pages; its few large
 * allocations hardly contend with the loop.  Only where the heap is on
 * huge pages (mem_exec_hugepages took): small pages would cost a fault
 * each 4 KB.
 */
static void
mem_heap_trees(void)
{
	int h = mem_hugetlb();

	if (h != 1 && h != 2)
		return;
	mallopt(M_ARENA_MAX, 1);
	arena_chunks_from_heap(true);
}

static void *
mem_thread_noop(void *arg)
{
	return arg;
}

/*
 * A thread started and joined at once, before any large block: glibc
 * keeps its stack for the next thread, with the stack's thread-local
 * block table (a small heap block, calloc'ed with a new stack).  The
 * first thread otherwise takes that block where it is started: a load's
 * journal thread (mgd/load_journal.c) put it just after the load's 17.5
 * MB text, which, freed, then could not join the blocks freed beside it,
 * and the commit's store took 8 fresh 2 MB pages for its record of the
 * delta (docs/benchmarks.md, forty-seventh round).
 */
static void
mem_thread_stack(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, mem_thread_noop, NULL) == 0)
		pthread_join(t, NULL);
}

void
mem_setup(char **argv)
{
	mem_exec_hugepages(argv);
	/*
	 * Blocks up to twice a frame's size (the doubling buffer of a 34 MB
	 * `| display json`) come from the heap, and freed heap is kept for
	 * the next command: a 17 MB `display set` rendered into
	 * fresh pages of its own (mmap, or heap trimmed back) each time took
	 * a page fault every 4 KB, 130 of mgd's 160 ms CPU a show.  The cost:
	 * mgd keeps its peak heap (the trees it held, plus about twice its
	 * largest output) rather than handing it back between commands.
	 */
	mallopt(M_MMAP_THRESHOLD, (int)(2 * MSG_MAX_BODY));
	mallopt(M_TRIM_THRESHOLD, (int)(2 * MSG_MAX_BODY));
	mem_heap_trees();
	mem_thread_stack();
}
