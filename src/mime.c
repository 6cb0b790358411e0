/* mime.c - the MIME pieces a composed message needs (see mime.h): the
 * UTF-8 and field-name checks, base64 (GnuTLS's encoder) and
 * quoted-printable bodies, multipart boundaries, media types from
 * mime.types. The header-field encoders (RFC 2047 words, phrases, RFC 2231
 * parameters) are mime_header.c's. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "address.h"   /* utf8_decode */
#include "mime.h"

#define QP_LINE_MAX 76             /* RFC 2045 6.7 (5), the soft-break '=' included */
#define BASE64_BLOCK (MIME_BASE64_CHUNK * 1024)
#define TYPES_LINE_MAX 1024
#define TYPES_LINES_MAX 100000     /* a mime.types file is a few thousand lines */
#define TYPE_MAX 128
#define UTF8_CHAR_MAX 4            /* RFC 3629: the longest character */

static const char hex_digits[] = "0123456789ABCDEF";

/* ================================================================ checks */

/* Could s[0..len), which utf8_decode refused, be a character cut short by
 * the end of a block? Only when it is shorter than the longest character
 * and all non-ASCII (an ASCII byte never continues a character). Held,
 * it is settled by the next block, or found short by the end. */
static bool may_be_cut_short(const unsigned char *s, size_t len)
{
	size_t i;

	if (len >= UTF8_CHAR_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < 0x80)
			return false;
	return true;
}

/* Finish the character held from the last block with the first bytes of
 * this one; returns how many of them it took. */
static size_t finish_held(struct mime_utf8_stream *st, const unsigned char *u, size_t len)
{
	unsigned char seq[UTF8_CHAR_MAX];
	size_t held = st->nheld, take = UTF8_CHAR_MAX - held, n;
	unsigned code_point;

	if (take > len)
		take = len;
	memcpy(seq, st->held, held);
	memcpy(seq + held, u, take);
	n = utf8_decode(seq, held + take, &code_point);
	/* the held bytes alone did not decode, so a character is longer */
	if (n > held) {
		st->nheld = 0;
		return n - held;
	}
	if (n == 0 && may_be_cut_short(seq, held + take)) {
		/* still short, so all of this block was taken: it fits */
		memcpy(st->held, seq, held + take);
		st->nheld = (unsigned)(held + take);
		return len;
	}
	st->bad = true;
	return len;
}

void mime_utf8_stream_feed(struct mime_utf8_stream *st, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	if (st->bad)
		return;
	if (st->nheld > 0) {
		i = finish_held(st, u, len);
		if (st->bad || st->nheld > 0)
			return;
	}
	while (i < len) {       /* bounded: each turn moves on by a character */
		unsigned code_point;
		size_t n;

		if (u[i] < 0x80) {      /* the common case, ASCII */
			i++;
			continue;
		}
		n = utf8_decode(u + i, len - i, &code_point);
		if (n == 0) {
			if (may_be_cut_short(u + i, len - i)) {
				memcpy(st->held, u + i, len - i);
				st->nheld = (unsigned)(len - i);
			} else {
				st->bad = true;
			}
			return;
		}
		i += n;
	}
}

bool mime_utf8_stream_done(const struct mime_utf8_stream *st)
{
	return !st->bad && st->nheld == 0;
}

bool mime_utf8_valid(const char *s, size_t len)
{
	struct mime_utf8_stream st = { 0 };

	mime_utf8_stream_feed(&st, s, len);
	return mime_utf8_stream_done(&st);
}

bool mime_field_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len < 1 || len > 76)
		return false;
	for (i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~' || name[i] == ':')
			return false;
	return true;
}

/* ================================================================ base64 */

/* Append base64 text as lines of MIME_BASE64_LINE characters. */
static void put_base64_lines(struct strbuf *out, const char *b64, size_t len)
{
	size_t pos;

	for (pos = 0; pos < len; pos += MIME_BASE64_LINE) {
		size_t n = len - pos < MIME_BASE64_LINE ? len - pos : MIME_BASE64_LINE;

		strbuf_add(out, b64 + pos, n);
		strbuf_add(out, "\r\n", 2);
	}
}

