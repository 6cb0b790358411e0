/* queue.c - the durable spool (the layout and the commit point are in
 * queue.h): the directories, enqueueing and listing, and the file steps
 * that the lock operations (queue_lock.c) and the recovery at queue_open
 * (queue_recover.c) share through queue_internal.h. The envelope file
 * format is in queue_envelope.c.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "config.h"
#include "fileio.h"
#include "queue.h"
#include "queue_internal.h"

#define COPY_BLOCK (256 * 1024)          /* bytes per pread/write when spooling */
#define ENVELOPE_FILE_MAX (8 * 1024 * 1024) /* 1000 escaped rcpts fit easily */
#define SCAN_MAX 1000000                 /* directory entries looked at per scan */
#define ID_RANDOM_CHARS 12

static const char *const subdir_names[SUB_COUNT] = { "tmp", "new", "held", "failed" };

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

int queue_check_id(const char *id, struct outcome *out)
{
	if (id && valid_id(id))
		return 0;
	return outcome_fail(out, OUTCOME_USAGE, "queue",
	                    "\"%.80s\" is not a queue id (see mailq for the ids)",
	                    id ? id : "");
}

/* "ID.msg", "ID.env", ... */
void queue_file_name(char *buf, size_t size, const char *id, const char *suffix)
{
	snprintf(buf, size, "%s%s", id, suffix);
}

static bool disk_full(int err)
{
	return err == ENOSPC || err == EDQUOT || err == EFBIG;
}

/* "cannot write /q/tmp/ID.msg: No space left on device". A full disk
 * or quota is temporary whatever the operation; else `cls`. */
int queue_fail_file(struct outcome *out, enum outcome_class cls, int err, const char *what,
                    const struct queue *q, enum subdir sub, const char *name)
{
	return outcome_fail(out, disk_full(err) ? OUTCOME_TEMPORARY : cls, "queue",
	                    "%s %s/%s/%s: %s", what, q->dir, subdir_names[sub], name,
	                    strerror(err));
}

int queue_sync_dir(const struct queue *q, enum subdir sub, struct outcome *out)
{
	if (fsync(q->dirfd[sub]) == 0)
		return 0;
	return outcome_fail(out, disk_full(errno) ? OUTCOME_TEMPORARY : OUTCOME_IO, "queue",
	                    "cannot sync %s/%s: %s", q->dir, subdir_names[sub],
	                    strerror(errno));
}

int queue_move_file(const struct queue *q, enum subdir from, enum subdir to, const char *name,
                    struct outcome *out)
{
	if (renameat(q->dirfd[from], name, q->dirfd[to], name) == 0)
		return 0;
	return queue_fail_file(out, OUTCOME_CANT_CREATE, errno, "cannot move", q, from, name);
}

