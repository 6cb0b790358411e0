/* log.c - transcript, the stderr report line, and the logfile line. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 8192

static bool verbose;

void log_set_verbose(bool on)
{
	verbose = on;
}

bool log_verbose(void)
{
	return verbose;
}

/* Length of a valid UTF-8 sequence at s (not a C1 control), or 0. */
static size_t utf8_sequence_length(const unsigned char *s, size_t len)
{
	size_t need;
	unsigned cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return need;
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

void log_transcript(bool from_server, const char *line, size_t len)
{
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

/* Append ` key=value` with the value quoted when it holds a space, a quote
 * or a backslash. Returns the new length. */
static size_t append_field(char *line, size_t used, size_t size, const char *key,
                           const char *value)
{
	char esc[LOG_LINE_MAX / 2];
	bool quote;
	int n;

	if (used >= size)
		return used;
	log_escape(esc, sizeof(esc), value ? value : "", value ? strlen(value) : 0);
	quote = esc[0] == '\0' || strpbrk(esc, " \"\\") != NULL;
	if (!quote) {
		n = snprintf(line + used, size - used, " %s=%s", key, esc);
	} else {
		char q[LOG_LINE_MAX];
		size_t k = 0;

		for (const char *p = esc; *p && k + 2 < sizeof(q); p++) {
			if (*p == '"' || *p == '\\')
				q[k++] = '\\';
			q[k++] = *p;
		}
		q[k] = '\0';
		n = snprintf(line + used, size - used, " %s=\"%s\"", key, q);
	}
	if (n < 0)
		return used;
	return (size_t)n < size - used ? used + (size_t)n : size - 1;
}

int log_write_record(const char *path, const char *time_format,
                     const struct log_record *rec, struct outcome *out)
{
	char line[LOG_LINE_MAX], value[LOG_LINE_MAX / 2];
	size_t used, vlen = 0;
	time_t now = time(NULL);
	struct tm tm;
	int fd;

	localtime_r(&now, &tm);
	/* The format is the user's own `logfile_time_format`. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	used = strftime(line, sizeof(line) / 4, time_format ? time_format : "%Y-%m-%dT%H:%M:%S%z", &tm);
#pragma GCC diagnostic pop
	line[used] = '\0';
	used = append_field(line, used, sizeof(line), "account", rec->account);
	used = append_field(line, used, sizeof(line), "host", rec->host);
	snprintf(value, sizeof(value), "%d", rec->port);
	used = append_field(line, used, sizeof(line), "port", value);
	used = append_field(line, used, sizeof(line), "from", rec->from);
	value[0] = '\0';
	for (size_t i = 0; i < rec->nrcpts && vlen + 2 < sizeof(value); i++) {
		int n = snprintf(value + vlen, sizeof(value) - vlen, "%s%s", i ? "," : "", rec->rcpts[i]);
		if (n < 0)
			break;
		vlen = (size_t)n < sizeof(value) - vlen ? vlen + (size_t)n : sizeof(value) - 1;
	}
	used = append_field(line, used, sizeof(line), "rcpts", value);
	if (rec->size >= 0) {
		snprintf(value, sizeof(value), "%lld", rec->size);
		used = append_field(line, used, sizeof(line), "size", value);
	}
	if (rec->outcome && rec->outcome->cls != OUTCOME_OK) {
		used = append_field(line, used, sizeof(line), "step", rec->outcome->step);
		format_outcome(value, sizeof(value), rec->outcome);
		used = append_field(line, used, sizeof(line), "error", value);
	} else if (rec->smtp_code) {
		const char *enhanced = rec->smtp_enhanced ? rec->smtp_enhanced : "";

		snprintf(value, sizeof(value), "%d%s%s %s", rec->smtp_code, enhanced[0] ? " " : "",
		         enhanced, rec->smtp_text ? rec->smtp_text : "");
		used = append_field(line, used, sizeof(line), "smtp", value);
	}
	used = append_field(line, used, sizeof(line), "exit", outcome_exit_name(rec->exit_status));
	if (used + 1 >= sizeof(line))
		used = sizeof(line) - 2;
	line[used++] = '\n';

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return outcome_fail(out, OUTCOME_CANT_CREATE, "log", "cannot open logfile %s: %s",
		                    path, strerror(errno));
	/* One write per line: O_APPEND keeps lines from concurrent runs whole. */
	ssize_t n = write(fd, line, used);
	int e = errno;
	close(fd);
	if (n != (ssize_t)used)
		return outcome_fail(out, OUTCOME_IO, "log", "cannot write logfile %s: %s", path,
		                    n < 0 ? strerror(e) : "short write");
	return 0;
}
