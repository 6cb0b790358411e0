/* faultserver.c - a scripted SMTP server that misbehaves on purpose.
 *
 * usage: faultserver [-6] [-n CONNECTIONS] -P PORTFILE [-T TRANSCRIPT] SCRIPT
 *
 * Listens on 127.0.0.1 (or ::1 with -6) on a port the kernel picks, writes
 * the port number to PORTFILE once listening, then serves CONNECTIONS
 * connections (default 1) one after another, running SCRIPT from the top for
 * each. The fault tests drive postie against it and read the TRANSCRIPT to
 * see what postie sent ("C: ...") and what it was told ("S: ..."); lines
 * starting with "# " are events (connection accepted, client closed, ...).
 *
 * Script commands, one per line; blank lines and lines starting with '#'
 * are ignored. TEXT may hold the escapes \r \n \t \\ \xHH.
 *   send TEXT          send TEXT and CR LF
 *   raw TEXT           send TEXT exactly
 *   expect TEXT        read a line; it must start with TEXT (any case)
 *   recv               read a line, whatever it is
 *   data               read the message body up to the line "."
 *   data-partial N     read N bytes of the body, then go on with the script
 *   close              close the connection (the rest of the script is skipped)
 *   stall              answer nothing; read until the client closes or 20 s pass
 *   sleep SECONDS      pause (at most 20 s)
 * After the last command the server waits up to 5 s for the client to close.
 * A client line longer than 4096 octets is recorded in pieces (and checked
 * by expect as one line that is too long).
 *
 * Everything is bounded: each read waits at most 10 s, and an overall alarm
 * ends the server after 30 s whatever it is doing.
 *
 * Exit status: 0 the script ran (a client that went away while the server
 * was only sending is not an error), 1 system error, 2 usage or script
 * error, 3 the client did not send what the script expects, 4 time limit. */
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	EXIT_SYSTEM = 1,
	EXIT_USAGE = 2,
	EXIT_MISMATCH = 3,
	EXIT_TIME_LIMIT = 4,
};

#define OVERALL_LIMIT_S 30
#define READ_WAIT_MS 10000      /* one expect / recv / data line */
#define WRITE_WAIT_MS 10000
#define STALL_MS 20000
#define FINAL_WAIT_MS 5000      /* after the script, for the client to close */
#define SLEEP_MAX_S 20.0
#define CLIENT_LINE_MAX 4096    /* one line from the client, LF included */
#define SCRIPT_LINE_MAX 8192
#define SCRIPT_COMMANDS_MAX 10000
#define CONNECTIONS_MAX 1000
#define PARTIAL_MAX (1024L * 1024 * 1024)

enum op { OP_SEND, OP_RAW, OP_EXPECT, OP_RECV, OP_DATA, OP_DATA_PARTIAL,
          OP_CLOSE, OP_STALL, OP_SLEEP };

static const struct {
	const char *name;
	enum op op;
	bool takes_text;        /* TEXT with escapes (may be empty for send/raw) */
	bool takes_number;
} op_table[] = {
	{ "send", OP_SEND, true, false },
	{ "raw", OP_RAW, true, false },
	{ "expect", OP_EXPECT, true, false },
	{ "recv", OP_RECV, false, false },
	{ "data", OP_DATA, false, false },
	{ "data-partial", OP_DATA_PARTIAL, false, true },
	{ "close", OP_CLOSE, false, false },
	{ "stall", OP_STALL, false, false },
	{ "sleep", OP_SLEEP, false, true },
};

struct command {
	enum op op;
	int lineno;
	char *text;             /* unescaped bytes, NUL-terminated for messages */
	size_t text_len;
	double number;
};

struct script {
	const char *path;
	struct command *cmds;
	size_t n;
};

/* One accepted connection and the bytes read from it but not yet used. */
struct client {
	int fd;
	char in[2 * CLIENT_LINE_MAX];
	size_t start, end;
	bool eof;               /* the client closed (or reset) its side */
};

enum got { GOT_LINE, GOT_CUT, GOT_EOF, GOT_TIMEOUT };

enum step_result { STEP_NEXT, STEP_END_CONNECTION };

