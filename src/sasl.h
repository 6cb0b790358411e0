/* sasl.h - SMTP AUTH mechanisms: choose one, run its exchange.
 *
 * libgsasl does every mechanism it has; XOAUTH2 and OAUTHBEARER (which
 * libgsasl 2.2 lacks) are formatted here. Responses and challenges travel
 * base64-encoded, as SMTP AUTH carries them. */
#ifndef POSTIE_SASL_H
#define POSTIE_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"

struct sasl_params {
	const char *user;
	const char *password;          /* the secret; for XOAUTH2/OAUTHBEARER the token */
	const char *host;              /* server name (service "smtp") */
	bool tls_active;               /* the connection is encrypted */
	bool tls_off_explicit;         /* the account says `tls off` */
	const char *cb_type;           /* "tls-exporter", "tls-unique" or NULL */
	const char *cb_data_b64;
};

/* Choose the mechanism. `configured` is the account's auth: "on" (the
 * strongest both sides have: SCRAM-SHA-256-PLUS > SCRAM-SHA-1-PLUS >
 * SCRAM-SHA-256 > SCRAM-SHA-1 > PLAIN > LOGIN > CRAM-MD5; -PLUS only with
 * channel binding; XOAUTH2, OAUTHBEARER and EXTERNAL never automatically)
 * or a mechanism name (any case) that must be offered. `offered` is the
 * server's AUTH capability (space-separated). PLAIN, LOGIN and the OAuth
 * mechanisms (a bearer token is as good as a password) are never chosen
 * without TLS, except when forced by name and the account says `tls off`. Writes the upper-case name to `mech`. Fails
 * with OUTCOME_NOT_PERMITTED, step "auth", saying what was offered. */
int sasl_choose(const char *configured, const char *offered, const struct sasl_params *p,
                char *mech, size_t size, struct outcome *out);

/* Does this mechanism need a password (or token)? EXTERNAL does not. */
bool sasl_needs_password(const char *mech);

struct sasl_exchange;

struct sasl_exchange *sasl_start(const char *mech, const struct sasl_params *p,
                                 struct outcome *out);

/* One step. `challenge_b64` is the text of the server's 334 reply (NULL
 * before the first one: then the result is the initial response, if the
 * mechanism has one). *response_b64 is a malloc'd base64 string (may be "")
 * holding secret material: the caller sends it, then frees it with
 * sasl_free_response(). Returns 1 when the exchange needs more server input,
 * 0 when the client side is complete, -1 on failure (OUTCOME_NOT_PERMITTED
 * for a bad challenge or a failed server proof, step "auth"). */
int sasl_step(struct sasl_exchange *x, const char *challenge_b64, char **response_b64,
              struct outcome *out);

/* The server said 235: may the exchange end here? False for SCRAM when
 * the server's proof was never checked. */
bool sasl_may_succeed(const struct sasl_exchange *x);

/* Wipe and free a response. */
void sasl_free_response(char *response_b64);

void sasl_finish(struct sasl_exchange *x);

#endif
