#!/bin/sh
# An 8-bit body to a server that does not offer 8BITMIME: 69 before MAIL,
# with a hint at the fix.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

message=$TEST_TMP/8bit
printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: 8bit\n\nGr\303\274\303\237e\n' \
	>"$message"

fault_start esmtp-8bit-refused
run_postie "$message" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 69 mail "8-bit bytes" "does not offer 8BITMIME"
client_did_not_send MAIL "postie sent no MAIL"
client_sent QUIT "postie ended the session with QUIT"
fault_done
