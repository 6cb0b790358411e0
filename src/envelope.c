/* envelope.c - build the SMTP envelope from arguments, headers and account. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aliases.h"
#include "envelope.h"
#include "sender.h"

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

int envelope_parse_sender(const char *text, char **addr, struct outcome *out)
{
	struct address_list one = { 0 };
	char err[128] = "";

	if (text[0] == '\0' || strcmp(text, "<>") == 0) {
		*addr = strdup("");
		return *addr ? 0 : outcome_fail(out, OUTCOME_OS, "usage", "out of memory");
	}
	if (address_list_parse(text, strlen(text), &one, err, sizeof(err)) < 0 || one.n != 1) {
		size_t n = one.n;

		address_list_free(&one);
		return outcome_fail(out, OUTCOME_USAGE, "usage", "invalid sender address '%s': %s",
		                    text, n > 1 ? "more than one address" : n == 0 && !err[0]
		                    ? "no address" : err);
	}
	*addr = one.items[0];
	one.items[0] = NULL;
	one.n = 0;
	address_list_free(&one);
	return 0;
}

static bool is_local(const char *addr)
{
	return aliases_is_local(addr);
}

static const char *account_file(const struct account *acct)
{
	return acct->origin.file ? acct->origin.file : "?";
}

/* The account's `from`, expanded; NULL in *addr when it has none. */
static int account_sender(const struct account *acct, char **addr, struct outcome *out)
{
	char *expanded;
	int rc;

	*addr = NULL;
	if (!acct->from)
		return 0;
	if (sender_expand(acct->from, SENDER_MAILNAME_PATH, &expanded, out) < 0)
		return -1;
	if (sender_is_pattern(expanded)) {
		outcome_fail(out, OUTCOME_CONFIG, "config",
		             "%s:%u: account '%s': from '%s' is a pattern, not an address: "
		             "give the sender with -f or --read-envelope-from",
		             account_file(acct), acct->origin.line, acct->name, expanded);
		free(expanded);
		return -1;
	}
	rc = envelope_parse_sender(expanded, addr, out);
	if (rc < 0)
		outcome_fail(out, OUTCOME_CONFIG, "config",
		             "%s:%u: account '%s': from '%s' is not a valid address",
		             account_file(acct), acct->origin.line, acct->name, expanded);
	free(expanded);
	return rc;
}

/* An address put together from parts (a login name, maildomain) must
 * still be one plain address: nothing of the parts may reach SMTP as
 * syntax. On failure *addr is freed. */
static int check_built_address(char **addr, const char *what, const struct account *acct,
                               struct outcome *out)
{
	struct address_list one = { 0 };
	char err[128] = "";
	bool fine = address_list_parse(*addr, strlen(*addr), &one, err, sizeof(err)) == 0 &&
	            one.n == 1 && strcmp(one.items[0], *addr) == 0;

	address_list_free(&one);
	if (fine)
		return 0;
	outcome_fail(out, OUTCOME_CONFIG, "config",
	             "account '%s': %s makes '%s', which is not an address%s%s",
	             acct->name, what, *addr, err[0] ? ": " : "", err);
	free(*addr);
	*addr = NULL;
	return -1;
}

/* A local name, qualified with the account's maildomain: *full malloc'd. */
static int qualify(const char *name, const struct account *acct, char **full,
                   struct outcome *out)
{
	if (asprintf(full, "%s@%s", name, acct->maildomain) < 0) {
		*full = NULL;
		return outcome_fail(out, OUTCOME_OS, "config", "out of memory");
	}
	return check_built_address(full, "maildomain", acct, out);
}

/* auto_from: the login name at the mail domain (or this host's name). */
static int automatic_sender(const struct account *acct, char **addr, struct outcome *out)
{
	char *user = NULL;
	int rc;

	if (sender_expand("%U", SENDER_MAILNAME_PATH, &user, out) < 0)
		return -1;
	if (acct->maildomain) {
		rc = asprintf(addr, "%s@%s", user, acct->maildomain);
	} else {
		char *host = NULL;

		if (sender_expand("%H", SENDER_MAILNAME_PATH, &host, out) < 0) {
			free(user);
			return -1;
		}
		rc = asprintf(addr, "%s@%s", user, host);
		free(host);
	}
	free(user);
	if (rc < 0) {
		*addr = NULL;
		return outcome_fail(out, OUTCOME_OS, "config", "out of memory");
	}
	return check_built_address(addr, "auto_from", acct, out);
}

