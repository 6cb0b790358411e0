#!/bin/sh
# A greeting without a reply code ("hello there") breaks the protocol (76).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start greeting-garbage
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 76 greeting "hello there"
client_did_not_send MAIL "postie sent no MAIL"
fault_done
