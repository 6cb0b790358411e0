#!/bin/sh
# tls off and auth plain, both said in the account: the user asked for
# PLAIN without TLS, so postie sends it, and delivers.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start auth-plain-forced-cleartext "tls off
auth plain
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

is "$status" 0 "delivered"
client_sent "AUTH PLAIN" "postie sent AUTH PLAIN, as the account says"
server_noted "sasl-server PLAIN: authentication succeeded" "the server accepted the credentials"
client_sent "Subject: postie fault test" "the message was sent"
fault_done
