#!/bin/sh
# Diagnostics against the real Postfix + Dovecot: --serverinfo shows what the
# server offers before and after STARTTLS and the certificate it presented
# (its SHA-256 fingerprint as certtool computes it); --check logs in for real
# and sends nothing; --pretend shows the settings without the password; and
# `log_format json` writes one JSON object per message to the logfile.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_tls_with_account
password=$(pf_password alice)

run_postie_kept /dev/null --serverinfo -C "$conf"
is "$status" 0 "--serverinfo: exit status 0"
is "$stderr" "" "--serverinfo: nothing on stderr"
like "$stdout" "Capabilities before STARTTLS:" "--serverinfo: capabilities before TLS"
like "$stdout" "    STARTTLS" "--serverinfo: STARTTLS offered in plain text"
like "$stdout" "Capabilities after STARTTLS:" "--serverinfo: capabilities after TLS"
like "$stdout" "    AUTH " "--serverinfo: AUTH mechanisms after TLS"
like "$stdout" "SCRAM-SHA-256" "--serverinfo: Dovecot's SCRAM-SHA-256 is among them"
like "$stdout" "protocol:      TLS1." "--serverinfo: the TLS version"
like "$stdout" "SHA-256:       $(cert_fingerprint "$PF_CERT_server")" \
	"--serverinfo: the SHA-256 fingerprint of the server certificate"
like "$stdout" "verified:      yes" "--serverinfo: the certificate verified"
unlike "$stdout" "$password" "--serverinfo: the password is not shown"
is "$(postfix_auth_count)" 0 "--serverinfo: no AUTH reached the server"

run_postie_kept /dev/null --check -C "$conf"
is "$status" 0 "--check: exit status 0"
like "$stdout" "config: ok" "--check: config step"
like "$stdout" "connect: ok" "--check: connect step"
like "$stdout" "tls: ok" "--check: TLS step"
like "$stdout" "auth: ok" "--check: AUTH step (a real login through Dovecot)"
like "$stdout" "check: ok, no mail sent" "--check: says nothing was sent"
is "$(postfix_auth_count)" 1 "--check: the server saw one AUTH"
is "$(postfix_transaction_count)" 0 "--check: no mail transaction"

sed "s/^password .*/password \"wrong-$$\"/" "$conf" >"$TEST_TMP/wrong"
chmod 600 "$TEST_TMP/wrong"
run_postie_kept /dev/null --check -C "$TEST_TMP/wrong"
is "$status" 77 "--check, wrong password: exit status 77, as a send would give"
like "$stdout" "auth: failed: " "--check, wrong password: the failing step is named"
unlike "$stdout" "check: ok" "--check, wrong password: no success line"

run_postie_kept /dev/null --pretend -C "$conf" alice@example.test
is "$status" 0 "--pretend: exit status 0"
like "$stdout" "<set>" "--pretend: the password is shown as <set>"
unlike "$stdout" "$password" "--pretend: the password itself is not shown"

printf '%s\n' 'logfile '"$TEST_TMP/json.log" 'log_format json' >>"$conf"
printf '%s\n' 'Subject: json log' 'Message-ID: <json.1@example.test>' \
	'Date: Tue, 01 Dec 2026 10:00:00 +0000' '' 'body' >"$TEST_TMP/msg"
run_postie_kept "$TEST_TMP/msg" -C "$conf" alice@example.test
is "$status" 0 "json log: delivered"
wait_for_delivery alice 1
ok $? "json log: alice received it"
python3 - "$TEST_TMP/json.log" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["outcome"] == "sent" and o["exit"] == 0 and o["exit_name"] == "EX_OK", o
assert o["rcpts"] == ["alice@example.test"], o
assert o["tls"] is True and o["user"] == "alice", o
assert o["message_id"] == "<json.1@example.test>", o
assert o["smtp"]["code"] == 250 and o["smtp"]["enhanced"].startswith("2."), o
assert isinstance(o["duration_ms"], int) and o["duration_ms"] >= 0, o
PY
ok $? "json log: one JSON object with the outcome, recipients, TLS, user, Message-ID, reply, duration"
unlike "$(cat "$TEST_TMP/json.log")" "$password" "json log: no password in the log"
done_testing
