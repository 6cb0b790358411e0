/* test_header.c - the header scanner: header_next and header_is.
 *
 * Every section is scanned from a buffer of exactly its length (no NUL
 * after it), so ASan reports any read past `len`; every prefix of every
 * case is scanned too, which is how text ending mid-field looks. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "tap.h"

struct want_field {
	const char *name, *value, *raw;
};

struct header_case {
	const char *title;
	const char *text;
	struct want_field fields[4];   /* name NULL ends the list */
	size_t stop;                   /* where the section ends */
};

static const struct header_case cases[] = {
	{ "two fields and a body", "From: a@x\r\nTo: b@y\r\n\r\nbody\r\n",
	  { { "From", " a@x", "From: a@x\r\n" }, { "To", " b@y", "To: b@y\r\n" } }, 20 },
	{ "folded field", "Subject: one\r\n two\r\n\tthree\r\nX: y\r\n\r\n",
	  { { "Subject", " one\r\n two\r\n\tthree", "Subject: one\r\n two\r\n\tthree\r\n" },
	    { "X", " y", "X: y\r\n" } }, 34 },
	{ "obsolete blanks before the colon", "Subject : hi\r\nTo\t: b@y\r\n\r\n",
	  { { "Subject", " hi", "Subject : hi\r\n" }, { "To", " b@y", "To\t: b@y\r\n" } }, 24 },
	{ "first line not a field", "not a header\r\nTo: b@y\r\n\r\n", { { NULL } }, 0 },
	{ "first line folded", " folded\r\nTo: b@y\r\n", { { NULL } }, 0 },
	{ "empty first line", "\r\nTo: b@y\r\n", { { NULL } }, 0 },
	{ "empty text", "", { { NULL } }, 0 },
	{ "no empty line after the section", "To: b@y\r\nCc: c@z\r\n",
	  { { "To", " b@y", "To: b@y\r\n" }, { "Cc", " c@z", "Cc: c@z\r\n" } }, 18 },
	{ "a body line ends the section", "To: b@y\r\nthis is body\r\nCc: c@z\r\n",
	  { { "To", " b@y", "To: b@y\r\n" } }, 9 },
	{ "mbox From line is not a field", "From a@x Mon Jan  1 00:00:00 2024\r\nTo: b@y\r\n",
	  { { NULL } }, 0 },
	{ "text ends mid-value", "To: b@y\r\nSubject: par",
	  { { "To", " b@y", "To: b@y\r\n" }, { "Subject", " par", "Subject: par" } }, 21 },
	{ "text ends mid-fold", "To: b@y,\r\n c",
	  { { "To", " b@y,\r\n c", "To: b@y,\r\n c" } }, 12 },
	{ "text ends at the start of a fold", "To: b@y\r\n ",
	  { { "To", " b@y\r\n ", "To: b@y\r\n " } }, 10 },
	{ "text ends after the colon", "To:", { { "To", "", "To:" } }, 3 },
	{ "text ends inside a name", "To: b@y\r\nSubj", { { "To", " b@y", "To: b@y\r\n" } }, 9 },
	{ "colon first", ":x\r\n", { { NULL } }, 0 },
	{ "empty value", "X-Empty:\r\n\r\n", { { "X-Empty", "", "X-Empty:\r\n" } }, 10 },
	{ "8-bit byte in a name", "Sub\xe9ject: x\r\n", { { NULL } }, 0 },
	{ "control byte in a name", "Sub\x01ject: x\r\n", { { NULL } }, 0 },
	{ "space inside a name", "Reply To: x\r\n", { { NULL } }, 0 },
	{ "punctuation in a name", "X-A.b_c!#$%&'*+/=?^`{|}~: v\r\n",
	  { { "X-A.b_c!#$%&'*+/=?^`{|}~", " v", "X-A.b_c!#$%&'*+/=?^`{|}~: v\r\n" } }, 29 },
	{ "blank continuation line", "To: a@x\r\n \r\nCc: b@y\r\n\r\n",
	  { { "To", " a@x\r\n ", "To: a@x\r\n \r\n" }, { "Cc", " b@y", "Cc: b@y\r\n" } }, 21 },
	{ "colons in the value", "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n",
	  { { "Date", " Mon, 1 Jan 2024 10:00:00 +0000",
	      "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n" } }, 38 },
	{ "LF-only lines", "To: b@y\nCc: c\n\n",
	  { { "To", " b@y", "To: b@y\n" }, { "Cc", " c", "Cc: c\n" } }, 14 },
};

/* The text in a buffer of exactly `len` bytes. */
static char *exact_copy(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, text, len);
	return copy;
}

