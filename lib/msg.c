/*
 * msg: length-prefixed JSON frames over unix sockets (see msg.h): the
 * framing and the blocking side; the libevent side is msg_ev.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/msg.h"
#include "lib/msg_int.h"
#include "lib/sb.h"
#include "lib/wipe.h"

/*
 * Room for a received frame of size bytes.  A large one (mgd's 13 MB
 * change to iked) is mapped on 2 MB boundaries and asked for 2 MB pages:
 * from malloc it was 3,300 first-touch faults of 4 KB, on this VM about
 * 50 ms of the daemon's CPU before its parse could start; in 2 MB pages
 * the same copy costs 2 ms.  Freed by msg_frame_free with the same size.
 */
char *
msg_frame_alloc(size_t size)
{
	size_t len =
	    (size + MSG_FRAME_HUGE - 1) / MSG_FRAME_HUGE * MSG_FRAME_HUGE;
	char *p, *a;

	if (size < MSG_FRAME_HUGE)
		return xmalloc(size);
	p = mmap(NULL, len + MSG_FRAME_HUGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("msg: no memory for a frame of %zu bytes", size);
	a = (char *)(((uintptr_t)p + MSG_FRAME_HUGE - 1) &
	    ~(uintptr_t)(MSG_FRAME_HUGE - 1));
	/* the mapping's ends that are not on 2 MB boundaries go back */
	if (a > p)
		(void)munmap(p, (size_t)(a - p));
	if (a + len < p + len + MSG_FRAME_HUGE)
		(void)munmap(a + len, (size_t)(p + MSG_FRAME_HUGE - a));
	(void)madvise(a, len, MADV_HUGEPAGE);
	return a;
}

void
msg_frame_free(char *p, size_t size)
{
	if (p == NULL)
		return;
	if (size < MSG_FRAME_HUGE)
		free(p);
	else
		(void)munmap(p,
		    (size + MSG_FRAME_HUGE - 1) / MSG_FRAME_HUGE *
			MSG_FRAME_HUGE);
}

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

/*
 * The socket is bound under a temporary name and renamed into place once it
 * listens: a client that sees path (a test polling for it, a cli started at
 * once) never meets a bound socket that refuses connections.
 */
int
msg_listen(const char *path, int mode)
{
	struct sockaddr_un sun;
	char tmp[sizeof(sun.sun_path)];
	int fd, n;

	n = snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (msg_sockaddr(tmp, &sun) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(tmp, (mode_t)mode) == -1 || listen(fd, 64) == -1 ||
	    rename(tmp, path) == -1) {
		int e = errno;
		close(fd);
		unlink(tmp);
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

static void
msg_put32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

uint32_t
msg_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Does the body have a member to send as an attachment? */
static bool
msg_has_attachment(const json_t *body)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)body, key, v) if (json_is_string(v) &&
	    json_string_length(v) > MSG_ATTACH_MIN) return true;
	return false;
}

/*
 * The header, the JSON and the attachments, serialised straight into one new
 * buffer: the frame is the only serialised copy of the body (keymgr wipes it
 * once written).  With xname, one more attachment of xlen bytes is named
 * last and counted in the header, but its bytes are not in the buffer: the
 * caller sends them right after it (msg_bev_send_sb, msg_send_attach).
 */
char *
msg_frame_build(
    const json_t *body, const char *xname, size_t xlen, size_t *lenp)
{
	json_t *js = (json_t *)body, *att = NULL, *v;
	const char *key;
	size_t alen = 0, n, off;
	char *frame = NULL;

	if (xname != NULL || msg_has_attachment(body)) {
		/* A shallow copy without the big strings. */
		js = json_object();
		att = json_array();
		json_object_foreach((json_t *)body, key, v)
		{
			size_t l = json_string_length(v);
			if (!json_is_string(v) || l <= MSG_ATTACH_MIN) {
				json_object_set(js, key, v);
				continue;
			}
			json_array_append_new(
			    att, json_pack("[sI]", key, (json_int_t)l));
			alen += l;
		}
		if (xname != NULL)
			json_array_append_new(
			    att, json_pack("[sI]", xname, (json_int_t)xlen));
		json_object_set(js, "attach", att);
	}
	n = json_dumpb(js, NULL, 0, JSON_COMPACT);
	if (n == 0 || n > MSG_MAX_BODY || alen > MSG_MAX_BODY ||
	    xlen > MSG_MAX_BODY - alen) {
		errno = n == 0 ? EINVAL : EMSGSIZE;
		goto done;
	}
	frame = xmalloc(8 + n + alen);
	msg_put32(frame, (uint32_t)n);
	msg_put32(frame + 4, (uint32_t)(alen + xlen));
	json_dumpb(js, frame + 8, n, JSON_COMPACT);
	off = 8 + n;
	if (att != NULL) {
		size_t i;
		json_t *a;
		json_array_foreach(att, i, a)
		{
			if (xname != NULL && i + 1 == json_array_size(att))
				break; /* xname's bytes: the caller's */
			v = json_object_get(
			    body, json_string_value(json_array_get(a, 0)));
			memcpy(frame + off, json_string_value(v),
			    json_string_length(v));
			off += json_string_length(v);
		}
	}
	*lenp = off;
done:
	if (js != body)
		json_decref(js);
	json_decref(att);
	return frame;
}

