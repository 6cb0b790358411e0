/* mime.c - the MIME pieces a composed message needs (see mime.h).
 *
 * Header text goes out either as it is (folded at spaces) or as RFC 2047
 * encoded-words; parameters either as a token, a quoted-string or RFC 2231
 * extended values; bodies as base64 (GnuTLS's encoder) or quoted-printable.
 * Whatever the caller hands in, no CR or LF reaches a header unencoded, so
 * no text can start a field of its own. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "address.h"   /* utf8_decode */
#include "mime.h"

#define ENCODED_WORD_MAX 75        /* RFC 2047 2 */
#define ENCODED_WORD_OVERHEAD 12   /* "=?UTF-8?Q?" and "?=" */
/* A word that holds any one character, "B" or "Q" (a 4-byte one as Q). */
#define FIRST_WORD_MIN (ENCODED_WORD_OVERHEAD + 12)
/* A display name usually follows "From: " or "To: "; words of 72 keep that
 * first line within 78 as well. */
#define PHRASE_WORD_MAX 72
#define LINE_LIMIT 998             /* RFC 5322 2.1.1: the MUST, CRLF excluded */
#define QP_LINE_MAX 76             /* RFC 2045 6.7 (5), the soft-break '=' included */
#define BASE64_BLOCK (MIME_BASE64_CHUNK * 1024)
#define TYPES_LINE_MAX 1024
#define TYPES_LINES_MAX 100000     /* a mime.types file is a few thousand lines */
#define TYPE_MAX 128
#define UTF8_CHAR_MAX 4            /* RFC 3629: the longest character */

static const char hex_digits[] = "0123456789ABCDEF";

static void put(struct strbuf *out, const char *s)
{
	strbuf_add(out, s, strlen(s));
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool has_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (is_control((unsigned char)s[i]))
			return true;
	return false;
}

static bool is_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

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

/* Bytes in the character at s[0..len), valid UTF-8 (1 even if it is not,
 * so that a walk over the text always moves on). */
static size_t char_length(const unsigned char *s, size_t len)
{
	unsigned code_point;
	size_t n = utf8_decode(s, len, &code_point);

	return n > 0 ? n : 1;
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

/* ========================================================= encoded-words */

/* Where an encoded-word stands changes what "Q" may leave as it is
 * (RFC 2047 4.2 and 5). */
enum word_place { IN_TEXT, IN_PHRASE };

struct word_style {
	bool q;                  /* "Q" encoding, else "B" */
	enum word_place place;
	size_t first_max;        /* characters in the first word */
	size_t next_max;         /* in each word after it */
};

static bool q_keeps(unsigned char c, enum word_place place)
{
	if (place == IN_PHRASE)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       (c >= '0' && c <= '9') || (c != '\0' && strchr("!*+-/", c));
	return c > ' ' && c <= '~' && c != '=' && c != '?' && c != '_';
}

/* Characters byte c takes in Q text (a space is '_'). */
static size_t q_cost(unsigned char c, enum word_place place)
{
	return (c == ' ' || q_keeps(c, place)) ? 1 : 3;
}

static void put_q(struct strbuf *out, const unsigned char *s, size_t n, enum word_place place)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char hex[3] = { '=', hex_digits[s[i] >> 4], hex_digits[s[i] & 0x0f] };

		if (s[i] == ' ')
			strbuf_add(out, "_", 1);
		else if (q_keeps(s[i], place))
			strbuf_add(out, (const char *)s + i, 1);
		else
			strbuf_add(out, hex, 3);
	}
}

static int put_b(struct strbuf *out, const unsigned char *s, size_t n)
{
	gnutls_datum_t in = { (unsigned char *)s, (unsigned)n }, enc = { NULL, 0 };

	if (gnutls_base64_encode2(&in, &enc) < 0) {
		out->failed = true;
		return -1;
	}
	strbuf_add(out, (const char *)enc.data, enc.size);
	gnutls_free(enc.data);
	return 0;
}

static int put_encoded_word(struct strbuf *out, const struct word_style *st,
                            const unsigned char *s, size_t n)
{
	put(out, st->q ? "=?UTF-8?Q?" : "=?UTF-8?B?");
	if (st->q)
		put_q(out, s, n, st->place);
	else if (put_b(out, s, n) < 0)
		return -1;
	put(out, "?=");
	return 0;
}

/* Length of one word holding `bytes` bytes whose Q text is `q_len` long. */
static size_t word_length(const struct word_style *st, size_t bytes, size_t q_len)
{
	return ENCODED_WORD_OVERHEAD + (st->q ? q_len : (bytes + 2) / 3 * 4);
}

/* The valid UTF-8 text s[0..len) as encoded-words of whole characters
 * (RFC 2047 5: a character is never split), "\r\n " between them. */
