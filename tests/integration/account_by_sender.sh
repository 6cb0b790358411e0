#!/bin/sh
# Account chosen by envelope sender: without -a, the account whose `from`
# matches the sender (-f, or the From: header with --read-envelope-from) is
# used; `from` may be a wildcard pattern (*@other.example) and matches
# subaddresses (alice+tag@ matches alice@); %U is the login name. No match:
# the default account. -a still wins. The accounts share one Postfix; the
# logfile line (account=NAME) tells which one sent.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

log=$TEST_TMP/postie.log
login=$(id -un)
cat >"$conf" <<CONF
defaults
timeout 10
tls off
host 127.0.0.1
port $PF_PORT
logfile $log

account alice
from alice@example.test

account other
from *@other.example

account login
from %U@example.test

account default
from sender@example.test
CONF
chmod 600 "$conf"

printf '%s\n' \
	'From: Someone <someone@other.example>' \
	'To: bob@example.test' \
	'Subject: which account?' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <account-by-sender.1@example.test>' \
	'' \
	'The sender decides.' >"$TEST_TMP/msg"

# send_as DESC WANT-ACCOUNT WANT-RETURN-PATH ARGS...: send the message to
# bob; check the exit status, the account in the log line and the envelope
# sender bob's copy arrived with.
send_as() {
	_sa_desc=$1 _sa_account=$2 _sa_return=$3
	shift 3
	_sa_before=$(mail_count bob)
	run_postie "$TEST_TMP/msg" -C "$conf" "$@" bob@example.test
	is "$status" 0 "$_sa_desc: exit status 0"
	is "$stderr" "" "$_sa_desc: stderr is empty"
	wait_for_delivery bob $((_sa_before + 1))
	ok $? "$_sa_desc: bob received it"
	like "$(tail -n 1 "$log" 2>/dev/null)" " account=$_sa_account " \
		"$_sa_desc: sent through account $_sa_account"
	is "$(message_return_path "$(maildir_files bob | tail -n 1)")" "$_sa_return" \
		"$_sa_desc: the envelope sender is $_sa_return"
}

send_as "-f x@other.example" other "<x@other.example>" -f x@other.example
send_as "-f X@OTHER.EXAMPLE (domain case)" other "<X@OTHER.EXAMPLE>" -f X@OTHER.EXAMPLE
send_as "-f alice@example.test" alice "<alice@example.test>" -f alice@example.test
send_as "-f alice+tag@example.test (subaddress)" alice "<alice+tag@example.test>" \
	-f alice+tag@example.test
send_as "-f $login@example.test (%U)" login "<$login@example.test>" -f "$login@example.test"
send_as "-f '<alice@example.test>' (angle brackets)" alice "<alice@example.test>" \
	-f '<alice@example.test>'
send_as "-f 'Alice <alice@example.test>' (a display name)" alice "<alice@example.test>" \
	-f 'Alice <alice@example.test>'
send_as "-f nomatch@elsewhere.example" default "<nomatch@elsewhere.example>" \
	-f nomatch@elsewhere.example
send_as "no -f" default "<sender@example.test>"
send_as "--read-envelope-from" other "<someone@other.example>" --read-envelope-from
send_as "-a alice -f x@other.example (-a wins)" alice "<x@other.example>" \
	-a alice -f x@other.example

# An account whose from is %U sends as the login name.
cat >"$conf" <<CONF
defaults
timeout 10
tls off
logfile $log

account default
host 127.0.0.1
port $PF_PORT
from %U@example.test
CONF
chmod 600 "$conf"
send_as "from %U@example.test" default "<$login@example.test>"

# A pattern selects accounts; it is never itself the envelope sender.
cat >"$conf" <<CONF
defaults
timeout 10
tls off
logfile $log

account default
host 127.0.0.1
port $PF_PORT
from *@other.example
CONF
chmod 600 "$conf"
run_postie "$TEST_TMP/msg" -C "$conf" bob@example.test
is "$status" 78 "a pattern as the only from: exit status 78 (EX_CONFIG)"
error_line "a pattern as the only from: stderr is one 'postie: ' line"
like "$stderr" "*@other.example" "a pattern as the only from: stderr names the pattern"
send_as "a pattern as from, with -f" default "<y@other.example>" -f y@other.example

assert_no_mail alice
assert_queue_empty
done_testing
