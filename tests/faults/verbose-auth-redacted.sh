#!/bin/sh
# -v over STARTTLS with AUTH PLAIN: the conversation on stderr shows the
# AUTH line with its data redacted, and never the password, neither as it
# is nor in base64 (alone or in the PLAIN form "\0user\0password").
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

user=fault-user
password=Fault-Secret-42
plain_b64=$(printf '\000%s\000%s' "$user" "$password" | base64)
password_b64=$(printf '%s' "$password" | base64)

fault_tls_certs
fault_start verbose-auth-redacted "$FAULT_TLS_CONFIG
auth plain
user $user
password $password"
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -v rcpt@example.test
fault_finish

is "$status" 0 "delivered"
# The command, not the server's "250-AUTH PLAIN" capability line.
auth_line=$(grep 'AUTH PLAIN' "$TEST_TMP/stderr" | grep -v '[0-9][0-9][0-9][ -]AUTH' | head -n 1)
like "$auth_line" "AUTH PLAIN" "stderr shows the AUTH PLAIN command"
like "$auth_line" "redacted" "the AUTH line's data is redacted"
unlike "$stderr" "$password" "stderr never shows the password"
unlike "$stderr" "$plain_b64" "stderr never shows the PLAIN response in base64"
unlike "$stderr" "$password_b64" "stderr never shows the password in base64"
like "$stderr" "250 2.0.0 queued as VERBOSE" "the conversation goes on after AUTH"
server_noted "sasl-server PLAIN: authentication succeeded for user $user" "the server accepted the credentials"
fault_done
