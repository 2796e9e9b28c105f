#!/bin/bash
# Replays each fuzz target's seed corpus, then fuzzes it for SECONDS.
# Without clang's libFuzzer runtime the targets are replay drivers
# (tests/fuzz/replay_main.c): the corpora are replayed, fuzzing is skipped.
# Usage: run-fuzz.sh SECONDS FUZZ_BINARY...
set -u
secs=$1
shift
pass=0 fail=0
libfuzzer=1
if ! clang -fsanitize=fuzzer -x c -o /dev/null - 2>/dev/null <<<'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }'; then
	echo "fuzz: clang's libFuzzer runtime is missing (make deps installs" \
	    "libclang-rt-14-dev): replaying the corpora only" >&2
	libfuzzer=0
fi
for t in "$@"; do
	name=${t##*/}
	seeds=tests/fuzz/corpus/${name#fuzz_}
	work=$(mktemp -d)
	[ -d "$seeds" ] || seeds=
	if [ "$libfuzzer" = 0 ]; then
		if "$t" $seeds >"$work/replay.log" 2>&1; then
			echo "ok - $name ($(grep -o '[0-9]* inputs' "$work/replay.log") replayed; not fuzzed)"
			pass=$((pass + 1))
		else
			echo "not ok - $name"
			tail -n 40 "$work/replay.log"
			fail=$((fail + 1))
		fi
	elif "$t" -runs=0 $seeds >/dev/null 2>"$work/replay.log" &&
	    "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	        -print_final_stats=1 "$work" $seeds >"$work/log" 2>&1; then
		execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
		echo "ok - $name (${execs:-?} executions in ${secs}s)"
		pass=$((pass + 1))
	else
		echo "not ok - $name"
		tail -n 40 "$work/replay.log" "$work/log"
		# libFuzzer leaves the failing input as ./crash-* (or leak-*,
		# timeout-*) in the current directory.
		fail=$((fail + 1))
	fi
	rm -rf "$work"
done
echo "fuzz: $pass passed, $fail failed"
[ -n "${CTL_COUNTS:-}" ] && echo "$pass $fail" >>"$CTL_COUNTS"
[ "$fail" = 0 ]
