#!/bin/sh
# During a flush the server stops answering: postie's timeout ends the
# attempt (within a few seconds, not never), and the message stays queued
# with one more attempt and the timeout as its last error.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

queue_setup
queue_fault_start queue-stall 1 "$(queue_config_lines auto)
timeout 2"

run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -odq rcpt@example.test
is "$status" 0 "-odq queues the message (exit 0)"
id=$(queue_ids)

started=$(date +%s)
run_postie /dev/null -C "$FAULT_CONFIG" -q
ended=$(date +%s)
is "$status" 0 "postie -q exits 0 (the flush ran)"
elapsed=$((ended - started))
if [ "$elapsed" -ge 2 ] && [ "$elapsed" -le 6 ]; then
	pass "the flush waited for its 2 s timeout, and no longer (took $elapsed s)"
else
	fail "the flush waited for its 2 s timeout, and no longer" "it took $elapsed s"
fi
fault_finish
is "$(queue_ids)" "$id" "the message is still queued"

run_postie /dev/null -C "$FAULT_CONFIG" -bp
entry=$(queue_listing_entry "$id")
like "$entry" "attempts 1" "postie -bp: one attempt"
like "$entry" "next in " "postie -bp: rescheduled for later"
like "$entry" "did not answer within 2 seconds" "postie -bp: the last error is the timeout"
client_did_not_send RCPT "no RCPT after the unanswered MAIL"
fault_done
