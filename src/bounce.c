/* bounce.c - the delivery status notification for a message given up on:
 * a multipart/report (RFC 6522) holding a few lines for people, the
 * machine-readable message/delivery-status (RFC 3464) and the original
 * header section (text/rfc822-headers). Built in memory (it is small: the
 * copied headers are bounded), then written to an unlinked file. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE       /* pread, strnlen */
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "bounce.h"
#include "fileio.h"
#include "strbuf.h"
#include "headers.h"
#include "mime.h"

#define STEP "bounce"
#define ORIGINAL_HEADERS_MAX (64 * 1024)
#define LINE_MAX_OCTETS 998
#define FOLD_AT 76               /* where folded text is wrapped, when it can be */
#define DIAGNOSTIC_MAX 900       /* octets of a server reply kept for Diagnostic-Code */
#define BOUNDARY_PREFIX "=_postie_report_"

/* The bounce being built. A failed allocation sticks: later appends do
 * nothing and the caller reports it once. */
struct report {
	struct strbuf text;
	bool eight_bit;
};

static void add(struct report *r, const char *s, size_t n)
{
	for (size_t i = 0; i < n && !r->eight_bit; i++)
		if ((unsigned char)s[i] >= 0x80)
			r->eight_bit = true;
	strbuf_add(&r->text, s, n);
}

static void add_str(struct report *r, const char *s)
{
	add(r, s, strlen(s));
}

static void addf(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct report *r, const char *fmt, ...)
{
	char line[LINE_MAX_OCTETS + 3];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->text.failed = true;
		return;
	}
	add(r, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* ------------------------------------------------------------ text */

/* Remote or queued text made safe for a line of the report: control
 * characters (and with !keep_8bit every non-ASCII byte) become '?'. */
static char *sanitized(const char *text, size_t max, bool keep_8bit)
{
	size_t n = strnlen(text, max);
	char *copy = malloc(n + 1);

	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		copy[i] = c < 0x20 || c == 0x7f || (c >= 0x80 && !keep_8bit) ? '?' : (char)c;
	}
	copy[n] = '\0';
	return copy;
}

/* Write `text` on a line that already holds `used` octets, folding at
 * spaces so lines stay near FOLD_AT; continuation lines start with
 * `indent`. A word longer than a line stays whole: the callers' caps
 * (at most 900 octets of text) keep every line under 998 octets. */
