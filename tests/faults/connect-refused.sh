#!/bin/sh
# Nothing listens on the smarthost's port: connection refused is a
# temporary failure (75).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

[ -n "${FREEPORT:-}" ] && [ -x "$FREEPORT" ] ||
	bail "freeport is not built (FREEPORT='${FREEPORT:-}')"
port=$("$FREEPORT") || bail "freeport failed"
write_config "$FAULT_CONFIG" 127.0.0.1 "$port"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test

expect_outcome 75 connect 127.0.0.1 "$port"
fault_done
