/* test_mime.c - encoded-words, RFC 2231 parameters, base64 and
 * quoted-printable bodies, media types, and the UTF-8 and field-name
 * checks (mime.c). Encoders are checked by decoding their output again. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "mime.h"
#include "tap.h"

/* ---------------------------------------------------------------- helpers */

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

/* Does every CRLF but a final one come before a space (a fold), and is no
 * continuation line white space only? */
static bool folds_are_sound(const char *field)
{
	const char *p = field, *crlf;

	while ((crlf = strstr(p, "\r\n")) != NULL) {
		const char *next = crlf + 2;

		if (*next == '\0')
			return true;
		if (*next != ' ' && *next != '\t')
			return false;
		if (strspn(next, " \t") == strcspn(next, "\r\n"))
			return false;
		p = next;
	}
	return false;   /* no final CRLF */
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

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one "=?UTF-8?B?...?=" or "=?UTF-8?Q?...?=" word, appending to
 * `text`. false when it is not one. */
static bool decode_word(const char *w, size_t len, struct strbuf *text)
{
	const char *payload = w + 10;
	size_t n = len - 12, i;

	if (len < 12 || strncmp(w, "=?UTF-8?", 8) != 0 || w[9] != '?' ||
	    strncmp(w + len - 2, "?=", 2) != 0)
		return false;
	if (w[8] == 'B') {
		gnutls_datum_t in = { (unsigned char *)payload, (unsigned)n }, dec = { NULL, 0 };

		if (gnutls_base64_decode2(&in, &dec) < 0)
			return false;
		strbuf_add(text, (const char *)dec.data, dec.size);
		gnutls_free(dec.data);
		return true;
	}
	if (w[8] != 'Q')
		return false;
	for (i = 0; i < n; i++) {
		if (payload[i] == '_') {
			strbuf_add(text, " ", 1);
		} else if (payload[i] == '=') {
			char byte;

			if (i + 2 >= n || hex_value(payload[i + 1]) < 0 || hex_value(payload[i + 2]) < 0)
				return false;
			byte = (char)(hex_value(payload[i + 1]) * 16 + hex_value(payload[i + 2]));
			strbuf_add(text, &byte, 1);
			i += 2;
		} else if (payload[i] == '?' || payload[i] <= ' ' || payload[i] > '~') {
			return false;
		} else {
			strbuf_add(text, payload + i, 1);
		}
	}
	return true;
}

/* Decode a field body made of encoded-words only (white space between
 * them is dropped, RFC 2047 6.2) into `text`; every word must be <= 75
 * characters. Returns the number of words, 0 when something is wrong. */
static int decode_words(const char *body, struct strbuf *text)
{
	char *flat = unfold(body), *p = flat;
	int words = 0;

	while (*p) {
		size_t len;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len == 0)
			break;
		if (len > 75 || !decode_word(p, len, text)) {
			words = 0;
			break;
		}
		words++;
		p += len;
	}
	free(flat);
	return words;
}

/* ---------------------------------------------------------------- checks */

static void test_utf8(void)
{
	static const struct {
		const char *what, *text;
		bool valid;
	} cases[] = {
		{ "empty", "", true },
		{ "ASCII", "plain text", true },
		{ "two-byte", "Gr\xc3\xbc\xc3\x9f" "e", true },
		{ "three-byte", "\xe6\x97\xa5\xe6\x9c\xac", true },
		{ "four-byte", "\xf0\x9f\x98\x80", true },
		{ "U+10FFFF", "\xf4\x8f\xbf\xbf", true },
		{ "U+D7FF", "\xed\x9f\xbf", true },
		{ "U+E000", "\xee\x80\x80", true },
		{ "U+0080", "\xc2\x80", true },
		{ "U+0800", "\xe0\xa0\x80", true },
		{ "U+10000", "\xf0\x90\x80\x80", true },
		{ "overlong slash", "\xc0\xaf", false },
		{ "overlong C1", "\xc1\xbf", false },
		{ "overlong three", "\xe0\x80\xaf", false },
		{ "overlong four", "\xf0\x80\x80\xaf", false },
		{ "surrogate", "\xed\xa0\x80", false },
		{ "last surrogate", "\xed\xbf\xbf", false },
		{ "past U+10FFFF", "\xf4\x90\x80\x80", false },
		{ "F5", "\xf5\x80\x80\x80", false },
		{ "FF", "a\xff", false },
		{ "lone continuation", "a\x80", false },
		{ "cut at the end", "J\xc3", false },
		{ "cut three", "\xe2\x82", false },
		{ "bad continuation", "J\xc3(rg", false },
		{ "Latin-1", "J\xf6rg", false },
	};
	size_t i, split, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		size_t len = strlen(t);
		bool same = true;

		is_int(mime_utf8_valid(t, len), cases[i].valid, "UTF-8 %s", cases[i].what);
		/* The stream agrees however the text is cut. */
		for (split = 0; split <= len; split++) {
			struct mime_utf8_stream st = { 0 };

			mime_utf8_stream_feed(&st, t, split);
			mime_utf8_stream_feed(&st, t + split, len - split);
			if (mime_utf8_stream_done(&st) != cases[i].valid)
				same = false;
		}
		{
			struct mime_utf8_stream st = { 0 };

			for (j = 0; j < len; j++)
				mime_utf8_stream_feed(&st, t + j, 1);
			if (mime_utf8_stream_done(&st) != cases[i].valid)
				same = false;
		}
		ok(same, "UTF-8 stream %s: same verdict at every split", cases[i].what);
	}
	is_int(mime_utf8_valid("a\0b", 3), 1, "a NUL is valid UTF-8 (the caller checks NULs)");
}

