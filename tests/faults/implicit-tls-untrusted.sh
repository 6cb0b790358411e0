#!/bin/sh
# tls_starttls off, and the server's certificate comes from a CA the account
# does not trust: 77, and the server never sees an SMTP command.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start implicit-tls-untrusted "tls on
tls_starttls off
tls_trust_file $FAULT_OTHER_CA
tls_host_override faultserver.example.test
auth on
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 77 tls
is "$(printf '%s\n' "$transcript" | grep -c '^C: ')" 0 "the server saw nothing from postie but the refused handshake"
fault_done
