/*
 * dp_fixture: what the dataplane tests in a namespace of their own
 * (test_dp_udp, test_dp_p2mp, test_dp_pol, test_xfrm) share: an IPv4
 * selector, a bound UDP socket, and a datagram read while the loop runs.
 */
#ifndef QSAFE_TESTS_DP_FIXTURE_H
#define QSAFE_TESTS_DP_FIXTURE_H

#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>

#include "iked/dp.h"

/* s: the addresses lo..hi (IPv4), every port. */
void sel4(struct dp_sel *s, const char *lo, const char *hi);
/* A non-blocking UDP socket bound to addr:port; the test fails if not. */
int udp_bound(const char *addr, uint16_t port);
/* One datagram from fd within 2 s, base's loop run meanwhile; its length,
 * or -1. */
ssize_t recv_poll(struct event_base *base, int fd, uint8_t *buf, size_t cap);

#endif