static FILE *transcript;

/* ------------------------------------------------------------ diagnostics */

static void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("faultserver: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (transcript) {
		fputs("# faultserver: ", transcript);
		va_start(ap, fmt);
		vfprintf(transcript, fmt, ap);
		va_end(ap);
		fputc('\n', transcript);
		fclose(transcript);
		transcript = NULL;
	}
	exit(status);
}

static void on_alarm(int sig)
{
	static const char msg[] = "faultserver: overall time limit reached, giving up\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to report it to */
	}
	_exit(EXIT_TIME_LIMIT);
}

/* How one byte of client or script text is shown: control characters (and
 * the backslash) escaped, everything else as it is. */
static const char *shown_byte(unsigned char ch, char tmp[8])
{
	switch (ch) {
	case '\r': return "\\r";
	case '\n': return "\\n";
	case '\t': return "\\t";
	case '\\': return "\\\\";
	default:
		if (ch < 0x20 || ch == 0x7f)
			snprintf(tmp, 8, "\\x%02x", ch);
		else
			snprintf(tmp, 8, "%c", ch);
		return tmp;
	}
}

static void put_escaped(FILE *fp, const char *s, size_t len)
{
	char tmp[8];

	for (size_t i = 0; i < len; i++)
		fputs(shown_byte((unsigned char)s[i], tmp), fp);
}

/* The same into buf (cut short when it does not fit), for diagnostics;
 * no heap, so that die() leaves nothing behind for a leak checker. */
static const char *escaped(char *buf, size_t cap, const char *s, size_t len)
{
	char tmp[8];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		const char *piece = shown_byte((unsigned char)s[i], tmp);
		size_t n = strlen(piece);

		if (used + n >= cap)
			break;
		memcpy(buf + used, piece, n + 1);
		used += n;
	}
	return buf;
}

static void record(const char *who, const char *s, size_t len)
{
	if (!transcript)
		return;
	fputs(who, transcript);
	put_escaped(transcript, s, len);
	fputc('\n', transcript);
	fflush(transcript);
}

static void record_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void record_event(const char *fmt, ...)
{
	va_list ap;

	if (!transcript)
		return;
	fputs("# ", transcript);
	va_start(ap, fmt);
	vfprintf(transcript, fmt, ap);
	va_end(ap);
	fputc('\n', transcript);
	fflush(transcript);
}

/* A line from the client: a trailing CR LF is the line end and is not shown;
 * anything else (a bare LF, no end at all) stays visible, escaped. */
static void record_client_line(const char *line, size_t len)
{
	if (len >= 2 && line[len - 2] == '\r' && line[len - 1] == '\n')
		len -= 2;
	record("C: ", line, len);
}

/* A piece that next_line() cut off: say why, so it is not read as a line. */
static void record_client_piece(const struct client *c, const char *line, size_t len)
{
	record_client_line(line, len);
	if (c->eof && c->start == c->end)
		record_event("the client closed the connection in the middle of that line");
	else
		record_event("that line is longer than %d octets; it goes on in the next C: line",
		             CLIENT_LINE_MAX);
}

