/* test_log.c - JSON string escaping and the logfile lines (text and JSON). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "outcome.h"
#include "tap.h"

struct json_case {
	const char *name;
	const char *input;
	size_t len;                /* 0: strlen(input) */
	const char *want;
};

static const struct json_case json_cases[] = {
	{ "plain ASCII", "user@example.org", 0, "\"user@example.org\"" },
	{ "empty string", "", 0, "\"\"" },
	{ "double quote", "say \"hi\"", 0, "\"say \\\"hi\\\"\"" },
	{ "backslash", "a\\b", 0, "\"a\\\\b\"" },
	{ "CR LF TAB", "a\r\n\tb", 0, "\"a\\u000d\\u000a\\u0009b\"" },
	{ "escape and bell", "\x1b[2J\x07", 0, "\"\\u001b[2J\\u0007\"" },
	{ "DEL", "a\x7f", 0, "\"a\\u007f\"" },
	{ "NUL inside the length", "a\0b", 3, "\"a\\u0000b\"" },
	{ "UTF-8 kept", "J\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x93\xa7", 0,
	  "\"J\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x93\xa7\"" },
	{ "C1 control escaped", "a\xc2\x9b" "b", 0, "\"a\\u009bb\"" },
	{ "lone continuation byte", "a\x80" "b", 0, "\"a\\ufffdb\"" },
	{ "Latin-1 byte", "caf\xe9", 0, "\"caf\\ufffd\"" },
	{ "truncated sequence", "x\xe2\x82", 0, "\"x\\ufffd\\ufffd\"" },
	{ "overlong encoding", "\xc0\xaf", 0, "\"\\ufffd\\ufffd\"" },
	{ "surrogate", "\xed\xa0\x80", 0, "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
};

static void test_json_cases(void)
{
	for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		const struct json_case *c = &json_cases[i];
		char buf[256];
		size_t len = c->len ? c->len : strlen(c->input);
		size_t n = log_json_string(buf, sizeof(buf), c->input, len);

		is_str(buf, c->want, "json: %s", c->name);
		is_int(n, strlen(c->want), "json: %s: length returned", c->name);
	}
}

/* Every size from 0 up: the result is a closed string, a prefix of the
 * full one (minus its closing quote), never a cut escape or sequence. */
static void test_json_truncation(void)
{
	const char *input = "a\"\x01\xc3\xa9\xe2\x82\xac\xff" "b";
	char full[128], buf[128];
	size_t full_len = log_json_string(full, sizeof(full), input, strlen(input));
	int prefixes = 1, closed = 1, pieces = 1;

	/* The pieces of the full output: where a cut may happen. */
	const char *cuts[] = { "\"", "\"a", "\"a\\\"", "\"a\\\"\\u0001", "\"a\\\"\\u0001\xc3\xa9",
	                       "\"a\\\"\\u0001\xc3\xa9\xe2\x82\xac",
	                       "\"a\\\"\\u0001\xc3\xa9\xe2\x82\xac\\ufffd",
	                       "\"a\\\"\\u0001\xc3\xa9\xe2\x82\xac\\ufffdb" };

	for (size_t size = 0; size <= full_len + 1; size++) {
		size_t n;
		bool found = false;

		memset(buf, 'Z', sizeof(buf));
		n = log_json_string(buf, size, input, strlen(input));
		if (size < 3) {
			if (n != 0 || (size > 0 && buf[0] != '\0'))
				closed = 0;
			continue;
		}
		if (n + 1 > size || buf[n] != '\0' || n < 2 || buf[n - 1] != '"')
			closed = 0;
		if (strncmp(buf, full, n - 1) != 0)
			prefixes = 0;
		for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++)
			if (n - 1 == strlen(cuts[k]) && strncmp(buf, cuts[k], n - 1) == 0)
				found = true;
		if (!found)
			pieces = 0;
	}
	ok(closed, "truncation: always NUL-terminated and closed with a quote");
	ok(prefixes, "truncation: always a prefix of the full string");
	ok(pieces, "truncation: never inside an escape or a UTF-8 sequence");
	is_int(log_json_string(buf, full_len + 1, input, strlen(input)), full_len,
	       "truncation: exactly enough room gives the whole string");
}

static char *read_file(const char *path)
{
	static char text[16384];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	text[0] = '\0';
	if (fp) {
		n = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
	}
	text[n] = '\0';
	return text;
}

/* The last line of the file. */
static const char *last_line(const char *text)
{
	static char line[16384];
	size_t len = strlen(text);
	const char *start;

	if (len && text[len - 1] == '\n')
		len--;
	start = text + len;
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(line, sizeof(line), "%.*s", (int)(len - (size_t)(start - text)), start);
	return line;
}

