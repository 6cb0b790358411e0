/* log.c - transcript, the stderr report line, and the logfile and syslog
 * lines (text or JSON). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "log.h"
#include "strbuf.h"

#define LOG_LINE_MAX 8192

static bool verbose;
static log_transcript_hook *transcript_hook;
static void *transcript_hook_ctx;

void log_set_verbose(bool on)
{
	verbose = on;
}

bool log_verbose(void)
{
	return verbose;
}

/* Characters that move or reorder text rather than show: C1 controls, the
 * bidirectional marks, embeddings, overrides and isolates, and the line
 * and paragraph separators. A server's text could use them to make a line
 * on a terminal read as something else. */
static bool moves_text(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Length of a valid UTF-8 sequence at s that is safe to show as it is, or 0. */
static size_t utf8_sequence_length(const unsigned char *s, size_t len)
{
	unsigned cp;
	size_t need = utf8_decode(s, len, &cp);

	return need > 1 && !moves_text(cp) ? need : 0;
}

size_t log_escape(char *dst, size_t size, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char esc[5];
		const char *piece = esc;
		size_t plen;
		unsigned char ch = s[i];

		if (ch >= 0x20 && ch < 0x7f) {
			esc[0] = (char)ch;
			plen = 1;
		} else if (ch >= 0x80 && (plen = utf8_sequence_length(s + i, len - i)) > 0) {
			piece = (const char *)s + i;
			i += plen - 1;
		} else if (ch == '\r' || ch == '\n' || ch == '\t') {
			esc[0] = '\\';
			esc[1] = ch == '\r' ? 'r' : ch == '\n' ? 'n' : 't';
			plen = 2;
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", ch);
			plen = 4;
		}
		if (o + plen >= size)
			break;
		memcpy(dst + o, piece, plen);
		o += plen;
	}
	dst[o] = '\0';
	return o;
}

static void print_escaped_line(const char *prefix, const char *text, size_t len)
{
	char buf[LOG_LINE_MAX];

	log_escape(buf, sizeof(buf), text, len);
	fprintf(stderr, "%s%s\n", prefix, buf);
}

void log_set_transcript_hook(log_transcript_hook *hook, void *ctx)
{
	transcript_hook = hook;
	transcript_hook_ctx = ctx;
}

void log_transcript(bool from_server, const char *line, size_t len)
{
	if (transcript_hook)
		transcript_hook(transcript_hook_ctx, from_server, line, len);
	if (verbose)
		print_escaped_line(from_server ? "<-- " : "--> ", line, len);
}

static void print_escaped_vformat(const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void print_escaped_vformat(const char *prefix, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX];
	int n = vsnprintf(text, sizeof(text), fmt, ap);

	if (n < 0)
		return;
	print_escaped_line(prefix, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

void log_transcript_note(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	print_escaped_vformat("--> ", fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	print_escaped_vformat("--- ", fmt, ap);
	va_end(ap);
}

void log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_escaped_vformat("postie: warning: ", fmt, ap);
	va_end(ap);
}

/* "<what happened>[: <code> <enhanced> <server text>]", escaped. */
static void format_outcome(char *buf, size_t size, const struct outcome *o)
{
	size_t used = log_escape(buf, size, o->text, strlen(o->text));

	if (o->smtp_code && used + 8 < size) {
		int n = snprintf(buf + used, size - used, ": %d%s%s ", o->smtp_code,
		                 o->enhanced[0] ? " " : "", o->enhanced);
		if (n > 0 && (size_t)n < size - used)
			used += (size_t)n;
		log_escape(buf + used, size - used, o->reply, strlen(o->reply));
	} else if (!o->smtp_code && o->reply[0] && used + 4 < size) {
		/* A reply that could not be parsed: show what came. */
		memcpy(buf + used, ": '", 3);
		used += 3;
		used += log_escape(buf + used, size - used - 1, o->reply, strlen(o->reply));
		buf[used++] = '\'';
		buf[used] = '\0';
	}
}

void log_report(FILE *fp, const struct outcome *o)
{
	char text[LOG_LINE_MAX], step[64];

	format_outcome(text, sizeof(text), o);
	log_escape(step, sizeof(step), o->step, strlen(o->step));
	if (step[0])
		fprintf(fp, "postie: %s: %s\n", step, text);
	else
		fprintf(fp, "postie: %s\n", text);
	fflush(fp);
}

void log_format_outcome(char *buf, size_t size, const struct outcome *o)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	format_outcome(buf, size, o);
}

/* ------------------------------------------------------------ JSON strings */

size_t log_json_string(char *dst, size_t size, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (size < 3) {
		if (size > 0)
			dst[0] = '\0';
		return 0;
	}
	dst[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		char esc[8];
		const char *piece = esc;
		size_t plen = 1, seq;
		unsigned cp;

		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)s[i];
			plen = 2;
		} else if (s[i] >= 0x20 && s[i] < 0x7f) {
			esc[0] = (char)s[i];
		} else if (s[i] < 0x80) {
			plen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
		} else if ((seq = utf8_decode(s + i, len - i, &cp)) == 0) {
			memcpy(esc, "\\ufffd", 6);
			plen = 6;
		} else if (cp <= 0x9f) {
			/* C1 controls: shown, not obeyed, by whoever reads the log. */
			plen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", cp);
			i += seq - 1;
		} else {
			piece = src + i;
			plen = seq;
			i += seq - 1;
		}
		/* Room for this piece, the closing quote and the NUL. */
		if (o + plen + 2 > size)
			break;
		memcpy(dst + o, piece, plen);
		o += plen;
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return o;
}

