/* account.h - choose the account this message goes out through. */
#ifndef POSTIE_ACCOUNT_H
#define POSTIE_ACCOUNT_H

#include "config.h"
#include "outcome.h"

/* Pick the account: `name` (from -a) when given, else the account called
 * "default". Fails with OUTCOME_CONFIG naming the account, the config file
 * (or that none was found), and the fix. */
int account_select(const struct config *cfg, const char *name,
                   const struct account **chosen, struct outcome *out);

/* Is the chosen account usable by this version? `host` must be set, and no
 * setting may need a feature that is not there yet (account->unsupported).
 * Fails with OUTCOME_CONFIG. */
int account_check(const struct account *acct, struct outcome *out);

/* The port to connect to: acct->port, else 25 for SMTP (587 with STARTTLS,
 * 465 for implicit TLS) and 2003 for LMTP. */
int account_port(const struct account *acct);

#endif
