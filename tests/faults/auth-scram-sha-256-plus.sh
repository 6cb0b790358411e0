#!/bin/sh
# auth on over STARTTLS, and the server offers SCRAM-SHA-256-PLUS: postie
# picks it, binds it to the TLS session (tls-exporter under TLS 1.3), the
# server's libgsasl checks that binding, and the message is delivered.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start auth-scram-sha-256-plus "$FAULT_TLS_CONFIG
auth on
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

is "$status" 0 "delivered"
is "$stderr" "" "nothing on stderr"
client_sent "AUTH SCRAM-SHA-256-PLUS" "postie chose SCRAM-SHA-256-PLUS"
server_noted "channel binding tls-exporter" "the exchange was bound with tls-exporter"
server_noted "sasl-server SCRAM-SHA-256-PLUS: authentication succeeded" "the server accepted the exchange"
client_sent "Subject: postie fault test" "the message was sent"
fault_done
