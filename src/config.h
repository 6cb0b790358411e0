/* config.h - the dotfile: msmtp-compatible syntax, read and checked.
 *
 * config.c knows nothing of the network or of messages. It turns a file into
 * a list of accounts with every setting resolved (defaults, then parents, then
 * the account's own lines). config_file.c finds and reads that file.
 * account.c picks one of the accounts. */
#ifndef POSTIE_CONFIG_H
#define POSTIE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"

enum tls_setting { TLS_SETTING_OFF = 0, TLS_SETTING_ON };
enum smtp_protocol { PROTOCOL_SMTP = 0, PROTOCOL_LMTP };
enum queue_setting { QUEUE_OFF = 0, QUEUE_AUTO, QUEUE_ON };

#define CONFIG_DEFAULT_TIMEOUT 60   /* seconds, when `timeout` is not set */
#define CONFIG_TIMEOUT_OFF 600      /* `timeout off`: postie still never waits forever */

/* Where a setting was written, for error messages ("file:line"). */
struct config_origin {
	const char *file;   /* points into struct config's path; never freed separately */
	unsigned line;      /* 0: not set in any file (a built-in default) */
};

/* One account with every setting resolved. Strings are heap-allocated and
 * owned by the account (NULL when unset). */
struct account {
	char *name;
	struct config_origin origin;     /* the `account` line */

	/* --- implemented in this version --- */
	char *host;
	int port;                        /* 0: default for the protocol/TLS mode */
	int timeout;                     /* seconds, always > 0 after loading */
	char *source_ip;
	char *domain;                    /* EHLO argument; NULL: use the host name */
	char *from;                      /* envelope sender */
	char *auth;                      /* NULL or "off": none; "on"; or a mechanism name */
	enum tls_setting tls;            /* default on */
	bool tls_starttls;               /* default true */
	enum smtp_protocol protocol;
	char *logfile;
	char *logfile_time_format;
	bool remove_bcc_headers;         /* default true */
	bool allow_from_override;        /* default true */
	bool partial_delivery;           /* deliver to the accepted recipients when some are refused */

	/* --- recognised, stored for later versions --- */
	char *proxy_host;
	int proxy_port;
	char *tls_trust_file;
	char *tls_crl_file;
	char *tls_fingerprint;
	char *tls_key_file;
	char *tls_cert_file;
	bool tls_certcheck;              /* default true */
	char *tls_priorities;
	char *tls_host_override;
	int tls_min_dh_prime_bits;
	char *user;
	char *password;                  /* a secret: never printed */
	char *passwordeval;
	char *set_from_header;           /* auto|on|off */
	char *set_date_header;           /* auto|off */
	char *set_msgid_header;          /* auto|off */
	bool undisclosed_recipients;
	char *dsn_notify;
	char *dsn_return;
	bool add_missing_from_header;
	char *aliases;
	char *syslog;                    /* NULL/"off", "on", or a facility name */
	bool auto_from;
	char *maildomain;
	enum queue_setting queue;        /* default QUEUE_AUTO */
	char *queue_dir;                 /* NULL: queue_default_dir() */
	char *queue_max_age;             /* a duration (config_parse_duration); NULL: 5d */
	char *queue_retry;               /* durations between attempts; NULL: the default */
	bool bounce;                     /* default true: tell the sender of a message given up on */
	char *fallback;                  /* space-separated account names */
	char *log_format;                /* text|json */
	char *status_format;             /* text|json: json prints the outcome on stdout */

	/* The first setting of this account that needs a feature this version
	 * does not have yet, as "FILE:LINE: KEYWORD VALUE: not supported yet ...".
	 * Empty when none. Checked only when the account is actually used. */
	char unsupported[512];
	const char *unsupported_keyword;  /* the command that objection is about, or NULL */
};

struct config {
	char *path;                      /* the file read, or NULL when none was found */
	struct account *accounts;        /* in file order; "default" may be among them */
	size_t naccounts;
	bool holds_password;             /* some line sets `password` */
};

/* Find and read the config file: `explicit_path` (-C) if given, else the
 * search order of DESIGN.md. A missing file is not an error here unless it
 * was named with -C (then EX_CONFIG): cfg->path stays NULL. Syntax errors,
 * unknown commands, bad values and a password in a file readable by others
 * fail with OUTCOME_CONFIG and "FILE:LINE: ..." in the text. */
int config_load(const char *explicit_path, struct config *cfg, struct outcome *out);

/* Parse text already in memory (unit tests, fuzzing). `label` is the file
 * name used in error messages. */
int config_parse(const char *label, const char *text, size_t len,
                 struct config *cfg, struct outcome *out);

/* The files config_load() searches (when no -C is given), in order, as
 * "A, B, C", for the "no configuration file found" message. */
void config_describe_search(char *buf, size_t size);

/* The user's home: $HOME, else the password database. `buf` backs the
 * passwd lookup, so the result lives as long as it does. NULL: none known.
 * For "~/" in path settings and for the config file search. */
const char *config_home_directory(char *buf, size_t size);

/* Apply a config command given on the command line (--host=x is keyword
 * "host", value "x"; value NULL is the bare command, as `tls` alone) to an
 * account, with the same checks as a config line. Errors name the option
 * ("option --port: ..."), OUTCOME_CONFIG. */
int config_override(struct account *a, const char *keyword, const char *value,
                    struct outcome *out);

/* Append an account called `name` with the built-in defaults (no
 * `defaults` section applies), for settings that come from the command line
 * alone. The returned pointer is valid until the next change to cfg. */
struct account *config_add_account(struct config *cfg, const char *name, struct outcome *out);

/* A duration as the config writes it: "90" or "90s", "5m", "2h", "5d",
 * "1w". Returns seconds, or -1 when it is not one. */
long config_parse_duration(const char *text);

/* The account called `name`, or NULL. */
const struct account *config_find(const struct config *cfg, const char *name);

void config_free(struct config *cfg);

#endif
