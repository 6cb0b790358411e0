/* test_esmtp.c - pieces of the ESMTP extensions that need no server: xtext
 * (RFC 3461 section 4), used for DSN's ENVID and ORCPT. */
#include <string.h>

#include "esmtp.h"
#include "tap.h"

static const struct {
	const char *input;
	const char *xtext;
} cases[] = {
	{ "", "" },
	{ "user@example.org", "user@example.org" },
	{ "a+b@example.org", "a+2Bb@example.org" },
	{ "a=b", "a+3Db" },
	{ "two words", "two+20words" },
	{ "tab\there", "tab+09here" },
	{ "!~", "!~" },                       /* the ends of the plain range 0x21-0x7e */
	{ "\x7f", "+7F" },
	{ "caf\xc3\xa9", "caf+C3+A9" },        /* UTF-8 bytes, each as +HH */
	{ "++", "+2B+2B" },
};

static void test_table(void)
{
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = esmtp_xtext(cases[i].input, out, sizeof(out));

		is_str(n >= 0 ? out : "(failed)", cases[i].xtext, "xtext case %zu", i);
		is_int(n, (long long)strlen(cases[i].xtext), "its length is returned");
	}
}

static void test_bounds(void)
{
	char out[8];

	is_int(esmtp_xtext("1234567", out, sizeof(out)), 7, "7 octets fit in 8 with the NUL");
	is_int(esmtp_xtext("12345678", out, sizeof(out)), -1, "8 octets do not");
	is_int(esmtp_xtext("12345+", out, sizeof(out)), -1, "nor an escape that would end past it");
	is_int(esmtp_xtext("1234+", out, sizeof(out)), 7, "an escape that ends just in time fits");
	is_str(out, "1234+2B", "and is whole");
	is_int(esmtp_xtext("", out, 0), -1, "no room at all is refused");
}

int main(void)
{
	test_table();
	test_bounds();
	return tap_done();
}
