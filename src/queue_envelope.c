/* queue_envelope.c - the ID.env file format of the queue: one "key value"
 * line per field, values %XX-escaped so that no line breaks, unknown keys
 * (from a newer postie) skipped. Text in, text out: the files themselves
 * are queue.c's. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "queue.h"
#include "strbuf.h"

/* Bytes that would break the line, or the escape itself, as %XX. */
static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '%';
}

static void add_line(struct strbuf *b, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	strbuf_add(b, key, strlen(key));
	strbuf_add(b, " ", 1);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
		if (needs_escape(*p))
			strbuf_add(b, esc, 3);
		else
			strbuf_add(b, (const char *)p, 1);
	}
	strbuf_add(b, "\n", 1);
}

static void add_optional(struct strbuf *b, const char *key, const char *value)
{
	if (value)
		add_line(b, key, value);
}

static void add_number(struct strbuf *b, const char *key, long long value)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", value);
	add_line(b, key, num);
}

int queue_envelope_format(const struct queue_envelope *env, char **text, size_t *len)
{
	struct strbuf b = { 0 };

	*text = NULL;
	*len = 0;
	if (!env->from || env->rcpts.n == 0) {
		errno = EINVAL;
		return -1;
	}
	add_line(&b, "version", "1");
	add_number(&b, "created", (long long)env->created);
	add_number(&b, "next_attempt", (long long)env->next_attempt);
	add_number(&b, "attempts", (long long)env->attempts);
	add_optional(&b, "account", env->account);
	add_line(&b, "from", env->from);
	for (size_t i = 0; i < env->rcpts.n; i++)
		add_line(&b, "rcpt", env->rcpts.items[i]);
	add_optional(&b, "dsn_notify", env->dsn_notify);
	add_optional(&b, "dsn_return", env->dsn_return);
	add_optional(&b, "dsn_envid", env->dsn_envid);
	add_optional(&b, "body_type", env->body_type);
	add_line(&b, "smtputf8", env->smtputf8 ? "yes" : "no");
	add_line(&b, "body_8bit", env->body_8bit ? "yes" : "no");
	add_optional(&b, "message_id", env->message_id);
	add_optional(&b, "last_reply", env->last_reply);
	if (b.failed) {
		free(b.data);
		errno = ENOMEM;
		return -1;
	}
	*text = b.data;
	*len = b.len;
	return 0;
}

enum env_key {
	KEY_VERSION, KEY_ACCOUNT, KEY_FROM, KEY_RCPT, KEY_DSN_NOTIFY, KEY_DSN_RETURN,
	KEY_DSN_ENVID, KEY_BODY_TYPE, KEY_SMTPUTF8, KEY_BODY_8BIT, KEY_MESSAGE_ID,
	KEY_CREATED, KEY_NEXT_ATTEMPT, KEY_ATTEMPTS, KEY_LAST_REPLY, KEY_COUNT, KEY_UNKNOWN
};

static const char *const key_names[KEY_COUNT] = {
	"version", "account", "from", "rcpt", "dsn_notify", "dsn_return", "dsn_envid",
	"body_type", "smtputf8", "body_8bit", "message_id", "created", "next_attempt",
	"attempts", "last_reply",
};

static enum env_key key_of(const char *key, size_t len)
{
	for (int k = 0; k < KEY_COUNT; k++)
		if (strlen(key_names[k]) == len && memcmp(key_names[k], key, len) == 0)
			return (enum env_key)k;
	return KEY_UNKNOWN;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The value with its escapes undone, malloc'd; NULL with *why set when it
 * is malformed (or holds a NUL, which no C string can). */
static char *unescape(const char *s, size_t len, const char **why)
{
	char *value = malloc(len + 1);
	size_t o = 0;

	*why = "out of memory";
	if (!value)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] != '%') {
			value[o++] = s[i];
			continue;
		}
		hi = i + 1 < len ? hex_value(s[i + 1]) : -1;
		lo = i + 2 < len ? hex_value(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			*why = hi == 0 && lo == 0 ? "NUL byte" : "bad %-escape";
			free(value);
			return NULL;
		}
		value[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	value[o] = '\0';
	return value;
}

static int parse_number(const char *value, long long max, long long *n)
{
	char *end;

	if (value[0] < '0' || value[0] > '9')
		return -1;
	errno = 0;
	*n = strtoll(value, &end, 10);
	return errno || *end || *n > max ? -1 : 0;
}

static int parse_bool(const char *value, bool *b)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) {
		*b = value[0] == 'y';
		return 0;
	}
	return -1;
}

