/* dp_fixture: see dp_fixture.h. */
#include <check.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/iked/dp_fixture.h"

void
sel4(struct dp_sel *s, const char *lo, const char *hi)
{
	memset(s, 0, sizeof(*s));
	s->start.family = s->end.family = AF_INET;
	inet_pton(AF_INET, lo, &s->start.u.v4);
	inet_pton(AF_INET, hi, &s->end.u.v4);
	s->eport = 65535;
}

int
udp_bound(const char *addr, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	inet_pton(AF_INET, addr, &a.sin_addr);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

ssize_t
recv_poll(struct event_base *base, int fd, uint8_t *buf, size_t cap)
{
	for (int i = 0; i < 200; i++) {
		ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		event_base_loop(base, EVLOOP_NONBLOCK);
		poll(NULL, 0, 10);
	}
	return -1;
}
