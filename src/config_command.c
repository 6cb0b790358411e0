/* config_command.c - the config commands: the table of keywords, how each
 * value is checked and stored in struct account, and which values need a
 * feature this version lacks.
 *
 * One table says, per keyword, which field of struct account it sets, how the
 * value is checked, and whether some values need a feature this version does
 * not have yet. A refused value is described without saying where it was
 * written: config.c knows the file and line, or the command-line option. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_command.h"

#define STEP "config"
#define CONFIG_TIMEOUT_MAX 86400         /* a day: beyond that a timeout means nothing */

/* ------------------------------------------------------------ the table */

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
const struct command config_commands[] = {
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
	SETTING(queue, .kind = KIND_QUEUE, .words = "off|auto|on"),
	SETTING(queue_dir, .kind = KIND_PATH),
	SETTING(queue_max_age, .kind = KIND_DURATION),
	SETTING(queue_retry, .kind = KIND_DURATIONS),
	SETTING(bounce, .kind = KIND_BOOL),
	SETTING(fallback, .kind = KIND_ACCOUNTS),
	SETTING(log_format, .kind = KIND_WORD, .words = "text|json"),
	SETTING(status_format, .kind = KIND_WORD, .words = "text|json"),
};

_Static_assert(sizeof(config_commands) / sizeof(config_commands[0]) == NCOMMANDS,
               "NCOMMANDS in config_command.h counts the table");

/* Where the store_* functions report: a refused value's reason goes to
 * `refusal`, any other failure to `out`. */
struct store_report {
	char *refusal;
	size_t size;
	struct outcome *out;
};

static int refuse(struct store_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int refuse(struct store_report *rep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep->refusal, rep->size, fmt, ap);
	va_end(ap);
	return -1;
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
	case KIND_DURATION: case KIND_DURATIONS:
		return true;
	default:
		return false;
	}
}

static char **text_field(struct account *a, const struct command *c)
{
	return (char **)(void *)((char *)a + c->offset);
}

const char *config_text_value(const struct account *a, const struct command *c)
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

int config_copy_setting(struct account *dst, const struct account *src,
                 const struct command *c)
{
	if (holds_text(c)) {
		const char *value = config_text_value(src, c);
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
void config_init_account(struct account *a)
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
	a->queue = QUEUE_AUTO;
	a->bounce = true;
}

void config_free_account(struct account *a)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (holds_text(&config_commands[i]))
			replace_text(a, &config_commands[i], NULL);
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
long config_parse_duration(const char *text)
{
	static const struct { char unit; long seconds; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
	};
	char *end;
	long n;

	if (!text || *text < '0' || *text > '9')
		return -1;
	errno = 0;
	n = strtol(text, &end, 10);
	if (errno || n < 0 || n > 3650L * 86400)
		return -1;
	if (*end == '\0')
		return n;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (end[0] == units[i].unit && end[1] == '\0')
			return n <= 3650L * 86400 / units[i].seconds ? n * units[i].seconds : -1;
	return -1;
}

/* One duration, or (`list`) one or more separated by blanks. */
static bool are_durations(const char *s, bool list)
{
	char word[32];
	size_t count = 0;

	for (;;) {
		size_t n;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return count > 0;
		n = strcspn(s, " \t");
		if (n >= sizeof(word) || (count > 0 && !list))
			return false;
		memcpy(word, s, n);
		word[n] = '\0';
		if (config_parse_duration(word) < 0)
			return false;
		count++;
		s += n;
	}
}

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

/* ------------------------------------------------------------ storing values */

static bool has_control_character(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int store_text(struct store_report *rep, struct account *a,
                      const struct command *c, const char *value)
{
	char *copy = NULL;

	/* Values end up in SMTP commands, headers and log lines: a CR or LF
	 * there would start a line of the caller's choosing. A password is
	 * only ever base64-encoded, so it may hold anything. */
	if (c->kind != KIND_SECRET && has_control_character(value))
		return refuse(rep, "%s: the value holds a control character "
		              "(a tab, CR, LF or the like)", c->keyword);

	if (*value && !(copy = strdup(value)))
		return out_of_memory(rep->out);
	replace_text(a, c, copy);
	return 0;
}

static int store_path(struct store_report *rep, struct account *a,
                      const struct command *c, const char *value)
{
	char pwbuf[4096];
	const char *home;
	char *path;

	if (strncmp(value, "~/", 2) != 0)
		return store_text(rep, a, c, value);
	home = config_home_directory(pwbuf, sizeof(pwbuf));
	if (!home)
		return refuse(rep, "%s: cannot expand '~/': no home directory", c->keyword);
	if (asprintf(&path, "%s/%s", home, value + 2) < 0)
		return out_of_memory(rep->out);
	replace_text(a, c, path);
	return 0;
}

static int store_word(struct store_report *rep, struct account *a,
                      const struct command *c, const char *value)
{
	int index = choice_index(c->words, value, c->fold_case);
	char choices[512];
	char *word;

	if (index < 0) {
		describe_choices(c->words, choices, sizeof(choices));
		return refuse(rep, "%s takes %s, not '%.*s'", c->keyword, choices,
		              ECHO_MAX, value);
	}
	if (c->kind != KIND_WORD) {
		set_scalar(a, c, index);
		return 0;
	}
	/* Stored as the table spells it: "PLAIN" becomes "plain". */
	if (!(word = choice_word(c->words, index)))
		return out_of_memory(rep->out);
	replace_text(a, c, word);
	return 0;
}

static int store_on_off(struct store_report *rep, struct account *a,
                        const struct command *c, const char *value)
{
	int index = choice_index("off|on", value, false);

	if (index < 0)
		return refuse(rep, "%s takes on or off, not '%.*s'", c->keyword,
		              ECHO_MAX, value);
	set_scalar(a, c, index);
	return 0;
}

static int store_number(struct store_report *rep, struct account *a,
                        const struct command *c, const char *value)
{
	long n;

	if (!parse_decimal(value, c->min, c->max, &n))
		return refuse(rep, "%s must be a number from %ld to %ld, not '%.*s'",
		              c->keyword, c->min, c->max, ECHO_MAX, value);
	set_scalar(a, c, (int)n);
	return 0;
}

static int store_timeout(struct store_report *rep, struct account *a,
                         const struct command *c, const char *value)
{
	long n;

	if (strcmp(value, "off") == 0) {
		set_scalar(a, c, CONFIG_TIMEOUT_OFF);
		return 0;
	}
	if (!parse_decimal(value, 1, CONFIG_TIMEOUT_MAX, &n))
		return refuse(rep, "%s must be a number of seconds from 1 to %d or off, not '%.*s'",
		              c->keyword, CONFIG_TIMEOUT_MAX, ECHO_MAX, value);
	set_scalar(a, c, (int)n);
	return 0;
}

/* Account names, one space between each. Whether they exist is checked at
 * the end of the file, since they may be defined further down. */
static int store_accounts(struct store_report *rep, struct account *a,
                          const struct command *c, const char *value)
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
	return store_text(rep, a, c, names);
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
	case KIND_DURATION: case KIND_DURATIONS:
		return NULL;
	default:
		return c->bare;
	}
}

