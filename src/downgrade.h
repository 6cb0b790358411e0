/* downgrade.h - 8-bit MIME text made 7-bit for a server that does not
 * offer 8BITMIME (RFC 6152 section 3 lets the client convert): each MIME
 * leaf part whose body holds 8-bit bytes (or a line over 998 octets) and
 * whose Content-Transfer-Encoding is 8bit, 7bit or absent is re-encoded as
 * quoted-printable (mime_qp_*), its Content-Transfer-Encoding field
 * replaced; multipart bodies are followed part by part (RFC 2046
 * boundaries, nested). Everything else is copied byte for byte. */
#ifndef POSTIE_DOWNGRADE_H
#define POSTIE_DOWNGRADE_H

#include <sys/types.h>

#include "outcome.h"

/* Read the spool (CRLF text, `size` bytes, with pread from 0) and write the
 * 7-bit form to a new unlinked temp file ($TMPDIR or /tmp, 0600), rewound.
 * Returns 1 with *fd / *new_size set (a message with nothing to convert
 * gives a byte-identical copy); 0 (nothing created) when the message
 * cannot be made 7-bit this way: it has no MIME-Version field, 8-bit bytes
 * sit in a header section, a preamble or epilogue, a message/... part, a
 * part already encoded (base64, quoted-printable, ...), inside a multipart
 * declared 8bit, or in a part whose header section no empty line ends; or
 * a part is declared binary. -1 with OUTCOME_CANT_CREATE / OUTCOME_IO
 * (OUTCOME_OS: out of memory), step "data", on a local failure. */
int downgrade_to_7bit(int spool_fd, off_t size, int *fd, off_t *new_size, struct outcome *out);

#endif
