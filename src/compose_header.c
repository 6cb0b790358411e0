/* compose_header.c - the header section of a composed message: To and Cc
 * from the recipient arguments, Subject, the --header fields (each written
 * as its kind of field needs), MIME-Version.
 *
 * A recipient argument is one of two things. One "Name <address>": the
 * name becomes an RFC 5322 phrase (quoted or RFC 2047-encoded as needed,
 * mime_phrase_at). Anything else (a bare address, a list, comments,
 * groups): written as given, folded at white space, and it must be ASCII
 * outside its addresses (compose_check.c refuses the rest), since the
 * encoding of a name cannot be told from the text around it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE       /* memrchr */
#endif
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "compose.h"
#include "compose_internal.h"
#include "mime.h"
#include "strbuf.h"

#define STEP "message"
#define COUNT(table) (sizeof(table) / sizeof((table)[0]))

static void add_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* ============================================================ field kinds */

static const char *const address_fields[] = {
	"Reply-To", "Sender", "Mail-Followup-To", "Mail-Reply-To",
	"Disposition-Notification-To", "Errors-To", "Return-Receipt-To",
};

/* Structured fields without addresses in them ("List-" is every List-*). */
static const char *const structured_fields[] = {
	"In-Reply-To", "References", "List-", "Archived-At", "Auto-Submitted",
	"Precedence", "Importance", "Priority", "Sensitivity", "Expires",
};

static bool name_in(const char *name, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t flen = strlen(list[i]);
		bool prefix = list[i][flen - 1] == '-';

		if ((prefix ? len > flen : len == flen) && strncasecmp(name, list[i], flen) == 0)
			return true;
	}
	return false;
}

enum field_kind compose_field_kind(const char *name, size_t len)
{
	if (name_in(name, len, address_fields, COUNT(address_fields)))
		return FIELD_ADDRESS;
	if (name_in(name, len, structured_fields, COUNT(structured_fields)))
		return FIELD_STRUCTURED;
	return FIELD_UNSTRUCTURED;
}

/* ====================================================== address arguments */

/* Where a byte of an address list stands (RFC 5322 3.2 and 3.4). */
enum place { AT_TOP, IN_QUOTES, IN_COMMENT, IN_ANGLES };

struct lexer {
	unsigned comment_depth;
	bool quoted, escaped, angled;
};

static enum place lex(struct lexer *lx, char c)
{
	enum place inner = lx->angled ? IN_ANGLES : IN_QUOTES;

	if (lx->escaped) {
		lx->escaped = false;
		return lx->comment_depth ? IN_COMMENT : inner;
	}
	if (lx->quoted) {
		lx->escaped = c == '\\';
		lx->quoted = c != '"';
		return inner;
	}
	if (lx->comment_depth) {
		lx->escaped = c == '\\';
		if (c == '(')
			lx->comment_depth++;
		else if (c == ')')
			lx->comment_depth--;
		return IN_COMMENT;
	}
	if (c == '(') {
		lx->comment_depth = 1;
		return IN_COMMENT;
	}
	if (c == '"') {
		lx->quoted = true;
		return inner;
	}
	if (c == '<')
		lx->angled = true;
	else if (c == '>' && lx->angled) {
		lx->angled = false;
		return IN_ANGLES;
	}
	return lx->angled ? IN_ANGLES : AT_TOP;
}

/* The name part of the mailbox being scanned: from its start to a '<'. */
struct mailbox_scan {
	size_t start;           /* first non-blank byte of the mailbox */
	bool started, non_ascii, after_angle;
};

static void mailbox_begin(struct mailbox_scan *m)
{
	*m = (struct mailbox_scan){ 0 };
}

/* A name (the text before '<', or a group's name before ':') ends at i. */
static void name_end(struct address_scan *scan, struct mailbox_scan *m, const char *text,
                     size_t i)
{
	size_t len = m->started ? i - m->start : 0;

	while (len > 0 && is_space(text[m->start + len - 1]))
		len--;
	if (m->non_ascii)
		scan->non_ascii_name = true;
	if (len > scan->longest_name)
		scan->longest_name = len;
}

/* A top-level byte: the separators of mailboxes and groups, names. */
static void scan_top(struct address_scan *scan, struct mailbox_scan *m, const char *text,
                     size_t i, enum place place)
{
	char c = text[i];

	if (place == AT_TOP && (c == ',' || c == ';')) {
		mailbox_begin(m);
		return;
	}
	if (place == AT_TOP && c == ':' && !m->after_angle) {
		name_end(scan, m, text, i);
		mailbox_begin(m);
		return;
	}
	if (place == IN_ANGLES && c == '<' && !m->after_angle) {
		name_end(scan, m, text, i);
		m->after_angle = true;
		return;
	}
	if (!m->started && !is_space(c)) {
		m->started = true;
		m->start = i;
	}
	/* Before a '<' it may be the name or a bare address; after '>' it is
	 * neither: only a name is refused, so count it as one. */
	if ((unsigned char)c >= 0x80 && place != IN_ANGLES) {
		m->non_ascii = true;
		if (m->after_angle)
			scan->non_ascii_name = true;
	}
}

