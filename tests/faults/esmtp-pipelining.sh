#!/bin/sh
# With PIPELINING, MAIL, RCPT and DATA go out before any reply is read
# (the script answers only after all three came). With two recipients and
# all-or-nothing delivery DATA goes with them too: when one is refused
# after DATA got its 354, only closing the connection without the final
# dot keeps the message from the other (67, no message text, no dot).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-pipelining
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 0 "one recipient, pipelined: exit status 0"

fault_start esmtp-pipelining-refused
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" good@example.test bad@example.test
fault_finish
expect_outcome 67 rcpt "<bad@example.test> refused, nothing sent" 550 5.1.1
client_sent DATA "DATA went with MAIL and the RCPTs"
client_did_not_send "Subject:" "no message text was sent"
client_did_not_send RSET "no RSET: after 354 it would be message text"
server_noted "client closed the connection (expect-close)" \
	"postie closed the connection without the final dot"
fault_done
