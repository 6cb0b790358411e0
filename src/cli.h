/* cli.h - sendmail-compatible command line -> struct invocation. */
#ifndef POSTIE_CLI_H
#define POSTIE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "outcome.h"

enum cli_mode {
	MODE_SEND = 0,    /* read a message and submit it */
	MODE_VERSION,     /* -V / --version */
	MODE_HELP,        /* --help */
};

struct invocation {
	enum cli_mode mode;
	const char *progname;        /* basename of argv[0] */
	bool read_recipients;        /* -t */
	bool ignore_dots;            /* -i, -oi */
	bool verbose;                /* -v */
	const char *envelope_from;   /* -f / -r, NULL when not given */
	const char *full_name;       /* -F */
	const char *config_file;     /* -C */
	const char *account;         /* -a */
	char **rcpts;                /* recipient arguments (entries point into argv) */
	size_t nrcpts;
};

/* Parse argv. Returns 0, or -1 with OUTCOME_USAGE (step "usage") naming the
 * offending option. Pointers in *inv refer to argv. */
int cli_parse(int argc, char **argv, struct invocation *inv, struct outcome *out);

/* One usage line (for errors) and the full --help text. */
/* Release what cli_parse allocated (the recipient array). */
void cli_free(struct invocation *inv);

void cli_print_usage(FILE *fp, const char *progname);
void cli_print_help(FILE *fp, const char *progname);

#endif
