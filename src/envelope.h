/* envelope.h - who the message is from and to, as the SMTP server sees it. */
#ifndef POSTIE_ENVELOPE_H
#define POSTIE_ENVELOPE_H

#include <stdbool.h>
#include <sys/types.h>

#include "address.h"
#include "cli.h"
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

/* Complete the envelope once the message is read: merge the -t recipients
 * (`header_rcpts`, may be NULL), require at least one recipient
 * (OUTCOME_BAD_MESSAGE), and choose the sender: -f/-r (unless the account
 * forbids overriding it), else the account's `from`, else OUTCOME_CONFIG. */
int envelope_finish(struct envelope *env, const struct invocation *inv,
                    const struct account *acct, const struct address_list *header_rcpts,
                    struct outcome *out);

void envelope_free(struct envelope *env);

#endif
