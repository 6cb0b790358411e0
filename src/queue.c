/* queue.c - the durable spool (the layout and the commit point are in
 * queue.h).
 *
 * Every file is reached through the directory descriptors queue_open
 * checked, so a symlink planted later cannot redirect a write. The order of
 * renames is chosen so that a crash at any point leaves either a queued
 * message (both files in new/), a message in held/ or failed/, or debris
 * that queue_open can recognise and remove: nothing accepted is lost. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "queue.h"

#define COPY_BLOCK (256 * 1024)          /* bytes per pread/write when spooling */
#define ENVELOPE_FILE_MAX (8 * 1024 * 1024) /* 1000 escaped rcpts fit easily */
#define SCAN_MAX 1000000                 /* directory entries looked at per scan */
#define IO_RETRY_MAX 100                 /* consecutive EINTRs before giving up */
#define LEFTOVER_AGE 60                  /* seconds before debris is removed */
#define ID_RANDOM_CHARS 12

enum subdir { SUB_TMP, SUB_NEW, SUB_HELD, SUB_FAILED, SUB_COUNT };
static const char *const subdir_names[SUB_COUNT] = { "tmp", "new", "held", "failed" };

struct queue {
	char *dir;
	int dirfd[SUB_COUNT];
};

struct queue_lock {
	struct queue *q;
	enum subdir where;      /* the directory holding the locked message */
	int fd;                 /* ID.msg, flocked */
	char id[QUEUE_ID_MAX];
};

/* ------------------------------------------------------------ names and errors */

/* An id is what queue_enqueue makes: letters, digits and '-', so it can
 * never name another directory or a hidden file. */
static bool valid_id(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len >= QUEUE_ID_MAX || id[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = id[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '-'))
			return false;
	}
	return true;
}

static int check_id(const char *id, struct outcome *out)
{
	if (id && valid_id(id))
		return 0;
	return outcome_fail(out, OUTCOME_USAGE, "queue",
	                    "\"%.80s\" is not a queue id (see mailq for the ids)",
	                    id ? id : "");
}

/* "ID.msg", "ID.env", ... */
static void file_name(char *buf, size_t size, const char *id, const char *suffix)
{
	snprintf(buf, size, "%s%s", id, suffix);
}

static bool disk_full(int err)
{
	return err == ENOSPC || err == EDQUOT || err == EFBIG;
}

/* "cannot write /q/tmp/ID.msg: No space left on device". A full disk
 * or quota is temporary whatever the operation; else `cls`. */
static int fail_file(struct outcome *out, enum outcome_class cls, int err, const char *what,
                     const struct queue *q, enum subdir sub, const char *name)
{
	return outcome_fail(out, disk_full(err) ? OUTCOME_TEMPORARY : cls, "queue",
	                    "%s %s/%s/%s: %s", what, q->dir, subdir_names[sub], name,
	                    strerror(err));
}

static int sync_dir(const struct queue *q, enum subdir sub, struct outcome *out)
{
	if (fsync(q->dirfd[sub]) == 0)
		return 0;
	return outcome_fail(out, disk_full(errno) ? OUTCOME_TEMPORARY : OUTCOME_IO, "queue",
	                    "cannot sync %s/%s: %s", q->dir, subdir_names[sub],
	                    strerror(errno));
}

static int move_file(const struct queue *q, enum subdir from, enum subdir to, const char *name,
                     struct outcome *out)
{
	if (renameat(q->dirfd[from], name, q->dirfd[to], name) == 0)
		return 0;
	return fail_file(out, OUTCOME_CANT_CREATE, errno, "cannot move", q, from, name);
}

static bool file_exists(const struct queue *q, enum subdir sub, const char *name)
{
	struct stat st;

	return fstatat(q->dirfd[sub], name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Remove sub/NAME; one already gone is fine. */
static int remove_file(const struct queue *q, enum subdir sub, const char *name,
                       struct outcome *out)
{
	if (unlinkat(q->dirfd[sub], name, 0) == 0 || errno == ENOENT)
		return 0;
	return fail_file(out, OUTCOME_IO, errno, "cannot remove", q, sub, name);
}

/* ------------------------------------------------------------ the directory */

static int home_directory(char *buf, size_t size, const char **home)
{
	struct passwd pw, *found = NULL;

	*home = getenv("HOME");
	if (*home && **home == '/')
		return 0;
	if (getpwuid_r(geteuid(), &pw, buf, size, &found) != 0 || !found || !pw.pw_dir ||
	    pw.pw_dir[0] != '/')
		return -1;
	*home = pw.pw_dir;
	return 0;
}

int queue_default_dir(char *buf, size_t size, struct outcome *out)
{
	const char *state = getenv("XDG_STATE_HOME");
	char pwbuf[4096];
	const char *home;
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, size, "/var/spool/postie");
	else if (state && state[0] == '/')
		n = snprintf(buf, size, "%s/postie/queue", state);
	else if (home_directory(pwbuf, sizeof(pwbuf), &home) == 0)
		n = snprintf(buf, size, "%s/.local/state/postie/queue", home);
	else
		return outcome_fail(out, OUTCOME_CONFIG, "queue",
		                    "no home directory to keep the queue in; set queue_dir");
	if (n < 0 || (size_t)n >= size)
		return outcome_fail(out, OUTCOME_CONFIG, "queue",
		                    "the queue directory name is too long; set queue_dir");
	return 0;
}

/* mkdir -p for the parents of `path` (mode 0700: XDG state directories are
 * private, and an existing parent is left as it is). */
static int make_parents(char *path, struct outcome *out)
{
	for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		int rc = mkdir(path, 0700);
		int err = errno;
		if (rc != 0 && err != EEXIST) {
			outcome_fail(out, OUTCOME_CANT_CREATE, "queue",
			             "cannot create directory %s: %s", path, strerror(err));
			*slash = '/';
			return -1;
		}
		*slash = '/';
	}
	return 0;
}

