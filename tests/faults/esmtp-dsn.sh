#!/bin/sh
# -N success,failure -R hdrs -V abc123 to a server that offers DSN: the
# exact RFC 3461 parameters on MAIL and RCPT.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-dsn
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -N success,failure -R hdrs -Vabc123 \
	a+b@example.test
fault_finish

is "$status" 0 "exit status 0"
client_sent "MAIL FROM:<sender@example.test> RET=HDRS ENVID=abc123" "MAIL has RET and ENVID"
client_sent "RCPT TO:<a+b@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bb@example.test" \
	"RCPT has NOTIFY and ORCPT in xtext"
fault_done
