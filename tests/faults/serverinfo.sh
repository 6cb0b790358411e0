#!/bin/sh
# --serverinfo (-S): the greeting and the capabilities, over plain SMTP
# (tls off) and over STARTTLS, where the capabilities before and after TLS
# differ and the TLS session and the server certificate (subject, issuer,
# validity, SHA-256 fingerprint, verdict) are shown. Never AUTH, never MAIL.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start serverinfo-plain "auth on
user u
password Fault-p4ss-7e1d"
run_postie /dev/null --serverinfo -C "$FAULT_CONFIG"
fault_finish
is "$status" 0 "plain: exit status 0"
is "$stderr" "" "plain: nothing on stderr"
like "$stdout" "greeting:      220-faultserver.example.test ESMTP serverinfo greeting" \
	"plain: the greeting is shown"
like "$stdout" "                   220 second greeting line" "plain: every line of the greeting is shown"
for cap in "SIZE 10485760" PIPELINING 8BITMIME SMTPUTF8 DSN CHUNKING "AUTH PLAIN LOGIN" \
	ENHANCEDSTATUSCODES; do
	like "$stdout" "    $cap" "plain: capability $cap is listed"
done
like "$stdout" "TLS: not used" "plain: says TLS is not used"
client_did_not_send AUTH "plain: no AUTH"
client_did_not_send MAIL "plain: no MAIL"
client_sent QUIT "plain: QUIT at the end"

fault_tls_certs
fault_start serverinfo-starttls "$FAULT_TLS_CONFIG
auth on
user u
password Fault-p4ss-7e1d"
run_postie /dev/null -S -C "$FAULT_CONFIG"
fault_finish
is "$status" 0 "STARTTLS: exit status 0"
is "$stderr" "" "STARTTLS: nothing on stderr"
like "$stdout" "TLS (STARTTLS):" "STARTTLS: the TLS section"
like "$stdout" "protocol:      TLS1." "STARTTLS: the TLS version"
like "$stdout" "cipher suite:  TLS1." "STARTTLS: the cipher suite"
like "$stdout" "subject:       CN=faultserver.example.test" "STARTTLS: the certificate's subject"
like "$stdout" "issuer:        CN=postie fault test CA" "STARTTLS: the certificate's issuer"
like "$stdout" "not before:    " "STARTTLS: the start of validity"
like "$stdout" "not after:     " "STARTTLS: the end of validity"
fingerprint=$(certtool --fingerprint --hash sha256 --infile "$FAULT_CERT" 2>/dev/null |
	tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//')
[ -n "$fingerprint" ] || bail "certtool printed no fingerprint"
like "$stdout" "SHA-256:       $fingerprint" "STARTTLS: the SHA-256 fingerprint, as certtool computes it"
like "$stdout" "verified:      yes: issued by a trusted CA, for faultserver.example.test" \
	"STARTTLS: the certificate verified for the host"
like "$stdout" "Capabilities before STARTTLS:
    PIPELINING
    STARTTLS
Capabilities after" "STARTTLS: the capabilities before TLS"
like "$stdout" "Capabilities after STARTTLS:
    SIZE 1000000" "STARTTLS: the capabilities after TLS"
like "$stdout" "    AUTH PLAIN SCRAM-SHA-256" "STARTTLS: the AUTH mechanisms after TLS"
is "$(printf '%s\n' "$transcript" | grep -c '^C: EHLO')" 2 "STARTTLS: EHLO before and after TLS"
client_did_not_send AUTH "STARTTLS: no AUTH"
client_did_not_send MAIL "STARTTLS: no MAIL"
unlike "$stdout" "Fault-p4ss-7e1d" "STARTTLS: the password is not shown"
fault_done
