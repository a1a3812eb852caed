/*
 * conf_fixture: what the iked configuration tests (test_conf, test_conf_pol,
 * test_conf_delta) share: applying `set` lines to a tree, failing the test
 * with the line and its error, and comparing two built configurations.
 */
#ifndef QSAFE_TESTS_CONF_FIXTURE_H
#define QSAFE_TESTS_CONF_FIXTURE_H

#include "iked/conf.h"
#include "schema/conf.h"

/* One line applied to c; the test fails on an error. */
void ap(struct conf *c, const char *line);
/* Lines separated by ';' applied in order. */
void ap_lines(struct conf *c, const char *lines);
/* a and b hold the same peers and VPNs; at names the step in a failure. */
void same_iconf(const struct iconf *a, const struct iconf *b, const char *at);

#endif
