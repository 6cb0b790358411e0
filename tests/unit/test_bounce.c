/* test_bounce.c - the delivery status notification (bounce_compose): its
 * lines, its headers, its three MIME parts as a MIME parser sees them
 * (python3's email package, when it is there), and the bounds on what it
 * copies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounce.h"
#include "tap.h"

#define HOST "mx.example.test"

static char *tmpdir;

/* A spool file holding `text`. */
static int spool(const char *text, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/msg.XXXXXX", tmpdir);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return -1;
	unlink(path);
	return fd;
}

static char *read_all(int fd, off_t size)
{
	char *buf = malloc((size_t)size + 1);

	if (!buf || pread(fd, buf, (size_t)size, 0) != (ssize_t)size) {
		free(buf);
		return NULL;
	}
	buf[size] = '\0';
	return buf;
}

struct composed {
	char *text;
	off_t size;
	bool eight_bit;
	int rc;
	struct outcome out;
};

static void compose(const char *message, size_t len, char **rcpts, size_t nrcpts,
                    const char *status, const char *diagnostic, struct composed *c)
{
	struct queue_envelope env = {
		.from = "sender@example.test",
		.rcpts = { .items = rcpts, .n = nrcpts, .cap = nrcpts },
		.created = 1700000000,
		.message_id = "<original.1@example.test>",
		.dsn_envid = "ENV-1",
	};
	int data_fd = spool(message, len), fd = -1;
	const struct bounce_input in = {
		.env = &env,
		.data_fd = data_fd,
		.size = (off_t)len,
		.reporting_host = HOST,
		.reason = "it was refused for good: rcpt: recipient refused: 550 5.1.1 no such user",
		.status = status,
		.now = 1700003600,
		.diagnostic = diagnostic,
	};

	memset(c, 0, sizeof(*c));
	outcome_clear(&c->out);
	c->rc = bounce_compose(&in, &fd, &c->size, &c->eight_bit, &c->out);
	if (c->rc == 0)
		c->text = read_all(fd, c->size);
	if (fd >= 0)
		close(fd);
	close(data_fd);
}

/* Every line ends in CRLF, no CR or LF stands alone, none is over 998. */
static void check_lines(const struct composed *c, const char *what)
{
	size_t longest = 0, line = 0;
	bool bare = false;

	for (off_t i = 0; i < c->size; i++) {
		char ch = c->text[i];

		if (ch == '\r' && (i + 1 >= c->size || c->text[i + 1] != '\n'))
			bare = true;
		if (ch == '\n' && (i == 0 || c->text[i - 1] != '\r'))
			bare = true;
		if (ch == '\n') {
			if (line - 1 > longest)
				longest = line - 1;
			line = 0;
		} else {
			line++;
		}
	}
	ok(!bare, "%s: every line ends with CRLF", what);
	ok(longest <= 998, "%s: no line is longer than 998 octets (longest %zu)", what, longest);
	ok(c->size >= 2 && memcmp(c->text + c->size - 2, "\r\n", 2) == 0,
	   "%s: the last line ends too", what);
}

