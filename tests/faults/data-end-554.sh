#!/bin/sh
# 554 as the reply to the end of DATA: the message is refused for good (69).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start data-end-554
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 69 data 554 5.7.1 "message content rejected"
client_sent "Subject: postie fault test" "the message body was sent"
client_sent QUIT "postie ended the session with QUIT"
fault_done
