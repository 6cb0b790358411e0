#!/bin/sh
# bsd-mailx sends through postie: `mail -s SUBJECT RCPT` runs its "sendmail"
# (set in a MAILRC file) with its own arguments and a message it built; the
# message arrives as mailx wrote it, with UTF-8 in the Subject and the body.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

mailx=/usr/bin/bsd-mailx
[ -x "$mailx" ] || skip_all "bsd-mailx is not installed (dev/install-deps installs it)"

postfix_start_with_account

wrapper=$TEST_TMP/sendmail
write_sendmail_wrapper "$wrapper"
# bsd-mailx has no -S: the variables come from the file MAILRC names.
# sendwait makes mail wait for sendmail and report its failure.
printf 'set sendmail=%s\nset sendwait\n' "$wrapper" >"$TEST_TMP/mailrc"

status=0
printf 'Grüße aus dem Test.\nZweite Zeile.\n' |
	HOME=$TEST_TMP MAILRC=$TEST_TMP/mailrc LC_ALL=C.UTF-8 \
		timeout 30 "$mailx" -s 'Subject äö' alice@example.test \
		>"$TEST_TMP/mail-out" 2>"$TEST_TMP/mail-err" || status=$?
is "$status" 0 "mail exits 0"
is "$(cat "$TEST_TMP/mail-out" "$TEST_TMP/mail-err")" "" "mail prints nothing"
diag "mailx called sendmail with: $(tr '\n' ' ' <"$TEST_TMP/wrapper-args" 2>/dev/null)"
is "$(cat "$TEST_TMP/wrapper-status" 2>/dev/null)" 0 "postie exits 0"
is "$(cat "$TEST_TMP/wrapper-stderr" 2>/dev/null)" "" "postie's stderr is empty"

wait_for_delivery alice 1
ok $? "alice received one message"
got=$(maildir_files alice)
message_without_trace "$got" >"$TEST_TMP/got"
is "$(message_return_path "$got")" "<sender@example.test>" \
	"the envelope sender is the account's from address"
is "$(message_field "$TEST_TMP/got" Subject)" "Subject äö" "Subject arrives in UTF-8"
is "$(message_field "$TEST_TMP/got" To)" "alice@example.test" "To is alice"
printf 'Grüße aus dem Test.\nZweite Zeile.\n' >"$TEST_TMP/want-body"
message_body "$TEST_TMP/got" >"$TEST_TMP/got-body"
same_bytes "$TEST_TMP/got-body" "$TEST_TMP/want-body" "the body arrives byte for byte"

# Every field mailx wrote arrives unchanged; postie may add only the
# fields a message needs and mailx leaves out.
is "$(message_fields_beyond "$TEST_TMP/wrapper-input" "$TEST_TMP/got")" "" \
	"no field mailx wrote is lost or changed"
diag "fields added on the way: $(message_fields_beyond "$TEST_TMP/got" \
	"$TEST_TMP/wrapper-input" | tr '\n' ' ')"
unexpected=$(message_fields_beyond "$TEST_TMP/got" "$TEST_TMP/wrapper-input" |
	grep -vxE 'from|date|message-id')
is "$unexpected" "" "postie adds no field but From, Date and Message-ID"
assert_no_mail bob
done_testing
