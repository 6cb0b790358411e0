/* test_flush.c - the retry schedule of the queue (flush_retry_delay). */
#include <stdio.h>

#include "flush.h"
#include "tap.h"

struct delay_case {
	const char *name;
	const char *retry;    /* the account's queue_retry, NULL for none */
	unsigned attempts;
	long want;            /* seconds */
};

static const struct delay_case cases[] = {
	/* the default: 1m 2m 5m 10m 20m 40m 1h, the last repeating */
	{ "default, before any attempt", NULL, 0, 60 },
	{ "default, after the first failure", NULL, 1, 60 },
	{ "default, after the second", NULL, 2, 120 },
	{ "default, third", NULL, 3, 300 },
	{ "default, fourth", NULL, 4, 600 },
	{ "default, fifth", NULL, 5, 1200 },
	{ "default, sixth", NULL, 6, 2400 },
	{ "default, seventh: the last step", NULL, 7, 3600 },
	{ "default, the last step repeats", NULL, 8, 3600 },
	{ "default, long after", NULL, 1000, 3600 },
	{ "default, the largest count", NULL, ~0u, 3600 },

	/* a list of its own */
	{ "custom, first", "30s 5m 2h", 1, 30 },
	{ "custom, second", "30s 5m 2h", 2, 300 },
	{ "custom, third", "30s 5m 2h", 3, 7200 },
	{ "custom, last repeats", "30s 5m 2h", 9, 7200 },
	{ "plain seconds", "90", 1, 90 },
	{ "days and weeks", "1d 1w", 2, 604800 },
	{ "one step", "15m", 50, 900 },
	{ "extra white space", "  1m \t 3m  ", 2, 180 },
	{ "tab separated", "1m\t4m", 2, 240 },

	/* what config.c would refuse falls back to the default schedule */
	{ "empty list", "", 1, 60 },
	{ "only spaces", "   ", 3, 300 },
	{ "not a duration", "soon", 2, 120 },
	{ "one bad step spoils the list", "1m later 5m", 2, 120 },
	{ "a negative number", "-5m", 1, 60 },
	{ "a word too long to be a duration", "1111111111111111111111111111111111111111m", 1, 60 },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct delay_case *c = &cases[i];

		is_int(flush_retry_delay(c->retry, c->attempts), c->want, "%s (\"%s\", %u)", c->name,
		       c->retry ? c->retry : "(default)", c->attempts);
	}
	/* More steps than the parser keeps: the kept ones still apply. */
	{
		char many[1024] = "";
		size_t used = 0;

		for (int i = 1; i <= 100 && used + 8 < sizeof(many); i++)
			used += (size_t)snprintf(many + used, sizeof(many) - used, "%ds ", i);
		is_int(flush_retry_delay(many, 10), 10, "a long list: the tenth step");
		ok(flush_retry_delay(many, 1000) > 0, "a long list: far past its end still a delay");
	}
	return tap_done();
}
