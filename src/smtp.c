/* smtp.c - the SMTP client state machine (RFC 5321, 2920, 3030, 3207, 2033);
 * the ESMTP parameters of MAIL and RCPT are esmtp.c's, the parsing of
 * replies and capabilities smtp_reply.c's, AUTH smtp_auth.c's, the message
 * text on the wire smtp_body.c's. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "esmtp.h"
#include "log.h"
#include "smtp.h"
#include "smtp_internal.h"

#define PENDING_MAX 1024   /* commands queued before their replies are read */
/* ESMTP parameters lengthen a command line beyond 512 octets (RFC 5321
 * 4.5.3.1.4); DSN adds the most: ORCPT 500, ENVID 100 (RFC 3461 4). */
#define COMMAND_MAX (SMTP_LINE_MAX + 700)

static const char *const state_names[] = {
	[STATE_GREETING] = "greeting", [STATE_HELLO] = "hello", [STATE_TLS] = "tls",
	[STATE_AUTH] = "auth", [STATE_READY] = "ready",
	[STATE_ENVELOPE] = "envelope", [STATE_DATA] = "data", [STATE_BODY] = "body",
	[STATE_QUIT] = "quit", [STATE_FAILED] = "failed",
};

enum smtp_command {
	CMD_GREETING,     /* not sent: the banner is the reply to connecting */
	CMD_EHLO, CMD_LHLO, CMD_HELO, CMD_STARTTLS, CMD_MAIL, CMD_RCPT, CMD_DATA,
	CMD_END_OF_DATA, CMD_RSET, CMD_QUIT,
	CMD_ABANDON_DATA, /* the final dot of a DATA with no recipient left */
	CMD_BDAT_LAST,    /* the body's one BDAT chunk (RFC 3030) */
};

/* The step each command belongs to, as users see it in error messages. */
static const char *const command_steps[] = {
	[CMD_GREETING] = "greeting", [CMD_EHLO] = "ehlo", [CMD_LHLO] = "lhlo",
	[CMD_HELO] = "helo", [CMD_STARTTLS] = "tls", [CMD_MAIL] = "mail", [CMD_RCPT] = "rcpt", [CMD_DATA] = "data",
	[CMD_END_OF_DATA] = "data", [CMD_RSET] = "rset", [CMD_QUIT] = "quit",
	[CMD_ABANDON_DATA] = "data", [CMD_BDAT_LAST] = "data",
};

struct pending {
	enum smtp_command cmd;
	size_t rcpt;              /* index into the transaction's recipients (CMD_RCPT) */
};

struct rcpt_status {
	int code;
	char enhanced[16];
	char text[SMTP_LINE_MAX + 1];
};

struct smtp_session {
	struct net_conn *conn;
	enum smtp_state state;
	struct smtp_caps caps;
	bool ehlo_refused;        /* EHLO got a 5xx: say HELO instead */

	struct pending pending[PENDING_MAX];
	size_t npending, next_pending;

	const struct smtp_transaction *txn;   /* during smtp_send_mail only */
	struct rcpt_status *rcpt_status;
	size_t nrcpt_status;      /* entries in rcpt_status: the last transaction's recipients */
	bool mail_accepted;       /* a transaction is open: RSET it on failure */
	bool data_accepted;       /* 354 came: only the final dot ends the transaction */
	bool quit_sent;           /* QUIT went with the end of the message (quit_after) */
	struct smtp_reply verdict;   /* the reply to the end of the message, kept when
	                                a pipelined QUIT's reply came after it */
	bool chunking;            /* this transaction's body goes as BDAT */
	bool delivered;           /* the message was taken for at least one recipient */
	struct esmtp_envelope envelope;   /* parameters and addresses as sent */

	struct smtp_reply reply;  /* the reply being read; kept as the last one */
	char line[SMTP_LINE_MAX + 2];
	char body_in[SMTP_BODY_BLOCK];
	char body_out[2 * SMTP_BODY_BLOCK];
};

/* ------------------------------------------------------------ session */

