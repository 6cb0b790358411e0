/* session.h - an SMTP session with an account's smarthost, ready for mail:
 * connected, encrypted and authenticated as the account says
 * (net -> tls -> smtp -> sasl). */
#ifndef POSTIE_SESSION_H
#define POSTIE_SESSION_H

#include "config.h"
#include "outcome.h"
#include "smtp.h"

struct session;

/* Connect to the account's host, greet, STARTTLS or implicit TLS, AUTH.
 * Returns NULL with the outcome of the step that failed. */
struct session *session_open(const struct account *acct, struct outcome *out);

/* The stages of opening a session. On the wire implicit TLS comes before
 * the greeting; `stop_after` compares in this order. */
enum session_stage {
	SESSION_CONNECT,    /* TCP connected */
	SESSION_GREETING,   /* greeting read and EHLO (or HELO) answered */
	SESSION_TLS,        /* TLS up (with STARTTLS: EHLO said again); not with tls off */
	SESSION_AUTH,       /* authenticated; not when auth is off */
};

/* For --check and --serverinfo: watch the stages go by. */
struct session_observer {
	/* Called after each stage that ran, in the order they ran. */
	void (*stage_done)(void *ctx, const struct session *s, enum session_stage stage);
	void *ctx;
	/* --serverinfo: finish the TLS handshake whatever the certificate,
	 * for tls_peer_info() to judge. Such a session stops at SESSION_TLS:
	 * it never authenticates or sends mail. */
	bool tls_unverified;
};

/* session_open() that stops after the stage `stop_after` (credentials are
 * fetched only when it is SESSION_AUTH), telling `observer` (may be NULL)
 * of each stage done. session_open(a, o) is
 * session_open_until(a, SESSION_AUTH, NULL, o). */
struct session *session_open_until(const struct account *acct, enum session_stage stop_after,
                                   const struct session_observer *observer, struct outcome *out);

/* What the stages found: the current EHLO capabilities (NULL before the
 * greeting), the TLS session (NULL without TLS), "host [address]:port",
 * the name the certificate must carry, the SASL mechanism used ("" before
 * AUTH) and the user it authenticated as (NULL for none). */
const struct smtp_caps *session_caps(const struct session *s);
struct tls_session *session_tls(const struct session *s);
const char *session_peer(const struct session *s);
const char *session_tls_name(const struct session *s);
const char *session_auth_mechanism(const struct session *s);
const char *session_auth_user(const struct session *s);

/* One mail transaction; see smtp_send_mail. */
int session_send(struct session *s, const struct smtp_transaction *t, struct outcome *out);

const struct smtp_reply *session_last_reply(const struct session *s);

/* Did the last session_send hand the message to at least one recipient,
 * even if it then failed (a partial delivery, an LMTP refusal)? */
bool session_last_delivered(const struct session *s);

/* The reply recipient `i` got in the last session_send; see smtp_rcpt_reply. */
bool session_rcpt_reply(const struct session *s, size_t i, struct smtp_rcpt_reply *r);

/* session_open() for a second connection to the same server: the TLS
 * session of `previous` (still open, maybe broken) is offered for
 * resumption, which saves the full handshake when the server takes it.
 * Everything else, verification included, is as session_open(). */
struct session *session_open_resuming(const struct account *acct,
                                      const struct session *previous, struct outcome *out);

/* Can the session take another transaction? False once the connection
 * broke or the conversation fell out of step (then only closing is left). */
bool session_ready(const struct session *s);

/* Did the TLS handshake resume an earlier session? False without TLS. */
bool session_tls_resumed(const struct session *s);

/* QUIT, close TLS and the connection, free. NULL is fine. */
void session_close(struct session *s);

#endif
