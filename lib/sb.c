/*
 * sb: growable string buffer and the x* allocation wrappers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/sb.h"
#include "lib/wipe.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (p == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, m);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		fatal("out of memory (%zu bytes)", n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
sb_init(struct sb *sb)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void
sb_free(struct sb *sb)
{
	free(sb->buf);
	sb_init(sb);
}

void
sb_free_secure(struct sb *sb)
{
	if (sb->buf != NULL)
		wipe_bytes(sb->buf, sb->cap);
	sb_free(sb);
}

void
sb_reset(struct sb *sb)
{
	sb->len = 0;
	if (sb->buf != NULL)
		sb->buf[0] = '\0';
}

static void
sb_grow(struct sb *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need < sb->len)
		fatal("string buffer overflow");
	if (need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void
sb_reserve(struct sb *sb, size_t n)
{
	size_t need = sb->len + n + 1;

	if (need < sb->len)
		fatal("string buffer overflow");
	if (need > sb->cap) {
		sb->buf = xrealloc(sb->buf, need);
		if (sb->cap == 0)
			sb->buf[0] = '\0';
		sb->cap = need;
	}
}

void
sb_add(struct sb *sb, const char *s, size_t n)
{
	if (n == 0) {
		/* Still a valid empty string; s may be NULL. */
		sb_grow(sb, 0);
		sb->buf[sb->len] = '\0';
		return;
	}
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
sb_puts(struct sb *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void
sb_putc(struct sb *sb, char c)
{
	sb_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void
sb_printf(struct sb *sb, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t room;

	sb_grow(sb, 64);
	room = sb->cap - sb->len;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("sb_printf: bad format");
	if ((size_t)n >= room) {
		sb_grow(sb, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

void
sb_indent(struct sb *sb, int n)
{
	sb_grow(sb, (size_t)n);
	memset(sb->buf + sb->len, ' ', (size_t)n);
	sb->len += (size_t)n;
	sb->buf[sb->len] = '\0';
}

const char *
sb_str(struct sb *sb)
{
	return sb->buf ? sb->buf : "";
}

char *
sb_steal(struct sb *sb)
{
	char *s = sb->buf ? sb->buf : xstrdup("");

	sb_init(sb);
	return s;
}

void
sb_json_quote(struct sb *sb, const char *s)
{
	sb_putc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_printf(sb, "\\%c", *p);
		else if (*p == '\n')
			sb_puts(sb, "\\n");
		else if (*p == '\t')
			sb_puts(sb, "\\t");
		else if (*p == '\r')
			sb_puts(sb, "\\r");
		else if (*p < 0x20)
			sb_printf(sb, "\\u%04x", *p);
		else
			sb_putc(sb, (char)*p);
	}
	sb_putc(sb, '"');
}
