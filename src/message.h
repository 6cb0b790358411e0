/* message.h - read the message from stdin once, normalised, into a spool file.
 *
 * Message rules (DESIGN.md): input lines end at LF, a CR right before it is
 * dropped, a lone CR ends a line too, and every line is stored as CRLF. So the
 * spool holds exactly the bytes that go on the wire before dot-stuffing, and
 * no smuggling sequence (<LF>.<LF>, <CR>.<CR><LF>) can survive into it.
 * Without -i a line holding a single "." ends the input (sendmail). */
#ifndef POSTIE_MESSAGE_H
#define POSTIE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "address.h"
#include "header.h"       /* callers scan msg->headers with header_next() */
#include "outcome.h"

#define MESSAGE_HEADER_MAX (1024 * 1024)  /* bound on the header section held in memory */

/* ---- the line-ending normaliser (streaming, no allocation) ---- */
struct normalizer {
	bool ignore_dots;        /* -i: a lone "." line is data, not the end */
	bool pending_cr;         /* the last byte fed was a CR */
	bool at_line_start;      /* nothing of the current line emitted yet */
	bool held_dot;           /* the current line so far is exactly "." (not yet emitted) */
	bool ended;              /* a lone "." line was seen: the input is over */
	bool has_8bit;           /* some byte >= 0x80 was seen */
	unsigned long line;      /* number of the line being read, from 1 */
	unsigned long nul_line;  /* first line holding a NUL byte, 0 if none */
};

void normalizer_init(struct normalizer *nz, bool ignore_dots);

/* Feed raw input. Writes CRLF-normalised text to `out`, which must have room
 * for 2 * len + 4 bytes, and returns the number of bytes written. *consumed
 * is how much of `in` was used: less than len only when the end-of-input
 * "." line was seen (nz->ended), so the caller stops reading. */
size_t normalizer_feed(struct normalizer *nz, const char *in, size_t len,
                       char *out, size_t *consumed);

/* End of input: terminates an unfinished last line with CRLF (a lone "." at
 * EOF without -i counts as the end marker and is dropped). `out` needs room
 * for 4 bytes. Returns bytes written. */
size_t normalizer_finish(struct normalizer *nz, char *out);

/* ---- dot-stuffing for DATA (applied when sending, not in the spool) ---- */

/* Copy CRLF text from `in` to `out` (room for 2 * len bytes), doubling a "."
 * that starts a line. *at_line_start carries state between blocks; start
 * with true. Returns bytes written. */
size_t message_dotstuff(const char *in, size_t len, bool *at_line_start, char *out);

/* ---- the message ---- */
/* What to change in the header section before it is spooled. */
struct message_edit {
	bool drop_bcc;           /* Bcc and Resent-Bcc fields */
	bool drop_from;          /* From fields (a new one is in `append`) */
	bool drop_recipients;    /* To, Cc and Bcc fields (undisclosed recipients) */
	const char *append;      /* CRLF-terminated fields to add at the end of the section */
	size_t append_len;
};

/* Called once, when the header section is complete (`hdr`, CRLF lines, as
 * read; len may be 0) and before any of it is spooled. `header_rcpts` holds
 * the -t recipients. It fills `edit` (which starts from the options) and
 * returns 0, or -1 with *out set to stop reading: nothing is sent. The
 * memory `append` points to must outlive message_read(). */
typedef int (*message_headers_fn)(void *ctx, const char *hdr, size_t len,
                                  const struct address_list *header_rcpts,
                                  struct message_edit *edit, struct outcome *out);

struct message_options {
	bool ignore_dots;        /* -i / -oi */
	bool read_recipients;    /* -t: collect To, Cc, Bcc (Resent-* when present) */
	bool remove_bcc;         /* drop Bcc / Resent-Bcc fields from what is sent */
	message_headers_fn on_headers;   /* NULL: no changes beyond remove_bcc */
	void *ctx;
};

struct message {
	int fd;                  /* the spool file: unlinked, mode 0600, read/write, rewound */
	off_t size;              /* bytes in the spool (CRLF text, not dot-stuffed) */
	bool has_8bit;
	unsigned long lines;
	char *headers;           /* the header section as spooled (Bcc removed), CRLF lines */
	size_t headers_len;
	struct address_list header_rcpts;  /* with -t: every recipient from the headers */
};

/* Read all of `in_fd` (up to the "." line unless ignore_dots) into a new
 * spool file in $TMPDIR (or /tmp). Failures: a NUL byte -> OUTCOME_BAD_MESSAGE
 * naming the line; an unparseable recipient header with -t -> OUTCOME_BAD_MESSAGE
 * naming the field; a header section over MESSAGE_HEADER_MAX ->
 * OUTCOME_BAD_MESSAGE; spool creation/write failure -> OUTCOME_CANT_CREATE /
 * OUTCOME_IO. On failure nothing is left on disk. */
int message_read(int in_fd, const struct message_options *opt, struct message *msg,
                 struct outcome *out);

void message_free(struct message *msg);

#endif
