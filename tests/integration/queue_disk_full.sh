#!/bin/sh
# The queue's file system is full: a message that does not fit is refused
# with a failing exit status (75, or 73) and one stderr line that names the
# problem, and nothing half-written stays in the spool (so the space is
# free again for the next message). The queue lives on a 256 KiB tmpfs the
# test mounts (root only).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/queue.subr"

[ -x "${POSTIE:-}" ] ||
	bail "postie is not built: POSTIE='${POSTIE:-}' is not an executable (run make)"
[ -n "${FREEPORT:-}" ] && [ -x "$FREEPORT" ] ||
	bail "FREEPORT='${FREEPORT:-}' is not an executable (build tests/tools/freeport first)"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to mount a small tmpfs (run make check as root)"

mnt=$TEST_TMP/small
mkdir "$mnt" || bail "mkdir $mnt failed"
if ! mount -t tmpfs -o size=256k,mode=0700 tmpfs "$mnt" 2>"$TEST_TMP/mount.err"; then
	skip_all "mount -t tmpfs is not permitted here: $(cat "$TEST_TMP/mount.err")"
fi
at_exit "umount '$mnt'"
QDIR=$mnt/queue

# Nothing listens on this port: a send fails at once, temporarily.
port=$("$FREEPORT") || bail "$FREEPORT failed"
conf=$TEST_TMP/postierc
write_config "$conf" 127.0.0.1 "$port" "$(queue_config_lines auto)"

# A 1 MiB message (and a small one).
big=$TEST_TMP/big
make_queue_message "$TEST_TMP/small-msg" 2
make_queue_message "$big" 1
awk 'BEGIN { for (i = 0; i < 16384; i++) printf "%063d\n", i }' >>"$big"

# fs_refusal WHAT: the checks after a message did not fit.
fs_refusal() {
	case $status in
	75 | 73) pass "$1: exit status $status (temporary failure or cannot create)" ;;
	*) fail "$1: exit status 75 or 73" "got $status; stderr: $stderr" ;;
	esac
	error_line "$1: stderr is one 'postie: ...' line"
	like "$stderr" "No space left on device" "$1: stderr says the disk is full"
	like "$stderr" "$QDIR" "$1: stderr names the queue directory"
	unlike "$stderr" "queued as" "$1: stderr does not claim the message is queued"
	is "$(queue_count)" 0 "$1: no message is in new/"
	is "$(queue_half_written)" "" "$1: nothing half-written is left in tmp/ or new/"
}

run_postie "$big" -C "$conf" -odq alice@example.test
fs_refusal "-odq"

run_postie "$big" -C "$conf" alice@example.test
fs_refusal "queue auto, server down"

# The failed attempts left the space free: a small message fits.
run_postie "$TEST_TMP/small-msg" -C "$conf" -odq alice@example.test
is "$status" 0 "a small message is queued afterwards (exit 0)"
is "$(queue_count)" 1 "it is in the queue"
run_postie /dev/null -C "$conf" -bp
like "$stdout" "$(queue_ids)" "postie -bp lists it"

done_testing
