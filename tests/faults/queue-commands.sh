#!/bin/sh
# The queue commands, as someone looking after the queue uses them:
# --queue-hold keeps a message back from every flush until
# --queue-release; --queue-delete removes one unsent; -qI sends just the
# one named. An id that is not queued is exit 66, one that cannot be an id
# exit 64, each with one stderr line.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

queue_setup
queue_fault_start accept 2 "$(queue_config_lines auto)"

# queue_one: queue $FAULT_MESSAGE with -odq; prints the new id.
queue_one() {
	_before=$(queue_ids)
	run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -odq rcpt@example.test
	[ "$status" -eq 0 ] || bail "postie -odq failed ($status): $stderr"
	queue_ids | grep -vxF -e "${_before:-none}"
}
held=$(queue_one)
sent_first=$(queue_one)
deleted=$(queue_one)
is "$(queue_count)" 3 "three messages are queued"

run_postie /dev/null -C "$FAULT_CONFIG" --queue-hold "$held"
is "$status" 0 "--queue-hold exits 0"
run_postie /dev/null -C "$FAULT_CONFIG" --queue-delete "$deleted"
is "$status" 0 "--queue-delete exits 0"
run_postie /dev/null -C "$FAULT_CONFIG" -bp
like "$(queue_listing_entry "$held")" "held" "postie -bp shows the held message as held"
unlike "$stdout" "$deleted" "postie -bp no longer lists the deleted message"
like "$stdout" "2 messages" "postie -bp counts two messages"

run_postie /dev/null -C "$FAULT_CONFIG" -qI "$sent_first"
is "$status" 0 "-qI exits 0"
is "$(fault_connections)" 1 "-qI connected once"
is "$(queue_ids)/$(queue_ids held)" "/$held" "-qI sent the message it names, and only that one"

run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "postie -q exits 0"
is "$(fault_connections)" 1 "postie -q sends no held message (no connection)"
is "$(queue_ids held)" "$held" "the held message is still queued"
run_postie /dev/null -C "$FAULT_CONFIG" -qI "$held"
is "$status" 64 "-qI on a held message: exit 64, it is not sent"
like "$stderr" "is held; release it first (--queue-release $held)" "-qI on a held message: says how"
is "$(fault_connections)" 1 "-qI on a held message: no connection"

run_postie /dev/null -C "$FAULT_CONFIG" --queue-release "$held"
is "$status" 0 "--queue-release exits 0"
run_postie /dev/null -C "$FAULT_CONFIG" -bp
entry=$(queue_listing_entry "$held")
unlike "$entry" "held" "postie -bp: no longer held"
like "$entry" "next: now" "postie -bp: due at once"
run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "postie -q exits 0"
fault_finish
is "$(fault_connections)" 2 "postie -q sent the released message"
is "$(queue_count)" 0 "the queue is empty"

for mode in --queue-delete --queue-hold --queue-release -qI; do
	run_postie /dev/null -C "$FAULT_CONFIG" "$mode" 20991231T235959-aaaaaaaaaaaa
	is "$status" 66 "$mode with an id that is not queued: exit 66"
	error_line "$mode: stderr is one 'postie: ...' line"
	like "$stderr" 20991231T235959-aaaaaaaaaaaa "$mode: stderr names the id"
done
run_postie /dev/null -C "$FAULT_CONFIG" --queue-delete ../new
is "$status" 64 "--queue-delete with something that cannot be an id: exit 64"
error_line "stderr is one 'postie: ...' line"
fault_done
