#!/bin/sh
# Crash safety. postie is killed with SIGKILL at random moments many times
# over (a run that queues takes a few ms: the kills land while it starts,
# reads the message, connects, writes and fsyncs the spool files, renames
# them, or after it is done):
#  1. while queueing (-odq, and `queue auto` against a server that is down):
#     every message that got exit 0 is delivered by the next flush, exactly
#     once, and the queue stays readable;
#  2. while flushing (postie -q against a live server): every queued message
#     is delivered in the end, and a message is delivered twice only in the
#     documented window (killed after the server took the message, before
#     its removal from the queue), so at most once per kill.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"
. "$TESTS_SRCDIR/queue.subr"

ROUNDS=40             # runs killed while queueing, at 0 to 1.5 times the
                      # time a run takes here (measured first)
FLUSH_MESSAGES=60     # queued for the kills while flushing
FLUSH_KILLS=30        # at most this many flushes killed ...
FLUSH_KILL_US=30000   # ... at 0 to 30 ms (a flush sends a message in ~3 ms)

postfix_start_with_account
queue_setup
write_config "$conf" 127.0.0.1 "$PF_PORT" "$(queue_config_lines auto)"
postfix_stop

# run_killed MICROSECONDS STDIN ARGS...: postie killed after that long;
# sets $status.
run_killed() {
	_us=$1 _in=$2
	shift 2
	status=0
	kill_after_us "$_us" "$POSTIE" "$@" <"$_in" >"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr" ||
		status=$?
	if [ -n "${POSTIE_OUTPUT_DIR:-}" ]; then
		mkdir -p "$POSTIE_OUTPUT_DIR"
		cat "$TEST_TMP/stdout" "$TEST_TMP/stderr" \
			>>"$POSTIE_OUTPUT_DIR/$(printf '%s' "$0" | sed 's|^.*tests/||; s|[/.]|_|g').out"
	fi
}

# now_us: the time in microseconds.
now_us() {
	echo $(($(date +%s%N) / 1000))
}

# --- 1. killed while queueing
# How long does a run take on this machine, now? (Into a queue of its own.)
make_queue_message "$TEST_TMP/msg" 0
longest=0
for _ in 1 2 3; do
	started=$(now_us)
	timeout 30 "$POSTIE" -C "$conf" --queue-dir="$TEST_TMP/calibration" -odq \
		alice@example.test <"$TEST_TMP/msg" 2>"$TEST_TMP/stderr" ||
		bail "postie -odq failed: $(cat "$TEST_TMP/stderr")"
	took=$(($(now_us) - started))
	[ $took -le $longest ] || longest=$took
done
QUEUE_KILL_US=$((longest * 3 / 2))
[ $QUEUE_KILL_US -ge 2000 ] || QUEUE_KILL_US=2000
[ $QUEUE_KILL_US -le 65000 ] || QUEUE_KILL_US=65000
diag "a run that queues takes up to $longest us here; kills come at 0 to $QUEUE_KILL_US us"

claimed='' killed=0 bad_status=''
i=1
while [ $i -le $ROUNDS ]; do
	make_queue_message "$TEST_TMP/msg" $i
	if [ $((i % 2)) -eq 1 ]; then
		run_killed "$(random_below $QUEUE_KILL_US)" "$TEST_TMP/msg" -C "$conf" -odq alice@example.test
	else
		run_killed "$(random_below $QUEUE_KILL_US)" "$TEST_TMP/msg" -C "$conf" alice@example.test
	fi
	case $status in
	0) claimed="$claimed$i " ;;
	137) killed=$((killed + 1)) ;;
	*) bad_status="$bad_status message $i: $status ($(cat "$TEST_TMP/stderr"))" ;;
	esac
	i=$((i + 1))
done
diag "queueing: $ROUNDS runs, $(echo $claimed | wc -w) exit 0, $killed killed"
is "$bad_status" "" "each run either exited 0 or was killed"

missing_msg=
for id in $(queue_ids); do
	[ -f "$QDIR/new/$id.msg" ] || missing_msg="$missing_msg $id"
done
is "$missing_msg" "" "every queued envelope has its message file"
queued=$(queue_count)
run_postie /dev/null -C "$conf" -bp
is "$status" 0 "postie -bp reads the queue after $killed kills"
queue_listing_has_ids "postie -bp lists every queued message" "$(queue_ids)"

postfix_restart
run_postie /dev/null -C "$conf" -q
is "$status" 0 "postie -q exits 0"
wait_for_delivery alice "$queued"
ok $? "the flush delivered the $queued queued messages"
delivered=$(message_ids_delivered alice)
not_delivered=
for n in $claimed; do
	printf '%s\n' "$delivered" | grep -qx "$n" || not_delivered="$not_delivered $n"
done
is "$not_delivered" "" "every message that got exit 0 was delivered"
is "$(printf '%s\n' "$delivered" | uniq -d | tr '\n' ' ')" "" "no message was delivered twice"
is "$(queue_count)" 0 "the queue is empty after the flush"
diag "delivered $(echo $delivered | wc -w): the $(echo $claimed | wc -w) with exit 0 and" \
	"$(($(echo $delivered | wc -w) - $(echo $claimed | wc -w))) killed after their commit"

# --- 2. killed while flushing
first=1001
last=$((first + FLUSH_MESSAGES - 1))
bad_status=
for i in $(seq $first $last); do
	make_queue_message "$TEST_TMP/msg" "$i"
	run_postie "$TEST_TMP/msg" -C "$conf" -odq alice@example.test
	[ "$status" -eq 0 ] || bad_status="$bad_status $i:$status"
done
is "$bad_status" "" "$FLUSH_MESSAGES messages queued with -odq"
is "$(queue_count)" "$FLUSH_MESSAGES" "they are in the queue"

flush_kills=0 runs=0
while [ $runs -lt $FLUSH_KILLS ] && [ "$(queue_count)" -gt 0 ]; do
	runs=$((runs + 1))
	run_killed "$(random_below $FLUSH_KILL_US)" /dev/null -C "$conf" -q
	case $status in
	0) ;;
	137) flush_kills=$((flush_kills + 1)) ;;
	*) bad_status="$bad_status flush $runs: $status ($(cat "$TEST_TMP/stderr"))" ;;
	esac
done
is "$bad_status" "" "each killed flush either exited 0 or was killed"
run_postie /dev/null -C "$conf" -q
is "$status" 0 "a last, undisturbed postie -q exits 0"
postfix_wait_idle || true
is "$(queue_count)" 0 "the queue is empty"

delivered=$(message_ids_delivered alice | awk -v f=$first '$1 >= f')
not_delivered=
for n in $(seq $first $last); do
	printf '%s\n' "$delivered" | grep -qx "$n" || not_delivered="$not_delivered $n"
done
is "$not_delivered" "" "every queued message was delivered"
twice=$(printf '%s\n' "$delivered" | uniq -d | grep -c . || true)
diag "flushing: $runs runs, $flush_kills killed; $twice message(s) delivered twice"
if [ "$twice" -le "$flush_kills" ]; then
	pass "duplicates ($twice) only from kills between the server's reply and the removal"
else
	fail "duplicates ($twice) only from kills between the server's reply and the removal" \
		"more duplicates than kills: $(printf '%s\n' "$delivered" | uniq -d | tr '\n' ' ')"
fi

done_testing
