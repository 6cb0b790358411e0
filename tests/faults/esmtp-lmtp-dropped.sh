#!/bin/sh
# LMTP: the connection drops after the first recipient's verdict, before
# the second's. The first has the message, so this is no "try again later"
# (75, which would send it to the first twice): exit 67, and the line says
# that some recipients were delivered and the others got no verdict.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-lmtp-dropped "protocol lmtp"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" one@example.test two@example.test
fault_finish

is "$status" 67 "exit status 67 (EX_NOUSER), not 75: one recipient has the message"
error_line "one stderr line"
like "$stderr" "delivered to some recipients, then: " "the line says some were delivered"
like "$stderr" "the others have no verdict" "and that the others got no verdict"
fault_done
