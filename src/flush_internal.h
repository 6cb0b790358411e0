/* flush_internal.h - what the flush (flush.c) shares with its bounces
 * (flush_bounce.c): an account's group and its connection, the verdict on
 * one message, a bounce waiting to be sent, and the few helpers both use
 * to judge a failure and say what happened. Not for other modules: they
 * use flush.h. */
#ifndef POSTIE_FLUSH_INTERNAL_H
#define POSTIE_FLUSH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "address.h"
#include "config.h"
#include "flush.h"
#include "outcome.h"
#include "queue.h"
#include "session.h"

#define DURATION_TEXT_MAX 32
#define REPLY_LINE_MAX (OUTCOME_TEXT_MAX + OUTCOME_REPLY_MAX + 128)

/* One flush: the queue, what was asked, the counts so far. */
struct flush_run {
	struct queue *q;
	const struct flush_request *req;
	struct flush_result *result;
};

/* One account's messages and the connection they share. */
struct flush_group {
	struct flush_run *run;
	const struct account *acct;    /* the account the messages were queued for */
	const struct account *via;     /* the account whose server we talk to */
	struct session *session;       /* NULL: none open (yet, or any more) */
	bool owned;                    /* opened here (req->open is the caller's) */
	struct session *stale;         /* broken, kept for its TLS ticket */
	bool stale_owned;
	unsigned opens_left;           /* the first connection, and one after a break */
	struct outcome failure;        /* why there is no session, when opens_left is 0 */
	char host[256];                /* our name, for bounces */
	bool orphan;                   /* their account is gone from the config */
	bool wait_for_next_flush;      /* broke again, no connection left: the rest stay as they are */
};

/* What became of each recipient of one message. */
struct verdict {
	struct address_list delivered, deferred, failed;
	struct outcome deferred_why, failed_why;
	struct smtp_reply *accepted;   /* the server's last word on a delivery, or NULL */
};

/* A bounce composed while the message's data is still at hand, sent once
 * the queue has recorded the decision. */
struct bounce {
	int fd;
	off_t size;
	bool eight_bit;
	char *to;
	bool smtputf8;
};

/* flush.c */

/* "step: what happened: code enhanced text", escaped, as log_report says it. */
void flush_outcome_line(char *buf, size_t size, const struct outcome *o);
/* Refused for good: no later attempt would do better. */
bool flush_is_permanent(const struct outcome *o);
/* The account's queue_max_age in seconds (5 days when it sets none). */
long flush_max_age(const struct account *acct);
/* Seconds in words as queue_retry takes them: "5d", "1h", "10m", "30s". */
void flush_duration_text(long seconds, char *buf, size_t size);
/* After a failure on the group's session: one that can take no more mail
 * is set aside (for its TLS ticket), and `why` becomes the group's failure. */
void flush_check_session(struct flush_group *g, const struct outcome *why);
/* "postie: queue: ID ..." on stderr, with -v only. */
void flush_say(const char *id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* flush_bounce.c */

/* The bounces the verdict calls for, composed while the message's data is
 * at hand: b[0] about the recipients refused for good, b[1] about those
 * still deferred when the message is past queue_max_age (`expired`); fd is
 * -1 where none is due or none could be made. */
void flush_bounces_prepare(struct flush_group *g, const struct queue_envelope *env, int data_fd,
                           struct verdict *v, bool expired, struct bounce b[2]);
/* Send a prepared bounce over the group's session, or queue it when that
 * cannot be done now; one refused for good is dropped with a warning.
 * The bounce is released either way. */
void flush_bounce_send(struct flush_group *g, const char *about_id, struct bounce *b);

#endif
