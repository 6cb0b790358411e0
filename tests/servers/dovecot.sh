# tests/servers/dovecot.sh - a private Dovecot that only authenticates, as
# the SASL backend of the test Postfix (postfix.sh starts and stops it).
# Source it after lib.sh. dovecot_start writes a dovecot.conf from scratch
# (nothing is read from /etc/dovecot), runs no IMAP/POP/LMTP listeners, and
# keeps its sockets, state and log under the directory it is given, so test
# files can run in parallel.
#
# Users (passdb passwd-file, plaintext, so every mechanism works): the
# PF_USERS of postfix.sh, each with a distinctive password in PF_PASS_<user>
# (PF_PASS_alice ...), so a test can search its outputs for them.
# Mechanisms: PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256.
#
# Exports: DOV_DIR DOV_CONF DOV_LOG DOV_AUTH_SOCKET.
# Set DOV_VERBOSE=1 before starting for auth_verbose (never the passwords).
#
# dovecot_start_lmtp starts the same instance with an LMTP server as well,
# a final delivery agent for postie's `protocol lmtp`: see its comment.

DOV_DOVECOT=/usr/sbin/dovecot
DOV_MECHANISMS="plain login cram-md5 scram-sha-1 scram-sha-256"

# The test passwords. Distinctive, so a leak is found by a plain search;
# none holds a ':' (the passwd-file separator). carol's has spaces and a
# double quote, for config quoting.
PF_PASS_alice='Tr0ub4dor&3-alice'
PF_PASS_bob='b0b-correct-h0rse-battery'
# shellcheck disable=SC2089 # the quotes are part of the password
PF_PASS_carol='carol "quoted" s3cret w1th spaces'
PF_PASS_dave='D4ve-p4ssw0rd-n1ne-2718'
PF_PASS_eve='Ev3-p4ssw0rd-s1x-1618'
# shellcheck disable=SC2090
export PF_PASS_alice PF_PASS_bob PF_PASS_carol PF_PASS_dave PF_PASS_eve

# pf_password USER: print USER's test password.
pf_password() {
	eval "printf '%s\n' \"\${PF_PASS_$1:?no test password for user $1}\""
}

