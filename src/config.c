/* config.c - parse the dotfile (msmtp-compatible syntax) into resolved accounts.
 *
 * Finding the file and reading it is config_file.c's job; this file gets text.
 * Each line becomes a keyword and an argument (quotes and comments resolved).
 * One table says, per keyword, which field of struct account it sets, how the
 * value is checked, and whether some values need a feature this version does
 * not have yet. Inheritance has to know which settings an account set itself,
 * and the "not supported yet" check has to know where a missing feature was
 * turned on; both are noted beside each account while parsing, then dropped. */
#include <ctype.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"

#define STEP "config"
#define CONFIG_LINE_MAX 4096             /* bytes per line, newline excluded */
#define CONFIG_TIMEOUT_MAX 86400         /* a day: beyond that a timeout means nothing */
#define ECHO_MAX 200                     /* how much of a bad value an error repeats */

/* ------------------------------------------------------------ the table */

enum value_kind {
	KIND_TEXT,          /* free text; empty means unset */
	KIND_PATH,          /* a file name; a leading "~/" is the home directory */
	KIND_SECRET,        /* free text that no message may ever repeat */
	KIND_BOOL,          /* on|off; the bare keyword means on */
	KIND_NUMBER,        /* decimal in [min, max] */
	KIND_TIMEOUT,       /* seconds, or off */
	KIND_WORD,          /* one of `words`, stored as the table spells it */
	KIND_TLS,           /* on|off into enum tls_setting */
	KIND_PROTOCOL,      /* `words` index into enum smtp_protocol */
	KIND_QUEUE,         /* `words` index into enum queue_setting */
	KIND_FINGERPRINT,   /* SHA-256 or SHA-1 as colon-separated hex pairs */
	KIND_DSN_NOTIFY,    /* off, never, or a list of success,failure,delay */
	KIND_ACCOUNTS,      /* account names separated by spaces */
};

struct command {
	const char *keyword;
	size_t offset;              /* of its field in struct account */
	enum value_kind kind;
	bool required;              /* text that may not be empty */
	const char *words;          /* the allowed values, "a|b|c" */
	bool fold_case;             /* words match case-insensitively */
	const char *bare;           /* the value when the argument is left out */
	long min, max;              /* KIND_NUMBER bounds */
	/* Set when some values need a feature this version lacks: */
	const char *missing;        /* that feature, as in "X arrives in a later..." */
	const char *idle;           /* the text value that does not need it (NULL: any does) */
	const char *fix;            /* what to write instead */
};

