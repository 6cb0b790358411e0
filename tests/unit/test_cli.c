/* test_cli.c - sendmail-compatible command-line parsing. */
#include <string.h>

#include "cli.h"
#include "tap.h"

#define COUNT(table) (sizeof(table) / sizeof((table)[0]))

/* Split a command line on spaces (no quoting needed in these tests). */
static int parse(const char *line, struct invocation *inv, struct outcome *out)
{
	static char buf[512];
	static char *argv[32];
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *tok = strtok(buf, " "); tok && argc < 31; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	outcome_clear(out);
	return cli_parse(argc, argv, inv, out);
}

/* For arguments that hold spaces or are empty. */
static int parse_argv(int argc, const char *const *args, struct invocation *inv,
                      struct outcome *out)
{
	static char *argv[32];

	if (argc > 31)
		argc = 31;
	for (int k = 0; k < argc; k++)
		argv[k] = (char *)args[k];
	argv[argc] = NULL;
	outcome_clear(out);
	return cli_parse(argc, argv, inv, out);
}

static void test_options(void)
{
	struct invocation inv;
	struct outcome out;

	is_int(parse("/usr/sbin/sendmail -t -i -f me@x.org -F Me -C /tmp/c -a work a@b c@d", &inv, &out),
	       0, "full sendmail line parses");
	is_str(inv.progname, "sendmail", "progname is the base name");
	is_int(inv.mode, MODE_SEND, "sendmail sends");
	ok(inv.read_recipients && inv.ignore_dots, "-t and -i set");
	is_str(inv.envelope_from, "me@x.org", "-f ADDR");
	is_str(inv.full_name, "Me", "-F NAME");
	is_str(inv.config_file, "/tmp/c", "-C FILE");
	is_str(inv.account, "work", "-a NAME");
	is_int(inv.nrcpts, 2, "two recipients");
	is_str(inv.rcpts[0], "a@b", "first recipient");
	is_str(inv.rcpts[1], "c@d", "second recipient");
	cli_free(&inv);

	parse("postie -fme@x.org -rother@y.org -oi -oem -odb -oXfoo a@b", &inv, &out);
	is_str(inv.envelope_from, "other@y.org", "attached -f/-r values, last wins");
	ok(inv.ignore_dots, "-oi is -i");
	is_int(inv.nrcpts, 1, "-o options are ignored, not recipients");
	cli_free(&inv);

	parse("postie -ti a@b", &inv, &out);
	ok(inv.read_recipients && inv.ignore_dots, "grouped flags -ti");
	cli_free(&inv);

	is_int(parse("postie -tivf me@x a@b", &inv, &out), 0, "grouped flags ending in -f");
	ok(inv.read_recipients && inv.ignore_dots && inv.verbose, "-tiv all set");
	is_str(inv.envelope_from, "me@x", "-f in a group takes the next argument");
	is_int(inv.nrcpts, 1, "one recipient after the group");
	cli_free(&inv);

	parse("postie a@b -t -v", &inv, &out);
	ok(inv.read_recipients && inv.verbose, "options after recipients (GNU getopt order)");
	is_int(inv.nrcpts, 1, "one recipient before options");
	cli_free(&inv);

	parse("postie -- -odd@x -t", &inv, &out);
	is_int(inv.nrcpts, 2, "after -- everything is a recipient");
	ok(!inv.read_recipients, "-t after -- is a recipient");
	cli_free(&inv);

	parse("postie - a@b", &inv, &out);
	is_int(inv.nrcpts, 2, "a lone - is a recipient");
	cli_free(&inv);

	parse("postie --read-recipients --account=work --from me@x", &inv, &out);
	ok(inv.read_recipients, "--read-recipients");
	is_str(inv.account, "work", "--account=NAME");
	is_str(inv.envelope_from, "me@x", "--from NAME");
	is_int(inv.nrcpts, 0, "--from consumed its value");
	cli_free(&inv);

	parse("postie --read-envelope-from --file /tmp/rc --account work --verbose", &inv, &out);
	ok(inv.read_envelope_from, "--read-envelope-from");
	is_str(inv.config_file, "/tmp/rc", "--file FILE is -C");
	is_str(inv.account, "work", "--account NAME");
	ok(inv.verbose, "--verbose");
	cli_free(&inv);

	parse("postie --debug --file=/tmp/rc2", &inv, &out);
	ok(inv.verbose, "--debug is -v");
	is_str(inv.config_file, "/tmp/rc2", "--file=FILE");
	cli_free(&inv);

	parse("postie -v -v -vv a@x", &inv, &out);
	ok(inv.verbose, "-v may repeat");
	is_int(inv.nrcpts, 1, "repeated -v eats no recipient");
	cli_free(&inv);

	parse("postie --version", &inv, &out);
	is_int(inv.mode, MODE_VERSION, "--version");
	cli_free(&inv);
	parse("postie --help", &inv, &out);
	is_int(inv.mode, MODE_HELP, "--help");
	cli_free(&inv);
}

