#!/bin/sh
# partial_delivery on, one of two recipients refused: the message is sent
# to the other (DATA), and postie still exits 67 with one line that names
# the refused recipient only and says the message was delivered to 1 of 2.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-partial "partial_delivery on"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" good@example.test bad@example.test
fault_finish

expect_outcome 67 rcpt "delivered to 1 of 2 recipients" "<bad@example.test> refused" \
	550 5.1.1 "no such user here"
unlike "$stderr" good@example.test "the accepted recipient is not named"
client_sent DATA "postie sent DATA"
client_sent "Subject: postie fault test" "the message body was sent"
client_did_not_send RSET "postie sent no RSET"
fault_done
