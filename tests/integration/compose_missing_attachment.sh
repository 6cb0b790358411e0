#!/bin/sh
# A file named by --attach or --body-file that cannot be read (issue 7):
# exit 66 (EX_NOINPUT), one stderr line that names the file, nothing sent
# (no mail transaction at all) and, with `queue auto`, nothing queued and
# nothing half-written left in the queue directory: a missing file is the
# caller's mistake, not a reason to retry later. A missing second
# attachment counts as much as a missing first one; a directory is not a
# file to attach.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"
. "$TESTS_SRCDIR/queue.subr"

postfix_start_with_account
queue_setup
write_config "$conf" 127.0.0.1 "$PF_PORT" "$(queue_config_lines auto)"

printf 'present\n' >"$TEST_TMP/present.txt"

# missing DESC NAME ARGS...: postie --subject ... ARGS alice fails with 66
# and one stderr line naming NAME; nothing on stdout.
missing() {
	_m_desc=$1 _m_name=$2
	shift 2
	run_postie /dev/null --subject 'Nightly report' --body 'See attached.' "$@" \
		-C "$conf" alice@example.test
	is "$status" 66 "$_m_desc: exit status 66 (EX_NOINPUT)"
	error_line "$_m_desc: stderr is one 'postie: ' line"
	like "$stderr" "$_m_name" "$_m_desc: stderr names the file"
	is "$stdout" "" "$_m_desc: stdout is empty"
}

missing "--attach /nonexistent" /nonexistent/report.pdf --attach /nonexistent/report.pdf
missing "second --attach missing" "$TEST_TMP/gone.csv" \
	--attach "$TEST_TMP/present.txt" --attach "$TEST_TMP/gone.csv"
missing "--attach with ;name=" "$TEST_TMP/gone.csv" \
	--attach "$TEST_TMP/gone.csv;name=report.csv"
missing "--attach a directory" "$TEST_TMP" --attach "$TEST_TMP"

run_postie /dev/null --subject 'Nightly report' --body-file "$TEST_TMP/no-body.txt" \
	-C "$conf" alice@example.test
is "$status" 66 "--body-file missing: exit status 66 (EX_NOINPUT)"
error_line "--body-file missing: stderr is one 'postie: ' line"
like "$stderr" "$TEST_TMP/no-body.txt" "--body-file missing: stderr names the file"

is "$(postfix_transaction_count)" 0 "no mail transaction was started"
assert_nothing_delivered
is "$(queue_count)" 0 "nothing was queued"
is "$(queue_half_written)" "" "nothing half-written is left in the queue directory"
run_postie /dev/null -C "$conf" -bp
like "$stdout" "Mail queue is empty" "postie -bp says the queue is empty"

# The same attachment, present, goes out: the failures above were the
# files, not the setup.
run_postie /dev/null --subject 'Nightly report' --body 'See attached.' \
	--attach "$TEST_TMP/present.txt" -C "$conf" alice@example.test
is "$status" 0 "a present attachment: exit status 0"
is "$stderr" "" "a present attachment: stderr is empty"
wait_for_delivery alice 1
ok $? "a present attachment: alice received it"
is "$(queue_count)" 0 "a present attachment: the queue stays empty"

# Out of file descriptors is not a missing file: 71 (EX_OSERR) with the
# system's words, and nothing is sent.
many=
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	printf 'x\n' >"$TEST_TMP/many$i.txt"
	many="$many --attach $TEST_TMP/many$i.txt"
done
transactions=$(postfix_transaction_count)
status=0
# shellcheck disable=SC2086 # $many is one word per argument (no spaces in TEST_TMP)
(ulimit -n 16 && exec timeout 30 "$POSTIE" --subject 'Many' --body 'x' $many \
	-C "$conf" alice@example.test) </dev/null >"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr" ||
	status=$?
stderr=$(cat "$TEST_TMP/stderr")
is "$status" 71 "out of file descriptors: exit status 71 (EX_OSERR)"
like "$stderr" "Too many open files" "out of file descriptors: stderr gives the system's words"
is "$(postfix_transaction_count)" "$transactions" "out of file descriptors: no mail transaction"

assert_queue_empty
done_testing
