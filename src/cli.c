/* cli.c - sendmail-compatible command-line parsing.
 *
 * sendmail's syntax is older than getopt conventions: option arguments may
 * be attached (-fuser@x) or separate (-f user@x), -o, -b, -e and -q take
 * letters glued on (-oi, -bp, -qI<id>), and many historical options must be
 * accepted and ignored because callers pass whatever the sendmail they were
 * written for understood. So the parser is written out by hand instead of
 * using getopt_long. Long options (--name=value) cover our own switches and
 * one per config command, kept in tables below. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define STEP "usage"
#define ECHO_MAX 64             /* longest piece of an argument we quote back */
#define ENVID_MAX 100           /* RFC 3461 ENVID length limit */

static const char usage_line[] =
	"usage: %s [-t] [-i] [-f sender] [-a account] [-C file] [option...] [--] recipient...\n";

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
	      "Sending:\n"
	      "  -t, --read-recipients   also send to the To, Cc and Bcc addresses of the message\n"
	      "  --read-envelope-from    take the envelope sender from the From: header\n"
	      "  -f ADDR, -r ADDR        envelope sender (MAIL FROM); also --from=ADDR\n"
	      "  -F NAME                 full name of the sender\n"
	      "  -i, -oi                 a line holding a single '.' does not end the message\n"
	      "  -C FILE, --file=FILE    read this configuration file\n"
	      "  -a NAME, --account=NAME use this account instead of the default one\n"
	      "  -v, --verbose, --debug  show the SMTP conversation on standard error\n"
	      "  -odq                    put the message in the queue without sending it now\n"
	      "  --status-json           print the outcome as one JSON object on standard output\n"
	      "\n"
	      "Composing the message from arguments (instead of reading it):\n"
	      "  --subject=TEXT          the Subject (any UTF-8 text)\n"
	      "  --body=TEXT             the body text; else --body-file, else standard input\n"
	      "  --body-file=FILE        read the body text from FILE ('-': standard input)\n"
	      "  --attach=FILE[;type=T][;name=N]  attach a file (repeatable)\n"
	      "  --header='Name: value'  add a header field (repeatable)\n"
	      "  --cc=ADDR, --bcc=ADDR   more recipients, shown in Cc or in no header\n"
	      "  --charset=NAME          the body's character set when it is not UTF-8\n"
	      "\n"
	      "Delivery status notifications (RFC 3461):\n"
	      "  -N never|LIST           notify on: never, or a list of success,failure,delay\n"
	      "  -R full|hdrs            return the full message or its headers only\n"
	      "  -V ENVID                envelope identifier (printable ASCII, at most 100)\n"
	      "  -B 7BIT|8BITMIME        body type\n"
	      "\n"
	      "Modes:\n"
	      "  -bm                     send a message (the default)\n"
	      "  -bp, mailq              list the queue\n"
	      "  -q, -q30m               send every queued message now (an interval is ignored)\n"
	      "  --queue-run             send the queued messages whose next attempt is due\n"
	      "  -qI ID                  send one queued message now\n"
	      "  --queue-delete ID       remove a message from the queue\n"
	      "  --queue-hold ID         keep a queued message from being sent\n"
	      "  --queue-release ID      let a held message be sent again\n"
	      "  -bs                     speak SMTP on standard input and output\n"
	      "  -bi, newaliases         check the aliases file\n"
	      "  -S, --serverinfo        print what the account's server offers\n"
	      "  -P, --pretend           print the configuration that would be used\n"
	      "  --check                 check config, DNS, connect, TLS and AUTH; send nothing\n"
	      "  -V, --version           print the version and exit (-V alone or before an option)\n"
	      "  --help                  print this help and exit\n"
	      "\n"
	      "Config commands as options (override the account; '_' written as '-'):\n"
	      "  --host= --port= --timeout= --source-ip= --domain= --proxy-host= --proxy-port=\n"
	      "  --tls[=] --tls-starttls[=] --tls-trust-file= --tls-crl-file= --tls-fingerprint=\n"
	      "  --tls-key-file= --tls-cert-file= --tls-certcheck[=] --tls-priorities=\n"
	      "  --tls-host-override= --tls-min-dh-prime-bits= --auth[=] --user= --passwordeval=\n"
	      "  --set-from-header= --set-date-header= --set-msgid-header= --remove-bcc-headers[=]\n"
	      "  --undisclosed-recipients[=] --dsn-notify= --dsn-return= --aliases= --logfile=\n"
	      "  --logfile-time-format= --syslog[=] --protocol= --auto-from[=] --maildomain=\n"
	      "  --allow-from-override[=] --partial-delivery[=] --log-format= --queue=\n"
	      "  --queue-dir= --queue-max-age= --fallback= --status-format=\n"
	      "  Options marked [=] may stand alone (on) or take a value attached (--tls=off).\n"
	      "\n"
	      "Accepted and ignored for compatibility: -oX..., -h N, -L LABEL, -X FILE,\n"
	      "-n, -G, -U, -m, -em, -ep, -eq, -ee, -ew.\n"
	      "\n"
	      "Exit status follows sysexits.h: 0 delivered, 75 temporary failure (try again),\n"
	      "other values say what went wrong; see postie(1).\n", fp);
}

