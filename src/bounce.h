/* bounce.h - the delivery status notification for a message given up on
 * (RFC 3464): multipart/report to its envelope sender, from
 * MAILER-DAEMON, with what went wrong for whom and the original headers. */
#ifndef POSTIE_BOUNCE_H
#define POSTIE_BOUNCE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "outcome.h"
#include "queue.h"

struct bounce_input {
	const struct queue_envelope *env;   /* the message given up on */
	int data_fd;                        /* its ID.msg, read with pread */
	off_t size;
	const char *reporting_host;         /* our name (Reporting-MTA, MAILER-DAEMON@...) */
	const char *reason;                 /* "the server refused it: 550 5.1.1 ..." or
	                                       "not delivered within 5 days: ..." */
	const char *status;                 /* RFC 3463 code for the report, e.g. "5.1.1", "4.4.7" */
	time_t now;
	/* The server's reply for Diagnostic-Code ("550 5.1.1 no such user"),
	 * or NULL when no server said anything (a timeout, a refused
	 * connection). Control characters and non-ASCII become '?', and a
	 * long one is cut and folded: the report stays 7-bit. */
	const char *diagnostic;
};

/* Write the bounce (CRLF lines, as it goes out before dot-stuffing) into a
 * new unlinked temporary file ($TMPDIR or /tmp); *fd is rewound, *size its
 * length. The envelope for it: MAIL FROM:<> to env->from. A message whose
 * sender is the null sender gets no bounce (the caller checks). No line
 * is longer than 998 octets. Everything postie writes is ASCII, but the
 * original header section is copied as it is (at most 64 KiB), and the
 * sender or a recipient may be an internationalised address: *has_8bit
 * then says the bounce holds 8-bit bytes (send it with BODY=8BITMIME).
 * OUTCOME_IO / OUTCOME_CANT_CREATE on failure. */
int bounce_compose(const struct bounce_input *in, int *fd, off_t *size, bool *has_8bit,
                   struct outcome *out);

#endif