/* ------------------------------------------------------------ record lines */

/* A growing line for one record: JSON must not be cut. Bounded by
 * RECORD_MAX; past it (or out of memory) the record is marked failed. */
#define RECORD_MAX (1024 * 1024)

static void record_addf(struct strbuf *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void record_addf(struct strbuf *t, const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		strbuf_add(t, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* A JSON string value, or null. Every escape is at most 6 bytes for one
 * input byte, so 6 * len + 3 always holds the whole string. */
static void record_json_string(struct strbuf *t, const char *s)
{
	size_t len, need;

	if (!s) {
		strbuf_add(t, "null", 4);
		return;
	}
	len = strlen(s);
	need = 6 * len + 3;
	if (!strbuf_reserve(t, need))
		return;
	t->len += log_json_string(t->data + t->len, need, s, len);
}

/* `"key":"value"` with a comma before all but the first member. */
static void record_json_member(struct strbuf *t, const char *key, const char *value)
{
	record_addf(t, "%s\"%s\":", t->len > 1 ? "," : "", key);
	record_json_string(t, value);
}

static bool record_failed(const struct log_record *rec)
{
	return rec->outcome && rec->outcome->cls != OUTCOME_OK;
}

/* The failure the record tells of: the outcome's, or for a queued message
 * the temporary one that sent it to the queue. NULL when none. */
static const struct outcome *record_problem(const struct log_record *rec)
{
	if (record_failed(rec))
		return rec->outcome;
	if (rec->queue_id && rec->queued_after && rec->queued_after->cls != OUTCOME_OK)
		return rec->queued_after;
	return NULL;
}

static const char *record_result(const struct log_record *rec)
{
	return record_failed(rec) ? "failed" : rec->queue_id ? "queued" : "sent";
}

static void format_time_stamp(char *buf, size_t size, const char *time_format)
{
	time_t now = time(NULL);
	struct tm tm;
	size_t n;

	localtime_r(&now, &tm);
	/* The format is the user's own `logfile_time_format`. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(buf, size, time_format ? time_format : "%Y-%m-%dT%H:%M:%S%z", &tm);
#pragma GCC diagnostic pop
	buf[n < size ? n : 0] = '\0';
	/* RFC 3339 wants the offset as +01:00, which %z writes as +0100. */
	if (!time_format && n >= 5 && n + 1 < size) {
		memmove(buf + n - 1, buf + n - 2, 3);
		buf[n - 2] = ':';
	}
}

static void json_record(struct strbuf *t, const char *time_stamp,
                        const struct log_record *rec)
{
	const struct outcome *o = record_problem(rec);
	bool failed = o != NULL;

	strbuf_add(t, "{", 1);
	if (time_stamp)
		record_json_member(t, "time", time_stamp);
	record_json_member(t, "account", rec->account);
	record_json_member(t, "host", rec->host);
	if (rec->account)
		record_addf(t, ",\"port\":%d", rec->port);
	else
		strbuf_add(t, ",\"port\":null", 12);
	record_addf(t, ",\"tls\":%s", rec->tls ? "true" : "false");
	record_json_member(t, "auth", rec->auth ? rec->auth : rec->account ? "off" : NULL);
	record_json_member(t, "user", rec->user);
	record_json_member(t, "from", rec->from);
	strbuf_add(t, ",\"rcpts\":[", 10);
	for (size_t i = 0; i < rec->nrcpts; i++) {
		if (i)
			strbuf_add(t, ",", 1);
		record_json_string(t, rec->rcpts[i]);
	}
	strbuf_add(t, "]", 1);
	if (rec->size >= 0)
		record_addf(t, ",\"size\":%lld", rec->size);
	else
		strbuf_add(t, ",\"size\":null", 12);
	record_json_member(t, "outcome", record_result(rec));
	record_json_member(t, "queue_id", rec->queue_id);
	record_addf(t, ",\"exit\":%d", rec->exit_status);
	record_json_member(t, "exit_name", outcome_exit_name(rec->exit_status));
	record_json_member(t, "step", failed && o->step && o->step[0] ? o->step : NULL);
	if (failed ? o->smtp_code != 0 : rec->smtp_code != 0) {
		record_addf(t, ",\"smtp\":{\"code\":%d", failed ? o->smtp_code : rec->smtp_code);
		record_json_member(t, "enhanced", failed ? o->enhanced : rec->smtp_enhanced ? rec->smtp_enhanced : "");
		record_json_member(t, "text", failed ? o->reply : rec->smtp_text ? rec->smtp_text : "");
		strbuf_add(t, "}", 1);
	} else {
		strbuf_add(t, ",\"smtp\":null", 12);
	}
	strbuf_add(t, ",\"refused\":[", 12);
	for (size_t i = 0; i < rec->nrefused; i++) {
		const struct log_refusal *r = &rec->refused[i];

		record_addf(t, "%s{\"rcpt\":", i ? "," : "");
		record_json_string(t, r->rcpt);
		record_addf(t, ",\"code\":%d", r->code);
		strbuf_add(t, ",\"enhanced\":", 12);
		record_json_string(t, r->enhanced ? r->enhanced : "");
		strbuf_add(t, ",\"text\":", 8);
		record_json_string(t, r->text ? r->text : "");
		strbuf_add(t, "}", 1);
	}
	strbuf_add(t, "]", 1);
	record_json_member(t, "message_id", rec->message_id);
	record_addf(t, ",\"duration_ms\":%lld", rec->duration_ms);
	record_json_member(t, "error", failed ? o->text : NULL);
	strbuf_add(t, "}", 1);
}

/* Append ` key=value` with the value quoted when it holds a space, a quote
 * or a backslash. */
static void text_field(struct strbuf *t, const char *key, const char *value)
{
	char esc[LOG_LINE_MAX / 2];
	bool quote;

	log_escape(esc, sizeof(esc), value ? value : "", value ? strlen(value) : 0);
	quote = esc[0] == '\0' || strpbrk(esc, " \"\\") != NULL;
	record_addf(t, "%s%s=%s", t->len ? " " : "", key, quote ? "\"" : "");
	if (!quote) {
		strbuf_add(t, esc, strlen(esc));
		return;
	}
	for (const char *p = esc; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_add(t, "\\", 1);
		strbuf_add(t, p, 1);
	}
	strbuf_add(t, "\"", 1);
}

static void text_record(struct strbuf *t, const char *time_stamp,
                        const struct log_record *rec)
{
	char value[LOG_LINE_MAX / 2];
	size_t vlen = 0;

	if (time_stamp)
		strbuf_add(t, time_stamp, strlen(time_stamp));
	text_field(t, "account", rec->account);
	text_field(t, "host", rec->host);
	snprintf(value, sizeof(value), "%d", rec->port);
	text_field(t, "port", value);
	text_field(t, "tls", rec->tls ? "on" : "off");
	text_field(t, "auth", rec->auth ? rec->auth : "off");
	if (rec->user)
		text_field(t, "user", rec->user);
	text_field(t, "from", rec->from);
	value[0] = '\0';
	for (size_t i = 0; i < rec->nrcpts && vlen + 2 < sizeof(value); i++) {
		int n = snprintf(value + vlen, sizeof(value) - vlen, "%s%s", i ? "," : "", rec->rcpts[i]);
		if (n < 0)
			break;
		vlen = (size_t)n < sizeof(value) - vlen ? vlen + (size_t)n : sizeof(value) - 1;
	}
	text_field(t, "rcpts", value);
	if (rec->size >= 0) {
		snprintf(value, sizeof(value), "%lld", rec->size);
		text_field(t, "size", value);
	}
	if (rec->message_id)
		text_field(t, "message_id", rec->message_id);
	if (rec->queue_id)
		text_field(t, "queued", rec->queue_id);
	if (record_problem(rec)) {
		text_field(t, "step", record_problem(rec)->step);
		format_outcome(value, sizeof(value), record_problem(rec));
		text_field(t, "error", value);
	} else if (rec->smtp_code) {
		const char *enhanced = rec->smtp_enhanced ? rec->smtp_enhanced : "";

		snprintf(value, sizeof(value), "%d%s%s %s", rec->smtp_code, enhanced[0] ? " " : "",
		         enhanced, rec->smtp_text ? rec->smtp_text : "");
		text_field(t, "smtp", value);
	}
	snprintf(value, sizeof(value), "%lld", rec->duration_ms);
	text_field(t, "duration_ms", value);
	text_field(t, "exit", outcome_exit_name(rec->exit_status));
}

static void build_record(struct strbuf *t, const char *time_stamp, bool json,
                         const struct log_record *rec)
{
	if (json)
		json_record(t, time_stamp, rec);
	else
		text_record(t, time_stamp, rec);
}

int log_write_record(const char *path, const char *time_format, bool json,
                     const struct log_record *rec, struct outcome *out)
{
	struct strbuf line = { .limit = RECORD_MAX };
	char stamp[256];
	ssize_t n;
	int fd, e;

	format_time_stamp(stamp, sizeof(stamp), time_format);
	build_record(&line, stamp, json, rec);
	strbuf_add(&line, "\n", 1);
	if (line.failed) {
		free(line.data);
		return outcome_fail(out, OUTCOME_OS, "log", "cannot write logfile %s: out of memory "
		                    "or a record over %d bytes", path, RECORD_MAX);
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		free(line.data);
		return outcome_fail(out, OUTCOME_CANT_CREATE, "log", "cannot open logfile %s: %s",
		                    path, strerror(errno));
	}
	/* One write per line: O_APPEND keeps lines from concurrent runs whole. */
	n = write(fd, line.data, line.len);
	e = errno;
	close(fd);
	free(line.data);
	if (n != (ssize_t)line.len)
		return outcome_fail(out, OUTCOME_IO, "log", "cannot write logfile %s: %s", path,
		                    n < 0 ? strerror(e) : "short write");
	return 0;
}

int log_print_json(FILE *fp, const struct log_record *rec)
{
	/* No limit of its own: the caller was promised an object whatever
	 * the outcome, and a record is bounded by the recipient limit. */
	struct strbuf line = { .limit = 0 };
	int rc = -1;

	json_record(&line, NULL, rec);
	strbuf_add(&line, "\n", 1);
	if (!line.failed && fwrite(line.data, 1, line.len, fp) == line.len && fflush(fp) == 0)
		rc = 0;
	free(line.data);
	return rc;
}

/* ------------------------------------------------------------ syslog */

static int syslog_facility(const char *name)
{
	static const struct {
		const char *name;
		int facility;
	} facilities[] = {
		{ "LOG_USER", LOG_USER }, { "LOG_MAIL", LOG_MAIL },
		{ "LOG_LOCAL0", LOG_LOCAL0 }, { "LOG_LOCAL1", LOG_LOCAL1 },
		{ "LOG_LOCAL2", LOG_LOCAL2 }, { "LOG_LOCAL3", LOG_LOCAL3 },
		{ "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 },
		{ "LOG_LOCAL6", LOG_LOCAL6 }, { "LOG_LOCAL7", LOG_LOCAL7 },
	};

	for (size_t i = 0; name && i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(name, facilities[i].name) == 0)
			return facilities[i].facility;
	return LOG_MAIL;
}

void log_syslog_record(const char *facility, bool json, const struct log_record *rec)
{
	struct strbuf line = { .limit = RECORD_MAX };

	if (facility && strcmp(facility, "off") == 0)
		return;
	build_record(&line, NULL, json, rec);
	if (!line.failed && line.data) {
		openlog("postie", LOG_PID, syslog_facility(facility));
		syslog(record_failed(rec) ? LOG_ERR : LOG_INFO, "%s", line.data);
		closelog();
	}
	free(line.data);
}
