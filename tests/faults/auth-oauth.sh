#!/bin/sh
# XOAUTH2 and OAUTHBEARER carry the token that passwordeval prints, in the
# exact formats the providers expect; they are used only when named. A
# refused token is 77 with the server's text, and no MAIL follows.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_tls_certs
token=ya29.token-for-the-fault-test
oauth="$FAULT_TLS_CONFIG
tls_starttls off
user u@example.test
passwordeval echo $token"

# the client's AUTH line from the transcript, without "C: AUTH MECH "
auth_argument() {
	printf '%s\n' "$transcript" | sed -n "s/^C: AUTH $1 //p" | head -n 1
}

fault_start auth-xoauth2 "$oauth
auth xoauth2"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 0 "delivered with XOAUTH2"
is "$stderr" "" "nothing on stderr"
want=$(printf 'user=u@example.test\001auth=Bearer %s\001\001' "$token" | base64 -w0)
is "$(auth_argument XOAUTH2)" "$want" "the XOAUTH2 initial response is user=..^Aauth=Bearer TOKEN^A^A"

fault_start auth-on-not-oauth "$oauth
auth on"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 0 "auth on with PLAIN and XOAUTH2 offered still delivers"
client_did_not_send "AUTH XOAUTH2" "auth on never picks XOAUTH2 by itself"
server_noted "sasl-server PLAIN: authentication succeeded" "it picked PLAIN"

fault_start auth-oauthbearer-refused "$oauth
auth oauthbearer"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
expect_outcome 77 auth 535 5.7.8 "token expired"
want=$(printf 'n,a=u@example.test,\001auth=Bearer %s\001\001' "$token" | base64 -w0)
is "$(auth_argument OAUTHBEARER)" "$want" "the OAUTHBEARER initial response follows RFC 7628"
client_did_not_send MAIL "no MAIL after a refused token"
fault_done
