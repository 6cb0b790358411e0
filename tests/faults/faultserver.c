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
 *   raw TEXT           send TEXT exactly (in one write)
 *   expect TEXT        read a line; it must start with TEXT (any case)
 *   expect-alone TEXT  the same, and the client must send nothing more
 *                      before it gets a reply: no byte after the line within
 *                      ALONE_WAIT_MS (a client that pipelines fails here)
 *   recv               read a line, whatever it is
 *   data               read the message body up to the line "."
 *   data-partial N     read N bytes of the body, then go on with the script
 *   bdat               read a line "BDAT <size>" or "BDAT <size> LAST" (RFC 3030)
 *                      and then exactly <size> octets of chunk, recorded as
 *                      C: lines; an event line gives the size
 *   close              close the connection (the rest of the script is skipped)
 *   stall              answer nothing; read until the client closes or 20 s pass
 *   sleep SECONDS      pause (at most 20 s)
 *   expect-close       the client must close without sending another byte
 *   next-connection    the script of the next connection starts after this
 *                      line (a connection past the last such part runs the
 *                      last part again)
 *   quit-or-close      the client may send QUIT (answered 221) or just close
 *   tls CERT KEY [PRIORITY]
 *                      run the server side of a TLS handshake now (after a
 *                      "220" to STARTTLS; as the first command: implicit
 *                      TLS); everything after it goes through TLS. CERT and
 *                      KEY are PEM files, relative to the script's directory
 *                      unless absolute; PRIORITY is a GnuTLS priority string
 *                      (e.g. NORMAL:-VERS-ALL:+VERS-TLS1.2). A handshake that
 *                      fails is an error, unless the next command is
 *   expect-tls-failure the client must refuse the handshake: it fails, or the
 *                      client closes right after it without sending anything
 *   sasl-server MECH USER PASSWORD [corrupt-channel-binding] [plus-offered]
 *                      right after "expect AUTH ...": run the server side of
 *                      MECH (libgsasl) on that AUTH line, with 334
 *                      challenges, then 235 2.7.0 or 535 5.7.8. Channel
 *                      binding (tls-exporter / tls-unique) comes from this
 *                      server's TLS session; corrupt-channel-binding flips a
 *                      bit of it; plus-offered gives it to non-PLUS SCRAM too
 *                      (the server advertised -PLUS). The transcript shows
 *                      the mechanism and the outcome, never the exchanged
 *                      data: "C: <sasl data redacted>".
 * In the arguments of tls and sasl-server, $NAME and ${NAME} are replaced by
 * the environment variable NAME (an unset one is a script error).
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
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "faulttls.h"

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
#define ALONE_WAIT_MS 200       /* expect-alone: quiet after the line */
#define SLEEP_MAX_S 20.0
#define CLIENT_LINE_MAX 4096    /* one line from the client, LF included */
#define SCRIPT_LINE_MAX 8192
#define SCRIPT_COMMANDS_MAX 10000
#define CONNECTIONS_MAX 1000
#define PARTIAL_MAX (1024L * 1024 * 1024)
#define WORDS_MAX 6             /* arguments of tls / sasl-server */
#define SASL_ROUNDS_MAX 16      /* 334 challenges in one AUTH exchange */
#define REDACTED "<sasl data redacted>"

enum op { OP_SEND, OP_RAW, OP_EXPECT, OP_RECV, OP_DATA, OP_DATA_PARTIAL,
          OP_CLOSE, OP_STALL, OP_SLEEP, OP_EXPECT_CLOSE, OP_QUIT_OR_CLOSE,
          OP_TLS, OP_EXPECT_TLS_FAILURE, OP_SASL_SERVER, OP_BDAT, OP_EXPECT_ALONE,
          OP_NEXT_CONNECTION };

