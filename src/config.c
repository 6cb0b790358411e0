/* config.c - parse the dotfile (msmtp-compatible syntax) into resolved accounts.
 *
 * Finding the file and reading it is config_file.c's job; this file gets text.
 * Each line becomes a keyword and an argument (quotes and comments resolved);
 * config_command.c checks and stores the value, and this file says where it
 * was written when it is refused. Inheritance has to know which settings an
 * account set itself, and the "not supported yet" check has to know where a
 * missing feature was turned on; both are noted beside each account while
 * parsing, then dropped. */
#include <ctype.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_command.h"

#define STEP "config"

_Static_assert(NCOMMANDS <= 64, "account_notes.set has one bit per command");

/* ------------------------------------------------------------ parser state */

/* Kept beside each account while parsing only. */
struct account_notes {
	uint64_t set;                      /* bit i: config_commands[i] set by own lines or parents */
	unsigned feature_line[NCOMMANDS];  /* where config_commands[i] turned on a missing feature; 0: not */
	unsigned set_line[NCOMMANDS];      /* where config_commands[i] was last set; 0: inherited */
};

enum section { SECTION_NONE, SECTION_DEFAULTS, SECTION_ACCOUNT };

struct parser {
	struct config *cfg;
	struct outcome *out;
	unsigned line;
	enum section section;
	struct account defaults;
	struct account_notes defaults_notes;
	struct account_notes *notes;       /* parallel to cfg->accounts */
	size_t capacity;                   /* of both arrays */
	const char *option;                /* set when the "line" is a command-line option */
};

/* One line, split. The argument has quotes and escapes resolved. */
struct line {
	const char *keyword;               /* points into the text; not terminated */
	size_t keyword_len;
	bool has_argument;                 /* something followed the keyword, even "" */
	char argument[CONFIG_LINE_MAX + 1];
};

static int parse_error(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int parse_error(struct parser *ps, const char *fmt, ...)
{
	char what[OUTCOME_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ps->option)
		return outcome_fail(ps->out, OUTCOME_USAGE, "usage", "option --%s: %s",
		                    ps->option, what);
	return outcome_fail(ps->out, OUTCOME_CONFIG, STEP, "%s:%u: %s",
	                    ps->cfg->path, ps->line, what);
}

static int out_of_memory(struct outcome *out)
{
	return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
}

static bool is_blank(char c)
{
	return isspace((unsigned char)c) != 0;
}

/* config_store_value(), a refused value told as a parse error: "FILE:LINE: ..."
 * or "option --x: ...". */
static int store_argument(struct parser *ps, struct account *a, const struct command *c,
                          const char *argument)
{
	char refusal[OUTCOME_TEXT_MAX];

	if (config_store_value(a, c, argument, refusal, sizeof(refusal), ps->out) == 0)
		return 0;
	return refusal[0] ? parse_error(ps, "%s", refusal) : -1;
}

/* ------------------------------------------------------------ the home directory */

const char *config_home_directory(char *buf, size_t size)
{
	const char *home = getenv("HOME");
	struct passwd pw, *found = NULL;

	if (home && *home)
		return home;
	if (getpwuid_r(getuid(), &pw, buf, size, &found) != 0 || !found)
		return NULL;
	if (!pw.pw_dir || !*pw.pw_dir)
		return NULL;
	return pw.pw_dir;
}

/* ------------------------------------------------------------ missing features */

/* The first objection in table order, built once the account is complete so
 * that a later line turning the feature off again has cleared it. */
static void note_unsupported(const struct config *cfg, struct account *a,
                             const struct account_notes *notes)
{
	a->unsupported[0] = '\0';
	a->unsupported_keyword = NULL;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct command *c = &config_commands[i];
		char value[256];

		if (notes->feature_line[i] == 0)
			continue;
		config_describe_value(a, c, value, sizeof(value));
		snprintf(a->unsupported, sizeof(a->unsupported),
		         "%s:%u: %s %s: not supported yet (%s arrives in a later postie version); %s",
		         cfg->path, notes->feature_line[i], c->keyword, value, c->missing, c->fix);
		a->unsupported_keyword = c->keyword;
		return;
	}
}

/* ------------------------------------------------------------ accounts */

static struct account *find_account(const struct config *cfg, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	return NULL;
}