int envelope_choose_sender(struct envelope *env, const char *given,
                           const struct account *acct, struct outcome *out)
{
	free(env->from);
	env->from = NULL;
	if (given && (acct->allow_from_override || !acct->from)) {
		if (envelope_parse_sender(given, &env->from, out) < 0)
			return -1;
		/* -f root: a sender needs a domain (RFC 5321), as recipients do. */
		if (env->from[0] && is_local(env->from) && acct->maildomain) {
			char *full;

			if (qualify(env->from, acct, &full, out) < 0)
				return -1;
			free(env->from);
			env->from = full;
		}
		return 0;
	}
	if (account_sender(acct, &env->from, out) < 0)
		return -1;
	if (env->from)
		return 0;
	if (acct->auto_from)
		return automatic_sender(acct, &env->from, out);
	return outcome_fail(out, OUTCOME_CONFIG, "config",
	                    "no envelope sender: set 'from' in account '%s' or pass -f ADDRESS",
	                    acct->name);
}

/* Local names left after alias expansion get the account's maildomain; a
 * name that cannot be qualified is refused, all of them named at once. */
static int qualify_local_names(struct address_list *rcpts, const struct account *acct,
                               struct outcome *out)
{
	struct address_list qualified = { 0 };
	char unresolved[OUTCOME_TEXT_MAX / 2] = "";
	size_t used = 0;
	int rc = 0;

	for (size_t i = 0; i < rcpts->n && rc == 0; i++) {
		const char *addr = rcpts->items[i];
		char *full = NULL;

		if (!is_local(addr)) {
			rc = address_list_add(&qualified, addr);
			continue;
		}
		if (!acct->maildomain) {
			if (used < sizeof(unresolved))
				used += (size_t)snprintf(unresolved + used, sizeof(unresolved) - used,
				                         "%s'%s'", used ? ", " : "", addr);
			continue;
		}
		if (qualify(addr, acct, &full, out) < 0) {
			address_list_free(&qualified);
			return -1;
		}
		rc = address_list_add(&qualified, full);
		free(full);
	}
	if (rc < 0) {
		address_list_free(&qualified);
		return outcome_fail(out, OUTCOME_BAD_MESSAGE, "rcpt",
		                    "more than %d recipients", ADDRESS_LIST_MAX);
	}
	if (unresolved[0]) {
		address_list_free(&qualified);
		return outcome_fail(out, OUTCOME_RCPT_REFUSED, "rcpt",
		                    "local recipient %s has no domain: give it an alias in an "
		                    "'aliases' file or set 'maildomain' in account '%s'",
		                    unresolved, acct->name);
	}
	address_list_free(rcpts);
	*rcpts = qualified;
	return 0;
}

static bool has_local_name(const struct address_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		if (is_local(list->items[i]))
			return true;
	return false;
}

static int expand_aliases(struct address_list *rcpts, const struct account *acct,
                          struct outcome *out)
{
	struct aliases *al = NULL;
	struct address_list expanded = { 0 };

	if (!acct->aliases || !has_local_name(rcpts))
		return 0;
	if (aliases_load(acct->aliases, &al, out) < 0)
		return -1;
	if (aliases_expand(al, rcpts, &expanded, out) < 0) {
		aliases_free(al);
		address_list_free(&expanded);
		return -1;
	}
	aliases_free(al);
	address_list_free(rcpts);
	*rcpts = expanded;
	return 0;
}

int envelope_finish_recipients(struct envelope *env, const struct address_list *header_rcpts,
                               const struct account *acct, struct outcome *out)
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
	if (expand_aliases(&env->rcpts, acct, out) < 0)
		return -1;
	if (has_local_name(&env->rcpts))
		return qualify_local_names(&env->rcpts, acct, out);
	return 0;
}

void envelope_free(struct envelope *env)
{
	free(env->from);
	env->from = NULL;
	address_list_free(&env->rcpts);
}
