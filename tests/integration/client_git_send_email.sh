#!/bin/sh
# git send-email sends a patch through postie (--sendmail-cmd): the envelope
# sender and the recipients come as arguments, the patch mail on stdin; it
# arrives byte for byte as git wrote it, diff and UTF-8 included.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

command -v git >/dev/null 2>&1 || skip_all "git is not installed (dev/install-deps installs it)"
[ -x "$(git --exec-path)/git-send-email" ] ||
	skip_all "git send-email is not installed (package git-email; dev/install-deps installs it)"

postfix_start_with_account
wrapper=$TEST_TMP/sendmail
write_sendmail_wrapper "$wrapper"

# A repository of one commit, made without the caller's or the system's
# git configuration; fixed dates keep the patch the same on every run.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_CONFIG_GLOBAL
HOME=$TEST_TMP
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME='Tëst Author'
GIT_AUTHOR_EMAIL=author@example.test
GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME
GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
GIT_AUTHOR_DATE='2026-11-23T10:00:00Z'
GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
export HOME GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE
repo=$TEST_TMP/repo
mkdir "$repo" || bail "mkdir $repo failed"
printf 'Grüß Gott\n.\nhello\n' >"$repo/greeting.txt"
{
	git -C "$repo" init -q &&
		git -C "$repo" add greeting.txt &&
		git -C "$repo" commit -q -m 'Add a greeting' &&
		git -C "$repo" format-patch -q -1 -o "$TEST_TMP/patches"
} >"$TEST_TMP/git-out" 2>&1 || bail "could not make the patch: $(cat "$TEST_TMP/git-out")"
patch=$(ls "$TEST_TMP"/patches/*.patch)

status=0
(cd "$repo" && timeout 60 git send-email --sendmail-cmd="$wrapper" \
	--from='Tëst Author <author@example.test>' \
	--envelope-sender=author@example.test \
	--to=bob@example.test --cc=carol@example.test \
	--confirm=never --no-validate --8bit-encoding=UTF-8 \
	--suppress-cc=all --no-annotate --quiet "$patch") \
	>"$TEST_TMP/send-out" 2>"$TEST_TMP/send-err" || status=$?
is "$status" 0 "git send-email exits 0"
is "$(cat "$TEST_TMP/send-err")" "" "git send-email prints no error"
diag "git send-email called sendmail with: $(tr '\n' ' ' <"$TEST_TMP/wrapper-args" 2>/dev/null)"
is "$(cat "$TEST_TMP/wrapper-status" 2>/dev/null)" 0 "postie exits 0"
is "$(cat "$TEST_TMP/wrapper-stderr" 2>/dev/null)" "" "postie's stderr is empty"

for user in bob carol; do
	wait_for_delivery "$user" 1
	ok $? "$user received one message"
	got=$(maildir_files "$user")
	message_without_trace "$got" >"$TEST_TMP/got-$user"
	same_bytes "$TEST_TMP/got-$user" "$TEST_TMP/wrapper-input" \
		"$user's copy is byte for byte what git send-email wrote"
	is "$(message_return_path "$got")" "<author@example.test>" \
		"$user: the envelope sender is --envelope-sender's"
done
got=$TEST_TMP/got-bob
is "$(message_field "$got" Subject)" "[PATCH] Add a greeting" "Subject is the patch's"
is "$(message_field "$got" To)" "bob@example.test" "To is bob"
is "$(message_field "$got" Cc)" "carol@example.test" "Cc is carol"
body=$(message_body "$got")
like "$body" "diff --git a/greeting.txt b/greeting.txt" "the body holds the diff"
like "$body" "
+Grüß Gott
+.
+hello
" "the diff's UTF-8 and dot lines arrive intact"
like "$(postfix_session_summary)" " rcpt=2 " "one transaction for both recipients"
assert_no_mail alice
done_testing
