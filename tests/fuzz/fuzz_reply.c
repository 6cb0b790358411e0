/* fuzz_reply.c - the SMTP reply parser as a server's lines reach it:
 * replies of one or many lines, enhanced status codes, and every reply
 * read as an EHLO reply for its capabilities.
 *
 * The input is what the server sends; it is cut into lines at LF with a
 * CR before it dropped, as the connection's line reader does. A reply
 * that breaks the rules ends the conversation there, as in smtp.c. */
#include <string.h>

#include "outcome.h"
#include "smtp_reply.h"
#include "fuzz.h"

static struct smtp_reply reply;    /* 50 KiB: not on the stack */

static void check_reply(const struct smtp_reply *r)
{
	fuzz_assert(r->code >= 200 && r->code <= 599, "a reply code out of range");
	fuzz_assert(r->nlines >= 1 && r->nlines <= SMTP_REPLY_LINES_MAX, "a line count out of range");
	fuzz_assert(r->text_len < sizeof(r->text) && r->text[r->text_len] == '\0',
	            "the text is not terminated where text_len says");
	fuzz_assert(memchr(r->enhanced, '\0', sizeof(r->enhanced)), "enhanced not terminated");
	fuzz_assert(r->enhanced[0] == '\0' || r->enhanced[0] == '0' + r->code / 100,
	            "an enhanced code whose class is not the reply's");
}

/* As smtp.c keeps a reply for the error message and as EHLO's answer. */
static void check_uses(const struct smtp_reply *r)
{
	struct smtp_caps caps;
	struct outcome out;

	outcome_clear(&out);
	outcome_set_reply(&out, r->code, r->enhanced, r->text);
	fuzz_assert(memchr(out.reply, '\0', sizeof(out.reply)), "outcome reply not terminated");

	smtp_caps_parse(&caps, r);
	fuzz_assert(caps.esmtp, "EHLO capabilities without esmtp");
	fuzz_assert(memchr(caps.auth, '\0', sizeof(caps.auth)), "auth mechanisms not terminated");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	smtp_reply_begin(&reply);
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((lf ? lf : end) - p);
		char err[128];
		int rc;

		if (len > 0 && p[len - 1] == '\r')
			len--;
		err[0] = '\0';
		rc = smtp_reply_add_line(&reply, p, len, err, sizeof(err));
		if (rc < 0) {
			fuzz_assert(err[0] != '\0', "a refused line without a reason");
			break;
		}
		if (rc == 1) {
			check_reply(&reply);
			check_uses(&reply);
			smtp_reply_begin(&reply);
		}
		p = lf ? lf + 1 : end;
	}
	return 0;
}
