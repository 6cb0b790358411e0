/* test_cli.c - sendmail-compatible command-line parsing. */
#include <string.h>

#include "cli.h"
#include "tap.h"

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

static void test_options(void)
{
	struct invocation inv;
	struct outcome out;

	is_int(parse("/usr/sbin/sendmail -t -i -f me@x.org -F Me -C /tmp/c -a work a@b c@d", &inv, &out),
	       0, "full sendmail line parses");
	is_str(inv.progname, "sendmail", "progname is the base name");
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

	parse("postie a@b -t -v", &inv, &out);
	ok(inv.read_recipients && inv.verbose, "options after recipients (GNU getopt order)");
	is_int(inv.nrcpts, 1, "one recipient before options");
	cli_free(&inv);

	parse("postie -- -odd@x -t", &inv, &out);
	is_int(inv.nrcpts, 2, "after -- everything is a recipient");
	ok(!inv.read_recipients, "-t after -- is a recipient");
	cli_free(&inv);

	parse("postie --read-recipients --account=work --from me@x", &inv, &out);
	ok(inv.read_recipients, "--read-recipients");
	is_str(inv.account, "work", "--account=NAME");
	is_str(inv.envelope_from, "me@x", "--from NAME");
	cli_free(&inv);

	parse("postie -V", &inv, &out);
	is_int(inv.mode, MODE_VERSION, "-V is version");
	cli_free(&inv);
	parse("postie --version", &inv, &out);
	is_int(inv.mode, MODE_VERSION, "--version");
	cli_free(&inv);
	parse("postie --help", &inv, &out);
	is_int(inv.mode, MODE_HELP, "--help");
	cli_free(&inv);
}

static void test_errors(void)
{
	static const struct {
		const char *line, *text;
	} bad[] = {
		{ "postie -x a@b", "unknown option -x" },
		{ "postie -tq a@b", "unknown option -q" },
		{ "postie --frobnicate", "unknown option --frobnicate" },
		{ "postie -f", "option -f needs an argument" },
		{ "postie -C", "option -C needs an argument" },
		{ "postie -o", "option -o needs a letter (as in -oi)" },
		{ "postie --account", "option --account needs an argument" },
	};
	struct invocation inv;
	struct outcome out;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(parse(bad[i].line, &inv, &out), -1, "'%s' is refused", bad[i].line);
		is_int(out.cls, OUTCOME_USAGE, "'%s' is a usage error", bad[i].line);
		is_str(out.text, bad[i].text, "'%s' says why", bad[i].line);
		cli_free(&inv);
	}
}

int main(void)
{
	test_options();
	test_errors();
	return tap_done();
}
