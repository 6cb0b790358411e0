/* test_headers_added.c - the fields postie adds: From, Date, Message-ID,
 * the undisclosed-recipients To, and the pieces that make them. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>

#include "headers.h"
#include "tap.h"

#define DEC_1_2026 ((time_t)1796130189)   /* Tue, 01 Dec 2026 13:03:09 UTC */
#define JUL_4_2026 ((time_t)1783204200)   /* Sat, 04 Jul 2026 22:30:00 UTC */

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* ------------------------------------------------------------ decoding */

/* Decode one "=?UTF-8?B?...?=" or "=?UTF-8?Q?...?=" word of `len` bytes,
 * appending to `text` (NUL-terminated). Returns false when it is not one. */
static bool decode_word(const char *w, size_t len, char *text, size_t size)
{
	size_t used = strlen(text), n = len - 12, i;
	const char *payload = w + 10;

	if (len < 12 || strncmp(w, "=?UTF-8?", 8) != 0 || w[9] != '?' ||
	    strncmp(w + len - 2, "?=", 2) != 0)
		return false;
	if (w[8] == 'B') {
		gnutls_datum_t in = { (unsigned char *)payload, (unsigned)n }, dec = { NULL, 0 };
		bool fits;

		if (gnutls_base64_decode2(&in, &dec) < 0)
			return false;
		fits = used + dec.size < size;
		if (fits) {
			memcpy(text + used, dec.data, dec.size);
			text[used + dec.size] = '\0';
		}
		gnutls_free(dec.data);
		return fits;
	}
	if (w[8] != 'Q')
		return false;
	for (i = 0; i < n && used + 1 < size; i++) {
		unsigned int byte;

		if (payload[i] == '_') {
			text[used++] = ' ';
		} else if (payload[i] == '=' && i + 2 < n &&
		           sscanf(payload + i + 1, "%2X", &byte) == 1) {
			text[used++] = (char)byte;
			i += 2;
		} else if (payload[i] == '?' || payload[i] == ' ' || payload[i] == '=') {
			return false;
		} else {
			text[used++] = payload[i];
		}
	}
	text[used] = '\0';
	return i == n;
}

/* Decode a display name made of encoded-words joined by CRLF SP; check
 * that every word is at most 75 characters and is whole UTF-8 on its own.
 * Returns the number of words, 0 when something is wrong. */
static int decode_words(const char *display, char *text, size_t size)
{
	const char *p = display;
	int words = 0;

	text[0] = '\0';
	for (;;) {
		const char *end = strstr(p, "\r\n ");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char one[256] = "";

		if (len > 75 || !decode_word(p, len, one, sizeof(one)))
			return 0;
		if (strlen(text) + strlen(one) >= size)
			return 0;
		strcat(text, one);
		words++;
		if (!end)
			return words;
		p = end + 3;
	}
}

/* The longest line (CRLF excluded) in `text`. */
static size_t longest_line(const char *text)
{
	size_t longest = 0;

	while (*text) {
		const char *crlf = strstr(text, "\r\n");
		size_t len = crlf ? (size_t)(crlf - text) : strlen(text);

		if (len > longest)
			longest = len;
		text += len + (crlf ? 2 : 0);
	}
	return longest;
}

/* Every line of a display name fits 76 (RFC 2047 2, for a line that holds
 * an encoded-word) once "From: " is put before it. */
static bool fits_after_from(const char *display)
{
	const char *crlf = strstr(display, "\r\n");
	size_t first = crlf ? (size_t)(crlf - display) : strlen(display);

	return first + strlen("From: ") <= 76 && longest_line(display) <= 76;
}

/* The text with every CRLF removed (RFC 5322 unfolding), malloc'd. */
static char *unfold(const char *text)
{
	char *copy = malloc(strlen(text) + 1), *o = copy;

	if (!copy)
		abort();
	for (; *text; text++)
		if (*text != '\r' && *text != '\n')
			*o++ = *text;
	*o = '\0';
	return copy;
}

/* ------------------------------------------------------- display names */

