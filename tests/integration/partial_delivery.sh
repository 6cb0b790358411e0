#!/bin/sh
# partial_delivery: by default one refused recipient stops the whole message
# (exit 67, nothing delivered); with `partial_delivery on` the accepted
# recipients get it, and the exit status (67) and the stderr line still
# report the refused one, and only that one.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: alice@example.test, nosuchuser@example.test' \
	'Subject: partly deliverable' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <partial-delivery.1@example.test>' \
	'' \
	'One reader exists.' >"$TEST_TMP/msg"

run_postie "$TEST_TMP/msg" -C "$conf" alice@example.test nosuchuser@example.test
is "$status" 67 "default: exit status 67 (EX_NOUSER)"
error_line "default: stderr is one 'postie: ' line"
like "$stderr" "nosuchuser@example.test" "default: stderr names the refused address"
like "$stderr" "550 5.1.1" "default: stderr gives the server's reply"
assert_no_mail alice
unlike "$(postfix_session_summary)" "data=" "default: DATA was never sent"

write_config "$conf" 127.0.0.1 "$PF_PORT" "partial_delivery on"
for order in 'alice@example.test nosuchuser@example.test' \
	'nosuchuser@example.test alice@example.test'; do
	before=$(mail_count alice)
	# shellcheck disable=SC2086 # two addresses, split on purpose
	run_postie "$TEST_TMP/msg" -C "$conf" $order
	is "$status" 67 "partial, $order: exit status 67 (EX_NOUSER)"
	error_line "partial, $order: stderr is one 'postie: ' line"
	like "$stderr" "nosuchuser@example.test" "partial, $order: stderr names the refused address"
	like "$stderr" "550 5.1.1" "partial, $order: stderr gives the server's reply"
	unlike "$stderr" "alice@example.test" "partial, $order: stderr does not name alice"
	wait_for_delivery alice $((before + 1))
	ok $? "partial, $order: alice received it"
	message_without_trace "$(maildir_files alice | tail -n 1)" >"$TEST_TMP/got"
	same_bytes "$TEST_TMP/got" "$TEST_TMP/msg" "partial, $order: alice's copy is the message as sent"
done

# All refused: nothing to deliver, even with partial_delivery on.
run_postie "$TEST_TMP/msg" -C "$conf" nosuchuser@example.test nobody@example.test
is "$status" 67 "partial, all refused: exit status 67"
error_line "partial, all refused: stderr is one 'postie: ' line"
unlike "$(postfix_session_summary)" "data=" "partial, all refused: DATA was never sent"
is "$(mail_count alice)" 2 "alice received two messages in all"
assert_queue_empty
done_testing
