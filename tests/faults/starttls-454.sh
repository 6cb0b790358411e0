#!/bin/sh
# STARTTLS is refused with 454 4.7.0: with tls on that is 77, and postie
# sends neither AUTH nor MAIL in the clear.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start starttls-454 "$FAULT_TLS_CONFIG
auth on
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 77 tls 454 4.7.0 "TLS not available"
client_did_not_send AUTH "postie sent no AUTH in the clear"
client_did_not_send MAIL "postie sent no MAIL"
fault_done
