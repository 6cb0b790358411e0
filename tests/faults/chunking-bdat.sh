#!/bin/sh
# CHUNKING (RFC 3030) offered: the body goes as one "BDAT <size> LAST"
# chunk holding the spool as it is (the size the log gives): ".hidden"
# arrives as ".hidden", a line "." is just text (-i: it does not end the
# input either), and no final dot follows. Not offered: the same message
# goes as DATA, dot-stuffed, and un-stuffed it is the same text. With
# PIPELINING too, MAIL, RCPT and BDAT with its chunk come before any reply
# (the script answers only after the chunk).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

cat >"$TEST_TMP/dots" <<'MSG'
From: Sender <sender@example.test>
To: Recipient <rcpt@example.test>
Subject: postie chunking test
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <chunking-bdat.1@example.test>

.hidden
.
..two dots
the last line
MSG
log=$TEST_TMP/postie.log

# The client lines of the message text in the transcript.
bdat_text() { printf '%s\n' "$transcript" | sed -n '/^C: BDAT /,/^# bdat: /p' | sed '1d;$d'; }
data_text() { printf '%s\n' "$transcript" | sed -n '/^S: 354 /,/^C: \.$/p' | sed '1d;$d'; }

fault_start chunking-bdat "logfile $log"
run_postie "$TEST_TMP/dots" -C "$FAULT_CONFIG" -i -v rcpt@example.test
fault_finish
is "$status" 0 "BDAT: exit status 0"
size=$(sed -n 's/.* size=\([0-9][0-9]*\) .*/\1/p' "$log" | tail -n 1)
[ -n "$size" ] || bail "no size= in the log line: $(cat "$log")"
client_sent "BDAT $size LAST" "BDAT $size LAST: the spool's size, one chunk"
server_noted "bdat: a chunk of $size octets, the last" "the chunk held exactly $size octets"
client_did_not_send DATA "no DATA"
client_sent ".hidden" "'.hidden' arrives as it is"
client_did_not_send "..hidden" "'.hidden' is not dot-stuffed"
client_sent "..two dots" "'..two dots' arrives as it is"
is "$(printf '%s\n' "$transcript" | grep -c '^C: \.$')" 1 \
	"the line '.' is sent once, as text; no final dot"
bdat_text >"$TEST_TMP/bdat-text"
like "$stderr" "chunking: the body as BDAT, 1 chunk of $size octets" "-v says BDAT was used"
like "$stderr" "pipelining: not offered; one command per write" "-v says no pipelining"

fault_start chunking-data "logfile $log"
run_postie "$TEST_TMP/dots" -C "$FAULT_CONFIG" -i -v rcpt@example.test
fault_finish
is "$status" 0 "DATA: exit status 0"
client_did_not_send BDAT "no BDAT"
client_sent "..hidden" "DATA: '.hidden' is dot-stuffed"
client_sent "...two dots" "DATA: '..two dots' is dot-stuffed"
data_text | sed 's/^C: \./C: /' >"$TEST_TMP/data-text"
same_bytes "$TEST_TMP/data-text" "$TEST_TMP/bdat-text" \
	"the DATA text, un-stuffed, is the BDAT chunk"
like "$stderr" "chunking: not offered; the body as DATA" "-v says DATA was used"

fault_start chunking-bdat-pipelined "logfile $log"
run_postie "$TEST_TMP/dots" -C "$FAULT_CONFIG" -i -v rcpt@example.test
fault_finish
is "$status" 0 "PIPELINING and CHUNKING: exit status 0"
client_sent "BDAT $size LAST" "PIPELINING and CHUNKING: BDAT $size LAST"
like "$stderr" "pipelining: MAIL, 1 RCPT and BDAT with the body in one write" \
	"-v says the body went with MAIL and RCPT"
fault_done