/* A queue directory must be a real directory of ours that nobody else can
 * read or write: the messages are other people's mail. */
static int check_private(int fd, const char *path, struct outcome *out)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return outcome_fail(out, OUTCOME_CANT_CREATE, "queue", "cannot stat %s: %s",
		                    path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return outcome_fail(out, OUTCOME_CANT_CREATE, "queue",
		                    "%s is not a directory", path);
	if (st.st_uid != geteuid())
		return outcome_fail(out, OUTCOME_CANT_CREATE, "queue",
		                    "%s belongs to uid %lu, not to us (uid %lu)", path,
		                    (unsigned long)st.st_uid, (unsigned long)geteuid());
	if (st.st_mode & 077)
		return outcome_fail(out, OUTCOME_CANT_CREATE, "queue",
		                    "%s has mode %04o; make it 0700 (chmod 700 %s)", path,
		                    (unsigned)(st.st_mode & 0777), path);
	return 0;
}

/* Open `name` under `parent` (or the path itself when parent is AT_FDCWD),
 * creating it 0700 when missing; a symlink is refused. */
static int open_private_dir(int parent, const char *name, const char *path, struct outcome *out)
{
	int fd;

	if (mkdirat(parent, name, 0700) != 0 && errno != EEXIST)
		return outcome_fail(out, OUTCOME_CANT_CREATE, "queue",
		                    "cannot create directory %s: %s", path, strerror(errno));
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		if (err == ELOOP || err == ENOTDIR)
			return outcome_fail(out, OUTCOME_CANT_CREATE, "queue",
			                    "%s is a symlink or not a directory; use a real directory",
			                    path);
		return outcome_fail(out, OUTCOME_CANT_CREATE, "queue", "cannot open %s: %s",
		                    path, strerror(err));
	}
	if (check_private(fd, path, out) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_subdirs(struct queue *q, struct outcome *out)
{
	int top = -1;
	int rc = -1;

	if (make_parents(q->dir, out) < 0)
		return -1;
	top = open_private_dir(AT_FDCWD, q->dir, q->dir, out);
	if (top < 0)
		return -1;
	for (int sub = 0; sub < SUB_COUNT; sub++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", q->dir, subdir_names[sub]);
		q->dirfd[sub] = open_private_dir(top, subdir_names[sub], path, out);
		if (q->dirfd[sub] < 0)
			goto done;
	}
	rc = 0;
done:
	close(top);
	return rc;
}

/* ------------------------------------------------------------ writing files */

static int write_all(int fd, const char *buf, size_t len)
{
	size_t done = 0;
	int interrupted = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR && ++interrupted < IO_RETRY_MAX)
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

/* Fill buf from data_fd at `offset`, all of `len` bytes. */
static int read_block(int data_fd, char *buf, size_t len, off_t offset)
{
	size_t done = 0;
	int interrupted = 0;

	while (done < len) {
		ssize_t n = pread(data_fd, buf + done, len - done, offset + (off_t)done);
		if (n < 0 && errno == EINTR && ++interrupted < IO_RETRY_MAX)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENODATA;
			return -1;
		}
		done += (size_t)n;
		interrupted = 0;
	}
	return 0;
}

static int tmp_create(const struct queue *q, const char *name, struct outcome *out)
{
	int fd = openat(q->dirfd[SUB_TMP], name,
	                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		int err = errno;
		fail_file(out, OUTCOME_CANT_CREATE, err, "cannot create", q, SUB_TMP, name);
		errno = err;   /* EEXIST lets the caller try another id */
	}
	return fd;
}

/* fsync and close: after this the bytes are on disk. The mtime is set to
 * now so that queue_open's age test counts from the end of the write, not
 * from the start of a long one. */
static int tmp_finish(const struct queue *q, int fd, const char *name, struct outcome *out)
{
	int rc = fsync(fd);
	int err = errno;

	if (rc == 0)
		futimens(fd, NULL);
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		err = errno;
	}
	if (rc != 0)
		return fail_file(out, OUTCOME_IO, err, "cannot write", q, SUB_TMP, name);
	return 0;
}

/* tmp/NAME holding `len` bytes of `text`, durably. */
static int tmp_write_text(const struct queue *q, const char *name, const char *text, size_t len,
                          struct outcome *out)
{
	int fd = tmp_create(q, name, out);

	if (fd < 0)
		return -1;
	if (write_all(fd, text, len) < 0) {
		fail_file(out, OUTCOME_CANT_CREATE, errno, "cannot write", q, SUB_TMP, name);
		close(fd);
		return -1;
	}
	return tmp_finish(q, fd, name, out);
}

/* Fill the open tmp/NAME with bytes 0..size of data_fd, one block in
 * memory at a time, and finish it durably. Closes fd in every case. */
static int tmp_write_copy(const struct queue *q, int fd, const char *name, int data_fd,
                          off_t size, struct outcome *out)
{
	char *block = malloc(COPY_BLOCK);

	if (!block) {
		close(fd);
		return outcome_fail(out, OUTCOME_OS, "queue", "out of memory");
	}
	for (off_t at = 0; at < size;) {
		size_t len = size - at < COPY_BLOCK ? (size_t)(size - at) : COPY_BLOCK;

		if (read_block(data_fd, block, len, at) < 0) {
			outcome_fail(out, OUTCOME_IO, "queue", "cannot read the message: %s",
			             errno == ENODATA ? "it ended early" : strerror(errno));
			goto fail;
		}
		if (write_all(fd, block, len) < 0) {
			fail_file(out, OUTCOME_CANT_CREATE, errno, "cannot write", q, SUB_TMP, name);
			goto fail;
		}
		at += (off_t)len;
	}
	free(block);
	return tmp_finish(q, fd, name, out);
fail:
	close(fd);
	free(block);
	return -1;
}

