/* aliases.c - the local aliases file.
 *
 * The file is read once into a table sorted by name (ASCII case folded),
 * so duplicates are neighbours and lookups are a binary search. Expansion
 * is a depth-first walk that keeps the chain of aliases it is inside: an
 * alias met again on its own chain is a loop, reported with the chain. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "strbuf.h"

#define STEP "aliases"
/* Alias lookups one expansion may make: depth alone does not bound the
 * work, as aliases that fan out to aliases multiply. */
#define ALIASES_STEPS_MAX 10000

struct alias {
	char *name;
	struct address_list values;
	size_t line;                  /* where the alias starts, for messages */
};

struct aliases {
	struct alias *items;          /* sorted by name, then line */
	size_t n, cap;
	const struct alias *fallback; /* the `default` alias, or NULL */
};

/* ------------------------------------------------------------ names */

static int ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Alias names compare ASCII case-insensitively, whatever the locale. */
static int name_compare(const char *a, const char *b)
{
	while (*a && ascii_lower((unsigned char)*a) == ascii_lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return ascii_lower((unsigned char)*a) - ascii_lower((unsigned char)*b);
}

static int alias_order(const void *a, const void *b)
{
	const struct alias *x = a, *y = b;
	int c = name_compare(x->name, y->name);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int alias_key_compare(const void *key, const void *item)
{
	return name_compare(key, ((const struct alias *)item)->name);
}

static const struct alias *find_alias(const struct aliases *al, const char *name)
{
	if (al->n == 0)
		return NULL;   /* bsearch wants a non-NULL array */
	return bsearch(name, al->items, al->n, sizeof(*al->items), alias_key_compare);
}

bool aliases_is_local(const char *addr)
{
	bool quoted = false;

	for (const char *p = addr; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\\' && quoted && p[1] != '\0')
			p++;
		else if (*p == '@' && !quoted)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------ the table */

static void alias_free(struct alias *a)
{
	free(a->name);
	address_list_free(&a->values);
}

void aliases_free(struct aliases *al)
{
	if (!al)
		return;
	for (size_t i = 0; i < al->n; i++)
		alias_free(&al->items[i]);
	free(al->items);
	free(al);
}

size_t aliases_count(const struct aliases *al)
{
	return al ? al->n : 0;
}

/* Take ownership of `a` (freed on failure too). */
static int append_alias(struct aliases *al, struct alias *a)
{
	if (al->n == al->cap) {
		size_t cap = al->cap ? al->cap * 2 : 16;
		struct alias *items;

		if (cap < al->cap || cap > SIZE_MAX / sizeof(*items)) {
			alias_free(a);
			return -1;
		}
		items = realloc(al->items, cap * sizeof(*items));
		if (!items) {
			alias_free(a);
			return -1;
		}
		al->items = items;
		al->cap = cap;
	}
	al->items[al->n++] = *a;
	return 0;
}

/* ------------------------------------------------------------ the parser */

/* The alias being read: its name line, then any continuation lines. */
struct pending {
	char *name;
	size_t line;
	struct strbuf value;
};

struct reader {
	const char *label;
	struct aliases *al;
	struct pending cur;           /* cur.name == NULL: no alias open */
	struct outcome *out;
};

static int out_of_memory(struct outcome *out)
{
	return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
}

static int value_append(struct pending *p, const char *s, size_t len)
{
	strbuf_add(&p->value, s, len);
	return p->value.failed ? -1 : 0;
}

/* Parse the open alias's value and add it to the table. */
static int finish_alias(struct reader *rd)
{
	struct alias a = { .name = rd->cur.name, .line = rd->cur.line };
	char err[128];

	if (!a.name)
		return 0;
	rd->cur.name = NULL;
	if (address_list_parse(rd->cur.value.data, rd->cur.value.len, &a.values, err, sizeof(err)) < 0) {
		outcome_fail(rd->out, OUTCOME_CONFIG, STEP, "%s:%zu: alias '%s': %s",
		             rd->label, a.line, a.name, err);
		alias_free(&a);
		return -1;
	}
	if (a.values.n == 0) {
		outcome_fail(rd->out, OUTCOME_CONFIG, STEP, "%s:%zu: alias '%s' has no addresses",
		             rd->label, a.line, a.name);
		alias_free(&a);
		return -1;
	}
	return append_alias(rd->al, &a) < 0 ? out_of_memory(rd->out) : 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A name is what may stand in a local part: no white space, no '@', no
 * control characters. Returns a reason, or NULL when it is fine. */
static const char *bad_name_reason(const char *name, size_t len)
{
	if (len == 0)
		return "missing alias name before ':'";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (is_blank((char)c))
			return "alias name contains white space";
		if (c == '@')
			return "alias name contains '@' (only local names can have aliases)";
		if (c < 0x20 || c == 0x7f)
			return "alias name contains a control character";
	}
	if (len > ADDRESS_MAX)
		return "alias name too long";
	return NULL;
}

/* `name: value` starts a new alias. */
static int start_alias(struct reader *rd, const char *line, size_t len, size_t lineno)
{
	const char *colon = memchr(line, ':', len);
	const char *reason;
	size_t name_len;

	if (finish_alias(rd) < 0)
		return -1;
	if (!colon)
		return outcome_fail(rd->out, OUTCOME_CONFIG, STEP,
		                    "%s:%zu: missing ':' (expected 'name: address, ...')",
		                    rd->label, lineno);
	name_len = (size_t)(colon - line);
	while (name_len > 0 && is_blank(line[name_len - 1]))
		name_len--;
	reason = bad_name_reason(line, name_len);
	if (reason)
		return outcome_fail(rd->out, OUTCOME_CONFIG, STEP, "%s:%zu: %s",
		                    rd->label, lineno, reason);
	rd->cur.name = strndup(line, name_len);
	if (!rd->cur.name)
		return out_of_memory(rd->out);
	rd->cur.line = lineno;
	rd->cur.value.len = 0;
	colon++;
	if (value_append(&rd->cur, colon, (size_t)(line + len - colon)) < 0)
		return out_of_memory(rd->out);
	return 0;
}

/* A line starting with white space continues the open alias. */
static int continue_alias(struct reader *rd, const char *line, size_t len, size_t lineno)
{
	if (!rd->cur.name)
		return outcome_fail(rd->out, OUTCOME_CONFIG, STEP,
		                    "%s:%zu: continuation line (starting with white space) "
		                    "without an alias above it", rd->label, lineno);
	if (value_append(&rd->cur, " ", 1) < 0 || value_append(&rd->cur, line, len) < 0)
		return out_of_memory(rd->out);
	return 0;
}

static bool is_blank_or_comment(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && is_blank(line[i]))
		i++;
	return i == len || line[i] == '#';
}

/* A '#' at the start of a word and outside quotes starts a comment to the
 * end of the line (msmtp's alias files have them after the addresses);
 * inside a word it is part of an address (a#b@example.org). Returns the
 * length without the comment and the blanks before it. */
static size_t without_comment(const char *line, size_t len)
{
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\\' && quoted) {
			i++;
		} else if (line[i] == '"') {
			quoted = !quoted;
		} else if (line[i] == '#' && !quoted && (i == 0 || is_blank(line[i - 1]))) {
			len = i;
			break;
		}
	}
	while (len > 0 && is_blank(line[len - 1]))
		len--;
	return len;
}

static int read_line(struct reader *rd, const char *line, size_t len, size_t lineno)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (memchr(line, '\0', len))
		return outcome_fail(rd->out, OUTCOME_CONFIG, STEP, "%s:%zu: NUL byte in line",
		                    rd->label, lineno);
	if (is_blank_or_comment(line, len))
		return 0;
	len = without_comment(line, len);
	if (is_blank(line[0]))
		return continue_alias(rd, line, len, lineno);
	return start_alias(rd, line, len, lineno);
}