/* Free what the last transaction left: recipient replies, wire addresses. */
static void forget_transaction(struct smtp_session *s)
{
	free(s->rcpt_status);
	s->rcpt_status = NULL;
	s->nrcpt_status = 0;
	esmtp_envelope_free(&s->envelope);
}

struct smtp_session *smtp_session_new(struct net_conn *conn, struct outcome *out)
{
	struct smtp_session *s = calloc(1, sizeof(*s));

	if (!s) {
		outcome_fail(out, OUTCOME_OS, "connect", "out of memory");
		return NULL;
	}
	s->conn = conn;
	s->state = STATE_GREETING;
	/* The banner is the reply to a command nobody sent. */
	s->pending[s->npending++] = (struct pending){ CMD_GREETING, 0 };
	return s;
}

void smtp_session_free(struct smtp_session *s)
{
	if (!s)
		return;
	forget_transaction(s);
	free(s);
}

const struct smtp_caps *smtp_session_caps(const struct smtp_session *s)
{
	return &s->caps;
}

const struct smtp_reply *smtp_last_reply(const struct smtp_session *s)
{
	/* After a pipelined QUIT the last reply read is its 221: the one
	 * that tells of the message came before. */
	return s->quit_sent && s->verdict.code ? &s->verdict : &s->reply;
}

bool smtp_last_delivered(const struct smtp_session *s)
{
	return s->delivered;
}

bool smtp_rcpt_reply(const struct smtp_session *s, size_t i, struct smtp_rcpt_reply *r)
{
	/* After a refused MAIL the RCPT replies (503 "need MAIL first" to a
	 * pipelined group) say nothing about the recipients. */
	if (i >= s->nrcpt_status || !s->mail_accepted)
		return false;
	r->code = s->rcpt_status[i].code;
	r->enhanced = s->rcpt_status[i].enhanced;
	r->text = s->rcpt_status[i].text;
	return true;
}

struct net_conn *smtp_session_conn(const struct smtp_session *s)
{
	return s->conn;
}

enum smtp_state smtp_session_state(const struct smtp_session *s)
{
	return s->state;
}

const char *smtp_state_name(enum smtp_state state)
{
	return state_names[state];
}

static void set_state(struct smtp_session *s, enum smtp_state state)
{
	if (log_verbose() && s->state != state)
		log_debug("smtp state %s -> %s", state_names[s->state], state_names[state]);
	s->state = state;
}

void smtp_session_set_state(struct smtp_session *s, enum smtp_state state)
{
	set_state(s, state);
}

/* Remember that a reply to `cmd` is due (queue_command writes the command;
 * an LMTP final dot is due one reply per recipient). */
static int expect_reply(struct smtp_session *s, enum smtp_command cmd, size_t rcpt,
                        struct outcome *out)
{
	if (s->npending >= PENDING_MAX)
		return outcome_fail(out, OUTCOME_INTERNAL, command_steps[cmd],
		                    "too many commands awaiting replies");
	s->pending[s->npending++] = (struct pending){ cmd, rcpt };
	return 0;
}

