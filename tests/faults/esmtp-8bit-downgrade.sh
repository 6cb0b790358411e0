#!/bin/sh
# An 8-bit MIME message to a server that does not offer 8BITMIME: its 8-bit
# text goes as quoted-printable (RFC 6152 section 3), without BODY=, and the
# send succeeds; a queued one is converted the same way when flushed. (A
# message that is not MIME is refused: esmtp-8bit-refused.)
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"
. "$TESTS_SRCDIR/queue.subr"

message=$TEST_TMP/8bit-mime
printf '%s\n' 'From: sender@example.test' 'To: rcpt@example.test' 'Subject: 8bit MIME' \
	'MIME-Version: 1.0' 'Content-Type: text/plain; charset=UTF-8' \
	'Content-Transfer-Encoding: 8bit' '' >"$message"
printf 'Gr\303\274\303\237e\n' >>"$message"

fault_start esmtp-8bit-downgrade
run_postie "$message" -C "$FAULT_CONFIG" -v rcpt@example.test
fault_finish

is "$status" 0 "exit status 0"
like "$stderr" "quoted-printable" "-v says the 8-bit parts go as quoted-printable"
client_sent "MAIL FROM:<sender@example.test>" "postie sent MAIL"
client_did_not_send "MAIL FROM:<sender@example.test> BODY=" "MAIL has no BODY parameter"
client_sent "Content-Transfer-Encoding: quoted-printable" \
	"the part is declared quoted-printable"
client_did_not_send "Content-Transfer-Encoding: 8bit" "the 8bit declaration is gone"
client_sent "Gr=C3=BC=C3=9Fe" "the text went as quoted-printable"

queue_setup
queue_fault_start esmtp-8bit-downgrade 1 "$(queue_config_lines auto)"
run_postie "$message" -C "$FAULT_CONFIG" -odq rcpt@example.test
is "$status" 0 "-odq queues the message (exit 0)"
run_postie /dev/null -C "$FAULT_CONFIG" -q
is "$status" 0 "the flush exits 0"
fault_finish
is "$(queue_count)" 0 "the flushed message left the queue"
client_did_not_send "MAIL FROM:<sender@example.test> BODY=" "flush: MAIL has no BODY parameter"
client_sent "Gr=C3=BC=C3=9Fe" "flush: the text went as quoted-printable"
fault_done
