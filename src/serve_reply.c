/* serve_reply.c - `-bs`: the reply that answers a failed submission.
 *
 * The smarthost's refusal of the mail is passed on to our caller as it
 * was given; every other failure becomes a reply of ours, chosen by its
 * class. Declared in serve.h. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "outcome.h"
#include "serve.h"

/* Text of one reply line (512 octets at most, RFC 5321 4.5.3.1.5): leaves
 * room for the code and the enhanced code. */
#define SERVE_REPLY_TEXT_MAX 480

struct local_reply {
	enum outcome_class cls;
	int code;
	const char *enhanced;
};

/* How a failure on our side looks to the caller. A temporary code keeps
 * the message with the caller when the fault is ours or fixable. */
static const struct local_reply local_replies[] = {
	{ OUTCOME_BAD_MESSAGE,  554, "5.6.0" },
	{ OUTCOME_RCPT_REFUSED, 550, "5.1.0" },
	{ OUTCOME_REFUSED,      554, "5.0.0" },
	{ OUTCOME_NO_HOST,      451, "4.4.3" },
	{ OUTCOME_NOT_PERMITTED, 451, "4.7.0" },
	{ OUTCOME_CONFIG,       451, "4.3.5" },
};

static const struct local_reply *local_reply_for(enum outcome_class cls)
{
	static const struct local_reply fallback = { OUTCOME_TEMPORARY, 451, "4.3.0" };

	for (size_t i = 0; i < sizeof(local_replies) / sizeof(local_replies[0]); i++)
		if (local_replies[i].cls == cls)
			return &local_replies[i];
	return &fallback;
}

/* 1 to 3 digits and what follows them; NULL when there are none or more. */
static const char *skip_digits(const char *p)
{
	size_t n = strspn(p, "0123456789");

	return n >= 1 && n <= 3 ? p + n : NULL;
}

/* "C.S.D" (RFC 3463) whose class digit C is the reply's. */
static bool enhanced_fits(const char *enhanced, int code)
{
	const char *p = enhanced;

	if (p[0] != '0' + code / 100 || p[1] != '.')
		return false;
	p = skip_digits(p + 2);
	if (!p || *p != '.')
		return false;
	p = skip_digits(p + 1);
	return p && *p == '\0';
}

/* Escape each '\n'-separated line of `src` on its own, each cut to what
 * fits one reply line; the lines stay separated by '\n'. */
static void escape_lines(char *dst, size_t size, const char *src)
{
	size_t used = 0;

	if (size == 0)
		return;
	dst[0] = '\0';
	for (;;) {   /* one turn per line of src */
		const char *nl = strchr(src, '\n');
		size_t len = nl ? (size_t)(nl - src) : strlen(src);
		size_t room = size - used;
		char line[SERVE_REPLY_TEXT_MAX + 1];
		size_t n = log_escape(line, sizeof(line), src, len);

		if (n + 2 > room)
			return;
		if (used > 0)
			dst[used++] = '\n';
		memcpy(dst + used, line, n + 1);
		used += n;
		if (!nl || nl[1] == '\0')
			return;
		src = nl + 1;
	}
}

/* A smarthost's refusal of the mail itself (MAIL, RCPT, DATA and the end
 * of data) is the caller's answer. Its refusal of our session (greeting,
 * TLS, AUTH) is a fault of ours to fix, and not a reply the end of data may
 * carry (RFC 5321 4.3.2): it becomes a local, temporary one. */
static bool refused_the_mail(const struct outcome *o)
{
	static const char *const steps[] = { "mail", "rcpt", "data", NULL };

	if (o->smtp_code < 400 || o->smtp_code > 599 || !o->step)
		return false;
	for (const char *const *st = steps; *st; st++)
		if (strcmp(o->step, *st) == 0)
			return true;
	return false;
}

void serve_reply_for(const struct outcome *o, int *code, char *enhanced, size_t esize,
                     char *text, size_t tsize)
{
	char raw[OUTCOME_TEXT_MAX + OUTCOME_REPLY_MAX + 64];
	size_t used;

	if (refused_the_mail(o)) {
		*code = o->smtp_code;
		if (enhanced_fits(o->enhanced, o->smtp_code))
			snprintf(enhanced, esize, "%s", o->enhanced);
		else
			snprintf(enhanced, esize, "%d.0.0", o->smtp_code / 100);
		if (o->reply[0]) {
			escape_lines(text, tsize, o->reply);
			return;
		}
	} else if (o->smtp_code >= 400 && o->smtp_code <= 599) {
		/* The smarthost refused our session (greeting, EHLO, TLS,
		 * AUTH): nothing is wrong with the message, and the fix is
		 * ours, so the caller keeps it and tries again later. */
		*code = 451;
		snprintf(enhanced, esize, "%s", o->cls == OUTCOME_NOT_PERMITTED ? "4.7.0" : "4.3.0");
	} else {
		const struct local_reply *m = local_reply_for(o->cls);

		*code = m->code;
		snprintf(enhanced, esize, "%s", m->enhanced);
	}
	if (o->cls == OUTCOME_CONFIG)
		used = (size_t)snprintf(raw, sizeof(raw), "postie is not configured: %s", o->text);
	else if (o->step && o->step[0])
		used = (size_t)snprintf(raw, sizeof(raw), "postie: %s: %s", o->step, o->text);
	else
		used = (size_t)snprintf(raw, sizeof(raw), "postie: %s", o->text);
	if (o->smtp_code && !refused_the_mail(o) && used < sizeof(raw))
		snprintf(raw + used, sizeof(raw) - used, ": the server said %d%s%s %s", o->smtp_code,
		         o->enhanced[0] ? " " : "", o->enhanced, o->reply);
	/* Our own text is one line: a '\n' in it is shown, not obeyed. */
	log_escape(text, tsize, raw, strlen(raw));
}
