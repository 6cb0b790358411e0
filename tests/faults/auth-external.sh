#!/bin/sh
# auth external: the TLS client certificate (tls_cert_file, tls_key_file)
# is the credential, no password is asked for; without a certificate the
# server refuses it (77) and no MAIL follows.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_client_cert
external="$FAULT_TLS_CONFIG
tls_starttls off
auth external"

fault_start auth-external "$external
tls_cert_file $FAULT_CLIENT_CERT
tls_key_file $FAULT_CLIENT_KEY"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 0 "delivered with AUTH EXTERNAL"
is "$stderr" "" "nothing on stderr (no password was needed)"
server_noted "sasl-server EXTERNAL: authentication succeeded" \
	"the server accepted the client certificate"

fault_start auth-external-refused "$external"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
expect_outcome 77 auth 535
client_did_not_send MAIL "no MAIL after the refusal"
fault_done