static int put_encoded_words(struct strbuf *out, const struct word_style *st,
                             const unsigned char *s, size_t len)
{
	size_t start = 0, end = 0, q_len = 0, max = st->first_max;

	while (end < len) {
		size_t n = char_length(s + end, len - end), cost = 0, i;

		for (i = 0; i < n; i++)
			cost += q_cost(s[end + i], st->place);
		if (end > start && word_length(st, end - start + n, q_len + cost) > max) {
			if (put_encoded_word(out, st, s + start, end - start) < 0)
				return -1;
			put(out, "\r\n ");
			start = end;
			q_len = 0;
			max = st->next_max;
		}
		q_len += cost;
		end += n;
	}
	return put_encoded_word(out, st, s + start, end - start);
}

/* The shorter of the Q and the B form (Q when equal: it stays readable). */
static int put_shorter_encoding(struct strbuf *out, struct word_style st,
                                const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	struct strbuf q = { 0 }, b = { 0 };
	int rc = 0;

	st.q = true;
	put_encoded_words(&q, &st, s, len);
	st.q = false;
	put_encoded_words(&b, &st, s, len);
	if (q.failed || b.failed) {
		out->failed = true;
		rc = -1;
	} else if (q.len <= b.len) {
		strbuf_add(out, q.data, q.len);
	} else {
		strbuf_add(out, b.data, b.len);
	}
	strbuf_free(&q);
	strbuf_free(&b);
	return rc;
}

/* ==================================================== unstructured fields */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Must the value be encoded: a byte that is not printable ASCII (tab
 * aside), something a reader would decode ("=?"), or a piece (white space
 * and the word after it) too long for any line? */
static bool needs_encoding(const char *value, size_t len, size_t name_len)
{
	size_t i, piece = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		if ((c < ' ' && c != '\t') || c >= 0x7f)
			return true;
		if (c == '=' && i + 1 < len && value[i + 1] == '?')
			return true;
		piece = i > 0 && is_space(value[i]) && !is_space(value[i - 1]) ? 1 : piece + 1;
		if (name_len + 2 + piece > LINE_LIMIT)
			return true;
	}
	return false;
}

/* "Name: value", breaking before a run of spaces wherever a line would
 * pass MIME_LINE_MAX. A run with no word after it is never moved to a line
 * of its own (a continuation line must hold more than white space). */
static void put_folded_text(struct strbuf *out, const char *name, const char *value,
                            size_t len)
{
	size_t line = strlen(name) + 1, pos = 0;
	bool first = true;

	put(out, name);
	put(out, ":");
	while (pos < len || first) {
		size_t spaces = 0, word = 0;

		if (first) {
			put(out, " ");
			line++;
		}
		while (pos + spaces < len && is_space(value[pos + spaces]))
			spaces++;
		while (pos + spaces + word < len && !is_space(value[pos + spaces + word]))
			word++;
		if (!first && word > 0 && line + spaces + word > MIME_LINE_MAX) {
			put(out, "\r\n");
			line = 0;
		}
		strbuf_add(out, value + pos, spaces + word);
		line += spaces + word;
		pos += spaces + word;
		first = false;
	}
	put(out, "\r\n");
}

int mime_unstructured_field(struct strbuf *out, const char *name, const char *value,
                            size_t len)
{
	size_t name_len = strlen(name);
	struct word_style st = { true, IN_TEXT, ENCODED_WORD_MAX, ENCODED_WORD_MAX };

	if (!mime_utf8_valid(value, len))
		return -1;
	if (len == 0) {
		put(out, name);
		put(out, ":\r\n");
		return 0;
	}
	if (!needs_encoding(value, len, name_len)) {
		put_folded_text(out, name, value, len);
		return 0;
	}
	put(out, name);
	if (name_len + 2 + FIRST_WORD_MIN > MIME_LINE_MAX) {
		/* After a long name not even one character would fit the line:
		 * the words start on the next one (FWS may follow the colon). */
		put(out, ":\r\n ");
	} else {
		put(out, ": ");
		if (MIME_LINE_MAX - name_len - 2 < st.first_max)
			st.first_max = MIME_LINE_MAX - name_len - 2;
	}
	put_shorter_encoding(out, st, value, len);
	put(out, "\r\n");
	return 0;
}

/* ================================================================ phrases */

/* RFC 5322 atext. */
static bool is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

enum phrase_form {
	PHRASE_ATOMS,     /* atext and spaces: written as it is */
	PHRASE_QUOTED,    /* printable ASCII with specials: a quoted-string */
	PHRASE_ENCODED,   /* not ASCII: RFC 2047 encoded-words */
};

/* For valid UTF-8 without control characters. */
static enum phrase_form classify_phrase(const char *name, size_t len)
{
	bool atoms_only = true, has_atext = false;
	size_t i;

