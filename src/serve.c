/* serve.c - `-bs`: the server side of SMTP, spoken to our caller.
 *
 * One session struct holds the wire (serve_io.c: buffered input lines,
 * queued replies) and the transaction being collected. The message goes to
 * an unlinked temporary file as it arrives; a failed submission is
 * answered with the reply serve_reply_for (serve_reply.c) chooses. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "address.h"
#include "fileio.h"
#include "log.h"
#include "serve.h"
#include "serve_io.h"

#define SERVE_DATA_BUFFER 65536    /* message bytes on their way to the file */
#define SERVE_DEFAULT_TIMEOUT 300

struct serve_session {
	struct serve_io io;             /* the caller's input and our replies */
	char host[256];                 /* our name, escaped */
	serve_submit_fn submit;
	void *ctx;
	bool crlf_client;               /* a command line ended in CRLF */

	/* the transaction */
	bool greeted;                   /* EHLO or HELO seen */
	bool in_mail;                   /* MAIL accepted */
	char *from;
	struct address_list rcpts;
	const char *body_type;
	bool smtputf8;

	/* the message file during DATA */
	int data_fd;
	off_t data_size;
	int data_errno;                 /* first write error, 0 when none */
	char data_buf[SERVE_DATA_BUFFER];
	size_t data_used;
};

/* ================================================================ replies */

