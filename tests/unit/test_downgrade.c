/* test_downgrade.c - 8-bit MIME parts made quoted-printable for a server
 * without 8BITMIME: what is converted, what is kept byte for byte, and
 * when the message cannot be made 7-bit at all. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE       /* mkstemp */
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "downgrade.h"
#include "tap.h"

#define UTF8_TEXT "Gr\303\274\303\237e aus K\303\266ln"

struct result {
	int status;                  /* what downgrade_to_7bit returned */
	char *text;                  /* the new file (status 1) */
	size_t len;
	bool size_ok;                /* *new_size matched the file */
	bool rewound;                /* the file was at offset 0 */
	struct outcome out;
};

static int spool_of(const char *text, size_t len)
{
	char path[] = "/tmp/test_downgrade.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0) {
		perror("mkstemp");
		exit(99);
	}
	unlink(path);
	if (write(fd, text, len) != (ssize_t)len) {
		perror("write");
		exit(99);
	}
	return fd;
}

static char *read_all(int fd, size_t *len, bool *rewound)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	ssize_t got;

	*rewound = lseek(fd, 0, SEEK_CUR) == 0;
	while (buf && (got = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)got;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	if (!buf)
		exit(99);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static struct result run_len(const char *msg, size_t len)
{
	struct result r = { 0 };
	int spool = spool_of(msg, len), fd = -1;
	off_t new_size = -1;

	r.status = downgrade_to_7bit(spool, (off_t)len, &fd, &new_size, &r.out);
	if (r.status == 1) {
		r.text = read_all(fd, &r.len, &r.rewound);
		r.size_ok = new_size == (off_t)r.len;
		close(fd);
	}
	close(spool);
	return r;
}

static struct result run(const char *msg)
{
	return run_len(msg, strlen(msg));
}

/* RFC 2045 6.7 decoding: soft breaks dropped, =XX made a byte. */
static char *qp_decode(const char *s, size_t len, size_t *out_len)
{
	char *d = malloc(len + 1);
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '=') {
			d[o++] = s[i];
		} else if (i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
		} else if (i + 2 < len) {
			char hex[3] = { s[i + 1], s[i + 2], '\0' };

			d[o++] = (char)strtol(hex, NULL, 16);
			i += 2;
		}
	}
	d[o] = '\0';
	*out_len = o;
	return d;
}

/* The text between the first `before` and the next `after` ("": the end). */
static const char *between(const char *text, const char *before, const char *after,
                           size_t *len)
{
	const char *start = strstr(text, before), *end;

	if (!start)
		return NULL;
	start += strlen(before);
	end = *after ? strstr(start, after) : start + strlen(start);
	if (!end)
		return NULL;
	*len = (size_t)(end - start);
	return start;
}

/* The QP between `before` and `after` decodes to `want`. */
static void decodes_to(const struct result *r, const char *before, const char *after,
                       const char *want, size_t want_len, const char *name)
{
	size_t len = 0, dlen = 0;
	const char *qp = r->text ? between(r->text, before, after, &len) : NULL;
	char *plain = qp ? qp_decode(qp, len, &dlen) : NULL;

	ok(plain && dlen == want_len && memcmp(plain, want, want_len) == 0,
	   "%s: the quoted-printable decodes to the original bytes", name);
	free(plain);
}

/* Every byte 7-bit, no line over 998 octets. */
static bool is_7bit_text(const struct result *r)
{
	size_t line = 0;

	for (size_t i = 0; i < r->len; i++) {
		if ((unsigned char)r->text[i] >= 0x80)
			return false;
		if (r->text[i] == '\n')
			line = 0;
		else if (++line > 998)
			return false;
	}
	return true;
}

static void is_converted(const struct result *r, const char *name)
{
	is_int(r->status, 1, "%s: converted", name);
	ok(r->size_ok && r->rewound, "%s: the new file is rewound and its size given", name);
	ok(r->text && is_7bit_text(r), "%s: the result is 7-bit", name);
}

static void free_result(struct result *r)
{
	free(r->text);
}

#define TOP "From: a@example.org\r\nTo: b@example.org\r\nSubject: test\r\n"

