#!/bin/sh
# tls on, and the server does not offer STARTTLS: postie refuses to go on
# in the clear (77) and sends neither AUTH nor MAIL.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start starttls-not-offered "$FAULT_TLS_CONFIG
auth on
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 77 tls STARTTLS
client_did_not_send STARTTLS "postie sent no STARTTLS that was not offered"
client_did_not_send AUTH "postie sent no AUTH in the clear"
client_did_not_send MAIL "postie sent no MAIL"
fault_done