static void test_personality(void)
{
	static const struct {
		const char *line;
		enum cli_mode mode;
	} cases[] = {
		{ "/usr/bin/mailq", MODE_LIST_QUEUE },
		{ "mailq -v", MODE_LIST_QUEUE },
		{ "/usr/bin/newaliases", MODE_CHECK_ALIASES },
		{ "/usr/sbin/sendmail", MODE_SEND },
		{ "/usr/lib/send-mail", MODE_SEND },
		{ "postie", MODE_SEND },
		{ "/usr/bin/mailq -bm", MODE_SEND },
		{ "sendmail -bp", MODE_LIST_QUEUE },
	};
	struct invocation inv;
	struct outcome out;

	for (size_t i = 0; i < COUNT(cases); i++) {
		is_int(parse(cases[i].line, &inv, &out), 0, "'%s' parses", cases[i].line);
		is_int(inv.mode, cases[i].mode, "'%s' picks its mode", cases[i].line);
		cli_free(&inv);
	}
	parse("/usr/bin/mailq", &inv, &out);
	is_str(inv.progname, "mailq", "progname of mailq");
	cli_free(&inv);
}

/* Each of these is accepted and changes nothing: the recipient survives. */
static void test_ignored(void)
{
	static const char *const lines[] = {
		"postie -h 5 a@x", "postie -h5 a@x", "postie -L label a@x", "postie -Llabel a@x",
		"postie -X /tmp/traffic a@x", "postie -X/tmp/traffic a@x",
		"postie -n a@x", "postie -G a@x", "postie -U a@x", "postie -m a@x", "postie -nGUm a@x",
		"postie -em a@x", "postie -ep a@x", "postie -eq a@x", "postie -ee a@x", "postie -ew a@x",
		"postie -oem a@x", "postie -oee a@x", "postie -oep a@x", "postie -oeq a@x",
		"postie -oew a@x", "postie -odb a@x", "postie -odi a@x", "postie -om a@x",
		"postie -oX a@x", "postie -oXanything a@x", "postie -oQ/var/spool/mqueue a@x",
		"postie a@x -h 17",
	};
	struct invocation inv;
	struct outcome out;

	for (size_t i = 0; i < COUNT(lines); i++) {
		is_int(parse(lines[i], &inv, &out), 0, "'%s' is accepted", lines[i]);
		ok(inv.nrcpts == 1 && strcmp(inv.rcpts[0], "a@x") == 0 && inv.mode == MODE_SEND &&
		   !inv.queue_only && !inv.ignore_dots && !inv.envelope_from,
		   "'%s' is ignored and leaves one recipient", lines[i]);
		cli_free(&inv);
	}

	parse("postie -odq a@x", &inv, &out);
	ok(inv.queue_only, "-odq queues");
	is_int(inv.nrcpts, 1, "-odq eats no recipient");
	cli_free(&inv);
	parse("postie -odqx a@x", &inv, &out);
	ok(!inv.queue_only, "-odqx is not -odq");
	cli_free(&inv);
}

