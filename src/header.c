/* header.c - the header scanner: header fields of an RFC 5322 header section
 * held in memory. */
#include <string.h>

#include "header.h"

/* RFC 5322 ftext: printable US-ASCII except ':'. */
static bool is_field_name_char(char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* What a line is to the header section. `*head` is set, for a field, to the
 * length of "Name:" (with any obsolete blanks before the colon) and
 * `*name_len` to the name alone. A complete line (ending in CRLF) is never
 * LINE_UNKNOWN, since CR is neither a name character nor a blank. */
enum header_line classify_header_line(const char *line, size_t len,
                                      size_t *name_len, size_t *head)
{
	size_t i = 0, name;

	if (len == 0)
		return LINE_UNKNOWN;
	if (is_wsp(line[0]))
		return LINE_FOLDED;
	while (i < len && is_field_name_char(line[i]))
		i++;
	if (i == 0)
		return LINE_OTHER;
	name = i;
	while (i < len && is_wsp(line[i]))
		i++;
	if (i == len)
		return LINE_UNKNOWN;
	if (line[i] != ':')
		return LINE_OTHER;
	*name_len = name;
	*head = i + 1;
	return LINE_FIELD;
}

/* Offset just past the LF ending the line at `pos`, or `len`. */
static size_t line_end(const char *text, size_t len, size_t pos)
{
	const char *lf = memchr(text + pos, '\n', len - pos);

	return lf ? (size_t)(lf + 1 - text) : len;
}

int header_next(const char *text, size_t len, size_t *pos, struct header_field *f)
{
	size_t start = *pos, name_len = 0, head = 0, end, value_end;

	if (start >= len)
		return 0;
	if (classify_header_line(text + start, len - start, &name_len, &head) != LINE_FIELD)
		return 0;

	end = line_end(text, len, start);
	while (end < len && is_wsp(text[end]))
		end = line_end(text, len, end);

	/* The value excludes the line break that closes the field. */
	value_end = end;
	if (value_end > start + head && text[value_end - 1] == '\n') {
		value_end--;
		if (value_end > start + head && text[value_end - 1] == '\r')
			value_end--;
	}

	f->name = text + start;
	f->name_len = name_len;
	f->value = text + start + head;
	f->value_len = value_end - (start + head);
	f->raw = text + start;
	f->raw_len = end - start;
	*pos = end;
	return 1;
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool header_is(const struct header_field *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->name_len; i++)
		if (name[i] == '\0' || ascii_lower(f->name[i]) != ascii_lower(name[i]))
			return false;
	return name[i] == '\0';
}

bool header_is_one_of(const struct header_field *f, const char *const *names)
{
	for (; *names; names++)
		if (header_is(f, *names))
			return true;
	return false;
}