int mime_base64_lines(struct strbuf *out, const void *data, size_t len)
{
	const unsigned char *p = data;

	/* Blocks of whole lines: fewer calls and allocations than one a line. */
	while (len > 0 && !out->failed) {
		size_t n = len < BASE64_BLOCK ? len : BASE64_BLOCK;
		gnutls_datum_t in = { (unsigned char *)p, (unsigned)n }, enc = { NULL, 0 };

		if (gnutls_base64_encode2(&in, &enc) < 0) {
			out->failed = true;
			return -1;
		}
		if (strbuf_reserve(out, enc.size + enc.size / MIME_BASE64_LINE * 2 + 2))
			put_base64_lines(out, (const char *)enc.data, enc.size);
		gnutls_free(enc.data);
		p += n;
		len -= n;
	}
	return out->failed ? -1 : 0;
}

/* ====================================================== quoted-printable */

/* Output goes straight into room reserved in the strbuf: this runs over
 * whole message bodies. */
struct qp_writer {
	struct mime_qp *qp;
	char *p;
};

static bool qp_literal(unsigned char c)
{
	return c >= 33 && c <= 126 && c != '=';
}

/* Put n characters that belong together (a character or "=XX") on the
 * line, after a soft break when they would not leave room for the '='
 * of one. */
static void qp_token(struct qp_writer *w, const char *token, size_t n)
{
	if (w->qp->col + n > QP_LINE_MAX - 1) {
		memcpy(w->p, "=\r\n", 3);
		w->p += 3;
		w->qp->col = 0;
	}
	memcpy(w->p, token, n);
	w->p += n;
	w->qp->col += n;
}

static void qp_encoded(struct qp_writer *w, unsigned char c)
{
	char hex[3] = { '=', hex_digits[c >> 4], hex_digits[c & 0x0f] };

	qp_token(w, hex, 3);
}

/* The held space or tab: as it is when something follows on its line,
 * encoded when it would end the line (RFC 2045 6.7 (3)). */
static void qp_flush_space(struct qp_writer *w, bool line_end)
{
	char c = w->qp->pending_ws;

	if (!c)
		return;
	w->qp->pending_ws = 0;
	if (line_end)
		qp_encoded(w, (unsigned char)c);
	else
		qp_token(w, &c, 1);
}

/* Would one more character start an output line (after a break, or after
 * the soft break it would need)? A '-' there is written "=2D": a line
 * starting "--" could be taken for a multipart boundary (RFC 2046 5.1.1)
 * when the encoded body is a part of one. */
static bool qp_at_line_start(const struct mime_qp *qp)
{
	return qp->col == 0 || qp->col + 1 > QP_LINE_MAX - 1;
}

static void qp_byte(struct qp_writer *w, unsigned char c)
{
	struct mime_qp *qp = w->qp;

	if (qp->pending_cr) {
		qp->pending_cr = false;
		if (c == '\n') {
			qp_flush_space(w, true);
			memcpy(w->p, "\r\n", 2);
			w->p += 2;
			qp->col = 0;
			return;
		}
		qp_flush_space(w, false);
		qp_encoded(w, '\r');
	}
	if (c == '\r') {
		qp->pending_cr = true;
		return;
	}
	qp_flush_space(w, false);
	if (c == ' ' || c == '\t')
		qp->pending_ws = (char)c;
	else if (qp_literal(c) && !(c == '-' && qp_at_line_start(qp)))
		qp_token(w, (const char *)&c, 1);
	else
		qp_encoded(w, c);
}

void mime_qp_init(struct mime_qp *qp)
{
	memset(qp, 0, sizeof(*qp));
}

/* Reserve the worst case: every byte (and the two held ones) as "=XX"
 * after a soft break, plus a hard break. */
static bool qp_begin(struct qp_writer *w, struct mime_qp *qp, struct strbuf *out, size_t len)
{
	if (len > (SIZE_MAX - 64) / 6) {
		out->failed = true;
		return false;
	}
	if (!strbuf_reserve(out, 6 * len + 32))
		return false;
	w->qp = qp;
	w->p = out->data + out->len;
	return true;
}

static void qp_end(struct qp_writer *w, struct strbuf *out)
{
	out->len = (size_t)(w->p - out->data);
	out->data[out->len] = '\0';
}