/* Write a command into the output buffer and remember that it awaits a reply. */
static int queue_command(struct smtp_session *s, enum smtp_command cmd, size_t rcpt,
                         struct outcome *out, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int queue_command(struct smtp_session *s, enum smtp_command cmd, size_t rcpt,
                         struct outcome *out, const char *fmt, ...)
{
	char line[COMMAND_MAX + 3];
	va_list ap;
	int n;

	if (s->npending >= PENDING_MAX)
		return outcome_fail(out, OUTCOME_INTERNAL, command_steps[cmd],
		                    "too many commands awaiting replies");
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return outcome_fail(out, OUTCOME_USAGE, command_steps[cmd],
		                    "command too long for SMTP (over %d octets)", COMMAND_MAX);
	log_transcript(false, line, (size_t)n);
	memcpy(line + n, "\r\n", 2);
	if (net_write(s->conn, line, (size_t)n + 2, command_steps[cmd], out) < 0)
		return -1;
	return expect_reply(s, cmd, rcpt, out);
}

/* Read one complete reply into s->reply. */
int smtp_session_read_reply(struct smtp_session *s, const char *step, struct outcome *out)
{
	char err[128];

	smtp_reply_begin(&s->reply);
	for (;;) {
		size_t len;
		int r;

		if (net_read_line(s->conn, s->line, sizeof(s->line), &len, step, out) < 0)
			return -1;
		log_transcript(true, s->line, len);
		r = smtp_reply_add_line(&s->reply, s->line, len, err, sizeof(err));
		if (r < 0) {
			outcome_fail(out, OUTCOME_PROTOCOL, step, "%s broke the protocol: %s",
			             net_peer(s->conn), err);
			outcome_set_reply(out, 0, "", s->line);
			return -1;
		}
		if (r == 1)
			return 0;
	}
}

/* A failure that carries the server's reply. The class follows the reply
 * code unless the caller decides otherwise (permanent_class for 5xx). */
int smtp_session_reply_failure(struct smtp_session *s, const char *step,
                               enum outcome_class permanent_class, struct outcome *out,
                               const char *fmt, ...)
{
	const struct smtp_reply *r = &s->reply;
	enum outcome_class cls = r->code >= 500 ? permanent_class
	                         : r->code >= 400 ? OUTCOME_TEMPORARY : OUTCOME_PROTOCOL;
	char text[OUTCOME_REPLY_MAX];
	va_list ap;

	va_start(ap, fmt);
	outcome_vfail(out, cls, step, fmt, ap);
	va_end(ap);
	/* One line for the user: a multi-line reply's lines joined by spaces. */
	size_t len = r->text_len < sizeof(text) - 1 ? r->text_len : sizeof(text) - 1;
	memcpy(text, r->text, len);
	text[len] = '\0';
	for (char *p = text; *p; p++)
		if (*p == '\n')
			*p = ' ';
	outcome_set_reply(out, r->code, r->enhanced, text);
	return -1;
}

/* ---- reply handlers: one per command, each moves the state machine ---- */

static void record_rcpt_reply(struct smtp_session *s, size_t rcpt)
{
	const struct smtp_reply *r = &s->reply;
	struct rcpt_status *st = &s->rcpt_status[rcpt];

	st->code = r->code;
	snprintf(st->enhanced, sizeof(st->enhanced), "%s", r->enhanced);
	snprintf(st->text, sizeof(st->text), "%.*s", (int)strcspn(r->text, "\n"), r->text);
}

static size_t accepted_recipients(const struct smtp_session *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->txn->nrcpts; i++)
		n += s->rcpt_status[i].code / 100 == 2;
	return n;
}

