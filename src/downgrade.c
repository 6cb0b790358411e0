/* downgrade.c - 8-bit MIME text made 7-bit for a server without 8BITMIME
 * (RFC 6152 section 3). The spool is walked twice with the same parser: the
 * first pass decides whether the message can be converted and which leaf
 * parts need quoted-printable, the second writes the new file. Memory stays
 * bounded: the spool is read in blocks, only a header section (at most
 * MESSAGE_HEADER_MAX) is ever held whole, never a body. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE       /* pread, strncasecmp */
#endif
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "downgrade.h"
#include "fileio.h"
#include "header.h"
#include "message.h"
#include "mime.h"
#include "strbuf.h"

#define STEP "data"
#define READ_BLOCK (128 * 1024)   /* bytes read from the spool at a time */
#define WRITE_BLOCK (128 * 1024)  /* output gathered before one write */
#define LINE_LIMIT 998            /* octets in a line, CRLF excluded (RFC 5321 4.5.3.1.6) */
#define BOUNDARY_MAX 200          /* RFC 2046 says 70; some senders go further */
#define DEPTH_MAX 32              /* nested multiparts followed; deeper ones are opaque */
#define COMMENT_DEPTH_MAX 32

/* ============================================================ spool reader */

/* A piece of the spool: a whole line (LF included), or, for a line longer
 * than the read block, one block of it. A piece never ends between a CR and
 * its LF. */
struct piece {
	const char *text;
	size_t len;
	bool line_start;        /* the piece starts a line */
	bool line_end;          /* the piece ends with the line's LF */
};

struct reader {
	int fd;
	off_t size;
	off_t next;             /* file offset of the next byte to read */
	char *buf;
	size_t start, end;      /* unread bytes: buf[start, end) */
	bool at_line_start;
};

static int reader_fill(struct reader *r, struct outcome *out)
{
	memmove(r->buf, r->buf + r->start, r->end - r->start);
	r->end -= r->start;
	r->start = 0;
	while (r->end < READ_BLOCK && r->next < r->size) {   /* bounded: each read makes progress */
		size_t want = READ_BLOCK - r->end;
		ssize_t n;

		if ((off_t)want > r->size - r->next)
			want = (size_t)(r->size - r->next);
		n = pread(r->fd, r->buf + r->end, want, r->next);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return outcome_fail(out, OUTCOME_IO, STEP, "cannot read the spool file: %s",
			                    strerror(errno));
		if (n == 0)
			return outcome_fail(out, OUTCOME_IO, STEP,
			                    "the spool file ended %lld bytes early",
			                    (long long)(r->size - r->next));
		r->end += (size_t)n;
		r->next += n;
	}
	return 0;
}

/* The next piece: 1, or 0 at the end of the spool, or -1. */
static int reader_next(struct reader *r, struct piece *p, struct outcome *out)
{
	const char *lf = memchr(r->buf + r->start, '\n', r->end - r->start);
	size_t len;

	if (!lf && r->next < r->size) {
		if (reader_fill(r, out) < 0)
			return -1;
		lf = memchr(r->buf + r->start, '\n', r->end - r->start);
	}
	if (r->start == r->end)
		return 0;
	if (lf) {
		len = (size_t)(lf + 1 - (r->buf + r->start));
	} else {
		len = r->end - r->start;
		if (len > 1 && r->buf[r->end - 1] == '\r' && r->next < r->size)
			len--;   /* keep a CR with its LF */
	}
	p->text = r->buf + r->start;
	p->len = len;
	p->line_start = r->at_line_start;
	p->line_end = lf != NULL;
	r->at_line_start = p->line_end;
	r->start += len;
	return 1;
}

/* Bytes of the line break that ends a piece (CRLF or a bare LF), or 0. */
static size_t terminator_len(const struct piece *p)
{
	if (!p->line_end)
		return 0;
	return p->len >= 2 && p->text[p->len - 2] == '\r' ? 2 : 1;
}

