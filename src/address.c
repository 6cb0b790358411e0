/* address.c - RFC 5322 address lists, reduced to envelope addresses.
 *
 * A lexer turns the field body into tokens (atoms, quoted strings, domain
 * literals and the specials < > @ , ; : .), dropping CFWS as it goes. The
 * parser reads them with one token of lookahead and no recursion: a run of
 * words and dots is kept until the token after it says what it was (a
 * display name before '<' or ':', a local part before '@', a bare local
 * part before ',' or the end). Grammar: RFC 5322 section 3.4, the obsolete
 * forms of section 4.4 that real mail still carries (obs-phrase,
 * obs-local-part, obs-domain, obs-route, empty list elements), and RFC 6532
 * UTF-8, which is carried through untouched. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"

#define COMMENT_DEPTH_MAX 32

enum token_kind {
	TOKEN_END,
	TOKEN_ATOM,
	TOKEN_QUOTED,   /* start/len: the bytes between the quotes, still encoded */
	TOKEN_LITERAL,  /* start/len: the bytes between the brackets, still encoded */
	TOKEN_SPECIAL,
};

struct token {
	enum token_kind kind;
	char special;        /* TOKEN_SPECIAL: one of < > @ , ; : . */
	const char *start;
	size_t len;
};

struct parser {
	const char *p, *end;
	struct token tok;    /* the lookahead token */
	bool in_group;
	struct address_list *list;
	char *err;
	size_t errlen;
};

/* A bounded text: bytes past ADDRESS_MAX are noted, never stored, so an
 * overlong display name costs nothing and an overlong address is an error
 * only once we know it is an address. */
struct addr_text {
	char s[ADDRESS_MAX + 1];
	size_t len;
	bool too_long;
};

enum local_shape {
	SHAPE_OK,
	SHAPE_STRAY_DOT,     /* leading, trailing or doubled '.' */
	SHAPE_MISSING_DOT,   /* two words side by side: a phrase, not a local part */
};

/* A run of words and dots, decoded as the local part it may turn out to be. */
struct word_run {
	struct addr_text text;   /* quotes removed, quoted-pairs resolved */
	size_t tokens, words;
	bool last_was_dot;
	bool has_control;        /* a quoted word held a byte SMTP cannot carry */
	enum local_shape shape;  /* the first shape problem seen */
};

