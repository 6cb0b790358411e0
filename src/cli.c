/* cli.c - sendmail-compatible command-line parsing.
 *
 * sendmail's syntax is older than getopt conventions: option arguments may
 * be attached (-fuser@x) or separate (-f user@x), -o and -b take a letter
 * glued on (-oi, -oem), and unknown -o options must be ignored because
 * callers pass whatever the sendmail they were written for understood. So
 * the parser is written out by hand instead of using getopt_long. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_line[] =
	"usage: %s [-t] [-i] [-f sender] [-F name] [-C file] [-a account] [-v] [--] recipient...\n";

void cli_print_usage(FILE *fp, const char *progname)
{
	fprintf(fp, usage_line, progname);
}

void cli_print_help(FILE *fp, const char *progname)
{
	cli_print_usage(fp, progname);
	fputs("\n"
	      "Submit the message on standard input to the smarthost of an account.\n"
	      "\n"
	      "  -t, --read-recipients   also send to the To, Cc and Bcc addresses of the message\n"
	      "  -f ADDR, -r ADDR        envelope sender (MAIL FROM)\n"
	      "  -F NAME                 full name of the sender\n"
	      "  -i, -oi                 a line holding a single '.' does not end the message\n"
	      "  -C FILE                 read this configuration file\n"
	      "  -a NAME, --account=NAME use this account instead of the default one\n"
	      "  -v                      show the SMTP conversation on standard error\n"
	      "  -V, --version           print the version and exit\n"
	      "  --help                  print this help and exit\n"
	      "  -oX...                  other sendmail -o options are accepted and ignored\n"
	      "\n"
	      "Exit status follows sysexits.h: 0 delivered, 75 temporary failure (try again),\n"
	      "other values say what went wrong; see postie(1).\n", fp);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The value of an option that takes an argument: attached ("-fuser") or the
 * next argv element ("-f user"). */
static const char *option_value(int argc, char **argv, int *i, const char *attached,
                                const char *option, struct outcome *out)
{
	if (*attached)
		return attached;
	if (*i + 1 >= argc) {
		outcome_fail(out, OUTCOME_USAGE, "usage", "option %s needs an argument", option);
		return NULL;
	}
	return argv[++*i];
}

/* Long options: "--name=value" or "--name value". */
static int parse_long(int argc, char **argv, int *i, struct invocation *inv,
                      struct outcome *out)
{
	const char *arg = argv[*i] + 2;
	const char *eq = strchr(arg, '=');
	size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
	const char *value = NULL;

#define LONG_IS(name) (name_len == strlen(name) && strncmp(arg, name, name_len) == 0)
	if (LONG_IS("version")) { inv->mode = MODE_VERSION; return 0; }
	if (LONG_IS("help")) { inv->mode = MODE_HELP; return 0; }
	if (LONG_IS("read-recipients")) { inv->read_recipients = true; return 0; }
	if (LONG_IS("account") || LONG_IS("from")) {
		if (eq) {
			value = eq + 1;
		} else if (*i + 1 < argc) {
			value = argv[++*i];
		} else {
			return outcome_fail(out, OUTCOME_USAGE, "usage",
			                    "option --%.*s needs an argument", (int)name_len, arg);
		}
		if (LONG_IS("account"))
			inv->account = value;
		else
			inv->envelope_from = value;
		return 0;
	}
#undef LONG_IS
	return outcome_fail(out, OUTCOME_USAGE, "usage", "unknown option --%.*s",
	                    (int)name_len, arg);
}

/* One argv element starting with a single '-'. Flags may be grouped (-ti). */
static int parse_short(int argc, char **argv, int *i, struct invocation *inv,
                       struct outcome *out)
{
	const char *p = argv[*i] + 1;

	while (*p) {
		char opt = *p++;
		char name[3] = { '-', opt, '\0' };
		const char *value;

		switch (opt) {
		case 't': inv->read_recipients = true; break;
		case 'i': inv->ignore_dots = true; break;
		case 'v': inv->verbose = true; break;
		case 'V':
			inv->mode = MODE_VERSION;
			break;
		case 'o':
			/* -oi is -i; every other -oX (-oem, -odb, -oXfoo ...) is a
			 * historical sendmail option that changes nothing here. */
			if (*p == 'i' && p[1] == '\0')
				inv->ignore_dots = true;
			else if (*p == '\0')
				return outcome_fail(out, OUTCOME_USAGE, "usage",
				                    "option -o needs a letter (as in -oi)");
			return 0;
		case 'f': case 'r': case 'F': case 'C': case 'a':
			value = option_value(argc, argv, i, p, name, out);
			if (!value)
				return -1;
			if (opt == 'f' || opt == 'r')
				inv->envelope_from = value;
			else if (opt == 'F')
				inv->full_name = value;
			else if (opt == 'C')
				inv->config_file = value;
			else
				inv->account = value;
			return 0;
		default:
			return outcome_fail(out, OUTCOME_USAGE, "usage", "unknown option -%c", opt);
		}
	}
	return 0;
}

int cli_parse(int argc, char **argv, struct invocation *inv, struct outcome *out)
{
	bool options_done = false;

	memset(inv, 0, sizeof(*inv));
	inv->progname = argc > 0 ? base_name(argv[0]) : "postie";
	/* Options may follow recipients (callers written for GNU getopt rely on
	 * it), so recipients are collected apart from argv. */
	inv->rcpts = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*inv->rcpts));
	if (!inv->rcpts)
		return outcome_fail(out, OUTCOME_OS, "usage", "out of memory");

	for (int i = 1; i < argc; i++) {
		char *arg = argv[i];

		if (options_done || arg[0] != '-' || arg[1] == '\0') {
			inv->rcpts[inv->nrcpts++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		if (arg[1] == '-' ? parse_long(argc, argv, &i, inv, out)
		                  : parse_short(argc, argv, &i, inv, out))
			return -1;
	}
	return 0;
}

void cli_free(struct invocation *inv)
{
	free(inv->rcpts);
	inv->rcpts = NULL;
	inv->nrcpts = 0;
}
