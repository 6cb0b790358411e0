#!/bin/sh
# With PIPELINING, MAIL, RCPT and DATA go out before any reply is read
# (the script answers only after all three came). With two recipients and
# all-or-nothing delivery, DATA waits for the RCPT replies: one refused
# means RSET and 67, no DATA.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-pipelining
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 0 "one recipient, pipelined: exit status 0"

fault_start esmtp-pipelining-refused
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" good@example.test bad@example.test
fault_finish
expect_outcome 67 rcpt "<bad@example.test> refused, nothing sent" 550 5.1.1
client_did_not_send DATA "postie sent no DATA"
client_sent RSET "postie sent RSET"
fault_done