static int on_reply(struct smtp_session *s, const struct pending *p, struct outcome *out)
{
	const struct smtp_reply *r = &s->reply;
	int cls = r->code / 100;
	const char *step = command_steps[p->cmd];

	switch (p->cmd) {
	case CMD_GREETING:
		if (cls == 2)
			return 0;
		return smtp_session_reply_failure(s, step, OUTCOME_REFUSED, out, cls == 4 || cls == 5
		                     ? "%s does not accept mail now" : "%s sent an unexpected greeting",
		                     net_peer(s->conn));
	case CMD_EHLO:
		if (cls == 2) {
			smtp_caps_parse(&s->caps, r);
			return 0;
		}
		if (cls == 5) {
			s->ehlo_refused = true;   /* an old server: try HELO */
			return 0;
		}
		return smtp_session_reply_failure(s, step, OUTCOME_REFUSED, out, "EHLO refused");
	case CMD_LHLO:
		if (cls == 2) {
			smtp_caps_parse(&s->caps, r);
			return 0;
		}
		return smtp_session_reply_failure(s, step, OUTCOME_REFUSED, out, "LHLO refused");
	case CMD_HELO:
		if (cls == 2)
			return 0;
		return smtp_session_reply_failure(s, step, OUTCOME_REFUSED, out, "HELO refused");
	case CMD_STARTTLS:
		if (r->code == 220)
			return 0;
		/* Temporary or not, going on without TLS is not an option. */
		smtp_session_reply_failure(s, step, OUTCOME_NOT_PERMITTED, out, "%s refused STARTTLS",
		              net_peer(s->conn));
		if (cls == 4)
			out->cls = OUTCOME_NOT_PERMITTED;
		return -1;
	case CMD_MAIL:
		if (cls == 2) {
			s->mail_accepted = true;
			return 0;
		}
		return smtp_session_reply_failure(s, step, OUTCOME_REFUSED, out, "sender <%s> refused",
		                     s->txn->from);
	case CMD_RCPT:
		record_rcpt_reply(s, p->rcpt);
		return 0;   /* judged when all replies are in */
	case CMD_DATA:
		if (r->code == 354) {
			s->data_accepted = true;
			return 0;
		}
		/* A pipelined DATA after refused recipients is refused too;
		 * the recipients' refusals are the story. */
		if (accepted_recipients(s) == 0)
			return 0;
		return smtp_session_reply_failure(s, step, OUTCOME_REFUSED, out, "DATA refused");
	case CMD_BDAT_LAST:
		/* Pipelined after a refused MAIL or RCPT, the BDAT is refused
		 * too; those refusals are the story. */
		if (accepted_recipients(s) == 0)
			return 0;
		/* Otherwise its replies are those of the final dot. */
		/* fall through */
	case CMD_END_OF_DATA:
		if (s->quit_sent)
			s->verdict = s->reply;
		if (s->txn->lmtp) {
			/* RFC 2033: one verdict per accepted recipient. */
			record_rcpt_reply(s, p->rcpt);
			s->delivered |= cls == 2;
			return 0;
		}
		if (cls == 2) {
			s->delivered = true;
			return 0;
		}
		return smtp_session_reply_failure(s, step, OUTCOME_REFUSED, out, "message refused");
	case CMD_RSET:
	case CMD_QUIT:
	case CMD_ABANDON_DATA:
		return 0;
	}
	return outcome_fail(out, OUTCOME_INTERNAL, step, "reply to an unknown command");
}

/* Send what is buffered, then read one reply for every queued command, in
 * order. A failed handler does not stop the reading, so the conversation
 * stays in step; the first failure is the one reported. */
static int collect_replies(struct smtp_session *s, struct outcome *out)
{
	int result = 0;
	struct outcome handler_failure;

	if (net_flush(s->conn, command_steps[s->pending[s->next_pending].cmd], out) < 0) {
		set_state(s, STATE_FAILED);
		return -1;
	}
	outcome_clear(&handler_failure);
	while (s->next_pending < s->npending) {
		struct pending p = s->pending[s->next_pending++];

		if (smtp_session_read_reply(s, command_steps[p.cmd], out) < 0) {
			set_state(s, STATE_FAILED);
			return -1;
		}
		if (on_reply(s, &p, result ? &handler_failure : out) < 0)
			result = -1;
	}
	s->npending = s->next_pending = 0;
	return result;
}

/* ------------------------------------------------------------ greeting */

int smtp_greet(struct smtp_session *s, const char *domain, bool lmtp, struct outcome *out)
{
	if (collect_replies(s, out) < 0)
		return -1;
	set_state(s, STATE_HELLO);
	if (queue_command(s, lmtp ? CMD_LHLO : CMD_EHLO, 0, out, "%s %s",
	                  lmtp ? "LHLO" : "EHLO", domain) < 0 ||
	    collect_replies(s, out) < 0)
		return -1;
	if (s->ehlo_refused) {
		memset(&s->caps, 0, sizeof(s->caps));
		if (queue_command(s, CMD_HELO, 0, out, "HELO %s", domain) < 0 ||
		    collect_replies(s, out) < 0)
			return -1;
	}
	set_state(s, STATE_READY);
	return 0;
}

/* ------------------------------------------------------------ STARTTLS */

