# tests/servers/postfix.sh - a throwaway Postfix smarthost for integration tests.
# Source it after lib.sh. Each call to postfix_start builds a private instance
# under $TEST_TMP (config, queue, data, log, Maildirs) that listens on
# 127.0.0.1 only, on a port picked at start, so test files can run in
# parallel. main.cf and master.cf are written from scratch; from /etc/postfix
# the Postfix tools read only shared metadata (postfix-files, dynamicmaps.cf)
# and postfix-script's multi_instance_directories lookup.
#
# The instance accepts mail from 127.0.0.0/8 for alice, bob, carol, dave and
# eve @example.test and delivers it to Maildirs under $PF_MAILDIR/<user>/.
# Unknown users are refused at RCPT (550 5.1.1); other domains are refused
# (no relay). It is stricter than a default Postfix 3.7: bare <LF> in the
# client's input and unauthorised pipelining are rejected, as Postfix 3.9
# does, so a sloppy client fails here first.
#
# Exports: PF_PORT PF_DIR PF_MAILDIR PF_LOG (and PF_CONF PF_QUEUE).
#
# One more address, PF_LATER_RCPT (later@example.test), is always deferred
# at RCPT with "450 4.2.0 try again later", by a recipient access map that
# comes before every permit, so authenticated sessions get it too: a
# temporary failure on demand, just by sending to it.
#
# postfix_start_tls starts the same instance with TLS and SMTP AUTH, the way
# a submission server runs: see its comment. The test PKI comes from pki.sh
# and the SASL backend, a private Dovecot, from dovecot.sh.

. "${TESTS_SRCDIR:?}/servers/pki.sh"
. "$TESTS_SRCDIR/servers/dovecot.sh"

PF_USERS="alice bob carol dave eve"
PF_DAEMON_DIR=/usr/lib/postfix/sbin
PF_POSTFIX=/usr/sbin/postfix
# Maildirs belong to this unprivileged user (virtual delivery runs as it).
PF_VUSER=nobody
# The recipient every instance defers at RCPT (see the top of this file).
PF_LATER_RCPT=later@example.test

# postfix_start_with_account [MAIN.CF-LINE...]: check that postie is built,
# start an instance (as postfix_start), and write $conf, a postie config
# whose default account submits to it.
postfix_start_with_account() {
	[ -x "${POSTIE:-}" ] ||
		bail "postie is not built: POSTIE='${POSTIE:-}' is not an executable (run make)"
	postfix_start "$@"
	conf=$TEST_TMP/postierc
	write_config "$conf" 127.0.0.1 "$PF_PORT"
}

# postfix_start_tls_with_account [CERT-KIND] [MAIN.CF-LINE...]: as
# postfix_start_with_account, for postfix_start_tls: $conf submits to
# PF_PORT with STARTTLS and AUTH (auth on) as alice.
postfix_start_tls_with_account() {
	[ -x "${POSTIE:-}" ] ||
		bail "postie is not built: POSTIE='${POSTIE:-}' is not an executable (run make)"
	postfix_start_tls "$@"
	conf=$TEST_TMP/postierc
	write_tls_config "$conf" "$PF_PORT" starttls "$(auth_config_lines alice)"
}

# write_tls_config FILE PORT starttls|implicit [EXTRA-LINES]: a postie
# config (mode 0600) whose default account submits to 127.0.0.1:PORT over
# TLS, trusting PF_CA and verifying the name mail.example.test (unless
# EXTRA-LINES set tls_host_override themselves); no AUTH unless EXTRA-LINES
# (appended to the account) say so.
write_tls_config() {
	case $3 in
	starttls) _pf_starttls=on ;;
	implicit) _pf_starttls=off ;;
	*) bail "write_tls_config: mode '$3' is neither starttls nor implicit" ;;
	esac
	case ${4:-} in
	*tls_host_override*) _pf_override= ;;
	*) _pf_override="tls_host_override mail.example.test" ;;
	esac
	cat >"$1" <<CONF
defaults
timeout 10
queue off
queue_dir $TEST_TMP/queue
tls on
tls_starttls $_pf_starttls
tls_trust_file $PF_CA

account default
host 127.0.0.1
port $2
$_pf_override
from sender@example.test
${4:-}
CONF
	chmod 600 "$1"
}

# auth_config_lines USER [AUTH]: the config lines that make an account log
# in as USER with USER's test password: "auth AUTH" (default: on), "user",
# and "password" quoted for the config file.
auth_config_lines() {
	printf 'auth %s\nuser %s\npassword %s\n' "${2:-on}" "$1" \
		"$(config_quote "$(pf_password "$1")")"
}

# config_quote TEXT: TEXT as one double-quoted config argument.
config_quote() {
	printf '"%s"\n' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}

# postfix_start [MAIN.CF-LINE...]: start an instance; extra lines are appended
# to main.cf (e.g. "smtpd_discard_ehlo_keywords = chunking").
postfix_start() {
	_pf_tls=no
	_pf_start "$@"
}

