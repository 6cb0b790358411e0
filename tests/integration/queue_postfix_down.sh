#!/bin/sh
# The smarthost is down: with `queue auto` every message is queued (exit 0,
# one stderr line saying so), `postie -bp` lists them all; once the server
# is back, one `postie -q` delivers each exactly once, over one connection,
# and the queue is empty.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"
. "$TESTS_SRCDIR/queue.subr"

COUNT=20

postfix_start_with_account
queue_setup
write_config "$conf" 127.0.0.1 "$PF_PORT" "$(queue_config_lines auto)"
postfix_stop

# --- the server is down: everything is queued
statuses='' queued_lines=0 other_stderr=''
i=1
while [ $i -le $COUNT ]; do
	make_queue_message "$TEST_TMP/msg" $i
	run_postie "$TEST_TMP/msg" -C "$conf" alice@example.test
	statuses="$statuses$status "
	case $stderr in
	"postie: queued as "*) queued_lines=$((queued_lines + 1)) ;;
	*) other_stderr="$other_stderr
message $i: $stderr" ;;
	esac
	[ "$(grep -c '' "$TEST_TMP/stderr")" -eq 1 ] ||
		other_stderr="$other_stderr
message $i: not one line: $stderr"
	i=$((i + 1))
done
is "$statuses" "$(printf '0 %.0s' $(seq $COUNT))" "all $COUNT sends exit 0 while the server is down"
is "$queued_lines" $COUNT "each says, in one stderr line, 'postie: queued as ID: ...'"
is "$other_stderr" "" "no other text on stderr"
like "$stderr" "127.0.0.1" "the reason names the server that could not be reached"
is "$(queue_count)" $COUNT "$COUNT messages are in the queue directory"
is "$(queue_half_written)" "" "nothing half-written is left in the spool"

run_postie /dev/null -C "$conf" -bp
is "$status" 0 "postie -bp exits 0"
queue_listing_has_ids "postie -bp lists all $COUNT ids" "$(queue_ids)"
like "$stdout" "alice@example.test" "the listing shows the recipients"
unlike "$stdout" "Mail queue is empty" "the listing does not say the queue is empty"

# --- the server is back: one flush sends them all, once, on one connection
postfix_restart
connections_before=$(postfix_connections)
run_postie /dev/null -C "$conf" -q
is "$status" 0 "postie -q exits 0"
is "$stderr" "" "postie -q prints nothing on stderr"
wait_for_delivery alice $COUNT
ok $? "alice received $COUNT messages"
is "$(message_ids_delivered alice | tr '\n' ' ')" "$(seq $COUNT | tr '\n' ' ')" \
	"each message arrived exactly once"
postfix_wait_idle || true
is "$(($(postfix_connections) - connections_before))" 1 \
	"the flush used one connection for all $COUNT messages"
summary=$(postfix_session_summary)
like "$summary" "mail=$COUNT " "that session carried $COUNT transactions ($summary)"

is "$(queue_count)" 0 "the queue directory holds no message"
run_postie /dev/null -C "$conf" -bp
is "$status" 0 "postie -bp exits 0"
like "$stdout" "Mail queue is empty" "postie -bp says the queue is empty"

# A second flush has nothing to do: it does not even connect.
connections_before=$(postfix_connections)
run_postie /dev/null -C "$conf" -q
is "$status" 0 "a second postie -q exits 0"
postfix_wait_idle || true
is "$(postfix_connections)" "$connections_before" "a flush of an empty queue opens no connection"
is "$(mail_count alice)" $COUNT "nothing is delivered twice"

done_testing