static char *const rcpts[] = { "a@example.org", "b \"q\"@example.org" };

static void test_text_lines(const char *path)
{
	struct outcome out, failure;
	struct log_record rec = {
		.account = "work", .host = "smtp.example.org", .port = 587,
		.from = "me@example.org", .rcpts = rcpts, .nrcpts = 2, .size = 1234,
		.smtp_code = 250, .smtp_enhanced = "2.0.0", .smtp_text = "queued as X1",
		.exit_status = 0, .duration_ms = 42, .message_id = "<id1@example.org>",
		.tls = true, .auth = "plain", .user = "me",
	};

	outcome_clear(&out);
	outcome_clear(&failure);
	rec.outcome = &out;
	is_int(log_write_record(path, "T", false, &rec, &out), 0, "text: written");
	is_str(last_line(read_file(path)),
	       "T account=work host=smtp.example.org port=587 tls=on auth=plain user=me "
	       "from=me@example.org "
	       "rcpts=\"a@example.org,b \\\"q\\\"@example.org\" size=1234 "
	       "message_id=<id1@example.org> smtp=\"250 2.0.0 queued as X1\" duration_ms=42 exit=EX_OK",
	       "text: the success line");

	outcome_fail(&failure, OUTCOME_RCPT_REFUSED, "rcpt", "recipient <%s> refused", "a@example.org");
	outcome_set_reply(&failure, 550, "5.1.1", "no such user");
	rec.outcome = &failure;
	rec.exit_status = outcome_exit_status(failure.cls);
	rec.message_id = NULL;
	rec.size = -1;
	rec.tls = false;
	rec.auth = NULL;
	rec.user = NULL;
	is_int(log_write_record(path, "T", false, &rec, &out), 0, "text: failure written");
	is_str(last_line(read_file(path)),
	       "T account=work host=smtp.example.org port=587 tls=off auth=off from=me@example.org "
	       "rcpts=\"a@example.org,b \\\"q\\\"@example.org\" step=rcpt "
	       "error=\"recipient <a@example.org> refused: 550 5.1.1 no such user\" "
	       "duration_ms=42 exit=EX_NOUSER",
	       "text: the failure line");
}

static void test_json_lines(const char *path)
{
	struct outcome out, failure;
	struct log_record rec = {
		.account = "work", .host = "smtp.example.org", .port = 587,
		.from = "me@example.org", .rcpts = rcpts, .nrcpts = 2, .size = 1234,
		.smtp_code = 250, .smtp_enhanced = "2.0.0", .smtp_text = "queued\nas X1",
		.exit_status = 0, .duration_ms = 42, .message_id = "<id1@example.org>",
		.tls = true, .auth = "plain", .user = "me",
	};
	char cmd[512];

	outcome_clear(&out);
	outcome_clear(&failure);
	rec.outcome = &out;
	is_int(log_write_record(path, "2024-05-01T10:00:00", true, &rec, &out), 0, "json: written");
	is_str(last_line(read_file(path)),
	       "{\"time\":\"2024-05-01T10:00:00\",\"account\":\"work\",\"host\":\"smtp.example.org\","
	       "\"port\":587,\"tls\":true,\"auth\":\"plain\",\"user\":\"me\","
	       "\"from\":\"me@example.org\","
	       "\"rcpts\":[\"a@example.org\",\"b \\\"q\\\"@example.org\"],\"size\":1234,"
	       "\"outcome\":\"sent\",\"queue_id\":null,\"exit\":0,\"exit_name\":\"EX_OK\",\"step\":null,"
	       "\"smtp\":{\"code\":250,\"enhanced\":\"2.0.0\",\"text\":\"queued\\u000aas X1\"},"
	       "\"refused\":[],\"message_id\":\"<id1@example.org>\",\"duration_ms\":42,\"error\":null}",
	       "json: the success object");

	outcome_fail(&failure, OUTCOME_TEMPORARY, "connect", "cannot connect to %s: %s",
	             "smtp.example.org", "Connection refused");
	rec.outcome = &failure;
	rec.exit_status = outcome_exit_status(failure.cls);
	rec.message_id = NULL;
	rec.size = -1;
	rec.from = "caf\xe9@example.org";   /* not UTF-8: still valid JSON */
	rec.tls = false;
	rec.auth = NULL;
	rec.user = NULL;
	rec.nrcpts = 0;
	is_int(log_write_record(path, "2024-05-01T10:00:01", true, &rec, &out), 0,
	       "json: failure written");
	is_str(last_line(read_file(path)),
	       "{\"time\":\"2024-05-01T10:00:01\",\"account\":\"work\",\"host\":\"smtp.example.org\","
	       "\"port\":587,\"tls\":false,\"auth\":\"off\",\"user\":null,"
	       "\"from\":\"caf\\ufffd@example.org\",\"rcpts\":[],\"size\":null,"
	       "\"outcome\":\"failed\",\"queue_id\":null,\"exit\":75,\"exit_name\":\"EX_TEMPFAIL\",\"step\":\"connect\","
	       "\"smtp\":null,\"refused\":[],\"message_id\":null,\"duration_ms\":42,"
	       "\"error\":\"cannot connect to smtp.example.org: Connection refused\"}",
	       "json: the failure object");

	outcome_fail(&failure, OUTCOME_REFUSED, "data", "message refused");
	outcome_set_reply(&failure, 554, "5.7.1", "spam \x1b[31m detected");
	rec.exit_status = outcome_exit_status(failure.cls);
	is_int(log_write_record(path, NULL, true, &rec, &out), 0, "json: reply failure written");
	ok(strstr(last_line(read_file(path)),
	          "\"smtp\":{\"code\":554,\"enhanced\":\"5.7.1\",\"text\":\"spam \\u001b[31m detected\"}")
	   != NULL, "json: a refusal carries the server's reply, escaped");

	/* The whole file through a real JSON parser, when there is one. */
	if (system("command -v python3 >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd),
		         "python3 -c 'import json,sys\n"
		         "for l in open(sys.argv[1], \"rb\"): json.loads(l.decode(\"utf-8\"))' %s", path);
		is_int(system(cmd), 0, "json: every line parses with python's json.loads (UTF-8)");
	} else {
		ok(1, "# SKIP python3 not installed");
	}
}

