/* compose.c - a message built from command-line arguments (--subject,
 * --body, --attach, ...), for alerts from scripts.
 *
 * Nothing is written until every input has been opened and checked. The
 * body is then read once, in blocks, into an unlinked spool file with its
 * line endings made CRLF, while a scan notes what its encoding must be
 * (8-bit bytes, the longest line, NUL bytes, UTF-8 validity). Only then is
 * the message written, header section first, into a second unlinked file:
 * the body copied or quoted-printable encoded from the spool, attachments
 * base64 encoded straight from their files. Memory stays flat whatever the
 * sizes. All encodings are mime.c's. The checks on the arguments, and the
 * parsing of --attach specs, are compose_check.c's; the header section is
 * compose_header.c's. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE       /* O_CLOEXEC */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "compose.h"
#include "compose_internal.h"
#include "fileio.h"
#include "mime.h"
#include "strbuf.h"

#define STEP "message"
#define BODY_BLOCK (64 * 1024)
#define ATTACH_BLOCK (MIME_BASE64_CHUNK * 1150)  /* 65,550 bytes: whole base64 lines */
#define OUTPUT_FLUSH (64 * 1024)     /* write the output buffer out past this */
#define BOUNDARY_PREFIX "=_postie_"
#define PREAMBLE "This is a MIME message with attachments.\r\n"

/* ================================================================ files */

/* A failure for want of system resources, not because of a file: the fix
 * is elsewhere, so it is neither "no input" nor "cannot create". */
static bool is_resource_error(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS;
}

/* An unlinked file for the `what` ("message body", ...). */
static int temporary_file(const char *what, struct outcome *out)
{
	int fd = fileio_temporary_fd("postie-compose");

	if (fd < 0) {
		int e = errno;

		return outcome_fail(out, is_resource_error(e) ? OUTCOME_OS : OUTCOME_CANT_CREATE,
		                    STEP, "cannot create a file for the %s in %s: %s", what,
		                    fileio_temporary_dir(), strerror(e));
	}
	return fd;
}

/* Open an input for reading: a regular file, a pipe or FIFO (<(cmd)), or
 * a character device (/dev/stdin). The open does not wait for a FIFO's
 * writer (O_NONBLOCK, cleared at once so that reads wait for data as
 * usual); a FIFO with no writer reads as empty. Returns the fd, or -1 with
 * errno (EINVAL: some other kind of file). */
static int open_input(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), flags, e;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static const char *open_error(int e)
{
	return e == EINVAL ? "not a regular file, pipe or character device" : strerror(e);
}

/* outcome_fail for an input `what` ("attachment", "body file") that did
 * not open. */
static int open_failed(const char *what, const char *path, int e, struct outcome *out)
{
	if (is_resource_error(e))
		return outcome_fail(out, OUTCOME_OS, STEP, "cannot open %s %s: %s", what, path,
		                    strerror(e));
	return outcome_fail(out, OUTCOME_NO_INPUT, STEP, "cannot read %s %s: %s", what, path,
	                    open_error(e));
}

/* ================================================================ the body */

/* What the body scan found out, and its state between blocks. */
struct body_scan {
	off_t size;                  /* octets in the spool (CRLF line ends) */
	size_t line_len;             /* octets on the current line so far */
	size_t longest;              /* the longest line, without its CRLF */
	unsigned long line;          /* the current line number, from 1 */
	unsigned long nul_line;      /* the first line with a NUL; 0: none */
	unsigned long bad_utf8_line; /* the first line that is not UTF-8; 0: none */
	bool check_utf8;
	bool eight_bit;
	bool pending_cr;             /* the last byte was a CR: a LF now adds nothing */
	struct mime_utf8_stream utf8;
};

static void scan_utf8(struct body_scan *s, const char *p, size_t len)
{
	if (!s->check_utf8 || s->bad_utf8_line || len == 0)
		return;
	mime_utf8_stream_feed(&s->utf8, p, len);
	if (s->utf8.bad)
		s->bad_utf8_line = s->line;
}