/* ------------------------------------------------------------ small helpers */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The personality chosen by the name we were called by. */
static enum cli_mode mode_for_name(const char *name)
{
	if (strcmp(name, "mailq") == 0)
		return MODE_LIST_QUEUE;
	if (strcmp(name, "newaliases") == 0)
		return MODE_CHECK_ALIASES;
	return MODE_SEND;
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive ASCII comparison of s[0..len) with a lower-case word. */
static bool word_is(const char *s, size_t len, const char *lower_word)
{
	if (strlen(lower_word) != len)
		return false;
	for (size_t k = 0; k < len; k++)
		if (ascii_lower(s[k]) != lower_word[k])
			return false;
	return true;
}

/* The value of an option that takes an argument: attached ("-fuser") or the
 * next argv element ("-f user"). */
static const char *option_value(int argc, char **argv, int *i, const char *attached,
                                const char *option, struct outcome *out)
{
	if (*attached)
		return attached;
	if (*i + 1 >= argc) {
		outcome_fail(out, OUTCOME_USAGE, STEP, "option %s needs an argument", option);
		return NULL;
	}
	return argv[++*i];
}

/* ------------------------------------------------------------ DSN and body type */

#define NOTIFY_SUCCESS 1u
#define NOTIFY_FAILURE 2u
#define NOTIFY_DELAY   4u
#define NOTIFY_HINT "write never, or a comma-separated list of success, failure and delay"

/* -N is stored in one canonical spelling per combination, so nothing needs
 * to be allocated and the order of the words given does not matter. */
static const char *const notify_lists[8] = {
	NULL, "success", "failure", "success,failure", "delay", "success,delay",
	"failure,delay", "success,failure,delay",
};

static int parse_dsn_notify(const char *value, struct invocation *inv, struct outcome *out)
{
	const char *s = value;
	unsigned int set = 0;
	bool never = false;

	for (;;) {
		size_t n = strcspn(s, ",");

		if (n == 0)
			return outcome_fail(out, OUTCOME_USAGE, STEP,
			                    "-N '%.*s' has an empty item: " NOTIFY_HINT,
			                    ECHO_MAX, value);
		if (word_is(s, n, "never"))
			never = true;
		else if (word_is(s, n, "success"))
			set |= NOTIFY_SUCCESS;
		else if (word_is(s, n, "failure"))
			set |= NOTIFY_FAILURE;
		else if (word_is(s, n, "delay"))
			set |= NOTIFY_DELAY;
		else
			return outcome_fail(out, OUTCOME_USAGE, STEP,
			                    "-N: unknown notification '%.*s': " NOTIFY_HINT,
			                    (int)(n < ECHO_MAX ? n : ECHO_MAX), s);
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	if (never && set)
		return outcome_fail(out, OUTCOME_USAGE, STEP,
		                    "-N never cannot be combined with success, failure or delay");
	inv->dsn_notify = never ? "never" : notify_lists[set];
	return 0;
}

static int parse_dsn_return(const char *value, struct invocation *inv, struct outcome *out)
{
	size_t len = strlen(value);

	if (word_is(value, len, "full"))
		inv->dsn_return = "full";
	else if (word_is(value, len, "hdrs"))
		inv->dsn_return = "hdrs";
	else
		return outcome_fail(out, OUTCOME_USAGE, STEP,
		                    "-R takes full or hdrs, not '%.*s'", ECHO_MAX, value);
	return 0;
}

static int parse_body_type(const char *value, struct invocation *inv, struct outcome *out)
{
	size_t len = strlen(value);

	if (word_is(value, len, "7bit"))
		inv->body_type = "7BIT";
	else if (word_is(value, len, "8bitmime"))
		inv->body_type = "8BITMIME";
	else
		return outcome_fail(out, OUTCOME_USAGE, STEP,
		                    "-B takes 7BIT or 8BITMIME, not '%.*s'", ECHO_MAX, value);
	return 0;
}

/* The envelope id is xtext-encoded when sent, so any printable ASCII
 * character is fine here; spaces and control characters are not. */
static int parse_envid(const char *value, struct invocation *inv, struct outcome *out)
{
	size_t len = strlen(value), encoded = 0;
	bool printable = len >= 1;

	/* RFC 3461 limits the envid as sent, where '+' and '=' take three
	 * characters each (xtext). */
	for (size_t k = 0; printable && k < len; k++) {
		printable = value[k] >= 0x21 && value[k] <= 0x7e;
		encoded += value[k] == '+' || value[k] == '=' ? 3 : 1;
	}
	if (!printable || encoded > ENVID_MAX)
		return outcome_fail(out, OUTCOME_USAGE, STEP,
		                    "-V envid must be 1 to %d printable ASCII characters "
		                    "without spaces ('+' and '=' count three)", ENVID_MAX);
	inv->dsn_envid = value;
	return 0;
}

/* -V has two meanings. sendmail's is "-V envid"; ours (and msmtp's) was
 * "-V" = print the version. The rule: an envid attached (-Vabc) or in the
 * next argument when that does not start with '-' makes it the envid; -V as
 * the last argument or followed by an option prints the version. */
static int parse_v_option(int argc, char **argv, int *i, const char *attached,
                          struct invocation *inv, struct outcome *out)
{
	if (*attached)
		return parse_envid(attached, inv, out);
	if (*i + 1 < argc && argv[*i + 1][0] != '-')
		return parse_envid(argv[++*i], inv, out);
	inv->mode = MODE_VERSION;
	return 0;
}

/* ------------------------------------------------------------ -o -b -q -e */

/* -oi is -i and -odq queues; every other -oX (-oem, -odb, -oXfoo ...) is a
 * historical sendmail option that changes nothing here. */
static int parse_o_option(const char *letters, struct invocation *inv, struct outcome *out)
{
	if (*letters == '\0')
		return outcome_fail(out, OUTCOME_USAGE, STEP, "option -o needs a letter (as in -oi)");
	if (strcmp(letters, "i") == 0)
		inv->ignore_dots = true;
	else if (strcmp(letters, "dq") == 0)
		inv->queue_only = true;
	return 0;
}

static const struct {
	const char *letter;
	const char *meaning;
} unsupported_b_modes[] = {
	{ "a", "ARPANET mode" },
	{ "d", "run as a daemon" },
	{ "D", "run as a daemon in the foreground" },
	{ "h", "print the persistent host status" },
	{ "H", "purge the persistent host status" },
	{ "P", "print the queue counts" },
	{ "t", "address test mode" },
	{ "v", "verify addresses" },
};

static int parse_b_option(const char *letters, struct invocation *inv, struct outcome *out)
{
	if (*letters == '\0')
		return outcome_fail(out, OUTCOME_USAGE, STEP,
		                    "option -b needs a mode letter (-bm, -bp, -bs or -bi)");
	if (strcmp(letters, "m") == 0)
		inv->mode = MODE_SEND;
	else if (strcmp(letters, "p") == 0)
		inv->mode = MODE_LIST_QUEUE;
	else if (strcmp(letters, "s") == 0)
		inv->mode = MODE_SMTP_STDIO;
	else if (strcmp(letters, "i") == 0)
		inv->mode = MODE_CHECK_ALIASES;
	else {
		for (size_t k = 0; k < sizeof(unsupported_b_modes) / sizeof(unsupported_b_modes[0]); k++)
			if (strcmp(letters, unsupported_b_modes[k].letter) == 0)
				return outcome_fail(out, OUTCOME_USAGE, STEP, "-b%s (%s) is not supported",
				                    letters, unsupported_b_modes[k].meaning);
		return outcome_fail(out, OUTCOME_USAGE, STEP, "-b%.*s is not supported",
		                    ECHO_MAX, letters);
	}
	return 0;
}

/* A queue-run interval as in -q30m or -q1h30m: digits and time units. */
static bool is_interval(const char *s)
{
	if (*s < '0' || *s > '9')
		return false;
	return s[strspn(s, "0123456789smhdw")] == '\0';
}

static const struct {
	char letter;
	const char *meaning;
} unsupported_q_runs[] = {
	{ 'R', "run the queue for matching recipients" },
	{ 'S', "run the queue for matching senders" },
	{ 'G', "run one queue group" },
	{ 'Q', "run the quarantined messages" },
	{ 'L', "run the lost messages" },
	{ 'p', "persistent queue runner" },
	{ '!', "negated queue selection" },
};

/* -q flushes the queue: -q and -qf as they are, -q30m (the interval of a
 * queue daemon, which we are not) ignoring the interval, -qI<id> for one
 * message. Queue selections we do not have are named in the refusal. */
static int parse_q_option(int argc, char **argv, int *i, const char *rest,
                          struct invocation *inv, struct outcome *out)
{
	inv->mode = MODE_FLUSH_QUEUE;
	if (*rest == '\0' || strcmp(rest, "f") == 0 || is_interval(rest))
		return 0;
	if (*rest == 'I') {
		inv->queue_id = option_value(argc, argv, i, rest + 1, "-qI", out);
		if (!inv->queue_id)
			return -1;
		if (*inv->queue_id == '\0')
			return outcome_fail(out, OUTCOME_USAGE, STEP, "option -qI needs a queue id");
		return 0;
	}
	for (size_t k = 0; k < sizeof(unsupported_q_runs) / sizeof(unsupported_q_runs[0]); k++)
		if (*rest == unsupported_q_runs[k].letter)
			return outcome_fail(out, OUTCOME_USAGE, STEP, "-q%c (%s) is not supported",
			                    *rest, unsupported_q_runs[k].meaning);
	return outcome_fail(out, OUTCOME_USAGE, STEP,
	                    "-q%.*s is not supported (use -q, -q30m or -qI<id>)", ECHO_MAX, rest);
}

/* -em -ep -eq -ee -ew choose how sendmail reports errors; we always report
 * them on stderr with an exit status, so they are accepted and ignored. */
static int parse_e_option(const char *letters, struct outcome *out)
{
	if (*letters == '\0')
		return outcome_fail(out, OUTCOME_USAGE, STEP,
		                    "option -e needs a letter (as in -em)");
	if (letters[1] != '\0' || !strchr("mpqew", letters[0]))
		return outcome_fail(out, OUTCOME_USAGE, STEP, "unknown option -e%.*s",
		                    ECHO_MAX, letters);
	return 0;
}

/* ------------------------------------------------------------ short options */

/* An option that takes a value, once the value is known. */
static int apply_short_value(char opt, const char *value, struct invocation *inv,
                             struct outcome *out)
{
	switch (opt) {
	case 'f': case 'r': inv->envelope_from = value; return 0;
	case 'F': inv->full_name = value; return 0;
	case 'C': inv->config_file = value; return 0;
	case 'a': inv->account = value; return 0;
	case 'N': return parse_dsn_notify(value, inv, out);
	case 'R': return parse_dsn_return(value, inv, out);
	case 'B': return parse_body_type(value, inv, out);
	default: return 0;      /* -h hop count, -L label, -X traffic log, -O option=value,
	                         * -A submission mode: ignored */
	}
}

/* One argv element starting with a single '-'. Flags may be grouped (-ti);
 * an option that takes a value or letters ends the group. */
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
		case 'v': case 'd': inv->verbose = true; break;   /* -d: msmtp's --debug */
		case 'S': inv->mode = MODE_SERVERINFO; break;
		case 'P': inv->mode = MODE_PRETEND; break;
		case 'n': case 'G': case 'U': case 'm':
			break;  /* no aliasing, gateway, initial submission, me too: ignored */
		case 'o': return parse_o_option(p, inv, out);
		case 'b': return parse_b_option(p, inv, out);
		case 'e': return parse_e_option(p, out);
		case 'q': return parse_q_option(argc, argv, i, p, inv, out);
		case 'V': return parse_v_option(argc, argv, i, p, inv, out);
		case 'f': case 'r': case 'F': case 'C': case 'a':
		case 'N': case 'R': case 'B': case 'h': case 'L': case 'X': case 'O': case 'A':
			value = option_value(argc, argv, i, p, name, out);
			if (!value)
				return -1;
			return apply_short_value(opt, value, inv, out);
		default:
			return outcome_fail(out, OUTCOME_USAGE, STEP, "unknown option -%c", opt);
		}
	}
	return 0;
}

