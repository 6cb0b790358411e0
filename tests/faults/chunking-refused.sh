#!/bin/sh
# The server refuses the BDAT chunk: 552 and 554 are permanent (69, step
# data), 451 is temporary (75); either way postie ends the transaction
# with RSET (RFC 3030: no more chunks after a refused one) and QUITs.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

for case in "552 69 5.3.4 message too big" "554 69 5.6.0 content refused" \
	"451 75 4.3.0 try again later"; do
	# shellcheck disable=SC2086 # the fields of the case, split on purpose
	set -- $case
	code=$1 exit=$2 enhanced=$3
	shift 3
	fault_start "chunking-bdat-$code"
	run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
	fault_finish
	expect_outcome "$exit" data "message refused" "$code $enhanced $*"
	client_sent BDAT "$code: the body went as BDAT"
	client_sent RSET "$code: postie sent RSET after the refused chunk"
	client_sent QUIT "$code: and ended the session with QUIT"
done
fault_done
