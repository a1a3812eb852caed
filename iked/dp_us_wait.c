/*
 * dp_us_wait: how the packet threads of the userspace dataplane wait for
 * work (dp_us.h has the design).
 *
 * Idle and busy.  A ping through the tunnel wakes a thread at each of its
 * four crossings (A's TUN, B's socket, B's TUN, A's socket), and on this
 * VM (Firecracker, shadow paging) a wakeup costs tens of microseconds of
 * a cold start besides the switch.  With a thread per side, B's reply,
 * put into st0.0 while B's rx thread writes the request, also woke B's tx
 * thread, which found nothing (rx had sent it, dp_tx_tun_try): ~6
 * context switches per ping against ~3.4 of the smallest forwarder
 * (bench/tun_floor.c, docs/benchmarks.md).  So while traffic is light
 * one thread serves both sides as that forwarder does: the rx thread's
 * epoll holds the devices' epoll (epoll_tx, nested), and the tx thread
 * sleeps in epoll_park.  A device read that cuts at least DP_BUSY_SEGS
 * packets (a TCP super-packet, a burst) is a transfer: rx takes epoll_tx
 * out of its epoll and kicks tx, and the two sides run on two threads as
 * before, for throughput.  When tx has waited dp->idle_ms
 * (QSAFE_DP_IDLE_MS, 0: never) without a device's packet it hands the
 * devices back to rx and parks.  The switches are under modelock, each
 * one epoll_ctl; epoll is level triggered, so a packet that comes during
 * one is seen by whichever thread waits next.
 *
 * Linger.  After it has moved packets a thread lingers: for
 * dp->linger_us more it polls both sides without sleeping, taking the
 * other side's packets when that side is free (trylock), and starts again
 * from the last packet it moved.  QSAFE_DP_LINGER_US (read at open, 0:
 * off, the default: it measured no gain here).  Idle, nothing moves and
 * nothing polls: the threads sleep in epoll_wait with no timeout.
 */
#include <sched.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "iked/dp_us.h"

/*
 * A packet thread's scheduling hint: a short slice (EEVDF's custom
 * slice, Linux 6.12: sched_attr.sched_runtime for SCHED_OTHER) lets it
 * preempt on wakeup instead of queueing behind a busy task: latency
 * without more CPU.  Older kernels ignore it or refuse; either is fine.
 */
static void
dp_thread_latency(void)
{
	struct {
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t priority;
		uint64_t runtime, deadline, period;
	} attr = { .size = 48, .policy = SCHED_OTHER, .runtime = 100000 };

	if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) {
		/* not this kernel */
	}
}

static uint64_t
dp_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* rx: sock's datagrams; own: the rx thread (waits for rxlock). */
static size_t
dp_rx_run(struct dp *dp, int sock, bool own)
{
	size_t n;

	if (own)
		pthread_mutex_lock(&dp->rxlock);
	else if (pthread_mutex_trylock(&dp->rxlock) != 0)
		return 0; /* the rx thread is at it */
	n = dp_rx_sock(dp, sock);
	pthread_mutex_unlock(&dp->rxlock);
	return n;
}

static bool
dp_tx_busy(struct dp *dp)
{
	bool busy;

	pthread_mutex_lock(&dp->modelock);
	busy = dp->tx_busy;
	pthread_mutex_unlock(&dp->modelock);
	return busy;
}

/* rx, after a burst from a device: the devices to the tx thread. */
static void
dp_wait_busy(struct dp *dp)
{
	uint64_t one = 1;

	pthread_mutex_lock(&dp->modelock);
	if (!dp->tx_busy) {
		epoll_ctl(dp->epoll_rx, EPOLL_CTL_DEL, dp->epoll_tx, NULL);
		dp->tx_busy = true;
		if (write(dp->kick_fd, &one, sizeof(one)) < 0) {
			/* the counter is full: tx is woken anyway */
		}
	}
	pthread_mutex_unlock(&dp->modelock);
}

/* tx, after idle_ms without a packet: the devices back to rx. */
static void
dp_wait_idle(struct dp *dp)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = dp->epoll_tx };

	pthread_mutex_lock(&dp->modelock);
	if (epoll_ctl(dp->epoll_rx, EPOLL_CTL_ADD, dp->epoll_tx, &ev) == 0)
		dp->tx_busy = false;
	pthread_mutex_unlock(&dp->modelock);
}

/* tx, idle: sleeps until kicked; -1 when the dataplane stops. */
static int
dp_tx_park(struct dp *dp)
{
	struct epoll_event evs[2];
	uint64_t v;
	int n;

	n = epoll_wait(dp->epoll_park, evs, 2, -1);
	for (int i = 0; i < n; i++) {
		if (evs[i].data.fd == dp->stop_fd)
			return -1;
		if (read(dp->kick_fd, &v, sizeof(v)) < 0) {
			/* another look at tx_busy decides */
		}
	}
	return 0;
}

