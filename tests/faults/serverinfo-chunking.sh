#!/bin/sh
# --serverinfo says whether the server offers PIPELINING and CHUNKING, and
# whether postie uses them with it: both offered (BDAT, MAIL and RCPTs in
# one write), PIPELINING alone (DATA goes with MAIL and the RCPTs), and
# neither (one command at a time, DATA).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start serverinfo-plain
run_postie /dev/null --serverinfo -C "$FAULT_CONFIG"
fault_finish
is "$status" 0 "both offered: exit status 0"
like "$stdout" "    PIPELINING offered and used: MAIL and every RCPT in one write, with BDAT" \
	"both offered: pipelining is used"
like "$stdout" "    CHUNKING offered and used: the message goes as one BDAT chunk" \
	"both offered: chunking is used"

fault_start serverinfo-pipelining-only
run_postie /dev/null --serverinfo -C "$FAULT_CONFIG"
fault_finish
is "$status" 0 "PIPELINING only: exit status 0"
like "$stdout" "    PIPELINING offered and used: MAIL, every RCPT and DATA in one write" \
	"PIPELINING only: DATA goes with MAIL and the RCPTs"
like "$stdout" "    CHUNKING not offered: the message goes as DATA, dot-stuffed" \
	"PIPELINING only: chunking is not offered"

fault_start serverinfo-neither
run_postie /dev/null --serverinfo -C "$FAULT_CONFIG"
fault_finish
is "$status" 0 "neither: exit status 0"
like "$stdout" "    PIPELINING not offered: postie sends one command at a time" \
	"neither: no pipelining"
like "$stdout" "    CHUNKING not offered: the message goes as DATA" "neither: no chunking"
fault_done
