#!/bin/sh
# SCRAM-SHA-256-PLUS where the server sees a different TLS channel than
# postie (a man in the middle terminating TLS): the server refuses with 535,
# postie exits 77 and sends no MAIL.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start auth-scram-bad-binding "$FAULT_TLS_CONFIG
auth on
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 77 auth 535 5.7.8
client_sent "AUTH SCRAM-SHA-256-PLUS" "postie chose SCRAM-SHA-256-PLUS"
server_noted "sasl-server SCRAM-SHA-256-PLUS: authentication failed" "the server refused the binding"
client_did_not_send MAIL "postie sent no MAIL"
fault_done
