/* smtp_internal.h - what the SMTP conversation (smtp.c) lends to AUTH
 * (smtp_auth.c): the session's state, its connection, reading a reply and
 * turning a reply into a failure. Not for other modules: they use smtp.h. */
#ifndef POSTIE_SMTP_INTERNAL_H
#define POSTIE_SMTP_INTERNAL_H

#include "net.h"
#include "outcome.h"
#include "smtp.h"

enum smtp_state {
	STATE_GREETING,   /* connected, waiting for the banner */
	STATE_HELLO,      /* EHLO/HELO sent */
	STATE_TLS,        /* STARTTLS sent; the caller runs the handshake */
	STATE_AUTH,       /* in a SASL exchange */
	STATE_READY,      /* between transactions */
	STATE_ENVELOPE,   /* MAIL/RCPT sent */
	STATE_DATA,       /* DATA sent, waiting for 354 */
	STATE_BODY,       /* body and "." sent, waiting for the verdict */
	STATE_QUIT,
	STATE_FAILED,     /* the connection cannot be used any more */
};

const char *smtp_state_name(enum smtp_state state);
enum smtp_state smtp_session_state(const struct smtp_session *s);
/* Move the state machine (traced with -v). */
void smtp_session_set_state(struct smtp_session *s, enum smtp_state state);

struct net_conn *smtp_session_conn(const struct smtp_session *s);

/* Read one complete reply; smtp_last_reply() then shows it. A reply that
 * breaks RFC 5321 -> OUTCOME_PROTOCOL. */
int smtp_session_read_reply(struct smtp_session *s, const char *step, struct outcome *out);

/* A failure that carries the last reply. The class follows the reply code
 * (4xx OUTCOME_TEMPORARY, neither 4xx nor 5xx OUTCOME_PROTOCOL), 5xx gets
 * permanent_class. Returns -1. */
int smtp_session_reply_failure(struct smtp_session *s, const char *step,
                               enum outcome_class permanent_class, struct outcome *out,
                               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
