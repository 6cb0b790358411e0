/* test_address.c - the RFC 5322 address-list parser, table first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "tap.h"

/* One case: the input, and either the addresses found (joined by '|') or
 * the exact error text. */
struct parse_case {
	const char *name;
	const char *input;
	const char *want;
	const char *error;
};

static const struct parse_case cases[] = {
	/* plain lists */
	{ "one address", "user@example.org", "user@example.org", NULL },
	{ "two addresses", "a@x, b@y", "a@x|b@y", NULL },
	{ "no spaces", "a@x,b@y,c@z", "a@x|b@y|c@z", NULL },
	{ "white space around", " \ta@x ,\tb@y  ", "a@x|b@y", NULL },
	{ "empty element", "a@x,,b@y", "a@x|b@y", NULL },
	{ "leading and trailing commas", ", a@x ,", "a@x", NULL },
	{ "empty string", "", "", NULL },
	{ "only white space", "  \t ", "", NULL },
	{ "only commas", ", ,,", "", NULL },
	{ "only a comment", "(nobody)", "", NULL },

	/* display names */
	{ "atom display name", "John Doe <jd@example.org>", "jd@example.org", NULL },
	{ "quoted name with comma", "\"Doe, John\" <jd@example.org>, x@y",
	  "jd@example.org|x@y", NULL },
	{ "quoted name with escaped quotes", "\"John \\\"JD\\\" Doe\" <jd@x>", "jd@x", NULL },
	{ "obs-phrase with dot", "John Q. Public <jqp@x>", "jqp@x", NULL },
	{ "no display name", "<bare@x>", "bare@x", NULL },
	{ "encoded word name", "=?UTF-8?B?SsO2cmc=?= <j@x>", "j@x", NULL },
	{ "mixed words", "\"a\" b \"c\" <abc@x>, d@y", "abc@x|d@y", NULL },
	{ "name with specials quoted", "\"a@b <c>; d:\" <e@f>", "e@f", NULL },

	/* comments */
	{ "trailing comment", "a@x (Alice)", "a@x", NULL },
	{ "comments everywhere", "(c) a (c) @ (c) x (c)", "a@x", NULL },
	{ "nested comments", "a@x (outer (inner (deepest)))", "a@x", NULL },
	{ "comment holding < @ ,", "Alice <a@x (see <b@y>, c@z)>", "a@x", NULL },
	{ "leading comment with address", "(to: <evil@x>, other@y) a@x", "a@x", NULL },
	{ "quoted-pair in comment", "a@x (a \\) is not the end)", "a@x", NULL },
	{ "comment in display name", "Bob (the builder) <b@y>", "b@y", NULL },
	{ "comment instead of space", "a@x(c)", "a@x", NULL },
	{ "comment between commas", "a@x,(c),b@y", "a@x|b@y", NULL },

	/* folding */
	{ "CRLF fold", "a@x,\r\n b@y", "a@x|b@y", NULL },
	{ "LF fold in name", "John\r\n Doe <jd@x>,\n\tc@z", "jd@x|c@z", NULL },
	{ "fold in quoted local part", "\"john\r\n doe\"@x", "\"john doe\"@x", NULL },
	{ "fold in comment", "a@x (one\r\n two)", "a@x", NULL },
	{ "trailing CRLF", "a@x\r\n", "a@x", NULL },
	{ "trailing LF", "a@x\n", "a@x", NULL },

	/* groups */
	{ "undisclosed recipients", "undisclosed-recipients:;", "", NULL },
	{ "group with members", "Team: a@x, \"B\" <b@y>;", "a@x|b@y", NULL },
	{ "group then address", "Team: a@x;, c@z", "a@x|c@z", NULL },
	{ "empty then full group", "Empty: ; , Full: a@x ;", "a@x", NULL },
	{ "group with only a comment", "Team: (nobody) ;", "", NULL },
	{ "group with empty elements", "Team:, a@x,;", "a@x", NULL },
	{ "group then address without comma", "\"The Team\": a@x; b@y", NULL,
	  "missing ',' between addresses" },
	{ "address, group, address", "a@x, T: b@y, c@z;, d@w", "a@x|b@y|c@z|d@w", NULL },

	/* obsolete routes */
	{ "route", "<@relay1,@relay2:user@x>", "user@x", NULL },
	{ "route with spaces", "Name <@r1.example, @r2.example : user@x>", "user@x", NULL },
	{ "route with empty elements", "<,@r1,,@r2:user@x>", "user@x", NULL },
	{ "route to literal", "<@[192.0.2.1]:user@x>", "user@x", NULL },

	/* local parts */
	{ "obs-local-part", "john . doe @ x", "john.doe@x", NULL },
	{ "quoted word then atom", "\"john\".doe@x", "john.doe@x", NULL },
	{ "quoted word with space then atom", "\"john doe\".smith@x",
	  "\"john doe.smith\"@x", NULL },
	{ "quoted with space", "\"john doe\"@example.org", "\"john doe\"@example.org", NULL },
	{ "quoted with @", "\"john@home\"@x", "\"john@home\"@x", NULL },
	{ "quoted dot-atom unquoted", "\"john\"@x", "john@x", NULL },
	{ "escaped quote kept", "\"a\\\"b\"@x", "\"a\\\"b\"@x", NULL },
	{ "escaped backslash kept", "\"a\\\\b\"@x", "\"a\\\\b\"@x", NULL },
	{ "needless escape dropped", "\"a\\b\"@x", "ab@x", NULL },
	{ "needless escape of space", "\"a\\ b\"@x", "\"a b\"@x", NULL },
	{ "double dot stays quoted", "\"a..b\"@x", "\"a..b\"@x", NULL },
	{ "empty quoted local part", "\"\"@x", "\"\"@x", NULL },
	{ "quoted comma", "\"x,y\"@x, z@x", "\"x,y\"@x|z@x", NULL },
	{ "quoted local part in angle", "Fred <\"fred smith\"@x>", "\"fred smith\"@x", NULL },
	{ "atext specials", "a!#$%&'*+-/=?^_`{|}~z@x", "a!#$%&'*+-/=?^_`{|}~z@x", NULL },

	/* domains */
	{ "domain literal", "a@[192.0.2.1]", "a@[192.0.2.1]", NULL },
	{ "IPv6 literal", "a@[IPv6:2001:db8::1]", "a@[IPv6:2001:db8::1]", NULL },
	{ "literal with spaces", "a@[ 192.0.2.1 ]", "a@[192.0.2.1]", NULL },
	{ "literal in angle", "X <a@[192.0.2.1]>", "a@[192.0.2.1]", NULL },
	{ "obs-domain", "a@ example . org", "a@example.org", NULL },

	/* UTF-8 (RFC 6532) */
	{ "UTF-8 address", "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a",
	  "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a", NULL },
	{ "UTF-8 name and address", "\"J\xc3\xb6rg\" <j\xc3\xb6rg@ex\xc3\xa4mple.org>",
	  "j\xc3\xb6rg@ex\xc3\xa4mple.org", NULL },
	{ "UTF-8 unquoted name", "J\xc3\xb6rg M\xc3\xbcller <jm@x>", "jm@x", NULL },

	/* duplicates */
	{ "domain case-insensitive", "a@x, a@X, A@x", "a@x|A@x", NULL },
	{ "duplicate inside group", "a@Example.ORG, Team: a@example.org;", "a@Example.ORG", NULL },
	{ "quoted and bare spelling equal", "\"a\"@x, a@x", "a@x", NULL },
	{ "duplicate bare local part", "root, root, Root", "root|Root", NULL },

	/* bare local parts */
	{ "bare local part", "root", "root", NULL },
	{ "bare then full", "root, admin@x", "root|admin@x", NULL },
	{ "bare in angle", "Cron Daemon <root>", "root", NULL },
	{ "bare dotted", "john.doe", "john.doe", NULL },

	/* malformed */
	{ "unterminated quote", "\"abc@x", NULL, "unterminated quoted string" },
	{ "quote ended by escape", "\"abc\\\"", NULL, "unterminated quoted string" },
	{ "unterminated comment", "a@x (comment", NULL, "unterminated comment" },
	{ "unterminated nested comment", "a@x (a (b)", NULL, "unterminated comment" },
	{ "unterminated literal", "a@[192.0.2.1", NULL, "unterminated domain literal" },
	{ "missing >", "John <a@x", NULL, "missing '>'" },
	{ "missing > before comma", "John <a@x, b@y>", NULL, "missing '>'" },
	{ "empty <>", "<>", NULL, "empty address in '<>'" },
	{ "empty < > with name", "Name < (c) >", NULL, "empty address in '<>'" },
	{ "route and nothing", "<@r1:>", NULL, "empty address in '<>'" },
	{ "missing domain", "a@", NULL, "missing domain after '@'" },
	{ "missing domain before comma", "a@, b@x", NULL, "missing domain after '@'" },
	{ "missing domain in angle", "<a@>", NULL, "missing domain after '@'" },
	{ "missing local part", "@x", NULL, "missing local part before '@'" },
	{ "missing local part in angle", "N <@x>", NULL, "missing ':' after route" },
	{ "stray ;", "a@x;", NULL, "unexpected ';' outside a group" },
	{ "stray ; first", ";", NULL, "unexpected ';' outside a group" },
	{ "group closed twice", "T: a@x;;", NULL, "unexpected ';' outside a group" },
	{ "unclosed group", "Team: a@x", NULL, "missing ';' after group" },
	{ "nested group", "A: B: a@x;;", NULL, "nested group" },
	{ "nameless group", ": a@x;", NULL, "missing group name" },
	{ "two addresses no comma", "a@x b@y", NULL, "missing ',' between addresses" },
	{ "addr-spec then angle", "a@x <b@y>", NULL, "missing ',' between addresses" },
	{ "angle then angle", "A <a@x> <b@y>", NULL, "missing ',' between addresses" },
	{ "display name only", "John Doe", NULL, "display name without address" },
	{ "display name then address", "John Doe, a@x", NULL, "display name without address" },
	{ "leading dot", ".a@x", NULL, "misplaced '.' in local part" },
	{ "trailing dot", "a.@x", NULL, "misplaced '.' in local part" },
	{ "double dot", "a..b@x", NULL, "misplaced '.' in local part" },
	{ "only a dot", ".", NULL, "misplaced '.' in local part" },
	{ "space in local part", "john doe@x", NULL, "missing '.' in local part" },
	{ "adjacent quoted words", "\"a\"\"b\"@x", NULL, "missing '.' in local part" },
	{ "trailing dot in domain", "a@x.", NULL, "misplaced '.' in domain" },
	{ "leading dot in domain", "a@.x", NULL, "misplaced '.' in domain" },
	{ "double dot in domain", "a@x..y", NULL, "misplaced '.' in domain" },
	{ "second @", "a@x@y", NULL, "unexpected '@'" },
	{ "stray >", "a@x>", NULL, "unexpected '>'" },
	{ "stray )", "a)@x", NULL, "unexpected ')'" },
	{ "stray ]", "a@x]", NULL, "unexpected ']'" },
	{ "backslash outside quotes", "a\\b@x", NULL, "unexpected '\\'" },
	{ "colon after address", "a@x: b@y", NULL, "unexpected ':'" },
	{ "literal without @", "a [192.0.2.1]", NULL, "unexpected '['" },
	{ "literal as address", "[192.0.2.1]", NULL, "unexpected '['" },
	{ "text after literal", "a@[192.0.2.1]x", NULL, "missing ',' between addresses" },
	{ "empty literal", "a@[]", NULL, "empty domain literal" },
	{ "blank literal", "a@[ \t ]", NULL, "empty domain literal" },
	{ "escaped [ in literal", "a@[1\\[]", NULL, "invalid character in domain literal" },
	{ "control in literal", "a@[1\x01]", NULL, "invalid character in domain literal" },
	{ "unfolded LF", "a@x\nb@y", NULL, "line break not followed by white space" },
	{ "unfolded CRLF", "a@x,\r\nb@y", NULL, "line break not followed by white space" },
	{ "bare CR", "a@x\rb", NULL, "line break not followed by white space" },
	{ "double fold", "a@x,\r\n\r\n b@y", NULL, "line break not followed by white space" },
	{ "control in quoted local", "\"a\x01\"@x", NULL, "control character in local part" },
	{ "tab in quoted local", "\"a\tb\"@x", NULL, "control character in local part" },
	{ "unfolded LF in quoted local", "\"a\nb\"@x", NULL, "control character in local part" },
	{ "control in atom", "a\x01@x", NULL, "control character 0x01" },
	{ "DEL in atom", "a\x7f@x", NULL, "control character 0x7f" },
	{ "route without colon", "<@r1 user@x>", NULL, "missing ':' after route" },
	{ "route without relay", "<@:a@x>", NULL, "missing domain after '@'" },
	{ "route of commas", "<,a@x>", NULL, "missing '@' in route" },
	{ "bare local in angle, unclosed", "<a,b>", NULL, "missing '>'" },
	{ "space in angle local part", "<a b@x>", NULL, "missing '.' in local part" },
};