# postfix_start_tls [CERT-KIND] [MAIN.CF-LINE...]: start an instance that
# speaks TLS and requires SMTP AUTH for every recipient, with a private
# Dovecot as its SASL backend (mechanisms PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1
# SCRAM-SHA-256; users and passwords as in dovecot.sh: PF_PASS_<user>).
#   PF_PORT      STARTTLS offered (not required); AUTH only after STARTTLS
#   PF_TLS_PORT  implicit TLS ("smtps", wrapper mode)
# Both present the certificate CERT-KIND of pki.sh (default: server, i.e.
# mail.example.test + 127.0.0.1 from PF_CA). Besides, each server kind has a
# STARTTLS port of its own, whatever CERT-KIND is: PF_PORT_server,
# PF_PORT_other (other.example.test), PF_PORT_expired, PF_PORT_untrusted
# (mail.example.test from PF_UNTRUSTED_CA); and PF_NOTLS_PORT offers no
# STARTTLS at all, hence no AUTH either (a server that was downgraded).
# Client certificates are asked for and checked against PF_CA, never
# required. A session without AUTH is refused at RCPT (554 5.7.1), so
# "nothing delivered without AUTH" holds on every port.
# The mail log has one "sasl_method=MECH, sasl_username=USER" line per
# authenticated transaction (see postfix_sasl_methods) and a "TLS connection
# established" line per handshake.
postfix_start_tls() {
	_pf_tls=yes
	_pf_tls_kind=server
	case ${1:-} in
	server | other | expired | untrusted)
		_pf_tls_kind=$1
		shift
		;;
	esac
	pki_make
	_pf_start "$@"
}

_pf_start() {
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root to start Postfix (run make check as root)"
	if ! [ -x "$PF_POSTFIX" ] || ! [ -x "$PF_DAEMON_DIR/master" ]; then
		skip_all "Postfix is not installed (install the postfix package)"
	fi
	if ! id postfix >/dev/null 2>&1 || ! getent group postdrop >/dev/null 2>&1; then
		skip_all "the postfix user or postdrop group is missing (reinstall the postfix package)"
	fi
	if [ -z "${FREEPORT:-}" ] || ! [ -x "$FREEPORT" ]; then
		bail "FREEPORT='${FREEPORT:-}' is not an executable (build tests/tools/freeport first)"
	fi

	PF_DIR=$(mktemp -d "$TEST_TMP/postfix.XXXXXX") || bail "mktemp failed"
	chmod 755 "$PF_DIR"
	# Postfix's daemons run as the postfix user and must reach their queue.
	_pf_d=$PF_DIR
	while [ "$_pf_d" != / ] && [ -n "$_pf_d" ]; do
		[ -n "$(find "$_pf_d" -prune -perm -001)" ] ||
			bail "the postfix user cannot enter $_pf_d; set TMPDIR to a directory like /tmp"
		_pf_d=$(dirname "$_pf_d")
	done
	PF_CONF=$PF_DIR/etc
	PF_QUEUE=$PF_DIR/queue
	PF_MAILDIR=$PF_DIR/maildir
	PF_LOG=$PF_DIR/maillog
	# The SASL backend first, so Postfix finds its socket from the start.
	[ "$_pf_tls" = yes ] && dovecot_start "$PF_DIR/dovecot"
	# Registered before Postfix starts, so a half-started instance is
	# stopped too; and after Dovecot's, so it runs first and stops both
	# side by side.
	at_exit "postfix_stop '$PF_DIR'"
	# Runs before the stop: when a test failed, show what the servers said.
	at_exit "_pf_failure_logs"

	# The queue directory is root's (Postfix creates the subdirectories with
	# their owners); the data directory is left for Postfix to create, as it
	# must belong to the postfix user.
	mkdir "$PF_CONF" "$PF_QUEUE" "$PF_MAILDIR" || bail "mkdir under $PF_DIR failed"
	chown "$PF_VUSER" "$PF_MAILDIR" || bail "chown $PF_VUSER $PF_MAILDIR failed"
	_pf_vuid=$(id -u "$PF_VUSER") || bail "no user $PF_VUSER"
	_pf_vgid=$(id -g "$PF_VUSER") || bail "no user $PF_VUSER"

	for _pf_user in $PF_USERS; do
		printf '%s@example.test %s/\n' "$_pf_user" "$_pf_user"
	done >"$PF_CONF/vmailbox"
	[ "${_pf_idn:-no}" = no ] || _pf_idn_mailboxes >>"$PF_CONF/vmailbox"
	# A listed mailbox, so nothing but the access map decides its fate.
	printf '%s later/\n' "$PF_LATER_RCPT" >>"$PF_CONF/vmailbox"
	printf '%s 450 4.2.0 try again later\n' "$PF_LATER_RCPT" >"$PF_CONF/rcpt_access"
	_pf_write_main_cf "$@"

	# The port is free when chosen but may be taken before master binds it
	# (another test starting at the same moment), so retry a few times.
	_pf_try=0
	while :; do
		_pf_try=$((_pf_try + 1))
		_pf_pick_ports
		_pf_write_master_cf
		# Postfix sleeps until a table file is a second old (it might still
		# be being edited); backdating our files saves that time.
		touch -t 200001010000 "$PF_CONF/main.cf" "$PF_CONF/master.cf" \
			"$PF_CONF/vmailbox" "$PF_CONF/rcpt_access"
		if "$PF_POSTFIX" -c "$PF_CONF" start >>"$PF_DIR/start.out" 2>&1; then
			break
		fi
		if [ $_pf_try -ge 3 ]; then
			_pf_diag_files
			bail "Postfix did not start (see the log above)"
		fi
		# A failed start leaves no master behind; try again on a new port.
		wait_until 2 _pf_master_gone "$PF_DIR" || true
	done

	for _pf_p in $_pf_ports; do
		if ! wait_until 15 _pf_listening "$_pf_p"; then
			_pf_diag_files
			bail "Postfix does not accept connections on 127.0.0.1:$_pf_p"
		fi
	done
	export PF_PORT PF_DIR PF_MAILDIR PF_LOG PF_CONF PF_QUEUE
	if [ "$_pf_tls" = yes ]; then
		export PF_TLS_PORT PF_NOTLS_PORT PF_PORT_server PF_PORT_other \
			PF_PORT_expired PF_PORT_untrusted
	fi
}