/* ------------------------------------------------------------ long options */

enum value_rule {
	VALUE_NONE,             /* --help */
	VALUE_REQUIRED,         /* --host=x or --host x */
	VALUE_OPTIONAL,         /* --tls or --tls=off; never the next word, which
	                         * could be a recipient */
};

enum long_action {
	ACT_MODE,
	ACT_READ_RECIPIENTS,
	ACT_READ_ENVELOPE_FROM,
	ACT_VERBOSE,
	ACT_ACCOUNT,
	ACT_CONFIG_FILE,
	ACT_ENVELOPE_FROM,
	ACT_QUEUE_RUN,
	ACT_QUEUE_ID,           /* a queue command on one message: the mode says which */
	ACT_SUBJECT,            /* composing: one text each */
	ACT_BODY,
	ACT_BODY_FILE,
	ACT_CHARSET,
	ACT_ATTACH,             /* composing: lists */
	ACT_HEADER,
	ACT_CC,
	ACT_BCC,
	ACT_STATUS_JSON,
};

static const struct {
	const char *name;
	enum value_rule rule;
	enum long_action action;
	enum cli_mode mode;     /* for ACT_MODE */
} own_options[] = {
	{ "version", VALUE_NONE, ACT_MODE, MODE_VERSION },
	{ "help", VALUE_NONE, ACT_MODE, MODE_HELP },
	{ "serverinfo", VALUE_NONE, ACT_MODE, MODE_SERVERINFO },
	{ "pretend", VALUE_NONE, ACT_MODE, MODE_PRETEND },
	{ "check", VALUE_NONE, ACT_MODE, MODE_CHECK },
	{ "read-recipients", VALUE_NONE, ACT_READ_RECIPIENTS, MODE_SEND },
	{ "read-envelope-from", VALUE_NONE, ACT_READ_ENVELOPE_FROM, MODE_SEND },
	{ "verbose", VALUE_NONE, ACT_VERBOSE, MODE_SEND },
	{ "debug", VALUE_NONE, ACT_VERBOSE, MODE_SEND },
	{ "account", VALUE_REQUIRED, ACT_ACCOUNT, MODE_SEND },
	{ "file", VALUE_REQUIRED, ACT_CONFIG_FILE, MODE_SEND },
	{ "from", VALUE_REQUIRED, ACT_ENVELOPE_FROM, MODE_SEND },
	{ "queue-run", VALUE_NONE, ACT_QUEUE_RUN, MODE_FLUSH_QUEUE },
	{ "queue-delete", VALUE_REQUIRED, ACT_QUEUE_ID, MODE_QUEUE_DELETE },
	{ "queue-hold", VALUE_REQUIRED, ACT_QUEUE_ID, MODE_QUEUE_HOLD },
	{ "queue-release", VALUE_REQUIRED, ACT_QUEUE_ID, MODE_QUEUE_RELEASE },
	{ "subject", VALUE_REQUIRED, ACT_SUBJECT, MODE_SEND },
	{ "body", VALUE_REQUIRED, ACT_BODY, MODE_SEND },
	{ "body-file", VALUE_REQUIRED, ACT_BODY_FILE, MODE_SEND },
	{ "charset", VALUE_REQUIRED, ACT_CHARSET, MODE_SEND },
	{ "attach", VALUE_REQUIRED, ACT_ATTACH, MODE_SEND },
	{ "header", VALUE_REQUIRED, ACT_HEADER, MODE_SEND },
	{ "cc", VALUE_REQUIRED, ACT_CC, MODE_SEND },
	{ "bcc", VALUE_REQUIRED, ACT_BCC, MODE_SEND },
	{ "status-json", VALUE_NONE, ACT_STATUS_JSON, MODE_SEND },
};

