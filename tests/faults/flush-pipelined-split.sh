#!/bin/sh
# A queued message to two recipients, to a server with PIPELINING but not
# CHUNKING: MAIL, both RCPTs and DATA go in one write, the second
# recipient is refused for good after DATA got its 354, so postie closes
# the connection without the final dot (all or nothing). The flush then
# reconnects and sends one transaction per recipient: the accepted one
# gets the message once, the refused one alone is bounced.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

queue_setup
queue_fault_start flush-pipelined-split 2 "$(queue_config_lines auto)"

run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -odq good@example.test gone@example.test
is "$status" 0 "-odq queues the message"
id=$(queue_ids)

run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "postie -q exits 0"
fault_finish
is "$(fault_connections)" 2 "a second connection after the one closed mid-DATA"
server_noted "client closed the connection (expect-close)" \
	"the first connection was closed without the final dot"
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
