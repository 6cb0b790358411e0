/* wire_check.h - the differential check of what goes on the wire in DATA.
 *
 * Shared by tests/unit/test_wire.c and tests/fuzz/fuzz_normalize.c: a
 * reference normalisation written straight from the message rules
 * (DESIGN.md), an un-stuffer, and the checks a wire text must pass. Kept
 * simple on purpose: it is the slow, obvious version the streaming code in
 * message.c is compared with. */
#ifndef POSTIE_WIRE_CHECK_H
#define POSTIE_WIRE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The input as the spool must hold it: lines end at LF, CRLF or a lone CR
 * and are stored with CRLF; an unfinished last line is finished; without
 * -i a line of just "." ends the input and is dropped with everything after
 * it. `out` needs room for 2 * len + 2 bytes. Returns bytes written. */
static inline size_t wire_reference(const char *in, size_t len, bool ignore_dots,
                                    char *out)
{
	size_t i = 0, o = 0;

	while (i < len) {
		size_t start = i, n;

		while (i < len && in[i] != '\r' && in[i] != '\n')
			i++;
		n = i - start;
		if (!ignore_dots && n == 1 && in[start] == '.')
			break;
		memcpy(out + o, in + start, n);
		o += n;
		out[o++] = '\r';
		out[o++] = '\n';
		if (i < len)
			i += (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n') ? 2 : 1;
	}
	return o;
}

/* Undo dot-stuffing: drop the first byte of every line that starts with
 * '.'. `out` needs room for len bytes. Returns bytes written. */
static inline size_t wire_unstuff(const char *in, size_t len, char *out)
{
	size_t o = 0;
	bool line_start = true;

	for (size_t i = 0; i < len; i++) {
		if (!(line_start && in[i] == '.'))
			out[o++] = in[i];
		line_start = in[i] == '\n';
	}
	return o;
}

/* NULL when `wire` is a sound DATA body: every CR and LF are the halves of
 * one CRLF, it is empty or ends with CRLF, and no line is a lone "." (the
 * end of data, CRLF.CRLF, counting the CRLF that ended the DATA command).
 * Otherwise what is wrong with it. */
static inline const char *wire_fault(const char *wire, size_t len)
{
	bool line_start = true;

	for (size_t i = 0; i < len; i++) {
		if (wire[i] == '\r' && (i + 1 == len || wire[i + 1] != '\n'))
			return "a CR that is not part of CRLF";
		if (wire[i] == '\n' && (i == 0 || wire[i - 1] != '\r'))
			return "an LF that is not part of CRLF";
		if (line_start && wire[i] == '.' && i + 1 < len && wire[i + 1] == '\r')
			return "a line of a single '.' (CRLF.CRLF) before the end";
		line_start = wire[i] == '\n';
	}
	if (len > 0 && !line_start)
		return "the last line is not finished with CRLF";
	return NULL;
}

#endif
