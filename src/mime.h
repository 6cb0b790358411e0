/* mime.h - the MIME pieces a composed message needs: RFC 2047 encoded-words
 * for header text, RFC 2231 parameters for file names (both in
 * mime_header.c), base64 (GnuTLS's) and quoted-printable bodies (RFC 2045),
 * multipart boundaries, media types from mime.types, and the checks on
 * what a caller hands us (UTF-8, field names) (mime.c).
 *
 * Everything appends to a struct strbuf (strbuf.h); a builder checks
 * `failed` once at the end. Output lines end in CRLF. */
#ifndef POSTIE_MIME_H
#define POSTIE_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define MIME_LINE_MAX 78        /* where header fields are folded */
#define MIME_WORD_LINE_MAX 76   /* RFC 2047 2: a line that holds an encoded-word */
#define MIME_BASE64_LINE 76     /* base64 characters per body line */
#define MIME_BASE64_CHUNK 57    /* input bytes per base64 body line */

/* ---- checks ---- */

/* Is s[0..len) valid UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF)? */
bool mime_utf8_valid(const char *s, size_t len);

/* Streaming form of the same check, for a body read in blocks: start with
 * a zeroed state, feed every block, then ask mime_utf8_stream_done(). */
struct mime_utf8_stream {
	unsigned char held[3];  /* a character cut short by the end of the last block */
	unsigned nheld;         /* bytes of it held, 0 to 3 */
	bool bad;
};
void mime_utf8_stream_feed(struct mime_utf8_stream *st, const char *s, size_t len);
bool mime_utf8_stream_done(const struct mime_utf8_stream *st);  /* true: all valid */

/* An RFC 5322 field name: 1 to 76 printable ASCII characters other than
 * ':' (and no space). */
bool mime_field_name_valid(const char *name, size_t len);

/* ---- header fields ---- */

/* Append text at column *col of a field's line (*col: its length so far),
 * breaking (CRLF) before a run of spaces or tabs wherever the line would
 * pass MIME_LINE_MAX; never before the first word, and never so that a
 * line holds white space only. A word longer than a line stays whole.
 * *col is updated. For text that needs no encoding (the caller knows). */
void mime_folded_words(struct strbuf *out, size_t *col, const char *text, size_t len);

/* Append "Name: value\r\n" for an unstructured field (Subject, Comments, an
 * X- field). Printable ASCII text is kept and folded at spaces to
 * MIME_LINE_MAX where it can be. Text with any other byte (it must be valid
 * UTF-8; tabs count as spaces), or text that would be read as an
 * encoded-word ("=?"), is written as RFC 2047 encoded-words of whole UTF-8
 * characters, charset UTF-8, "B" or "Q" whichever is shorter, each word at
 * most 75 characters, folded between words so that no line holding a word
 * passes MIME_WORD_LINE_MAX. Returns -1 only when `value` is not valid
 * UTF-8 (nothing is appended then). */
int mime_unstructured_field(struct strbuf *out, const char *name, const char *value,
                            size_t len);

/* Append a display name (an RFC 5322 phrase): as it is when it is atoms and
 * spaces, a quoted-string when printable ASCII with specials, else RFC 2047
 * encoded-words as above (folded with CRLF SP between words), sized for a
 * name that follows "From: " (first word at most 70 characters, lines at
 * most MIME_WORD_LINE_MAX); ASCII forms are not folded. -1 when it is not
 * valid UTF-8 or holds a control character (nothing appended then). */
int mime_phrase(struct strbuf *out, const char *name, size_t len);

/* The same at column *col of a field's line, updated: encoded-words sized
 * to the room left (the first one moves to a new line when not even one
 * character would fit), ASCII forms folded as mime_folded_words does. */
int mime_phrase_at(struct strbuf *out, size_t *col, const char *name, size_t len);

/* Append a MIME parameter "; name=value" (RFC 2045), quoted when it is not
 * a token or holds '*', '\'' or '%' (RFC 2231's marks); a value that is not
 * ASCII (valid UTF-8 required), holds "=?" (which readers would decode as
 * RFC 2047 even in quotes), or would make an over-long line, is written per
 * RFC 2231 as name*=UTF-8''percent-encoded,
 * split into name*0*=, name*1*= ... continuations on lines of their own.
 * Starts with ";\r\n " (a fold) instead of "; " when the current line
 * `*col` would pass MIME_LINE_MAX; `*col` is the length of the current
 * line so far and is updated. -1 when the value is not valid UTF-8 or holds control
 * characters. */
int mime_parameter(struct strbuf *out, size_t *col, const char *name, const char *value);

/* ---- bodies ---- */

/* Base64 of `len` bytes as body lines of MIME_BASE64_LINE characters, each
 * ending in CRLF (the last one may be shorter). For a stream, feed blocks
 * whose length is a multiple of MIME_BASE64_CHUNK, except the last. Uses
 * GnuTLS's encoder. -1 when it fails (memory). */
int mime_base64_lines(struct strbuf *out, const void *data, size_t len);

/* Quoted-printable (RFC 2045 6.7), streaming. The input is text with CRLF
 * line breaks (as in the spool); each CRLF is a hard line break and is
 * written as CRLF. Output lines are at most 76 characters (soft breaks
 * "=\r\n"); '=' and bytes outside printable ASCII are =XX; a space or tab
 * is encoded when it ends a line (including the end of input). A CR not
 * followed by LF is encoded as =0D. Decoding the output gives back exactly
 * the input. A '-' that would start an output line is =2D, so that no line
 * starts "--" and looks like a multipart boundary. (A "." at a line start
 * needs nothing: the wire dot-stuffs.)
 * The fields are the encoder's own. */
struct mime_qp {
	size_t col;             /* characters on the current output line */
	bool pending_cr;        /* the last byte fed was a CR */
	char pending_ws;        /* a space or tab not yet written: 0, ' ' or '\t' */
};
void mime_qp_init(struct mime_qp *qp);
void mime_qp_feed(struct mime_qp *qp, struct strbuf *out, const char *data, size_t len);
/* End of input: writes what is held; the output then ends with CRLF only
 * when the input did. */
void mime_qp_finish(struct mime_qp *qp, struct strbuf *out);

/* ---- multipart ---- */

#define MIME_BOUNDARY_RANDOM_BYTES 12   /* 24 hex digits after the prefix */

/* A fresh multipart boundary: `prefix` and 24 random hex digits (GnuTLS's
 * nonce generator), cut short to fit `size` (64 bytes hold any prefix of
 * up to 39 characters whole). A prefix starting "=_" keeps the boundary
 * out of base64 and quoted-printable text. -1 when no random bytes could
 * be had. */
int mime_boundary(char *buf, size_t size, const char *prefix);

/* ---- media types ---- */

/* The media type for a file name, by its extension (case-insensitive),
 * from a mime.types file (lines "type/subtype ext ext ...", '#' comments);
 * `types_path` NULL means /etc/mime.types. A missing or unreadable file,
 * or no match: "application/octet-stream". Writes to `buf` (at least 128
 * bytes; a longer type counts as no match). */
void mime_type_for_name(const char *types_path, const char *filename, char *buf, size_t size);

#endif