static void test_single_part(void)
{
	const char *msg = TOP "MIME-Version: 1.0\r\n"
	                  "Content-Type: text/plain; charset=utf-8\r\n"
	                  "Content-Transfer-Encoding: 8bit\r\n"
	                  "\r\n" UTF8_TEXT "\r\nline two \r\n";
	struct result r = run(msg);
	const char *header = TOP "MIME-Version: 1.0\r\n"
	                     "Content-Type: text/plain; charset=utf-8\r\n"
	                     "Content-Transfer-Encoding: quoted-printable\r\n\r\n";

	is_converted(&r, "single part");
	ok(r.text && strncmp(r.text, header, strlen(header)) == 0,
	   "single part: the header is kept, CTE replaced in place");
	ok(r.text && strstr(r.text, "Gr=C3=BC=C3=9Fe") != NULL, "single part: u-umlaut and sharp s as =XX");
	decodes_to(&r, "quoted-printable\r\n\r\n", "", UTF8_TEXT "\r\nline two \r\n",
	           strlen(UTF8_TEXT "\r\nline two \r\n"), "single part");
	free_result(&r);
}

static void test_mixed_with_base64(void)
{
	const char *b64 = "Content-Type: application/octet-stream; name=\"x.bin\"\r\n"
	                  "Content-Transfer-Encoding: base64\r\n"
	                  "\r\n"
	                  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\r\n"
	                  "MDE=\r\n";
	char msg[2048];
	struct result r;

	snprintf(msg, sizeof(msg),
	         TOP "MIME-Version: 1.0\r\n"
	         "Content-Type: multipart/mixed; boundary=\"=_b1\"\r\n"
	         "\r\n"
	         "This is a MIME message.\r\n"
	         "--=_b1\r\n"
	         "Content-Type: text/plain; charset=UTF-8\r\n"
	         "Content-Transfer-Encoding: 8bit\r\n"
	         "\r\n"
	         UTF8_TEXT "\r\n"
	         "\r\n"
	         "--=_b1\r\n"
	         "%s"
	         "--=_b1--\r\n"
	         "epilogue\r\n", b64);
	r = run(msg);
	is_converted(&r, "multipart/mixed");
	ok(r.text && strstr(r.text, "\r\n--=_b1\r\n" "Content-Type: text/plain; charset=UTF-8\r\n"
	                    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"),
	   "multipart/mixed: the text part is declared quoted-printable");
	ok(r.text && strstr(r.text, "\r\n--=_b1\r\n") &&
	   strstr(r.text, b64) && strstr(r.text, "\r\n--=_b1--\r\nepilogue\r\n"),
	   "multipart/mixed: the base64 part and the epilogue are byte-identical");
	/* The CRLF before the delimiter belongs to it: the body ends with one
	 * empty line, which decodes back as it was. */
	decodes_to(&r, "UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
	           "\r\n--=_b1\r\n", UTF8_TEXT "\r\n", strlen(UTF8_TEXT "\r\n"),
	           "multipart/mixed");
	ok(r.text && strncmp(r.text, msg, (size_t)(strstr(msg, "Content-Transfer") - msg)) == 0,
	   "multipart/mixed: the top header section and preamble are unchanged");
	free_result(&r);
}

static void test_nested_alternative(void)
{
	const char *msg = TOP "MIME-Version: 1.0\r\n"
	                  "Content-Type: MULTIPART/Mixed;\r\n\tBOUNDARY=outer (a comment)\r\n"
	                  "\r\n"
	                  "--outer\r\n"
	                  "Content-Type: multipart/alternative; boundary=\"in ner\"\r\n"
	                  "\r\n"
	                  "--in ner\r\n"
	                  "Content-Type: text/plain; charset=utf-8\r\n"
	                  "\r\n"
	                  "plain " UTF8_TEXT " \r\n"
	                  "--in ner\r\n"
	                  "Content-Type: text/html; charset=utf-8\r\n"
	                  "Content-Transfer-Encoding: (old) 8BIT\r\n"
	                  "X-After: kept\r\n"
	                  "\r\n"
	                  "<p>" UTF8_TEXT "</p>\r\n"
	                  "--in ner--\r\n"
	                  "--outer\r\n"
	                  "Content-Type: text/plain\r\n"
	                  "\r\n"
	                  "ascii only\r\n"
	                  "--outer--\r\n";
	struct result r = run(msg);

	is_converted(&r, "nested alternative");
	ok(r.text && strstr(r.text, "charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
	                    "\r\n"),
	   "nested: a part without CTE gets one at the end of its header section");
	ok(r.text && strstr(r.text, "text/html; charset=utf-8\r\n"
	                    "Content-Transfer-Encoding: quoted-printable\r\nX-After: kept\r\n\r\n"),
	   "nested: the old CTE field is replaced where it stood");
	decodes_to(&r, "charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
	           "\r\n--in ner\r\n", "plain " UTF8_TEXT " ", strlen("plain " UTF8_TEXT " "),
	           "nested text (trailing space kept)");
	decodes_to(&r, "X-After: kept\r\n\r\n", "\r\n--in ner--\r\n",
	           "<p>" UTF8_TEXT "</p>", strlen("<p>" UTF8_TEXT "</p>"), "nested html");
	ok(r.text && strstr(r.text, "--in ner--\r\n--outer\r\nContent-Type: text/plain\r\n\r\n"
	                    "ascii only\r\n--outer--\r\n"),
	   "nested: the ASCII part is byte-identical");
	free_result(&r);
}

static void test_cannot(const char *name, const char *msg)
{
	struct result r = run(msg);

	is_int(r.status, 0, "%s: cannot be made 7-bit (0)", name);
	free_result(&r);
}

static void test_refusals(void)
{
	test_cannot("no MIME-Version", TOP "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	            UTF8_TEXT "\r\n");
	test_cannot("8-bit in the header section", TOP "MIME-Version: 1.0\r\n"
	            "X-Name: " UTF8_TEXT "\r\n\r\n" UTF8_TEXT "\r\n");
	test_cannot("8-bit in a part's header section", TOP "MIME-Version: 1.0\r\n"
	            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	            "Content-Disposition: attachment; filename=\"" UTF8_TEXT "\"\r\n\r\n"
	            "x\r\n--b--\r\n");
	test_cannot("8-bit in the preamble", TOP "MIME-Version: 1.0\r\n"
	            "Content-Type: multipart/mixed; boundary=b\r\n\r\n" UTF8_TEXT "\r\n--b\r\n"
	            "\r\nx\r\n--b--\r\n");
	test_cannot("8-bit in the epilogue", TOP "MIME-Version: 1.0\r\n"
	            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	            "\r\nx\r\n--b--\r\n" UTF8_TEXT "\r\n");
	test_cannot("8-bit in a base64 part", TOP "MIME-Version: 1.0\r\n"
	            "Content-Transfer-Encoding: base64\r\n\r\n" UTF8_TEXT "\r\n");
	test_cannot("a part declared binary", TOP "MIME-Version: 1.0\r\n"
	            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	            "Content-Transfer-Encoding: binary\r\n\r\nx\r\n--b\r\n\r\n"
	            UTF8_TEXT "\r\n--b--\r\n");
	test_cannot("8-bit in message/rfc822", TOP "MIME-Version: 1.0\r\n"
	            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	            "Content-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\n" UTF8_TEXT "\r\n"
	            "--b--\r\n");
	test_cannot("8-bit in a digest part (message/rfc822 by default)", TOP
	            "MIME-Version: 1.0\r\n"
	            "Content-Type: multipart/digest; boundary=b\r\n\r\n--b\r\n"
	            "\r\nSubject: x\r\n\r\n" UTF8_TEXT "\r\n--b--\r\n");
	test_cannot("8-bit inside a multipart declared 8bit", TOP "MIME-Version: 1.0\r\n"
	            "Content-Type: multipart/mixed; boundary=b\r\n"
	            "Content-Transfer-Encoding: 8bit\r\n\r\n--b\r\n"
	            "\r\n" UTF8_TEXT "\r\n--b--\r\n");
	test_cannot("no empty line before a body to convert", TOP "MIME-Version: 1.0\r\n"
	            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	            "Content-Type: text/plain\r\n" UTF8_TEXT "\r\n--b--\r\n");
}

static void test_part_without_cte(void)
{
	const char *msg = TOP "MIME-Version: 1.0\r\n"
	                  "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	                  "--b\r\n"
	                  "\r\n"
	                  UTF8_TEXT "\r\n"
	                  "--b--\r\n";
	struct result r = run(msg);

	is_converted(&r, "part without header fields");
	ok(r.text && strstr(r.text, "--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"),
	   "part without header fields: CTE added");
	decodes_to(&r, "--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", "\r\n--b--",
	           UTF8_TEXT, strlen(UTF8_TEXT), "part without header fields");
	free_result(&r);
}

static void test_7bit_message(void)
{
	const char *msg = TOP "MIME-Version: 1.0\r\n"
	                  "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	                  "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n";
	struct result r = run(msg);

	is_int(r.status, 1, "7-bit message: 1");
	ok(r.text && r.len == strlen(msg) && memcmp(r.text, msg, r.len) == 0,
	   "7-bit message: a byte-identical copy");
	free_result(&r);
}

static void test_missing_close(void)
{
	const char *msg = TOP "MIME-Version: 1.0\r\n"
	                  "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	                  "--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n"
	                  "--c\r\n\r\nfirst " UTF8_TEXT "\r\n"
	                  "--b\r\n\r\nsecond " UTF8_TEXT "\r\n";
	struct result r = run(msg);

	is_converted(&r, "missing close delimiters");
	decodes_to(&r, "--c\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", "\r\n--b\r\n",
	           "first " UTF8_TEXT, strlen("first " UTF8_TEXT),
	           "an outer delimiter ends the inner multipart");
	decodes_to(&r, "--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", "",
	           "second " UTF8_TEXT "\r\n", strlen("second " UTF8_TEXT "\r\n"),
	           "the last part runs to the end");
	free_result(&r);
}

/* A line over 998 octets needs quoted-printable even when it is ASCII; and
 * a message larger than the read block, with a line longer than it. */
static void test_long_lines(void)
{
	const char *head = TOP "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n";
	size_t body_len = 3 * 1024 * 1024, line = 300 * 1024;
	size_t head_len = strlen(head);
	char *msg = malloc(head_len + body_len + 1);
	struct result r;

	memcpy(msg, head, head_len);
	for (size_t i = 0; i < body_len; i++) {
		size_t at = i % line;

		msg[head_len + i] = at == line - 2 ? '\r' : at == line - 1 ? '\n'
		                  : i % 5000 == 7 ? (char)0xc3 : i % 5000 == 8 ? (char)0xa9
		                  : (char)('a' + i % 26);
	}
	msg[head_len + body_len - 2] = '\r';
	msg[head_len + body_len - 1] = '\n';
	msg[head_len + body_len] = '\0';
	r = run_len(msg, head_len + body_len);
	is_converted(&r, "long lines over many blocks");
	decodes_to(&r, "quoted-printable\r\n\r\n", "", msg + head_len, body_len,
	           "long lines over many blocks");
	free_result(&r);

	memset(msg + head_len, 'x', 1200);
	memcpy(msg + head_len + 1200, "\r\n", 3);
	r = run(msg);
	is_converted(&r, "one ASCII line of 1200 octets");
	decodes_to(&r, "quoted-printable\r\n\r\n", "", msg + head_len, 1202,
	           "one ASCII line of 1200 octets");
	free_result(&r);
	free(msg);
}

/* Lines that are a delimiter of boundary `b` (RFC 2046 5.1.1: "--b" or
 * "--b--", then only white space). */
static size_t delimiter_lines(const char *text, size_t len, const char *b)
{
	size_t n = 0, blen = strlen(b);
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p + 2 + blen;

		if (!eol)
			eol = end;
		if (eol - p >= (ptrdiff_t)(2 + blen) && p[0] == '-' && p[1] == '-' &&
		    memcmp(p + 2, b, blen) == 0) {
			if (q + 2 <= eol && q[0] == '-' && q[1] == '-')
				q += 2;
			while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q == eol)
				n++;
		}
		p = eol + 1;
	}
	return n;
}

