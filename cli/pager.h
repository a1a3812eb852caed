/*
 * pager: Junos' ---(more N%)--- for interactive output longer than the
 * screen.  Keys: space = next page, Enter = next line, q = quit,
 * /text = search forward and show a page from the first line after the
 * current one that contains text.  The more-prompt is erased after each key.
 */
#ifndef QSAFE_CLI_PAGER_H
#define QSAFE_CLI_PAGER_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Print text to out, stopping every rows - 1 screen rows (rows <= 1 or text
 * that fits: no stops; a line wider than cols counts the rows it wraps to;
 * cols 0: the terminal's width, when out is one) and reading keys from
 * in_fd (put in raw mode while waiting when it is a terminal).  Returns 0,
 * or -1 on a read error.
 */
int pager_show(const char *text, int rows, int cols, int in_fd, FILE *out);
/*
 * Something else the pager listens to while it waits for a key: when fd is
 * readable it erases its more-prompt, calls ready(arg) (which may print,
 * a broadcast from mgd) and shows the more-prompt again.  ready returns -1
 * when fd is gone (the pager stops listening to it).
 */
struct pager_side {
	int fd;
	int (*ready)(void *arg);
	void *arg;
};

/* The same; with hold (`| hold`) the pager stays at its prompt at the end
 * of the text until q; side NULL or as above. */
int pager_show_hold(const char *text, int rows, int cols, int in_fd, FILE *out,
    bool hold, const struct pager_side *side);

/* The rows / columns of the terminal on fd, or 0 when unknown. */
int pager_term_rows(int fd);
int pager_term_cols(int fd);

#endif
