#!/bin/sh
# tls_starttls off: TLS from the first byte (no STARTTLS), then AUTH PLAIN
# under it and the message.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start implicit-tls "$FAULT_TLS_CONFIG
tls_starttls off
auth on
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

is "$status" 0 "delivered"
is "$stderr" "" "nothing on stderr"
client_did_not_send STARTTLS "postie sent no STARTTLS"
server_noted "sasl-server PLAIN: authentication succeeded" "AUTH PLAIN went through under TLS"
fault_done
