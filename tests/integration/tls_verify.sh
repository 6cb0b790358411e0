#!/bin/sh
# Certificate checks against a real Postfix: a certificate from an unknown
# CA, for another name, or expired, and a wrong fingerprint pin each stop
# postie with exit 77 and one stderr line that says why, before any AUTH
# (the password never goes to a server that was not verified) and before
# any mail. A server that offers no STARTTLS is refused the same way. A
# right pin (SHA-256 or SHA-1) works even for a certificate no CA vouches
# for; tls_host_override, the certificate's IP address, tls_trust_file,
# tls_certcheck off and a client certificate are honoured.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_tls_with_account

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: Alice <alice@example.test>' \
	'Subject: certificate checks' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <tls-verify.1@example.test>' \
	'' \
	'Only a verified server may read this.' >"$TEST_TMP/msg"

auth=$(auth_config_lines alice)

# refused NAME PORT [EXTRA-LINES]: postie over STARTTLS to PORT exits 77
# with one stderr line; $stderr is left for more checks.
refused() {
	write_tls_config "$TEST_TMP/rc-$1" "$2" starttls "$auth
${3:-}"
	run_postie_kept "$TEST_TMP/msg" -C "$TEST_TMP/rc-$1" alice@example.test
	is "$status" 77 "$1: exit status 77 (EX_NOPERM)"
	error_line "$1: stderr is one 'postie: ' line"
}

refused "unknown CA" "$PF_PORT_untrusted"
like "$stderr" "trusted" "unknown CA: stderr says the certificate is not trusted"

refused "other name" "$PF_PORT_other"
like "$stderr" "mail.example.test" "other name: stderr names the expected name"
like "$stderr" "other.example.test" "other name: stderr names the certificate's name"

refused "expired" "$PF_PORT_expired"
like "$stderr" "expired" "expired: stderr says the certificate expired"

# A pin replaces the CA and name checks: the server certificate's own pin
# does not fit the untrusted certificate.
seen=$(cert_fingerprint "$PF_CERT_untrusted")
refused "wrong pin" "$PF_PORT_untrusted" \
	"tls_fingerprint $(cert_fingerprint "$PF_CERT_server")"
like "$stderr" "$seen" "wrong pin: stderr gives the server's fingerprint, to pin"

# tls on, but the server does not offer STARTTLS: no downgrade to plain
# text (where this server would not offer AUTH either).
refused "no STARTTLS" "$PF_NOTLS_PORT"
like "$stderr" "STARTTLS" "no STARTTLS: stderr says STARTTLS is missing"

is "$(postfix_auth_count)" 0 "the server saw no AUTH command in any of these sessions"
is "$(postfix_transaction_count)" 0 "the server saw no mail transaction"
assert_nothing_delivered

delivered=0

# delivered NAME PORT starttls|implicit EXTRA-LINES: postie exits 0 and the
# message arrives byte for byte.
delivered() {
	write_tls_config "$TEST_TMP/rc-$1" "$2" "$3" "$auth
$4"
	run_postie_kept "$TEST_TMP/msg" -C "$TEST_TMP/rc-$1" alice@example.test
	is "$status" 0 "$1: exit status 0"
	[ "$status" -eq 0 ] || diag "postie said: $stderr"
	delivered=$((delivered + 1))
	wait_for_delivery alice "$delivered"
	ok $? "$1: alice received the message"
	message_without_trace "$(maildir_files alice | tail -n 1)" >"$TEST_TMP/got"
	same_bytes "$TEST_TMP/got" "$TEST_TMP/msg" "$1: the message arrives byte for byte"
}

delivered "right SHA-256 pin, unknown CA" "$PF_PORT_untrusted" starttls \
	"tls_fingerprint $seen"
is "$stderr" "" "right SHA-256 pin: stderr is empty"
delivered "right SHA-1 pin, unknown CA" "$PF_PORT_untrusted" starttls \
	"tls_fingerprint $(cert_fingerprint "$PF_CERT_untrusted" sha1)"
delivered "right pin over implicit TLS" "$PF_TLS_PORT" implicit \
	"tls_fingerprint $(cert_fingerprint "$PF_CERT_server")"

# Without tls_host_override the name checked is the host, 127.0.0.1, which
# the certificate lists as an IP address.
delivered "by IP address" "$PF_PORT" starttls "tls_host_override"
delivered "tls_host_override other.example.test" "$PF_PORT_other" starttls \
	"tls_host_override other.example.test"
delivered "trusting the other CA" "$PF_PORT_untrusted" starttls \
	"tls_trust_file $PF_UNTRUSTED_CA"
delivered "tls_certcheck off, unknown CA" "$PF_PORT_untrusted" starttls \
	"tls_certcheck off"

# A client certificate, which the server checks against PF_CA.
delivered "client certificate" "$PF_PORT" starttls "tls_cert_file $PF_CERT_client
tls_key_file $PF_KEY_client"
like "$(grep 'TLS connection established from' "$PF_LOG" | tail -n 1)" \
	"Trusted TLS connection" "client certificate: the server verified it"

is "$(postfix_auth_count)" "$delivered" "one AUTH per delivered message"
assert_no_secrets "no password in postie's output" "$TEST_TMP/postie-output"
assert_no_mail bob
done_testing
