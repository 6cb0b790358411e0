#!/bin/sh
# A queued message to two recipients, to a server with PIPELINING but not
# CHUNKING: a flush keeps its connection for the next message, so DATA
# does not join MAIL and the RCPTs when a refusal would have to close it;
# the second recipient is refused for good, RSET, and the flush sends one
# transaction per recipient over the same connection: the accepted one
# gets the message once, the refused one alone is bounced.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

queue_setup
queue_fault_start flush-pipelined-split 1 "$(queue_config_lines auto)"

run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -odq good@example.test gone@example.test
is "$status" 0 "-odq queues the message"
id=$(queue_ids)

run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "postie -q exits 0"
fault_finish
is "$(fault_connections)" 1 "one connection: the refusal cost a RSET, not the connection"
is "$(printf '%s\n' "$transcript" | grep -c '^S: 250 2.0.0 queued as GOOD')" 1 \
	"the accepted recipient got the message once"
is "$(queue_count)" 0 "the message is no longer queued"
is "$(queue_ids failed)" "$id" "it is in failed/ for the refused recipient"
is "$(sed -n 's/^rcpt //p' "$QDIR/failed/$id.env")" "gone@example.test" \
	"failed/ names only the refused recipient"
client_sent "Final-Recipient: rfc822; gone@example.test" "the bounce names the refused recipient"
client_did_not_send "Final-Recipient: rfc822; good@example.test" \
	"the bounce does not name the one who got it"
fault_done
