#!/bin/sh
# A flush sends every queued message of an account over one connection:
# one EHLO, then one transaction per message; each delivered message
# leaves the queue and gets its own log line.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

log=$TEST_TMP/postie.log
queue_setup
queue_fault_start flush-one-connection 1 "$(queue_config_lines auto)
logfile $log"

for n in 1 2 3; do
	make_queue_message "$TEST_TMP/m$n" "$n" rcpt@example.test
	run_postie "$TEST_TMP/m$n" -C "$FAULT_CONFIG" -odq rcpt@example.test
	is "$status" 0 "-odq queues message $n"
done
is "$(queue_count)" 3 "three messages are queued"

run_postie /dev/null -C "$FAULT_CONFIG" -q -v
is "$status" 0 "postie -q exits 0"
fault_finish
is "$(fault_connections)" 1 "one connection for the three messages"
is "$(printf '%s\n' "$transcript" | grep -c '^C: EHLO')" 1 "one EHLO"
is "$(printf '%s\n' "$transcript" | grep -c '^C: MAIL FROM:')" 3 "three transactions"
is "$(queue_count)" 0 "the queue is empty"
is "$(queue_count failed)" 0 "nothing failed"
is "$(grep -c 'queued as' "$log")" 3 "one log line per message, with the server's reply"
is "$(grep -c 'postie: queue: .* delivered' "$TEST_TMP/stderr")" 3 "-v: one line per message"
fault_done
