#!/bin/sh
# --header cannot smuggle anything (issue 7): a value with LF, CRLF or a
# lone CR in it (an attempt to add "Bcc: eve@example.test"), a field
# without a colon, an invalid field name, an over-long field, and every
# field postie writes itself (From, To, Cc, Bcc, Subject, Date, Message-ID,
# MIME-Version, Content-*, Return-Path, Received, Resent-*; in any case)
# are each refused with 64 and one stderr line, before any mail
# transaction; nothing arrives anywhere, eve included (a real mailbox, so
# an injected Bcc would have delivered). Where an option does the job, the
# text names it. A valid "X-Check: disk" arrives as it is, after Subject.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

# refused DESC HEADER [TEXT]: --header HEADER is refused: 64, one stderr
# line (which contains TEXT when given), nothing on stdout.
refused() {
	run_postie /dev/null --subject 'Disk full' --body 'sda1 is at 99%' \
		--header "$2" -C "$conf" alice@example.test
	is "$status" 64 "$1: exit status 64 (EX_USAGE)"
	error_line "$1: stderr is one 'postie: ' line"
	is "$stdout" "" "$1: stdout is empty"
	[ -z "${3:-}" ] || like "$stderr" "$3" "$1: stderr says to use $3"
}

lf=$(printf '\nx')
lf=${lf%x}
cr=$(printf '\r')

refused "LF in the value" "X-A: a${lf}Bcc: eve@example.test"
refused "CRLF in the value" "X-A: a${cr}${lf}Bcc: eve@example.test"
refused "lone CR in the value" "X-A: a${cr}Bcc: eve@example.test"
refused "CRLF at the end" "X-A: a${cr}${lf}"
refused "folded (LF and a space)" "X-A: a${lf} b"
refused "no colon" "X-No-Colon value"
refused "space in the name" "Bad Name: x"
refused "empty name" ": x"
refused "control character in the name" "X-$(printf '\001')A: x"
refused "field over 998 octets" "X-Long: $(python3 -c 'print("a" * 1000)')"

refused "From" "From: evil@example.test"
refused "To" "To: eve@example.test"
refused "Cc" "Cc: eve@example.test" "--cc"
refused "Bcc" "Bcc: eve@example.test" "--bcc"
refused "Subject" "Subject: other" "--subject"
refused "Date" "Date: Mon, 23 Nov 2026 10:00:00 +0000"
refused "Message-ID" "Message-ID: <x@example.test>"
refused "MIME-Version" "MIME-Version: 1.0"
refused "Content-Type" "Content-Type: text/html"
refused "Content-Transfer-Encoding" "Content-Transfer-Encoding: base64"
refused "Return-Path" "Return-Path: <evil@example.test>"
refused "Received" "Received: from nowhere"
refused "Resent-To" "Resent-To: eve@example.test"
refused "lower-case bcc" "bcc: eve@example.test" "--bcc"
refused "upper-case SUBJECT" "SUBJECT: other" "--subject"

is "$(postfix_transaction_count)" 0 "no refused --header reached a mail transaction"
assert_nothing_delivered
assert_no_mail eve

# A valid field arrives as it is, in order after Subject; two of them keep
# their order.
run_postie /dev/null --subject 'Disk full' --body 'sda1 is at 99%' \
	--header 'X-Check: disk' --header 'X-Host: db1.example.test' -C "$conf" \
	alice@example.test
is "$status" 0 "X-Check: disk: exit status 0"
is "$stderr" "" "X-Check: disk: stderr is empty"
wait_for_delivery alice 1
ok $? "X-Check: disk: alice received it"
message_without_trace "$(maildir_files alice | tail -n 1)" | sed -n '1,5p' >"$TEST_TMP/got"
printf '%s\n' 'To: alice@example.test' 'Subject: Disk full' 'X-Check: disk' \
	'X-Host: db1.example.test' 'MIME-Version: 1.0' >"$TEST_TMP/want"
same_bytes "$TEST_TMP/got" "$TEST_TMP/want" \
	"X-Check: disk: the fields arrive as given, after Subject, before MIME-Version"
assert_no_mail eve

assert_queue_empty
done_testing