int smtp_starttls(struct smtp_session *s, struct outcome *out)
{
	size_t injected;

	if (s->state != STATE_READY)
		return outcome_fail(out, OUTCOME_INTERNAL, "tls", "STARTTLS in state %s",
		                    state_names[s->state]);
	if (!s->caps.starttls)
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, "tls",
		                    "%s does not offer STARTTLS, and the account says tls on: "
		                    "nothing sent in the clear", net_peer(s->conn));
	set_state(s, STATE_TLS);
	if (queue_command(s, CMD_STARTTLS, 0, out, "STARTTLS") < 0 ||
	    collect_replies(s, out) < 0) {
		if (s->state != STATE_FAILED)
			set_state(s, STATE_READY);
		return -1;
	}
	injected = net_pending_input(s->conn);
	if (injected > 0) {
		set_state(s, STATE_FAILED);
		return outcome_fail(out, OUTCOME_PROTOCOL, "tls",
		                    "%s sent %zu octets after its 220 to STARTTLS, before "
		                    "encryption (an injection attack, or a broken server); "
		                    "nothing more sent", net_peer(s->conn), injected);
	}
	return 0;
}

int smtp_rehello(struct smtp_session *s, const char *domain, bool lmtp, struct outcome *out)
{
	memset(&s->caps, 0, sizeof(s->caps));
	set_state(s, STATE_HELLO);
	if (queue_command(s, lmtp ? CMD_LHLO : CMD_EHLO, 0, out, "%s %s",
	                  lmtp ? "LHLO" : "EHLO", domain) < 0 ||
	    collect_replies(s, out) < 0)
		return -1;
	if (s->ehlo_refused) {
		set_state(s, STATE_FAILED);
		return smtp_session_reply_failure(s, "ehlo", OUTCOME_PROTOCOL, out, "EHLO refused after STARTTLS");
	}
	set_state(s, STATE_READY);
	return 0;
}

/* ------------------------------------------------------------ transaction */

/* Report the refused recipients, if any. `sent`: the message went to the
 * accepted ones (partial delivery, or LMTP verdicts after the dot). */
static int report_refusals(struct smtp_session *s, bool sent, struct outcome *out)
{
	const struct smtp_transaction *t = s->txn;
	size_t refused = 0, permanent = 0, first = 0;
	size_t delivered = sent ? accepted_recipients(s) : 0;
	char list[OUTCOME_TEXT_MAX] = "";
	size_t used = 0;

	for (size_t i = 0; i < t->nrcpts; i++) {
		const struct rcpt_status *st = &s->rcpt_status[i];
		int n;

		if (st->code / 100 == 2)
			continue;
		if (refused++ == 0)
			first = i;
		if (st->code / 100 == 5)
			permanent++;
		n = snprintf(list + used, sizeof(list) - used, "%s<%s> %d%s%s %s",
		             used ? "; " : "", t->rcpts[i], st->code,
		             st->enhanced[0] ? " " : "", st->enhanced, st->text);
		if (n > 0 && (size_t)n < sizeof(list) - used)
			used += (size_t)n;
	}
	if (refused == 0)
		return 0;

	/* Once some recipients have the message, "try again later" (75) would
	 * make the caller send it to all of them again: 67 says that these,
	 * named with their replies (4xx ones included), did not get it. */
	enum outcome_class cls = permanent || delivered > 0 ? OUTCOME_RCPT_REFUSED
	                                                    : OUTCOME_TEMPORARY;
	const struct rcpt_status *st = &s->rcpt_status[first];
	const char *nothing = sent ? "" : ", nothing sent";

	if (delivered > 0 && refused == 1) {
		outcome_fail(out, cls, "rcpt", "delivered to %zu of %zu recipients; <%s> refused",
		             delivered, t->nrcpts, t->rcpts[first]);
		outcome_set_reply(out, st->code, st->enhanced, st->text);
	} else if (delivered > 0) {
		outcome_fail(out, cls, "rcpt", "delivered to %zu of %zu recipients; refused: %s",
		             delivered, t->nrcpts, list);
	} else if (refused == 1) {
		outcome_fail(out, cls, "rcpt", "recipient <%s> refused%s", t->rcpts[first],
		             t->nrcpts > 1 ? nothing : "");
		outcome_set_reply(out, st->code, st->enhanced, st->text);
	} else {
		outcome_fail(out, cls, "rcpt", "%zu of %zu recipients refused%s: %s",
		             refused, t->nrcpts, nothing, list);
	}
	return -1;
}

