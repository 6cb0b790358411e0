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

/* As account_select, but without -a the first account (in file order)
 * whose `from` matches `sender` (an exact address, a pattern with * and ?,
 * %U %H %C %M expanded, user+tag@ matching user@) is chosen before
 * "default". `sender` may be NULL. */
int account_select_for_sender(const struct config *cfg, const char *name, const char *sender,
                              const struct account **chosen, struct outcome *out);

/* Is the chosen account usable by this version? `host` must be set, and no
 * setting may need a feature that is not there yet (account->unsupported).
 * Fails with OUTCOME_CONFIG. */
int account_check(const struct account *acct, struct outcome *out);

/* The port to connect to: acct->port, else 25 for SMTP (587 with STARTTLS,
 * 465 for implicit TLS) and 2003 for LMTP. */
int account_port(const struct account *acct);

/* The credentials for AUTH. The user is acct->user, else the login of a
 * matching ~/.netrc entry. The secret, first source that has one:
 * `password`; `passwordeval` (run with /bin/sh -c, stdin from /dev/null, the
 * first line of its stdout; a non-zero exit -> OUTCOME_CONFIG naming the
 * command's exit status and the first line of its stderr); ~/.netrc
 * (`machine HOST login USER password PASS`, or `default`); a prompt on
 * /dev/tty when one can be opened (echo off). `host` is the smarthost name
 * as configured. *user and *secret are malloc'd; free them with
 * account_free_secret(), which wipes. Fails with OUTCOME_CONFIG, step
 * "auth" ("no password for account 'x': set password or passwordeval"). */
int account_credentials(const struct account *acct, const char *host, char **user,
                        char **secret, struct outcome *out);

/* Whether a failure of an account's server is one its fallback accounts
 * may not share: temporary ones (connect, 4xx, time-outs), a server that
 * broke the protocol, a host name that does not resolve, a TLS handshake
 * that failed. Configuration and authentication problems they would not fix. */
bool account_fallback_may_help(const struct outcome *o);

/* The next usable account named in a `fallback` list (names separated by
 * blanks), advancing *list past it; a name that is no account, or no
 * usable one, is skipped with a warning. NULL at the end of the list. */
const struct account *account_next_fallback(const struct config *cfg, const char **list);

/* Log one message's record where the account says (syslog, logfile; text
 * or JSON), with the account's own fields (name, host, port, tls, auth,
 * user) filled in. A log that cannot be written is a warning on stderr:
 * it does not change what happened to the message. */
struct log_record;
void account_log(const struct account *acct, const struct log_record *rec);

/* Those account fields of a record alone (for the --status-json object). */
void account_fill_record(const struct account *acct, struct log_record *rec);

/* Wipe and free a secret (NULL is fine). */
void account_free_secret(char *secret);

#endif