static bool has_8bit(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/* ============================================================ the new file */

struct writer {
	int fd;
	struct strbuf buf;
	off_t size;
};

static int writer_flush(struct writer *w, struct outcome *out)
{
	if (w->buf.failed)
		return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	if (fileio_write_all(w->fd, w->buf.data, w->buf.len) < 0)
		return outcome_fail(out, OUTCOME_IO, STEP,
		                    "cannot write the 7-bit form of the message: %s",
		                    strerror(errno));
	w->size += (off_t)w->buf.len;
	w->buf.len = 0;
	return 0;
}

/* After adding to w->buf: write it out once it holds a block. */
static int writer_maybe_flush(struct writer *w, struct outcome *out)
{
	return w->buf.len >= WRITE_BLOCK || w->buf.failed ? writer_flush(w, out) : 0;
}

/* ============================================================ header fields */

/* What a header section says about its entity. */
enum cte { CTE_NONE, CTE_7BIT, CTE_8BIT, CTE_BINARY, CTE_QP, CTE_BASE64, CTE_OTHER };

struct entity {
	bool mime_version;
	bool multipart, message, digest;
	char boundary[BOUNDARY_MAX + 1];
	size_t boundary_len;            /* 0: none */
	enum cte cte;
};

/* A field value with its folding removed (RFC 5322 2.2.3), NUL-terminated;
 * NULL when out of memory. */
static char *unfold(const char *value, size_t len)
{
	char *s = malloc(len + 1);
	size_t o = 0;

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (value[i] != '\r' && value[i] != '\n')
			s[o++] = value[i];
	s[o] = '\0';
	return s;
}

/* Skip white space and (nested) comments. */
static void skip_cfws(const char **p)
{
	const char *s = *p;

	for (;;) {
		unsigned depth = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '(')
			break;
		do {   /* bounded by the NUL */
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '(' && depth < COMMENT_DEPTH_MAX)
				depth++;
			else if (*s == ')')
				depth--;
			s++;
		} while (*s && depth > 0);
	}
	*p = s;
}

/* RFC 2045 token characters: printable ASCII but tspecials. */
static bool is_token_char(char c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

/* Read a token at *p; its length (0: none). */
static size_t token(const char **p, const char **start)
{
	const char *s = *p;

	*start = s;
	while (is_token_char(*s))
		s++;
	*p = s;
	return (size_t)(s - *start);
}

static bool token_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(tok, word, len) == 0;
}

/* A parameter value (token or quoted-string) into buf; false when it does
 * not fit or is not there. */
static bool parameter_value(const char **p, char *buf, size_t size, size_t *len)
{
	const char *s = *p, *tok;
	size_t n = 0;

	if (*s != '"') {
		n = token(p, &tok);
		if (n == 0 || n >= size)
			return false;
		memcpy(buf, tok, n);
		buf[n] = '\0';
		*len = n;
		return true;
	}
	for (s++; *s && *s != '"'; s++) {   /* bounded by the NUL */
		if (*s == '\\' && s[1])
			s++;
		if (n + 1 >= size)
			return false;
		buf[n++] = *s;
	}
	if (*s != '"')
		return false;
	*p = s + 1;
	buf[n] = '\0';
	*len = n;
	return true;
}

/* Past the next ';' that is not in a quoted string (a parameter we cannot
 * read is skipped), or at the NUL. */
static void skip_to_semicolon(const char **p)
{
	const char *s = *p;
	bool quoted = false;

	for (; *s && (quoted || *s != ';'); s++) {   /* bounded by the NUL */
		if (quoted && *s == '\\' && s[1])
			s++;
		else if (*s == '"')
			quoted = !quoted;
	}
	*p = s;
}

/* Content-Type: type/subtype and the boundary parameter (RFC 2045 5.1). An
 * unreadable type leaves the default. */
static void parse_content_type(const char *value, struct entity *e)
{
	const char *p = value, *type, *subtype, *name;
	size_t type_len, subtype_len, name_len, len;
	char buf[BOUNDARY_MAX + 1];

	skip_cfws(&p);
	type_len = token(&p, &type);
	skip_cfws(&p);
	if (type_len == 0 || *p != '/')
		return;
	p++;
	skip_cfws(&p);
	subtype_len = token(&p, &subtype);
	if (subtype_len == 0)
		return;
	e->multipart = token_is(type, type_len, "multipart");
	e->message = token_is(type, type_len, "message");
	e->digest = e->multipart && token_is(subtype, subtype_len, "digest");
	for (;;) {   /* bounded: each round moves past a ';' or stops */
		skip_to_semicolon(&p);
		if (*p != ';')
			return;
		p++;
		skip_cfws(&p);
		name_len = token(&p, &name);
		skip_cfws(&p);
		if (*p != '=')
			continue;
		p++;
		skip_cfws(&p);
		if (!parameter_value(&p, buf, sizeof(buf), &len))
			continue;
		if (token_is(name, name_len, "boundary") && e->boundary_len == 0 && len > 0) {
			memcpy(e->boundary, buf, len + 1);
			e->boundary_len = len;
		}
	}
}

