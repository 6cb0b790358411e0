#!/bin/sh
# The only recipient is refused, but the server answers the pipelined DATA
# with 354 anyway: postie sends no message text, only the final dot that
# ends the data, and exits 67 naming the recipient.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-pipelined-data-354
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" bad@example.test
fault_finish

expect_outcome 67 rcpt "recipient <bad@example.test> refused" 550 5.1.1 "no such user here"
client_did_not_send "Subject:" "no message text was sent"
client_sent QUIT "postie ended the session with QUIT"
fault_done
