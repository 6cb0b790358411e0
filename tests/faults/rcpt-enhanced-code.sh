#!/bin/sh
# The enhanced status code and the server's text of a refusal reach the user:
# "550 5.7.1 relaying denied" at RCPT.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start rcpt-enhanced-code
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 67 rcpt 550 5.7.1 "relaying denied" rcpt@example.test
client_did_not_send DATA "postie sent no DATA"
fault_done