static const struct {
	const char *name;
	enum op op;
	bool takes_text;        /* TEXT with escapes (may be empty for send/raw) */
	bool takes_number;
	int min_words, max_words;       /* words with $NAME expanded; 0: none */
} op_table[] = {
	{ "send", OP_SEND, true, false, 0, 0 },
	{ "raw", OP_RAW, true, false, 0, 0 },
	{ "expect", OP_EXPECT, true, false, 0, 0 },
	{ "recv", OP_RECV, false, false, 0, 0 },
	{ "data", OP_DATA, false, false, 0, 0 },
	{ "data-partial", OP_DATA_PARTIAL, false, true, 0, 0 },
	{ "close", OP_CLOSE, false, false, 0, 0 },
	{ "stall", OP_STALL, false, false, 0, 0 },
	{ "sleep", OP_SLEEP, false, true, 0, 0 },
	{ "expect-close", OP_EXPECT_CLOSE, false, false, 0, 0 },
	{ "quit-or-close", OP_QUIT_OR_CLOSE, false, false, 0, 0 },
	{ "tls", OP_TLS, false, false, 2, 3 },
	{ "expect-tls-failure", OP_EXPECT_TLS_FAILURE, false, false, 0, 0 },
	{ "sasl-server", OP_SASL_SERVER, false, false, 3, 5 },
	{ "bdat", OP_BDAT, false, false, 0, 0 },
	{ "expect-alone", OP_EXPECT_ALONE, true, false, 0, 0 },
	{ "next-connection", OP_NEXT_CONNECTION, false, false, 0, 0 },
};

struct command {
	enum op op;
	int lineno;
	char *text;             /* unescaped bytes, NUL-terminated for messages */
	size_t text_len;
	double number;
	char *words[WORDS_MAX];
	int n_words;
	struct fault_tls_server *tls_server;    /* tls: loaded with the script */
	unsigned sasl_flags;                    /* sasl-server: FAULT_SASL_* */
};

struct script {
	const char *path;
	struct command *cmds;
	size_t n;
};

/* One accepted connection and the bytes read from it but not yet used. */
struct client {
	int fd;
	struct fault_tls_conn *tls;     /* NULL: plain TCP */
	char in[2 * CLIENT_LINE_MAX];
	size_t start, end;
	bool eof;               /* the client closed (or reset) its side */
	char auth_line[CLIENT_LINE_MAX];        /* for sasl-server; secret */
	size_t auth_len;
};

enum got { GOT_LINE, GOT_CUT, GOT_EOF, GOT_TIMEOUT };

enum step_result { STEP_NEXT, STEP_END_CONNECTION, STEP_TLS_FAILED };

static FILE *transcript;
static char tls_failure[512];   /* why the last handshake failed */

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

/* A word of a tls / sasl-server line with $NAME and ${NAME} replaced by
 * the environment. NULL when a name is unset (written to missing). */
static char *expand_env(const char *word, char *missing, size_t missing_size)
{
	size_t cap = strlen(word) + 1, n = 0;
	char *out = malloc(cap);

	if (!out)
		die(EXIT_SYSTEM, "out of memory");
	for (const char *p = word; *p;) {
		const char *name, *value;
		size_t name_len;
		bool braced;

		if (*p != '$') {
			out[n++] = *p++;
			continue;
		}
		braced = p[1] == '{';
		name = p + (braced ? 2 : 1);
		name_len = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		                        "0123456789_");
		if (name_len == 0 || (braced && name[name_len] != '}')) {
			out[n++] = *p++;        /* not a reference: a literal '$' */
			continue;
		}
		snprintf(missing, missing_size, "%.*s", (int)name_len, name);
		value = getenv(missing);
		if (!value) {
			free(out);
			return NULL;
		}
		cap += strlen(value);
		out = realloc(out, cap);
		if (!out)
			die(EXIT_SYSTEM, "out of memory");
		memcpy(out + n, value, strlen(value));
		n += strlen(value);
		p = name + name_len + (braced ? 1 : 0);
	}
	out[n] = '\0';
	return out;
}

/* A file named in a script: relative to the script's directory unless absolute. */
static char *script_relative(const struct script *sc, const char *path)
{
	const char *slash = strrchr(sc->path, '/');
	size_t dir_len = slash ? (size_t)(slash - sc->path) : 1;
	size_t size = dir_len + strlen(path) + 2;
	char *out = malloc(size);

	if (!out)
		die(EXIT_SYSTEM, "out of memory");
	if (path[0] == '/')
		snprintf(out, size, "%s", path);
	else
		snprintf(out, size, "%.*s/%s", (int)dir_len, slash ? sc->path : ".", path);
	return out;
}

