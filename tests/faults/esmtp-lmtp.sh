#!/bin/sh
# LMTP: two recipients accepted, the second refused after the final dot
# (552 mailbox full). postie reads both replies, exits 67 and names the
# refused one only; the message was delivered to the first.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-lmtp "protocol lmtp"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" one@example.test two@example.test
fault_finish

expect_outcome 67 rcpt "delivered to 1 of 2 recipients" "<two@example.test> refused" \
	552 5.2.2 "mailbox full"
unlike "$stderr" "<one@example.test> refused" "the delivered recipient is not named as refused"
client_sent QUIT "postie ended the session with QUIT"
fault_done
