/*
 * sb: a growable string buffer.  Output of every renderer goes through it.
 * Allocation failure is fatal (an appliance out of memory cannot recover).
 */
#ifndef QSAFE_SB_H
#define QSAFE_SB_H

#include <stddef.h>

struct sb {
	char *buf;
	size_t len;
	size_t cap;
};

void sb_init(struct sb *sb);
void sb_free(struct sb *sb);
/* Wipe the contents (secrets) before freeing. */
void sb_free_secure(struct sb *sb);
void sb_reset(struct sb *sb);
/* Room for n more bytes without a copy as it grows (a text whose size is
 * known ahead: a 13 MB load's doublings copy 26 MB). */
void sb_reserve(struct sb *sb, size_t n);
void sb_add(struct sb *sb, const char *s, size_t n);
void sb_puts(struct sb *sb, const char *s);
void sb_putc(struct sb *sb, char c);
void sb_printf(struct sb *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sb_indent(struct sb *sb, int n);
/* s as a JSON string literal, quotes included. */
void sb_json_quote(struct sb *sb, const char *s);
/* Returns the string (always NUL-terminated, "" when empty); borrowed. */
const char *sb_str(struct sb *sb);
/* Hands the buffer to the caller (who frees it) and resets the sb. */
char *sb_steal(struct sb *sb);

/*
 * A reader of a text while it is written into an sb: a writer that knows
 * where its lines end calls sb_sink_line(k, out) there, and part(arg, text,
 * len) gets each new stretch of out once it reaches step bytes (whole
 * lines; borrowed, valid during the call: out may move as it grows).  What
 * is left after the last call (sent to out->len) is the caller's to hand
 * on.  mgd's delta goes to the daemons this way while it is built
 * (mgd/backend_check.c).  k NULL: no reader, nothing done.
 */
struct sb_sink {
	size_t step;
	size_t sent; /* bytes of out handed to part */
	void (*part)(void *arg, const char *text, size_t len);
	void *arg;
};

static inline void
sb_sink_line(struct sb_sink *k, const struct sb *out)
{
	if (k != NULL && out->len - k->sent >= k->step) {
		size_t from = k->sent;
		k->sent = out->len;
		k->part(k->arg, out->buf + from, out->len - from);
	}
}

/* Small helpers every module wants. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