/* Write `env` as tmp/ID.env.new and rename it over sub/ID.env: the old
 * envelope or the new one, never a mix. */
static int replace_envelope(const struct queue *q, enum subdir sub, const char *id,
                            const struct queue_envelope *env, struct outcome *out)
{
	char tmp_name[QUEUE_ID_MAX + 16], env_name[QUEUE_ID_MAX + 8];
	char *text = NULL;
	size_t len;

	if (queue_envelope_format(env, &text, &len) < 0)
		return outcome_fail(out, OUTCOME_INTERNAL, "queue",
		                    "cannot format the envelope of %s: %s", id, strerror(errno));
	file_name(tmp_name, sizeof(tmp_name), id, ".env.new");
	file_name(env_name, sizeof(env_name), id, ".env");
	/* We hold the lock, so a file by this name is a crashed rewrite's. */
	if (remove_file(q, SUB_TMP, tmp_name, out) < 0 ||
	    tmp_write_text(q, tmp_name, text, len, out) < 0) {
		free(text);
		unlinkat(q->dirfd[SUB_TMP], tmp_name, 0);
		return -1;
	}
	free(text);
	if (renameat(q->dirfd[SUB_TMP], tmp_name, q->dirfd[sub], env_name) != 0) {
		fail_file(out, OUTCOME_CANT_CREATE, errno, "cannot replace", q, sub, env_name);
		unlinkat(q->dirfd[SUB_TMP], tmp_name, 0);
		return -1;
	}
	return sync_dir(q, sub, out);
}

/* ------------------------------------------------------------ reading files */

static int read_envelope(const struct queue *q, enum subdir sub, const char *id,
                         struct queue_envelope *env, struct outcome *out)
{
	char name[QUEUE_ID_MAX + 8], label[PATH_MAX];
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int fd, rc = -1;

	file_name(name, sizeof(name), id, ".env");
	snprintf(label, sizeof(label), "%s/%s/%s", q->dir, subdir_names[sub], name);
	fd = openat(q->dirfd[sub], name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fail_file(out, OUTCOME_IO, errno, "cannot read", q, sub, name);
		goto done;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > ENVELOPE_FILE_MAX) {
		outcome_fail(out, OUTCOME_IO, "queue", "%s is not an envelope file", label);
		goto done;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		outcome_fail(out, OUTCOME_OS, "queue", "out of memory");
		goto done;
	}
	len = (size_t)st.st_size;
	if (read_block(fd, text, len, 0) < 0) {
		outcome_fail(out, OUTCOME_IO, "queue", "cannot read %s: %s", label,
		             errno == ENODATA ? "it was cut short" : strerror(errno));
		goto done;
	}
	rc = queue_envelope_parse(label, text, len, env, out);
	if (rc == 0)
		snprintf(env->id, sizeof(env->id), "%s", id);
done:
	if (fd >= 0)
		close(fd);
	free(text);
	return rc;
}

/* ------------------------------------------------------------ locks */

enum lock_result { LOCK_ERROR = -1, LOCK_GONE, LOCK_TAKEN, LOCK_BUSY };

/* flock sub/ID.msg without waiting. Taken only when, under the lock, the
 * file is still sub/ID.msg and its ID.env is beside it: otherwise another
 * process delivered, moved or removed it while we were opening it. */
static enum lock_result lock_message(struct queue *q, enum subdir sub, const char *id,
                                     struct queue_lock **lock, struct outcome *out)
{
	char msg[QUEUE_ID_MAX + 8], env[QUEUE_ID_MAX + 8];
	struct stat held, now;
	int fd;