char *
msg_frame_new(const json_t *body, size_t *lenp)
{
	return msg_frame_build(body, NULL, 0, lenp);
}

int
msg_send(int fd, const json_t *body)
{
	size_t len, off = 0;
	char *frame = msg_frame_new(body, &len);

	if (frame == NULL)
		return -1;
	while (off < len) {
		ssize_t w = send(fd, frame + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			wipe_bytes(frame, len);
			free(frame);
			return -1;
		}
		off += (size_t)w;
	}
	/* Frames may carry keys (keymgr's replies): none is left behind. */
	wipe_bytes(frame, len);
	free(frame);
	return 0;
}

int
msg_send_attach(
    int fd, const json_t *body, const char *key, const char *att, size_t alen)
{
	size_t n;
	char *head = msg_frame_build(body, key, alen, &n);
	int rc = -1;

	if (head == NULL)
		return -1;
	/* The attachment goes from the caller's buffer: no frame copy. */
	for (size_t off = 0, len = n + alen; off < len;) {
		struct iovec iov[2];
		int k = 0;
		if (off < n)
			iov[k++] = (struct iovec){ head + off, n - off };
		size_t aoff = off > n ? off - n : 0;
		if (aoff < alen)
			iov[k++] =
			    (struct iovec){ (char *)att + aoff, alen - aoff };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)k };
		ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto done;
		off += (size_t)w;
	}
	rc = 0;
done:
	wipe_bytes(head, n);
	free(head);
	return rc;
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

/*
 * The JSON body, then its attachments put back as string members; with raw,
 * the last attachment when it is named raw->key stays where it is
 * (raw->p, raw->len) instead.  att holds alen - tail bytes: the last tail
 * bytes, the raw attachment, are still in raw->fd (raw->left).
 */
json_t *
msg_decode(const char *body, size_t len, const char *att, size_t alen,
    size_t tail, struct msg_raw *raw)
{
	json_error_t jerr;
	json_t *m = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *list, *a;
	size_t i, off = 0, have = alen - tail;

	if (m != NULL && !json_is_object(m))
		goto bad;
	if (m == NULL)
		goto bad;
	list = json_object_get(m, "attach");
	if (list != NULL && !json_is_array(list))
		goto bad;
	json_array_foreach(list, i, a)
	{
		const char *key = json_string_value(json_array_get(a, 0));
		json_int_t l = json_integer_value(json_array_get(a, 1));
		json_t *sv;
		/* (an attachment named "attach" would free the list we walk) */
		if (key == NULL || strcmp(key, "attach") == 0 || l < 0 ||
		    (size_t)l > alen - off)
			goto bad;
		if (tail > 0 && off == have && (size_t)l == tail) {
			/* (msg_tail found it named raw->key, and last) */
			raw->left = tail;
			off += tail;
			continue;
		}
		if ((size_t)l > have - off)
			goto bad;
		if (raw != NULL && raw->key != NULL &&
		    strcmp(key, raw->key) == 0 && off + (size_t)l == alen) {
			raw->p = att + off;
			raw->len = (size_t)l;
			off += (size_t)l;
			continue;
		}
		/* json_stringn checks the bytes are UTF-8. */
		sv = json_stringn(att + off, (size_t)l);
		if (sv == NULL)
			goto bad;
		json_object_set_new(m, key, sv);
		off += (size_t)l;
	}
	if (off != alen)
		goto bad;
	json_object_del(m, "attach");
	return m;
bad:
	json_decref(m);
	errno = EBADMSG;
	return NULL;
}

json_t *
msg_recv(int fd, int timeout_ms)
{
	return msg_recv_raw(fd, timeout_ms, NULL);
}

static size_t msg_tail(
    const char *body, size_t n, const char *key, size_t alen);

json_t *
msg_recv_raw(int fd, int timeout_ms, struct msg_raw *raw)
{
	unsigned char hdr[8];
	uint32_t n, alen;
	size_t tail = 0;
	char *body;
	json_t *m;

	if (msg_read_full(fd, (char *)hdr, 8, timeout_ms) == -1)
		return NULL;
	n = msg_get32(hdr);
	alen = msg_get32(hdr + 4);
	if (n == 0) {
		errno = EBADMSG;
		return NULL;
	}
	if (n > MSG_MAX_BODY || alen > MSG_MAX_BODY) {
		errno = EMSGSIZE;
		return NULL;
	}
	/* + 1: a raw attachment, the last part, ends in a NUL */
	body = msg_frame_alloc((size_t)n + alen + 1);
	if (msg_read_full(fd, body, n, timeout_ms) == -1)
		goto fail;
	if (raw != NULL) {
		raw->p = NULL;
		raw->len = 0;
		raw->left = 0;
		raw->fd = fd;
		if (raw->stream)
			tail = msg_tail(body, n, raw->key, alen);
	}
	body[(size_t)n + alen - tail] = '\0';
	if (msg_read_full(fd, body + n, alen - tail, timeout_ms) == -1)
		goto fail;
	m = msg_decode(body, n, body + n, alen, tail, raw);
	if (m != NULL && raw != NULL && raw->p != NULL) {
		/* the frame is the attachment's storage now */
		raw->frame = body;
		raw->size = (size_t)n + alen;
		raw->gone = 0;
		return m;
	}
	if (m == NULL && tail > 0) {
		/* the rest of a bad frame is not read: the peer is dropped */
		raw->left = 0;
	}
	if (raw != NULL)
		raw->p = NULL;
	wipe_bytes(body, (size_t)n + alen - tail);
	msg_frame_free(body, (size_t)n + alen + 1);
	return m;
fail:
	wipe_bytes(body, (size_t)n + alen);
	msg_frame_free(body, (size_t)n + alen + 1);
	return NULL;
}

