/*
 * test_dp_pol: the userspace backend's policy-based VPNs (iked/dp_us_pol.c)
 * in a network namespace of the test's own (unshare: it goes with the
 * process; root only, 77 otherwise), with iproute2 as the witness:
 *   - a trap creates the device ipsec-policy, the rule `fwmark
 *     PVPN_MARK lookup PVPN_TABLE` and the default routes into the device
 *     in that table; close removes the rules;
 *   - a marked packet routed into the device that the trap's selectors
 *     hold (addresses, protocol and port) raises acquire for its tunnel;
 *     one outside them (another port, another network) does not; after
 *     trap_del nothing does.
 */
#include <check.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "iked/dp.h"
#include "lib/pvpn.h"
#include "tests/iked/dp_fixture.h"
#include "tests/lib/check_main.h"

static uint32_t acquired;

static void
on_acquire(void *ctx, uint32_t tunnel_id)
{
	(void)ctx;
	acquired = tunnel_id;
}

static const struct dp_events events = { .acquire = on_acquire };

static char *
run(const char *cmd)
{
	static char out[8192];
	FILE *f = popen(cmd, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	return out;
}

/* A UDP datagram from 10.1.0.1, marked as hostd marks a tunnel's flow. */
static void
send_marked(const char *dst, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint32_t mark = PVPN_MARK;
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in to = { .sin_family = AF_INET,
		.sin_port = htons(port) };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(
	    setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)), 0);
	inet_pton(AF_INET, "10.1.0.1", &src.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
	inet_pton(AF_INET, dst, &to.sin_addr);
	ck_assert_int_eq(
	    sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	close(fd);
}

/* Runs the loop for up to ms, or until acquire was called. */
static void
loop_for(struct event_base *base, int ms)
{
	for (int i = 0; i < ms / 10 && acquired == 0; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		poll(NULL, 0, 10);
	}
}

START_TEST(trap_routes_and_acquires)
{
	struct event_base *base = event_base_new();
	struct dp *dp = dp_userspace_ops.open(base, &events, NULL);
	struct dp_trap t = { .tunnel_id = 500009 };
	const char *s;

	ck_assert_ptr_nonnull(dp);
	t.nsel_local = t.nsel_remote = 1;
	sel4(&t.sel_local[0], "10.1.0.0", "10.1.0.255");
	sel4(&t.sel_remote[0], "10.2.0.0", "10.2.255.255");
	t.sel_remote[0].ipproto = IPPROTO_UDP;
	t.sel_remote[0].sport = t.sel_remote[0].eport = 9;
	ck_assert_int_eq(dp_userspace_ops.trap_set(dp, &t), 0);
	s = run("ip rule");
	ck_assert_msg(
	    strstr(s, "fwmark 0x100000/0x100000 lookup 4510"), "%s", s);
	s = run("ip route show table 4510");
	ck_assert_msg(strstr(s, "default dev " PVPN_IFNAME), "%s", s);
	s = run("ip -6 route show table 4510");
	ck_assert_msg(strstr(s, "default dev " PVPN_IFNAME), "%s", s);

	/* outside the selectors: no acquire */
	acquired = 0;
	send_marked("10.2.0.5", 10);
	send_marked("10.3.0.5", 9);
	loop_for(base, 500);
	ck_assert_uint_eq(acquired, 0);
	/* inside: the tunnel is asked for (on-traffic) */
	send_marked("10.2.0.5", 9);
	loop_for(base, 3000);
	ck_assert_uint_eq(acquired, 500009);
	/* the trap gone: the device stays, nothing asks */
	dp_userspace_ops.trap_del(dp, 500009);
	acquired = 0;
	send_marked("10.2.0.5", 9);
	loop_for(base, 500);
	ck_assert_uint_eq(acquired, 0);
	dp_userspace_ops.close(dp);
	s = run("ip rule");
	ck_assert_msg(strstr(s, "lookup 4510") == NULL, "%s", s);
	event_base_free(base);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dp-pol");
	TCase *tc = tcase_create("dp-pol");

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: needs root (a network namespace)\n");
		return 77;
	}
	if (system("ip link set lo up && ip addr add 10.1.0.1/24 dev lo") != 0)
		return 1;
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, trap_routes_and_acquires);
	suite_add_tcase(s, tc);
	return check_main(CHECK_NOFORK, s, NULL);
}