/* Sort the table; a name defined twice is an error naming both lines (the
 * first such pair in file order). Then note the `default` alias. */
static int index_aliases(struct reader *rd)
{
	struct aliases *al = rd->al;
	const struct alias *first = NULL, *second = NULL;

	if (al->n > 1)
		qsort(al->items, al->n, sizeof(*al->items), alias_order);
	for (size_t i = 1; i < al->n; i++) {
		if (name_compare(al->items[i - 1].name, al->items[i].name) != 0)
			continue;
		if (!second || al->items[i].line < second->line) {
			first = &al->items[i - 1];
			second = &al->items[i];
		}
	}
	if (second)
		return outcome_fail(rd->out, OUTCOME_CONFIG, STEP,
		                    "%s:%zu: alias '%s' is defined twice (also on line %zu)",
		                    rd->label, second->line, second->name, first->line);
	al->fallback = find_alias(al, "default");
	return 0;
}

static int parse_lines(struct reader *rd, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;

		if (read_line(rd, p, (size_t)(line_end - p), ++lineno) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	if (finish_alias(rd) < 0)
		return -1;
	return index_aliases(rd);
}

int aliases_parse(const char *label, const char *text, size_t len,
                  struct aliases **result, struct outcome *out)
{
	struct reader rd = { .label = label, .out = out };
	int rc;

	*result = NULL;
	rd.al = calloc(1, sizeof(*rd.al));
	if (!rd.al)
		return out_of_memory(out);
	rc = parse_lines(&rd, text, len);
	free(rd.cur.name);
	strbuf_free(&rd.cur.value);
	if (rc < 0) {
		aliases_free(rd.al);
		return -1;
	}
	*result = rd.al;
	return 0;
}

/* ------------------------------------------------------------ the file */

/* Read all of `f`, refusing more than ALIASES_FILE_MAX bytes. */
static int read_all(FILE *f, const char *path, char **text, size_t *len, struct outcome *out)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return out_of_memory(out);
	for (;;) {
		size_t got;

		if (n == cap) {
			/* one byte past the limit tells a too-large file apart */
			size_t bigger_cap = cap * 2 > ALIASES_FILE_MAX ? ALIASES_FILE_MAX + 1 : cap * 2;
			char *bigger = realloc(buf, bigger_cap);

			if (!bigger) {
				free(buf);
				return out_of_memory(out);
			}
			buf = bigger;
			cap = bigger_cap;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > ALIASES_FILE_MAX) {
			free(buf);
			return outcome_fail(out, OUTCOME_CONFIG, STEP,
			                    "aliases file %s is larger than %d MiB", path,
			                    ALIASES_FILE_MAX / (1024 * 1024));
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int err = errno;

		free(buf);
		return outcome_fail(out, OUTCOME_CONFIG, STEP, "cannot read aliases file %s: %s",
		                    path, strerror(err));
	}
	*text = buf;
	*len = n;
	return 0;
}

int aliases_load(const char *path, struct aliases **result, struct outcome *out)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;
	int rc;

	*result = NULL;
	if (!f)
		return outcome_fail(out, OUTCOME_CONFIG, STEP, "cannot read aliases file %s: %s",
		                    path, strerror(errno));
	rc = read_all(f, path, &text, &len, out);
	fclose(f);
	if (rc < 0)
		return -1;
	rc = aliases_parse(path, text, len, result, out);
	free(text);
	return rc;
}

