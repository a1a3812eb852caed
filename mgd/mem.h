/*
 * mgd's memory settings (mem.c): glibc's malloc on huge pages, the heap
 * kept between commands, the trees' chunks from that heap.
 */
#ifndef QSAFE_MGD_MEM_H
#define QSAFE_MGD_MEM_H

/* Once, first thing in main(), before anything is opened: may execute
 * mgd again (argv as given); returns otherwise. */
void mem_setup(char **argv);

#endif
