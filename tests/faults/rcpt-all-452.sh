#!/bin/sh
# Every recipient gets 452 (insufficient storage): a temporary failure (75).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start rcpt-all-452
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt1@example.test rcpt2@example.test
fault_finish

expect_outcome 75 rcpt 452 4.3.1 "insufficient system storage"
client_did_not_send DATA "postie sent no DATA"
client_sent QUIT "postie ended the session with QUIT"
fault_done
