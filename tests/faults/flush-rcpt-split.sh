#!/bin/sh
# A queued message to two recipients, one refused for good (550 at RCPT):
# the other still gets it (once), the refused one is bounced to the sender
# naming that recipient alone, and the message is not tried again.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

queue_setup
queue_fault_start flush-rcpt-split 1 "$(queue_config_lines auto)"

run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -odq good@example.test gone@example.test
is "$status" 0 "-odq queues the message"
id=$(queue_ids)

run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "postie -q exits 0"
fault_finish
is "$(printf '%s\n' "$transcript" | grep -c '^S: 250 2.0.0 queued as GOOD')" 1 \
	"the accepted recipient got the message once"
is "$(queue_count)" 0 "the message is no longer queued"
is "$(queue_ids failed)" "$id" "it is in failed/ for the refused recipient"
is "$(sed -n 's/^rcpt //p' "$QDIR/failed/$id.env")" "gone@example.test" \
	"failed/ names only the refused recipient"
like "$(queue_env_value "$id" last_reply failed)" "550 5.1.1" "failed/ keeps the reply"
client_sent "Final-Recipient: rfc822; gone@example.test" "the bounce names the refused recipient"
client_did_not_send "Final-Recipient: rfc822; good@example.test" \
	"the bounce does not name the one who got it"
client_sent "Status: 5.1.1" "the bounce gives the refusal's status"
fault_done