static enum cte parse_cte(const char *value)
{
	static const struct { const char *name; enum cte cte; } names[] = {
		{ "7bit", CTE_7BIT }, { "8bit", CTE_8BIT }, { "binary", CTE_BINARY },
		{ "quoted-printable", CTE_QP }, { "base64", CTE_BASE64 },
	};
	const char *p = value, *tok;
	size_t len;

	skip_cfws(&p);
	len = token(&p, &tok);
	if (len == 0)
		return CTE_NONE;   /* an empty field: the default, 7bit */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (token_is(tok, len, names[i].name))
			return names[i].cte;
	return CTE_OTHER;
}

/* Read a header section (fields only, CRLF lines). The first Content-Type
 * and Content-Transfer-Encoding count. -1 when out of memory. */
static int parse_entity(const char *hdr, size_t len, bool digest_parent, struct entity *e)
{
	struct header_field f;
	size_t pos = 0;
	bool seen_type = false, seen_cte = false;

	memset(e, 0, sizeof(*e));
	e->message = digest_parent;   /* RFC 2046 5.1.5: a digest's parts default to message/rfc822 */
	while (header_next(hdr, len, &pos, &f)) {
		bool is_type = !seen_type && header_is(&f, "Content-Type");
		bool is_cte = !seen_cte && header_is(&f, "Content-Transfer-Encoding");
		char *value;

		if (header_is(&f, "MIME-Version"))
			e->mime_version = true;
		if (!is_type && !is_cte)
			continue;
		value = unfold(f.value, f.value_len);
		if (!value)
			return -1;
		if (is_type) {
			e->message = false;
			parse_content_type(value, e);
			seen_type = true;
		} else {
			e->cte = parse_cte(value);
			seen_cte = true;
		}
		free(value);
	}
	return 0;
}

static const char qp_field[] = "Content-Transfer-Encoding: quoted-printable\r\n";

/* The header section with its Content-Transfer-Encoding field(s) replaced
 * by qp_field (added at the end when there was none). */
static void add_rewritten_header(struct strbuf *out, const char *hdr, size_t len)
{
	struct header_field f;
	size_t pos = 0;
	bool replaced = false;

	while (header_next(hdr, len, &pos, &f)) {
		if (!header_is(&f, "Content-Transfer-Encoding")) {
			strbuf_add(out, f.raw, f.raw_len);
		} else if (!replaced) {
			strbuf_add(out, qp_field, sizeof(qp_field) - 1);
			replaced = true;
		}
	}
	if (!replaced)
		strbuf_add(out, qp_field, sizeof(qp_field) - 1);
}

/* ================================================================ the walk */

/* One multipart being followed. */
struct level {
	char boundary[BOUNDARY_MAX + 1];
	size_t boundary_len;
	bool digest;
	bool forbid_8bit;       /* it, or a multipart around it, is declared 8bit */
	bool closed;            /* past its close delimiter: in the epilogue */
};

enum walk_state {
	IN_HEADER,              /* reading an entity's header section */
	IN_LEAF,                /* the body of a leaf entity */
	IN_TEXT,                /* a multipart's preamble or epilogue */
};

/* Which leaf parts need quoted-printable, by their order in the message. */
struct plan {
	unsigned char *bits;
	size_t nbits;
};

struct walk {
	struct reader rd;
	struct writer *w;        /* NULL in the first pass */
	struct plan *plan;
	bool possible;           /* false: stop, the message cannot be made 7-bit */

	struct level levels[DEPTH_MAX];
	size_t depth;
	enum walk_state state;
	bool top;                /* the entity being read is the message itself */

