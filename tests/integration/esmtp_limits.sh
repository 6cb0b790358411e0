#!/bin/sh
# ESMTP extensions against the real Postfix: a message over the server's
# SIZE limit is refused before anything is sent (69, both sizes named); an
# 8-bit body goes with BODY=8BITMIME and arrives byte for byte; DSN requests
# (-N, -R, -V) reach the server, which then reports the delivery as asked;
# the same request to a server without DSN is refused (69) with a clear
# error, and nothing is delivered.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account "message_size_limit = 20000"

# mail_line: the MAIL command of the last -v transcript.
mail_line() {
	grep 'MAIL FROM:' "$TEST_TMP/stderr" | tail -n 1
}

# 1. SIZE: about 30000 bytes against a 20000 byte limit.
{
	printf '%s\n' \
		'From: Sender <sender@example.test>' \
		'To: alice@example.test' \
		'Subject: too big' \
		'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
		'Message-ID: <esmtp-limits.1@example.test>' \
		''
	i=0
	while [ $i -lt 400 ]; do
		printf '%075d\n' "$i"
		i=$((i + 1))
	done
} >"$TEST_TMP/big"
# The size postie announces: every line goes out with CRLF.
big_size=$(($(wc -c <"$TEST_TMP/big") + $(wc -l <"$TEST_TMP/big")))
run_postie "$TEST_TMP/big" -C "$conf" alice@example.test
is "$status" 69 "over SIZE: exit status 69 (EX_UNAVAILABLE)"
error_line "over SIZE: stderr is one 'postie: ' line"
like "$stderr" "$big_size" "over SIZE: stderr gives the message's size ($big_size)"
like "$stderr" "20000" "over SIZE: stderr gives the server's limit"
summary=$(postfix_session_summary)
unlike "$summary" "mail=" "over SIZE: no MAIL command was sent"
unlike "$summary" "data=" "over SIZE: no DATA command was sent"
assert_no_mail alice

# 2. An 8-bit body: BODY=8BITMIME, and the bytes arrive unchanged.
printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: bob@example.test' \
	'Subject: eight bits' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <esmtp-limits.2@example.test>' \
	'MIME-Version: 1.0' \
	'Content-Type: text/plain; charset=UTF-8' \
	'Content-Transfer-Encoding: 8bit' \
	'' \
	'Grüße aus Köln, 10 € — ½ ∑ ✓' \
	"latin-1 byte: $(printf '\351')" >"$TEST_TMP/8bit"
run_postie "$TEST_TMP/8bit" -C "$conf" -v bob@example.test
is "$status" 0 "8-bit body: exit status 0"
like "$(mail_line)" " BODY=8BITMIME" "8-bit body: MAIL FROM carries BODY=8BITMIME"
wait_for_delivery bob 1
ok $? "8-bit body: bob received it"
message_without_trace "$(maildir_files bob)" >"$TEST_TMP/got"
same_bytes "$TEST_TMP/got" "$TEST_TMP/8bit" "8-bit body: arrives byte for byte"

# 3. DSN: NOTIFY, RET and ENVID reach Postfix. The sender is bob, so the
# success notification Postfix sends shows what it understood.
printf '%s\n' \
	'From: Bob <bob@example.test>' \
	'To: alice@example.test' \
	'Subject: tell me when it arrives' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <esmtp-limits.3@example.test>' \
	'' \
	'This body is not returned with RET=HDRS.' >"$TEST_TMP/dsn"
run_postie "$TEST_TMP/dsn" -C "$conf" -v -f bob@example.test \
	-N success,failure -R hdrs -V envid123 alice@example.test
is "$status" 0 "DSN: exit status 0"
mail=$(mail_line)
like "$mail" "MAIL FROM:<bob@example.test>" "DSN: MAIL FROM is bob"
like "$mail" " RET=HDRS" "DSN: MAIL FROM carries RET=HDRS"
like "$mail" " ENVID=envid123" "DSN: MAIL FROM carries ENVID=envid123"
unlike "$mail" "BODY=" "DSN: a 7-bit message has no BODY parameter"
like "$(grep 'RCPT TO:<alice@example.test>' "$TEST_TMP/stderr")" " NOTIFY=SUCCESS,FAILURE" \
	"DSN: RCPT TO carries NOTIFY=SUCCESS,FAILURE"
wait_for_delivery alice 1
ok $? "DSN: alice received the message"
message_without_trace "$(maildir_files alice)" >"$TEST_TMP/got"
same_bytes "$TEST_TMP/got" "$TEST_TMP/dsn" "DSN: alice's copy is the message as sent"
wait_for_delivery bob 2
ok $? "DSN: bob received a delivery notification"
report=$(cat "$(maildir_files bob | tail -n 1)")
like "$report" "Original-Envelope-Id: envid123" "DSN: the notification names ENVID envid123"
like "$report" "Action: delivered" "DSN: the notification reports the delivery (NOTIFY=SUCCESS)"
like "$report" "alice@example.test" "DSN: the notification names the recipient"
like "$report" "Subject: tell me when it arrives" "DSN: the notification returns the header"
unlike "$report" "This body is not returned" "DSN: RET=HDRS: the body is not returned"

# 4. The same DSN request to a server that does not offer DSN: refused.
postfix_stop
postfix_start_with_account "smtpd_discard_ehlo_keywords = dsn"
run_postie "$TEST_TMP/dsn" -C "$conf" -f bob@example.test \
	-N success,failure -R hdrs -V envid123 alice@example.test
is "$status" 69 "DSN not offered: exit status 69 (EX_UNAVAILABLE)"
error_line "DSN not offered: stderr is one 'postie: ' line"
like "$stderr" "DSN" "DSN not offered: stderr says DSN is not offered"
unlike "$(postfix_session_summary)" "data=" "DSN not offered: no DATA command was sent"
assert_nothing_delivered
# Without a DSN request the same server takes the message.
run_postie "$TEST_TMP/dsn" -C "$conf" -f bob@example.test alice@example.test
is "$status" 0 "DSN not offered, none requested: exit status 0"
wait_for_delivery alice 1
ok $? "DSN not offered, none requested: alice received it"
done_testing
