/* cli.h - sendmail-compatible command line -> struct invocation.
 *
 * The name we are called by picks the personality: `mailq` lists the queue,
 * `newaliases` checks the aliases file, anything else (postie, sendmail) is
 * sendmail. Options follow sendmail (-t -i -f -F -oX -bX -q -N -R -V -B ...)
 * plus a long option for every config command, as msmtp names them. */
#ifndef POSTIE_CLI_H
#define POSTIE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "outcome.h"

enum cli_mode {
	MODE_SEND = 0,      /* read a message and submit it (-bm, the default) */
	MODE_VERSION,       /* --version, or -V with nothing after it */
	MODE_HELP,          /* --help */
	MODE_LIST_QUEUE,    /* -bp, or called as mailq */
	MODE_FLUSH_QUEUE,   /* -q[interval], -qI<id> */
	MODE_CHECK_ALIASES, /* -bi, or called as newaliases */
	MODE_SMTP_STDIO,    /* -bs: speak SMTP on stdin/stdout */
	MODE_SERVERINFO,    /* -S, --serverinfo */
	MODE_PRETEND,       /* -P, --pretend */
	MODE_CHECK,         /* --check */
	MODE_QUEUE_DELETE,  /* --queue-delete ID */
	MODE_QUEUE_HOLD,    /* --queue-hold ID */
	MODE_QUEUE_RELEASE, /* --queue-release ID */
};

/* A config command given as a long option (--host=x is keyword "host",
 * --tls-trust-file=f is "tls_trust_file"). value is NULL when the option
 * was given without one (--tls, --auth): the command's bare meaning. */
struct config_override {
	const char *keyword;    /* static string, the config keyword */
	const char *value;      /* points into argv, or NULL */
};

struct invocation {
	enum cli_mode mode;
	const char *progname;        /* basename of argv[0] */
	bool read_recipients;        /* -t */
	bool ignore_dots;            /* -i, -oi */
	bool verbose;                /* -v */
	bool read_envelope_from;     /* --read-envelope-from: sender from the From: header */
	bool queue_only;             /* -odq */
	const char *envelope_from;   /* -f / -r, NULL when not given */
	const char *full_name;       /* -F */
	const char *config_file;     /* -C */
	const char *account;         /* -a */
	const char *dsn_notify;      /* -N: "never" or a list of success,failure,delay */
	const char *dsn_return;      /* -R: "full" or "hdrs" (lower case) */
	const char *dsn_envid;       /* -V envid */
	const char *body_type;       /* -B: "7BIT" or "8BITMIME" (upper case) */
	const char *queue_id;        /* -qI<id>, --queue-delete/hold/release ID */
	bool queue_due_only;         /* --queue-run: flush only what is due */
	/* Composing the message from arguments: `compose` is set when any of
	 * --subject, --body, --body-file, --attach, --header, --cc, --bcc or
	 * --charset is given (each list in command-line order). */
	bool compose;
	const char *subject;         /* --subject */
	const char *body;            /* --body */
	const char *body_file;       /* --body-file ("-" is stdin) */
	const char *charset;         /* --charset */
	char **attachments;          /* --attach FILE[;type=T][;name=N] */
	size_t nattachments;
	char **headers;              /* --header 'Name: value' */
	size_t nheaders;
	char **cc;                   /* --cc ADDR */
	size_t ncc;
	char **bcc;                  /* --bcc ADDR */
	size_t nbcc;
	bool status_json;            /* --status-json: the outcome as JSON on stdout */
	struct config_override *overrides;  /* in command-line order */
	size_t noverrides;
	char **rcpts;                /* recipient arguments (entries point into argv) */
	size_t nrcpts;
};

/* Parse argv. Returns 0, or -1 with OUTCOME_USAGE (step "usage") naming the
 * offending option. Pointers in *inv refer to argv, except dsn_notify,
 * dsn_return and body_type, which point to static strings. */
int cli_parse(int argc, char **argv, struct invocation *inv, struct outcome *out);

/* Release what cli_parse allocated. */
void cli_free(struct invocation *inv);

/* One usage line (for errors) and the full --help text. */
void cli_print_usage(FILE *fp, const char *progname);
void cli_print_help(FILE *fp, const char *progname);

#endif
