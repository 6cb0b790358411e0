/* envelope.c - build the SMTP envelope from arguments, headers and account. */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

int envelope_add_arguments(struct envelope *env, char *const *args, size_t nargs,
                           bool read_recipients, struct outcome *out)
{
	char err[128];

	for (size_t i = 0; i < nargs; i++)
		if (address_list_parse(args[i], strlen(args[i]), &env->rcpts, err, sizeof(err)) < 0)
			return outcome_fail(out, OUTCOME_USAGE, "usage", "invalid recipient '%s': %s",
			                    args[i], err);
	if (!read_recipients && env->rcpts.n == 0)
		return outcome_fail(out, OUTCOME_USAGE, "usage",
		                    "no recipients given (name them as arguments, or use -t)");
	return 0;
}

/* The sender given with -f/-r: an address, "<address>", "Name <address>",
 * or "" / "<>" for the null sender. */
static int parse_sender(const char *text, char **from, struct outcome *out)
{
	struct address_list one = { 0 };
	char err[128];

	if (text[0] == '\0' || strcmp(text, "<>") == 0) {
		*from = strdup("");
		return *from ? 0 : outcome_fail(out, OUTCOME_OS, "usage", "out of memory");
	}
	if (address_list_parse(text, strlen(text), &one, err, sizeof(err)) < 0 || one.n != 1) {
		address_list_free(&one);
		return outcome_fail(out, OUTCOME_USAGE, "usage", "invalid sender address '%s'%s%s",
		                    text, one.n > 1 ? ": more than one address" : ": ",
		                    one.n > 1 ? "" : err);
	}
	*from = one.items[0];
	one.items[0] = NULL;
	one.n = 0;
	address_list_free(&one);
	return 0;
}

int envelope_finish(struct envelope *env, const struct invocation *inv,
                    const struct account *acct, const struct address_list *header_rcpts,
                    struct outcome *out)
{
	if (header_rcpts)
		for (size_t i = 0; i < header_rcpts->n; i++)
			if (address_list_add(&env->rcpts, header_rcpts->items[i]) < 0)
				return env->rcpts.n >= ADDRESS_LIST_MAX
				       ? outcome_fail(out, OUTCOME_BAD_MESSAGE, "message",
				                      "more than %d recipients", ADDRESS_LIST_MAX)
				       : outcome_fail(out, OUTCOME_OS, "message", "out of memory");
	if (env->rcpts.n == 0)
		return outcome_fail(out, OUTCOME_BAD_MESSAGE, "message",
		                    "no recipients: the message has no To, Cc or Bcc address "
		                    "and none was given on the command line");

	if (inv->envelope_from && (acct->allow_from_override || !acct->from))
		return parse_sender(inv->envelope_from, &env->from, out);
	if (acct->from)
		return parse_sender(acct->from, &env->from, out) < 0
		       ? outcome_fail(out, OUTCOME_CONFIG, "config", "%s:%u: account '%s': 'from' is not a valid address",
		                      acct->origin.file ? acct->origin.file : "?", acct->origin.line, acct->name)
		       : 0;
	return outcome_fail(out, OUTCOME_CONFIG, "config",
	                    "no envelope sender: set 'from' in account '%s' or pass -f ADDRESS",
	                    acct->name);
}

void envelope_free(struct envelope *env)
{
	free(env->from);
	env->from = NULL;
	address_list_free(&env->rcpts);
}
