#!/bin/sh
# Two flushes at once (a timer and a user's `sendmail -q`, say): each
# queued message is locked by the flush that sends it, so both exit 0 and
# every message arrives exactly once. Three rounds of 10 messages.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"
. "$TESTS_SRCDIR/queue.subr"

PER_ROUND=10
ROUNDS=3

postfix_start_with_account
queue_setup
write_config "$conf" 127.0.0.1 "$PF_PORT" "$(queue_config_lines auto)"

# flush_in_background N: postie -q in the background, its exit status in
# $TEST_TMP/flush-N.status, its stderr in $TEST_TMP/flush-N.err.
flush_in_background() {
	(
		_st=0
		timeout 30 "$POSTIE" -C "$conf" -q </dev/null >/dev/null \
			2>"$TEST_TMP/flush-$1.err" || _st=$?
		echo "$_st" >"$TEST_TMP/flush-$1.status"
	) &
}

n=0 round=1
while [ $round -le $ROUNDS ]; do
	postfix_stop
	first=$((n + 1))
	bad_status=
	while [ $n -lt $((round * PER_ROUND)) ]; do
		n=$((n + 1))
		make_queue_message "$TEST_TMP/msg" $n
		run_postie "$TEST_TMP/msg" -C "$conf" alice@example.test
		[ "$status" -eq 0 ] || bad_status="$bad_status $n:$status"
	done
	is "$bad_status" "" "round $round: $PER_ROUND messages queued while the server is down"
	is "$(queue_count)" $PER_ROUND "round $round: they are in the queue"

	postfix_restart
	connections_before=$(postfix_connections)
	rm -f "$TEST_TMP"/flush-*.status
	flush_in_background a
	flush_in_background b
	wait
	is "$(cat "$TEST_TMP/flush-a.status" 2>/dev/null)/$(cat "$TEST_TMP/flush-b.status" 2>/dev/null)" \
		0/0 "round $round: both flushes exit 0"
	is "$(cat "$TEST_TMP/flush-a.err" "$TEST_TMP/flush-b.err")" "" \
		"round $round: neither prints anything on stderr"
	wait_for_delivery alice $n
	ok $? "round $round: alice has $n messages"
	is "$(message_ids_delivered alice | tr '\n' ' ')" "$(seq $n | tr '\n' ' ')" \
		"round $round: messages $first to $n arrived exactly once"
	is "$(queue_count)" 0 "round $round: the queue is empty"
	diag "round $round: the two flushes opened" \
		"$(($(postfix_connections) - connections_before)) connection(s)"
	round=$((round + 1))
done

done_testing
