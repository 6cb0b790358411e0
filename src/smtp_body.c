/* smtp_body.c - the message text on the wire: the spool streamed in large
 * blocks read with pread, dot-stuffed for DATA (RFC 5321 4.5.2) or as it is
 * for BDAT (RFC 3030), so memory stays flat whatever the message size; the
 * rule for when BDAT is used, and for what goes in one write with MAIL and
 * the RCPTs (RFC 2920). The commands themselves are smtp.c's. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "message.h"
#include "smtp.h"
#include "smtp_internal.h"

bool smtp_uses_chunking(const struct smtp_caps *caps, off_t body_size)
{
	/* Measured against Postfix 3.7 smtpd, plain and STARTTLS: for 100 MiB
	 * BDAT and DATA are equal within noise (the server's disk is the
	 * limit); a 2 KB message with 25 ms of delay each way takes one round
	 * trip less with BDAT (its body shares the envelope's write). So
	 * BDAT whenever it is offered, whatever the size. */
	(void)body_size;
	return caps->chunking;
}

/* Read `want` bytes of the spool at `offset` into `block`. */
static ssize_t read_spool(int fd, char *block, size_t want, off_t offset, struct outcome *out)
{
	for (;;) {
		ssize_t n = pread(fd, block, want, offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			outcome_fail(out, OUTCOME_IO, "data", "cannot read the spooled message: %s",
			             n == 0 ? "file shrank" : strerror(errno));
			return -1;
		}
		return n;
	}
}

int smtp_body_write_stuffed(struct net_conn *conn, int fd, off_t size, char *block,
                            char *stuffed, struct outcome *out)
{
	bool at_line_start = true;
	off_t offset = 0;

	while (offset < size) {
		size_t want = size - offset > SMTP_BODY_BLOCK ? SMTP_BODY_BLOCK
		              : (size_t)(size - offset);
		ssize_t n = read_spool(fd, block, want, offset, out);

		if (n < 0)
			return -1;
		offset += n;
		size_t len = message_dotstuff(block, (size_t)n, &at_line_start, stuffed);
		if (net_write(conn, stuffed, len, "data", out) < 0)
			return -1;
	}
	return 0;
}

int smtp_body_write_raw(struct net_conn *conn, int fd, off_t offset, off_t len, char *block,
                        struct outcome *out)
{
	off_t end = offset + len;

	while (offset < end) {
		size_t want = end - offset > SMTP_BODY_BLOCK ? SMTP_BODY_BLOCK
		              : (size_t)(end - offset);
		ssize_t n = read_spool(fd, block, want, offset, out);

		if (n < 0 || net_write(conn, block, (size_t)n, "data", out) < 0)
			return -1;
		offset += n;
	}
	return 0;
}

/* Nothing without PIPELINING; DATA when the body goes as DATA (but not
 * where a refused RCPT would have to close a session that is to carry
 * more messages: see keep_session). With BDAT,
 * a small body joins only a transaction in which a refused RCPT cannot
 * leave the message with some recipients against the caller's will; in
 * LMTP the number of replies owed to BDAT LAST hangs on the RCPT replies,
 * so there it waits for them unless there is one recipient. */
enum envelope_tail smtp_envelope_tail(const struct smtp_caps *caps,
                                      const struct smtp_transaction *t, bool chunking)
{
	bool all_or_none = t->nrcpts > 1 && !t->partial;

	if (!caps->pipelining)
		return TAIL_NONE;
	if (!chunking)
		return all_or_none && t->keep_session ? TAIL_NONE : TAIL_DATA;
	if (t->body_size <= SMTP_PIPELINED_BODY_MAX &&
	    (t->nrcpts == 1 || (t->partial && !t->lmtp)))
		return TAIL_BODY;
	return TAIL_NONE;
}

void smtp_note_pipelining(const struct smtp_caps *caps, size_t nrcpts, enum envelope_tail tail,
                          bool chunking)
{
	if (!caps->pipelining)
		log_debug("pipelining: not offered; one command per write");
	else if (tail == TAIL_DATA)
		log_debug("pipelining: MAIL, %zu RCPT and DATA in one write", nrcpts);
	else if (tail == TAIL_BODY)
		log_debug("pipelining: MAIL, %zu RCPT and BDAT with the body in one write", nrcpts);
	else
		log_debug("pipelining: MAIL and %zu RCPT in one write; %s waits for their "
		          "replies", nrcpts, chunking ? "BDAT" : "DATA");
}