static void test_display_names(void)
{
	static const struct {
		const char *name, *want;
	} plain[] = {
		{ "Jane Doe", "Jane Doe" },
		{ "O'Brian-Smith {ops}", "O'Brian-Smith {ops}" },
		{ "Doe, Jane", "\"Doe, Jane\"" },
		{ "J. R. Hacker", "\"J. R. Hacker\"" },
		{ "say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"" },
		{ "=?UTF-8?Q?fake?=", "\"=?UTF-8?Q?fake?=\"" },
		{ "Jörg Mueller-Schmidt", "=?UTF-8?Q?J=C3=B6rg_Mueller-Schmidt?=" },
		{ "Jörg Müller", "=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?=" },   /* B is shorter */
		{ "日本語の名前", "=?UTF-8?B?5pel5pys6Kqe44Gu5ZCN5YmN?=" },
	};
	char buf[1024], text[1024], name[512];
	struct outcome out;
	size_t i;
	int words;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		outcome_clear(&out);
		is_int(headers_encode_display_name(plain[i].name, buf, sizeof(buf), &out), 0,
		       "display name \"%s\" accepted", plain[i].name);
		is_str(buf, plain[i].want, "display name \"%s\"", plain[i].name);
	}

	headers_encode_display_name("Jörg Mueller-Schmidt", buf, sizeof(buf), &out);
	is_int(decode_words(buf, text, sizeof(text)), 1, "Q word decodes as one word");
	is_str(text, "Jörg Mueller-Schmidt", "Q word decodes back");
	headers_encode_display_name("日本語の名前", buf, sizeof(buf), &out);
	is_int(decode_words(buf, text, sizeof(text)), 1, "B word decodes as one word");
	is_str(text, "日本語の名前", "B word decodes back");

	/* Long names: several words, each <= 75 and whole characters. */
	name[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(name, "日");
	strcat(name, "😀x");   /* a 4-byte character near the end */
	is_int(headers_encode_display_name(name, buf, sizeof(buf), &out), 0, "long CJK name");
	words = decode_words(buf, text, sizeof(text));
	ok(words > 1, "long CJK name is %d encoded-words", words);
	is_str(text, name, "long CJK name decodes back");
	ok(strncmp(buf, "=?UTF-8?B?", 10) == 0, "long CJK name uses B");
	ok(fits_after_from(buf), "long CJK name: lines fit 76 after \"From: \"");

	name[0] = '\0';
	for (i = 0; i < 5; i++)
		strcat(name, "Jean-François Lefebvre de la Montagne ");
	strcat(name, "Ü");
	is_int(headers_encode_display_name(name, buf, sizeof(buf), &out), 0, "long Latin name");
	words = decode_words(buf, text, sizeof(text));
	ok(words > 1, "long Latin name is %d encoded-words", words);
	is_str(text, name, "long Latin name decodes back");
	ok(strncmp(buf, "=?UTF-8?Q?", 10) == 0, "long Latin name uses Q");
	ok(fits_after_from(buf), "long Latin name: lines fit 76 after \"From: \"");

	/* Refused. */
	static const struct {
		const char *what, *name, *error;
	} bad[] = {
		{ "bad continuation", "J\xc3(rg", "the full name given with -F is not valid UTF-8" },
		{ "overlong", "\xc0\xaf", "the full name given with -F is not valid UTF-8" },
		{ "surrogate", "\xed\xa0\x80", "the full name given with -F is not valid UTF-8" },
		{ "past U+10FFFF", "\xf4\x90\x80\x80", "the full name given with -F is not valid UTF-8" },
		{ "cut at the end", "J\xc3", "the full name given with -F is not valid UTF-8" },
		{ "Latin-1", "J\xf6rg", "the full name given with -F is not valid UTF-8" },
		{ "CRLF injection", "Eve\r\nBcc: victim@x",
		  "the full name given with -F contains a control character; "
		  "give it on one line without tabs" },
		{ "tab", "a\tb", "the full name given with -F contains a control character; "
		  "give it on one line without tabs" },
	};
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		outcome_clear(&out);
		is_int(headers_encode_display_name(bad[i].name, buf, sizeof(buf), &out), -1,
		       "%s refused", bad[i].what);
		is_int(out.cls, OUTCOME_USAGE, "%s is a usage error", bad[i].what);
		is_str(out.text, bad[i].error, "%s: message", bad[i].what);
	}
	/* One word of 257 letters could not be folded under 998 octets for
	 * long enough; no real name is that long. */
	memset(name, 'x', HEADERS_NAME_MAX + 1);
	name[HEADERS_NAME_MAX + 1] = '\0';
	outcome_clear(&out);
	is_int(headers_encode_display_name(name, buf, sizeof(buf), &out), -1, "a 257-byte name refused");
	is_str(out.text, "the full name given with -F is longer than 256 bytes",
	       "a 257-byte name: message");
	name[HEADERS_NAME_MAX] = '\0';
	is_int(headers_encode_display_name(name, buf, sizeof(buf), &out), 0, "a 256-byte name is fine");
	outcome_clear(&out);
	is_int(headers_encode_display_name("Jane Doe", buf, 8, &out), -1, "too small a buffer");
	is_str(out.text, "the full name given with -F is too long", "too small a buffer: message");
}

