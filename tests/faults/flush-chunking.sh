#!/bin/sh
# A flush of three queued messages to a server that offers PIPELINING and
# CHUNKING: one connection, one EHLO, and for each message MAIL, RCPT and
# BDAT with the whole message in one write; all three are delivered.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

queue_setup
queue_fault_start flush-chunking 1 "$(queue_config_lines auto)"

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
is "$(printf '%s\n' "$transcript" | grep -c '^C: BDAT [0-9]* LAST$')" 3 "three BDAT LAST"
is "$(printf '%s\n' "$transcript" | grep -c '^# bdat: a chunk of [0-9]* octets, the last$')" 3 \
	"each chunk held the octets its BDAT announced"
client_did_not_send DATA "no DATA"
is "$(printf '%s\n' "$stderr" | grep -c 'pipelining: MAIL, 1 RCPT and BDAT with the body in one write')" \
	3 "-v: each message went with its MAIL and RCPT in one write"
is "$(queue_count)" 0 "the queue is empty"
is "$(queue_count failed)" 0 "nothing failed"
fault_done