static void end_line(struct body_scan *s)
{
	if (s->line_len > s->longest)
		s->longest = s->line_len;
	s->line_len = 0;
	s->line++;
}

/* Copy `in` to `spooled` (room for 2 * len) with every line break as CRLF:
 * LF, CRLF and a lone CR each end one line. The UTF-8 check is fed a line
 * at a time so that a failure knows its line. Returns the bytes made. */
static size_t normalise_block(struct body_scan *s, const char *in, size_t len, char *spooled)
{
	size_t o = 0, line_start = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (s->pending_cr && c == '\n') {
			s->pending_cr = false;
			continue;
		}
		s->pending_cr = false;
		if (c == '\r' || c == '\n') {
			scan_utf8(s, in + line_start, i + 1 - line_start);
			line_start = i + 1;
			spooled[o++] = '\r';
			spooled[o++] = '\n';
			end_line(s);
			s->pending_cr = c == '\r';
			continue;
		}
		if (c == 0 && !s->nul_line)
			s->nul_line = s->line;
		if (c >= 0x80)
			s->eight_bit = true;
		spooled[o++] = (char)c;
		s->line_len++;
	}
	scan_utf8(s, in + line_start, len - line_start);
	return o;
}

/* Where the body comes from: a string, or a file descriptor. */
struct body_source {
	const char *text;       /* --body, or NULL */
	size_t text_len, text_done;
	int fd;                 /* -1: no fd (text, or an empty body) */
	const char *name;       /* for errors: "stdin" or the file's path */
};

/* The next block of the body: its length, 0 at the end, -1 on a read
 * error (with errno). */
static ssize_t body_next_block(struct body_source *src, char *buf, size_t size)
{
	if (src->text) {
		size_t n = src->text_len - src->text_done;

		if (n > size)
			n = size;
		memcpy(buf, src->text + src->text_done, n);
		src->text_done += n;
		return (ssize_t)n;
	}
	if (src->fd < 0)
		return 0;
	return fileio_read_full(src->fd, buf, size);
}

/* Stop early when the body already cannot be sent. */
static bool scan_failed(const struct body_scan *s)
{
	return s->nul_line || s->bad_utf8_line;
}

static int scan_verdict(const struct body_scan *s, struct outcome *out)
{
	if (s->nul_line)
		return outcome_fail(out, OUTCOME_BAD_MESSAGE, STEP,
		                    "the body holds a NUL byte (line %lu); send binary data "
		                    "with --attach", s->nul_line);
	if (s->bad_utf8_line)
		return outcome_fail(out, OUTCOME_BAD_MESSAGE, STEP,
		                    "the body is not valid UTF-8 (line %lu); name its charset "
		                    "with --charset (e.g. --charset iso-8859-1)", s->bad_utf8_line);
	return 0;
}

/* Read the whole body into the spool `fd`, scanning it on the way. */
static int spool_body(struct body_source *src, int fd, struct body_scan *s,
                      struct outcome *out)
{
	char *in = malloc(BODY_BLOCK), *spooled = malloc(2 * BODY_BLOCK + 2);
	int rc = 0;

