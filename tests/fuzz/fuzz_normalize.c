/* fuzz_normalize.c - the line-ending normaliser and dot-stuffing, with the
 * differential property as the assertion: the wire, un-stuffed, is the
 * input with its line endings normalised (wire_check.h's reference), and
 * no line of it is a lone "." before the end.
 *
 * The input is byte 0: bit 0 for -i, bytes 1-4: the seed that cuts the
 * text into blocks for both stages, then the text. */
#include <stdbool.h>
#include <string.h>

#include "message.h"
#include "fuzz.h"
#include "../unit/wire_check.h"

#define HEADER_BYTES 5

static size_t next_block(struct fuzz_rng *rng, size_t left)
{
	size_t n;

	switch (fuzz_next(rng) % 4) {
	case 0: n = 1; break;
	case 1: n = 1 + fuzz_next(rng) % 4; break;
	case 2: n = 1 + fuzz_next(rng) % 64; break;
	default: n = left; break;
	}
	return n < left ? n : left;
}

static size_t normalise(const char *in, size_t len, bool ignore_dots,
                        struct fuzz_rng *rng, char *out)
{
	struct normalizer nz;
	size_t used = 0, o = 0;

	normalizer_init(&nz, ignore_dots);
	while (used < len && !nz.ended) {
		size_t n = next_block(rng, len - used), consumed;

		o += normalizer_feed(&nz, in + used, n, out + o, &consumed);
		fuzz_assert(consumed <= n, "consumed more than fed");
		fuzz_assert(consumed == n || nz.ended, "stopped early without the end marker");
		used += consumed;
	}
	return o + normalizer_finish(&nz, out + o);
}

static size_t dotstuff(const char *in, size_t len, struct fuzz_rng *rng, char *out)
{
	bool at_line_start = true;
	size_t used = 0, o = 0;

	while (used < len) {
		size_t n = next_block(rng, len - used);

		o += message_dotstuff(in + used, n, &at_line_start, out + o);
		used += n;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + HEADER_BYTES;
	size_t len, spool_len, wire_len, want_len, plain_len;
	struct fuzz_rng rng;
	char *spool, *wire, *want, *plain;
	bool ignore_dots;
	const char *fault;

	if (size < HEADER_BYTES)
		return 0;
	len = size - HEADER_BYTES;
	ignore_dots = data[0] & 1;
	memcpy(&rng.state, data + 1, sizeof(rng.state));

	spool = malloc(2 * len + 4);
	wire = malloc(4 * len + 8);
	want = malloc(2 * len + 2);
	plain = malloc(4 * len + 8);
	fuzz_assert(spool && wire && want && plain, "out of memory");

	spool_len = normalise(text, len, ignore_dots, &rng, spool);
	wire_len = dotstuff(spool, spool_len, &rng, wire);
	fault = wire_fault(wire, wire_len);
	if (fault) {
		fprintf(stderr, "fuzz: the wire holds %s\n", fault);
		abort();
	}
	plain_len = wire_unstuff(wire, wire_len, plain);
	want_len = wire_reference(text, len, ignore_dots, want);
	fuzz_assert(spool_len == want_len && memcmp(spool, want, want_len) == 0,
	            "the spool is not the reference normalisation");
	fuzz_assert(plain_len == want_len && memcmp(plain, want, want_len) == 0,
	            "the wire, un-stuffed, is not the reference normalisation");

	free(spool);
	free(wire);
	free(want);
	free(plain);
	return 0;
}