	file_name(msg, sizeof(msg), id, ".msg");
	file_name(env, sizeof(env), id, ".env");
	fd = openat(q->dirfd[sub], msg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return LOCK_GONE;
	if (fd < 0) {
		fail_file(out, OUTCOME_IO, errno, "cannot open", q, sub, msg);
		return LOCK_ERROR;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;
		close(fd);
		if (err == EWOULDBLOCK)
			return LOCK_BUSY;
		fail_file(out, OUTCOME_IO, err, "cannot lock", q, sub, msg);
		return LOCK_ERROR;
	}
	if (fstat(fd, &held) != 0 || fstatat(q->dirfd[sub], msg, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
	    held.st_ino != now.st_ino || held.st_dev != now.st_dev || !file_exists(q, sub, env)) {
		close(fd);
		return LOCK_GONE;
	}
	*lock = calloc(1, sizeof(**lock));
	if (!*lock) {
		close(fd);
		outcome_fail(out, OUTCOME_OS, "queue", "out of memory");
		return LOCK_ERROR;
	}
	(*lock)->q = q;
	(*lock)->where = sub;
	(*lock)->fd = fd;
	snprintf((*lock)->id, sizeof((*lock)->id), "%s", id);
	return LOCK_TAKEN;
}

void queue_unlock(struct queue_lock *lock)
{
	if (!lock)
		return;
	close(lock->fd);   /* closing the only descriptor releases the flock */
	free(lock);
}

int queue_lock(struct queue *q, const char *id, struct queue_lock **lock,
               struct queue_envelope *env, int *data_fd, struct outcome *out)
{
	struct stat st;

	memset(env, 0, sizeof(*env));
	*lock = NULL;
	*data_fd = -1;
	if (check_id(id, out) < 0)
		return -1;
	switch (lock_message(q, SUB_NEW, id, lock, out)) {
	case LOCK_TAKEN:
		break;
	case LOCK_GONE:
	case LOCK_BUSY:
		return 0;
	default:
		return -1;
	}
	if (read_envelope(q, SUB_NEW, id, env, out) < 0)
		goto fail;
	if (fstat((*lock)->fd, &st) != 0) {
		outcome_fail(out, OUTCOME_IO, "queue", "cannot stat %s/new/%s.msg: %s",
		             q->dir, id, strerror(errno));
		goto fail;
	}
	env->size = st.st_size;
	*data_fd = (*lock)->fd;
	return 1;
fail:
	queue_envelope_free(env);
	queue_unlock(*lock);
	*lock = NULL;
	return -1;
}

/* Both files of a locked message removed: ID.env first, so that from the
 * first unlink on the message is no longer queued. */
static int remove_locked(struct queue_lock *lock, struct outcome *out)
{
	char name[QUEUE_ID_MAX + 8];
	int rc;

	file_name(name, sizeof(name), lock->id, ".env");
	rc = remove_file(lock->q, lock->where, name, out);
	file_name(name, sizeof(name), lock->id, ".msg");
	if (rc == 0)
		rc = remove_file(lock->q, lock->where, name, out);
	if (rc == 0)
		rc = sync_dir(lock->q, lock->where, out);
	queue_unlock(lock);
	return rc;
}

int queue_done(struct queue_lock *lock, struct outcome *out)
{
	return remove_locked(lock, out);
}

int queue_reschedule(struct queue_lock *lock, const struct queue_envelope *env,
                     struct outcome *out)
{
	int rc = replace_envelope(lock->q, lock->where, lock->id, env, out);

	queue_unlock(lock);
	return rc;
}

/* The envelope goes to failed/ first, then the message, and only then is
 * new/ID.env removed: a crash in between leaves a message still queued, or
 * a stray new/ID.env beside a failed/ID.msg that queue_open removes. */
int queue_give_up(struct queue_lock *lock, const struct queue_envelope *env,
                  struct outcome *out)
{
	struct queue *q = lock->q;
	char name[QUEUE_ID_MAX + 8];
	int rc;

	rc = replace_envelope(q, SUB_FAILED, lock->id, env, out);
	file_name(name, sizeof(name), lock->id, ".msg");
	if (rc == 0)
		rc = move_file(q, lock->where, SUB_FAILED, name, out);
	file_name(name, sizeof(name), lock->id, ".env");
	if (rc == 0)
		rc = remove_file(q, lock->where, name, out);
	if (rc == 0)
		rc = sync_dir(q, SUB_FAILED, out);
	if (rc == 0)
		rc = sync_dir(q, lock->where, out);
	queue_unlock(lock);
	return rc;
}

/* ------------------------------------------------------------ enqueue */

/* "YYYYMMDDTHHMMSS-" and 60 random bits in base32hex: sortable by time,
 * unguessable, and only [0-9a-zT-]. */
static int make_id(char id[QUEUE_ID_MAX], time_t now, struct outcome *out)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	unsigned char rnd[8];
	uint64_t bits = 0;
	struct tm tm;
	size_t n;

	if (!gmtime_r(&now, &tm) || gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) != 0)
		return outcome_fail(out, OUTCOME_OS, "queue", "cannot make a message id");
	for (size_t i = 0; i < sizeof(rnd); i++)
		bits = bits << 8 | rnd[i];
	n = strftime(id, QUEUE_ID_MAX, "%Y%m%dT%H%M%S-", &tm);
	if (n == 0 || n + ID_RANDOM_CHARS >= QUEUE_ID_MAX)
		return outcome_fail(out, OUTCOME_OS, "queue", "cannot make a message id");
	for (size_t i = 0; i < ID_RANDOM_CHARS; i++, bits >>= 5)
		id[n + i] = digits[bits & 31];
	id[n + ID_RANDOM_CHARS] = '\0';
	return 0;
}

/* Pick an id and create tmp/ID.msg for it. An id already taken in tmp/
 * (60 random bits: practically never) is replaced by a fresh one; env->id
 * is set only once the file is ours, so a failure never names another's. */
static int create_message_file(struct queue *q, struct queue_envelope *env, struct outcome *out)
{
	char id[QUEUE_ID_MAX], name[QUEUE_ID_MAX + 8];
	int fd = -1;

	for (int tries = 0; tries < 4 && fd < 0; tries++) {
		if (make_id(id, time(NULL), out) < 0)
			return -1;
		file_name(name, sizeof(name), id, ".msg");
		fd = tmp_create(q, name, out);
		if (fd < 0 && errno != EEXIST)
			return -1;
	}
	if (fd >= 0)
		memcpy(env->id, id, sizeof(id));
	return fd;
}

/* Both files in tmp/, durably. */
static int write_tmp_files(struct queue *q, struct queue_envelope *env, int data_fd, off_t size,
                           struct outcome *out)
{
	char name[QUEUE_ID_MAX + 8];
	char *text = NULL;
	size_t len;
	int fd = create_message_file(q, env, out);
	int rc;

	if (fd < 0)
		return -1;
	file_name(name, sizeof(name), env->id, ".msg");
	if (tmp_write_copy(q, fd, name, data_fd, size, out) < 0)
		return -1;
	if (queue_envelope_format(env, &text, &len) < 0)
		return outcome_fail(out, OUTCOME_INTERNAL, "queue",
		                    "cannot format the envelope: %s", strerror(errno));
	file_name(name, sizeof(name), env->id, ".env");
	rc = tmp_write_text(q, name, text, len, out);
	free(text);
	return rc;
}