# dovecot_start DIR: start an auth-only instance in DIR (created; must not
# exist); registers dovecot_stop to run at exit.
dovecot_start() {
	[ -x "$DOV_DOVECOT" ] ||
		skip_all "Dovecot is not installed (install the dovecot-core package)"
	if ! id dovecot >/dev/null 2>&1 || ! id dovenull >/dev/null 2>&1; then
		skip_all "the dovecot or dovenull user is missing (reinstall dovecot-core)"
	fi
	DOV_DIR=$1
	DOV_CONF=$DOV_DIR/dovecot.conf
	DOV_LOG=$DOV_DIR/dovecot.log
	DOV_AUTH_SOCKET=$DOV_DIR/run/auth-postfix
	# A unix socket's path must fit in sun_path (108 bytes with the NUL).
	[ ${#DOV_AUTH_SOCKET} -lt 100 ] ||
		bail "Dovecot's socket path is too long: $DOV_AUTH_SOCKET (use a shorter TMPDIR)"
	mkdir "$DOV_DIR" "$DOV_DIR/run" "$DOV_DIR/state" || bail "mkdir $DOV_DIR failed"
	# Postfix's smtpd (user postfix) must reach the socket.
	chmod 755 "$DOV_DIR" "$DOV_DIR/run"
	at_exit "dovecot_stop '$DOV_DIR'"

	# The extra field nodelay: a wrong password is refused at once where
	# Dovecot looks the password up (CRAM-MD5, SCRAM-*). Failed PLAIN and
	# LOGIN, and unknown users, still wait for the next tick of its failure
	# queue, up to half a second, even with auth_failure_delay = 0.
	for _dov_user in $PF_USERS; do
		printf '%s:{PLAIN}%s::::::nodelay\n' "$_dov_user" "$(pf_password "$_dov_user")"
	done >"$DOV_DIR/passwd"
	chmod 644 "$DOV_DIR/passwd"
	[ "${_dov_lmtp:-no}" = no ] || _dov_lmtp_setup
	_dov_write_conf

	if ! "$DOV_DOVECOT" -c "$DOV_CONF" >"$DOV_DIR/start.out" 2>&1; then
		# The LMTP port was free when chosen, but may have been taken
		# since; master then fails to bind it and exits. Try new ports.
		_dov_lmtp_retry_start || {
			_dov_diag
			bail "Dovecot did not start (see the output above)"
		}
	fi
	# The auth service itself starts on the first connection; the listener
	# exists as soon as master has set up.
	if ! wait_until 10 test -S "$DOV_AUTH_SOCKET"; then
		_dov_diag
		bail "Dovecot did not create $DOV_AUTH_SOCKET"
	fi
	export DOV_DIR DOV_CONF DOV_LOG DOV_AUTH_SOCKET
}

_dov_write_conf() {
	if [ "${DOV_VERBOSE:-0}" = 1 ]; then _dov_verbose=yes; else _dov_verbose=no; fi
	cat >"$DOV_CONF" <<EOF
# Written by tests/servers/dovecot.sh for one test; nothing is included.
base_dir = $DOV_DIR/run
state_dir = $DOV_DIR/state
instance_name = postie-test-${TEST_TMP##*.}
protocols = ${_dov_protocols:-none}
ssl = no
log_path = $DOV_LOG
default_login_user = dovenull
default_internal_user = dovecot
shutdown_clients = yes

auth_mechanisms = $DOV_MECHANISMS
# A wrong password is answered at once; the tests count on speed, not on
# slowing down guessers.
auth_failure_delay = 0
auth_verbose = $_dov_verbose
auth_debug = no
auth_debug_passwords = no
auth_verbose_passwords = no

passdb {
  driver = passwd-file
  args = $DOV_DIR/passwd
}
userdb {
  ${_dov_userdb:-driver = static
  args = uid=nobody gid=nogroup home=/nonexistent}
}

service auth {
  unix_listener auth-postfix {
    mode = 0600
    user = postfix
    group = postfix
  }
}

# No growing delay after failed logins (2, 4, 8... s per client address):
# anvil's penalty socket is moved from where the auth process looks for it,
# and without it the auth process keeps no penalties. The tests fail logins
# on purpose, from one address, in quick succession.
service anvil {
  unix_listener anvil-auth-penalty {
    path = anvil-auth-penalty-unused
  }
}
EOF
	[ "${_dov_lmtp:-no}" = no ] || _dov_write_lmtp_conf >>"$DOV_CONF"
}

_dov_diag() {
	diag "Dovecot start output ($DOV_DIR/start.out):"
	[ -f "$DOV_DIR/start.out" ] && diag "$(cat "$DOV_DIR/start.out")"
	diag "Dovecot log ($DOV_LOG):"
	[ -f "$DOV_LOG" ] && diag "$(cat "$DOV_LOG")"
	return 0
}

# _dov_master_pid DIR: the PID of that instance's master, if it still runs.
_dov_master_pid() {
	_dov_pid=
	[ -f "$1/run/master.pid" ] || return 1
	read -r _dov_pid <"$1/run/master.pid" || true
	case $_dov_pid in
	'' | *[!0-9]*) return 1 ;;
	esac
	_dov_is_master "$_dov_pid" "$1" || return 1
	echo "$_dov_pid"
}

# _dov_is_master PID DIR: PID is alive (not a zombie) and is the master
# started with DIR's config, not a recycled PID.
_dov_is_master() {
	if ! [ -d /proc/self ]; then
		kill -0 "$1" 2>/dev/null
		return
	fi
	case $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) in
	Z | X | '') return 1 ;;
	esac
	{ tr '\000' '\n' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qFx "$2/dovecot.conf"
}

# dovecot_stop_begin [DIR]: ask the instance in DIR (default: $DOV_DIR) to
# stop, without waiting; dovecot_stop_wait waits. Postfix stops in between.
dovecot_stop_begin() {
	_dov_stop_dir=${1:-${DOV_DIR:-}}
	[ -n "$_dov_stop_dir" ] && [ -f "$_dov_stop_dir/dovecot.conf" ] || return 0
	_dov_stop_pid=$(_dov_master_pid "$_dov_stop_dir") || return 0
	kill -TERM "$_dov_stop_pid" 2>/dev/null || true
}

# dovecot_stop_wait [DIR]: bounded wait for the instance in DIR to exit.
# After SIGTERM, Dovecot 2.3's processes exit at once except its log
# process, which the master then waits for about a second. Once that is all
# that is left, the log has been written and the master is killed instead
# (by its PID; the log process follows it).
dovecot_stop_wait() {
	_dov_stop_dir=${1:-${DOV_DIR:-}}
	[ -n "$_dov_stop_dir" ] && [ -f "$_dov_stop_dir/dovecot.conf" ] || return 0
	_dov_stop_pid=$(_dov_master_pid "$_dov_stop_dir") || return 0
	if wait_until 5 _dov_exited_or_only_log "$_dov_stop_pid" "$_dov_stop_dir" &&
		_dov_is_master "$_dov_stop_pid" "$_dov_stop_dir"; then
		kill -KILL "$_dov_stop_pid" 2>/dev/null || true
	fi
	if ! wait_until 5 _dov_master_gone "$_dov_stop_pid" "$_dov_stop_dir"; then
		diag "Dovecot master $_dov_stop_pid lingers; killing it"
		kill -KILL "$_dov_stop_pid" 2>/dev/null || true
		wait_until 2 _dov_master_gone "$_dov_stop_pid" "$_dov_stop_dir" || true
	fi
	# The master leads the process group of all Dovecot processes.
	wait_until 5 _dov_group_gone "$_dov_stop_pid" ||
		diag "Dovecot processes of group $_dov_stop_pid are still running"
	return 0
}

_dov_master_gone() {
	! _dov_is_master "$1" "$2"
}

# _dov_exited_or_only_log PID DIR: the master has exited, or it and its log
# process are the only live processes of its group.
_dov_exited_or_only_log() {
	_dov_is_master "$1" "$2" || return 0
	ps -e -o pgid=,pid=,stat=,args= 2>/dev/null | awk -v g="$1" '
		$1 != g || $3 ~ /^Z/ { next }
		$2 == g { next }
		$4 ~ /\/log$/ && !seen_log { seen_log = 1; next }
		{ other = 1 }
		END { exit !(seen_log && !other) }'
}

# _dov_group_gone PGID: no live process is left in the group.
_dov_group_gone() {
	ps -e -o pgid=,stat= 2>/dev/null |
		awk -v g="$1" '$1 == g && $2 !~ /^Z/ { n++ } END { exit n > 0 }'
}

# dovecot_stop [DIR]: stop the instance in DIR (default: $DOV_DIR) and wait;
# idempotent.
dovecot_stop() {
	dovecot_stop_begin "$@"
	dovecot_stop_wait "$@"
}

# assert_no_secrets DESCRIPTION FILE...: TAP assertion that no test
# password appears in the files: neither as text nor base64-encoded the way
# AUTH LOGIN (the password alone) and AUTH PLAIN ("\0user\0password", with
# or without an authorization identity) send it. Every file must exist.
assert_no_secrets() {
	_dov_desc=$1
	shift
	_dov_pats=$TEST_TMP/secret-patterns
	for _dov_user in $PF_USERS; do
		_dov_pass=$(pf_password "$_dov_user")
		printf '%s\n' "$_dov_pass"
		printf '%s' "$_dov_pass" | base64 -w0
		echo
		printf '\000%s\000%s' "$_dov_user" "$_dov_pass" | base64 -w0
		echo
		printf '%s\000%s\000%s' "$_dov_user" "$_dov_user" "$_dov_pass" | base64 -w0
		echo
	done >"$_dov_pats"
	_dov_missing='' _dov_leaks=''
	for _dov_file in "$@"; do
		if ! [ -f "$_dov_file" ]; then
			_dov_missing="$_dov_missing $_dov_file"
		elif grep -qF -f "$_dov_pats" "$_dov_file"; then
			_dov_leaks="$_dov_leaks $_dov_file"
		fi
	done
	if [ -n "$_dov_missing" ]; then
		fail "$_dov_desc" "no such file:$_dov_missing"
	elif [ -n "$_dov_leaks" ]; then
		# shellcheck disable=SC2086 # a list of paths without spaces
		fail "$_dov_desc" "a test password (or its base64 form) is in:$_dov_leaks
$(grep -nF -f "$_dov_pats" $_dov_leaks | head -5)"
	else
		pass "$_dov_desc"
	fi
}

# dovecot_start_lmtp DIR: dovecot_start DIR, and the instance also runs an
# LMTP server on 127.0.0.1:$DOV_LMTP_PORT (a port from $FREEPORT) that
# delivers USER@example.test, for each USER of PF_USERS, to the Maildir
# $DOV_MAILDIR/USER/Maildir (dovecot_maildir_files USER lists what came).
# Any other recipient is refused at RCPT (550 5.1.1). The Maildirs belong to
# nobody. The mailboxes of eve and dave are full (a quota of one byte):
# their RCPT is accepted and the message is refused for them alone after
# the final dot, which is what LMTP's one reply per recipient is for; for
# eve permanently (552 5.2.2), for dave temporarily (452 4.2.2). The others
# have no quota. Exports also DOV_LMTP_PORT DOV_MAILDIR.
dovecot_start_lmtp() {
	[ -x /usr/lib/dovecot/lmtp ] ||
		skip_all "Dovecot's LMTP server is not installed (install the dovecot-lmtpd package)"
	if [ -z "${FREEPORT:-}" ] || ! [ -x "$FREEPORT" ]; then
		bail "FREEPORT='${FREEPORT:-}' is not an executable (build tests/tools/freeport first)"
	fi
	_dov_lmtp=yes
	dovecot_start "$1"
	_dov_lmtp=no _dov_protocols='' _dov_userdb=''
	export DOV_LMTP_PORT DOV_MAILDIR
}

# _dov_lmtp_setup: the parts of an LMTP instance that dovecot_start needs
# before it writes the config: a port, the Maildir root, the user database.
_dov_lmtp_setup() {
	DOV_LMTP_PORT=$("$FREEPORT") || bail "$FREEPORT failed"
	DOV_MAILDIR=$DOV_DIR/mail
	mkdir "$DOV_MAILDIR" || bail "mkdir $DOV_MAILDIR failed"
	# Delivery runs as the uid and gid of the user's entry (nobody's), and
	# creates the Maildirs below this directory.
	_dov_uid=$(id -u nobody) || bail "no user nobody"
	_dov_gid=$(id -g nobody) || bail "no user nobody"
	chown "$_dov_uid:$_dov_gid" "$DOV_MAILDIR" || bail "chown nobody $DOV_MAILDIR failed"
	for _dov_user in $PF_USERS; do
		_dov_extra=
		case $_dov_user in
		eve) _dov_extra='userdb_quota_rule=*:storage=1B' ;;
		dave) _dov_extra='userdb_quota_rule=*:storage=1B userdb_quota_full_tempfail=yes' ;;
		esac
		printf '%s@example.test::%s:%s::%s/%s::%s\n' "$_dov_user" \
			"$_dov_uid" "$_dov_gid" "$DOV_MAILDIR" "$_dov_user" "$_dov_extra"
	done >"$DOV_DIR/users"
	chmod 644 "$DOV_DIR/users"
	_dov_protocols=lmtp
	# Only the listed addresses exist (a static userdb knows everyone).
	_dov_userdb="driver = passwd-file
  args = $DOV_DIR/users"
}

