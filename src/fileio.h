/* fileio.h - whole reads and writes on a descriptor, and the unlinked
 * temporary files that spools, bounces and converted messages are built
 * in. A signal interrupting a call is retried, FILEIO_RETRY_MAX times in a
 * row at most, so no loop can spin for ever. */
#ifndef POSTIE_FILEIO_H
#define POSTIE_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "outcome.h"

#define FILEIO_RETRY_MAX 100   /* consecutive EINTRs before giving up */

/* write() all `len` bytes. 0, or -1 with errno (EIO when write() wrote
 * nothing). */
int fileio_write_all(int fd, const void *buf, size_t len);

/* read() until `size` bytes or the end of the input: the count, or -1 with
 * errno. */
ssize_t fileio_read_full(int fd, void *buf, size_t size);

/* Where temporary files go: $TMPDIR, or /tmp when it is unset or empty. */
const char *fileio_temporary_dir(void);

/* A new file, mode 0600, open for reading and writing, that has no name:
 * an O_TMPFILE file in $TMPDIR (or /tmp), else, on a file system without
 * O_TMPFILE, "<dir>/<name>.XXXXXX" made by mkostemp and unlinked at once.
 * The descriptor, or -1 with errno. */
int fileio_temporary_fd(const char *name);

/* The same, a failure recorded in `out` under `step` as "cannot create a
 * temporary file in <dir> for <purpose>: <error>" (class CANT_CREATE). */
int fileio_temporary(const char *name, const char *step, const char *purpose,
                     struct outcome *out);

#endif
