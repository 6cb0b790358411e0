/* test_wire.c - the differential check of what goes on the wire in DATA.
 *
 * For many random byte strings (seeded, so every run is the same; rich in
 * '.', CR and LF, no NUL), the normaliser fed in random blocks and then
 * dot-stuffing in random blocks must give a wire that, un-stuffed, is the
 * input with its line endings normalised as wire_check.h's reference does
 * it, and no line of the wire is a lone "." before the end: nothing in a
 * message can end DATA early or smuggle a second message. With and
 * without -i. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "tap.h"
#include "wire_check.h"

#define RANDOM_INPUTS 20000
#define LONG_INPUTS 20
#define LONG_INPUT_MAX (256 * 1024)
#define SEED UINT64_C(0x5eed0f0057e1e)

struct rng {
	uint64_t state;
};

static uint32_t rng_next(struct rng *r)
{
	/* xorshift64* */
	r->state ^= r->state >> 12;
	r->state ^= r->state << 25;
	r->state ^= r->state >> 27;
	return (uint32_t)((r->state * UINT64_C(2685821657736338717)) >> 32);
}

static size_t rng_below(struct rng *r, size_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* A byte for the input: mostly the ones line endings and stuffing are
 * about, sometimes anything but NUL. */
static char random_byte(struct rng *r)
{
	static const char special[] = ".\r\n.\r\n. ";

	if (rng_below(r, 4) == 0)
		return (char)(1 + rng_below(r, 255));
	if (rng_below(r, 3) == 0)
		return (char)('a' + rng_below(r, 3));
	return special[rng_below(r, sizeof(special) - 1)];
}

/* Block sizes of every kind: single bytes, small, large, the rest. */
static size_t random_block(struct rng *r, size_t left)
{
	size_t n;

	switch (rng_below(r, 4)) {
	case 0: n = 1; break;
	case 1: n = 1 + rng_below(r, 3); break;
	case 2: n = 1 + rng_below(r, 100); break;
	default: n = left; break;
	}
	return n < left ? n : left;
}

/* The buffers one check needs, sized for the longest input. */
struct buffers {
	char *input, *spool, *wire, *plain, *want;
};

static bool buffers_init(struct buffers *b, size_t max)
{
	b->input = malloc(max);
	b->spool = malloc(2 * max + 4);
	b->wire = malloc(4 * max + 8);
	b->plain = malloc(4 * max + 8);
	b->want = malloc(2 * max + 2);
	return b->input && b->spool && b->wire && b->plain && b->want;
}

static void buffers_free(struct buffers *b)
{
	free(b->input);
	free(b->spool);
	free(b->wire);
	free(b->plain);
	free(b->want);
}

static size_t normalise(struct rng *r, const char *in, size_t len, bool ignore_dots,
                        char *out)
{
	struct normalizer nz;
	size_t used = 0, o = 0;

	normalizer_init(&nz, ignore_dots);
	while (used < len && !nz.ended) {
		size_t n = random_block(r, len - used), consumed;

		o += normalizer_feed(&nz, in + used, n, out + o, &consumed);
		used += consumed;
	}
	return o + normalizer_finish(&nz, out + o);
}

static size_t dotstuff(struct rng *r, const char *in, size_t len, char *out)
{
	bool at_line_start = true;
	size_t used = 0, o = 0;

	while (used < len) {
		size_t n = random_block(r, len - used);

		o += message_dotstuff(in + used, n, &at_line_start, out + o);
		used += n;
	}
	return o;
}

/* Show text with control bytes escaped, for the first failure. */
static void show(const char *label, const char *text, size_t len)
{
	printf("#   %s (%zu bytes): \"", label, len);
	for (size_t i = 0; i < len && i < 300; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\r')
			printf("\\r");
		else if (c == '\n')
			printf("\\n");
		else if (c < 32 || c >= 127)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf("%s\"\n", len > 300 ? "..." : "");
}

/* One input through the whole path. Returns NULL or what went wrong. */
static const char *check_one(struct rng *r, struct buffers *b, size_t len, bool ignore_dots)
{
	size_t spool_len = normalise(r, b->input, len, ignore_dots, b->spool);
	size_t wire_len = dotstuff(r, b->spool, spool_len, b->wire);
	size_t plain_len = wire_unstuff(b->wire, wire_len, b->plain);
	size_t want_len = wire_reference(b->input, len, ignore_dots, b->want);
	const char *fault = wire_fault(b->wire, wire_len);

	if (fault)
		return fault;
	if (spool_len != want_len || memcmp(b->spool, b->want, want_len) != 0)
		return "the spool is not the reference normalisation";
	if (plain_len != want_len || memcmp(b->plain, b->want, want_len) != 0)
		return "the wire, un-stuffed, is not the reference normalisation";
	return NULL;
}

/* `count` random inputs of up to `max_len` bytes; one test point. */
static void check_random(struct rng *r, struct buffers *b, int count, size_t max_len,
                         bool ignore_dots, const char *what)
{
	int failures = 0;

	for (int i = 0; i < count; i++) {
		size_t len = rng_below(r, max_len + 1);
		const char *why;

		for (size_t j = 0; j < len; j++)
			b->input[j] = random_byte(r);
		why = check_one(r, b, len, ignore_dots);
		if (why && failures++ == 0) {
			printf("# input %d: %s\n", i, why);
			show("input", b->input, len);
		}
	}
	ok(failures == 0, "%d %s%s: the wire un-stuffs to the normalised input, no early end",
	   count, what, ignore_dots ? " with -i" : "");
	if (failures)
		printf("#   %d of %d inputs failed\n", failures, count);
}

/* Inputs a person would try first, each in many block splits. */
static void check_fixed(struct rng *r, struct buffers *b)
{
	static const char *const inputs[] = {
		"", ".", "..", ".\r", ".\n", ".\r\n", "\r.\r", "\n.\n", "\r\n.\r\n",
		"a\n.\nb", "a\r.\rb", "a\r\n.\r\nb", "a\r\r\n.\r\r\n", ".a\r\n..\r\n...",
		"x\r", "x\r\r", "\r\n\r\n", "\n\r", ".\r.\n.", "From: a@x\n\n.\n",
	};
	int failures = 0;

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		size_t len = strlen(inputs[i]);

		memcpy(b->input, inputs[i], len);
		for (int split = 0; split < 50; split++) {
			for (int dots = 0; dots < 2; dots++) {
				const char *why = check_one(r, b, len, dots);

				if (why && failures++ == 0) {
					printf("# %s%s\n", why, dots ? " (-i)" : "");
					show("input", inputs[i], len);
				}
			}
		}
	}
	ok(failures == 0, "hand-picked inputs in 50 block splits each, with and without -i");
}

int main(void)
{
	struct rng r = { SEED };
	struct buffers b;

	if (!buffers_init(&b, LONG_INPUT_MAX)) {
		ok(0, "buffers");
		return tap_done();
	}
	printf("# seed %#llx\n", (unsigned long long)SEED);
	check_fixed(&r, &b);
	check_random(&r, &b, RANDOM_INPUTS, 64, false, "short random inputs");
	check_random(&r, &b, RANDOM_INPUTS, 64, true, "short random inputs");
	check_random(&r, &b, RANDOM_INPUTS, 2000, false, "random inputs");
	check_random(&r, &b, RANDOM_INPUTS, 2000, true, "random inputs");
	check_random(&r, &b, LONG_INPUTS, LONG_INPUT_MAX, false, "long random inputs");
	check_random(&r, &b, LONG_INPUTS, LONG_INPUT_MAX, true, "long random inputs");
	buffers_free(&b);
	return tap_done();
}