static void test_field_names(void)
{
	char long_name[80];

	ok(mime_field_name_valid("Subject", 7), "Subject is a field name");
	ok(mime_field_name_valid("X-Alert-Level", 13), "X-Alert-Level is a field name");
	ok(mime_field_name_valid("X-Subject: x", 9), "only len bytes count");
	ok(!mime_field_name_valid("", 0), "empty is not");
	ok(!mime_field_name_valid("Bad Name", 8), "a space is not allowed");
	ok(!mime_field_name_valid("a:b", 3), "a colon is not allowed");
	ok(!mime_field_name_valid("X-\xc3\xa4", 4), "8-bit is not allowed");
	ok(!mime_field_name_valid("X-\x7f", 3), "DEL is not allowed");
	ok(!mime_field_name_valid("X-\t", 3), "a tab is not allowed");
	memset(long_name, 'X', sizeof(long_name));
	ok(mime_field_name_valid(long_name, 76), "76 characters are fine");
	ok(!mime_field_name_valid(long_name, 77), "77 characters are not");
}

/* ------------------------------------------------------------ header text */

/* mime_unstructured_field's output, malloc'd, or NULL when it failed. */
static char *field(const char *name, const char *value)
{
	struct strbuf b = { 0 };

	if (mime_unstructured_field(&b, name, value, strlen(value)) < 0) {
		ok(b.len == 0, "a refused value appends nothing");
		strbuf_free(&b);
		return NULL;
	}
	if (!b.data)
		abort();
	return b.data;
}

/* Is `f` "Name: " + encoded-words + CRLF that decode to `want`, every word
 * at most 75 and every line at most 78? */
static void check_encoded_field(const char *what, const char *f, const char *name,
                                const char *want)
{
	size_t prefix = strlen(name) + 1;
	struct strbuf text = { 0 };
	int words;

	ok(strncmp(f, name, prefix - 1) == 0 && (strncmp(f + prefix - 1, ": =?UTF-8?", 10) == 0 ||
	                                         strncmp(f + prefix - 1, ":\r\n =?UTF-8?", 12) == 0),
	   "%s: encoded", what);
	words = decode_words(f + prefix, &text);
	ok(words > 0, "%s: %d words of at most 75", what, words);
	is_str(text.data ? text.data : "", want, "%s: decodes back", what);
	/* RFC 2047 2: a line that holds an encoded-word is at most 76. */
	ok(longest_line(f) <= 76, "%s: lines fit 76 (%zu)", what, longest_line(f));
	ok(folds_are_sound(f), "%s: folded between words", what);
	strbuf_free(&text);
}

