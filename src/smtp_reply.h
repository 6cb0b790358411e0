/* smtp_reply.h - parse what an SMTP server says: reply lines into replies
 * (RFC 5321 4.2), and an EHLO reply into capabilities. Pure parsers, no I/O.
 * Included by smtp.h. */
#ifndef POSTIE_SMTP_REPLY_H
#define POSTIE_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#define SMTP_LINE_MAX 512          /* octets in one reply line, CRLF excluded */
#define SMTP_REPLY_LINES_MAX 100   /* lines in one multi-line reply */

/* ---- replies ---- */
struct smtp_reply {
	int code;                  /* 0 until the first line is parsed */
	char enhanced[16];         /* RFC 3463 code of the first line, or "" */
	unsigned nlines;
	size_t text_len;
	/* The text of every line after the code (and the enhanced code), lines
	 * separated by '\n'. */
	char text[SMTP_REPLY_LINES_MAX * (SMTP_LINE_MAX + 1)];
};

/* Start a new reply. */
void smtp_reply_begin(struct smtp_reply *r);

/* Add one line (CRLF removed). Returns 1 when the reply is complete, 0 when
 * more lines follow, -1 when the line breaks RFC 5321 (no code, a code that
 * changes between lines, too long, too many lines), with a reason in err. */
int smtp_reply_add_line(struct smtp_reply *r, const char *line, size_t len,
                        char *err, size_t errlen);

/* ---- capabilities from EHLO ---- */
struct smtp_caps {
	bool esmtp;                /* EHLO was accepted */
	bool pipelining, eightbitmime, smtputf8, starttls, chunking, dsn, enhancedstatuscodes;
	bool size_offered;
	unsigned long long size_limit;   /* 0: no limit announced */
	char auth[256];            /* mechanisms offered, space separated */
};

/* Parse the lines of a 250 reply to EHLO (the first line is the greeting
 * domain and is skipped). Unknown keywords are ignored. */
void smtp_caps_parse(struct smtp_caps *caps, const struct smtp_reply *ehlo_reply);

#endif
