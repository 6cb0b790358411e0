#!/bin/sh
# Composing with text that is not ASCII (issue 7): a UTF-8 --subject goes
# out as RFC 2047 encoded-words (the header stays ASCII) that decode back
# to the subject; a UTF-8 body goes out as it is, 8bit, charset=utf-8; a
# non-ASCII display name and --header value are encoded too. A body that is
# not UTF-8 (latin-1) is refused with 65 and nothing is sent, unless
# --charset says what it is: then it goes out byte for byte with that
# charset. To a server without 8BITMIME the 8bit body goes out
# quoted-printable and decodes back to the same bytes.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

subject='Störung: Füllstand 99 %'

# latest USER FILE: USER's newest message without the trace fields -> FILE.
latest() {
	message_without_trace "$(maildir_files "$1" | tail -n 1)" >"$2"
}

# header_ascii DESC FILE: FILE's header section is printable ASCII only.
header_ascii() {
	sed -n '/^$/q; p' "$2" >"$TEST_TMP/head"
	if LC_ALL=C grep -q '[^ -~]' "$TEST_TMP/head"; then
		fail "$1: the header section is ASCII only" "$(cat "$TEST_TMP/head")"
	else
		pass "$1: the header section is ASCII only"
	fi
}

# py_field FILE NAME: the NAME field of FILE as Python's email package
# decodes it (policy=default: RFC 2047 encoded-words decoded).
py_field() {
	PYTHONIOENCODING=utf-8 python3 - "$1" "$2" <<'PY' 2>&1
import sys, email, email.policy
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
print(msg[sys.argv[2]])
PY
}

# 1. UTF-8 subject and body.
printf 'Füllstand von /var: 99 %%\nBitte Lüfter prüfen — sofort.\n' >"$TEST_TMP/utf8-body"
run_postie /dev/null --subject "$subject" --body-file "$TEST_TMP/utf8-body" -C "$conf" \
	alice@example.test
