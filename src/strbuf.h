/* strbuf.h - a growing, always NUL-terminated string. A failed allocation
 * (or passing `limit`) sticks: later appends do nothing, so a builder
 * checks `failed` once at the end. */
#ifndef POSTIE_STRBUF_H
#define POSTIE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *data;          /* NULL until something is added */
	size_t len, cap;
	bool failed;
	size_t limit;        /* most bytes it may hold; 0: no limit of its own */
};

/* Room for `more` bytes after len (and the NUL), for a writer that fills
 * data + len itself and then advances len. false once failed. */
bool strbuf_reserve(struct strbuf *b, size_t more);
void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_free(struct strbuf *b);

#endif