/* One long option per config command: --tls-trust-file is tls_trust_file.
 * The value is checked later by config.c, which knows each command. On/off
 * commands may stand alone, meaning what the bare command means. */
static const struct {
	const char *keyword;
	enum value_rule rule;
} config_options[] = {
	{ "host", VALUE_REQUIRED },
	{ "port", VALUE_REQUIRED },
	{ "timeout", VALUE_REQUIRED },
	{ "source_ip", VALUE_REQUIRED },
	{ "domain", VALUE_REQUIRED },
	{ "proxy_host", VALUE_REQUIRED },
	{ "proxy_port", VALUE_REQUIRED },
	{ "tls", VALUE_OPTIONAL },
	{ "tls_starttls", VALUE_OPTIONAL },
	{ "tls_trust_file", VALUE_REQUIRED },
	{ "tls_crl_file", VALUE_REQUIRED },
	{ "tls_fingerprint", VALUE_REQUIRED },
	{ "tls_key_file", VALUE_REQUIRED },
	{ "tls_cert_file", VALUE_REQUIRED },
	{ "tls_certcheck", VALUE_OPTIONAL },
	{ "tls_priorities", VALUE_REQUIRED },
	{ "tls_host_override", VALUE_REQUIRED },
	{ "tls_min_dh_prime_bits", VALUE_REQUIRED },
	{ "auth", VALUE_OPTIONAL },
	{ "user", VALUE_REQUIRED },
	{ "passwordeval", VALUE_REQUIRED },
	{ "set_from_header", VALUE_REQUIRED },
	{ "set_date_header", VALUE_REQUIRED },
	{ "set_msgid_header", VALUE_REQUIRED },
	{ "remove_bcc_headers", VALUE_OPTIONAL },
	{ "undisclosed_recipients", VALUE_OPTIONAL },
	{ "dsn_notify", VALUE_REQUIRED },
	{ "dsn_return", VALUE_REQUIRED },
	{ "aliases", VALUE_REQUIRED },
	{ "logfile", VALUE_REQUIRED },
	{ "logfile_time_format", VALUE_REQUIRED },
	{ "syslog", VALUE_OPTIONAL },
	{ "protocol", VALUE_REQUIRED },
	{ "auto_from", VALUE_OPTIONAL },
	{ "maildomain", VALUE_REQUIRED },
	{ "allow_from_override", VALUE_OPTIONAL },
	{ "partial_delivery", VALUE_OPTIONAL },
	{ "log_format", VALUE_REQUIRED },
	{ "status_format", VALUE_REQUIRED },
	{ "queue", VALUE_REQUIRED },
	{ "queue_dir", VALUE_REQUIRED },
	{ "queue_max_age", VALUE_REQUIRED },
	{ "fallback", VALUE_REQUIRED },
};

