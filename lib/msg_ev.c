/*
 * msg_ev: the libevent side of the framing (msg.h): frames queued on a
 * bufferevent, and taken from its input buffer or, a large one, read
 * straight from the socket into its own buffer (msg_rx).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "lib/log.h"
#include "lib/msg.h"
#include "lib/msg_int.h"
#include "lib/sb.h"
#include "lib/wipe.h"

int
msg_bev_send(struct bufferevent *bev, const json_t *body)
{
	size_t len;
	char *frame = msg_frame_new(body, &len);
	int r;

	if (frame == NULL)
		return -1;
	r = bufferevent_write(bev, frame, len);
	/* The output buffer holds its own copy, wiped when freed (wipe.h). */
	wipe_bytes(frame, len);
	free(frame);
	return r;
}

static void
msg_frame_wipe(const void *data, size_t len, void *arg)
{
	wipe_bytes((void *)data, len);
	free((void *)data);
}

int
msg_bev_send_wiped(struct bufferevent *bev, const json_t *body)
{
	size_t len;
	char *frame = msg_frame_new(body, &len);

	if (frame == NULL)
		return -1;
	/* The output buffer references the frame: no copy is left behind. */
	if (evbuffer_add_reference(bufferevent_get_output(bev), frame, len,
		msg_frame_wipe, NULL) == -1) {
		msg_frame_wipe(frame, len, NULL);
		return -1;
	}
	return 0;
}

int
msg_bev_send_sb(struct bufferevent *bev, const json_t *body, const char *name,
    struct sb *att)
{
	struct evbuffer *tmp;
	size_t len;
	char *frame;
	int rc = -1;

	if (json_object_get(body, name) != NULL) {
		errno = EINVAL;
		return -1;
	}
	frame = msg_frame_build(body, name, att->len, &len);
	if (frame == NULL)
		return -1;
	/* Both parts referenced, not copied, in a buffer of their own first:
	 * none of the frame is queued unless all of it is. */
	if ((tmp = evbuffer_new()) == NULL) {
		msg_frame_wipe(frame, len, NULL);
		return -1;
	}
	if (evbuffer_add_reference(tmp, frame, len, msg_frame_wipe, NULL) ==
	    -1) {
		msg_frame_wipe(frame, len, NULL);
		goto done;
	}
	if (att->len > 0) {
		if (evbuffer_add_reference(
			tmp, att->buf, att->len, msg_frame_wipe, NULL) == -1)
			goto done;
		sb_init(att); /* tmp owns it now */
	}
	if (evbuffer_add_buffer(bufferevent_get_output(bev), tmp) == 0)
		rc = 0;
done:
	evbuffer_free(tmp);
	return rc;
}

/*
 * The header at the front of in: 1 with the JSON's and the attachments'
 * lengths (nothing drained); 0 while it is partial; -1 when it is malformed
 * (*bad set).  A frame without its JSON is malformed (found by fuzz_msg:
 * the empty pull-up was a null pointer).
 */
static int
msg_evbuf_head(struct evbuffer *in, bool *bad, uint32_t *n, uint32_t *alen)
{
	unsigned char hdr[8];

	*bad = false;
	if (evbuffer_get_length(in) < 8)
		return 0;
	evbuffer_copyout(in, hdr, 8);
	*n = msg_get32(hdr);
	*alen = msg_get32(hdr + 4);
	if (*n == 0 || *n > MSG_MAX_BODY || *alen > MSG_MAX_BODY) {
		*bad = true;
		return -1;
	}
	return 1;
}

/* A whole frame at the front of in: msg_evbuf_head, but 0 while the frame
 * is partial and its header drained when it is whole. */
static int
msg_evbuf_frame(struct evbuffer *in, bool *bad, uint32_t *n, uint32_t *alen)
{
	int r = msg_evbuf_head(in, bad, n, alen);

	if (r != 1)
		return r;
	if (evbuffer_get_length(in) < 8 + (size_t)*n + *alen)
		return 0;
	evbuffer_drain(in, 8);
	return 1;
}

