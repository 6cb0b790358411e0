#!/bin/sh
# Composing a plain alert from arguments (issue 7): `postie --subject S
# --body T rcpt` sends a message whose header section is exactly To,
# Subject, MIME-Version, Content-Type (text/plain; charset=utf-8),
# Content-Transfer-Encoding (7bit), then the From, Date and Message-ID every
# message gets; the body is the text with a final line break. --cc adds a
# Cc field and a recipient; --bcc only a recipient, never a header field.
# The body comes from --body, --body-file (a file or "-" for stdin) or a
# piped stdin; --body together with --body-file is a usage error (64) that
# sends nothing. The test Postfix adds only trace fields, and its Maildir
# files have LF line endings, so what arrives is what postie sent.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

# An RFC 5322 date-time, as an extended regular expression.
rfc5322_date='(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}'
# One atext character of RFC 5322 (what a dot-atom is made of).
atext="[A-Za-z0-9!#\$%&'*+/=?^_\`{|}~-]"

# run_postie_piped INPUT-FILE ARGS...: run_postie, with INPUT-FILE fed
# through a pipe (as a script's `echo ... | postie` does) instead of a file.
run_postie_piped() {
	_rp_input=$1
	shift
	status=0
	# The pipeline's status is postie's (the last command); the cat
	# is the point: stdin must be a pipe, not a file.
	# shellcheck disable=SC2002
	cat "$_rp_input" | timeout 30 "$POSTIE" "$@" >"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr" ||
		status=$?
	stdout=$(cat "$TEST_TMP/stdout")
	stderr=$(cat "$TEST_TMP/stderr")
	if [ -n "${POSTIE_OUTPUT_DIR:-}" ]; then
		mkdir -p "$POSTIE_OUTPUT_DIR"
		cat "$TEST_TMP/stdout" "$TEST_TMP/stderr" \
			>>"$POSTIE_OUTPUT_DIR/$(printf '%s' "$0" | sed 's|^.*tests/||; s|[/.]|_|g').out"
	fi
}

# sent_ok DESC: the last run exited 0 with empty stdout and stderr.
sent_ok() {
	is "$status" 0 "$1: exit status 0"
	is "$stderr" "" "$1: stderr is empty"
	is "$stdout" "" "$1: stdout is empty"
}

# latest USER FILE: USER's newest message without the trace fields -> FILE.
latest() {
	message_without_trace "$(maildir_files "$1" | tail -n 1)" >"$2"
}

# header_of FILE: the header section of FILE (without the empty line).
header_of() {
	sed -n '/^$/q; p' "$1"
}

# check_added DESC FILE FIRST: lines FIRST, FIRST+1 and FIRST+2 of FILE are
# From (the account's address), an RFC 5322 Date and a Message-ID in the
# sender's domain, and line FIRST+3 ends the header section.
check_added() {
	is "$(sed -n "${3}p" "$2")" "From: sender@example.test" \
		"$1: then From: the account's address"
	_ca_date=$(sed -n "$(($3 + 1))p" "$2")
	if printf '%s\n' "$_ca_date" | grep -Eqx "Date: $rfc5322_date"; then
		pass "$1: then an RFC 5322 Date"
	else
		fail "$1: then an RFC 5322 Date" "line $(($3 + 1)): '$_ca_date'"
	fi
	_ca_id=$(sed -n "$(($3 + 2))p" "$2")
	if printf '%s\n' "$_ca_id" | grep -Eqx "Message-ID: <$atext+(\.$atext+)*@example\.test>"; then
		pass "$1: then a Message-ID <...@example.test>"
	else
		fail "$1: then a Message-ID <...@example.test>" "line $(($3 + 2)): '$_ca_id'"
	fi
	is "$(sed -n "$(($3 + 3))p" "$2")" "" "$1: and the header section ends there"
}

