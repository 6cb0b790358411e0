/* message.c - read stdin once: normalise line endings, spool, index headers.
 *
 * The input is normalised as it is read (every line ends in CRLF, see
 * message.h), so the spool file holds exactly what goes on the wire before
 * dot-stuffing. The header section is kept in memory until it is complete,
 * because Bcc removal and -t need all of it; everything after it is streamed
 * to the spool file in large blocks, so memory stays flat for any size. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "fileio.h"
#include "header.h"
#include "message.h"

#define MESSAGE_BLOCK (64 * 1024)           /* one read() of the input */
#define NORMALIZED_MAX(n) (2 * (n) + 4)     /* room normalizer_feed() needs */
#define SPOOL_BUFFER (4 * MESSAGE_BLOCK)    /* flushed with >= 128 KiB in it */

/* ================================================================ normaliser */

void normalizer_init(struct normalizer *nz, bool ignore_dots)
{
	memset(nz, 0, sizeof(*nz));
	nz->ignore_dots = ignore_dots;
	nz->at_line_start = true;
	nz->line = 1;
}

/* OR the block together eight bytes at a time and test the top bits once:
 * a byte loop here was most of the normaliser's time on 100 MiB input. */
static bool text_has_8bit(const char *text, size_t len)
{
	uint64_t seen = 0, word;
	size_t i = 0;

	for (; i + sizeof(word) <= len; i += sizeof(word)) {
		memcpy(&word, text + i, sizeof(word));
		seen |= word;
	}
	for (; i < len; i++)
		seen |= (unsigned char)text[i];
	return (seen & UINT64_C(0x8080808080808080)) != 0;
}

/* Where the next `c` is at or after `from`, `end` if there is none. The
 * answer is cached in *next (NULL: not searched yet) so each block is
 * scanned once per character. */
static const char *next_char(const char **next, int c, const char *from,
                             const char *end)
{
	if (!*next || *next < from) {
		const char *hit = memchr(from, c, (size_t)(end - from));

		*next = hit ? hit : end;
	}
	return *next;
}

