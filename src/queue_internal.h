/* queue_internal.h - what the spool (queue.c) lends to the lock operations
 * (queue_lock.c) and to the recovery at open (queue_recover.c): the layout
 * of struct queue, its directory descriptors, id checks and the file steps
 * that name the file in their errors. Not for other modules: they use
 * queue.h. */
#ifndef POSTIE_QUEUE_INTERNAL_H
#define POSTIE_QUEUE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"
#include "queue.h"

enum subdir { SUB_TMP, SUB_NEW, SUB_HELD, SUB_FAILED, SUB_COUNT };

struct queue {
	char *dir;
	int dirfd[SUB_COUNT];   /* opened and checked by queue_open */
};

/* 0 when `id` is one queue_enqueue could have made; else OUTCOME_USAGE. */
int queue_check_id(const char *id, struct outcome *out);
/* buf = id followed by suffix (".msg", ".env", ...). */
void queue_file_name(char *buf, size_t size, const char *id, const char *suffix);
/* The id of a directory entry "ID<suffix>", or false. */
bool queue_entry_id(const char *entry, const char *suffix, char id[QUEUE_ID_MAX]);

/* The file steps. Each works through q->dirfd, and its failure (step
 * "queue") names the file and says why; a full disk or quota is always
 * OUTCOME_TEMPORARY. Each returns 0 or -1. */
int queue_fail_file(struct outcome *out, enum outcome_class cls, int err, const char *what,
                    const struct queue *q, enum subdir sub, const char *name);
int queue_sync_dir(const struct queue *q, enum subdir sub, struct outcome *out);
int queue_move_file(const struct queue *q, enum subdir from, enum subdir to, const char *name,
                    struct outcome *out);
bool queue_file_exists(const struct queue *q, enum subdir sub, const char *name);
/* sub/NAME gone; one already gone is fine. */
int queue_remove_file(const struct queue *q, enum subdir sub, const char *name,
                      struct outcome *out);
/* sub/ID.env replaced atomically by `env` (the old or the new, never a mix). */
int queue_replace_envelope(const struct queue *q, enum subdir sub, const char *id,
                           const struct queue_envelope *env, struct outcome *out);
/* sub/ID.env read and parsed into `env` (its id set); free with
 * queue_envelope_free(). */
int queue_read_envelope(const struct queue *q, enum subdir sub, const char *id,
                        struct queue_envelope *env, struct outcome *out);

/* Call `visit` for each entry of sub/ not starting with '.', at most a
 * bounded number of them. */
typedef void queue_scan_visit(struct queue *q, enum subdir sub, const char *entry, void *ctx);
int queue_scan_dir(struct queue *q, enum subdir sub, queue_scan_visit *visit, void *ctx,
                   struct outcome *out);

/* queue_recover.c: settle what interrupted operations left in tmp/ and
 * new/ (see queue_open in queue.h); run by queue_open. */
int queue_recover(struct queue *q, struct outcome *out);

#endif