static void parse_words(struct script *sc, struct command *cmd, char *arg, const char *name,
                        int min, int max)
{
	char *save = NULL;

	for (char *w = strtok_r(arg, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char missing[256];

		if (cmd->n_words == max)
			die(EXIT_USAGE, "%s:%d: %s takes at most %d arguments", sc->path, cmd->lineno,
			    name, max);
		cmd->words[cmd->n_words] = expand_env(w, missing, sizeof(missing));
		if (!cmd->words[cmd->n_words])
			die(EXIT_USAGE, "%s:%d: %s: the environment variable %s is not set",
			    sc->path, cmd->lineno, name, missing);
		cmd->n_words++;
	}
	if (cmd->n_words < min)
		die(EXIT_USAGE, "%s:%d: %s needs at least %d arguments", sc->path, cmd->lineno,
		    name, min);
}

/* tls: load the certificate now, so a bad one stops the server before it listens. */
static void prepare_tls(struct script *sc, struct command *cmd)
{
	char *cert = script_relative(sc, cmd->words[0]);
	char *key = script_relative(sc, cmd->words[1]);
	char err[1024];

	cmd->tls_server = fault_tls_load(cert, key, cmd->n_words > 2 ? cmd->words[2] : NULL,
	                                 err, sizeof(err));
	free(cert);
	free(key);
	if (!cmd->tls_server)
		die(EXIT_USAGE, "%s:%d: tls: %s", sc->path, cmd->lineno, err);
}

static void prepare_sasl_server(struct script *sc, struct command *cmd)
{
	if (!fault_sasl_supported(cmd->words[0]))
		die(EXIT_USAGE, "%s:%d: sasl-server: libgsasl has no server side for %s",
		    sc->path, cmd->lineno, cmd->words[0]);
	for (int w = 3; w < cmd->n_words; w++) {
		if (strcmp(cmd->words[w], "corrupt-channel-binding") == 0)
			cmd->sasl_flags |= FAULT_SASL_CORRUPT_BINDING;
		else if (strcmp(cmd->words[w], "plus-offered") == 0)
			cmd->sasl_flags |= FAULT_SASL_PLUS_OFFERED;
		else
			die(EXIT_USAGE, "%s:%d: sasl-server: unknown option '%s' "
			    "(corrupt-channel-binding, plus-offered)", sc->path, cmd->lineno,
			    cmd->words[w]);
	}
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
		if ((cmd->op == OP_EXPECT || cmd->op == OP_EXPECT_ALONE) && cmd->text_len == 0)
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
	} else if (op_table[i].max_words > 0) {
		parse_words(sc, cmd, arg, name, op_table[i].min_words, op_table[i].max_words);
		if (cmd->op == OP_TLS)
			prepare_tls(sc, cmd);
		else if (cmd->op == OP_SASL_SERVER)
			prepare_sasl_server(sc, cmd);
	} else if (*arg) {
		die(EXIT_USAGE, "%s:%d: %s takes no argument", sc->path, lineno, name);
	}
}

/* Commands that only make sense in one place. */
static void check_order(const struct script *sc, const struct command *cmd)
{
	const struct command *prev = sc->n > 1 ? cmd - 1 : NULL;

	if (cmd->op == OP_EXPECT_TLS_FAILURE && (!prev || prev->op != OP_TLS))
		die(EXIT_USAGE, "%s:%d: expect-tls-failure must follow tls", sc->path, cmd->lineno);
	if (cmd->op == OP_SASL_SERVER &&
	    (!prev || prev->op != OP_EXPECT || prev->text_len < 4 ||
	     strncasecmp(prev->text, "AUTH", 4) != 0))
		die(EXIT_USAGE, "%s:%d: sasl-server must follow 'expect AUTH ...'", sc->path,
		    cmd->lineno);
}

/* After these, the connection is over. */
static bool ends_script(enum op op)
{
	return op == OP_CLOSE || op == OP_EXPECT_CLOSE || op == OP_EXPECT_TLS_FAILURE;
}

static const char *op_name(enum op op);

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
		if (sc->n == SCRIPT_COMMANDS_MAX)
			die(EXIT_USAGE, "%s: more than %d commands", path, SCRIPT_COMMANDS_MAX);
		parse_command(sc, &sc->cmds[sc->n++], line, lineno);
		if (sc->n > 1 && ends_script(sc->cmds[sc->n - 2].op) &&
		    sc->cmds[sc->n - 1].op != OP_NEXT_CONNECTION)
			die(EXIT_USAGE, "%s:%d: nothing but next-connection can follow %s", path,
			    lineno, op_name(sc->cmds[sc->n - 2].op));
		check_order(sc, &sc->cmds[sc->n - 1]);
	}
	if (ferror(fp))
		die(EXIT_USAGE, "cannot read script %s: %s", path, strerror(errno));
	fclose(fp);
}

