#!/bin/sh
# The EHLO reply after STARTTLS replaces the one before it: the plaintext
# EHLO offered AUTH PLAIN, the encrypted one only SCRAM-SHA-256, and postie
# (auth on) uses SCRAM-SHA-256.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start starttls-new-capabilities "$FAULT_TLS_CONFIG
auth on
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

is "$status" 0 "delivered"
is "$stderr" "" "nothing on stderr"
is "$(printf '%s\n' "$transcript" | grep -c '^C: EHLO')" 2 "postie said EHLO again after STARTTLS"
client_sent "AUTH SCRAM-SHA-256" "postie authenticated with SCRAM-SHA-256, offered after TLS"
client_did_not_send "AUTH PLAIN" "postie did not use PLAIN, offered only before TLS"
server_noted "sasl-server SCRAM-SHA-256: authentication succeeded" "the server accepted the SCRAM exchange"
fault_done
