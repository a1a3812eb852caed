/*
 * fuzz_msg: libFuzzer entry point for the frame decoder every qsafe socket
 * reads with (lib/msg.c): bytes as they arrive on mgd's socket from a cli
 * session, pulled frame by frame until none is complete or one is bad.
 * A decoded frame must be an object; attachments come back as strings.
 */
#include <stdint.h>
#include <stdlib.h>

#include <event2/buffer.h>

#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	return 0;
}
