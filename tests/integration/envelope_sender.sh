#!/bin/sh
# Envelope sender: -f sets MAIL FROM (seen as Return-Path at delivery);
# without -f it is the account's "from" address.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: alice@example.test, bob@example.test' \
	'Subject: envelope sender' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <envelope-sender.1@example.test>' \
	'' \
	'Who bounces go to.' >"$TEST_TMP/msg"

run_postie "$TEST_TMP/msg" -C "$conf" -f other@example.test alice@example.test
is "$status" 0 "-f: exit status 0"
is "$stderr" "" "-f: stderr is empty"
wait_for_delivery alice 1
ok $? "-f: alice received one message"
is "$(message_return_path "$(maildir_files alice)")" "<other@example.test>" \
	"-f: Return-Path is the -f address"
message_without_trace "$(maildir_files alice)" >"$TEST_TMP/got-alice"
same_bytes "$TEST_TMP/got-alice" "$TEST_TMP/msg" "-f: the message is unchanged"

run_postie "$TEST_TMP/msg" -C "$conf" bob@example.test
is "$status" 0 "no -f: exit status 0"
is "$stderr" "" "no -f: stderr is empty"
wait_for_delivery bob 1
ok $? "no -f: bob received one message"
is "$(message_return_path "$(maildir_files bob)")" "<sender@example.test>" \
	"no -f: Return-Path is the account's from address"
done_testing
