/*
 * dp_us_wait: how the packet threads of the userspace dataplane wait for
 * work (dp_us.h has the design).  Each sleeps in epoll on its own side
 * (tx: the TUN devices; rx: the ESP sockets) and, after it has moved
 * packets, lingers: for dp->linger_us more it polls both sides without
 * sleeping, taking the other side's packets when that side is free
 * (trylock), and starts again from the last packet it moved.
 *
 * Why: a packet that finds its thread asleep pays a wakeup, and on a
 * virtual machine with idle cores a wakeup is an IPI to a halted vCPU
 * plus a cold start, tens to hundreds of microseconds.  A ping through
 * the tunnel met three of them in iked (the sender's tx, the peer's rx,
 * the sender's rx for the reply); the sender's tx thread, lingering after
 * the request, now takes the reply itself when it comes back within the
 * linger.  Idle, nothing moves and nothing polls: the threads sleep in
 * epoll_wait with no timeout.  QSAFE_DP_LINGER_US (read at open, 0: off)
 * sets the linger; docs/benchmarks.md has what it costs and saves.
 */
#include <sched.h>
#include <stdint.h>
#include <sys/epoll.h>
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

/*
 * One look at one side's epoll, waiting up to timeout ms (-1: until
 * something is ready), and the work found there done; own: the side of
 * the calling thread (its lock waited for), else only if free.  *moved
 * counts the packets; -1 when the dataplane stops (stop_fd, in both).
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
		else
			*moved += dp_rx_run(dp, evs[i].data.fd, own);
	}
	return 0;
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

	dp_thread_latency();
	for (;;) {
		moved = 0;
		if (dp_side_run(dp, tx, -1, true, &moved) == -1)
			return NULL;
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
