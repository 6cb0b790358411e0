/* aliases.h - the local aliases file (`aliases FILE` in the config).
 *
 * One alias per line, `name: address[, address...]`, the value an RFC 5322
 * address list. Lines starting with '#' are comments, blank lines are
 * ignored, and a line starting with white space continues the alias above
 * it (/etc/aliases style). Names compare case-insensitively. The alias
 * `default` stands for every local name that has no alias of its own.
 * Values may name other aliases; expansion follows them, refusing loops. */
#ifndef POSTIE_ALIASES_H
#define POSTIE_ALIASES_H

#include <stdbool.h>
#include <stddef.h>

#include "address.h"
#include "outcome.h"

#define ALIASES_DEPTH_MAX 20              /* aliases naming aliases, at most */
#define ALIASES_FILE_MAX (16 * 1024 * 1024) /* largest aliases file read */

struct aliases;

/* Read FILE. Missing/unreadable -> OUTCOME_CONFIG "cannot read aliases file
 * F: reason"; syntax -> OUTCOME_CONFIG "F:LINE: ...". step "aliases". */
int aliases_load(const char *path, struct aliases **result, struct outcome *out);

/* Parse text in memory (tests, fuzzing); `label` is the file name for
 * messages. Errors as for aliases_load. */
int aliases_parse(const char *label, const char *text, size_t len,
                  struct aliases **result, struct outcome *out);

/* Number of aliases defined (for `newaliases` / -bi: "F: N aliases, OK"). */
size_t aliases_count(const struct aliases *al);

/* Expand `in` into `result` (address_list_add, duplicates dropped): an
 * address with '@' is copied; a local name with an alias is replaced by the
 * alias's addresses, recursively; a local name without one uses `default`
 * when defined (the default's addresses are themselves expanded, but
 * `default` never applies twice in one chain); otherwise the bare local
 * name is copied unchanged (the caller then qualifies it with maildomain or
 * refuses it). al may be NULL (then everything is copied). Loops ->
 * OUTCOME_CONFIG naming the chain ("aliases loop: root -> admin -> root");
 * more than ALIASES_DEPTH_MAX levels -> OUTCOME_CONFIG; more than
 * ADDRESS_LIST_MAX results -> OUTCOME_BAD_MESSAGE. step "aliases". */
int aliases_expand(const struct aliases *al, const struct address_list *in,
                   struct address_list *result, struct outcome *out);

/* Is `addr` (an addr-spec as address_list_parse yields it) a local name,
 * i.e. has it no '@' outside its quoted local part? "root", "\"john doe\"". */
bool aliases_is_local(const char *addr);

void aliases_free(struct aliases *al);

#endif
