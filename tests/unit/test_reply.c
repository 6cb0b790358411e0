/* test_reply.c - the SMTP reply parser and EHLO capability parsing. */
#include <stdlib.h>
#include <string.h>

#include "smtp.h"
#include "tap.h"

static struct smtp_reply reply;

/* Feed `lines` (separated by '\n') to a fresh reply; returns the last result. */
static int feed(const char *lines, char *err, size_t errlen)
{
	const char *p = lines;
	int r = 0;

	smtp_reply_begin(&reply);
	err[0] = '\0';
	do {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		r = smtp_reply_add_line(&reply, p, len, err, errlen);
		if (r != 0)
			return r;
		p += len + (nl ? 1 : 0);
	} while (*p);
	return r;
}

static const struct {
	const char *input;
	int result;           /* last return: 1 complete, 0 more expected, -1 error */
	int code;
	const char *enhanced;
	const char *text;     /* or the error */
} cases[] = {
	{ "250 ok", 1, 250, "", "ok" },
	{ "250", 1, 250, "", "" },
	{ "220 mail.example.org ESMTP ready", 1, 220, "", "mail.example.org ESMTP ready" },
	{ "250 2.1.0 Sender ok", 1, 250, "2.1.0", "Sender ok" },
	{ "550 5.1.1 <x@y>: Recipient address rejected", 1, 550, "5.1.1", "<x@y>: Recipient address rejected" },
	{ "421 4.3.2 Service shutting down", 1, 421, "4.3.2", "Service shutting down" },
	{ "451 4.7.650 The mail server is busy", 1, 451, "4.7.650", "The mail server is busy" },
	/* an enhanced code must match the reply class */
	{ "550 4.1.1 odd", 1, 550, "", "4.1.1 odd" },
	/* not an enhanced code: too many digits, or glued to text */
	{ "250 2.1.1234 x", 1, 250, "", "2.1.1234 x" },
	{ "250 2.1.0x hi", 1, 250, "", "2.1.0x hi" },
	{ "250 1.2.3 version", 1, 250, "", "1.2.3 version" },
	{ "250-first\n250-second\n250 third", 1, 250, "", "first\nsecond\nthird" },
	{ "250-2.0.0 first\n250 2.0.0 second", 1, 250, "2.0.0", "first\nsecond" },
	{ "250-first\n250-second", 0, 250, "", "first\nsecond" },
	{ "354 End data with <CR><LF>.<CR><LF>", 1, 354, "", "End data with <CR><LF>.<CR><LF>" },
	/* malformed */
	{ "hello there", -1, 0, "", "malformed reply line" },
	{ "", -1, 0, "", "malformed reply line" },
	{ "25", -1, 0, "", "malformed reply line" },
	{ "2500 ok", -1, 0, "", "malformed reply line" },
	{ "250x ok", -1, 0, "", "malformed reply line" },
	{ "650 bad class", -1, 0, "", "malformed reply line" },
	{ "150 preliminary", -1, 0, "", "malformed reply line" },
	{ "25a ok", -1, 0, "", "malformed reply line" },
	{ "250-ok\n251 done", -1, 0, "", "reply code changed from 250 to 251 within one reply" },
	{ "250-ok\ngarbage", -1, 0, "", "malformed reply line" },
};

static void test_table(void)
{
	char err[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = feed(cases[i].input, err, sizeof(err));

		is_int(r, cases[i].result, "reply %zu result", i);
		if (r < 0) {
			is_str(err, cases[i].text, "reply %zu error", i);
			continue;
		}
		is_int(reply.code, cases[i].code, "reply %zu code", i);
		is_str(reply.enhanced, cases[i].enhanced, "reply %zu enhanced code", i);
		is_str(reply.text, cases[i].text, "reply %zu text", i);
	}
}

static void test_bounds(void)
{
	char err[128], line[SMTP_LINE_MAX + 2];
	int r = 0;

	memset(line, 'a', sizeof(line));
	memcpy(line, "250 ", 4);
	smtp_reply_begin(&reply);
	is_int(smtp_reply_add_line(&reply, line, SMTP_LINE_MAX, err, sizeof(err)), 1,
	       "a line of exactly %d octets is accepted", SMTP_LINE_MAX);
	smtp_reply_begin(&reply);
	is_int(smtp_reply_add_line(&reply, line, SMTP_LINE_MAX + 1, err, sizeof(err)), -1,
	       "a line of %d octets is refused", SMTP_LINE_MAX + 1);
	is_str(err, "reply line longer than 512 octets", "the error says why");

	smtp_reply_begin(&reply);
	for (int i = 0; i < SMTP_REPLY_LINES_MAX - 1 && r == 0; i++)
		r = smtp_reply_add_line(&reply, "250-x", 5, err, sizeof(err));
	is_int(r, 0, "99 continuation lines are fine");
	is_int(smtp_reply_add_line(&reply, "250 x", 5, err, sizeof(err)), 1,
	       "a reply of %d lines completes", SMTP_REPLY_LINES_MAX);
	smtp_reply_begin(&reply);
	r = 0;
	for (int i = 0; i < SMTP_REPLY_LINES_MAX && r == 0; i++)
		r = smtp_reply_add_line(&reply, "250-x", 5, err, sizeof(err));
	is_int(smtp_reply_add_line(&reply, "250 x", 5, err, sizeof(err)), -1,
	       "line %d of a reply is refused", SMTP_REPLY_LINES_MAX + 1);
	is_str(err, "reply longer than 100 lines", "the error says why");
}

