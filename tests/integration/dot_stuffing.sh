#!/bin/sh
# Dot-stuffing round trip over DATA: with -i, lines that start with a dot
# (".", "..", ".hidden", ...) arrive exactly as written; without -i, a line
# holding a single dot ends the message and what follows is not sent.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

# No CHUNKING, so the message has to go through DATA and its dot-stuffing.
postfix_start_with_account "smtpd_discard_ehlo_keywords = chunking"

headers() {
	printf '%s\n' \
		'From: Sender <sender@example.test>' \
		"To: $1@example.test" \
		'Subject: dots' \
		'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
		"Message-ID: <dot-stuffing.$1@example.test>" \
		''
}

# 1. With -i every dot is data, including a last line of a single dot.
{
	headers alice
	printf '%s\n' \
		'.hidden' \
		'.' \
		'..' \
		'a.' \
		'...' \
		'. a dot and a space' \
		'' \
		'.'
} >"$TEST_TMP/msg-i"
cp "$TEST_TMP/msg-i" "$TEST_TMP/want-i"

run_postie "$TEST_TMP/msg-i" -C "$conf" -i alice@example.test
is "$status" 0 "-i: exit status 0"
is "$stderr" "" "-i: stderr is empty"
like "$(postfix_session_summary 1)" " data=1 " "-i: the message went through DATA"
wait_for_delivery alice 1
ok $? "-i: alice received one message"
message_without_trace "$(maildir_files alice)" >"$TEST_TMP/got-i"
same_bytes "$TEST_TMP/got-i" "$TEST_TMP/want-i" "-i: every dotted line arrives exactly"

# 2. Without -i a lone "." ends the input; ".." before it is still data.
{
	headers bob
	printf '%s\n' \
		'before the dot' \
		'..' \
		'.' \
		'after the dot: not part of the message' \
		'.'
} >"$TEST_TMP/msg-dot"
{
	headers bob
	printf '%s\n' \
		'before the dot' \
		'..'
} >"$TEST_TMP/want-dot"

run_postie "$TEST_TMP/msg-dot" -C "$conf" bob@example.test
is "$status" 0 "without -i: exit status 0"
is "$stderr" "" "without -i: stderr is empty"
wait_for_delivery bob 1
ok $? "without -i: bob received one message"
message_without_trace "$(maildir_files bob)" >"$TEST_TMP/got-dot"
same_bytes "$TEST_TMP/got-dot" "$TEST_TMP/want-dot" \
	"without -i: the message ends at the lone dot"

# 3. The same with CRLF input: ".\r\n" is a lone dot too.
{
	headers carol
	printf '%s\n' \
		'before the dot' \
		'.' \
		'after the dot: not part of the message'
} | awk '{ printf "%s\r\n", $0 }' >"$TEST_TMP/msg-dot-crlf"
{
	headers carol
	printf '%s\n' 'before the dot'
} >"$TEST_TMP/want-dot-crlf"

run_postie "$TEST_TMP/msg-dot-crlf" -C "$conf" carol@example.test
is "$status" 0 "without -i, CRLF: exit status 0"
is "$stderr" "" "without -i, CRLF: stderr is empty"
wait_for_delivery carol 1
ok $? "without -i, CRLF: carol received one message"
message_without_trace "$(maildir_files carol)" >"$TEST_TMP/got-dot-crlf"
same_bytes "$TEST_TMP/got-dot-crlf" "$TEST_TMP/want-dot-crlf" \
	"without -i, CRLF: the message ends at the lone dot"

done_testing