static void test_unstructured(void)
{
	static const struct {
		const char *value, *want;
	} exact[] = {
		{ "disk full on db1", "Subject: disk full on db1\r\n" },
		{ "", "Subject:\r\n" },
		{ "  two  spaces ", "Subject:   two  spaces \r\n" },
		{ "tab\there", "Subject: tab\there\r\n" },
		/* B is 24 characters, Q ("=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=") 27. */
		{ "Gr\xc3\xbc\xc3\x9f" "e", "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n" },
		/* Mostly ASCII: Q is shorter. */
		{ "Backup auf db1 fehlgeschlagen: Pr\xc3\xbc" "fsumme",
		  "Subject: =?UTF-8?Q?Backup_auf_db1_fehlgeschlagen:_Pr=C3=BCfsumme?=\r\n" },
		{ "M\xc3\xa4rz", "Subject: =?UTF-8?B?TcOkcno=?=\r\n" },
		{ "M\xc3\xa4rz 2026", "Subject: =?UTF-8?Q?M=C3=A4rz_2026?=\r\n" },
		{ "status =?x?= ok, nothing to do",
		  "Subject: =?UTF-8?Q?status_=3D=3Fx=3F=3D_ok,_nothing_to_do?=\r\n" },
		{ "see =?x?= here", "Subject: =?UTF-8?B?c2VlID0/eD89IGhlcmU=?=\r\n" },
		{ "a_b=c?", "Subject: a_b=c?\r\n" },
	};
	char *f, *flat, value[4096];
	size_t i;

	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		f = field("Subject", exact[i].value);
		is_str(f, exact[i].want, "Subject \"%s\"", exact[i].value);
		free(f);
	}

	/* Q in text keeps more than Q in a phrase: '(' ',' '.' ':' stay. */
	f = field("Subject", "\xc3\xa9t\xc3\xa9 (a.b, c:d)");
	is_str(f, "Subject: =?UTF-8?Q?=C3=A9t=C3=A9_(a.b,_c:d)?=\r\n", "Q text keeps specials");
	free(f);

	/* Header injection: CR and LF only ever inside an encoded-word. */
	f = field("Subject", "alert\r\nBcc: victim@example.org");
	check_encoded_field("CRLF in a subject", f, "Subject", "alert\r\nBcc: victim@example.org");
	ok(strstr(f, "\r\nBcc") == NULL, "CRLF in a subject: no Bcc line");
	free(f);
	f = field("Subject", "bell\a");
	check_encoded_field("a control character", f, "Subject", "bell\a");
	free(f);

	/* A long ASCII subject folds at spaces and unfolds back. */
	strcpy(value, "");
	for (i = 0; i < 12; i++)
		strcat(value, "the backup of host db1 failed ");
	strcat(value, "end");
	f = field("Subject", value);
	ok(longest_line(f) <= 78, "long ASCII subject: lines fit 78 (%zu)", longest_line(f));
	ok(folds_are_sound(f), "long ASCII subject: folded at spaces");
	ok(strstr(f, "=?") == NULL, "long ASCII subject: not encoded");
	flat = unfold(f);
	ok(strncmp(flat, "Subject: ", 9) == 0 && strcmp(flat + 9, value) == 0,
	   "long ASCII subject: unfolds back");
	free(flat);
	free(f);

	/* A run of spaces stays whole; trailing spaces are not a line of their own. */
	memset(value, 'w', 70);
	memset(value + 70, ' ', 20);
	strcpy(value + 90, "x");
	f = field("Subject", value);
	ok(folds_are_sound(f), "a run of spaces: sound folds");
	flat = unfold(f);
	is_str(flat + 9, value, "a run of spaces: unfolds back");
	free(flat);
	free(f);
	memset(value, 'w', 70);
	memset(value + 70, ' ', 20);
	value[90] = '\0';
	f = field("Subject", value);
	ok(folds_are_sound(f), "trailing spaces: no blank continuation line");
	free(f);

	/* A long non-ASCII subject: several words, each <= 75, lines <= 78. */
	strcpy(value, "");
	for (i = 0; i < 8; i++)
		strcat(value, "Sicherung auf Gro\xc3\x9frechner fehlgeschlagen, M\xc3\xa4rz ");
	f = field("Subject", value);
	check_encoded_field("long Latin subject", f, "Subject", value);
	ok(strstr(f + 9, "\r\n ") != NULL, "long Latin subject: several lines");
	ok(strncmp(f + 9, "=?UTF-8?Q?", 10) == 0, "long Latin subject: Q");
	free(f);

	strcpy(value, "");
	for (i = 0; i < 60; i++)
		strcat(value, "\xe6\x97\xa5");
	strcat(value, "\xf0\x9f\x98\x80x\xf0\x9f\x98\x80");
	f = field("Subject", value);
	check_encoded_field("long CJK subject", f, "Subject", value);
	ok(strncmp(f + 9, "=?UTF-8?B?", 10) == 0, "long CJK subject: B");
	free(f);

	/* Every word holds whole characters: each decodes as UTF-8 on its own. */
	{
		char *flat_words = unfold(f = field("Subject", value)), *p = flat_words + 9;
		bool whole = true;

		while (*p) {
			struct strbuf one = { 0 };
			size_t len;

			p += strspn(p, " ");
			len = strcspn(p, " ");
			if (!decode_word(p, len, &one) || !mime_utf8_valid(one.data, one.len))
				whole = false;
			strbuf_free(&one);
			p += len;
		}
		ok(whole, "long CJK subject: every word is whole UTF-8");
		free(flat_words);
		free(f);
	}

	/* A word too long for any line is encoded, so it can be split. */
	memset(value, 'x', 2000);
	value[2000] = '\0';
	f = field("Subject", value);
	check_encoded_field("a 2000-letter word", f, "Subject", value);
	free(f);

	/* So is a run of spaces that long. */
	memset(value, ' ', 1000);
	strcpy(value + 1000, "x");
	f = field("Subject", value);
	check_encoded_field("1000 spaces and a word", f, "Subject", value);
	free(f);

	/* A long field name leaves little room on the first line. */
	f = field("X-A-Rather-Long-Field-Name-For-An-Alert-From-A-Script-On-Host",
	          "d\xc3\xa9j\xc3\xa0 vu, encore une fois, toujours la m\xc3\xaame erreur");
	check_encoded_field("long field name", f,
	                    "X-A-Rather-Long-Field-Name-For-An-Alert-From-A-Script-On-Host",
	                    "d\xc3\xa9j\xc3\xa0 vu, encore une fois, toujours la m\xc3\xaame erreur");
	free(f);

	/* Invalid UTF-8 is refused, nothing appended. */
	ok(field("Subject", "J\xf6rg") == NULL, "Latin-1 subject refused");
	ok(field("Subject", "\xed\xa0\x80") == NULL, "surrogate subject refused");
}

/* ---------------------------------------------------------------- phrases */

static void test_phrases(void)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{ "Jane Doe", "Jane Doe" },
		{ "O'Brian-Smith {ops}", "O'Brian-Smith {ops}" },
		{ "Doe, Jane", "\"Doe, Jane\"" },
		{ "J. R. Hacker", "\"J. R. Hacker\"" },
		{ "say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"" },
		{ "=?UTF-8?Q?fake?=", "\"=?UTF-8?Q?fake?=\"" },
		{ "  ", "\"  \"" },
		{ "", "\"\"" },
		{ "J\xc3\xb6rg Mueller-Schmidt", "=?UTF-8?Q?J=C3=B6rg_Mueller-Schmidt?=" },
		{ "J\xc3\xb6rg M\xc3\xbcller", "=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?=" },
		/* Q in a phrase encodes what RFC 2047 5(3) does not allow. */
		{ "Lisa M\xc3\xbcller (Operations, Berlin)",
		  "=?UTF-8?Q?Lisa_M=C3=BCller_=28Operations=2C_Berlin=29?=" },
	};
	static const char *const refused[] = {
		"J\xf6rg", "\xc0\xaf", "Eve\r\nBcc: victim@x", "a\tb", "nul\x7f",
	};
	struct strbuf b = { 0 }, text = { 0 };
	char name[512];
	size_t i;
	int words;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b.len = 0;
		is_int(mime_phrase(&b, cases[i].name, strlen(cases[i].name)), 0, "phrase \"%s\" accepted",
		       cases[i].name);
		is_str(b.data, cases[i].want, "phrase \"%s\"", cases[i].name);
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		b.len = 0;
		if (b.data)
			b.data[0] = '\0';
		is_int(mime_phrase(&b, refused[i], strlen(refused[i])), -1, "phrase %zu refused", i);
		is_int(b.len, 0, "refused phrase %zu appends nothing", i);
	}

	/* Long: words of at most 72, so "From: " and the first fit in 78. */
	strcpy(name, "");
	for (i = 0; i < 5; i++)
		strcat(name, "Jean-Fran\xc3\xa7ois Lefebvre de la Montagne ");
	b.len = 0;
	mime_phrase(&b, name, strlen(name));
	words = decode_words(b.data, &text);
	ok(words > 1, "long phrase: %d words", words);
	is_str(text.data, name, "long phrase decodes back");
	ok(strcspn(b.data, "\r") <= 70 && longest_line(b.data) <= 76,
	   "long phrase: first word <= 70 (76 after \"From: \"), lines <= 76");
	strbuf_free(&text);
	strbuf_free(&b);
}

