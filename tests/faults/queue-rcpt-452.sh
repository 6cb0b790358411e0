#!/bin/sh
# A recipient refused for now (452) while sending with `queue auto`: the
# message is queued (exit 0, "queued as"). It is not due again at once, so
# a timer's `postie --queue-run` leaves it alone; `postie -q` tries again,
# is refused again, and the message stays: attempts 2, with the server's
# reply as the last error in the listing.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

queue_setup
queue_fault_start queue-rcpt-452 2 "$(queue_config_lines auto)"

run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
is "$status" 0 "the send exits 0: the message is queued"
error_line "stderr is one 'postie: ...' line"
like "$stderr" "postie: queued as " "stderr says it is queued"
like "$stderr" "452 4.3.1 insufficient system storage" "stderr says why: the server's reply"
id=$(queue_ids)
is "$(queue_count)" 1 "one message is in the queue"
like "$stderr" "queued as $id" "stderr gives its id"

run_postie /dev/null -C "$FAULT_CONFIG" -bp
entry=$(queue_listing_entry "$id")
like "$entry" "attempts 1" "postie -bp: one attempt so far"
like "$entry" "next in " "postie -bp: the next attempt is later"
like "$entry" "<rcpt@example.test>" "postie -bp: the recipient"
like "$entry" "last error: " "postie -bp: the last error"
like "$entry" "452 4.3.1 insufficient system storage" "postie -bp: the server's reply"

run_postie /dev/null -C "$FAULT_CONFIG" --queue-run
is "$status" 0 "postie --queue-run exits 0"
is "$(fault_connections)" 1 "--queue-run does not try a message before its next attempt"

run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "postie -q exits 0 (the flush ran)"
is "$stderr" "" "postie -q prints nothing on stderr"
fault_finish
is "$(fault_connections)" 2 "postie -q tried again at once"
is "$(queue_ids)" "$id" "the message is still queued"

run_postie /dev/null -C "$FAULT_CONFIG" -bp
entry=$(queue_listing_entry "$id")
like "$entry" "attempts 2" "postie -bp: two attempts"
like "$entry" "next in " "postie -bp: the next attempt is later"
like "$entry" "452 4.3.1 insufficient system storage" "postie -bp: the last error"
client_did_not_send DATA "no DATA was sent"
fault_done
