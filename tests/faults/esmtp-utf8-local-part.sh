#!/bin/sh
# A recipient whose local part is UTF-8, to a server without SMTPUTF8: no
# conversion exists for a local part, so postie exits 65 before MAIL,
# naming the address.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

rcpt=$(printf 'j\303\274rgen@example.test')
fault_start esmtp-utf8-local-part
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" "$rcpt"
fault_finish

is "$status" 65 "exit status 65"
is "$(grep -c '' "$TEST_TMP/stderr")" 1 "stderr is exactly one line"
outcome_line_is "$stderr" rcpt "does not offer SMTPUTF8" "local part of" "not ASCII"
client_did_not_send MAIL "postie sent no MAIL"
client_sent QUIT "postie ended the session with QUIT"
fault_done