/* Undo a failed enqueue: nothing of it may stay in tmp/ or new/. */
static void discard_enqueue(struct queue *q, const char *id)
{
	static const char *const suffixes[] = { ".env", ".msg" };
	char name[QUEUE_ID_MAX + 8];

	for (size_t i = 0; i < 2; i++) {
		file_name(name, sizeof(name), id, suffixes[i]);
		unlinkat(q->dirfd[SUB_NEW], name, 0);
		unlinkat(q->dirfd[SUB_TMP], name, 0);
	}
	fsync(q->dirfd[SUB_NEW]);
}

int queue_enqueue(struct queue *q, struct queue_envelope *env, int data_fd, off_t size,
                  struct outcome *out)
{
	char name[QUEUE_ID_MAX + 8];

	if (size < 0)
		return outcome_fail(out, OUTCOME_INTERNAL, "queue", "negative message size");
	env->id[0] = '\0';
	if (write_tmp_files(q, env, data_fd, size, out) < 0)
		goto fail;
	file_name(name, sizeof(name), env->id, ".msg");
	if (move_file(q, SUB_TMP, SUB_NEW, name, out) < 0)
		goto fail;
	file_name(name, sizeof(name), env->id, ".env");
	if (move_file(q, SUB_TMP, SUB_NEW, name, out) < 0)   /* the commit point */
		goto fail;
	if (sync_dir(q, SUB_NEW, out) < 0 || sync_dir(q, SUB_TMP, out) < 0)
		goto fail;
	env->size = size;
	return 0;
fail:
	if (env->id[0])
		discard_enqueue(q, env->id);
	return -1;
}

/* ------------------------------------------------------------ scanning */

/* The id of a "ID<suffix>" directory entry, or false. */
static bool entry_id(const char *entry, const char *suffix, char id[QUEUE_ID_MAX])
{
	size_t len = strlen(entry), slen = strlen(suffix);

	if (len <= slen || len - slen >= QUEUE_ID_MAX || strcmp(entry + len - slen, suffix) != 0)
		return false;
	memcpy(id, entry, len - slen);
	id[len - slen] = '\0';
	return valid_id(id);
}

typedef void scan_visit(struct queue *q, enum subdir sub, const char *entry, void *ctx);

/* Call `visit` for each entry of sub/ (at most SCAN_MAX of them). */
static int scan_dir(struct queue *q, enum subdir sub, scan_visit *visit, void *ctx,
                    struct outcome *out)
{
	int fd = openat(q->dirfd[sub], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return outcome_fail(out, OUTCOME_IO, "queue", "cannot read %s/%s: %s",
		                    q->dir, subdir_names[sub], strerror(errno));
	}
	for (long seen = 0; seen < SCAN_MAX && (de = readdir(d)) != NULL; seen++) {
		if (de->d_name[0] != '.')
			visit(q, sub, de->d_name, ctx);
	}
	closedir(d);
	return 0;
}

static bool older_than(const struct queue *q, enum subdir sub, const char *name, time_t now)
{
	struct stat st;

	return fstatat(q->dirfd[sub], name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_mtime + LEFTOVER_AGE < now;
}

static void clean_tmp_entry(struct queue *q, enum subdir sub, const char *entry, void *ctx)
{
	if (older_than(q, sub, entry, *(const time_t *)ctx))
		unlinkat(q->dirfd[sub], entry, 0);
}

/* new/ID.env without new/ID.msg: a hold, release or give-up that stopped
 * half way (the message is in held/ or failed/), finished here under the
 * message's lock; with the message nowhere, an old envelope is dropped. */
static void settle_envelope(struct queue *q, const char *id, time_t now)
{
	char msg[QUEUE_ID_MAX + 8], env[QUEUE_ID_MAX + 8];
	const enum subdir homes[] = { SUB_HELD, SUB_FAILED };

	file_name(msg, sizeof(msg), id, ".msg");
	file_name(env, sizeof(env), id, ".env");
	for (size_t i = 0; i < 2; i++) {
		int fd = openat(q->dirfd[homes[i]], msg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && !file_exists(q, SUB_NEW, msg)) {
			if (homes[i] == SUB_HELD)
				renameat(q->dirfd[SUB_NEW], env, q->dirfd[SUB_HELD], env);
			else
				unlinkat(q->dirfd[SUB_NEW], env, 0);
		}
		close(fd);
		return;
	}
	if (older_than(q, SUB_NEW, env, now))
		unlinkat(q->dirfd[SUB_NEW], env, 0);
}

static void clean_new_entry(struct queue *q, enum subdir sub, const char *entry, void *ctx)
{
	time_t now = *(const time_t *)ctx;
	char id[QUEUE_ID_MAX], other[QUEUE_ID_MAX + 8];

	if (entry_id(entry, ".env", id)) {
		file_name(other, sizeof(other), id, ".msg");
		if (!file_exists(q, sub, other))
			settle_envelope(q, id, now);
	} else if (entry_id(entry, ".msg", id)) {
		/* An enqueue that died before its commit point: nothing was
		 * promised to anyone, so the message goes. */
		file_name(other, sizeof(other), id, ".env");
		if (!file_exists(q, sub, other) && !file_exists(q, SUB_HELD, other) &&
		    older_than(q, sub, entry, now))
			unlinkat(q->dirfd[sub], entry, 0);
	}
}

static int remove_leftovers(struct queue *q, struct outcome *out)
{
	time_t now = time(NULL);

	if (scan_dir(q, SUB_TMP, clean_tmp_entry, &now, out) < 0 ||
	    scan_dir(q, SUB_NEW, clean_new_entry, &now, out) < 0)
		return -1;
	fsync(q->dirfd[SUB_TMP]);
	fsync(q->dirfd[SUB_NEW]);
	fsync(q->dirfd[SUB_HELD]);
	return 0;
}

/* ------------------------------------------------------------ open and close */

int queue_open(const char *dir, struct queue **qp, struct outcome *out)
{
	struct queue *q;
	size_t len = strlen(dir);

	*qp = NULL;
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len == 0 || len + 32 >= PATH_MAX)
		return outcome_fail(out, OUTCOME_CANT_CREATE, "queue",
		                    "\"%.80s\" cannot be a queue directory", dir);
	q = calloc(1, sizeof(*q));
	if (!q || !(q->dir = strndup(dir, len))) {
		free(q);
		return outcome_fail(out, OUTCOME_OS, "queue", "out of memory");
	}
	for (int sub = 0; sub < SUB_COUNT; sub++)
		q->dirfd[sub] = -1;
	if (open_subdirs(q, out) < 0 || remove_leftovers(q, out) < 0) {
		queue_close(q);
		return -1;
	}
	*qp = q;
	return 0;
}

