/*
 * fuzz_msg: libFuzzer entry point for the frame decoder every qsafe socket
 * reads with (lib/msg.c): bytes as they arrive on mgd's socket from a cli
 * session, pulled frame by frame until none is complete or one is bad.
 * A decoded frame must be an object; attachments come back as strings.
 * Then the same bytes as the cli reads them (msg_recv_raw with stream,
 * the "output" attachment copied out of the socket or read whole).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_stream(const uint8_t *data, size_t size)
{
	struct msg_raw raw = { .key = "output", .stream = true };
	int sv[2], n = 0;
	json_t *m;
	char last;

	/* (inputs larger than the socket's buffer are left to the above) */
	if (size > 64 * 1024 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return;
	if (write(sv[0], data, size) != (ssize_t)size)
		abort();
	close(sv[0]);
	while ((m = msg_recv_raw(sv[1], 0, &raw)) != NULL) {
		if (!json_is_object(m) || raw.left > MSG_MAX_BODY)
			abort();
		/* every other frame copied out, the others read whole */
		if (n++ % 2 == 0)
			(void)msg_raw_copy(&raw, -1, 0, &last);
		else if (msg_raw_pull(&raw, 0) == 0 && raw.p != NULL &&
		    raw.p[raw.len] != '\0')
			abort();
		msg_raw_free(&raw);
		json_decref(m);
		if (raw.fd == -1)
			break;
	}
	msg_raw_free(&raw);
	close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *in = evbuffer_new();
	json_t *m;
	bool bad = false;

	if (in == NULL)
		abort();
	evbuffer_add(in, data, size);
	while ((m = msg_evbuf_pull(in, &bad)) != NULL) {
		if (!json_is_object(m) || json_object_get(m, "attach") != NULL)
			abort();
		json_decref(m);
	}
	evbuffer_free(in);
	fuzz_stream(data, size);
	return 0;
}