void compose_address_scan(const char *text, size_t len, struct address_scan *scan)
{
	struct lexer lx = { 0 };
	struct mailbox_scan m;
	size_t piece = 0;

	*scan = (struct address_scan){ 0 };
	mailbox_begin(&m);
	for (size_t i = 0; i < len; i++) {
		enum place place = lex(&lx, text[i]);

		if (place == IN_COMMENT && (unsigned char)text[i] >= 0x80)
			scan->non_ascii_name = true;
		else if (place != IN_COMMENT)
			scan_top(scan, &m, text, i, place);
		/* A piece is a run of white space and the word after it; a
		 * top-level comma ends one (a space is put after it). */
		piece = i > 0 && is_space(text[i]) && !is_space(text[i - 1]) ? 1 : piece + 1;
		if (piece > scan->longest_piece)
			scan->longest_piece = piece;
		if (place == AT_TOP && text[i] == ',')
			piece = 1;      /* the space put after it */
	}
}

/* The text with a space after every top-level comma that has none, so
 * that a list can be folded between its addresses (CFWS may follow the
 * comma). malloc'd. */
static char *spaced_after_commas(const char *text, size_t len, size_t *out_len)
{
	char *copy = malloc(2 * len + 1);
	struct lexer lx = { 0 };
	size_t o = 0;

	if (!copy)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		enum place place = lex(&lx, text[i]);

		copy[o++] = text[i];
		if (place == AT_TOP && text[i] == ',' && i + 1 < len && !is_space(text[i + 1]))
			copy[o++] = ' ';
	}
	copy[o] = '\0';
	*out_len = o;
	return copy;
}

/* A display name given in quotes is unquoted first (mime_phrase quotes or
 * encodes it again as it needs). Returns a malloc'd copy. */
static char *display_name(const char *name, size_t len)
{
	char *copy = malloc(len + 1);
	size_t o = 0;

	if (!copy)
		return NULL;
	if (len >= 2 && name[0] == '"' && name[len - 1] == '"') {
		size_t i;

		for (i = 1; i < len - 1; i++) {
			if (name[i] == '"')
				break;
			if (name[i] == '\\' && i + 1 < len - 1)
				i++;
			copy[o++] = name[i];
		}
		if (i == len - 1) {
			copy[o] = '\0';
			return copy;
		}
	}
	memcpy(copy, name, len);
	copy[len] = '\0';
	return copy;
}

/* How many mailboxes the address parser finds in `arg`. */
static size_t mailbox_count(const char *arg)
{
	struct address_list list = { 0 };
	char err[128];
	size_t n = 0;

	if (address_list_parse(arg, strlen(arg), &list, err, sizeof(err)) == 0)
		n = list.n;
	address_list_free(&list);
	return n;
}

int compose_named_mailbox(const char *arg, struct named_mailbox *m)
{
	size_t len = strlen(arg), name_len;
	const char *lt;

	while (len > 0 && is_space(*arg))
		arg++, len--;
	while (len > 0 && is_space(arg[len - 1]))
		len--;
	lt = len > 0 && arg[len - 1] == '>' ? memrchr(arg, '<', len) : NULL;
	if (!lt || lt == arg || mailbox_count(arg) != 1)
		return 0;
	name_len = (size_t)(lt - arg);
	while (name_len > 0 && is_space(arg[name_len - 1]))
		name_len--;
	m->name = display_name(arg, name_len);
	if (!m->name)
		return -1;
	m->angle = lt;
	m->angle_len = len - (size_t)(lt - arg);
	return 1;
}

/* One recipient at column *col: "Name <addr>" with the name as a phrase,
 * the address moved to a line of its own when it would not fit; anything
 * else as given, folded at white space. */