void queue_close(struct queue *q)
{
	if (!q)
		return;
	for (int sub = 0; sub < SUB_COUNT; sub++)
		if (q->dirfd[sub] >= 0)
			close(q->dirfd[sub]);
	free(q->dir);
	free(q);
}

const char *queue_dir(const struct queue *q)
{
	return q->dir;
}

/* ------------------------------------------------------------ listing */

struct listing {
	struct queue_envelope *items;
	size_t n, cap;
	int failed;             /* out of memory */
};

/* One entry for each sub/ID.env whose ID.msg is there; an envelope that
 * does not parse is left out of the listing (and left alone). */
static void list_entry(struct queue *q, enum subdir sub, const char *entry, void *ctx)
{
	struct listing *l = ctx;
	char id[QUEUE_ID_MAX], msg[QUEUE_ID_MAX + 8];
	struct queue_envelope env;
	struct outcome ignored;
	struct stat st;

	if (l->failed || !entry_id(entry, ".env", id))
		return;
	file_name(msg, sizeof(msg), id, ".msg");
	if (fstatat(q->dirfd[sub], msg, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	outcome_clear(&ignored);
	if (read_envelope(q, sub, id, &env, &ignored) < 0)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct queue_envelope *grown = realloc(l->items, cap * sizeof(*grown));
		if (!grown) {
			queue_envelope_free(&env);
			l->failed = 1;
			return;
		}
		l->items = grown;
		l->cap = cap;
	}
	env.size = st.st_size;
	env.held = sub == SUB_HELD;
	l->items[l->n++] = env;
}

static int by_age(const void *a, const void *b)
{
	const struct queue_envelope *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

int queue_list(struct queue *q, struct queue_envelope **list, size_t *n, struct outcome *out)
{
	struct listing l = { 0 };

	*list = NULL;
	*n = 0;
	if (scan_dir(q, SUB_NEW, list_entry, &l, out) < 0 ||
	    scan_dir(q, SUB_HELD, list_entry, &l, out) < 0 || l.failed) {
		if (l.failed)
			outcome_fail(out, OUTCOME_OS, "queue", "out of memory");
		queue_list_free(l.items, l.n);
		return -1;
	}
	if (l.n > 1)
		qsort(l.items, l.n, sizeof(*l.items), by_age);
	*list = l.items;
	*n = l.n;
	return 0;
}

void queue_list_free(struct queue_envelope *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		queue_envelope_free(&list[i]);
	free(list);
}

/* ------------------------------------------------------------ mailq's commands */

static int lock_failure(enum lock_result r, const char *id, struct outcome *out)
{
	if (r == LOCK_BUSY)
		return outcome_fail(out, OUTCOME_TEMPORARY, "queue",
		                    "message %s is being delivered or changed; try again later",
		                    id);
	if (r == LOCK_GONE)
		return outcome_fail(out, OUTCOME_NO_INPUT, "queue", "no message %s in the queue",
		                    id);
	return -1;
}

int queue_delete(struct queue *q, const char *id, struct outcome *out)
{
	const enum subdir locked_homes[] = { SUB_NEW, SUB_HELD };
	char msg[QUEUE_ID_MAX + 8], env[QUEUE_ID_MAX + 8];
	bool found;

	if (check_id(id, out) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++) {
		struct queue_lock *lock = NULL;
		enum lock_result r = lock_message(q, locked_homes[i], id, &lock, out);
		if (r == LOCK_TAKEN)
			return remove_locked(lock, out);
		if (r != LOCK_GONE)
			return lock_failure(r, id, out);
	}
	/* failed/ is never flushed: nothing to lock against. */
	file_name(msg, sizeof(msg), id, ".msg");
	file_name(env, sizeof(env), id, ".env");
	found = file_exists(q, SUB_FAILED, msg) || file_exists(q, SUB_FAILED, env);
	if (!found)
		return lock_failure(LOCK_GONE, id, out);
	if (remove_file(q, SUB_FAILED, env, out) < 0 || remove_file(q, SUB_FAILED, msg, out) < 0)
		return -1;
	return sync_dir(q, SUB_FAILED, out);
}

/* new/ -> held/: ID.msg first, then ID.env. Half way, new/ID.env sits
 * beside held/ID.msg: not deliverable (no new/ID.msg to lock), not debris,
 * and queue_open finishes the move. */
int queue_hold(struct queue *q, const char *id, struct outcome *out)
{
	struct queue_lock *lock = NULL;
	char msg[QUEUE_ID_MAX + 8], env[QUEUE_ID_MAX + 8];
	enum lock_result r;
	int rc;

	if (check_id(id, out) < 0)
		return -1;
	file_name(msg, sizeof(msg), id, ".msg");
	file_name(env, sizeof(env), id, ".env");
	r = lock_message(q, SUB_NEW, id, &lock, out);
	if (r == LOCK_GONE && file_exists(q, SUB_HELD, env))
		return 0;   /* held already */
	if (r != LOCK_TAKEN)
		return lock_failure(r, id, out);
	rc = move_file(q, SUB_NEW, SUB_HELD, msg, out);
	if (rc == 0 && move_file(q, SUB_NEW, SUB_HELD, env, out) < 0) {
		renameat(q->dirfd[SUB_HELD], msg, q->dirfd[SUB_NEW], msg);
		rc = -1;
	}
	if (rc == 0)
		rc = sync_dir(q, SUB_HELD, out);
	if (rc == 0)
		rc = sync_dir(q, SUB_NEW, out);
	queue_unlock(lock);
	return rc;
}

/* held/ -> new/ with next_attempt 0: the envelope is rewritten in held/,
 * then moved before the message, so that half way the state is the same
 * as a half-done hold (safe, and finished as held). */
int queue_release(struct queue *q, const char *id, struct outcome *out)
{
	struct queue_lock *lock = NULL;
	struct queue_envelope env;
	char msg[QUEUE_ID_MAX + 8], env_name[QUEUE_ID_MAX + 8];
	enum lock_result r;
	int rc;

	if (check_id(id, out) < 0)
		return -1;
	file_name(msg, sizeof(msg), id, ".msg");
	file_name(env_name, sizeof(env_name), id, ".env");
	r = lock_message(q, SUB_HELD, id, &lock, out);
	if (r == LOCK_GONE && file_exists(q, SUB_NEW, env_name) && file_exists(q, SUB_NEW, msg))
		return 0;   /* not held: already waiting */
	if (r != LOCK_TAKEN)
		return lock_failure(r, id, out);
	rc = read_envelope(q, SUB_HELD, id, &env, out);
	if (rc == 0) {
		env.next_attempt = 0;
		rc = replace_envelope(q, SUB_HELD, id, &env, out);
		queue_envelope_free(&env);
	}
	if (rc == 0)
		rc = move_file(q, SUB_HELD, SUB_NEW, env_name, out);
	if (rc == 0)
		rc = move_file(q, SUB_HELD, SUB_NEW, msg, out);
	if (rc == 0)
		rc = sync_dir(q, SUB_NEW, out);
	if (rc == 0)
		rc = sync_dir(q, SUB_HELD, out);
	queue_unlock(lock);
	return rc;
}

/* ------------------------------------------------------------ the envelope file */

struct text_buf {
	char *data;
	size_t len, cap;
	int failed;
};

static void buf_add(struct text_buf *b, const char *s, size_t len)
{
	if (b->failed)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + len + 1)
			cap *= 2;   /* bounded: cap doubles past a size_t length */
		char *grown = realloc(b->data, cap);
		if (!grown) {
			b->failed = 1;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* Bytes that would break the line, or the escape itself, as %XX. */
static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '%';
}

static void add_line(struct text_buf *b, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_add(b, key, strlen(key));
	buf_add(b, " ", 1);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
		if (needs_escape(*p))
			buf_add(b, esc, 3);
		else
			buf_add(b, (const char *)p, 1);
	}
	buf_add(b, "\n", 1);
}

static void add_optional(struct text_buf *b, const char *key, const char *value)
{
	if (value)
		add_line(b, key, value);
}

static void add_number(struct text_buf *b, const char *key, long long value)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", value);
	add_line(b, key, num);
}

