#!/bin/sh
# --status-json (issue 7): after the run, stdout holds exactly one line, one
# JSON object with the keys account, host, port, tls, auth, user, from,
# rcpts, size, outcome, queue_id, exit, exit_name, step, smtp, refused,
# message_id, duration_ms and error, against a real Postfix over STARTTLS
# with AUTH:
#   sent      outcome sent, exit 0 (EX_OK), step null, smtp 250, refused [],
#             message_id the delivered Message-ID, queue_id null
#   refused   nosuch@ (550 5.1.1): failed, 67 (EX_NOUSER), step rcpt, the
#             refusal in refused[] (rcpt, code, enhanced, text)
#   4xx       later@ (450 4.2.0, the fixture's access map): with `queue
#             auto` queued, exit 0, queue_id the id `postie -bp` lists,
#             smtp 450; with `queue off` failed, 75 (EX_TEMPFAIL)
#   TLS       an untrusted certificate: failed, 77 (EX_NOPERM), step tls,
#             smtp null
#   no input  a missing attachment: failed, 66 (EX_NOINPUT)
# The config's `status_format json` gives the same object; without either
# stdout stays empty; and the `log_format json` logfile line has the same
# keys (and time) with the same values.
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/servers/postfix.sh"
. "$TESTS_SRCDIR/queue.subr"

postfix_start_tls_with_account
auth=$(auth_config_lines alice)

# json_check DESC EXPR...: $TEST_TMP/stdout is one line, one JSON object
# `o` with every key of the contract, and each Python EXPR holds for it
# (`env` is os.environ). A copy of the object goes to $TEST_TMP/last.json.
json_check() {
	_jc_desc=$1
	shift
	cp "$TEST_TMP/stdout" "$TEST_TMP/last.json"
	_jc_out=$(python3 - "$TEST_TMP/stdout" "$@" <<'PY' 2>&1
import json, os, sys
raw = open(sys.argv[1], "rb").read()
problems = []
if raw.count(b"\n") != 1 or not raw.endswith(b"\n"):
    problems.append("stdout is not exactly one line")
try:
    o = json.loads(raw.decode("utf-8"))
except ValueError as e:
    print("stdout is not one JSON object (%s): %r" % (e, raw[:400]))
    sys.exit(0)
if not isinstance(o, dict):
    print("not a JSON object: %r" % raw[:400])
    sys.exit(0)
keys = ["account", "host", "port", "tls", "auth", "user", "from", "rcpts", "size",
        "outcome", "queue_id", "exit", "exit_name", "step", "smtp", "refused",
        "message_id", "duration_ms", "error"]
missing = [k for k in keys if k not in o]
if missing:
    problems.append("missing keys: %s" % ", ".join(missing))
for expr in sys.argv[2:]:
    try:
        good = eval(expr, {"o": o, "env": os.environ})
    except Exception as e:
        good = False
        expr += "  (%s: %s)" % (type(e).__name__, e)
    if not good:
        problems.append("false: " + expr)
if problems:
    problems.append("object: " + json.dumps(o, ensure_ascii=False))
print("\n".join(problems))
PY
)
	is "$_jc_out" "" "$_jc_desc"
}

# compose ARGS...: run_postie_kept with a small composed alert.
compose() {
	run_postie_kept /dev/null --subject 'Disk full' --body 'sda1 is at 99%' "$@"
}

# use CONF-FILE PORT [EXTRA-LINES]: a STARTTLS + AUTH (alice) config.
use() {
	write_tls_config "$1" "$2" starttls "$auth
${3:-}"
}

# 1. Sent.
compose --status-json -C "$conf" alice@example.test
is "$status" 0 "sent: exit status 0"
is "$stderr" "" "sent: stderr is empty"
wait_for_delivery alice 1
ok $? "sent: alice received it"
MID=$(message_field "$(maildir_files alice | tail -n 1)" Message-ID)
export MID PF_PORT
json_check "sent: one JSON object that says so" \
	'o["outcome"] == "sent"' 'o["exit"] == 0' 'o["exit_name"] == "EX_OK"' \
	'o["step"] is None' 'o["error"] is None' 'o["queue_id"] is None' \
	'o["smtp"]["code"] == 250' 'o["smtp"]["enhanced"].startswith("2.")' \
	'isinstance(o["smtp"]["text"], str)' 'o["refused"] == []' \
	'o["message_id"] == env["MID"]' \
	'type(o["duration_ms"]) is int and o["duration_ms"] >= 0' \
	'type(o["size"]) is int and o["size"] > 0' \
	'o["account"] == "default"' 'o["host"] == "127.0.0.1"' \
	'o["port"] == int(env["PF_PORT"])' 'o["tls"] is True' 'o["auth"] == "on"' \
	'o["user"] == "alice"' 'o["from"] == "sender@example.test"' \
	'o["rcpts"] == ["alice@example.test"]'
