#!/bin/sh
# Plain delivery: postie -C conf alice@example.test < msg delivers the message
# exactly as sent, headers and body; CRLF input arrives as LF in the Maildir.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

# Every header postie could add when missing is present, so nothing is added.
message_lines() {
	printf '%s\n' \
		'From: Sender <sender@example.test>' \
		'To: Alice <alice@example.test>' \
		'Subject: plain delivery' \
		'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
		'Message-ID: <plain-delivery.1@example.test>' \
		'X-Folded: first part' \
		'	second part' \
		'' \
		'Hello Alice,' \
		'' \
		'a line with trailing spaces   ' \
		'	a line that starts with a tab' \
		'' \
		'-- ' \
		'the last line'
}
message_lines | awk '{ printf "%s\r\n", $0 }' >"$TEST_TMP/msg-crlf"
message_lines >"$TEST_TMP/msg-lf"
message_lines >"$TEST_TMP/want"

# CRLF input
run_postie "$TEST_TMP/msg-crlf" -C "$conf" alice@example.test
is "$status" 0 "CRLF message: exit status 0"
is "$stderr" "" "CRLF message: stderr is empty"
wait_for_delivery alice 1
ok $? "alice received one message"
message_without_trace "$(maildir_files alice)" >"$TEST_TMP/got-alice"
same_bytes "$TEST_TMP/got-alice" "$TEST_TMP/want" \
	"CRLF message arrives byte for byte (with LF line ends)"

# LF input
run_postie "$TEST_TMP/msg-lf" -C "$conf" bob@example.test
is "$status" 0 "LF message: exit status 0"
is "$stderr" "" "LF message: stderr is empty"
wait_for_delivery bob 1
ok $? "bob received one message"
message_without_trace "$(maildir_files bob)" >"$TEST_TMP/got-bob"
same_bytes "$TEST_TMP/got-bob" "$TEST_TMP/want" "LF message arrives byte for byte"

assert_no_mail carol
done_testing