#define COUNT(table) (sizeof(table) / sizeof((table)[0]))

/* Does the option name (not terminated) spell this config keyword, with
 * '-' where the keyword has '_'? */
static bool names_keyword(const char *name, size_t len, const char *keyword)
{
	if (strlen(keyword) != len)
		return false;
	for (size_t k = 0; k < len; k++)
		if (name[k] != (keyword[k] == '_' ? '-' : keyword[k]))
			return false;
	return true;
}

/* The value of a long option by its rule; *value stays NULL for a bare
 * optional one. Returns -1 when the rule is broken. */
static int long_value(int argc, char **argv, int *i, const char *name, size_t len,
                      const char *eq, enum value_rule rule, const char **value,
                      struct outcome *out)
{
	*value = NULL;
	switch (rule) {
	case VALUE_NONE:
		if (eq)
			return outcome_fail(out, OUTCOME_USAGE, STEP, "option --%.*s takes no value",
			                    (int)len, name);
		return 0;
	case VALUE_OPTIONAL:
		*value = eq ? eq + 1 : NULL;
		return 0;
	case VALUE_REQUIRED:
		if (eq)
			*value = eq + 1;
		else if (*i + 1 < argc)
			*value = argv[++*i];
		else
			return outcome_fail(out, OUTCOME_USAGE, STEP,
			                    "option --%.*s needs an argument", (int)len, name);
		return 0;
	}
	return 0;
}

