/* test_aliases.c - the local aliases file: parsing and expansion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "aliases.h"
#include "tap.h"

/* Expand the comma-separated `input` with the aliases in `text`; returns
 * the result joined by '|', or "error: TEXT" (parse or expansion). */
static char *run_expand(const char *text, const char *input)
{
	struct aliases *al = NULL;
	struct address_list in = { 0 }, result = { 0 };
	struct outcome out;
	char err[128], buf[4096];
	size_t used = 0;

	outcome_clear(&out);
	buf[0] = '\0';
	if (text && aliases_parse("aliases", text, strlen(text), &al, &out) < 0) {
		snprintf(buf, sizeof(buf), "error: %s", out.text);
		return strdup(buf);
	}
	if (address_list_parse(input, strlen(input), &in, err, sizeof(err)) < 0) {
		snprintf(buf, sizeof(buf), "bad test input: %s", err);
	} else if (aliases_expand(al, &in, &result, &out) < 0) {
		snprintf(buf, sizeof(buf), "error: %s", out.text);
	} else {
		for (size_t i = 0; i < result.n && used < sizeof(buf); i++)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
			                         i ? "|" : "", result.items[i]);
	}
	address_list_free(&in);
	address_list_free(&result);
	aliases_free(al);
	return strdup(buf);
}

struct expand_case {
	const char *name;
	const char *aliases;   /* NULL: no aliases file */
	const char *input;
	const char *want;      /* joined by '|', or "error: ..." */
};