/* ------------------------------------------------------------ script */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode the escapes of TEXT into a new buffer. Returns NULL on a bad escape. */
static char *unescape(const char *s, size_t *out_len)
{
	size_t len = strlen(s), n = 0;
	char *out = malloc(len + 1);

	if (!out)
		die(EXIT_SYSTEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\') {
			out[n++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 'r': out[n++] = '\r'; break;
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case '\\': out[n++] = '\\'; break;
		case 'x': {
			int hi = hex_value(s[i + 1]), lo = hi < 0 ? -1 : hex_value(s[i + 2]);

			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			out[n++] = (char)(hi * 16 + lo);
			i += 2;
			break;
		}
		default:
			free(out);
			return NULL;
		}
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

static void parse_command(struct script *sc, struct command *cmd, char *line, int lineno)
{
	char *name = line, *arg;
	size_t i;

	while (*name == ' ' || *name == '\t')
		name++;
	arg = name + strcspn(name, " \t");
	if (*arg)
		*arg++ = '\0';      /* TEXT is everything after one separator */
	for (i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++)
		if (strcmp(op_table[i].name, name) == 0)
			break;
	if (i == sizeof(op_table) / sizeof(op_table[0]))
		die(EXIT_USAGE, "%s:%d: unknown command '%s'", sc->path, lineno, name);

	memset(cmd, 0, sizeof(*cmd));
	cmd->op = op_table[i].op;
	cmd->lineno = lineno;
	if (op_table[i].takes_text) {
		cmd->text = unescape(arg, &cmd->text_len);
		if (!cmd->text)
			die(EXIT_USAGE, "%s:%d: bad escape in '%s'", sc->path, lineno, arg);
		if (cmd->op == OP_EXPECT && cmd->text_len == 0)
			die(EXIT_USAGE, "%s:%d: expect needs a word", sc->path, lineno);
	} else if (op_table[i].takes_number) {
		char *end;

		errno = 0;
		cmd->number = strtod(arg, &end);
		if (errno || end == arg || *end != '\0' || !(cmd->number >= 0))
			die(EXIT_USAGE, "%s:%d: %s needs a number, not '%s'", sc->path, lineno, name, arg);
		if (cmd->op == OP_SLEEP && cmd->number > SLEEP_MAX_S)
			die(EXIT_USAGE, "%s:%d: sleep is limited to %.0f seconds", sc->path, lineno,
			    SLEEP_MAX_S);
		if (cmd->op == OP_DATA_PARTIAL &&
		    (cmd->number < 1 || cmd->number > PARTIAL_MAX || cmd->number != (long)cmd->number))
			die(EXIT_USAGE, "%s:%d: data-partial needs a whole number of bytes from 1 to %ld",
			    sc->path, lineno, PARTIAL_MAX);
	} else if (*arg) {
		die(EXIT_USAGE, "%s:%d: %s takes no argument", sc->path, lineno, name);
	}
}

static void load_script(struct script *sc, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[SCRIPT_LINE_MAX + 2];
	int lineno = 0;

	static struct command commands[SCRIPT_COMMANDS_MAX];

	sc->path = path;
	sc->n = 0;
	sc->cmds = commands;
	if (!fp)
		die(EXIT_USAGE, "cannot open script %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp)) {
		size_t len = strlen(line);
		const char *first = line + strspn(line, " \t");

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(fp))
			die(EXIT_USAGE, "%s:%d: line longer than %d characters", path, lineno,
			    SCRIPT_LINE_MAX);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (*first == '\0' || *first == '#')
			continue;
		if (sc->n > 0 && sc->cmds[sc->n - 1].op == OP_CLOSE)
			die(EXIT_USAGE, "%s:%d: nothing can follow close", path, lineno);
		if (sc->n == SCRIPT_COMMANDS_MAX)
			die(EXIT_USAGE, "%s: more than %d commands", path, SCRIPT_COMMANDS_MAX);
		parse_command(sc, &sc->cmds[sc->n++], line, lineno);
	}
	if (ferror(fp))
		die(EXIT_USAGE, "cannot read script %s: %s", path, strerror(errno));
	fclose(fp);
}

static void free_script(struct script *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->cmds[i].text);
}

/* ------------------------------------------------------------ client I/O */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for `events` or the deadline passes: 1 ready, 0 not. */
static int wait_ready(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			die(EXIT_SYSTEM, "poll: %s", strerror(errno));
	}
}

