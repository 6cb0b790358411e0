/* serve_io.c - `-bs`: the wire to our caller. Input is read with read(2)
 * only, into our own buffer (stdin may hold the next command right behind
 * the data), and handed out a line at a time. Replies wait in their buffer
 * until we are about to block on input (RFC 2920), so a pipelined group
 * costs one write. Every wait is bounded by the idle timeout. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "serve_io.h"

static void session_fail(struct serve_io *io, enum outcome_class cls, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));
static void session_fail(struct serve_io *io, enum outcome_class cls, const char *fmt, ...)
{
	va_list ap;

	if (io->failed)
		return;
	io->failed = true;
	va_start(ap, fmt);
	outcome_vfail(io->out, cls, "serve", fmt, ap);
	va_end(ap);
}

/* ================================================================ replies */

/* Write every waiting reply. Pieces of at most PIPE_BUF after POLLOUT, so
 * a write to a pipe cannot block past the deadline. */
int serve_io_flush_replies(struct serve_io *io)
{
	long long deadline = net_now_ms() + io->timeout_ms;
	size_t done = 0;

	if (io->failed)
		return -1;
	while (done < io->replies_len) {   /* bounded by the deadline */
		size_t piece = io->replies_len - done;
		ssize_t n;
		int r = net_wait_fd(io->out_fd, true, deadline);

		if (r == 0) {
			session_fail(io, OUTCOME_TEMPORARY, "the SMTP client took no reply for %lld s",
			             io->timeout_ms / 1000);
			return -1;
		}
		if (piece > PIPE_BUF)
			piece = PIPE_BUF;
		n = r < 0 ? -1 : write(io->out_fd, io->replies + done, piece);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			session_fail(io, OUTCOME_IO, "cannot write to the SMTP client: %s",
			             n == 0 ? "nothing written" : strerror(errno));
			return -1;
		}
		done += (size_t)n;
	}
	io->replies_len = 0;
	return 0;
}

static void queue_reply_bytes(struct serve_io *io, const char *bytes, size_t len)
{
	if (io->replies_len + len > sizeof(io->replies) && serve_io_flush_replies(io) < 0)
		return;
	if (io->failed)
		return;
	memcpy(io->replies + io->replies_len, bytes, len);
	io->replies_len += len;
}

static void queue_reply_line(struct serve_io *io, int code, bool last,
                             const char *enhanced, const char *text, size_t len)
{
	char line[SERVE_REPLY_LINE_MAX];
	int n = snprintf(line, sizeof(line), "%03d%c%s%s", code, last ? ' ' : '-',
	                 enhanced, enhanced[0] ? " " : "");
	size_t used = n > 0 ? (size_t)n : 0;

	if (used > sizeof(line) - 2)
		used = sizeof(line) - 2;
	if (len > sizeof(line) - 2 - used)
		len = sizeof(line) - 2 - used;
	memcpy(line + used, text, len);
	used += len;
	memcpy(line + used, "\r\n", 2);
	queue_reply_bytes(io, line, used + 2);
}

/* A reply whose text may hold several lines separated by '\n'. The text is
 * ours or already escaped: no CR or control character reaches the caller. */
void serve_io_send_reply(struct serve_io *io, int code, const char *enhanced,
                         const char *text)
{
	const char *p = text;

	for (;;) {   /* one turn per line of `text` */
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool last = !nl || nl[1] == '\0';

		queue_reply_line(io, code, last, enhanced, p, len);
		if (last)
			return;
		p = nl + 1;
	}
}

/* ================================================================== input */

/* Read more input, after the waiting replies are out when nothing is ready
 * (the caller waits for them). Returns bytes read, 0 at EOF, -1 failure. */
static int fill_input(struct serve_io *io)
{
	ssize_t n;
	int r = net_wait_fd(io->in_fd, false, net_now_ms());

	if (r == 0) {
		if (serve_io_flush_replies(io) < 0)
			return -1;
		r = net_wait_fd(io->in_fd, false, net_now_ms() + io->timeout_ms);
	}
	if (r == 0) {
		io->timed_out = true;
		session_fail(io, OUTCOME_TEMPORARY, "the SMTP client sent nothing for %lld s",
		             io->timeout_ms / 1000);
		return -1;
	}
	do
		n = read(io->in_fd, io->in + io->in_end, sizeof(io->in) - io->in_end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		session_fail(io, OUTCOME_IO, "cannot read from the SMTP client: %s", strerror(errno));
		return -1;
	}
	io->in_end += (size_t)n;
	return (int)(n > 0);
}

/* The next line, or the next piece of a line that does not fit the buffer
 * (a CR at the end of a piece is kept back: its LF may follow). The text
 * stays valid until the next call. Returns 1, 0 at EOF, -1 on failure. */
int serve_io_read_line(struct serve_io *io, struct input_line *ln)
{
	for (;;) {   /* each turn reads more, and the buffer is finite */
		char *start = io->in + io->in_start;
		size_t avail = io->in_end - io->in_start;
		char *lf = memchr(start, '\n', avail);
		int r;

		if (lf || avail == sizeof(io->in)) {
			ln->text = start;
			ln->complete = lf != NULL;
			ln->raw_len = lf ? (size_t)(lf - start) + 1 : avail;
			ln->len = lf ? (size_t)(lf - start) : avail;
			ln->crlf = false;
			if (ln->len > 0 && start[ln->len - 1] == '\r') {
				ln->len--;
				ln->crlf = lf != NULL;
				if (!lf)
					ln->raw_len--;
			}
			io->in_start += ln->raw_len;
			return 1;
		}
		memmove(io->in, start, avail);
		io->in_start = 0;
		io->in_end = avail;
		r = fill_input(io);
		if (r <= 0)
			return r;
	}
}
