#!/bin/sh
# A 200 MB message goes through with flat memory: exit 0, the server got
# every byte, and postie's peak RSS stays under 16 MiB and within 2 MiB of
# what a 10 MB message needs (DESIGN.md, "Fast by construction"). The server
# is Postfix's smtp-sink, which accepts and discards, so no Maildir has to
# hold the message. Under AddressSanitizer the shadow memory and allocator
# quarantine raise RSS, so the bounds are looser there (and say so).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

[ -x "${POSTIE:-}" ] ||
	bail "postie is not built: POSTIE='${POSTIE:-}' is not an executable (run make)"
# GNU time reports the peak RSS of the one process it runs. (A Python
# parent would not do: its child counts the parent's pages until exec.)
GNU_TIME=/usr/bin/time
"$GNU_TIME" -f %M -o /dev/null true 2>/dev/null ||
	bail "GNU time ($GNU_TIME, Debian package time) is needed to measure peak RSS"

smtp_sink_start
log=$TEST_TMP/postie.log
conf=$TEST_TMP/postierc
write_config "$conf" 127.0.0.1 "$SINK_PORT" "logfile $log"

# make_message FILE MIB: a message of about MIB MiB, lines of 76 bytes.
make_message() {
	{
		printf '%s\n' \
			'From: Sender <sender@example.test>' \
			'To: alice@example.test' \
			"Subject: $2 MiB" \
			'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
			"Message-ID: <big-message-rss.$2@example.test>" \
			''
		yes 'The quick brown fox jumps over the lazy dog; again, and again, and again...' |
			head -n $(($2 * 1024 * 1024 / 76))
	} >"$1"
}

# send_measured DESC FILE: send FILE; check the outcome; $rss is the peak
# RSS in KiB.
send_measured() {
	status=0
	timeout 300 "$GNU_TIME" -f %M -o "$TEST_TMP/rss" \
		"$POSTIE" -C "$conf" alice@example.test <"$2" \
		>"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr" || status=$?
	rss=$(tail -n 1 "$TEST_TMP/rss")
	is "$status" 0 "$1: exit status 0"
	is "$(cat "$TEST_TMP/stderr")" "" "$1: stderr is empty"
	_sm_size=$(($(wc -c <"$2") + $(wc -l <"$2")))
	_sm_line=$(tail -n 1 "$log" 2>/dev/null)
	like "$_sm_line" " size=$_sm_size " "$1: postie sent all $_sm_size bytes (CRLF)"
	like "$_sm_line" ' smtp="250 ' "$1: the server accepted the message"
	case $rss in
	'' | *[!0-9]*) bail "$1: no peak RSS from $GNU_TIME: '$rss'" ;;
	esac
	diag "$1: peak RSS $rss KiB"
}

make_message "$TEST_TMP/small" 10
send_measured "10 MiB" "$TEST_TMP/small"
rss_small=$rss
rm -f "$TEST_TMP/small"

make_message "$TEST_TMP/big" 200
send_measured "200 MiB" "$TEST_TMP/big"
rss_big=$rss
rm -f "$TEST_TMP/big"

# smtp-sink updates its counters when "." arrives; allow it a moment.
sink_has_both() { [ "$(smtp_sink_messages)" -ge 2 ]; }
wait_until 5 sink_has_both || true
is "$(smtp_sink_messages)" 2 "smtp-sink received both messages"

# Sanitized builds (ASan maps shadow memory and quarantines freed blocks).
limit=16384 slack=2048
if ldd "$POSTIE" 2>/dev/null | grep -q libasan ||
	nm "$POSTIE" 2>/dev/null | grep -q __asan_init; then
	limit=32768 slack=4096
	diag "postie is built with AddressSanitizer: the bounds are $limit KiB and" \
		"$slack KiB instead of 16384 and 2048"
fi
if [ "$rss_big" -lt "$limit" ]; then
	pass "200 MiB: peak RSS $rss_big KiB is under $limit KiB"
else
	fail "200 MiB: peak RSS $rss_big KiB is under $limit KiB"
fi
if [ $((rss_big - rss_small)) -le "$slack" ]; then
	pass "peak RSS is flat: 200 MiB needs at most $slack KiB more than 10 MiB"
else
	fail "peak RSS is flat: 200 MiB needs at most $slack KiB more than 10 MiB" \
		"10 MiB: $rss_small KiB, 200 MiB: $rss_big KiB"
fi
done_testing