#define SETTING(name, ...) \
	{ .keyword = #name, .offset = offsetof(struct account, name), __VA_ARGS__ }
#define MISSING(feature, idle_value, fix_text) \
	.missing = feature, .idle = idle_value, .fix = fix_text

#define AUTH_WORDS "on|off|plain|login|cram-md5|digest-md5|scram-sha-1|" \
	"scram-sha-1-plus|scram-sha-256|scram-sha-256-plus|gssapi|external|" \
	"ntlm|xoauth2|oauthbearer"
#define SYSLOG_WORDS "on|off|LOG_USER|LOG_MAIL|LOG_LOCAL0|LOG_LOCAL1|" \
	"LOG_LOCAL2|LOG_LOCAL3|LOG_LOCAL4|LOG_LOCAL5|LOG_LOCAL6|LOG_LOCAL7"
#define DSN_NOTIFY_WORDS "success|failure|delay"

/* The order here is also the order in which "not supported yet" objections
 * are considered: the first one found is the one reported. */
static const struct command commands[] = {
	SETTING(host, .kind = KIND_TEXT, .required = true),
	SETTING(port, .kind = KIND_NUMBER, .min = 1, .max = 65535),
	SETTING(timeout, .kind = KIND_TIMEOUT),
	SETTING(source_ip, .kind = KIND_TEXT),
	SETTING(domain, .kind = KIND_TEXT),
	SETTING(from, .kind = KIND_TEXT),
	SETTING(tls, .kind = KIND_TLS),
	SETTING(auth, .kind = KIND_WORD, .words = AUTH_WORDS, .fold_case = true, .bare = "on"),
	SETTING(tls_starttls, .kind = KIND_BOOL),
	SETTING(protocol, .kind = KIND_PROTOCOL, .words = "smtp|lmtp"),
	SETTING(logfile, .kind = KIND_PATH),
	SETTING(logfile_time_format, .kind = KIND_TEXT),
	SETTING(remove_bcc_headers, .kind = KIND_BOOL),
	SETTING(allow_from_override, .kind = KIND_BOOL),
	SETTING(partial_delivery, .kind = KIND_BOOL),
	SETTING(proxy_host, .kind = KIND_TEXT,
	        MISSING("proxy support", NULL, "remove 'proxy_host'")),
	SETTING(proxy_port, .kind = KIND_NUMBER, .min = 1, .max = 65535),
	SETTING(tls_trust_file, .kind = KIND_PATH),
	SETTING(tls_crl_file, .kind = KIND_PATH),
	SETTING(tls_fingerprint, .kind = KIND_FINGERPRINT),
	SETTING(tls_key_file, .kind = KIND_PATH),
	SETTING(tls_cert_file, .kind = KIND_PATH),
	SETTING(tls_certcheck, .kind = KIND_BOOL),
	SETTING(tls_priorities, .kind = KIND_TEXT),
	SETTING(tls_host_override, .kind = KIND_TEXT),
	SETTING(tls_min_dh_prime_bits, .kind = KIND_NUMBER, .min = 1, .max = 65536),
	SETTING(user, .kind = KIND_TEXT),
	SETTING(password, .kind = KIND_SECRET),
	SETTING(passwordeval, .kind = KIND_TEXT),
	SETTING(set_from_header, .kind = KIND_WORD, .words = "auto|on|off"),
	SETTING(set_date_header, .kind = KIND_WORD, .words = "auto|off"),
	SETTING(set_msgid_header, .kind = KIND_WORD, .words = "auto|off"),
	SETTING(undisclosed_recipients, .kind = KIND_BOOL),
	SETTING(dsn_notify, .kind = KIND_DSN_NOTIFY),
	SETTING(dsn_return, .kind = KIND_WORD, .words = "off|headers|hdrs|full"),
	SETTING(add_missing_from_header, .kind = KIND_BOOL),
	SETTING(aliases, .kind = KIND_PATH),
	SETTING(syslog, .kind = KIND_WORD, .words = SYSLOG_WORDS, .bare = "on"),
	SETTING(auto_from, .kind = KIND_BOOL),
	SETTING(maildomain, .kind = KIND_TEXT),
	SETTING(queue, .kind = KIND_QUEUE, .words = "off|auto|on",
	        MISSING("the mail queue", NULL, "use 'queue off'")),
	SETTING(queue_dir, .kind = KIND_PATH),
	SETTING(queue_max_age, .kind = KIND_TEXT),
	SETTING(fallback, .kind = KIND_ACCOUNTS,
	        MISSING("account fallback", NULL, "remove 'fallback'")),
	SETTING(log_format, .kind = KIND_WORD, .words = "text|json"),
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))
_Static_assert(NCOMMANDS <= 64, "account_notes.set has one bit per command");

/* ------------------------------------------------------------ parser state */