/* Read more from the client into its buffer. Returns false on time-out. */
static bool fill(struct client *c, long long deadline)
{
	ssize_t n;

	if (c->start > 0) {
		memmove(c->in, c->in + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (!wait_ready(c->fd, POLLIN, deadline))
		return false;
	do
		n = recv(c->fd, c->in + c->end, sizeof(c->in) - c->end, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		c->end += (size_t)n;
	} else {
		if (n < 0)
			record_event("read failed: %s", strerror(errno));
		c->eof = true;
	}
	return true;
}

/* Take the next line (through its LF) from the client, using at most
 * `limit` bytes. GOT_CUT: `limit` or CLIENT_LINE_MAX bytes came without an LF,
 * or the client closed in the middle of a line; *len says what was taken. */
static enum got next_line(struct client *c, long long deadline, size_t limit,
                          char *line, size_t *len)
{
	size_t cap = limit < CLIENT_LINE_MAX ? limit : CLIENT_LINE_MAX;

	for (;;) {
		size_t avail = c->end - c->start;
		size_t scan = avail < cap ? avail : cap;
		const char *lf = memchr(c->in + c->start, '\n', scan);

		if (lf || avail >= cap || (c->eof && avail > 0)) {
			*len = lf ? (size_t)(lf - (c->in + c->start)) + 1 : scan;
			memcpy(line, c->in + c->start, *len);
			c->start += *len;
			return lf ? GOT_LINE : GOT_CUT;
		}
		if (c->eof)
			return GOT_EOF;
		if (!fill(c, deadline))
			return GOT_TIMEOUT;
	}
}

/* Send bytes, coping with short writes. Returns false when the client has
 * gone away (or stopped reading), which ends the connection. */
static bool send_all(struct client *c, const char *buf, size_t len)
{
	long long deadline = now_ms() + WRITE_WAIT_MS;

	while (len > 0) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_ready(c->fd, POLLOUT, deadline))
				continue;
			record_event("client did not read for %d s; giving up on it",
			             WRITE_WAIT_MS / 1000);
			return false;
		}
		record_event("send failed: %s", n < 0 ? strerror(errno) : "no progress");
		return false;
	}
	return true;
}

/* Read and record what the client sends until it closes or `ms` pass. */
static void read_until_closed(struct client *c, long long ms, const char *why)
{
	long long deadline = now_ms() + ms;
	char line[CLIENT_LINE_MAX];
	size_t len;

	for (;;) {
		switch (next_line(c, deadline, CLIENT_LINE_MAX, line, &len)) {
		case GOT_LINE:
			record_client_line(line, len);
			break;
		case GOT_CUT:
			record_client_piece(c, line, len);
			break;
		case GOT_EOF:
			record_event("client closed the connection (%s)", why);
			return;
		case GOT_TIMEOUT:
			record_event("client still connected after %lld s (%s)", ms / 1000, why);
			return;
		}
	}
}

/* ------------------------------------------------------------ running */

static const char *op_name(enum op op)
{
	for (size_t i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++)
		if (op_table[i].op == op)
			return op_table[i].name;
	return "?";
}

static bool prefix_matches(const char *line, size_t len, const char *word, size_t word_len)
{
	if (len < word_len)
		return false;
	for (size_t i = 0; i < word_len; i++)
		if (tolower((unsigned char)line[i]) != tolower((unsigned char)word[i]))
			return false;
	return true;
}

/* The client went away early: fine unless the script still expects input. */
static void check_nothing_expected(const struct script *sc, size_t from)
{
	for (size_t i = from; i < sc->n; i++) {
		const struct command *cmd = &sc->cmds[i];
		static char want[4 * CLIENT_LINE_MAX];

		if (cmd->op == OP_EXPECT || cmd->op == OP_RECV || cmd->op == OP_DATA ||
		    cmd->op == OP_DATA_PARTIAL)
			die(EXIT_MISMATCH, "%s:%d: %s %s: the client went away before it",
			    sc->path, cmd->lineno, op_name(cmd->op),
			    cmd->text ? escaped(want, sizeof(want), cmd->text, cmd->text_len) : "");
	}
}

/* Read one whole line for expect / recv, or die saying what came instead. */
static size_t read_line_or_die(struct client *c, const struct script *sc,
                               const struct command *cmd, char *line)
{
	size_t len = 0;
	enum got g = next_line(c, now_ms() + READ_WAIT_MS, CLIENT_LINE_MAX, line, &len);
	static char want_buf[4 * CLIENT_LINE_MAX];
	const char *want = cmd->text ? escaped(want_buf, sizeof(want_buf), cmd->text, cmd->text_len)
	                             : "any line";

	switch (g) {
	case GOT_LINE:
		record_client_line(line, len);
		return len;
	case GOT_CUT:
		record_client_piece(c, line, len);
		die(EXIT_MISMATCH, "%s:%d: expected '%s', got %s", sc->path, cmd->lineno, want,
		    c->eof ? "an unfinished line and end of stream"
		           : "a line longer than the limit");
	case GOT_EOF:
		die(EXIT_MISMATCH, "%s:%d: expected '%s', but the client closed the connection",
		    sc->path, cmd->lineno, want);
	case GOT_TIMEOUT:
		break;
	}
	die(EXIT_MISMATCH, "%s:%d: expected '%s', but the client sent nothing for %d s",
	    sc->path, cmd->lineno, want, READ_WAIT_MS / 1000);
}

