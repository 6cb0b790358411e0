#!/bin/sh
# TLS and SMTP AUTH against a real Postfix with Dovecot SASL: postie
# delivers over STARTTLS and over implicit TLS with every mechanism the
# server offers when it is forced (auth plain|login|cram-md5|scram-sha-1|
# scram-sha-256), and picks SCRAM-SHA-256 itself with `auth on`. Each
# message arrives byte for byte, and the server's log shows the mechanism
# that was used. No password shows up in anything postie printed or logged,
# -v transcripts included.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_tls_with_account

delivered=0

# deliver NAME PORT starttls|implicit AUTH [POSTIE-OPTION...]: send a message
# as alice (password from the config) and check what arrived and how.
deliver() {
	_name=$1 _port=$2 _mode=$3 _auth=$4
	shift 4
	write_tls_config "$TEST_TMP/rc-$_name" "$_port" "$_mode" \
		"$(auth_config_lines alice "$_auth")
logfile $TEST_TMP/postie.log"
	printf '%s\n' \
		'From: Sender <sender@example.test>' \
		'To: Alice <alice@example.test>' \
		"Subject: $_name" \
		'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
		"Message-ID: <tls-auth.$_name@example.test>" \
		'' \
		"Sent over $_mode with auth $_auth." >"$TEST_TMP/msg-$_name"
	run_postie_kept "$TEST_TMP/msg-$_name" -C "$TEST_TMP/rc-$_name" "$@" \
		alice@example.test
	is "$status" 0 "$_name: exit status 0"
	if [ $# -eq 0 ]; then
		is "$stderr" "" "$_name: stderr is empty"
	fi
	delivered=$((delivered + 1))
	wait_for_delivery alice "$delivered"
	ok $? "$_name: alice received the message"
	message_without_trace "$(maildir_files alice | tail -n 1)" >"$TEST_TMP/got-$_name"
	same_bytes "$TEST_TMP/got-$_name" "$TEST_TMP/msg-$_name" \
		"$_name: the message arrives byte for byte"
}

# The server's record of the last transaction's mechanism.
last_method() {
	postfix_sasl_methods | tail -n 1
}

for mode in starttls implicit; do
	if [ $mode = starttls ]; then port=$PF_PORT; else port=$PF_TLS_PORT; fi
	for mech in PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256; do
		# The config names the mechanism in lower case, as users write it.
		deliver "$mode-$mech" "$port" $mode "$(echo "$mech" | tr '[:upper:]' '[:lower:]')"
		is "$(last_method)" "$mech" "$mode-$mech: the server saw AUTH $mech"
	done
	deliver "$mode-on" "$port" $mode on
	is "$(last_method)" SCRAM-SHA-256 \
		"$mode, auth on: postie chose SCRAM-SHA-256, the strongest offered"
done

# Every authenticated transaction was one of ours, over TLS.
is "$(postfix_sasl_methods | wc -l | tr -d ' ')" "$delivered" \
	"one authenticated transaction per message"
is "$(grep -c 'TLS connection established from' "$PF_LOG")" "$delivered" \
	"every session was encrypted"

# -v: the transcript shows the AUTH exchange, never the secret. The
# mechanisms that send the password itself (base64) matter most.
: >"$TEST_TMP/verbose-output"
for mech in plain login scram-sha-256; do
	deliver "verbose-$mech" "$PF_PORT" starttls "$mech" -v
	cat "$TEST_TMP/stderr" >>"$TEST_TMP/verbose-output"
	upper=$(echo "$mech" | tr '[:lower:]' '[:upper:]')
	like "$stderr" "AUTH $upper" "verbose-$mech: the transcript shows AUTH $upper"
	like "$stderr" "235" "verbose-$mech: the transcript shows the 235 reply"
done

assert_no_secrets "no password (plain or base64) in postie's output or log file" \
	"$TEST_TMP/postie-output" "$TEST_TMP/verbose-output" "$TEST_TMP/postie.log"
assert_no_secrets "no password in the server logs" "$PF_LOG" "$DOV_LOG"
assert_no_mail bob
done_testing
