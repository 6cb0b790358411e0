#!/bin/sh
# A recipient at a UTF-8 domain, to a server without SMTPUTF8: the domain
# is sent as A-labels (user@xn--bcher-kva.example.test) and MAIL does not
# say SMTPUTF8.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-idna
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" "$(printf 'user@b\303\274cher.example.test')"
fault_finish

is "$status" 0 "exit status 0"
client_sent "RCPT TO:<user@xn--bcher-kva.example.test>" "the domain went as A-labels"
client_did_not_send "MAIL FROM:<sender@example.test> SMTPUTF8" "MAIL does not say SMTPUTF8"
fault_done
