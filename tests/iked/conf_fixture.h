/*
 * conf_fixture: what the iked configuration tests (test_conf, test_conf_pol,
 * test_conf_delta) share: applying `set` lines to a tree, failing the test
 * with the line and its error, a change the check must refuse, and
 * comparing two built configurations.
 */
#ifndef QSAFE_TESTS_CONF_FIXTURE_H
#define QSAFE_TESTS_CONF_FIXTURE_H

#include "iked/conf.h"
#include "schema/conf.h"

/* A new tree of schema s with lines (NULL-terminated) applied; caller
 * frees. */
struct conf *conf_of(struct schema *s, const char *const *lines);
/* One line applied to c; the test fails on an error. */
void ap(struct conf *c, const char *line);
/* Lines separated by ';' applied in order. */
void ap_lines(struct conf *c, const char *lines);
/* A change (up to 3 lines) and the error iked's check names for it. */
struct conf_refusal {
	const char *lines[3];
	const char *edit, *stmt, *msg; /* msg: a part of the message */
};
/* r's lines applied to c; the test fails unless building c refuses them
 * with r's error. */
void assert_refused(struct conf *c, const struct conf_refusal *r);
/* a and b hold the same peers and VPNs; at names the step in a failure. */
void same_iconf(const struct iconf *a, const struct iconf *b, const char *at);

#endif
