#!/bin/sh
# No recipients: none on the command line is a usage error (64); -t with a
# message that has no To, Cc or Bcc is a data error (65). Nothing is sent.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: alice@example.test' \
	'Subject: addressed, but not on the command line' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <no-recipients.1@example.test>' \
	'' \
	'Nobody should read this.' >"$TEST_TMP/msg"

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'Subject: no recipient fields' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <no-recipients.2@example.test>' \
	'' \
	'Nobody should read this.' >"$TEST_TMP/msg-unaddressed"

run_postie "$TEST_TMP/msg" -C "$conf"
is "$status" 64 "no recipient arguments: exit status 64 (EX_USAGE)"
error_line "no recipient arguments: stderr is one 'postie: ' line"

run_postie "$TEST_TMP/msg-unaddressed" -C "$conf" -t
is "$status" 65 "-t without To/Cc/Bcc: exit status 65 (EX_DATAERR)"
error_line "-t without To/Cc/Bcc: stderr is one 'postie: ' line"

assert_nothing_delivered
is "$(postfix_transaction_count)" 0 "no mail transaction reached the server"
done_testing