/* Lines of `text` that hold "=?" are at most 76, the others at most 78;
 * the first line counts `col` more. */
static bool phrase_lines_fit(const char *text, size_t col)
{
	while (*text) {
		const char *crlf = strstr(text, "\r\n");
		size_t len = crlf ? (size_t)(crlf - text) : strlen(text);
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)len, text);
		if (col + len > (strstr(line, "=?") ? 76u : 78u))
			return false;
		col = 0;
		text += len + (crlf ? 2 : 0);
	}
	return true;
}

static void test_phrases_at(void)
{
	struct strbuf b = { 0 }, text = { 0 };
	char name[2048], *flat;
	size_t i, col;

	/* Encoded-words fill the room the column leaves. */
	strcpy(name, "");
	for (i = 0; i < 12; i++)
		strcat(name, "J\xc3\xb6rg M\xc3\xbcller ");
	col = 4;
	is_int(mime_phrase_at(&b, &col, name, strlen(name)), 0, "phrase at column 4 accepted");
	ok(phrase_lines_fit(b.data, 4), "phrase at column 4: lines fit 76");
	ok(decode_words(b.data, &text) > 1, "phrase at column 4: several words");
	is_str(text.data, name, "phrase at column 4 decodes back");
	ok(col == longest_line(strrchr(b.data, '\n') ? strrchr(b.data, '\n') + 1 : b.data),
	   "phrase at column 4: the column is the last line's");
	/* Too little room for one character: the words start a new line. */
	b.len = 0;
	text.len = 0;
	col = 60;
	mime_phrase_at(&b, &col, "J\xc3\xb6rg", strlen("J\xc3\xb6rg"));
	ok(strncmp(b.data, "\r\n =?UTF-8?", 11) == 0, "phrase at column 60 starts a new line");
	b.len = 0;
	col = 50;
	mime_phrase_at(&b, &col, name, strlen(name));
	ok(strncmp(b.data, "=?UTF-8?", 8) == 0 && phrase_lines_fit(b.data, 50),
	   "phrase at column 50: a short first word, lines fit 76");
	/* A long ASCII name is folded at its spaces, atoms or quoted. */
	strcpy(name, "");
	for (i = 0; i < 300; i++)
		strcat(name, "Aa ");
	strcat(name, "Aa");
	b.len = 0;
	col = 4;
	mime_phrase_at(&b, &col, name, strlen(name));
	ok(phrase_lines_fit(b.data, 4), "long atoms: lines fit 78");
	flat = unfold(b.data);
	strbuf_add(&b, "\r\n", 2);
	ok(folds_are_sound(b.data) && strstr(b.data, "\r\n") < b.data + b.len - 2,
	   "long atoms: folded at spaces");
	is_str(flat, name, "long atoms unfold back");
	free(flat);
	name[5] = ',';
	b.len = 0;
	col = 4;
	mime_phrase_at(&b, &col, name, strlen(name));
	ok(b.data[0] == '"' && phrase_lines_fit(b.data, 4), "long quoted name: lines fit 78");
	/* mime_phrase keeps ASCII whole: the From writer folds it. */
	b.len = 0;
	mime_phrase(&b, name, strlen(name));
	ok(strchr(b.data, '\r') == NULL, "mime_phrase does not fold ASCII");
	strbuf_free(&text);
	strbuf_free(&b);
}

static void test_folded_words(void)
{
	static const struct {
		size_t col;
		const char *text, *want;
		size_t want_col;
	} cases[] = {
		{ 4, "a b", "a b", 7 },
		{ 76, "word next", "word\r\n next", 5 },
		{ 76, "first", "first", 81 },                   /* never before the first word */
		{ 70, "a        ", "a        ", 79 },           /* no line of spaces only */
		{ 70, "aaaa\tbbbbbbbbbb", "aaaa\r\n\tbbbbbbbbbb", 11 },
		{ 0, "", "", 0 },
	};
	struct strbuf b = { 0 };
	size_t i, col;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b.len = 0;
		strbuf_add(&b, "", 0);
		col = cases[i].col;
		mime_folded_words(&b, &col, cases[i].text, strlen(cases[i].text));
		is_str(b.data ? b.data : "", cases[i].want, "folded words %zu", i);
		is_int(col, cases[i].want_col, "folded words %zu: column", i);
	}
	strbuf_free(&b);
}

/* ------------------------------------------------------------- parameters */

/* RFC 2231 decoding of one parameter `name` out of a header text: the
 * plain, the quoted, the extended and the continued forms. Returns the
 * value (malloc'd) or NULL. */