/* Store one known key's value (taking ownership of it). Returns NULL or
 * the reason the value is refused. */
static const char *store_value(struct queue_envelope *env, enum env_key key, char *value)
{
	char **strings[KEY_COUNT] = {
		[KEY_ACCOUNT] = &env->account, [KEY_FROM] = &env->from,
		[KEY_DSN_NOTIFY] = &env->dsn_notify, [KEY_DSN_RETURN] = &env->dsn_return,
		[KEY_DSN_ENVID] = &env->dsn_envid, [KEY_BODY_TYPE] = &env->body_type,
		[KEY_MESSAGE_ID] = &env->message_id, [KEY_LAST_REPLY] = &env->last_reply,
	};
	const char *why = NULL;
	long long n = 0;

	if (strings[key]) {
		*strings[key] = value;
		return NULL;
	}
	switch (key) {
	case KEY_VERSION:
		why = strcmp(value, "1") == 0 ? NULL : "unsupported version (from a newer postie?)";
		break;
	case KEY_RCPT:
		why = address_list_add(&env->rcpts, value) == 0 ? NULL : "too many recipients";
		break;
	case KEY_SMTPUTF8:
		why = parse_bool(value, &env->smtputf8) == 0 ? NULL : "not yes or no";
		break;
	case KEY_BODY_8BIT:
		why = parse_bool(value, &env->body_8bit) == 0 ? NULL : "not yes or no";
		break;
	case KEY_CREATED:
	case KEY_NEXT_ATTEMPT:
		why = parse_number(value, LLONG_MAX, &n) == 0 ? NULL : "not a time";
		if (key == KEY_CREATED)
			env->created = (time_t)n;
		else
			env->next_attempt = (time_t)n;
		break;
	case KEY_ATTEMPTS:
		why = parse_number(value, UINT_MAX, &n) == 0 ? NULL : "not a count";
		env->attempts = (unsigned)n;
		break;
	default:
		break;
	}
	free(value);
	return why;
}

static bool valid_key(const char *key, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= '0' && key[i] <= '9') ||
		      key[i] == '_'))
			return false;
	return true;
}

/* One "key value" line (without its LF); `seen` counts each known key. */
static const char *parse_line(struct queue_envelope *env, const char *line, size_t len,
                              unsigned seen[KEY_COUNT])
{
	const char *space = memchr(line, ' ', len);
	size_t klen = space ? (size_t)(space - line) : len;
	enum env_key key;
	const char *why;
	char *value;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20)
			return "control character";
	if (!valid_key(line, klen))
		return "not a \"key value\" line";
	key = key_of(line, klen);
	if (key == KEY_UNKNOWN)
		return NULL;   /* written by a newer postie: not ours to judge */
	if (seen[key]++ && key != KEY_RCPT)
		return "key repeated";
	value = space ? unescape(space + 1, len - klen - 1, &why) : strdup("");
	if (!value)
		return space ? why : "out of memory";
	return store_value(env, key, value);
}

int queue_envelope_parse(const char *label, const char *text, size_t len,
                         struct queue_envelope *env, struct outcome *out)
{
	static const enum env_key required[] = { KEY_VERSION, KEY_FROM, KEY_RCPT, KEY_CREATED };
	unsigned seen[KEY_COUNT] = { 0 };
	unsigned lineno = 0;
	const char *why;
	size_t at = 0;

	memset(env, 0, sizeof(*env));
	while (at < len) {   /* each turn consumes one line */
		const char *nl = memchr(text + at, '\n', len - at);

		lineno++;
		why = nl ? parse_line(env, text + at, (size_t)(nl - (text + at)), seen)
		         : "the last line is cut short";
		if (why) {
			queue_envelope_free(env);
			return outcome_fail(out, OUTCOME_IO, "queue", "%s: line %u: %s", label,
			                    lineno, why);
		}
		at = (size_t)(nl - text) + 1;
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!seen[required[i]]) {
			queue_envelope_free(env);
			return outcome_fail(out, OUTCOME_IO, "queue", "%s: no \"%s\" line", label,
			                    key_names[required[i]]);
		}
	}
	return 0;
}

void queue_envelope_free(struct queue_envelope *env)
{
	char **strings[] = {
		&env->account, &env->from, &env->dsn_notify, &env->dsn_return, &env->dsn_envid,
		&env->body_type, &env->message_id, &env->last_reply,
	};

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		free(*strings[i]);
		*strings[i] = NULL;
	}
	address_list_free(&env->rcpts);
}