	struct strbuf header;    /* the header section being read */

	/* the current leaf */
	size_t leaf;             /* its number, from 1 */
	bool convertible;        /* 7bit, 8bit or no CTE, and not message/multipart */
	bool forbid_8bit;
	bool separated;          /* an empty line ended its header section */
	bool body_seen;          /* some byte of its body was read */
	bool needs_qp;           /* pass 1: 8-bit bytes or an over-long line */
	size_t line_len;         /* pass 1: octets of the current line so far */
	bool converting;         /* pass 2: written as quoted-printable */
	struct mime_qp qp;
	char held[2];            /* pass 2: the last line break, not yet fed */
	size_t held_len;
};

static bool plan_get(const struct plan *p, size_t i)
{
	return i < p->nbits && (p->bits[i / 8] & (1u << (i % 8)));
}

static int plan_set(struct plan *p, size_t i, struct outcome *out)
{
	if (i >= p->nbits) {
		size_t bytes = (i / 8 + 1) * 2;
		unsigned char *bits = realloc(p->bits, bytes);

		if (!bits)
			return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
		memset(bits + (p->nbits / 8), 0, bytes - p->nbits / 8);
		p->bits = bits;
		p->nbits = bytes * 8;
	}
	p->bits[i / 8] |= (unsigned char)(1u << (i % 8));
	return 0;
}

/* Pass 2: bytes that go out as they are. */
static int emit(struct walk *k, const char *s, size_t len, struct outcome *out)
{
	if (!k->w)
		return 0;
	strbuf_add(&k->w->buf, s, len);
	return writer_maybe_flush(k->w, out);
}

/* Is the line a delimiter of a multipart being followed (innermost first,
 * closed ones skipped)? Sets *level and *close ("--boundary--"). */
static bool is_delimiter(const struct walk *k, const struct piece *p, size_t *level, bool *close)
{
	size_t content = p->len - terminator_len(p);
	bool last = k->rd.start == k->rd.end && k->rd.next == k->rd.size;

	/* A piece that does not end its line is a delimiter only as the last
	 * line of the spool: a line longer than a block is none. */
	if (!p->line_start || (!p->line_end && !last) ||
	    content < 3 || p->text[0] != '-' || p->text[1] != '-')
		return false;
	for (size_t i = k->depth; i-- > 0;) {
		const struct level *l = &k->levels[i];
		size_t at = 2 + l->boundary_len;

		if (l->closed || content < at || memcmp(p->text + 2, l->boundary, l->boundary_len) != 0)
			continue;
		*close = content >= at + 2 && p->text[at] == '-' && p->text[at + 1] == '-';
		if (*close)
			at += 2;
		while (at < content && (p->text[at] == ' ' || p->text[at] == '\t'))
			at++;
		if (at != content)
			continue;
		*level = i;
		return true;
	}
	return false;
}

static void cannot(struct walk *k)
{
	k->possible = false;
}

/* The end of a leaf's body: what pass 1 learnt goes into the plan; pass 2
 * finishes the quoted-printable and gives back the line break it held. */
static int leaf_end(struct walk *k, struct outcome *out)
{
	if (!k->w) {
		if (!k->needs_qp)
			return 0;
		/* Without the empty line a new field could not be told from the body. */
		if (k->body_seen && !k->separated) {
			cannot(k);
			return 0;
		}
		return plan_set(k->plan, k->leaf - 1, out);
	}
	if (k->converting)
		mime_qp_finish(&k->qp, &k->w->buf);
	k->converting = false;
	if (emit(k, k->held, k->held_len, out) < 0)
		return -1;
	k->held_len = 0;
	return 0;
}

static int leaf_begin(struct walk *k, const struct entity *e, bool forbid_8bit,
                      struct outcome *out)
{
	k->leaf++;
	k->convertible = !e->message && !e->multipart &&
	                 (e->cte == CTE_NONE || e->cte == CTE_7BIT || e->cte == CTE_8BIT);
	k->forbid_8bit = forbid_8bit;
	k->body_seen = false;
	k->needs_qp = false;
	k->line_len = 0;
	k->held_len = 0;
	k->state = IN_LEAF;
	if (!k->w)
		return 0;
	k->converting = plan_get(k->plan, k->leaf - 1);
	if (k->converting) {
		mime_qp_init(&k->qp);
		add_rewritten_header(&k->w->buf, k->header.data, k->header.len);
		return writer_maybe_flush(k->w, out);
	}
	return emit(k, k->header.data, k->header.len, out);
}

