#!/bin/sh
# --status-json when the server refuses the sender of a pipelined group:
# the object names the MAIL refusal, and the 503 the RCPT then got is not
# listed as a refused recipient.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start status-json-mail-refused
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" --status-json rcpt@example.test
fault_finish

expect_outcome 69 mail 553 5.7.1 "sender rejected"
got=$(printf '%s' "$stdout" | python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
print(o["outcome"], o["exit"], o["step"], o["smtp"]["code"], len(o["refused"]))')
is "$got" "failed 69 mail 553 0" "one object: failed at MAIL with 553, nobody listed as refused"
fault_done
