#!/bin/sh
# Unknown recipient: the server refuses nosuch@example.test at RCPT with
# 550 5.1.1; postie exits 67, says so in one stderr line, and sends nothing
# at all, not even to the valid recipient (all or nothing).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: alice@example.test, nosuch@example.test' \
	'Subject: one bad address' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <unknown-recipient.1@example.test>' \
	'' \
	'Nobody should read this.' >"$TEST_TMP/msg"

# The refused address last, then first: neither order may deliver.
for order in 'alice@example.test nosuch@example.test' \
	'nosuch@example.test alice@example.test'; do
	# shellcheck disable=SC2086 # two addresses, split on purpose
	run_postie "$TEST_TMP/msg" -C "$conf" $order
	is "$status" 67 "$order: exit status 67 (EX_NOUSER)"
	error_line "$order: stderr is one 'postie: ' line"
	like "$stderr" "nosuch@example.test" "$order: stderr names the refused address"
	like "$stderr" "550 5.1.1" "$order: stderr gives the server's reply"
done

assert_no_mail alice
assert_queue_empty
done_testing
