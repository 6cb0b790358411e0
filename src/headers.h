/* headers.h - the header fields postie adds: From, Date, Message-ID.
 *
 * Switchable per account with msmtp's commands: set_from_header, set_date_header,
 * set_msgid_header and undisclosed_recipients. headers_plan() only decides;
 * message.c applies the plan: it drops the flagged fields, then appends
 * `added` at the end of the header section (before the empty line). */
#ifndef POSTIE_HEADERS_H
#define POSTIE_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "outcome.h"

#define HEADERS_MSGID_MAX 256
#define HEADERS_NAME_MAX 256     /* bytes in a full name (-F) */

struct header_policy {
	const char *set_from_header;   /* "auto", "on" or "off"; NULL means "auto" */
	bool set_date;                 /* set_date_header auto (false: off) */
	bool set_msgid;                /* set_msgid_header auto */
	bool undisclosed_recipients;
	const char *from_address;      /* the envelope sender for From: ("" or NULL, the null
	                                * sender: then no From is added) */
	const char *full_name;         /* -F, UTF-8 or NULL */
	const char *msgid_domain;      /* right-hand side for a new Message-ID (NULL: "localhost") */
	time_t now;                    /* for Date: */
};

struct header_plan {
	bool drop_from;                /* remove every From field (set_from_header on) */
	bool drop_recipients;          /* remove To, Cc, Bcc (undisclosed_recipients) */
	char *added;                   /* CRLF-terminated fields to append, malloc'd, or NULL */
	size_t added_len;
	/* The message's Message-ID value: the one found (trimmed, unfolded, cut to
	 * fit) or the one added, "<...>"; "" when there is none. */
	char message_id[HEADERS_MSGID_MAX];
};

/* Decide what to add/drop for the CRLF header section hdr[0..len).
 *
 * set_from_header auto adds From only when the message has no From field; on
 * drops every From field and adds ours; off never touches From. With a null
 * sender (from_address "" or NULL) no From is added and none is dropped.
 * Date and Message-ID are added when enabled and the message has none
 * (Resent-* fields do not count). undisclosed_recipients drops To, Cc and Bcc
 * and adds "To: undisclosed-recipients:;". Added fields are folded at spaces
 * to 78 characters a line where they can be.
 *
 * Failures: a set_from_header value other than auto/on/off -> OUTCOME_CONFIG;
 * a full name that is not valid UTF-8 or holds control characters, or a
 * sender with control characters -> OUTCOME_USAGE; no memory -> OUTCOME_OS.
 * On failure the plan holds nothing to free. */
int headers_plan(const char *hdr, size_t len, const struct header_policy *p,
                 struct header_plan *plan, struct outcome *out);

/* Free `added` and reset the plan; safe on a zeroed or freed plan. */
void headers_plan_free(struct header_plan *plan);

/* ---- pieces, public for tests ---- */

/* A display name for a From field: as is when it is an RFC 5322 atom
 * sequence (atext and spaces), a quoted-string when it is printable ASCII
 * with specials (and when it merely looks like an encoded-word), and RFC 2047
 * encoded-words (UTF-8, "B" or "Q" encoding, whichever is shorter, each
 * encoded-word <= 72 chars so even the first line "From: " + word fits in 78,
 * several separated by CRLF SP folding when long) when not ASCII. Invalid
 * UTF-8 is OUTCOME_USAGE ("the full name given with -F is not valid UTF-8");
 * control characters and a name that does not fit in `size` are
 * OUTCOME_USAGE too. */
int headers_encode_display_name(const char *name, char *buf, size_t size,
                                struct outcome *out);

/* RFC 5322 date-time in the local time zone: "Tue, 01 Dec 2026 14:03:09 +0100"
 * (English day/month names regardless of locale; numeric zone computed from
 * tm_gmtoff). Returns the length written, or 0 when `size` is too small or
 * the time cannot be converted. */
size_t headers_format_date(time_t t, char *buf, size_t size);

/* A new Message-ID "<TIME.RANDOM@domain>": RANDOM is 128 bits from
 * gnutls_rnd(GNUTLS_RND_NONCE) in lower-case base32, TIME the seconds since
 * the epoch. `domain` is used when it is a dot-atom (a non-ASCII name is
 * turned into its A-label form first) and fits in `size`; otherwise
 * "localhost". Failures: no random bytes -> OUTCOME_OS; `size` too small
 * even for localhost -> OUTCOME_INTERNAL. */
int headers_make_message_id(const char *domain, char *buf, size_t size,
                            struct outcome *out);

#endif
