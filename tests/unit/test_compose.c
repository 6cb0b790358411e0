/* test_compose.c - messages built from arguments: exact header sections,
 * encodings chosen from the body, attachments that decode back, and every
 * refusal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compose.h"
#include "mime.h"
#include "strbuf.h"
#include "tap.h"

#define COUNT(table) (sizeof(table) / sizeof((table)[0]))

static char *tmpdir;

/* ---- helpers ---- */

/* An error text fit for one TAP line: control characters as \xHH. */
static const char *shown(const char *text)
{
	static char buf[4 * OUTCOME_TEXT_MAX];
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p && o + 5 < sizeof(buf); p++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, *p < 0x20 || *p == 0x7f ? "\\x%02x"
		                      : "%c", *p);
	buf[o] = '\0';
	return buf;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

static char *fixture(const char *name, const void *data, size_t len)
{
	static char paths[16][512];
	static int next;
	char *path = paths[next++ % 16];

	snprintf(path, 512, "%s/%s", tmpdir, name);
	write_file(path, data, len);
	return path;
}

/* The whole file behind fd (closed), NUL-terminated, its length in *len. */
static char *slurp(int fd, size_t *len)
{
	struct strbuf b = { 0 };
	char block[4096];
	ssize_t n;

	while ((n = read(fd, block, sizeof(block))) > 0)
		strbuf_add(&b, block, (size_t)n);
	close(fd);
	strbuf_add(&b, "", 0);
	*len = b.len;
	return b.data;
}

/* Compose; on success the message in *msg (malloc'd). */
static int compose(const struct compose_request *req, struct outcome *out, char **msg,
                   size_t *len)
{
	int fd = -2;
	int rc;

	outcome_clear(out);
	*msg = NULL;
	*len = 0;
	rc = compose_message(req, &fd, out);
	if (rc == 0 && fd >= 0)
		*msg = slurp(fd, len);
	else if (fd != -1)
		printf("# fd after failure: %d\n", fd);
	return rc;
}

static struct compose_request request(void)
{
	return (struct compose_request){ .body_fd = -1 };
}

/* The header section (without the blank line), and where the body starts. */
static char *header_section(const char *msg, const char **body)
{
	const char *end = strstr(msg, "\r\n\r\n");
	char *h;

	if (!end) {
		*body = NULL;
		return strdup("(no end of header section)");
	}
	h = strndup(msg, (size_t)(end - msg) + 2);
	*body = end + 4;
	return h;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Quoted-printable back to bytes; -1 on a malformed escape. */
static int qp_decode(const char *s, size_t len, struct strbuf *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '=') {
			strbuf_add(out, &s[i], 1);
			continue;
		}
		if (i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
			continue;
		}
		if (i + 2 >= len || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)
			return -1;
		{
			char c = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));

			strbuf_add(out, &c, 1);
		}
		i += 2;
	}
	return 0;
}