# _pf_pick_ports: PF_PORT (and in TLS mode the other ports), all different;
# $_pf_ports lists them.
_pf_pick_ports() {
	_pf_ports=
	_pf_add_port PF_PORT
	[ "$_pf_tls" = yes ] || return 0
	_pf_add_port PF_TLS_PORT
	_pf_add_port PF_NOTLS_PORT
	for _pf_kind in server other expired untrusted; do
		if [ "$_pf_kind" = "$_pf_tls_kind" ]; then
			eval "PF_PORT_$_pf_kind=\$PF_PORT"
		else
			_pf_add_port "PF_PORT_$_pf_kind"
		fi
	done
}

# _pf_add_port VAR: set VAR to a free port not yet in $_pf_ports; add it.
_pf_add_port() {
	_pf_n=0
	while :; do
		_pf_n=$((_pf_n + 1))
		[ $_pf_n -le 20 ] || bail "$FREEPORT keeps printing ports already taken"
		_pf_new=$("$FREEPORT") || bail "$FREEPORT failed"
		case " $_pf_ports " in
		*" $_pf_new "*) ;;
		*) break ;;
		esac
	done
	_pf_ports="$_pf_ports $_pf_new"
	eval "$1=\$_pf_new"
}

_pf_write_main_cf() {
	if [ "$_pf_tls" = yes ]; then
		_pf_relay_restrictions="permit_sasl_authenticated, reject_unauth_destination"
		_pf_recipient_restrictions="permit_sasl_authenticated, reject"
	else
		_pf_relay_restrictions=reject_unauth_destination
		_pf_recipient_restrictions=
	fi
	# PF_LATER_RCPT's 450 comes first, whoever the client is.
	_pf_recipient_restrictions="check_recipient_access texthash:$PF_CONF/rcpt_access${_pf_recipient_restrictions:+, $_pf_recipient_restrictions}"
	# Everything is set here; nothing is read from /etc/postfix/main.cf.
	cat >"$PF_CONF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DIR/data
daemon_directory = $PF_DAEMON_DIR
command_directory = /usr/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-test-${PF_DIR##*.}
maillog_file = $PF_LOG
maillog_file_prefixes = $PF_DIR

myhostname = mx.example.test
mydomain = example.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no
alias_maps =
alias_database =
local_recipient_maps =

# No DNS, and no mail leaves this server.
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
default_transport = error:this test server sends no mail out
relay_transport = error:this test server does not relay

virtual_mailbox_domains = example.test${_pf_idn_domains:-}
virtual_mailbox_base = $PF_MAILDIR
virtual_mailbox_maps = texthash:$PF_CONF/vmailbox
virtual_uid_maps = static:$_pf_vuid
virtual_gid_maps = static:$_pf_vgid
virtual_mailbox_limit = 0
message_size_limit = 0

smtpd_client_restrictions = permit_mynetworks, reject
smtpd_relay_restrictions = $_pf_relay_restrictions
smtpd_recipient_restrictions = $_pf_recipient_restrictions
smtpd_reject_unlisted_recipient = yes

# Deliver what the client sent: no headers added, rewritten or dropped on the
# way (Message-Id, Date, From, X-Original-To), only the trace fields.
local_header_rewrite_clients =
always_add_missing_headers = no
enable_original_recipient = no
# Keep Bcc (and the rest) as sent, so a client that fails to remove Bcc is
# caught by the test instead of hidden by the server.
message_drop_headers =

# Strict, like Postfix 3.9: bare <LF> and out-of-turn pipelining are errors.
smtpd_forbid_bare_newline = reject
smtpd_forbid_bare_newline_exclusions =
smtpd_forbid_unauth_pipelining = yes

# Nothing should ever be deferred in these tests; if it is, keep it visible
# in the queue rather than retrying.
queue_run_delay = 1h
minimal_backoff_time = 1h
maximal_backoff_time = 1h
EOF
	[ "$_pf_tls" = yes ] && _pf_write_main_cf_tls
	for _pf_line in "$@"; do
		printf '%s\n' "$_pf_line"
	done >>"$PF_CONF/main.cf"
}

# The TLS and SASL part of main.cf (postfix_start_tls).
_pf_write_main_cf_tls() {
	_pf_cert='' _pf_key=''
	eval "_pf_cert=\$PF_CERT_$_pf_tls_kind _pf_key=\$PF_KEY_$_pf_tls_kind"
	cat >>"$PF_CONF/main.cf" <<EOF

# TLS: offered with STARTTLS on every port but the wrapper-mode one.
smtpd_tls_security_level = may
smtpd_tls_cert_file = $_pf_cert
smtpd_tls_key_file = $_pf_key
smtpd_tls_CAfile = $PF_CA
smtpd_tls_ask_ccert = yes
smtpd_tls_loglevel = 1
smtpd_tls_session_cache_database =

# SMTP AUTH, by the private Dovecot, and only over TLS; no recipient
# without it.
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DOV_AUTH_SOCKET
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_tls_auth_only = yes
broken_sasl_auth_clients = no
EOF
}

_pf_write_master_cf() {
	# Only the services these tests use; no chroot anywhere.
	{
		printf '127.0.0.1:%s inet n - n - - smtpd\n' "$PF_PORT"
		[ "$_pf_tls" = yes ] && _pf_master_cf_tls
	} >"$PF_CONF/master.cf"
	cat >>"$PF_CONF/master.cf" <<EOF
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
virtual   unix  - n n - - virtual
postlog   unix-dgram n - n - 1 postlogd
EOF
}

# The TLS ports of master.cf; each logs under a name of its own
# (postfix-test-XXXXXX/smtps/smtpd[PID]: ...).
_pf_master_cf_tls() {
	_pf_syslog=postfix-test-${PF_DIR##*.}
	printf '127.0.0.1:%s inet n - n - - smtpd\n' "$PF_TLS_PORT"
	printf '  -o syslog_name=%s/smtps\n' "$_pf_syslog"
	printf '  -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt\n'
	printf '127.0.0.1:%s inet n - n - - smtpd\n' "$PF_NOTLS_PORT"
	printf '  -o syslog_name=%s/notls\n' "$_pf_syslog"
	printf '  -o smtpd_tls_security_level=none\n'
	for _pf_kind in server other expired untrusted; do
		[ "$_pf_kind" = "$_pf_tls_kind" ] && continue
		eval "_pf_p=\$PF_PORT_$_pf_kind _pf_cert=\$PF_CERT_$_pf_kind"
		eval "_pf_key=\$PF_KEY_$_pf_kind"
		printf '127.0.0.1:%s inet n - n - - smtpd\n' "$_pf_p"
		printf '  -o syslog_name=%s/starttls-%s\n' "$_pf_syslog" "$_pf_kind"
		printf '  -o smtpd_tls_cert_file=%s -o smtpd_tls_key_file=%s\n' \
			"$_pf_cert" "$_pf_key"
	done
	printf 'tlsmgr unix - - n 1000? 1 tlsmgr\n'
}

# _pf_listening PORT: something listens on 127.0.0.1:PORT. Read from the
# kernel's socket table rather than by connecting, so the mail log holds only
# the sessions a test made; bash's /dev/tcp is the fallback.
_pf_listening() {
	if [ -r /proc/net/tcp ]; then
		awk -v a="$(printf '0100007F:%04X' "$1")" \
			'$2 == a && $4 == "0A" { found = 1 } END { exit !found }' \
			/proc/net/tcp
	else
		# shellcheck disable=SC2016 # $1 is bash's, not ours
		timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
	fi
}

_pf_diag_files() {
	diag "Postfix start output ($PF_DIR/start.out):"
	[ -f "$PF_DIR/start.out" ] && diag "$(cat "$PF_DIR/start.out")"
	diag "Postfix log ($PF_LOG):"
	[ -f "$PF_LOG" ] && diag "$(cat "$PF_LOG")"
	# Errors found before the log is set up (a bad main.cf) are printed only
	# when stderr is a terminal; script(1) provides one.
	if command -v script >/dev/null 2>&1; then
		diag "postfix check:"
		diag "$(timeout 10 script -qec \
			"'$PF_POSTFIX' -c '$PF_CONF' check" /dev/null </dev/null 2>&1 | tr -d '\r')"
	fi
	return 0
}

# _pf_master_pid DIR: print the PID recorded by that instance's master.
_pf_master_pid() {
	_pf_pid=
	[ -f "$1/queue/pid/master.pid" ] || return 1
	read -r _pf_pid <"$1/queue/pid/master.pid" || true
	case $_pf_pid in
	'' | *[!0-9]*) return 1 ;;
	esac
	echo "$_pf_pid"
}

# _pf_is_master PID DIR: PID is still that instance's master (not a zombie,
# not a recycled PID).
_pf_is_master() {
	if ! [ -d /proc/self ]; then
		kill -0 "$1" 2>/dev/null
		return
	fi
	[ -r "/proc/$1/environ" ] || return 1
	case $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) in
	Z | X | '') return 1 ;;
	esac
	{ tr '\000' '\n' <"/proc/$1/environ"; } 2>/dev/null |
		grep -qFx "MAIL_CONFIG=$2/etc"
}

