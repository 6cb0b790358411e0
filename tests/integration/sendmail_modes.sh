#!/bin/sh
# The sendmail personality's modes and historical options: -bp and `mailq`
# list the queue, -q flushes it, `newaliases` and -bi check the aliases
# file, -odq queues without sending, -bm sends, -bd is refused,
# -V alone prints the version, and the options sendmail callers pass out of
# habit (-oem -odi -om -n -U -G -h N -L LABEL) change nothing.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

# No config file but the one named with -C, when one is.
mkdir "$TEST_TMP/home"
HOME=$TEST_TMP/home
export HOME
unset XDG_CONFIG_HOME

printf 'root: alice@example.test\npostmaster: root\n' >"$TEST_TMP/aliases"
write_config "$conf" 127.0.0.1 "$PF_PORT" "aliases $TEST_TMP/aliases
queue_dir $TEST_TMP/queue"

# Called by other names, as the sendmail symlinks do.
mkdir "$TEST_TMP/bin"
for name in sendmail mailq newaliases; do
	ln -s "$POSTIE" "$TEST_TMP/bin/$name"
done
# run_as NAME STDIN-FILE ARGS...: run_postie with argv[0] .../NAME.
run_as() {
	_ra_postie=$POSTIE
	POSTIE=$TEST_TMP/bin/$1
	shift
	run_postie "$@"
	POSTIE=$_ra_postie
}

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: alice@example.test' \
	'Subject: sendmail modes' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <sendmail-modes.1@example.test>' \
	'' \
	'Old habits.' >"$TEST_TMP/msg"

# stdout_says DESC WORDS: stdout mentions WORDS (any case).
stdout_says() {
	if printf '%s\n' "$stdout" | grep -qi "$2"; then pass "$1"; else
		fail "$1" "stdout: '$stdout'"; fi
}

# Queue modes: nothing is queued, so there is nothing to list or flush.
run_postie /dev/null -bp -C "$conf"
is "$status" 0 "-bp: exit status 0"
stdout_says "-bp: says the queue is empty" "empty"
is "$stderr" "" "-bp: stderr is empty"
run_as mailq /dev/null
is "$status" 0 "mailq: exit status 0"
stdout_says "mailq: says the queue is empty" "empty"
is "$stderr" "" "mailq: stderr is empty"
run_postie /dev/null -q -C "$conf"
is "$status" 0 "-q: exit status 0"
is "$stderr" "" "-q: stderr is empty"
run_postie /dev/null -q30m -C "$conf"
is "$status" 0 "-q30m: exit status 0"

# -odq: queued, not sent; -bp lists it; -q sends it; the queue is empty again.
run_postie "$TEST_TMP/msg" -C "$conf" -odq alice@example.test
is "$status" 0 "-odq: exit status 0 (queued)"
is "$stderr" "" "-odq: stderr is empty"
assert_no_mail alice
run_postie /dev/null -bp -C "$conf"
is "$status" 0 "-bp with a queued message: exit status 0"
stdout_says "-bp: lists the recipient" "<alice@example.test>"
stdout_says "-bp: counts one message" "1 message in the queue"
run_postie /dev/null -q -C "$conf"
is "$status" 0 "-q: exit status 0"
is "$stderr" "" "-q: stderr is empty"
wait_for_delivery alice 1
ok $? "-q: alice received the queued message"
message_without_trace "$(maildir_files alice | tail -n 1)" >"$TEST_TMP/got-queued"
same_bytes "$TEST_TMP/got-queued" "$TEST_TMP/msg" "-q: the queued message arrived unchanged"
run_postie /dev/null -bp -C "$conf"
stdout_says "-bp after -q: the queue is empty" "empty"

# Aliases: newaliases and -bi check the file.
run_as newaliases /dev/null -C "$conf"
is "$status" 0 "newaliases: exit status 0"
stdout_says "newaliases: counts the aliases" "2 aliases"
run_postie /dev/null -bi -C "$conf"
is "$status" 0 "-bi: exit status 0"
stdout_says "-bi: counts the aliases" "2 aliases"
# Package scripts call newaliases on machines where nothing is configured:
# that is a warning, not a failed installation.
mkdir "$TEST_TMP/nohome"
saved_home=$HOME saved_xdg=${XDG_CONFIG_HOME-}
HOME=$TEST_TMP/nohome XDG_CONFIG_HOME=$TEST_TMP/nohome
export HOME XDG_CONFIG_HOME
run_as newaliases /dev/null
HOME=$saved_home XDG_CONFIG_HOME=$saved_xdg
is "$status" 0 "newaliases without any config: exit status 0"
like "$stderr" "postie: warning: no aliases file to check" \
	"newaliases without any config: says there was nothing to check"
printf 'root: <broken\n' >"$TEST_TMP/broken-aliases"
sed "s|^aliases .*|aliases $TEST_TMP/broken-aliases|" "$conf" >"$TEST_TMP/broken-conf"
chmod 600 "$TEST_TMP/broken-conf"
run_as newaliases /dev/null -C "$TEST_TMP/broken-conf"
is "$status" 78 "newaliases with a broken aliases file: exit status 78"
like "$stderr" "broken-aliases:1:" "newaliases with a broken aliases file: names file and line"

# Ignored options: the message goes out unchanged, to the one recipient.
for args in '-oem -odi -om' '-n -U -G' '-h 3' '-L x' '-oem -odi -om -n -U -G -h 3 -L x' \
	'-bm' '-oi -odb -oee -oep -oeq -oew'; do
	before=$(mail_count alice)
	# shellcheck disable=SC2086 # the options are split on purpose
	run_as sendmail "$TEST_TMP/msg" -C "$conf" $args alice@example.test
	is "$status" 0 "sendmail $args: exit status 0"
	is "$stderr" "" "sendmail $args: stderr is empty"
	wait_for_delivery alice $((before + 1))
	ok $? "sendmail $args: alice received it"
	message_without_trace "$(maildir_files alice | tail -n 1)" >"$TEST_TMP/got"
	same_bytes "$TEST_TMP/got" "$TEST_TMP/msg" "sendmail $args: the message is unchanged"
	like "$(postfix_session_summary)" " rcpt=1 " "sendmail $args: one recipient"
done

# A mode postie does not have: refused by name.
run_postie "$TEST_TMP/msg" -C "$conf" -bd
is "$status" 64 "-bd: exit status 64 (EX_USAGE)"
like "$stderr" "-bd" "-bd: stderr names the option"

# -V alone is the version (with an argument it is a DSN envelope id).
run_postie /dev/null -V
is "$status" 0 "-V: exit status 0"
like "$stdout" "postie " "-V: prints the version"
run_postie /dev/null --version
is "$status" 0 "--version: exit status 0"
like "$stdout" "postie " "--version: prints the version"

assert_no_mail bob
assert_queue_empty
done_testing
