#!/bin/sh
# The plaintext EHLO offered AUTH PLAIN, the one after STARTTLS offers no
# AUTH: postie must not act on the forgotten capability (77, no AUTH, no
# MAIL).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start starttls-capabilities-forgotten "$FAULT_TLS_CONFIG
auth on
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 77 auth
client_did_not_send AUTH "postie sent no AUTH on the strength of the plaintext EHLO"
client_did_not_send MAIL "postie sent no MAIL"
fault_done
