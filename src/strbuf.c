/* strbuf.c - a growing string for the texts postie builds (log records,
 * bounces, envelope files, header fields). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

bool strbuf_reserve(struct strbuf *b, size_t more)
{
	size_t need;

	if (b->failed)
		return false;
	if (more > SIZE_MAX - b->len - 1 || (b->limit && b->len + more + 1 > b->limit)) {
		b->failed = true;
		return false;
	}
	need = b->len + more + 1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *grown;

		while (cap < need)   /* bounded: doubling passes any size_t need */
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		grown = realloc(b->data, cap);
		if (!grown) {
			b->failed = true;
			return false;
		}
		b->data = grown;
		b->cap = cap;
	}
	return true;
}

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (!strbuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void strbuf_free(struct strbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}