static void add_wrapped(struct report *r, size_t used, const char *text, const char *indent)
{
	const char *p = text;
	bool first = true;

	while (*p == ' ')
		p++;
	while (*p) {
		size_t word = strcspn(p, " ");

		if (!first && used + 1 + word > FOLD_AT) {
			add_str(r, "\r\n");
			add_str(r, indent);
			used = strlen(indent);
		} else if (!first) {
			add_str(r, " ");
			used++;
		}
		add(r, p, word);
		used += word;
		first = false;
		p += word;
		while (*p == ' ')
			p++;
	}
	add_str(r, "\r\n");
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* RFC 6533 utf-8-addr-xtext: an internationalised address in 7-bit, each
 * non-ASCII character (and '\', '+', '=', controls) as \x{HEX}. */
static void add_utf8_address(struct report *r, const char *addr)
{
	const unsigned char *p = (const unsigned char *)addr;
	size_t len = strlen(addr);

	for (size_t i = 0; i < len; ) {
		unsigned cp = p[i];
		size_t n = 1;

		if (cp >= 0x80) {
			n = utf8_decode(p + i, len - i, &cp);
			if (n == 0) {
				cp = 0xFFFD;
				n = 1;
			}
		}
		if (cp > 0x20 && cp < 0x7f && cp != '\\' && cp != '+' && cp != '=')
			add(r, (const char *)p + i, 1);
		else
			addf(r, "\\x{%X}", cp);
		i += n;
	}
}

/* ------------------------------------------------------------ the parts */

static void add_headers(struct report *r, const struct bounce_input *in, const char *boundary,
                        const char *message_id)
{
	const char *sender = in->env->from ? in->env->from : "";
	char date[64];

	addf(r, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n", in->reporting_host);
	add_str(r, "To: <");
	add(r, sender, strnlen(sender, ADDRESS_MAX));
	add_str(r, ">\r\n");
	add_str(r, "Subject: Undelivered Mail Returned to Sender\r\n");
	if (headers_format_date(in->now, date, sizeof(date)) > 0)
		addf(r, "Date: %s\r\n", date);
	addf(r, "Message-ID: %s\r\n", message_id);
	add_str(r, "Auto-Submitted: auto-replied\r\n");
	add_str(r, "MIME-Version: 1.0\r\n");
	add_str(r, "Content-Type: multipart/report; report-type=delivery-status;\r\n");
	addf(r, "\tboundary=\"%s\"\r\n", boundary);
	add_str(r, "\r\n");
	add_str(r, "This is a MIME-encapsulated message: a delivery status notification.\r\n");
}

static void add_explanation(struct report *r, const struct bounce_input *in,
                            const char *reason, const char *boundary)
{
	const struct queue_envelope *env = in->env;

	addf(r, "\r\n--%s\r\n", boundary);
	add_str(r, "Content-Type: text/plain; charset=utf-8\r\n");
	add_str(r, "Content-Description: Notification\r\n\r\n");
	addf(r, "This is postie at %s.\r\n\r\n", in->reporting_host);
	add_str(r, env->rcpts.n == 1
	        ? "Your message could not be delivered to this recipient,\r\n"
	        : "Your message could not be delivered to these recipients,\r\n");
	add_str(r, "and no further attempt will be made:\r\n\r\n");
	for (size_t i = 0; i < env->rcpts.n; i++) {
		add_str(r, "    <");
		add(r, env->rcpts.items[i], strnlen(env->rcpts.items[i], ADDRESS_MAX));
		add_str(r, ">\r\n");
	}
	add_str(r, "\r\nWhat happened:\r\n");
	add_str(r, "    ");
	add_wrapped(r, 4, reason, "    ");
	if (env->message_id && env->message_id[0]) {
		char *id = sanitized(env->message_id, 900, false);

		if (id)
			addf(r, "\r\nYour message's Message-ID: %s\r\n", id);
		free(id);
	}
	add_str(r, "\r\nThe delivery report and your message's header are attached.\r\n");
}

static void add_recipient_status(struct report *r, const struct bounce_input *in,
                                 const char *rcpt, const char *status, const char *diagnostic)
{
	add_str(r, "\r\n");
	if (is_ascii(rcpt)) {
		add_str(r, "Final-Recipient: rfc822; ");
		add(r, rcpt, strnlen(rcpt, ADDRESS_MAX));
	} else {
		add_str(r, "Final-Recipient: utf-8; ");
		add_utf8_address(r, rcpt);
	}
	add_str(r, "\r\nAction: failed\r\n");
	addf(r, "Status: %s\r\n", status);
	if (diagnostic && diagnostic[0]) {
		add_str(r, "Diagnostic-Code: smtp; ");
		add_wrapped(r, strlen("Diagnostic-Code: smtp; "), diagnostic, "\t");
	}
	if (in->now) {
		char date[64];

		if (headers_format_date(in->now, date, sizeof(date)) > 0)
			addf(r, "Last-Attempt-Date: %s\r\n", date);
	}
}

/* RFC 3463 class.subject.detail, with a class of 4 or 5 for "failed". */
static bool is_status_code(const char *s)
{
	unsigned a, b, c;
	int end = 0;

	return s && sscanf(s, "%1u.%3u.%3u%n", &a, &b, &c, &end) == 3 && s[end] == '\0' &&
	       (a == 4 || a == 5);
}

static void add_delivery_status(struct report *r, const struct bounce_input *in,
                                const char *diagnostic, const char *boundary)
{
	const struct queue_envelope *env = in->env;
	const char *status = is_status_code(in->status) ? in->status : "5.0.0";
	char date[64];

	addf(r, "\r\n--%s\r\n", boundary);
	add_str(r, "Content-Type: message/delivery-status\r\n");
	add_str(r, "Content-Description: Delivery report\r\n\r\n");
	addf(r, "Reporting-MTA: dns; %s\r\n", in->reporting_host);
	if (env->dsn_envid && env->dsn_envid[0]) {
		char *envid = sanitized(env->dsn_envid, 100, false);

		if (envid)
			addf(r, "Original-Envelope-Id: %s\r\n", envid);
		free(envid);
	}
	if (env->created && headers_format_date(env->created, date, sizeof(date)) > 0)
		addf(r, "Arrival-Date: %s\r\n", date);
	for (size_t i = 0; i < env->rcpts.n; i++)
		add_recipient_status(r, in, env->rcpts.items[i], status, diagnostic);
}

/* One line of the original header section, cut to what a line may hold. */
static void add_header_line(struct report *r, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	add(r, line, len < LINE_MAX_OCTETS ? len : LINE_MAX_OCTETS);
	add_str(r, "\r\n");
}

/* The header section of the original: up to its empty line, whole lines
 * within ORIGINAL_HEADERS_MAX. */
static int add_original_headers(struct report *r, const struct bounce_input *in,
                                const char *boundary, struct outcome *out)
{
	size_t want = in->size < ORIGINAL_HEADERS_MAX ? (size_t)in->size : ORIGINAL_HEADERS_MAX;
	char *buf = malloc(want + 1);
	size_t got = 0, pos = 0;

	if (!buf)
		return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	while (got < want) {   /* bounded: each pread makes progress or ends it */
		ssize_t n = pread(in->data_fd, buf + got, want - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return outcome_fail(out, OUTCOME_IO, STEP,
			                    "cannot read the queued message for its bounce: %s",
			                    strerror(errno));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	addf(r, "\r\n--%s\r\n", boundary);
	add_str(r, "Content-Type: text/rfc822-headers\r\n");
	add_str(r, "Content-Description: Undelivered message's header\r\n\r\n");
	while (pos < got) {
		char *nl = memchr(buf + pos, '\n', got - pos);
		size_t len;

		if (!nl && got == want && got < (size_t)in->size)
			break;   /* a line cut by the limit is left out */
		len = nl ? (size_t)(nl - (buf + pos)) : got - pos;
		if (len == 0 || (len == 1 && buf[pos] == '\r'))
			break;   /* the empty line: the body follows */
		add_header_line(r, buf + pos, len);
		pos += len + (nl != NULL);
	}
	addf(r, "\r\n--%s--\r\n", boundary);
	free(buf);
	return 0;
}

/* ------------------------------------------------------------ output */

static int write_file(const struct report *r, int *fd, off_t *size, struct outcome *out)
{
	int f = fileio_temporary("postie-bounce", STEP, "a bounce", out);

	if (f < 0)
		return -1;
	if (fileio_write_all(f, r->text.data, r->text.len) < 0) {
		int e = errno;

		close(f);
		return outcome_fail(out, e == ENOSPC ? OUTCOME_TEMPORARY : OUTCOME_IO, STEP,
		                    "cannot write a bounce: %s", strerror(e));
	}
	if (lseek(f, 0, SEEK_SET) < 0) {
		close(f);
		return outcome_fail(out, OUTCOME_IO, STEP, "cannot rewind a bounce: %s",
		                    strerror(errno));
	}
	*fd = f;
	*size = (off_t)r->text.len;
	return 0;
}

int bounce_compose(const struct bounce_input *in, int *fd, off_t *size, bool *has_8bit,
                   struct outcome *out)
{
	struct report r = { 0 };
	char boundary[64], message_id[HEADERS_MSGID_MAX];
	char *reason = sanitized(in->reason ? in->reason : "unknown", 900, false);
	char *diagnostic = in->diagnostic ? sanitized(in->diagnostic, DIAGNOSTIC_MAX, false) : NULL;
	int result = -1;

	*fd = -1;
	*size = 0;
	if (has_8bit)
		*has_8bit = false;
	if (!reason || (in->diagnostic && !diagnostic)) {
		outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
		goto done;
	}
	if (mime_boundary(boundary, sizeof(boundary), BOUNDARY_PREFIX) < 0) {
		outcome_fail(out, OUTCOME_OS, STEP, "no random bytes for the MIME boundary");
		goto done;
	}
	if (headers_make_message_id(in->reporting_host, message_id, sizeof(message_id), out) < 0)
		goto done;
	add_headers(&r, in, boundary, message_id);
	add_explanation(&r, in, reason, boundary);
	add_delivery_status(&r, in, diagnostic, boundary);
	if (add_original_headers(&r, in, boundary, out) < 0)
		goto done;
	if (r.text.failed) {
		outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
		goto done;
	}
	if (write_file(&r, fd, size, out) < 0)
		goto done;
	if (has_8bit)
		*has_8bit = r.eight_bit;
	result = 0;
done:
	free(r.text.data);
	free(reason);
	free(diagnostic);
	return result;
}