/* The reply to the end of the message text ("." or BDAT LAST) is the
 * first accepted recipient's verdict in LMTP, and in LMTP one more reply
 * comes for each further accepted recipient, in the order of the RCPTs
 * (RFC 2033 4.2; for BDAT LAST, RFC 3030 3). */
static size_t first_accepted(const struct smtp_session *s)
{
	size_t i = 0;

	while (i < s->txn->nrcpts && s->rcpt_status[i].code / 100 != 2)
		i++;
	return i < s->txn->nrcpts ? i : 0;
}

static int expect_more_verdicts(struct smtp_session *s, enum smtp_command cmd, size_t first,
                                struct outcome *out)
{
	if (!s->txn->lmtp)
		return 0;
	for (size_t i = first + 1; i < s->txn->nrcpts; i++)
		if (s->rcpt_status[i].code / 100 == 2 && expect_reply(s, cmd, i, out) < 0)
			return -1;
	return 0;
}

/* The session's last transaction (t->quit_after): QUIT joins the write that
 * ends the message (RFC 2920 lets the text begin a group and QUIT end
 * it), so its reply does not cost a turn of its own. */
static int queue_last_quit(struct smtp_session *s, struct outcome *out)
{
	if (!s->txn->quit_after || !s->caps.pipelining)
		return 0;
	if (queue_command(s, CMD_QUIT, 0, out, "QUIT") < 0)
		return -1;
	s->quit_sent = true;
	return 0;
}

/* Stream the spool as the DATA body (dot-stuffed), then the final dot (and
 * QUIT, for the session's last message). */
static int send_body(struct smtp_session *s, struct outcome *out)
{
	const struct smtp_transaction *t = s->txn;
	size_t first = first_accepted(s);

	log_debug("chunking: %s; the body as DATA, %lld octets dot-stuffed",
	          s->caps.chunking ? "offered, not used" : "not offered",
	          (long long)t->body_size);
	if (smtp_body_write_stuffed(s->conn, t->body_fd, t->body_size, s->body_in, s->body_out,
	                            out) < 0)
		return -1;
	log_transcript_note("(message body: %lld octets)", (long long)t->body_size);
	if (queue_command(s, CMD_END_OF_DATA, first, out, ".") < 0 ||
	    expect_more_verdicts(s, CMD_END_OF_DATA, first, out) < 0)
		return -1;
	return queue_last_quit(s, out);
}

/* The body as one BDAT chunk (RFC 3030): the spool as it is, no
 * dot-stuffing, no final dot. The spool's size is known before the first
 * octet goes, so one chunk does for any size: one command and one reply,
 * streamed in blocks like DATA. `pipelined`: the RCPT replies are not in
 * yet, so BDAT LAST gets one reply (one recipient). */
static int send_bdat_body(struct smtp_session *s, bool pipelined, struct outcome *out)
{
	const struct smtp_transaction *t = s->txn;
	size_t first = pipelined ? 0 : first_accepted(s);

	log_debug("chunking: the body as BDAT, 1 chunk of %lld octets", (long long)t->body_size);
	if (queue_command(s, CMD_BDAT_LAST, first, out, "BDAT %lld LAST",
	                  (long long)t->body_size) < 0 ||
	    smtp_body_write_raw(s->conn, t->body_fd, 0, t->body_size, s->body_in, out) < 0)
		return -1;
	log_transcript_note("(message body: %lld octets, as they are)", (long long)t->body_size);
	if (!pipelined && expect_more_verdicts(s, CMD_BDAT_LAST, first, out) < 0)
		return -1;
	return queue_last_quit(s, out);
}

/* MAIL and every RCPT, and what `tail` says. With PIPELINING they go out
 * as one write and the replies are read after (RFC 2920); without it each
 * reply is read at once, and a refused MAIL stops there. */
