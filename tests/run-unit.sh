#!/bin/bash
# Runs each cmocka unit-test binary with TAP output and records the counts.
set -u
pass=0 fail=0
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $t exited $rc"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f))
done
echo "unit: $pass passed, $fail failed"
[ -n "${CTL_COUNTS:-}" ] && echo "$pass $fail" >>"$CTL_COUNTS"
[ "$fail" = 0 ]
