#!/bin/sh
# The server announces SIZE 1000 and the message is bigger: postie exits 69
# before MAIL, naming both sizes.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

message=$TEST_TMP/big
{
	printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: big\n\n'
	i=0
	while [ $i -lt 40 ]; do
		echo "line $i of a message that is too big for this server's SIZE limit"
		i=$((i + 1))
	done
} >"$message"

fault_start esmtp-size-exceeded
run_postie "$message" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish

expect_outcome 69 mail "more than the 1000 bytes" "(SIZE)"
client_did_not_send MAIL "postie sent no MAIL"
client_sent QUIT "postie ended the session with QUIT"
fault_done
