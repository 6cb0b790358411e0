#!/bin/sh
# PIPELINING and CHUNKING, two recipients, all or nothing: MAIL and both
# RCPTs go in one write, but the BDAT waits for their replies (a BDAT
# LAST would deliver to the accepted one). The second is refused: RSET,
# no BDAT, 67, and the connection stays usable (QUIT).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start chunking-rcpt-refused
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" good@example.test bad@example.test
fault_finish
expect_outcome 67 rcpt "<bad@example.test> refused, nothing sent" 550 5.1.1
client_did_not_send BDAT "no BDAT"
client_did_not_send "Subject:" "no message text was sent"
client_sent RSET "postie sent RSET"
client_sent QUIT "postie ended the session with QUIT"
fault_done
