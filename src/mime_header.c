/* mime_header.c - the header-field encoders of mime.h: RFC 2047
 * encoded-words for unstructured text and phrases, RFC 2231 parameters,
 * and folding at white space.
 *
 * Header text goes out either as it is (folded at spaces) or as RFC 2047
 * encoded-words; parameters either as a token, a quoted-string or RFC 2231
 * extended values. Whatever the caller hands in, no CR or LF reaches a
 * header unencoded, so no text can start a field of its own. */
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "address.h"   /* utf8_decode */
#include "mime.h"

#define ENCODED_WORD_MAX 75        /* RFC 2047 2 */
#define ENCODED_LINE_MAX MIME_WORD_LINE_MAX
#define ENCODED_WORD_OVERHEAD 12   /* "=?UTF-8?Q?" and "?=" */
/* A word that holds any one character, "B" or "Q" (a 4-byte one as Q). */
#define FIRST_WORD_MIN (ENCODED_WORD_OVERHEAD + 12)
/* mime_phrase's words are sized for a name that follows "From: ". */
#define PHRASE_COLUMN 6
#define LINE_LIMIT 998             /* RFC 5322 2.1.1: the MUST, CRLF excluded */

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

/* Bytes in the character at s[0..len), valid UTF-8 (1 even if it is not,
 * so that a walk over the text always moves on). */
static size_t char_length(const unsigned char *s, size_t len)
{
	unsigned code_point;
	size_t n = utf8_decode(s, len, &code_point);

	return n > 0 ? n : 1;
}

/* Length of the last line of what `b` holds from `from` on, the line
 * having been `col` long at `from`. */
static size_t tail_column(const struct strbuf *b, size_t from, size_t col)
{
	size_t i;

	for (i = b->len; i > from; i--)
		if (b->data[i - 1] == '\n')
			return b->len - i;
	return col + (b->len - from);
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

void mime_folded_words(struct strbuf *out, size_t *col, const char *text, size_t len)
{
	size_t pos = 0;
	bool first = true;

	while (pos < len) {     /* bounded: each turn takes a run and a word */
		size_t spaces = 0, word = 0;

		while (pos + spaces < len && is_space(text[pos + spaces]))
			spaces++;
		while (pos + spaces + word < len && !is_space(text[pos + spaces + word]))
			word++;
		/* A run with no word after it stays: a continuation line must
		 * hold more than white space. */
		if (!first && word > 0 && *col + spaces + word > MIME_LINE_MAX) {
			put(out, "\r\n");
			*col = 0;
		}
		strbuf_add(out, text + pos, spaces + word);
		*col += spaces + word;
		pos += spaces + word;
		first = false;
	}
}

/* "Name: value" with the value folded at white space. */
static void put_folded_text(struct strbuf *out, const char *name, const char *value,
                            size_t len)
{
	size_t col = strlen(name) + 2;

	put(out, name);
	put(out, ": ");
	mime_folded_words(out, &col, value, len);
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
	if (name_len + 2 + FIRST_WORD_MIN > ENCODED_LINE_MAX) {
		/* After a long name not even one character would fit the line:
		 * the words start on the next one (FWS may follow the colon). */
		put(out, ":\r\n ");
	} else {
		put(out, ": ");
		if (ENCODED_LINE_MAX - name_len - 2 < st.first_max)
			st.first_max = ENCODED_LINE_MAX - name_len - 2;
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

/* The phrase at column *col. The first encoded-word gets the room left on
 * the line, or starts the next one when not even one character would fit;
 * each line that holds a word is at most ENCODED_LINE_MAX. ASCII forms are
 * folded at spaces when `fold_ascii`, else written whole. */
static int put_phrase(struct strbuf *out, size_t *col, const char *name, size_t len,
                      bool fold_ascii)
{
	struct word_style st = { true, IN_PHRASE, ENCODED_WORD_MAX, ENCODED_WORD_MAX };
	struct strbuf text = { 0 };
	size_t from;

	if (!mime_utf8_valid(name, len) || has_control(name, len))
		return -1;
	switch (classify_phrase(name, len)) {
	case PHRASE_ATOMS:
		strbuf_add(&text, name, len);
		break;
	case PHRASE_QUOTED:
		put_quoted(&text, name, len);
		break;
	case PHRASE_ENCODED:
		if (*col + FIRST_WORD_MIN > ENCODED_LINE_MAX) {
			put(out, "\r\n ");
			*col = 1;
		}
		if (ENCODED_LINE_MAX - *col < st.first_max)
			st.first_max = ENCODED_LINE_MAX - *col;
		from = out->len;
		put_shorter_encoding(out, st, name, len);
		*col = tail_column(out, from, *col);
		return 0;
	}
	if (text.failed)
		out->failed = true;
	else if (fold_ascii)
		mime_folded_words(out, col, text.data, text.len);
	else
		strbuf_add(out, text.data, text.len);
	strbuf_free(&text);
	return 0;
}

int mime_phrase(struct strbuf *out, const char *name, size_t len)
{
	size_t col = PHRASE_COLUMN;

	return put_phrase(out, &col, name, len, false);
}

int mime_phrase_at(struct strbuf *out, size_t *col, const char *name, size_t len)
{
	return put_phrase(out, col, name, len, true);
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

/* A value written bare: a token without '*', '\'' or '%', which RFC 2231
 * readers may take for the marks of an extended value. */
static bool is_plain_token(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!is_attribute_char((unsigned char)s[i]))
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
	bool plain;

	if (!mime_utf8_valid(value, len) || has_control(value, len))
		return -1;
	/* "=?" even inside quotes is decoded as RFC 2047 by some readers. */
	plain = is_ascii(value, len) && !strstr(value, "=?");
	if (plain) {
		put(&text, name);
		put(&text, "=");
		if (is_plain_token(value, len))
			strbuf_add(&text, value, len);
		else
			put_quoted(&text, value, len);
	}
	if (!plain || 1 + text.len + 1 > MIME_LINE_MAX) {
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