static int send_envelope(struct smtp_session *s, enum envelope_tail tail, struct outcome *out)
{
	const struct smtp_transaction *t = s->txn;
	const struct esmtp_envelope *e = &s->envelope;
	bool each = !s->caps.pipelining;
	char params[ESMTP_RCPT_PARAMS_SIZE];

	smtp_note_pipelining(&s->caps, t->nrcpts, tail, s->chunking);
	if (queue_command(s, CMD_MAIL, 0, out, "MAIL FROM:<%s>%s",
	                  esmtp_sender_on_wire(e, t), e->mail_params) < 0 ||
	    (each && collect_replies(s, out) < 0))
		return -1;
	for (size_t i = 0; i < t->nrcpts; i++)
		if (esmtp_rcpt_parameters(e, t, i, params, sizeof(params), out) < 0 ||
		    queue_command(s, CMD_RCPT, i, out, "RCPT TO:<%s>%s",
		                  esmtp_rcpt_on_wire(e, t, i), params) < 0 ||
		    (each && collect_replies(s, out) < 0))
			return -1;
	if ((tail == TAIL_DATA && queue_command(s, CMD_DATA, 0, out, "DATA") < 0) ||
	    (tail == TAIL_BODY && send_bdat_body(s, true, out) < 0))
		return -1;
	return each ? 0 : collect_replies(s, out);
}

/* DATA was accepted, but no recipient is left to send the message to: only
 * the final dot ends the transaction, and the empty message goes nowhere. */
static void abandon_data(struct smtp_session *s)
{
	struct outcome ignored;

	outcome_clear(&ignored);
	if (queue_command(s, CMD_ABANDON_DATA, 0, &ignored, ".") < 0 ||
	    collect_replies(s, &ignored) < 0)
		set_state(s, STATE_FAILED);
	else
		set_state(s, STATE_READY);
}

/* A pipelined DATA got its 354, but a recipient was refused and the
 * message is for all or none. Only the final dot ends the data, and it
 * would deliver to the others; so the connection is closed without it,
 * and the server must cancel the open transaction (RFC 5321 4.1.1.10). */
static void drop_transaction(struct smtp_session *s)
{
	log_transcript_note("(connection closed without the final dot: a recipient was "
	                    "refused, so nobody gets the message)");
	shutdown(net_fd(s->conn), SHUT_RDWR);
	set_state(s, STATE_FAILED);
}

/* After the RCPT replies: the message text, and the replies to it. */
static int send_text(struct smtp_session *s, enum envelope_tail tail, struct outcome *out)
{
	if (tail == TAIL_BODY)
		return 0;   /* it went with the envelope, and its reply is in */
	if (s->chunking) {
		set_state(s, STATE_BODY);
		if (send_bdat_body(s, false, out) < 0) {
			set_state(s, STATE_FAILED);   /* mid-chunk: of no further use */
			return -1;
		}
		return collect_replies(s, out);
	}
	set_state(s, STATE_DATA);
	if (tail != TAIL_DATA &&
	    (queue_command(s, CMD_DATA, 0, out, "DATA") < 0 || collect_replies(s, out) < 0))
		return -1;
	/* Only a 354 lets the message text go out: anything else would be
	 * read by the server as commands. */
	if (!s->data_accepted)
		return outcome_fail(out, OUTCOME_PROTOCOL, "data", "%s did not answer DATA with 354",
		                    net_peer(s->conn));
	set_state(s, STATE_BODY);
	if (send_body(s, out) < 0) {
		/* Without the final dot the server drops the message; the
		 * connection is mid-DATA and of no further use. */
		set_state(s, STATE_FAILED);
		return -1;
	}
	return collect_replies(s, out);
}

static int run_transaction(struct smtp_session *s, const struct smtp_transaction *t,
                           struct outcome *out)
{
	enum envelope_tail tail;
	size_t accepted;