const struct account *config_find(const struct config *cfg, const char *name)
{
	if (!cfg || !name)
		return NULL;
	return find_account(cfg, cfg->naccounts, name);
}

static void finish_section(struct parser *ps)
{
	size_t last = ps->cfg->naccounts - 1;

	if (ps->section == SECTION_ACCOUNT)
		note_unsupported(ps->cfg, &ps->cfg->accounts[last], &ps->notes[last]);
	ps->section = SECTION_NONE;
}

static int grow_accounts(struct parser *ps)
{
	struct config *cfg = ps->cfg;
	size_t want = ps->capacity ? ps->capacity * 2 : 8;
	struct account *accounts;
	struct account_notes *notes;

	if (cfg->naccounts < ps->capacity)
		return 0;
	accounts = realloc(cfg->accounts, want * sizeof(*accounts));
	if (!accounts)
		return out_of_memory(ps->out);
	cfg->accounts = accounts;
	notes = realloc(ps->notes, want * sizeof(*notes));
	if (!notes)
		return out_of_memory(ps->out);
	ps->notes = notes;
	ps->capacity = want;
	return 0;
}

/* Copy what `parent` set itself (or got from its parents), not what it only
 * had from the defaults. */
static int inherit(struct parser *ps, struct account *child, struct account_notes *child_notes,
                   const struct account *parent, const struct account_notes *parent_notes)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		uint64_t bit = UINT64_C(1) << i;

		if (!(parent_notes->set & bit))
			continue;
		if (config_copy_setting(child, parent, &config_commands[i]) < 0)
			return out_of_memory(ps->out);
		child_notes->set |= bit;
		child_notes->feature_line[i] = parent_notes->feature_line[i];
		child_notes->set_line[i] = parent_notes->set_line[i];
	}
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (is_blank(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_blank(end[-1]))
		*--end = '\0';
	return s;
}

/* "PARENT[,PARENT...]", each defined above the account being started. */
static int inherit_parents(struct parser *ps, size_t index, char *list)
{
	struct account *child = &ps->cfg->accounts[index];

	for (char *next = list; next;) {
		char *parent_name = next;
		const struct account *parent;

		next = strchr(next, ',');
		if (next)
			*next++ = '\0';
		parent_name = trim(parent_name);
		if (!*parent_name)
			return parse_error(ps, "account '%s': empty parent account name", child->name);
		parent = find_account(ps->cfg, index, parent_name);
		if (!parent)
			return parse_error(ps, "account '%s': unknown parent account '%.*s'",
			                   child->name, ECHO_MAX, parent_name);
		if (inherit(ps, child, &ps->notes[index], parent,
		            &ps->notes[parent - ps->cfg->accounts]) < 0)
			return -1;
	}
	return 0;
}

/* `account NAME [: PARENT[,PARENT...]]`: start from the defaults, then the parents. */
static int start_account(struct parser *ps, struct line *ln)
{
	struct config *cfg = ps->cfg;
	char *parents = strchr(ln->argument, ':');
	const struct account *twin;
	struct account *a;
	char *name;
	size_t index;

	finish_section(ps);
	if (parents)
		*parents++ = '\0';
	name = trim(ln->argument);
	if (!*name)
		return parse_error(ps, "'account' needs a name");
	if (strcspn(name, " \t\r\f\v") != strlen(name))
		return parse_error(ps, "account name '%.*s' contains a space", ECHO_MAX, name);
	twin = config_find(cfg, name);
	if (twin)
		return parse_error(ps, "account '%.*s' is already defined at line %u",
		                   ECHO_MAX, name, twin->origin.line);
	if (grow_accounts(ps) < 0)
		return -1;

	index = cfg->naccounts++;
	a = &cfg->accounts[index];
	config_init_account(a);        /* now owned by cfg: freed with it on any error below */
	ps->notes[index] = ps->defaults_notes;
	ps->notes[index].set = 0;
	if (!(a->name = strdup(name)))
		return out_of_memory(ps->out);
	a->origin.file = cfg->path;
	a->origin.line = ps->line;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (config_copy_setting(a, &ps->defaults, &config_commands[i]) < 0)
			return out_of_memory(ps->out);
	if (parents && inherit_parents(ps, index, parents) < 0)
		return -1;
	ps->section = SECTION_ACCOUNT;
	return 0;
}

