#!/bin/sh
# With PIPELINING, QUIT goes in the write that ends the last message of a
# session (one turn fewer), and the log still records the server's reply
# to the message, not its goodbye.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

log=$TEST_TMP/postie.log
fault_start quit-pipelined "logfile $log"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" --status-json rcpt@example.test
fault_finish

is "$status" 0 "exit status 0"
is "$stderr" "" "nothing on stderr"
like "$(cat "$log")" 'smtp="250 2.0.0 queued as LAST"' \
	"the log line has the reply to the message, not QUIT's"
like "$stdout" '"smtp":{"code":250,"enhanced":"2.0.0","text":"queued as LAST"}' \
	"and so has the status object"
fault_done