/* --status-json: the same object without "time", refused recipients
 * listed with their replies; no account gives null account, host, port. */
static void test_status_object(const char *path)
{
	struct outcome failure;
	const struct log_refusal refused[] = {
		{ "a@example.org", 550, "5.1.1", "no \"such\" user" },
		{ "b@example.org", 450, "", "later" },
	};
	struct log_record rec = {
		.account = "work", .host = "h.example", .port = 25, .from = "me@example.org",
		.rcpts = rcpts, .nrcpts = 1, .size = 10, .outcome = &failure, .duration_ms = 7,
		.refused = refused, .nrefused = 2,
	};
	FILE *fp = fopen(path, "w+");
	char line[2048] = "";

	outcome_clear(&failure);
	outcome_fail(&failure, OUTCOME_RCPT_REFUSED, "rcpt", "2 of 2 recipients refused");
	rec.exit_status = outcome_exit_status(failure.cls);
	is_int(log_print_json(fp, &rec), 0, "status: written");
	rewind(fp);
	ok(fgets(line, sizeof(line), fp) != NULL, "status: one line");
	is_str(line,
	       "{\"account\":\"work\",\"host\":\"h.example\",\"port\":25,\"tls\":false,"
	       "\"auth\":\"off\",\"user\":null,\"from\":\"me@example.org\","
	       "\"rcpts\":[\"a@example.org\"],\"size\":10,\"outcome\":\"failed\","
	       "\"queue_id\":null,\"exit\":67,\"exit_name\":\"EX_NOUSER\",\"step\":\"rcpt\","
	       "\"smtp\":null,\"refused\":[{\"rcpt\":\"a@example.org\",\"code\":550,"
	       "\"enhanced\":\"5.1.1\",\"text\":\"no \\\"such\\\" user\"},"
	       "{\"rcpt\":\"b@example.org\",\"code\":450,\"enhanced\":\"\",\"text\":\"later\"}],"
	       "\"message_id\":null,\"duration_ms\":7,\"error\":\"2 of 2 recipients refused\"}\n",
	       "status: the object, refusals included");
	ok(fgets(line, sizeof(line), fp) == NULL, "status: nothing after the line");
	fclose(fp);

	fp = fopen(path, "w+");
	rec = (struct log_record){ .size = -1, .outcome = &failure, .exit_status = 64 };
	outcome_fail(&failure, OUTCOME_USAGE, "usage", "unknown option --x");
	is_int(log_print_json(fp, &rec), 0, "status without an account: written");
	rewind(fp);
	ok(fgets(line, sizeof(line), fp) != NULL, "status without an account: one line");
	ok(strstr(line, "{\"account\":null,\"host\":null,\"port\":null,") == line,
	   "status without an account: account, host and port are null");
	fclose(fp);
}

