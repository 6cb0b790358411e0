/* submit.h - the send path: one message from its input to the smarthost.
 *
 *   config -> account -> message (+ headers) -> envelope -> session -> log
 *
 * Shared by sendmail mode (the message on stdin) and -bs (the message the
 * caller gave in DATA). */
#ifndef POSTIE_SUBMIT_H
#define POSTIE_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "compose.h"
#include "config.h"
#include "outcome.h"

/* Whether the run's outcome goes to stdout as one JSON object. */
enum submit_status {
	STATUS_BY_CONFIG = 0,          /* as the account's status_format says */
	STATUS_JSON,                   /* --status-json */
	STATUS_NEVER,                  /* stdout is not ours (-bs) */
};

struct submit_request {
	const struct invocation *inv;  /* options: -F, -N/-R/-V, -a, overrides, ... */
	int in_fd;                     /* the message */
	bool ignore_dots;              /* -i, or the data is already un-stuffed (-bs) */
	bool read_recipients;          /* -t */
	const char *sender;            /* -f, or MAIL FROM with -bs; NULL when not given */
	char *const *rcpts;            /* recipient arguments, or RCPT TO with -bs */
	size_t nrcpts;
	const char *body_type;         /* -B / BODY=: "7BIT", "8BITMIME" or NULL */
	bool smtputf8;                 /* the caller asked for SMTPUTF8 (-bs) */
	bool all_or_nothing;           /* never partial_delivery: the caller (-bs) can
	                                  only hear one answer for all recipients */
	const struct compose_request *compose;  /* build the message from these instead of
	                                           reading in_fd; NULL: read in_fd */
	enum submit_status status;
};

/* Read (or compose) the message, complete it and submit it. Returns 0 when
 * the smarthost took it or it was queued, else -1 with the outcome.
 * *delivered (may be NULL) tells whether some recipients got the message
 * even so (partial delivery, LMTP). One log line is written either way once
 * an account is chosen, and the JSON status object printed when asked for.
 * A composed message always gets From, Date and Message-ID. */
int submit_message(const struct submit_request *req, bool *delivered, struct outcome *out);

/* Check the config options given on the command line (--port=x ...) on
 * their own, so that a bad one is reported before anything is read:
 * OUTCOME_USAGE naming the option. */
int submit_check_options(const struct invocation *inv, struct outcome *out);

/* The config and account a run uses: the file (-C or the search order) and
 * the account (-a, else the one whose `from` matches the address in
 * `sender`, which may be written "Name <a@x>", else "default") with the command-line config options applied. With --host the
 * account comes from the command line alone, as with msmtp. *acct points
 * into cfg. */
int submit_choose_account(const struct invocation *inv, const char *sender,
                          struct config *cfg, struct account **acct, struct outcome *out);

/* The status object for a run that failed before submit_message could be
 * called (a bad command line): no account, the outcome, the time since
 * `started_ms` (net_now_ms()). */
void submit_print_early_status(const struct outcome *result, long long started_ms);

#endif