static char *parameter_value(const char *header, const char *name)
{
	char *flat = unfold(header), *p = flat, want[64];
	struct strbuf value = { 0 };
	size_t name_len = strlen(name), section = 0;
	bool found = false;

	while ((p = strchr(p, ';')) != NULL) {
		char *v;

		p++;
		p += strspn(p, " ");
		if (strncmp(p, name, name_len) != 0)
			continue;
		v = p + name_len;
		snprintf(want, sizeof(want), "*%zu*=", section);
		if (*v == '=') {
			v++;
			if (*v == '"') {
				for (v++; *v && *v != '"'; v++) {
					if (*v == '\\')
						v++;
					strbuf_add(&value, v, 1);
				}
			} else {
				strbuf_add(&value, v, strcspn(v, ";"));
			}
			found = true;
			break;
		}
		if (strncmp(v, "*=", 2) == 0 || strncmp(v, want, strlen(want)) == 0) {
			v += *v == '*' && v[1] == '=' ? 2 : strlen(want);
			if (section == 0 || v[-2] == '*') {
				if (strncmp(v, "UTF-8''", 7) == 0)
					v += 7;
			}
			for (; *v && *v != ';'; v++) {
				if (*v == '%' && hex_value(v[1]) >= 0 && hex_value(v[2]) >= 0) {
					char byte = (char)(hex_value(v[1]) * 16 + hex_value(v[2]));

					strbuf_add(&value, &byte, 1);
					v += 2;
				} else {
					strbuf_add(&value, v, 1);
				}
			}
			found = true;
			section++;
		}
	}
	free(flat);
	if (!found) {
		strbuf_free(&value);
		return NULL;
	}
	if (!value.data)
		return calloc(1, 1);
	return value.data;
}

static void test_parameters(void)
{
	static const struct {
		const char *name, *value, *want;
	} exact[] = {
		{ "charset", "utf-8", "; charset=utf-8" },
		{ "name", "report.pdf", "; name=report.pdf" },
		{ "name", "my report.pdf", "; name=\"my report.pdf\"" },
		{ "name", "a\"b\\c", "; name=\"a\\\"b\\\\c\"" },
		{ "name", "", "; name=\"\"" },
		{ "filename", "Bericht M\xc3\xa4rz.pdf", "; filename*=UTF-8''Bericht%20M%C3%A4rz.pdf" },
		{ "filename", "50%*'.txt\xc3\xa9", "; filename*=UTF-8''50%25%2A%27.txt%C3%A9" },
		/* Readers decode "=?" even in quotes, so it goes out RFC 2231. */
		{ "name", "=?utf-8?q?evil?=.txt", "; name*=UTF-8''%3D%3Futf-8%3Fq%3Fevil%3F%3D.txt" },
		{ "name", "a =?x", "; name*=UTF-8''a%20%3D%3Fx" },
		/* RFC 2231's marks in a plain value: quoted, not bare. */
		{ "filename", "%41*'.txt", "; filename=\"%41*'.txt\"" },
		{ "name", "50%.txt", "; name=\"50%.txt\"" },
		{ "name", "a*b", "; name=\"a*b\"" },
		{ "name", "it's", "; name=\"it's\"" },
		{ "name", "a=b", "; name=\"a=b\"" },
	};
	struct strbuf b = { 0 };
	char value[1024], *got;
	size_t i, col;

	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		b.len = 0;
		col = strlen("Content-Type: text/plain");
		is_int(mime_parameter(&b, &col, exact[i].name, exact[i].value), 0, "parameter %s=%s",
		       exact[i].name, exact[i].value);
		is_str(b.data, exact[i].want, "parameter %s=%s", exact[i].name, exact[i].value);
		is_int(col, strlen("Content-Type: text/plain") + strlen(exact[i].want),
		       "parameter %s=%s: column", exact[i].name, exact[i].value);
	}

	/* The column decides the fold. */
	b.len = 0;
	col = 70;
	mime_parameter(&b, &col, "name", "report.pdf");
	is_str(b.data, ";\r\n name=report.pdf", "a parameter that would pass 78 is folded");
	is_int(col, strlen(" name=report.pdf"), "after the fold the column starts again");

	/* A whole Content-Disposition for "Bericht März.pdf". */
	b.len = 0;
	strbuf_add(&b, "Content-Disposition: attachment", 31);
	col = 31;
	mime_parameter(&b, &col, "filename", "Bericht M\xc3\xa4rz.pdf");
	is_str(b.data, "Content-Disposition: attachment; filename*=UTF-8''Bericht%20M%C3%A4rz.pdf",
	       "Content-Disposition for Bericht M\xc3\xa4rz.pdf");
	got = parameter_value(b.data, "filename");
	is_str(got, "Bericht M\xc3\xa4rz.pdf", "RFC 2231 value decodes back");
	free(got);

	/* A long non-ASCII name: continuations on lines of their own. */
	strcpy(value, "");
	for (i = 0; i < 6; i++)
		strcat(value, "Quartalsbericht f\xc3\xbcr M\xc3\xa4rz und \xc3\x84pril ");
	strcat(value, "\xe6\x97\xa5\xe6\x9c\xac.pdf");
	b.len = 0;
	strbuf_add(&b, "Content-Type: application/pdf", 29);
	col = 29;
	is_int(mime_parameter(&b, &col, "name", value), 0, "long parameter accepted");
	strbuf_add(&b, "\r\n", 2);
	ok(strstr(b.data, ";\r\n name*0*=UTF-8''Quartalsbericht") != NULL, "long parameter: name*0*=");
	ok(strstr(b.data, ";\r\n name*1*=") != NULL, "long parameter: name*1*=");
	ok(longest_line(b.data) <= 78, "long parameter: lines fit 78 (%zu)", longest_line(b.data));
	ok(folds_are_sound(b.data), "long parameter: folded");
	got = parameter_value(b.data, "name");
	is_str(got, value, "long parameter decodes back");
	free(got);
	{
		/* The column is the last line's length. */
		const char *last = b.data + b.len - 2;

		while (last > b.data && last[-1] != '\n')
			last--;
		is_int(col, (size_t)(b.data + b.len - 2 - last), "long parameter: column of the last line");
	}
	/* Each piece is whole UTF-8 on its own. */
	{
		char *flat = unfold(b.data), *p = flat;
		bool whole = true;

		while ((p = strstr(p, "name*")) != NULL) {
			struct strbuf piece = { 0 };
			char *v = strchr(p, '=') + 1;

			if (strncmp(v, "UTF-8''", 7) == 0)
				v += 7;
			for (; *v && *v != ';'; v++) {
				if (*v == '%') {
					char byte = (char)(hex_value(v[1]) * 16 + hex_value(v[2]));

					strbuf_add(&piece, &byte, 1);
					v += 2;
				} else {
					strbuf_add(&piece, v, 1);
				}
			}
			if (!mime_utf8_valid(piece.data, piece.len))
				whole = false;
			strbuf_free(&piece);
			p = v;
		}
		ok(whole, "long parameter: every piece is whole UTF-8");
		free(flat);
	}

	/* A long ASCII name is split the same way. */
	memset(value, 'a', 200);
	strcpy(value + 200, ".txt");
	b.len = 0;
	col = 30;
	mime_parameter(&b, &col, "filename", value);
	strbuf_add(&b, "\r\n", 2);
	ok(strstr(b.data, "filename*0*=UTF-8''aaa") != NULL, "long ASCII parameter: continued");
	ok(longest_line(b.data) <= 78, "long ASCII parameter: lines fit 78");
	got = parameter_value(b.data, "filename");
	is_str(got, value, "long ASCII parameter decodes back");
	free(got);

	/* Refused: invalid UTF-8, control characters. */
	b.len = 0;
	col = 10;
	is_int(mime_parameter(&b, &col, "name", "J\xf6rg.txt"), -1, "Latin-1 parameter refused");
	is_int(mime_parameter(&b, &col, "name", "a\r\nX-Evil: 1"), -1, "CRLF parameter refused");
	is_int(mime_parameter(&b, &col, "name", "tab\t.txt"), -1, "tab parameter refused");
	is_int(b.len, 0, "refused parameters append nothing");
	is_int(col, 10, "refused parameters keep the column");
	strbuf_free(&b);
}

