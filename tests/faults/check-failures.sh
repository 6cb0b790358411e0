#!/bin/sh
# --check stops at the first step that fails, prints "STEP: failed: ..."
# and exits as a send would: connect refused 75, untrusted certificate 77,
# AUTH refused 77.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

# connect: nothing listens.
[ -n "${FREEPORT:-}" ] && [ -x "$FREEPORT" ] ||
	bail "freeport is not built (FREEPORT='${FREEPORT:-}')"
port=$("$FREEPORT") || bail "freeport failed"
write_config "$FAULT_CONFIG" 127.0.0.1 "$port"
run_postie /dev/null --check -C "$FAULT_CONFIG"
is "$status" 75 "connect: exit status 75"
like "$stdout" "dns: ok 127.0.0.1 -> 127.0.0.1" "connect: dns went through"
is "$(printf '%s\n' "$stdout" | tail -n 1 | cut -c1-36)" "connect: failed: cannot connect to 1" \
	"connect: the last line says the connect failed"
like "$stdout" "port $port" "connect: the failure names the port"
expect_outcome 75 connect "$port"

# tls: a certificate from a CA the account does not trust.
fault_tls_certs
fault_start implicit-tls-untrusted "tls on
tls_starttls off
tls_trust_file $FAULT_OTHER_CA
tls_host_override faultserver.example.test
auth on
user u
password Fault-p4ss-7e1d"
run_postie /dev/null --check -C "$FAULT_CONFIG"
fault_finish
is "$status" 77 "tls: exit status 77"
like "$stdout" "connect: ok 127.0.0.1" "tls: the connect went through"
like "$(printf '%s\n' "$stdout" | tail -n 1)" "tls: failed: the certificate faultserver.example.test presented is not issued by a trusted CA" \
	"tls: the last line says why"
unlike "$stdout" "auth:" "tls: no auth step after the failure"
expect_outcome 77 tls "not issued by a trusted CA"

# auth: 535.
fault_start auth-535 "$FAULT_TLS_CONFIG
auth on
user u
password Fault-p4ss-7e1d"
run_postie /dev/null --check -C "$FAULT_CONFIG"
fault_finish
is "$status" 77 "auth: exit status 77"
like "$stdout" "tls: ok TLS1." "auth: TLS went through"
like "$(printf '%s\n' "$stdout" | tail -n 1)" "auth: failed: " "auth: the last line says AUTH failed"
like "$(printf '%s\n' "$stdout" | tail -n 1)" "535 5.7.8 Authentication credentials invalid" \
	"auth: with the server's reply"
client_did_not_send MAIL "auth: no MAIL"
expect_outcome 77 auth 535 5.7.8
fault_done
