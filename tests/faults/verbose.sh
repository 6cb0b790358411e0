#!/bin/sh
# -v shows the SMTP conversation on stderr; when the delivery fails, the
# last stderr line is still the one "postie:" outcome line.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start verbose
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -v rcpt@example.test
fault_finish

is "$status" 75 "exit status 75"
like "$stderr" "EHLO " "the conversation shows EHLO"
like "$stderr" "250-faultserver.example.test" "the conversation shows the first EHLO reply line"
like "$stderr" "250 HELP" "the conversation shows the last EHLO reply line"
like "$stderr" "MAIL FROM:<sender@example.test>" "the conversation shows MAIL"
outcome_line_is "$(tail -n 1 "$TEST_TMP/stderr")" mail 451 4.3.2 "try again later"
is "$(grep -c '^postie: ' "$TEST_TMP/stderr")" 1 "exactly one outcome line"
fault_done
