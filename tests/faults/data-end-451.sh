#!/bin/sh
# 451 as the reply to the end of DATA: the message was not taken, for now.
# postie exits 75 so the caller tries again, and ends the session with QUIT.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start data-end-451
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 75 data 451 4.3.0 "queue file write error, try later"
client_sent "Subject: postie fault test" "the message body was sent"
client_sent QUIT "postie ended the session with QUIT"
fault_done
