/* mailq.h - the queue commands: list (mailq, -bp), flush (-q, --queue-run,
 * -qI), and --queue-delete / --queue-hold / --queue-release.
 *
 * The queues are those the config names: each account's queue_dir, else
 * the default directory. A queue directory that does not exist is an empty
 * queue; listing never creates one. */
#ifndef POSTIE_MAILQ_H
#define POSTIE_MAILQ_H

#include <stdio.h>

#include "cli.h"
#include "outcome.h"

int mailq_list(const struct invocation *inv, FILE *fp, struct outcome *out);
int mailq_flush(const struct invocation *inv, struct outcome *out);
/* inv->mode says which: MODE_QUEUE_DELETE, MODE_QUEUE_HOLD, MODE_QUEUE_RELEASE. */
int mailq_edit(const struct invocation *inv, struct outcome *out);

#endif