/* ----------------------------------------------------------------- base64 */

/* Join the lines (checking each is <= 76 and ends CRLF) and decode. */
static bool base64_decodes_to(const char *text, size_t text_len, const unsigned char *want,
                              size_t want_len)
{
	struct strbuf joined = { 0 };
	gnutls_datum_t in, dec = { NULL, 0 };
	const char *p = text, *end = text + text_len;
	bool good = true;

	while (p < end) {
		const char *crlf = strstr(p, "\r\n");

		if (!crlf || crlf - p > MIME_BASE64_LINE || crlf == p)
			return false;
		if (crlf - p != MIME_BASE64_LINE && crlf + 2 != end)
			return false;   /* only the last line is short */
		strbuf_add(&joined, p, (size_t)(crlf - p));
		p = crlf + 2;
	}
	if (want_len == 0)
		return text_len == 0;
	in.data = (unsigned char *)joined.data;
	in.size = (unsigned)joined.len;
	if (gnutls_base64_decode2(&in, &dec) < 0)
		good = false;
	else
		good = dec.size == want_len && memcmp(dec.data, want, want_len) == 0;
	gnutls_free(dec.data);
	strbuf_free(&joined);
	return good;
}

static void test_base64(void)
{
	struct strbuf b = { 0 }, streamed = { 0 };
	unsigned char *data;
	size_t sizes[] = { 0, 1, 2, 3, 56, 57, 58, 114, 1000, 200000 }, i, pos;

	is_int(mime_base64_lines(&b, "", 0), 0, "base64 of nothing");
	is_int(b.len, 0, "base64 of nothing is nothing");
	mime_base64_lines(&b, "abc", 3);
	is_str(b.data, "YWJj\r\n", "base64 of abc");
	b.len = 0;
	mime_base64_lines(&b, "hello, world", 12);
	is_str(b.data, "aGVsbG8sIHdvcmxk\r\n", "base64 of hello, world");
	strbuf_free(&b);

	data = malloc(200000);
	if (!data)
		abort();
	srand(7);
	for (i = 0; i < 200000; i++)
		data[i] = (unsigned char)rand();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		b.len = 0;
		is_int(mime_base64_lines(&b, data, sizes[i]), 0, "base64 of %zu bytes", sizes[i]);
		ok(base64_decodes_to(b.data, b.len, data, sizes[i]),
		   "base64 of %zu bytes: lines of 76, decodes back", sizes[i]);
	}
	/* Fed in blocks of whole lines, the text is the same. */
	for (pos = 0; pos < 200000; pos += 57 * 37)
		mime_base64_lines(&streamed, data + pos, 200000 - pos < 57 * 37 ? 200000 - pos : 57 * 37);
	ok(streamed.len == b.len && memcmp(streamed.data, b.data, b.len) == 0,
	   "base64 in blocks of 57*37 bytes is the same text");
	strbuf_free(&streamed);
	strbuf_free(&b);
	free(data);
}

/* ------------------------------------------------------- quoted-printable */

static char *qp_encode(const char *data, size_t len)
{
	struct strbuf b = { 0 };
	struct mime_qp qp;

	mime_qp_init(&qp);
	mime_qp_feed(&qp, &b, data, len);
	mime_qp_finish(&qp, &b);
	return b.data ? b.data : calloc(1, 1);
}

/* A strict decoder (RFC 2045 6.7): "=XX", "=" CRLF soft breaks, CRLF hard
 * breaks, printable ASCII, space and tab. false on anything else, a line
 * over 76, or white space ending a line. */
