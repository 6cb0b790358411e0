#!/bin/sh
# A UTF-8 recipient to a server that offers SMTPUTF8 (RFC 6531): MAIL FROM
# carries SMTPUTF8 and RCPT TO the address in UTF-8, not converted.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

rcpt=$(printf 'j\303\274rgen@b\303\274cher.example.test')
fault_start esmtp-smtputf8
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" "$rcpt"
fault_finish

is "$status" 0 "exit status 0"
client_sent "MAIL FROM:<sender@example.test> SMTPUTF8" "MAIL FROM says SMTPUTF8"
client_sent "RCPT TO:<$rcpt>" "the recipient went in UTF-8"
fault_done
