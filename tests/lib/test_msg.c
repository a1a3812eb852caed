/*
 * test_msg: the frame decoder on a session's socket (lib/msg.c): a frame
 * comes back whole, a partial one waits, and a frame without its JSON is
 * malformed; msg_recv_raw leaves the named large attachment in the frame,
 * byte for byte, and checks it as msg_recv would only when asked;
 * msg_bev_send_sb sends the frame msg_frame_new would, without a copy;
 * with raw.stream the attachment stays in the socket until it is copied
 * out, read, or dropped, and the next frame comes whole after it;
 * msg_evbuf_pull_raw leaves raw, byte for byte, what msg_send_attach sent
 * from its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "lib/sb.h"

#include "lib/msg.h"
#include "tests/lib/check_main.h"

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

/*
 * A large check frame's parts: text (len bytes of lines, then a NUL), its
 * JSON js naming the attachment, and the 8-byte header hdr; returns js's
 * length.
 */
static size_t
t_large_frame(char *text, size_t len, char *js, size_t jsz, unsigned char *hdr)
{
	size_t n;

	for (size_t i = 0; i < len; i++)
		text[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	text[len] = '\0';
	snprintf(
	    js, jsz, "{\"op\":\"check\",\"attach\":[[\"config\",%zu]]}", len);
	n = strlen(js);
	for (int i = 0; i < 4; i++) {
		hdr[i] = (unsigned char)(n >> (24 - 8 * i));
		hdr[4 + i] = (unsigned char)(len >> (24 - 8 * i));
	}
	return n;
}

/* A frame of JSON text js and attachment bytes att, written to fd. */
static void
t_write_frame(int fd, const char *js, const char *att, size_t alen)
{
	unsigned char hdr[8];
	size_t n = strlen(js);

	for (int i = 0; i < 4; i++) {
		hdr[i] = (unsigned char)(n >> (24 - 8 * i));
		hdr[4 + i] = (unsigned char)(alen >> (24 - 8 * i));
	}
	ck_assert_int_eq(write(fd, hdr, 8), 8);
	ck_assert_int_eq(write(fd, js, n), (ssize_t)n);
	ck_assert_int_eq(write(fd, att, alen), (ssize_t)alen);
}

START_TEST(test_recv_raw)
{
	enum { N = MSG_ATTACH_MIN + 1000 };
	char *text = malloc(N + 1);
	char js[128];
	struct msg_raw raw = { .key = "output" };
	json_t *body, *m;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (size_t i = 0; i < N; i++)
		text[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	text[N] = '\0';
	/* msg_send's frame: the output as an attachment, left raw */
	body = json_pack("{s:i, s:s}", "id", 7, "output", text);
	ck_assert_int_eq(msg_send(sv[0], body), 0);
	m = msg_recv_raw(sv[1], 1000, &raw);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(msg_int(m, "id", 0), 7);
	ck_assert_ptr_null(json_object_get(m, "output"));
	ck_assert_ptr_null(json_object_get(m, "attach"));
	ck_assert_uint_eq(raw.len, N);
	ck_assert_str_eq(raw.p, text);
	/* made a member after all: the same text */
	ck_assert_int_eq(msg_raw_to_json(m, &raw), 0);
	ck_assert_str_eq(msg_str(m, "output"), text);
	ck_assert_ptr_null(raw.frame);
	json_decref(m);
	/* another key: decoded as msg_recv does */
	raw.key = "other";
	ck_assert_int_eq(msg_send(sv[0], body), 0);
	m = msg_recv_raw(sv[1], 1000, &raw);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_null(raw.p);
	ck_assert_str_eq(msg_str(m, "output"), text);
	json_decref(m);
	json_decref(body);
	/* not UTF-8: msg_recv refuses the frame; raw keeps the bytes and
	 * msg_raw_to_json refuses them */
	text[100] = (char)0xff;
	snprintf(js, sizeof(js), "{\"id\":8,\"attach\":[[\"output\",%d]]}", N);
	t_write_frame(sv[0], js, text, N);
	ck_assert_ptr_null(msg_recv(sv[1], 1000));
	raw.key = "output";
	t_write_frame(sv[0], js, text, N);
	m = msg_recv_raw(sv[1], 1000, &raw);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(raw.len, N);
	ck_assert_int_eq(memcmp(raw.p, text, N), 0);
	ck_assert_int_eq(msg_raw_to_json(m, &raw), -1);
	ck_assert_ptr_null(json_object_get(m, "output"));
	json_decref(m);
	msg_raw_free(&raw);
	free(text);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* What bev's output buffer holds, as one new string of *lenp bytes. */
static char *
t_pending(struct bufferevent *bev, size_t *lenp)
{
	struct evbuffer *o = bufferevent_get_output(bev);
	char *p;

	*lenp = evbuffer_get_length(o);
	p = malloc(*lenp + 1);
	ck_assert_int_eq(evbuffer_copyout(o, p, *lenp), (ev_ssize_t)*lenp);
	return p;
}

/*
 * `show configuration` of 17 MB: the text goes as the reply's "output"
 * without a copy, and the bytes on the socket are the frame msg_frame_new
 * makes of the reply with the member, other big members first.
 */
START_TEST(test_send_sb)
{
	enum { N = MSG_ATTACH_MIN + 1000 };
	struct event_base *base = event_base_new();
	struct bufferevent *bev;
	struct sb att;
	json_t *body, *full, *m;
	char *text = malloc(N + 1), *want, *got;
	size_t wlen, glen;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	bev = bufferevent_socket_new(base, sv[0], 0);
	/* (the test reads what the bufferevent would write) */
	evbuffer_unfreeze(bufferevent_get_output(bev), 1);
	for (size_t i = 0; i < N; i++)
		text[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	text[N] = '\0';
	body = json_pack("{s:i, s:s}", "id", 9, "before", text + 1);
	full = json_deep_copy(body);
	json_object_set_new(full, "output", json_string(text));
	want = msg_frame_new(full, &wlen);
	ck_assert_ptr_nonnull(want);
	sb_init(&att);
	sb_puts(&att, text);
	/* a body that has the member already is refused, att kept */
	ck_assert_int_eq(msg_bev_send_sb(bev, full, "output", &att), -1);
	ck_assert_uint_eq(att.len, N);
	ck_assert_int_eq(msg_bev_send_sb(bev, body, "output", &att), 0);
	ck_assert_uint_eq(att.len, 0);
	ck_assert_ptr_null(att.buf);
	got = t_pending(bev, &glen);
	ck_assert_uint_eq(glen, wlen);
	ck_assert_int_eq(memcmp(got, want, wlen), 0);
	free(got);
	/* an empty att: the peer reads the member, empty */
	evbuffer_drain(bufferevent_get_output(bev), glen);
	ck_assert_int_eq(msg_bev_send_sb(bev, body, "output", &att), 0);
	got = t_pending(bev, &glen);
	ck_assert_int_eq(write(sv[0], got, glen), (ssize_t)glen);
	m = msg_recv(sv[1], 1000);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(msg_str(m, "output"), "");
	ck_assert_str_eq(msg_str(m, "before"), text + 1);
	json_decref(m);
	free(got);
	free(want);
	bufferevent_free(bev);
	event_base_free(base);
	json_decref(body);
	json_decref(full);
	free(text);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_recv_stream)
{
	enum { N = 3 * MSG_ATTACH_MIN + 7 };
	char *text = malloc(N + 1), *copy = malloc(N + 1);
	struct msg_raw raw = { .key = "output", .stream = true };
	json_t *body, *m;
	FILE *f = tmpfile();
	char last = 0;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* (the socket holds three frames: the writer must not wait) */
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF,
			     &(int){ 4 * N }, sizeof(int)),
	    0);
	for (size_t i = 0; i < N; i++)
		text[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	text[N] = '\0';
	body = json_pack("{s:i, s:s}", "id", 7, "output", text);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(msg_send(sv[0], body), 0);
	/* copied out: the bytes as they were sent, the last one known */
	m = msg_recv_raw(sv[1], 1000, &raw);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(msg_int(m, "id", 0), 7);
	ck_assert_ptr_null(raw.p);
	ck_assert_uint_eq(raw.left, N);
	ck_assert_int_eq(msg_raw_copy(&raw, fileno(f), 1000, &last), 0);
	ck_assert_uint_eq(raw.left, 0);
	ck_assert_int_eq(last, text[N - 1]);
	rewind(f);
	ck_assert_uint_eq(fread(copy, 1, N + 1, f), N);
	ck_assert_int_eq(memcmp(copy, text, N), 0);
	json_decref(m);
	/* read after all: as msg_recv_raw without stream */
	m = msg_recv_raw(sv[1], 1000, &raw);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(msg_raw_pull(&raw, 1000), 0);
	ck_assert_uint_eq(raw.len, N);
	ck_assert_str_eq(raw.p, text);
	ck_assert_int_eq(msg_raw_to_json(m, &raw), 0);
	ck_assert_str_eq(msg_str(m, "output"), text);
	json_decref(m);
	/* dropped: the next frame still comes whole */
	m = msg_recv_raw(sv[1], 1000, &raw);
	ck_assert_uint_eq(raw.left, N);
	json_decref(m);
	msg_raw_free(&raw);
	ck_assert_uint_eq(raw.left, 0);
	json_object_set_new(body, "id", json_integer(8));
	ck_assert_int_eq(msg_send(sv[0], body), 0);
	m = msg_recv(sv[1], 1000);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(msg_int(m, "id", 0), 8);
	ck_assert_str_eq(msg_str(m, "output"), text);
	json_decref(m);
	/* a peer gone in the middle: -1, and the socket is of no use */
	size_t flen;
	char *frame = msg_frame_new(body, &flen);
	ck_assert_int_eq(write(sv[0], frame, flen - N / 2), flen - N / 2);
	free(frame);
	close(sv[0]);
	m = msg_recv_raw(sv[1], 1000, &raw);
	ck_assert_ptr_nonnull(m);
	json_decref(m);
	ck_assert_int_eq(msg_raw_copy(&raw, -1, 1000, &last), -1);
	ck_assert_int_eq(raw.fd, -1);
	json_decref(body);
	fclose(f);
	free(copy);
	free(text);
	close(sv[1]);
}
END_TEST

/* Exactly len bytes from fd. */
static void
t_read_full(int fd, char *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t r = read(fd, buf + off, len - off);
		ck_assert_int_gt(r, 0);
		off += (size_t)r;
	}
}

/* The next whole frame on fd, added to in. */
static void
t_frame_to(int fd, struct evbuffer *in)
{
	char hdr[8], *rest;
	size_t n;

	t_read_full(fd, hdr, 8);
	n = ((size_t)(unsigned char)hdr[0] << 24 |
		(size_t)(unsigned char)hdr[1] << 16 |
		(size_t)(unsigned char)hdr[2] << 8 | (unsigned char)hdr[3]) +
	    ((size_t)(unsigned char)hdr[4] << 24 |
		(size_t)(unsigned char)hdr[5] << 16 |
		(size_t)(unsigned char)hdr[6] << 8 | (unsigned char)hdr[7]);
	rest = malloc(n);
	t_read_full(fd, rest, n);
	evbuffer_add(in, hdr, 8);
	evbuffer_add(in, rest, n);
	free(rest);
}

/*
 * mgd's check request to a daemon: msg_send_attach sends the change from
 * its buffer; msg_evbuf_pull_raw leaves it raw in the frame, byte for
 * byte, waits for a partial frame, and the next message still parses.
 */
START_TEST(test_send_attach_pull_raw)
{
	enum { N = MSG_ATTACH_MIN + 1000 };
	char *text = malloc(N + 1);
	struct msg_raw raw = { .key = "config" };
	struct evbuffer *in = evbuffer_new(), *part = evbuffer_new();
	json_t *body = json_pack("{s:s, s:i}", "op", "check", "id", 3), *m;
	bool bad = true;
	size_t total;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (size_t i = 0; i < N; i++)
		text[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	text[N] = '\0';
	ck_assert_int_eq(msg_send_attach(sv[0], body, "config", text, N), 0);
	/* all but the last byte: nothing yet, and not bad */
	t_frame_to(sv[1], in);
	total = evbuffer_get_length(in);
	ck_assert_int_eq(
	    evbuffer_remove_buffer(in, part, total - 1), (int)(total - 1));
	ck_assert_ptr_null(msg_evbuf_pull_raw(part, &bad, &raw));
	ck_assert(!bad);
	evbuffer_add_buffer(part, in);
	ck_assert_int_eq(evbuffer_get_length(in), 0);
	evbuffer_add_buffer(in, part);
	m = msg_evbuf_pull_raw(in, &bad, &raw);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(msg_str(m, "op"), "check");
	ck_assert_int_eq(msg_int(m, "id", 0), 3);
	ck_assert_ptr_null(json_object_get(m, "config"));
	ck_assert_ptr_null(json_object_get(m, "attach"));
	ck_assert_uint_eq(raw.len, N);
	ck_assert_str_eq(raw.p, text);
	json_decref(m);
	msg_raw_free(&raw);
	ck_assert_ptr_null(raw.frame);
	/* an empty change (a daemon's empty subtrees), then a plain message
	 * behind it: both whole, the second without a raw part */
	ck_assert_int_eq(msg_send_attach(sv[0], body, "config", NULL, 0), 0);
	ck_assert_int_eq(msg_send(sv[0], body), 0);
	t_frame_to(sv[1], in);
	t_frame_to(sv[1], in);
	m = msg_evbuf_pull_raw(in, &bad, &raw);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(raw.p);
	ck_assert_uint_eq(raw.len, 0);
	ck_assert_str_eq(raw.p, "");
	json_decref(m);
	msg_raw_free(&raw);
	m = msg_evbuf_pull_raw(in, &bad, &raw);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_null(raw.p);
	ck_assert_str_eq(msg_str(m, "op"), "check");
	ck_assert_int_eq(evbuffer_get_length(in), 0);
	json_decref(m);
	msg_raw_free(&raw);
	json_decref(body);
	evbuffer_free(in);
	evbuffer_free(part);
	free(text);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/*
 * A change of several MB (mgd's 13 MB to iked) lands in a frame mapped on
 * 2 MB boundaries (2 MB pages: its copy out of the buffer is not 3,300
 * page faults), whole and byte for byte, by the daemons' pull and by the
 * blocking receive; the frame after it still parses, and a small frame
 * is as before.
 */
START_TEST(test_large_frame)
{
	enum { N = 5 * 1024 * 1024 + 17 };
	char *text = malloc(N + 1), js[128];
	unsigned char hdr[8];
	struct msg_raw raw = { .key = "config" };
	struct evbuffer *in = evbuffer_new();
	bool bad = true;
	json_t *m;
	size_t n;
	int sv[2];
	pid_t pid;

	n = t_large_frame(text, N, js, sizeof(js), hdr);
	for (int k = 0; k < 2; k++) {
		evbuffer_add(in, hdr, 8);
		evbuffer_add(in, js, n);
		evbuffer_add(in, text, N);
	}
	for (int k = 0; k < 2; k++) {
		m = msg_evbuf_pull_raw(in, &bad, &raw);
		ck_assert_ptr_nonnull(m);
		ck_assert_str_eq(msg_str(m, "op"), "check");
		ck_assert_uint_eq(raw.len, N);
		ck_assert_int_eq(memcmp(raw.p, text, N), 0);
		ck_assert_int_eq(raw.p[N], '\0');
		ck_assert_uint_eq((uintptr_t)raw.frame % (2u << 20), 0);
		json_decref(m);
		msg_raw_free(&raw);
		ck_assert_ptr_null(raw.frame);
	}
	ck_assert_uint_eq(evbuffer_get_length(in), 0);
	/* the blocking receive, from a writer that does not fit the socket */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(sv[1]);
		t_write_frame(sv[0], js, text, N);
		_exit(0);
	}
	close(sv[0]);
	raw.key = "config";
	m = msg_recv_raw(sv[1], 10000, &raw);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(raw.len, N);
	ck_assert_int_eq(memcmp(raw.p, text, N), 0);
	ck_assert_uint_eq((uintptr_t)raw.frame % (2u << 20), 0);
	json_decref(m);
	msg_raw_free(&raw);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	close(sv[1]);
	evbuffer_free(in);
	free(text);
}
END_TEST

/*
 * A large frame's parsed part is given back as it goes (msg_raw_release,
 * the daemons' parse of a first load): the whole 2 MB pages before the
 * point are wiped and no longer the process's memory, what follows is
 * intact, and msg_raw_free after it is as before.
 */
START_TEST(test_raw_release)
{
	enum { N = 6 * 1024 * 1024 + 5 };
	char *text = malloc(N + 1), js[128];
	unsigned char hdr[8], vec[512];
	struct msg_raw raw = { .key = "config" };
	struct evbuffer *in = evbuffer_new();
	size_t n, pg = (size_t)sysconf(_SC_PAGESIZE), head;
	bool bad = true;
	json_t *m;

	n = t_large_frame(text, N, js, sizeof(js), hdr);
	evbuffer_add(in, hdr, 8);
	evbuffer_add(in, js, n);
	evbuffer_add(in, text, N);
	m = msg_evbuf_pull_raw(in, &bad, &raw);
	ck_assert_ptr_nonnull(m);
	head = (size_t)(raw.p - raw.frame);
	/* not yet a whole page parsed: nothing goes */
	msg_raw_release(&raw, (2u << 20) - head - 1);
	ck_assert_int_eq(memcmp(raw.p, text, N), 0);
	/* 3 MB parsed: the first 2 MB page goes, the rest stays */
	msg_raw_release(&raw, 3u << 20);
	ck_assert_int_eq(mincore(raw.frame, 2u << 20, vec), 0);
	for (size_t i = 0; i < (2u << 20) / pg; i++)
		ck_assert_msg(!(vec[i] & 1),
		    "page %zu of the parsed part is"
		    " still in memory",
		    i);
	ck_assert_int_eq(raw.frame[0], 0);
	ck_assert_int_eq(memcmp(raw.frame + (2u << 20),
			     text + (2u << 20) - head, N - ((2u << 20) - head)),
	    0);
	ck_assert_int_eq(raw.p[N], '\0');
	json_decref(m);
	msg_raw_free(&raw);
	ck_assert_ptr_null(raw.frame);
	ck_assert_uint_eq(raw.gone, 0);
	evbuffer_free(in);
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("msg");
	TCase *tc = tcase_create("frames");

	tcase_add_test(tc, test_frame_round_trip);
	tcase_add_test(tc, test_frame_without_json);
	tcase_add_test(tc, test_recv_raw);
	tcase_add_test(tc, test_send_attach_pull_raw);
	tcase_add_test(tc, test_send_sb);
	tcase_add_test(tc, test_recv_stream);
	tcase_add_test(tc, test_large_frame);
	tcase_add_test(tc, test_raw_release);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
