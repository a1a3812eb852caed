/* conf_fixture: see conf_fixture.h. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sb.h"
#include "schema/edit.h"
#include "tests/iked/conf_fixture.h"

void
ap(struct conf *c, const char *line)
{
	struct path_err err;
	struct sb warn;

	sb_init(&err.msg);
	sb_init(&warn);
	if (edit_apply_line(c, NULL, line, &err, &warn) != 0)
		ck_abort_msg("%s: %s", line, sb_str(&err.msg));
	sb_free(&err.msg);
	sb_free(&warn);
}

void
ap_lines(struct conf *c, const char *lines)
{
	char *buf = xstrdup(lines), *save = NULL;

	for (char *l = strtok_r(buf, ";", &save); l;
	     l = strtok_r(NULL, ";", &save))
		ap(c, l);
	free(buf);
}

void
same_iconf(const struct iconf *a, const struct iconf *b, const char *at)
{
	ck_assert_msg(a->npeer == b->npeer && a->nvpn == b->nvpn,
	    "%s: %zu/%zu peers, %zu/%zu VPNs", at, a->npeer, b->npeer, a->nvpn,
	    b->nvpn);
	for (size_t i = 0; i < a->npeer; i++)
		ck_assert_msg(iconf_peer_eq(&a->peer[i], &b->peer[i]),
		    "%s: peer %s differs", at, a->peer[i].name);
	for (size_t i = 0; i < a->nvpn; i++)
		ck_assert_msg(
		    memcmp(&a->vpn[i], &b->vpn[i], sizeof(a->vpn[i])) == 0,
		    "%s: vpn %s differs", at, a->vpn[i].name);
}
