#!/bin/sh
# Local aliases (`aliases FILE`): a recipient without a domain is looked up
# in the file, recursively, with `default:` for names it does not list; with
# no alias, `maildomain` qualifies it; with neither, postie refuses it (67)
# and says how to fix that. A loop is a configuration error naming the chain.
# `postie -bi` (newaliases) checks the file. -t recipients are expanded too.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

aliases=$TEST_TMP/aliases
cat >"$aliases" <<'EOF'
# who reads what on this machine
root: alice@example.test
ops: root, bob@example.test
default: carol@example.test
EOF
cat >"$TEST_TMP/aliases-nodefault" <<'EOF'
root: alice@example.test
EOF
cat >"$TEST_TMP/aliases-loop" <<'EOF'
a: b
b: a
EOF
printf '%s\n' \
	'root: alice@example.test' \
	'this line has no colon' >"$TEST_TMP/aliases-broken"

write_config "$conf" 127.0.0.1 "$PF_PORT" "aliases $aliases"

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: root' \
	'Subject: for the administrator' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <aliases-local.1@example.test>' \
	'' \
	'Local names find their readers.' >"$TEST_TMP/msg"

# remember_counts: note how many messages each user has before a run.
remember_counts() {
	for _rc_user in $PF_USERS; do
		eval "before_$_rc_user=\$(mail_count $_rc_user)"
	done
}

# delivered_to DESC USER: USER has one message more than remember_counts
# saw, and the last one is the message, byte for byte.
delivered_to() {
	_dt_want=
	eval "_dt_want=\$((before_$2 + 1))"
	wait_for_delivery "$2" "$_dt_want"
	ok $? "$1: $2 received it"
	message_without_trace "$(maildir_files "$2" | tail -n 1)" >"$TEST_TMP/got"
	same_bytes "$TEST_TMP/got" "$TEST_TMP/msg" "$1: $2's copy is the message as sent"
}

remember_counts
run_postie "$TEST_TMP/msg" -C "$conf" root
is "$status" 0 "root: exit status 0"
is "$stderr" "" "root: stderr is empty"
delivered_to "root" alice
is "$(message_return_path "$(maildir_files alice | tail -n 1)")" "<sender@example.test>" \
	"root: the envelope sender is the account's"

remember_counts
run_postie "$TEST_TMP/msg" -C "$conf" ops
is "$status" 0 "ops: exit status 0"
is "$stderr" "" "ops: stderr is empty"
delivered_to "ops (root, bob)" alice
delivered_to "ops (root, bob)" bob
like "$(postfix_session_summary)" " rcpt=2 " "ops: two RCPT commands"

remember_counts
run_postie "$TEST_TMP/msg" -C "$conf" nobodyhere
is "$status" 0 "unknown local name: exit status 0"
is "$stderr" "" "unknown local name: stderr is empty"
delivered_to "unknown local name (default)" carol

remember_counts
run_postie "$TEST_TMP/msg" -C "$conf" -t
is "$status" 0 "-t with To: root: exit status 0"
is "$stderr" "" "-t with To: root: stderr is empty"
delivered_to "-t with To: root" alice

# A name neither aliased nor defaulted: maildomain qualifies it.
write_config "$conf" 127.0.0.1 "$PF_PORT" "aliases $TEST_TMP/aliases-nodefault
maildomain example.test"
remember_counts
run_postie "$TEST_TMP/msg" -C "$conf" dave
is "$status" 0 "maildomain: exit status 0"
is "$stderr" "" "maildomain: stderr is empty"
delivered_to "maildomain (dave -> dave@example.test)" dave
remember_counts
run_postie "$TEST_TMP/msg" -C "$conf" root
is "$status" 0 "aliases and maildomain: root still goes by its alias"
delivered_to "aliases and maildomain: root" alice

# Neither aliases nor maildomain: a local name cannot be sent anywhere.
write_config "$conf" 127.0.0.1 "$PF_PORT"
remember_counts
run_postie "$TEST_TMP/msg" -C "$conf" dave
is "$status" 67 "no aliases, no maildomain: exit status 67 (EX_NOUSER)"
error_line "no aliases, no maildomain: stderr is one 'postie: ' line"
like "$stderr" "dave" "no aliases, no maildomain: stderr names the recipient"
like "$stderr" "aliases" "no aliases, no maildomain: stderr names the aliases fix"
like "$stderr" "maildomain" "no aliases, no maildomain: stderr names the maildomain fix"

# A loop is a configuration error that shows the chain.
write_config "$conf" 127.0.0.1 "$PF_PORT" "aliases $TEST_TMP/aliases-loop"
remember_counts
run_postie "$TEST_TMP/msg" -C "$conf" a
is "$status" 78 "alias loop: exit status 78 (EX_CONFIG)"
error_line "alias loop: stderr is one 'postie: ' line"
like "$stderr" "a -> b -> a" "alias loop: stderr names the chain"

# newaliases / -bi: count the aliases, or name the broken line.
write_config "$conf" 127.0.0.1 "$PF_PORT" "aliases $aliases"
run_postie /dev/null -bi -C "$conf"
is "$status" 0 "-bi: exit status 0"
like "$stdout" "3 aliases" "-bi: says how many aliases the file has"
is "$stderr" "" "-bi: stderr is empty"

write_config "$conf" 127.0.0.1 "$PF_PORT" "aliases $TEST_TMP/aliases-broken"
run_postie /dev/null -bi -C "$conf"
is "$status" 78 "-bi, broken file: exit status 78 (EX_CONFIG)"
error_line "-bi, broken file: stderr is one 'postie: ' line"
like "$stderr" "$TEST_TMP/aliases-broken:2" "-bi, broken file: stderr names FILE:LINE"
remember_counts
run_postie "$TEST_TMP/msg" -C "$conf" root
is "$status" 78 "send with a broken aliases file: exit status 78"
like "$stderr" "$TEST_TMP/aliases-broken:2" \
	"send with a broken aliases file: stderr names FILE:LINE"

for user in bob carol dave; do
	is "$(mail_count "$user")" 1 "$user received exactly one message in all"
done
assert_no_mail eve
assert_queue_empty
done_testing