	if (!is_ascii(name, len))
		return PHRASE_ENCODED;
	for (i = 0; i < len; i++) {
		if (is_atext((unsigned char)name[i]))
			has_atext = true;
		else if (name[i] != ' ')
			atoms_only = false;
		/* Atoms that look like an encoded-word would be decoded by the
		 * reader; inside quotes they are not (RFC 2047 5). */
		if (name[i] == '=' && i + 1 < len && name[i + 1] == '?')
			atoms_only = false;
	}
	return atoms_only && has_atext ? PHRASE_ATOMS : PHRASE_QUOTED;
}

static void put_quoted(struct strbuf *out, const char *s, size_t len)
{
	size_t i;

	put(out, "\"");
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			put(out, "\\");
		strbuf_add(out, s + i, 1);
	}
	put(out, "\"");
}

int mime_phrase(struct strbuf *out, const char *name, size_t len)
{
	struct word_style st = { true, IN_PHRASE, PHRASE_WORD_MAX, PHRASE_WORD_MAX };

	if (!mime_utf8_valid(name, len) || has_control(name, len))
		return -1;
	switch (classify_phrase(name, len)) {
	case PHRASE_ATOMS:
		strbuf_add(out, name, len);
		return 0;
	case PHRASE_QUOTED:
		put_quoted(out, name, len);
		return 0;
	case PHRASE_ENCODED:
		break;
	}
	put_shorter_encoding(out, st, name, len);
	return 0;
}

/* ============================================================ parameters */

static bool is_tspecial(unsigned char c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c);
}

/* RFC 2045 token character. */
static bool is_token_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && !is_tspecial(c);
}

/* RFC 2231 attribute-char: kept as it is in an extended value. */
static bool is_attribute_char(unsigned char c)
{
	return is_token_char(c) && c != '*' && c != '\'' && c != '%';
}

static bool is_token(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!is_token_char((unsigned char)s[i]))
			return false;
	return true;
}

static size_t percent_length(const unsigned char *s, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		len += is_attribute_char(s[i]) ? 1 : 3;
	return len;
}

static void put_percent(struct strbuf *out, const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char hex[3] = { '%', hex_digits[s[i] >> 4], hex_digits[s[i] & 0x0f] };

		if (is_attribute_char(s[i]))
			strbuf_add(out, (const char *)s + i, 1);
		else
			strbuf_add(out, hex, 3);
	}
}

/* "; " and `text`, or ";\r\n " and `text` when the line would pass
 * MIME_LINE_MAX (one column kept for a ';' that may follow). */
static void put_parameter_text(struct strbuf *out, size_t *col, const char *text, size_t len)
{
	if (*col + 2 + len + 1 > MIME_LINE_MAX) {
		put(out, ";\r\n ");
		*col = 1;
	} else {
		put(out, "; ");
		*col += 2;
	}
	strbuf_add(out, text, len);
	*col += len;
}

/* name*0*=UTF-8''..., name*1*=... each on a line of its own, split
 * between characters so that each piece decodes on its own too. */
static void put_continuations(struct strbuf *out, size_t *col, const char *name,
                              const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t len = strlen(value), start = 0, section = 0;

	while (start < len) {
		char head[96];
		size_t end = start, used, room;

		snprintf(head, sizeof(head), "%s*%zu*=%s", name, section, section ? "" : "UTF-8''");
		used = 1 + strlen(head) + 1;   /* the fold's space, the ';' after */
		room = used < MIME_LINE_MAX ? MIME_LINE_MAX - used : 0;
		while (end < len) {
			size_t n = char_length(s + end, len - end), cost = percent_length(s + end, n);

			if (end > start && cost > room)
				break;
			room = cost > room ? 0 : room - cost;
			end += n;
		}
		put(out, ";\r\n ");
		put(out, head);
		put_percent(out, s + start, end - start);
		*col = 1 + strlen(head) + percent_length(s + start, end - start);
		start = end;
		section++;
	}
}

int mime_parameter(struct strbuf *out, size_t *col, const char *name, const char *value)
{
	size_t len = strlen(value), name_len = strlen(name);
	struct strbuf text = { 0 };

	if (!mime_utf8_valid(value, len) || has_control(value, len))
		return -1;
	if (is_ascii(value, len)) {
		put(&text, name);
		put(&text, "=");
		if (is_token(value, len))
			strbuf_add(&text, value, len);
		else
			put_quoted(&text, value, len);
	}
	if (!is_ascii(value, len) || 1 + text.len + 1 > MIME_LINE_MAX) {
		text.len = 0;
		put(&text, name);
		put(&text, "*=UTF-8''");
		put_percent(&text, (const unsigned char *)value, len);
	}
	if (text.failed)
		out->failed = true;
	else if (1 + text.len + 1 <= MIME_LINE_MAX || name_len > 64)
		put_parameter_text(out, col, text.data, text.len);
	else
		put_continuations(out, col, name, value);
	strbuf_free(&text);
	return 0;
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
	else if (qp_literal(c))
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
