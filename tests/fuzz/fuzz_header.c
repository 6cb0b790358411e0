/* fuzz_header.c - the header scanner (header_next, classify_header_line)
 * over any header section, and -t's use of it: the address fields it
 * finds go through address_list_parse as message.c does. */
#include <string.h>

#include "address.h"
#include "header.h"
#include "fuzz.h"

static void check_field(const char *text, size_t len, size_t start, size_t end,
                        const struct header_field *f)
{
	const char *lo = text + start, *hi = text + end;

	fuzz_assert(end > start && end <= len, "header_next did not advance within the text");
	fuzz_assert(f->raw == lo && f->raw_len == end - start, "raw is not the field read");
	fuzz_assert(f->name == lo && f->name_len > 0, "a field without a name");
	fuzz_assert(f->name + f->name_len <= f->value, "the name runs into the value");
	fuzz_assert(f->value >= lo && f->value + f->value_len <= hi, "the value is outside the field");
	fuzz_assert(memchr(f->name, ':', f->name_len) == NULL, "a ':' inside a field name");
}

/* Every prefix of the first line classifies consistently: once a prefix
 * is known to be a field, a longer prefix says the same. */
static void check_prefixes(const char *text, size_t len)
{
	enum header_line seen = LINE_UNKNOWN;
	size_t limit = len < 200 ? len : 200;

	for (size_t i = 0; i <= limit; i++) {
		size_t name_len = 0, head = 0;
		enum header_line kind = classify_header_line(text, i, &name_len, &head);

		if (kind == LINE_FIELD)
			fuzz_assert(name_len > 0 && head > name_len && head <= i,
			            "a field whose name or head is out of the line");
		if (seen != LINE_UNKNOWN)
			fuzz_assert(kind == seen, "a longer prefix changed its kind");
		seen = kind;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const recipients[] = { "To", "Cc", "Bcc", "Resent-To",
	                                          "Resent-Cc", "Resent-Bcc", NULL };
	const char *text = (const char *)data;
	struct address_list rcpts = { 0 };
	struct header_field f;
	size_t pos = 0;

	for (;;) {
		size_t start = pos;
		char err[128];

		if (!header_next(text, size, &pos, &f)) {
			fuzz_assert(pos == start, "header_next moved at the end of the section");
			break;
		}
		check_field(text, size, start, pos, &f);
		if (header_is_one_of(&f, recipients))
			(void)address_list_parse(f.value, f.value_len, &rcpts, err, sizeof(err));
	}
	address_list_free(&rcpts);
	check_prefixes(text, size);
	return 0;
}