/* ---------------------------------------------------------------- Date */

static void test_dates(void)
{
	static const struct {
		const char *tz;
		time_t t;
		const char *want;
	} cases[] = {
		{ "UTC", DEC_1_2026, "Tue, 01 Dec 2026 13:03:09 +0000" },
		{ "Europe/Berlin", DEC_1_2026, "Tue, 01 Dec 2026 14:03:09 +0100" },
		{ "Europe/Berlin", JUL_4_2026, "Sun, 05 Jul 2026 00:30:00 +0200" },
		{ "America/St_Johns", DEC_1_2026, "Tue, 01 Dec 2026 09:33:09 -0330" },
		{ "America/St_Johns", JUL_4_2026, "Sat, 04 Jul 2026 20:00:00 -0230" },
		{ "UTC", 0, "Thu, 01 Jan 1970 00:00:00 +0000" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_tz(cases[i].tz);
		is_int(headers_format_date(cases[i].t, buf, sizeof(buf)), strlen(cases[i].want),
		       "date length in %s", cases[i].tz);
		is_str(buf, cases[i].want, "date in %s", cases[i].tz);
	}
	is_int(headers_format_date(DEC_1_2026, buf, 31), 0, "date: too small a buffer");
	is_int(headers_format_date(DEC_1_2026, buf, 32), 31, "date: exactly enough room");
	set_tz("UTC");
}

/* ---------------------------------------------------------- Message-ID */

/* "<DIGITS.BASE32x26@domain>" */
static bool msgid_shape(const char *id, const char *domain)
{
	size_t len = strlen(id), dlen = strlen(domain), i = 1, random = 0;

	if (len < 3 + dlen || id[0] != '<' || id[len - 1] != '>' ||
	    id[len - 2 - dlen] != '@' || strncmp(id + len - 1 - dlen, domain, dlen) != 0)
		return false;
	while (id[i] >= '0' && id[i] <= '9')
		i++;
	if (i == 1 || id[i++] != '.')
		return false;
	for (; id[i] != '@'; i++, random++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '2' && id[i] <= '7')))
			return false;
	return random == 26;
}

static void test_message_ids(void)
{
	static const struct {
		const char *given, *used;
	} domains[] = {
		{ "example.org", "example.org" },
		{ "mail.example.org", "mail.example.org" },
		{ "bücher.example", "xn--bcher-kva.example" },
		{ NULL, "localhost" },
		{ "", "localhost" },
		{ "exa mple.org", "localhost" },
		{ ".example.org", "localhost" },
		{ "example..org", "localhost" },
		{ "example.org.", "localhost" },
		{ "[192.0.2.1]", "localhost" },
		{ "ex<ample>.org", "localhost" },
	};
	char a[HEADERS_MSGID_MAX], b[HEADERS_MSGID_MAX], long_domain[300];
	struct outcome out;
	size_t i;

	for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
		outcome_clear(&out);
		is_int(headers_make_message_id(domains[i].given, a, sizeof(a), &out), 0,
		       "message id for %s", domains[i].given ? domains[i].given : "NULL");
		ok(msgid_shape(a, domains[i].used), "message id for %s is %s",
		   domains[i].given ? domains[i].given : "NULL", a);
	}
	headers_make_message_id("example.org", a, sizeof(a), &out);
	headers_make_message_id("example.org", b, sizeof(b), &out);
	ok(strcmp(a, b) != 0, "two message ids differ: %s %s", a, b);

	memset(long_domain, 'a', sizeof(long_domain) - 1);
	long_domain[sizeof(long_domain) - 1] = '\0';
	for (i = 60; i < sizeof(long_domain) - 1; i += 61)
		long_domain[i] = '.';
	is_int(headers_make_message_id(long_domain, a, sizeof(a), &out), 0,
	       "a domain too long for the buffer");
	ok(msgid_shape(a, "localhost"), "a domain too long falls back to localhost: %s", a);

	outcome_clear(&out);
	is_int(headers_make_message_id("example.org", a, 16, &out), -1, "no room at all");
	is_int(out.cls, OUTCOME_INTERNAL, "no room at all is internal");
}

/* --------------------------------------------------------------- plans */