/* Read the message body up to the line ".", or `limit` bytes of it. */
static void read_body(struct client *c, const struct script *sc, const struct command *cmd,
                      size_t limit)
{
	char line[CLIENT_LINE_MAX];
	size_t len, taken = 0;
	bool partial = cmd->op == OP_DATA_PARTIAL;
	bool line_start = true;         /* the previous chunk ended a line */

	for (;;) {
		enum got g = next_line(c, now_ms() + READ_WAIT_MS, limit - taken, line, &len);

		if (g == GOT_LINE || g == GOT_CUT) {
			taken += len;
			if (g == GOT_CUT && !(partial && taken == limit))
				record_client_piece(c, line, len);
			else
				record_client_line(line, len);
			if (!partial && line_start && g == GOT_LINE && len == 3 &&
			    memcmp(line, ".\r\n", 3) == 0)
				return;
			line_start = g == GOT_LINE;
			if (partial && taken == limit) {
				record_event("data-partial: stopped after %zu bytes", taken);
				return;
			}
			continue;
		}
		if (partial) {
			record_event("data-partial: client %s after %zu bytes",
			             g == GOT_EOF ? "closed" : "went quiet", taken);
			return;
		}
		die(EXIT_MISMATCH, "%s:%d: data: %s before the line \".\" (after %zu bytes)",
		    sc->path, cmd->lineno,
		    g == GOT_EOF ? "the client closed the connection" : "the client went quiet",
		    taken);
	}
}

