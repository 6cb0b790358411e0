#!/bin/sh
# A NUL byte makes the message unusable: exit 65, one stderr line that names
# the input line holding it, and nothing is sent.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

# names_line N DESCRIPTION: stderr says "line N" (and not, say, "line 70").
names_line() {
	case $stderr in
	*"line $1" | *"line $1"[!0-9]*) pass "$2" ;;
	*) fail "$2" "stderr: '$stderr'
does not name line $1" ;;
	esac
}

# NUL in the body, line 7 (sent with -i).
printf 'From: Sender <sender@example.test>\nTo: alice@example.test\nSubject: a NUL in the body\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <nul-byte.1@example.test>\n\nbefore\000after\nlast line\n' \
	>"$TEST_TMP/msg-body"
# NUL in a header field, line 3.
printf 'From: Sender <sender@example.test>\nTo: alice@example.test\nSubject: a NUL\000in the header\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <nul-byte.2@example.test>\n\nbody\n' \
	>"$TEST_TMP/msg-header"

[ "$(tr -dc '\000' <"$TEST_TMP/msg-body" | wc -c)" -eq 1 ] ||
	bail "could not write a NUL byte with printf"

run_postie "$TEST_TMP/msg-body" -C "$conf" -i alice@example.test
is "$status" 65 "NUL in the body: exit status 65 (EX_DATAERR)"
error_line "NUL in the body: stderr is one 'postie: ' line"
names_line 7 "NUL in the body: stderr names line 7"

run_postie "$TEST_TMP/msg-header" -C "$conf" alice@example.test
is "$status" 65 "NUL in a header: exit status 65 (EX_DATAERR)"
error_line "NUL in a header: stderr is one 'postie: ' line"
names_line 3 "NUL in a header: stderr names line 3"

assert_nothing_delivered
is "$(postfix_transaction_count)" 0 "no mail transaction reached the server"
done_testing