int queue_envelope_format(const struct queue_envelope *env, char **text, size_t *len)
{
	struct text_buf b = { 0 };

	*text = NULL;
	*len = 0;
	if (!env->from || env->rcpts.n == 0) {
		errno = EINVAL;
		return -1;
	}
	add_line(&b, "version", "1");
	add_number(&b, "created", (long long)env->created);
	add_number(&b, "next_attempt", (long long)env->next_attempt);
	add_number(&b, "attempts", (long long)env->attempts);
	add_optional(&b, "account", env->account);
	add_line(&b, "from", env->from);
	for (size_t i = 0; i < env->rcpts.n; i++)
		add_line(&b, "rcpt", env->rcpts.items[i]);
	add_optional(&b, "dsn_notify", env->dsn_notify);
	add_optional(&b, "dsn_return", env->dsn_return);
	add_optional(&b, "dsn_envid", env->dsn_envid);
	add_optional(&b, "body_type", env->body_type);
	add_line(&b, "smtputf8", env->smtputf8 ? "yes" : "no");
	add_line(&b, "body_8bit", env->body_8bit ? "yes" : "no");
	add_optional(&b, "message_id", env->message_id);
	add_optional(&b, "last_reply", env->last_reply);
	if (b.failed) {
		free(b.data);
		errno = ENOMEM;
		return -1;
	}
	*text = b.data;
	*len = b.len;
	return 0;
}

enum env_key {
	KEY_VERSION, KEY_ACCOUNT, KEY_FROM, KEY_RCPT, KEY_DSN_NOTIFY, KEY_DSN_RETURN,
	KEY_DSN_ENVID, KEY_BODY_TYPE, KEY_SMTPUTF8, KEY_BODY_8BIT, KEY_MESSAGE_ID,
	KEY_CREATED, KEY_NEXT_ATTEMPT, KEY_ATTEMPTS, KEY_LAST_REPLY, KEY_COUNT, KEY_UNKNOWN
};

static const char *const key_names[KEY_COUNT] = {
	"version", "account", "from", "rcpt", "dsn_notify", "dsn_return", "dsn_envid",
	"body_type", "smtputf8", "body_8bit", "message_id", "created", "next_attempt",
	"attempts", "last_reply",
};

