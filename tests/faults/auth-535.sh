#!/bin/sh
# AUTH is refused with 535 5.7.8: 77, the outcome line carries the
# server's text, and postie sends no MAIL.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start auth-535 "$FAULT_TLS_CONFIG
auth on
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 77 auth 535 5.7.8 "Authentication credentials invalid"
client_sent "AUTH PLAIN" "postie tried AUTH PLAIN over TLS"
client_did_not_send MAIL "postie sent no MAIL"
fault_done