cp "$TEST_TMP/last.json" "$TEST_TMP/sent.json"

# 2. Sent, a message from stdin (not composed, recipients by -t): the
# option is not tied to composing.
printf '%s\n' 'From: Sender <sender@example.test>' 'To: bob@example.test' \
	'Cc: carol@example.test' 'Subject: from stdin' \
	'Message-ID: <status-json.2@example.test>' '' 'Body.' >"$TEST_TMP/msg"
run_postie_kept "$TEST_TMP/msg" --status-json -t -C "$conf"
is "$status" 0 "stdin message: exit status 0"
is "$stderr" "" "stdin message: stderr is empty"
json_check "stdin message: one JSON object, sent" \
	'o["outcome"] == "sent"' 'o["exit"] == 0' \
	'o["message_id"] == "<status-json.2@example.test>"' \
	'o["rcpts"] == ["bob@example.test", "carol@example.test"]'
wait_for_delivery carol 1
ok $? "stdin message: carol received it"

# 3. A recipient refused permanently.
compose --status-json -C "$conf" alice@example.test nosuch@example.test
is "$status" 67 "refused: exit status 67"
error_line "refused: stderr is still the one 'postie: ' line"
json_check "refused: one JSON object with the refusal" \
	'o["outcome"] == "failed"' 'o["exit"] == 67' 'o["exit_name"] == "EX_NOUSER"' \
	'o["step"] == "rcpt"' 'o["queue_id"] is None' \
	'isinstance(o["error"], str) and o["error"] != ""' \
	'o["smtp"]["code"] == 550 and o["smtp"]["enhanced"] == "5.1.1"' \
	'len(o["refused"]) == 1' \
	'o["refused"][0]["rcpt"] == "nosuch@example.test"' \
	'o["refused"][0]["code"] == 550' 'o["refused"][0]["enhanced"] == "5.1.1"' \
	'"User unknown" in o["refused"][0]["text"]' \
	'o["rcpts"] == ["alice@example.test", "nosuch@example.test"]'
is "$(mail_count alice)" 1 "refused: alice received nothing more"

# 4. A temporary refusal at RCPT with `queue off`: failed, 75.
use "$TEST_TMP/rc-off" "$PF_PORT"
compose --status-json -C "$TEST_TMP/rc-off" later@example.test
is "$status" 75 "4xx, queue off: exit status 75"
error_line "4xx, queue off: stderr is still the one 'postie: ' line"
json_check "4xx, queue off: one JSON object, failed, EX_TEMPFAIL" \
	'o["outcome"] == "failed"' 'o["exit"] == 75' 'o["exit_name"] == "EX_TEMPFAIL"' \
	'o["step"] == "rcpt"' 'o["queue_id"] is None' \
	'o["smtp"]["code"] == 450 and o["smtp"]["enhanced"] == "4.2.0"' \
	'[(r["rcpt"], r["code"], r["enhanced"]) for r in o["refused"]] == [("later@example.test", 450, "4.2.0")]' \
	'isinstance(o["error"], str) and o["error"] != ""'

# 5. A TLS failure: the certificate of an unknown CA.
use "$TEST_TMP/rc-untrusted" "$PF_PORT_untrusted"
compose --status-json -C "$TEST_TMP/rc-untrusted" alice@example.test
is "$status" 77 "TLS failure: exit status 77"
error_line "TLS failure: stderr is still the one 'postie: ' line"
json_check "TLS failure: one JSON object, failed at the tls step" \
	'o["outcome"] == "failed"' 'o["exit"] == 77' 'o["exit_name"] == "EX_NOPERM"' \
	'o["step"] == "tls"' 'o["smtp"] is None' 'o["refused"] == []' \
	'o["queue_id"] is None' 'isinstance(o["error"], str) and o["error"] != ""' \
	'o["port"] == int(env["PF_PORT_untrusted"])'

# 6. A missing attachment: failed before any connection.
compose --status-json --attach "$TEST_TMP/nonexistent.pdf" -C "$conf" alice@example.test
is "$status" 66 "missing attachment: exit status 66"
error_line "missing attachment: stderr is still the one 'postie: ' line"
json_check "missing attachment: one JSON object, failed, EX_NOINPUT" \
	'o["outcome"] == "failed"' 'o["exit"] == 66' 'o["exit_name"] == "EX_NOINPUT"' \
	'o["smtp"] is None' 'o["refused"] == []' \
	'"nonexistent.pdf" in o["error"]'