static void test_modes(void)
{
	static const struct {
		const char *line;
		enum cli_mode mode;
	} cases[] = {
		{ "postie -bm a@x", MODE_SEND },
		{ "postie -bp", MODE_LIST_QUEUE },
		{ "postie -bs", MODE_SMTP_STDIO },
		{ "postie -bi", MODE_CHECK_ALIASES },
		{ "postie -tbp", MODE_LIST_QUEUE },
		{ "postie -S", MODE_SERVERINFO },
		{ "postie --serverinfo", MODE_SERVERINFO },
		{ "postie -P a@x", MODE_PRETEND },
		{ "postie --pretend", MODE_PRETEND },
		{ "postie --check", MODE_CHECK },
		{ "postie -q", MODE_FLUSH_QUEUE },
		{ "postie -q30m", MODE_FLUSH_QUEUE },
		{ "postie -q1h", MODE_FLUSH_QUEUE },
		{ "postie -q1h30m", MODE_FLUSH_QUEUE },
		{ "postie -qf", MODE_FLUSH_QUEUE },
		{ "postie -v -q", MODE_FLUSH_QUEUE },
	};
	struct invocation inv;
	struct outcome out;

	for (size_t i = 0; i < COUNT(cases); i++) {
		is_int(parse(cases[i].line, &inv, &out), 0, "'%s' parses", cases[i].line);
		is_int(inv.mode, cases[i].mode, "'%s' picks its mode", cases[i].line);
		is_str(inv.queue_id, NULL, "'%s' names no queue id", cases[i].line);
		cli_free(&inv);
	}

	parse("postie -qIabc", &inv, &out);
	is_int(inv.mode, MODE_FLUSH_QUEUE, "-qIabc flushes");
	is_str(inv.queue_id, "abc", "-qIabc: attached queue id");
	cli_free(&inv);
	parse("postie -qI abc", &inv, &out);
	is_int(inv.mode, MODE_FLUSH_QUEUE, "-qI abc flushes");
	is_str(inv.queue_id, "abc", "-qI abc: separate queue id");
	is_int(inv.nrcpts, 0, "-qI abc: the id is no recipient");
	cli_free(&inv);
	parse("postie -q30m a@x", &inv, &out);
	is_int(inv.nrcpts, 1, "-q30m: the interval is no argument of its own");
	cli_free(&inv);
}

