#!/bin/sh
# tls off and auth on, and the server offers only PLAIN and LOGIN: postie
# will not send the password in the clear on its own (77, no AUTH).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start auth-plain-needs-tls "auth on
user u
password Fault-p4ss-7e1d"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 77 auth PLAIN
client_did_not_send AUTH "postie sent no AUTH in the clear"
client_did_not_send MAIL "postie sent no MAIL"
fault_done
