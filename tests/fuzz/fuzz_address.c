/* fuzz_address.c - the RFC 5322 address-list parser (address_list_parse),
 * the UTF-8 decoder, and the IDNA conversion of the domains it yields. */
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "fuzz.h"

static void check_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	char *ascii = NULL, err[128];

	if (!at || strlen(at + 1) > 255)
		return;
	err[0] = '\0';
	if (address_host_to_ascii(at + 1, &ascii, err, sizeof(err)) == 0)
		fuzz_assert(ascii != NULL, "a converted host name that is NULL");
	free(ascii);
}

/* An addr-spec the parser yields is in its canonical spelling: parsed
 * again, it is one address, itself. */
static void check_round_trip(const char *addr)
{
	struct address_list again = { 0 };
	char err[128];

	err[0] = '\0';
	if (address_list_parse(addr, strlen(addr), &again, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz: <%s> does not parse again: %s\n", addr, err);
		abort();
	}
	fuzz_assert(again.n == 1 && strcmp(again.items[0], addr) == 0,
	            "an address that parses to something else");
	address_list_free(&again);
}

static void check_list(const struct address_list *list)
{
	fuzz_assert(list->n <= ADDRESS_LIST_MAX, "more addresses than ADDRESS_LIST_MAX");
	for (size_t i = 0; i < list->n; i++) {
		const char *addr = list->items[i];

		fuzz_assert(strlen(addr) > 0, "an empty address");
		fuzz_assert(strlen(addr) <= ADDRESS_MAX, "an address longer than ADDRESS_MAX");
		fuzz_assert(address_list_contains(list, addr), "an address not in its own list");
		check_round_trip(addr);
		check_domain(addr);
	}
}

static void check_utf8(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < size;) {
		unsigned cp = 0;
		size_t n = utf8_decode(data + i, size - i, &cp);

		fuzz_assert(n <= 4 && n <= size - i, "utf8_decode went past its input");
		if (n)
			fuzz_assert(cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff),
			            "utf8_decode returned a code point that is not one");
		i += n ? n : 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct address_list list = { 0 };
	char err[128];

	err[0] = '\0';
	if (address_list_parse((const char *)data, size, &list, err, sizeof(err)) == 0)
		check_list(&list);
	else
		fuzz_assert(memchr(err, '\0', sizeof(err)), "error text not terminated");
	address_list_free(&list);
	check_utf8(data, size);
	return 0;
}
