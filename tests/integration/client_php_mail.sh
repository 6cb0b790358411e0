#!/bin/sh
# PHP's mail() sends through postie: it runs sendmail_path ("... -t -i") and
# writes To and Subject as header fields, so postie reads the recipients
# from the header. The fifth argument of mail() adds "-f SENDER".
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

php=$(command -v php) || skip_all "php is not installed (package php-cli; dev/install-deps installs it)"

postfix_start_with_account
wrapper=$TEST_TMP/sendmail
write_sendmail_wrapper "$wrapper"

# php_mail PHP-CALL: run the PHP call (an expression that returns what
# mail() returned) without any php.ini; the script exits 0 when mail()
# returned true.
php_mail() {
	php_status=0
	HOME=$TEST_TMP timeout 30 "$php" -n -d "sendmail_path=$wrapper -t -i" \
		-r "exit($1 ? 0 : 1);" >"$TEST_TMP/php-out" 2>&1 || php_status=$?
	php_output=$(cat "$TEST_TMP/php-out")
}

php_mail 'mail("carol@example.test", "PHP subject", "PHP body, grüße.\n.\nlast line", "From: web@example.test")'
is "$php_status" 0 "mail() returns true"
is "$php_output" "" "php prints nothing"
diag "PHP called sendmail with: $(tr '\n' ' ' <"$TEST_TMP/wrapper-args" 2>/dev/null)"
is "$(cat "$TEST_TMP/wrapper-status" 2>/dev/null)" 0 "postie exits 0"
is "$(cat "$TEST_TMP/wrapper-stderr" 2>/dev/null)" "" "postie's stderr is empty"
wait_for_delivery carol 1
ok $? "carol received one message"
got=$(maildir_files carol)
message_without_trace "$got" >"$TEST_TMP/got"
# PHP ends its header lines with CRLF and the body's with LF; postie sends
# every line with CRLF, which the Maildir stores as LF.
sed 's/\r$//' "$TEST_TMP/wrapper-input" >"$TEST_TMP/handed"
is "$(message_fields_beyond "$TEST_TMP/handed" "$TEST_TMP/got")" "" \
	"no field PHP wrote is lost or changed"
diag "fields added on the way: $(message_fields_beyond "$TEST_TMP/got" \
	"$TEST_TMP/handed" | tr '\n' ' ')"
unexpected=$(message_fields_beyond "$TEST_TMP/got" "$TEST_TMP/handed" |
	grep -vxE 'date|message-id')
is "$unexpected" "" "postie adds no field but Date and Message-ID"
is "$(message_field "$TEST_TMP/got" To)" "carol@example.test" "To is carol"
is "$(message_field "$TEST_TMP/got" Subject)" "PHP subject" "Subject is mail()'s"
is "$(message_field "$TEST_TMP/got" From)" "web@example.test" "From is the extra header's"
# PHP ends the body with a newline of its own.
printf 'PHP body, grüße.\n.\nlast line\n' >"$TEST_TMP/want-body"
message_body "$TEST_TMP/got" >"$TEST_TMP/got-body"
same_bytes "$TEST_TMP/got-body" "$TEST_TMP/want-body" \
	"the body arrives byte for byte, its lone dot line included (-i)"
is "$(message_return_path "$got")" "<sender@example.test>" \
	"the envelope sender is the account's from address"

# Two recipients in mail()'s first argument, and a bounce address.
: >"$TEST_TMP/wrapper-args"
php_mail 'mail("dave@example.test, Eve <eve@example.test>", "Two readers", "Hello both.\n", "From: web@example.test", "-fbounce@example.test")'
is "$php_status" 0 "two recipients, -f: mail() returns true"
is "$(cat "$TEST_TMP/wrapper-stderr" 2>/dev/null)" "" "two recipients, -f: postie's stderr is empty"
diag "PHP called sendmail with: $(tr '\n' ' ' <"$TEST_TMP/wrapper-args" 2>/dev/null)"
for user in dave eve; do
	wait_for_delivery "$user" 1
	ok $? "$user received one message"
	is "$(message_return_path "$(maildir_files "$user")")" "<bounce@example.test>" \
		"$user: the envelope sender is mail()'s -f address"
done
assert_no_mail alice
done_testing
