#!/bin/sh
# -bs: postie speaks SMTP on stdin/stdout (as some MUAs drive sendmail) and
# submits each message through the account, answering end of data with the
# smarthost's real verdict: a scripted dialogue gets 220, 250s, 354, 250,
# 221, and the dot-stuffed line arrives un-stuffed; an unknown recipient's
# 550 5.1.1 from Postfix comes back to the client; swaks --pipe works too.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

# crlf: stdin's lines with CRLF line ends, as an SMTP client sends them.
crlf() {
	awk '{ printf "%s\r\n", $0 }'
}

# reply_codes: the code of each complete reply on stdout (the last line of
# a multi-line reply), space-separated.
reply_codes() {
	printf '%s\n' "$stdout" | tr -d '\r' |
		awk 'substr($0, 4, 1) != "-" { printf "%s%s", sep, substr($0, 1, 3); sep = " " }'
}

message_lines() {
	printf '%s\n' \
		'From: Sender <sender@example.test>' \
		"To: $1@example.test" \
		'Subject: over stdin and stdout' \
		'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
		"Message-ID: <bs-mode.$1@example.test>" \
		'' \
		'A line that starts with a dot follows.' \
		'.dot first'
}

# 1. One transaction, the whole dialogue written at once.
{
	echo 'EHLO client.example.test'
	echo 'MAIL FROM:<sender@example.test>'
	echo 'RCPT TO:<alice@example.test>'
	echo 'DATA'
	message_lines alice | sed 's/^\./../'
	echo '.'
	echo 'QUIT'
} | crlf >"$TEST_TMP/dialogue"
message_lines alice >"$TEST_TMP/want"

run_postie "$TEST_TMP/dialogue" -bs -C "$conf"
is "$status" 0 "-bs: exit status 0"
is "$stderr" "" "-bs: stderr is empty"
is "$(reply_codes)" "220 250 250 250 354 250 221" \
	"-bs: greeting, EHLO, MAIL, RCPT, DATA, end of data, QUIT replies"
like "$(printf '%s\n' "$stdout" | sed -n 1p)" "220 " "-bs: the greeting comes first"
wait_for_delivery alice 1
ok $? "-bs: alice received the message"
message_without_trace "$(maildir_files alice)" >"$TEST_TMP/got"
same_bytes "$TEST_TMP/got" "$TEST_TMP/want" "-bs: the message arrives with the dot un-stuffed"
is "$(message_return_path "$(maildir_files alice)")" "<sender@example.test>" \
	"-bs: the envelope sender is the MAIL FROM address"

# 2. An unknown recipient: Postfix's 550 5.1.1 goes back to the client,
# and a second transaction in the same session still works.
{
	echo 'EHLO client.example.test'
	echo 'MAIL FROM:<sender@example.test>'
	echo 'RCPT TO:<nosuchuser@example.test>'
	echo 'DATA'
	message_lines nosuchuser | sed 's/^\./../'
	echo '.'
	echo 'MAIL FROM:<sender@example.test>'
	echo 'RCPT TO:<bob@example.test>'
	echo 'DATA'
	message_lines bob | sed 's/^\./../'
	echo '.'
	echo 'QUIT'
} | crlf >"$TEST_TMP/dialogue"
message_lines bob >"$TEST_TMP/want"

run_postie "$TEST_TMP/dialogue" -bs -C "$conf"
is "$status" 0 "-bs, unknown recipient: exit status 0"
like "$stdout" "550 5.1.1" "-bs, unknown recipient: the client gets Postfix's 550 5.1.1"
like "$(printf '%s\n' "$stdout" | grep '^550')" "nosuchuser@example.test" \
	"-bs, unknown recipient: the 550 reply names the address"
# postie cannot know the recipient is unknown before it submits: RCPT gets
# 250, and the verdict comes at the end of the data.
is "$(reply_codes)" "220 250 250 250 354 550 250 250 354 250 221" \
	"-bs, unknown recipient: 550 at the end of the data, then a normal transaction"
wait_for_delivery bob 1
ok $? "-bs, second transaction: bob received it"
message_without_trace "$(maildir_files bob)" >"$TEST_TMP/got"
same_bytes "$TEST_TMP/got" "$TEST_TMP/want" "-bs, second transaction: bob's copy is the message"
is "$(mail_count alice)" 1 "-bs, unknown recipient: nothing more for alice"

# 3. A real SMTP client: swaks talking to postie -bs through a pipe.
command -v swaks >/dev/null 2>&1 ||
	bail "swaks is not installed (dev/install-deps installs it)"
status=0
timeout 60 swaks --pipe "$POSTIE -bs -C $conf" --from sender@example.test \
	--to carol@example.test --header 'Subject: via swaks' \
	--body 'Hello from swaks.' >"$TEST_TMP/swaks.out" 2>&1 || status=$?
is "$status" 0 "swaks --pipe: exit status 0"
[ "$status" -eq 0 ] || diag "$(cat "$TEST_TMP/swaks.out")"
wait_for_delivery carol 1
ok $? "swaks --pipe: carol received the message"
got=$(message_without_trace "$(maildir_files carol)")
like "$got" "Subject: via swaks" "swaks --pipe: the Subject arrived"
like "$got" "Hello from swaks." "swaks --pipe: the body arrived"
is "$(message_return_path "$(maildir_files carol)")" "<sender@example.test>" \
	"swaks --pipe: the envelope sender is swaks's MAIL FROM"
assert_no_mail dave
assert_queue_empty
done_testing
