/*
 * test_wipe: a secret received the way the daemons receive frames (a
 * bufferevent on a socket, msg_evbuf_pull, jansson) leaves no copy in the
 * heap once the message and the connection are freed, when wipe_init() is
 * installed (lib/wipe.h).
 *
 * The check (heap_has, heapscan.h) sees freed blocks as well as live
 * ones.  The first test
 * runs the same path without wipe_init() and expects the secret to be
 * found: it shows the scan sees what freeing leaves behind (glibc and ASan
 * keep a freed block's bytes), so the second test cannot pass by not
 * looking.  Each test runs in its own process (check forks), as the
 * allocators cannot be uninstalled.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "lib/msg.h"
#include "lib/wipe.h"
#include "tests/lib/heapscan.h"
#include "tests/lib/check_main.h"

#define SECRET_LEN 200

struct rx {
	json_t *m;
	bool bad;
};

/*
 * A secret that exists only at run time (not in the binary): the scan looks
 * for its middle 64 bytes, past the 16 bytes a freed block's list pointers
 * overwrite.
 */
static void
secret_make(char *s)
{
	memcpy(s, "wp-psk-", 7);
	for (size_t i = 7; i < SECRET_LEN; i++)
		s[i] = (char)('a' + (i * 7 + i / 26) % 26);
	s[SECRET_LEN] = '\0';
}

static void
rx_read(struct bufferevent *bev, void *arg)
{
	struct rx *rx = arg;

	if (rx->m == NULL)
		rx->m = msg_evbuf_pull(bufferevent_get_input(bev), &rx->bad);
}

/* One `set ... pre-shared-key` frame from the cli to a bufferevent reader. */
static void
receive_secret(const char *secret)
{
	struct event_base *base = event_base_new();
	struct timeval tick = { 0, 100000 };
	struct rx rx = { 0 };
	struct bufferevent *bev;
	json_t *body;
	int sv[2];

	ck_assert_ptr_nonnull(base);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, rx_read, NULL, NULL, &rx);
	bufferevent_enable(bev, EV_READ);
	body = json_pack("{s:s, s:s}", "op", "exec", "line", secret);
	ck_assert_int_eq(msg_send(sv[1], body), 0);
	json_decref(body);
	/* poll with a deadline: 50 ticks of 100 ms */
	for (int i = 0; i < 50 && rx.m == NULL && !rx.bad; i++) {
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
	ck_assert(!rx.bad);
	ck_assert_ptr_nonnull(rx.m);
	ck_assert_str_eq(msg_str(rx.m, "line"), secret);
	json_decref(rx.m);
	bufferevent_free(bev);
	close(sv[1]);
	event_base_free(base);
}

START_TEST(test_scan_finds_unwiped)
{
	char secret[SECRET_LEN + 1];

	secret_make(secret);
	receive_secret(secret);
	ck_assert_msg(heap_has(secret + 40, 64),
	    "without wipe_init the freed frame should still hold the secret");
}
END_TEST

START_TEST(test_received_secret_wiped)
{
	char secret[SECRET_LEN + 1];

	wipe_init();
	secret_make(secret);
	receive_secret(secret);
	ck_assert_msg(!heap_has(secret + 40, 64),
	    "a received secret was left in the heap");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("wipe");
	TCase *tc = tcase_create("receive");

	tcase_add_test(tc, test_scan_finds_unwiped);
	tcase_add_test(tc, test_received_secret_wiped);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
