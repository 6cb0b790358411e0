#!/bin/sh
# Header fields postie adds: a message without From, Date and Message-ID
# arrives with all three appended at the end of its header section (From =
# the account's address, an RFC 2047 display name with -F; an RFC 5322 Date;
# a Message-ID in the sender's domain); a message that has them arrives byte
# for byte. set_from_header on|off, set_date_header off, set_msgid_header
# off, undisclosed_recipients and remove_bcc_headers change exactly what
# they say. The test Postfix adds no header fields of its own, so what
# arrives (minus the trace fields) is what postie sent.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

# use_account [EXTRA-LINES]: $conf becomes the default account plus EXTRA.
use_account() {
	write_config "$conf" 127.0.0.1 "$PF_PORT" "${1:-}"
}

# send_one USER DESC [ARGS...]: send $msg to USER@example.test; expect exit
# 0, an empty stderr and one more message for USER; $TEST_TMP/got is it,
# without the trace fields.
send_one() {
	_so_user=$1 _so_desc=$2
	shift 2
	_so_before=$(mail_count "$_so_user")
	run_postie "$msg" -C "$conf" "$@" "$_so_user@example.test"
	is "$status" 0 "$_so_desc: exit status 0"
	is "$stderr" "" "$_so_desc: stderr is empty"
	wait_for_delivery "$_so_user" $((_so_before + 1))
	ok $? "$_so_desc: $_so_user received it"
	message_without_trace "$(maildir_files "$_so_user" | tail -n 1)" >"$TEST_TMP/got"
}

# header_count FILE: number of lines before the first empty line.
header_count() {
	sed -n '/^$/q; p' "$1" | wc -l | tr -d ' '
}

# check_appended DESC INPUT: $TEST_TMP/got starts with INPUT's header lines
# unchanged and ends with INPUT's body unchanged; what postie appended in
# between goes to $TEST_TMP/added.
check_appended() {
	_ca_n=$(header_count "$2")
	head -n "$_ca_n" "$TEST_TMP/got" >"$TEST_TMP/got-head"
	head -n "$_ca_n" "$2" >"$TEST_TMP/want-head"
	same_bytes "$TEST_TMP/got-head" "$TEST_TMP/want-head" \
		"$1: the message's own header fields come first, unchanged"
	sed '1,/^$/d' "$TEST_TMP/got" >"$TEST_TMP/got-body"
	sed '1,/^$/d' "$2" >"$TEST_TMP/want-body"
	same_bytes "$TEST_TMP/got-body" "$TEST_TMP/want-body" "$1: the body is unchanged"
	sed -n "$((_ca_n + 1)),\$p" "$TEST_TMP/got" | sed -n '/^$/q; p' >"$TEST_TMP/added"
}

# field NAME FILE: the unfolded value of the first NAME field (any case).
field() {
	awk -v want="$1" '
		/^[ \t]/ { if (found == 1) value = value $0; next }
		found == 1 { exit }
		{
			name = tolower($0); sub(/:.*/, "", name)
			if (name == tolower(want)) { found = 1; value = $0; sub(/^[^:]*:[ \t]*/, "", value) }
		}
		END { if (found) print value }' "$2"
}

# field_count NAME FILE: how many NAME fields FILE's header section has.
field_count() {
	sed -n '/^$/q; p' "$2" | grep -ci "^$1:" | tr -d ' '
}

# An RFC 5322 date-time, as an extended regular expression.
rfc5322_day='(Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
rfc5322_month='(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
rfc5322_date="$rfc5322_day, [0-9]{1,2} $rfc5322_month [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}"

# check_date DESC VALUE: VALUE is an RFC 5322 date-time within 5 minutes
# of now.
check_date() {
	if printf '%s\n' "$2" | grep -Eqx "$rfc5322_date"; then
		pass "$1: Date has the RFC 5322 form"
	else
		fail "$1: Date has the RFC 5322 form" "Date: '$2'"
	fi
	_cd_skew=$(python3 -c '
import sys, time, email.utils
print(int(abs(email.utils.parsedate_to_datetime(sys.argv[1]).timestamp() - time.time())))
' "$2" 2>&1)
	case $_cd_skew in
	'' | *[!0-9]*) fail "$1: Date is now" "python3 says: $_cd_skew" ;;
	*) if [ "$_cd_skew" -le 300 ]; then pass "$1: Date is now"; else
		fail "$1: Date is now" "Date '$2' is $_cd_skew s away from now"; fi ;;
	esac
}

# One atext character of RFC 5322 (what a dot-atom is made of).
atext="[A-Za-z0-9!#\$%&'*+/=?^_\`{|}~-]"

# check_msgid DESC VALUE: VALUE is <left@example.test>, a dot-atom left side.
check_msgid() {
	if printf '%s\n' "$2" | grep -Eqx "<$atext+(\.$atext+)*@example\.test>"; then
		pass "$1: Message-ID is <...@example.test>"
	else
		fail "$1: Message-ID is <...@example.test>" "Message-ID: '$2'"
	fi
}

msg=$TEST_TMP/msg

# 1. Nothing of the three: From, Date and Message-ID are appended.
printf '%s\n' \
	'To: alice@example.test' \
	'Subject: headers added' \
	'' \
	'No From, Date or Message-ID above.' >"$msg"
cp "$msg" "$TEST_TMP/bare"
send_one alice "bare message"
check_appended "bare message" "$msg"
is "$(grep -c '' "$TEST_TMP/added")" 3 "bare message: three fields appended"
is "$(field From "$TEST_TMP/added")" "sender@example.test" \
	"bare message: From is the account's address"
