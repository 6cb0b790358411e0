/* header.h - the header scanner: header fields of an RFC 5322 header section
 * held in memory.
 *
 * The text is CRLF lines, as message.c stores them; nothing is copied, a
 * field points into the text it was read from. */
#ifndef POSTIE_HEADER_H
#define POSTIE_HEADER_H

#include <stdbool.h>
#include <stddef.h>

struct header_field {
	const char *name;  size_t name_len;   /* "Subject" */
	const char *value; size_t value_len;  /* after the ':', folding kept, final CRLF excluded */
	const char *raw;   size_t raw_len;    /* the whole field, folded lines and final CRLF included */
};

/* Read the next header field from a CRLF header section starting at *pos.
 * Returns 1 and advances *pos past the field; 0 when the header section ends
 * at *pos (an empty line, a line that is not a field, or the end of text),
 * with *pos left there. */
int header_next(const char *text, size_t len, size_t *pos, struct header_field *f);

/* Case-insensitive field-name comparison. */
bool header_is(const struct header_field *f, const char *name);

/* Is the field any of the NULL-terminated `names`? */
bool header_is_one_of(const struct header_field *f, const char *const *names);

enum header_line {
	LINE_FIELD,     /* "Name:" or the obsolete "Name :" */
	LINE_FOLDED,    /* starts with white space: continues the field above */
	LINE_OTHER,     /* anything else, the empty line included */
	LINE_UNKNOWN,   /* too little of an unfinished line to tell */
};

/* What one line (`len` bytes, maybe unfinished) is to the header section;
 * for a field, *name_len is the name's length and *head that of "Name:".
 * message.c uses it to find where a section still being read ends. */
enum header_line classify_header_line(const char *line, size_t len,
                                      size_t *name_len, size_t *head);

#endif
