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
};

/* Append one line to `path` (created mode 0600). `time_format` is an
 * strftime format, NULL for ISO 8601. Fails with OUTCOME_CANT_CREATE. */
int log_write_record(const char *path, const char *time_format,
                     const struct log_record *rec, struct outcome *out);

#endif
