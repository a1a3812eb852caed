/* conf_fixture: see conf_fixture.h. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sb.h"
#include "schema/edit.h"
#include "tests/iked/conf_fixture.h"

struct conf *
conf_of(struct schema *s, const char *const *lines)
{
	struct conf *c = conf_new(s);

	for (size_t i = 0; lines[i] != NULL; i++)
		ap(c, lines[i]);
	return c;
}

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
assert_refused(struct conf *c, const struct conf_refusal *r)
{
	struct verrs errs = { 0 };
	bool found = false;

	for (size_t k = 0; k < 3 && r->lines[k] != NULL; k++)
		ap(c, r->lines[k]);
	iconf_free(iconf_new(c, NULL, &errs));
	ck_assert_msg(errs.n > 0, "%s: not refused", r->lines[0]);
	for (size_t i = 0; i < errs.n && !found; i++)
		found = strcmp(errs.v[i].edit, r->edit) == 0 &&
		    strcmp(errs.v[i].stmt, r->stmt) == 0 &&
		    strstr(errs.v[i].msg, r->msg) != NULL;
	ck_assert_msg(found, "%s: got %s '%s' %s", r->lines[0], errs.v[0].edit,
	    errs.v[0].stmt, errs.v[0].msg);
	verrs_free(&errs);
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
