/* compose_internal.h - what the message builder (compose.c) shares with
 * the checks on its arguments (compose_check.c): a parsed --attach spec, a
 * split --header argument, and the limits both hold the arguments to. Not
 * for other modules: they use compose.h. */
#ifndef POSTIE_COMPOSE_INTERNAL_H
#define POSTIE_COMPOSE_INTERNAL_H

#include <stddef.h>

#include "outcome.h"

#define LINE_OCTETS_MAX 998          /* RFC 5322 2.1.1; longer body lines go out QP */
#define MEDIA_TYPE_MAX 127           /* mime_type_for_name's buffer holds 128 */
#define SHOWN 80                     /* octets of an argument quoted in an error */

/* One --attach "FILE[;type=T/S][;name=N]", parsed and checked. */
struct attachment {
	const char *spec;       /* the argument */
	char *path;             /* the file: everything before ";type=" / ";name=" */
	char *filename;         /* ;name=, else the path's base name (NULL when empty) */
	char *type;             /* ;type=, or NULL */
	int fd;                 /* -1 until compose.c opens the file */
};

/* Split "FILE[;type=T/S][;name=N]" (each key once, case-sensitive; a value
 * runs to the next ';') and check its parts (OUTCOME_USAGE naming the
 * spec). On failure `a` is freed. */
int compose_attachment_parse(const char *spec, struct attachment *a, struct outcome *out);

/* Free what `a` holds and close its file; `a` can be freed again. */
void compose_attachment_free(struct attachment *a);

/* A --header "Name: value" argument, split in place. */
struct header_arg {
	const char *name;
	size_t name_len;
	const char *value;      /* after the colon and any white space */
};

/* -1 when `arg` has no colon. */
int compose_header_split(const char *arg, struct header_arg *h);

/* outcome_fail(out, OUTCOME_OS, step, "out of memory"); returns -1. */
int compose_out_of_memory(struct outcome *out, const char *step);

#endif
