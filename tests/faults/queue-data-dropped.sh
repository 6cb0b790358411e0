#!/bin/sh
# During a flush the connection drops in the middle of the message: nothing
# was accepted, so the message stays queued, rescheduled with one more
# attempt, byte for byte as it was.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

awk 'BEGIN {
	print "From: Sender <sender@example.test>"
	print "To: Recipient <rcpt@example.test>"
	print "Subject: postie queue test, a long one"
	print ""
	for (i = 1; i <= 20000; i++)
		printf "line %05d of a body that the server drops part of the way in\n", i
}' >"$TEST_TMP/long-message" || bail "cannot write the test message"

queue_setup
queue_fault_start queue-data-dropped 1 "$(queue_config_lines auto)"

run_postie "$TEST_TMP/long-message" -C "$FAULT_CONFIG" -odq rcpt@example.test
is "$status" 0 "-odq queues the message (exit 0)"
id=$(queue_ids)
cp "$QDIR/new/$id.msg" "$TEST_TMP/queued-before" 2>/dev/null

run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "postie -q exits 0 (the flush ran)"
fault_finish
client_sent "Subject: postie queue test, a long one" "the body had started"
is "$(queue_ids)" "$id" "the message is still queued"
same_bytes "$QDIR/new/$id.msg" "$TEST_TMP/queued-before" "the queued message is unchanged"

run_postie /dev/null -C "$FAULT_CONFIG" -bp
entry=$(queue_listing_entry "$id")
like "$entry" "attempts 1" "postie -bp: one attempt"
like "$entry" "next in " "postie -bp: rescheduled for later"
like "$entry" "last error: " "postie -bp: the drop is the last error"
fault_done
