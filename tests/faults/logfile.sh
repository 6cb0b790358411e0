#!/bin/sh
# `logfile FILE`: one line per message, with account, host, sender,
# recipients, size, the server's last reply or the error, and the exit
# status name; the file is created mode 0600.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

log=$TEST_TMP/postie.log
# A message complete enough that postie adds no header to it.
{ printf 'Date: Tue, 01 Dec 2026 10:00:00 +0000\n'
  printf 'Message-ID: <logfile.1@example.test>\n'
  cat "$FAULT_MESSAGE"; } >"$TEST_TMP/complete"
# The message as it goes out: every line CRLF-terminated.
size=$(( $(wc -c <"$TEST_TMP/complete") + $(wc -l <"$TEST_TMP/complete") ))

fault_start accept "logfile $log"
run_postie "$TEST_TMP/complete" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 0 "delivered"
is "$stderr" "" "nothing on stderr"
is "$(grep -c '' "$log")" 1 "one log line for one message"
line=$(tail -n 1 "$log")
like "$line" " account=default " "the line names the account"
like "$line" " host=127.0.0.1 " "the line names the host"
like "$line" " from=sender@example.test " "the line names the sender"
like "$line" " rcpts=rcpt@example.test " "the line names the recipients"
like "$line" " size=$size " "the line gives the size sent"
like "$line" ' smtp="250 2.0.0 queued as LOG1" ' "the line holds the server's reply"
like "$line" " message_id=<logfile.1@example.test> " "the line gives the Message-ID"
case "$line" in
*" duration_ms="[0-9]*" exit="*) pass "the line gives the duration in ms" ;;
*) fail "the line gives the duration in ms" "$line" ;;
esac
like "$line" " exit=EX_OK" "the line ends with the exit status name"
is "$(stat -c %a "$log")" 600 "the log file is private (0600)"

fault_start mail-530 "logfile $log"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 69 "refused"
is "$(grep -c '' "$log")" 2 "a second line for the second message"
line=$(tail -n 1 "$log")
like "$line" " step=mail " "the failure line names the step"
like "$line" ' error="sender <sender@example.test> refused: 530 5.7.0' "the failure line holds the error and reply"
like "$line" " exit=EX_UNAVAILABLE" "the failure line ends with the exit status name"
fault_done
