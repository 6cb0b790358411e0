#!/bin/sh
# With SIZE offered, MAIL FROM carries SIZE=n, n being the size of the
# message as sent (CRLF lines, before dot-stuffing): at least the input
# plus a CR per line.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-size-parameter
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

is "$status" 0 "exit status 0"
size=$(printf '%s\n' "$transcript" | sed -n 's/^C: MAIL FROM:<sender@example.test> SIZE=\([0-9]*\)$/\1/p')
least=$(($(wc -c <"$FAULT_MESSAGE") + $(wc -l <"$FAULT_MESSAGE")))
if [ -n "$size" ] && [ "$size" -ge "$least" ]; then
	pass "SIZE=$size is the message size (input with CRLF: $least bytes or more)"
else
	fail "SIZE= is the message size" "SIZE='$size', want at least $least"
fi
fault_done