static void test_caps(void)
{
	struct smtp_caps caps;
	char err[128];

	feed("250-mail.example.org Hello\n250-PIPELINING\n250-SIZE 10240000\n250-8BITMIME\n"
	     "250-AUTH PLAIN LOGIN SCRAM-SHA-256\n250-ENHANCEDSTATUSCODES\n250-STARTTLS\n"
	     "250-chunking\n250-SMTPUTF8\n250 DSN", err, sizeof(err));
	smtp_caps_parse(&caps, &reply);
	ok(caps.esmtp, "EHLO accepted means ESMTP");
	ok(caps.pipelining, "PIPELINING");
	ok(caps.size_offered && caps.size_limit == 10240000, "SIZE with its limit");
	ok(caps.eightbitmime, "8BITMIME");
	is_str(caps.auth, "PLAIN LOGIN SCRAM-SHA-256", "AUTH mechanisms");
	ok(caps.enhancedstatuscodes, "ENHANCEDSTATUSCODES");
	ok(caps.starttls, "STARTTLS");
	ok(caps.chunking, "keywords are case-insensitive (chunking)");
	ok(caps.smtputf8, "SMTPUTF8");
	ok(caps.dsn, "DSN");

	feed("250-PIPELINING.example.org\n250-SIZE\n250 X-UNKNOWN", err, sizeof(err));
	smtp_caps_parse(&caps, &reply);
	ok(!caps.pipelining, "the greeting line is not a capability");
	ok(caps.size_offered && caps.size_limit == 0, "SIZE without a number: no limit");

	feed("250 only.example.org", err, sizeof(err));
	smtp_caps_parse(&caps, &reply);
	ok(!caps.pipelining && !caps.size_offered && caps.auth[0] == '\0',
	   "a one-line EHLO reply offers nothing");
}

/* CHUNKING (RFC 3030): the keyword alone, in any case, on a line of its
 * own after the greeting; and BDAT is used whenever it is offered. */
static const struct {
	const char *ehlo;
	bool chunking;
} chunking_cases[] = {
	{ "250-mx.example.org\n250 CHUNKING", true },
	{ "250-mx.example.org\n250 chunking", true },
	{ "250-mx.example.org\n250 Chunking", true },
	{ "250-mx.example.org\n250-CHUNKING\n250 BINARYMIME", true },
	{ "250-mx.example.org\n250-PIPELINING\n250 CHUNKING", true },
	{ "250-mx.example.org\n250 CHUNKINGX", false },
	{ "250-mx.example.org\n250 CHUNK", false },
	{ "250-mx.example.org\n250 X-CHUNKING", false },
	{ "250-mx.example.org\n250 BINARYMIME", false },
	{ "250 CHUNKING", false },            /* the greeting line, not a keyword */
	{ "250-CHUNKING\n250 PIPELINING", false },
};

static void test_chunking(void)
{
	struct smtp_caps caps;
	char err[128];

	for (size_t i = 0; i < sizeof(chunking_cases) / sizeof(chunking_cases[0]); i++) {
		is_int(feed(chunking_cases[i].ehlo, err, sizeof(err)), 1, "chunking case %zu parses", i);
		smtp_caps_parse(&caps, &reply);
		ok(caps.chunking == chunking_cases[i].chunking, "chunking case %zu: CHUNKING %s", i,
		   chunking_cases[i].chunking ? "offered" : "not offered");
		ok(smtp_uses_chunking(&caps, 100 * 1024 * 1024) == chunking_cases[i].chunking,
		   "chunking case %zu: BDAT %s", i, chunking_cases[i].chunking ? "used" : "not used");
	}
	feed("250-mx.example.org\n250 CHUNKING", err, sizeof(err));
	smtp_caps_parse(&caps, &reply);
	ok(smtp_uses_chunking(&caps, 0) && smtp_uses_chunking(&caps, 2048),
	   "BDAT for an empty body and a small one too");
	feed("250-mx.example.org\n250 PIPELINING", err, sizeof(err));
	smtp_caps_parse(&caps, &reply);
	ok(!caps.chunking, "a new EHLO reply without it forgets CHUNKING (after STARTTLS)");
}

int main(void)
{
	test_table();
	test_bounds();
	test_caps();
	test_chunking();
	return tap_done();
}
