#!/bin/sh
# The server greets with 421 and hangs up: a temporary failure (75), and
# postie never gets as far as a transaction.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start greeting-421
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 75 greeting 421 4.3.2 "service shutting down"
client_did_not_send MAIL "postie sent no MAIL"
client_did_not_send DATA "postie sent no DATA"
fault_done
