#!/bin/sh
# --check: one "STEP: ok ..." line per step (config, dns, connect, smtp,
# tls, auth), credentials obtained as a send would, then QUIT; no MAIL.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
fault_start check-ok "$FAULT_TLS_CONFIG
auth on
user u
passwordeval echo Fault-p4ss-7e1d"
run_postie /dev/null --check -C "$FAULT_CONFIG"
fault_finish
port=$(cat "$FAULT_PORTFILE")
is "$status" 0 "exit status 0"
is "$stderr" "" "nothing on stderr"
is "$(printf '%s\n' "$stdout" | sed -n 1p)" "config: ok ($FAULT_CONFIG, account default)" \
	"config line"
is "$(printf '%s\n' "$stdout" | sed -n 2p)" "dns: ok 127.0.0.1 -> 127.0.0.1" "dns line"
is "$(printf '%s\n' "$stdout" | sed -n 3p)" "connect: ok 127.0.0.1 port $port" "connect line"
is "$(printf '%s\n' "$stdout" | sed -n 4p)" "smtp: ok greeting and EHLO answered" "smtp line"
like "$(printf '%s\n' "$stdout" | sed -n 5p)" "tls: ok TLS1." "tls line: the TLS version"
like "$(printf '%s\n' "$stdout" | sed -n 5p)" ", certificate verified for faultserver.example.test" \
	"tls line: the certificate verified"
is "$(printf '%s\n' "$stdout" | sed -n 6p)" "auth: ok PLAIN as u" "auth line"
is "$(printf '%s\n' "$stdout" | sed -n 7p)" "check: ok, no mail sent" "the last line"
server_noted "sasl-server PLAIN: authentication succeeded" "the server accepted the credentials"
client_did_not_send MAIL "no MAIL"
client_sent QUIT "QUIT at the end"
unlike "$stdout" "Fault-p4ss-7e1d" "the password is not shown"

# Without auth: the auth step says so.
fault_start accept-quit ""
run_postie /dev/null --check -C "$FAULT_CONFIG"
fault_finish
is "$status" 0 "no auth: exit status 0"
like "$stdout" "tls: off (the account says tls off)" "no auth: tls off is said"
like "$stdout" "auth: not configured" "no auth: auth not configured"
client_did_not_send MAIL "no auth: no MAIL"
fault_done
