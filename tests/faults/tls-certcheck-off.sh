#!/bin/sh
# tls_certcheck off: a certificate from an unknown CA is accepted, with a
# warning on every run; a tls_fingerprint that does not match is still
# refused (77), certcheck or not.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
untrusted="tls on
tls_starttls off
tls_trust_file $FAULT_OTHER_CA
tls_host_override faultserver.example.test
tls_certcheck off"

fault_start tls-certcheck-off "$untrusted"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 0 "delivered over TLS without verification"
is "$stderr" "postie: warning: tls_certcheck is off: the identity of faultserver.example.test is not verified" \
	"one warning line says the server's identity is not verified"

fault_start tls-refused "$untrusted
tls_fingerprint 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
expect_outcome 77 tls "fingerprint mismatch" "SHA256"
server_noted "TLS handshake failed" "the handshake was refused before any SMTP"
fault_done
