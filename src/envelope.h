/* envelope.h - who the message is from and to, as the SMTP server sees it. */
#ifndef POSTIE_ENVELOPE_H
#define POSTIE_ENVELOPE_H

#include <stdbool.h>
#include <sys/types.h>

#include "address.h"
#include "config.h"
#include "outcome.h"

struct envelope {
	char *from;                  /* MAIL FROM address; "" is the null sender <> */
	struct address_list rcpts;   /* RCPT TO addresses, no duplicates */
};

/* Recipients from the command line: each argument is an address list
 * (sendmail accepts "a@x, b@y" in one argument). Fails with OUTCOME_USAGE
 * naming the argument, or when there is none and `read_recipients` (-t) is
 * not set: that is known before anything is read. */
int envelope_add_arguments(struct envelope *env, char *const *args, size_t nargs,
                           bool read_recipients, struct outcome *out);

/* The address in a sender given as text: "a@x", "<a@x>", "Name <a@x>", or
 * "" / "<>" for the null sender. *addr is malloc'd. OUTCOME_USAGE when it is
 * not exactly one address. */
int envelope_parse_sender(const char *text, char **addr, struct outcome *out);

/* Choose the envelope sender, first that applies: `given` (-f/-r, or the
 * From: header with --read-envelope-from) unless the account forbids
 * overriding its `from`; the account's `from` with %U %H %C %M expanded
 * (a pattern with wildcards cannot be a sender: OUTCOME_CONFIG); with
 * `auto_from on`, USER@maildomain (or USER@host name); else OUTCOME_CONFIG
 * saying how to set one. */
int envelope_choose_sender(struct envelope *env, const char *given,
                           const struct account *acct, struct outcome *out);

/* Complete the recipients once the message is read: merge the -t
 * recipients (`header_rcpts`, may be NULL), expand local names through the
 * account's aliases file, qualify local names left with `maildomain`, and
 * require at least one recipient. A local name that neither resolves is
 * OUTCOME_RCPT_REFUSED naming it and the fix; no recipient at all is
 * OUTCOME_BAD_MESSAGE. */
int envelope_finish_recipients(struct envelope *env, const struct address_list *header_rcpts,
                               const struct account *acct, struct outcome *out);

void envelope_free(struct envelope *env);

#endif