static int fail(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->err && ps->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ------------------------------------------------------------ characters */

/* RFC 5322 atext, plus RFC 6532 UTF-8 (any byte >= 0x80). Spelled out so
 * the locale cannot change what an atom is. */
static bool is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	if (c >= 0x80)
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool is_dtext(unsigned char c)
{
	return (c >= 33 && c <= 90) || (c >= 94 && c <= 126) || c >= 0x80;
}

static bool is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Bytes that may not appear in an SMTP address, even quoted (RFC 5321
 * qtextSMTP and quoted-pairSMTP stop at printable ASCII). */
static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Length of the line break (CRLF or bare LF) at q, 0 if none. */
static size_t line_break_len(const char *q, const char *end)
{
	if (*q == '\r' && q + 1 < end && q[1] == '\n')
		return 2;
	return *q == '\n' ? 1 : 0;
}

/* Length of a fold at q: a line break followed by white space. */
static size_t fold_len(const char *q, const char *end)
{
	size_t n = line_break_len(q, end);

	return n > 0 && q + n < end && is_wsp((unsigned char)q[n]) ? n : 0;
}

/* ------------------------------------------------------------ bounded text */

static void text_putc(struct addr_text *t, char c)
{
	if (t->len < ADDRESS_MAX)
		t->s[t->len++] = c;
	else
		t->too_long = true;
	t->s[t->len] = '\0';
}

static void text_append(struct addr_text *t, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		text_putc(t, s[i]);
}

static bool is_dot_atom(const char *s, size_t len)
{
	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* The canonical spelling of a local part: bare when it is a dot-atom,
 * otherwise one quoted string escaping only '"' and '\'. */
static void text_append_local(struct addr_text *out, const struct addr_text *local)
{
	if (is_dot_atom(local->s, local->len)) {
		text_append(out, local->s, local->len);
		return;
	}
	text_putc(out, '"');
	for (size_t i = 0; i < local->len; i++) {
		if (local->s[i] == '"' || local->s[i] == '\\')
			text_putc(out, '\\');
		text_putc(out, local->s[i]);
	}
	text_putc(out, '"');
}

/* ------------------------------------------------------------ lexer */

/* Skip one comment, nested ones inside it included. */
static int skip_comment(struct parser *ps)
{
	int depth = 0;

	do {
		if (ps->p == ps->end)
			return fail(ps, "unterminated comment");
		switch (*ps->p) {
		case '(':
			if (++depth > COMMENT_DEPTH_MAX)
				return fail(ps, "comments nested too deeply");
			break;
		case ')':
			depth--;
			break;
		case '\\':
			if (ps->p + 1 == ps->end)
				return fail(ps, "unterminated comment");
			ps->p++;
			break;
		default:
			break;
		}
		ps->p++;
	} while (depth > 0);
	return 0;
}

/* CFWS: white space, folds and comments. A line break that is not a fold
 * would mean a second header line got in; refuse it. A final line break is
 * tolerated, as callers may hand over a field body with its CRLF. */
static int skip_cfws(struct parser *ps)
{
	while (ps->p < ps->end) {
		unsigned char c = (unsigned char)*ps->p;
		size_t n;

		if (is_wsp(c)) {
			ps->p++;
		} else if (c == '(') {
			if (skip_comment(ps) < 0)
				return -1;
		} else if (c == '\r' || c == '\n') {
			n = line_break_len(ps->p, ps->end);
			if (n == 0 || (ps->p + n < ps->end && fold_len(ps->p, ps->end) == 0))
				return fail(ps, "line break not followed by white space");
			ps->p += n;
		} else {
			break;
		}
	}
	return 0;
}

/* Scan a quoted string or domain literal up to its closing byte, stepping
 * over quoted-pairs. ps->p is at the opening byte. */
static int scan_delimited(struct parser *ps, char close, const char *unterminated)
{
	const char *q = ps->p + 1;

	while (q < ps->end && *q != close) {
		if (*q == '\\' && q + 1 < ps->end)
			q++;
		q++;
	}
	if (q == ps->end)
		return fail(ps, "%s", unterminated);
	ps->tok.start = ps->p + 1;
	ps->tok.len = (size_t)(q - ps->tok.start);
	ps->p = q + 1;
	return 0;
}

static int lex_next(struct parser *ps)
{
	struct token *t = &ps->tok;
	unsigned char c;

	if (skip_cfws(ps) < 0)
		return -1;
	t->start = ps->p;
	t->len = 0;
	t->special = '\0';
	if (ps->p == ps->end) {
		t->kind = TOKEN_END;
		return 0;
	}
	c = (unsigned char)*ps->p;
	if (is_atext(c)) {
		while (ps->p < ps->end && is_atext((unsigned char)*ps->p))
			ps->p++;
		t->kind = TOKEN_ATOM;
		t->len = (size_t)(ps->p - t->start);
		return 0;
	}
	switch (c) {
	case '"':
		t->kind = TOKEN_QUOTED;
		return scan_delimited(ps, '"', "unterminated quoted string");
	case '[':
		t->kind = TOKEN_LITERAL;
		return scan_delimited(ps, ']', "unterminated domain literal");
	case '<': case '>': case '@': case ',': case ';': case ':': case '.':
		t->kind = TOKEN_SPECIAL;
		t->special = (char)c;
		ps->p++;
		return 0;
	case ')': case ']': case '\\':
		return fail(ps, "unexpected '%c'", c);
	default:
		return fail(ps, "control character 0x%02x", c);
	}
}

static bool is_special(const struct token *t, char c)
{
	return t->kind == TOKEN_SPECIAL && t->special == c;
}

static int unexpected_token(struct parser *ps)
{
	switch (ps->tok.kind) {
	case TOKEN_END:
		return fail(ps, "unexpected end of input");
	case TOKEN_LITERAL:
		return fail(ps, "unexpected '['");
	case TOKEN_SPECIAL:
		return fail(ps, "unexpected '%c'", ps->tok.special);
	default:
		return fail(ps, "unexpected word");
	}
}

/* After an address only ',' or the end may follow, or a ';' (which the
 * list loop judges, as only it knows whether a group is open). */
static int expect_separator(struct parser *ps)
{
	const struct token *t = &ps->tok;

	if (t->kind == TOKEN_END || is_special(t, ',') || is_special(t, ';'))
		return 0;
	if (t->kind == TOKEN_ATOM || t->kind == TOKEN_QUOTED || is_special(t, '<'))
		return fail(ps, "missing ',' between addresses");
	return unexpected_token(ps);
}

/* ------------------------------------------------------------ decoding */

/* Quoted-string content: folds unfold to their white space (RFC 5322
 * 3.2.4), quoted-pairs become the byte they quote. */
static void decode_quoted(const struct token *t, struct word_run *run)
{
	const char *q = t->start, *end = t->start + t->len;

	while (q < end) {
		unsigned char c = (unsigned char)*q;
		size_t fold = fold_len(q, end);

		if (fold > 0) {
			q += fold;
			continue;
		}
		if (c == '\\' && q + 1 < end) {
			c = (unsigned char)q[1];
			q += 2;
		} else {
			q++;
		}
		if (is_control(c))
			run->has_control = true;
		text_putc(&run->text, (char)c);
	}
}

/* Domain literal: white space and folds between dtext are dropped, as an
 * SMTP address literal has none. */
static int decode_literal(struct parser *ps, struct addr_text *domain)
{
	const char *q = ps->tok.start, *end = ps->tok.start + ps->tok.len;
	size_t content = 0;

	text_putc(domain, '[');
	while (q < end) {
		unsigned char c = (unsigned char)*q;
		size_t fold = fold_len(q, end);

		if (fold > 0 || is_wsp(c)) {
			q += fold > 0 ? fold : 1;
			continue;
		}
		if (c == '\\' && q + 1 < end) {
			c = (unsigned char)q[1];
			q += 2;
		} else {
			q++;
		}
		if (!is_dtext(c))
			return fail(ps, "invalid character in domain literal");
		text_putc(domain, (char)c);
		content++;
	}
	if (content == 0)
		return fail(ps, "empty domain literal");
	text_putc(domain, ']');
	return 0;
}

/* ------------------------------------------------------------ parser */

static void note_shape(struct word_run *run, enum local_shape shape)
{
	if (run->shape == SHAPE_OK)
		run->shape = shape;
}

/* Take words and dots until something else: what they were (display name
 * or local part) is decided by the caller from the token that stopped us. */
static int collect_words(struct parser *ps, struct word_run *run)
{
	memset(run, 0, sizeof(*run));
	for (;;) {
		const struct token *t = &ps->tok;

		if (t->kind == TOKEN_ATOM || t->kind == TOKEN_QUOTED) {
			if (run->words > 0 && !run->last_was_dot)
				note_shape(run, SHAPE_MISSING_DOT);
			if (t->kind == TOKEN_ATOM)
				text_append(&run->text, t->start, t->len);
			else
				decode_quoted(t, run);
			run->words++;
			run->last_was_dot = false;
		} else if (is_special(t, '.')) {
			if (run->words == 0 || run->last_was_dot)
				note_shape(run, SHAPE_STRAY_DOT);
			text_putc(&run->text, '.');
			run->last_was_dot = true;
		} else {
			break;
		}
		run->tokens++;
		if (lex_next(ps) < 0)
			return -1;
	}
	if (run->last_was_dot)
		note_shape(run, SHAPE_STRAY_DOT);
	return 0;
}

static int check_local_part(struct parser *ps, const struct word_run *run)
{
	if (run->tokens == 0)
		return fail(ps, "missing local part before '@'");
	if (run->shape == SHAPE_STRAY_DOT)
		return fail(ps, "misplaced '.' in local part");
	if (run->shape == SHAPE_MISSING_DOT)
		return fail(ps, "missing '.' in local part");
	if (run->has_control)
		return fail(ps, "control character in local part");
	if (run->text.too_long)
		return fail(ps, "address too long");
	return 0;
}

/* domain = dot-atom / domain-literal / obs-domain (CFWS between atoms). */
static int parse_domain(struct parser *ps, struct addr_text *domain)
{
	memset(domain, 0, sizeof(*domain));
	if (ps->tok.kind == TOKEN_LITERAL) {
		if (decode_literal(ps, domain) < 0)
			return -1;
		return lex_next(ps);
	}
	if (is_special(&ps->tok, '.'))
		return fail(ps, "misplaced '.' in domain");
	if (ps->tok.kind != TOKEN_ATOM)
		return fail(ps, "missing domain after '@'");
	for (;;) {
		text_append(domain, ps->tok.start, ps->tok.len);
		if (lex_next(ps) < 0)
			return -1;
		if (!is_special(&ps->tok, '.'))
			return 0;
		text_putc(domain, '.');
		if (lex_next(ps) < 0)
			return -1;
		if (ps->tok.kind != TOKEN_ATOM)
			return fail(ps, "misplaced '.' in domain");
	}
}

/* Append local (and "@domain" unless domain is NULL) in canonical form. */
static int add_address(struct parser *ps, const struct word_run *local,
                       const struct addr_text *domain)
{
	struct addr_text out;

	memset(&out, 0, sizeof(out));
	text_append_local(&out, &local->text);
	if (domain) {
		text_putc(&out, '@');
		text_append(&out, domain->s, domain->len);
		out.too_long |= domain->too_long;
	}
	if (out.too_long)
		return fail(ps, "address too long");
	if (address_list_add(ps->list, out.s) < 0)
		return fail(ps, ps->list->n >= ADDRESS_LIST_MAX ? "too many addresses (more than 1000)"
		                                                 : "out of memory");
	return 0;
}

/* The lookahead is the '@' after the local part in `run`. */
static int parse_rest_of_addr_spec(struct parser *ps, const struct word_run *run)
{
	struct addr_text domain;

	if (check_local_part(ps, run) < 0 || lex_next(ps) < 0)
		return -1;
	if (parse_domain(ps, &domain) < 0)
		return -1;
	return add_address(ps, run, &domain);
}

/* obs-route, "@relay1,@relay2:" before the addr-spec in an angle-addr:
 * source routing died long ago (RFC 5321 C), so the relays are checked
 * for syntax and dropped. */
static int skip_route(struct parser *ps)
{
	struct addr_text relay;

	while (is_special(&ps->tok, ','))
		if (lex_next(ps) < 0)
			return -1;
	if (!is_special(&ps->tok, '@'))
		return fail(ps, "missing '@' in route");
	for (;;) {
		if (is_special(&ps->tok, '@')) {
			if (lex_next(ps) < 0 || parse_domain(ps, &relay) < 0)
				return -1;
		}
		if (!is_special(&ps->tok, ','))
			break;
		if (lex_next(ps) < 0)
			return -1;
	}
	if (!is_special(&ps->tok, ':'))
		return fail(ps, "missing ':' after route");
	return lex_next(ps);
}

/* The lookahead is '<'. A bare local part inside is accepted like one
 * outside ("Cron Daemon <root>"). */
static int parse_angle_addr(struct parser *ps)
{
	struct word_run run;

	if (lex_next(ps) < 0)
		return -1;
	if (is_special(&ps->tok, '>'))
		return fail(ps, "empty address in '<>'");
	if (is_special(&ps->tok, '@') || is_special(&ps->tok, ','))
		if (skip_route(ps) < 0)
			return -1;
	if (collect_words(ps, &run) < 0)
		return -1;
	if (is_special(&ps->tok, '@')) {
		if (parse_rest_of_addr_spec(ps, &run) < 0)
			return -1;
	} else if (is_special(&ps->tok, '>')) {
		if (run.tokens == 0)
			return fail(ps, "empty address in '<>'");
		if (check_local_part(ps, &run) < 0 || add_address(ps, &run, NULL) < 0)
			return -1;
	}
	if (!is_special(&ps->tok, '>'))
		return fail(ps, "missing '>'");
	if (lex_next(ps) < 0)
		return -1;
	return expect_separator(ps);
}

/* A group's display name and ':' (members follow as ordinary mailboxes). */
static int open_group(struct parser *ps, const struct word_run *name)
{
	if (name->words == 0)
		return fail(ps, "missing group name");
	if (ps->in_group)
		return fail(ps, "nested group");
	ps->in_group = true;
	return lex_next(ps);
}

/* One mailbox, or the start of a group. The lookahead is not ',' ';' or
 * the end, so at least one token is consumed or an error returned. */
static int parse_address(struct parser *ps)
{
	struct word_run run;

	if (collect_words(ps, &run) < 0)
		return -1;
	if (is_special(&ps->tok, '<'))
		return parse_angle_addr(ps);
	if (is_special(&ps->tok, ':'))
		return open_group(ps, &run);
	if (is_special(&ps->tok, '@')) {
		if (parse_rest_of_addr_spec(ps, &run) < 0)
			return -1;
		return expect_separator(ps);
	}
	if (run.tokens == 0)
		return unexpected_token(ps);
	if (expect_separator(ps) < 0)
		return -1;
	/* Words and no address: "root" from a command line is a bare local
	 * part; "John Doe" lost its "<...>". */
	if (run.shape == SHAPE_MISSING_DOT)
		return fail(ps, "display name without address");
	if (check_local_part(ps, &run) < 0)
		return -1;
	return add_address(ps, &run, NULL);
}

int address_list_parse(const char *text, size_t len, struct address_list *list,
                       char *err, size_t errlen)
{
	struct parser ps = {
		.list = list, .err = err, .errlen = errlen,
	};

	if (err && errlen > 0)
		err[0] = '\0';
	if (!text || len == 0)
		return 0;
	ps.p = text;
	ps.end = text + len;
	if (lex_next(&ps) < 0)
		return -1;
	while (ps.tok.kind != TOKEN_END) {
		if (is_special(&ps.tok, ',')) {
			/* obs-addr-list: empty elements are allowed */
			if (lex_next(&ps) < 0)
				return -1;
		} else if (is_special(&ps.tok, ';')) {
			if (!ps.in_group)
				return fail(&ps, "unexpected ';' outside a group");
			ps.in_group = false;
			if (lex_next(&ps) < 0 || expect_separator(&ps) < 0)
				return -1;
		} else if (parse_address(&ps) < 0) {
			return -1;
		}
	}
	if (ps.in_group)
		return fail(&ps, "missing ';' after group");
	return 0;
}

/* ------------------------------------------------------------ the list */

static int ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Domains compare case-insensitively in ASCII only: UTF-8 domains are
 * compared byte for byte, as folding them is IDNA's job. */
static bool same_domain(const char *a, const char *b)
{
	while (*a && ascii_lower((unsigned char)*a) == ascii_lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == *b;
}

/* One pass over both: the local parts byte for byte up to the first '@'
 * outside quotes (a quoted local part may hold '@'), then the domains. Most
 * pairs differ in their first bytes, which keeps the duplicate check cheap. */
static bool same_address(const char *a, const char *b)
{
	bool quoted = false;

	for (;;) {
		if (*a != *b)
			return false;
		if (*a == '\0')
			return true;           /* two equal bare local parts */
		if (*a == '@' && !quoted)
			return same_domain(a + 1, b + 1);
		if (*a == '"') {
			quoted = !quoted;
		} else if (*a == '\\' && quoted && a[1] != '\0') {
			a++;                   /* the quoted byte cannot end the local part */
			b++;
			if (*a != *b)
				return false;
		}
		a++;
		b++;
	}
}

bool address_list_contains(const struct address_list *list, const char *addr)
{
	for (size_t i = 0; i < list->n; i++)
		if (same_address(list->items[i], addr))
			return true;
	return false;
}

static int grow(struct address_list *list)
{
	size_t cap = list->cap ? list->cap * 2 : 8;
	char **items;

	if (cap < list->cap || cap > SIZE_MAX / sizeof(*items))
		return -1;
	items = realloc(list->items, cap * sizeof(*items));
	if (!items)
		return -1;
	list->items = items;
	list->cap = cap;
	return 0;
}

int address_list_add(struct address_list *list, const char *addr)
{
	char *copy;

	if (address_list_contains(list, addr))
		return 0;
	if (list->n >= ADDRESS_LIST_MAX)
		return -1;
	if (list->n == list->cap && grow(list) < 0)
		return -1;
	copy = strdup(addr);
	if (!copy)
		return -1;
	list->items[list->n++] = copy;
	return 0;
}

void address_list_free(struct address_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

int address_host_to_ascii(const char *host, char **ascii, char *err, size_t errlen)
{
	bool is_ascii = true;
	int rc;

	for (const char *p = host; *p; p++)
		if ((unsigned char)*p >= 0x80)
			is_ascii = false;
	if (is_ascii) {
		*ascii = strdup(host);
		if (!*ascii)
			snprintf(err, errlen, "out of memory");
		return *ascii ? 0 : -1;
	}
	rc = idn2_to_ascii_8z(host, ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		*ascii = NULL;
		snprintf(err, errlen, "%s", idn2_strerror(rc));
		return -1;
	}
	return 0;
}

size_t utf8_decode(const unsigned char *s, size_t len, unsigned *code_point)
{
	size_t need;
	unsigned cp;

	if (s[0] < 0x80) {
		*code_point = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*code_point = cp;
	return need;
}