# _dov_write_lmtp_conf: the LMTP part of dovecot.conf.
_dov_write_lmtp_conf() {
	cat <<EOF

# LMTP (dovecot_start_lmtp): final delivery into Maildirs. A full mailbox
# fails after the final dot, for that recipient only, because the quota is
# not checked at RCPT; permanently (552) unless the user's entry says
# quota_full_tempfail (452).
mail_location = maildir:$DOV_MAILDIR/%n/Maildir
mail_plugins = quota
lmtp_rcpt_check_quota = no
quota_full_tempfail = no
plugin {
  quota = maildir:User quota
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $DOV_LMTP_PORT
  }
}
EOF
}

# _dov_lmtp_retry_start: after a failed start of an LMTP instance, try up
# to twice more on new ports; fails at once for an auth-only instance.
_dov_lmtp_retry_start() {
	[ "${_dov_lmtp:-no}" = yes ] || return 1
	for _dov_try in 2 3; do
		diag "Dovecot did not start (try $((_dov_try - 1)), LMTP port $DOV_LMTP_PORT); trying another port"
		DOV_LMTP_PORT=$("$FREEPORT") || bail "$FREEPORT failed"
		_dov_write_conf
		"$DOV_DOVECOT" -c "$DOV_CONF" >"$DOV_DIR/start.out" 2>&1 && return 0
	done
	return 1
}

# dovecot_maildir_files USER: the messages delivered by LMTP to USER, oldest
# first, one path a line.
dovecot_maildir_files() {
	_dov_new=$DOV_MAILDIR/$1/Maildir/new
	[ -d "$_dov_new" ] || return 0
	# shellcheck disable=SC2012 # Maildir names are plain ASCII
	ls -tr "$_dov_new" | sed "s|^|$_dov_new/|"
}

# dovecot_mail_count USER: how many messages LMTP delivered to USER.
dovecot_mail_count() {
	dovecot_maildir_files "$1" | wc -l | tr -d ' '
}
