#!/bin/sh
# Two of three recipients are refused with 550 5.1.1: postie delivers to
# nobody (RSET, no DATA), exits 67, and its one stderr line names both
# refused addresses (the server's replies do not).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start rcpt-some-refused
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" \
	good@example.test bad1@example.test bad2@example.test
fault_finish

expect_outcome 67 rcpt 550 5.1.1 "no such user here" bad1@example.test bad2@example.test
unlike "$stderr" good@example.test "the accepted recipient is not named as refused"
client_sent RSET "postie sent RSET"
client_did_not_send DATA "postie sent no DATA"
client_sent QUIT "postie ended the session with QUIT"
fault_done
