/* fuzz.h - what every libFuzzer harness of postie shares.
 *
 * A harness defines LLVMFuzzerTestOneInput(); a broken invariant aborts
 * with a message, which libFuzzer reports as a crash and saves the input. */
#ifndef POSTIE_FUZZ_H
#define POSTIE_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define fuzz_assert(cond, what) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz: %s:%d: %s\n", __FILE__, __LINE__, (what)); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small deterministic generator: block sizes and flags from the input,
 * so a saved crash replays the same way. */
struct fuzz_rng {
	uint32_t state;
};

static inline uint32_t fuzz_next(struct fuzz_rng *r)
{
	/* xorshift32; a zero state would stay zero */
	uint32_t x = r->state ? r->state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	r->state = x;
	return x;
}

#endif
