#!/bin/sh
# A server that answers EHLO with 502: postie falls back to HELO and delivers.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start ehlo-502-helo
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

is "$status" 0 "exit status 0"
is "$stderr" "" "nothing on stderr"
client_sent "HELO " "postie sent HELO after the 502"
client_sent "Hello from the fault tests." "the message body was sent"
client_sent QUIT "postie ended the session with QUIT"
fault_done
