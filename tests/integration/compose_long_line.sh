#!/bin/sh
# Long lines in a composed body (issue 7): a line of 998 octets is still
# legal and goes out as it is (7bit); one over 998 (here 999 and a 2,000-
# octet line) makes the body quoted-printable, so no line of the message
# is over 78 octets, and Python's email package decodes the body back to
# exactly the input (line endings normalised to LF, as the Maildir has
# them): trailing spaces, "=" signs, a leading dot and UTF-8 included.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

# latest USER FILE: USER's newest message without the trace fields -> FILE.
latest() {
	message_without_trace "$(maildir_files "$1" | tail -n 1)" >"$2"
}

# send DESC USER BODY-FILE: compose BODY-FILE to USER; expect exit 0 and
# one more message; it goes to $TEST_TMP/got (without the trace fields).
send() {
	_s_before=$(mail_count "$2")
	run_postie /dev/null --subject "$1" --body-file "$3" -C "$conf" "$2@example.test"
	is "$status" 0 "$1: exit status 0"
	is "$stderr" "" "$1: stderr is empty"
	wait_for_delivery "$2" $((_s_before + 1))
	ok $? "$1: $2 received it"
	latest "$2" "$TEST_TMP/got"
}

# no_long_lines DESC FILE: no line of FILE is over 78 octets.
no_long_lines() {
	_nl=$(LC_ALL=C awk 'length($0) > 78 { print NR ": " length($0) " octets" }' "$2" |
		head -n 5)
	is "$_nl" "" "$1: no line of the message is over 78 octets"
}

# decodes_to DESC FILE WANT-FILE: Python's email package (policy=default)
# decodes FILE's body to exactly WANT-FILE's bytes.
decodes_to() {
	_dt=$(python3 - "$2" "$3" <<'PY' 2>&1
import sys, email, email.policy
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
want = open(sys.argv[2], "rb").read()
got = msg.get_payload(decode=True)
if msg.defects:
    print("defects:", msg.defects)
elif got != want:
    print("decoded %d bytes, want %d; first difference at %d" % (len(got), len(want),
          next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))))
PY
)
	is "$_dt" "" "$1: the email package decodes the body to exactly the input"
}

# A line of N octets of ASCII text with spaces and "=" in it.
ascii_line() {
	python3 -c '
import sys
n = int(sys.argv[1])
s = ("disk=99% used; " * (n // 15 + 1))[:n]
sys.stdout.write(s)' "$1"
}

# 1. Exactly 998 octets: legal as it is.
{ ascii_line 998; printf '\nsecond line\n'; } >"$TEST_TMP/body-998"
send "998-octet line" alice "$TEST_TMP/body-998"
is "$(message_field "$TEST_TMP/got" Content-Transfer-Encoding)" "7bit" \
	"998-octet line: Content-Transfer-Encoding: 7bit"
message_body "$TEST_TMP/got" >"$TEST_TMP/got-body"
same_bytes "$TEST_TMP/got-body" "$TEST_TMP/body-998" "998-octet line: the body arrives as it is"

# 2. 999 octets: one too many.
{ ascii_line 999; printf '\nsecond line\n'; } >"$TEST_TMP/body-999"
send "999-octet line" bob "$TEST_TMP/body-999"
is "$(message_field "$TEST_TMP/got" Content-Transfer-Encoding)" "quoted-printable" \
	"999-octet line: Content-Transfer-Encoding: quoted-printable"
no_long_lines "999-octet line" "$TEST_TMP/got"
decodes_to "999-octet line" "$TEST_TMP/got" "$TEST_TMP/body-999"

# 3. A 2,000-octet line among others: one with a trailing space, one of a
# single dot, one starting with a dot, UTF-8 text, and CRLF line endings
# in the input (they come back as LF, like every line of the Maildir).
python3 - "$TEST_TMP/body-2000" "$TEST_TMP/want-2000" <<'PY'
import sys
long_line = ("Füllstand=99 % " * 200).encode("utf-8")[:2000]
# Cut at a character boundary so the input stays valid UTF-8.
long_line = long_line.decode("utf-8", "ignore").encode("utf-8")
while len(long_line) < 2000:
    long_line += b"x"
assert len(long_line) == 2000
lines = [b"Alert from cron", long_line, b"trailing space ", b".", b".hidden dir",
         b"tab at the end\t", b"=3D is not an escape here", b"last line"]
open(sys.argv[1], "wb").write(b"\r\n".join(lines) + b"\r\n")
open(sys.argv[2], "wb").write(b"\n".join(lines) + b"\n")
PY
send "2,000-octet line" carol "$TEST_TMP/body-2000"
is "$(message_field "$TEST_TMP/got" Content-Type)" "text/plain; charset=utf-8" \
	"2,000-octet line: Content-Type: text/plain; charset=utf-8"
is "$(message_field "$TEST_TMP/got" Content-Transfer-Encoding)" "quoted-printable" \
	"2,000-octet line: Content-Transfer-Encoding: quoted-printable"
no_long_lines "2,000-octet line" "$TEST_TMP/got"
message_body "$TEST_TMP/got" >"$TEST_TMP/got-body"
if LC_ALL=C grep -q '[^ -~]' "$TEST_TMP/got-body"; then
	fail "2,000-octet line: the encoded body is ASCII only" "$(LC_ALL=C grep -n '[^ -~]' "$TEST_TMP/got-body" | head -n 3)"
else
	pass "2,000-octet line: the encoded body is ASCII only"
fi
decodes_to "2,000-octet line" "$TEST_TMP/got" "$TEST_TMP/want-2000"

assert_queue_empty
done_testing
