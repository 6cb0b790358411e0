/* tls_describe.h - say what a certificate is and why it was not trusted.
 * What tls.c borrows for its verification and for tls_peer_info(); not for
 * other modules: they use tls.h. */
#ifndef POSTIE_TLS_DESCRIBE_H
#define POSTIE_TLS_DESCRIBE_H

#include <stddef.h>

#include <gnutls/gnutls.h>

#include "outcome.h"
#include "tls.h"

/* "AB:CD:...", the tls_fingerprint syntax, of the n bytes of digest d. */
void tls_format_fingerprint(const unsigned char *d, size_t n, char *buf, size_t size);

/* Fail `out` (OUTCOME_NOT_PERMITTED, step "tls") with one clause per problem
 * in a GnuTLS verification `status` for the chain certs[0..n-1] the server
 * `host` sent (n >= 1), most actionable first. Returns -1. */
int tls_explain_status(const char *host, unsigned status, const gnutls_datum_t *certs,
                       unsigned n, struct outcome *out);

/* Fill the certificate fields of `info` (chain_length, sha256, subject,
 * issuer, names, not_before, not_after) from the server's chain; leaves them
 * empty when the server sent no X.509 certificate. */
void tls_peer_certificate_facts(gnutls_session_t session, struct tls_peer_info *info);

#endif
