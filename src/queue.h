/* queue.h - the durable spool: a message accepted into it is never lost.
 *
 * Layout under the queue directory (0700), each message two files named by
 * its id: ID.msg (the normalised message, exactly the bytes that go out
 * before dot-stuffing) and ID.env (the envelope, "key value" lines).
 *
 *   tmp/      files being written; anything here is not (yet) queued
 *   new/      queued messages waiting for delivery
 *   held/     messages put on hold (--queue-hold), not flushed
 *   failed/   messages given up on, with the last reply in ID.env
 *
 * Enqueueing writes both files in tmp/, fsyncs them, renames ID.msg and
 * then ID.env into new/ and fsyncs new/: the rename of ID.env is the
 * commit point, and only after the directory fsync may the caller say
 * "queued". A delivery removes ID.env first (the message is no longer
 * queued), then ID.msg. A flusher holds an flock on ID.msg (which is never
 * rewritten; ID.env is replaced by rename when rescheduled), so two
 * flushes never send one message twice. */
#ifndef POSTIE_QUEUE_H
#define POSTIE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "address.h"
#include "outcome.h"

#define QUEUE_ID_MAX 64

/* Everything the envelope file records. Strings are malloc'd, NULL when
 * unset; queue_envelope_free() frees them. */
struct queue_envelope {
	char id[QUEUE_ID_MAX];        /* set by queue_enqueue: "YYYYMMDDTHHMMSS-RANDOM" */
	char *account;                /* the account it was submitted through */
	char *from;                   /* envelope sender; "" is the null sender */
	struct address_list rcpts;    /* recipients still to deliver to */
	char *dsn_notify;             /* as in struct smtp_transaction */
	char *dsn_return;
	char *dsn_envid;
	char *body_type;              /* "7BIT", "8BITMIME" or NULL */
	bool smtputf8;
	bool body_8bit;
	char *message_id;             /* for listings and logs, or NULL */
	time_t created;
	time_t next_attempt;          /* 0: at once */
	unsigned attempts;            /* delivery attempts so far */
	char *last_reply;             /* the last error, one line, or NULL */
	off_t size;                   /* bytes in ID.msg (filled by list/lock) */
	bool held;                    /* in held/ (filled by list) */
};

struct queue;
struct queue_lock;

/* The queue directory when `queue_dir` is not set: /var/spool/postie for
 * root, else $XDG_STATE_HOME/postie/queue (default ~/.local/state/...). */
int queue_default_dir(char *buf, size_t size, struct outcome *out);

/* Open (creating, mode 0700, when missing) the queue at `dir`. Fails with
 * OUTCOME_CANT_CREATE naming the directory when it cannot be made or is
 * not a directory we own with mode 0700 or stricter. Leftovers of an
 * interrupted enqueue (tmp/ files older than a minute, a new/ID.msg older
 * than a minute without its ID.env) are removed here. */
int queue_open(const char *dir, struct queue **q, struct outcome *out);
void queue_close(struct queue *q);
const char *queue_dir(const struct queue *q);

/* Queue a message: the envelope `env` (its id is set here) and the bytes
 * of `data_fd` from offset 0 to `size` (read with pread; the caller's
 * offset is untouched). Returns 0 only when the message is durably in
 * new/. On failure nothing is left in new/: a full disk or quota
 * (ENOSPC, EDQUOT) is OUTCOME_TEMPORARY, anything else OUTCOME_CANT_CREATE
 * or OUTCOME_IO, naming the file and the reason; step "queue". */
int queue_enqueue(struct queue *q, struct queue_envelope *env, int data_fd, off_t size,
                  struct outcome *out);

/* Every message in new/ and held/ (not failed/), oldest first. *list is
 * malloc'd; free with queue_list_free(). */
int queue_list(struct queue *q, struct queue_envelope **list, size_t *n, struct outcome *out);
void queue_list_free(struct queue_envelope *list, size_t n);

/* Take a message in new/ for delivery: flock its ID.msg without waiting.
 * Returns 1 with *lock, *env (read under the lock) and *data_fd (open on
 * ID.msg, read with pread from 0); 0 when another process holds it or it
 * is gone (delivered meanwhile); -1 on error. */
int queue_lock(struct queue *q, const char *id, struct queue_lock **lock,
               struct queue_envelope *env, int *data_fd, struct outcome *out);

/* Under the lock, and each ends it (the lock is freed, the fd closed):
 * delivered: ID.env then ID.msg removed. The directory is not fsynced
 * here, so a flush of many messages pays for one sync, not one each: call
 * queue_sync_removals() after the batch. Until then a power failure (not a
 * killed process) can bring the message back, to be sent again: never
 * lost. */
int queue_done(struct queue_lock *lock, struct outcome *out);
/* Make the removals of queue_done durable: fsync new/ and held/. */
int queue_sync_removals(struct queue *q, struct outcome *out);
/* still to try: `env` (attempts, next_attempt, last_reply, rcpts as the
 * caller updated them) replaces ID.env atomically (write, fsync, rename). */
int queue_reschedule(struct queue_lock *lock, const struct queue_envelope *env,
                     struct outcome *out);
/* given up: `env` (with last_reply) written, both files moved to failed/. */
int queue_give_up(struct queue_lock *lock, const struct queue_envelope *env,
                  struct outcome *out);
/* nothing decided: just release. */
void queue_unlock(struct queue_lock *lock);

/* By id, for mailq's users; each takes the lock, so a message being sent
 * is not touched (OUTCOME_TEMPORARY "being delivered"); an unknown id is
 * OUTCOME_NO_INPUT. delete removes it from new/, held/ or failed/. */
int queue_delete(struct queue *q, const char *id, struct outcome *out);
int queue_hold(struct queue *q, const char *id, struct outcome *out);
int queue_release(struct queue *q, const char *id, struct outcome *out);

/* The envelope file format, public for tests and fuzzing: "key value"
 * lines (values escaped so that no CR, LF or NUL appears), one "rcpt"
 * line per recipient. parse fails with OUTCOME_IO naming `label`. */
int queue_envelope_format(const struct queue_envelope *env, char **text, size_t *len);
int queue_envelope_parse(const char *label, const char *text, size_t len,
                         struct queue_envelope *env, struct outcome *out);
void queue_envelope_free(struct queue_envelope *env);

#endif
