#!/bin/sh
# During a flush the server refuses the queued message for good (554 at
# the end of DATA): it leaves the queue for failed/, with the reply kept,
# and a bounce (a delivery status notification from the null sender
# MAIL FROM:<>) goes to its envelope sender over the same connection.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

queue_setup
queue_fault_start queue-data-end-554 1 "$(queue_config_lines auto)"

run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -odq rcpt@example.test
is "$status" 0 "-odq queues the message (exit 0)"
id=$(queue_ids)
is "$(queue_count)" 1 "one message is in the queue"

run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "postie -q exits 0 (the flush ran)"
fault_finish
is "$(fault_connections)" 1 "one connection for the message and its bounce"
is "$(queue_count)" 0 "the message is no longer queued"
is "$(queue_ids failed)" "$id" "it is in failed/"
like "$(queue_env_value "$id" last_reply failed)" "554" "failed/ keeps the server's reply"

run_postie /dev/null -C "$FAULT_CONFIG" -bp
like "$stdout" "Mail queue is empty" "postie -bp lists nothing: failed messages are not queued"

client_sent "MAIL FROM:<>" "the bounce comes from the null sender"
client_sent "RCPT TO:<sender@example.test>" "the bounce goes to the envelope sender"
client_sent "Content-Type: multipart/report" "the bounce is a multipart/report"
client_sent "Status: 5.7.1" "the bounce gives the status of the refusal"
like "$transcript" "554 5.7.1 message content rejected" "the bounce quotes the server's reply"
like "$transcript" "C: Subject: Undelivered" "the bounce says the mail was not delivered"
fault_done
