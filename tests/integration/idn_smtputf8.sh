#!/bin/sh
# Internationalized addresses against a real Postfix, with and without
# SMTPUTF8 (RFC 6531). The server knows the domain bücher.example in its
# ASCII form xn--bcher-kva.example only, as DNS does; Postfix 3.7 does not
# match the UTF-8 form against it (it refuses dave@bücher.example with 554
# Relay access denied), so postie must send the domain as A-labels even
# when SMTPUTF8 is offered. A non-ASCII local part needs SMTPUTF8: the
# server refuses UTF-8 addresses outside an SMTPUTF8 transaction
# (strict_smtputf8), and postie refuses to send one where SMTPUTF8 is not
# offered (65, the address named, nothing sent).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

# ascii_message FILE TO: a plain ASCII message addressed (header) to TO.
ascii_message() {
	printf '%s\n' \
		'From: Sender <sender@example.test>' \
		"To: $2" \
		'Subject: international recipient' \
		'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
		'Message-ID: <idn-smtputf8.1@example.test>' \
		'' \
		'Plain text.' >"$1"
}

# assert_delivered_unchanged USER MESSAGE DESCRIPTION
assert_delivered_unchanged() {
	wait_for_delivery "$1" 1
	ok $? "$3: $1 received one message"
	message_without_trace "$(maildir_files "$1")" >"$TEST_TMP/got-$1"
	same_bytes "$TEST_TMP/got-$1" "$2" "$3: $1's copy is the message unchanged"
}

# server_saw_rcpt ADDRESS: the server delivered to ADDRESS (its log's to=<>).
server_saw_rcpt() {
	grep -qF " to=<$1>," "$PF_LOG"
}

### A server that offers SMTPUTF8.
postfix_start_idn_with_account

ascii_message "$TEST_TMP/msg-a" "Dave <dave@$PF_IDN_DOMAIN>"
run_postie "$TEST_TMP/msg-a" -C "$conf" "dave@$PF_IDN_DOMAIN_UTF8"
is "$status" 0 "UTF-8 domain, SMTPUTF8 offered: exit status 0"
is "$stderr" "" "UTF-8 domain, SMTPUTF8 offered: stderr is empty"
assert_delivered_unchanged dave-idn "$TEST_TMP/msg-a" "UTF-8 domain, SMTPUTF8 offered"
server_saw_rcpt "dave@$PF_IDN_DOMAIN"
ok $? "UTF-8 domain, SMTPUTF8 offered: the server got the A-label domain"

ascii_message "$TEST_TMP/msg-b" 'Jörg <jörg@example.test>'
run_postie "$TEST_TMP/msg-b" -C "$conf" 'jörg@example.test'
is "$status" 0 "UTF-8 local part, SMTPUTF8 offered: exit status 0"
is "$stderr" "" "UTF-8 local part, SMTPUTF8 offered: stderr is empty"
assert_delivered_unchanged joerg "$TEST_TMP/msg-b" "UTF-8 local part, SMTPUTF8 offered"
server_saw_rcpt 'jörg@example.test'
ok $? "UTF-8 local part, SMTPUTF8 offered: the server got jörg@example.test"

# -t: UTF-8 display names and addresses in the header (RFC 6532).
printf '%s\n' \
	'From: "Postie Prüfer" <sender@example.test>' \
	'To: "Jörg Müller" <jörg@example.test>' \
	"Cc: Dave Bücher <dave@$PF_IDN_DOMAIN_UTF8>" \
	'Subject: Grüße an Jörg' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <idn-smtputf8.2@example.test>' \
	'' \
	'Schöne Grüße.' >"$TEST_TMP/msg-c"
run_postie "$TEST_TMP/msg-c" -C "$conf" -t
is "$status" 0 "-t, UTF-8 header addresses, SMTPUTF8 offered: exit status 0"
is "$stderr" "" "-t, UTF-8 header addresses, SMTPUTF8 offered: stderr is empty"
wait_for_delivery joerg 2
ok $? "-t, UTF-8 header addresses: jörg received the second message"
message_without_trace "$(maildir_files joerg | tail -n 1)" >"$TEST_TMP/got-joerg-c"
same_bytes "$TEST_TMP/got-joerg-c" "$TEST_TMP/msg-c" \
	"-t, UTF-8 header addresses: jörg's copy is the message unchanged"
wait_for_delivery dave-idn 2
ok $? "-t, UTF-8 header addresses: dave@bücher.example received it too"
message_without_trace "$(maildir_files dave-idn | tail -n 1)" >"$TEST_TMP/got-dave-c"
same_bytes "$TEST_TMP/got-dave-c" "$TEST_TMP/msg-c" \
	"-t, UTF-8 header addresses: dave's copy is the message unchanged"
postfix_stop

### A server without SMTPUTF8.
postfix_start_idn_with_account "smtputf8_enable = no"

run_postie "$TEST_TMP/msg-a" -C "$conf" "dave@$PF_IDN_DOMAIN_UTF8"
is "$status" 0 "UTF-8 domain, no SMTPUTF8: exit status 0"
is "$stderr" "" "UTF-8 domain, no SMTPUTF8: stderr is empty"
assert_delivered_unchanged dave-idn "$TEST_TMP/msg-a" "UTF-8 domain, no SMTPUTF8"
server_saw_rcpt "dave@$PF_IDN_DOMAIN"
ok $? "UTF-8 domain, no SMTPUTF8: the server got the A-label domain"

run_postie "$TEST_TMP/msg-b" -C "$conf" 'jörg@example.test'
is "$status" 65 "UTF-8 local part, no SMTPUTF8: exit status 65 (EX_DATAERR)"
error_line "UTF-8 local part, no SMTPUTF8: one error line"
like "$stderr" 'jörg@example.test' "UTF-8 local part, no SMTPUTF8: the error names the address"
like "$stderr" 'SMTPUTF8' "UTF-8 local part, no SMTPUTF8: the error says what is missing"
assert_no_mail joerg
is "$(postfix_transaction_count)" 1 \
	"UTF-8 local part, no SMTPUTF8: no mail transaction was started for it"

# A UTF-8 display name with an ASCII address goes as 8-bit text.
printf '%s\n' \
	'From: "Postie Prüfer" <sender@example.test>' \
	'To: "Alice Müller" <alice@example.test>' \
	'Subject: Grüße' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <idn-smtputf8.3@example.test>' \
	'' \
	'Schöne Grüße.' >"$TEST_TMP/msg-d"
run_postie "$TEST_TMP/msg-d" -C "$conf" -t
is "$status" 0 "-t, UTF-8 display name, no SMTPUTF8: exit status 0"
is "$stderr" "" "-t, UTF-8 display name, no SMTPUTF8: stderr is empty"
assert_delivered_unchanged alice "$TEST_TMP/msg-d" "-t, UTF-8 display name, no SMTPUTF8"
done_testing