json_t *
msg_evbuf_pull(struct evbuffer *in, bool *bad)
{
	uint32_t n, alen;
	const char *p;
	json_t *m;

	if (msg_evbuf_frame(in, bad, &n, &alen) != 1)
		return NULL;
	p = (const char *)evbuffer_pullup(in, (ev_ssize_t)((size_t)n + alen));
	m = msg_decode(p, n, p + n, alen, 0, NULL);
	evbuffer_drain(in, (size_t)n + alen);
	if (m == NULL)
		*bad = true;
	return m;
}

/*
 * The message in frame (its JSON n bytes, size bytes in all, a NUL after
 * them; msg_frame_alloc): raw's attachment stays in it, which raw then
 * owns, or it is wiped and freed.
 */
static json_t *
msg_frame_take(
    char *frame, uint32_t n, size_t size, bool *bad, struct msg_raw *raw)
{
	json_t *m = msg_decode(frame, n, frame + n, size - n, 0, raw);

	if (m == NULL)
		*bad = true;
	if (m != NULL && raw->p != NULL) {
		raw->frame = frame;
		raw->size = size;
		raw->gone = 0;
		return m;
	}
	raw->p = NULL;
	wipe_bytes(frame, size);
	msg_frame_free(frame, size + 1);
	return m;
}

json_t *
msg_evbuf_pull_raw(struct evbuffer *in, bool *bad, struct msg_raw *raw)
{
	uint32_t n, alen;
	size_t size;
	char *frame;

	raw->p = NULL;
	raw->len = 0;
	raw->frame = NULL;
	if (msg_evbuf_frame(in, bad, &n, &alen) != 1)
		return NULL;
	size = (size_t)n + alen;
	/* + 1: a raw attachment, the last part, ends in a NUL.  One copy
	 * out of the buffer's chains, where a pull-up and the string
	 * member would be two. */
	frame = msg_frame_alloc(size + 1);
	frame[size] = '\0';
	evbuffer_remove(in, frame, size);
	return msg_frame_take(frame, n, size, bad, raw);
}

int
msg_rx_start(struct evbuffer *in, struct msg_rx *rx, bool *bad)
{
	uint32_t n, alen;
	size_t size, have;

	if (msg_evbuf_head(in, bad, &n, &alen) != 1)
		return *bad ? -1 : 0;
	size = (size_t)n + alen;
	have = evbuffer_get_length(in) - 8;
	if (size < MSG_RX_MIN || have >= size)
		return 0;
	evbuffer_drain(in, 8);
	/* + 1: a raw attachment, the last part, ends in a NUL */
	rx->frame = msg_frame_alloc(size + 1);
	rx->frame[size] = '\0';
	rx->size = size;
	rx->n = n;
	rx->have = (size_t)evbuffer_remove(in, rx->frame, have);
	return 1;
}

int
msg_rx_read(int fd, struct msg_rx *rx, size_t max)
{
	size_t end = rx->size - rx->have > max ? rx->have + max : rx->size;

	while (rx->have < end) {
		ssize_t r = read(fd, rx->frame + rx->have, end - rx->have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return -1;
		}
		rx->have += (size_t)r;
	}
	return rx->have == rx->size ? 1 : 0;
}

json_t *
msg_rx_take(struct msg_rx *rx, bool *bad, struct msg_raw *raw)
{
	struct msg_rx r = *rx;

	*bad = false;
	raw->p = NULL;
	raw->len = 0;
	raw->frame = NULL;
	*rx = (struct msg_rx){ 0 };
	return msg_frame_take(r.frame, r.n, r.size, bad, raw);
}

void
msg_rx_free(struct msg_rx *rx)
{
	if (rx->frame == NULL)
		return;
	wipe_bytes(rx->frame, rx->have);
	msg_frame_free(rx->frame, rx->size + 1);
	*rx = (struct msg_rx){ 0 };
}