static void reply(struct serve_session *s, int code, const char *enhanced, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));
static void reply(struct serve_session *s, int code, const char *enhanced, const char *fmt, ...)
{
	char text[SERVE_REPLY_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	serve_io_send_reply(&s->io, code, enhanced, text);
}

/* ============================================================ transaction */

static void transaction_reset(struct serve_session *s)
{
	free(s->from);
	s->from = NULL;
	address_list_free(&s->rcpts);
	memset(&s->rcpts, 0, sizeof(s->rcpts));
	s->in_mail = false;
	s->body_type = NULL;
	s->smtputf8 = false;
	if (s->data_fd >= 0)
		close(s->data_fd);
	s->data_fd = -1;
	s->data_size = 0;
	s->data_errno = 0;
	s->data_used = 0;
}

/* Write the data buffer out. After a write error the rest of the message
 * is read and dropped, so the dialogue stays in step. */
static void data_flush(struct serve_session *s)
{
	if (s->data_used > 0 && !s->data_errno &&
	    fileio_write_all(s->data_fd, s->data_buf, s->data_used) < 0)
		s->data_errno = errno;
	s->data_used = 0;
}

static void data_put(struct serve_session *s, const char *bytes, size_t len)
{
	s->data_size += (off_t)len;
	while (len > 0) {   /* each turn fills the buffer or empties `bytes` */
		size_t room = sizeof(s->data_buf) - s->data_used;
		size_t piece = len < room ? len : room;

		memcpy(s->data_buf + s->data_used, bytes, piece);
		s->data_used += piece;
		bytes += piece;
		len -= piece;
		if (s->data_used == sizeof(s->data_buf))
			data_flush(s);
	}
}

/* Read the message up to the "." line: dot-stuffing removed, every line
 * ended by CRLF. Returns 1 at the end of data, 0 at EOF, -1 on failure. */
static int receive_data(struct serve_session *s)
{
	bool at_line_start = true;

	for (;;) {   /* one turn per line or piece; ends with the input */
		struct input_line ln;
		const char *text;
		size_t len;
		int r = serve_io_read_line(&s->io, &ln);

		if (r <= 0)
			return r;
		text = ln.text;
		len = ln.len;
		/* A client that speaks CRLF ends the data only with CRLF.CRLF: a
		 * "." line ended by a bare LF is data, or a message could carry
		 * an SMTP dialogue of its own past us (SMTP smuggling). A client
		 * that writes bare LF throughout (a script) ends it with LF.LF. */
		if (at_line_start && ln.complete && len == 1 && text[0] == '.' &&
		    (ln.crlf || !s->crlf_client))
			return 1;
		if (at_line_start && len > 0 && text[0] == '.') {
			text++;
			len--;
		}
		data_put(s, text, len);
		if (ln.complete)
			data_put(s, "\r\n", 2);
		/* For a CRLF client a line starts after CRLF only: that is where
		 * it stuffed dots, and where the end marker may stand. */
		at_line_start = ln.complete && (ln.crlf || !s->crlf_client);
	}
}

/* ================================================================ commands */

/* Case-insensitive prefix test; *rest points after the prefix. */
static bool starts_with(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncasecmp(s, prefix, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* The path of MAIL FROM:/RCPT TO: — "<...>", with '>' inside a quoted local
 * part allowed. Sets the mailbox inside and what follows; a source route
 * ("@a,@b:") is dropped, as RFC 5321 4.1.1.3 asks. False on bad syntax. */
static bool split_path(const char *p, const char **inside, size_t *len, const char **rest)
{
	bool quoted = false;
	const char *q;

	p = skip_spaces(p);
	if (*p != '<')
		return false;
	for (q = p + 1; *q; q++) {
		if (quoted && *q == '\\' && q[1])
			q++;
		else if (*q == '"')
			quoted = !quoted;
		else if (!quoted && *q == '>')
			break;
	}
	if (*q != '>' || (q[1] && q[1] != ' '))
		return false;
	*inside = p + 1;
	*len = (size_t)(q - p - 1);
	*rest = q + 1;
	if (**inside == '@') {
		const char *colon = memchr(*inside, ':', *len);

		if (colon && colon + 1 < q) {
			*len -= (size_t)(colon + 1 - *inside);
			*inside = colon + 1;
		}
	}
	return true;
}

/* One address from the inside of <...>, malloc'd into *addr. Returns 0,
 * or -1 with a reason in err. */
static int parse_one_address(const char *text, size_t len, char **addr, char *err, size_t errlen)
{
	struct address_list list = { 0 };
	int r = -1;

	if (address_list_parse(text, len, &list, err, errlen) < 0)
		goto done;
	if (list.n != 1) {
		snprintf(err, errlen, "%s", list.n ? "more than one address" : "no address");
		goto done;
	}
	*addr = strdup(list.items[0]);
	if (!*addr) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	r = 0;
done:
	address_list_free(&list);
	return r;
}

/* Check MAIL parameters (space separated). Returns true when all are known
 * and well formed; else a reply has been sent. */
static bool take_mail_parameters(struct serve_session *s, const char *p)
{
	for (;;) {   /* one turn per parameter of a bounded line */
		char param[SERVE_LINE_MAX];
		const char *value;
		size_t len;

		p = skip_spaces(p);
		if (!*p)
			return true;
		len = strcspn(p, " \t");
		memcpy(param, p, len);
		param[len] = '\0';
		p += len;
		if (starts_with(param, "BODY=", &value)) {
			if (strcasecmp(value, "7BIT") == 0)
				s->body_type = "7BIT";
			else if (strcasecmp(value, "8BITMIME") == 0)
				s->body_type = "8BITMIME";
			else {
				reply(s, 501, "5.5.4", "BODY must be 7BIT or 8BITMIME");
				return false;
			}
		} else if (strcasecmp(param, "SMTPUTF8") == 0) {
			s->smtputf8 = true;
		} else if (starts_with(param, "SIZE=", &value)) {
			/* No limit here: the smarthost's SIZE is checked on submission. */
			if (!*value || value[strspn(value, "0123456789")] != '\0' || strlen(value) > 20) {
				reply(s, 501, "5.5.4", "SIZE must be a number");
				return false;
			}
		} else {
			reply(s, 555, "5.5.4", "Unsupported MAIL parameter %.64s", param);
			return false;
		}
	}
}

static void on_helo(struct serve_session *s, const char *args, bool extended)
{
	if (!*args) {
		reply(s, 501, "5.5.4", "Syntax: %s your.domain", extended ? "EHLO" : "HELO");
		return;
	}
	transaction_reset(s);
	s->greeted = true;
	if (!extended) {
		reply(s, 250, "", "%s", s->host);
		return;
	}
	reply(s, 250, "", "%s\nPIPELINING\n8BITMIME\nSMTPUTF8\nENHANCEDSTATUSCODES\nSIZE\nHELP",
	      s->host);
}

static void on_mail(struct serve_session *s, const char *args)
{
	const char *inside, *params;
	size_t len;
	char err[128];
	char *from = NULL;

	if (!s->greeted) {
		reply(s, 503, "5.5.1", "Send EHLO or HELO first");
		return;
	}
	if (s->in_mail) {
		reply(s, 503, "5.5.1", "Sender already given (RSET starts over)");
		return;
	}
	if (!starts_with(args, "FROM:", &args) || !split_path(args, &inside, &len, &params)) {
		reply(s, 501, "5.5.2", "Syntax: MAIL FROM:<address>");
		return;
	}
	if (len == 0)
		from = strdup("");
	else if (parse_one_address(inside, len, &from, err, sizeof(err)) < 0) {
		reply(s, 501, "5.1.7", "Bad sender address syntax: %s", err);
		return;
	}
	if (!from) {
		reply(s, 451, "4.3.0", "Out of memory");
		return;
	}
	if (!take_mail_parameters(s, params)) {
		free(from);
		s->body_type = NULL;
		s->smtputf8 = false;
		return;
	}
	s->from = from;
	s->in_mail = true;
	reply(s, 250, "2.1.0", "Sender OK");
}

static void on_rcpt(struct serve_session *s, const char *args)
{
	const char *inside, *params;
	size_t len;
	char err[128];
	char *rcpt = NULL;

	if (!s->in_mail) {
		reply(s, 503, "5.5.1", "Send MAIL first");
		return;
	}
	if (!starts_with(args, "TO:", &args) || !split_path(args, &inside, &len, &params)) {
		reply(s, 501, "5.5.2", "Syntax: RCPT TO:<address>");
		return;
	}
	if (*skip_spaces(params)) {
		reply(s, 555, "5.5.4", "Unsupported RCPT parameter %.64s", skip_spaces(params));
		return;
	}
	if (s->rcpts.n >= ADDRESS_LIST_MAX) {
		reply(s, 452, "4.5.3", "Too many recipients (at most %d per message)",
		      ADDRESS_LIST_MAX);
		return;
	}
	if (len == 0 || parse_one_address(inside, len, &rcpt, err, sizeof(err)) < 0) {
		reply(s, 501, "5.1.3", "Bad recipient address syntax: %s",
		      len == 0 ? "empty address" : err);
		return;
	}
	if (address_list_add(&s->rcpts, rcpt) < 0)
		reply(s, 451, "4.3.0", "Out of memory");
	else
		reply(s, 250, "2.1.5", "Recipient OK");
	free(rcpt);
}

/* Hand the collected message over and answer with what became of it. */
static void submit_message(struct serve_session *s)
{
	struct serve_envelope env = {
		.from = s->from,
		.rcpts = s->rcpts.items,
		.nrcpts = s->rcpts.n,
		.body_type = s->body_type,
		.smtputf8 = s->smtputf8,
		.data_fd = s->data_fd,
		.data_size = s->data_size,
	};
	struct outcome result;
	char enhanced[16], text[OUTCOME_REPLY_MAX + OUTCOME_TEXT_MAX];
	int code;

	data_flush(s);
	if (!s->data_errno && lseek(s->data_fd, 0, SEEK_SET) < 0)
		s->data_errno = errno;
	if (s->data_errno == ENOSPC || s->data_errno == EDQUOT) {
		reply(s, 452, "4.3.1", "Cannot store the message: %s", strerror(s->data_errno));
		return;
	}
	if (s->data_errno) {
		reply(s, 451, "4.3.0", "Cannot store the message: %s", strerror(s->data_errno));
		return;
	}
	outcome_clear(&result);
	if (s->submit(s->ctx, &env, &result) == 0) {
		reply(s, 250, "2.0.0", "Message accepted");
		return;
	}
	serve_reply_for(&result, &code, enhanced, sizeof(enhanced), text, sizeof(text));
	serve_io_send_reply(&s->io, code, enhanced, text);
}

/* Returns false when the input ended during the data. */
static bool on_data(struct serve_session *s, const char *args)
{
	int r;

	if (*args) {
		reply(s, 501, "5.5.4", "DATA takes no arguments");
		return true;
	}
	if (!s->in_mail) {
		reply(s, 503, "5.5.1", "Send MAIL first");
		return true;
	}
	if (s->rcpts.n == 0) {
		reply(s, 554, "5.5.1", "No valid recipients");
		return true;
	}
	s->data_fd = fileio_temporary_fd("postie-bs");
	if (s->data_fd < 0) {
		reply(s, 451, "4.3.0", "Cannot create a temporary file: %s", strerror(errno));
		return true;
	}
	reply(s, 354, "", "End data with <CR><LF>.<CR><LF>");
	r = receive_data(s);
	if (r > 0)
		submit_message(s);
	transaction_reset(s);
	return r > 0;
}

/* Commands known but not offered here. */
static const char *const not_implemented[] = {
	"EXPN", "TURN", "ETRN", "ATRN", "BDAT", "STARTTLS", "AUTH", "SEND", "SOML", "SAML",
};

static bool is_not_implemented(const char *verb)
{
	for (size_t i = 0; i < sizeof(not_implemented) / sizeof(not_implemented[0]); i++)
		if (strcasecmp(verb, not_implemented[i]) == 0)
			return true;
	return false;
}

static bool has_control_character(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return true;
	}
	return false;
}

/* Act on one command line. Returns false when the session ends (QUIT, or
 * the input ended during DATA). */
static bool do_command(struct serve_session *s, const char *text, size_t len)
{
	char line[SERVE_LINE_MAX + 1];
	char verb[16];
	const char *args;
	size_t vlen;

	if (has_control_character(text, len)) {
		reply(s, 500, "5.5.2", "Syntax error: control character in command");
		return true;
	}
	memcpy(line, text, len);
	line[len] = '\0';
	vlen = strcspn(line, " ");
	args = skip_spaces(line + vlen);
	if (vlen == 0 || vlen >= sizeof(verb)) {
		reply(s, 500, "5.5.1", "Command unrecognized");
		return true;
	}
	memcpy(verb, line, vlen);
	verb[vlen] = '\0';

	if (strcasecmp(verb, "EHLO") == 0 || strcasecmp(verb, "HELO") == 0)
		on_helo(s, args, strcasecmp(verb, "EHLO") == 0);
	else if (strcasecmp(verb, "MAIL") == 0)
		on_mail(s, args);
	else if (strcasecmp(verb, "RCPT") == 0)
		on_rcpt(s, args);
	else if (strcasecmp(verb, "DATA") == 0)
		return on_data(s, args);
	else if (strcasecmp(verb, "RSET") == 0) {
		transaction_reset(s);
		reply(s, 250, "2.0.0", "OK");
	} else if (strcasecmp(verb, "NOOP") == 0)
		reply(s, 250, "2.0.0", "OK");
	else if (strcasecmp(verb, "VRFY") == 0)
		reply(s, 252, "2.1.5", "Cannot verify, but will accept the message");
	else if (strcasecmp(verb, "HELP") == 0)
		reply(s, 214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT");
	else if (strcasecmp(verb, "QUIT") == 0) {
		reply(s, 221, "2.0.0", "%s closing connection", s->host);
		return false;
	} else if (is_not_implemented(verb))
		reply(s, 502, "5.5.1", "Command not implemented");
	else
		reply(s, 500, "5.5.1", "Command unrecognized");
	return true;
}

/* Read past the rest of an over-long line. Returns 1, 0 at EOF, -1. */
static int skip_rest_of_line(struct serve_session *s)
{
	for (;;) {   /* one turn per piece; ends with the line or the input */
		struct input_line ln;
		int r = serve_io_read_line(&s->io, &ln);

		if (r <= 0 || ln.complete)
			return r;
	}
}

/* Commands until QUIT or the end of input: 0, or -1 on failure. */
static int run_dialogue(struct serve_session *s)
{
	reply(s, 220, "", "%s ESMTP postie", s->host);
	for (;;) {   /* one turn per command; ends with the input */
		struct input_line ln;
		int r = serve_io_read_line(&s->io, &ln);

		if (r <= 0)
			return r;
		if (!ln.complete && skip_rest_of_line(s) <= 0)
			return s->io.failed ? -1 : 0;
		if (ln.crlf)
			s->crlf_client = true;
		if (!ln.complete || ln.raw_len > SERVE_LINE_MAX)
			reply(s, 500, "5.5.2", "Line too long (at most %d octets)", SERVE_LINE_MAX);
		else if (!do_command(s, ln.text, ln.len))
			return s->io.failed ? -1 : 0;
		if (s->io.failed)
			return -1;
	}
}

/* The replies still waiting (221, or 421 after a timeout). The caller may
 * be gone by now: a failed write changes neither the result nor *out. */
static void send_last_replies(struct serve_session *s)
{
	struct outcome *kept = s->io.out;
	struct outcome ignored;

	if (s->io.failed && !s->io.timed_out)
		return;
	outcome_clear(&ignored);
	s->io.out = &ignored;
	s->io.failed = false;
	if (s->io.timed_out)
		reply(s, 421, "4.4.2", "%s closing: no input for %lld s", s->host,
		      s->io.timeout_ms / 1000);
	serve_io_flush_replies(&s->io);
	s->io.out = kept;
}

int serve_smtp(int in_fd, int out_fd, const char *hostname, int idle_timeout,
               serve_submit_fn submit, void *ctx, struct outcome *out)
{
	struct serve_session *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return outcome_fail(out, OUTCOME_OS, "serve", "out of memory");
	s->io.in_fd = in_fd;
	s->io.out_fd = out_fd;
	s->io.timeout_ms = 1000LL * (idle_timeout > 0 ? idle_timeout : SERVE_DEFAULT_TIMEOUT);
	if (!hostname || !*hostname)
		hostname = "localhost";
	log_escape(s->host, sizeof(s->host), hostname, strlen(hostname));
	s->submit = submit;
	s->ctx = ctx;
	s->io.out = out;
	s->data_fd = -1;

	r = run_dialogue(s);
	send_last_replies(s);
	transaction_reset(s);
	free(s);
	return r;
}