	if (!in || !spooled) {
		free(in);
		free(spooled);
		return compose_out_of_memory(out, STEP);
	}
	for (;;) {      /* bounded: each turn consumes a block, or the input ends */
		ssize_t n = body_next_block(src, in, BODY_BLOCK);
		size_t made;

		if (n < 0) {
			rc = outcome_fail(out, OUTCOME_IO, STEP, "cannot read the body from %s: %s",
			                  src->name, strerror(errno));
			break;
		}
		made = normalise_block(s, in, (size_t)n, spooled);
		if (s->line_len > 0 && n < BODY_BLOCK && !scan_failed(s)) {
			/* the end, in the middle of a line: give it its line break */
			if (s->check_utf8 && !mime_utf8_stream_done(&s->utf8))
				s->bad_utf8_line = s->line;
			spooled[made++] = '\r';
			spooled[made++] = '\n';
			end_line(s);
		}
		if (made > 0 && fileio_write_all(fd, spooled, made) < 0) {
			rc = outcome_fail(out, OUTCOME_IO, STEP, "cannot write the body spool: %s",
			                  strerror(errno));
			break;
		}
		s->size += (off_t)made;
		if (scan_failed(s) || n < BODY_BLOCK)
			break;
	}
	if (rc == 0 && s->check_utf8 && !s->bad_utf8_line && !mime_utf8_stream_done(&s->utf8))
		s->bad_utf8_line = s->line > 1 ? s->line - 1 : 1;
	free(in);
	free(spooled);
	return rc < 0 ? rc : scan_verdict(s, out);
}

/* ================================================================ the build */

struct composition {
	const struct compose_request *req;
	struct attachment *att;     /* req->nattachments, opened */
	int body_file_fd;           /* --body-file FILE, or -1 */
	int spool_fd;               /* the body, CRLF */
	struct body_scan scan;
	int out_fd;
	struct strbuf buf;          /* output not yet written */
	char boundary[64];
};

static int flush_output(struct composition *c, size_t threshold, struct outcome *out)
{
	if (c->buf.failed)
		return compose_out_of_memory(out, STEP);
	if (c->buf.len < threshold || c->buf.len == 0)
		return 0;
	if (fileio_write_all(c->out_fd, c->buf.data, c->buf.len) < 0)
		return outcome_fail(out, OUTCOME_IO, STEP, "cannot write the composed message: %s",
		                    strerror(errno));
	c->buf.len = 0;
	return 0;
}

static void add_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

static const char *body_encoding(const struct body_scan *s)
{
	if (s->longest > LINE_OCTETS_MAX)
		return "quoted-printable";
	return s->eight_bit ? "8bit" : "7bit";
}

/* Content-Type and Content-Transfer-Encoding of the text, and the blank
 * line that ends its header section. */
static int add_text_fields(struct strbuf *b, const struct composition *c, struct outcome *out)
{
	size_t col = strlen("Content-Type: text/plain");

	add_str(b, "Content-Type: text/plain");
	if (mime_parameter(b, &col, "charset", c->req->charset ? c->req->charset : "utf-8") < 0)
		return outcome_fail(out, OUTCOME_INTERNAL, STEP, "cannot write the charset");
	add_str(b, "\r\nContent-Transfer-Encoding: ");
	add_str(b, body_encoding(&c->scan));
	add_str(b, "\r\n\r\n");
	return 0;
}

/* The spooled body, as it is or quoted-printable. */
static int copy_body(struct composition *c, struct outcome *out)
{
	bool qp = c->scan.longest > LINE_OCTETS_MAX;
	char *block;
	struct mime_qp enc;
	int rc = 0;

	if (lseek(c->spool_fd, 0, SEEK_SET) < 0)
		return outcome_fail(out, OUTCOME_IO, STEP, "cannot rewind the body spool: %s",
		                    strerror(errno));
	block = malloc(BODY_BLOCK);
	if (!block)
		return compose_out_of_memory(out, STEP);
	mime_qp_init(&enc);
	for (;;) {      /* bounded: the spool is read once, to its end */
		ssize_t n = fileio_read_full(c->spool_fd, block, BODY_BLOCK);

		if (n < 0) {
			rc = outcome_fail(out, OUTCOME_IO, STEP, "cannot read the body spool: %s",
			                  strerror(errno));
			break;
		}
		if (qp)
			mime_qp_feed(&enc, &c->buf, block, (size_t)n);
		else
			strbuf_add(&c->buf, block, (size_t)n);
		if (n == 0 || (rc = flush_output(c, OUTPUT_FLUSH, out)) < 0)
			break;
	}
	if (rc == 0 && qp)
		mime_qp_finish(&enc, &c->buf);
	free(block);
	return rc;
}

