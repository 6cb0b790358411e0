/* compose.h - a whole message built from command-line arguments, for
 * alerts from scripts: postie --subject S [--body T | --body-file F]
 * [--attach FILE]... [--header 'N: v']... [--cc A]... [--bcc A]... rcpt...
 *
 * The result is an RFC 5322 + MIME message in a spool file, which then
 * takes the normal send path (message.c reads it with -i semantics). From,
 * Date and Message-ID are not written here: headers.c adds them for every
 * message (the composed one always gets all three). */
#ifndef POSTIE_COMPOSE_H
#define POSTIE_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"

struct compose_request {
	const char *subject;           /* --subject (UTF-8), NULL: no Subject field */
	const char *body;              /* --body text, or NULL */
	const char *body_file;         /* --body-file path, "-" for body_fd; or NULL */
	int body_fd;                   /* stdin: read when body_file is "-", or when neither
	                                  body nor body_file is given and body_fd >= 0
	                                  (the caller passes -1 when stdin is a terminal) */
	const char *charset;           /* --charset: what the body bytes are; NULL: UTF-8,
	                                  and then they must be valid UTF-8 */
	char *const *to;               /* recipient arguments: "a@x", "Name <a@x>", lists */
	size_t nto;
	char *const *cc;               /* --cc, same forms */
	size_t ncc;
	char *const *attachments;      /* --attach "FILE[;type=T/S][;name=NAME]" */
	size_t nattachments;
	char *const *headers;          /* --header "Name: value" */
	size_t nheaders;
	const char *mime_types;        /* mime.types path; NULL: /etc/mime.types */
};

/* Check what can be checked without reading anything, so the caller hears
 * of it before stdin is read (OUTCOME_USAGE, step "usage", naming the
 * argument): a --header that is not one "Name: value" line (CR or LF in
 * it, no colon, an invalid field name, over 998 octets) or that names a
 * field postie writes itself (From, To, Cc, Bcc, Subject, Date,
 * Message-ID, MIME-Version, Content-*, Return-Path, Received, Resent-*:
 * the text says which option to use instead); an --attach spec with an
 * unknown ";key=" part, an empty file name, or a type that is not
 * "type/subtype" or is multipart/... or message/... (those may not be
 * base64-encoded; message/global... may); a --charset that is not a MIME
 * charset token; a subject, recipient or attachment name that is not valid
 * UTF-8 or holds control characters; --body together with --body-file.
 * Recipients (--cc and the address fields of --header: Reply-To, Sender,
 * Mail-Followup-To, Mail-Reply-To, Disposition-Notification-To, Errors-To,
 * Return-Receipt-To) must parse as addresses; a non-ASCII display name must
 * be one "Name <address>" per argument (not in a list, a group name or a
 * comment); display names are at most 256 octets; no run of over 900
 * octets without a space. Other structured --header fields (In-Reply-To,
 * References, List-*, Archived-At, Auto-Submitted, Precedence, Importance,
 * Priority, Sensitivity, Expires) must be ASCII. */
int compose_check(const struct compose_request *req, struct outcome *out);

/* Build the message into a new unlinked temporary file ($TMPDIR or /tmp,
 * mode 0600) and return it in *fd, rewound to 0. Runs compose_check first.
 *
 * Header section, in this order: To (an argument that is one "Name
 * <address>" with the name as an RFC 5322 phrase, RFC 2047-encoded when not
 * ASCII; other arguments as given, with a space after each comma between
 * addresses; folded), Cc, Subject (mime_unstructured_field), the --header
 * fields in the order given (address fields written as recipients are,
 * other structured fields as given, the rest RFC 2047-encoded as
 * unstructured text when not ASCII), MIME-Version: 1.0, then the
 * Content-Type of the message. Lines are folded to 78 octets where white
 * space allows, and a line holding an encoded-word is at most 76.
 * Body text: --body (a final line break added when missing), else the body
 * file or stdin, line endings normalised to CRLF (LF, CRLF and a lone CR
 * each end a line). It is 7bit when all ASCII, 8bit when it has 8-bit
 * bytes, and quoted-printable when a line is over 998 octets; charset is
 * --charset, else utf-8 ("us-ascii" never: utf-8 always).
 * Without attachments the message is that text/plain part alone. With
 * attachments it is multipart/mixed (a random boundary that cannot occur
 * in base64 or quoted-printable text): the text part first (left out when
 * the body is empty), then each attachment in order as base64 with
 * Content-Type (the ;type=, else mime_type_for_name on its name, a
 * multipart/... or message/... type found that way becoming
 * application/octet-stream) with a name parameter, and Content-Disposition:
 * attachment with filename (the ;name=, else the file's base name), both
 * RFC 2231-encoded when not ASCII.
 *
 * A body file or an attachment may be a regular file, a pipe or FIFO
 * (--body-file <(cmd)) or a character device (/dev/stdin), read to its
 * end. Opening a FIFO does not wait for a writer: one that has none at
 * that moment reads as empty.
 *
 * Failures, nothing written anywhere: compose_check's; a body file or an
 * attachment that is missing, unreadable or of another kind (a directory)
 * -> OUTCOME_NO_INPUT naming it; one that cannot be opened for want of
 * system resources (EMFILE, ENFILE, ENOMEM, ...) -> OUTCOME_OS; body text
 * that is not valid UTF-8 without --charset, or holding a NUL byte ->
 * OUTCOME_BAD_MESSAGE (naming the line); temp file trouble ->
 * OUTCOME_CANT_CREATE / OUTCOME_IO. Step "message" (or "usage"). */
int compose_message(const struct compose_request *req, int *fd, struct outcome *out);

#endif