	if (esmtp_envelope_prepare(&s->envelope, &s->caps, net_peer(s->conn), t, out) < 0)
		return -1;
	s->rcpt_status = calloc(t->nrcpts ? t->nrcpts : 1, sizeof(*s->rcpt_status));
	if (!s->rcpt_status)
		return outcome_fail(out, OUTCOME_OS, "rcpt", "out of memory");
	s->nrcpt_status = t->nrcpts;
	s->chunking = smtp_uses_chunking(&s->caps, t->body_size);
	tail = smtp_envelope_tail(&s->caps, t, s->chunking);

	set_state(s, STATE_ENVELOPE);
	if (send_envelope(s, tail, out) < 0)
		goto failed;
	accepted = accepted_recipients(s);
	if (accepted < t->nrcpts && (accepted == 0 || !t->partial)) {
		report_refusals(s, false, out);
		if (s->data_accepted && accepted > 0) {
			drop_transaction(s);
			return -1;
		}
		goto failed;
	}
	if (send_text(s, tail, out) < 0)
		goto failed;
	set_state(s, s->quit_sent ? STATE_QUIT : STATE_READY);
	return report_refusals(s, true, out);

failed:
	/* A refused command leaves the connection usable (a broken connection
	 * has already set STATE_FAILED). A refusal after MAIL was accepted
	 * leaves the transaction open: RSET closes it (after a refused BDAT
	 * too, RFC 3030 2), or the final dot after a pipelined DATA got its
	 * 354. A refused MAIL opened none, and a verdict on the final dot ends
	 * it. Commands whose replies were never read (a write that failed
	 * halfway through a pipelined group) leave the conversation out of
	 * step: nothing more may be said on it. */
	if (s->state == STATE_FAILED)
		return -1;
	if (s->quit_sent && s->next_pending == s->npending) {
		set_state(s, STATE_QUIT);   /* said goodbye already: nothing to undo */
		return -1;
	}
	if (s->next_pending < s->npending) {
		set_state(s, STATE_FAILED);
		return -1;
	}
	if ((s->state == STATE_BODY && !s->chunking) || (!s->mail_accepted && !s->data_accepted)) {
		set_state(s, STATE_READY);
		return -1;
	}
	if (s->data_accepted) {
		abandon_data(s);
		return -1;
	}
	if (s->state == STATE_ENVELOPE || s->state == STATE_DATA || s->state == STATE_BODY) {
		struct outcome ignored;

		outcome_clear(&ignored);
		if (queue_command(s, CMD_RSET, 0, &ignored, "RSET") == 0 &&
		    collect_replies(s, &ignored) == 0) {
			set_state(s, STATE_READY);
			return -1;
		}
	}
	set_state(s, STATE_FAILED);
	return -1;
}

int smtp_send_mail(struct smtp_session *s, const struct smtp_transaction *t, struct outcome *out)
{
	int result;

	if (s->state != STATE_READY)
		return outcome_fail(out, OUTCOME_INTERNAL, "mail", "session not ready (state %s)",
		                    state_names[s->state]);
	if (t->nrcpts == 0)
		return outcome_fail(out, OUTCOME_INTERNAL, "rcpt", "a transaction without recipients");
	forget_transaction(s);
	s->txn = t;
	s->mail_accepted = s->data_accepted = s->delivered = s->quit_sent = false;
	s->verdict.code = 0;
	result = run_transaction(s, t, out);
	s->txn = NULL;   /* the caller's: not to be used after it returns */
	return result;
}

bool smtp_session_ready(const struct smtp_session *s)
{
	return s->state == STATE_READY;
}

void smtp_quit(struct smtp_session *s)
{
	struct outcome ignored;

	/* Nothing to say on a broken connection, nor in plain text to a server
	 * that has begun a TLS handshake. */
	if (s->state == STATE_FAILED || s->state == STATE_TLS || s->state == STATE_QUIT)
		return;
	outcome_clear(&ignored);
	if (queue_command(s, CMD_QUIT, 0, &ignored, "QUIT") == 0)
		collect_replies(s, &ignored);
	set_state(s, STATE_QUIT);
}
