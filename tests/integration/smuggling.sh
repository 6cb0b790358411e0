#!/bin/sh
# SMTP smuggling: a body (sent with -i) full of bare-LF and bare-CR variants
# of "<CRLF>.<CRLF>", each followed by a complete second transaction for
# eve, arrives at alice as ONE message with its text intact, and eve gets
# nothing. A lone CR or LF in the input is a line break, so in the Maildir
# every one of them is a LF.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

# Smuggling is a DATA problem: no CHUNKING, so postie has to use DATA. The
# fixture rejects bare <LF> (550) and keeps bare <CR> as data, so a leak of
# either shows up as a failed send or as a wrong byte in the Maildir.
postfix_start_with_account "smtpd_discard_ehlo_keywords = chunking"

headers='From: Sender <sender@example.test>
To: alice@example.test
Subject: smuggling attempts
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <smuggling.1@example.test>
'

# attempt NAME BREAK-BEFORE-DOT BREAK-AFTER-DOT BREAK: the text NAME, then a
# line of one dot between the two given line breaks, then a whole SMTP
# transaction for eve written with BREAK (breaks as printf %b escapes).
attempt() {
	printf '%s%b.%b' "$1" "$2" "$3"
	printf 'MAIL FROM:<x@example.test>%bRCPT TO:<eve@example.test>%b' "$4" "$4"
	printf 'DATA%bsmuggled by %s%b.%b' "$4" "$1" "$4" "$4"
}

{
	printf '%s\n' "$headers"
	attempt 'LF dot LF' '\n' '\n' '\n'
	attempt 'CRLF dot CR' '\r\n' '\r' '\r\n'
	attempt 'CR dot CR' '\r' '\r' '\r'
	attempt 'LF dot CRLF' '\n' '\r\n' '\r\n'
	attempt 'CRLF dot LF' '\r\n' '\n' '\n'
	attempt 'CR dot LF' '\r' '\n' '\r'
	printf 'the end of the one real message\n'
} >"$TEST_TMP/msg"

{
	printf '%s\n' "$headers"
	for name in 'LF dot LF' 'CRLF dot CR' 'CR dot CR' 'LF dot CRLF' \
		'CRLF dot LF' 'CR dot LF'; do
		printf '%s\n' \
			"$name" \
			'.' \
			'MAIL FROM:<x@example.test>' \
			'RCPT TO:<eve@example.test>' \
			'DATA' \
			"smuggled by $name" \
			'.'
	done
	printf 'the end of the one real message\n'
} >"$TEST_TMP/want"

run_postie "$TEST_TMP/msg" -C "$conf" -i alice@example.test
is "$status" 0 "exit status 0"
is "$stderr" "" "stderr is empty"
wait_for_delivery alice 1
ok $? "alice received exactly one message"
message_without_trace "$(maildir_files alice)" >"$TEST_TMP/got"
same_bytes "$TEST_TMP/got" "$TEST_TMP/want" \
	"the whole text arrives, every lone CR and LF as a line break"
summary=$(postfix_session_summary 1)
like "$summary" " mail=1 " "the server saw one MAIL command"
like "$summary" " rcpt=1 " "the server saw one RCPT command"
assert_no_mail eve
is "$(postfix_transaction_count)" 1 "the server saw one mail transaction"
done_testing