int
dp_wait_init(struct dp *dp)
{
	struct epoll_event ev = { .events = EPOLLIN };

	dp->epoll_park = epoll_create1(EPOLL_CLOEXEC);
	dp->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (dp->epoll_park < 0 || dp->kick_fd < 0)
		return -1;
	ev.data.fd = dp->stop_fd;
	if (epoll_ctl(dp->epoll_park, EPOLL_CTL_ADD, dp->stop_fd, &ev) < 0)
		return -1;
	ev.data.fd = dp->kick_fd;
	if (epoll_ctl(dp->epoll_park, EPOLL_CTL_ADD, dp->kick_fd, &ev) < 0)
		return -1;
	dp->tx_busy = true;
	if (dp->idle_ms > 0)
		dp_wait_idle(dp);
	return 0;
}

void
dp_wait_close(struct dp *dp)
{
	if (dp->epoll_park >= 0)
		close(dp->epoll_park);
	if (dp->kick_fd >= 0)
		close(dp->kick_fd);
	pthread_mutex_destroy(&dp->modelock);
}

static int dp_side_run(
    struct dp *dp, bool tx, int timeout, bool own, size_t *moved);

/*
 * rx, idle: the devices' ready packets (epoll_tx nested in epoll_rx) sent
 * as tx would; a burst hands the devices to tx.  -1: the dataplane stops.
 */
static int
dp_rx_devices(struct dp *dp, bool own, size_t *moved)
{
	size_t before = *moved;

	if (dp_side_run(dp, true, 0, own, moved) == -1)
		return -1;
	if (*moved - before >= DP_BUSY_SEGS)
		dp_wait_busy(dp);
	return 0;
}

/*
 * One look at one side's epoll, waiting up to timeout ms (-1: until
 * something is ready), and the work found there done; own: the side of
 * the calling thread (its lock waited for), else only if free.  *moved
 * counts the packets.  0 when it timed out, 1 when it saw events or a
 * signal interrupted it, -1 when the dataplane stops (stop_fd, in both).
 */
static int
dp_side_run(struct dp *dp, bool tx, int timeout, bool own, size_t *moved)
{
	struct epoll_event evs[16];
	int n;

	n = epoll_wait(tx ? dp->epoll_tx : dp->epoll_rx, evs, 16, timeout);
	for (int i = 0; i < n; i++) {
		if (tx && evs[i].data.ptr == NULL)
			return -1;
		if (!tx && evs[i].data.fd == dp->stop_fd)
			return -1;
		if (tx)
			*moved += own ? dp_tx_tun(dp, evs[i].data.ptr)
				      : dp_tx_tun_try(dp, evs[i].data.ptr);
		else if (evs[i].data.fd == dp->epoll_tx) {
			if (dp_rx_devices(dp, own, moved) == -1)
				return -1;
		} else
			*moved += dp_rx_run(dp, evs[i].data.fd, own);
	}
	return n == 0 ? 0 : 1;
}

/*
 * After moving packets: both sides polled, no sleep, until linger_us
 * pass without a packet.  Bounded by the traffic: with none it ends
 * linger_us after the last packet.  -1: the dataplane stops.
 */
static int
dp_linger(struct dp *dp, bool tx)
{
	uint64_t now = dp_now_us(), end = now + dp->linger_us;
	size_t moved;

	while (now < end) {
		moved = 0;
		if (dp_side_run(dp, tx, 0, true, &moved) == -1 ||
		    dp_side_run(dp, !tx, 0, false, &moved) == -1)
			return -1;
		now = dp_now_us();
		if (moved > 0)
			end = now + dp->linger_us;
		else
			sched_yield(); /* what woke meanwhile runs first */
	}
	return 0;
}

static void *
dp_thread_main(struct dp *dp, bool tx)
{
	size_t moved;
	int n, timeout = tx && dp->idle_ms > 0 ? (int)dp->idle_ms : -1;

	dp_thread_latency();
	for (;;) {
		if (tx && !dp_tx_busy(dp)) {
			if (dp_tx_park(dp) == -1)
				return NULL;
			continue;
		}
		moved = 0;
		if ((n = dp_side_run(dp, tx, timeout, true, &moved)) == -1)
			return NULL;
		if (tx && n == 0) /* idle_ms without a packet */
			dp_wait_idle(dp);
		if (moved > 0 && dp->linger_us > 0 && dp_linger(dp, tx) == -1)
			return NULL;
	}
}

void *
dp_rx_main(void *arg)
{
	return dp_thread_main(arg, false);
}

void *
dp_tx_main(void *arg)
{
	return dp_thread_main(arg, true);
}
