#!/bin/sh
# The connection drops in the middle of a message: that message is
# rescheduled (attempts 1, the error kept), the rest of the account's
# messages go over one new connection, and when that one drops too, no
# third connection is made: what is left waits for the next flush.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

queue_setup
queue_fault_start flush-reconnect 2 "$(queue_config_lines auto)"

for n in 1 2 3 4 5; do
	make_queue_message "$TEST_TMP/m$n" "$n" rcpt@example.test
	run_postie "$TEST_TMP/m$n" -C "$FAULT_CONFIG" -odq rcpt@example.test
done
is "$(queue_count)" 5 "five messages are queued"

run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "postie -q exits 0"
fault_finish
is "$(fault_connections)" 2 "two connections: the first and one after it broke"
is "$(printf '%s\n' "$transcript" | grep -c '^S: 250 2.0.0 queued as OK')" 2 \
	"one message delivered over each"
is "$(queue_count)" 3 "three messages are still queued"
is "$(queue_count failed)" 0 "none failed"
attempts=$(for id in $(queue_ids); do queue_env_value "$id" attempts; done | sort | tr '\n' ' ')
is "$attempts" "0 1 1 " "the two cut off are at attempt 1; the one never tried at 0"
for id in $(queue_ids); do
	[ "$(queue_env_value "$id" attempts)" = 1 ] || continue
	reply=$(queue_env_value "$id" last_reply)
	like "$reply" "data" "the kept error names the step ($id)"
done
fault_done