static void test_dsn(void)
{
	static const struct {
		const char *line, *notify;
	} notify[] = {
		{ "postie -N never a@x", "never" },
		{ "postie -N NEVER a@x", "never" },
		{ "postie -Nsuccess a@x", "success" },
		{ "postie -N failure a@x", "failure" },
		{ "postie -N delay a@x", "delay" },
		{ "postie -N success,failure a@x", "success,failure" },
		{ "postie -N Delay,SUCCESS a@x", "success,delay" },
		{ "postie -N failure,delay,success a@x", "success,failure,delay" },
		{ "postie -N failure,failure a@x", "failure" },
		{ "postie -N never -N delay a@x", "delay" },
	};
	struct invocation inv;
	struct outcome out;
	char envid[128];

	for (size_t i = 0; i < COUNT(notify); i++) {
		is_int(parse(notify[i].line, &inv, &out), 0, "'%s' parses", notify[i].line);
		is_str(inv.dsn_notify, notify[i].notify, "'%s' notifies", notify[i].line);
		is_int(inv.nrcpts, 1, "'%s' keeps its recipient", notify[i].line);
		cli_free(&inv);
	}

	parse("postie a@x", &inv, &out);
	ok(!inv.dsn_notify && !inv.dsn_return && !inv.dsn_envid && !inv.body_type,
	   "no DSN options: all unset");
	cli_free(&inv);

	parse("postie -R full a@x", &inv, &out);
	is_str(inv.dsn_return, "full", "-R full");
	cli_free(&inv);
	parse("postie -RHDRS a@x", &inv, &out);
	is_str(inv.dsn_return, "hdrs", "-RHDRS is hdrs");
	is_int(inv.nrcpts, 1, "-RHDRS eats no recipient");
	cli_free(&inv);

	parse("postie -B 7bit a@x", &inv, &out);
	is_str(inv.body_type, "7BIT", "-B 7bit is 7BIT");
	cli_free(&inv);
	parse("postie -B8BITMIME a@x", &inv, &out);
	is_str(inv.body_type, "8BITMIME", "-B8BITMIME");
	cli_free(&inv);

	/* -V: an envid when one follows, the version otherwise. */
	parse("postie -Vabc a@x", &inv, &out);
	is_str(inv.dsn_envid, "abc", "-Vabc is an envid");
	is_int(inv.mode, MODE_SEND, "-Vabc still sends");
	is_int(inv.nrcpts, 1, "-Vabc keeps the recipient");
	cli_free(&inv);
	parse("postie -V QQ314159@x.org a@x", &inv, &out);
	is_str(inv.dsn_envid, "QQ314159@x.org", "-V ENVID separate");
	is_int(inv.mode, MODE_SEND, "-V ENVID still sends");
	is_int(inv.nrcpts, 1, "-V ENVID took one argument");
	cli_free(&inv);
	parse("postie -tV id1 a@x", &inv, &out);
	is_str(inv.dsn_envid, "id1", "-V at the end of a group takes the next argument");
	cli_free(&inv);
	parse("postie -V", &inv, &out);
	is_int(inv.mode, MODE_VERSION, "-V alone is the version");
	cli_free(&inv);
	parse("postie a@x -V", &inv, &out);
	is_int(inv.mode, MODE_VERSION, "-V last is the version");
	cli_free(&inv);
	parse("postie -V -t", &inv, &out);
	is_int(inv.mode, MODE_VERSION, "-V before an option is the version");
	ok(inv.read_recipients && !inv.dsn_envid, "-V -t: -t still parsed, no envid");
	cli_free(&inv);

	memset(envid, 'e', 100);
	envid[100] = '\0';
	{
		const char *args[] = { "postie", "-V", envid };

		is_int(parse_argv(3, args, &inv, &out), 0, "a 100-character envid is accepted");
		is_int((long long)strlen(inv.dsn_envid), 100, "all of it kept");
		cli_free(&inv);
	}
	envid[100] = 'e';
	envid[101] = '\0';
	{
		const char *args[] = { "postie", "-V", envid };

		is_int(parse_argv(3, args, &inv, &out), -1, "a 101-character envid is refused");
		is_str(out.text, "-V envid must be 1 to 100 printable ASCII characters without spaces "
		       "('+' and '=' count three)", "too long an envid says why");
		cli_free(&inv);
	}
	{
		const char *args[] = { "postie", "-Va b", "a@x" };

		is_int(parse_argv(3, args, &inv, &out), -1, "an envid with a space is refused");
		cli_free(&inv);
	}
	{
		const char *args[] = { "postie", "-Vcaf\xc3\xa9", "a@x" };

		is_int(parse_argv(3, args, &inv, &out), -1, "a non-ASCII envid is refused");
		cli_free(&inv);
	}
	{
		const char *args[] = { "postie", "-N", "", "a@x" };

		is_int(parse_argv(4, args, &inv, &out), -1, "an empty -N is refused");
		is_str(out.text, "-N '' has an empty item: write never, or a comma-separated list "
		       "of success, failure and delay", "an empty -N says why");
		cli_free(&inv);
	}
	{
		const char *args[] = { "postie", "-R", "", "a@x" };

		is_int(parse_argv(4, args, &inv, &out), -1, "an empty -R is refused");
		cli_free(&inv);
	}
}