static int add_attachment_fields(struct strbuf *b, const struct compose_request *req,
                                 const struct attachment *a, struct outcome *out)
{
	char type[MEDIA_TYPE_MAX + 1];
	size_t col;

	if (a->type)
		snprintf(type, sizeof(type), "%s", a->type);
	else
		mime_type_for_name(req->mime_types, a->filename, type, sizeof(type));
	/* A .eml file is a message/rfc822, which must not be base64 (an
	 * explicit ;type= of it is refused by compose_check). */
	if (compose_type_is_composite(type))
		snprintf(type, sizeof(type), "%s", "application/octet-stream");
	add_str(b, "Content-Type: ");
	add_str(b, type);
	col = strlen("Content-Type: ") + strlen(type);
	if (mime_parameter(b, &col, "name", a->filename) < 0)
		return outcome_fail(out, OUTCOME_INTERNAL, STEP, "cannot encode the name of %s",
		                    a->path);
	add_str(b, "\r\nContent-Disposition: attachment");
	col = strlen("Content-Disposition: attachment");
	if (mime_parameter(b, &col, "filename", a->filename) < 0)
		return outcome_fail(out, OUTCOME_INTERNAL, STEP, "cannot encode the name of %s",
		                    a->path);
	add_str(b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	return 0;
}

/* The attachment's bytes as base64 lines, a whole number of lines per
 * block until the last. */
static int copy_attachment(struct composition *c, const struct attachment *a,
                           struct outcome *out)
{
	char *block = malloc(ATTACH_BLOCK);
	int rc = 0;

	if (!block)
		return compose_out_of_memory(out, STEP);
	for (;;) {      /* bounded: the file is read once, to its end */
		ssize_t n = fileio_read_full(a->fd, block, ATTACH_BLOCK);

		if (n < 0) {
			rc = outcome_fail(out, OUTCOME_IO, STEP, "cannot read attachment %s: %s",
			                  a->path, strerror(errno));
			break;
		}
		if (n > 0 && mime_base64_lines(&c->buf, block, (size_t)n) < 0) {
			rc = compose_out_of_memory(out, STEP);
			break;
		}
		if ((rc = flush_output(c, OUTPUT_FLUSH, out)) < 0 || n < ATTACH_BLOCK)
			break;
	}
	free(block);
	return rc;
}

static void add_delimiter(struct strbuf *b, const char *boundary, bool last)
{
	add_str(b, "--");
	add_str(b, boundary);
	add_str(b, last ? "--\r\n" : "\r\n");
}

/* multipart/mixed: the text (when there is any), then each attachment.
 * A boundary starts with "=_", which neither base64 nor quoted-printable
 * text can hold. */
static int write_multipart(struct composition *c, struct outcome *out)
{
	struct strbuf *b = &c->buf;

	if (mime_boundary(c->boundary, sizeof(c->boundary), BOUNDARY_PREFIX) < 0)
		return outcome_fail(out, OUTCOME_OS, STEP, "no random bytes for the MIME boundary");
	add_str(b, "Content-Type: multipart/mixed; boundary=\"");
	add_str(b, c->boundary);
	add_str(b, "\"\r\n\r\n" PREAMBLE);
	if (c->scan.size > 0) {
		add_delimiter(b, c->boundary, false);
		if (add_text_fields(b, c, out) < 0 || copy_body(c, out) < 0)
			return -1;
		/* the CRLF before a delimiter belongs to it: keep the text's last one */
		add_str(b, "\r\n");
	}
	for (size_t i = 0; i < c->req->nattachments; i++) {
		add_delimiter(b, c->boundary, false);
		if (add_attachment_fields(b, c->req, &c->att[i], out) < 0 ||
		    copy_attachment(c, &c->att[i], out) < 0)
			return -1;
	}
	add_delimiter(b, c->boundary, true);
	return 0;
}

static int write_message(struct composition *c, struct outcome *out)
{
	c->out_fd = temporary_file("composed message", out);
	if (c->out_fd < 0)
		return -1;
	if (compose_header_section(&c->buf, c->req, out) < 0)
		return -1;
	if (c->req->nattachments > 0) {
		if (write_multipart(c, out) < 0)
			return -1;
	} else if (add_text_fields(&c->buf, c, out) < 0 || copy_body(c, out) < 0) {
		return -1;
	}
	if (flush_output(c, 1, out) < 0)
		return -1;
	if (lseek(c->out_fd, 0, SEEK_SET) < 0)
		return outcome_fail(out, OUTCOME_IO, STEP, "cannot rewind the composed message: %s",
		                    strerror(errno));
	return 0;
}

/* ================================================================ inputs */

/* Every attachment and the body file, opened and checked before anything
 * is read or written. */
static int open_inputs(struct composition *c, struct outcome *out)
{
	const struct compose_request *req = c->req;

	for (size_t i = 0; i < req->nattachments; i++) {
		struct attachment *a = &c->att[i];

		if (compose_attachment_parse(req->attachments[i], a, out) < 0)
			return -1;
		a->fd = open_input(a->path);
		if (a->fd < 0)
			return open_failed("attachment", a->path, errno, out);
	}
	if (req->body_file && strcmp(req->body_file, "-") != 0) {
		c->body_file_fd = open_input(req->body_file);
		if (c->body_file_fd < 0)
			return open_failed("body file", req->body_file, errno, out);
	} else if (req->body_file && req->body_fd < 0) {
		return outcome_fail(out, OUTCOME_NO_INPUT, STEP,
		                    "--body-file -: there is no standard input to read the body from");
	}
	return 0;
}

static struct body_source body_source(const struct composition *c)
{
	const struct compose_request *req = c->req;
	struct body_source src = { .fd = -1, .name = "stdin" };

	if (req->body) {
		src.text = req->body;
		src.text_len = strlen(req->body);
	} else if (c->body_file_fd >= 0) {
		src.fd = c->body_file_fd;
		src.name = req->body_file;
	} else if (req->body_fd >= 0) {
		src.fd = req->body_fd;
	}
	return src;
}

static bool charset_is_utf8(const char *charset)
{
	return !charset || strcasecmp(charset, "utf-8") == 0 || strcasecmp(charset, "utf8") == 0;
}

static void composition_free(struct composition *c)
{
	if (c->att)
		for (size_t i = 0; i < c->req->nattachments; i++)
			compose_attachment_free(&c->att[i]);
	free(c->att);
	if (c->body_file_fd >= 0)
		close(c->body_file_fd);
	if (c->spool_fd >= 0)
		close(c->spool_fd);
	if (c->out_fd >= 0)
		close(c->out_fd);
	strbuf_free(&c->buf);
}

int compose_message(const struct compose_request *req, int *fd, struct outcome *out)
{
	struct composition c = {
		.req = req, .body_file_fd = -1, .spool_fd = -1, .out_fd = -1,
		.scan = { .line = 1, .check_utf8 = charset_is_utf8(req->charset) },
	};
	struct body_source src;
	int rc = -1;

	*fd = -1;
	if (compose_check(req, out) < 0)
		return -1;
	c.att = calloc(req->nattachments ? req->nattachments : 1, sizeof(*c.att));
	if (!c.att)
		return compose_out_of_memory(out, STEP);
	for (size_t i = 0; i < req->nattachments; i++)
		c.att[i].fd = -1;
	if (open_inputs(&c, out) < 0)
		goto done;
	c.spool_fd = temporary_file("message body", out);
	if (c.spool_fd < 0)
		goto done;
	src = body_source(&c);
	if (spool_body(&src, c.spool_fd, &c.scan, out) < 0 || write_message(&c, out) < 0)
		goto done;
	*fd = c.out_fd;
	c.out_fd = -1;
	rc = 0;
done:
	composition_free(&c);
	return rc;
}
