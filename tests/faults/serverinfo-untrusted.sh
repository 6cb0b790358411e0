#!/bin/sh
# --serverinfo against a server whose certificate does not verify: the
# certificate is still shown with the reason, and the exit status is the
# one a send would get (77). Against a server without STARTTLS (tls on):
# its plaintext capabilities are shown, and 77 too.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start serverinfo-untrusted "tls on
tls_starttls off
tls_trust_file $FAULT_OTHER_CA
tls_host_override faultserver.example.test"
run_postie /dev/null --serverinfo -C "$FAULT_CONFIG"
fault_finish
is "$status" 77 "exit status 77, as a send"
like "$stdout" "TLS (implicit" "implicit TLS is named"
like "$stdout" "subject:       CN=faultserver.example.test" "the certificate's subject is shown"
like "$stdout" "verified:      NO: the certificate faultserver.example.test presented is not issued by a trusted CA" \
	"the verdict says why it does not verify"
like "$stdout" "    AUTH PLAIN" "the capabilities are shown"
expect_outcome 77 tls "not issued by a trusted CA"
client_did_not_send AUTH "no AUTH to an unverified server"

fault_start starttls-not-offered "$FAULT_TLS_CONFIG"
run_postie /dev/null --serverinfo -C "$FAULT_CONFIG"
fault_finish
is "$status" 77 "no STARTTLS: exit status 77, as a send"
like "$stdout" "greeting:      220 " "no STARTTLS: the greeting is shown"
like "$stdout" "Capabilities (in plain text):" "no STARTTLS: the plaintext capabilities are shown"
unlike "$stdout" "    STARTTLS" "no STARTTLS: STARTTLS is not among them"
expect_outcome 77 tls "does not offer STARTTLS"
fault_done
