#!/bin/sh
# An EHLO reply of 101 lines, one more than postie accepts: a protocol
# error (76), even though the reply ends properly.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start reply-too-many-lines
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 76 ehlo
client_did_not_send MAIL "postie sent no MAIL"
fault_done
