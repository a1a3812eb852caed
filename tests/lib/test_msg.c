/*
 * test_msg: the frame decoder on a session's socket (lib/msg.c): a frame
 * comes back whole, a partial one waits, and a frame without its JSON is
 * malformed.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/buffer.h>

#include "lib/msg.h"

START_TEST(test_frame_round_trip)
{
	struct evbuffer *in = evbuffer_new();
	json_t *body = json_pack("{s:s}", "op", "exec"), *m;
	size_t len;
	char *frame = msg_frame_new(body, &len);
	bool bad = true;

	/* all but the last byte: nothing yet, and not bad */
	evbuffer_add(in, frame, len - 1);
	ck_assert_ptr_null(msg_evbuf_pull(in, &bad));
	ck_assert(!bad);
	evbuffer_add(in, frame + len - 1, 1);
	m = msg_evbuf_pull(in, &bad);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(msg_str(m, "op"), "exec");
	json_decref(m);
	json_decref(body);
	free(frame);
	evbuffer_free(in);
}
END_TEST

/* Found by fuzz_msg under clang's UBSan: zero bytes of JSON. */
START_TEST(test_frame_without_json)
{
	struct evbuffer *in = evbuffer_new();
	static const char hdr[8] = { 0 };
	bool bad = false;

	evbuffer_add(in, hdr, sizeof(hdr));
	ck_assert_ptr_null(msg_evbuf_pull(in, &bad));
	ck_assert(bad);
	evbuffer_free(in);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("msg");
	TCase *tc = tcase_create("frames");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_frame_round_trip);
	tcase_add_test(tc, test_frame_without_json);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
