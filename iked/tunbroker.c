/*
 * tunbroker: /dev/net/tun descriptors for the unprivileged network
 * process (tunbroker.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iked/ca.h"
#include "iked/tunbroker.h"
#include "lib/log.h"

#define TUNB_NODE "/dev/net/tun"

/* One reply: a zero byte with the descriptor, or the errno byte alone. */
static int
tunb_reply(int sock, int fd, int err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	uint8_t b = (uint8_t)(err > 255 ? EIO : err);
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		c.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&c.h), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* Until the parent closes its end: a descriptor per byte read. */
static int
tunb_main(int sock)
{
	uint8_t req;
	ssize_t n;

	while ((n = read(sock, &req, 1)) == 1 || (n == -1 && errno == EINTR)) {
		if (n != 1)
			continue;
		int fd = open(TUNB_NODE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		int rc = tunb_reply(sock, fd, fd >= 0 ? 0 : errno);
		if (fd >= 0)
			close(fd);
		if (rc == -1)
			return 1;
	}
	return n == 0 ? 0 : 1;
}

pid_t
tunb_spawn(int *fd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/* only stdio and our end, as fd 3 (as the ca process) */
		if (sv[1] != 3) {
			if (dup2(sv[1], 3) == -1)
				_exit(1);
			sv[1] = 3;
		}
		if (close_range(4, ~0U, 0) == -1)
			for (long i = 4, max = sysconf(_SC_OPEN_MAX); i < max;
			     i++)
				(void)close((int)i);
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		(void)prctl(PR_SET_NAME, "iked-tunbroker", 0, 0, 0);
		ca_confine();
		_exit(tunb_main(sv[1]));
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

int
tunb_open(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	uint8_t b = 'T';
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = c.buf,
		.msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h;
	ssize_t n;
	int fd = -1;

	if (write(sock, &b, 1) != 1)
		return -1;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n != 1) {
		errno = n == 0 ? EPIPE : errno;
		return -1;
	}
	for (h = CMSG_FIRSTHDR(&m); h != NULL; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
		    h->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(h), sizeof(int));
	if (b != 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		errno = b != 0 ? b : EPROTO;
		return -1;
	}
	return fd;
}
