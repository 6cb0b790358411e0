/* smtp.h - the SMTP client: the session and the transaction (replies and
 * EHLO capabilities: smtp_reply.h, included here).
 *
 * The engine is an explicit state machine over a FIFO of commands waiting
 * for replies. A command is queued (written into the connection's output
 * buffer), and replies are collected later, matched to the queue in order,
 * each by the handler of its command. Without PIPELINING the driver collects
 * after every command; with it, commands go out in groups, one write each,
 * and the same handlers run (RFC 2920).
 *
 * The groups of a transaction, with PIPELINING:
 * - body as DATA: MAIL, every RCPT and DATA; then the body and the final
 *   dot. If a RCPT is refused and the message is for all or none (no
 *   partial delivery, several recipients), DATA may have got its 354
 *   already: no command ends the data without delivering it, so the
 *   connection is closed without the final dot (the server then cancels
 *   the transaction, RFC 5321 4.1.1.10) and the session is not ready.
 *   With t->keep_session (a flush, whose next message needs the
 *   connection) such a transaction sends DATA only after the RCPT replies.
 * - body as BDAT (CHUNKING, see smtp_uses_chunking): BDAT LAST with the body
 *   (at most SMTP_PIPELINED_BODY_MAX octets) joins MAIL and the RCPTs only
 *   when a refused RCPT cannot leave the message with the others against
 *   the caller's will: one recipient (a server refuses the BDAT of a
 *   transaction without recipients, RFC 3030 3), or partial delivery (not
 *   in LMTP, where the replies owed to BDAT LAST depend on the RCPT
 *   replies). Otherwise MAIL and the RCPTs go first, and "BDAT n LAST" and
 *   the body follow once every RCPT is accepted: a BDAT LAST never goes
 *   before a refusal could stop it.
 * Without PIPELINING each command waits for its reply. */
#ifndef POSTIE_SMTP_H
#define POSTIE_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "net.h"
#include "outcome.h"
#include "sasl.h"
#include "smtp_reply.h"

/* A body this small goes in the same write as MAIL and the RCPTs when BDAT
 * may join them: a refusal then wastes at most this much upload, less than
 * a round trip costs on most links (64 KiB take 50 ms at 10 Mbit/s). */
#define SMTP_PIPELINED_BODY_MAX (64 * 1024)

/* Whether a body of `body_size` octets goes as BDAT (RFC 3030) to a
 * server with these capabilities, rather than as DATA. The same in LMTP
 * (per-recipient replies after BDAT LAST). */
bool smtp_uses_chunking(const struct smtp_caps *caps, off_t body_size);

/* ---- the session ---- */
struct smtp_session;

struct smtp_transaction {
	const char *from;              /* envelope sender; "" for the null sender */
	char *const *rcpts;
	size_t nrcpts;
	int body_fd;                   /* spool: CRLF text, read with pread from 0 */
	off_t body_size;
	bool body_8bit;
	bool smtputf8;                 /* an address header of the message is not ASCII */
	const char *body_type;         /* NULL: BODY=8BITMIME when body_8bit; else "7BIT"
	                                  or "8BITMIME" (-B) */
	const char *dsn_notify;        /* NULL, "never", or a subset of "success,failure,delay" */
	const char *dsn_return;        /* NULL, "full" or "hdrs" */
	const char *dsn_envid;         /* NULL or printable ASCII */
	bool partial;                  /* deliver to the accepted recipients when others are refused */
	bool lmtp;                     /* LMTP: one reply per accepted recipient after the final dot */
	bool quit_after;               /* the session's last transaction: with PIPELINING,
	                                  QUIT goes in the write that ends the message, and
	                                  the session is then closed (not ready) */
	bool keep_session;             /* more transactions follow on this session (a queue
	                                  flush): a refused RCPT must cost a RSET, never the
	                                  connection, so DATA waits for the RCPT replies
	                                  when several recipients are all or none */
};

struct smtp_session *smtp_session_new(struct net_conn *conn, struct outcome *out);
void smtp_session_free(struct smtp_session *s);

/* Read the greeting and introduce ourselves (EHLO, HELO if EHLO is refused). */
int smtp_greet(struct smtp_session *s, const char *domain, bool lmtp, struct outcome *out);

const struct smtp_caps *smtp_session_caps(const struct smtp_session *s);

