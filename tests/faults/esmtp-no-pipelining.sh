#!/bin/sh
# A server without PIPELINING gets one command per write: after each of
# MAIL, both RCPTs and DATA, postie sends nothing until it has the reply
# (the script checks that nothing more comes before it answers).
. "${TESTS_SRCDIR:?run the tests with make check}/lib.sh"
. "$TESTS_SRCDIR/faults/fixture.subr"

fault_start esmtp-no-pipelining
run_postie "$FAULT_MESSAGE" -C "$FAULT_CONFIG" -v one@example.test two@example.test
fault_finish
is "$status" 0 "exit status 0"
like "$stderr" "pipelining: not offered; one command per write" "-v says so"
fault_done