# 7. `status_format json` in the config: the same object.
use "$TEST_TMP/rc-format" "$PF_PORT" "status_format json"
compose -C "$TEST_TMP/rc-format" alice@example.test
is "$status" 0 "status_format json: exit status 0"
is "$stderr" "" "status_format json: stderr is empty"
wait_for_delivery alice 2
ok $? "status_format json: alice received it"
MID=$(message_field "$(maildir_files alice | tail -n 1)" Message-ID)
json_check "status_format json: one JSON object, sent" \
	'o["outcome"] == "sent"' 'o["exit"] == 0' 'o["exit_name"] == "EX_OK"' \
	'o["step"] is None' 'o["smtp"]["code"] == 250' 'o["refused"] == []' \
	'o["message_id"] == env["MID"]' 'o["queue_id"] is None'
is "$(python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
print(sorted(a) == sorted(b))' "$TEST_TMP/sent.json" "$TEST_TMP/last.json" 2>&1)" True \
	"status_format json: the same keys as --status-json"
compose -C "$TEST_TMP/rc-format" alice@example.test nosuch@example.test
is "$status" 67 "status_format json, refused: exit status 67"
json_check "status_format json, refused: one JSON object, failed" \
	'o["outcome"] == "failed"' 'o["exit"] == 67' 'o["step"] == "rcpt"'

# 8. Neither: stdout stays empty, sent or failed.
compose -C "$conf" alice@example.test
is "$status" 0 "no --status-json, sent: exit status 0"
is "$stdout" "" "no --status-json, sent: stdout is empty"
wait_for_delivery alice 3
ok $? "no --status-json, sent: alice received it"
compose -C "$conf" alice@example.test nosuch@example.test
is "$status" 67 "no --status-json, refused: exit status 67"
is "$stdout" "" "no --status-json, refused: stdout is empty"
compose -C "$TEST_TMP/rc-untrusted" alice@example.test
is "$status" 77 "no --status-json, TLS failure: exit status 77"
is "$stdout" "" "no --status-json, TLS failure: stdout is empty"

# 9. The `log_format json` logfile line: the same keys (and time), the same
# values as the object on stdout.
use "$TEST_TMP/rc-log" "$PF_PORT" "logfile $TEST_TMP/json.log
log_format json"
compose --status-json -C "$TEST_TMP/rc-log" dave@example.test
is "$status" 0 "log_format json: exit status 0"
cp "$TEST_TMP/stdout" "$TEST_TMP/logged-sent.json"
wait_for_delivery dave 1
ok $? "log_format json: dave received it"
compose --status-json -C "$TEST_TMP/rc-log" dave@example.test nosuch@example.test
cp "$TEST_TMP/stdout" "$TEST_TMP/refused.json"
is "$(python3 - "$TEST_TMP/json.log" "$TEST_TMP/logged-sent.json" "$TEST_TMP/refused.json" <<'PY' 2>&1
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
if len(lines) != 2:
    print("%d log lines, want 2" % len(lines))
    sys.exit(0)
for line, path in zip(lines, sys.argv[2:]):
    logged, printed = json.loads(line), json.loads(open(path).read())
    if "time" not in logged:
        print("no time in the log line")
    logged.pop("time", None)
    if sorted(logged) != sorted(printed):
        print("keys differ: log %s, stdout %s" % (sorted(logged), sorted(printed)))
    for k in printed:
        if k != "duration_ms" and logged.get(k) != printed[k]:
            print("%s: log %r, stdout %r" % (k, logged.get(k), printed[k]))
PY
)" "" "log_format json: the log lines have the keys and values of the stdout objects"

# 10. A temporary refusal with `queue auto`: queued, exit 0, the id that
# `postie -bp` lists. Last, as the queued message stays in its queue.
queue_setup
use "$TEST_TMP/rc-queue" "$PF_PORT" "$(queue_config_lines auto)"
compose --status-json -C "$TEST_TMP/rc-queue" later@example.test
is "$status" 0 "4xx, queue auto: exit status 0"
like "$stderr" "queued as" "4xx, queue auto: stderr says it was queued"
QID=$(queue_ids)
export QID
is "$(queue_count)" 1 "4xx, queue auto: one message in the queue directory"
json_check "4xx, queue auto: one JSON object, queued" \
	'o["outcome"] == "queued"' 'o["exit"] == 0' 'o["exit_name"] == "EX_OK"' \
	'o["queue_id"] == env["QID"]' \
	'o["smtp"]["code"] == 450 and o["smtp"]["enhanced"] == "4.2.0"' \
	'o["rcpts"] == ["later@example.test"]'
queued_json_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["queue_id"])' \
	"$TEST_TMP/last.json" 2>&1)
run_postie_kept /dev/null -C "$TEST_TMP/rc-queue" -bp
is "$status" 0 "postie -bp: exit status 0"
queue_listing_has_ids "postie -bp lists the queue_id of the JSON object" "$queued_json_id"
is "$(mail_count dave)" 1 "nothing more arrived for dave"

done_testing