/* A body line ending in "--b" where the encoder puts a soft break, in a
 * multipart whose boundary is the plain word "b": the new line must not
 * start "--b" and so become a delimiter (a part injected). */
static void test_dash_at_soft_break(void)
{
	char msg[1024], line[128];
	struct result r;

	memset(line, 'a', 75);
	strcpy(line + 75, "--b");
	snprintf(msg, sizeof(msg),
	         TOP "MIME-Version: 1.0\r\n"
	         "Content-Type: multipart/mixed; boundary=b\r\n"
	         "\r\n"
	         "--b\r\n"
	         "Content-Type: text/plain; charset=utf-8\r\n"
	         "\r\n"
	         UTF8_TEXT "\r\n%s\r\n"
	         "--b\r\n"
	         "Content-Type: text/plain\r\n"
	         "\r\n"
	         "second\r\n"
	         "--b--\r\n", line);
	r = run(msg);
	is_converted(&r, "a dash at a soft break");
	is_int(delimiter_lines(msg, strlen(msg), "b"), 3, "the message has three delimiter lines");
	is_int(r.text ? delimiter_lines(r.text, r.len, "b") : 0, 3,
	       "a dash at a soft break: still three delimiter lines (the part count unchanged)");
	ok(r.text && strstr(r.text, "=\r\n=2D-b\r\n") != NULL,
	   "a dash at a soft break: the new line starts =2D");
	{
		char want[256];

		snprintf(want, sizeof(want), UTF8_TEXT "\r\n%s", line);
		decodes_to(&r, "quoted-printable\r\n\r\n", "\r\n--b\r\n", want, strlen(want),
		           "a dash at a soft break");
	}
	free_result(&r);
}

int main(void)
{
	test_single_part();
	test_mixed_with_base64();
	test_nested_alternative();
	test_refusals();
	test_part_without_cte();
	test_7bit_message();
	test_missing_close();
	test_long_lines();
	test_dash_at_soft_break();
	return tap_done();
}