static int b64_value(char c)
{
	const char *alphabet =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

/* Base64 body lines back to bytes; -1 when a line is too long or a
 * character is not base64. */
static int b64_decode(const char *s, size_t len, struct strbuf *out)
{
	unsigned acc = 0;
	int bits = 0;
	size_t col = 0;

	for (size_t i = 0; i < len; i++) {
		int v;

		if (s[i] == '\r' || s[i] == '\n') {
			col = 0;
			continue;
		}
		if (++col > MIME_BASE64_LINE)
			return -1;
		if (s[i] == '=')
			continue;
		if ((v = b64_value(s[i])) < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			char c = (char)((acc >> (bits - 8)) & 0xff);

			strbuf_add(out, &c, 1);
			bits -= 8;
		}
	}
	return 0;
}

static bool lines_at_most(const char *s, size_t max)
{
	size_t col = 0;

	for (; *s; s++) {
		if (*s == '\n')
			col = 0;
		else if (*s != '\r' && ++col > max)
			return false;
	}
	return true;
}

/* ---- plain messages ---- */

static void test_plain(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;

	req.to = to;
	req.nto = 1;
	req.subject = "Disk almost full";
	req.body = "Only 3% left on /var\nPlease look.";
	is_int(compose(&req, &out, &msg, &len), 0, "plain message composes");
	h = header_section(msg, &body);
	is_str(h, "To: a@example.org\r\n"
	          "Subject: Disk almost full\r\n"
	          "MIME-Version: 1.0\r\n"
	          "Content-Type: text/plain; charset=utf-8\r\n"
	          "Content-Transfer-Encoding: 7bit\r\n", "plain header section");
	is_str(body, "Only 3% left on /var\r\nPlease look.\r\n",
	       "body in CRLF lines, a final line break added");
	free(h);
	free(msg);
}

static void test_header_order(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org", "Ops Team <ops@example.org>" };
	char *cc[] = { "c@example.org" };
	char *headers[] = { "X-Priority: 1", "Reply-To:   noc@example.org", "X-Empty:" };
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;

	req.to = to;
	req.nto = 2;
	req.cc = cc;
	req.ncc = 1;
	req.headers = headers;
	req.nheaders = 3;
	req.subject = "s";
	req.body = "x\n";
	is_int(compose(&req, &out, &msg, &len), 0, "message with Cc and --header composes");
	h = header_section(msg, &body);
	is_str(h, "To: a@example.org, Ops Team <ops@example.org>\r\n"
	          "Cc: c@example.org\r\n"
	          "Subject: s\r\n"
	          "X-Priority: 1\r\n"
	          "Reply-To: noc@example.org\r\n"
	          "X-Empty:\r\n"
	          "MIME-Version: 1.0\r\n"
	          "Content-Type: text/plain; charset=utf-8\r\n"
	          "Content-Transfer-Encoding: 7bit\r\n",
	       "To, Cc, Subject, --header fields in order, then MIME");
	free(h);
	free(msg);
}

static void test_no_subject_no_to(void)
{
	struct compose_request req = request();
	char *cc[] = { "c@example.org" };
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;

	req.cc = cc;
	req.ncc = 1;
	is_int(compose(&req, &out, &msg, &len), 0, "only --cc, no subject, no body");
	h = header_section(msg, &body);
	is_str(h, "Cc: c@example.org\r\n"
	          "MIME-Version: 1.0\r\n"
	          "Content-Type: text/plain; charset=utf-8\r\n"
	          "Content-Transfer-Encoding: 7bit\r\n", "no To and no Subject field");
	is_str(body, "", "empty body (no stdin)");
	free(h);
	free(msg);
}

static void test_utf8(void)
{
	struct compose_request req = request();
	const char *name = "J\xc3\xb6rg M\xc3\xbcller";
	char *to[] = { "\"J\xc3\xb6rg M\xc3\xbcller\" <jm@example.org>", "b@example.org" };
	struct strbuf want = { 0 };
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;

	req.to = to;
	req.nto = 2;
	req.subject = "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln";
	req.body = "Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9f" "e\n";
	strbuf_add(&want, "To: ", 4);
	mime_phrase(&want, name, strlen(name));
	strbuf_add(&want, " <jm@example.org>, b@example.org\r\n", 34);
	mime_unstructured_field(&want, "Subject", req.subject, strlen(req.subject));
	strbuf_add(&want, "MIME-Version: 1.0\r\n"
	                  "Content-Type: text/plain; charset=utf-8\r\n"
	                  "Content-Transfer-Encoding: 8bit\r\n", 93);
	is_int(compose(&req, &out, &msg, &len), 0, "UTF-8 subject and body compose");
	h = header_section(msg, &body);
	is_str(h, want.data, "UTF-8: encoded name and subject, 8bit body");
	ok(strstr(h, "=?UTF-8?") != NULL, "UTF-8 name and subject are encoded-words");
	ok(!strstr(h, "\xc3"), "no raw UTF-8 in the header section");
	is_str(body, "Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9f" "e\r\n", "8bit body as it is");
	free(h);
	free(msg);
	strbuf_free(&want);
}

static void test_long_line(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	struct strbuf text = { 0 }, decoded = { 0 }, want = { 0 };
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;

	for (int i = 0; i < 2000; i++)
		strbuf_add(&text, &"abcdefghij= \xc3\xa4"[i % 14], 1);
	strbuf_add(&text, "\nshort line \n", 13);
	strbuf_add(&want, text.data, 2000);
	strbuf_add(&want, "\r\nshort line \r\n", 15);
	req.to = to;
	req.nto = 1;
	req.body = text.data;
	req.charset = "iso-8859-1";   /* the cut can split a UTF-8 sequence */
	is_int(compose(&req, &out, &msg, &len), 0, "2000-octet line composes");
	h = header_section(msg, &body);
	ok(strstr(h, "Content-Transfer-Encoding: quoted-printable\r\n") != NULL,
	   "a line over 998 octets goes out quoted-printable");
	ok(lines_at_most(body, 76), "quoted-printable lines are at most 76 characters");
	is_int(qp_decode(body, strlen(body), &decoded), 0, "quoted-printable decodes");
	ok(decoded.len == want.len && memcmp(decoded.data, want.data, want.len) == 0,
	   "and gives back the body exactly");
	free(h);
	free(msg);
	strbuf_free(&text);
	strbuf_free(&decoded);
	strbuf_free(&want);
}

static void test_line_limit(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	char line[1001];
	struct outcome out;
	char *msg;
	size_t len;

	memset(line, 'x', 999);
	line[998] = '\n';
	line[999] = '\0';
	req.to = to;
	req.nto = 1;
	req.body = line;
	is_int(compose(&req, &out, &msg, &len), 0, "998-octet line composes");
	ok(msg && strstr(msg, "Content-Transfer-Encoding: 7bit\r\n"), "998 octets: still 7bit");
	free(msg);
	memset(line, 'x', 999);
	line[999] = '\0';
	is_int(compose(&req, &out, &msg, &len), 0, "999-octet line composes");
	ok(msg && strstr(msg, "Content-Transfer-Encoding: quoted-printable\r\n"),
	   "999 octets: quoted-printable");
	free(msg);
}

static void test_line_endings(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;

	req.to = to;
	req.nto = 1;
	req.body = "a\r\nb\rc\n\nd\r\r\n.\n";
	is_int(compose(&req, &out, &msg, &len), 0, "mixed line endings compose");
	h = header_section(msg, &body);
	is_str(body, "a\r\nb\r\nc\r\n\r\nd\r\n\r\n.\r\n",
	       "LF, CRLF and a lone CR each end one line");
	free(h);
	free(msg);
}

static void test_charset(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;

	req.to = to;
	req.nto = 1;
	req.body = "first line\ncaf\xe9 cr\xe8me\n";
	req.charset = "iso-8859-1";
	is_int(compose(&req, &out, &msg, &len), 0, "latin-1 body with --charset composes");
	h = header_section(msg, &body);
	is_str(h, "To: a@example.org\r\n"
	          "MIME-Version: 1.0\r\n"
	          "Content-Type: text/plain; charset=iso-8859-1\r\n"
	          "Content-Transfer-Encoding: 8bit\r\n", "charset from --charset, 8bit");
	is_str(body, "first line\r\ncaf\xe9 cr\xe8me\r\n", "latin-1 bytes as they are");
	free(h);
	free(msg);

	req.charset = NULL;
	is_int(compose(&req, &out, &msg, &len), -1, "latin-1 body without --charset fails");
	is_int(out.cls, OUTCOME_BAD_MESSAGE, "not UTF-8: OUTCOME_BAD_MESSAGE");
	is_str(out.text, "the body is not valid UTF-8 (line 2); name its charset with "
	       "--charset (e.g. --charset iso-8859-1)", "the text names the line and the fix");
	ok(msg == NULL, "nothing built");

	req.body = "ok\n\xc3";   /* cut short at the very end */
	is_int(compose(&req, &out, &msg, &len), -1, "truncated UTF-8 at the end fails");
	ok(strstr(out.text, "(line 2)") != NULL, "on its line");

	req.charset = "UTF-8";
	req.body = "caf\xe9\n";
	is_int(compose(&req, &out, &msg, &len), -1, "--charset utf-8 still checks the bytes");
}

static void test_nul(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	struct outcome out;
	char *msg;
	size_t len;

	req.to = to;
	req.nto = 1;
	req.body_file = fixture("nul.txt", "one\ntwo\nth\0ree\n", 15);
	is_int(compose(&req, &out, &msg, &len), -1, "NUL in the body fails");
	is_int(out.cls, OUTCOME_BAD_MESSAGE, "NUL: OUTCOME_BAD_MESSAGE");
	ok(strstr(out.text, "NUL") && strstr(out.text, "(line 3)"), "names NUL and the line: %s",
	   shown(out.text));
	req.charset = "iso-8859-1";
	is_int(compose(&req, &out, &msg, &len), -1, "NUL fails whatever the charset");
}

/* ---- body sources ---- */

static void test_body_pipe(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;
	int fds[2];
	pid_t pid;

	if (pipe(fds) < 0) {
		printf("Bail out! pipe\n");
		exit(1);
	}
	pid = fork();
	if (pid == 0) {        /* 200,000 lines of "line\r\n" mixed with "\n" */
		char block[7000];

		close(fds[0]);
		for (int i = 0; i < 1000; i++)
			memcpy(block + 7 * i, i % 2 ? "line\r\n" "x" : "line\n" "yz", 7);
		for (int k = 0; k < 100; k++)
			if (write(fds[1], block, sizeof(block)) != (ssize_t)sizeof(block))
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	req.to = to;
	req.nto = 1;
	req.body_fd = fds[0];
	is_int(compose(&req, &out, &msg, &len), 0, "body from a pipe composes");
	close(fds[0]);
	waitpid(pid, NULL, 0);
	h = header_section(msg, &body);
	ok(strstr(h, "Content-Transfer-Encoding: 7bit"), "pipe body: 7bit");
	{
		size_t crlf = 0, bare = 0;

		for (const char *p = body; *p; p++)
			if (*p == '\n')
				p > body && p[-1] == '\r' ? crlf++ : bare++;
		is_int(crlf, 100 * 1000 + 1, "every line ends in CRLF (the last one added)");
		is_int(bare, 0, "no bare LF");
		is_int(strlen(body), 100 * 7000 + 100 * 500 + 2, "no byte lost across blocks");
	}
	free(h);
	free(msg);

	/* --body-file - reads body_fd too */
	if (pipe(fds) < 0 || write(fds[1], "from stdin\n", 11) != 11) {
		printf("Bail out! pipe\n");
		exit(1);
	}
	close(fds[1]);
	req.body_fd = fds[0];
	req.body_file = "-";
	is_int(compose(&req, &out, &msg, &len), 0, "--body-file - composes");
	close(fds[0]);
	h = header_section(msg, &body);
	is_str(body, "from stdin\r\n", "--body-file - is body_fd");
	free(h);
	free(msg);

	req.body_fd = -1;
	is_int(compose(&req, &out, &msg, &len), -1, "--body-file - without stdin fails");
	is_int(out.cls, OUTCOME_NO_INPUT, "no stdin: OUTCOME_NO_INPUT");
}

static void test_body_file(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;
	char path[512];

	req.to = to;
	req.nto = 1;
	req.body_file = fixture("body.txt", "from a file", 11);
	is_int(compose(&req, &out, &msg, &len), 0, "--body-file composes");
	h = header_section(msg, &body);
	is_str(body, "from a file\r\n", "body file, final line break added");
	free(h);
	free(msg);

	snprintf(path, sizeof(path), "%s/no-such-body", tmpdir);
	req.body_file = path;
	is_int(compose(&req, &out, &msg, &len), -1, "missing body file fails");
	is_int(out.cls, OUTCOME_NO_INPUT, "missing body file: OUTCOME_NO_INPUT");
	ok(strstr(out.text, "cannot read body file ") && strstr(out.text, "No such file"),
	   "names it: %s", shown(out.text));
	req.body_file = tmpdir;
	is_int(compose(&req, &out, &msg, &len), -1, "a directory as body file fails");
	is_int(out.cls, OUTCOME_NO_INPUT, "directory: OUTCOME_NO_INPUT");
}

static void test_empty_body(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;

	req.to = to;
	req.nto = 1;
	req.subject = "ping";
	req.body = "";
	is_int(compose(&req, &out, &msg, &len), 0, "empty --body composes");
	h = header_section(msg, &body);
	is_str(h, "To: a@example.org\r\n"
	          "Subject: ping\r\n"
	          "MIME-Version: 1.0\r\n"
	          "Content-Type: text/plain; charset=utf-8\r\n"
	          "Content-Transfer-Encoding: 7bit\r\n", "empty body: text/plain 7bit");
	is_str(body, "", "nothing after the header section");
	free(h);
	free(msg);
}

/* ---- attachments ---- */

/* The parts of a multipart body between "--boundary" lines. */
static size_t split_parts(const char *body, const char *boundary, char **parts, size_t max)
{
	char delim[96];
	size_t n = 0;
	const char *p;

	snprintf(delim, sizeof(delim), "--%s\r\n", boundary);
	p = strstr(body, delim);
	while (p && n < max) {
		const char *start = p + strlen(delim);
		const char *next = strstr(start, "\r\n--");

		if (!next)
			break;
		parts[n++] = strndup(start, (size_t)(next - start) + 2);
		p = strstr(next + 2, delim) == next + 2 ? next + 2 : NULL;
	}
	return n;
}

static void test_attachments(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	unsigned char bin[150000];
	char spec_csv[600], spec_pdf[600], spec_png[600];
	char *attach[3];
	char *parts[8] = { 0 };
	char boundary[64] = "";
	struct outcome out;
	const char *body, *b;
	char *msg, *h;
	size_t len, nparts;
	unsigned x = 12345;
	const char *types = "# test types\ntext/csv\tcsv\napplication/pdf pdf\n";

	for (size_t i = 0; i < sizeof(bin); i++) {
		x = x * 1103515245 + 12345;
		bin[i] = (unsigned char)(x >> 16);
	}
	req.mime_types = fixture("mime.types", types, strlen(types));
	snprintf(spec_csv, sizeof(spec_csv), "%s", fixture("report.csv", "a,b\n1,2\n", 8));
	snprintf(spec_pdf, sizeof(spec_pdf), "%s;name=Bericht \xc3\xbc" "ber Q1.pdf",
	         fixture("data.bin", bin, sizeof(bin)));
	snprintf(spec_png, sizeof(spec_png), "%s;type=image/png;name=empty.png",
	         fixture("empty", "", 0));
	attach[0] = spec_csv;
	attach[1] = spec_pdf;
	attach[2] = spec_png;
	req.to = to;
	req.nto = 1;
	req.subject = "Report";
	req.body = "See attached.\n";
	req.attachments = attach;
	req.nattachments = 3;
	is_int(compose(&req, &out, &msg, &len), 0, "message with attachments composes");
	if (!msg)
		return;
	h = header_section(msg, &body);
	b = strstr(h, "boundary=\"");
	if (b)
		sscanf(b, "boundary=\"%63[^\"]\"", boundary);
	is_int(strlen(boundary), 9 + 24, "boundary is =_postie_ and 24 hex digits");
	ok(strncmp(boundary, "=_postie_", 9) == 0 &&
	   strspn(boundary + 9, "0123456789abcdef") == 24, "boundary form: %s", boundary);
	{
		char want[512];

		snprintf(want, sizeof(want), "To: a@example.org\r\n"
		         "Subject: Report\r\n"
		         "MIME-Version: 1.0\r\n"
		         "Content-Type: multipart/mixed; boundary=\"%s\"\r\n", boundary);
		is_str(h, want, "multipart header section");
	}
	ok(strncmp(body, "This is a MIME message with attachments.\r\n--", 44) == 0,
	   "a short preamble, then the first part");
	{
		char end[96];

		snprintf(end, sizeof(end), "\r\n--%s--\r\n", boundary);
		ok(len > strlen(end) && strcmp(msg + len - strlen(end), end) == 0,
		   "ends with the close delimiter");
	}
	nparts = split_parts(body, boundary, parts, 8);
	is_int(nparts, 4, "four parts: text and three attachments");
	is_str(parts[0], "Content-Type: text/plain; charset=utf-8\r\n"
	                 "Content-Transfer-Encoding: 7bit\r\n\r\n"
	                 "See attached.\r\n\r\n",
	       "the text part first (its last CRLF kept before the delimiter's)");
	ok(parts[1] && strncmp(parts[1], "Content-Type: text/csv; name=", 29) == 0,
	   "csv: type from the mime.types file");
	ok(parts[1] && strstr(parts[1], "Content-Disposition: attachment; filename=") &&
	   strstr(parts[1], "report.csv"), "csv: file name from the path");
	ok(parts[1] && strstr(parts[1], "Content-Transfer-Encoding: base64\r\n\r\n"), "csv: base64");
	if (parts[1]) {
		struct strbuf d = { 0 };
		const char *data = strstr(parts[1], "\r\n\r\n") + 4;

		is_int(b64_decode(data, strlen(data), &d), 0, "csv base64 lines are well-formed");
		ok(d.len == 8 && memcmp(d.data, "a,b\n1,2\n", 8) == 0, "csv decodes to its bytes");
		strbuf_free(&d);
	}
	ok(parts[2] && strncmp(parts[2], "Content-Type: application/pdf;", 30) == 0,
	   "pdf: type from ;name='s extension");
	ok(parts[2] && strstr(parts[2], "filename*=UTF-8''Bericht%20%C3%BCber%20Q1.pdf") != NULL,
	   "non-ASCII name: RFC 2231 filename*=UTF-8''...");
	ok(parts[2] && !strstr(parts[2], "\xc3"), "no raw UTF-8 in the part header");
	if (parts[2]) {
		struct strbuf d = { 0 };
		const char *data = strstr(parts[2], "\r\n\r\n") + 4;

		is_int(b64_decode(data, strlen(data), &d), 0,
		       "150,000-byte base64 lines are at most 76 characters");
		ok(d.len == sizeof(bin) && memcmp(d.data, bin, sizeof(bin)) == 0,
		   "150,000 bytes decode back exactly (across read blocks)");
		strbuf_free(&d);
	}
	ok(parts[3] && strncmp(parts[3], "Content-Type: image/png; name=", 30) == 0,
	   ";type= wins over the name");
	ok(parts[3] && (strstr(parts[3], "filename=empty.png") ||
	                strstr(parts[3], "filename=\"empty.png\"")), ";name= gives the file name");
	ok(parts[3] && strcmp(strstr(parts[3], "\r\n\r\n"), "\r\n\r\n") == 0,
	   "an empty file has no base64 lines");
	for (size_t i = 0; i < 8; i++)
		free(parts[i]);
	free(h);
	free(msg);
}

static void test_attachment_empty_body(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	char *attach[1];
	char *parts[4] = { 0 };
	char boundary[64] = "";
	struct outcome out;
	const char *body, *b;
	char *msg, *h;
	size_t len;

	attach[0] = fixture("x.unknownext", "hello", 5);
	req.to = to;
	req.nto = 1;
	req.attachments = attach;
	req.nattachments = 1;
	req.mime_types = "/nonexistent/mime.types";
	is_int(compose(&req, &out, &msg, &len), 0, "attachment and no body composes");
	if (!msg)
		return;
	h = header_section(msg, &body);
	b = strstr(h, "boundary=\"");
	if (b)
		sscanf(b, "boundary=\"%63[^\"]\"", boundary);
	is_int(split_parts(body, boundary, parts, 4), 1, "no text part for an empty body");
	ok(parts[0] && strncmp(parts[0], "Content-Type: application/octet-stream;", 39) == 0,
	   "unknown type: application/octet-stream");
	free(parts[0]);
	free(h);
	free(msg);
}

static void test_missing_attachment(void)
{
	struct compose_request req = request();
	char *to[] = { "a@example.org" };
	char missing[512], want[600];
	char *attach[2];
	struct outcome out;
	char *msg;
	size_t len;
	int fds[2];
	char left[16] = "";

	snprintf(missing, sizeof(missing), "%s/nope.txt", tmpdir);
	attach[0] = fixture("here.txt", "here", 4);
	attach[1] = missing;
	if (pipe(fds) < 0 || write(fds[1], "unread\n", 7) != 7) {
		printf("Bail out! pipe\n");
		exit(1);
	}
	close(fds[1]);
	req.to = to;
	req.nto = 1;
	req.body_fd = fds[0];
	req.attachments = attach;
	req.nattachments = 2;
	is_int(compose(&req, &out, &msg, &len), -1, "a missing attachment fails");
	is_int(out.cls, OUTCOME_NO_INPUT, "missing attachment: OUTCOME_NO_INPUT");
	snprintf(want, sizeof(want), "cannot read attachment %s: No such file or directory",
	         missing);
	is_str(out.text, want, "the text names the file");
	ok(msg == NULL, "no message");
	is_int(read(fds[0], left, sizeof(left) - 1), 7, "stdin was not read before the check");
	close(fds[0]);

	attach[1] = tmpdir;
	req.body_fd = -1;
	is_int(compose(&req, &out, &msg, &len), -1, "a directory as attachment fails");
	is_int(out.cls, OUTCOME_NO_INPUT, "directory: OUTCOME_NO_INPUT");
}

/* ---- refusals ---- */

struct refusal {
	const char *header;
	const char *text;       /* a part of the error text */
};

static const struct refusal header_refusals[] = {
	{ "From: x@y", "--header: From is set with -f/-F or the account's from" },
	{ "from: x@y", "From is set with -f/-F" },
	{ "To: x@y", "--header: To/Cc/Bcc come from the recipients, --cc and --bcc" },
	{ "CC: x@y", "To/Cc/Bcc come from" },
	{ "Bcc: x@y", "To/Cc/Bcc come from" },
	{ "Subject: hi", "--header: Subject is set with --subject" },
	{ "Date: Mon, 1 Jan 2024 00:00:00 +0000", "Date is written by postie" },
	{ "Message-ID: <a@b>", "Message-ID is written by postie" },
	{ "MIME-Version: 1.0", "MIME fields are written by postie" },
	{ "Content-Type: text/html", "MIME fields are written by postie" },
	{ "content-transfer-encoding: base64", "MIME fields are written by postie" },
	{ "Content-Disposition: inline", "MIME fields are written by postie" },
	{ "Return-Path: <x@y>", "Return-Path is added by" },
	{ "Received: from x", "Received is added by" },
	{ "Resent-From: x@y", "Resent- fields" },
	{ "resent-to: x@y", "Resent- fields" },
	{ "X: a\r\nBcc: evil@x", "holds a line break" },
	{ "X: a\nBcc: evil@x", "holds a line break" },
	{ "X: a\rb", "holds a line break" },
	{ "No colon here", "is not 'Name: value'" },
	{ ": empty name", "has no field name" },
	{ "X Y: space in name", "is not a field name" },
	{ "X: bell\a", "holds a control character" },
	{ "X: caf\xe9", "is not valid UTF-8" },
};

static void test_header_refusals(void)
{
	char *to[] = { "a@example.org" };
	char long_header[1100];
	char *arg[1];

	for (size_t i = 0; i < COUNT(header_refusals); i++) {
		struct compose_request req = request();
		struct outcome out;
		char *msg;
		size_t len;

		arg[0] = (char *)header_refusals[i].header;
		req.to = to;
		req.nto = 1;
		req.headers = arg;
		req.nheaders = 1;
		req.body = "x\n";
		outcome_clear(&out);
		is_int(compose_check(&req, &out), -1, "--header refused by compose_check (#%zu)", i);
		ok(out.cls == OUTCOME_USAGE && strcmp(out.step, "usage") == 0 &&
		   strstr(out.text, header_refusals[i].text), "usage error: %s", shown(out.text));
		is_int(compose(&req, &out, &msg, &len), -1, "and by compose_message (#%zu)", i);
	}
	{
		struct compose_request req = request();
		struct outcome out;

		memcpy(long_header, "X-Long: ", 8);
		memset(long_header + 8, 'a', 991);
		long_header[999] = '\0';
		arg[0] = long_header;
		req.headers = arg;
		req.nheaders = 1;
		outcome_clear(&out);
		is_int(compose_check(&req, &out), -1, "a 999-octet --header is refused");
		ok(strstr(out.text, "over 998 octets") != NULL, "says so: %s", shown(out.text));
		long_header[998] = '\0';
		is_int(compose_check(&req, &out), 0, "a 998-octet --header is fine");
	}
}

struct check_case {
	const char *what;
	struct compose_request req;
	const char *text;
};

static void test_other_refusals(void)
{
	char *bad_to[] = { "a@example.org>" };
	char *ctl_to[] = { "a@example.org\nBcc: evil@x" };
	char *empty_to[] = { "" };
	char *bad_cc[] = { "Name <a@x" };
	char *spec_empty[] = { ";type=text/plain" };
	char *spec_type[] = { "f.txt;type=text" };
	char *spec_type2[] = { "f.txt;type=text/plain;type=text/csv" };
	char *spec_unknown[] = { "f.txt;name=x;charset=utf-8" };
	char *spec_name_empty[] = { "f.txt;name=" };
	char *spec_name_ctl[] = { "f.txt;name=a\tb" };
	char *spec_base_latin1[] = { "/tmp/caf\xe9.txt" };
	char *spec_colour[] = { "/nonexistent/report.txt;colour=blue" };
	const struct check_case cases[] = {
		{ "subject with a newline", { .subject = "a\nBcc: evil@x", .body_fd = -1 },
		  "--subject holds a control character" },
		{ "subject with CR", { .subject = "a\rb", .body_fd = -1 }, "--subject holds" },
		{ "subject not UTF-8", { .subject = "caf\xe9", .body_fd = -1 },
		  "--subject is not valid UTF-8" },
		{ "--body and --body-file", { .body = "x", .body_file = "f", .body_fd = -1 },
		  "--body and --body-file cannot be used together" },
		{ "charset with a space", { .charset = "iso 8859-1", .body_fd = -1 },
		  "--charset 'iso 8859-1' is not a MIME charset name" },
		{ "charset too long", { .charset = "a234567890123456789012345678901234567890x",
		  .body_fd = -1 }, "is not a MIME charset name" },
		{ "charset quoted", { .charset = "\"utf-8\"", .body_fd = -1 },
		  "is not a MIME charset name" },
		{ "recipient that does not parse", { .to = bad_to, .nto = 1, .body_fd = -1 },
		  "invalid recipient 'a@example.org>'" },
		{ "recipient with a line break", { .to = ctl_to, .nto = 1, .body_fd = -1 },
		  "holds a control character" },
		{ "empty recipient", { .to = empty_to, .nto = 1, .body_fd = -1 }, "no address in it" },
		{ "--cc that does not parse", { .cc = bad_cc, .ncc = 1, .body_fd = -1 },
		  "invalid --cc 'Name <a@x': missing '>'" },
		{ "attach: no file", { .attachments = spec_empty, .nattachments = 1, .body_fd = -1 },
		  "no file name" },
		{ "attach: type without subtype", { .attachments = spec_type, .nattachments = 1,
		  .body_fd = -1 }, "not TYPE/SUBTYPE" },
		{ "attach: type twice", { .attachments = spec_type2, .nattachments = 1,
		  .body_fd = -1 }, ";type= is given twice" },
		{ "attach: unknown key", { .attachments = spec_unknown, .nattachments = 1,
		  .body_fd = -1 }, "unknown part ';charset=utf-8'" },
		{ "attach: empty name", { .attachments = spec_name_empty, .nattachments = 1,
		  .body_fd = -1 }, ";name= is empty" },
		{ "attach: name with a tab", { .attachments = spec_name_ctl, .nattachments = 1,
		  .body_fd = -1 }, "holds a control character" },
		{ "attach: file name not UTF-8", { .attachments = spec_base_latin1,
		  .nattachments = 1, .body_fd = -1 }, "give a name with ;name=NAME" },
		{ "attach: a key that is not type or name", { .attachments = spec_colour,
		  .nattachments = 1, .body_fd = -1 }, "unknown part ';colour=blue'" },
	};

	for (size_t i = 0; i < COUNT(cases); i++) {
		struct outcome out;

		outcome_clear(&out);
		is_int(compose_check(&cases[i].req, &out), -1, "refused: %s", cases[i].what);
		ok(out.cls == OUTCOME_USAGE && strstr(out.text, cases[i].text),
		   "usage error: %s", shown(out.text));
	}
}

static void test_accepted(void)
{
	char *to[] = { "a@example.org", "Name <b@example.org>", "root", "c@x, d@y" };
	char *specs[] = { "a;b.txt", "f.txt;type=Text/CSV", "f;name=x;type=a/b",
	                  "dir/n\xc3\xa4me.txt" };
	struct compose_request req = {
		.subject = "tab\there \xc3\xa4", .charset = "Windows-1252", .to = to, .nto = 4,
		.attachments = specs, .nattachments = 4, .body_fd = -1,
	};
	struct outcome out;

	outcome_clear(&out);
	is_int(compose_check(&req, &out), 0, "fine arguments pass compose_check");
	if (out.cls != OUTCOME_OK)
		printf("# %s\n", shown(out.text));

	/* a file whose name holds ";x=" is still a file, when it exists */
	specs[0] = fixture("odd;x=1.txt", "odd", 3);
	req.nattachments = 1;
	is_int(compose_check(&req, &out), 0, "an existing file named 'odd;x=1.txt' is accepted");
	if (out.cls != OUTCOME_OK)
		printf("# %s\n", shown(out.text));
}

static void test_folding(void)
{
	struct compose_request req = request();
	char *to[12];
	char addrs[12][64];
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;

	for (int i = 0; i < 12; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "Recipient Number %d <r%d@example.org>", i, i);
		to[i] = addrs[i];
	}
	req.to = to;
	req.nto = 12;
	is_int(compose(&req, &out, &msg, &len), 0, "twelve recipients compose");
	h = header_section(msg, &body);
	ok(lines_at_most(h, 78), "To is folded at 78");
	ok(strstr(h, ",\r\n Recipient Number") != NULL, "folded after a comma");
	free(h);
	free(msg);
}


/* ---- review fixes: names, field kinds, line lengths, types, inputs ---- */

/* Compose with `to` and `headers`; on success the header section. */
static char *compose_header_section(char **to, size_t nto, char **headers, size_t nheaders,
                                    struct outcome *out)
{
	struct compose_request req = request();
	const char *body;
	char *msg, *h;
	size_t len;

	req.to = to;
	req.nto = nto;
	req.headers = headers;
	req.nheaders = nheaders;
	req.body = "x\n";
	if (compose(&req, out, &msg, &len) < 0)
		return NULL;
	h = header_section(msg, &body);
	free(msg);
	return h;
}

/* Every line at most 998, at most 76 when it holds "=?", else at most 78. */
static bool header_lines_fit(const char *h)
{
	while (*h) {
		const char *crlf = strstr(h, "\r\n");
		size_t len = crlf ? (size_t)(crlf - h) : strlen(h);
		char *line = strndup(h, len);
		bool fits = len <= (strstr(line, "=?") ? 76u : 78u);

		free(line);
		if (!fits)
			return false;
		h += len + (crlf ? 2 : 0);
	}
	return true;
}

static void test_non_ascii_names(void)
{
	static const char *const refused[] = {
		"a@b.example, B\xc3\xa9 <d@e.example>",
		"(J\xc3\xb6rg) a@b.example",
		"a@b.example (J\xc3\xb6rg)",
		"\"J\xc3\xb6rg\" <a@b.example>, c@d.example",
		"Gr\xc3\xbcppe: a@b.example;",
		"J\xc3\xb6rg <a(\xc3\xa9)@b.example>",
	};
	static const char *const accepted[] = {
		"j\xc3\xb6rg@example.org",
		"\"j\xc3\xb6 rg\"@example.org",
		"J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>",
		"a@b.example, <j\xc3\xb6rg@example.org>",
		"Ops (Berlin) <ops@example.org>, x@example.org",
	};
	char *arg[1];
	struct outcome out;

	for (size_t i = 0; i < COUNT(refused); i++) {
		struct compose_request req = request();

		arg[0] = (char *)refused[i];
		req.to = arg;
		req.nto = 1;
		outcome_clear(&out);
		is_int(compose_check(&req, &out), -1, "refused: non-ASCII name in '%s'", refused[i]);
		ok(out.cls == OUTCOME_USAGE &&
		   strstr(out.text, "give a non-ASCII name as one 'Name <address>' per argument"),
		   "usage error: %s", shown(out.text));
		req.to = NULL;
		req.nto = 0;
		req.cc = arg;
		req.ncc = 1;
		outcome_clear(&out);
		is_int(compose_check(&req, &out), -1, "--cc refused too");
		ok(strncmp(out.text, "--cc '", 6) == 0, "--cc named: %s", shown(out.text));
	}
	for (size_t i = 0; i < COUNT(accepted); i++) {
		char *h;

		arg[0] = (char *)accepted[i];
		h = compose_header_section(arg, 1, NULL, 0, &out);
		ok(h != NULL, "accepted: '%s'", accepted[i]);
		if (!h)
			printf("# %s\n", shown(out.text));
		free(h);
	}
	/* One "Name <address>": the name is encoded, the address as given. */
	arg[0] = "J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>";
	{
		char *h = compose_header_section(arg, 1, NULL, 0, &out);

		ok(h && strncmp(h, "To: =?UTF-8?", 12) == 0 &&
		   strstr(h, "?= <j\xc3\xb6rg@b\xc3\xbc" "cher.example>\r\n"),
		   "the name encoded, the address kept: %s", h ? shown(h) : "");
		free(h);
	}
}

static void test_long_names(void)
{
	char name[1600], arg1[1700], list[4000];
	char *arg[2];
	struct outcome out;
	struct compose_request req = request();
	char *h;
	size_t i;

	/* 1500 octets of "Aa Aa ...": refused, like -F over 256. */
	for (i = 0; i < 500; i++)
		memcpy(name + 3 * i, "Aa ", 3);
	name[1499] = '\0';
	snprintf(arg1, sizeof(arg1), "%s <a@b.example>", name);
	arg[0] = arg1;
	req.to = arg;
	req.nto = 1;
	outcome_clear(&out);
	is_int(compose_check(&req, &out), -1, "a 1500-octet display name is refused");
	ok(out.cls == OUTCOME_USAGE && strstr(out.text, "a display name is longer than 256 octets"),
	   "usage error: %s", shown(out.text));
	snprintf(arg1, sizeof(arg1), "x@y.example, %s <a@b.example>", name);
	outcome_clear(&out);
	is_int(compose_check(&req, &out), -1, "... also inside a list");
	/* 256 octets: folded at its spaces. */
	name[256] = '\0';
	name[255] = 'A';
	snprintf(arg1, sizeof(arg1), "%s <a@b.example>", name);
	arg[1] = "Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz Zz <z@b.example>";
	h = compose_header_section(arg, 2, NULL, 0, &out);
	ok(h && header_lines_fit(h), "a 256-octet name is folded within 78");
	ok(h && strstr(h, "\r\n Aa") != NULL, "... at its spaces");
	free(h);
	/* A list in one argument with no spaces: folded after its commas. */
	list[0] = '\0';
	for (i = 0; i < 150; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%sr%zu@example.org",
		         i ? "," : "", i);
	arg[0] = list;
	h = compose_header_section(arg, 1, NULL, 0, &out);
	ok(h && header_lines_fit(h), "a 3000-octet list without spaces is folded within 78");
	ok(h && strstr(h, ",\r\n r") != NULL, "... after its commas");
	free(h);
	/* A run that no fold can break, longer than a line can hold. */
	memset(list, 'a', 950);
	strcpy(list + 950, "@example.org");
	outcome_clear(&out);
	req.to = arg;
	req.nto = 1;
	is_int(compose_check(&req, &out), -1, "a 962-octet address is refused");
	ok(out.cls == OUTCOME_USAGE && strstr(out.text, "without a space"),
	   "usage error: %s", shown(out.text));
}

static void test_header_kinds(void)
{
	char *to[] = { "a@example.org" };
	char refs[600];
	char *headers[8];
	struct outcome out;
	struct strbuf want = { 0 };
	char *h;

	headers[0] = "Reply-To: J\xc3\xb6rg M\xc3\xbcller <j@x.example>";
	headers[1] = "In-Reply-To: <abc=?def@x.example>";
	headers[2] = "X-Note: J\xc3\xb6rg <j@x.example>";
	headers[3] = "Keywords: f\xc3\xbcr";
	headers[4] = "list-unsubscribe: <mailto:u@x.example>";
	headers[5] = "Sender: \"Doe, J\" <d@x.example>";
	refs[0] = '\0';
	strcat(refs, "References:");
	for (int i = 0; i < 12; i++)
		snprintf(refs + strlen(refs), sizeof(refs) - strlen(refs),
		         " <message.%d.abcdefgh@example.org>", i);
	headers[6] = refs;
	h = compose_header_section(to, 1, headers, 7, &out);
	ok(h != NULL, "address, structured and unstructured --header fields compose");
	if (!h) {
		printf("# %s\n", shown(out.text));
		return;
	}
	strbuf_add(&want, "Reply-To: ", 10);
	mime_phrase(&want, "J\xc3\xb6rg M\xc3\xbcller", strlen("J\xc3\xb6rg M\xc3\xbcller"));
	strbuf_add(&want, " <j@x.example>\r\n", 16);
	ok(strstr(h, want.data) != NULL, "Reply-To: the name encoded, the address kept");
	ok(strstr(h, "\r\nIn-Reply-To: <abc=?def@x.example>\r\n") != NULL,
	   "In-Reply-To passes unchanged");
	ok(strstr(h, "\r\nX-Note: =?UTF-8?") != NULL, "X-Note is unstructured: encoded");
	ok(strstr(h, "\r\nKeywords: =?UTF-8?") != NULL, "Keywords is unstructured: encoded");
	ok(strstr(h, "\r\nlist-unsubscribe: <mailto:u@x.example>\r\n") != NULL,
	   "List-* passes unchanged");
	ok(strstr(h, "\r\nSender: \"Doe, J\" <d@x.example>\r\n") != NULL,
	   "Sender: a quoted name stays quoted");
	ok(strstr(h, "\r\nReferences: <message.0.") != NULL &&
	   strstr(h, ">\r\n <message.") != NULL, "References folded at spaces");
	ok(header_lines_fit(h), "all lines fit");
	free(h);
	strbuf_free(&want);

	{
		static const struct refusal refusals[] = {
			{ "Reply-To: a@b.example, J\xc3\xb6 <c@d.example>",
			  "--header Reply-To 'a@b.example, J\xc3\xb6 <c@d.example>': give a non-ASCII name" },
			{ "Mail-Followup-To: (J\xc3\xb6rg) a@b.example", "give a non-ASCII name" },
			{ "Reply-To: not an address", "invalid --header Reply-To" },
			{ "In-Reply-To: <J\xc3\xb6rg@x.example>",
			  "In-Reply-To is a structured field; its value must be ASCII" },
			{ "List-Id: Liste f\xc3\xbcr <x.y.example>", "List-Id is a structured field" },
		};

		for (size_t i = 0; i < COUNT(refusals); i++) {
			struct compose_request req = request();

			headers[0] = (char *)refusals[i].header;
			req.headers = headers;
			req.nheaders = 1;
			outcome_clear(&out);
			is_int(compose_check(&req, &out), -1, "refused: --header '%s'", refusals[i].header);
			ok(out.cls == OUTCOME_USAGE && strstr(out.text, refusals[i].text),
			   "usage error: %s", shown(out.text));
		}
	}
}

static void test_encoded_line_length(void)
{
	struct compose_request req = request();
	char subject[300], name[400], arg1[500];
	char *to[2];
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;

	subject[0] = name[0] = '\0';
	for (int i = 0; i < 100; i++)
		strcat(subject, "\xc3\xa9");
	for (int i = 0; i < 8; i++)
		strcat(name, "J\xc3\xb6rg M\xc3\xbcller-L\xc3\xbc" "denscheid ");
	strcat(name, "Z");
	snprintf(arg1, sizeof(arg1), "%s <jm@example.org>", name);
	to[0] = "a@example.org";
	to[1] = arg1;
	req.to = to;
	req.nto = 2;
	req.subject = subject;
	req.body = "x\n";
	is_int(compose(&req, &out, &msg, &len), 0, "long encoded subject and name compose");
	h = msg ? header_section(msg, &body) : NULL;
	ok(h && header_lines_fit(h), "lines with encoded-words are at most 76");
	ok(h && strstr(h, "?= <jm@example.org>\r\nSubject: =?UTF-8?"),
	   "the address follows the name's last word");
	if (h && !header_lines_fit(h))
		printf("# %s\n", shown(h));
	free(h);
	free(msg);
}

static void test_composite_types(void)
{
	const char *types = "message/rfc822 eml\nmultipart/mixed mixed\nmessage/global u8msg\n";
	char *attach[3];
	char specs[3][600];
	char *to[] = { "a@example.org" };
	struct compose_request req = request();
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;

	req.mime_types = fixture("composite.types", types, strlen(types));
	snprintf(specs[0], sizeof(specs[0]), "%s", fixture("saved.eml", "Subject: x\r\n\r\nx\r\n", 17));
	snprintf(specs[1], sizeof(specs[1]), "%s", fixture("parts.mixed", "x", 1));
	snprintf(specs[2], sizeof(specs[2]), "%s", fixture("intl.u8msg", "x", 1));
	for (int i = 0; i < 3; i++)
		attach[i] = specs[i];
	req.to = to;
	req.nto = 1;
	req.attachments = attach;
	req.nattachments = 3;
	is_int(compose(&req, &out, &msg, &len), 0, ".eml and multipart files attach");
	h = msg ? header_section(msg, &body) : NULL;
	ok(msg && strstr(body, "Content-Type: application/octet-stream; name=saved.eml\r\n"),
	   "a message/rfc822 file goes as application/octet-stream");
	ok(msg && strstr(body, "Content-Type: application/octet-stream; name=parts.mixed\r\n"),
	   "a multipart file goes as application/octet-stream");
	ok(msg && strstr(body, "Content-Type: message/global; name=intl.u8msg\r\n"),
	   "message/global may be base64 (RFC 6532): kept");
	ok(msg && !strstr(body, "message/rfc822") && !strstr(body, "multipart/mixed;"),
	   "no base64 message/rfc822 or multipart part");
	free(h);
	free(msg);

	{
		static const char *const explicit[] = { ";type=message/rfc822", ";type=Multipart/Mixed",
		                                        ";type=message/partial" };

		for (size_t i = 0; i < COUNT(explicit); i++) {
			snprintf(specs[0], sizeof(specs[0]), "%s%s", fixture("m.eml", "x", 1), explicit[i]);
			req.nattachments = 1;
			outcome_clear(&out);
			is_int(compose_check(&req, &out), -1, "refused: %s", explicit[i]);
			ok(out.cls == OUTCOME_USAGE &&
			   strstr(out.text, "a multipart or message type cannot be sent base64-encoded"),
			   "usage error: %s", shown(out.text));
		}
	}
}

static void test_parameter_values(void)
{
	char spec[2][600];
	char *attach[2];
	char *to[] = { "a@example.org" };
	struct compose_request req = request();
	struct outcome out;
	char *msg;
	size_t len;

	snprintf(spec[0], sizeof(spec[0]), "%s;name==?utf-8?q?evil?=.txt", fixture("e.txt", "x", 1));
	snprintf(spec[1], sizeof(spec[1]), "%s;name=%%41*'.txt", fixture("p.txt", "x", 1));
	attach[0] = spec[0];
	attach[1] = spec[1];
	req.to = to;
	req.nto = 1;
	req.attachments = attach;
	req.nattachments = 2;
	is_int(compose(&req, &out, &msg, &len), 0, "odd attachment names compose");
	ok(msg && strstr(msg, "; name*=UTF-8''%3D%3Futf-8%3Fq%3Fevil%3F%3D.txt\r\n") &&
	   !strstr(msg, "\"=?utf-8"), "a name holding \"=?\" is written RFC 2231");
	ok(msg && strstr(msg, "; filename=\"%41*'.txt\"\r\n"), "a name holding %%, * or ' is quoted");
	free(msg);
}

static void test_out_of_descriptors(void)
{
	char specs[12][600];
	char *attach[12];
	char *to[] = { "a@example.org" };
	struct compose_request req = request();
	struct rlimit old, low;
	struct outcome out;
	char *msg;
	size_t len;
	int lowest = dup(0);

	for (int i = 0; i < 12; i++) {
		char name[32];

		snprintf(name, sizeof(name), "fd%d.txt", i);
		snprintf(specs[i], sizeof(specs[i]), "%s", fixture(name, "x", 1));
		attach[i] = specs[i];
	}
	req.to = to;
	req.nto = 1;
	req.attachments = attach;
	req.nattachments = 12;
	if (lowest < 0 || getrlimit(RLIMIT_NOFILE, &old) < 0) {
		ok(0, "cannot set up the descriptor limit");
		return;
	}
	close(lowest);
	low = old;
	low.rlim_cur = (rlim_t)lowest + 6;
	setrlimit(RLIMIT_NOFILE, &low);
	is_int(compose(&req, &out, &msg, &len), -1, "12 attachments under a limit of 6 free fds");
	setrlimit(RLIMIT_NOFILE, &old);
	is_int(out.cls, OUTCOME_OS, "out of descriptors: OUTCOME_OS, not no-input");
	ok(strstr(out.text, strerror(EMFILE)) != NULL, "the system's text: %s", shown(out.text));
	free(msg);
}

static void test_pipes_and_devices(void)
{
	char *to[] = { "a@example.org" };
	struct compose_request req = request();
	struct outcome out;
	const char *body;
	char *msg, *h;
	size_t len;
	char path[600], fifo[600], spec[700];
	char *attach[1];
	int fds[2], reader, writer;

	req.to = to;
	req.nto = 1;
	/* --body-file <(cmd): a pipe behind /dev/fd/N. */
	if (pipe(fds) < 0 || write(fds[1], "from a pipe\n", 12) != 12) {
		printf("Bail out! pipe\n");
		exit(1);
	}
	close(fds[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	req.body_file = path;
	is_int(compose(&req, &out, &msg, &len), 0, "--body-file /dev/fd/N (a pipe) composes");
	h = msg ? header_section(msg, &body) : NULL;
	ok(msg && strcmp(body, "from a pipe\r\n") == 0, "the pipe's text is the body");
	free(h);
	free(msg);
	close(fds[0]);

	/* A named FIFO with a writer that has written and gone. */
	snprintf(fifo, sizeof(fifo), "%s/body.fifo", tmpdir);
	if (mkfifo(fifo, 0600) < 0) {
		printf("Bail out! mkfifo\n");
		exit(1);
	}
	reader = open(fifo, O_RDONLY | O_NONBLOCK);     /* keeps the data in the FIFO */
	writer = open(fifo, O_WRONLY);
	if (reader < 0 || writer < 0 || write(writer, "via fifo\n", 9) != 9) {
		printf("Bail out! fifo\n");
		exit(1);
	}
	close(writer);
	req.body_file = fifo;
	is_int(compose(&req, &out, &msg, &len), 0, "--body-file FIFO composes");
	h = msg ? header_section(msg, &body) : NULL;
	ok(msg && strcmp(body, "via fifo\r\n") == 0, "the FIFO's text is the body");
	free(h);
	free(msg);
	close(reader);
	/* No writer at all: no wait, an empty body. */
	alarm(20);
	is_int(compose(&req, &out, &msg, &len), 0, "a FIFO without a writer does not hang");
	alarm(0);
	free(msg);

	/* A character device, as an attachment and as the body. */
	req.body_file = "/dev/null";
	snprintf(spec, sizeof(spec), "/dev/null;name=empty.txt");
	attach[0] = spec;
	req.attachments = attach;
	req.nattachments = 1;
	is_int(compose(&req, &out, &msg, &len), 0, "/dev/null as body file and attachment");
	free(msg);
	req.attachments = NULL;
	req.nattachments = 0;
	req.body_file = tmpdir;
	is_int(compose(&req, &out, &msg, &len), -1, "a directory is still refused");
	ok(out.cls == OUTCOME_NO_INPUT && strstr(out.text, strerror(EISDIR)),
	   "directory: %s", shown(out.text));
}

int main(void)
{
	char dir[] = "/tmp/test_compose.XXXXXX";
	char cmd[64];

	if (!(tmpdir = mkdtemp(dir))) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	setenv("TMPDIR", tmpdir, 1);
	test_plain();
	test_header_order();
	test_no_subject_no_to();
	test_utf8();
	test_long_line();
	test_line_limit();
	test_line_endings();
	test_charset();
	test_nul();
	test_body_pipe();
	test_body_file();
	test_empty_body();
	test_attachments();
	test_attachment_empty_body();
	test_missing_attachment();
	test_header_refusals();
	test_other_refusals();
	test_accepted();
	test_folding();
	test_non_ascii_names();
	test_long_names();
	test_header_kinds();
	test_encoded_line_length();
	test_composite_types();
	test_parameter_values();
	test_out_of_descriptors();
	test_pipes_and_devices();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