/* A composing option that takes one text: given twice is a mistake. */
static int set_once(const char **field, const char *value, const char *option,
                    struct outcome *out)
{
	if (*field)
		return outcome_fail(out, OUTCOME_USAGE, STEP, "option --%s given twice", option);
	*field = value;
	return 0;
}

static int apply_compose_option(size_t which, char *value, struct invocation *inv,
                                struct outcome *out)
{
	const char *name = own_options[which].name;

	inv->compose = true;
	switch (own_options[which].action) {
	case ACT_SUBJECT: return set_once(&inv->subject, value, name, out);
	case ACT_BODY: return set_once(&inv->body, value, name, out);
	case ACT_BODY_FILE: return set_once(&inv->body_file, value, name, out);
	case ACT_CHARSET: return set_once(&inv->charset, value, name, out);
	case ACT_ATTACH: inv->attachments[inv->nattachments++] = value; return 0;
	case ACT_HEADER: inv->headers[inv->nheaders++] = value; return 0;
	case ACT_CC: inv->cc[inv->ncc++] = value; return 0;
	case ACT_BCC: inv->bcc[inv->nbcc++] = value; return 0;
	default: return 0;
	}
}

static int apply_own_option(size_t which, const char *value, struct invocation *inv,
                            struct outcome *out)
{
	switch (own_options[which].action) {
	case ACT_SUBJECT: case ACT_BODY: case ACT_BODY_FILE: case ACT_CHARSET:
	case ACT_ATTACH: case ACT_HEADER: case ACT_CC: case ACT_BCC:
		/* value points into argv, which is the caller's and writable */
		return apply_compose_option(which, (char *)value, inv, out);
	case ACT_STATUS_JSON: inv->status_json = true; break;
	case ACT_MODE: inv->mode = own_options[which].mode; break;
	case ACT_READ_RECIPIENTS: inv->read_recipients = true; break;
	case ACT_READ_ENVELOPE_FROM: inv->read_envelope_from = true; break;
	case ACT_VERBOSE: inv->verbose = true; break;
	case ACT_ACCOUNT: inv->account = value; break;
	case ACT_CONFIG_FILE: inv->config_file = value; break;
	case ACT_ENVELOPE_FROM: inv->envelope_from = value; break;
	case ACT_QUEUE_RUN:
		inv->mode = MODE_FLUSH_QUEUE;
		inv->queue_due_only = true;
		break;
	case ACT_QUEUE_ID:
		inv->mode = own_options[which].mode;
		inv->queue_id = value;
		break;
	}
	return 0;
}

