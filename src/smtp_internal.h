/* smtp_internal.h - what the SMTP conversation (smtp.c) lends to AUTH
 * (smtp_auth.c): the session's state, its connection, reading a reply and
 * turning a reply into a failure; and what it borrows from smtp_body.c, the
 * message text on the wire. Not for other modules: they use smtp.h. */
#ifndef POSTIE_SMTP_INTERNAL_H
#define POSTIE_SMTP_INTERNAL_H

#include <sys/types.h>

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
	STATE_BODY,       /* body sent (DATA and ".", or BDAT), waiting for the verdict */
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

/* ---- the message text (smtp_body.c) ---- */
#define SMTP_BODY_BLOCK (64 * 1024)   /* octets read from the spool at a time */

/* The spool's `size` octets, dot-stuffed, into the connection's output
 * buffer: the text of DATA without the final dot. `block` holds
 * SMTP_BODY_BLOCK octets, `stuffed` twice that. Step "data". */
int smtp_body_write_stuffed(struct net_conn *conn, int fd, off_t size, char *block,
                            char *stuffed, struct outcome *out);

/* `len` octets of the spool from `offset`, as they are: one BDAT chunk. */
int smtp_body_write_raw(struct net_conn *conn, int fd, off_t offset, off_t len, char *block,
                        struct outcome *out);

/* What goes in one write with MAIL and the RCPTs (the rules: smtp.h). */
enum envelope_tail {
	TAIL_NONE,        /* nothing: each reply is read at once, or the body waits */
	TAIL_DATA,        /* DATA */
	TAIL_BODY,        /* BDAT LAST and the body */
};
enum envelope_tail smtp_envelope_tail(const struct smtp_caps *caps,
                                      const struct smtp_transaction *t, bool chunking);

/* Say with -v what went in one write. */
void smtp_note_pipelining(const struct smtp_caps *caps, size_t nrcpts, enum envelope_tail tail,
                          bool chunking);

#endif
