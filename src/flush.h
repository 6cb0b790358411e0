/* flush.h - deliver what is queued.
 *
 * Messages are grouped by account; each account's messages go one after
 * another over ONE connection (a new transaction after each, PIPELINING as
 * the session does it), and a second connection to the same server resumes
 * the TLS session. Each message is locked while it is being sent. A
 * message delivered is removed; a temporary failure reschedules it with
 * backoff (attempts + 1, the reply kept); a permanent failure, or a
 * message older than queue_max_age, moves it to failed/ and a bounce goes
 * to its envelope sender (unless that is the null sender, or the account
 * says `bounce off`). A temporary failure of the account's server first
 * tries the account's `fallback` accounts, in order. */
#ifndef POSTIE_FLUSH_H
#define POSTIE_FLUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "outcome.h"
#include "queue.h"
#include "session.h"

struct flush_request {
	struct config *cfg;           /* the accounts, by the names queued messages carry */
	const char *only_id;          /* -qI ID: just this message (whatever its schedule) */
	bool due_only;                /* --queue-run: only messages whose next attempt has come */
	time_t now;
	/* A session already open (after a successful send), and its account:
	 * that account's messages use it first. Both may be NULL. The flush
	 * does not close it; the caller does. */
	struct session *open;
	const struct account *open_account;
};

struct flush_result {
	size_t delivered, deferred, failed, skipped;   /* skipped: locked by another flush */
	size_t connections;                            /* new connections opened */
};

/* Flush the queue. Returns 0 when the flush ran (what happened to each
 * message is in the queue and the log, and one line per message on stderr
 * with -v); -1 when the queue itself failed (unreadable directory ...). */
int flush_queue(struct queue *q, const struct flush_request *req, struct flush_result *result,
                struct outcome *out);

/* The retry schedule: `retry` is the account's queue_retry setting (NULL:
 * "1m 2m 5m 10m 20m 40m 1h", the last step repeating; durations as
 * config_parse_duration reads them); the delay before attempt number
 * attempts + 1, in seconds. */
long flush_retry_delay(const char *retry, unsigned attempts);

#endif
