#!/bin/sh
# lmtp_dovecot: `protocol lmtp` against a real LMTP server, Dovecot's, that
# delivers into Maildirs. LHLO opens the session; after the final dot each
# accepted recipient gets a reply of its own. A recipient refused there
# (a full mailbox) is reported like a refused RCPT, by itself: exit 67,
# also when the refusal was temporary, since the others have the message
# and 75 would invite the caller to send it to them again. Unknown users are refused at RCPT, and then the default is
# all-or-nothing, as with SMTP.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
# postfix.sh for PF_USERS and message_without_trace; no Postfix is started.
. "$TESTS_SRCDIR/servers/postfix.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root to start Dovecot's LMTP server"
[ -x "${POSTIE:-}" ] ||
	bail "postie is not built: POSTIE='${POSTIE:-}' is not an executable (run make)"
dovecot_start_lmtp "$TEST_TMP/dovecot"
at_exit "_lmtp_failure_log"

conf=$TEST_TMP/postierc
write_config "$conf" 127.0.0.1 "$DOV_LMTP_PORT" "protocol lmtp
auth off"

# _lmtp_failure_log: Dovecot's log after a failed test (it goes away with
# $TEST_TMP).
_lmtp_failure_log() {
	[ "$tap_failures" -gt 0 ] && [ -f "$DOV_LOG" ] || return 0
	diag "last lines of the Dovecot log ($DOV_LOG):"
	diag "$(tail -n 30 "$DOV_LOG")"
}

# LMTP delivers before it replies, so a mailbox is complete once postie
# has exited: no waiting here.

# assert_delivered USER COUNT DESCRIPTION: USER has COUNT messages and the
# newest is the message as sent (after the trace fields Dovecot put on top).
assert_delivered() {
	is "$(dovecot_mail_count "$1")" "$2" "$3: $1 has $2 message(s)"
	message_without_trace "$(dovecot_maildir_files "$1" | tail -n 1)" >"$TEST_TMP/got"
	same_bytes "$TEST_TMP/got" "$TEST_TMP/msg" "$3: $1's copy is the message as sent"
}

# assert_mail_counts DESCRIPTION USER=COUNT...: how many messages each has.
assert_mail_counts() {
	_lmtp_desc=$1
	shift
	_lmtp_want="$*" _lmtp_got=
	for _lmtp_pair in "$@"; do
		_lmtp_user=${_lmtp_pair%%=*}
		_lmtp_got="$_lmtp_got${_lmtp_got:+ }$_lmtp_user=$(dovecot_mail_count "$_lmtp_user")"
	done
	is "$_lmtp_got" "$_lmtp_want" "$_lmtp_desc: mailbox counts"
}

# A line of dots: it must be stuffed on the way in and unstuffed on delivery.
printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: alice@example.test, bob@example.test' \
	'Subject: by LMTP' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <lmtp-dovecot.1@example.test>' \
	'' \
	'Delivered by LMTP, one reply per recipient.' \
	'..two dots at the start of this line' \
	'' \
	'-- ' \
	'sender' >"$TEST_TMP/msg"

# (a) Two known recipients: both get it, each confirmed after the dot.
run_postie "$TEST_TMP/msg" -C "$conf" -v alice@example.test bob@example.test
is "$status" 0 "two recipients: exit status 0"
like "$stderr" "--> LHLO " "two recipients: the session opens with LHLO"
unlike "$stderr" "--> EHLO" "two recipients: no EHLO"
like "$stderr" "<-- 250 2.0.0 <alice@example.test> " "two recipients: a reply for alice after the dot"
like "$stderr" "<-- 250 2.0.0 <bob@example.test> " "two recipients: a reply for bob after the dot"
unlike "$stderr" "postie: " "two recipients: no error line"
assert_delivered alice 1 "two recipients"
assert_delivered bob 1 "two recipients"

# (b) A known and an unknown recipient, refused at RCPT. Default: nothing
# is sent.
run_postie "$TEST_TMP/msg" -C "$conf" alice@example.test nosuchuser@example.test
is "$status" 67 "unknown recipient: exit status 67 (EX_NOUSER)"
error_line "unknown recipient: stderr is one 'postie: ' line"
like "$stderr" "nosuchuser@example.test" "unknown recipient: stderr names the refused address"
like "$stderr" "550 5.1.1" "unknown recipient: stderr gives the server's reply"
assert_mail_counts "unknown recipient, nothing delivered" alice=1 bob=1
run_postie "$TEST_TMP/msg" -C "$conf" -v alice@example.test nosuchuser@example.test
unlike "$stderr" "--> DATA" "unknown recipient: DATA was never sent"

