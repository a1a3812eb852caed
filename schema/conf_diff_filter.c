/*
 * conf_diff_filter: the lines of a delta that a daemon is sent, by the
 * top paths it owns (conf_diff.h).  Text in, text out: no tree.
 */
#include <string.h>

#include "schema/conf_diff.h"

/*
 * Is the path of a delta line (the words after the command word, to the end
 * of the line) at or under one of the prefixes, or above one (`delete
 * security` removes `security ike` too)?
 */
static bool
diff_path_concerns(
    const char *path, size_t len, const char *const *prefixes, size_t np)
{
	for (size_t i = 0; i < np; i++) {
		size_t pl = strlen(prefixes[i]);
		if (len >= pl && memcmp(path, prefixes[i], pl) == 0 &&
		    (len == pl || path[pl] == ' '))
			return true;
		if (len < pl && memcmp(prefixes[i], path, len) == 0 &&
		    prefixes[i][len] == ' ')
			return true;
	}
	return false;
}

bool
diff_line_concerns(
    const char *line, size_t len, const char *const *prefixes, size_t nprefix)
{
	const char *sp = memchr(line, ' ', len);

	return sp != NULL &&
	    diff_path_concerns(
		sp + 1, (size_t)(line + len - sp - 1), prefixes, nprefix);
}

void
diff_delta_filter(const char *text, size_t len, const char *const *prefixes,
    size_t nprefix, struct sb *out)
{
	const char *p = text, *end = text + len, *run = NULL;

	/*
	 * The delta is in the configuration's order, so a subtree's lines
	 * come together: each run of wanted lines is copied by one sb_add
	 * (a 13 MB delta: one copy, not 200,000 and the buffer's doublings).
	 */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool want = diff_line_concerns(p, l, prefixes, nprefix);
		if (want && run == NULL)
			run = p;
		else if (!want && run != NULL) {
			sb_add(out, run, (size_t)(p - run));
			run = NULL;
		}
		p += l + (nl != NULL);
	}
	if (run != NULL) {
		sb_add(out, run, (size_t)(end - run));
		if (end[-1] != '\n')
			sb_putc(out, '\n');
	}
}
