#!/bin/sh
# Runs after every other test (Makefile.am makes it wait for them): no test
# password or token appears, as it is or in the base64 forms SMTP AUTH sends
# it, in anything postie printed on stdout or stderr during the whole suite,
# -v transcripts and error lines included. run_postie (lib.sh) keeps that
# output in $POSTIE_OUTPUT_DIR, one file per test file.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

dir=${POSTIE_OUTPUT_DIR:?run the tests with make check}
files=$(find "$dir" -type f -name '*.out' 2>/dev/null | sort)
[ -n "$files" ] || skip_all "no postie output was collected (this test reads the whole suite's)"
at_exit "rm -rf '$dir'"

# secret_forms USER SECRET: the secret, its base64, and AUTH PLAIN's forms.
secret_forms() {
	printf '%s\n' "$2"
	printf '%s' "$2" | base64 -w0; echo
	printf '\000%s\000%s' "$1" "$2" | base64 -w0; echo
	printf '%s\000%s\000%s' "$1" "$1" "$2" | base64 -w0; echo
}
patterns=$TEST_TMP/patterns
{
	for user in $PF_USERS; do
		secret_forms "$user" "$(pf_password "$user")"
	done
	secret_forms u Fault-p4ss-7e1d
	secret_forms fault-user Fault-Secret-42
	secret_forms u@example.test ya29.token-for-the-fault-test
} >"$patterns"

# The search itself must work: a planted secret is found.
printf 'postie: auth: %s\n' "$(pf_password alice)" >"$TEST_TMP/planted"
grep -qF -f "$patterns" "$TEST_TMP/planted"
ok $? "the search finds a planted password"

count=$(printf '%s\n' "$files" | wc -l | tr -d ' ')
bytes=$(printf '%s\n' "$files" | xargs cat | wc -c | tr -d ' ')
[ "$bytes" -gt 0 ]
ok $? "postie's output from $count test files ($bytes bytes) was collected"
# shellcheck disable=SC2086 # paths without spaces, from find
leaks=$(grep -lF -f "$patterns" $files)
is "$leaks" "" "no test password or token in anything postie printed"
[ -z "$leaks" ] || diag "$(grep -nF -f "$patterns" $leaks | head -5)"
done_testing
