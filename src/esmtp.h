/* esmtp.h - ESMTP extensions: the parameters of MAIL and RCPT and what may
 * be sent (SIZE RFC 1870, 8BITMIME RFC 6152, SMTPUTF8 RFC 6531, DSN RFC 3461).
 *
 * Before MAIL, the server's capabilities are set against what the
 * transaction needs, SMTPUTF8 is decided, every address is put in the form
 * the server is to see, and MAIL's parameters are built; the conversation
 * (smtp.c) then writes what it is given. */
#ifndef POSTIE_ESMTP_H
#define POSTIE_ESMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"
#include "smtp.h"

#define ESMTP_ORCPT_MAX 500   /* RFC 3461 4.2 */
#define ESMTP_ENVID_MAX 100   /* RFC 3461 4.4 */
/* Room for the parameters of one MAIL, and of one RCPT (leading space and
 * NUL included). */
#define ESMTP_MAIL_PARAMS_SIZE (128 + ESMTP_ENVID_MAX)
#define ESMTP_RCPT_PARAMS_SIZE (ESMTP_ORCPT_MAX + 64)

/* One transaction's envelope as it goes on the wire. */
struct esmtp_envelope {
	bool use_smtputf8;        /* MAIL says SMTPUTF8; addresses go as UTF-8 */
	char *wire_from;          /* the sender as sent when it differs (A-labels), or NULL */
	char **wire_rcpts;        /* the same for each recipient */
	size_t nwire_rcpts;
	char mail_params[ESMTP_MAIL_PARAMS_SIZE];   /* " SIZE=... BODY=..." or "" */
	char notify[32];          /* NOTIFY's value for every RCPT, or "" */
};

/* Everything that is decided before MAIL, into `e` (which must be empty:
 * zeroed, or after esmtp_envelope_free). `peer` names the server in
 * messages. Nothing is to be sent when this fails: over SIZE, 8-bit without
 * 8BITMIME, DSN not offered -> OUTCOME_REFUSED; a non-ASCII local part
 * without SMTPUTF8, or a domain IDNA cannot convert -> OUTCOME_BAD_MESSAGE;
 * a bad body type, DSN return, envelope id or notify -> OUTCOME_USAGE.
 * What was allocated stays for esmtp_envelope_free either way. */
int esmtp_envelope_prepare(struct esmtp_envelope *e, const struct smtp_caps *caps,
                           const char *peer, const struct smtp_transaction *t,
                           struct outcome *out);

/* Free the wire addresses; `e` is then empty. */
void esmtp_envelope_free(struct esmtp_envelope *e);

/* The sender, and recipient i, as the server is to see them. */
const char *esmtp_sender_on_wire(const struct esmtp_envelope *e,
                                 const struct smtp_transaction *t);
const char *esmtp_rcpt_on_wire(const struct esmtp_envelope *e,
                               const struct smtp_transaction *t, size_t i);

/* The parameters of the RCPT for recipient i into buf (at least
 * ESMTP_RCPT_PARAMS_SIZE), "" when there are none. */
int esmtp_rcpt_parameters(const struct esmtp_envelope *e, const struct smtp_transaction *t,
                          size_t i, char *buf, size_t size, struct outcome *out);

/* xtext (RFC 3461 section 4) of `in` into `out`: '+', '=' and octets
 * outside 0x21-0x7e become "+HH". Returns the length written (NUL
 * terminated), or -1 when `out` is too small. */
int esmtp_xtext(const char *in, char *out, size_t outlen);

#endif