static void test_overrides(void)
{
	struct invocation inv;
	struct outcome out;

	is_int(parse("postie --host=mail.x --port 587 --tls --tls=off --tls-starttls=on "
	             "--source-ip=192.0.2.1 --tls-trust-file /etc/ca.pem --auth a@x", &inv, &out),
	       0, "config overrides parse");
	is_int(inv.noverrides, 8, "eight overrides");
	if (inv.noverrides == 8) {
		static const char *const want[8][2] = {
			{ "host", "mail.x" }, { "port", "587" }, { "tls", NULL }, { "tls", "off" },
			{ "tls_starttls", "on" }, { "source_ip", "192.0.2.1" },
			{ "tls_trust_file", "/etc/ca.pem" }, { "auth", NULL },
		};

		for (size_t k = 0; k < 8; k++) {
			is_str(inv.overrides[k].keyword, want[k][0], "override %zu keyword", k);
			is_str(inv.overrides[k].value, want[k][1], "override %zu value", k);
		}
	}
	is_int(inv.nrcpts, 1, "a bare --auth leaves the recipient alone");
	is_str(inv.rcpts[0], "a@x", "the recipient");
	cli_free(&inv);

	parse("postie --tls a@x --tls-certcheck b@x", &inv, &out);
	is_int(inv.nrcpts, 2, "bare on/off options never take the next word");
	is_int(inv.noverrides, 2, "two bare overrides");
	cli_free(&inv);

	parse("postie --tls= a@x", &inv, &out);
	is_str(inv.overrides[0].value, "", "--tls= gives an empty value to config.c");
	cli_free(&inv);

	{
		static const char *const every[] = {
			"host", "port", "timeout", "source-ip", "domain", "proxy-host", "proxy-port",
			"tls", "tls-starttls", "tls-trust-file", "tls-crl-file", "tls-fingerprint",
			"tls-key-file", "tls-cert-file", "tls-certcheck", "tls-priorities",
			"tls-host-override", "tls-min-dh-prime-bits", "auth", "user", "passwordeval",
			"set-from-header", "set-date-header", "set-msgid-header", "remove-bcc-headers",
			"undisclosed-recipients", "dsn-notify", "dsn-return", "aliases", "logfile",
			"logfile-time-format", "syslog", "protocol", "auto-from", "maildomain",
			"allow-from-override", "partial-delivery", "log-format", "queue", "queue-dir",
			"queue-max-age", "fallback",
		};

		for (size_t k = 0; k < COUNT(every); k++) {
			char option[64], keyword[64];
			const char *args[] = { "postie", option, "a@x" };

			snprintf(option, sizeof(option), "--%s=v", every[k]);
			snprintf(keyword, sizeof(keyword), "%s", every[k]);
			for (char *c = keyword; *c; c++)
				if (*c == '-')
					*c = '_';
			is_int(parse_argv(3, args, &inv, &out), 0, "%s is accepted", option);
			ok(inv.noverrides == 1 && strcmp(inv.overrides[0].keyword, keyword) == 0 &&
			   strcmp(inv.overrides[0].value, "v") == 0 && inv.nrcpts == 1,
			   "%s overrides %s", option, keyword);
			cli_free(&inv);
		}
	}

	{
		static const char *const forms[] = {
			"postie --password=s3cret a@x", "postie --password s3cret a@x",
			"postie --password", "postie a@x --password",
		};

		for (size_t k = 0; k < COUNT(forms); k++) {
			is_int(parse(forms[k], &inv, &out), -1, "'%s' is refused", forms[k]);
			is_str(out.text, "passwords are not accepted on the command line (other users "
			       "can read it): use passwordeval or ~/.netrc", "'%s' says why", forms[k]);
			ok(strstr(out.text, "s3cret") == NULL, "'%s' does not echo the password",
			   forms[k]);
			cli_free(&inv);
		}
	}
}

