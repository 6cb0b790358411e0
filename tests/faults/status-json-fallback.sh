#!/bin/sh
# --status-json after a fallback: the first account's server greylists the
# recipient (450), the fallback account's server cannot be reached. The
# object tells of the last server tried (its account, port, failure) and
# does not carry the first server's refusal as if it were the last word.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

[ -n "${FREEPORT:-}" ] && [ -x "$FREEPORT" ] ||
	bail "freeport is not built (FREEPORT='${FREEPORT:-}')"
refused=$("$FREEPORT") || bail "freeport failed"

fault_start status-json-rcpt-450
cat >"$FAULT_CONFIG" <<CONF
defaults
timeout 10
tls off
from sender@example.test
queue off
queue_dir $TEST_TMP/queue

account first
host 127.0.0.1
port $(cat "$FAULT_PORTFILE")
fallback second

account second
host 127.0.0.1
port $refused

account default : first
CONF
chmod 600 "$FAULT_CONFIG"

run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" --status-json rcpt@example.test
fault_finish

is "$status" 75 "both accounts failed temporarily: exit 75"
got=$(printf '%s' "$stdout" | python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
print(o["outcome"], o["account"], o["port"], o["step"], o["smtp"], o["refused"])')
is "$got" "failed second $refused connect None []" \
	"the object is about the fallback's failure, with no stale refusal"

# Without the fallback, the 450 is the last word and is listed.
fault_start status-json-rcpt-450
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" --status-json rcpt@example.test
fault_finish
got=$(printf '%s' "$stdout" | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
r = o["refused"]
print(o["outcome"], o["exit"], o["step"], len(r), r[0]["rcpt"], r[0]["code"], r[0]["enhanced"], r[0]["text"])')
is "$got" "failed 75 rcpt 1 rcpt@example.test 450 4.2.0 greylisted" \
	"one account: the greylisted recipient is listed with its reply"
fault_done
