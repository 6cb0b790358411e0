/* compose_internal.h - what the message builder (compose.c) shares with
 * the checks on its arguments (compose_check.c): a parsed --attach spec, a
 * split --header argument, and the limits both hold the arguments to. Not
 * for other modules: they use compose.h. */
#ifndef POSTIE_COMPOSE_INTERNAL_H
#define POSTIE_COMPOSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "compose.h"
#include "outcome.h"
#include "strbuf.h"

#define LINE_OCTETS_MAX 998          /* RFC 5322 2.1.1; longer body lines go out QP */
#define MEDIA_TYPE_MAX 127           /* mime_type_for_name's buffer holds 128 */
#define SHOWN 80                     /* octets of an argument quoted in an error */
#define DISPLAY_NAME_MAX 256         /* as for -F (headers.c); no real name is longer */
/* Octets a recipient may hold without a place to fold (white space, or a
 * comma between addresses): with the field name before it, its line stays
 * within RFC 5322's 998. */
#define ADDRESS_PIECE_MAX 900

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

/* A media type that must not be base64-encoded: multipart/... and
 * message/... (RFC 2045 6.4, RFC 2046 5.2), but message/global... (RFC
 * 6532 3.5 allows it). */
bool compose_type_is_composite(const char *type);

/* ---- header fields (compose_header.c) ---- */

/* How a --header field's value is written: unstructured text encoded as
 * RFC 2047 needs; addresses as recipients are (Reply-To, Sender, ...);
 * other structured fields (In-Reply-To, References, List-*, ...) as ASCII
 * only. */
enum field_kind { FIELD_UNSTRUCTURED, FIELD_ADDRESS, FIELD_STRUCTURED };
enum field_kind compose_field_kind(const char *name, size_t len);

/* A recipient argument that is one "Name <address>" (white space around
 * it aside): the name, unquoted when it was one quoted-string (malloc'd),
 * and the "<address>". 1 when it is, 0 when not, -1 out of memory. */
struct named_mailbox {
	char *name;
	const char *angle;
	size_t angle_len;
};
int compose_named_mailbox(const char *arg, struct named_mailbox *m);

/* What an address argument written as given holds besides addresses. */
struct address_scan {
	bool non_ascii_name;    /* an 8-bit byte in a display name, group name or comment */
	size_t longest_name;    /* octets of its longest display or group name */
	size_t longest_piece;   /* octets of its longest run without a place to fold */
};
void compose_address_scan(const char *text, size_t len, struct address_scan *scan);

/* The header section, checked arguments assumed (compose_check): To, Cc,
 * Subject, the --header fields, MIME-Version. */
int compose_header_section(struct strbuf *b, const struct compose_request *req,
                           struct outcome *out);

/* outcome_fail(out, OUTCOME_OS, step, "out of memory"); returns -1. */
int compose_out_of_memory(struct outcome *out, const char *step);

#endif
