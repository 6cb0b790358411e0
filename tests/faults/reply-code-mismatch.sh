#!/bin/sh
# A multi-line reply whose lines carry different codes ("250-sender ok" then
# "251 done") is a protocol error (76).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start reply-code-mismatch
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 76 mail
client_did_not_send RCPT "postie sent no RCPT"
fault_done