/* ------------------------------------------------------------ expansion */

struct expansion {
	const struct aliases *al;
	struct address_list *result;
	const struct alias *chain[ALIASES_DEPTH_MAX];  /* the aliases we are inside */
	size_t depth;
	size_t steps;
	struct outcome *out;
};

/* "WHAT: root -> admin -> root": the chain, then `last`. */
static int chain_fail(struct expansion *ex, const char *what, const char *last)
{
	char text[OUTCOME_TEXT_MAX];
	size_t used = 0;

	text[0] = '\0';
	for (size_t i = 0; i < ex->depth && used < sizeof(text); i++) {
		int n = snprintf(text + used, sizeof(text) - used, "%s -> ", ex->chain[i]->name);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return outcome_fail(ex->out, OUTCOME_CONFIG, STEP, "%s: %s%s", what, text, last);
}

static int add_result(struct expansion *ex, const char *addr)
{
	if (address_list_add(ex->result, addr) == 0)
		return 0;
	if (ex->result->n >= ADDRESS_LIST_MAX)
		return outcome_fail(ex->out, OUTCOME_BAD_MESSAGE, STEP,
		                    "more than %d recipients after alias expansion",
		                    ADDRESS_LIST_MAX);
	return out_of_memory(ex->out);
}

static int expand_address(struct expansion *ex, const char *addr, bool default_used);

static int expand_alias(struct expansion *ex, const struct alias *a, bool default_used)
{
	char what[64];

	for (size_t i = 0; i < ex->depth; i++)
		if (ex->chain[i] == a)
			return chain_fail(ex, "aliases loop", a->name);
	if (ex->depth == ALIASES_DEPTH_MAX) {
		snprintf(what, sizeof(what), "aliases nested more than %d levels deep",
		         ALIASES_DEPTH_MAX);
		return chain_fail(ex, what, a->name);
	}
	if (++ex->steps > ALIASES_STEPS_MAX)
		return outcome_fail(ex->out, OUTCOME_CONFIG, STEP,
		                    "aliases expand too far (more than %d alias lookups)",
		                    ALIASES_STEPS_MAX);
	ex->chain[ex->depth++] = a;
	for (size_t i = 0; i < a->values.n; i++) {
		const char *v = a->values.items[i];
		/* "jdoe: jdoe, jdoe@elsewhere" keeps a copy for the local name
		 * itself (sendmail's idiom): that is the name, not a loop. */
		int rc = name_compare(v, a->name) == 0 ? add_result(ex, v)
		                                        : expand_address(ex, v, default_used);

		if (rc < 0)
			return -1;
	}
	ex->depth--;
	return 0;
}

static int expand_address(struct expansion *ex, const char *addr, bool default_used)
{
	const struct alias *a;

	if (!ex->al || !aliases_is_local(addr))
		return add_result(ex, addr);
	a = find_alias(ex->al, addr);
	if (!a && !default_used && ex->al->fallback) {
		a = ex->al->fallback;
		default_used = true;
	}
	if (!a)
		return add_result(ex, addr);
	return expand_alias(ex, a, default_used);
}

int aliases_expand(const struct aliases *al, const struct address_list *in,
                   struct address_list *result, struct outcome *out)
{
	struct expansion ex = { .al = al, .result = result, .out = out };

	for (size_t i = 0; i < in->n; i++)
		if (expand_address(&ex, in->items[i], false) < 0)
			return -1;
	return 0;
}