/* Long options: "--name=value", "--name value", or "--name". */
static int parse_long(int argc, char **argv, int *i, struct invocation *inv,
                      struct outcome *out)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const char *value;

	/* Refused whatever its form, and before a value could be consumed: a
	 * password in argv is visible to every user through ps and /proc. */
	if (names_keyword(name, len, "password"))
		return outcome_fail(out, OUTCOME_USAGE, STEP,
		                    "passwords are not accepted on the command line (other users "
		                    "can read it): use passwordeval or ~/.netrc");
	for (size_t k = 0; k < COUNT(own_options); k++) {
		if (!names_keyword(name, len, own_options[k].name))
			continue;
		if (long_value(argc, argv, i, name, len, eq, own_options[k].rule, &value, out) < 0)
			return -1;
		return apply_own_option(k, value, inv, out);
	}
	for (size_t k = 0; k < COUNT(config_options); k++) {
		if (!names_keyword(name, len, config_options[k].keyword))
			continue;
		if (long_value(argc, argv, i, name, len, eq, config_options[k].rule, &value, out) < 0)
			return -1;
		inv->overrides[inv->noverrides].keyword = config_options[k].keyword;
		inv->overrides[inv->noverrides].value = value;
		inv->noverrides++;
		return 0;
	}
	return outcome_fail(out, OUTCOME_USAGE, STEP, "unknown option --%.*s",
	                    (int)(len < ECHO_MAX ? len : ECHO_MAX), name);
}

/* ------------------------------------------------------------ the whole line */

static const struct config_override *find_override(const struct invocation *inv,
                                                   const char *keyword)
{
	for (size_t k = 0; k < inv->noverrides; k++)
		if (strcmp(inv->overrides[k].keyword, keyword) == 0)
			return &inv->overrides[k];
	return NULL;
}

