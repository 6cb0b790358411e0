#!/bin/sh
# A greeting line longer than 512 octets: a protocol error (76).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start reply-line-too-long
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 76 greeting
client_did_not_send MAIL "postie sent no MAIL"
fault_done
