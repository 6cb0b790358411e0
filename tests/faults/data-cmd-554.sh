#!/bin/sh
# 554 as the reply to the DATA command itself: a permanent refusal (69), and
# postie must not send the body after it.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start data-cmd-554
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 69 data 554 5.7.1 "transaction refused by policy"
client_did_not_send "Subject:" "postie sent no message body"
client_sent RSET "postie reset the open transaction"
client_sent QUIT "postie ended the session with QUIT"
fault_done