_pf_master_gone() {
	_pf_gone_pid=$(_pf_master_pid "$1") || return 0
	! _pf_is_master "$_pf_gone_pid" "$1"
}

# postfix_stop [DIR]: stop the instance in DIR (default: $PF_DIR), and its
# Dovecot if it has one; idempotent.
postfix_stop() {
	_pf_stop_dir=${1:-${PF_DIR:-}}
	[ -n "$_pf_stop_dir" ] && [ -d "$_pf_stop_dir/etc" ] || return 0
	# Both stop side by side: Dovecot is told first and waited for last.
	dovecot_stop_begin "$_pf_stop_dir/dovecot"
	_pf_stop_postfix "$_pf_stop_dir"
	dovecot_stop_wait "$_pf_stop_dir/dovecot"
}

_pf_stop_postfix() {
	_pf_stop_dir=$1
	_pf_stop_pid=$(_pf_master_pid "$_pf_stop_dir") || return 0
	_pf_is_master "$_pf_stop_pid" "$_pf_stop_dir" || return 0
	# "abort" sends master the same SIGTERM as "stop", but does not sleep a
	# whole second before its first check; we poll for the exit ourselves.
	"$PF_POSTFIX" -c "$_pf_stop_dir/etc" abort >/dev/null 2>&1 || true
	if ! wait_until 5 _pf_master_gone "$_pf_stop_dir"; then
		diag "Postfix master $_pf_stop_pid lingers; killing it"
		kill -KILL "$_pf_stop_pid" 2>/dev/null || true
		wait_until 2 _pf_master_gone "$_pf_stop_dir" || true
	fi
	# master's children (smtpd, qmgr, ...) share its process group and get
	# SIGTERM from it; give them a moment so nothing outlives the test.
	wait_until 5 _pf_group_gone "$_pf_stop_pid" ||
		diag "Postfix processes of group $_pf_stop_pid are still running"
	return 0
}