static struct header_policy policy(void)
{
	struct header_policy p;

	memset(&p, 0, sizeof(p));
	p.set_from_header = "auto";
	p.from_address = "me@example.org";
	p.msgid_domain = "example.org";
	p.now = DEC_1_2026;
	return p;
}

/* Plan for `hdr` and return the added text ("" for none) in `added`. */
static int plan_for(const char *hdr, const struct header_policy *p,
                    struct header_plan *plan, char *added, size_t size)
{
	struct outcome out;
	int rc;

	outcome_clear(&out);
	rc = headers_plan(hdr, strlen(hdr), p, plan, &out);
	snprintf(added, size, "%s", plan->added ? plan->added : "");
	if (rc == 0 && (plan->added ? strlen(plan->added) : 0) != plan->added_len)
		return -2;
	return rc;
}

static void test_from_policy(void)
{
	static const struct {
		const char *what, *mode, *hdr, *added;
		bool drop;
	} cases[] = {
		{ "auto, no From", "auto", "Subject: x\r\n\r\n", "From: me@example.org\r\n", false },
		{ "NULL is auto", NULL, "Subject: x\r\n\r\n", "From: me@example.org\r\n", false },
		{ "auto, with From", "auto", "From: other@x\r\n\r\n", "", false },
		{ "auto, lower-case from", "auto", "from: other@x\r\n\r\n", "", false },
		{ "auto, obsolete \"From :\"", "auto", "FROM : other@x\r\n\r\n", "", false },
		{ "auto, only Resent-From", "auto", "Resent-From: r@x\r\n\r\n",
		  "From: me@example.org\r\n", false },
		{ "auto, empty section", "auto", "", "From: me@example.org\r\n", false },
		{ "on replaces", "on", "From: other@x\r\n\r\n", "From: me@example.org\r\n", true },
		{ "on without From", "on", "To: a@b\r\n\r\n", "From: me@example.org\r\n", true },
		{ "off, no From", "off", "Subject: x\r\n\r\n", "", false },
		{ "off, with From", "off", "From: other@x\r\n\r\n", "", false },
	};
	struct header_policy p;
	struct header_plan plan;
	char added[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = policy();
		p.set_from_header = cases[i].mode;
		is_int(plan_for(cases[i].hdr, &p, &plan, added, sizeof(added)), 0, "%s: planned",
		       cases[i].what);
		is_str(added, cases[i].added, "%s: added", cases[i].what);
		is_int(plan.drop_from, cases[i].drop, "%s: drop_from", cases[i].what);
		is_int(plan.drop_recipients, 0, "%s: recipients kept", cases[i].what);
		headers_plan_free(&plan);
	}

	/* The null sender: no From added, and none dropped either. */
	p = policy();
	p.from_address = "";
	plan_for("Subject: x\r\n\r\n", &p, &plan, added, sizeof(added));
	is_str(added, "", "null sender, auto: no From");
	headers_plan_free(&plan);
	p.set_from_header = "on";
	plan_for("From: other@x\r\n\r\n", &p, &plan, added, sizeof(added));
	is_str(added, "", "null sender, on: no From");
	is_int(plan.drop_from, 0, "null sender, on: the message's From stays");
	headers_plan_free(&plan);
	p.from_address = NULL;
	plan_for("Subject: x\r\n\r\n", &p, &plan, added, sizeof(added));
	is_str(added, "", "NULL sender: no From");
	ok(plan.added == NULL && plan.added_len == 0, "nothing added: added is NULL");
	headers_plan_free(&plan);

	/* Full names. */
	p = policy();
	p.full_name = "Jane Doe";
	plan_for("", &p, &plan, added, sizeof(added));
	is_str(added, "From: Jane Doe <me@example.org>\r\n", "From with a full name");
	headers_plan_free(&plan);
	p.full_name = "Doe, Jane";
	plan_for("", &p, &plan, added, sizeof(added));
	is_str(added, "From: \"Doe, Jane\" <me@example.org>\r\n", "From with a quoted name");
	headers_plan_free(&plan);
	p.full_name = "  ";
	plan_for("", &p, &plan, added, sizeof(added));
	is_str(added, "From: me@example.org\r\n", "a blank full name is no name");
	headers_plan_free(&plan);
	p.full_name = "Jörg Mueller-Schmidt";
	plan_for("", &p, &plan, added, sizeof(added));
	is_str(added, "From: =?UTF-8?Q?J=C3=B6rg_Mueller-Schmidt?= <me@example.org>\r\n",
	       "From with an encoded name");
	headers_plan_free(&plan);
}

