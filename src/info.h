/* info.h - what postie can tell without sending mail: the settings in
 * effect (--pretend), what the server offers (--serverinfo), and whether
 * a send would get through, step by step (--check). */
#ifndef POSTIE_INFO_H
#define POSTIE_INFO_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "outcome.h"

/* -P, --pretend: the account and every setting in effect as
 * "key = value" lines, then the envelope. Secrets are shown only as
 * <set> / <not set> (passwordeval too: its command may hold one).
 * `config_path` may be NULL (no file). Touches neither network nor secrets. */
void info_pretend(FILE *fp, const char *config_path, const struct account *acct,
                  const char *envelope_from, char *const *rcpts, size_t nrcpts);

/* -S, --serverinfo: connect, TLS as the account says (the handshake goes
 * through whatever the certificate, to show it), EHLO, QUIT; print the
 * greeting, the capabilities (before and after STARTTLS when they
 * differ), and the TLS session and server certificate with the verdict a
 * send would reach. No AUTH. Fails as a send would at that step; a
 * certificate that does not verify is printed, then fails with
 * OUTCOME_NOT_PERMITTED (step "tls"). */
int info_serverinfo(FILE *fp, const struct account *acct, struct outcome *out);

/* --check: config, DNS, connect, greeting, TLS and AUTH as a send would
 * do them (credentials included), one "STEP: ok ..." line each; at the
 * first failure "STEP: failed: <why>" and -1 with the outcome a send would
 * give. No MAIL is sent; QUIT at the end. */
int info_check(FILE *fp, const char *config_path, const struct account *acct,
               struct outcome *out);

#endif