/* Kept beside each account while parsing only. */
struct account_notes {
	uint64_t set;                      /* bit i: commands[i] set by own lines or parents */
	unsigned feature_line[NCOMMANDS];  /* where commands[i] turned on a missing feature; 0: not */
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

/* ------------------------------------------------------------ field access */

static bool holds_text(const struct command *c)
{
	switch (c->kind) {
	case KIND_TEXT: case KIND_PATH: case KIND_SECRET: case KIND_WORD:
	case KIND_FINGERPRINT: case KIND_DSN_NOTIFY: case KIND_ACCOUNTS:
		return true;
	default:
		return false;
	}
}

static char **text_field(struct account *a, const struct command *c)
{
	return (char **)(void *)((char *)a + c->offset);
}

static const char *text_value(const struct account *a, const struct command *c)
{
	return *(char *const *)(const void *)((const char *)a + c->offset);
}

/* Scalars (bool, int, the enums) read and written as an int. */
static int scalar_value(const struct account *a, const struct command *c)
{
	const void *field = (const char *)a + c->offset;

	switch (c->kind) {
	case KIND_BOOL:     return *(const bool *)field;
	case KIND_TLS:      return (int)*(const enum tls_setting *)field;
	case KIND_PROTOCOL: return (int)*(const enum smtp_protocol *)field;
	case KIND_QUEUE:    return (int)*(const enum queue_setting *)field;
	default:            return *(const int *)field;
	}
}

static void set_scalar(struct account *a, const struct command *c, int value)
{
	void *field = (char *)a + c->offset;

	switch (c->kind) {
	case KIND_BOOL:     *(bool *)field = value != 0; break;
	case KIND_TLS:      *(enum tls_setting *)field = value ? TLS_SETTING_ON : TLS_SETTING_OFF; break;
	case KIND_PROTOCOL: *(enum smtp_protocol *)field = value ? PROTOCOL_LMTP : PROTOCOL_SMTP; break;
	case KIND_QUEUE:    *(enum queue_setting *)field = (enum queue_setting)value; break;
	default:            *(int *)field = value; break;
	}
}

/* Takes ownership of `value` (may be NULL); the old value is wiped if secret. */
static void replace_text(struct account *a, const struct command *c, char *value)
{
	char **field = text_field(a, c);

	if (*field && c->kind == KIND_SECRET)
		explicit_bzero(*field, strlen(*field));
	free(*field);
	*field = value;
}

static int copy_setting(struct account *dst, const struct account *src,
                        const struct command *c)
{
	if (holds_text(c)) {
		const char *value = text_value(src, c);
		char *copy = NULL;

		if (value && !(copy = strdup(value)))
			return -1;
		replace_text(dst, c, copy);
	} else {
		set_scalar(dst, c, scalar_value(src, c));
	}
	return 0;
}

/* The built-in defaults, before any `defaults` line. */
static void init_account(struct account *a)
{
	memset(a, 0, sizeof(*a));
	a->timeout = CONFIG_DEFAULT_TIMEOUT;
	a->tls = TLS_SETTING_ON;      /* unlike msmtp: plain text must be asked for */
	a->tls_starttls = true;
	a->protocol = PROTOCOL_SMTP;
	a->remove_bcc_headers = true;
	a->allow_from_override = true;
	a->add_missing_from_header = true;   /* msmtp's default; set_from_header wins */
	a->tls_certcheck = true;
	a->queue = QUEUE_OFF;
}

static void free_account(struct account *a)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (holds_text(&commands[i]))
			replace_text(a, &commands[i], NULL);
	free(a->name);
	a->name = NULL;
}

/* ------------------------------------------------------------ value words */

/* Position of `arg` in "a|b|c", or -1. */
static int choice_index(const char *words, const char *arg, bool fold_case)
{
	size_t arg_len = strlen(arg);
	int index = 0;

	for (const char *w = words;; index++) {
		size_t n = strcspn(w, "|");

		if (n == arg_len && (fold_case ? strncasecmp(w, arg, n) : strncmp(w, arg, n)) == 0)
			return index;
		if (w[n] == '\0')
			return -1;
		w += n + 1;
	}
}

/* The word at `index` of "a|b|c" (which must exist), as a new string. */
static char *choice_word(const char *words, int index)
{
	const char *w = words;

	for (int i = 0; i < index; i++)
		w += strcspn(w, "|") + 1;
	return strndup(w, strcspn(w, "|"));
}

/* "a|b|c" as "a, b or c" for error messages. */
static void describe_choices(const char *words, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const char *w = words; used < size;) {
		size_t n = strcspn(w, "|");
		const char *sep = w == words ? "" : w[n] == '\0' ? " or " : ", ";
		int wrote = snprintf(buf + used, size - used, "%s%.*s", sep, (int)n, w);

		if (wrote < 0)
			return;
		used += (size_t)wrote;
		if (w[n] == '\0')
			return;
		w += n + 1;
	}
}

/* ------------------------------------------------------------ value checks */