size_t normalizer_feed(struct normalizer *nz, const char *in, size_t len,
                       char *out, size_t *consumed)
{
	const char *p = in, *end = in + len;
	const char *next_cr = NULL, *next_lf = NULL, *nul;
	char *o = out;

	*consumed = 0;
	if (nz->ended || len == 0)
		return 0;

	/* A CR at the end of the last block already ended its line; an LF right
	 * after it is the second half of the same CRLF. */
	if (nz->pending_cr) {
		nz->pending_cr = false;
		if (*p == '\n')
			p++;
	}
	nul = nz->nul_line ? NULL : memchr(p, '\0', (size_t)(end - p));

	while (p < end) {
		const char *eol;
		size_t n;

		if (nz->at_line_start && !nz->ignore_dots) {
			if (nz->held_dot) {
				if (*p == '\r' || *p == '\n') {
					/* A line of just ".": the end of the input (sendmail). */
					nz->held_dot = false;
					nz->ended = true;
					p += (*p == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
					break;
				}
				nz->held_dot = false;
				*o++ = '.';
				nz->at_line_start = false;
			} else if (*p == '.') {
				/* Hold the dot until the next byte says whether it ends the input. */
				nz->held_dot = true;
				p++;
				continue;
			}
		}

		eol = next_char(&next_cr, '\r', p, end);
		if (next_char(&next_lf, '\n', p, end) < eol)
			eol = next_lf;
		n = (size_t)(eol - p);
		if (n > 0) {
			memcpy(o, p, n);
			o += n;
			nz->at_line_start = false;
			if (nul && nul < eol) {
				nz->nul_line = nz->line;
				nul = NULL;
			}
		}
		p = eol;
		if (p == end)
			break;

		/* CR, LF and CRLF all end the line; it goes out as CRLF. */
		*o++ = '\r';
		*o++ = '\n';
		nz->line++;
		nz->at_line_start = true;
		if (*p++ == '\r') {
			if (p == end)
				nz->pending_cr = true;
			else if (*p == '\n')
				p++;
		}
	}

	*consumed = (size_t)(p - in);
	if (!nz->has_8bit)
		nz->has_8bit = text_has_8bit(in, *consumed);
	return (size_t)(o - out);
}

size_t normalizer_finish(struct normalizer *nz, char *out)
{
	char *o = out;

	nz->pending_cr = false;
	if (nz->ended)
		return 0;
	if (nz->held_dot) {
		nz->held_dot = false;
		if (!nz->ignore_dots) {
			/* "." without a newline at the very end is the end marker too. */
			nz->ended = true;
			return 0;
		}
		*o++ = '.';
		nz->at_line_start = false;
	}
	if (!nz->at_line_start) {
		*o++ = '\r';
		*o++ = '\n';
		nz->line++;
		nz->at_line_start = true;
	}
	return (size_t)(o - out);
}

/* ============================================================ dot-stuffing */

size_t message_dotstuff(const char *in, size_t len, bool *at_line_start, char *out)
{
	const char *p = in, *end = in + len;
	char *o = out;

	while (p < end) {
		const char *lf;
		size_t n;

		if (*at_line_start && *p == '.')
			*o++ = '.';
		lf = memchr(p, '\n', (size_t)(end - p));
		n = lf ? (size_t)(lf + 1 - p) : (size_t)(end - p);
		memcpy(o, p, n);
		o += n;
		p += n;
		*at_line_start = lf != NULL;
	}
	return (size_t)(o - out);
}

/* ============================================================== spool file */

struct spool {
	int fd;
	char path[PATH_MAX];    /* the name it had, for messages (unlinked at once) */
	char *buf;              /* SPOOL_BUFFER bytes waiting to be written */
	size_t used;
	off_t size;             /* bytes written to the file so far */
};

static int spool_create(struct spool *sp, struct outcome *out)
{
	const char *dir = getenv("TMPDIR");
	int n;

	if (!dir || !*dir)
		dir = "/tmp";
	n = snprintf(sp->path, sizeof(sp->path), "%s/postie.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(sp->path))
		return outcome_fail(out, OUTCOME_CANT_CREATE, "message",
		                    "cannot create a spool file in %s: %s", dir,
		                    strerror(ENAMETOOLONG));
	sp->buf = malloc(SPOOL_BUFFER);
	if (!sp->buf)
		return outcome_fail(out, OUTCOME_OS, "message", "out of memory");

	/* mkstemp creates the file mode 0600; it loses its name at once, so a
	 * kill at any later moment cannot leave it behind. */
	sp->fd = mkostemp(sp->path, O_CLOEXEC);
	if (sp->fd < 0)
		return outcome_fail(out, OUTCOME_CANT_CREATE, "message",
		                    "cannot create a spool file in %s: %s", dir,
		                    strerror(errno));
	if (unlink(sp->path) < 0)
		return outcome_fail(out, OUTCOME_CANT_CREATE, "message",
		                    "cannot unlink the spool file %s: %s", sp->path,
		                    strerror(errno));
	return 0;
}

static int spool_write(struct spool *sp, const char *text, size_t len,
                       struct outcome *out)
{
	if (fileio_write_all(sp->fd, text, len) < 0)
		return outcome_fail(out, OUTCOME_IO, "message",
		                    "cannot write the spool file %s: %s", sp->path,
		                    strerror(errno));
	sp->size += (off_t)len;
	return 0;
}

static int spool_flush(struct spool *sp, struct outcome *out)
{
	size_t used = sp->used;

	sp->used = 0;
	return spool_write(sp, sp->buf, used, out);
}

/* Make room for `need` bytes at the end of the buffer and return it there. */
static char *spool_room(struct spool *sp, size_t need, struct outcome *out)
{
	if (SPOOL_BUFFER - sp->used < need && spool_flush(sp, out) < 0)
		return NULL;
	return sp->buf + sp->used;
}

static int spool_append(struct spool *sp, const char *text, size_t len,
                        struct outcome *out)
{
	if (len > SPOOL_BUFFER - sp->used) {
		if (spool_flush(sp, out) < 0)
			return -1;
		if (len > SPOOL_BUFFER)
			return spool_write(sp, text, len, out);
	}
	memcpy(sp->buf + sp->used, text, len);
	sp->used += len;
	return 0;
}

static void spool_close(struct spool *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	free(sp->buf);
	sp->buf = NULL;
}

/* ========================================================= header section */

/* The text read so far while the header section is not yet complete. Lines
 * are classified once each, as they are completed. */
struct header_stage {
	char *text;
	size_t len, cap;
	size_t scanned;     /* complete lines up to here belong to the header section */
	bool seen_field;    /* a folded line may continue a field */
	bool complete;      /* the header section is text[0, scanned) */
};

static int header_stage_reserve(struct header_stage *hs, size_t need,
                                struct outcome *out)
{
	size_t cap = hs->cap ? hs->cap : 4096;
	char *text;

	if (hs->cap - hs->len >= need)
		return 0;
	/* Bounded: the stage never holds more than MESSAGE_HEADER_MAX plus one
	 * normalised block (message_read fails or moves on beyond that). */
	while (cap - hs->len < need)
		cap *= 2;
	text = realloc(hs->text, cap);
	if (!text)
		return outcome_fail(out, OUTCOME_OS, "message", "out of memory");
	hs->text = text;
	hs->cap = cap;
	return 0;
}

/* Does the header section take a line of this kind? A field does, and
 * lets folded lines follow it. */
static bool header_takes_line(struct header_stage *hs, enum header_line kind)
{
	if (kind == LINE_FIELD)
		hs->seen_field = true;
	return kind == LINE_FIELD || (kind == LINE_FOLDED && hs->seen_field);
}

/* Classify the newly completed lines; at the first one that cannot be part
 * of the header section (the empty line, or a body line) the section is complete. */
static void header_stage_scan(struct header_stage *hs)
{
	size_t name_len, head;

	while (!hs->complete) {
		const char *line = hs->text + hs->scanned;
		const char *lf = memchr(line, '\n', hs->len - hs->scanned);
		size_t line_len;

		if (!lf)
			return;
		line_len = (size_t)(lf + 1 - line);
		if (!header_takes_line(hs, classify_header_line(line, line_len,
		                                                &name_len, &head))) {
			hs->complete = true;
			return;
		}
		hs->scanned += line_len;
	}
}

/* Enforce MESSAGE_HEADER_MAX. Past the bound, an unfinished line decides:
 * if it already shows it is not a field (a long body line right after the
 * header), the section ended before it. */
static int header_stage_check_size(struct header_stage *hs, struct outcome *out)
{
	size_t name_len, head;

	if (!hs->complete && hs->len > MESSAGE_HEADER_MAX) {
		enum header_line kind = classify_header_line(hs->text + hs->scanned,
		                                             hs->len - hs->scanned,
		                                             &name_len, &head);
		if (kind != LINE_UNKNOWN && !header_takes_line(hs, kind))
			hs->complete = true;
	}
	if ((hs->complete ? hs->scanned : hs->len) > MESSAGE_HEADER_MAX)
		return outcome_fail(out, OUTCOME_BAD_MESSAGE, "message",
		                    "header section larger than 1 MiB");
	return 0;
}

static bool section_has_field(const char *hdr, size_t len, const char *const *names)
{
	struct header_field f;
	size_t pos = 0;

	while (header_next(hdr, len, &pos, &f))
		if (header_is_one_of(&f, names))
			return true;
	return false;
}

/* -t: the recipients are in To, Cc and Bcc; when the message is being
 * resent, only the Resent-* fields count (sendmail's rule). */
static int collect_header_rcpts(const char *hdr, size_t len,
                                struct address_list *rcpts, struct outcome *out)
{
	static const char *const original[] = { "To", "Cc", "Bcc", NULL };
	static const char *const resent[] = { "Resent-To", "Resent-Cc", "Resent-Bcc", NULL };
	const char *const *names = section_has_field(hdr, len, resent) ? resent : original;
	struct header_field f;
	size_t pos = 0;

	while (header_next(hdr, len, &pos, &f)) {
		char why[256];

		if (!header_is_one_of(&f, names))
			continue;
		why[0] = '\0';
		if (address_list_parse(f.value, f.value_len, rcpts, why, sizeof(why)) < 0)
			return outcome_fail(out, OUTCOME_BAD_MESSAGE, "message",
			                    "cannot parse the %.*s header: %s",
			                    (int)f.name_len, f.name,
			                    why[0] ? why : "invalid address list");
	}
	return 0;
}

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 0;

	for (const char *lf; (lf = memchr(text, '\n', len)); n++) {
		len -= (size_t)(lf + 1 - text);
		text = lf + 1;
	}
	return n;
}

/* Cut the fields an edit drops, folded lines and all, in place. Returns the
 * new length; the lines removed are added to *cut_lines. Fields only move towards
 * the start, over text already read. */
static size_t remove_fields(char *hdr, size_t len, const struct message_edit *edit,
                            size_t *cut_lines)
{
	static const char *const blind[] = { "Bcc", "Resent-Bcc", NULL };
	static const char *const from[] = { "From", NULL };
	static const char *const recipients[] = { "To", "Cc", "Bcc", NULL };
	struct header_field f;
	size_t pos = 0, kept = 0;

	while (header_next(hdr, len, &pos, &f)) {
		if ((edit->drop_bcc && header_is_one_of(&f, blind)) ||
		    (edit->drop_from && header_is_one_of(&f, from)) ||
		    (edit->drop_recipients && header_is_one_of(&f, recipients))) {
			*cut_lines += count_lines(f.raw, f.raw_len);
			continue;
		}
		memmove(hdr + kept, f.raw, f.raw_len);
		kept += f.raw_len;
	}
	return kept;
}

/* ================================================================ reading */

struct message_reader {
	const struct message_options *opt;
	struct normalizer nz;
	char *input;                /* one block of raw input */
	struct spool spool;
	struct header_stage head;   /* until the header section is spooled */
	bool in_body;
	size_t cut_lines;           /* read but not spooled (fields dropped) */
	size_t added_lines;         /* spooled but not read (fields added) */
	bool first_line_seen;       /* the mbox "From " check is done */
};

static int check_nul(const struct normalizer *nz, struct outcome *out)
{
	if (nz->nul_line)
		return outcome_fail(out, OUTCOME_BAD_MESSAGE, "message",
		                    "line %lu contains a NUL byte", nz->nul_line);
	return 0;
}

static ssize_t read_input(int fd, char *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* The header section is complete: apply -t and the caller's edit, spool it
 * with the body text read along with it, and keep it as msg->headers. */
static int spool_header_section(struct message_reader *rd, struct message *msg,
                                struct outcome *out)
{
	struct header_stage *hs = &rd->head;
	struct message_edit edit = { .drop_bcc = rd->opt->remove_bcc };
	size_t header_len = hs->scanned;
	char *kept;

	if (rd->opt->read_recipients &&
	    collect_header_rcpts(hs->text, header_len, &msg->header_rcpts, out) < 0)
		return -1;
	if (rd->opt->on_headers &&
	    rd->opt->on_headers(rd->opt->ctx, hs->text, header_len, &msg->header_rcpts,
	                        &edit, out) < 0)
		return -1;
	header_len = remove_fields(hs->text, header_len, &edit, &rd->cut_lines);
	if (!edit.append)
		edit.append_len = 0;
	if (text_has_8bit(edit.append, edit.append_len))
		rd->nz.has_8bit = true;
	rd->added_lines = edit.append_len ? count_lines(edit.append, edit.append_len) : 0;
	/* Text that follows without an empty line (a message with no header
	 * at all: "hello") would become part of the fields we add: separate it. */
	const char *rest = hs->text + hs->scanned;
	size_t rest_len = hs->len - hs->scanned;
	bool separate = edit.append_len && rest_len && !(rest_len >= 2 && rest[0] == '\r' &&
	                                                 rest[1] == '\n');

	if (spool_append(&rd->spool, hs->text, header_len, out) < 0 ||
	    (edit.append_len && spool_append(&rd->spool, edit.append, edit.append_len, out) < 0) ||
	    (separate && spool_append(&rd->spool, "\r\n", 2, out) < 0) ||
	    spool_append(&rd->spool, rest, rest_len, out) < 0)
		return -1;
	rd->added_lines += separate;

	kept = malloc(header_len + edit.append_len + 1);
	if (!kept)
		return outcome_fail(out, OUTCOME_OS, "message", "out of memory");
	memcpy(kept, hs->text, header_len);
	if (edit.append_len)
		memcpy(kept + header_len, edit.append, edit.append_len);
	kept[header_len + edit.append_len] = '\0';
	msg->headers = kept;
	msg->headers_len = header_len + edit.append_len;
	free(hs->text);
	memset(hs, 0, sizeof(*hs));
	rd->in_body = true;
	return 0;
}

/* "From SENDER DAY ...": the separator line of an mbox file. The day of
 * the week tells it from a body that merely begins "From now on". */
static bool is_mbox_from_line(const char *line, size_t len)
{
	static const char days[] = "Mon Tue Wed Thu Fri Sat Sun ";
	const char *sender = line + 5, *space;

	if (len < 5 || memcmp(line, "From ", 5) != 0)
		return false;
	space = memchr(sender, ' ', len - 5);
	if (!space || space == sender || (size_t)(space + 5 - line) > len)
		return false;
	for (const char *d = days; *d; d += 4)
		if (memcmp(space + 1, d, 3) == 0 && space[4] == ' ')
			return true;
	return false;
}

/* A message taken from an mbox file may begin with the mailbox's "From "
 * separator line ("From alice@example.org Tue Dec  1 10:00:00 2026"). It is
 * no header field, and as the first line it would end the header section
 * before it began: drop it, as sendmail does. */
static void drop_mbox_from_line(struct message_reader *rd)
{
	struct header_stage *hs = &rd->head;
	const char *lf;
	size_t line_len;

	if (rd->first_line_seen)
		return;
	lf = memchr(hs->text, '\n', hs->len);
	if (!lf)
		return;      /* the first line is not complete yet */
	rd->first_line_seen = true;
	line_len = (size_t)(lf + 1 - hs->text);
	if (!is_mbox_from_line(hs->text, line_len))
		return;
	memmove(hs->text, lf + 1, hs->len - line_len);
	hs->len -= line_len;
	rd->cut_lines++;
}

/* Normalise a block into the header stage. */
static int take_header_text(struct message_reader *rd, struct message *msg,
                            const char *in, size_t len, bool at_end,
                            struct outcome *out)
{
	struct header_stage *hs = &rd->head;
	size_t consumed;

	/* One more byte for the terminator msg->headers gets. */
	if (header_stage_reserve(hs, NORMALIZED_MAX(len) + 1, out) < 0)
		return -1;
	if (at_end)
		hs->len += normalizer_finish(&rd->nz, hs->text + hs->len);
	else
		hs->len += normalizer_feed(&rd->nz, in, len, hs->text + hs->len, &consumed);
	if (check_nul(&rd->nz, out) < 0)
		return -1;

	drop_mbox_from_line(rd);
	header_stage_scan(hs);
	if ((at_end || rd->nz.ended) && !hs->complete) {
		/* Every line is complete now, and all of them were header. */
		hs->complete = true;
	}
	if (header_stage_check_size(hs, out) < 0)
		return -1;
	if (hs->complete)
		return spool_header_section(rd, msg, out);
	return 0;
}

/* Normalise a block straight into the spool buffer. */
static int take_body_text(struct message_reader *rd, const char *in, size_t len,
                          bool at_end, struct outcome *out)
{
	struct spool *sp = &rd->spool;
	size_t consumed;
	char *room = spool_room(sp, NORMALIZED_MAX(len), out);

	if (!room)
		return -1;
	if (at_end)
		sp->used += normalizer_finish(&rd->nz, room);
	else
		sp->used += normalizer_feed(&rd->nz, in, len, room, &consumed);
	return check_nul(&rd->nz, out);
}

static int take_text(struct message_reader *rd, struct message *msg,
                     const char *in, size_t len, bool at_end, struct outcome *out)
{
	if (rd->in_body)
		return take_body_text(rd, in, len, at_end, out);
	return take_header_text(rd, msg, in, len, at_end, out);
}

static void message_init(struct message *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->fd = -1;
}

static int read_whole_input(struct message_reader *rd, int in_fd, struct message *msg,
                            struct outcome *out)
{
	while (!rd->nz.ended) {
		ssize_t n = read_input(in_fd, rd->input, MESSAGE_BLOCK);

		if (n < 0)
			return outcome_fail(out, OUTCOME_IO, "message",
			                    "reading standard input: %s", strerror(errno));
		if (n == 0)
			break;
		if (take_text(rd, msg, rd->input, (size_t)n, false, out) < 0)
			return -1;
	}
	return take_text(rd, msg, NULL, 0, true, out);
}

int message_read(int in_fd, const struct message_options *opt, struct message *msg,
                 struct outcome *out)
{
	static const struct message_options defaults;
	struct message_reader rd;
	int rc = -1;

	message_init(msg);
	memset(&rd, 0, sizeof(rd));
	rd.opt = opt ? opt : &defaults;
	rd.spool.fd = -1;
	normalizer_init(&rd.nz, rd.opt->ignore_dots);

	rd.input = malloc(MESSAGE_BLOCK);
	if (!rd.input) {
		outcome_fail(out, OUTCOME_OS, "message", "out of memory");
		goto done;
	}
	if (spool_create(&rd.spool, out) < 0 ||
	    read_whole_input(&rd, in_fd, msg, out) < 0 ||
	    spool_flush(&rd.spool, out) < 0)
		goto done;
	if (lseek(rd.spool.fd, 0, SEEK_SET) < 0) {
		outcome_fail(out, OUTCOME_IO, "message", "cannot rewind the spool file %s: %s",
		             rd.spool.path, strerror(errno));
		goto done;
	}

	msg->fd = rd.spool.fd;
	rd.spool.fd = -1;
	msg->size = rd.spool.size;
	msg->has_8bit = rd.nz.has_8bit;
	msg->lines = rd.nz.line - 1 - rd.cut_lines + rd.added_lines;
	rc = 0;
done:
	spool_close(&rd.spool);
	free(rd.head.text);
	free(rd.input);
	if (rc < 0)
		message_free(msg);
	return rc;
}

void message_free(struct message *msg)
{
	if (msg->fd >= 0)
		close(msg->fd);
	free(msg->headers);
	address_list_free(&msg->header_rcpts);
	message_init(msg);
}
