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

/* One mail transaction; see smtp_send_mail. */
int session_send(struct session *s, const struct smtp_transaction *t, struct outcome *out);

const struct smtp_reply *session_last_reply(const struct session *s);

/* QUIT, close TLS and the connection, free. NULL is fine. */
void session_close(struct session *s);

#endif
