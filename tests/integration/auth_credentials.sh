#!/bin/sh
# Where the AUTH secret comes from, end to end against a real Postfix with
# Dovecot SASL: `password` (quoted, with spaces and quotes in it),
# `passwordeval` (a command line, and a script), and ~/.netrc (login and
# password, or the password alone) each get the message delivered as the
# right user. A failing passwordeval is a config error (78), and so is a
# config file that holds a password but can be read by others: postie then
# does not even connect.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_tls_with_account

delivered=0

# send NAME AUTH-LINES [CONFIG-MODE]: write the account (STARTTLS, auth on)
# and send a message to alice with it.
send() {
	write_tls_config "$TEST_TMP/rc-$1" "$PF_PORT" starttls "auth on
$2"
	[ $# -ge 3 ] && chmod "$3" "$TEST_TMP/rc-$1"
	printf '%s\n' \
		'From: Sender <sender@example.test>' \
		'To: Alice <alice@example.test>' \
		"Subject: $1" \
		'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
		'Message-ID: <auth-credentials@example.test>' \
		'' \
		"The secret came from: $1." >"$TEST_TMP/msg"
	run_postie_kept "$TEST_TMP/msg" -C "$TEST_TMP/rc-$1" alice@example.test
}

# delivered_as NAME USER: the last send delivered, authenticated as USER.
delivered_as() {
	is "$status" 0 "$1: exit status 0"
	is "$stderr" "" "$1: stderr is empty"
	delivered=$((delivered + 1))
	wait_for_delivery alice "$delivered"
	ok $? "$1: alice received the message"
	message_without_trace "$(maildir_files alice | tail -n 1)" >"$TEST_TMP/got"
	same_bytes "$TEST_TMP/got" "$TEST_TMP/msg" "$1: the message arrives byte for byte"
	is "$(postfix_sasl_users | tail -n 1)" "$2" "$1: the server authenticated $2"
}

postfix_sasl_users() {
	postfix_wait_idle || true
	sed -n 's/.*smtpd\[[0-9]*\]: [0-9A-F]*: client=.*, sasl_username=\(.*\)$/\1/p' \
		"$PF_LOG"
}

# password, quoted: carol's has spaces and double quotes.
send "quoted password" "$(auth_config_lines carol | sed 1d)"
delivered_as "quoted password" carol

# passwordeval: a command line; its first line of output is the password.
send "passwordeval command" "user bob
passwordeval $(config_quote "printf '%s\\n' '$PF_PASS_bob' 'second line'")"
delivered_as "passwordeval command" bob

# passwordeval: a script, which may print the password without a newline.
cat >"$TEST_TMP/getpass" <<EOF
#!/bin/sh
printf '%s' '$PF_PASS_dave'
EOF
chmod 700 "$TEST_TMP/getpass"
send "passwordeval script" "user dave
passwordeval $TEST_TMP/getpass"
delivered_as "passwordeval script" dave

# A config without `password` may be readable by others.
send "passwordeval, config mode 0644" "user dave
passwordeval $TEST_TMP/getpass" 644
delivered_as "passwordeval, config mode 0644" dave

# ~/.netrc, found through HOME: login and password for the host as
# configured (127.0.0.1), or the password for the user the config names.
HOME=$TEST_TMP/home
export HOME
mkdir "$HOME"
cat >"$HOME/.netrc" <<EOF
machine mail.other.test login bob password wrong-machine
machine 127.0.0.1
	login eve
	password $PF_PASS_eve
EOF
chmod 600 "$HOME/.netrc"
send ".netrc login and password" ""
delivered_as ".netrc login and password" eve
send ".netrc password for the configured user" "user eve"
delivered_as ".netrc password for the configured user" eve

# A failing passwordeval is a config error that says what failed.
send "passwordeval fails" "user alice
passwordeval $(config_quote "echo 'vault is locked' >&2; exit 3")"
is "$status" 78 "passwordeval fails: exit status 78 (EX_CONFIG)"
error_line "passwordeval fails: stderr is one 'postie: ' line"
like "$stderr" "vault is locked" "passwordeval fails: stderr gives the command's message"
like "$stderr" "exit status 3" "passwordeval fails: stderr gives the command's exit status"

# A password in a file others can read: refused before anything is sent.
postfix_wait_idle || true
sessions=$(grep -c 'smtpd\[[0-9]*\]: connect from ' "$PF_LOG")
send "password, config mode 0644" "$(auth_config_lines alice | sed 1d)" 644
is "$status" 78 "password, config mode 0644: exit status 78 (EX_CONFIG)"
error_line "password, config mode 0644: stderr is one 'postie: ' line"
like "$stderr" "$TEST_TMP/rc-password, config mode 0644" \
	"password, config mode 0644: stderr names the file"
send "password, config mode 0640" "$(auth_config_lines alice | sed 1d)" 640
is "$status" 78 "password, config mode 0640: exit status 78 (EX_CONFIG)"
postfix_wait_idle || true
is "$(grep -c 'smtpd\[[0-9]*\]: connect from ' "$PF_LOG")" "$sessions" \
	"a readable config with a password: postie did not connect"

is "$(mail_count alice)" "$delivered" "alice received only the messages sent with a secret"
assert_no_mail bob
assert_no_secrets "no password in postie's output" "$TEST_TMP/postie-output"
done_testing