/* A header section is complete (`separator`: an empty line ended it, and is
 * written after it). Decide what the entity is and go into its body. */
static int header_end(struct walk *k, const struct piece *separator, struct outcome *out)
{
	const struct level *parent = k->depth ? &k->levels[k->depth - 1] : NULL;
	bool forbid = parent && parent->forbid_8bit;
	struct entity e;

	if (parse_entity(k->header.data ? k->header.data : "", k->header.len,
	                 parent && parent->digest, &e) < 0)
		return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	if ((k->top && !e.mime_version) || e.cte == CTE_BINARY) {
		cannot(k);
		return 0;
	}
	k->top = false;
	k->separated = separator != NULL;
	if (e.multipart && e.boundary_len &&
	    (e.cte == CTE_NONE || e.cte == CTE_7BIT || e.cte == CTE_8BIT) && k->depth < DEPTH_MAX) {
		struct level *l = &k->levels[k->depth++];

		memcpy(l->boundary, e.boundary, e.boundary_len + 1);
		l->boundary_len = e.boundary_len;
		l->digest = e.digest;
		l->forbid_8bit = forbid || e.cte == CTE_8BIT;
		l->closed = false;
		k->state = IN_TEXT;
		if (emit(k, k->header.data, k->header.len, out) < 0)
			return -1;
	} else if (leaf_begin(k, &e, forbid, out) < 0) {
		return -1;
	}
	k->header.len = 0;
	return separator ? emit(k, separator->text, separator->len, out) : 0;
}

/* A delimiter line: the entity being read ends, and the multipart at
 * `level` goes on with a new part or its epilogue. */
static int delimiter(struct walk *k, const struct piece *p, size_t level, bool close,
                     struct outcome *out)
{
	if (k->state == IN_HEADER && header_end(k, NULL, out) < 0)
		return -1;
	if (k->possible && k->state == IN_LEAF && leaf_end(k, out) < 0)
		return -1;
	k->depth = level + 1;   /* multiparts inside it that were never closed end here */
	k->levels[level].closed = close;
	k->state = close ? IN_TEXT : IN_HEADER;
	k->header.len = 0;
	return emit(k, p->text, p->len, out);
}

/* A piece of a leaf's body. */
static int leaf_piece(struct walk *k, const struct piece *p, struct outcome *out)
{
	size_t term = terminator_len(p);

	k->body_seen = true;
	if (!k->w) {
		bool eight = has_8bit(p->text, p->len);

		if (eight && (!k->convertible || k->forbid_8bit)) {
			cannot(k);
			return 0;
		}
		k->line_len += p->len - term;
		if (k->convertible && (eight || k->line_len > LINE_LIMIT))
			k->needs_qp = true;
		if (p->line_end)
			k->line_len = 0;
		return 0;
	}
	if (!k->converting)
		return emit(k, p->text, p->len, out);
	/* The line break before a delimiter belongs to it (RFC 2046 5.1.1), so
	 * each one is held until more of the body follows. */
	mime_qp_feed(&k->qp, &k->w->buf, k->held, k->held_len);
	mime_qp_feed(&k->qp, &k->w->buf, p->text, p->len - term);
	memcpy(k->held, p->text + p->len - term, term);
	k->held_len = term;
	return writer_maybe_flush(k->w, out);
}

/* A piece while a header section is read: a field line (or its folded
 * continuation) is kept; any other line ends the section (*again: that line
 * is the body's first and must be looked at once more). */
static int header_piece(struct walk *k, const struct piece *p, bool *again,
                        struct outcome *out)
{
	size_t name_len, head;

	if (p->line_start) {
		enum header_line kind = classify_header_line(p->text, p->len, &name_len, &head);
		bool empty = p->len == terminator_len(p) && p->line_end;

		if (empty)
			return header_end(k, p, out);
		if (kind != LINE_FIELD && !(kind == LINE_FOLDED && k->header.len > 0)) {
			*again = true;
			return header_end(k, NULL, out);
		}
	}
	if (has_8bit(p->text, p->len) || k->header.len + p->len > MESSAGE_HEADER_MAX) {
		cannot(k);
		return 0;
	}
	strbuf_add(&k->header, p->text, p->len);
	if (k->header.failed)
		return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	return 0;
}

