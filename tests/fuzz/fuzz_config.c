/* fuzz_config.c - the dotfile parser (config_parse) on any text.
 *
 * Only config.c and config_command.c are linked (see fuzz.sh): the parser
 * stores `passwordeval` as text and nothing here can run it. */
#include <string.h>

#include "config.h"
#include "fuzz.h"

/* Every account the parser returns is complete and can be found by name. */
static void check_accounts(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->naccounts; i++) {
		const struct account *a = &cfg->accounts[i];

		fuzz_assert(a->name != NULL, "an account without a name");
		fuzz_assert(config_find(cfg, a->name) != NULL, "an account not found by its name");
		fuzz_assert(a->timeout > 0, "a timeout that is not positive");
		fuzz_assert(memchr(a->unsupported, '\0', sizeof(a->unsupported)),
		            "unsupported[] not terminated");
		if (a->queue_max_age)
			(void)config_parse_duration(a->queue_max_age);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct outcome out;
	char word[64];

	outcome_clear(&out);
	if (config_parse("fuzz.conf", (const char *)data, size, &cfg, &out) == 0) {
		check_accounts(&cfg);
		if (config_add_account(&cfg, "fuzz-added", &out))
			(void)config_find(&cfg, "fuzz-added");
		config_free(&cfg);
	} else {
		fuzz_assert(out.cls != OUTCOME_OK, "a failure without an outcome");
		fuzz_assert(memchr(out.text, '\0', sizeof(out.text)), "outcome text not terminated");
	}

	/* The duration syntax on its own, from the start of the input. */
	size_t n = size < sizeof(word) - 1 ? size : sizeof(word) - 1;
	memcpy(word, data, n);
	word[n] = '\0';
	(void)config_parse_duration(word);
	return 0;
}