# With partial_delivery on, alice gets it and only the unknown one is named.
write_config "$conf" 127.0.0.1 "$DOV_LMTP_PORT" "protocol lmtp
auth off
partial_delivery on"
before=1
for order in 'alice@example.test nosuchuser@example.test' \
	'nosuchuser@example.test alice@example.test'; do
	# shellcheck disable=SC2086 # two addresses, split on purpose
	run_postie "$TEST_TMP/msg" -C "$conf" $order
	is "$status" 67 "partial, $order: exit status 67 (EX_NOUSER)"
	error_line "partial, $order: stderr is one 'postie: ' line"
	like "$stderr" "nosuchuser@example.test" "partial, $order: stderr names the refused address"
	like "$stderr" "550 5.1.1" "partial, $order: stderr gives the server's reply"
	unlike "$stderr" "alice@example.test" "partial, $order: stderr does not name alice"
	before=$((before + 1))
	assert_delivered alice "$before" "partial, $order"
done
assert_mail_counts "partial" bob=1

# (c) eve's mailbox is full: her RCPT is accepted, the message refused for
# her alone after the dot (552). alice has it; no partial_delivery needed,
# since LMTP decides per recipient after the data.
write_config "$conf" 127.0.0.1 "$DOV_LMTP_PORT" "protocol lmtp
auth off"
run_postie "$TEST_TMP/msg" -C "$conf" alice@example.test eve@example.test
is "$status" 67 "full mailbox: exit status 67 (EX_NOUSER)"
error_line "full mailbox: stderr is one 'postie: ' line"
like "$stderr" "<eve@example.test> refused" "full mailbox: stderr names eve as refused"
like "$stderr" "552 5.2.2" "full mailbox: stderr gives the server's reply"
like "$stderr" "delivered to 1 of 2 recipients" "full mailbox: stderr says the other got it"
unlike "$stderr" "<alice@example.test> refused" "full mailbox: alice is not named as refused"
assert_delivered alice 4 "full mailbox"
assert_mail_counts "full mailbox" eve=0

run_postie "$TEST_TMP/msg" -C "$conf" -v alice@example.test eve@example.test
like "$stderr" "<-- 250 2.1.5 OK
<-- 250 2.1.5 OK" "full mailbox, -v: both RCPTs were accepted"
like "$stderr" "<-- 250 2.0.0 <alice@example.test> " "full mailbox, -v: alice's reply after the dot"
like "$stderr" "<-- 552 5.2.2 <eve@example.test> " "full mailbox, -v: eve's reply after the dot"
is "$status" 67 "full mailbox, -v: exit status 67"

# dave's mailbox is full too, but Dovecot calls that temporary (452). bob
# has the message, so it is still 67, not 75: a retry would reach bob twice.
run_postie "$TEST_TMP/msg" -C "$conf" bob@example.test dave@example.test
is "$status" 67 "temporarily full: exit status 67 (bob already has it)"
error_line "temporarily full: stderr is one 'postie: ' line"
like "$stderr" "<dave@example.test> refused" "temporarily full: stderr names dave as refused"
like "$stderr" "452 4.2.2" "temporarily full: stderr gives the server's reply"
unlike "$stderr" "<bob@example.test> refused" "temporarily full: bob is not named as refused"
assert_delivered bob 2 "temporarily full"

run_postie "$TEST_TMP/msg" -C "$conf" bob@example.test dave@example.test eve@example.test
is "$status" 67 "both full: exit status 67 (a permanent refusal wins)"
error_line "both full: stderr is one 'postie: ' line"
like "$stderr" "<eve@example.test> 552 5.2.2" "both full: stderr names eve"
like "$stderr" "<dave@example.test> 452 4.2.2" "both full: stderr names dave"
assert_delivered bob 3 "both full"
assert_mail_counts "in all" alice=5 bob=3 carol=0 dave=0 eve=0
done_testing
