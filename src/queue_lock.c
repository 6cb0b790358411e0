/* queue_lock.c - taking a queued message and changing it: the flock on
 * its ID.msg, then what is done under that lock (delivered, rescheduled,
 * given up) and mailq's commands by id (delete, hold, release), each in an
 * order that a crash cannot turn into a lost or doubled message. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue.h"
#include "queue_internal.h"

struct queue_lock {
	struct queue *q;
	enum subdir where;      /* the directory holding the locked message */
	int fd;                 /* ID.msg, flocked */
	char id[QUEUE_ID_MAX];
};

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

	queue_file_name(msg, sizeof(msg), id, ".msg");
	queue_file_name(env, sizeof(env), id, ".env");
	fd = openat(q->dirfd[sub], msg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return LOCK_GONE;
	if (fd < 0) {
		queue_fail_file(out, OUTCOME_IO, errno, "cannot open", q, sub, msg);
		return LOCK_ERROR;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;
		close(fd);
		if (err == EWOULDBLOCK)
			return LOCK_BUSY;
		queue_fail_file(out, OUTCOME_IO, err, "cannot lock", q, sub, msg);
		return LOCK_ERROR;
	}
	if (fstat(fd, &held) != 0 || fstatat(q->dirfd[sub], msg, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
	    held.st_ino != now.st_ino || held.st_dev != now.st_dev ||
	    !queue_file_exists(q, sub, env)) {
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
	if (queue_check_id(id, out) < 0)
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
	if (queue_read_envelope(q, SUB_NEW, id, env, out) < 0)
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

	queue_file_name(name, sizeof(name), lock->id, ".env");
	rc = queue_remove_file(lock->q, lock->where, name, out);
	queue_file_name(name, sizeof(name), lock->id, ".msg");
	if (rc == 0)
		rc = queue_remove_file(lock->q, lock->where, name, out);
	queue_unlock(lock);
	return rc;
}

int queue_sync_removals(struct queue *q, struct outcome *out)
{
	if (queue_sync_dir(q, SUB_NEW, out) < 0)
		return -1;
	return queue_sync_dir(q, SUB_HELD, out);
}

int queue_done(struct queue_lock *lock, struct outcome *out)
{
	return remove_locked(lock, out);
}

int queue_reschedule(struct queue_lock *lock, const struct queue_envelope *env,
                     struct outcome *out)
{
	int rc = queue_replace_envelope(lock->q, lock->where, lock->id, env, out);

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

	rc = queue_replace_envelope(q, SUB_FAILED, lock->id, env, out);
	queue_file_name(name, sizeof(name), lock->id, ".msg");
	if (rc == 0)
		rc = queue_move_file(q, lock->where, SUB_FAILED, name, out);
	queue_file_name(name, sizeof(name), lock->id, ".env");
	if (rc == 0)
		rc = queue_remove_file(q, lock->where, name, out);
	if (rc == 0)
		rc = queue_sync_dir(q, SUB_FAILED, out);
	if (rc == 0)
		rc = queue_sync_dir(q, lock->where, out);
	queue_unlock(lock);
	return rc;
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

	if (queue_check_id(id, out) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++) {
		struct queue_lock *lock = NULL;
		enum lock_result r = lock_message(q, locked_homes[i], id, &lock, out);
		if (r == LOCK_TAKEN)
			return remove_locked(lock, out) < 0 ? -1 : queue_sync_removals(q, out);
		if (r != LOCK_GONE)
			return lock_failure(r, id, out);
	}
	/* failed/ is never flushed: nothing to lock against. */
	queue_file_name(msg, sizeof(msg), id, ".msg");
	queue_file_name(env, sizeof(env), id, ".env");
	found = queue_file_exists(q, SUB_FAILED, msg) || queue_file_exists(q, SUB_FAILED, env);
	if (!found)
		return lock_failure(LOCK_GONE, id, out);
	if (queue_remove_file(q, SUB_FAILED, env, out) < 0 ||
	    queue_remove_file(q, SUB_FAILED, msg, out) < 0)
		return -1;
	return queue_sync_dir(q, SUB_FAILED, out);
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

	if (queue_check_id(id, out) < 0)
		return -1;
	queue_file_name(msg, sizeof(msg), id, ".msg");
	queue_file_name(env, sizeof(env), id, ".env");
	r = lock_message(q, SUB_NEW, id, &lock, out);
	if (r == LOCK_GONE && queue_file_exists(q, SUB_HELD, env))
		return 0;   /* held already */
	if (r != LOCK_TAKEN)
		return lock_failure(r, id, out);
	rc = queue_move_file(q, SUB_NEW, SUB_HELD, msg, out);
	if (rc == 0 && queue_move_file(q, SUB_NEW, SUB_HELD, env, out) < 0) {
		renameat(q->dirfd[SUB_HELD], msg, q->dirfd[SUB_NEW], msg);
		rc = -1;
	}
	if (rc == 0)
		rc = queue_sync_dir(q, SUB_HELD, out);
	if (rc == 0)
		rc = queue_sync_dir(q, SUB_NEW, out);
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

	if (queue_check_id(id, out) < 0)
		return -1;
	queue_file_name(msg, sizeof(msg), id, ".msg");
	queue_file_name(env_name, sizeof(env_name), id, ".env");
	r = lock_message(q, SUB_HELD, id, &lock, out);
	if (r == LOCK_GONE && queue_file_exists(q, SUB_NEW, env_name) &&
	    queue_file_exists(q, SUB_NEW, msg))
		return 0;   /* not held: already waiting */
	if (r != LOCK_TAKEN)
		return lock_failure(r, id, out);
	rc = queue_read_envelope(q, SUB_HELD, id, &env, out);
	if (rc == 0) {
		env.next_attempt = 0;
		rc = queue_replace_envelope(q, SUB_HELD, id, &env, out);
		queue_envelope_free(&env);
	}
	if (rc == 0)
		rc = queue_move_file(q, SUB_HELD, SUB_NEW, env_name, out);
	if (rc == 0)
		rc = queue_move_file(q, SUB_HELD, SUB_NEW, msg, out);
	if (rc == 0)
		rc = queue_sync_dir(q, SUB_NEW, out);
	if (rc == 0)
		rc = queue_sync_dir(q, SUB_HELD, out);
	queue_unlock(lock);
	return rc;
}