is "$status" 0 "UTF-8: exit status 0"
is "$stderr" "" "UTF-8: stderr is empty"
wait_for_delivery alice 1
ok $? "UTF-8: alice received it"
latest alice "$TEST_TMP/got"
header_ascii "UTF-8" "$TEST_TMP/got"
raw_subject=$(message_field "$TEST_TMP/got" Subject)
like "$raw_subject" "=?" "UTF-8: the Subject is made of encoded-words"
unlike "$raw_subject" "$subject" "UTF-8: the Subject is not the raw text"
decoded=$(PYTHONIOENCODING=utf-8 python3 -c '
import sys, email.header as h
print(str(h.make_header(h.decode_header(sys.argv[1]))))' "$raw_subject" 2>&1)
is "$decoded" "$subject" "UTF-8: email.header decodes the Subject back to the text"
is "$(py_field "$TEST_TMP/got" Subject)" "$subject" \
	"UTF-8: the email package (policy=default) reads the same Subject"
is "$(message_field "$TEST_TMP/got" Content-Type)" "text/plain; charset=utf-8" \
	"UTF-8: Content-Type: text/plain; charset=utf-8"
is "$(message_field "$TEST_TMP/got" Content-Transfer-Encoding)" "8bit" \
	"UTF-8: Content-Transfer-Encoding: 8bit"
message_body "$TEST_TMP/got" >"$TEST_TMP/got-body"
same_bytes "$TEST_TMP/got-body" "$TEST_TMP/utf8-body" "UTF-8: the body arrives byte for byte"
# Folded or not, each line of the Subject field stays within 78 octets.
long=$(sed -n '/^$/q; p' "$TEST_TMP/got" | awk 'length($0) > 78' | head -n 3)
is "$long" "" "UTF-8: no header line over 78 octets"

# 2. A non-ASCII display name and --header value are encoded the same way.
run_postie /dev/null --subject 'Standort' --body 'ok' --header 'X-Site: Zürich Süd' \
	-C "$conf" 'Jörg Müller <bob@example.test>'
is "$status" 0 "UTF-8 name and --header: exit status 0"
wait_for_delivery bob 1
ok $? "UTF-8 name and --header: bob received it"
latest bob "$TEST_TMP/got"
header_ascii "UTF-8 name and --header" "$TEST_TMP/got"
is "$(py_field "$TEST_TMP/got" To)" "Jörg Müller <bob@example.test>" \
	"UTF-8 name: To decodes to the name and address"
is "$(py_field "$TEST_TMP/got" X-Site)" "Zürich Süd" "--header: X-Site decodes to the value"

# 3. A latin-1 body without --charset: 65, nothing sent (from a file and
# from stdin alike).
printf 'Gr\374\337e aus K\366ln: F\374llstand 99 %%\n' >"$TEST_TMP/latin1-body"
transactions=$(postfix_transaction_count)
run_postie /dev/null --subject 'latin-1' --body-file "$TEST_TMP/latin1-body" -C "$conf" \
	carol@example.test
is "$status" 65 "latin-1 body file, no --charset: exit status 65 (EX_DATAERR)"
error_line "latin-1 body file, no --charset: stderr is one 'postie: ' line"
like "$stderr" "UTF-8" "latin-1 body file, no --charset: stderr says it is not UTF-8"
like "$stderr" "--charset" "latin-1 body file, no --charset: stderr points to --charset"
run_postie "$TEST_TMP/latin1-body" --subject 'latin-1' -C "$conf" carol@example.test
is "$status" 65 "latin-1 body on stdin, no --charset: exit status 65 (EX_DATAERR)"
error_line "latin-1 body on stdin, no --charset: stderr is one 'postie: ' line"
is "$(postfix_transaction_count)" "$transactions" "latin-1, no --charset: no mail transaction"
assert_no_mail carol

# 4. The same with --charset iso-8859-1: sent byte for byte, so labelled.
run_postie /dev/null --subject 'latin-1' --charset iso-8859-1 \
	--body-file "$TEST_TMP/latin1-body" -C "$conf" carol@example.test
is "$status" 0 "--charset iso-8859-1: exit status 0"
is "$stderr" "" "--charset iso-8859-1: stderr is empty"
wait_for_delivery carol 1
ok $? "--charset iso-8859-1: carol received it"
latest carol "$TEST_TMP/got"
is "$(message_field "$TEST_TMP/got" Content-Type)" "text/plain; charset=iso-8859-1" \
	"--charset iso-8859-1: Content-Type: text/plain; charset=iso-8859-1"
is "$(message_field "$TEST_TMP/got" Content-Transfer-Encoding)" "8bit" \
	"--charset iso-8859-1: Content-Transfer-Encoding: 8bit"
message_body "$TEST_TMP/got" >"$TEST_TMP/got-body"
same_bytes "$TEST_TMP/got-body" "$TEST_TMP/latin1-body" \
	"--charset iso-8859-1: the body arrives byte for byte"

# 5. A subject that is not UTF-8 is a usage error, found before anything
# is sent.
transactions=$(postfix_transaction_count)
run_postie /dev/null --subject "$(printf 'K\366ln')" --body 'x' -C "$conf" dave@example.test
is "$status" 64 "latin-1 --subject: exit status 64 (EX_USAGE)"
error_line "latin-1 --subject: stderr is one 'postie: ' line"
is "$(postfix_transaction_count)" "$transactions" "latin-1 --subject: no mail transaction"
assert_no_mail dave
assert_queue_empty

# 6. A server without 8BITMIME: the 8bit body goes out quoted-printable
# (ASCII only), labelled so, and decodes back to the same bytes.
postfix_stop
postfix_start_with_account "smtpd_discard_ehlo_keywords = 8bitmime"
run_postie /dev/null --subject "$subject" --body-file "$TEST_TMP/utf8-body" -C "$conf" \
	eve@example.test
is "$status" 0 "no 8BITMIME: exit status 0"
is "$stderr" "" "no 8BITMIME: stderr is empty"
wait_for_delivery eve 1
ok $? "no 8BITMIME: eve received it"
latest eve "$TEST_TMP/got"
is "$(message_field "$TEST_TMP/got" Content-Transfer-Encoding)" "quoted-printable" \
	"no 8BITMIME: Content-Transfer-Encoding: quoted-printable"
is "$(message_field "$TEST_TMP/got" Content-Type)" "text/plain; charset=utf-8" \
	"no 8BITMIME: Content-Type is still text/plain; charset=utf-8"
if LC_ALL=C grep -q '[^	 -~]' "$TEST_TMP/got"; then
	fail "no 8BITMIME: the message is ASCII only" "$(LC_ALL=C grep -n '[^	 -~]' "$TEST_TMP/got" | head -n 3)"
else
	pass "no 8BITMIME: the message is ASCII only"
fi
decoded=$(python3 - "$TEST_TMP/got" "$TEST_TMP/utf8-body" <<'PY' 2>&1
import sys, email, email.policy
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
if msg.get_payload(decode=True) != open(sys.argv[2], "rb").read():
    print("decoded: %r" % msg.get_payload(decode=True))
PY
)
is "$decoded" "" "no 8BITMIME: the body decodes to exactly the UTF-8 text"

# 7. A non-ASCII name that is not one "Name <address>" argument (inside a
# list, or a comment) cannot be encoded safely: 64, nothing sent. The same
# name alone in its argument goes out encoded (section 2).
transactions=$(postfix_transaction_count)
run_postie /dev/null --subject 'list' --body 'x' -C "$conf" \
	'dave@example.test, Bé <carol@example.test>'
is "$status" 64 "non-ASCII name inside a list: exit status 64 (EX_USAGE)"
error_line "non-ASCII name inside a list: stderr is one 'postie: ' line"
like "$stderr" "one 'Name <address>' per argument" \
	"non-ASCII name inside a list: stderr says how to give it"
run_postie /dev/null --subject 'comment' --body 'x' -C "$conf" '(Jörg) dave@example.test'
is "$status" 64 "non-ASCII comment: exit status 64 (EX_USAGE)"
run_postie /dev/null --subject 'reply' --body 'x' -C "$conf" \
	--header 'Reply-To: a@example.test, Jö <b@example.test>' dave@example.test
is "$status" 64 "non-ASCII name inside a Reply-To list: exit status 64 (EX_USAGE)"
run_postie /dev/null --subject 'irt' --body 'x' -C "$conf" \
	--header 'In-Reply-To: <Jörg@example.test>' dave@example.test
is "$status" 64 "non-ASCII In-Reply-To (a structured field): exit status 64 (EX_USAGE)"
is "$(postfix_transaction_count)" "$transactions" "refused names: no mail transaction"
assert_no_mail dave

# 8. Structured --header fields keep their structure: Reply-To's name is
# encoded and its address readable; In-Reply-To passes unchanged. Every
# header line with an encoded-word is at most 76 (RFC 2047). (The server
# was started afresh in section 6: alice has no mail yet.)
long_subject=$(printf '%0100d' 0 | sed 's/0/é/g')
run_postie /dev/null --subject "$long_subject" --body 'x' -C "$conf" \
	--header 'Reply-To: Jörg Müller <bob@example.test>' \
	--header 'In-Reply-To: <abc=?def@x.example>' alice@example.test
is "$status" 0 "Reply-To and In-Reply-To: exit status 0"
wait_for_delivery alice 1
ok $? "Reply-To and In-Reply-To: alice received it"
latest alice "$TEST_TMP/got"
header_ascii "Reply-To and In-Reply-To" "$TEST_TMP/got"
is "$(message_field "$TEST_TMP/got" In-Reply-To)" "<abc=?def@x.example>" \
	"In-Reply-To arrives unchanged"
reply_to=$(PYTHONIOENCODING=utf-8 python3 - "$TEST_TMP/got" <<'PY' 2>&1
import sys, email, email.policy
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
a = msg["Reply-To"].addresses
print(len(a), a[0].display_name, a[0].addr_spec)
PY
)
is "$reply_to" "1 Jörg Müller bob@example.test" \
	"Reply-To: one address, the name decoded, the address readable"
is "$(py_field "$TEST_TMP/got" Subject)" "$long_subject" "a 100-character subject decodes back"
long=$(sed -n '/^$/q; p' "$TEST_TMP/got" | grep '=?' | awk 'length($0) > 76' | head -n 3)
is "$long" "" "no header line with an encoded-word over 76 octets"

assert_queue_empty
done_testing
