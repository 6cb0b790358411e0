/* config_command.h - the config commands: the table of keywords, how each
 * value is checked and stored in struct account, and which values need a
 * feature this version lacks.
 *
 * Internal to config.c, which reads lines and sections and says where a
 * value was written; this module judges and stores the value itself. */
#ifndef POSTIE_CONFIG_COMMAND_H
#define POSTIE_CONFIG_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "outcome.h"

#define CONFIG_LINE_MAX 4096             /* bytes per line, newline excluded; no value is longer */
#define ECHO_MAX 200                     /* how much of a bad value an error repeats */

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
	KIND_DURATION,      /* one duration (config_parse_duration) */
	KIND_DURATIONS,     /* durations separated by spaces */
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

/* A constant, so the parser can keep an array per command beside each
 * account; config_command.c checks it against the table. */
#define NCOMMANDS 48

/* Every command, in the order "not supported yet" objections are considered. */
extern const struct command config_commands[NCOMMANDS];

/* The built-in defaults, before any `defaults` line. */
void config_init_account(struct account *a);

/* Free the account's strings (wiping the secret) and its name. */
void config_free_account(struct account *a);

/* The text setting `c` of `a` (NULL when unset); `c` must hold text. */
const char *config_text_value(const struct account *a, const struct command *c);

/* Give `dst` the value `src` has for `c`. -1: out of memory. */
int config_copy_setting(struct account *dst, const struct account *src,
                 const struct command *c);

/* Check `argument` (NULL: the keyword stood alone) and store it in `a`.
 * A value the command does not take: -1 with the reason in `refusal`, for
 * the caller to prefix with where the value was written ("FILE:LINE: " or
 * "option --x: "). Any other failure (out of memory): -1 with `out` filled
 * and `refusal` left empty. */
int config_store_value(struct account *a, const struct command *c, const char *argument,
                char *refusal, size_t refusal_size, struct outcome *out);

/* Whether the value `a` has for `c` needs a feature this version lacks. */
bool config_needs_missing_feature(const struct account *a, const struct command *c);

/* The value `a` has for `c` as a config line would spell it. */
void config_describe_value(const struct account *a, const struct command *c,
                    char *buf, size_t size);

#endif