static bool parse_decimal(const char *s, long min, long max, long *value)
{
	long v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > max)     /* max is small, so this stops any overflow */
			return false;
	}
	if (v < min)
		return false;
	*value = v;
	return true;
}

/* 32 (SHA-256) or 20 (SHA-1) hex pairs separated by colons. */
static bool is_fingerprint(const char *s)
{
	size_t pairs = 0;

	for (;;) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return false;
		pairs++;
		s += 2;
		if (*s == '\0')
			break;
		if (*s != ':')
			return false;
		s++;
	}
	return pairs == 32 || pairs == 20;
}

/* off, never, or a comma list of success, failure and delay. */
static bool is_dsn_notify(const char *s)
{
	unsigned seen = 0;

	if (strcmp(s, "off") == 0 || strcmp(s, "never") == 0)
		return true;
	for (;;) {
		size_t n = strcspn(s, ",");
		char word[16];
		int index;

		if (n == 0 || n >= sizeof(word))
			return false;
		memcpy(word, s, n);
		word[n] = '\0';
		index = choice_index(DSN_NOTIFY_WORDS, word, false);
		if (index < 0 || (seen & (1u << index)))
			return false;      /* unknown, or named twice (RFC 3461 says once) */
		seen |= 1u << index;
		if (s[n] == '\0')
			return true;
		s += n + 1;
	}
}

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

/* ------------------------------------------------------------ storing values */

