#!/bin/sh
# -t with recipients on the command line: both sets are used, and an address
# given in both places gets exactly one copy (one RCPT command).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: Alice <alice@example.test>' \
	'Subject: merged recipients' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <recipients-merged.1@example.test>' \
	'' \
	'Alice is named twice, Bob only on the command line.' >"$TEST_TMP/msg"
cp "$TEST_TMP/msg" "$TEST_TMP/want"

run_postie "$TEST_TMP/msg" -C "$conf" -t alice@example.test bob@example.test
is "$status" 0 "exit status 0"
is "$stderr" "" "stderr is empty"

# Postfix itself folds duplicate recipients of one message together, so the
# RCPT count in its log is what shows postie did not send alice twice.
like "$(postfix_session_summary 1)" " rcpt=2 " "postie sent two RCPT commands"
wait_for_delivery alice 1
ok $? "alice received exactly one copy"
wait_for_delivery bob 1
ok $? "bob (command line only) received one copy"
message_without_trace "$(maildir_files alice)" >"$TEST_TMP/got-alice"
same_bytes "$TEST_TMP/got-alice" "$TEST_TMP/want" "alice's copy is byte for byte"
assert_no_mail carol
done_testing