static int put_recipient(struct strbuf *b, size_t *col, const char *arg)
{
	struct named_mailbox m;
	int named = compose_named_mailbox(arg, &m);
	size_t len = strlen(arg), spaced_len;
	char *spaced;

	if (named < 0)
		return -1;
	if (named) {
		int rc = mime_phrase_at(b, col, m.name, strlen(m.name));

		free(m.name);
		if (rc < 0)
			return -1;
		/* The line may hold an encoded-word: RFC 2047's 76 applies. */
		if (*col + 1 + m.angle_len > MIME_WORD_LINE_MAX) {
			add_str(b, "\r\n ");
			*col = 1;
		} else {
			add_str(b, " ");
			*col += 1;
		}
		strbuf_add(b, m.angle, m.angle_len);
		*col += m.angle_len;
		return 0;
	}
	while (len > 0 && is_space(*arg))
		arg++, len--;
	while (len > 0 && is_space(arg[len - 1]))
		len--;
	spaced = spaced_after_commas(arg, len, &spaced_len);
	if (!spaced)
		return -1;
	mime_folded_words(b, col, spaced, spaced_len);
	free(spaced);
	return 0;
}

/* Would `one`, put at column col, keep its first line within the limit? */
static bool first_line_fits(const struct strbuf *one, size_t col)
{
	size_t first = strcspn(one->data ? one->data : "", "\r");

	return first > 0 && col + first <= MIME_LINE_MAX;
}

/* "Field: a, b, ...", folded between recipients where the next one's first
 * line would not fit, and inside them. */
static int add_address_field(struct strbuf *b, const char *field, char *const *args,
                             size_t n, struct outcome *out)
{
	size_t col = strlen(field) + 2;

	add_str(b, field);
	add_str(b, ": ");
	for (size_t i = 0; i < n; i++) {
		struct strbuf one = { 0 };
		size_t next = i > 0 ? col + 2 : col;
		int rc = put_recipient(&one, &next, args[i]);

		if (rc == 0 && i > 0 && !first_line_fits(&one, col + 2)) {
			strbuf_free(&one);
			one = (struct strbuf){ 0 };
			next = 1;
			rc = put_recipient(&one, &next, args[i]);
			add_str(b, ",\r\n ");
		} else if (i > 0) {
			add_str(b, ", ");
		}
		if (rc < 0 || one.failed) {
			strbuf_free(&one);
			return outcome_fail(out, OUTCOME_INTERNAL, STEP,
			                    "cannot write recipient '%.*s' in %s", SHOWN, args[i], field);
		}
		strbuf_add(b, one.data ? one.data : "", one.len);
		col = next;
		strbuf_free(&one);
	}
	add_str(b, "\r\n");
	return 0;
}

/* ========================================================= the section */

/* "Name: value" of a structured field: ASCII (checked), folded at spaces. */
static void add_structured_field(struct strbuf *b, const char *name, const char *value)
{
	size_t col = strlen(name) + 2;

	add_str(b, name);
	add_str(b, *value ? ": " : ":");
	mime_folded_words(b, &col, value, strlen(value));
	add_str(b, "\r\n");
}

static int add_header_argument(struct strbuf *b, const char *arg, struct outcome *out)
{
	char name[80];
	struct header_arg h;
	size_t col;

	if (compose_header_split(arg, &h) < 0 || h.name_len >= sizeof(name))
		return outcome_fail(out, OUTCOME_INTERNAL, STEP, "unchecked --header");
	memcpy(name, h.name, h.name_len);
	name[h.name_len] = '\0';
	switch (compose_field_kind(h.name, h.name_len)) {
	case FIELD_ADDRESS:
		add_str(b, name);
		add_str(b, ": ");
		col = h.name_len + 2;
		if (put_recipient(b, &col, h.value) < 0)
			return outcome_fail(out, OUTCOME_INTERNAL, STEP, "cannot write --header %s",
			                    name);
		add_str(b, "\r\n");
		return 0;
	case FIELD_STRUCTURED:
		add_structured_field(b, name, h.value);
		return 0;
	case FIELD_UNSTRUCTURED:
		break;
	}
	if (mime_unstructured_field(b, name, h.value, strlen(h.value)) < 0)
		return outcome_fail(out, OUTCOME_INTERNAL, STEP, "cannot encode --header %s", name);
	return 0;
}

int compose_header_section(struct strbuf *b, const struct compose_request *req,
                           struct outcome *out)
{
	if (req->nto && add_address_field(b, "To", req->to, req->nto, out) < 0)
		return -1;
	if (req->ncc && add_address_field(b, "Cc", req->cc, req->ncc, out) < 0)
		return -1;
	if (req->subject &&
	    mime_unstructured_field(b, "Subject", req->subject, strlen(req->subject)) < 0)
		return outcome_fail(out, OUTCOME_INTERNAL, STEP, "cannot encode the subject");
	for (size_t i = 0; i < req->nheaders; i++)
		if (add_header_argument(b, req->headers[i], out) < 0)
			return -1;
	add_str(b, "MIME-Version: 1.0\r\n");
	return 0;
}
