#!/bin/sh
# pipelining_refused: a refused recipient among accepted ones when MAIL,
# every RCPT and DATA go in one write (PIPELINING without CHUNKING), against
# the real Postfix. All or nothing (the default): DATA already got its 354
# when the refusal is read, so postie closes the connection without the
# final dot, the server drops the transaction, and nobody gets the message
# (67). With partial_delivery the others get it, once each (67 still
# names the refused one). With CHUNKING offered, the RCPTs are answered
# before BDAT could go: a RSET, and nothing is delivered (67).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

rcpts="alice@example.test nosuch@example.test bob@example.test"

# make_message N: $TEST_TMP/msgN, with a Message-ID of its own.
make_message() {
	printf '%s\n' \
		'From: Sender <sender@example.test>' \
		'To: alice@example.test, nosuch@example.test, bob@example.test' \
		"Subject: pipelined with a refused recipient ($1)" \
		'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
		"Message-ID: <pipelining-refused.$1@example.test>" \
		'' \
		'Two of three readers exist.' >"$TEST_TMP/msg$1"
}

# (a) No CHUNKING, all or nothing.
postfix_start_with_account "smtpd_discard_ehlo_keywords = chunking"
make_message a
# shellcheck disable=SC2086 # three addresses, split on purpose
run_postie "$TEST_TMP/msga" -C "$conf" -v $rcpts
is "$status" 67 "all or nothing: exit status 67 (EX_NOUSER)"
like "$(tail -n 1 "$TEST_TMP/stderr")" "nosuch@example.test" \
	"all or nothing: the outcome line names the refused address"
like "$(tail -n 1 "$TEST_TMP/stderr")" "550 5.1.1" \
	"all or nothing: the outcome line gives the server's reply"
like "$stderr" "pipelining: MAIL, 3 RCPT and DATA in one write" \
	"all or nothing: -v says DATA went with MAIL and the RCPTs"
like "$stderr" "connection closed without the final dot" \
	"all or nothing: -v says the connection was closed without the final dot"
assert_nothing_delivered
is "$(mail_count alice)" 0 "all or nothing: alice's Maildir stays empty"
is "$(mail_count bob)" 0 "all or nothing: bob's Maildir stays empty"
if grep -q 'smtpd\[[0-9]*\]: lost connection after DATA ' "$PF_LOG"; then
	pass "all or nothing: Postfix lost the connection after DATA"
else
	fail "all or nothing: Postfix lost the connection after DATA" "$(postfix_log_tail 20)"
fi
summary_a=$(postfix_session_summary)
like "$summary_a" "rcpt=2/3" "all or nothing: Postfix accepted two RCPTs of three"
unlike "$summary_a" "quit=" "all or nothing: the session ended without QUIT"
assert_queue_empty

# (b) No CHUNKING, partial_delivery on: alice and bob get it, once each.
write_config "$conf" 127.0.0.1 "$PF_PORT" "partial_delivery on"
make_message b
# shellcheck disable=SC2086 # three addresses, split on purpose
run_postie "$TEST_TMP/msgb" -C "$conf" $rcpts
is "$status" 67 "partial: exit status 67 (EX_NOUSER)"
error_line "partial: stderr is one 'postie: ' line"
like "$stderr" "delivered to 2 of 3 recipients" "partial: stderr says two of three have it"
like "$stderr" "nosuch@example.test" "partial: stderr names the refused address"
unlike "$stderr" "alice@example.test" "partial: stderr does not name alice"
for user in alice bob; do
	wait_for_delivery "$user" 1
	ok $? "partial: $user received the message once"
	message_without_trace "$(maildir_files "$user" | tail -n 1)" >"$TEST_TMP/got"
	same_bytes "$TEST_TMP/got" "$TEST_TMP/msgb" "partial: $user's copy is the message as sent"
done
like "$(postfix_session_summary)" "quit=1" "partial: the session ended with QUIT"
assert_queue_empty
postfix_stop

# (c) CHUNKING offered (Postfix's default), all or nothing: MAIL and the
# RCPTs first, BDAT only once every RCPT is accepted; here a RSET instead.
postfix_start_with_account
make_message c
# shellcheck disable=SC2086 # three addresses, split on purpose
run_postie "$TEST_TMP/msgc" -C "$conf" -v $rcpts
is "$status" 67 "chunking: exit status 67 (EX_NOUSER)"
like "$(tail -n 1 "$TEST_TMP/stderr")" "nosuch@example.test" \
	"chunking: the outcome line names the refused address"
like "$stderr" "pipelining: MAIL and 3 RCPT in one write; BDAT waits for their replies" \
	"chunking: -v says BDAT waited for the RCPT replies"
unlike "$stderr" "connection closed without the final dot" \
	"chunking: -v says nothing of a dropped connection"
assert_nothing_delivered
summary_c=$(postfix_session_summary)
like "$summary_c" "rset=1" "chunking: the transaction ended with RSET"
like "$summary_c" "quit=1" "chunking: the session ended with QUIT"
unlike "$summary_c" "bdat=" "chunking: no BDAT was sent"
unlike "$summary_c" "data=" "chunking: no DATA was sent"
assert_queue_empty
done_testing