static void free_script(struct script *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		free(sc->cmds[i].text);
		for (int w = 0; w < sc->cmds[i].n_words; w++)
			free(sc->cmds[i].words[w]);
		fault_tls_unload(sc->cmds[i].tls_server);
	}
}

/* ------------------------------------------------------------ client I/O */

/* Wait until fd is ready for `events` or the deadline passes: 1 ready, 0 not. */
static int wait_ready(int fd, short events, long long deadline)
{
	int r = fault_ready_by(fd, events, deadline);

	if (r < 0)
		die(EXIT_SYSTEM, "poll: %s", strerror(errno));
	return r;
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
	if (c->tls) {
		char err[512];

		n = fault_tls_recv(c->tls, c->in + c->end, sizeof(c->in) - c->end, deadline, err,
		                   sizeof(err));
		if (n == FAULT_TLS_TIMEOUT)
			return false;
		if (n == FAULT_TLS_ERROR)
			record_event("TLS read failed: %s", err);
		if (n > 0)
			c->end += (size_t)n;
		else
			c->eof = true;
		return true;
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
	long long deadline = fault_now_ms() + WRITE_WAIT_MS;

	if (c->tls) {
		char err[512];

		if (fault_tls_send(c->tls, buf, len, deadline, err, sizeof(err)))
			return true;
		record_event("TLS send failed: %s", err);
		return false;
	}
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
	long long deadline = fault_now_ms() + ms;
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
		    cmd->op == OP_DATA_PARTIAL || cmd->op == OP_TLS || cmd->op == OP_SASL_SERVER ||
		    cmd->op == OP_BDAT || cmd->op == OP_EXPECT_ALONE)
			die(EXIT_MISMATCH, "%s:%d: %s %s: the client went away before it",
			    sc->path, cmd->lineno, op_name(cmd->op),
			    cmd->text ? escaped(want, sizeof(want), cmd->text, cmd->text_len) : "");
	}
}

/* An AUTH line as the transcript may show it: "AUTH MECH" and, when there
 * is an initial response, REDACTED in its place. Other lines as they are. */
static const char *shown_auth_line(char *buf, size_t cap, const char *line, size_t len)
{
	size_t mech_end;

	if (len >= 2 && line[len - 2] == '\r' && line[len - 1] == '\n')
		len -= 2;
	if (len < 5 || strncasecmp(line, "AUTH ", 5) != 0)
		return escaped(buf, cap, line, len);
	for (mech_end = 5; mech_end < len && line[mech_end] != ' '; mech_end++)
		;
	escaped(buf, cap, line, mech_end);
	if (mech_end < len && strlen(buf) + sizeof(" " REDACTED) <= cap)
		strcat(buf, " " REDACTED);
	return buf;
}

static void record_auth_line(const char *line, size_t len)
{
	static char shown[4 * CLIENT_LINE_MAX];

	if (transcript) {
		fprintf(transcript, "C: %s\n", shown_auth_line(shown, sizeof(shown), line, len));
		fflush(transcript);
	}
}

/* Read one whole line for expect / recv, or die saying what came instead.
 * redact: the line is an AUTH command whose data must not be shown. */
