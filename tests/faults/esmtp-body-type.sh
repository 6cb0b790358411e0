#!/bin/sh
# BODY (RFC 6152): an 8-bit body goes with BODY=8BITMIME when the server
# offers it; with -B7BIT the caller's word is taken: BODY=7BIT.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

message=$TEST_TMP/8bit
printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: 8bit\n\nGr\303\274\303\237e\n' \
	>"$message"

fault_start esmtp-8bitmime
run_postie "$message" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 0 "an 8-bit body: exit status 0"
client_sent "MAIL FROM:<sender@example.test> BODY=8BITMIME" "MAIL says BODY=8BITMIME"

fault_start esmtp-body-7bit
run_postie "$message" -C "$FAULT_CONFIG" -B7BIT rcpt@example.test
fault_finish
is "$status" 0 "-B7BIT: exit status 0"
client_sent "MAIL FROM:<sender@example.test> BODY=7BIT" "MAIL says BODY=7BIT"
fault_done