static bool has_control_character(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int store_text(struct parser *ps, struct account *a, const struct command *c,
                      const char *value)
{
	char *copy = NULL;

	/* Values end up in SMTP commands, headers and log lines: a CR or LF
	 * there would start a line of the caller's choosing. A password is
	 * only ever base64-encoded, so it may hold anything. */
	if (c->kind != KIND_SECRET && has_control_character(value))
		return parse_error(ps, "%s: the value holds a control character "
		                   "(a tab, CR, LF or the like)", c->keyword);

	if (*value && !(copy = strdup(value)))
		return out_of_memory(ps->out);
	replace_text(a, c, copy);
	return 0;
}

static int store_path(struct parser *ps, struct account *a, const struct command *c,
                      const char *value)
{
	char pwbuf[4096];
	const char *home;
	char *path;

	if (strncmp(value, "~/", 2) != 0)
		return store_text(ps, a, c, value);
	home = config_home_directory(pwbuf, sizeof(pwbuf));
	if (!home)
		return parse_error(ps, "%s: cannot expand '~/': no home directory", c->keyword);
	if (asprintf(&path, "%s/%s", home, value + 2) < 0)
		return out_of_memory(ps->out);
	replace_text(a, c, path);
	return 0;
}

static int store_word(struct parser *ps, struct account *a, const struct command *c,
                      const char *value)
{
	int index = choice_index(c->words, value, c->fold_case);
	char choices[512];
	char *word;

	if (index < 0) {
		describe_choices(c->words, choices, sizeof(choices));
		return parse_error(ps, "%s takes %s, not '%.*s'", c->keyword, choices,
		                   ECHO_MAX, value);
	}
	if (c->kind != KIND_WORD) {
		set_scalar(a, c, index);
		return 0;
	}
	/* Stored as the table spells it: "PLAIN" becomes "plain". */
	if (!(word = choice_word(c->words, index)))
		return out_of_memory(ps->out);
	replace_text(a, c, word);
	return 0;
}

static int store_on_off(struct parser *ps, struct account *a, const struct command *c,
                        const char *value)
{
	int index = choice_index("off|on", value, false);

	if (index < 0)
		return parse_error(ps, "%s takes on or off, not '%.*s'", c->keyword,
		                   ECHO_MAX, value);
	set_scalar(a, c, index);
	return 0;
}

static int store_number(struct parser *ps, struct account *a, const struct command *c,
                        const char *value)
{
	long n;

	if (!parse_decimal(value, c->min, c->max, &n))
		return parse_error(ps, "%s must be a number from %ld to %ld, not '%.*s'",
		                   c->keyword, c->min, c->max, ECHO_MAX, value);
	set_scalar(a, c, (int)n);
	return 0;
}

static int store_timeout(struct parser *ps, struct account *a, const struct command *c,
                         const char *value)
{
	long n;

	if (strcmp(value, "off") == 0) {
		set_scalar(a, c, CONFIG_TIMEOUT_OFF);
		return 0;
	}
	if (!parse_decimal(value, 1, CONFIG_TIMEOUT_MAX, &n))
		return parse_error(ps, "%s must be a number of seconds from 1 to %d or off, not '%.*s'",
		                   c->keyword, CONFIG_TIMEOUT_MAX, ECHO_MAX, value);
	set_scalar(a, c, (int)n);
	return 0;
}

/* Account names, one space between each. Whether they exist is checked at
 * the end of the file, since they may be defined further down. */
static int store_accounts(struct parser *ps, struct account *a, const struct command *c,
                          const char *value)
{
	char names[CONFIG_LINE_MAX + 1];
	size_t n = 0;

	for (const char *p = value; *p; p++) {
		if (!is_blank(*p))
			names[n++] = *p;
		else if (n > 0 && names[n - 1] != ' ')
			names[n++] = ' ';
	}
	if (n > 0 && names[n - 1] == ' ')
		n--;
	names[n] = '\0';
	return store_text(ps, a, c, names);
}

/* The argument a bare keyword stands for, or NULL when it needs one. */
static const char *implied_argument(const struct command *c)
{
	switch (c->kind) {
	case KIND_BOOL: case KIND_TLS:
		return "on";
	case KIND_TEXT: case KIND_PATH: case KIND_SECRET:
	case KIND_FINGERPRINT: case KIND_ACCOUNTS:
		return c->required ? NULL : "";
	default:
		return c->bare;
	}
}

static int store_value(struct parser *ps, struct account *a, const struct command *c,
                       const struct line *ln)
{
	const char *value = ln->argument;

	if (!ln->has_argument && !(value = implied_argument(c)))
		return parse_error(ps, "'%s' needs a value", c->keyword);
	if (c->required && !*value)
		return parse_error(ps, "'%s' needs a value", c->keyword);

	switch (c->kind) {
	case KIND_TEXT: case KIND_SECRET:
		return store_text(ps, a, c, value);
	case KIND_PATH:
		return store_path(ps, a, c, value);
	case KIND_BOOL: case KIND_TLS:
		return store_on_off(ps, a, c, value);
	case KIND_NUMBER:
		return store_number(ps, a, c, value);
	case KIND_TIMEOUT:
		return store_timeout(ps, a, c, value);
	case KIND_WORD: case KIND_PROTOCOL: case KIND_QUEUE:
		return store_word(ps, a, c, value);
	case KIND_FINGERPRINT:
		if (*value && !is_fingerprint(value))
			return parse_error(ps, "%s must be a SHA-256 or SHA-1 fingerprint "
			                   "(32 or 20 hex pairs separated by colons), not '%.*s'",
			                   c->keyword, ECHO_MAX, value);
		return store_text(ps, a, c, value);
	case KIND_DSN_NOTIFY:
		if (!is_dsn_notify(value))
			return parse_error(ps, "%s takes off, never, or a comma-separated list of "
			                   "success, failure and delay, not '%.*s'",
			                   c->keyword, ECHO_MAX, value);
		return store_text(ps, a, c, value);
	case KIND_ACCOUNTS:
		return store_accounts(ps, a, c, value);
	}
	return outcome_fail(ps->out, OUTCOME_INTERNAL, STEP, "no storage for '%s'", c->keyword);
}

/* ------------------------------------------------------------ missing features */

static bool needs_missing_feature(const struct account *a, const struct command *c)
{
	const char *value;

	if (!c->missing)
		return false;
	if (!holds_text(c))
		return scalar_value(a, c) != 0;
	value = text_value(a, c);
	return value && (!c->idle || strcmp(value, c->idle) != 0);
}

static void describe_value(const struct account *a, const struct command *c,
                           char *buf, size_t size)
{
	const char *words = c->kind == KIND_PROTOCOL || c->kind == KIND_QUEUE ? c->words : "off|on";
	const char *w = words;

	if (holds_text(c)) {
		snprintf(buf, size, "%s", text_value(a, c) ? text_value(a, c) : "");
		return;
	}
	for (int i = 0; i < scalar_value(a, c) && strchr(w, '|'); i++)
		w += strcspn(w, "|") + 1;
	snprintf(buf, size, "%.*s", (int)strcspn(w, "|"), w);
}

/* The first objection in table order, built once the account is complete so
 * that a later line turning the feature off again has cleared it. */
static void note_unsupported(const struct config *cfg, struct account *a,
                             const struct account_notes *notes)
{
	a->unsupported[0] = '\0';
	a->unsupported_keyword = NULL;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct command *c = &commands[i];
		char value[256];

		if (notes->feature_line[i] == 0)
			continue;
		describe_value(a, c, value, sizeof(value));
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
		if (copy_setting(child, parent, &commands[i]) < 0)
			return out_of_memory(ps->out);
		child_notes->set |= bit;
		child_notes->feature_line[i] = parent_notes->feature_line[i];
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
	init_account(a);        /* now owned by cfg: freed with it on any error below */
	ps->notes[index] = ps->defaults_notes;
	ps->notes[index].set = 0;
	if (!(a->name = strdup(name)))
		return out_of_memory(ps->out);
	a->origin.file = cfg->path;
	a->origin.line = ps->line;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (copy_setting(a, &ps->defaults, &commands[i]) < 0)
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
		if (keyword_is(ln, commands[i].keyword))
			return &commands[i];
	return NULL;
}

static int apply_command(struct parser *ps, const struct command *c, const struct line *ln)
{
	size_t i = (size_t)(c - commands);
	bool in_account = ps->section == SECTION_ACCOUNT;
	size_t last = ps->cfg->naccounts - 1;
	struct account *a = in_account ? &ps->cfg->accounts[last] : &ps->defaults;
	struct account_notes *notes = in_account ? &ps->notes[last] : &ps->defaults_notes;

	if (store_value(ps, a, c, ln) < 0)
		return -1;
	notes->set |= UINT64_C(1) << i;
	notes->feature_line[i] = needs_missing_feature(a, c) ? ps->line : 0;
	if (c->kind == KIND_SECRET && text_value(a, c))
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
		if (commands[i].kind == KIND_ACCOUNTS)
			fallback = &commands[i];
	for (size_t i = 0; fallback && i < cfg->naccounts; i++) {
		const char *list = text_value(&cfg->accounts[i], fallback);

		for (const char *p = list; p && *p;) {
			size_t n = strcspn(p, " ");
			char name[CONFIG_LINE_MAX + 1];

			memcpy(name, p, n);
			name[n] = '\0';
			if (!config_find(cfg, name)) {
				ps->line = ps->notes[i].feature_line[fallback - commands];
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
	init_account(&ps.defaults);

	rc = parse_text(&ps, text, len);

	free_account(&ps.defaults);
	free(ps.notes);
	if (rc < 0)
		config_free(cfg);
	return rc;
}

static const struct command *command_named(const char *keyword)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].keyword, keyword) == 0)
			return &commands[i];
	return NULL;
}

int config_override(struct account *a, const char *keyword, const char *value,
                    struct outcome *out)
{
	const struct command *c = command_named(keyword);
	struct config label = { .path = (char *)"command line" };
	char option[64];
	struct parser ps = { .cfg = &label, .out = out, .option = option };
	struct line *ln;
	int rc;

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
	if (!(ln = calloc(1, sizeof(*ln))))
		return out_of_memory(out);
	ln->keyword = c->keyword;
	ln->keyword_len = strlen(c->keyword);
	ln->has_argument = value != NULL;
	if (value)
		snprintf(ln->argument, sizeof(ln->argument), "%s", value);
	rc = store_value(&ps, a, c, ln);
	free(ln);
	if (rc < 0)
		return -1;
	if (needs_missing_feature(a, c)) {
		char shown[256];

		describe_value(a, c, shown, sizeof(shown));
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
	init_account(a);
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
		free_account(&cfg->accounts[i]);
	free(cfg->accounts);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}