int config_store_value(struct account *a, const struct command *c, const char *argument,
                char *refusal, size_t refusal_size, struct outcome *out)
{
	struct store_report report = { .refusal = refusal, .size = refusal_size, .out = out };
	struct store_report *rep = &report;
	const char *value = argument;

	refusal[0] = '\0';
	if (!value && !(value = implied_argument(c)))
		return refuse(rep, "'%s' needs a value", c->keyword);
	if (c->required && !*value)
		return refuse(rep, "'%s' needs a value", c->keyword);

	switch (c->kind) {
	case KIND_TEXT: case KIND_SECRET:
		return store_text(rep, a, c, value);
	case KIND_PATH:
		return store_path(rep, a, c, value);
	case KIND_BOOL: case KIND_TLS:
		return store_on_off(rep, a, c, value);
	case KIND_NUMBER:
		return store_number(rep, a, c, value);
	case KIND_TIMEOUT:
		return store_timeout(rep, a, c, value);
	case KIND_WORD: case KIND_PROTOCOL: case KIND_QUEUE:
		return store_word(rep, a, c, value);
	case KIND_FINGERPRINT:
		if (*value && !is_fingerprint(value))
			return refuse(rep, "%s must be a SHA-256 or SHA-1 fingerprint "
			              "(32 or 20 hex pairs separated by colons), not '%.*s'",
			              c->keyword, ECHO_MAX, value);
		return store_text(rep, a, c, value);
	case KIND_DSN_NOTIFY:
		if (!is_dsn_notify(value))
			return refuse(rep, "%s takes off, never, or a comma-separated list of "
			              "success, failure and delay, not '%.*s'",
			              c->keyword, ECHO_MAX, value);
		return store_text(rep, a, c, value);
	case KIND_ACCOUNTS:
		return store_accounts(rep, a, c, value);
	case KIND_DURATION: case KIND_DURATIONS:
		if (!are_durations(value, c->kind == KIND_DURATIONS))
			return refuse(rep, "%s takes %s (as 90s, 5m, 2h, 5d or 1w), not '%.*s'",
			              c->keyword, c->kind == KIND_DURATIONS
			              ? "durations separated by spaces" : "a duration",
			              ECHO_MAX, value);
		return store_text(rep, a, c, value);
	}
	return outcome_fail(rep->out, OUTCOME_INTERNAL, STEP, "no storage for '%s'", c->keyword);
}

/* ------------------------------------------------------------ missing features */

bool config_needs_missing_feature(const struct account *a, const struct command *c)
{
	const char *value;

	if (!c->missing)
		return false;
	if (!holds_text(c))
		return scalar_value(a, c) != 0;
	value = config_text_value(a, c);
	return value && (!c->idle || strcmp(value, c->idle) != 0);
}

void config_describe_value(const struct account *a, const struct command *c,
                    char *buf, size_t size)
{
	const char *words = c->kind == KIND_PROTOCOL || c->kind == KIND_QUEUE ? c->words : "off|on";
	const char *w = words;

	if (holds_text(c)) {
		snprintf(buf, size, "%s", config_text_value(a, c) ? config_text_value(a, c) : "");
		return;
	}
	for (int i = 0; i < scalar_value(a, c) && strchr(w, '|'); i++)
		w += strcspn(w, "|") + 1;
	snprintf(buf, size, "%.*s", (int)strcspn(w, "|"), w);
}