static void test_errors(void)
{
	static const struct {
		const char *line, *text;
	} bad[] = {
		{ "postie -x a@b", "unknown option -x" },
		{ "postie -tZ a@b", "unknown option -Z" },
		{ "postie -Z a@b", "unknown option -Z" },
		{ "postie --frobnicate", "unknown option --frobnicate" },
		{ "postie --source_ip=1.2.3.4", "unknown option --source_ip" },
		{ "postie --version=2", "option --version takes no value" },
		{ "postie -f", "option -f needs an argument" },
		{ "postie -C", "option -C needs an argument" },
		{ "postie -h", "option -h needs an argument" },
		{ "postie -N", "option -N needs an argument" },
		{ "postie -o", "option -o needs a letter (as in -oi)" },
		{ "postie --account", "option --account needs an argument" },
		{ "postie a@x --host", "option --host needs an argument" },
		{ "postie -b", "option -b needs a mode letter (-bm, -bp, -bs or -bi)" },
		{ "postie -bd", "-bd (run as a daemon) is not supported" },
		{ "postie -bD", "-bD (run as a daemon in the foreground) is not supported" },
		{ "postie -bv a@x", "-bv (verify addresses) is not supported" },
		{ "postie -bt", "-bt (address test mode) is not supported" },
		{ "postie -bh", "-bh (print the persistent host status) is not supported" },
		{ "postie -bH", "-bH (purge the persistent host status) is not supported" },
		{ "postie -bx", "-bx is not supported" },
		{ "postie -bpx", "-bpx is not supported" },
		{ "postie -qRexample.org", "-qR (run the queue for matching recipients) is not supported" },
		{ "postie -qR example.org", "-qR (run the queue for matching recipients) is not supported" },
		{ "postie -qSme@x", "-qS (run the queue for matching senders) is not supported" },
		{ "postie -qx", "-qx is not supported (use -q, -q30m or -qI<id>)" },
		{ "postie -q30x", "-q30x is not supported (use -q, -q30m or -qI<id>)" },
		{ "postie -qI", "option -qI needs an argument" },
		{ "postie -e", "option -e needs a letter (as in -em)" },
		{ "postie -ex", "unknown option -ex" },
		{ "postie -emm", "unknown option -emm" },
		{ "postie -N never,success a@x", "-N never cannot be combined with success, failure or delay" },
		{ "postie -N success,,delay a@x", "-N 'success,,delay' has an empty item: write never, "
		  "or a comma-separated list of success, failure and delay" },
		{ "postie -N success, a@x", "-N 'success,' has an empty item: write never, "
		  "or a comma-separated list of success, failure and delay" },
		{ "postie -N success,bogus a@x", "-N: unknown notification 'bogus': write never, "
		  "or a comma-separated list of success, failure and delay" },
		{ "postie -R body a@x", "-R takes full or hdrs, not 'body'" },
		{ "postie -B BINARYMIME a@x", "-B takes 7BIT or 8BITMIME, not 'BINARYMIME'" },
	};
	struct invocation inv;
	struct outcome out;

	for (size_t i = 0; i < COUNT(bad); i++) {
		is_int(parse(bad[i].line, &inv, &out), -1, "'%s' is refused", bad[i].line);
		is_int(out.cls, OUTCOME_USAGE, "'%s' is a usage error", bad[i].line);
		is_str(out.text, bad[i].text, "'%s' says why", bad[i].line);
		cli_free(&inv);
	}
}

/* The help names every option the parser knows, so it cannot silently fall
 * behind the tables. */
static void test_help(void)
{
	static const char *const named[] = {
		"-t", "-i", "-f ", "-F ", "-C ", "-a ", "-v", "-odq", "-N ", "-R ", "-V ", "-B ",
		"-bm", "-bp", "-bs", "-bi", "-q", "-qI", "-S", "-P", "--check", "--version",
		"--help", "--read-envelope-from", "--host=", "--tls[=]", "--fallback=",
		"--source-ip=", "--tls-min-dh-prime-bits=", "-h N", "-L LABEL", "-X FILE",
		"--subject=", "--body=", "--body-file=", "--attach=", "--header=", "--cc=",
		"--bcc=", "--charset=", "--status-json", "--status-format=",
	};
	char text[12288];
	size_t len;
	FILE *fp = tmpfile();

	if (!fp) {
		ok(0, "tmpfile for the help text");
		return;
	}
	cli_print_help(fp, "postie");
	rewind(fp);
	len = fread(text, 1, sizeof(text) - 1, fp);
	text[len] = '\0';
	fclose(fp);
	for (size_t k = 0; k < COUNT(named); k++)
		ok(strstr(text, named[k]) != NULL, "help mentions '%s'", named[k]);
}

