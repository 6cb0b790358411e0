# tests/lib.sh - TAP helpers and fixtures shared by the shell tests.
# Source it; every test file prints TAP and ends with `done_testing`.
# Environment (set by `make check`): POSTIE, FAULTSERVER, FREEPORT, TESTS_SRCDIR.

set -u

tap_count=0
tap_failures=0
cleanup_cmds=""

diag() { printf '# %s\n' "$*" | sed '2,$s/^/# /'; }

pass() { tap_count=$((tap_count + 1)); echo "ok $tap_count - $*"; }

fail() {
	tap_count=$((tap_count + 1)); tap_failures=$((tap_failures + 1))
	echo "not ok $tap_count - $1"
	shift
	[ $# -gt 0 ] && diag "$*"
	return 0
}

# ok STATUS DESCRIPTION: pass when STATUS is 0
ok() { if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2"; fi; }

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "got:  '$1'
want: '$2'"; fi
}

# like TEXT FIXED-STRING DESCRIPTION: TEXT contains the string
like() {
	case "$1" in
	*"$2"*) pass "$3" ;;
	*) fail "$3" "text: '$1'
does not contain: '$2'" ;;
	esac
}

# unlike TEXT FIXED-STRING DESCRIPTION
unlike() {
	case "$1" in
	*"$2"*) fail "$3" "text: '$1'
contains: '$2'" ;;
	*) pass "$3" ;;
	esac
}

# same_bytes GOT-FILE WANT-FILE DESCRIPTION: byte-for-byte equal
same_bytes() {
	if cmp -s "$1" "$2"; then pass "$3"; else
		fail "$3" "bytes differ; got:
$(od -c "$1" | head -40)
want:
$(od -c "$2" | head -40)"
	fi
}

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# bail REASON: the fixture itself broke; the test file errors out.
bail() { echo "Bail out! $*"; exit 99; }

done_testing() {
	echo "1..$tap_count"
	[ "$tap_failures" -eq 0 ]
	exit $?
}

# at_exit CMD: run CMD (a string) when the test file exits, last registered first.
at_exit() { cleanup_cmds="$1; $cleanup_cmds"; }
run_cleanups() { eval "$cleanup_cmds"; }
trap 'run_cleanups' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# A private scratch directory, removed at exit.
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/postie-test.XXXXXX") || bail "mktemp failed"
chmod 755 "$TEST_TMP"
at_exit "rm -rf '$TEST_TMP'"

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds; bounded.
wait_until() {
	_wait_limit=$(($1 * 10)); shift
	_wait_i=0
	while [ $_wait_i -lt $_wait_limit ]; do
		"$@" && return 0
		sleep 0.1
		_wait_i=$((_wait_i + 1))
	done
	return 1
}

# run_postie STDIN-FILE ARGS...: run postie; sets $status, $stderr (text) and
# $stdout (text). Bounded by `timeout` so a hang fails instead of blocking.
run_postie() {
	input=$1; shift
	status=0
	timeout 30 "$POSTIE" "$@" <"$input" >"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr" || status=$?
	stdout=$(cat "$TEST_TMP/stdout")
	stderr=$(cat "$TEST_TMP/stderr")
	# Kept for tests/no_secrets_anywhere.sh, which reads every byte postie
	# printed in the whole suite (one file per test file: parallel-safe).
	if [ -n "${POSTIE_OUTPUT_DIR:-}" ]; then
		mkdir -p "$POSTIE_OUTPUT_DIR"
		cat "$TEST_TMP/stdout" "$TEST_TMP/stderr" \
			>>"$POSTIE_OUTPUT_DIR/$(printf '%s' "$0" | sed 's|^.*tests/||; s|[/.]|_|g').out"
	fi
}

# error_line DESCRIPTION: stderr (of the last run_postie) is exactly one
# line, the "postie: ..." outcome line.
error_line() {
	if [ "$(wc -l <"$TEST_TMP/stderr")" -eq 1 ] &&
		[ "${stderr#postie: }" != "$stderr" ]; then
		pass "$1"
	else
		fail "$1" "stderr: '$stderr'"
	fi
}

# write_config FILE HOST PORT [EXTRA-LINES]: a minimal plain-SMTP account.
# No queue: a temporary failure is the exit status (tests of the queue say
# `queue auto` or `queue on` and a queue_dir of their own).
write_config() {
	cat >"$1" <<CONF
defaults
timeout 10
tls off
queue off
queue_dir $TEST_TMP/queue

account default
host $2
port $3
from sender@example.test
${4:-}
CONF
	chmod 600 "$1"
}

# run_postie_kept STDIN-FILE ARGS...: run_postie, and also append postie's
# stdout and stderr to $TEST_TMP/postie-output, which so holds the output of
# every such run of the test (to search it all, e.g. for leaked secrets).
run_postie_kept() {
	run_postie "$@"
	cat "$TEST_TMP/stdout" "$TEST_TMP/stderr" >>"$TEST_TMP/postie-output"
}
