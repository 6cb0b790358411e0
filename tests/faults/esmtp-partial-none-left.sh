#!/bin/sh
# partial_delivery on, but every recipient is refused: the pipelined DATA
# is refused too (no valid recipients), postie sends no message text, RSET,
# and 67 naming both (one of them permanently refused, so not 75).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-partial-none-left "partial_delivery on"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" bad1@example.test bad2@example.test
fault_finish

expect_outcome 67 rcpt "2 of 2 recipients refused, nothing sent" \
	"<bad1@example.test> 550 5.1.1" "<bad2@example.test> 450 4.2.1"
client_sent DATA "DATA went with MAIL and the RCPTs (PIPELINING)"
client_did_not_send "Subject:" "postie sent no message text"
client_sent RSET "postie sent RSET"
client_sent QUIT "postie ended the session with QUIT"
fault_done