static int start_defaults(struct parser *ps, const struct line *ln)
{
	if (ln->has_argument)
		return parse_error(ps, "'defaults' takes no argument");
	finish_section(ps);
	ps->section = SECTION_DEFAULTS;
	return 0;
}

/* ------------------------------------------------------------ lines */

/* The argument: rest of the line, quotes resolved, comment and outer
 * whitespace dropped. Inside quotes, \" and \\ are escapes and # is text. */
static int read_argument(struct parser *ps, const char *p, const char *end, struct line *ln)
{
	bool quoted = false;
	size_t n = 0, keep = 0;   /* keep: length up to the last char that is not outer space */

	ln->has_argument = false;
	for (; p < end; p++) {
		char c = *p;

		if (quoted) {
			if (c == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
				c = *++p;
			else if (c == '"') {
				quoted = false;
				continue;
			}
			ln->argument[n++] = c;
			keep = n;
		} else if (c == '#') {
			break;
		} else if (c == '"') {
			quoted = true;
			ln->has_argument = true;
			keep = n;
		} else if (is_blank(c)) {
			if (n > 0)
				ln->argument[n++] = c;
		} else {
			ln->argument[n++] = c;
			keep = n;
			ln->has_argument = true;
		}
	}
	ln->argument[keep] = '\0';
	if (quoted)
		return parse_error(ps, "unterminated double quote");
	return 0;
}

static bool keyword_is(const struct line *ln, const char *word)
{
	return strlen(word) == ln->keyword_len && memcmp(ln->keyword, word, ln->keyword_len) == 0;
}

static const struct command *find_command(const struct line *ln)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (keyword_is(ln, config_commands[i].keyword))
			return &config_commands[i];
	return NULL;
}

static int apply_command(struct parser *ps, const struct command *c, const struct line *ln)
{
	size_t i = (size_t)(c - config_commands);
	bool in_account = ps->section == SECTION_ACCOUNT;
	size_t last = ps->cfg->naccounts - 1;
	struct account *a = in_account ? &ps->cfg->accounts[last] : &ps->defaults;
	struct account_notes *notes = in_account ? &ps->notes[last] : &ps->defaults_notes;

	if (store_argument(ps, a, c, ln->has_argument ? ln->argument : NULL) < 0)
		return -1;
	notes->set |= UINT64_C(1) << i;
	notes->feature_line[i] = config_needs_missing_feature(a, c) ? ps->line : 0;
	notes->set_line[i] = ps->line;
	if (c->kind == KIND_SECRET && config_text_value(a, c))
		ps->cfg->holds_password = true;
	return 0;
}

static int parse_line(struct parser *ps, const char *p, const char *end, struct line *ln)
{
	const struct command *c;

	if ((size_t)(end - p) > CONFIG_LINE_MAX)
		return parse_error(ps, "line longer than %d bytes", CONFIG_LINE_MAX);
	if (memchr(p, '\0', (size_t)(end - p)))
		return parse_error(ps, "line contains a NUL byte");

	while (p < end && is_blank(*p))
		p++;
	ln->keyword = p;
	while (p < end && !is_blank(*p) && *p != '#')
		p++;
	ln->keyword_len = (size_t)(p - ln->keyword);
	if (read_argument(ps, p, end, ln) < 0)
		return -1;
	if (ln->keyword_len == 0)
		return 0;           /* blank line or comment */

	if (keyword_is(ln, "defaults"))
		return start_defaults(ps, ln);
	if (keyword_is(ln, "account"))
		return start_account(ps, ln);
	c = find_command(ln);
	if (!c)
		return parse_error(ps, "unknown command '%.*s'",
		                   (int)(ln->keyword_len < 64 ? ln->keyword_len : 64), ln->keyword);
	if (ps->section == SECTION_NONE)
		return parse_error(ps, "'%s' before any 'account' or 'defaults' line", c->keyword);
	return apply_command(ps, c, ln);
}