static size_t read_line_or_die(struct client *c, const struct script *sc,
                               const struct command *cmd, char *line, bool redact)
{
	size_t len = 0;
	enum got g = next_line(c, fault_now_ms() + READ_WAIT_MS, CLIENT_LINE_MAX, line, &len);
	static char want_buf[4 * CLIENT_LINE_MAX];
	const char *want = cmd->text ? escaped(want_buf, sizeof(want_buf), cmd->text, cmd->text_len)
	                             : "any line";

	switch (g) {
	case GOT_LINE:
		if (redact)
			record_auth_line(line, len);
		else
			record_client_line(line, len);
		return len;
	case GOT_CUT:
		if (redact)
			record("C: ", REDACTED, strlen(REDACTED));
		else
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
		enum got g = next_line(c, fault_now_ms() + READ_WAIT_MS, limit - taken, line, &len);

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

/* The size of a BDAT line ("BDAT <size>" or "BDAT <size> LAST", CR LF
 * removed), or -1 when the line is not one. */
static long long bdat_size(const char *line, size_t len, bool *last)
{
	long long size = 0;
	size_t i = 5;

	if (len < 6 || !prefix_matches(line, len, "BDAT ", 5))
		return -1;
	for (; i < len && isdigit((unsigned char)line[i]); i++) {
		if (size > PARTIAL_MAX)
			return -1;
		size = size * 10 + (line[i] - '0');
	}
	if (i == 5 || size > PARTIAL_MAX)
		return -1;
	*last = len - i == 5 && prefix_matches(line + i, 5, " LAST", 5);
	return i == len || *last ? size : -1;
}

/* bdat: one BDAT command and exactly the octets of its chunk. */
static void read_bdat(struct client *c, const struct script *sc, const struct command *cmd)
{
	char line[CLIENT_LINE_MAX];
	static char got[4 * CLIENT_LINE_MAX];
	size_t len = read_line_or_die(c, sc, cmd, line, false);
	bool last = false, line_start = true;
	long long size, taken = 0;

	if (len >= 2 && line[len - 2] == '\r' && line[len - 1] == '\n')
		len -= 2;
	size = bdat_size(line, len, &last);
	if (size < 0)
		die(EXIT_MISMATCH, "%s:%d: expected 'BDAT <size> [LAST]', got '%s'", sc->path,
		    cmd->lineno, escaped(got, sizeof(got), line, len));
	while (taken < size) {
		enum got g = next_line(c, fault_now_ms() + READ_WAIT_MS, (size_t)(size - taken), line,
		                       &len);

		if (g != GOT_LINE && g != GOT_CUT)
			die(EXIT_MISMATCH, "%s:%d: bdat: the client %s after %lld of %lld octets",
			    sc->path, cmd->lineno, g == GOT_EOF ? "closed the connection" : "went quiet",
			    taken, size);
		taken += (long long)len;
		if (g == GOT_CUT && taken < size)
			record_client_piece(c, line, len);
		else
			record_client_line(line, len);
		line_start = g == GOT_LINE;
	}
	record_event("bdat: a chunk of %lld octets%s%s", size, last ? ", the last" : "",
	             line_start ? "" : ", ending in the middle of a line");
}

/* expect-alone: after its line the client must wait for the reply. */
static void check_alone(struct client *c, const struct script *sc, const struct command *cmd)
{
	char peek;
	ssize_t n = 0;

	/* Bytes waiting inside TLS are not visible to a peek at the socket:
	 * such a check could not fail, so it is not offered. */
	if (c->tls)
		die(EXIT_USAGE, "%s:%d: expect-alone cannot check a TLS connection",
		    sc->path, cmd->lineno);
	if (c->start == c->end &&
	    wait_ready(c->fd, POLLIN, fault_now_ms() + ALONE_WAIT_MS))
		n = recv(c->fd, &peek, 1, MSG_PEEK);
	if (c->start < c->end || n > 0) {
		size_t len;
		char line[CLIENT_LINE_MAX];

		if (next_line(c, fault_now_ms() + READ_WAIT_MS, CLIENT_LINE_MAX, line, &len) ==
		    GOT_LINE)
			record_client_line(line, len);
		die(EXIT_MISMATCH, "%s:%d: expect-alone: the client sent more before the reply "
		    "(it pipelined)", sc->path, cmd->lineno);
	}
}

static void pause_for(double seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds,
	                       .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Send a line the server makes up itself (CR LF added), and record it. */
static bool send_line(struct client *c, const char *text)
{
	char buf[CLIENT_LINE_MAX];
	int n = snprintf(buf, sizeof(buf), "%s\r\n", text);

	if (n < 0 || (size_t)n >= sizeof(buf))
		die(EXIT_SYSTEM, "a server line is too long");
	if (!send_all(c, buf, (size_t)n))
		return false;
	record("S: ", text, strlen(text));
	return true;
}

/* expect-close / expect-tls-failure: the client must close without
 * sending another byte (a TLS ClientHello counts). */
static enum step_result wait_for_close(struct client *c, const struct script *sc,
                                       const struct command *cmd)
{
	long long deadline = fault_now_ms() + READ_WAIT_MS;

	for (;;) {
		if (c->start < c->end) {
			size_t n = c->end - c->start;

			record("C: ", c->in + c->start, n);
			c->start = c->end;
			die(EXIT_MISMATCH, "%s:%d: %s: the client sent %zu more bytes instead of closing",
			    sc->path, cmd->lineno, op_name(cmd->op), n);
		}
		if (c->eof) {
			record_event("client closed the connection (%s)", op_name(cmd->op));
			return STEP_END_CONNECTION;
		}
		if (!fill(c, deadline))
			die(EXIT_MISMATCH, "%s:%d: %s: the client neither closed nor sent anything "
			    "for %d s", sc->path, cmd->lineno, op_name(cmd->op), READ_WAIT_MS / 1000);
	}
}

static enum step_result quit_or_close(struct client *c, const struct script *sc,
                                      const struct command *cmd)
{
	char line[CLIENT_LINE_MAX];
	size_t len = 0;
	static char got[4 * CLIENT_LINE_MAX];

	switch (next_line(c, fault_now_ms() + READ_WAIT_MS, CLIENT_LINE_MAX, line, &len)) {
	case GOT_EOF:
		record_event("client closed the connection without QUIT");
		return STEP_END_CONNECTION;
	case GOT_TIMEOUT:
		die(EXIT_MISMATCH, "%s:%d: quit-or-close: the client neither sent QUIT nor closed "
		    "for %d s", sc->path, cmd->lineno, READ_WAIT_MS / 1000);
	case GOT_CUT:
		record_client_piece(c, line, len);
		die(EXIT_MISMATCH, "%s:%d: quit-or-close: got an unfinished or too long line",
		    sc->path, cmd->lineno);
	case GOT_LINE:
		break;
	}
	record_client_line(line, len);
	if (len >= 2 && line[len - 2] == '\r' && line[len - 1] == '\n')
		len -= 2;
	if (len != 4 || !prefix_matches(line, len, "QUIT", 4))
		die(EXIT_MISMATCH, "%s:%d: quit-or-close: expected QUIT or the end of the "
		    "connection, got '%s'", sc->path, cmd->lineno, escaped(got, sizeof(got), line, len));
	send_line(c, "221 2.0.0 bye");
	return STEP_NEXT;
}

static enum step_result start_tls(struct client *c, const struct script *sc,
                                  const struct command *cmd)
{
	char desc[256];

	if (c->tls)
		die(EXIT_USAGE, "%s:%d: tls: TLS is already on", sc->path, cmd->lineno);
	/* Bytes the client sent before it could have read our reply to
	 * STARTTLS: it did not wait, which RFC 3207 forbids. */
	if (c->start < c->end) {
		size_t n = c->end - c->start;

		record("C: ", c->in + c->start, n);
		die(EXIT_MISMATCH, "%s:%d: tls: the client sent %zu bytes in the clear before the "
		    "TLS handshake could start", sc->path, cmd->lineno, n);
	}
	record_event("TLS handshake (server side)");
	c->tls = fault_tls_accept(cmd->tls_server, c->fd, fault_now_ms() + READ_WAIT_MS, tls_failure,
	                          sizeof(tls_failure));
	if (!c->tls)
		return STEP_TLS_FAILED;
	fault_tls_describe(c->tls, desc, sizeof(desc));
	record_event("TLS handshake done: %s", desc);
	return STEP_NEXT;
}

/* The reply that ends a sasl-server exchange. */
static enum step_result sasl_reply(struct client *c, struct fault_sasl *x, const char *reply)
{
	fault_sasl_end(x);
	memset(c->auth_line, 0, sizeof(c->auth_line));
	c->auth_len = 0;
	return send_line(c, reply) ? STEP_NEXT : STEP_END_CONNECTION;
}

/* sasl-server MECH USER PASSWORD [options], on the AUTH line that the
 * expect before it read. Neither the client's nor the server's SASL data
 * reach the transcript or stderr. */
static enum step_result serve_sasl(struct client *c, const struct script *sc,
                                   const struct command *cmd)
{
	const char *mech = cmd->words[0], *user = cmd->words[1];
	char *line = c->auth_line, *chosen;
	const char *input;
	size_t len = c->auth_len, chosen_len;
	static char response[CLIENT_LINE_MAX];
	struct fault_sasl *x;
	char err[512];

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	chosen = line + 4 + strspn(line + 4, " ");
	chosen_len = strcspn(chosen, " ");
	if (chosen_len != strlen(mech) || strncasecmp(chosen, mech, chosen_len) != 0)
		die(EXIT_MISMATCH, "%s:%d: sasl-server %s: the client chose %.*s", sc->path,
		    cmd->lineno, mech, (int)(chosen_len > 64 ? 64 : chosen_len), chosen);
	input = chosen + chosen_len + strspn(chosen + chosen_len, " ");
	if (strcmp(input, "=") == 0)     /* RFC 4954: an empty initial response */
		input = "";

	x = fault_sasl_start(mech, user, cmd->words[2], c->tls, cmd->sasl_flags, err, sizeof(err));
	if (!x)
		die(EXIT_SYSTEM, "%s:%d: sasl-server: %s", sc->path, cmd->lineno, err);
	record_event("sasl-server %s: for user %s%s", mech, user, c->tls ? "" : " (no TLS)");

	for (int round = 0;; round++) {
		char *out = NULL;
		enum fault_sasl_result r = fault_sasl_step(x, input, &out, err, sizeof(err));
		const char *note = fault_sasl_binding_note(x);
		char challenge[CLIENT_LINE_MAX];
		enum got g;
		bool sent;

		if (note)
			record_event("sasl-server %s: channel binding %s", mech, note);
		if (r == FAULT_SASL_FAILED || r == FAULT_SASL_BAD_BASE64) {
			fault_sasl_free_data(out);
			record_event("sasl-server %s: authentication failed: %s", mech, err);
			return sasl_reply(c, x, r == FAULT_SASL_FAILED
			                        ? "535 5.7.8 Authentication credentials invalid"
			                        : "501 5.5.2 Cannot decode the response");
		}
		if (r == FAULT_SASL_DONE && (!out || !*out)) {
			fault_sasl_free_data(out);
			record_event("sasl-server %s: authentication succeeded for user %s", mech, user);
			return sasl_reply(c, x, "235 2.7.0 Authentication successful");
		}
		if (round == SASL_ROUNDS_MAX)
			die(EXIT_MISMATCH, "%s:%d: sasl-server %s: more than %d rounds", sc->path,
			    cmd->lineno, mech, SASL_ROUNDS_MAX);

		/* A challenge, or (RFC 4954) the server's final data as a 334 that
		 * the client answers with an empty line. */
		if (snprintf(challenge, sizeof(challenge), "334 %s\r\n", out ? out : "") >=
		    (int)sizeof(challenge))
			die(EXIT_SYSTEM, "sasl-server: challenge too long");
		fault_sasl_free_data(out);
		sent = send_all(c, challenge, strlen(challenge));
		memset(challenge, 0, sizeof(challenge));
		if (!sent) {
			fault_sasl_end(x);
			return STEP_END_CONNECTION;
		}
		record("S: ", "334 " REDACTED, strlen("334 " REDACTED));

		len = 0;
		g = next_line(c, fault_now_ms() + READ_WAIT_MS, CLIENT_LINE_MAX, response, &len);
		if (g != GOT_LINE) {
			if (g == GOT_CUT)
				record("C: ", REDACTED, strlen(REDACTED));
			die(EXIT_MISMATCH, "%s:%d: sasl-server %s: the client %s in the middle of the "
			    "exchange", sc->path, cmd->lineno, mech,
			    g == GOT_EOF ? "closed the connection"
			    : g == GOT_TIMEOUT ? "went quiet" : "sent an overlong line");
		}
		record("C: ", REDACTED, strlen(REDACTED));
		if (len >= 2 && response[len - 2] == '\r')
			len--;
		response[len - 1] = '\0';
		if (strcmp(response, "*") == 0) {
			record_event("sasl-server %s: the client cancelled the exchange", mech);
			return sasl_reply(c, x, "501 5.7.0 Authentication cancelled");
		}
		if (r == FAULT_SASL_DONE) {
			if (response[0] != '\0') {
				record_event("sasl-server %s: the client answered the server's final "
				             "data with a non-empty line", mech);
				return sasl_reply(c, x, "501 5.5.2 Expected an empty response");
			}
			record_event("sasl-server %s: authentication succeeded for user %s", mech, user);
			return sasl_reply(c, x, "235 2.7.0 Authentication successful");
		}
		input = response;
	}
}

static enum step_result run_command(struct client *c, const struct script *sc, size_t i)
{
	const struct command *cmd = &sc->cmds[i];
	char line[CLIENT_LINE_MAX];
	size_t len;
	bool for_sasl;

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
	case OP_EXPECT_ALONE:
		for_sasl = i + 1 < sc->n && sc->cmds[i + 1].op == OP_SASL_SERVER;
		len = read_line_or_die(c, sc, cmd, line, for_sasl);
		if (!prefix_matches(line, len, cmd->text, cmd->text_len)) {
			static char want[4 * CLIENT_LINE_MAX], got[4 * CLIENT_LINE_MAX];

			if (len >= 2 && line[len - 2] == '\r' && line[len - 1] == '\n')
				len -= 2;
			die(EXIT_MISMATCH, "%s:%d: expected '%s', got '%s'", sc->path, cmd->lineno,
			    escaped(want, sizeof(want), cmd->text, cmd->text_len),
			    for_sasl ? shown_auth_line(got, sizeof(got), line, len)
			             : escaped(got, sizeof(got), line, len));
		}
		if (for_sasl) {
			memcpy(c->auth_line, line, len);
			c->auth_len = len;
			memset(line, 0, len);
		}
		if (cmd->op == OP_EXPECT_ALONE)
			check_alone(c, sc, cmd);
		return STEP_NEXT;
	case OP_RECV:
		read_line_or_die(c, sc, cmd, line, false);
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
	case OP_EXPECT_CLOSE:
		return wait_for_close(c, sc, cmd);
	case OP_QUIT_OR_CLOSE:
		return quit_or_close(c, sc, cmd);
	case OP_TLS:
		return start_tls(c, sc, cmd);
	case OP_EXPECT_TLS_FAILURE:
		/* The handshake went through: the client may still refuse the
		 * session (a check after the handshake) by closing at once. */
		record_event("the TLS handshake succeeded; the client must now close without "
		             "sending anything");
		return wait_for_close(c, sc, cmd);
	case OP_SASL_SERVER:
		return serve_sasl(c, sc, cmd);
	case OP_BDAT:
		read_bdat(c, sc, cmd);
		return STEP_NEXT;
	case OP_NEXT_CONNECTION:
		break;          /* never run: it ends the part of a connection */
	}
	return STEP_NEXT;
}

/* The commands of connection `n` (from 1): the n-th part of the script,
 * parts being separated by next-connection; past the last, the last. */
static struct script connection_part(const struct script *sc, long n)
{
	size_t begin = 0, end;

	for (long k = 1; k < n; k++) {
		size_t i = begin;

		while (i < sc->n && sc->cmds[i].op != OP_NEXT_CONNECTION)
			i++;
		if (i == sc->n)
			break;
		begin = i + 1;
	}
	for (end = begin; end < sc->n && sc->cmds[end].op != OP_NEXT_CONNECTION; end++)
		;
	return (struct script){ sc->path, sc->cmds + begin, end - begin };
}

static void serve(int fd, const struct script *sc)
{
	static struct client client;
	struct client *c = &client;
	enum step_result r = STEP_NEXT;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	for (i = 0; i < sc->n; i++) {
		r = run_command(c, sc, i);
		if (r != STEP_NEXT)
			break;
	}
	if (r == STEP_TLS_FAILED) {
		record_event("TLS handshake failed: %s", tls_failure);
		if (i + 1 >= sc->n || sc->cmds[i + 1].op != OP_EXPECT_TLS_FAILURE)
			die(EXIT_MISMATCH, "%s:%d: TLS handshake failed: %s", sc->path,
			    sc->cmds[i].lineno, tls_failure);
		i++;            /* the failure was expected: the connection is over */
	}
	if (i == sc->n)
		read_until_closed(c, FINAL_WAIT_MS, "end of script");
	else
		check_nothing_expected(sc, i + 1);
	if (c->tls) {
		fault_tls_end(c->tls);
		c->tls = NULL;
	}
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
		struct script part = connection_part(&sc, n);
		serve(fd, &part);
	}
	close(lfd);
	free_script(&sc);
	fault_sasl_done();
	if (transcript && fclose(transcript) != 0)
		die(EXIT_SYSTEM, "cannot write %s", transcript_path);
	return 0;
}