static bool qp_decode(const char *text, size_t len, struct strbuf *out, const char **why)
{
	size_t i, line = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\r') {
			if (i + 1 >= len || text[i + 1] != '\n')
				return *why = "bare CR", false;
			if (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t'))
				return *why = "white space ends a line", false;
			strbuf_add(out, "\r\n", 2);
			i++;
			line = 0;
			continue;
		}
		if (++line > 76)
			return *why = "line over 76", false;
		if (c == '=') {
			if (i + 2 < len && text[i + 1] == '\r' && text[i + 2] == '\n') {
				i += 2;
				line = 0;
				continue;
			}
			if (i + 2 >= len || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0)
				return *why = "bad =XX", false;
			{
				char byte = (char)(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));

				strbuf_add(out, &byte, 1);
			}
			i += 2;
			line += 2;
			if (line > 76)
				return *why = "line over 76", false;
			continue;
		}
		if (c != ' ' && c != '\t' && (c < 33 || c > 126))
			return *why = "a byte that must be encoded", false;
		strbuf_add(out, (const char *)&c, 1);
	}
	if (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		return *why = "white space ends the text", false;
	return true;
}

static void test_qp_exact(void)
{
	static const struct {
		const char *what, *in, *want;
	} cases[] = {
		{ "empty", "", "" },
		{ "plain line", "abc\r\n", "abc\r\n" },
		{ "no final break", "abc", "abc" },
		{ "equals sign", "x=y\r\n", "x=3Dy\r\n" },
		{ "space at line end", "a \r\nb", "a=20\r\nb" },
		{ "tab at line end", "a\t\r\n", "a=09\r\n" },
		{ "space at the end", "end ", "end=20" },
		{ "spaces inside", "a  b\tc\r\n", "a  b\tc\r\n" },
		{ "two spaces at the end", "a  \r\n", "a =20\r\n" },
		{ "lone CR", "a\rb\r\n", "a=0Db\r\n" },
		{ "CR at the end", "a\r", "a=0D" },
		{ "space before a lone CR", "a \rb", "a =0Db" },
		{ "CR CR LF", "a\r\r\n", "a=0D\r\n" },
		{ "lone LF", "a\nb", "a=0Ab" },
		{ "8-bit", "Gr\xc3\xbc\xc3\x9f" "e\r\n", "Gr=C3=BC=C3=9Fe\r\n" },
		{ "empty lines", "\r\n\r\n", "\r\n\r\n" },
		{ "dot line", ".\r\n", ".\r\n" },
		/* A '-' that would start a line: no line looks like a boundary. */
		{ "dash at the start", "--b\r\n", "=2D-b\r\n" },
		{ "dash after a break", "x\r\n--b--\r\n", "x\r\n=2D-b--\r\n" },
		{ "dash inside", "a--b -c\r\n", "a--b -c\r\n" },
	};
	char in[200], want[200];
	size_t i;
	char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = qp_encode(cases[i].in, strlen(cases[i].in));
		is_str(got, cases[i].want, "QP %s", cases[i].what);
		free(got);
	}
	/* 80 letters: 75 and a soft break, then 5. */
	memset(in, 'a', 80);
	strcpy(in + 80, "\r\n");
	memset(want, 'a', 75);
	strcpy(want + 75, "=\r\naaaaa\r\n");
	got = qp_encode(in, strlen(in));
	is_str(got, want, "QP soft break after 75");
	free(got);
	/* An "=XX" is never split by a soft break. */
	memset(in, 'a', 74);
	strcpy(in + 74, "\xc3\xa9\r\n");
	memset(want, 'a', 74);
	strcpy(want + 74, "=\r\n=C3=A9\r\n");
	got = qp_encode(in, strlen(in));
	is_str(got, want, "QP keeps =XX whole");
	free(got);
	/* "--b" where the soft break falls: the new line starts "=2D". */
	memset(in, 'a', 75);
	strcpy(in + 75, "--b\r\n");
	memset(want, 'a', 75);
	strcpy(want + 75, "=\r\n=2D-b\r\n");
	got = qp_encode(in, strlen(in));
	is_str(got, want, "QP: a dash after a soft break is =2D");
	free(got);
	memset(in, 'a', 74);
	strcpy(in + 74, " --b\r\n");
	memset(want, 'a', 74);
	strcpy(want + 74, " =\r\n=2D-b\r\n");
	got = qp_encode(in, strlen(in));
	is_str(got, want, "QP: a dash after a space and a soft break is =2D");
	free(got);
}

/* Random text drawn mostly from the characters that matter to QP. */
static size_t random_text(unsigned char *buf, size_t max)
{
	static const char tricky[] = "  \t\t==\r\r\n\n..xyzAB~!--";
	size_t len = (size_t)rand() % (max + 1), i;
	int mode = rand() % 4;

	if (rand() % 10 == 0)
		len = (size_t)rand() % 3;   /* tiny inputs too */
	for (i = 0; i < len; i++) {
		int r = rand() % 100;

		if (mode == 0 || r < 40)
			buf[i] = (unsigned char)tricky[rand() % (sizeof(tricky) - 1)];
		else if (mode == 1 && r < 90)
			buf[i] = 'a' + (unsigned char)(rand() % 26);   /* long lines */
		else if (r < 95)
			buf[i] = (unsigned char)rand();
		else
			buf[i] = (unsigned char)(r < 98 ? '\r' : '\n');
	}
	/* Sometimes a CRLF at the end, sometimes white space. */
	if (len >= 2 && rand() % 3 == 0)
		memcpy(buf + len - 2, "\r\n", 2);
	else if (len >= 1 && rand() % 3 == 0)
		buf[len - 1] = rand() % 2 ? ' ' : '\t';
	return len;
}

