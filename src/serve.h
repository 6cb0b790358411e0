/* serve.h - `-bs`: speak SMTP, server side, to our caller on stdin/stdout.
 *
 * The dialogue (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, VRFY, HELP, QUIT,
 * with PIPELINING) collects an envelope and the message into a temporary
 * file, hands them to a callback that submits them through the normal path,
 * and answers the end of data with the real outcome. This module knows no
 * config, account or SMTP client: only the caller's side of the wire. */
#ifndef POSTIE_SERVE_H
#define POSTIE_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "outcome.h"

/* Longest command line we accept, CRLF included (RFC 5321 text line). */
#define SERVE_LINE_MAX 1000

struct serve_envelope {
	const char *from;       /* MAIL FROM address without <>, "" for the null sender */
	char **rcpts;           /* RCPT TO addresses without <>, duplicates dropped */
	size_t nrcpts;
	const char *body_type;  /* "8BITMIME", "7BIT" or NULL (MAIL ... BODY=) */
	bool smtputf8;          /* MAIL ... SMTPUTF8 */
	/* Unlinked temporary file (0600, in $TMPDIR or /tmp), rewound: the
	 * message without dot-stuffing, every line ending CRLF, without the
	 * final "." line. serve_smtp closes it after the callback returns. */
	int data_fd;
	off_t data_size;
};

/* Submit one message. Returns 0 on success, or -1 with *out describing the
 * failure (out->smtp_code, enhanced and reply hold the smarthost's reply
 * when there was one; lines of a multi-line reply separated by '\n'). */
typedef int (*serve_submit_fn)(void *ctx, const struct serve_envelope *env,
                               struct outcome *out);

/* Run the dialogue on in_fd/out_fd until QUIT or end of input. `hostname`
 * is shown in the greeting ("220 HOST ESMTP postie") and the EHLO reply.
 * Waiting more than `idle_timeout` seconds (300 when <= 0) for input ends
 * the session with 421; a caller that takes no reply for that long is
 * given up on without one. A client that ends its commands with CRLF must
 * end the data with CRLF.CRLF ("." after a bare LF is data: no smuggling);
 * one that uses bare LF throughout ends it with LF.LF.
 * Returns 0 after QUIT or end of input (a message whose data had not ended
 * is not submitted); -1 with *out set on an I/O error (OUTCOME_IO) or a
 * timeout (OUTCOME_TEMPORARY). */
int serve_smtp(int in_fd, int out_fd, const char *hostname, int idle_timeout,
               serve_submit_fn submit, void *ctx, struct outcome *out);

/* The SMTP reply for a failed submission: the smarthost's 4xx/5xx refusal
 * of the mail (at MAIL, RCPT, DATA or the end of data) is passed on (code,
 * enhanced code, text); its refusal of the session (greeting, EHLO, TLS,
 * AUTH) is 451, with the server's reply in the text; a failure of ours maps
 * to a code by its class. `enhanced` gets "X.Y.Z"; `text` gets the text with control
 * characters escaped, lines of a multi-line reply separated by '\n'. */
void serve_reply_for(const struct outcome *o, int *code, char *enhanced, size_t esize,
                     char *text, size_t tsize);

#endif