static size_t longest_run(const char *text, char ch)
{
	size_t longest = 0, run = 0;

	for (; *text; text++) {
		run = *text == ch ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	return longest;
}

static bool has(const char *text, const char *want)
{
	return text && strstr(text, want) != NULL;
}

/* python3 reads the bounce with its email package and prints what it
 * found, one fact a line. NULL when python3 cannot be run. */
static char *parse_with_python(const struct composed *c)
{
	static const char script[] =
		"import sys, email, email.policy\n"
		"m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.compat32)\n"
		"print('type', m.get_content_type(), m.get_param('report-type'))\n"
		"print('defects', len(m.defects))\n"
		"parts = m.get_payload()\n"
		"print('parts', ' '.join(p.get_content_type() for p in parts))\n"
		"status = parts[1].get_payload()\n"
		"print('blocks', len(status))\n"
		"print('mta', status[0]['Reporting-MTA'])\n"
		"print('envid', status[0]['Original-Envelope-Id'])\n"
		"for b in status[1:]:\n"
		"    print('rcpt', b['Final-Recipient'], '|', b['Action'], '|', b['Status'])\n"
		"    d = b['Diagnostic-Code']\n"
		"    print('diag', ' '.join(d.split()) if d else None)\n"
		"print('original', 'Subject: the original' in parts[2].get_payload())\n"
		"print('text', 'no further attempt' in parts[0].get_payload())\n";
	char script_path[512], mail_path[512], out_path[512], cmd[2048];
	FILE *fp;
	char *result = NULL;

	snprintf(script_path, sizeof(script_path), "%s/parse.py", tmpdir);
	snprintf(mail_path, sizeof(mail_path), "%s/bounce.eml", tmpdir);
	snprintf(out_path, sizeof(out_path), "%s/parsed.txt", tmpdir);
	if (!(fp = fopen(script_path, "w")))
		return NULL;
	fputs(script, fp);
	fclose(fp);
	if (!(fp = fopen(mail_path, "wb")))
		return NULL;
	fwrite(c->text, 1, (size_t)c->size, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' >'%s' 2>&1", script_path, mail_path, out_path);
	if (system(cmd) != 0)
		return NULL;
	if ((fp = fopen(out_path, "r"))) {
		result = calloc(1, 8192);
		if (result)
			fread(result, 1, 8191, fp);
		fclose(fp);
	}
	return result;
}

static const char message[] =
	"From: Sender <sender@example.test>\r\n"
	"To: a@example.test, b@example.test\r\n"
	"Subject: the original\r\n"
	"Message-ID: <original.1@example.test>\r\n"
	"\r\n"
	"BODY-MARKER: this line is the body and stays out of the bounce.\r\n";

static void test_structure(void)
{
	char *rcpts[] = { "a@example.test", "b@example.test" };
	struct composed c;
	char *parsed;

	compose(message, sizeof(message) - 1, rcpts, 2, "5.1.1", "550 5.1.1 no such user", &c);
	ok(c.rc == 0, "a bounce is composed (%s)", c.out.text);
	if (c.rc != 0)
		return;
	check_lines(&c, "two recipients");
	ok(!c.eight_bit, "an ASCII message gives a 7-bit bounce");
	ok(strncmp(c.text, "From: Mail Delivery System <MAILER-DAEMON@" HOST ">\r\n", 50) == 0,
	   "it comes from MAILER-DAEMON at the reporting host");
	ok(has(c.text, "\r\nTo: <sender@example.test>\r\n"), "it goes to the envelope sender");
	ok(has(c.text, "\r\nSubject: Undelivered Mail Returned to Sender\r\n"), "its subject");
	ok(has(c.text, "\r\nAuto-Submitted: auto-replied\r\n"), "Auto-Submitted: auto-replied");
	ok(has(c.text, "\r\nDate: "), "a Date field");
	ok(has(c.text, "\r\nMessage-ID: <") && has(c.text, "@" HOST ">\r\n"),
	   "a Message-ID of its own");
	ok(has(c.text, "\r\nMIME-Version: 1.0\r\n"), "MIME-Version");
	ok(has(c.text, "Content-Type: multipart/report; report-type=delivery-status;"),
	   "a multipart/report of delivery status");
	ok(has(c.text, "Reporting-MTA: dns; " HOST "\r\n"), "Reporting-MTA names the host");
	ok(has(c.text, "Arrival-Date: "), "Arrival-Date");
	ok(has(c.text, "Original-Envelope-Id: ENV-1\r\n"), "the ENVID comes back");
	ok(has(c.text, "\r\nFinal-Recipient: rfc822; a@example.test\r\nAction: failed\r\n"
	                "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n"),
	   "the first recipient's status block");
	ok(has(c.text, "\r\nFinal-Recipient: rfc822; b@example.test\r\n"), "the second recipient");
	ok(has(c.text, "\r\nSubject: the original\r\n"), "the original header section is there");
	ok(!has(c.text, "BODY-MARKER"), "the original body is not");
	ok(has(c.text, "    <a@example.test>\r\n") && has(c.text, "550 5.1.1 no such user"),
	   "the explanation names the recipient and the reply");

	parsed = parse_with_python(&c);
	if (!parsed) {
		printf("# python3 could not parse the bounce; MIME checks skipped\n");
		ok(1, "# SKIP python3 not available");
	} else {
		ok(has(parsed, "type multipart/report delivery-status\n"), "python: multipart/report");
		ok(has(parsed, "defects 0\n"), "python: no MIME defects");
		ok(has(parsed, "parts text/plain message/delivery-status text/rfc822-headers\n"),
		   "python: the three parts in order");
		ok(has(parsed, "blocks 3\n"), "python: per-message block and two per-recipient blocks");
		ok(has(parsed, "mta dns; " HOST "\n"), "python: Reporting-MTA");
		ok(has(parsed, "envid ENV-1\n"), "python: Original-Envelope-Id");
		ok(has(parsed, "rcpt rfc822; a@example.test | failed | 5.1.1\n"),
		   "python: first recipient failed, 5.1.1");
		ok(has(parsed, "rcpt rfc822; b@example.test | failed | 5.1.1\n"),
		   "python: second recipient failed, 5.1.1");
		ok(has(parsed, "diag smtp; 550 5.1.1 no such user\n"), "python: Diagnostic-Code");
		ok(has(parsed, "text True\n"), "python: the text part explains");
		ok(has(parsed, "original True\n"), "python: the third part holds the original header");
		if (tap_failures)
			printf("# python said:\n# %s\n", parsed);
	}
	free(parsed);
	free(c.text);
}

static void test_long_diagnostic(void)
{
	char *rcpts[] = { "a@example.test" };
	char diagnostic[4096];
	struct composed c;
	size_t used;

	/* Words, then one word longer than any line may be. */
	used = (size_t)snprintf(diagnostic, sizeof(diagnostic), "550 5.7.1");
	for (int i = 0; i < 60; i++)
		used += (size_t)snprintf(diagnostic + used, sizeof(diagnostic) - used, " word%02d", i);
	diagnostic[used++] = ' ';
	memset(diagnostic + used, 'x', 2000);
	diagnostic[used + 2000] = '\0';
	compose(message, sizeof(message) - 1, rcpts, 1, "5.7.1", diagnostic, &c);
	ok(c.rc == 0, "a long reply: composed");
	if (c.rc != 0)
		return;
	check_lines(&c, "a long reply");
	ok(has(c.text, "Diagnostic-Code: smtp; 550 5.7.1 word00"), "it starts on the field's line");
	ok(has(c.text, "\r\n\tword"), "it is folded onto continuation lines");
	ok(longest_run(c.text, 'x') < 2000 && longest_run(c.text, 'x') > 100,
	   "a word longer than a line is cut (%zu of 2000 octets kept)", longest_run(c.text, 'x'));
	free(c.text);
}

static void test_control_characters(void)
{
	char *rcpts[] = { "a@example.test" };
	struct composed c;

	compose(message, sizeof(message) - 1, rcpts, 1, "bogus",
	        "550 line one\r\n550-injected: header\x1b[31m", &c);
	ok(c.rc == 0, "a reply with CR, LF and ESC: composed");
	if (c.rc != 0)
		return;
	check_lines(&c, "control characters");
	ok(!has(c.text, "\r\n550-injected"), "the reply's line break is not one in the bounce");
	ok(!has(c.text, "\x1b"), "no escape character gets through");
	ok(has(c.text, "Status: 5.0.0\r\n"), "a status that is no RFC 3463 code becomes 5.0.0");
	free(c.text);

	compose(message, sizeof(message) - 1, rcpts, 1, "4.4.7", NULL, &c);
	ok(c.rc == 0 && !has(c.text, "Diagnostic-Code"), "no server reply: no Diagnostic-Code");
	ok(has(c.text, "Status: 4.4.7\r\n"), "the status given is kept (4.4.7)");
	free(c.text);
}

static void test_eight_bit(void)
{
	static const char utf8_message[] =
		"From: J\xc3\xb6rg <sender@example.test>\r\n"
		"Subject: Gr\xc3\xbc\xc3\x9f" "e\r\n"
		"\r\nbody\r\n";
	char *rcpts[] = { "a@example.test" };
	char *intl[] = { "j\xc3\xb6rg+x=y@example.test" };
	struct composed c;

	compose(utf8_message, sizeof(utf8_message) - 1, rcpts, 1, "5.1.1", "550 no", &c);
	ok(c.rc == 0 && c.eight_bit, "8-bit original headers: the bounce says it holds 8-bit");
	ok(has(c.text, "Subject: Gr\xc3\xbc\xc3\x9f" "e\r\n"), "they are copied as they are");
	free(c.text);

	compose(message, sizeof(message) - 1, intl, 1, "5.1.1", "550 no", &c);
	ok(c.rc == 0, "an internationalised recipient: composed");
	ok(has(c.text, "Final-Recipient: utf-8; j\\x{F6}rg\\x{2B}x\\x{3D}y@example.test\r\n"),
	   "its Final-Recipient is utf-8-addr-xtext (RFC 6533)");
	ok(c.eight_bit, "the explanation names it in UTF-8: 8-bit");
	free(c.text);
}

static void test_bounds(void)
{
	char *rcpts[] = { "a@example.test" };
	size_t size = 200 * 1024, used = 0;
	char *big = malloc(size);
	struct composed c;

	if (!big)
		return;
	/* A header line of 2000 octets, then headers past 64 KiB. */
	used += (size_t)snprintf(big, size, "X-Long: ");
	memset(big + used, 'L', 2000);
	used += 2000;
	used += (size_t)snprintf(big + used, size - used, "\r\n");
	for (int i = 0; used + 100 < size - 64; i++)
		used += (size_t)snprintf(big + used, size - used, "X-Filler-%05d: %060d\r\n", i, i);
	used += (size_t)snprintf(big + used, size - used, "\r\nbody\r\n");
	compose(big, used, rcpts, 1, "5.1.1", "550 no", &c);
	ok(c.rc == 0, "a huge header section: composed");
	if (c.rc == 0) {
		check_lines(&c, "huge headers");
		ok(c.size < 64 * 1024 + 8 * 1024, "at most 64 KiB of it is copied (bounce %lld octets)",
		   (long long)c.size);
		ok(has(c.text, "X-Filler-00000: "), "its first lines are there");
		ok(!has(c.text, "X-Filler-01999"), "its lines past the limit are not");
		ok(has(c.text, "\r\n--") && has(c.text, "--\r\n"), "the closing boundary follows");
		free(c.text);
	}
	free(big);

	compose("", 0, rcpts, 1, "5.1.1", "550 no", &c);
	ok(c.rc == 0, "an empty message: composed");
	if (c.rc == 0)
		check_lines(&c, "empty message");
	free(c.text);

	compose("Subject: no body and no newline", 31, rcpts, 1, "5.1.1", NULL, &c);
	ok(c.rc == 0 && has(c.text, "Subject: no body and no newline\r\n"),
	   "a message that is one unterminated header line: it is copied");
	free(c.text);
}

int main(void)
{
	char dir[] = "/tmp/test_bounce.XXXXXX";
	char cmd[64];

	if (!(tmpdir = mkdtemp(dir))) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	setenv("TMPDIR", tmpdir, 1);
	test_structure();
	test_long_diagnostic();
	test_control_characters();
	test_eight_bit();
	test_bounds();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