/* One piece of the spool, in whatever state the walk is. */
static int walk_piece(struct walk *k, const struct piece *p, struct outcome *out)
{
	size_t level;
	bool close, again;

	if (k->depth && is_delimiter(k, p, &level, &close))
		return delimiter(k, p, level, close, out);
	do {   /* bounded: a header section ends at most once per piece */
		again = false;
		switch (k->state) {
		case IN_HEADER:
			if (header_piece(k, p, &again, out) < 0)
				return -1;
			break;
		case IN_LEAF:
			return leaf_piece(k, p, out);
		case IN_TEXT:
			if (has_8bit(p->text, p->len)) {
				cannot(k);
				return 0;
			}
			return emit(k, p->text, p->len, out);
		}
	} while (again && k->possible);
	return 0;
}

/* The end of the spool: whatever is open ends (a missing close delimiter
 * is no reason to refuse). */
static int walk_end(struct walk *k, struct outcome *out)
{
	if (k->state == IN_HEADER && header_end(k, NULL, out) < 0)
		return -1;
	if (k->possible && k->state == IN_LEAF)
		return leaf_end(k, out);
	return 0;
}

/* One pass over the spool: pass 1 when k->w is NULL. */
static int walk_spool(struct walk *k, struct outcome *out)
{
	struct piece p;
	int got;

	k->state = IN_HEADER;
	k->top = true;
	k->possible = true;
	/* bounded: every piece consumes at least one byte of the spool */
	while (k->possible && (got = reader_next(&k->rd, &p, out)) != 0) {
		if (got < 0 || walk_piece(k, &p, out) < 0)
			return -1;
	}
	return k->possible ? walk_end(k, out) : 0;
}

static void walk_init(struct walk *k, int spool_fd, off_t size, char *buf, struct plan *plan)
{
	memset(k, 0, sizeof(*k));
	k->rd.fd = spool_fd;
	k->rd.size = size;
	k->rd.buf = buf;
	k->rd.at_line_start = true;
	k->plan = plan;
	k->header.limit = MESSAGE_HEADER_MAX + 1;
}

/* Pass 2 into a new file; its fd on success. */
static int write_7bit(int spool_fd, off_t size, char *buf, struct plan *plan,
                      off_t *new_size, struct outcome *out)
{
	struct writer w = { .fd = -1 };
	struct walk k;
	int result;

	w.fd = fileio_temporary("postie-7bit", STEP, "the 7-bit form of the message", out);
	if (w.fd < 0)
		return -1;
	walk_init(&k, spool_fd, size, buf, plan);
	k.w = &w;
	result = walk_spool(&k, out);
	if (result == 0 && !k.possible)
		result = outcome_fail(out, OUTCOME_INTERNAL, STEP,
		                      "the two passes of the 7-bit conversion disagree");
	if (result == 0)
		result = writer_flush(&w, out);
	if (result == 0 && lseek(w.fd, 0, SEEK_SET) < 0)
		result = outcome_fail(out, OUTCOME_IO, STEP, "cannot rewind the 7-bit form: %s",
		                      strerror(errno));
	strbuf_free(&k.header);
	strbuf_free(&w.buf);
	if (result < 0) {
		close(w.fd);
		return -1;
	}
	*new_size = w.size;
	return w.fd;
}

int downgrade_to_7bit(int spool_fd, off_t size, int *fd, off_t *new_size, struct outcome *out)
{
	struct plan plan = { NULL, 0 };
	char *buf = malloc(READ_BLOCK);
	struct walk k;
	int result;

	if (!buf)
		return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	walk_init(&k, spool_fd, size, buf, &plan);
	result = walk_spool(&k, out);
	strbuf_free(&k.header);
	if (result == 0 && k.possible) {
		*fd = write_7bit(spool_fd, size, buf, &plan, new_size, out);
		result = *fd < 0 ? -1 : 1;
	}
	free(plan.bits);
	free(buf);
	return result;
}