# _pf_group_gone PGID: no live process is left in the group (zombies wait
# for whoever reaps orphans and no longer count).
_pf_group_gone() {
	ps -e -o pgid=,stat= 2>/dev/null |
		awk -v g="$1" '$1 == g && $2 !~ /^Z/ { n++ } END { exit n > 0 }'
}

# mail_count USER: number of messages in USER's Maildir new/.
mail_count() {
	maildir_files "$1" | wc -l | tr -d ' '
}

# maildir_files USER: the delivered message files, oldest first, one a line.
maildir_files() {
	[ -d "$PF_MAILDIR/$1/new" ] || return 0
	# Oldest first by modification time, which has sub-second resolution;
	# the time at the start of a Maildir name has only seconds.
	# shellcheck disable=SC2012 # Maildir names are plain ASCII
	ls -tr "$PF_MAILDIR/$1/new" | sed "s|^|$PF_MAILDIR/$1/new/|"
}

# wait_for_delivery USER COUNT [SECONDS]: wait (default 15 s) until USER has
# COUNT messages, then until Postfix is idle; succeed if it is exactly COUNT.
wait_for_delivery() {
	_pf_want=$2
	wait_until "${3:-15}" _pf_has_at_least "$1" "$_pf_want" || true
	postfix_wait_idle
	_pf_got=$(mail_count "$1")
	[ "$_pf_got" -eq "$_pf_want" ] && return 0
	diag "$1 has $_pf_got message(s), expected $_pf_want"
	return 1
}

_pf_has_at_least() {
	[ "$(mail_count "$1")" -ge "$2" ]
}

# postfix_queue_empty: no message is waiting or being delivered.
postfix_queue_empty() {
	[ -z "$(find "$PF_QUEUE/maildrop" "$PF_QUEUE/incoming" \
		"$PF_QUEUE/active" "$PF_QUEUE/deferred" "$PF_QUEUE/hold" \
		-type f 2>/dev/null | head -1)" ]
}

