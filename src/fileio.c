/* fileio.c - whole reads and writes, and unlinked temporary files (see
 * fileio.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE       /* O_TMPFILE, mkostemp */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

int fileio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	int interrupted = 0;

	while (done < len) {    /* bounded: each turn writes, fails, or counts an EINTR */
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR && ++interrupted < FILEIO_RETRY_MAX)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		done += (size_t)n;
		interrupted = 0;
	}
	return 0;
}

ssize_t fileio_read_full(int fd, void *buf, size_t size)
{
	char *p = buf;
	size_t got = 0;
	int interrupted = 0;

	while (got < size) {    /* bounded: each turn reads, ends, or counts an EINTR */
		ssize_t n = read(fd, p + got, size - got);

		if (n < 0 && errno == EINTR && ++interrupted < FILEIO_RETRY_MAX)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
		interrupted = 0;
	}
	return (ssize_t)got;
}

const char *fileio_temporary_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir && *dir ? dir : "/tmp";
}

int fileio_temporary_fd(const char *name)
{
	const char *dir = fileio_temporary_dir();
	char path[PATH_MAX];
	int n, fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* A file system without O_TMPFILE: mkostemp makes the file mode 0600;
	 * it loses its name at once, so nothing is left behind whenever the
	 * run ends. */
	n = snprintf(path, sizeof(path), "%s/%s.XXXXXX", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (unlink(path) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int fileio_temporary(const char *name, const char *step, const char *purpose,
                     struct outcome *out)
{
	int fd = fileio_temporary_fd(name);

	if (fd < 0)
		return outcome_fail(out, OUTCOME_CANT_CREATE, step,
		                    "cannot create a temporary file in %s for %s: %s",
		                    fileio_temporary_dir(), purpose, strerror(errno));
	return fd;
}