# check_plain_head DESC FILE TO-LINES...: FILE's header section starts with
# the given lines, then the text/plain MIME fields, then From, Date and
# Message-ID.
check_plain_head() {
	_cp_desc=$1 _cp_file=$2
	shift 2
	{
		for _cp_line in "$@"; do printf '%s\n' "$_cp_line"; done
		printf '%s\n' 'MIME-Version: 1.0' 'Content-Type: text/plain; charset=utf-8' \
			'Content-Transfer-Encoding: 7bit'
	} >"$TEST_TMP/want-head"
	head -n $(($# + 3)) "$_cp_file" >"$TEST_TMP/got-head"
	same_bytes "$TEST_TMP/got-head" "$TEST_TMP/want-head" \
		"$_cp_desc: the header starts with exactly these fields, in this order"
	check_added "$_cp_desc" "$_cp_file" $(($# + 4))
}

# check_body DESC FILE WANT-FILE: the body of FILE is WANT-FILE's bytes.
check_body() {
	message_body "$2" >"$TEST_TMP/got-body"
	same_bytes "$TEST_TMP/got-body" "$3" "$1: the body is exactly the text"
}

# 1. --subject and --body: the message of the issue.
run_postie /dev/null --subject 'Disk full' --body 'sda1 is at 99%' -C "$conf" \
	alice@example.test
sent_ok "--subject --body"
wait_for_delivery alice 1
ok $? "--subject --body: alice received it"
latest alice "$TEST_TMP/got"
check_plain_head "--subject --body" "$TEST_TMP/got" \
	'To: alice@example.test' 'Subject: Disk full'
printf 'sda1 is at 99%%\n' >"$TEST_TMP/want-body"
check_body "--subject --body" "$TEST_TMP/got" "$TEST_TMP/want-body"

# 2. --cc: a Cc field after To, and the cc'd address gets a copy; a
# recipient with a display name is written as given.
run_postie /dev/null --subject 'Disk full' --body 'sda1 is at 99%' \
	--cc bob@example.test --cc 'Carol Ops <carol@example.test>' -C "$conf" \
	'Alice Admin <alice@example.test>'
sent_ok "--cc"
wait_for_delivery alice 2
ok $? "--cc: alice received it"
wait_for_delivery bob 1
ok $? "--cc: bob (cc) received it"
wait_for_delivery carol 1
ok $? "--cc: carol (cc, with a display name) received it"
latest alice "$TEST_TMP/got"
check_plain_head "--cc" "$TEST_TMP/got" 'To: Alice Admin <alice@example.test>' \
	'Cc: bob@example.test, Carol Ops <carol@example.test>' 'Subject: Disk full'
check_body "--cc" "$TEST_TMP/got" "$TEST_TMP/want-body"
latest bob "$TEST_TMP/got-bob"
same_bytes "$TEST_TMP/got-bob" "$TEST_TMP/got" "--cc: bob's copy is the same message"

# 3. --bcc: delivered, but in no header field of any copy.
run_postie /dev/null --subject 'Disk full' --body 'sda1 is at 99%' \
	--bcc dave@example.test -C "$conf" alice@example.test
sent_ok "--bcc"
wait_for_delivery alice 3
ok $? "--bcc: alice received it"
wait_for_delivery dave 1
ok $? "--bcc: dave (bcc) received it"
latest alice "$TEST_TMP/got"
latest dave "$TEST_TMP/got-dave"
check_plain_head "--bcc" "$TEST_TMP/got" 'To: alice@example.test' 'Subject: Disk full'
same_bytes "$TEST_TMP/got-dave" "$TEST_TMP/got" "--bcc: dave's copy is the same message"
for copy in got got-dave; do
	header_of "$TEST_TMP/$copy" >"$TEST_TMP/head"
	unlike "$(cat "$TEST_TMP/head")" "dave" "--bcc: $copy: no header field names the bcc address"
	if grep -qi '^bcc:' "$TEST_TMP/head"; then
		fail "--bcc: $copy: no Bcc field" "$(cat "$TEST_TMP/head")"
	else
		pass "--bcc: $copy: no Bcc field"
	fi
done

# 4. The body piped on stdin, CRLF and LF line endings alike; a line that
# is a single dot is text, not the end of the input.
printf 'Load average 12.5\r\n.\ncheck the cron jobs\n' >"$TEST_TMP/stdin-body"
printf 'Load average 12.5\n.\ncheck the cron jobs\n' >"$TEST_TMP/want-body"
run_postie_piped "$TEST_TMP/stdin-body" --subject 'High load' -C "$conf" eve@example.test
sent_ok "body from a pipe"
wait_for_delivery eve 1
ok $? "body from a pipe: eve received it"
latest eve "$TEST_TMP/got"
check_plain_head "body from a pipe" "$TEST_TMP/got" 'To: eve@example.test' \
	'Subject: High load'
check_body "body from a pipe" "$TEST_TMP/got" "$TEST_TMP/want-body"

# 5. --body-file FILE, and --body-file - (stdin).
printf 'From the file, line 1\nline 2\r\n' >"$TEST_TMP/body-file"
printf 'From the file, line 1\nline 2\n' >"$TEST_TMP/want-body"
run_postie /dev/null --subject 'From a file' --body-file "$TEST_TMP/body-file" \
	-C "$conf" eve@example.test
sent_ok "--body-file"
wait_for_delivery eve 2
ok $? "--body-file: eve received it"
latest eve "$TEST_TMP/got"
check_plain_head "--body-file" "$TEST_TMP/got" 'To: eve@example.test' \
	'Subject: From a file'
check_body "--body-file" "$TEST_TMP/got" "$TEST_TMP/want-body"

run_postie_piped "$TEST_TMP/body-file" --subject 'From stdin' --body-file - \
	-C "$conf" eve@example.test
sent_ok "--body-file -"
wait_for_delivery eve 3
ok $? "--body-file -: eve received it"
latest eve "$TEST_TMP/got"
check_body "--body-file -" "$TEST_TMP/got" "$TEST_TMP/want-body"

# 6. --body with --body-file: a usage error, nothing sent.
transactions=$(postfix_transaction_count)
run_postie /dev/null --subject 'Both' --body 'text' --body-file "$TEST_TMP/body-file" \
	-C "$conf" bob@example.test
is "$status" 64 "--body with --body-file: exit status 64 (EX_USAGE)"
# A command-line error: the "postie: " line, then (as for every bad
# command line) the one-line usage synopsis, and nothing else.
head -n 1 "$TEST_TMP/stderr" >"$TEST_TMP/stderr-first"
like "$(cat "$TEST_TMP/stderr-first")" "postie: " \
	"--body with --body-file: stderr starts with one 'postie: ' line"
is "$(sed 1d "$TEST_TMP/stderr" | grep -v '^usage: ' | grep -c '')" 0 \
	"--body with --body-file: the rest of stderr is at most the usage synopsis"
like "$(cat "$TEST_TMP/stderr-first")" "--body-file" \
	"--body with --body-file: that line names --body-file"
is "$stdout" "" "--body with --body-file: stdout is empty"
is "$(postfix_transaction_count)" "$transactions" \
	"--body with --body-file: no mail transaction was started"
is "$(mail_count bob)" 1 "--body with --body-file: bob received nothing more"

assert_queue_empty
done_testing