# postfix_idle: every SMTP session has ended and the queue is empty, so any
# message the server accepted has been delivered (or deferred, see above).
postfix_idle() {
	[ "$(grep -c 'smtpd\[[0-9]*\]: connect from ' "$PF_LOG" 2>/dev/null)" = \
		"$(grep -c 'smtpd\[[0-9]*\]: disconnect from ' "$PF_LOG" 2>/dev/null)" ] &&
		postfix_queue_empty
}

# postfix_wait_idle [SECONDS]: bounded wait (default 10 s) for postfix_idle.
postfix_wait_idle() {
	wait_until "${1:-10}" postfix_idle && return 0
	diag "Postfix is not idle after ${1:-10} s; queue:"
	diag "$(find "$PF_QUEUE/incoming" "$PF_QUEUE/active" \
		"$PF_QUEUE/deferred" "$PF_QUEUE/hold" -type f 2>/dev/null)"
	return 1
}

# assert_no_mail USER: TAP assertion that nothing arrived for USER.
assert_no_mail() {
	postfix_wait_idle || true
	# The last session may have ended a moment before its log line was
	# written; a short pause covers that.
	sleep 0.3
	postfix_wait_idle 2 || true
	_pf_got=$(mail_count "$1")
	if [ "$_pf_got" -eq 0 ]; then
		pass "$1 received no mail"
	else
		fail "$1 received no mail" "$1 has $_pf_got message(s):
$(for _pf_f in $(maildir_files "$1"); do cat "$_pf_f"; echo ----; done)"
	fi
}

# assert_nothing_delivered: TAP assertion that no mailbox received anything.
assert_nothing_delivered() {
	postfix_wait_idle || true
	sleep 0.3
	postfix_wait_idle 2 || true
	_pf_found=
	for _pf_user in $PF_USERS; do
		[ "$(mail_count "$_pf_user")" -eq 0 ] || _pf_found="$_pf_found $_pf_user"
	done
	if [ -z "$_pf_found" ]; then pass "no mailbox received mail"; else
		fail "no mailbox received mail" "mail arrived for:$_pf_found"
	fi
}

# postfix_transaction_count: how many mail transactions (accepted MAIL FROM
# commands) the server has seen so far.
postfix_transaction_count() {
	grep -c 'smtpd\[[0-9]*\]: [0-9A-F]*: client=' "$PF_LOG"
}

# assert_queue_empty: TAP assertion that Postfix holds no message.
assert_queue_empty() {
	postfix_wait_idle || true
	if postfix_queue_empty; then pass "Postfix queue is empty"; else
		fail "Postfix queue is empty" "$(postfix_log_tail 20)"
	fi
}

