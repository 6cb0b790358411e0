#!/bin/sh
# The connection drops in the middle of a BDAT chunk: nothing was
# accepted, so it is a temporary failure (75, step data). The message is
# large enough that postie is most likely still writing when the server
# hangs up.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

awk 'BEGIN {
	print "From: Sender <sender@example.test>"
	print "To: Recipient <rcpt@example.test>"
	print "Subject: postie fault test, a long one"
	print ""
	for (i = 1; i <= 20000; i++)
		printf "line %05d of a body that the server drops part of the way in\n", i
}' >"$TEST_TMP/long-message" || bail "cannot write the test message"

fault_start chunking-dropped
run_postie "$TEST_TMP/long-message" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 75 data
client_sent BDAT "postie sent BDAT"
client_sent "Subject: postie fault test, a long one" "the chunk had started"
client_did_not_send QUIT "no QUIT on a broken connection"
fault_done
