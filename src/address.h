/* address.h - RFC 5322 address lists, reduced to envelope addresses.
 *
 * The parser takes a header field body (To, Cc, Bcc, ... possibly folded) or a
 * command-line argument and yields the addr-spec of every mailbox in it:
 * display names, comments, quoted local parts and groups are understood and
 * dropped; what is left is what goes into MAIL FROM / RCPT TO. */
#ifndef POSTIE_ADDRESS_H
#define POSTIE_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#define ADDRESS_MAX 998   /* longest addr-spec we accept (one header line) */
/* Most addresses one list holds: the recipients of one message. Postfix's
 * default per-message limit too; it also bounds the duplicate check. */
#define ADDRESS_LIST_MAX 1000

struct address_list {
	char **items;       /* heap strings, e.g. "user@example.org" or "\"a b\"@x" */
	size_t n, cap;
};

/* Parse an address list and append every mailbox's addr-spec to `list`
 * (duplicates skipped, see address_list_add). Empty groups and an empty
 * list are fine (nothing appended). Returns 0, or -1 with a short reason
 * ("unbalanced quote", "missing '>'", ...) in err. Line folding (CRLF or LF
 * followed by white space) may be present in `text`. */
int address_list_parse(const char *text, size_t len, struct address_list *list,
                       char *err, size_t errlen);

/* Append `addr` unless an equal address is already there (local part
 * compared exactly, domain case-insensitively). Returns 0, or -1 on ENOMEM
 * or when the list already holds ADDRESS_LIST_MAX addresses. */
int address_list_add(struct address_list *list, const char *addr);

bool address_list_contains(const struct address_list *list, const char *addr);

void address_list_free(struct address_list *list);

/* A host name as DNS and certificates know it: a name with non-ASCII
 * labels converted to its A-label form with libidn2 (IDNA 2008, with the
 * UTS#46 mapping), an ASCII name or an address literal copied as it is.
 * *ascii is malloc'd. Returns 0, or -1 with libidn2's reason in err. */
int address_host_to_ascii(const char *host, char **ascii, char *err, size_t errlen);

/* The well-formed UTF-8 character at s (len > 0 bytes): its length, 1 to
 * 4, with its code point in *code_point; 0 when the bytes there are not
 * one (overlong forms, surrogates, past U+10FFFF, cut short). */
size_t utf8_decode(const unsigned char *s, size_t len, unsigned *code_point);

#endif
