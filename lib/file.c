/*
 * file: writing a file whole or not at all (see file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"

static int
file_write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
file_fsync_dir(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int fd;

	if (slash != NULL)
		*slash = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int
file_write_new(char *tmpl, const char *name, const void *buf, size_t len,
    mode_t mode, struct sb *err)
{
	int fd, saved;

	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd == -1) {
		saved = errno;
		sb_printf(err, "error: cannot create a file next to %s: %s",
		    name, strerror(errno));
		errno = saved;
		return -1;
	}
	if (fchmod(fd, mode) == -1 || file_write_all(fd, buf, len) == -1 ||
	    fsync(fd) == -1) {
		saved = errno;
		sb_printf(
		    err, "error: cannot write %s: %s", name, strerror(errno));
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		saved = errno;
		sb_printf(
		    err, "error: cannot write %s: %s", name, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	(void)unlink(tmpl);
	errno = saved;
	return -1;
}

int
file_write_atomic(
    const char *path, const void *buf, size_t len, mode_t mode, struct sb *err)
{
	struct sb tmp;
	int rc = -1, saved = 0;

	sb_init(&tmp);
	sb_printf(&tmp, "%s.tmpXXXXXX", path);
	if (file_write_new(tmp.buf, path, buf, len, mode, err) == -1) {
		saved = errno;
		goto done;
	}
	if (rename(tmp.buf, path) == -1) {
		saved = errno;
		sb_printf(err, "error: cannot rename to %s: %s", path,
		    strerror(errno));
		(void)unlink(tmp.buf);
		goto done;
	}
	file_fsync_dir(path);
	rc = 0;
done:
	sb_free(&tmp);
	if (rc == -1)
		errno = saved;
	return rc;
}