/*
 * The length of the frame's last attachment, when it is named key (JSON
 * body of n bytes, attachments of alen in all); else 0.  Only a length:
 * msg_decode checks the list.
 */
static size_t
msg_tail(const char *body, size_t n, const char *key, size_t alen)
{
	json_t *m = json_loadb(body, n, JSON_REJECT_DUPLICATES, NULL);
	json_t *list = json_object_get(m, "attach");
	json_t *last = json_array_get(list, json_array_size(list) - 1);
	const char *k = json_string_value(json_array_get(last, 0));
	json_int_t l = json_integer_value(json_array_get(last, 1));
	size_t tail = 0;

	if (key != NULL && k != NULL && strcmp(k, key) == 0 && l > 0 &&
	    (uint64_t)l <= alen)
		tail = (size_t)l;
	json_decref(m);
	return tail;
}

/* Reads the raw attachment's bytes still in the socket, at most len of
 * them, into buf; 0 at its end, or -1. */
static ssize_t
msg_raw_read(struct msg_raw *raw, char *buf, size_t len, int timeout_ms)
{
	size_t n = raw->left < len ? raw->left : len;

	if (n == 0)
		return 0;
	if (msg_read_full(raw->fd, buf, n, timeout_ms) == -1) {
		raw->left = 0;
		raw->fd = -1;
		return -1;
	}
	raw->left -= n;
	return (ssize_t)n;
}

int
msg_raw_pull(struct msg_raw *raw, int timeout_ms)
{
	size_t len = raw->left;
	char *buf;

	if (len == 0)
		return 0;
	buf = msg_frame_alloc(len + 1);
	if (msg_raw_read(raw, buf, len, timeout_ms) == -1) {
		msg_frame_free(buf, len + 1);
		return -1;
	}
	buf[len] = '\0';
	raw->frame = buf;
	raw->size = len;
	raw->gone = 0;
	raw->p = buf;
	raw->len = len;
	return 0;
}

int
msg_raw_copy(struct msg_raw *raw, int out, int timeout_ms, char *lastp)
{
	char buf[64 * 1024];
	ssize_t n;
	int rc = 0;

	while ((n = msg_raw_read(raw, buf, sizeof(buf), timeout_ms)) > 0) {
		*lastp = buf[n - 1];
		for (ssize_t off = 0; rc == 0 && off < n;) {
			ssize_t w = out < 0
			    ? n
			    : write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				rc = -1; /* the rest is read all the same */
			else
				off += w;
		}
	}
	wipe_bytes(buf, sizeof(buf));
	return n < 0 ? -1 : rc;
}

void
msg_raw_free(struct msg_raw *raw)
{
	char last;

	if (raw->left > 0)
		(void)msg_raw_copy(raw, -1, -1, &last);
	if (raw->frame != NULL) {
		wipe_bytes(raw->frame + raw->gone, raw->size - raw->gone);
		msg_frame_free(raw->frame, raw->size + 1);
	}
	raw->frame = NULL;
	raw->size = 0;
	raw->gone = 0;
	raw->p = NULL;
	raw->len = 0;
}

void
msg_raw_release(struct msg_raw *raw, size_t upto)
{
	size_t end;

	/* (a smaller frame is malloc's: nothing to give back) */
	if (raw->frame == NULL || raw->p == NULL || upto > raw->len ||
	    raw->size + 1 < MSG_FRAME_HUGE)
		return;
	end = (size_t)(raw->p - raw->frame) + upto;
	end -= end % MSG_FRAME_HUGE;
	if (end <= raw->gone)
		return;
	wipe_bytes(raw->frame + raw->gone, end - raw->gone);
	(void)madvise(raw->frame + raw->gone, end - raw->gone, MADV_DONTNEED);
	raw->gone = end;
}

int
msg_raw_to_json(json_t *m, struct msg_raw *raw)
{
	json_t *sv;

	if (raw->left > 0 && msg_raw_pull(raw, -1) == -1)
		return -1;
	if (raw->p == NULL)
		return 0;
	/* what msg_recv would have done: json_stringn checks UTF-8 */
	sv = json_stringn(raw->p, raw->len);
	msg_raw_free(raw);
	if (sv == NULL)
		return -1;
	return json_object_set_new(m, raw->key, sv);
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