static bool field_is(const struct header_field *f, const struct want_field *w)
{
	return f->name_len == strlen(w->name) && !memcmp(f->name, w->name, f->name_len) &&
	       f->value_len == strlen(w->value) && !memcmp(f->value, w->value, f->value_len) &&
	       f->raw_len == strlen(w->raw) && !memcmp(f->raw, w->raw, f->raw_len);
}

static void test_case(const struct header_case *c)
{
	size_t len = strlen(c->text), pos = 0, before;
	char *text = exact_copy(c->text, len);
	struct header_field f;
	int i;

	for (i = 0; c->fields[i].name; i++) {
		const struct want_field *w = &c->fields[i];

		if (!header_next(text, len, &pos, &f)) {
			ok(0, "%s: field %d (%s) found", c->title, i + 1, w->name);
			break;
		}
		ok(field_is(&f, w), "%s: field %d is %s", c->title, i + 1, w->name);
		if (!field_is(&f, w))
			printf("#   got name \"%.*s\" value len %zu raw len %zu\n", (int)f.name_len,
			       f.name, f.value_len, f.raw_len);
	}
	before = pos;
	is_int(header_next(text, len, &pos, &f), 0, "%s: section ends after %d fields", c->title, i);
	is_int(pos, before, "%s: the end leaves pos alone", c->title);
	is_int(pos, c->stop, "%s: section ends at %zu", c->title, c->stop);
	free(text);
}

/* What must hold for any text: fields tile the section from the start,
 * every part lies inside its field, and nothing lies beyond len. */
static bool scan_is_sound(const char *source, size_t len)
{
	char *text = exact_copy(source, len);
	struct header_field f;
	size_t pos = 0, last = 0;
	bool sound = true;

	while (sound && header_next(text, len, &pos, &f)) {
		const char *raw_end = f.raw + f.raw_len;

		sound = f.raw == text + last && pos == last + f.raw_len && pos <= len &&
		        f.name == f.raw && f.name_len > 0 && f.name + f.name_len < f.value &&
		        f.value + f.value_len <= raw_end && f.value[-1] == ':';
		last = pos;
	}
	sound = sound && pos == last;
	free(text);
	return sound;
}

static void test_prefixes(void)
{
	bool sound = true;
	const char *bad = NULL;
	size_t bad_len = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) && sound; i++) {
		size_t len = strlen(cases[i].text);

		for (size_t l = 0; l <= len && sound; l++) {
			sound = scan_is_sound(cases[i].text, l);
			bad = cases[i].title;
			bad_len = l;
		}
	}
	ok(sound, "every prefix of every case scans soundly");
	if (!sound)
		printf("#   %s, first %zu bytes\n", bad, bad_len);
}

static void test_random(void)
{
	static const char alphabet[] = "aB-: \t\r\n\r\n:";
	unsigned long seed = 4242;
	char text[64];
	bool sound = true;

	for (int round = 0; round < 20000 && sound; round++) {
		size_t len;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		len = (seed >> 33) % sizeof(text);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			text[i] = alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
		}
		sound = scan_is_sound(text, len);
	}
	ok(sound, "random sections scan soundly");
}

static void test_header_is(void)
{
	static const struct {
		const char *text, *name;
		bool want;
	} is_cases[] = {
		{ "Subject: x\r\n", "Subject", true },
		{ "subject: x\r\n", "Subject", true },
		{ "SUBJECT: x\r\n", "subject", true },
		{ "Subject: x\r\n", "Subjec", false },
		{ "Subject: x\r\n", "Subjects", false },
		{ "Subject: x\r\n", "", false },
		{ "BCC: x\r\n", "Bcc", true },
		{ "Resent-Bcc: x\r\n", "Bcc", false },
		{ "Bcc: x\r\n", "Resent-Bcc", false },
		{ "resent-bcc: x\r\n", "Resent-Bcc", true },
		{ "To : x\r\n", "To", true },
		{ "To : x\r\n", "To ", false },
		{ "X-[: x\r\n", "X-{", false },
	};

	for (size_t i = 0; i < sizeof(is_cases) / sizeof(is_cases[0]); i++) {
		size_t pos = 0, len = strlen(is_cases[i].text);
		struct header_field f;
		char *text = exact_copy(is_cases[i].text, len);

		if (!header_next(text, len, &pos, &f)) {
			ok(0, "header_is: \"%s\" is a field", is_cases[i].name);
		} else {
			ok(header_is(&f, is_cases[i].name) == is_cases[i].want,
			   "header_is(%.*s, \"%s\") is %s", (int)f.name_len, f.name,
			   is_cases[i].name, is_cases[i].want ? "true" : "false");
		}
		free(text);
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	test_prefixes();
	test_random();
	test_header_is();
	return tap_done();
}
