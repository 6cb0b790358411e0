/* fuzz_aliases.c - the aliases file parser (aliases_parse), then the
 * expansion of every name the file defines and of names it does not. */
#include <string.h>

#include "aliases.h"
#include "fuzz.h"

#define NAMES_MAX 16

/* The text before the first ':' of each line that starts a definition,
 * as local names to expand; plus names no file is likely to define, for
 * `default`. */
static void collect_names(const char *text, size_t len, struct address_list *names)
{
	const char *p = text, *end = text + len;

	(void)address_list_add(names, "postmaster");
	(void)address_list_add(names, "no-such-alias");
	while (p < end && names->n < NAMES_MAX) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		char name[128];
		size_t n = colon ? (size_t)(colon - p) : 0;

		if (n > 0 && n < sizeof(name) && p[0] != ' ' && p[0] != '\t' && p[0] != '#') {
			memcpy(name, p, n);
			name[n] = '\0';
			if (strlen(name) == n)
				(void)address_list_add(names, name);
		}
		p = nl ? nl + 1 : end;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct address_list names = { 0 }, result = { 0 };
	struct aliases *al = NULL;
	struct outcome out;

	outcome_clear(&out);
	if (aliases_parse("fuzz.aliases", text, size, &al, &out) < 0) {
		fuzz_assert(al == NULL && out.cls == OUTCOME_CONFIG, "a parse failure of the wrong kind");
		return 0;
	}
	fuzz_assert(al != NULL, "no table after a successful parse");
	(void)aliases_count(al);
	collect_names(text, size, &names);
	outcome_clear(&out);
	if (aliases_expand(al, &names, &result, &out) == 0) {
		fuzz_assert(result.n <= ADDRESS_LIST_MAX, "more results than ADDRESS_LIST_MAX");
		for (size_t i = 0; i < result.n; i++)
			(void)aliases_is_local(result.items[i]);
	} else {
		fuzz_assert(out.cls == OUTCOME_CONFIG || out.cls == OUTCOME_BAD_MESSAGE,
		            "an expansion failure of the wrong kind");
	}
	address_list_free(&result);
	address_list_free(&names);
	aliases_free(al);
	return 0;
}
