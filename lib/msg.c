/*
 * msg: length-prefixed JSON frames over unix sockets (see msg.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "lib/msg.h"
#include "lib/sb.h"

static int
msg_sockaddr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

int
msg_listen(const char *path, int mode)
{
	struct sockaddr_un sun;
	int fd;

	if (msg_sockaddr(path, &sun) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, (mode_t)mode) == -1 || listen(fd, 64) == -1) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
msg_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (msg_sockaddr(path, &sun) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static char *
msg_encode(const json_t *body, size_t *lenp)
{
	char *js = json_dumps(body, JSON_COMPACT);
	size_t n;
	char *frame;

	if (js == NULL)
		return NULL;
	n = strlen(js);
	if (n > MSG_MAX_BODY) {
		free(js);
		errno = EMSGSIZE;
		return NULL;
	}
	frame = xmalloc(n + 4);
	frame[0] = (char)(n >> 24);
	frame[1] = (char)(n >> 16);
	frame[2] = (char)(n >> 8);
	frame[3] = (char)n;
	memcpy(frame + 4, js, n);
	free(js);
	*lenp = n + 4;
	return frame;
}

int
msg_send(int fd, const json_t *body)
{
	size_t len, off = 0;
	char *frame = msg_encode(body, &len);

	if (frame == NULL)
		return -1;
	while (off < len) {
		ssize_t w = send(fd, frame + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			free(frame);
			return -1;
		}
		off += (size_t)w;
	}
	free(frame);
	return 0;
}

static int
msg_read_full(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t off = 0;

	while (off < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		ssize_t n = read(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = 0;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

static json_t *
msg_decode(const char *body, size_t len)
{
	json_error_t jerr;
	json_t *m = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);

	if (m != NULL && !json_is_object(m)) {
		json_decref(m);
		m = NULL;
	}
	if (m == NULL)
		errno = EBADMSG;
	return m;
}

json_t *
msg_recv(int fd, int timeout_ms)
{
	unsigned char hdr[4];
	uint32_t n;
	char *body;
	json_t *m;

	if (msg_read_full(fd, (char *)hdr, 4, timeout_ms) == -1)
		return NULL;
	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (n > MSG_MAX_BODY) {
		errno = EMSGSIZE;
		return NULL;
	}
	body = xmalloc(n);
	if (msg_read_full(fd, body, n, timeout_ms) == -1) {
		free(body);
		return NULL;
	}
	m = msg_decode(body, n);
	free(body);
	return m;
}

int
msg_bev_send(struct bufferevent *bev, const json_t *body)
{
	size_t len;
	char *frame = msg_encode(body, &len);
	int r;

	if (frame == NULL)
		return -1;
	r = bufferevent_write(bev, frame, len);
	free(frame);
	return r;
}

json_t *
msg_evbuf_pull(struct evbuffer *in, bool *bad)
{
	unsigned char hdr[4];
	uint32_t n;
	json_t *m;

	*bad = false;
	if (evbuffer_get_length(in) < 4)
		return NULL;
	evbuffer_copyout(in, hdr, 4);
	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (n > MSG_MAX_BODY) {
		*bad = true;
		return NULL;
	}
	if (evbuffer_get_length(in) < 4 + (size_t)n)
		return NULL;
	evbuffer_drain(in, 4);
	m = msg_decode((const char *)evbuffer_pullup(in, n), n);
	evbuffer_drain(in, n);
	if (m == NULL)
		*bad = true;
	return m;
}

const char *
msg_str(const json_t *m, const char *key)
{
	return json_string_value(json_object_get(m, key));
}

json_int_t
msg_int(const json_t *m, const char *key, json_int_t dflt)
{
	json_t *v = json_object_get(m, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

bool
msg_bool(const json_t *m, const char *key)
{
	return json_is_true(json_object_get(m, key));
}