/* Rules that look at the whole command line. */
static void test_combinations(void)
{
	struct invocation inv;
	struct outcome out;

	{
		const char *args[] = { "postie", "-d", "-O", "DeliveryMode=b", "-Am", "a@b" };

		ok(parse_argv(6, args, &inv, &out) == 0 && inv.verbose && inv.nrcpts == 1 &&
		   !strcmp(inv.rcpts[0], "a@b"), "-d is -v; -O x and -Am are ignored with their values");
		cli_free(&inv);
	}
	{
		const char *args[] = { "postie", "--host=smtp.example.org", "a@b" };

		ok(parse_argv(3, args, &inv, &out) == 0 && inv.read_envelope_from,
		   "--host without -f reads the sender from the From: header (msmtp)");
		cli_free(&inv);
	}
	{
		const char *args[] = { "postie", "--host=smtp.example.org", "-f", "me@x", "a@b" };

		ok(parse_argv(5, args, &inv, &out) == 0 && !inv.read_envelope_from,
		   "--host with -f: the sender is -f");
		cli_free(&inv);
	}
	{
		const char *args[] = { "postie", "--host=smtp.example.org", "-a", "work", "a@b" };

		ok(parse_argv(5, args, &inv, &out) == -1 && out.cls == OUTCOME_USAGE &&
		   strstr(out.text, "cannot be combined with -a"), "--host with -a is refused");
		cli_free(&inv);
	}
	{
		const char *args[] = { "/usr/sbin/sendmail", "-t", "--passwordeval=touch /tmp/x" };

		ok(parse_argv(3, args, &inv, &out) == -1 && out.cls == OUTCOME_USAGE &&
		   strstr(out.text, "--passwordeval only from the config file"),
		   "as sendmail, --passwordeval is refused (%s)", out.text);
		cli_free(&inv);
	}
	{
		const char *args[] = { "sendmail", "-t", "--logfile", "/var/www/x.php" };

		ok(parse_argv(4, args, &inv, &out) == -1 && strstr(out.text, "--logfile"),
		   "as sendmail, --logfile is refused");
		cli_free(&inv);
	}
	{
		const char *args[] = { "postie", "--passwordeval=pass show mail", "--logfile=/tmp/l", "a@b" };

		ok(parse_argv(4, args, &inv, &out) == 0 && inv.noverrides == 2,
		   "as postie, --passwordeval and --logfile are options like the others");
		cli_free(&inv);
	}
	{
		const char *args[] = { "postie", "-V", "a+b=c", "a@b" };

		ok(parse_argv(4, args, &inv, &out) == 0 && !strcmp(inv.dsn_envid, "a+b=c"),
		   "an envid with '+' and '='");
		cli_free(&inv);
	}
	{
		static char plus[40];
		const char *args[] = { "postie", "-V", plus, "a@b" };

		memset(plus, '+', 34);
		ok(parse_argv(4, args, &inv, &out) == -1 && out.cls == OUTCOME_USAGE,
		   "34 '+' are 102 characters on the wire: refused");
		cli_free(&inv);
	}
}

static void test_queue_options(void)
{
	struct invocation inv;
	struct outcome out;

	{
		const char *args[] = { "postie", "--queue-run" };

		ok(parse_argv(2, args, &inv, &out) == 0 && inv.mode == MODE_FLUSH_QUEUE &&
		   inv.queue_due_only, "--queue-run flushes what is due");
		cli_free(&inv);
	}
	{
		const char *args[] = { "postie", "-q" };

		ok(parse_argv(2, args, &inv, &out) == 0 && inv.mode == MODE_FLUSH_QUEUE &&
		   !inv.queue_due_only, "-q flushes everything");
		cli_free(&inv);
	}
	static const struct {
		const char *option;
		enum cli_mode mode;
	} edits[] = {
		{ "--queue-delete", MODE_QUEUE_DELETE },
		{ "--queue-hold", MODE_QUEUE_HOLD },
		{ "--queue-release", MODE_QUEUE_RELEASE },
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const char *args[] = { "postie", edits[i].option, "20261201T101500-abc" };
		char attached[64];
		const char *args2[] = { "postie", attached };

		ok(parse_argv(3, args, &inv, &out) == 0 && inv.mode == edits[i].mode &&
		   !strcmp(inv.queue_id, "20261201T101500-abc"), "%s ID", edits[i].option);
		cli_free(&inv);
		snprintf(attached, sizeof(attached), "%s=X1", edits[i].option);
		ok(parse_argv(2, args2, &inv, &out) == 0 && inv.mode == edits[i].mode &&
		   !strcmp(inv.queue_id, "X1"), "%s=ID", edits[i].option);
		cli_free(&inv);
		ok(parse_argv(2, args, &inv, &out) == -1 && out.cls == OUTCOME_USAGE,
		   "%s without an id is refused", edits[i].option);
		cli_free(&inv);
	}
}

