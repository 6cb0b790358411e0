/* sender.h - the account's `from` value: substitutions and patterns.
 *
 * `from` may hold %U (login name), %H (host name), %C (canonical host
 * name), %M (mail domain from /etc/mailname) and %% (a literal %). After
 * substitution, a value with '*' or '?' is a pattern (fnmatch(3)) that
 * selects the account for a matching envelope sender; a pattern is never
 * itself used as the envelope sender. */
#ifndef POSTIE_SENDER_H
#define POSTIE_SENDER_H

#include <stdbool.h>

#include "outcome.h"

#define SENDER_MAILNAME_PATH "/etc/mailname"

/* Expand %U %H %C %M %% in `value`; *expanded is malloc'd. Only computes
 * the substitutions it needs: %C asks the resolver (falling back to %H),
 * %M reads the first line of `mailname_path` (falling back to %C).
 * `mailname_path` is normally SENDER_MAILNAME_PATH (tests pass another).
 * An unknown %x, or a result longer than ADDRESS_MAX -> OUTCOME_CONFIG;
 * no user or host name to be had -> OUTCOME_OS. step "config". */
int sender_expand(const char *value, const char *mailname_path, char **expanded,
                  struct outcome *out);

/* Does `expanded` (a `from` value after sender_expand) hold a wildcard? */
bool sender_is_pattern(const char *expanded);

/* Does envelope address `addr` match the (expanded) from value? Without
 * wildcards: the local part exactly, the domain ASCII case-insensitively.
 * A pattern: fnmatch(3) over the whole address, case-insensitively. Either
 * way, a subaddress `user+tag@dom` also matches what `user@dom` matches.
 * The null sender ("") matches nothing. */
bool sender_matches(const char *expanded, const char *addr);

#endif