static void pause_for(double seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds,
	                       .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static enum step_result run_command(struct client *c, const struct script *sc, size_t i)
{
	const struct command *cmd = &sc->cmds[i];
	char line[CLIENT_LINE_MAX];
	size_t len;

	switch (cmd->op) {
	case OP_SEND: {
		char *buf = malloc(cmd->text_len + 2);
		bool sent;

		if (!buf)
			die(EXIT_SYSTEM, "out of memory");
		memcpy(buf, cmd->text, cmd->text_len);
		memcpy(buf + cmd->text_len, "\r\n", 2);
		sent = send_all(c, buf, cmd->text_len + 2);
		free(buf);
		if (!sent)
			return STEP_END_CONNECTION;
		record("S: ", cmd->text, cmd->text_len);
		return STEP_NEXT;
	}
	case OP_RAW:
		if (!send_all(c, cmd->text, cmd->text_len))
			return STEP_END_CONNECTION;
		record("S: ", cmd->text, cmd->text_len);
		return STEP_NEXT;
	case OP_EXPECT:
		len = read_line_or_die(c, sc, cmd, line);
		if (!prefix_matches(line, len, cmd->text, cmd->text_len)) {
			if (len >= 2 && line[len - 2] == '\r' && line[len - 1] == '\n')
				len -= 2;
			static char want[4 * CLIENT_LINE_MAX], got[4 * CLIENT_LINE_MAX];

			die(EXIT_MISMATCH, "%s:%d: expected '%s', got '%s'", sc->path, cmd->lineno,
			    escaped(want, sizeof(want), cmd->text, cmd->text_len),
			    escaped(got, sizeof(got), line, len));
		}
		return STEP_NEXT;
	case OP_RECV:
		read_line_or_die(c, sc, cmd, line);
		return STEP_NEXT;
	case OP_DATA:
		read_body(c, sc, cmd, (size_t)-1);
		return STEP_NEXT;
	case OP_DATA_PARTIAL:
		read_body(c, sc, cmd, (size_t)cmd->number);
		return STEP_NEXT;
	case OP_CLOSE:
		record_event("closed by the script");
		return STEP_END_CONNECTION;
	case OP_STALL:
		record_event("stalling");
		read_until_closed(c, STALL_MS, "stall");
		return STEP_NEXT;
	case OP_SLEEP:
		pause_for(cmd->number);
		return STEP_NEXT;
	}
	return STEP_NEXT;
}

static void serve(int fd, const struct script *sc)
{
	static struct client client;
	struct client *c = &client;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	for (i = 0; i < sc->n; i++)
		if (run_command(c, sc, i) == STEP_END_CONNECTION)
			break;
	if (i == sc->n)
		read_until_closed(c, FINAL_WAIT_MS, "end of script");
	else
		check_nothing_expected(sc, i + 1);
	close(fd);
}

/* ------------------------------------------------------------ listening */

static int listen_loopback(bool ipv6)
{
	int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	int r;

	if (fd < 0)
		die(EXIT_SYSTEM, "socket: %s", strerror(errno));
	if (ipv6) {
		int one = 1;

		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr = in6addr_loopback;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		r = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
	} else {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	}
	if (r < 0)
		die(EXIT_SYSTEM, "bind %s port 0: %s", ipv6 ? "::1" : "127.0.0.1", strerror(errno));
	if (listen(fd, 16) < 0)
		die(EXIT_SYSTEM, "listen: %s", strerror(errno));
	return fd;
}

static unsigned bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die(EXIT_SYSTEM, "getsockname: %s", strerror(errno));
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Readers poll for PORTFILE, so it appears whole or not at all. */
static void write_portfile(const char *path, unsigned port)
{
	size_t size = strlen(path) + 32;
	char *tmp = malloc(size);
	FILE *fp;

	if (!tmp)
		die(EXIT_SYSTEM, "out of memory");
	snprintf(tmp, size, "%s.tmp.%ld", path, (long)getpid());
	fp = fopen(tmp, "w");
	if (!fp)
		die(EXIT_SYSTEM, "cannot create %s: %s", tmp, strerror(errno));
	if (fprintf(fp, "%u\n", port) < 0 || fclose(fp) != 0)
		die(EXIT_SYSTEM, "cannot write %s: %s", tmp, strerror(errno));
	if (rename(tmp, path) < 0)
		die(EXIT_SYSTEM, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
	free(tmp);
}

static void usage(void)
{
	fputs("usage: faultserver [-6] [-n CONNECTIONS] -P PORTFILE [-T TRANSCRIPT] SCRIPT\n",
	      stderr);
	exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
	const char *portfile = NULL, *transcript_path = NULL;
	long connections = 1;
	bool ipv6 = false;
	struct script sc;
	struct sigaction sa;
	int opt, lfd;

	while ((opt = getopt(argc, argv, "6n:P:T:")) != -1) {
		char *end;

		switch (opt) {
		case '6':
			ipv6 = true;
			break;
		case 'n':
			errno = 0;
			connections = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || connections < 1 ||
			    connections > CONNECTIONS_MAX)
				die(EXIT_USAGE, "-n wants a number from 1 to %d", CONNECTIONS_MAX);
			break;
		case 'P':
			portfile = optarg;
			break;
		case 'T':
			transcript_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (!portfile || optind != argc - 1)
		usage();

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(OVERALL_LIMIT_S);

	load_script(&sc, argv[optind]);
	if (transcript_path) {
		transcript = fopen(transcript_path, "w");
		if (!transcript)
			die(EXIT_SYSTEM, "cannot create %s: %s", transcript_path, strerror(errno));
	}
	lfd = listen_loopback(ipv6);
	write_portfile(portfile, bound_port(lfd));

	for (long n = 1; n <= connections; n++) {
		int fd;

		do
			fd = accept(lfd, NULL, NULL);
		while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
		if (fd < 0)
			die(EXIT_SYSTEM, "accept: %s", strerror(errno));
		record_event("connection %ld", n);
		serve(fd, &sc);
	}
	close(lfd);
	free_script(&sc);
	if (transcript && fclose(transcript) != 0)
		die(EXIT_SYSTEM, "cannot write %s", transcript_path);
	return 0;
}