static bool called_as_sendmail(const char *progname)
{
	return strcmp(progname, "sendmail") == 0 || strcmp(progname, "send-mail") == 0;
}

/* Rules about options together, once all are known. */
static int check_combination(struct invocation *inv, struct outcome *out)
{
	static const char *const config_file_only[] = { "passwordeval", "logfile" };

	/* As sendmail, postie takes command lines that others build, as PHP's
	 * mail() does from a web form (CVE-2016-10033 was -X FILE): no option
	 * may run a command or write a file of the caller's choosing. */
	for (size_t k = 0; called_as_sendmail(inv->progname) && k < COUNT(config_file_only); k++)
		if (find_override(inv, config_file_only[k]))
			return outcome_fail(out, OUTCOME_USAGE, STEP,
			                    "called as %s, postie takes --%s only from the config "
			                    "file (a command line may be built by others)",
			                    inv->progname, config_file_only[k]);
	if (inv->compose || inv->status_json) {
		if (inv->mode != MODE_SEND)
			return outcome_fail(out, OUTCOME_USAGE, STEP, "%s is for sending a message: it "
			                    "cannot be combined with another mode (-bs, -bp, -q, ...)",
			                    inv->compose ? "composing from arguments" : "--status-json");
		/* Attaching reads a file of the caller's choosing and mails it:
		 * not for command lines that others may build (see above). */
		if (called_as_sendmail(inv->progname) && (inv->nattachments || inv->body_file))
			return outcome_fail(out, OUTCOME_USAGE, STEP,
			                    "called as %s, postie does not take --%s (a command line "
			                    "may be built by others): call it as postie",
			                    inv->progname, inv->nattachments ? "attach" : "body-file");
	}
	if (inv->compose && inv->read_recipients)
		return outcome_fail(out, OUTCOME_USAGE, STEP,
		                    "-t reads the recipients from the message, but a composed "
		                    "message takes them from the arguments, --cc and --bcc");
	if (inv->body && inv->body_file)
		return outcome_fail(out, OUTCOME_USAGE, STEP,
		                    "--body and --body-file both give the body: use one");
	if (find_override(inv, "host")) {
		/* msmtp's rule: --host is an account made of options alone. */
		if (inv->account || inv->config_file)
			return outcome_fail(out, OUTCOME_USAGE, STEP,
			                    "--host makes an account from the command line: "
			                    "it cannot be combined with %s", inv->account ? "-a" : "-C");
		if (!inv->envelope_from)
			inv->read_envelope_from = true;
	}
	return 0;
}

int cli_parse(int argc, char **argv, struct invocation *inv, struct outcome *out)
{
	bool options_done = false;
	size_t slots = (size_t)(argc > 0 ? argc : 1);

	memset(inv, 0, sizeof(*inv));
	inv->progname = argc > 0 ? base_name(argv[0]) : "postie";
	inv->mode = mode_for_name(inv->progname);
	/* Options may follow recipients (callers written for GNU getopt rely on
	 * it), so recipients are collected apart from argv. Every recipient and
	 * every override uses up at least one argument, so argc bounds both. */
	inv->rcpts = calloc(slots, sizeof(*inv->rcpts));
	inv->overrides = calloc(slots, sizeof(*inv->overrides));
	inv->attachments = calloc(slots, sizeof(*inv->attachments));
	inv->headers = calloc(slots, sizeof(*inv->headers));
	inv->cc = calloc(slots, sizeof(*inv->cc));
	inv->bcc = calloc(slots, sizeof(*inv->bcc));
	if (!inv->rcpts || !inv->overrides || !inv->attachments || !inv->headers || !inv->cc ||
	    !inv->bcc)
		return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");

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
	return check_combination(inv, out);
}

void cli_free(struct invocation *inv)
{
	free(inv->rcpts);
	inv->rcpts = NULL;
	inv->nrcpts = 0;
	free(inv->overrides);
	inv->overrides = NULL;
	inv->noverrides = 0;
	free(inv->attachments);
	free(inv->headers);
	free(inv->cc);
	free(inv->bcc);
	inv->attachments = inv->headers = inv->cc = inv->bcc = NULL;
	inv->nattachments = inv->nheaders = inv->ncc = inv->nbcc = 0;
}
