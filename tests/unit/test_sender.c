/* test_sender.c - `from` substitutions and envelope-sender patterns. */
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "address.h"
#include "sender.h"
#include "tap.h"

static char mailname[] = "/tmp/test_sender.XXXXXX";

static void write_mailname(const char *text)
{
	FILE *f = fopen(mailname, "w");

	if (!f || fputs(text, f) == EOF || fclose(f) != 0)
		abort();
}

/* sender_expand's result, or "error: TEXT". */
static char *expand(const char *value, const char *path)
{
	struct outcome out;
	char *got = NULL, buf[OUTCOME_TEXT_MAX + 16];

	outcome_clear(&out);
	if (sender_expand(value, path, &got, &out) < 0) {
		ok(got == NULL, "no result on failure for '%s'", value);
		ok(out.cls == OUTCOME_CONFIG && strcmp(out.step, "config") == 0,
		   "failure for '%s' is a config problem", value);
		snprintf(buf, sizeof(buf), "error: %s", out.text);
		return strdup(buf);
	}
	return got;
}

static char *join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);

	if (!s)
		abort();
	snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

/* What %C should give: the same lookup, done here independently. */
static char *expected_canonical(const char *host)
{
	struct addrinfo hints = { .ai_flags = AI_CANONNAME, .ai_socktype = SOCK_STREAM }, *res;
	char *name;

	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return strdup(host);
	name = strdup(res->ai_canonname && res->ai_canonname[0] ? res->ai_canonname : host);
	freeaddrinfo(res);
	return name;
}

static void check(const char *value, const char *path, const char *want, const char *name)
{
	char *got = expand(value, path);

	is_str(got, want, "%s", name);
	free(got);
}

static void test_substitutions(void)
{
	const struct passwd *pw = getpwuid(geteuid());
	char host[256] = "", *canonical, *want;

	if (!pw || gethostname(host, sizeof(host)) < 0)
		abort();
	canonical = expected_canonical(host);

	check("plain@example.org", mailname, "plain@example.org", "no substitution");
	check("", mailname, "", "empty value");
	want = join(pw->pw_name, "@example.org", "");
	check("%U@example.org", mailname, want, "%U is the login name");
	free(want);
	want = join("me@", host, "");
	check("me@%H", mailname, want, "%H is the host name");
	free(want);
	want = join("me@", canonical, "");
	check("me@%C", mailname, want, "%C is the canonical host name");
	free(want);

	write_mailname("  mail.example.net \t\nsecond.example\n");
	want = join(pw->pw_name, "@mail.example.net", "");
	check("%U@%M", mailname, want, "%M is the first line of mailname, trimmed");
	free(want);
	write_mailname("crlf.example\r\n");
	check("x@%M", mailname, "x@crlf.example", "%M without the CR");
	write_mailname("\n");
	want = join("x@", canonical, "");
	check("x@%M", mailname, want, "empty mailname falls back to %C");
	free(want);
	unlink(mailname);
	want = join("x@", canonical, "");
	check("x@%M", mailname, want, "missing mailname falls back to %C");
	free(want);

	check("100%%@x", mailname, "100%@x", "%% is a literal %");
	check("%%U@x", mailname, "%U@x", "%%U is not a substitution");
	want = join(pw->pw_name, "-", pw->pw_name);
	check("%U-%U", mailname, want, "a substitution twice");
	free(want);
	free(canonical);
}

static void test_substitution_errors(void)
{
	char *value, *got;

	check("%X@x", mailname,
	      "error: unknown substitution '%X' in 'from' value '%X@x' (known: %U %H %C %M %%)",
	      "unknown %X");
	check("%u@x", mailname,
	      "error: unknown substitution '%u' in 'from' value '%u@x' (known: %U %H %C %M %%)",
	      "substitutions are case-sensitive");
	check("me@x%", mailname,
	      "error: 'from' value 'me@x%' ends in a lone '%' (write %% for a literal %)",
	      "a lone % at the end");

	value = malloc(ADDRESS_MAX + 3);
	if (!value)
		abort();
	memset(value, 'a', ADDRESS_MAX);
	value[ADDRESS_MAX] = '\0';
	got = expand(value, mailname);
	is_str(got, value, "ADDRESS_MAX bytes are fine");
	free(got);
	/* "%%" is one byte once expanded: ADDRESS_MAX + 1 in all */
	value[ADDRESS_MAX] = '%';
	value[ADDRESS_MAX + 1] = '%';
	value[ADDRESS_MAX + 2] = '\0';
	got = expand(value, mailname);
	is_str(got, "error: 'from' value is longer than 998 bytes after substitution",
	       "ADDRESS_MAX + 1 bytes after substitution are refused");
	free(got);
	free(value);
}

static void test_is_pattern(void)
{
	ok(sender_is_pattern("*@example.org"), "'*' makes a pattern");
	ok(sender_is_pattern("user?@example.org"), "'?' makes a pattern");
	ok(!sender_is_pattern("user@example.org"), "an address is no pattern");
	ok(!sender_is_pattern(""), "empty is no pattern");
}

struct match_case {
	const char *value;
	const char *addr;
	bool want;
};

static const struct match_case matches[] = {
	/* exact */
	{ "joe@example.org", "joe@example.org", true },
	{ "joe@example.org", "joe@EXAMPLE.Org", true },
	{ "joe@EXAMPLE.org", "joe@example.ORG", true },
	{ "joe@example.org", "Joe@example.org", false },
	{ "joe@example.org", "joe@example.org.evil", false },
	{ "joe@example.org", "joe@example.or", false },
	{ "joe@example.org", "joe", false },
	{ "joe", "joe", true },
	{ "joe", "joe@example.org", false },
	{ "joe@example.org", "jo@example.org", false },
	{ "joe@example.org", "", false },
	{ "", "joe@example.org", false },
	/* subaddresses */
	{ "joe@example.org", "joe+lists@example.org", true },
	{ "joe@example.org", "joe+a+b@Example.org", true },
	{ "joe@example.org", "joe-lists@example.org", false },
	{ "joe@example.org", "joey+x@example.org", false },
	{ "joe+tag@example.org", "joe+tag@example.org", true },
	{ "joe+tag@example.org", "joe+other@example.org", false },
	{ "joe+tag@example.org", "joe@example.org", false },
	{ "@example.org", "+tag@example.org", false },
	{ "\"joe\"@example.org", "\"joe+x\"@example.org", false },
	/* patterns */
	{ "*@example.org", "anyone@example.org", true },
	{ "*@example.org", "Anyone@EXAMPLE.ORG", true },
	{ "*@example.org", "anyone@example.org.evil", false },
	{ "*@example.org", "anyone@sub.example.org", false },
	{ "*@*.example.org", "a@sub.example.org", true },
	{ "joe?@example.org", "joe1@example.org", true },
	{ "joe?@example.org", "joe12@example.org", false },
	{ "joe?@example.org", "joe@example.org", false },
	{ "joe@*", "joe+tag@anything.example", true },
	{ "joe@*", "joey@anything.example", false },
	{ "*", "a@b", true },
	{ "*", "", false },
};

static void test_matches(void)
{
	for (size_t i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		const struct match_case *c = &matches[i];

		ok(sender_matches(c->value, c->addr) == c->want, "'%s' %s '%s'", c->addr,
		   c->want ? "matches" : "does not match", c->value);
	}
}

int main(void)
{
	int fd = mkstemp(mailname);

	if (fd < 0)
		abort();
	close(fd);
	test_substitutions();
	test_substitution_errors();
	test_is_pattern();
	test_matches();
	unlink(mailname);
	return tap_done();
}