# message_without_trace FILE: print the delivered message without the trace
# fields that delivery put on top (Return-Path, Delivered-To, X-Original-To,
# Received, each with its continuation lines); the rest is copied byte for
# byte. Maildir files have LF line endings.
message_without_trace() {
	# Diagnostics to stderr: stdout is usually the file being compared.
	[ -f "$1" ] || { diag "no such message file: '$1'" >&2; return 1; }
	_pf_skip=$(awk '
		/^[ \t]/ && intrace { n++; next }
		{
			name = tolower($0); sub(/:.*/, "", name)
			if (name == "return-path" || name == "delivered-to" ||
			    name == "x-original-to" || name == "received") {
				intrace = 1; n++; next
			}
			exit
		}
		END { print n + 0 }' "$1")
	tail -n "+$((_pf_skip + 1))" "$1"
}

# message_return_path FILE: the address in the Return-Path field, with <>.
message_return_path() {
	sed -n 's/^Return-Path: *//p; /^$/q' "$1" | head -1
}

# postfix_session_summary [N]: the command counts of the Nth SMTP session
# (default: the last one), e.g. "ehlo=1 mail=1 rcpt=2 data=1 quit=1
# commands=6", once the session has ended and been logged (bounded wait).
postfix_session_summary() {
	wait_until 5 _pf_has_sessions "${1:-1}" || true
	postfix_wait_idle || true
	grep 'smtpd\[[0-9]*\]: disconnect from ' "$PF_LOG" |
		if [ $# -gt 0 ]; then sed -n "${1}p"; else tail -n 1; fi |
		sed 's/.*: disconnect from [^ ]* //'
}

_pf_has_sessions() {
	[ "$(grep -c 'smtpd\[[0-9]*\]: disconnect from ' "$PF_LOG")" -ge "$1" ]
}

# postfix_sasl_methods: the SASL mechanism of each authenticated mail
# transaction so far, oldest first, one a line (once Postfix is idle).
postfix_sasl_methods() {
	postfix_wait_idle || true
	sed -n 's/.*smtpd\[[0-9]*\]: [0-9A-F]*: client=.*, sasl_method=\([^,]*\),.*/\1/p' \
		"$PF_LOG"
}

# postfix_auth_count: how many AUTH commands the server has seen (each
# session's summary counts them as auth=N or auth=OK/N).
postfix_auth_count() {
	postfix_wait_idle || true
	grep 'smtpd\[[0-9]*\]: disconnect from ' "$PF_LOG" |
		sed -n 's/.* auth=\([0-9]*\/\)\{0,1\}\([0-9]*\).*/\2/p' |
		awk '{ n += $1 } END { print n + 0 }'
}

# postfix_log_tail [LINES]: the end of the mail log, for diagnostics.
postfix_log_tail() {
	tail -n "${1:-20}" "$PF_LOG" 2>/dev/null
}

# _pf_failure_logs: after a failed test, the tails of the server logs (a
# CI failure must explain itself; the files go away with $TEST_TMP).
_pf_failure_logs() {
	[ "${tap_failures:-0}" -gt 0 ] || return 0
	if [ -f "${PF_LOG:-}" ]; then
		diag "last lines of the Postfix log ($PF_LOG):"
		diag "$(tail -n 40 "$PF_LOG")"
	fi
	if [ -f "${DOV_LOG:-}" ]; then
		diag "last lines of the Dovecot log ($DOV_LOG):"
		diag "$(tail -n 20 "$DOV_LOG")"
	fi
	return 0
}

# An internationalized domain for the SMTPUTF8 and IDNA tests: bücher.example,
# whose ASCII form (A-label) is PF_IDN_DOMAIN.
PF_IDN_DOMAIN=xn--bcher-kva.example
# shellcheck disable=SC2034 # for the tests that source this file
PF_IDN_DOMAIN_UTF8='bücher.example'

# postfix_start_idn [MAIN.CF-LINE...]: postfix_start, and the instance also
# accepts mail for dave@$PF_IDN_DOMAIN (Maildir of the pseudo-user dave-idn:
# maildir_files dave-idn) and for the non-ASCII local part jörg@example.test
# (pseudo-user joerg). The domain is listed in its ASCII form only, as DNS
# and most servers know it; Postfix 3.7 does not map a UTF-8 domain to it
# (dave@bücher.example is refused with 554 5.7.1 Relay access denied).
# SMTPUTF8 is offered (smtputf8_enable defaults to yes) unless a MAIN.CF-LINE
# says "smtputf8_enable = no"; strict_smtputf8 = yes makes the server refuse
# a UTF-8 address in a transaction that did not ask for SMTPUTF8.
postfix_start_idn() {
	_pf_idn=yes
	_pf_idn_domains=" $PF_IDN_DOMAIN"
	postfix_start "strict_smtputf8 = yes" "$@"
	_pf_idn=no
	_pf_idn_domains=
}

# postfix_start_idn_with_account [MAIN.CF-LINE...]: postfix_start_idn, and
# $conf as postfix_start_with_account writes it.
postfix_start_idn_with_account() {
	[ -x "${POSTIE:-}" ] ||
		bail "postie is not built: POSTIE='${POSTIE:-}' is not an executable (run make)"
	postfix_start_idn "$@"
	conf=$TEST_TMP/postierc
	write_config "$conf" 127.0.0.1 "$PF_PORT"
}

_pf_idn_mailboxes() {
	printf 'dave@%s dave-idn/\n' "$PF_IDN_DOMAIN"
	printf 'jörg@example.test joerg/\n'
}

# write_sendmail_wrapper FILE [POSTIE-ARGS...]: FILE becomes an executable
# script for a mail client to run as its "sendmail": it runs
# "$POSTIE" -C "$conf" POSTIE-ARGS... and then the client's arguments
# (bounded by timeout), and records each call in $TEST_TMP: the client's
# arguments one a line and a "--" line after them in wrapper-args
# (appended), the message the client handed over in wrapper-input, postie's
# stderr in wrapper-stderr (also passed on to the client) and its exit
# status in wrapper-status. postie's stderr is kept for
# tests/no_secrets_anywhere.sh as run_postie keeps it.
write_sendmail_wrapper() {
	_pf_wrapper=$1
	shift
	_pf_kept=
	[ -z "${POSTIE_OUTPUT_DIR:-}" ] ||
		_pf_kept=$POSTIE_OUTPUT_DIR/$(printf '%s' "$0" | sed 's|^.*tests/||; s|[/.]|_|g').wrapper.out
	{
		echo '#!/bin/sh'
		printf 'dir=%s\n' "$(_pf_sh_quote "$TEST_TMP")"
		printf 'kept=%s\n' "$(_pf_sh_quote "$_pf_kept")"
		cat <<'EOF_WRAPPER'
{ printf '%s\n' "$@"; echo --; } >>"$dir/wrapper-args"
EOF_WRAPPER
		printf 'set -- %s "$@"\n' "$(_pf_sh_quote_args "$POSTIE" -C "$conf" "$@")"
		cat <<'EOF_WRAPPER'
status=0
tee "$dir/wrapper-input" | timeout 30 "$@" 2>"$dir/wrapper-stderr" || status=$?
echo "$status" >"$dir/wrapper-status"
cat "$dir/wrapper-stderr" >&2
if [ -n "$kept" ]; then
	mkdir -p "$(dirname "$kept")" && cat "$dir/wrapper-stderr" >>"$kept"
fi
exit "$status"
EOF_WRAPPER
	} >"$_pf_wrapper" || bail "cannot write $_pf_wrapper"
	chmod 755 "$_pf_wrapper"
}

# _pf_sh_quote TEXT: TEXT as one single-quoted shell word.
_pf_sh_quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

_pf_sh_quote_args() {
	_pf_sep=
	for _pf_arg in "$@"; do
		printf '%s%s' "$_pf_sep" "$(_pf_sh_quote "$_pf_arg")"
		_pf_sep=' '
	done
}

# message_body FILE: the body of a message file (all after the first empty
# line), byte for byte.
message_body() {
	awk 'body { print; next } /^$/ { body = 1 }' "$1"
}

# message_field FILE NAME: the first NAME header field of FILE, unfolded,
# without its name (the header only; case-insensitive name).
message_field() {
	awk -v want="$2" '
		/^$/ { exit }
		/^[ \t]/ { if (found && !done) value = value $0; next }
		found { done = 1 }
		!done {
			name = $0; sub(/:.*/, "", name)
			if (tolower(name) == tolower(want)) {
				found = 1; value = $0; sub(/^[^:]*:[ \t]*/, "", value)
			}
		}
		END { if (found) print value }' "$1"
}

# message_fields_beyond FILE OTHER: the names (lower case, one a line) of
# the header fields of FILE that OTHER's header does not have exactly (same
# name and value, folding aside). With a delivered copy as FILE and what the
# client handed over as OTHER, these are the fields added on the way; the
# other way round, the fields lost or changed.
message_fields_beyond() {
	awk '
		function flush() {
			if (field == "") return
			if (from_other) seen[field] = 1
			else if (!(field in seen)) {
				name = tolower(field); sub(/:.*/, "", name); print name
			}
			field = ""
		}
		FNR == 1 { flush(); inheader = 1; from_other = (FILENAME == ARGV[1]) }
		!inheader { next }
		/^$/ { flush(); inheader = 0; next }
		/^[ \t]/ { field = field $0; next }
		{ flush(); field = $0 }
		END { flush() }' "$2" "$1"
}

# smtp_sink_start [SMTP-SINK-OPTION...]: start Postfix's smtp-sink (a server
# that accepts and discards every message) on 127.0.0.1:$SINK_PORT, stopped
# at exit. Its running counters (-c: "sess=N quit=N mesg=N" after each
# message and session) go to $SINK_OUT. For tests that move more data than
# a Maildir should hold.
smtp_sink_start() {
	_pf_sink=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
	[ -x "$_pf_sink" ] ||
		skip_all "smtp-sink is not installed (install the postfix package)"
	if [ -z "${FREEPORT:-}" ] || ! [ -x "$FREEPORT" ]; then
		bail "FREEPORT='${FREEPORT:-}' is not an executable (build tests/tools/freeport first)"
	fi
	# As root it must drop privileges; as anyone else it cannot.
	_pf_sink_user=
	[ "$(id -u)" -ne 0 ] || _pf_sink_user="-u $PF_VUSER"
	SINK_OUT=$TEST_TMP/smtp-sink.out
	_pf_try=0
	while :; do
		_pf_try=$((_pf_try + 1))
		SINK_PORT=$("$FREEPORT") || bail "$FREEPORT failed"
		# shellcheck disable=SC2086 # "-u USER" is two words, or none
		"$_pf_sink" $_pf_sink_user -c "$@" "127.0.0.1:$SINK_PORT" 16 \
			>"$SINK_OUT" 2>&1 &
		SINK_PID=$!
		wait_until 5 _pf_listening "$SINK_PORT" && kill -0 "$SINK_PID" 2>/dev/null &&
			break
		kill "$SINK_PID" 2>/dev/null
		wait "$SINK_PID" 2>/dev/null
		[ $_pf_try -lt 3 ] ||
			bail "smtp-sink does not listen on 127.0.0.1:$SINK_PORT: $(cat "$SINK_OUT")"
	done
	at_exit "smtp_sink_stop"
	export SINK_PORT SINK_PID SINK_OUT
}

# smtp_sink_stop: stop the smtp-sink smtp_sink_start started; idempotent.
smtp_sink_stop() {
	[ -n "${SINK_PID:-}" ] || return 0
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PID=
	return 0
}

# smtp_sink_messages: how many messages smtp-sink has received so far.
smtp_sink_messages() {
	tr '\r' '\n' <"$SINK_OUT" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -n 1 |
		grep . || echo 0
}
