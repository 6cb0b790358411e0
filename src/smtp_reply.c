/* smtp_reply.c - parse what an SMTP server says: reply lines into replies
 * (RFC 5321 4.2, enhanced codes RFC 3463), and an EHLO reply into
 * capabilities. No I/O: the conversation (smtp.c) feeds the lines. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_reply.h"

/* ------------------------------------------------------------ replies */

void smtp_reply_begin(struct smtp_reply *r)
{
	r->code = 0;
	r->enhanced[0] = '\0';
	r->nlines = 0;
	r->text_len = 0;
	r->text[0] = '\0';
}

/* An RFC 3463 status code "C.SSS.DDD" at the start of s whose class matches
 * the reply's first digit; returns its length, 0 when there is none. */
static size_t enhanced_code_length(const char *s, size_t len, char reply_class)
{
	size_t i = 0, digits;

	if (len < 5 || s[0] != reply_class || s[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		for (digits = 0; i < len && isdigit((unsigned char)s[i]) && digits < 3; i++)
			digits++;
		if (digits == 0)
			return 0;
		if (part == 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < len && s[i] != ' ')
		return 0;
	return i;
}

int smtp_reply_add_line(struct smtp_reply *r, const char *line, size_t len,
                        char *err, size_t errlen)
{
	int code;
	bool last;
	size_t skip;

	if (len > SMTP_LINE_MAX) {
		snprintf(err, errlen, "reply line longer than %d octets", SMTP_LINE_MAX);
		return -1;
	}
	if (r->nlines >= SMTP_REPLY_LINES_MAX) {
		snprintf(err, errlen, "reply longer than %d lines", SMTP_REPLY_LINES_MAX);
		return -1;
	}
	if (len < 3 || !(line[0] >= '2' && line[0] <= '5') || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) || (len > 3 && line[3] != ' ' && line[3] != '-')) {
		snprintf(err, errlen, "malformed reply line");
		return -1;
	}
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines > 0 && code != r->code) {
		snprintf(err, errlen, "reply code changed from %d to %d within one reply", r->code, code);
		return -1;
	}
	r->code = code;
	last = len == 3 || line[3] == ' ';
	line += len > 3 ? 4 : 3;
	len -= len > 3 ? 4 : 3;

	skip = enhanced_code_length(line, len, (char)('0' + code / 100));
	if (skip) {
		if (r->nlines == 0)
			snprintf(r->enhanced, sizeof(r->enhanced), "%.*s", (int)skip, line);
		line += skip;
		len -= skip;
		while (len > 0 && *line == ' ') {
			line++;
			len--;
		}
	}
	if (r->nlines > 0)
		r->text[r->text_len++] = '\n';
	memcpy(r->text + r->text_len, line, len);
	r->text_len += len;
	r->text[r->text_len] = '\0';
	r->nlines++;
	return last ? 1 : 0;
}

/* ------------------------------------------------------------ capabilities */

static bool keyword_is(const char *word, size_t len, const char *keyword)
{
	return strlen(keyword) == len && strncasecmp(word, keyword, len) == 0;
}

static void caps_parse_line(struct smtp_caps *caps, const char *line, size_t len)
{
	size_t kw = 0;

	while (kw < len && line[kw] != ' ' && line[kw] != '=')
		kw++;
	if (keyword_is(line, kw, "PIPELINING"))
		caps->pipelining = true;
	else if (keyword_is(line, kw, "8BITMIME"))
		caps->eightbitmime = true;
	else if (keyword_is(line, kw, "SMTPUTF8"))
		caps->smtputf8 = true;
	else if (keyword_is(line, kw, "STARTTLS"))
		caps->starttls = true;
	else if (keyword_is(line, kw, "CHUNKING"))
		caps->chunking = true;
	else if (keyword_is(line, kw, "DSN"))
		caps->dsn = true;
	else if (keyword_is(line, kw, "ENHANCEDSTATUSCODES"))
		caps->enhancedstatuscodes = true;
	else if (keyword_is(line, kw, "SIZE")) {
		caps->size_offered = true;
		caps->size_limit = kw < len ? strtoull(line + kw + 1, NULL, 10) : 0;
	} else if (keyword_is(line, kw, "AUTH") && kw < len) {
		snprintf(caps->auth, sizeof(caps->auth), "%.*s", (int)(len - kw - 1), line + kw + 1);
	}
}

void smtp_caps_parse(struct smtp_caps *caps, const struct smtp_reply *r)
{
	const char *p = r->text, *end = r->text + r->text_len;

	memset(caps, 0, sizeof(*caps));
	caps->esmtp = true;
	/* The first line is the server's name, not a capability. */
	p = memchr(p, '\n', (size_t)(end - p));
	while (p && p < end) {
		const char *line = p + 1;
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);

		caps_parse_line(caps, line, len);
		p = nl;
	}
}
