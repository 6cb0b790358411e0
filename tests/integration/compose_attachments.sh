#!/bin/sh
# Attachments (issue 7): with --attach the message is multipart/mixed, the
# body text first, then each file in order, base64; Python's email package
# (policy=default) reads it without defects and decodes every attachment
# byte for byte: 100 KiB of random bytes holding every byte value
# (application/octet-stream), a .txt file (text/plain when /etc/mime.types
# says so), ;type= and ;name= overrides, and a non-ASCII file name (RFC 2231)
# that comes back as it was. Without a body the text part is left out. No
# line of the message is over 78 octets.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

# latest USER FILE: USER's newest message without the trace fields -> FILE.
latest() {
	message_without_trace "$(maildir_files "$1" | tail -n 1)" >"$2"
}

# The files: every byte value, then random bytes, 100 KiB in all; a text
# file; the text file again under a non-ASCII name.
python3 - "$TEST_TMP/data.bin" <<'PY'
import os, sys
data = bytes(range(256)) + os.urandom(100 * 1024 - 256)
open(sys.argv[1], "wb").write(data)
PY
printf 'disk usage report\n/dev/sda1 99%%\n/dev/sdb1 12%%\n' >"$TEST_TMP/report.txt"
mkdir "$TEST_TMP/dir"
cp "$TEST_TMP/report.txt" "$TEST_TMP/dir/Bericht März.txt"

# What /etc/mime.types says for .txt (postie reads the same file).
txt_type=application/octet-stream
if [ -r /etc/mime.types ] &&
	grep -Eq '^text/plain([[:space:]].*)?[[:space:]]txt([[:space:]]|$)' /etc/mime.types; then
	txt_type=text/plain
fi

