#!/bin/sh
# --pretend (-P): the settings in effect, one "key = value" line each, and
# the envelope; a password or passwordeval is shown as <set>, never its
# text. Nothing is sent (no server runs here).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"

config=$TEST_TMP/config
write_config "$config" smtp.example.test 2525 "auth on
user someone
password Fault-p4ss-7e1d
tls_fingerprint AB:CD:EF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00
logfile $TEST_TMP/log

account evaling : default
passwordeval echo Fault-eval-9c2b"

run_postie /dev/null -P -C "$config" -f me@example.test a@example.test b@example.test
is "$status" 0 "exit status 0"
is "$stderr" "" "nothing on stderr"
like "$stdout" "config file             = $config" "the config file"
like "$stdout" "account                 = default ($config:" "the account and where it is"
like "$stdout" "host                    = smtp.example.test" "the host"
like "$stdout" "port                    = 2525" "the port"
like "$stdout" "timeout                 = 10" "the timeout"
like "$stdout" "tls                     = off" "tls"
like "$stdout" "tls_fingerprint         = AB:CD:EF" "the pin"
like "$stdout" "auth                    = on" "auth"
like "$stdout" "user                    = someone" "the user"
like "$stdout" "password                = <set>" "the password as <set>"
like "$stdout" "passwordeval            = <not set>" "no passwordeval"
like "$stdout" "logfile                 = $TEST_TMP/log" "the logfile"
like "$stdout" "envelope from           = me@example.test" "the envelope sender"
like "$stdout" "recipient               = a@example.test
recipient               = b@example.test" "the recipients"
unlike "$stdout" "Fault-p4ss-7e1d" "the password text is not shown"

run_postie /dev/null --pretend -C "$config" -a evaling a@example.test
is "$status" 0 "passwordeval account: exit status 0"
like "$stdout" "passwordeval            = <set>" "passwordeval as <set>"
unlike "$stdout" "Fault-eval" "the passwordeval command is not shown"
unlike "$stdout" "echo" "nothing of the passwordeval command is shown"
[ -e "$TEST_TMP/log" ] && fail "nothing logged" "the logfile was written" || pass "nothing logged"
done_testing