static const struct expand_case cases[] = {
	/* plain aliases */
	{ "simple", "root: admin@example.org\n", "root", "admin@example.org" },
	{ "multiple values", "root: a@x, b@y,c@z\n", "root", "a@x|b@y|c@z" },
	{ "display names and comments in values", "root: Admin <a@x> (boss), \"B\" <b@y>\n",
	  "root", "a@x|b@y" },
	{ "address with '@' untouched", "root: a@x\n", "root@example.org", "root@example.org" },
	{ "unknown local name copied", "root: a@x\n", "bob", "bob" },
	{ "several inputs", "root: a@x\nbob: b@y\n", "root, bob, c@z", "a@x|b@y|c@z" },
	{ "no aliases: everything copied", NULL, "root, a@x", "root|a@x" },
	{ "empty file", "", "root", "root" },
	{ "last line without newline", "root: a@x", "root", "a@x" },
	{ "CRLF lines", "root: a@x\r\nbob: b@y\r\n", "bob, root", "b@y|a@x" },

	/* names */
	{ "names case-insensitive (input)", "root: a@x\n", "ROOT", "a@x" },
	{ "names case-insensitive (file)", "Root: a@x\n", "rOOt", "a@x" },
	{ "space before ':'", "root : a@x\n", "root", "a@x" },
	{ "quoted input that is a plain name", "root: a@x\n", "\"root\"", "a@x" },

	/* comments, blank lines, continuation */
	{ "comments and blank lines", "# mine\n\n   \nroot: a@x\n  # indented comment\n\t\n",
	  "root", "a@x" },
	{ "continuation lines", "root: a@x,\n  b@y,\n\tc@z\nbob: d@w\n", "root, bob",
	  "a@x|b@y|c@z|d@w" },
	{ "continuation after a comment", "root: a@x,\n# note\n b@y\n", "root", "a@x|b@y" },
	{ "comment after the addresses (msmtp)", "root: a@x # the admin\nbob: b@y\t#x\n",
	  "root, bob", "a@x|b@y" },
	{ "comment on a continuation line", "root: a@x,\n  b@y # second\n", "root", "a@x|b@y" },
	{ "'#' inside an address is no comment", "root: a#b@x, \"c #d\"@y\n", "root",
	  "a#b@x|\"c #d\"@y" },
	{ "value only on continuation line", "root:\n  a@x\n", "root", "a@x" },

	/* recursion */
	{ "recursion", "root: admin\nadmin: staff, a@x\nstaff: s@y\n", "root", "s@y|a@x" },
	{ "recursion to unknown local", "root: admin\n", "root", "admin" },
	{ "dedup across aliases", "root: a@x, admin\nadmin: a@X, a@x, b@y\n", "root, a@x",
	  "a@x|b@y" },
	{ "dedup: domain case, local exact", "root: a@x, a@X, A@x\n", "root", "a@x|A@x" },
	{ "twice the same alias is no loop", "root: admin, ops\nops: admin\nadmin: a@x\n",
	  "root, admin", "a@x" },

	/* default */
	{ "default", "default: catch@x\nroot: a@x\n", "bob, root", "catch@x|a@x" },
	{ "default expanded itself", "default: admin\nadmin: a@x\n", "bob", "a@x" },
	{ "default not applied twice", "default: postmaster\n", "bob", "postmaster" },
	{ "default not applied twice (deeper)", "default: ops\nops: nobody, o@x\n", "bob",
	  "nobody|o@x" },
	{ "default leaves '@' alone", "default: catch@x\n", "bob@y", "bob@y" },
	{ "DEFAULT in capitals", "DEFAULT: catch@x\n", "bob", "catch@x" },

	/* loops and depth */
	{ "two-element loop", "root: admin\nadmin: root\n", "root",
	  "error: aliases loop: root -> admin -> root" },
	{ "a name that keeps itself is no loop", "jdoe: jdoe, jdoe@elsewhere\n", "jdoe",
	  "jdoe|jdoe@elsewhere" },
	{ "the name alone: itself", "root: ROOT\n", "root", "ROOT" },
	{ "loop below the start", "root: admin\nadmin: ops\nops: admin\n", "root",
	  "error: aliases loop: root -> admin -> ops -> admin" },
	{ "loop through default", "default: ops\nops: default\n", "bob",
	  "error: aliases loop: default -> ops -> default" },
	{ "loop named in file case", "Root: ADMIN\nadmin: root\n", "root",
	  "error: aliases loop: Root -> admin -> Root" },
	{ "20 levels are fine",
	  "a1: a2\na2: a3\na3: a4\na4: a5\na5: a6\na6: a7\na7: a8\na8: a9\na9: a10\na10: a11\n"
	  "a11: a12\na12: a13\na13: a14\na14: a15\na15: a16\na16: a17\na17: a18\na18: a19\n"
	  "a19: a20\na20: end@x\n", "a1", "end@x" },
	{ "21 levels are refused",
	  "a1: a2\na2: a3\na3: a4\na4: a5\na5: a6\na6: a7\na7: a8\na8: a9\na9: a10\na10: a11\n"
	  "a11: a12\na12: a13\na13: a14\na14: a15\na15: a16\na16: a17\na17: a18\na18: a19\n"
	  "a19: a20\na20: a21\na21: end@x\n", "a1",
	  "error: aliases nested more than 20 levels deep: a1 -> a2 -> a3 -> a4 -> a5 -> a6 -> "
	  "a7 -> a8 -> a9 -> a10 -> a11 -> a12 -> a13 -> a14 -> a15 -> a16 -> a17 -> a18 -> "
	  "a19 -> a20 -> a21" },

	/* syntax errors name the line */
	{ "missing ':'", "root: a@x\n\nbob b@y\n", "root",
	  "error: aliases:3: missing ':' (expected 'name: address, ...')" },
	{ "empty name", "# c\n: a@x\n", "root", "error: aliases:2: missing alias name before ':'" },
	{ "name with white space", "john doe: a@x\n", "root",
	  "error: aliases:1: alias name contains white space" },
	{ "name with '@'", "root@x: a@x\n", "root",
	  "error: aliases:1: alias name contains '@' (only local names can have aliases)" },
	{ "empty value", "root: a@x\nbob:\n", "root", "error: aliases:2: alias 'bob' has no addresses" },
	{ "bad value", "root: a@x\n\nbob: <b@y\n", "root",
	  "error: aliases:3: alias 'bob': missing '>'" },
	{ "bad value on continuation names the alias line", "bob: a@x,\n  <b@y\n", "root",
	  "error: aliases:1: alias 'bob': missing '>'" },
	{ "continuation without alias", "# c\n  a@x\n", "root",
	  "error: aliases:2: continuation line (starting with white space) without an alias above it" },
	{ "duplicate names", "root: a@x\nbob: b@y\nROOT: c@z\n", "root",
	  "error: aliases:3: alias 'ROOT' is defined twice (also on line 1)" },
	{ "first duplicate in file order", "b: 1@x\na: 2@x\nb: 3@x\na: 4@x\n", "a",
	  "error: aliases:3: alias 'b' is defined twice (also on line 1)" },
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = run_expand(cases[i].aliases, cases[i].input);

		is_str(got, cases[i].want, "%s", cases[i].name);
		free(got);
	}
}

static void test_outcome_fields(void)
{
	struct aliases *al = NULL;
	struct address_list in = { 0 }, result = { 0 };
	struct outcome out;
	const char *text = "root: admin\nadmin: root\n";

	outcome_clear(&out);
	is_int(aliases_parse("f", "x\n", 2, &al, &out), -1, "syntax error fails");
	is_int(out.cls, OUTCOME_CONFIG, "syntax error is a config problem");
	is_str(out.step, "aliases", "step is aliases");
	ok(al == NULL, "no table on failure");

	outcome_clear(&out);
	is_int(aliases_parse("f", text, strlen(text), &al, &out), 0, "loop parses");
	address_list_add(&in, "root");
	is_int(aliases_expand(al, &in, &result, &out), -1, "loop fails to expand");
	is_int(out.cls, OUTCOME_CONFIG, "loop is a config problem");
	is_str(out.step, "aliases", "loop step is aliases");
	address_list_free(&in);
	address_list_free(&result);
	aliases_free(al);
	aliases_free(NULL);
}