bool queue_file_exists(const struct queue *q, enum subdir sub, const char *name)
{
	struct stat st;

	return fstatat(q->dirfd[sub], name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Remove sub/NAME; one already gone is fine. */
int queue_remove_file(const struct queue *q, enum subdir sub, const char *name,
                      struct outcome *out)
{
	if (unlinkat(q->dirfd[sub], name, 0) == 0 || errno == ENOENT)
		return 0;
	return queue_fail_file(out, OUTCOME_IO, errno, "cannot remove", q, sub, name);
}

/* ------------------------------------------------------------ the directory */

int queue_default_dir(char *buf, size_t size, struct outcome *out)
{
	const char *state = getenv("XDG_STATE_HOME");
	char pwbuf[4096];
	const char *home = NULL;
	int n;

	/* A relative home would move the queue with the working directory. */
	if (geteuid() == 0)
		n = snprintf(buf, size, "/var/spool/postie");
	else if (state && state[0] == '/')
		n = snprintf(buf, size, "%s/postie/queue", state);
	else if ((home = config_home_directory(pwbuf, sizeof(pwbuf))) && home[0] == '/')
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

/* Fill buf from data_fd at `offset`, all of `len` bytes. */
static int read_block(int data_fd, char *buf, size_t len, off_t offset)
{
	size_t done = 0;
	int interrupted = 0;

	while (done < len) {
		ssize_t n = pread(data_fd, buf + done, len - done, offset + (off_t)done);
		if (n < 0 && errno == EINTR && ++interrupted < FILEIO_RETRY_MAX)
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
		queue_fail_file(out, OUTCOME_CANT_CREATE, err, "cannot create", q, SUB_TMP, name);
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
		return queue_fail_file(out, OUTCOME_IO, err, "cannot write", q, SUB_TMP, name);
	return 0;
}

/* tmp/NAME holding `len` bytes of `text`, durably. */
static int tmp_write_text(const struct queue *q, const char *name, const char *text, size_t len,
                          struct outcome *out)
{
	int fd = tmp_create(q, name, out);

	if (fd < 0)
		return -1;
	if (fileio_write_all(fd, text, len) < 0) {
		queue_fail_file(out, OUTCOME_CANT_CREATE, errno, "cannot write", q, SUB_TMP, name);
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
		if (fileio_write_all(fd, block, len) < 0) {
			queue_fail_file(out, OUTCOME_CANT_CREATE, errno, "cannot write", q, SUB_TMP,
			                name);
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
int queue_replace_envelope(const struct queue *q, enum subdir sub, const char *id,
                           const struct queue_envelope *env, struct outcome *out)
{
	char tmp_name[QUEUE_ID_MAX + 16], env_name[QUEUE_ID_MAX + 8];
	char *text = NULL;
	size_t len;

	if (queue_envelope_format(env, &text, &len) < 0)
		return outcome_fail(out, OUTCOME_INTERNAL, "queue",
		                    "cannot format the envelope of %s: %s", id, strerror(errno));
	queue_file_name(tmp_name, sizeof(tmp_name), id, ".env.new");
	queue_file_name(env_name, sizeof(env_name), id, ".env");
	/* We hold the lock, so a file by this name is a crashed rewrite's. */
	if (queue_remove_file(q, SUB_TMP, tmp_name, out) < 0 ||
	    tmp_write_text(q, tmp_name, text, len, out) < 0) {
		free(text);
		unlinkat(q->dirfd[SUB_TMP], tmp_name, 0);
		return -1;
	}
	free(text);
	if (renameat(q->dirfd[SUB_TMP], tmp_name, q->dirfd[sub], env_name) != 0) {
		queue_fail_file(out, OUTCOME_CANT_CREATE, errno, "cannot replace", q, sub,
		                env_name);
		unlinkat(q->dirfd[SUB_TMP], tmp_name, 0);
		return -1;
	}
	return queue_sync_dir(q, sub, out);
}

/* ------------------------------------------------------------ reading files */

int queue_read_envelope(const struct queue *q, enum subdir sub, const char *id,
                        struct queue_envelope *env, struct outcome *out)
{
	char name[QUEUE_ID_MAX + 8], label[PATH_MAX];
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int fd, rc = -1;

	queue_file_name(name, sizeof(name), id, ".env");
	snprintf(label, sizeof(label), "%s/%s/%s", q->dir, subdir_names[sub], name);
	fd = openat(q->dirfd[sub], name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		queue_fail_file(out, OUTCOME_IO, errno, "cannot read", q, sub, name);
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
		queue_file_name(name, sizeof(name), id, ".msg");
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
	queue_file_name(name, sizeof(name), env->id, ".msg");
	if (tmp_write_copy(q, fd, name, data_fd, size, out) < 0)
		return -1;
	if (queue_envelope_format(env, &text, &len) < 0)
		return outcome_fail(out, OUTCOME_INTERNAL, "queue",
		                    "cannot format the envelope: %s", strerror(errno));
	queue_file_name(name, sizeof(name), env->id, ".env");
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
		queue_file_name(name, sizeof(name), id, suffixes[i]);
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
	queue_file_name(name, sizeof(name), env->id, ".msg");
	if (queue_move_file(q, SUB_TMP, SUB_NEW, name, out) < 0)
		goto fail;
	queue_file_name(name, sizeof(name), env->id, ".env");
	if (queue_move_file(q, SUB_TMP, SUB_NEW, name, out) < 0)   /* the commit point */
		goto fail;
	if (queue_sync_dir(q, SUB_NEW, out) < 0 || queue_sync_dir(q, SUB_TMP, out) < 0)
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
bool queue_entry_id(const char *entry, const char *suffix, char id[QUEUE_ID_MAX])
{
	size_t len = strlen(entry), slen = strlen(suffix);

	if (len <= slen || len - slen >= QUEUE_ID_MAX || strcmp(entry + len - slen, suffix) != 0)
		return false;
	memcpy(id, entry, len - slen);
	id[len - slen] = '\0';
	return valid_id(id);
}

/* Call `visit` for each entry of sub/ (at most SCAN_MAX of them). */
int queue_scan_dir(struct queue *q, enum subdir sub, queue_scan_visit *visit, void *ctx,
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
	if (open_subdirs(q, out) < 0 || queue_recover(q, out) < 0) {
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

	if (l->failed || !queue_entry_id(entry, ".env", id))
		return;
	queue_file_name(msg, sizeof(msg), id, ".msg");
	if (fstatat(q->dirfd[sub], msg, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	outcome_clear(&ignored);
	if (queue_read_envelope(q, sub, id, &env, &ignored) < 0)
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
	if (queue_scan_dir(q, SUB_NEW, list_entry, &l, out) < 0 ||
	    queue_scan_dir(q, SUB_HELD, list_entry, &l, out) < 0 || l.failed) {
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