/* Run one case and return its outcome as a string: the addresses joined
 * by '|', or "error: <reason>". */
static char *run_parse(const char *input, size_t len)
{
	struct address_list list = { 0 };
	char err[128];
	char *out;
	size_t need = 1;

	if (address_list_parse(input, len, &list, err, sizeof(err)) < 0) {
		address_list_free(&list);
		if (asprintf(&out, "error: %s", err) < 0)
			return NULL;
		return out;
	}
	for (size_t i = 0; i < list.n; i++)
		need += strlen(list.items[i]) + 1;
	out = malloc(need);
	if (!out) {
		address_list_free(&list);
		return NULL;
	}
	out[0] = '\0';
	for (size_t i = 0; i < list.n; i++) {
		if (i > 0)
			strcat(out, "|");
		strcat(out, list.items[i]);
	}
	address_list_free(&list);
	return out;
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		char *got = run_parse(c->input, strlen(c->input));
		char *want = NULL;

		if (c->error) {
			if (asprintf(&want, "error: %s", c->error) < 0)
				want = NULL;
		} else {
			want = strdup(c->want);
		}
		is_str(got, want, "%s", c->name);
		free(got);
		free(want);
	}
}

static void test_nul_byte(void)
{
	static const char input[] = "a\0b@x";
	char *got = run_parse(input, sizeof(input) - 1);

	is_str(got, "error: control character 0x00", "NUL byte is refused");
	free(got);
}

