#!/bin/sh
# auth scram-sha-1-plus, forced, over TLS 1.2: the channel binding is
# tls-unique, and the server's libgsasl checks it; delivered.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start auth-scram-sha-1-plus "$FAULT_TLS_CONFIG
auth scram-sha-1-plus
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

is "$status" 0 "delivered"
is "$stderr" "" "nothing on stderr"
client_sent "AUTH SCRAM-SHA-1-PLUS" "postie used the mechanism the account names"
server_noted "channel binding tls-unique" "the exchange was bound with tls-unique (TLS 1.2)"
server_noted "sasl-server SCRAM-SHA-1-PLUS: authentication succeeded" "the server accepted the exchange"
fault_done
