#!/bin/sh
# `fallback`: the account's server refuses connections, so the next account
# in its fallback list delivers, when sending and when flushing the queue;
# the log line names the account that delivered.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

[ -n "${FREEPORT:-}" ] && [ -x "$FREEPORT" ] ||
	bail "freeport is not built (FREEPORT='${FREEPORT:-}')"
refused=$("$FREEPORT") || bail "freeport failed"
log=$TEST_TMP/postie.log

queue_setup
queue_fault_start accept 2
cat >"$FAULT_CONFIG" <<CONF
defaults
timeout 10
tls off
from sender@example.test
logfile $log
$(queue_config_lines auto)

account first
host 127.0.0.1
port $refused
fallback second

account second
host 127.0.0.1
port $(cat "$FAULT_PORTFILE")

account default : first
CONF
chmod 600 "$FAULT_CONFIG"

run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
is "$status" 0 "sending: delivered through the fallback account (exit 0)"
is "$stderr" "" "sending: nothing on stderr"
is "$(queue_count)" 0 "sending: nothing was queued"
line=$(tail -n 1 "$log")
like "$line" " account=second " "sending: the log line names the account that delivered"
like "$line" " port=$(cat "$FAULT_PORTFILE") " "sending: and its port"

run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -odq rcpt@example.test
is "$status" 0 "-odq queues a second message (exit 0)"
is "$(queue_count)" 1 "it is in the queue"
run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "postie -q exits 0"
fault_finish
is "$(fault_connections)" 2 "the fallback server took both messages"
is "$(queue_count)" 0 "the queue is empty"
line=$(tail -n 1 "$log")
like "$line" " account=second " "flushing: the log line names the account that delivered"
unlike "$line" "exit=EX_TEMPFAIL" "flushing: the log line is not a failure"
fault_done
