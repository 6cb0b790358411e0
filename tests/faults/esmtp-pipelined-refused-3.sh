#!/bin/sh
# PIPELINING, three recipients: MAIL, the three RCPTs and DATA in one write
# (the script answers only after DATA came). The second recipient is
# refused and DATA gets its 354. All or nothing (the default): postie
# closes the connection without the final dot, so the server keeps no
# message (67, nothing sent). With partial_delivery the other two get it
# (67, "delivered to 2 of 3").
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-pipelined-refused-3
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -v one@example.test two@example.test \
	three@example.test
fault_finish
outcome_line_is "$(tail -n 1 "$TEST_TMP/stderr")" rcpt \
	"recipient <two@example.test> refused, nothing sent" 550 5.1.1
is "$status" 67 "all or nothing: exit status 67"
like "$stderr" "pipelining: MAIL, 3 RCPT and DATA in one write" "-v says what went in one write"
like "$stderr" "connection closed without the final dot" "-v says the connection was closed"
client_did_not_send "Subject:" "no message text was sent"
is "$(printf '%s\n' "$transcript" | grep -c '^C: \.$')" 0 "no final dot"
server_noted "client closed the connection (expect-close)" \
	"the transcript shows the client closing the connection"

fault_start esmtp-pipelined-partial-3 "partial_delivery on"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" one@example.test two@example.test \
	three@example.test
fault_finish
expect_outcome 67 rcpt "delivered to 2 of 3 recipients" "<two@example.test> refused" 550 5.1.1
client_sent "Subject: postie fault test" "partial: the message text was sent"
client_did_not_send RSET "partial: no RSET"
client_sent QUIT "partial: postie ended the session with QUIT"
fault_done
