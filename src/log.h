/* log.h - what postie tells people: the -v transcript, the one stderr line
 * that reports an outcome, and the logfile line per message. */
#ifndef POSTIE_LOG_H
#define POSTIE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "outcome.h"

/* -v: show the SMTP conversation on stderr. */
void log_set_verbose(bool on);
bool log_verbose(void);

/* A protocol line sent (from_server false) or received, when verbose. */
void log_transcript(bool from_server, const char *line, size_t len);
/* A remark in the transcript (not a protocol line), when verbose. */
void log_transcript_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Internal detail for -v (state changes). */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A warning on stderr, "postie: warning: ...", for a run that goes on
 * (e.g. tls_certcheck off). */
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy `src` to `dst` (always NUL-terminated), showing control characters,
 * DEL and bytes that are not valid UTF-8 as \r, \n, \t or \xHH, so remote
 * text cannot move the cursor or fake a line. Returns the length written. */
size_t log_escape(char *dst, size_t size, const char *src, size_t len);

/* The one line on stderr for a failed run:
 * "postie: <step>: <what happened>: <code> <enhanced> <server text>". */
void log_report(FILE *fp, const struct outcome *o);

/* A recipient the server refused, with its reply. */
struct log_refusal {
	const char *rcpt;
	int code;
	const char *enhanced;      /* "" when none */
	const char *text;
};

/* What the logfile records about one message. */
struct log_record {
	const char *account;
	const char *host;
	int port;
	const char *from;
	char *const *rcpts;
	size_t nrcpts;
	long long size;            /* -1 when the message was not read */
	const struct outcome *outcome;
	int smtp_code;             /* the server's last word on success */
	const char *smtp_enhanced;
	const char *smtp_text;
	int exit_status;
	long long duration_ms;     /* from the start of the run to the outcome */
	const char *message_id;    /* the Message-ID header's value, or NULL */
	bool tls;                  /* the account uses TLS (msmtp's tls=on|off) */
	const char *auth;          /* the account's auth setting, NULL for off */
	const char *user;          /* the account's user, or NULL */
	const char *queue_id;      /* set when the message was queued instead of sent */
	const struct outcome *queued_after;  /* then: the temporary failure that made it so */
	const struct log_refusal *refused;   /* recipients refused in the last attempt */
	size_t nrefused;
};

/* Append one line to `path` (created mode 0600): `key=value` text, or with
 * `json` one JSON object: "time" and then the keys of log_print_json.
 * `time_format` is an strftime format, NULL for ISO 8601. Fails
 * with OUTCOME_CANT_CREATE (open) or OUTCOME_IO (write). */
int log_write_record(const char *path, const char *time_format, bool json,
                     const struct log_record *rec, struct outcome *out);

/* The outcome of a run as one JSON object on one line (--status-json,
 * `status_format json`), the same object `log_format json` writes without
 * its "time": keys account, host, port, tls, auth, user, from, rcpts[],
 * size, outcome ("sent", "queued" or "failed"), queue_id, exit, exit_name,
 * step, smtp ({code, enhanced, text} or null), refused[] ({rcpt, code,
 * enhanced, text}), message_id, duration_ms, error. A record without an
 * account (the run failed before one was chosen) has null account, host
 * and port. Returns -1 when it cannot be written. */
int log_print_json(FILE *fp, const struct log_record *rec);

/* The same line without the time stamp to syslog, as "postie[PID]",
 * LOG_INFO for a success and LOG_ERR for a failure. `facility` is the
 * `syslog` setting: NULL or "on" for LOG_MAIL, else "LOG_USER", "LOG_MAIL"
 * or "LOG_LOCAL0".."LOG_LOCAL7"; "off" logs nothing. */
void log_syslog_record(const char *facility, bool json, const struct log_record *rec);

/* Write `src` (`len` bytes) as one JSON string value, quotes included, to
 * `dst` (always NUL-terminated). `"` and `\` are escaped, control
 * characters (C0, DEL, C1) become \u00XX, valid UTF-8 is kept as it is,
 * and each byte that is not part of valid UTF-8 becomes \ufffd (the
 * replacement character), so the result is valid JSON whatever the input.
 * When `dst` is too small the string is cut before an escape or a UTF-8
 * sequence that would not fit, and still closed. Returns the length
 * written (0, with dst "" when size < 3). */
size_t log_json_string(char *dst, size_t size, const char *src, size_t len);

/* The outcome in one escaped line, as log_report prints it after the step:
 * "<what happened>[: <code> <enhanced> <server text>]". */
void log_format_outcome(char *buf, size_t size, const struct outcome *o);

/* Every protocol line also goes to `hook` (verbose or not) while one is
 * set; NULL removes it. --serverinfo reads the server's greeting this way. */
typedef void log_transcript_hook(void *ctx, bool from_server, const char *line, size_t len);
void log_set_transcript_hook(log_transcript_hook *hook, void *ctx);

#endif