void mime_qp_feed(struct mime_qp *qp, struct strbuf *out, const char *data, size_t len)
{
	const unsigned char *u = (const unsigned char *)data;
	struct qp_writer w;
	size_t i;

	if (len == 0 || !qp_begin(&w, qp, out, len))
		return;
	for (i = 0; i < len; i++)
		qp_byte(&w, u[i]);
	qp_end(&w, out);
}

void mime_qp_finish(struct mime_qp *qp, struct strbuf *out)
{
	struct qp_writer w;

	if (!qp_begin(&w, qp, out, 0))
		return;
	if (qp->pending_cr) {
		qp->pending_cr = false;
		qp_flush_space(&w, false);
		qp_encoded(&w, '\r');
	}
	qp_flush_space(&w, true);
	qp_end(&w, out);
}

/* ============================================================= multipart */

int mime_boundary(char *buf, size_t size, const char *prefix)
{
	unsigned char random[MIME_BOUNDARY_RANDOM_BYTES];
	size_t o;

	if (gnutls_rnd(GNUTLS_RND_NONCE, random, sizeof(random)) < 0)
		return -1;
	o = (size_t)snprintf(buf, size, "%s", prefix);
	for (size_t i = 0; i < sizeof(random) && o + 3 <= size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%02x", random[i]);
	return 0;
}

/* =========================================================== media types */

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool same_ignoring_case(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower(*a) != ascii_lower(*b))
			return false;
	return *a == *b;
}

/* "type/subtype" of RFC 6838 restricted-name characters: nothing in it
 * could break the header field it goes into. */
static bool is_media_type(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t i;

	if (!slash || slash == s || !slash[1] || strchr(slash + 1, '/'))
		return false;
	for (i = 0; s[i]; i++)
		if (s[i] != '/' && !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		                     (s[i] >= '0' && s[i] <= '9') || strchr("!#$&-^_.+", s[i])))
			return false;
	return true;
}

/* The extension of the file's base name, without the dot; NULL for none
 * (".profile" has none). */
static const char *extension_of(const char *filename)
{
	const char *base = strrchr(filename, '/'), *dot;

	base = base ? base + 1 : filename;
	dot = strrchr(base, '.');
	if (!dot || dot == base || !dot[1])
		return NULL;
	return dot + 1;
}

/* The next white-space separated word of *line, NUL-terminated in place;
 * NULL at the end. */
static char *next_word(char **line)
{
	char *word = *line + strspn(*line, " \t\r\n"), *end;

	if (!*word)
		return NULL;
	end = word + strcspn(word, " \t\r\n");
	*line = *end ? end + 1 : end;
	*end = '\0';
	return word;
}

/* Does the mime.types line name `ext`? Then its type goes to buf. */
static bool line_matches(char *line, const char *ext, char *buf, size_t size)
{
	char *rest = line, *type, *word;

	line[strcspn(line, "#")] = '\0';
	type = next_word(&rest);
	if (!type || strlen(type) >= size || strlen(type) >= TYPE_MAX || !is_media_type(type))
		return false;
	while ((word = next_word(&rest)) != NULL) {
		if (same_ignoring_case(word, ext)) {
			memcpy(buf, type, strlen(type) + 1);
			return true;
		}
	}
	return false;
}

/* Skip the rest of a line longer than the buffer. */
static void skip_rest_of_line(FILE *f)
{
	int c;

	while ((c = getc(f)) != EOF && c != '\n')
		;
}

void mime_type_for_name(const char *types_path, const char *filename, char *buf, size_t size)
{
	const char *ext = extension_of(filename);
	char line[TYPES_LINE_MAX];
	unsigned lines = 0;
	bool found = false;
	FILE *f;

	snprintf(buf, size, "%s", "application/octet-stream");
	if (!ext)
		return;
	f = fopen(types_path ? types_path : "/etc/mime.types", "re");
	if (!f)
		return;
	while (!found && lines++ < TYPES_LINES_MAX && fgets(line, sizeof(line), f)) {
		bool whole = strchr(line, '\n') != NULL || feof(f);

		if (whole)
			found = line_matches(line, ext, buf, size);
		else
			skip_rest_of_line(f);
	}
	fclose(f);
}
