#!/bin/sh
# A recipient with a UTF-8 local part, to a server that offers SMTPUTF8
# (RFC 6531): MAIL FROM carries SMTPUTF8, RCPT TO the local part in UTF-8.
# The domain still goes as A-labels: valid with SMTPUTF8 too, and the form
# servers look their domains up by.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-smtputf8
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" "$(printf 'j\303\274rgen@b\303\274cher.example.test')"
fault_finish

is "$status" 0 "exit status 0"
client_sent "MAIL FROM:<sender@example.test> SMTPUTF8" "MAIL FROM says SMTPUTF8"
client_sent "RCPT TO:<$(printf 'j\303\274rgen')@xn--bcher-kva.example.test>" \
	"the local part went in UTF-8, the domain as A-labels"
fault_done