static void test_folding(void)
{
	struct header_policy p = policy();
	struct header_plan plan;
	char added[2048], name[512];
	char *flat;
	size_t i;

	/* A long quoted name folds at its spaces; unfolding gives it back. */
	p.full_name = "The Quite Long Name, of the Department of Redundancy Department, "
	              "Head Office (West Wing)";
	is_int(plan_for("", &p, &plan, added, sizeof(added)), 0, "long name planned");
	ok(longest_line(added) <= 78, "long quoted From folds to 78 (%zu)", longest_line(added));
	ok(strstr(added, "\r\n ") != NULL, "long quoted From is folded");
	flat = unfold(added);
	is_str(flat, "From: \"The Quite Long Name, of the Department of Redundancy Department, "
	       "Head Office (West Wing)\" <me@example.org>", "long quoted From unfolds back");
	free(flat);
	headers_plan_free(&plan);

	/* A long encoded name: the address goes on a line of its own if need be. */
	name[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(name, "é");
	p.full_name = name;
	p.from_address = "a.very.long.local.part.for.testing@subdomain.example.org";
	is_int(plan_for("", &p, &plan, added, sizeof(added)), 0, "long encoded name planned");
	ok(longest_line(added) <= 76, "long encoded From folds to 76 (%zu)", longest_line(added));
	ok(strstr(added, "\r\n <a.very.long") != NULL, "the address is folded onto its own line");
	headers_plan_free(&plan);

	/* A long address with no space cannot fold; it stays one line. */
	p.full_name = NULL;
	memset(name, 'x', 100);
	strcpy(name + 100, "@example.org");
	p.from_address = name;
	plan_for("", &p, &plan, added, sizeof(added));
	ok(strstr(added, "\r\n") == added + strlen("From: ") + 112, "an unbreakable From stays whole");
	headers_plan_free(&plan);
}

static void test_date_and_msgid_policy(void)
{
	struct header_policy p = policy();
	struct header_plan plan;
	char added[1024], want[HEADERS_MSGID_MAX + 16], long_id[400];
	size_t i;

	set_tz("UTC");
	p.set_from_header = "off";
	p.set_date = true;
	plan_for("Subject: x\r\n\r\n", &p, &plan, added, sizeof(added));
	is_str(added, "Date: Tue, 01 Dec 2026 13:03:09 +0000\r\n", "date auto, none: added");
	headers_plan_free(&plan);
	plan_for("DATE: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\n", &p, &plan, added, sizeof(added));
	is_str(added, "", "date auto, present: not added");
	headers_plan_free(&plan);
	plan_for("Resent-Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\n", &p, &plan, added,
	         sizeof(added));
	is_str(added, "Date: Tue, 01 Dec 2026 13:03:09 +0000\r\n", "Resent-Date does not count");
	headers_plan_free(&plan);
	p.set_date = false;
	plan_for("Subject: x\r\n\r\n", &p, &plan, added, sizeof(added));
	is_str(added, "", "date off: not added");
	headers_plan_free(&plan);

	p.set_msgid = true;
	plan_for("Subject: x\r\n\r\n", &p, &plan, added, sizeof(added));
	ok(msgid_shape(plan.message_id, "example.org"), "msgid auto: new id %s", plan.message_id);
	snprintf(want, sizeof(want), "Message-ID: %s\r\n", plan.message_id);
	is_str(added, want, "msgid auto: the field carries the reported id");
	headers_plan_free(&plan);
	plan_for("Message-Id: \r\n  <abc@x.example>  \r\nSubject: x\r\n\r\n", &p, &plan, added,
	         sizeof(added));
	is_str(added, "", "msgid auto, present: not added");
	is_str(plan.message_id, "<abc@x.example>", "the existing id is reported, trimmed");
	headers_plan_free(&plan);
	plan_for("Resent-Message-ID: <r@x>\r\n\r\n", &p, &plan, added, sizeof(added));
	ok(msgid_shape(plan.message_id, "example.org"), "Resent-Message-ID does not count");
	headers_plan_free(&plan);
	p.set_msgid = false;
	plan_for("Subject: x\r\n\r\n", &p, &plan, added, sizeof(added));
	is_str(added, "", "msgid off: not added");
	is_str(plan.message_id, "", "msgid off, none: no id");
	headers_plan_free(&plan);
	plan_for("Message-ID: <kept@x>\r\n\r\n", &p, &plan, added, sizeof(added));
	is_str(plan.message_id, "<kept@x>", "msgid off: the existing id is still reported");
	headers_plan_free(&plan);

	/* A huge existing id is cut to fit, never inside a UTF-8 character. */
	strcpy(long_id, "Message-ID: <");
	for (i = strlen(long_id); i < HEADERS_MSGID_MAX + 10; i += 2)
		memcpy(long_id + i, "é", 2);
	strcpy(long_id + i, "@x>\r\n\r\n");
	plan_for(long_id, &p, &plan, added, sizeof(added));
	ok(strlen(plan.message_id) < HEADERS_MSGID_MAX, "a huge id is cut (%zu bytes)",
	   strlen(plan.message_id));
	ok(strlen(plan.message_id) >= HEADERS_MSGID_MAX - 3, "a huge id is cut only at the end");
	ok(((unsigned char)plan.message_id[strlen(plan.message_id) - 1] & 0xc0) != 0xc0 &&
	   (strlen(plan.message_id) - 1) % 2 == 0, "a huge id is cut between characters");
	headers_plan_free(&plan);
}

static void test_undisclosed_and_all(void)
{
	struct header_policy p = policy();
	struct header_plan plan;
	struct outcome out;
	char added[1024], want[1024];

	set_tz("Europe/Berlin");
	p.undisclosed_recipients = true;
	p.set_from_header = "off";
	plan_for("To: a@x\r\nCc: b@y\r\nBcc: c@z\r\n\r\n", &p, &plan, added, sizeof(added));
	is_str(added, "To: undisclosed-recipients:;\r\n", "undisclosed: the group To");
	ok(plan.drop_recipients, "undisclosed: To, Cc, Bcc dropped");
	ok(!plan.drop_from, "undisclosed: From kept");
	headers_plan_free(&plan);

	/* Everything at once, in order: From, To, Date, Message-ID. */
	p.set_from_header = "on";
	p.set_date = true;
	p.set_msgid = true;
	p.full_name = "Jane Doe";
	plan_for("From: x@y\r\nTo: a@x\r\nSubject: hi\r\n\r\n", &p, &plan, added, sizeof(added));
	snprintf(want, sizeof(want),
	         "From: Jane Doe <me@example.org>\r\nTo: undisclosed-recipients:;\r\n"
	         "Date: Tue, 01 Dec 2026 14:03:09 +0100\r\nMessage-ID: %s\r\n", plan.message_id);
	is_str(added, want, "all fields, in order");
	ok(plan.drop_from && plan.drop_recipients, "all: both drops");
	is_int(plan.added_len, strlen(want), "all: added_len");
	headers_plan_free(&plan);
	ok(plan.added == NULL && plan.added_len == 0, "headers_plan_free resets the plan");
	headers_plan_free(&plan);

	/* Errors. */
	p = policy();
	p.set_from_header = "yes";
	outcome_clear(&out);
	is_int(headers_plan("", 0, &p, &plan, &out), -1, "bad set_from_header refused");
	is_int(out.cls, OUTCOME_CONFIG, "bad set_from_header is a config error");
	is_str(out.text, "set_from_header must be auto, on or off, not \"yes\"",
	       "bad set_from_header: message");
	ok(plan.added == NULL, "failed plan holds nothing");

	p = policy();
	p.full_name = "J\xf6rg";
	p.set_date = true;
	outcome_clear(&out);
	is_int(headers_plan("", 0, &p, &plan, &out), -1, "invalid UTF-8 full name refused");
	is_int(out.cls, OUTCOME_USAGE, "invalid UTF-8 full name: usage error");
	ok(plan.added == NULL && plan.added_len == 0, "failed plan holds nothing");

	p = policy();
	p.from_address = "me@example.org\r\nBcc: victim@x";
	outcome_clear(&out);
	is_int(headers_plan("", 0, &p, &plan, &out), -1, "sender with CRLF refused");
	is_str(out.text, "the sender address contains a control character", "sender with CRLF: message");

	/* With From off and nothing else, there is no From problem to find. */
	p.set_from_header = "off";
	is_int(plan_for("", &p, &plan, added, sizeof(added)), 0, "From off: the sender is not used");
	headers_plan_free(&plan);
	set_tz("UTC");
}

int main(void)
{
	test_display_names();
	test_dates();
	test_message_ids();
	test_from_policy();
	test_folding();
	test_date_and_msgid_policy();
	test_undisclosed_and_all();
	return tap_done();
}