static void test_count(void)
{
	struct aliases *al = NULL;
	struct outcome out;
	const char *text = "# two\nroot: a@x\n\nbob: b@y,\n  c@z\n";

	outcome_clear(&out);
	is_int(aliases_parse("f", text, strlen(text), &al, &out), 0, "parse for count");
	is_int((long long)aliases_count(al), 2, "two aliases counted");
	aliases_free(al);
	is_int((long long)aliases_count(NULL), 0, "NULL table counts zero");
}

static void test_is_local(void)
{
	ok(aliases_is_local("root"), "root is local");
	ok(aliases_is_local("\"john doe\""), "quoted name is local");
	ok(aliases_is_local("\"a@b\""), "quoted '@' is still local");
	ok(!aliases_is_local("root@x"), "address with '@' is not local");
	ok(!aliases_is_local("\"a b\"@x"), "quoted local part with domain is not local");
}

/* Fan-out multiplies work: "l1: l2, L2" is two different addresses (local
 * parts compare exactly) but one alias (names do not), so 12 levels are
 * 4095 lookups (fine) and 16 levels more than the bound. */
static char *fan_out(int levels)
{
	char *text = malloc(4096);
	size_t used = 0;

	if (!text)
		abort();
	for (int i = 1; i < levels; i++)
		used += (size_t)snprintf(text + used, 4096 - used, "l%d: l%d, L%d\n",
		                         i, i + 1, i + 1);
	snprintf(text + used, 4096 - used, "l%d: end@x\n", levels);
	return text;
}

static void test_fan_out(void)
{
	char *text = fan_out(12);
	char *got = run_expand(text, "l1");

	is_str(got, "end@x", "fan-out of 12 levels expands");
	free(got);
	free(text);
	text = fan_out(16);
	got = run_expand(text, "l1");
	is_str(got, "error: aliases expand too far (more than 10000 alias lookups)",
	       "fan-out of 16 levels is bounded");
	free(got);
	free(text);
}

static void test_too_many(void)
{
	char *text = malloc(1001 * 16 + 16);
	size_t used = (size_t)sprintf(text, "big: ");
	char *got;

	for (int i = 0; i < 1001; i++)
		used += (size_t)sprintf(text + used, "%su%d@x", i ? "," : "", i);
	text[used++] = '\n';
	text[used] = '\0';
	got = run_expand(text, "big");
	is_str(got, "error: aliases:1: alias 'big': too many addresses (more than 1000)",
	       "alias of 1001 addresses is refused");
	free(got);

	used = (size_t)sprintf(text, "a: ");
	for (int i = 0; i < 600; i++)
		used += (size_t)sprintf(text + used, "%sa%d@x", i ? "," : "", i);
	used += (size_t)sprintf(text + used, "\nb: ");
	for (int i = 0; i < 600; i++)
		used += (size_t)sprintf(text + used, "%sb%d@x", i ? "," : "", i);
	text[used++] = '\n';
	text[used] = '\0';
	got = run_expand(text, "a, b");
	is_str(got, "error: more than 1000 recipients after alias expansion",
	       "expansion past 1000 recipients is refused");
	free(got);
	free(text);
}

static void test_load(void)
{
	char path[] = "/tmp/test_aliases.XXXXXX";
	const char *text = "root: admin@example.org\npostmaster: root\n";
	struct aliases *al = NULL;
	struct outcome out;
	int fd = mkstemp(path);

	outcome_clear(&out);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	is_int(aliases_load(path, &al, &out), 0, "load a file");
	is_int((long long)aliases_count(al), 2, "file has two aliases");
	aliases_free(al);

	if (truncate(path, 0) < 0 || (fd = open(path, O_WRONLY)) < 0)
		abort();
	if (write(fd, "oops\n", 5) != 5)
		abort();
	close(fd);
	is_int(aliases_load(path, &al, &out), -1, "load a bad file");
	ok(strncmp(out.text, path, strlen(path)) == 0 && strstr(out.text, ":1: missing ':'"),
	   "error names file and line: %s", out.text);
	unlink(path);

	outcome_clear(&out);
	is_int(aliases_load(path, &al, &out), -1, "missing file fails");
	is_int(out.cls, OUTCOME_CONFIG, "missing file is a config problem");
	ok(strncmp(out.text, "cannot read aliases file /tmp/test_aliases.", 43) == 0
	   && strstr(out.text, ": No such file or directory"), "missing file message: %s", out.text);
	ok(al == NULL, "no table for a missing file");

	is_int(aliases_load("/tmp", &al, &out), -1, "a directory fails");
	ok(strstr(out.text, "cannot read aliases file /tmp: ") != NULL, "directory message: %s",
	   out.text);
}

int main(void)
{
	test_cases();
	test_outcome_fields();
	test_count();
	test_is_local();
	test_fan_out();
	test_too_many();
	test_load();
	return tap_done();
}
