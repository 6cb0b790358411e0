#!/bin/sh
# `syslog on|FACILITY`: one line per message to the system log, with the
# fields of the logfile line (or its JSON object with `log_format json`),
# priority INFO on success and ERR on failure, facility LOG_MAIL unless one
# is named. The test stands in for the system logger: it listens on a socket
# of its own that postie finds as /dev/log (bind-mounted in a private mount
# namespace when the machine has a /dev/log, else created there for the
# length of the test).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

[ "$(id -u)" -eq 0 ] || skip_all "stands in for /dev/log, which needs root"
command -v python3 >/dev/null || bail "python3 is needed (dev/install-deps installs it)"

received=$TEST_TMP/syslog.received
: >"$received"

# listen PATH: a datagram socket that writes each message as one line.
listen() {
	python3 - "$1" "$received" <<'PY' &
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
s.settimeout(60)
with open(out, "ab", buffering=0) as f:
    while True:
        try:
            f.write(s.recv(65536).rstrip(b"\n") + b"\n")
        except socket.timeout:
            break
PY
	listener_pid=$!
	at_exit "kill $listener_pid 2>/dev/null"
	wait_until 10 test -S "$1" || bail "the stand-in syslog socket $1 did not appear"
}

real_postie=$POSTIE
POSTIE=$TEST_TMP/postie-with-devlog
if [ -e /dev/log ] || [ -L /dev/log ]; then
	command -v unshare >/dev/null || bail "unshare (util-linux) is needed"
	listen "$TEST_TMP/devlog"
	cat >"$POSTIE" <<WRAP
#!/bin/sh
exec unshare -m sh -c 'mount --bind "\$0" /dev/log && exec "\$@"' \
	'$TEST_TMP/devlog' '$real_postie' "\$@"
WRAP
else
	listen /dev/log
	at_exit "[ -S /dev/log ] && rm -f /dev/log"
	printf '#!/bin/sh\nexec "%s" "$@"\n' "$real_postie" >"$POSTIE"
fi
chmod 755 "$POSTIE"

# Other programs (another test suite running alongside) may log to the
# same socket: only lines that name this run's fault server count.
ours() { grep -e " port=$port " -e "\"port\":$port," "$received"; }
has_lines() { [ "$(ours | grep -c '')" -ge "$1" ]; }

fault_start accept "syslog on"
port=$(cat "$FAULT_PORTFILE")
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 0 "syslog on: delivered"
is "$stderr" "" "syslog on: nothing on stderr"
wait_until 10 has_lines 1
line=$(ours | sed -n 1p)
like "$line" "<22>" "facility LOG_MAIL, priority INFO (<22>)"
like "$line" "postie[" "tagged postie with its PID"
like "$line" " account=default " "the fields of the logfile line"
like "$line" " rcpts=rcpt@example.test " "the recipients"
like "$line" 'smtp="250 2.0.0 queued as LOG1"' "the server's reply"
like "$line" "exit=EX_OK" "the exit status name"

fault_start mail-530 "syslog LOG_LOCAL3
log_format json"
port=$(cat "$FAULT_PORTFILE")
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 69 "LOG_LOCAL3, json: refused"
wait_until 10 has_lines 1
line=$(ours | sed -n 1p)
like "$line" "<155>" "facility LOG_LOCAL3, priority ERR (<155>)"
json=${line#*: }
python3 -c 'import json, sys; o = json.loads(sys.argv[1]); sys.exit(0 if o["exit_name"] == "EX_UNAVAILABLE" and o["step"] == "mail" and o["smtp"]["code"] == 530 else 1)' "$json"
ok $? "the message is one JSON object with exit_name, step and the reply"

fault_start accept "syslog off"
port=$(cat "$FAULT_PORTFILE")
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" rcpt@example.test
fault_finish
is "$status" 0 "syslog off: delivered"
sleep 0.3
is "$(ours | grep -c '')" 0 "syslog off: nothing logged"
fault_done