/* Composing from arguments: the texts, the lists in order, and the
 * combinations that make no sense. */
static void test_compose_options(void)
{
	struct invocation inv;
	struct outcome out;
	static const char *const full[] = {
		"postie", "--subject", "Disk full", "--body=sda1 at 99%", "--attach", "/a.log",
		"--cc", "c@x", "--attach=/b.bin;type=application/x-b", "--header", "X-A: 1",
		"--bcc", "d@x", "--header=X-B: 2", "--charset", "utf-8", "--status-json", "r@x",
	};
	static const char *const bad[][4] = {
		{ "postie", "--subject", "a", "--subject=b" },
		{ "postie", "--body", "a", "--body-file=f" },
		{ "postie", "--subject", "a", "-t" },
		{ "postie", "--subject", "a", "-bs" },
		{ "postie", "--status-json", "-bp", "" },
		{ "sendmail", "--attach", "/etc/passwd", "r@x" },
		{ "sendmail", "--body-file", "/etc/shadow", "r@x" },
	};
	static const char *const why[] = {
		"--subject given twice", "--body and --body-file", "-t reads the recipients",
		"cannot be combined with another mode", "cannot be combined with another mode",
		"does not take --attach", "does not take --body-file",
	};

	is_int(parse_argv((int)COUNT(full), full, &inv, &out), 0, "a composing line parses");
	ok(inv.compose, "composing");
	is_str(inv.subject, "Disk full", "--subject TEXT");
	is_str(inv.body, "sda1 at 99%", "--body=TEXT");
	is_str(inv.charset, "utf-8", "--charset");
	ok(inv.status_json, "--status-json");
	is_int(inv.nattachments, 2, "two attachments");
	is_str(inv.attachments[1], "/b.bin;type=application/x-b", "attachments in order, spec kept");
	is_int(inv.nheaders, 2, "two header lines");
	is_str(inv.headers[1], "X-B: 2", "--header=LINE");
	ok(inv.ncc == 1 && strcmp(inv.cc[0], "c@x") == 0, "--cc");
	ok(inv.nbcc == 1 && strcmp(inv.bcc[0], "d@x") == 0, "--bcc");
	ok(inv.nrcpts == 1 && strcmp(inv.rcpts[0], "r@x") == 0, "the recipient argument");
	cli_free(&inv);

	is_int(parse("postie --status-json r@x", &inv, &out), 0, "--status-json alone");
	ok(!inv.compose && inv.status_json, "--status-json does not compose");
	cli_free(&inv);
	is_int(parse("postie r@x", &inv, &out), 0, "no composing option");
	ok(!inv.compose, "then the message comes from stdin");
	cli_free(&inv);

	for (size_t k = 0; k < COUNT(bad); k++) {
		int argc = bad[k][3][0] ? 4 : 3;

		is_int(parse_argv(argc, bad[k], &inv, &out), -1, "refused: %s %s %s", bad[k][1],
		       bad[k][2], bad[k][3]);
		ok(out.cls == OUTCOME_USAGE && strstr(out.text, why[k]), "  says why: %s", out.text);
		cli_free(&inv);
	}
}

int main(void)
{
	test_options();
	test_compose_options();
	test_combinations();
	test_queue_options();
	test_personality();
	test_ignored();
	test_modes();
	test_dsn();
	test_overrides();
	test_errors();
	test_help();
	return tap_done();
}
