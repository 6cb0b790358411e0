#!/bin/sh
# fuzz.sh - build and run the libFuzzer harnesses of tests/fuzz/ (make fuzz).
#
#   fuzz.sh build NAME...        compile the parsers and each fuzz_NAME.c with
#                                clang, apart from the normal build
#   fuzz.sh run [fuzz-run-]NAME SECONDS
#                                run one harness for SECONDS on a copy of its
#                                seed corpus; prints "fuzz: NAME: PASS|FAIL, N
#                                executions" and fails on a crash, a leak or a
#                                timeout, naming the saved input
#
# The Makefile passes FUZZ_SRCDIR (the source tree), FUZZ_BUILDDIR (where the
# objects, binaries and scratch corpora go), FUZZ_CC and FUZZ_LIBS.
set -eu

srcdir=${FUZZ_SRCDIR:?}
builddir=${FUZZ_BUILDDIR:?}
cc=${FUZZ_CC:-clang}
libs=${FUZZ_LIBS:--lidn2}
fuzzdir=$srcdir/tests/fuzz

# The parsers the harnesses reach. Nothing here can start a program: the
# `passwordeval` runner and the network are in files left out (checked below).
parsers="outcome strbuf fileio config config_command address header smtp_reply message aliases"

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all"
cflags="-std=c11 -Wall -Wextra -Wformat=2 -g -O1 -fno-omit-frame-pointer $sanitize -D_GNU_SOURCE"
cppflags="-I$srcdir/src -I$fuzzdir -DSYSCONFDIR=\"/etc\" -DPACKAGE_VERSION=\"fuzz\""

build() {
	mkdir -p "$builddir/obj" "$builddir/bin"
	objs=
	for p in $parsers; do
		# shellcheck disable=SC2086
		$cc $cflags -fsanitize=fuzzer-no-link $cppflags -c "$srcdir/src/$p.c" \
			-o "$builddir/obj/$p.o"
		objs="$objs $builddir/obj/$p.o"
	done
	# shellcheck disable=SC2086
	if nm -u $objs | grep -Eq ' U (system|popen|fork|vfork|posix_spawnp?|exec[lv]p?e?)$'; then
		echo "fuzz: a parser object can start a program; the harnesses must not" >&2
		exit 1
	fi
	rm -f "$builddir/obj/libparsers.a"
	# shellcheck disable=SC2086
	ar cr "$builddir/obj/libparsers.a" $objs
	for name in "$@"; do
		# shellcheck disable=SC2086
		$cc $cflags -fsanitize=fuzzer $cppflags "$fuzzdir/fuzz_$name.c" \
			"$builddir/obj/libparsers.a" $libs -o "$builddir/bin/fuzz_$name"
	done
	echo "fuzz: built $* in $builddir/bin"
}

run() {
	name=${1#fuzz-run-}
	seconds=$2
	work=$builddir/work/$name
	bin=$builddir/bin/fuzz_$name
	dict=

	[ -x "$bin" ] || { echo "fuzz: $name: FAIL, no harness $bin (run fuzz.sh build)"; exit 1; }
	rm -rf "$work"
	mkdir -p "$work/corpus"
	# The tree (read-only under distcheck) is never written: new inputs
	# and crashes go to the scratch copy.
	cp "$fuzzdir/corpus/$name/"* "$work/corpus/"
	chmod -R u+w "$work"
	[ -f "$fuzzdir/$name.dict" ] && dict="-dict=$fuzzdir/$name.dict"
	status=0
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/" $dict "$work/corpus" \
		>"$work/log" 2>&1 || status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
	found=$(find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' \) | head -1)
	if [ "$status" -eq 0 ] && [ -z "$found" ]; then
		echo "fuzz: $name: PASS, ${execs:-0} executions"
		return 0
	fi
	echo "fuzz: $name: FAIL, ${execs:-0} executions (exit $status)"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: |.*runtime error)' "$work/log" | head -5 | sed 's/^/    /'
	echo "    reproducer: ${found:-none saved}; log: $work/log"
	echo "    replay: $bin ${found:-INPUT}"
	exit 1
}

case ${1:-} in
build) shift; build "$@" ;;
run) shift; run "$@" ;;
*) echo "usage: fuzz.sh build NAME... | fuzz.sh run NAME SECONDS" >&2; exit 64 ;;
esac