/* A message queued after a temporary failure: exit EX_OK, the queue id,
 * and the failure that queued it. */
static void test_queued_line(const char *path)
{
	struct outcome ok_out, why;
	struct log_record rec = {
		.account = "a", .host = "h", .port = 25, .from = "f@x", .rcpts = rcpts, .nrcpts = 1,
		.size = 10, .exit_status = 0, .duration_ms = 5, .queue_id = "20261201T100000-abc",
	};
	const char *line;

	outcome_clear(&ok_out);
	outcome_clear(&why);
	outcome_fail(&why, OUTCOME_TEMPORARY, "connect", "cannot connect to h: refused");
	rec.outcome = &ok_out;
	rec.queued_after = &why;
	is_int(log_write_record(path, "T", false, &rec, &ok_out), 0, "queued: text written");
	line = last_line(read_file(path));
	ok(strstr(line, " queued=20261201T100000-abc step=connect "
	              "error=\"cannot connect to h: refused\" ") != NULL &&
	   strstr(line, " exit=EX_OK") != NULL, "queued: the text line (%s)", line);
	is_int(log_write_record(path, "T", true, &rec, &ok_out), 0, "queued: JSON written");
	line = last_line(read_file(path));
	ok(strstr(line, "\"outcome\":\"queued\",\"queue_id\":\"20261201T100000-abc\",\"exit\":0,")
	   != NULL && strstr(line, "\"step\":\"connect\"") != NULL,
	   "queued: the JSON object (%s)", line);
}

/* Text from a server is shown, never obeyed: controls, C1 controls and the
 * characters that reorder a line on a terminal are escaped. */
static void test_escape(void)
{
	static const struct {
		const char *desc, *in, *want;
	} cases[] = {
		{ "plain", "250 ok", "250 ok" },
		{ "CR LF tab", "a\r\nb\tc", "a\\r\\nb\\tc" },
		{ "UTF-8 kept", "gr\xc3\xbc\xc3\x9f", "gr\xc3\xbc\xc3\x9f" },
		{ "invalid UTF-8", "a\xff", "a\\xff" },
		{ "C1 control", "a\xc2\x9b" "b", "a\\xc2\\x9b" "b" },
		{ "right-to-left override", "ok \xe2\x80\xaetxt.exe", "ok \\xe2\\x80\\xaetxt.exe" },
		{ "isolate", "\xe2\x81\xa6x", "\\xe2\\x81\\xa6x" },
		{ "line separator", "a\xe2\x80\xa8" "b", "a\\xe2\\x80\\xa8" "b" },
	};
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_escape(out, sizeof(out), cases[i].in, strlen(cases[i].in));
		is_str(out, cases[i].want, "escape: %s", cases[i].desc);
	}
}

/* Without logfile_time_format the time is RFC 3339: 2026-12-01T10:00:00+01:00. */
static void test_default_time(const char *path)
{
	struct outcome out;
	struct log_record rec = { .account = "a", .host = "h", .port = 25, .from = "f@x" };
	const char *line;
	bool shape = true;

	outcome_clear(&out);
	rec.outcome = &out;
	is_int(log_write_record(path, NULL, true, &rec, &out), 0, "default time: written");
	line = strstr(read_file(path), "\"time\":\"");
	ok(line != NULL, "default time: present");
	if (!line)
		return;
	line += 8;
	for (size_t i = 0; i < 25 && shape; i++) {
		char c = line[i];

		if (i == 4 || i == 7)
			shape = c == '-';
		else if (i == 10)
			shape = c == 'T';
		else if (i == 13 || i == 16 || i == 22)
			shape = c == ':';
		else if (i == 19)
			shape = c == '+' || c == '-';
		else
			shape = c >= '0' && c <= '9';
	}
	ok(shape && line[25] == '"', "default time is RFC 3339 (%.26s)", line);
}

int main(void)
{
	char dir[] = "/tmp/postie-test-log.XXXXXX";
	char text_path[64], json_path[64];
	struct stat st;

	test_json_cases();
	test_json_truncation();
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	snprintf(text_path, sizeof(text_path), "%s/text.log", dir);
	snprintf(json_path, sizeof(json_path), "%s/json.log", dir);
	test_text_lines(text_path);
	ok(stat(text_path, &st) == 0 && (st.st_mode & 0777) == 0600, "the log file is mode 0600");
	test_json_lines(json_path);
	unlink(json_path);
	test_default_time(json_path);
	test_queued_line(text_path);
	test_escape();
	test_status_object(json_path);
	unlink(text_path);
	unlink(json_path);
	rmdir(dir);
	return tap_done();
}
