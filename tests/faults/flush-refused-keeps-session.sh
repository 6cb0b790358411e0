#!/bin/sh
# A queue flush keeps its one connection when a recipient is refused: to a
# server with PIPELINING but not CHUNKING, the messages [ok1, refused] and
# [ok2, refused] each send MAIL and both RCPTs in one write, DATA waits for
# their replies, the 450 for refused@ costs a RSET (no DATA, no closed
# connection), and the whole message stays queued for later (all or
# nothing; a temporary refusal splits nothing). The third message, [ok3],
# then goes over the same connection: MAIL, RCPT and DATA in one write.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

# The flush takes messages oldest first, by the second they were queued
# in: each message gets a second of its own, so the order is the script's.
second_changed() { [ "$(date +%s)" != "$queued_at" ]; }
queue_one() {
	n=$1
	shift
	make_queue_message "$TEST_TMP/m$n" "$n" "$1"
	run_postie "$TEST_TMP/m$n" -C "$FAULT_CONFIG" -odq "$@"
	is "$status" 0 "-odq queues message $n"
	queued_at=$(date +%s)
	wait_until 2 second_changed || bail "the clock does not move"
}

queue_setup
queue_fault_start flush-refused-keeps-session 1 "$(queue_config_lines auto)"

queue_one 1 ok1@example.test refused@example.test
id1=$(queue_ids)
queue_one 2 ok2@example.test refused@example.test
id2=$(queue_ids | grep -vx "$id1")
queue_one 3 ok3@example.test
is "$(queue_count)" 3 "three messages are queued"

run_postie /dev/null -C "$FAULT_CONFIG" -q -v
is "$status" 0 "postie -q exits 0"
fault_finish
is "$(fault_connections)" 1 "one connection for the three messages"
is "$(printf '%s\n' "$transcript" | grep -c '^C: EHLO')" 1 "one EHLO"
is "$(printf '%s\n' "$transcript" | grep -c '^C: MAIL FROM:')" 3 "three transactions"
is "$(printf '%s\n' "$transcript" | grep -c '^S: 450 ')" 2 "refused@ got 450 twice"
is "$(printf '%s\n' "$transcript" | grep -c '^C: RSET')" 2 "each 450 cost a RSET"
is "$(printf '%s\n' "$transcript" | grep -c '^C: DATA')" 1 \
	"DATA only for the message without a refused recipient"
is "$(printf '%s\n' "$transcript" | grep -c '^C: \.$')" 1 "one final dot"
client_did_not_send "Subject: queue test 1" "message 1's text was not sent"
client_did_not_send "Subject: queue test 2" "message 2's text was not sent"
client_sent "Subject: queue test 3" "message 3's text was sent"
is "$(printf '%s\n' "$transcript" | grep -c '^S: 250 2.0.0 queued as THREE')" 1 \
	"message 3 was delivered once"
is "$(grep -c 'pipelining: MAIL and 2 RCPT in one write; DATA waits' "$TEST_TMP/stderr")" 2 \
	"-v: DATA waits for the RCPT replies of the two-recipient messages"
like "$stderr" "pipelining: MAIL, 1 RCPT and DATA in one write" \
	"-v: the one-recipient message sends DATA with its RCPT"
unlike "$stderr" "connection closed without the final dot" "-v: no connection was dropped"

is "$(queue_ids | tr '\n' ' ')" "$(printf '%s\n' "$id1" "$id2" | sort | tr '\n' ' ')" \
	"messages 1 and 2 stay queued"
is "$(queue_count failed)" 0 "nothing failed"
is "$(sed -n 's/^rcpt //p' "$QDIR/new/$id1.env" | tr '\n' ' ')" \
	"ok1@example.test refused@example.test " "message 1 keeps both recipients"
like "$(queue_env_value "$id1" last_reply)" "450 4.2.1" "message 1 keeps the server's reply"
like "$(queue_env_value "$id2" attempts)" "1" "message 2 counts one attempt"
fault_done
