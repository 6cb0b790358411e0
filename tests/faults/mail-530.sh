#!/bin/sh
# 530 (authentication required) to MAIL refuses the whole message, not a
# recipient: 69, not 67.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start mail-530
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 69 mail 530 5.7.0 "authentication required"
client_did_not_send RCPT "postie sent no RCPT"
client_did_not_send DATA "postie sent no DATA"
client_sent QUIT "postie ended the session with QUIT"
fault_done