static void test_qp_random(void)
{
	enum { ROUNDS = 3000, MAX = 5000 };
	unsigned char *in = malloc(MAX);
	int round, decoded = 0, same_split = 0, ends_right = 0, no_dash_start = 0;
	const char *why = "";

	if (!in)
		abort();
	srand(2045);
	for (round = 0; round < ROUNDS; round++) {
		size_t len = random_text(in, MAX), pos = 0, bounded = 0;
		char *whole = qp_encode((const char *)in, len);
		struct strbuf split = { 0 }, back = { 0 };
		struct mime_qp qp;
		size_t whole_len = strlen(whole);
		bool ends_crlf = len >= 2 && in[len - 2] == '\r' && in[len - 1] == '\n';

		if (round == 0) {
			/* A line of 2000 octets with spaces, '=' and 8-bit bytes. */
			size_t i;

			free(whole);
			len = 2002;
			for (i = 0; i < 2000; i++)
				in[i] = (unsigned char)("ab =\xe9\t"[i % 6]);
			memcpy(in + 2000, "\r\n", 2);
			whole = qp_encode((const char *)in, len);
			whole_len = strlen(whole);
			ends_crlf = true;
		}
		if (qp_decode(whole, whole_len, &back, &why) && back.len == len &&
		    (len == 0 || memcmp(back.data, in, len) == 0))
			decoded++;
		else
			printf("# round %d: %s (len %zu)\n", round, why, len);
		/* Cut into random blocks, the output is the same. */
		mime_qp_init(&qp);
		while (pos < len && bounded++ < MAX + 1) {
			size_t n = (size_t)rand() % 8 == 0 ? 0 : 1 + (size_t)rand() % (rand() % 2 ? 3 : 200);

			if (n > len - pos)
				n = len - pos;
			mime_qp_feed(&qp, &split, (const char *)in + pos, n);
			pos += n;
		}
		mime_qp_finish(&qp, &split);
		if (split.len == whole_len && (whole_len == 0 || memcmp(split.data, whole, whole_len) == 0))
			same_split++;
		if (ends_crlf == (whole_len >= 2 && strcmp(whole + whole_len - 2, "\r\n") == 0))
			ends_right++;
		if (whole[0] != '-' && !strstr(whole, "\n-"))
			no_dash_start++;
		strbuf_free(&split);
		strbuf_free(&back);
		free(whole);
	}
	is_int(decoded, ROUNDS, "QP: %d random texts decode back exactly (strict decoder)", ROUNDS);
	is_int(same_split, ROUNDS, "QP: output does not depend on how the input is cut");
	is_int(ends_right, ROUNDS, "QP: output ends in CRLF exactly when the input does");
	is_int(no_dash_start, ROUNDS, "QP: no output line starts with '-'");
	free(in);
}

/* ------------------------------------------------------------ media types */

static void test_media_types(void)
{
	char dir[] = "/tmp/test_mime.XXXXXX", path[256], buf[128], small[16];
	char long_line[3000];
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/mime.types", dir);
	f = fopen(path, "w");
	if (!f)
		abort();
	memset(long_line, 'z', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	fprintf(f, "# media types for the test\n"
	           "\n"
	           "application/pdf\t\t\t\tpdf\n"
	           "text/plain  txt text log   # comment txtx\n"
	           "image/jpeg jpeg jpg jpe\n"
	           "text/x-%s lng\n"
	           "application/x-%s longtype\n"
	           "bad\"type/x evil\n"
	           "noslash evil2\n"
	           "# text/html html\n"
	           "text/csv csv\n"
	           "application/x-first dup\n"
	           "application/x-second dup\n"
	           "application/x-tar tar", long_line, long_line + 2850);
	fclose(f);

	static const struct {
		const char *file, *want;
	} cases[] = {
		{ "report.pdf", "application/pdf" },
		{ "REPORT.PDF", "application/pdf" },
		{ "/var/log/syslog.log", "text/plain" },
		{ "photo.JpG", "image/jpeg" },
		{ "a.b.c.txt", "text/plain" },
		{ "data.csv", "text/csv" },
		{ "dup.dup", "application/x-first" },
		{ "archive.tar", "application/x-tar" },
		{ "noext", "application/octet-stream" },
		{ ".txt", "application/octet-stream" },
		{ "dir.txt/file", "application/octet-stream" },
		{ "trailing.", "application/octet-stream" },
		{ "page.html", "application/octet-stream" },
		{ "x.txtx", "application/octet-stream" },
		{ "x.lng", "application/octet-stream" },
		{ "x.longtype", "application/octet-stream" },
		{ "x.evil", "application/octet-stream" },
		{ "x.evil2", "application/octet-stream" },
		{ "x.text", "text/plain" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mime_type_for_name(path, cases[i].file, buf, sizeof(buf));
		is_str(buf, cases[i].want, "media type of %s", cases[i].file);
	}
	mime_type_for_name(path, "report.pdf", small, sizeof(small));
	is_str(small, "application/pdf", "a type that fits a small buffer");
	mime_type_for_name(path, "archive.tar", small, sizeof(small));
	ok(strstr(small, "x-tar") == NULL, "a type longer than the buffer is no match");
	mime_type_for_name("/nonexistent/mime.types", "report.pdf", buf, sizeof(buf));
	is_str(buf, "application/octet-stream", "a missing mime.types: octet-stream");
	if (access("/etc/mime.types", R_OK) == 0) {
		mime_type_for_name(NULL, "report.pdf", buf, sizeof(buf));
		is_str(buf, "application/pdf", "NULL means /etc/mime.types");
	} else {
		ok(1, "# SKIP no /etc/mime.types");
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_utf8();
	test_field_names();
	test_unstructured();
	test_phrases();
	test_phrases_at();
	test_folded_words();
	test_parameters();
	test_base64();
	test_qp_exact();
	test_qp_random();
	test_media_types();
	return tap_done();
}
