#!/bin/sh
# A message older than queue_max_age is given up on when its next attempt
# fails for now: it moves to failed/, and a bounce with status 4.4.7 (not
# delivered in time) goes to its sender over the same connection.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

queue_setup
queue_fault_start queue-max-age 1 "$(queue_config_lines auto)
queue_max_age 1s"

run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -odq rcpt@example.test
is "$status" 0 "-odq queues the message (exit 0)"
id=$(queue_ids)
sleep 2

run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "postie -q exits 0 (the flush ran)"
fault_finish
is "$(queue_count)" 0 "the message is no longer queued"
is "$(queue_ids failed)" "$id" "it is in failed/"
run_postie /dev/null -C "$FAULT_CONFIG" -bp
like "$stdout" "Mail queue is empty" "postie -bp lists nothing"

client_sent "MAIL FROM:<>" "the bounce comes from the null sender"
client_sent "RCPT TO:<sender@example.test>" "the bounce goes to the envelope sender"
client_sent "Status: 4.4.7" "the bounce's status is 4.4.7 (delivery time expired)"
like "$transcript" "451 4.3.2 try again later" "the bounce quotes the last reply"
fault_done
