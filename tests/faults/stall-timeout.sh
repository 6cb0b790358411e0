#!/bin/sh
# The server stops answering after its EHLO reply. With "timeout 2", postie
# must give up on its own within 5 s and report a temporary failure (75).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start stall-timeout "timeout 2"
started=$(date +%s)
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
ended=$(date +%s)
fault_finish

expect_outcome 75 mail
elapsed=$((ended - started))
if [ "$elapsed" -le 5 ]; then
	pass "postie gave up within 5 s (took $elapsed s)"
else
	fail "postie gave up within 5 s" "it took $elapsed s"
fi
if [ "$elapsed" -ge 2 ]; then
	pass "postie waited for its 2 s timeout (took $elapsed s)"
else
	fail "postie waited for its 2 s timeout" "it gave up after $elapsed s"
fi
client_sent MAIL "postie sent MAIL and waited for the reply"
client_did_not_send DATA "postie sent no DATA"
fault_done
