#!/bin/sh
# -t: recipients come from To, Cc and Bcc (display names, comments and a
# folded Bcc included); everyone gets the message and no copy has a Bcc line.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: "Alice Liddell" <alice@example.test> (first reader)' \
	'Cc: bob@example.test' \
	'Subject: recipients from the header' \
	'Bcc: Carol <carol@example.test>,' \
	' dave@example.test (Dave, in secret)' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <header-recipients.1@example.test>' \
	'' \
	'One message, four readers.' >"$TEST_TMP/msg"

# The same message with the Bcc field and its continuation line cut out.
printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: "Alice Liddell" <alice@example.test> (first reader)' \
	'Cc: bob@example.test' \
	'Subject: recipients from the header' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <header-recipients.1@example.test>' \
	'' \
	'One message, four readers.' >"$TEST_TMP/want"

run_postie "$TEST_TMP/msg" -C "$conf" -t
is "$status" 0 "exit status 0"
is "$stderr" "" "stderr is empty"

for user in alice bob carol dave; do
	wait_for_delivery "$user" 1
	ok $? "$user received one message"
	message_without_trace "$(maildir_files "$user")" >"$TEST_TMP/got-$user"
	same_bytes "$TEST_TMP/got-$user" "$TEST_TMP/want" \
		"$user's copy is byte for byte the message without Bcc"
	if grep -qi '^bcc:' "$TEST_TMP/got-$user"; then
		fail "$user's copy has no Bcc field"
	else
		pass "$user's copy has no Bcc field"
	fi
done
like "$(postfix_session_summary 1)" " rcpt=4 " "postie sent four RCPT commands"
assert_no_mail eve
done_testing