static enum env_key key_of(const char *key, size_t len)
{
	for (int k = 0; k < KEY_COUNT; k++)
		if (strlen(key_names[k]) == len && memcmp(key_names[k], key, len) == 0)
			return (enum env_key)k;
	return KEY_UNKNOWN;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The value with its escapes undone, malloc'd; NULL with *why set when it
 * is malformed (or holds a NUL, which no C string can). */
static char *unescape(const char *s, size_t len, const char **why)
{
	char *value = malloc(len + 1);
	size_t o = 0;

	*why = "out of memory";
	if (!value)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] != '%') {
			value[o++] = s[i];
			continue;
		}
		hi = i + 1 < len ? hex_value(s[i + 1]) : -1;
		lo = i + 2 < len ? hex_value(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			*why = hi == 0 && lo == 0 ? "NUL byte" : "bad %-escape";
			free(value);
			return NULL;
		}
		value[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	value[o] = '\0';
	return value;
}

static int parse_number(const char *value, long long max, long long *n)
{
	char *end;

	if (value[0] < '0' || value[0] > '9')
		return -1;
	errno = 0;
	*n = strtoll(value, &end, 10);
	return errno || *end || *n > max ? -1 : 0;
}

static int parse_bool(const char *value, bool *b)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) {
		*b = value[0] == 'y';
		return 0;
	}
	return -1;
}

/* Store one known key's value (taking ownership of it). Returns NULL or
 * the reason the value is refused. */
static const char *store_value(struct queue_envelope *env, enum env_key key, char *value)
{
	char **strings[KEY_COUNT] = {
		[KEY_ACCOUNT] = &env->account, [KEY_FROM] = &env->from,
		[KEY_DSN_NOTIFY] = &env->dsn_notify, [KEY_DSN_RETURN] = &env->dsn_return,
		[KEY_DSN_ENVID] = &env->dsn_envid, [KEY_BODY_TYPE] = &env->body_type,
		[KEY_MESSAGE_ID] = &env->message_id, [KEY_LAST_REPLY] = &env->last_reply,
	};
	const char *why = NULL;
	long long n = 0;

	if (strings[key]) {
		*strings[key] = value;
		return NULL;
	}
	switch (key) {
	case KEY_VERSION:
		why = strcmp(value, "1") == 0 ? NULL : "unsupported version (from a newer postie?)";
		break;
	case KEY_RCPT:
		why = address_list_add(&env->rcpts, value) == 0 ? NULL : "too many recipients";
		break;
	case KEY_SMTPUTF8:
		why = parse_bool(value, &env->smtputf8) == 0 ? NULL : "not yes or no";
		break;
	case KEY_BODY_8BIT:
		why = parse_bool(value, &env->body_8bit) == 0 ? NULL : "not yes or no";
		break;
	case KEY_CREATED:
	case KEY_NEXT_ATTEMPT:
		why = parse_number(value, LLONG_MAX, &n) == 0 ? NULL : "not a time";
		if (key == KEY_CREATED)
			env->created = (time_t)n;
		else
			env->next_attempt = (time_t)n;
		break;
	case KEY_ATTEMPTS:
		why = parse_number(value, UINT_MAX, &n) == 0 ? NULL : "not a count";
		env->attempts = (unsigned)n;
		break;
	default:
		break;
	}
	free(value);
	return why;
}

static bool valid_key(const char *key, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= '0' && key[i] <= '9') ||
		      key[i] == '_'))
			return false;
	return true;
}

/* One "key value" line (without its LF); `seen` counts each known key. */
static const char *parse_line(struct queue_envelope *env, const char *line, size_t len,
                              unsigned seen[KEY_COUNT])
{
	const char *space = memchr(line, ' ', len);
	size_t klen = space ? (size_t)(space - line) : len;
	enum env_key key;
	const char *why;
	char *value;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20)
			return "control character";
	if (!valid_key(line, klen))
		return "not a \"key value\" line";
	key = key_of(line, klen);
	if (key == KEY_UNKNOWN)
		return NULL;   /* written by a newer postie: not ours to judge */
	if (seen[key]++ && key != KEY_RCPT)
		return "key repeated";
	value = space ? unescape(space + 1, len - klen - 1, &why) : strdup("");
	if (!value)
		return space ? why : "out of memory";
	return store_value(env, key, value);
}

int queue_envelope_parse(const char *label, const char *text, size_t len,
                         struct queue_envelope *env, struct outcome *out)
{
	static const enum env_key required[] = { KEY_VERSION, KEY_FROM, KEY_RCPT, KEY_CREATED };
	unsigned seen[KEY_COUNT] = { 0 };
	unsigned lineno = 0;
	const char *why;
	size_t at = 0;

	memset(env, 0, sizeof(*env));
	while (at < len) {   /* each turn consumes one line */
		const char *nl = memchr(text + at, '\n', len - at);

		lineno++;
		why = nl ? parse_line(env, text + at, (size_t)(nl - (text + at)), seen)
		         : "the last line is cut short";
		if (why) {
			queue_envelope_free(env);
			return outcome_fail(out, OUTCOME_IO, "queue", "%s: line %u: %s", label,
			                    lineno, why);
		}
		at = (size_t)(nl - text) + 1;
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!seen[required[i]]) {
			queue_envelope_free(env);
			return outcome_fail(out, OUTCOME_IO, "queue", "%s: no \"%s\" line", label,
			                    key_names[required[i]]);
		}
	}
	return 0;
}

void queue_envelope_free(struct queue_envelope *env)
{
	char **strings[] = {
		&env->account, &env->from, &env->dsn_notify, &env->dsn_return, &env->dsn_envid,
		&env->body_type, &env->message_id, &env->last_reply,
	};

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		free(*strings[i]);
		*strings[i] = NULL;
	}
	address_list_free(&env->rcpts);
}
