#!/bin/sh
# The 220 to STARTTLS arrives with more replies behind it in the same
# packet (a plaintext injection): postie stops with 76 and sends nothing
# more, neither a TLS ClientHello nor EHLO nor QUIT.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start starttls-injected "$FAULT_TLS_CONFIG
auth on
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 76 tls
client_sent_nothing_after STARTTLS "nothing from postie after STARTTLS, not even a TLS handshake"
client_did_not_send AUTH "postie sent no AUTH"
client_did_not_send MAIL "postie sent no MAIL"
fault_done
