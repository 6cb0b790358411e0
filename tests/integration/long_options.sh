#!/bin/sh
# Long options for config commands (msmtp style): with no config file at
# all, --host and friends make an account of their own; with a config file
# they apply on top of the selected account (--port fixes a wrong port).
# --password is refused (64): argv is public. TLS and AUTH settings work the
# same way (--tls-trust-file, --tls-host-override, --auth, --user,
# --passwordeval).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"

postfix_start_with_account

# run_no_config STDIN-FILE ARGS...: run_postie where no config file is
# found: an empty home and no XDG directory.
mkdir "$TEST_TMP/empty"
cat >"$TEST_TMP/postie-no-config" <<WRAPPER
#!/bin/sh
unset XDG_CONFIG_HOME
HOME='$TEST_TMP/empty'
export HOME
exec '$POSTIE' "\$@"
WRAPPER
chmod 755 "$TEST_TMP/postie-no-config"
run_no_config() {
	_nc_postie=$POSTIE
	POSTIE=$TEST_TMP/postie-no-config
	run_postie "$@"
	POSTIE=$_nc_postie
}

printf '%s\n' \
	'From: Sender <sender@example.test>' \
	'To: alice@example.test' \
	'Subject: options only' \
	'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	'Message-ID: <long-options.1@example.test>' \
	'' \
	'No config file was harmed.' >"$TEST_TMP/msg"

# delivered DESC USER COUNT [RETURN-PATH]: USER has COUNT messages, the last
# is the message byte for byte (and came from RETURN-PATH).
delivered() {
	wait_for_delivery "$2" "$3"
	ok $? "$1: $2 received it"
	_dl_file=$(maildir_files "$2" | tail -n 1)
	message_without_trace "$_dl_file" >"$TEST_TMP/got"
	same_bytes "$TEST_TMP/got" "$TEST_TMP/msg" "$1: the message arrives as sent"
	[ $# -lt 4 ] || is "$(message_return_path "$_dl_file")" "$4" "$1: the envelope sender is $4"
}

# 1. Options alone, no config file.
run_no_config "$TEST_TMP/msg" --host=127.0.0.1 --port="$PF_PORT" --tls=off \
	--from=x@example.test alice@example.test
is "$status" 0 "no config, --host --port --tls=off --from: exit status 0"
is "$stderr" "" "no config: stderr is empty"
delivered "no config" alice 1 "<x@example.test>"

# The separate-word forms (--host HOST --port PORT) work the same.
run_no_config "$TEST_TMP/msg" --host 127.0.0.1 --port "$PF_PORT" --tls=off \
	--from x@example.test --timeout 10 alice@example.test
is "$status" 0 "no config, separate option values: exit status 0"
delivered "no config, separate option values" alice 2

# Without --host there is nothing to send to: the config error as before.
run_no_config "$TEST_TMP/msg" --port="$PF_PORT" --tls=off --from=x@example.test \
	alice@example.test
is "$status" 78 "no config, no --host: exit status 78 (EX_CONFIG)"
error_line "no config, no --host: stderr is one 'postie: ' line"

# 2. On top of a config account: --port overrides its wrong port.
write_config "$conf" 127.0.0.1 1
run_postie "$TEST_TMP/msg" -C "$conf" bob@example.test
is "$status" 75 "wrong port in the config: exit status 75 (connection refused)"
run_postie "$TEST_TMP/msg" -C "$conf" --port="$PF_PORT" bob@example.test
is "$status" 0 "--port over the config's port: exit status 0"
is "$stderr" "" "--port over the config's port: stderr is empty"
delivered "--port over the config's port" bob 1 "<sender@example.test>"
# The last of two overrides wins, as in a config file.
run_postie "$TEST_TMP/msg" -C "$conf" --port=1 --port="$PF_PORT" bob@example.test
is "$status" 0 "--port twice: the last one counts"
delivered "--port twice" bob 2
# An override with a bad value is checked like the file, and it is a bad
# command line.
run_postie "$TEST_TMP/msg" -C "$conf" --port=notaport bob@example.test
is "$status" 64 "--port=notaport: exit status 64 (EX_USAGE)"
# ... and refused before the message is read: with input that does not end
# for 3 seconds, postie must be done within 2.
status=0
sleep 3 | timeout 2 "$POSTIE" -C "$conf" --port=notaport bob@example.test \
	2>"$TEST_TMP/early.err" || status=$?
is "$status" 64 "--port=notaport: refused without waiting for the message"
cat "$TEST_TMP/early.err" >>"$POSTIE_OUTPUT_DIR/long_options_early.out" 2>/dev/null || true
like "$stderr" "notaport" "--port=notaport: stderr names the bad value"

# 3. --password: refused whatever its form, and never echoed.
for form in --password=s3cr3t-XYZ '--password s3cr3t-XYZ'; do
	# shellcheck disable=SC2086 # the form is one or two words on purpose
	run_postie "$TEST_TMP/msg" -C "$conf" --port="$PF_PORT" $form carol@example.test
	is "$status" 64 "$form: exit status 64 (EX_USAGE)"
	like "$stderr" "passwordeval" "$form: stderr points to passwordeval"
	unlike "$stderr" "s3cr3t-XYZ" "$form: stderr does not repeat the password"
done
assert_no_mail carol

# 4. TLS and AUTH from the command line, against a submission server.
postfix_stop
postfix_start_tls
pwfile=$TEST_TMP/alice-password
(umask 077 && printf '%s\n' "$(pf_password alice)" >"$pwfile")
run_no_config "$TEST_TMP/msg" --host=127.0.0.1 --port="$PF_PORT" \
	--tls=on --tls-starttls=on --tls-trust-file="$PF_CA" \
	--tls-host-override mail.example.test --auth=on --user=alice \
	--passwordeval="cat $pwfile" --from=alice@example.test dave@example.test
is "$status" 0 "no config, TLS and AUTH options: exit status 0"
is "$stderr" "" "no config, TLS and AUTH options: stderr is empty"
delivered "no config, TLS and AUTH options" dave 1 "<alice@example.test>"
like "$(postfix_log_tail 40)" "TLS connection established" "the session used TLS"
is "$(postfix_sasl_methods | wc -l | tr -d ' ')" 1 "the session authenticated"

# A wrong trust file on the command line is used, too: verification fails.
run_no_config "$TEST_TMP/msg" --host=127.0.0.1 --port="$PF_PORT" \
	--tls --tls-trust-file="$PF_UNTRUSTED_CA" --tls-host-override=mail.example.test \
	--from=alice@example.test eve@example.test
is "$status" 77 "--tls-trust-file with the wrong CA: exit status 77 (EX_NOPERM)"
error_line "--tls-trust-file with the wrong CA: stderr is one 'postie: ' line"
assert_no_mail eve
done_testing
