#!/bin/sh
# cron mails a job's output exactly so: `sendmail -FCronDaemon -i -B8BITMIME
# -oem root`, the message on stdin addressed to the local user root, whom
# the aliases file sends to alice. The job's output is UTF-8 and may hold a
# line of a single dot (-i makes it data).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account
printf '%s\n' '# Local mail goes to a real mailbox.' 'root: alice@example.test' \
	'postmaster: root' >"$TEST_TMP/aliases"
write_config "$conf" 127.0.0.1 "$PF_PORT" "aliases $TEST_TMP/aliases"

printf '%s\n' \
	'From: root (Cron Daemon)' \
	'To: root' \
	'Subject: Cron <root@host> /usr/local/bin/nightly --größe' \
	'MIME-Version: 1.0' \
	'Content-Type: text/plain; charset=UTF-8' \
	'Content-Transfer-Encoding: 8bit' \
	'X-Cron-Env: <SHELL=/bin/sh>' \
	'X-Cron-Env: <HOME=/root>' \
	'X-Cron-Env: <PATH=/usr/bin:/bin>' \
	'X-Cron-Env: <LOGNAME=root>' \
	'' \
	'Sicherung fertig: 3 Dateien, Größe 42 MiB.' \
	'.' \
	'Nächster Lauf: morgen 03:00 — ✓' >"$TEST_TMP/msg"

run_postie "$TEST_TMP/msg" -C "$conf" -FCronDaemon -i -B8BITMIME -oem root
is "$status" 0 "exit status 0"
is "$stderr" "" "stderr is empty"
is "$stdout" "" "stdout is empty"

wait_for_delivery alice 1
ok $? "root's alias alice received one message"
got=$(maildir_files alice)
message_without_trace "$got" >"$TEST_TMP/got"
message_body "$TEST_TMP/msg" >"$TEST_TMP/want-body"
message_body "$TEST_TMP/got" >"$TEST_TMP/got-body"
same_bytes "$TEST_TMP/got-body" "$TEST_TMP/want-body" \
	"the 8-bit body arrives byte for byte, its lone dot line included"
is "$(message_fields_beyond "$TEST_TMP/msg" "$TEST_TMP/got")" "" \
	"every header field cron wrote arrives unchanged"
diag "fields added on the way: $(message_fields_beyond "$TEST_TMP/got" \
	"$TEST_TMP/msg" | tr '\n' ' ')"
unexpected=$(message_fields_beyond "$TEST_TMP/got" "$TEST_TMP/msg" |
	grep -vxE 'date|message-id')
is "$unexpected" "" "postie adds no field but Date and Message-ID"
is "$(message_return_path "$got")" "<sender@example.test>" \
	"the envelope sender is the account's from address"
like "$(postfix_session_summary)" " rcpt=1 " "one RCPT: the alias target only"
like "$(grep ' to=<' "$PF_LOG")" "to=<alice@example.test>" \
	"the server saw alice@example.test as the recipient"
assert_no_mail bob
done_testing
