/* serve_io.h - `-bs`: the wire to our caller, for serve.c only. Input
 * comes a line at a time from our own buffer; replies are queued and
 * written when we are about to wait for input. Every wait is bounded by
 * the idle timeout; the first failure is kept and ends all I/O. */
#ifndef POSTIE_SERVE_IO_H
#define POSTIE_SERVE_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"

#define SERVE_IN_BUFFER 65536      /* input: commands, or data in large reads */
#define SERVE_REPLY_BUFFER 4096    /* replies wait here until the caller waits */
#define SERVE_REPLY_LINE_MAX 512   /* RFC 5321 4.5.3.1.5, CRLF included */

struct serve_io {
	int in_fd, out_fd;
	long long timeout_ms;           /* the longest wait for input or output */
	struct outcome *out;            /* where the first failure goes */
	bool failed;                    /* I/O error or timeout: *out says which */
	bool timed_out;                 /* the caller sent nothing in time */

	char in[SERVE_IN_BUFFER];
	size_t in_start, in_end;        /* unread input is in[in_start..in_end) */
	char replies[SERVE_REPLY_BUFFER];
	size_t replies_len;
};

/* One line of input. A line longer than the buffer comes in pieces: every
 * piece but the last has complete == false. */
struct input_line {
	const char *text;
	size_t len;                     /* without the LF and a CR before it */
	size_t raw_len;                 /* with them */
	bool complete;                  /* ended by LF */
	bool crlf;                      /* ended by CR LF */
};

/* The next line or piece, valid until the next call; the waiting replies
 * are written first when no input is ready. Returns 1, 0 at EOF, -1 on
 * failure. */
int serve_io_read_line(struct serve_io *io, struct input_line *ln);

/* Queue a reply whose text may hold several lines separated by '\n'; the
 * text must hold no CR or control character. */
void serve_io_send_reply(struct serve_io *io, int code, const char *enhanced,
                         const char *text);

/* Write every waiting reply. Returns 0, or -1 with the failure kept. */
int serve_io_flush_replies(struct serve_io *io);

#endif