/* STARTTLS (RFC 3207), sent alone. After its 220 no byte may be waiting:
 * anything there came before encryption and would be read as if it came
 * after (an injection attack), so that is OUTCOME_PROTOCOL and nothing more
 * is sent. A server that does not offer STARTTLS or refuses it ->
 * OUTCOME_NOT_PERMITTED. On success the caller starts TLS on the
 * connection, then calls smtp_rehello(). Step "tls". */
int smtp_starttls(struct smtp_session *s, struct outcome *out);

/* EHLO (or LHLO) again after TLS; the capabilities from before are
 * forgotten, as RFC 3207 requires. */
int smtp_rehello(struct smtp_session *s, const char *domain, bool lmtp, struct outcome *out);

/* AUTH (RFC 4954) with a started SASL exchange. The transcript shows the
 * command and its responses as "<redacted>". Refused (5xx) ->
 * OUTCOME_NOT_PERMITTED with the server's reply; 4xx -> OUTCOME_TEMPORARY.
 * Step "auth". */
int smtp_auth(struct smtp_session *s, const char *mech, struct sasl_exchange *x,
              struct outcome *out);

/* Run one mail transaction. On success the server's final reply is kept
 * (smtp_last_reply).
 *
 * Before MAIL, what the server announced is checked, and nothing is sent
 * when it cannot take the message as it is (step "mail"): a body over its
 * SIZE limit, 8-bit bytes without 8BITMIME, or DSN requested without DSN
 * -> OUTCOME_REFUSED; an address whose local part is not ASCII to a server
 * without SMTPUTF8, or a domain IDNA cannot convert -> OUTCOME_BAD_MESSAGE
 * (step "rcpt" for a recipient). Non-ASCII domains always go as A-labels;
 * SMTPUTF8 is said when offered and needed (t->smtputf8, or a non-ASCII
 * local part). MAIL carries SIZE, BODY, SMTPUTF8, RET and ENVID as offered
 * and asked for; each RCPT carries NOTIFY when asked for, and ORCPT
 * whenever DSN is in use (RFC 3461). Commands are grouped as at the top of
 * this file; the body goes as BDAT when smtp_uses_chunking says so, with
 * the same parameters, in one chunk: a 4xx/5xx to it ends the transaction
 * (RSET) with the class of a refused final dot, step "data".
 *
 * Refused recipients: without t->partial nothing is sent (RSET, or the
 * connection closed after a pipelined DATA's 354), and the outcome is
 * OUTCOME_RCPT_REFUSED naming every refused address
 * (OUTCOME_TEMPORARY when all refusals were temporary), step "rcpt". With
 * t->partial, and in LMTP for the per-recipient replies after the final dot,
 * the message goes to the accepted recipients; the refusals (step "rcpt")
 * are then reported as OUTCOME_RCPT_REFUSED, 4xx ones too ("delivered to N
 * of M recipients; ..."), since the message WAS delivered: see
 * smtp_last_delivered. A transaction needs at least one recipient. */
int smtp_send_mail(struct smtp_session *s, const struct smtp_transaction *t,
                   struct outcome *out);

const struct smtp_reply *smtp_last_reply(const struct smtp_session *s);

/* Whether the last smtp_send_mail handed the message over for at least one
 * recipient: true after success, and also after a failure that came after
 * a delivery (a partial delivery, or an LMTP recipient refused after the
 * dot). A caller that retries or queues on failure must not send such a
 * message again to everyone. */
bool smtp_last_delivered(const struct smtp_session *s);

/* The reply recipient `i` of the last transaction got: to its RCPT, or in
 * LMTP its verdict after the final dot when that came. false past the end
 * of the recipients, before any transaction, and when MAIL was refused;
 * code 0 when the transaction stopped before its reply. The strings live until the next
 * transaction. */
struct smtp_rcpt_reply {
	int code;
	const char *enhanced;          /* "" when none */
	const char *text;              /* the first line of the reply's text */
};
bool smtp_rcpt_reply(const struct smtp_session *s, size_t i, struct smtp_rcpt_reply *r);

/* Can the session take another transaction (no failure left it out of
 * step)? */
bool smtp_session_ready(const struct smtp_session *s);

/* Say QUIT and read the answer (errors are ignored: the work is done). */
void smtp_quit(struct smtp_session *s);

#endif