# check_parts DESC FILE BODY SPEC...: Python parses FILE (policy=default):
# multipart/mixed without defects; the first part is text/plain with the
# text BODY (skipped when BODY is "-": no text part expected); then one
# attachment per SPEC "PATH|TYPE|FILENAME", in order, base64, disposition
# attachment, decoding to PATH's bytes. Prints nothing when all is well.
check_parts() {
	_cp_desc=$1 _cp_file=$2
	shift 2
	_cp_out=$(PYTHONIOENCODING=utf-8 python3 - "$_cp_file" "$@" <<'PY' 2>&1
import sys, email, email.policy
path, body, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(path, "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
problems = []
def check(cond, what):
    if not cond:
        problems.append(what)
check(msg.get_content_type() == "multipart/mixed", "top type %s" % msg.get_content_type())
check(msg["MIME-Version"] == "1.0", "MIME-Version %r" % msg["MIME-Version"])
parts = list(msg.iter_parts())
for p in [msg] + parts:
    check(not p.defects, "defects %r" % p.defects)
if body != "-":
    if parts:
        text = parts.pop(0)
        check(text.get_content_type() == "text/plain", "text part type %s" % text.get_content_type())
        check(text.get_content_charset() == "utf-8", "text charset %s" % text.get_content_charset())
        check(text.get_content_disposition() is None, "text part disposition %s" % text.get_content_disposition())
        check(text.get_content() == body, "text %r" % text.get_content())
    else:
        problems.append("no text part")
check(len(parts) == len(specs), "%d attachment parts, want %d" % (len(parts), len(specs)))
attachments = list(msg.iter_attachments())
check(len(attachments) == len(specs), "iter_attachments gives %d, want %d" % (len(attachments), len(specs)))
for part, spec in zip(parts, specs):
    src, ctype, name = spec.split("|")
    check(part.get_content_type() == ctype, "%s: type %s, want %s" % (name, part.get_content_type(), ctype))
    check(part.get_content_disposition() == "attachment", "%s: disposition %s" % (name, part.get_content_disposition()))
    check(part.get_filename() == name, "filename %r, want %r" % (part.get_filename(), name))
    check(part.get_param("name") is not None, "%s: no name parameter" % name)
    check(part["Content-Transfer-Encoding"] == "base64", "%s: encoding %s" % (name, part["Content-Transfer-Encoding"]))
    want = open(src, "rb").read()
    got = part.get_payload(decode=True)
    check(got == want, "%s: decodes to %d bytes, want %d (%s)" % (name, len(got), len(want),
          "same length, different bytes" if len(got) == len(want) else "lengths differ"))
print("\n".join(problems))
PY
)
	is "$_cp_out" "" "$_cp_desc: the email package reads every part back exactly"
}

# no_long_lines DESC FILE: no line of FILE is over 78 octets.
no_long_lines() {
	_nl=$(LC_ALL=C awk 'length($0) > 78 { print NR ": " length($0) " octets" }' "$2" |
		head -n 5)
	is "$_nl" "" "$1: no line of the message is over 78 octets"
}

# all_ascii DESC FILE: FILE is printable ASCII (and tabs).
all_ascii() {
	_aa_pattern=$(printf '[^\t -~]')
	if LC_ALL=C grep -q "$_aa_pattern" "$2"; then
		fail "$1: the message is ASCII only" "$(LC_ALL=C grep -n "$_aa_pattern" "$2" | head -n 3)"
	else
		pass "$1: the message is ASCII only"
	fi
}

# 1. A body and two attachments.
run_postie /dev/null --subject 'Nightly report' --body 'See the attached files.' \
	--attach "$TEST_TMP/data.bin" --attach "$TEST_TMP/report.txt" -C "$conf" \
	alice@example.test
is "$status" 0 "two attachments: exit status 0"
is "$stderr" "" "two attachments: stderr is empty"
wait_for_delivery alice 1
ok $? "two attachments: alice received it"
latest alice "$TEST_TMP/got"
check_parts "two attachments" "$TEST_TMP/got" "See the attached files.
" "$TEST_TMP/data.bin|application/octet-stream|data.bin" \
	"$TEST_TMP/report.txt|$txt_type|report.txt"
no_long_lines "two attachments" "$TEST_TMP/got"
all_ascii "two attachments" "$TEST_TMP/got"
sed -n '/^$/q; p' "$TEST_TMP/got" | sed -n '1,3p' >"$TEST_TMP/head3"
printf '%s\n' 'To: alice@example.test' 'Subject: Nightly report' 'MIME-Version: 1.0' \
	>"$TEST_TMP/want-head3"
same_bytes "$TEST_TMP/head3" "$TEST_TMP/want-head3" \
	"two attachments: the header starts To, Subject, MIME-Version"
like "$(message_field "$TEST_TMP/got" Content-Type)" "multipart/mixed; boundary=" \
	"two attachments: Content-Type: multipart/mixed with a boundary"

# 2. ;type= and ;name= override what the file name says.
run_postie /dev/null --subject 'Overrides' --body 'Renamed.' \
	--attach "$TEST_TMP/data.bin;type=image/png;name=chart.png" \
	--attach "$TEST_TMP/report.txt;name=Bericht März.txt" -C "$conf" bob@example.test
is "$status" 0 "overrides: exit status 0"
is "$stderr" "" "overrides: stderr is empty"
wait_for_delivery bob 1
ok $? "overrides: bob received it"
latest bob "$TEST_TMP/got"
check_parts "overrides" "$TEST_TMP/got" "Renamed.
" "$TEST_TMP/data.bin|image/png|chart.png" \
	"$TEST_TMP/report.txt|$txt_type|Bericht März.txt"
no_long_lines "overrides" "$TEST_TMP/got"
all_ascii "overrides" "$TEST_TMP/got"

# 3. A file whose own name is not ASCII, and no body (stdin is empty): the
# attachment is the only part.
run_postie /dev/null --subject 'Only a file' --attach "$TEST_TMP/dir/Bericht März.txt" \
	-C "$conf" carol@example.test
is "$status" 0 "non-ASCII file name, no body: exit status 0"
is "$stderr" "" "non-ASCII file name, no body: stderr is empty"
wait_for_delivery carol 1
ok $? "non-ASCII file name, no body: carol received it"
latest carol "$TEST_TMP/got"
check_parts "non-ASCII file name, no body" "$TEST_TMP/got" - \
	"$TEST_TMP/dir/Bericht März.txt|$txt_type|Bericht März.txt"
all_ascii "non-ASCII file name, no body" "$TEST_TMP/got"

# 4. A bad ;type= is a usage error before anything is sent.
transactions=$(postfix_transaction_count)
run_postie /dev/null --subject 'Bad type' --body 'x' \
	--attach "$TEST_TMP/report.txt;type=nonsense" -C "$conf" dave@example.test
is "$status" 64 "--attach ;type=nonsense: exit status 64 (EX_USAGE)"
error_line "--attach ;type=nonsense: stderr is one 'postie: ' line"
# (A ";" before any ";type=" or ";name=" belongs to the file name.)
run_postie /dev/null --subject 'Bad key' --body 'x' \
	--attach "$TEST_TMP/report.txt;type=text/plain;colour=blue" -C "$conf" dave@example.test
is "$status" 64 "--attach ;type=...;colour=blue: exit status 64 (EX_USAGE)"
error_line "--attach ;type=...;colour=blue: stderr is one 'postie: ' line"
like "$stderr" "colour" "--attach ;type=...;colour=blue: stderr names the unknown part"
is "$(postfix_transaction_count)" "$transactions" "bad --attach specs: no mail transaction"
assert_no_mail dave

# 5. A saved message (.eml, message/rfc822 in mime.types) may not be
# base64-encoded as such (RFC 2046): it goes as application/octet-stream;
# asked for by ;type=, it is a usage error. A name that looks like an
# encoded-word, or holds RFC 2231's marks, reads back as it was given.
printf 'Subject: old\r\n\r\nold message\r\n' >"$TEST_TMP/saved.eml"
printf 'x\n' >"$TEST_TMP/odd.txt"
run_postie /dev/null --subject 'Saved message' --body 'x' \
	--attach "$TEST_TMP/saved.eml" --attach "$TEST_TMP/odd.txt;name==?utf-8?q?evil?=.txt" \
	--attach "$TEST_TMP/odd.txt;name=%41*'.txt" -C "$conf" dave@example.test
is "$status" 0 ".eml and odd names: exit status 0"
wait_for_delivery dave 1
ok $? ".eml and odd names: dave received it"
latest dave "$TEST_TMP/got"
parts=$(PYTHONIOENCODING=utf-8 python3 - "$TEST_TMP/got" <<'PY' 2>&1
import sys, email, email.policy
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
for part in msg.iter_attachments():
    print(part.get_content_type(), part.get_filename())
PY
)
is "$parts" "application/octet-stream saved.eml
$txt_type =?utf-8?q?evil?=.txt
$txt_type %41*'.txt" \
	".eml goes as application/octet-stream; odd names read back as given"
transactions=$(postfix_transaction_count)
run_postie /dev/null --subject 'Bad type' --body 'x' \
	--attach "$TEST_TMP/saved.eml;type=message/rfc822" -C "$conf" dave@example.test
is "$status" 64 "--attach ;type=message/rfc822: exit status 64 (EX_USAGE)"
error_line "--attach ;type=message/rfc822: stderr is one 'postie: ' line"
like "$stderr" "base64" "--attach ;type=message/rfc822: stderr says why"
is "$(postfix_transaction_count)" "$transactions" "message/rfc822 refused: no mail transaction"

# 6. --body-file and --attach read pipes and character devices, as
# <(cmd) and /dev/stdin give them.
printf 'from a pipe\n' >"$TEST_TMP/pipe-body"
printf 'attached through a descriptor\n' >"$TEST_TMP/pipe-attachment"
status=0
cat "$TEST_TMP/pipe-attachment" | {
	timeout 30 "$POSTIE" --subject 'Pipes' --body-file /dev/fd/3 \
		--attach "/dev/stdin;name=piped.txt" -C "$conf" eve@example.test \
		3<"$TEST_TMP/pipe-body" >"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr"
} || status=$?
is "$status" 0 "--body-file /dev/fd/3, --attach /dev/stdin (a pipe): exit status 0"
wait_for_delivery eve 1
ok $? "pipes: eve received it"
latest eve "$TEST_TMP/got"
piped=$(PYTHONIOENCODING=utf-8 python3 - "$TEST_TMP/got" <<'PY' 2>&1
import sys, email, email.policy
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
print(msg.get_body().get_content().strip())
for part in msg.iter_attachments():
    print(part.get_filename(), part.get_content().strip())
PY
)
is "$piped" "from a pipe
piped.txt attached through a descriptor" "pipes: the body and the attachment arrive"

assert_queue_empty
done_testing