is "$(field_count From "$TEST_TMP/got")" 1 "bare message: one From field"
check_date "bare message" "$(field Date "$TEST_TMP/added")"
check_msgid "bare message" "$(field Message-ID "$TEST_TMP/added")"
first_id=$(field Message-ID "$TEST_TMP/added")

# 2. -F with a UTF-8 name: an RFC 2047 encoded display name.
send_one bob "-F Jörg Müller" -F "Jörg Müller"
check_appended "-F" "$msg"
from=$(field From "$TEST_TMP/added")
if printf '%s' "$from" | LC_ALL=C grep -q '[^ -~]'; then
	fail "-F: the From field is ASCII only" "From: '$from'"
else
	pass "-F: the From field is ASCII only"
fi
like "$from" "=?" "-F: the display name is an encoded-word"
decoded=$(PYTHONIOENCODING=utf-8 python3 -c '
import sys, email.header as h
print(str(h.make_header(h.decode_header(sys.argv[1]))))' "$from" 2>&1)
is "$decoded" "Jörg Müller <sender@example.test>" "-F: From decodes to the name and address"
check_date "-F" "$(field Date "$TEST_TMP/added")"
check_msgid "-F" "$(field Message-ID "$TEST_TMP/added")"
second_id=$(field Message-ID "$TEST_TMP/added")
if [ "$first_id" != "$second_id" ]; then pass "each message gets its own Message-ID"; else
	fail "each message gets its own Message-ID" "both are $first_id"; fi

# 3. A message that has all three arrives byte for byte, -F or not.
printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: carol@example.test' \
	'Subject: complete already' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <headers-added.1@example.test>' \
	'' \
	'Nothing to add.' >"$msg"
cp "$msg" "$TEST_TMP/complete"
send_one carol "complete message" -F "Jörg Müller"
same_bytes "$TEST_TMP/got" "$msg" "complete message: arrives byte for byte"

# 4. set_from_header on: an existing From is replaced by the account's.
use_account "set_from_header on"
printf '%s\n' \
	'To: carol@example.test' \
	'From: Someone Else <else@example.test>' \
	'Subject: from replaced' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <headers-added.2@example.test>' \
	'' \
	'Whose message is this?' >"$msg"
printf '%s\n' \
	'To: carol@example.test' \
	'Subject: from replaced' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <headers-added.2@example.test>' \
	'From: sender@example.test' \
	'' \
	'Whose message is this?' >"$TEST_TMP/want"
send_one carol "set_from_header on"
same_bytes "$TEST_TMP/got" "$TEST_TMP/want" \
	"set_from_header on: the From field is replaced by the account's, at the end"

# 5. Each switch off on its own, then all three: exactly that is left out.
msg=$TEST_TMP/bare
use_account "set_date_header off
set_msgid_header off"
send_one dave "Date and Message-ID off"
{ sed -n '/^$/q; p' "$msg"; echo 'From: sender@example.test'; sed -n '/^$/,$p' "$msg"; } \
	>"$TEST_TMP/want"
same_bytes "$TEST_TMP/got" "$TEST_TMP/want" \
	"set_date_header off, set_msgid_header off: only From is added"

use_account "set_from_header off"
send_one dave "From off"
check_appended "From off" "$msg"
is "$(grep -c '' "$TEST_TMP/added")" 2 "set_from_header off: two fields appended"
is "$(field_count From "$TEST_TMP/got")" 0 "set_from_header off: no From field"
check_date "set_from_header off" "$(field Date "$TEST_TMP/added")"
check_msgid "set_from_header off" "$(field Message-ID "$TEST_TMP/added")"

use_account "set_from_header off
set_date_header off
set_msgid_header off"
send_one dave "all off" -F "Jörg Müller"
same_bytes "$TEST_TMP/got" "$msg" "all three off: the message arrives byte for byte"

# 6. undisclosed_recipients on: To and Cc go, one To: undisclosed-recipients:;
use_account "undisclosed_recipients on"
printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: Alice <alice@example.test>' \
	'Subject: undisclosed' \
	'Cc: bob@example.test,' \
	'    eve@example.test' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <headers-added.3@example.test>' \
	'' \
	'To whom it may concern.' >"$TEST_TMP/undisclosed"
printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'Subject: undisclosed' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <headers-added.3@example.test>' \
	'To: undisclosed-recipients:;' \
	'' \
	'To whom it may concern.' >"$TEST_TMP/want"
msg=$TEST_TMP/undisclosed
send_one eve "undisclosed_recipients on" bob@example.test
same_bytes "$TEST_TMP/got" "$TEST_TMP/want" \
	"undisclosed_recipients on: no To or Cc, one To: undisclosed-recipients:;"
wait_for_delivery bob 2
ok $? "undisclosed_recipients on: bob received it too"
message_without_trace "$(maildir_files bob | tail -n 1)" >"$TEST_TMP/got-bob"
same_bytes "$TEST_TMP/got-bob" "$TEST_TMP/want" "undisclosed_recipients on: bob's copy is the same"

# 7. Bcc: removed by default (-t or not), kept with remove_bcc_headers off.
printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: alice@example.test' \
	'Bcc: Carol <carol@example.test>' \
	'Subject: blind copy' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <headers-added.4@example.test>' \
	'' \
	'Carol reads along.' >"$TEST_TMP/bcc"
grep -v '^Bcc:' "$TEST_TMP/bcc" >"$TEST_TMP/want"
msg=$TEST_TMP/bcc
use_account
send_one alice "Bcc by default" carol@example.test
same_bytes "$TEST_TMP/got" "$TEST_TMP/want" "Bcc by default: the Bcc field is removed"
use_account "remove_bcc_headers off"
send_one alice "remove_bcc_headers off" carol@example.test
same_bytes "$TEST_TMP/got" "$msg" "remove_bcc_headers off: the message keeps its Bcc field"

assert_queue_empty
done_testing