/* Fallback names may point further down the file, so they are checked last. */
static int check_fallbacks(struct parser *ps)
{
	const struct command *fallback = NULL;
	struct config *cfg = ps->cfg;

	for (size_t i = 0; i < NCOMMANDS; i++)
		if (config_commands[i].kind == KIND_ACCOUNTS)
			fallback = &config_commands[i];
	for (size_t i = 0; fallback && i < cfg->naccounts; i++) {
		const char *list = config_text_value(&cfg->accounts[i], fallback);

		for (const char *p = list; p && *p;) {
			size_t n = strcspn(p, " ");
			char name[CONFIG_LINE_MAX + 1];

			memcpy(name, p, n);
			name[n] = '\0';
			if (!config_find(cfg, name)) {
				ps->line = ps->notes[i].set_line[fallback - config_commands];
				return parse_error(ps, "fallback account '%.*s' is not defined",
				                   ECHO_MAX, name);
			}
			p += n + (p[n] == ' ');
		}
	}
	return 0;
}

static int parse_text(struct parser *ps, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	struct line *ln = malloc(sizeof(*ln));
	int rc = 0;

	if (!ln)
		return out_of_memory(ps->out);
	while (rc == 0 && p < end) {
		const char *newline = memchr(p, '\n', (size_t)(end - p));
		const char *eol = newline ? newline : end;

		ps->line++;
		rc = parse_line(ps, p, eol, ln);
		p = newline ? newline + 1 : end;
	}
	explicit_bzero(ln, sizeof(*ln));     /* it may have held the password */
	free(ln);
	if (rc < 0)
		return rc;
	finish_section(ps);
	return check_fallbacks(ps);
}

int config_parse(const char *label, const char *text, size_t len,
                 struct config *cfg, struct outcome *out)
{
	struct parser ps;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = strdup(label ? label : "(config)");
	if (!cfg->path)
		return out_of_memory(out);
	memset(&ps, 0, sizeof(ps));
	ps.cfg = cfg;
	ps.out = out;
	ps.section = SECTION_NONE;
	config_init_account(&ps.defaults);

	rc = parse_text(&ps, text, len);

	config_free_account(&ps.defaults);
	free(ps.notes);
	if (rc < 0)
		config_free(cfg);
	return rc;
}

static const struct command *command_named(const char *keyword)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(config_commands[i].keyword, keyword) == 0)
			return &config_commands[i];
	return NULL;
}

int config_override(struct account *a, const char *keyword, const char *value,
                    struct outcome *out)
{
	const struct command *c = command_named(keyword);
	struct config label = { .path = (char *)"command line" };
	char option[64];
	struct parser ps = { .cfg = &label, .out = out, .option = option };

	snprintf(option, sizeof(option), "%s", keyword);
	for (char *p = option; *p; p++)
		if (*p == '_')
			*p = '-';
	if (!c)
		return outcome_fail(out, OUTCOME_USAGE, "usage", "unknown option --%s", option);
	if (c->kind == KIND_SECRET)
		return outcome_fail(out, OUTCOME_USAGE, "usage",
		                    "option --%s: secrets are not accepted on the command line",
		                    option);
	if (value && strlen(value) > CONFIG_LINE_MAX)
		return parse_error(&ps, "value longer than %d bytes", CONFIG_LINE_MAX);
	if (store_argument(&ps, a, c, value) < 0)
		return -1;
	if (config_needs_missing_feature(a, c)) {
		char shown[256];

		config_describe_value(a, c, shown, sizeof(shown));
		snprintf(a->unsupported, sizeof(a->unsupported),
		         "option --%s=%s: not supported yet (%s arrives in a later postie version); %s",
		         option, shown, c->missing, c->fix);
		a->unsupported_keyword = c->keyword;
	} else if (a->unsupported_keyword == c->keyword) {
		/* --queue=off answers the file's `queue on`. */
		a->unsupported[0] = '\0';
		a->unsupported_keyword = NULL;
	}
	return 0;
}

struct account *config_add_account(struct config *cfg, const char *name, struct outcome *out)
{
	struct account *accounts = realloc(cfg->accounts,
	                                   (cfg->naccounts + 1) * sizeof(*accounts));
	struct account *a;

	if (!accounts) {
		out_of_memory(out);
		return NULL;
	}
	cfg->accounts = accounts;
	a = &accounts[cfg->naccounts];
	config_init_account(a);
	a->origin.file = "command line";
	if (!(a->name = strdup(name))) {
		out_of_memory(out);
		return NULL;
	}
	cfg->naccounts++;
	return a;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->naccounts; i++)
		config_free_account(&cfg->accounts[i]);
	free(cfg->accounts);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}
