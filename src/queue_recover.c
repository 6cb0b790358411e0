/* queue_recover.c - at queue_open, finish or remove what an interrupted
 * enqueue, hold, release or give-up left in tmp/ and new/: a half-done
 * move is completed under the message's lock, debris older than a minute
 * (never promised to anyone) is removed, and a queued message is never
 * touched. */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "queue_internal.h"

#define LEFTOVER_AGE 60                  /* seconds before debris is removed */

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

	queue_file_name(msg, sizeof(msg), id, ".msg");
	queue_file_name(env, sizeof(env), id, ".env");
	for (size_t i = 0; i < 2; i++) {
		int fd = openat(q->dirfd[homes[i]], msg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && !queue_file_exists(q, SUB_NEW, msg)) {
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

	if (queue_entry_id(entry, ".env", id)) {
		queue_file_name(other, sizeof(other), id, ".msg");
		if (!queue_file_exists(q, sub, other))
			settle_envelope(q, id, now);
	} else if (queue_entry_id(entry, ".msg", id)) {
		/* An enqueue that died before its commit point: nothing was
		 * promised to anyone, so the message goes. */
		queue_file_name(other, sizeof(other), id, ".env");
		if (!queue_file_exists(q, sub, other) && !queue_file_exists(q, SUB_HELD, other) &&
		    older_than(q, sub, entry, now))
			unlinkat(q->dirfd[sub], entry, 0);
	}
}

int queue_recover(struct queue *q, struct outcome *out)
{
	time_t now = time(NULL);

	if (queue_scan_dir(q, SUB_TMP, clean_tmp_entry, &now, out) < 0 ||
	    queue_scan_dir(q, SUB_NEW, clean_new_entry, &now, out) < 0)
		return -1;
	fsync(q->dirfd[SUB_TMP]);
	fsync(q->dirfd[SUB_NEW]);
	fsync(q->dirfd[SUB_HELD]);
	return 0;
}
