/* account.c - choose the account a message goes out through, and say
 * plainly why when there is none or it cannot be used yet. */
#include <stdio.h>
#include <string.h>

#include "account.h"

#define STEP "config"

int account_select(const struct config *cfg, const char *name,
                   const struct account **chosen, struct outcome *out)
{
	const struct account *acct;

	*chosen = NULL;
	if (!cfg->path) {
		char searched[OUTCOME_TEXT_MAX];

		config_describe_search(searched, sizeof(searched));
		return outcome_fail(out, OUTCOME_CONFIG, STEP,
		                    "no configuration file found (looked for %s)", searched);
	}
	if (name) {
		acct = config_find(cfg, name);
		if (!acct)
			return outcome_fail(out, OUTCOME_CONFIG, STEP,
			                    "account '%s' not found in %s", name, cfg->path);
	} else {
		acct = config_find(cfg, "default");
		if (!acct)
			return outcome_fail(out, OUTCOME_CONFIG, STEP,
			                    "no account chosen: %s has no 'account default' "
			                    "(use -a NAME or add 'account default : NAME')",
			                    cfg->path);
	}
	*chosen = acct;
	return 0;
}

int account_check(const struct account *acct, struct outcome *out)
{
	if (!acct->host || !acct->host[0])
		return outcome_fail(out, OUTCOME_CONFIG, STEP, "%s:%u: account '%s' has no 'host'",
		                    acct->origin.file ? acct->origin.file : "(config)",
		                    acct->origin.line, acct->name ? acct->name : "");
	/* Parsed fine, but needs something this version cannot do: say so only
	 * now, for the account actually used, so other accounts keep working. */
	if (acct->unsupported[0])
		return outcome_fail(out, OUTCOME_CONFIG, STEP, "%s", acct->unsupported);
	return 0;
}

int account_port(const struct account *acct)
{
	if (acct->port > 0)
		return acct->port;
	if (acct->protocol == PROTOCOL_LMTP)
		return 2003;
	if (acct->tls == TLS_SETTING_ON)
		return acct->tls_starttls ? 587 : 465;
	return 25;
}
