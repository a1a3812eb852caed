/*
 * mgd_rtt: times one kind of cli request to mgd over the protocol of
 * proto/proto_cli.h, without the cli around it (bench/config_engine.sh).
 *
 *   mgd_rtt SOCKET OP COUNT LINE
 *
 * Connects, says hello, enters configuration mode (`configure`), then sends
 * COUNT requests {"op": OP, "line": LINE} one at a time (OP is "complete",
 * "help" or "exec") and prints one line: the median round trip in
 * nanoseconds, then the size of the answer (matches for "complete", bytes
 * of output otherwise).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/msg.h"
#include "proto/proto_cli.h"

#define RTT_MAX_COUNT 100000

static json_int_t rtt_next_id = 1;

/* One request, its reply (new reference) or NULL. */
static json_t *
rtt_call(int fd, json_t *req)
{
	json_int_t id = rtt_next_id++;

	json_object_set_new(req, "id", json_integer(id));
	if (msg_send(fd, req) == -1)
		return NULL;
	for (;;) {
		json_t *reply = msg_recv(fd, 10000);
		if (reply == NULL || msg_int(reply, "id", -1) == id)
			return reply;
		json_decref(reply);
	}
}

static int64_t
rtt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
rtt_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static size_t
rtt_answer_size(const char *op, const json_t *reply)
{
	const char *out;

	if (strcmp(op, CLI_OP_COMPLETE) == 0)
		return json_array_size(json_object_get(reply, "matches"));
	out = msg_str(reply, "output");
	return out ? strlen(out) : 0;
}

int
main(int argc, char **argv)
{
	json_t *req, *reply;
	int64_t *t = NULL;
	size_t size = 0;
	long count;
	int fd, rc = 1;

	if (argc != 5 || (count = strtol(argv[3], NULL, 10)) <= 0 ||
	    count > RTT_MAX_COUNT) {
		fprintf(stderr, "usage: mgd_rtt SOCKET OP COUNT LINE\n");
		return 2;
	}
	if ((fd = msg_connect(argv[1])) == -1) {
		perror(argv[1]);
		return 1;
	}
	req = json_pack("{s:s, s:s, s:s, s:I, s:b}", "op", CLI_OP_HELLO, "user",
	    "bench", "tty", "", "pid", (json_int_t)getpid(), "interactive", 0);
	reply = rtt_call(fd, req);
	json_decref(req);
	json_decref(reply);
	req = json_pack("{s:s, s:s}", "op", CLI_OP_EXEC, "line", "configure");
	reply = rtt_call(fd, req);
	json_decref(req);
	if (reply == NULL)
		goto done;
	json_decref(reply);

	t = calloc((size_t)count, sizeof(*t));
	if (t == NULL)
		goto done;
	for (long i = 0; i < count; i++) {
		req = json_pack("{s:s, s:s}", "op", argv[2], "line", argv[4]);
		int64_t s = rtt_now();
		reply = rtt_call(fd, req);
		t[i] = rtt_now() - s;
		json_decref(req);
		if (reply == NULL) {
			fprintf(stderr, "mgd_rtt: no reply from mgd\n");
			goto done;
		}
		size = rtt_answer_size(argv[2], reply);
		json_decref(reply);
	}
	qsort(t, (size_t)count, sizeof(*t), rtt_cmp);
	printf("%lld %zu\n", (long long)t[count / 2], size);
	rc = 0;
done:
	free(t);
	close(fd);
	return rc;
}
