#!/bin/sh
# LMTP with CHUNKING: MAIL and both RCPTs go in one write, the body as
# "BDAT <size> LAST" once both are accepted, and one reply per recipient
# comes after it (RFC 2033 4.2); the second mailbox refuses: 67, delivered
# to 1 of 2.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-lmtp-bdat "protocol lmtp"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -v one@example.test two@example.test
fault_finish
is "$status" 67 "exit status 67"
outcome_line_is "$(tail -n 1 "$TEST_TMP/stderr")" rcpt "delivered to 1 of 2 recipients" \
	"<two@example.test> refused" 552 5.2.2 "mailbox full"
client_sent "BDAT " "the body went as BDAT"
client_did_not_send DATA "no DATA"
like "$stderr" "pipelining: MAIL and 2 RCPT in one write; BDAT waits for their replies" \
	"-v says BDAT waited for the RCPT replies"
client_sent QUIT "postie ended the session with QUIT"
fault_done
