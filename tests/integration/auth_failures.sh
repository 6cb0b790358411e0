#!/bin/sh
# SMTP AUTH failures against a real Postfix with Dovecot SASL: a wrong
# password (with `auth on` and with forced mechanisms) or an unknown user
# ends in exit 77 and one stderr line that gives the server's 535 reply,
# and nothing is delivered. A mechanism the server does not offer is
# refused before any AUTH is sent. The fixture itself refuses recipients
# to a session that did not authenticate, so "nothing delivered" is a real
# check.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_tls_with_account

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: Alice <alice@example.test>' \
	'Subject: auth failures' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <auth-failures.1@example.test>' \
	'' \
	'Nobody should read this.' >"$TEST_TMP/msg"

# try NAME PORT starttls|implicit AUTH-LINES [ARG...]: run postie with that
# account; the arguments (default: alice@example.test) follow -C.
try() {
	_rc=$TEST_TMP/rc-$1
	write_tls_config "$_rc" "$2" "$3" "$4"
	shift 4
	[ $# -gt 0 ] || set -- alice@example.test
	run_postie_kept "$TEST_TMP/msg" -C "$_rc" "$@"
}

# The server's refusal of a session without AUTH, as the baseline.
try "no auth" "$PF_PORT" starttls "auth off"
is "$status" 67 "no auth: exit status 67 (the server refused the recipient)"
like "$stderr" "554 5.7.1" "no auth: stderr gives the server's refusal"

wrong='Wr0ng-pa55word-not-alice'
for case in "starttls on" "starttls plain" "starttls login" "implicit on"; do
	mode=${case% *} mech=${case#* }
	if [ "$mode" = starttls ]; then port=$PF_PORT; else port=$PF_TLS_PORT; fi
	try "wrong password, $case" "$port" "$mode" "auth $mech
user alice
password $wrong"
	is "$status" 77 "wrong password, $mode, auth $mech: exit status 77 (EX_NOPERM)"
	error_line "wrong password, $mode, auth $mech: stderr is one 'postie: ' line"
	like "$stderr" "535 5.7.8" \
		"wrong password, $mode, auth $mech: stderr gives the server's 535 reply"
	like "$stderr" "authentication failed" \
		"wrong password, $mode, auth $mech: stderr gives the server's text"
	unlike "$stderr" "$wrong" "wrong password, $mode, auth $mech: stderr does not show the password"
done

# Right password, wrong user: the same refusal.
try "unknown user" "$PF_PORT" starttls "auth on
user mallory
password $PF_PASS_alice"
is "$status" 77 "unknown user: exit status 77 (EX_NOPERM)"
error_line "unknown user: stderr is one 'postie: ' line"
like "$stderr" "535 5.7.8" "unknown user: stderr gives the server's 535 reply"

# alice's name with bob's password.
try "another user's password" "$PF_PORT" starttls "auth scram-sha-1
user alice
password $PF_PASS_bob"
is "$status" 77 "another user's password: exit status 77 (EX_NOPERM)"
like "$stderr" "535 5.7.8" "another user's password: stderr gives the server's 535 reply"

auth_before=$(postfix_auth_count)
try "mechanism not offered" "$PF_PORT" starttls "auth digest-md5
user alice
password $PF_PASS_alice"
is "$status" 77 "mechanism not offered: exit status 77 (EX_NOPERM)"
error_line "mechanism not offered: stderr is one 'postie: ' line"
like "$stderr" "DIGEST-MD5" "mechanism not offered: stderr names the mechanism asked for"
like "$stderr" "SCRAM-SHA-256" "mechanism not offered: stderr says what the server offers"
is "$(postfix_auth_count)" "$auth_before" "mechanism not offered: no AUTH command was sent"

# -v: neither the transcript of a failed login nor that of a failure after
# a good login shows a password.
try "-v, wrong password" "$PF_PORT" starttls "auth login
user alice
password $wrong" -v alice@example.test
is "$status" 77 "-v, wrong password: exit status 77 (EX_NOPERM)"
like "$stderr" "AUTH LOGIN" "-v, wrong password: the transcript shows AUTH LOGIN"
unlike "$stderr" "$wrong" "-v, wrong password: the transcript does not show the password"
unlike "$stderr" "$(printf '%s' "$wrong" | base64)" \
	"-v, wrong password: the transcript does not show the password in base64"
try "-v, unknown recipient" "$PF_PORT" starttls "$(auth_config_lines alice plain)" \
	-v nosuch@example.test
is "$status" 67 "-v, unknown recipient after AUTH PLAIN: exit status 67 (EX_NOUSER)"
like "$stderr" "235" "-v, unknown recipient after AUTH PLAIN: the login succeeded"
like "$stderr" "550 5.1.1" "-v, unknown recipient after AUTH PLAIN: the transcript shows the refusal"

is "$(postfix_transaction_count)" 0 "no mail transaction got past RCPT"
assert_nothing_delivered
assert_queue_empty
assert_no_secrets "no password in postie's output" "$TEST_TMP/postie-output"
done_testing