/* The length is honoured: text after len is not read. */
static void test_length_bound(void)
{
	char *got = run_parse("a@x, b@y", 3);

	is_str(got, "a@x", "only len bytes are parsed");
	free(got);
	got = run_parse(NULL, 0);
	is_str(got, "", "NULL text with len 0 is an empty list");
	free(got);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static char *join3(const char *a, const char *b, const char *c)
{
	char *s;

	if (asprintf(&s, "%s%s%s", a, b, c) < 0)
		abort();
	return s;
}

static void test_long_addresses(void)
{
	char *local = repeat('l', ADDRESS_MAX - 2);
	char *input = join3(local, "@x", "");
	char *got = run_parse(input, strlen(input));

	is_str(got, input, "address of exactly ADDRESS_MAX bytes is accepted");
	free(got);
	free(input);

	input = join3(local, "@xy", "");
	got = run_parse(input, strlen(input));
	is_str(got, "error: address too long", "ADDRESS_MAX + 1 bytes is refused");
	free(got);
	free(input);
	free(local);

	/* Quoting counts: content of ADDRESS_MAX - 3 bytes plus two quotes
	 * and "@x" is one byte too many. */
	local = repeat(' ', ADDRESS_MAX - 3);
	input = join3("\"", local, "\"@x");
	got = run_parse(input, strlen(input));
	is_str(got, "error: address too long", "quoted form over ADDRESS_MAX is refused");
	free(got);
	free(input);
	free(local);

	local = repeat('d', 2 * ADDRESS_MAX);
	input = join3("a@", local, "");
	got = run_parse(input, strlen(input));
	is_str(got, "error: address too long", "long domain is refused");
	free(got);
	free(input);
	free(local);

	local = repeat('a', 100000);
	got = run_parse(local, strlen(local));
	is_str(got, "error: address too long", "100000-byte bare local part is refused");
	free(got);
	free(local);

	/* A display name is dropped, so its length does not matter. */
	local = repeat('N', 5000);
	input = join3("\"", local, "\" <a@x>");
	got = run_parse(input, strlen(input));
	is_str(got, "a@x", "5000-byte quoted display name is fine");
	free(got);
	free(input);
	input = join3(local, " <a@x>", "");
	got = run_parse(input, strlen(input));
	is_str(got, "a@x", "5000-byte atom display name is fine");
	free(got);
	free(input);
	free(local);
}

static void test_comment_depth(void)
{
	char *open = repeat('(', 32), *close = repeat(')', 32);
	char *input = join3(open, close, " a@x");
	char *got = run_parse(input, strlen(input));

	is_str(got, "a@x", "32 nested comments are fine");
	free(got);
	free(input);
	free(open);
	free(close);

	open = repeat('(', 33);
	close = repeat(')', 33);
	input = join3(open, close, " a@x");
	got = run_parse(input, strlen(input));
	is_str(got, "error: comments nested too deeply", "33 nested comments are refused");
	free(got);
	free(input);
	free(open);

	/* Depth is bounded, not the input: a million '(' fail fast. */
	open = repeat('(', 1000000);
	got = run_parse(open, strlen(open));
	is_str(got, "error: comments nested too deeply", "a million '(' are refused");
	free(got);
	free(open);
	free(close);
}

static void test_many_addresses(void)
{
	struct address_list list = { 0 };
	char *text = malloc(1000 * 16);
	size_t len = 0;
	char err[128];
	int rc;

	if (!text)
		abort();
	for (int i = 0; i < 1000; i++)
		len += (size_t)sprintf(text + len, "u%d@x, ", i);
	rc = address_list_parse(text, len, &list, err, sizeof(err));
	is_int(rc, 0, "1000 addresses parse");
	is_int((long long)list.n, 1000, "1000 addresses kept");
	is_str(list.n == 1000 ? list.items[999] : NULL, "u999@x", "last address is right");
	/* Parsing the same text again appends nothing. */
	rc = address_list_parse(text, len, &list, err, sizeof(err));
	is_int(rc, 0, "second parse");
	is_int((long long)list.n, 1000, "second parse adds no duplicates");
	/* The list is full: a new address is refused, with the reason. */
	rc = address_list_parse("one@more", 8, &list, err, sizeof(err));
	is_int(rc, -1, "address %d is refused", ADDRESS_LIST_MAX + 1);
	is_str(err, "too many addresses (more than 1000)", "the error says why");
	is_int(address_list_add(&list, "u5@x"), 0, "a duplicate of a listed address is still fine");
	address_list_free(&list);
	free(text);
}

static void test_list_api(void)
{
	struct address_list list = { 0 };
	char err[8];

	is_int(address_list_add(&list, "a@Example.org"), 0, "add");
	is_int(address_list_add(&list, "a@example.ORG"), 0, "add duplicate");
	is_int((long long)list.n, 1, "duplicate skipped");
	ok(address_list_contains(&list, "a@EXAMPLE.org"), "contains: domain case-insensitive");
	ok(!address_list_contains(&list, "A@example.org"), "contains: local part exact");
	ok(!address_list_contains(&list, "a"), "contains: bare local part differs");

	is_int(address_list_add(&list, "\"a@b\"@X"), 0, "add quoted local part with @");
	ok(address_list_contains(&list, "\"a@b\"@x"), "quoted '@' is not the separator");
	ok(!address_list_contains(&list, "\"a@B\"@x"), "quoted local part compared exactly");
	is_int(address_list_add(&list, "\"a\\\"@b\"@x"), 0, "add escaped quote before '@'");
	ok(address_list_contains(&list, "\"a\\\"@b\"@X"), "escaped quote does not end the quotes");
	ok(!address_list_contains(&list, "\"a\\\"@c\"@x"), "local part after escaped quote compared");
	is_int(address_list_add(&list, "root"), 0, "add bare");
	ok(address_list_contains(&list, "root"), "contains bare");
	ok(!address_list_contains(&list, "root@x"), "bare is not root@x");
	is_int(address_list_add(&list, "a@ex\xc3\x84mple.org"), 0, "add UTF-8 domain");
	ok(!address_list_contains(&list, "a@ex\xc3\xa4mple.org"), "non-ASCII not case-folded");
	is_int((long long)list.n, 5, "five distinct addresses");

	/* A short error buffer truncates, never overflows. */
	is_int(address_list_parse("\"x", 2, &list, err, sizeof(err)), -1, "error into small buffer");
	is_str(err, "untermi", "error truncated to the buffer");
	is_int(address_list_parse("\"x", 2, &list, NULL, 0), -1, "error without buffer");

	address_list_free(&list);
	ok(list.items == NULL && list.n == 0 && list.cap == 0, "free zeroes the list");
	address_list_free(&list);
	ok(list.items == NULL, "free twice is harmless");
}

static void test_host_to_ascii(void)
{
	char *ascii = NULL, err[128] = "";

	is_int(address_host_to_ascii("mail.example.org", &ascii, err, sizeof(err)), 0, "ASCII host");
	is_str(ascii, "mail.example.org", "ASCII host is unchanged");
	free(ascii);
	is_int(address_host_to_ascii("smtp.b\xc3\xbc" "cher.example", &ascii, err, sizeof(err)), 0,
	       "IDN host converts");
	is_str(ascii, "smtp.xn--bcher-kva.example", "IDN host in A-label form");
	free(ascii);
	is_int(address_host_to_ascii("SMTP.B\xc3\x9c" "CHER.example", &ascii, err, sizeof(err)), 0,
	       "upper-case IDN host converts");
	is_str(ascii, "smtp.xn--bcher-kva.example", "upper case is mapped (UTS#46)");
	free(ascii);
	ascii = (char *)"unchanged";
	is_int(address_host_to_ascii("bad\xff.example", &ascii, err, sizeof(err)), -1,
	       "invalid UTF-8 is refused");
	ok(ascii == NULL && err[0] != '\0', "with a reason (%s)", err);
}

int main(void)
{
	test_table();
	test_nul_byte();
	test_length_bound();
	test_long_addresses();
	test_comment_depth();
	test_many_addresses();
	test_list_api();
	test_host_to_ascii();
	return tap_done();
}
