#!/bin/sh
# DSN requested (-N, and dsn_return in the account) from a server that does
# not offer DSN: 69 before MAIL rather than a silent drop of the request.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-dsn-not-offered "dsn_return headers"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -N failure rcpt@example.test
fault_finish

expect_outcome 69 mail "delivery status notifications were requested" "does not offer DSN"
client_did_not_send MAIL "postie sent no MAIL"
client_sent QUIT "postie ended the session with QUIT"
fault_done
